//! The engine's integration tests: one binary, one module per area (architecture §4).
//!
//! - `sim`: the discrete-event core on a toy ping-pong node (ordering, faults, history).
//! - `heartbeat`: the heartbeat lab, one test per rule.
//! - `phi`: φ accrual against Akka's published behaviour, and its properties.
//! - `swim`: SWIM gossip membership with Lifeguard, one test per rule, and its properties.
//! - `codec`: links in and out, and what a bad link turns into.
//! - `determinism`: same link, same run — presets, round trips and a seed sweep.
//! - `transcript`: etcd-style expected traces in `testdata/*.txt` (`UPDATE_TRANSCRIPTS=1` rewrites).
//! - `registry`: every lab's key table, presets and key soups that must hold together.
//! - `script`: scripted transcripts of every lab (step, inject, back, seek) in `testdata/scripts/`.
//! - `avail`: the availability calculator (nines, systems, Monte-Carlo, M/M/c) as properties.
//! - `lesson`: lesson files (parsing, hostile files, round trips), every built-in lesson's claims, `notes=`.
//! - `system`: the whole-system lab: presets, linearizability under random faults, the checkers agree.
//! - `props`: property tests (`PROPTEST_CASES` overrides the case counts).

// The determinism lints (engine/clippy.toml) are for the engine itself; tests may compute
// reference values with the platform's libm and collect into hash sets.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod avail;
mod cluster;
mod codec;
mod determinism;
mod heartbeat;
mod lb;
mod lesson;
mod phi;
mod props;
mod raft;
mod registry;
mod replication;
mod ring;
mod script;
mod sim;
mod swim;
mod system;
mod transcript;

use engine::heartbeat::{HbNode, Monitor, Worker, MONITOR};
use engine::lab::Lab;
use engine::rng::Rng;
use engine::scenario::keys::{KeyError, LabError};
use engine::scenario::{decode, Scenario};
use engine::sim::{Ctx, Node, Sim};
use engine::{History, NodeId, SimTime};

/// Every note of the kept trace, as shown.
pub fn note_texts<N: Node>(sim: &Sim<N>) -> Vec<String> {
    sim.trace()
        .iter()
        .flat_map(|e| &e.notes)
        .map(|n| n.to_string())
        .collect()
}

/// What node `i` says to `cmd` now (its typed refusal), asked of a copy: the run goes on as it was.
pub fn command<N: Node>(sim: &Sim<N>, i: NodeId, cmd: N::Command) -> Result<(), N::Refusal> {
    let n = sim.nodes().len();
    command_to(&mut sim.nodes()[i].clone(), i, n, sim.now(), cmd)
}

/// What `node` (id `i` of `n`) says to `cmd` at `now`.
pub fn command_to<N: Node>(
    node: &mut N,
    i: NodeId,
    n: usize,
    now: SimTime,
    cmd: N::Command,
) -> Result<(), N::Refusal> {
    let mut rng = Rng::new(1);
    node.on_command(&cmd, &mut Ctx::new(now, i, n, &mut rng))
}

/// The lab's own typed error its reader of `key` gives for `value` (from the lab's key table).
pub fn lab_key_error<L: Lab>(key: &str, value: &str) -> LabError {
    let k = L::keys()
        .iter()
        .find(|k| k.name == key)
        .unwrap_or_else(|| panic!("{key} is not a key of the lab"));
    match (k.set)(&mut L::Setup::default(), value) {
        Err(KeyError::Lab(e)) => e,
        other => panic!("{key}={value}: {other:?}"),
    }
}

/// The trace as the UI's event log shows it, one `Display` line per step.
pub fn lines<N: Node>(sim: &Sim<N>) -> Vec<String> {
    sim.trace().iter().map(|e| e.to_string()).collect()
}

/// Decodes a link that must be clean.
pub fn scenario(link: &str) -> Scenario {
    let d = decode(link);
    assert!(d.errors.is_empty(), "{link}: {:?}", d.errors);
    assert!(d.lab.is_some(), "{link}: no lab");
    d.scenario
}

/// Replays a clean heartbeat link to its position.
pub fn run(link: &str) -> History<HbNode> {
    scenario(link).replay_heartbeat()
}

/// The heartbeat lab's monitor.
pub fn monitor(sim: &Sim<HbNode>) -> &Monitor {
    match &sim.nodes()[MONITOR] {
        HbNode::Monitor(m) => m,
        HbNode::Worker(_) => panic!("node 0 is not the monitor"),
    }
}

/// A heartbeat-lab worker.
pub fn worker(sim: &Sim<HbNode>, i: usize) -> &Worker {
    match &sim.nodes()[i] {
        HbNode::Worker(w) => w,
        HbNode::Monitor(_) => panic!("node {i} is not a worker"),
    }
}

/// The case count for a property test: `PROPTEST_CASES` if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Asserts two runs have the same trace (steps, times, events, notes), showing the first
/// difference as trace lines rather than a wall of `Debug`.
pub fn assert_same_trace<N: Node>(a: &Sim<N>, b: &Sim<N>, what: &str)
where
    N::Shown: PartialEq,
    N::Timer: PartialEq,
{
    let (ta, tb) = (a.trace(), b.trace());
    if let Some(i) = (0..ta.len().min(tb.len())).find(|&i| ta[i] != tb[i]) {
        panic!(
            "{what}: traces differ at step {}:\n  left:  {}\n  right: {}",
            i + 1,
            ta[i],
            tb[i]
        );
    }
    assert_eq!(
        ta.len(),
        tb.len(),
        "{what}: one trace is a prefix of the other"
    );
}
