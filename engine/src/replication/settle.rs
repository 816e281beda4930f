//! Settling the clients' operations (issue 10): an operation whose every measurement can no
//! longer change is folded out of [`Client::ops`](super::Client::ops) into counters and
//! histograms in the monitor's [`Settled`] ledger (a ghost record: no node reads it), so a run's
//! state does not grow with the operations it has served. [`measure`](super::measure) adds the
//! ledger to what it computes from the operations still kept, and gets the same numbers as with
//! every operation kept (`ReplParams::fold = false`; tests compare both).
//!
//! When a measurement of an operation is final (docs/design.md, "Settling client operations"):
//! - counts, latency and deposed acknowledgements: once the operation has ended (a write
//!   acknowledged before now: a later failover is recorded at a later time);
//! - stale reads: once answered (every write acknowledged before it was sent is known);
//! - lost writes and phantom reads, judged against the authoritative log *now*: once the
//!   position is at or below the **settled floor**, a prefix that every data node, running or
//!   not, holds and can no longer lose. Found in two looks: at one upkeep the common prefix of
//!   every data node's log is noted (a checkpoint); at a later one it is settled if every node
//!   still holds it, no node has rolled anything back since, and no replication message that
//!   was sent at or before the checkpoint is still in flight, queued behind a replica's delay
//!   or held by a paused node. Every later append or snapshot then comes from a log that holds
//!   the prefix, which agrees with it there (one primary per epoch appends at an index), so no
//!   node can roll the prefix back. A write there is kept for good, or (another epoch at its
//!   index) lost for good: then it is kept whole in `Client::pinned` for the list of lost writes.
//! - outages: the time-ordered events (a failed write at its sending, an acknowledgement at its
//!   arrival) before every operation still kept or pending.

use super::client::{Op, OpKind, Outcome};
use super::data::{common_prefix, epoch_in};
use super::metrics::{Outage, ReadCounts, WriteCounts};
use super::params::Mode;
use super::{Kind, Pos, ReplMsg, ReplNode, Stashed, MONITOR};
use crate::replication::chunked::CHUNK;
use crate::sim::Sim;
use crate::time::SimTime;
use std::sync::Arc;

/// Folded latencies gathered before they are merged into the shared histogram.
pub const LATENCY_BATCH: usize = 4096;

/// The counts `a` and `b` `(value, count)` together, in value order (`a` in value order).
pub fn merge_counts(a: &[(u64, u64)], mut b: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    crate::sort::sort(&mut b);
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(a.len() + b.len());
    let mut j = 0;
    for &(v, c) in a {
        while j < b.len() && b[j].0 < v {
            push_count(&mut out, b[j]);
            j += 1;
        }
        push_count(&mut out, (v, c));
    }
    for &x in &b[j..] {
        push_count(&mut out, x);
    }
    out
}

fn push_count(out: &mut Vec<(u64, u64)>, (v, c): (u64, u64)) {
    match out.last_mut() {
        Some(last) if last.0 == v => last.1 += c,
        _ => out.push((v, c)),
    }
}

/// Steps between two upkeeps: a settled floor needs two, a few round trips apart, and each
/// walks the operations kept.
pub const EVERY: u32 = 8192;

/// Keys a client can use (the measurements index by key modulo this).
const KEYS: usize = 26;

/// The common prefix of every data node's log noted at one upkeep, to be settled at a later one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// When.
    pub time: SimTime,
    /// The prefix's length.
    pub len: u64,
    /// Its epoch runs `(epoch, first index)`.
    pub runs: Vec<(u64, u64)>,
    /// Rollback records on every data node then.
    pub rollbacks: usize,
    /// Per data node (in id order), messages it had queued behind its replication delay.
    pub queued: Vec<u64>,
}

/// The ledger of settled client operations (ghost, kept by the monitor node).
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    /// The settled floor: every data node holds positions `1..=floor` with these epoch runs,
    /// for good.
    pub floor: u64,
    /// The floor's epoch runs.
    pub floor_runs: Vec<(u64, u64)>,
    /// The prefix to settle at the next upkeep.
    pub checkpoint: Option<Checkpoint>,
    /// Folded writes by outcome (`pending`, `acked_lost` unused).
    pub writes: WriteCounts,
    /// Folded reads by outcome (`pending` unused).
    pub reads: ReadCounts,
    /// Per [`Mode::index`]: `(latency µs, count)` of the folded acknowledged writes, in value
    /// order (shared between snapshots: thousands of distinct µs values, rewritten only when
    /// `latency_new` has grown).
    pub latency: Arc<Vec<Vec<(u64, u64)>>>,
    /// Per mode, the latest folded latencies `(µs, count)`, in no order, merged into `latency`
    /// once they number [`LATENCY_BATCH`].
    pub latency_new: Vec<Vec<(u64, u64)>>,
    /// Per key: the highest position of a folded acknowledgement that came before every read
    /// still to judge.
    pub acks_before: Vec<Option<Pos>>,
    /// Per key: the later folded acknowledgements `(time, position)`.
    pub acks: Vec<Vec<(SimTime, Pos)>>,
    /// The outage open after the events processed.
    pub open: Option<SimTime>,
    /// The outages closed.
    pub outages: Vec<Outage>,
    /// Folded writes' outage events not processed yet (`(time, acknowledged)`).
    pub events: Vec<(SimTime, bool)>,
}

impl Default for Settled {
    fn default() -> Self {
        Settled {
            floor: 0,
            floor_runs: Vec::new(),
            checkpoint: None,
            writes: WriteCounts::default(),
            reads: ReadCounts::default(),
            latency: Arc::new(vec![Vec::new(); Mode::ALL.len()]),
            latency_new: vec![Vec::new(); Mode::ALL.len()],
            acks_before: vec![None; KEYS],
            acks: vec![Vec::new(); KEYS],
            open: None,
            outages: Vec::new(),
            events: Vec::new(),
        }
    }
}

impl Settled {
    /// About how many bytes it holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.floor_runs.len() * 16
            + self.checkpoint.as_ref().map_or(0, |c| {
                c.runs.len() * 16 + c.queued.len() * 8 + size_of::<Checkpoint>()
            })
            + self.latency.iter().map(|v| v.len() * 16).sum::<usize>()
                / Arc::strong_count(&self.latency)
            + self
                .latency_new
                .iter()
                .map(|v| v.capacity() * 16)
                .sum::<usize>()
            + self.acks_before.len() * size_of::<Option<Pos>>()
            + self
                .acks
                .iter()
                .map(|v| 24 + v.capacity() * 24)
                .sum::<usize>()
            + self.outages.capacity() * size_of::<Outage>()
            + self.events.capacity() * 16
    }

    /// True if position `pos` is in every authoritative log from now on (`Some(true)`), in
    /// none (`Some(false)`), or not known yet (`None`).
    fn kept(&self, pos: Pos) -> Option<bool> {
        if pos.index == 0 {
            return Some(false);
        }
        (pos.index <= self.floor)
            .then(|| epoch_in(&self.floor_runs, self.floor, pos.index) == pos.epoch)
    }
}

/// The newest acknowledged position per key as of any time: the stale-read check.
pub(super) struct Newest {
    before: Vec<Option<Pos>>,
    prefix: Vec<Vec<(SimTime, Pos)>>,
}

impl Newest {
    /// From the settled maximum per key and the other acknowledgements `(time, position)`.
    pub(super) fn new(before: &[Option<Pos>], acked: Vec<Vec<(SimTime, Pos)>>) -> Newest {
        let mut prefix = Vec::with_capacity(acked.len());
        for (k, mut v) in acked.into_iter().enumerate() {
            crate::sort::sort(&mut v);
            let mut best = before.get(k).copied().flatten().unwrap_or_default();
            prefix.push(
                v.into_iter()
                    .map(|(t, pos)| {
                        best = best.max(pos);
                        (t, best)
                    })
                    .collect(),
            );
        }
        Newest {
            before: before.to_vec(),
            prefix,
        }
    }

    /// The highest position of a write to `key` acknowledged before `t`, if any.
    pub(super) fn before(&self, key: u8, t: SimTime) -> Option<Pos> {
        let k = key as usize % KEYS;
        let p = &self.prefix[k];
        match p.partition_point(|x| x.0 < t) {
            0 => self.before.get(k).copied().flatten(),
            i => Some(p[i - 1].1),
        }
    }

    /// True if read `o` (answered with `value`) is stale.
    pub(super) fn stale(&self, o: &Op, value: Option<(super::WriteId, Pos)>) -> bool {
        self.before(o.key, o.start)
            .is_some_and(|newest| value.is_none_or(|(_, pos)| pos < newest))
    }
}

/// Runs the outage state machine over time-ordered events: a failed write opens an outage, the
/// next acknowledgement closes it.
pub(super) fn run_outages(
    open: &mut Option<SimTime>,
    out: &mut Vec<Outage>,
    events: impl IntoIterator<Item = (SimTime, bool)>,
) {
    for (t, ok) in events {
        match (ok, *open) {
            (false, None) => *open = Some(t),
            (true, Some(s)) => {
                *open = None;
                out.push(Outage {
                    start_ms: s.as_ms_f64(),
                    end_ms: Some(t.as_ms_f64()),
                    duration_ms: t.since(s).as_ms_f64(),
                });
            }
            _ => {}
        }
    }
}

/// The epoch in force at each instant: the monitor's promotions `(time, epoch)`.
pub(super) fn epoch_at(promotions: &[(SimTime, u64)], t: SimTime) -> u64 {
    promotions
        .iter()
        .filter(|p| p.0 <= t)
        .map(|p| p.1)
        .max()
        .unwrap_or(1)
}

/// How a settled operation is folded.
enum Fold {
    /// A write: acknowledged `(latency µs, mode, deposed, position, kept)`, else failed.
    Write(Option<(u64, Mode, bool, Pos, bool)>),
    /// A read: answered `(stale, phantom)`, else failed (`true`: timed out).
    Read(Option<(bool, bool)>, bool),
}

fn is_replication(m: &ReplMsg) -> bool {
    matches!(m, ReplMsg::Append { .. } | ReplMsg::Snapshot { .. })
}

/// The upkeep ([`crate::sim::Sim::set_upkeep`]): moves the settled floor, folds every client's
/// settled operations (whole chunks of them) into the ledger.
pub fn upkeep(sim: &mut Sim<ReplNode>) {
    let now = sim.now();
    // The ledger is taken out of the monitor for the upkeep and put back at the end.
    let mut s = match sim.nodes_mut().get_mut(MONITOR).map(|n| &mut n.kind) {
        Some(Kind::Monitor(m)) => std::mem::take(&mut m.settled),
        _ => return,
    };
    settle_floor(sim, &mut s, now);
    let promotions: Vec<(SimTime, u64)> = sim
        .nodes()
        .get(MONITOR)
        .and_then(|n| n.monitor())
        .map(|m| m.failovers.iter().map(|f| (f.time, f.epoch)).collect())
        .unwrap_or_default();
    // Every acknowledgement known, for the stale-read verdicts.
    let mut acked: Vec<Vec<(SimTime, Pos)>> = s.acks.clone();
    for c in sim.nodes().iter().filter_map(|n| n.client()) {
        for o in &c.ops {
            if let (OpKind::Write, Outcome::Acked { pos, .. }) = (o.kind, o.outcome) {
                acked[o.key as usize % KEYS].push((o.end.unwrap_or(now), pos));
            }
        }
    }
    let newest = Newest::new(&s.acks_before, acked);
    let n = sim.nodes().len();
    for i in 0..n {
        let Some(c) = sim.nodes()[i].client() else {
            continue;
        };
        let mut folds = Vec::new();
        for o in &c.ops {
            match verdict(&s, &newest, &promotions, o, now) {
                Some(f) => folds.push(f),
                None => break,
            }
        }
        let k = folds.len() / CHUNK * CHUNK;
        if k == 0 {
            continue;
        }
        folds.truncate(k);
        let ops: Vec<Op> = c.ops.iter().take(k).copied().collect();
        let mut pins = Vec::new();
        for (o, f) in ops.iter().zip(folds) {
            if apply(&mut s, o, f) {
                pins.push(*o);
            }
        }
        if let Kind::Client(c) = &mut sim.nodes_mut()[i].kind {
            c.ops.drop_front(k);
            c.folded += k as u32;
            c.pinned.extend(pins);
        }
    }
    // What later operations can still be judged against.
    let mut reads_from = now;
    let mut events_from = now;
    for (i, node) in sim.nodes().iter().enumerate() {
        let Some(c) = node.client() else { continue };
        let up = sim.is_up(i);
        for o in &c.ops {
            match (o.kind, o.outcome) {
                // A down client's pending read times out when it restarts: never judged.
                (OpKind::Read, Outcome::Pending) if !up => {}
                (OpKind::Read, _) => reads_from = reads_from.min(o.start),
                (OpKind::Write, Outcome::Acked { .. }) => {
                    events_from = events_from.min(o.end.unwrap_or(now));
                }
                (OpKind::Write, _) => events_from = events_from.min(o.start),
            }
        }
    }
    for k in 0..KEYS {
        let (old, recent): (Vec<_>, Vec<_>) = std::mem::take(&mut s.acks[k])
            .into_iter()
            .partition(|a| a.0 < reads_from);
        s.acks[k] = recent;
        for (_, pos) in old {
            let b = &mut s.acks_before[k];
            *b = Some(b.map_or(pos, |x| x.max(pos)));
        }
    }
    if s.latency_new.iter().map(Vec::len).sum::<usize>() >= LATENCY_BATCH {
        let new = std::mem::replace(&mut s.latency_new, vec![Vec::new(); Mode::ALL.len()]);
        let merged = s
            .latency
            .iter()
            .zip(new)
            .map(|(a, b)| merge_counts(a, b))
            .collect();
        s.latency = Arc::new(merged);
    }
    crate::sort::sort(&mut s.events);
    let done = s.events.partition_point(|e| e.0 < events_from);
    let due: Vec<(SimTime, bool)> = s.events.drain(..done).collect();
    run_outages(&mut s.open, &mut s.outages, due);
    if let Kind::Monitor(m) = &mut sim.nodes_mut()[MONITOR].kind {
        m.settled = s;
    }
}

/// How operation `o` folds, if every measurement of it is final.
fn verdict(
    s: &Settled,
    newest: &Newest,
    promotions: &[(SimTime, u64)],
    o: &Op,
    now: SimTime,
) -> Option<Fold> {
    let end = o.end?;
    Some(match (o.kind, o.outcome) {
        (OpKind::Write, Outcome::Acked { pos, mode }) => {
            if end >= now {
                return None;
            }
            let kept = s.kept(pos)?;
            let deposed = pos.epoch < epoch_at(promotions, end);
            Fold::Write(Some((end.since(o.start).as_us(), mode, deposed, pos, kept)))
        }
        (OpKind::Write, Outcome::Refused | Outcome::TimedOut) => Fold::Write(None),
        (OpKind::Read, Outcome::Read(value)) => {
            let phantom = match value {
                None => false,
                Some((_, pos)) => !s.kept(pos)?,
            };
            Fold::Read(Some((newest.stale(o, value), phantom)), false)
        }
        (OpKind::Read, Outcome::Refused) => Fold::Read(None, false),
        (OpKind::Read, Outcome::TimedOut) => Fold::Read(None, true),
        _ => return None,
    })
}

/// Folds `o` into the ledger; true if it is to be kept whole (an acknowledged write lost for
/// good).
fn apply(s: &mut Settled, o: &Op, f: Fold) -> bool {
    let key = o.key as usize % KEYS;
    match f {
        Fold::Write(Some((us, mode, deposed, pos, kept))) => {
            let end = o.end.unwrap_or(o.start);
            s.writes.issued += 1;
            s.writes.acked += 1;
            s.latency_new[mode.index()].push((us, 1));
            s.writes.deposed_acks += deposed as u64;
            s.acks[key].push((end, pos));
            s.events.push((end, true));
            !kept
        }
        Fold::Write(None) => {
            s.writes.issued += 1;
            match o.outcome {
                Outcome::Refused => s.writes.refused += 1,
                _ => s.writes.timed_out += 1,
            }
            s.events.push((o.start, false));
            false
        }
        Fold::Read(answer, timed_out) => {
            s.reads.issued += 1;
            match answer {
                Some((stale, phantom)) => {
                    s.reads.answered += 1;
                    s.reads.stale += stale as u64;
                    s.reads.phantom += phantom as u64;
                }
                None if timed_out => s.reads.timed_out += 1,
                None => s.reads.refused += 1,
            }
            false
        }
    }
}

/// Settles the checkpoint noted at the last upkeep if nothing can roll its prefix back any
/// more, and notes a new one.
fn settle_floor(sim: &Sim<ReplNode>, s: &mut Settled, now: SimTime) {
    let data: Vec<(&ReplNode, &super::DataNode)> = sim
        .nodes()
        .iter()
        .filter_map(|n| n.data().map(|d| (n, d)))
        .collect();
    let Some(&(_, first)) = data.first() else {
        return;
    };
    let rollbacks: usize = data.iter().map(|(_, d)| d.rollbacks.len()).sum();
    if let Some(cp) = &s.checkpoint {
        let held = data
            .iter()
            .all(|(_, d)| common_prefix(&d.runs, d.len(), &cp.runs, cp.len) >= cp.len);
        let drained = data
            .iter()
            .zip(&cp.queued)
            .all(|((_, d), &q)| d.inbox_counts.1 >= q);
        let unheld = data.iter().all(|(n, _)| {
            !n.pause
                .held
                .iter()
                .any(|h| matches!(h, Stashed::Msg(_, m) if is_replication(m)))
        });
        let gone = sim
            .in_flight()
            .all(|m| m.sent_at > cp.time || !is_replication(&m.msg));
        if held && drained && unheld && gone && rollbacks == cp.rollbacks && cp.len > s.floor {
            s.floor = cp.len;
            s.floor_runs = cp.runs.clone();
        }
    }
    let len = data
        .iter()
        .map(|(_, d)| common_prefix(&first.runs, first.len(), &d.runs, d.len()))
        .min()
        .unwrap_or(0);
    s.checkpoint = (len > s.floor).then(|| Checkpoint {
        time: now,
        len,
        runs: first.runs.iter().copied().filter(|r| r.1 <= len).collect(),
        rollbacks,
        queued: data.iter().map(|(_, d)| d.inbox_counts.0).collect(),
    });
}
