//! The heartbeat lab's bundle (started by the loader in `index.html` for `?lab=heartbeat`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::heartbeat::HeartbeatPage,
    engine::heartbeat::HeartbeatLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
