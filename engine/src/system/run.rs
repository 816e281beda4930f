//! The lab's run: the simulation with its past ([`History`]), where a machine or zone fault
//! clicked in the page is applied as the link will replay it — the command, then the process
//! faults it stands for — and each shard's Raft group is checked after every event by the Raft
//! lab's five invariants.

use super::faults::{chaos_faults, expand, grown, machine_cmd};
use super::params::SystemParams;
use super::{nodes, SysNode};
use crate::fault::{Fault, TimedFault};
use crate::history::{History, Run};
use crate::invariant::{Fingerprint, Invariant, Local};
use crate::net::NetConfig;
use crate::raft::{self, RaftNode};
use crate::sim::{RunOutcome, Sim};
use crate::time::SimTime;
use crate::NodeId;

/// The whole-system run.
#[derive(Clone, Debug)]
pub struct SystemRun {
    /// Settings.
    pub p: SystemParams,
    /// The simulation and its snapshots.
    pub hist: History<SysNode>,
    /// The link's own timeline.
    pub faults: Vec<TimedFault>,
    /// The chaos mode's faults, drawn from the seed (already in the schedule; shown in the
    /// timeline beside the link's own, marked as chaos: [`super::faults::with_chaos`]).
    pub chaos: Vec<TimedFault>,
}

/// The members of shard `s` (their Raft servers) and the process id of its member 0.
fn shard(sim: &Sim<SysNode>, s: usize) -> (impl Iterator<Item = &RaftNode> + Clone, NodeId) {
    let base = sim
        .nodes()
        .iter()
        .position(|n| n.member().is_some_and(|m| m.shard == s))
        .unwrap_or(0);
    let it = sim
        .nodes()
        .iter()
        .filter_map(|n| n.member())
        .filter(move |m| m.shard == s)
        .map(|m| &m.raft);
    (it, base)
}

fn shards(sim: &Sim<SysNode>) -> usize {
    sim.nodes()
        .iter()
        .filter_map(|n| n.member())
        .map(|m| m.shard + 1)
        .max()
        .unwrap_or(0)
}

/// Shard `s`'s violation of one of Raft's safety properties, worded with the shard.
type ShardCheck = fn(&Sim<SysNode>, usize) -> Option<String>;

fn election_safety_of(sim: &Sim<SysNode>, s: usize) -> Option<String> {
    raft::election_safety_in(shard(sim, s).0)
}
fn leader_append_only_of(sim: &Sim<SysNode>, s: usize) -> Option<String> {
    raft::leader_append_only_in(shard(sim, s).0)
}
fn log_matching_of(sim: &Sim<SysNode>, s: usize) -> Option<String> {
    raft::log_matching_in(shard(sim, s).0)
}
fn leader_completeness_of(sim: &Sim<SysNode>, s: usize) -> Option<String> {
    let (it, base) = shard(sim, s);
    raft::leader_completeness_in(it, |i| sim.is_up(base + i))
}
fn state_machine_safety_of(sim: &Sim<SysNode>, s: usize) -> Option<String> {
    raft::state_machine_safety_in(shard(sim, s).0)
}

/// The first shard that violates `check`.
fn any_shard(sim: &Sim<SysNode>, check: ShardCheck) -> Option<String> {
    (0..shards(sim)).find_map(|s| check(sim, s).map(|d| format!("shard {s}: {d}")))
}
/// `check` on the shard process `i` is a member of (the front and the apps are in none: a step
/// of theirs cannot break a shard's Raft safety).
fn own_shard(sim: &Sim<SysNode>, i: NodeId, check: ShardCheck) -> Option<String> {
    let s = sim.nodes()[i].member()?.shard;
    check(sim, s).map(|d| format!("shard {s}: {d}"))
}

/// Each shard's Raft safety invariants (Figure 3), by the Raft lab's checks: in full over every
/// shard on the first step and while broken, and after a step of one process only on its own
/// shard (the other shards held and did not change; the violation found is the same).
pub fn invariants() -> Vec<(Invariant<SysNode>, Local<SysNode>)> {
    macro_rules! per_shard {
        ($name:expr, $check:ident) => {
            (
                ($name, |sim: &Sim<SysNode>| any_shard(sim, $check)),
                |sim: &Sim<SysNode>, i: NodeId| own_shard(sim, i, $check),
            )
        };
    }
    vec![
        per_shard!(raft::ELECTION_SAFETY, election_safety_of),
        per_shard!(raft::LEADER_APPEND_ONLY, leader_append_only_of),
        per_shard!(raft::LOG_MATCHING, log_matching_of),
        per_shard!(raft::LEADER_COMPLETENESS, leader_completeness_of),
        per_shard!(raft::STATE_MACHINE_SAFETY, state_machine_safety_of),
    ]
}

/// What the invariants read of a process: a member's Raft fingerprint; nothing of the others
/// (events at the front and the apps skip the checks).
fn fingerprint(n: &SysNode) -> Fingerprint {
    n.member().map_or([0; 10], |m| raft::fingerprint(&m.raft))
}

/// A simulation of the system, its timeline expanded, with its invariants.
/// (A shard the timeline adds is in the settings: [`grown`].)
pub fn new_sim(p: &SystemParams, seed: u64, net: NetConfig, faults: &[TimedFault]) -> Sim<SysNode> {
    let p = &grown(p, faults);
    let mut all: Vec<TimedFault> = faults.to_vec();
    all.extend(chaos_faults(p, seed));
    crate::sort::sort_by_key(&mut all, |f| f.at);
    let mut sim = Sim::new(seed, nodes(p), net, expand(p, &all));
    for (inv, local) in invariants() {
        // Checked on the changed member's shard whenever its fingerprint changed.
        sim.add_local_invariant(inv, local);
    }
    sim.set_fingerprint(fingerprint);
    sim
}

impl SystemRun {
    /// The run of these settings and timeline.
    pub fn new(p: &SystemParams, seed: u64, net: NetConfig, faults: &[TimedFault]) -> SystemRun {
        SystemRun {
            p: grown(p, faults),
            hist: History::new(new_sim(p, seed, net, faults)),
            faults: faults.to_vec(),
            chaos: chaos_faults(p, seed),
        }
    }
    /// The simulation at the current position.
    pub fn sim(&self) -> &Sim<SysNode> {
        self.hist.sim()
    }
}

impl Run for SystemRun {
    fn steps(&self) -> u64 {
        self.hist.steps()
    }
    fn now(&self) -> SimTime {
        Run::now(&self.hist)
    }
    fn step(&mut self) -> bool {
        self.hist.step()
    }
    fn step_back(&mut self) -> bool {
        self.hist.step_back()
    }
    fn seek_step(&mut self, k: u64) -> u64 {
        self.hist.seek_step(k)
    }
    fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        self.hist.seek_time(t, budget)
    }
    fn next_time(&mut self) -> Option<SimTime> {
        Run::next_time(&mut self.hist)
    }
    fn advance_idle(&mut self, t: SimTime) -> bool {
        Run::advance_idle(&mut self.hist, t)
    }
    fn inject(&mut self, fault: Fault) -> u64 {
        let extra = machine_cmd(&fault)
            .map(|c| c.expand(&self.p))
            .unwrap_or_default();
        let mut taken = self.hist.inject(fault);
        for f in extra {
            taken += self.hist.inject(f);
        }
        taken
    }
    fn keep_trace_tail(&mut self, n: Option<usize>) {
        self.hist.keep_trace_tail(n)
    }
    fn forward_only(&mut self) {
        self.hist.forward_only()
    }
    fn step_quiet(&mut self) -> bool {
        self.hist.step_quiet()
    }
    fn relog(&mut self) {
        self.hist.relog()
    }
}
