//! The replication lab's bundle (started by the loader in `index.html` for `?lab=replication`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::replication::ReplicationPage,
    engine::replication::ReplicationLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
