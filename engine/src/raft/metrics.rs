//! What the Raft lab measures: time without a leader after each disruption, elections and split
//! votes, messages by type, client-request commit latency, and the invariants — computed from
//! ghost state and ground truth (crashes, links) that the servers cannot see.

use super::{MsgCounts, RaftNode, Role};
use crate::fault::Fault;
pub use crate::latency::LatencyStats;
use crate::net::{LinkState, Links};
use crate::sim::{Sim, What};
use crate::time::SimTime;
use crate::NodeId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A stretch of time without a working leader.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outage {
    /// When it began, ms.
    pub start_ms: f64,
    /// When a leader was back, ms (`None` while it lasts).
    pub end_ms: Option<f64>,
    /// Its length so far, ms.
    pub duration_ms: f64,
    /// What began it: the faults at that instant (`crash:0`, `partition:0.1|2.3.4`), `start`
    /// for the first election, or `leader stepped down`.
    pub cause: String,
}

/// Whether one invariant holds now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvariantState {
    /// The invariant's name (Figure 3).
    pub name: &'static str,
    /// True if it holds after the last event.
    pub holds: bool,
}

/// Everything the Raft lab reports (`cli run` prints this as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RaftMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// The running leader of the highest term, if any.
    pub leader: Option<NodeId>,
    /// The highest current term among running servers.
    pub term: u64,
    /// The leader's commit index (else the highest among running servers).
    pub commit_index: u64,
    /// Every stretch without a working leader (a running leader that can exchange messages
    /// with a majority of its configuration), with its cause.
    pub outages: Vec<Outage>,
    /// Total time without a working leader, ms (including the first election).
    pub leaderless_ms: f64,
    /// Real elections started (a server became candidate).
    pub elections: u64,
    /// Pre-vote rounds started.
    pub pre_vote_rounds: u64,
    /// Split votes: terms in which two or more servers campaigned and nobody won, not counting
    /// the newest term.
    pub split_votes: u64,
    /// Terms in which a single server campaigned and did not win (cut off from a majority, or
    /// refused for a stale log), not counting the newest term: an isolated server's repeated
    /// timeouts land here, not among the split votes.
    pub lone_campaigns: u64,
    /// Messages sent, by type.
    pub messages: MsgCounts,
    /// Messages lost at random.
    pub messages_lost: u64,
    /// Messages dropped by cut links or down receivers.
    pub messages_dropped: u64,
    /// Client requests appended by a leader.
    pub client_requests: u64,
    /// Propose → commit latency at the leader of the requests it committed.
    pub commit_latency: LatencyStats,
    /// The invariants and whether each holds now.
    pub invariants: Vec<InvariantState>,
    /// Every violation found so far, as `time step invariant: detail`.
    pub violations: Vec<String>,
}

/// The running leader of the highest term, if any.
pub fn leader(sim: &Sim<RaftNode>) -> Option<NodeId> {
    sim.nodes()
        .iter()
        .filter(|n| n.role == Role::Leader && sim.is_up(n.id))
        .max_by_key(|n| (n.current_term, std::cmp::Reverse(n.id)))
        .map(|n| n.id)
}

/// Applies the link part of a fault as the simulator does (it ignores faults naming a node
/// outside the run).
fn apply_link_fault(links: &mut Links, f: &Fault) {
    if f.nodes().all(|i| i < links.len()) {
        links.apply(f);
    }
}

/// The faults applied so far, with their times: the schedule before now, plus as many of the
/// faults scheduled exactly now as the trace shows were applied.
fn applied_faults(sim: &Sim<RaftNode>) -> Vec<(SimTime, Fault)> {
    let now = sim.now();
    let done_now = sim
        .trace()
        .iter()
        .rev()
        .take_while(|e| e.time == now)
        .filter(|e| matches!(e.what, What::Fault(_)))
        .count();
    let mut at_now = 0;
    sim.schedule()
        .iter()
        .filter(|f| {
            if f.at < now {
                true
            } else if f.at == now && at_now < done_now {
                at_now += 1;
                true
            } else {
                false
            }
        })
        .map(|f| (f.at, f.fault.clone()))
        .collect()
}

enum Change {
    Node(NodeId, Role, u16),
    Life(NodeId, bool),
    Link(Fault),
}

/// The outages: sweeps role changes, crashes/restarts and link faults in time order.
fn outages(sim: &Sim<RaftNode>) -> Vec<Outage> {
    let n = sim.nodes().len();
    let mut changes: Vec<(SimTime, u8, usize, Change)> = Vec::new();
    for node in sim.nodes() {
        for c in &node.ghost.timeline {
            let k = changes.len();
            changes.push((c.time, 0, k, Change::Node(node.id, c.role, c.members)));
        }
    }
    for e in sim.life() {
        let k = changes.len();
        changes.push((e.time, 1, k, Change::Life(e.node, e.up)));
    }
    for (t, f) in applied_faults(sim) {
        let k = changes.len();
        changes.push((t, 2, k, Change::Link(f)));
    }
    crate::sort::sort_by_key(&mut changes, |c| (c.0, c.1, c.2));

    let mut up = vec![true; n];
    let mut role = vec![Role::Follower; n];
    let mut members = vec![0u16; n];
    let mut links = Links::new(n);
    let has_leader = |up: &[bool], role: &[Role], members: &[u16], links: &Links| {
        (0..n).any(|l| {
            if !up[l] || role[l] != Role::Leader {
                return false;
            }
            let m = members[l];
            let size = m.count_ones() as usize;
            let reach = (0..n.min(16))
                .filter(|&p| m & (1 << p) != 0 && up[p])
                .filter(|&p| {
                    p == l || (links.get(l, p) == LinkState::Up && links.get(p, l) == LinkState::Up)
                })
                .count();
            reach > size / 2
        })
    };
    let mut out: Vec<Outage> = Vec::new();
    let mut open: Option<(SimTime, String)> = Some((SimTime::ZERO, "start".to_string()));
    let mut k = 0;
    while k < changes.len() {
        let t = changes[k].0;
        let mut causes: Vec<String> = Vec::new();
        while k < changes.len() && changes[k].0 == t {
            match &changes[k].3 {
                Change::Node(i, r, m) => {
                    role[*i] = *r;
                    members[*i] = *m;
                }
                Change::Life(i, u) => up[*i] = *u,
                Change::Link(f) => {
                    apply_link_fault(&mut links, f);
                    causes.push(f.to_string());
                }
            }
            k += 1;
        }
        let hl = has_leader(&up, &role, &members, &links);
        match (&open, hl) {
            (Some((start, cause)), true) => {
                out.push(Outage {
                    start_ms: start.as_ms_f64(),
                    end_ms: Some(t.as_ms_f64()),
                    duration_ms: t.since(*start).as_ms_f64(),
                    cause: cause.clone(),
                });
                open = None;
            }
            (None, false) => {
                let cause = if causes.is_empty() {
                    "leader stepped down".to_string()
                } else {
                    causes.join(", ")
                };
                open = Some((t, cause));
            }
            _ => {}
        }
    }
    if let Some((start, cause)) = open {
        out.push(Outage {
            start_ms: start.as_ms_f64(),
            end_ms: None,
            duration_ms: sim.now().since(start).as_ms_f64(),
            cause,
        });
    }
    out
}

/// Measures a Raft run at its current position.
pub fn measure(sim: &Sim<RaftNode>) -> RaftMetrics {
    let nodes = sim.nodes();
    let leader = leader(sim);
    let term = nodes
        .iter()
        .filter(|n| sim.is_up(n.id))
        .map(|n| n.current_term)
        .max()
        .unwrap_or(0);
    let commit_index = match leader {
        Some(l) => nodes[l].commit_index,
        None => nodes
            .iter()
            .filter(|n| sim.is_up(n.id))
            .map(|n| n.commit_index)
            .max()
            .unwrap_or(0),
    };
    let outages = outages(sim);
    let leaderless_ms = outages.iter().map(|o| o.duration_ms).sum();
    let mut messages = MsgCounts::default();
    let mut latencies = Vec::new();
    // Candidates per term.
    let mut campaigned: BTreeMap<u64, u32> = BTreeMap::new();
    let mut won = BTreeSet::new();
    let (mut elections, mut pre_votes, mut client_requests) = (0, 0, 0);
    for n in nodes {
        messages.add(&n.ghost.sent);
        latencies.extend(n.ghost.commit_latency_us.iter().copied());
        for &t in &n.ghost.campaigns {
            *campaigned.entry(t).or_default() += 1;
        }
        won.extend(n.ghost.led_terms.iter().copied());
        elections += n.ghost.campaigns.len() as u64;
        pre_votes += n.ghost.pre_votes;
        client_requests += n.ghost.proposed;
    }
    let newest = nodes.iter().map(|n| n.current_term).max().unwrap_or(0);
    let lost = |many: bool| {
        campaigned
            .iter()
            .filter(|&(t, &c)| *t < newest && !won.contains(t) && (c >= 2) == many)
            .count() as u64
    };
    let (split_votes, lone_campaigns) = (lost(true), lost(false));
    let stats = sim.stats();
    RaftMetrics {
        time_ms: sim.now().as_ms_f64(),
        leader,
        term,
        commit_index,
        outages,
        leaderless_ms,
        elections,
        pre_vote_rounds: pre_votes,
        split_votes,
        lone_campaigns,
        messages,
        messages_lost: stats.lost,
        messages_dropped: stats.dropped,
        client_requests,
        commit_latency: LatencyStats::of(&latencies),
        invariants: sim
            .invariant_status()
            .into_iter()
            .map(|(name, holds)| InvariantState { name, holds })
            .collect(),
        violations: sim
            .violations()
            .iter()
            .map(|v| format!("{} step {} {}: {}", v.time, v.step, v.invariant, v.detail))
            .collect(),
    }
}
