//! # HA Playground engine
//!
//! Deterministic, sans-IO simulations of high-availability algorithms.
//!
//! **The determinism contract.** A run is a pure function of its [`scenario::Scenario`]: the
//! same link replays the same events, in the same order, at the same simulated times, on every
//! machine and in the browser. To keep that true the engine
//! - reads no wall clock (time is [`time::SimTime`], integer microseconds);
//! - draws randomness only from seeded, pinned streams ([`rng::Rng`], one per purpose);
//! - never iterates a `HashMap`/`HashSet` (ordered maps and vectors only);
//! - decides in integers, and computes the few transcendental functions it needs with
//!   [`detmath`] (basic IEEE operations only), never with the platform's libm;
//! - orders events by `(time, sequence number)`; faults at time T follow every other event at T.
//!
//! ```
//! use engine::scenario::{decode, encode};
//!
//! let link = "lab=heartbeat&v=1&seed=7&n=3&faults=1500:crash:3&t=3000";
//! let d = decode(link);
//! assert!(d.errors.is_empty());
//! let a = d.scenario.replay_heartbeat();
//! let b = decode(&encode(&d.scenario)).scenario.replay_heartbeat();
//! // Same link, same run: identical traces.
//! assert_eq!(a.sim().trace(), b.sim().trace());
//! // Node 3 crashed at 1.5 s and the monitor has declared it down.
//! let m = engine::heartbeat::measure(a.sim());
//! assert_eq!(m.fixed.detected, 1);
//! ```

pub mod avail;
pub mod cluster;
pub mod command;
pub mod detmath;
pub mod fault;
pub mod fmtnum;
pub mod health;
pub mod heartbeat;
pub mod history;
pub mod idmap;
pub mod invariant;
pub mod lab;
pub mod lab_error;
pub mod latency;
pub mod lb;
pub mod lesson;
pub mod net;
pub mod node;
mod queue;
pub mod raft;
pub mod replication;
pub mod ring;
pub mod rng;
pub mod scenario;
pub mod shared_vec;
pub mod sim;
pub mod sort;
pub mod system;
pub mod time;
pub mod trace;

/// Shortens a piece of user input quoted in an error message: at most 40 characters (then `…`),
/// no control characters, so a hostile link cannot flood the page's banner or the CLI's stderr.
pub fn clip(s: &str) -> String {
    let kept: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
    if s.chars().count() > 40 {
        format!("{kept}…")
    } else {
        kept
    }
}

/// A node's index in a simulation (`0..n`).
pub type NodeId = usize;

pub use command::{Cmd, Command};
pub use fault::{Fault, TimedFault};
pub use history::History;
pub use sim::{Ctx, Node, Sim};
pub use time::{Duration, SimTime};
