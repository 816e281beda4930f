//! The SWIM lab's bundle (started by the loader in `index.html` for `?lab=swim`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::swim::SwimPage,
    engine::heartbeat::SwimLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
