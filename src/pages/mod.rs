//! One page per lab, plus the home page.

pub mod cluster;
pub mod detect_compare;
pub mod heartbeat;
pub mod home;
pub mod lb;
pub mod raft;
pub mod replication;
pub mod ring;
pub mod swim;
pub mod system;
