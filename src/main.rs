//! HA Playground: the browser entry point.

fn main() {
    ha_playground::web::install_panic_panel();
    yew::Renderer::<ha_playground::app::App>::new().render();
}
