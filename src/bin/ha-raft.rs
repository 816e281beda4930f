//! The raft lab's bundle (started by the loader in `index.html` for `?lab=raft`).

ha_playground::lab_root!(
    Root,
    ha_playground::pages::raft::RaftPage,
    engine::raft::RaftLab
);

fn main() {
    ha_playground::app::start::<Root>();
}
