//! The whole-system lab's bundle (started by the loader in `index.html` for `?lab=system`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::system::SystemPage,
    engine::system::SystemLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
