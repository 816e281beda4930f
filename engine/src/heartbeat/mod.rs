//! Heartbeat failure detection and failover (seed articles 003/004: 心跳检测, 故障转移, 选主).
//!
//! Workers `1..=n` send a heartbeat to the monitor (node 0) every `interval`. The monitor runs
//! two detectors side by side on the same arrivals:
//! - **fixed timeout**: suspect after `suspect` of silence, down after `down`;
//! - **phi accrual** (Hayashibara et al. 2004) as Akka's `PhiAccrualFailureDetector` does it:
//!   from the recent inter-arrival times, φ(t) = −log10(P(the next heartbeat is later than t))
//!   under a normal model with mean μ + acceptable pause and σ ≥ min σ; suspect when
//!   φ ≥ `phi_suspect`, down when φ ≥ `phi_down`. As in Akka, an interval is learned only if
//!   φ was below the down threshold when the heartbeat arrived: the interval that spans an
//!   outage is not (see [`phi`]).
//!
//! The selected detector drives **failover**: worker 1 starts as primary at epoch 1; when the
//! primary is marked down the monitor promotes the lowest-numbered healthy worker with a higher
//! epoch. Heartbeats carry each worker's (role, epoch); the monitor reconciles on every heartbeat
//! (re-sends a lost promotion, demotes a stale primary), so a falsely suspected old primary is
//! fenced by its epoch — and the page shows the split-brain window until it steps down.
//!
//! Status changes are *scheduled*, not polled: on each heartbeat the monitor computes the exact
//! instant each threshold will be crossed and arms a timer for it, so every step is a real event.

pub mod compare;
mod desc;
mod metrics;
mod params;
pub mod phi;
mod presets;
pub mod swim;
mod swim_desc;
pub mod swim_metrics;

pub use desc::{HeartbeatLab, PhiError};
pub use metrics::{measure, DetectorMetrics, HbMetrics};
pub use params::{Detector, HbParams, INTERVALS_PER_MIN_STD, PAUSE_PER_INTERVAL};
pub use phi::{phi_crossing, phi_value, y_crossing, Intervals, PhiStats, PhiThreshold};
pub use swim_desc::SwimLab;

use crate::sim::{Ctx, Node, NoteRec};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use std::fmt;

/// The monitor's node id.
pub const MONITOR: NodeId = 0;

/// What the monitor believes about a worker (the shared up / suspect / down verdict).
pub use crate::health::Health as Status;

/// A worker's role in the primary/backup pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Serves writes.
    Primary,
    /// Stands by.
    Backup,
}

/// Messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HbMsg {
    /// "I am alive": sequence number and the sender's view of its own role.
    Heartbeat { seq: u64, primary: bool, epoch: u64 },
    /// Monitor → worker: become primary at this epoch.
    Promote { epoch: u64 },
    /// Monitor → worker: stop acting as primary; the current epoch is this.
    Demote { epoch: u64 },
}

impl fmt::Display for HbMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HbMsg::Heartbeat {
                seq,
                primary: true,
                epoch,
            } => write!(f, "heartbeat #{seq} (primary, epoch {epoch})"),
            HbMsg::Heartbeat { seq, .. } => write!(f, "heartbeat #{seq}"),
            HbMsg::Promote { epoch } => write!(f, "promote (epoch {epoch})"),
            HbMsg::Demote { epoch } => write!(f, "demote (epoch {epoch})"),
        }
    }
}

/// Timers, ordered `Beat` first, then deadlines by worker, detector and level (the order of
/// the fields; compared as one number, [`HbTimer::rank`], since the monitor's timer table is
/// searched on every arrival).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HbTimer {
    /// Worker: time to send the next heartbeat.
    Beat,
    /// Monitor: worker `w` crosses `level` under `det` now, unless heard from before.
    Deadline {
        worker: NodeId,
        det: Detector,
        level: Status,
    },
}

impl HbTimer {
    /// The timer's place in the order: 0 for `Beat`, then one number per (worker, detector,
    /// level), in that lexicographic order.
    fn rank(&self) -> usize {
        match self {
            HbTimer::Beat => 0,
            HbTimer::Deadline { worker, det, level } => {
                1 + worker * 8 + det.index() * 4 + level.index()
            }
        }
    }
}

impl Ord for HbTimer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl PartialOrd for HbTimer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for HbTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HbTimer::Beat => f.write_str("heartbeat"),
            HbTimer::Deadline { worker, det, level } => write!(
                f,
                "{} {} deadline for {worker}",
                det.as_str(),
                level.as_str()
            ),
        }
    }
}

/// A status change the monitor made (kept for measurements and the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// When.
    pub time: SimTime,
    /// Which worker.
    pub worker: NodeId,
    /// Which detector.
    pub det: Detector,
    /// Old status.
    pub from: Status,
    /// New status.
    pub to: Status,
}

/// A promotion decided by the monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failover {
    /// When.
    pub time: SimTime,
    /// The primary that was declared down (if any).
    pub from: Option<NodeId>,
    /// The promoted worker.
    pub to: NodeId,
    /// The new epoch.
    pub epoch: u64,
}

/// The monitor's per-worker state.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerView {
    /// Last heartbeat arrival (start of the run counts as one).
    pub last: SimTime,
    /// Recent inter-arrival times in µs (at most `window`), with their running sums.
    pub intervals: Intervals,
    /// Silences (µs, counted from `last`) at which φ reaches the suspect and down thresholds,
    /// as computed from `intervals` when `last` was set.
    pub phi_cross: [u64; 2],
    /// Current status under each detector: `[fixed, phi]`.
    pub status: [Status; 2],
    /// Highest heartbeat sequence number seen.
    pub last_seq: u64,
}

/// The monitor (node 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    /// Parameters.
    pub p: HbParams,
    /// Views of workers `1..=n` (index 0 unused).
    pub views: Vec<WorkerView>,
    /// The worker the monitor has designated primary.
    pub primary: Option<NodeId>,
    /// Current epoch (persistent: survives a monitor restart).
    pub epoch: u64,
    /// Status changes so far.
    pub transitions: Vec<Transition>,
    /// Promotions so far.
    pub failovers: Vec<Failover>,
    /// The suspect and down thresholds with their standardised crossings (see
    /// [`PhiThreshold`]), prepared once from `p`.
    thresholds: [PhiThreshold; 2],
}

/// A worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worker {
    /// Parameters.
    pub p: HbParams,
    /// Number of the last heartbeat sent (persistent: survives a restart).
    pub seq: u64,
    /// What this worker believes it is.
    pub role: Role,
    /// The epoch of that belief.
    pub epoch: u64,
    /// Every role change with its time (for the split-brain measurement).
    pub role_log: Vec<(SimTime, Role)>,
}

/// A node of the heartbeat lab.
#[derive(Clone, Debug, PartialEq)]
pub enum HbNode {
    /// Node 0.
    Monitor(Monitor),
    /// Nodes 1..=n.
    Worker(Worker),
}

/// Builds the nodes for `workers` workers (node 0 is the monitor).
pub fn nodes(p: &HbParams, workers: usize) -> Vec<HbNode> {
    let mut v = vec![HbNode::Monitor(Monitor::new(p, workers))];
    for i in 1..=workers {
        let role = if i == 1 { Role::Primary } else { Role::Backup };
        v.push(HbNode::Worker(Worker {
            p: *p,
            seq: 0,
            role,
            epoch: 1,
            role_log: vec![(SimTime::ZERO, role)],
        }));
    }
    v
}

impl Monitor {
    fn new(p: &HbParams, workers: usize) -> Monitor {
        // One bootstrap per view (a clone would not keep the window's room).
        let view = || WorkerView {
            last: SimTime::ZERO,
            intervals: Intervals::bootstrap(p),
            phi_cross: [u64::MAX; 2],
            status: [Status::Up; 2],
            last_seq: 0,
        };
        Monitor {
            p: *p,
            views: (0..=workers).map(|_| view()).collect(),
            primary: if workers >= 1 { Some(1) } else { None },
            epoch: 1,
            transitions: Vec::new(),
            failovers: Vec::new(),
            thresholds: [
                PhiThreshold::new(p.phi_suspect_milli as f64 / 1000.0),
                PhiThreshold::new(p.phi_down_milli as f64 / 1000.0),
            ],
        }
    }

    /// Current φ of worker `w` at time `now` (0 when just heard from).
    pub fn phi(&self, w: NodeId, now: SimTime) -> f64 {
        match self.views.get(w) {
            Some(v) => v.intervals.stats(&self.p).phi(now.since(v.last).as_us()),
            None => 0.0,
        }
    }

    /// Status of worker `w` under detector `det`.
    pub fn status(&self, w: NodeId, det: Detector) -> Status {
        self.views
            .get(w)
            .map(|v| v.status[det.index()])
            .unwrap_or(Status::Up)
    }

    fn set_status(
        &mut self,
        w: NodeId,
        det: Detector,
        to: Status,
        now: SimTime,
        ctx: &mut Ctx<HbMsg, HbTimer>,
    ) {
        let from = self.views[w].status[det.index()];
        if from == to {
            return;
        }
        self.views[w].status[det.index()] = to;
        self.transitions.push(Transition {
            time: now,
            worker: w,
            det,
            from,
            to,
        });
        let silent = now.since(self.views[w].last);
        let main = det == self.p.detector;
        ctx.note_rec(status_note(w, det, from, to, silent, main));
        if main && to == Status::Down && self.primary == Some(w) && self.p.failover {
            self.fail_over(Some(w), now, ctx);
        }
    }

    fn fail_over(&mut self, from: Option<NodeId>, now: SimTime, ctx: &mut Ctx<HbMsg, HbTimer>) {
        let det = self.p.detector;
        let candidate = (1..self.views.len())
            .find(|&w| Some(w) != from && self.views[w].status[det.index()] == Status::Up);
        match candidate {
            Some(to) => {
                self.epoch += 1;
                self.primary = Some(to);
                self.failovers.push(Failover {
                    time: now,
                    from,
                    to,
                    epoch: self.epoch,
                });
                ctx.note(format!(
                    "failover: promote node {to} to primary at epoch {}",
                    self.epoch
                ));
                ctx.send(to, HbMsg::Promote { epoch: self.epoch });
            }
            None => {
                self.primary = None;
                ctx.note("failover impossible: no healthy worker");
            }
        }
    }

    fn arm(&mut self, w: NodeId, ctx: &mut Ctx<HbMsg, HbTimer>) {
        let v = &self.views[w];
        let now = ctx.now();
        let elapsed = now.since(v.last).as_us();
        let fixed = [
            (Status::Suspect, self.p.suspect_after),
            (Status::Down, self.p.down_after),
        ];
        for (level, after) in fixed {
            let at = v.last.plus(after);
            ctx.set_timer(
                HbTimer::Deadline {
                    worker: w,
                    det: Detector::Fixed,
                    level,
                },
                at.since(now),
            );
        }
        let phi = [Status::Suspect, Status::Down];
        // μ and σ once per arrival, from the running sums.
        let stats = v.intervals.stats(&self.p);
        let mut cross = [u64::MAX; 2];
        for (k, level) in phi.into_iter().enumerate() {
            let timer = HbTimer::Deadline {
                worker: w,
                det: Detector::Phi,
                level,
            };
            // Phi judges a worker only once it has heard from it (as Akka does: φ is 0 for a
            // resource with no heartbeat yet): before the first arrival there is no interval
            // to learn from, and a start-up guess would declare live workers down on any
            // network slower than the guess.
            if v.last_seq == 0 {
                ctx.cancel_timer(timer);
                continue;
            }
            cross[k] = stats.crossing(&self.thresholds[k]);
            ctx.set_timer(timer, Duration(cross[k].saturating_sub(elapsed)));
        }
        self.views[w].phi_cross = cross;
    }

    fn on_heartbeat(
        &mut self,
        w: NodeId,
        seq: u64,
        primary: bool,
        epoch: u64,
        ctx: &mut Ctx<HbMsg, HbTimer>,
    ) {
        if w == MONITOR || w >= self.views.len() {
            return;
        }
        let now = ctx.now();
        if seq <= self.views[w].last_seq {
            ctx.note(format!(
                "stale or duplicate heartbeat #{seq} from {w} ignored"
            ));
            return;
        }
        let v = &mut self.views[w];
        // A gap in sequence numbers means lost heartbeats: the interval still counts (it is what
        // the detector experienced), as in Akka's implementation — but only if the detector
        // still considered the worker available (φ below the down threshold) when this
        // heartbeat arrived. Akka's `heartbeat()`: "don't use the first heartbeat after failure
        // for the history, since a long pause will skew the stats" (`if (isAvailable(timestamp))
        // oldState.history :+ interval else oldState.history`). φ(gap) < φ_down exactly when
        // gap < the down crossing armed at the previous arrival (φ is monotonic in the silence).
        let gap = now.since(v.last).as_us();
        let learned = v.last_seq == 0 || v.intervals.learn(&self.p, gap, v.phi_cross[1]);
        if !learned && self.p.detector == Detector::Phi {
            ctx.note(format!(
                "interval {} not learned: φ had reached {} (Akka's rule)",
                Duration(gap),
                crate::time::fmt_ms(self.p.phi_down_milli as u64)
            ));
        }
        v.last_seq = seq;
        // Status first, while `last` still says how long the worker was silent.
        for det in [Detector::Fixed, Detector::Phi] {
            self.set_status(w, det, Status::Up, now, ctx);
        }
        self.views[w].last = now;
        self.arm(w, ctx);
        if !self.p.failover {
            return;
        }
        // Reconcile roles with the designated primary (idempotent; repairs lost messages).
        if self.primary.is_none() {
            self.fail_over(None, now, ctx);
        } else if self.primary == Some(w) && !(primary && epoch == self.epoch) {
            ctx.send(w, HbMsg::Promote { epoch: self.epoch });
        } else if self.primary != Some(w) && primary {
            ctx.note(format!(
                "fencing: node {w} still acts as primary at epoch {epoch} < {}; demote it",
                self.epoch
            ));
            ctx.send(w, HbMsg::Demote { epoch: self.epoch });
        }
    }
}

impl Worker {
    fn beat(&mut self, ctx: &mut Ctx<HbMsg, HbTimer>) {
        self.seq += 1;
        ctx.send(
            MONITOR,
            HbMsg::Heartbeat {
                seq: self.seq,
                primary: self.role == Role::Primary,
                epoch: self.epoch,
            },
        );
        let base = self.p.interval.as_us();
        let jitter = base * self.p.jitter_pct as u64 / 100;
        let next = base - jitter + ctx.rng().range_inclusive(0, 2 * jitter);
        ctx.set_timer(HbTimer::Beat, Duration(next));
    }
}

/// The monitor's note on a status change, as a record worded when shown ([`NoteRec`]): for the
/// detector in charge `node W FROM → TO (DET detector, silent D)` (`heard again after D` when
/// back up), for the other one `(DET detector: node W TO)`.
fn status_note(
    w: NodeId,
    det: Detector,
    from: Status,
    to: Status,
    silent: Duration,
    main: bool,
) -> NoteRec {
    let level = |s: Status| s.index() as u64;
    let code = level(from) | level(to) << 2 | (det.index() as u64) << 4 | (main as u64) << 5;
    NoteRec {
        n: [w as u64, silent.as_us(), code],
        s: None,
        say: say_status,
    }
}

fn say_status(r: &NoteRec, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let [w, silent, code] = r.n;
    let status = |i: u64| Status::ALL[((i & 3) as usize).min(2)];
    let (from, to) = (status(code), status(code >> 2));
    let det = if code >> 4 & 1 == 1 {
        Detector::Phi
    } else {
        Detector::Fixed
    };
    if code >> 5 & 1 == 0 {
        return write!(f, "({} detector: node {w} {})", det.as_str(), to.as_str());
    }
    let silent = Duration(silent);
    write!(
        f,
        "node {w} {} → {} ({} detector, ",
        from.as_str(),
        to.as_str(),
        det.as_str()
    )?;
    if to == Status::Up {
        write!(f, "heard again after {silent})")
    } else {
        write!(f, "silent {silent})")
    }
}

impl Node for HbNode {
    type Msg = HbMsg;
    crate::node::shows_whole_messages!();
    type Timer = HbTimer;
    type Command = crate::command::NoCommand;
    crate::node::refuses_commands!();

    /// A timer's place in the order ([`HbTimer::rank`]): a monitor looks its deadlines up by it.
    const TIMER_NUMBER: Option<fn(&HbTimer) -> u128> = Some(|t| t.rank() as u128);

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{items, slice};
        match self {
            HbNode::Monitor(m) => {
                slice(&m.views)
                    + m.views
                        .iter()
                        .map(|v| items::<u64>(v.intervals.len()))
                        .sum::<usize>()
                    + slice(&m.transitions)
                    + slice(&m.failovers)
            }
            HbNode::Worker(w) => slice(&w.role_log),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<HbMsg, HbTimer>) {
        match self {
            HbNode::Monitor(m) => {
                let now = ctx.now();
                for w in 1..m.views.len() {
                    m.views[w].last = now;
                    m.arm(w, ctx);
                }
            }
            HbNode::Worker(w) => {
                if w.role_log.last().is_some_and(|&(_, r)| r != w.role) {
                    w.role_log.push((ctx.now(), w.role));
                }
                // Start at a random phase so workers do not beat in lockstep.
                let first = ctx.rng().range_inclusive(1, w.p.interval.as_us());
                ctx.set_timer(HbTimer::Beat, Duration(first));
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: HbMsg, ctx: &mut Ctx<HbMsg, HbTimer>) {
        match (self, msg) {
            (
                HbNode::Monitor(m),
                HbMsg::Heartbeat {
                    seq,
                    primary,
                    epoch,
                },
            ) => m.on_heartbeat(from, seq, primary, epoch, ctx),
            (HbNode::Worker(w), HbMsg::Promote { epoch }) if epoch >= w.epoch => {
                if w.role != Role::Primary {
                    ctx.note(format!("now primary at epoch {epoch}"));
                    w.role_log.push((ctx.now(), Role::Primary));
                }
                w.role = Role::Primary;
                w.epoch = epoch;
            }
            (HbNode::Worker(w), HbMsg::Demote { epoch }) if epoch >= w.epoch => {
                if w.role == Role::Primary {
                    ctx.note(format!(
                        "steps down: epoch {} is stale (now {epoch})",
                        w.epoch
                    ));
                    w.role_log.push((ctx.now(), Role::Backup));
                }
                w.role = Role::Backup;
                w.epoch = epoch;
            }
            (_, m) => ctx.note(format!("ignores {m}")),
        }
    }

    fn on_timer(&mut self, timer: HbTimer, ctx: &mut Ctx<HbMsg, HbTimer>) {
        match (self, timer) {
            (HbNode::Worker(w), HbTimer::Beat) => w.beat(ctx),
            (HbNode::Monitor(m), HbTimer::Deadline { worker, det, level }) => {
                let now = ctx.now();
                // Never downgrade (a suspect deadline after down, e.g. with odd settings).
                if m.status(worker, det) < level {
                    m.set_status(worker, det, level, now, ctx);
                }
            }
            _ => {}
        }
    }

    fn on_restart(&mut self) {
        match self {
            // The monitor forgets its views (volatile) but keeps epoch and primary (persistent).
            HbNode::Monitor(m) => {
                for v in &mut m.views {
                    v.intervals = Intervals::bootstrap(&m.p);
                    v.phi_cross = [u64::MAX; 2];
                    v.status = [Status::Up; 2];
                    v.last_seq = 0;
                }
            }
            // A restarted worker comes back as a backup; its epoch is persistent, and so is its
            // heartbeat counter: the monitor drops heartbeats whose number is not above the last
            // one it saw, so restarting the count at 0 would have the restarted worker ignored
            // (and kept down) until the new count passed the old one.
            HbNode::Worker(w) => {
                w.role = Role::Backup;
            }
        }
    }
}

/// The name of [`one_primary_per_epoch`].
pub const ONE_PRIMARY_PER_EPOCH: &str = "one primary per epoch";

/// Checks [`one_primary_per_epoch`] after every event, incrementally: only after an event that
/// leaves its node an acting primary (the full check then runs, and words any violation), or
/// while the invariant is broken. Violations are exactly those of a full check after every event
/// (a new pair of primaries at one epoch must include the node the event changed).
pub fn add_invariants(sim: &mut crate::sim::Sim<HbNode>) {
    sim.add_incremental_invariant(
        (ONE_PRIMARY_PER_EPOCH, one_primary_per_epoch),
        primary_suspect,
    );
    sim.set_fingerprint(primary_fingerprint);
}

/// What [`one_primary_per_epoch`] reads of a node: whether it is a primary, and its epoch.
fn primary_fingerprint(n: &HbNode) -> crate::sim::Fingerprint {
    let mut f = [0; 10];
    if let HbNode::Worker(w) = n {
        f[0] = u64::from(w.role == Role::Primary);
        f[1] = w.epoch;
    }
    f
}

/// After an event that changed only node `i`, the invariant can only have broken if `i` is now
/// a running primary.
fn primary_suspect(
    sim: &crate::sim::Sim<HbNode>,
    i: NodeId,
    _old: &crate::sim::Fingerprint,
    _now: &crate::sim::Fingerprint,
) -> bool {
    sim.is_up(i) && matches!(&sim.nodes()[i], HbNode::Worker(w) if w.role == Role::Primary)
}

/// Safety of the epoch scheme: no two workers are primary at the same epoch.
pub fn one_primary_per_epoch(sim: &crate::sim::Sim<HbNode>) -> Option<String> {
    // Checked after every event: the common case (at most one acting primary) allocates nothing.
    let acting = sim
        .nodes()
        .iter()
        .enumerate()
        .filter(|&(i, n)| matches!(n, HbNode::Worker(w) if w.role == Role::Primary) && sim.is_up(i))
        .take(2)
        .count();
    if acting < 2 {
        return None;
    }
    let mut prim: Vec<(u64, NodeId)> = sim
        .nodes()
        .iter()
        .enumerate()
        .filter(|(i, _)| sim.is_up(*i))
        .filter_map(|(i, n)| match n {
            HbNode::Worker(w) if w.role == Role::Primary => Some((w.epoch, i)),
            _ => None,
        })
        .collect();
    crate::sort::sort_unstable(&mut prim);
    prim.windows(2).find(|w| w[0].0 == w[1].0).map(|w| {
        format!(
            "nodes {} and {} are both primary at epoch {}",
            w[0].1, w[1].1, w[0].0
        )
    })
}

/// The workers that currently act as primary (alive and believing so), in id order.
pub fn acting_primaries(sim: &crate::sim::Sim<HbNode>) -> Vec<NodeId> {
    sim.nodes()
        .iter()
        .enumerate()
        .filter(|(i, n)| sim.is_up(*i) && matches!(n, HbNode::Worker(w) if w.role == Role::Primary))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod timer_order_tests {
    use super::*;

    #[test]
    fn timers_sort_as_their_fields_do() {
        // Built in lexicographic order of (variant, worker, detector, level).
        let mut expected = vec![HbTimer::Beat];
        for worker in 0..300 {
            for det in [Detector::Fixed, Detector::Phi] {
                for level in Status::ALL {
                    expected.push(HbTimer::Deadline { worker, det, level });
                }
            }
        }
        let mut shuffled = expected.clone();
        shuffled.reverse();
        shuffled.rotate_left(417);
        shuffled.sort();
        assert_eq!(shuffled, expected);
        for w in expected.windows(2) {
            assert!(w[0] < w[1] && w[0] != w[1], "{:?} {:?}", w[0], w[1]);
        }
    }

    /// The status record reads exactly as the `format!`s it replaced.
    #[test]
    fn status_notes_read_as_the_text_they_replace() {
        let levels = Status::ALL;
        for det in [Detector::Fixed, Detector::Phi] {
            for from in levels {
                for to in levels {
                    for (w, us) in [(1, 0), (50, 1_234_567), (7, u64::MAX / 2)] {
                        let silent = Duration(us);
                        let why = if to == Status::Up {
                            format!("heard again after {silent}")
                        } else {
                            format!("silent {silent}")
                        };
                        let main = format!(
                            "node {w} {} → {} ({} detector, {why})",
                            from.as_str(),
                            to.as_str(),
                            det.as_str()
                        );
                        let other =
                            format!("({} detector: node {w} {})", det.as_str(), to.as_str());
                        let rec = |m| status_note(w, det, from, to, silent, m).to_string();
                        assert_eq!(rec(true), main);
                        assert_eq!(rec(false), other);
                    }
                }
            }
        }
    }
}
