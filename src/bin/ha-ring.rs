//! The ring lab's bundle (started by the loader in `index.html` for `?lab=ring`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::ring::RingPage,
    engine::ring::HashRingLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
