//! The cluster lab's bundle (started by the loader in `index.html` for `?lab=cluster`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::cluster::ClusterPage,
    engine::cluster::ClusterLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
