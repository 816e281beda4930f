//! The lb lab's bundle (started by the loader in `index.html` for `?lab=lb`).

ha_playground::lab_root!(Root, ha_playground::pages::lb::LbPage, engine::lb::LbLab);

fn main() {
    ha_playground::app::start::<Root>();
}
