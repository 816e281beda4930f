//! The ring lab's bundle (started by the loader in `index.html` for `?lab=ring`).

ha_playground::lab_root!(Root, ha_playground::pages::ring::RingPage);

fn main() {
    ha_playground::app::start::<Root>();
}
