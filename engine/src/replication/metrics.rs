//! What the replication lab measures, against ground truth the nodes cannot see: acknowledged
//! writes lost, stale reads, unavailability windows, write latency per mode, replication lag,
//! split-brain time and writes acknowledged by a deposed primary.

use super::client::{Op, OpKind, Outcome};
use super::params::Mode;
use super::settle::{epoch_at, merge_counts, run_outages, Newest, Settled};
use super::{common_prefix, data_ids, key_name, DataNode, Pos, ReplNode, Role, WriteId, MONITOR};
pub use crate::latency::LatencyStats;
use crate::sim::Sim;
use crate::time::SimTime;
use crate::NodeId;
use serde::Serialize;
use std::collections::BTreeSet;

/// Write latency (send → acknowledgement) of the writes one mode acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeLatency {
    /// `async`, `semi`, `sync` or `quorum` (a degraded semi-sync write counts as async).
    pub mode: &'static str,
    /// The distribution.
    pub latency: LatencyStats,
}

/// Writes, by outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WriteCounts {
    /// Sent.
    pub issued: u64,
    /// Acknowledged.
    pub acked: u64,
    /// Refused (not the primary, or its lease had run out).
    pub refused: u64,
    /// No answer in time.
    pub timed_out: u64,
    /// Still waiting.
    pub pending: u64,
    /// Acknowledged, yet missing from the authoritative log now.
    pub acked_lost: u64,
    /// Acknowledged by a primary whose epoch had already been superseded (split brain).
    pub deposed_acks: u64,
}

/// Reads, by outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReadCounts {
    /// Sent.
    pub issued: u64,
    /// Answered.
    pub answered: u64,
    /// Answered with a value older than a write to that key acknowledged before the read was
    /// sent (a linearizability violation: replica lag, or a primary that lost writes).
    pub stale: u64,
    /// Answered with a write that no history keeps in the end (a failover lost it): a phantom
    /// read — what AFTER_COMMIT shows readers, and async failover too.
    pub phantom: u64,
    /// Refused.
    pub refused: u64,
    /// No answer in time.
    pub timed_out: u64,
    /// Still waiting.
    pub pending: u64,
}

/// An acknowledged write missing from the authoritative log (the page marks it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LostWrite {
    /// The write.
    pub id: WriteId,
    /// Its key.
    pub key: char,
    /// Where the primary that acknowledged it had put it.
    pub pos: Pos,
    /// The node that acknowledged it.
    pub primary: NodeId,
    /// When the client got the acknowledgement, ms.
    pub acked_ms: f64,
}

/// A stretch during which clients' writes failed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outage {
    /// The first failed write was sent then, ms.
    pub start_ms: f64,
    /// A client next received an acknowledgement then, ms (`None` while it lasts).
    pub end_ms: Option<f64>,
    /// Length so far, ms.
    pub duration_ms: f64,
}

/// How far one data node is behind the authoritative primary (ground truth: the logs compared).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lag {
    /// The data node.
    pub node: NodeId,
    /// Running.
    pub up: bool,
    /// Its log length.
    pub log_len: u64,
    /// Entries of the primary's log it does not hold (past the common prefix).
    pub entries_behind: u64,
    /// How long ago the primary appended the first entry it lacks, ms (0 when caught up).
    pub ms_behind: f64,
    /// Entries it holds that the primary's log does not (a divergent suffix to roll back).
    pub divergent: u64,
    /// The primary's belief: the index it knows the node holds.
    pub acked_index: u64,
}

/// Everything the lab reports (`cli run` prints this as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReplMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// The monitor's designated primary.
    pub primary: Option<NodeId>,
    /// The monitor's epoch.
    pub epoch: u64,
    /// Data nodes running and serving as primary now (two or more: split brain).
    pub serving: Vec<NodeId>,
    /// The log the truth is judged against (see [`authoritative`]).
    pub authoritative: Option<NodeId>,
    /// Writes.
    pub writes: WriteCounts,
    /// Reads.
    pub reads: ReadCounts,
    /// The lost acknowledged writes (at most 100).
    pub lost: Vec<LostWrite>,
    /// Entries rolled back on every node.
    pub rolled_back: u64,
    /// Of those, writes a client had been told were acknowledged.
    pub acked_rolled_back: u64,
    /// Stretches of failed writes.
    pub outages: Vec<Outage>,
    /// Their total, ms.
    pub unavailable_ms: f64,
    /// The longest, ms.
    pub longest_outage_ms: f64,
    /// Write latency per mode that acknowledged writes.
    pub latency: Vec<ModeLatency>,
    /// Replication lag of every data node but the authoritative one.
    pub lag: Vec<Lag>,
    /// Promotions.
    pub failovers: u32,
    /// Total time with two or more running data nodes serving as primary, ms.
    pub split_brain_ms: f64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages lost at random.
    pub messages_lost: u64,
    /// Messages dropped by cut links or down receivers.
    pub messages_dropped: u64,
    /// Invariant violations (one primary per epoch).
    pub violations: usize,
}

fn data(sim: &Sim<ReplNode>, i: NodeId) -> Option<&DataNode> {
    sim.nodes().get(i).and_then(|n| n.data())
}

/// Running data nodes serving as primary (role primary, not paused and, with leases, a lease
/// they believe valid), in id order.
pub fn acting_primaries(sim: &Sim<ReplNode>) -> Vec<NodeId> {
    let now = sim.now();
    (0..sim.nodes().len())
        .filter(|&i| {
            sim.is_up(i)
                && sim.nodes()[i].pause.until.is_none()
                && !sim.is_paused(i)
                && data(sim, i).is_some_and(|d| d.serving(now))
        })
        .collect()
}

/// The node whose log is the truth now: the running serving primary of the highest epoch; else
/// the running data node with the most up-to-date log; else any data node's (lowest id on ties).
pub fn authoritative(sim: &Sim<ReplNode>) -> Option<NodeId> {
    let now = sim.now();
    let ids: Vec<NodeId> = (0..sim.nodes().len())
        .filter(|&i| data(sim, i).is_some())
        .collect();
    let best = |f: &dyn Fn(NodeId) -> bool| {
        ids.iter().copied().filter(|&i| f(i)).max_by(|&a, &b| {
            let (da, db) = (data(sim, a).unwrap(), data(sim, b).unwrap());
            let ka = (da.serving(now) && sim.is_up(a), da.epoch, da.last());
            let kb = (db.serving(now) && sim.is_up(b), db.epoch, db.last());
            ka.cmp(&kb).then(b.cmp(&a))
        })
    };
    best(&|i| sim.is_up(i) && data(sim, i).is_some_and(|d| d.serving(now)))
        .or_else(|| best(&|i| sim.is_up(i)))
        .or_else(|| best(&|_| true))
}

/// Replication lag of every data node against the authoritative log.
pub fn lag(sim: &Sim<ReplNode>) -> Vec<Lag> {
    let Some(a) = authoritative(sim) else {
        return Vec::new();
    };
    let Some(p) = data(sim, a) else {
        return Vec::new();
    };
    let now = sim.now();
    let mut out = Vec::new();
    for i in data_ids(&p.p).filter(|&i| i != a) {
        let Some(d) = data(sim, i) else { continue };
        // Compared by position: two logs that hold the same epoch at an index hold the same
        // entry there and agree up to it, compacted or not.
        let common = common_prefix(&p.runs, p.len(), &d.runs, d.len());
        let behind = p.len() - common;
        // When the first entry it lacks was appended; if the primary has compacted it, the
        // snapshot's last entry's time (a lower bound: it lacks older ones too).
        let ms_behind = match p.entry(common + 1) {
            Some(e) => now.since(e.at).as_ms_f64(),
            None if common < p.len() => now.since(p.snap.at).as_ms_f64(),
            None => 0.0,
        };
        out.push(Lag {
            node: i,
            up: sim.is_up(i),
            log_len: d.len(),
            entries_behind: behind,
            ms_behind,
            divergent: d.len() - common,
            acked_index: if p.role == Role::Primary {
                p.peers[i].matched
            } else {
                0
            },
        });
    }
    out
}

/// Each data node's stretches of acting as primary `(node, [(from, until)])`: running,
/// unpaused, and serving (role primary with a lease it believes valid); a stretch still open ends
/// at the run's current time. The page's "who served as primary" timeline.
pub fn acting_intervals(sim: &Sim<ReplNode>) -> Vec<(NodeId, Vec<(SimTime, SimTime)>)> {
    let mut out = Vec::new();
    for (i, n) in sim.nodes().iter().enumerate() {
        let Some(d) = n.data() else { continue };
        // (time, kind, value): 0 serving, 1 running, 2 paused. A crash stops serving, a
        // restart starts as a replica (its own log records when it serves again), a paused
        // node serves no one.
        let mut changes: Vec<(SimTime, u8, bool)> =
            d.serving_log.iter().map(|&(t, s)| (t, 0, s)).collect();
        changes.extend(
            sim.life()
                .iter()
                .filter(|e| e.node == i)
                .map(|e| (e.time, 1, e.up)),
        );
        // The lab's own pauses (`cmd:N:pause:MS`) and the simulator's (`pause:N:MS`).
        let core = sim
            .pauses()
            .iter()
            .filter(|p| p.node == i)
            .map(|p| (p.from, p.until));
        for (from, until) in n.pauses.iter().copied().chain(core) {
            changes.push((from, 2, true));
            if until <= sim.now() {
                changes.push((until, 2, false));
            }
        }
        crate::sort::sort_by_key(&mut changes, |c| (c.0, c.1));
        let (mut serving, mut up, mut paused) = (false, true, false);
        let mut since: Option<SimTime> = None;
        let mut spans = Vec::new();
        for (t, kind, v) in changes {
            match kind {
                0 => serving = v,
                1 => {
                    up = v;
                    paused = false;
                    if v {
                        serving = false;
                    }
                }
                _ => paused = v,
            }
            let acting = up && serving && !paused;
            match (acting, since) {
                (true, None) => since = Some(t),
                (false, Some(from)) => {
                    if t > from {
                        spans.push((from, t));
                    }
                    since = None;
                }
                _ => {}
            }
        }
        if let Some(from) = since {
            spans.push((from, sim.now()));
        }
        out.push((i, spans));
    }
    out
}

/// The stretches during which two or more data nodes acted as primary at once: the split brain.
pub fn split_brain_intervals(sim: &Sim<ReplNode>) -> Vec<(SimTime, SimTime)> {
    let mut edges: Vec<(SimTime, i32)> = Vec::new();
    for (_, spans) in acting_intervals(sim) {
        for (from, until) in spans {
            edges.push((from, 1));
            edges.push((until, -1));
        }
    }
    // At equal times, ends before starts: touching stretches do not overlap.
    crate::sort::sort(&mut edges);
    let (mut count, mut since, mut out) = (0i32, SimTime::ZERO, Vec::new());
    for (t, d) in edges {
        let before = count;
        count += d;
        if before < 2 && count >= 2 {
            since = t;
        } else if before >= 2 && count < 2 && t > since {
            out.push((since, t));
        }
    }
    out
}

/// Total µs during which two or more running data nodes served as primary.
fn split_brain_us(sim: &Sim<ReplNode>) -> u64 {
    split_brain_intervals(sim)
        .iter()
        .map(|(a, b)| b.since(*a).as_us())
        .sum()
}

/// Measures a replication run at its current position.
pub fn measure(sim: &Sim<ReplNode>) -> ReplMetrics {
    let now = sim.now();
    let mut m = ReplMetrics {
        time_ms: now.as_ms_f64(),
        serving: acting_primaries(sim),
        authoritative: authoritative(sim),
        violations: sim.violations().len(),
        ..ReplMetrics::default()
    };
    let stats = sim.stats();
    m.messages_sent = stats.sent;
    m.messages_lost = stats.lost;
    m.messages_dropped = stats.dropped;
    // Epoch in force at each instant: the monitor's promotions.
    let mut promotions: Vec<(SimTime, u64)> = Vec::new();
    let mut settled = None;
    if let Some(mon) = sim.nodes().get(MONITOR).and_then(|n| n.monitor()) {
        m.primary = mon.primary;
        m.epoch = mon.epoch;
        m.failovers = mon.failovers.len() as u32;
        promotions = mon.failovers.iter().map(|f| (f.time, f.epoch)).collect();
        settled = Some(&*mon.settled);
    }
    let fresh = Settled::default();
    // What the settled operations contribute (see `settle`): nothing while none is settled.
    let s = settled.unwrap_or(&fresh);
    m.writes = s.writes.clone();
    m.reads = s.reads.clone();
    // A write is in the authoritative log if that log holds its position: one primary per
    // epoch appends at each index, so the position names the write — also where the log has
    // compacted it into a snapshot.
    let auth = m.authoritative.and_then(|a| data(sim, a));
    let truth = |pos: Pos| auth.is_some_and(|d| pos.index > 0 && d.pos_at(pos.index) == pos);
    // Every rollback, across nodes: the writes of the entries still held, and the positions of
    // compacted ones.
    let mut rolled: BTreeSet<WriteId> = BTreeSet::new();
    let mut rolled_compacted = Vec::new();
    for n in sim.nodes() {
        if let Some(d) = n.data() {
            for r in &d.rollbacks {
                m.rolled_back += r.count();
                rolled.extend(r.entries.iter().map(|e| e.id));
                if !r.compacted.is_empty() {
                    rolled_compacted.push(r);
                }
            }
        }
    }
    let mut lat: Vec<Vec<(u64, u64)>> = s.latency_new.clone();
    // Acknowledged writes per key: (ack time, position), for the stale-read check.
    let mut acked: Vec<Vec<(SimTime, Pos)>> = s.acks.clone();
    let mut reads = Vec::new();
    // Outage events: a failed write at its sending, an acknowledgement at its arrival.
    let mut events: Vec<(SimTime, bool)> = s.events.clone();
    for n in sim.nodes() {
        let Some(c) = n.client() else { continue };
        // An acknowledged write: lost, or rolled back and lost? (The pinned ones, settled and
        // lost for good, first: they are the client's older operations.)
        let mut judge = |o: &Op, pos: Pos, end: SimTime| {
            let id = WriteId {
                client: c.me as u16,
                op: o.op,
            };
            let kept = truth(pos);
            let was_rolled =
                rolled.contains(&id) || rolled_compacted.iter().any(|r| r.compacted_holds(pos));
            if was_rolled && !kept {
                m.acked_rolled_back += 1;
            }
            if !kept {
                m.writes.acked_lost += 1;
                if m.lost.len() < 100 {
                    m.lost.push(LostWrite {
                        id,
                        key: key_name(o.key),
                        pos,
                        primary: o.to,
                        acked_ms: end.as_ms_f64(),
                    });
                }
            }
        };
        for o in &c.pinned {
            if let Outcome::Acked { pos, .. } = o.outcome {
                judge(o, pos, o.end.unwrap_or(now));
            }
        }
        for o in &c.ops {
            if o.kind == OpKind::Read {
                reads.push(*o);
            }
            match (o.kind, o.outcome) {
                (OpKind::Write, out) => {
                    m.writes.issued += 1;
                    match out {
                        Outcome::Acked { pos, mode } => {
                            m.writes.acked += 1;
                            let end = o.end.unwrap_or(now);
                            events.push((end, true));
                            lat[mode.index()].push((end.since(o.start).as_us(), 1));
                            acked[o.key as usize % 26].push((end, pos));
                            if pos.epoch < epoch_at(&promotions, end) {
                                m.writes.deposed_acks += 1;
                            }
                            judge(o, pos, end);
                        }
                        Outcome::Refused => {
                            m.writes.refused += 1;
                            events.push((o.start, false));
                        }
                        Outcome::TimedOut => {
                            m.writes.timed_out += 1;
                            events.push((o.start, false));
                        }
                        Outcome::Pending | Outcome::Read(_) => m.writes.pending += 1,
                    }
                }
                (OpKind::Read, out) => {
                    let r = &mut m.reads;
                    r.issued += 1;
                    match out {
                        Outcome::Read(_) => r.answered += 1,
                        Outcome::Refused => r.refused += 1,
                        Outcome::TimedOut => r.timed_out += 1,
                        Outcome::Pending | Outcome::Acked { .. } => r.pending += 1,
                    }
                }
            }
        }
    }
    // Stale reads: the newest acknowledged position per key before each read was sent.
    let newest = Newest::new(&s.acks_before, acked);
    for r in &reads {
        let Outcome::Read(value) = r.outcome else {
            continue;
        };
        if value.is_some_and(|(_, pos)| !truth(pos)) {
            m.reads.phantom += 1;
        }
        if newest.stale(r, value) {
            m.reads.stale += 1;
        }
    }
    // Outages: from a failed write's sending to the next acknowledgement any client receives.
    crate::sort::sort(&mut events);
    let mut open = s.open;
    m.outages = s.outages.clone();
    run_outages(&mut open, &mut m.outages, events);
    if let Some(s) = open {
        m.outages.push(Outage {
            start_ms: s.as_ms_f64(),
            end_ms: None,
            duration_ms: now.since(s).as_ms_f64(),
        });
    }
    m.unavailable_ms = m.outages.iter().fold(0.0, |a, o| a + o.duration_ms);
    m.longest_outage_ms = m.outages.iter().map(|o| o.duration_ms).fold(0.0, f64::max);
    for mode in Mode::ALL {
        let new = std::mem::take(&mut lat[mode.index()]);
        let counts = merge_counts(&s.latency[mode.index()], new);
        if !counts.is_empty() {
            m.latency.push(ModeLatency {
                mode: mode.as_str(),
                latency: LatencyStats::of_counts(&counts),
            });
        }
    }
    m.lag = lag(sim);
    m.split_brain_ms = split_brain_us(sim) as f64 / 1000.0;
    m
}
