//! One page per lab, plus the home page; each is a folder: `<page>/mod.rs` holds the page
//! component and its wiring, the files beside it the parts split by concept (`stage.rs` the SVG
//! drawing, `panels.rs` the side panels, …).

pub mod cluster;
pub mod heartbeat;
pub mod home;
pub mod lb;
pub mod raft;
pub mod replication;
pub mod ring;
pub mod swim;
pub mod system;
