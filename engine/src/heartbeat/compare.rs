//! Central heartbeats, all-to-all heartbeats and SWIM side by side, on the same network, the same
//! crash and the same group sizes (issue #16's comparison).
//!
//! - **Central**: the heartbeat lab itself — every member heartbeats one monitor, which runs the
//!   fixed-timeout detector. Only the monitor learns of a crash, so its detection is also the
//!   "full dissemination" of this design (telling the others would be one more broadcast); its
//!   inbound load grows with the group: n heartbeats per interval land on one process.
//! - **All-to-all**: every member heartbeats every other member and runs the same fixed timeout
//!   for each peer. Detection needs no dissemination (each member watches for itself), but each
//!   member sends and receives n − 1 heartbeats per interval — O(n) per member, O(n²) in all —
//!   and every one of the n(n − 1) watcher/peer pairs can raise a false alarm on its own.
//! - **SWIM**: [`super::swim`] with the link's settings ([`super::swim_metrics::sweep`]).
//!
//! The heartbeat designs beat every protocol period T′ of the SWIM settings, with a timeout of
//! [`TIMEOUT_PERIODS`] periods (the heartbeat lab's default ratio, 500 ms at 100 ms) and ±10 %
//! jitter, so all three spend the same time between probes of one member.

use super::swim::SwimParams;
use super::swim_metrics::{sweep, SWEEP_WARMUP};
use super::{Detector, HbParams};
use crate::fault::{Fault, TimedFault};
use crate::net::NetConfig;
use crate::sim::{Ctx, Node, Sim, What};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::Serialize;
use std::fmt;

/// The heartbeat designs' timeout, in heartbeat intervals.
pub const TIMEOUT_PERIODS: u64 = 5;

crate::text_enum! {
    /// A failure-detection design.
    pub enum Design {
        /// Every member heartbeats one monitor.
        #[default]
        Central = "central" / "central monitor",
        /// Every member heartbeats every other member.
        AllToAll = "all" / "all-to-all heartbeats",
        /// SWIM gossip membership.
        Swim = "swim" / "SWIM",
    }
}

/// One design at one group size.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareRow {
    /// Which design.
    pub design: Design,
    /// Group members (the central design adds its monitor).
    pub members: usize,
    /// Crash of member 1 → first process that declares it down, ms.
    pub detection_ms: Option<f64>,
    /// Crash → the last process that must know has it down, ms (central: the monitor).
    pub dissemination_ms: Option<f64>,
    /// Messages each member sends per second before the crash (steady state).
    pub messages_per_member_per_s: f64,
    /// Messages the busiest process receives per second before the crash.
    pub busiest_in_per_s: f64,
    /// Declarations of a running member as down (by any watcher), over the whole run.
    pub false_positives: u32,
    /// Expected messages per member per second.
    pub theory_messages_per_member_per_s: f64,
    /// Expected inbound messages per second at the busiest process.
    pub theory_busiest_in_per_s: f64,
}

/// Runs all three designs for each size in `sizes`: member 1 crashes after the warm-up and each
/// run goes on until every process that must know has it down (or 120 periods more).
pub fn compare(sizes: &[usize], seed: u64, p: &SwimParams, net: NetConfig) -> Vec<CompareRow> {
    sizes
        .iter()
        .filter(|&&n| n >= 2)
        .flat_map(|&n| compare_one(n, seed, p, net))
        .collect()
}

/// The three designs at one size.
pub fn compare_one(n: usize, seed: u64, p: &SwimParams, net: NetConfig) -> Vec<CompareRow> {
    Design::ALL
        .iter()
        .filter_map(|&d| run_design(d, n, seed, p, net))
        .collect()
}

/// One design at one size (the page runs one per frame); `None` below 2 members.
pub fn run_design(
    design: Design,
    n: usize,
    seed: u64,
    p: &SwimParams,
    net: NetConfig,
) -> Option<CompareRow> {
    if n < 2 {
        return None;
    }
    match design {
        Design::Central => Some(central(n, seed, p, net)),
        Design::AllToAll => Some(all_to_all(n, seed, p, net)),
        Design::Swim => swim(n, seed, p, net),
    }
}

fn swim(n: usize, seed: u64, p: &SwimParams, net: NetConfig) -> Option<CompareRow> {
    let period_s = p.period.as_ms_f64() / 1000.0;
    let s = sweep(&[n], seed, p, net, SWEEP_WARMUP).pop()?;
    let mut sim = super::swim::new_sim(seed, p, n, net, crash_faults());
    let (per_member, busiest) = steady_load(&mut sim, n, n);
    Some(CompareRow {
        design: Design::Swim,
        members: n,
        detection_ms: s.detection_ms,
        dissemination_ms: s.dissemination_ms,
        messages_per_member_per_s: per_member,
        busiest_in_per_s: busiest,
        false_positives: s.false_positives,
        theory_messages_per_member_per_s: s.theory_messages_per_member_per_s,
        // A ping and its ack each period, plus on average one ping from a prober (each
        // member is probed once per pass).
        theory_busiest_in_per_s: s.theory_messages_per_member_per_s.max(2.0 / period_s),
    })
}

fn crash_faults() -> Vec<TimedFault> {
    vec![TimedFault {
        at: SimTime::ZERO.plus(SWEEP_WARMUP),
        fault: Fault::Crash(1),
    }]
}

/// Runs `sim` up to just before the crash, counting deliveries per process; returns messages
/// sent per member per second (over `members` senders) and the busiest process's inbound rate.
fn steady_load<N: Node>(sim: &mut Sim<N>, processes: usize, members: usize) -> (f64, f64) {
    sim.keep_trace_tail(Some(16));
    let until = SimTime(SWEEP_WARMUP.as_us() - 1);
    let mut received = vec![0u64; processes];
    while sim.next_time().is_some_and(|t| t <= until) {
        if let Some(e) = sim.step() {
            if let What::Deliver { to, .. } = e.what {
                received[to] += 1;
            }
        }
    }
    let secs = (until.as_ms_f64() / 1000.0).max(1e-9);
    let sent = sim.stats().sent as f64;
    let busiest = received.iter().copied().max().unwrap_or(0) as f64;
    (sent / members as f64 / secs, busiest / secs)
}

fn hb_params(p: &SwimParams) -> HbParams {
    let mut hb = HbParams::for_interval(p.period);
    hb.suspect_after = Duration(p.period.as_us() * (TIMEOUT_PERIODS / 2).max(1));
    hb.down_after = Duration(p.period.as_us() * TIMEOUT_PERIODS);
    hb.detector = Detector::Fixed;
    hb.failover = false;
    hb
}

fn cap(p: &SwimParams) -> SimTime {
    SimTime::ZERO
        .plus(SWEEP_WARMUP)
        .plus(Duration(p.period.as_us() * 120))
}

fn central(n: usize, seed: u64, p: &SwimParams, net: NetConfig) -> CompareRow {
    let hb = hb_params(p);
    // Members are workers 1..=n; node 0 is the monitor.
    let mut sim = Sim::new(seed, super::nodes(&hb, n), net, crash_faults());
    let (_, busiest) = steady_load(&mut sim, n + 1, n);
    // Only workers send (failover is off, so the monitor is silent).
    let per_member = sim.stats().sent as f64 / n as f64 / (SWEEP_WARMUP.as_ms_f64() / 1000.0);
    let cap = cap(p);
    let mut t = SimTime::ZERO.plus(SWEEP_WARMUP);
    let detected = loop {
        t = t.plus(p.period);
        sim.run_until(t, u64::MAX);
        let m = super::measure(&sim);
        if let Some(&d) = m.fixed.detection_ms.first() {
            break Some(d);
        }
        if t >= cap {
            break None;
        }
    };
    let m = super::measure(&sim);
    let interval_s = hb.interval.as_ms_f64() / 1000.0;
    CompareRow {
        design: Design::Central,
        members: n,
        detection_ms: detected,
        dissemination_ms: detected,
        messages_per_member_per_s: per_member,
        busiest_in_per_s: busiest,
        false_positives: m.fixed.false_downs,
        theory_messages_per_member_per_s: 1.0 / interval_s,
        theory_busiest_in_per_s: n as f64 / interval_s,
    }
}

fn all_to_all(n: usize, seed: u64, p: &SwimParams, net: NetConfig) -> CompareRow {
    let hb = hb_params(p);
    let nodes = (0..n).map(|me| Peer::new(&hb, me, n)).collect();
    let mut sim = Sim::new(seed, nodes, net, crash_faults());
    let (per_member, busiest) = steady_load(&mut sim, n, n);
    let crash = SimTime::ZERO.plus(SWEEP_WARMUP);
    let cap = cap(p);
    let mut t = crash;
    loop {
        t = t.plus(p.period);
        sim.run_until(t, u64::MAX);
        let all = (0..n)
            .filter(|&m| m != 1 && sim.is_up(m))
            .all(|m| sim.nodes()[m].down_since(1).is_some());
        if all || t >= cap {
            break;
        }
    }
    let m = measure_all_to_all(&sim, 1, crash);
    let interval_s = hb.interval.as_ms_f64() / 1000.0;
    CompareRow {
        design: Design::AllToAll,
        members: n,
        detection_ms: m.0,
        dissemination_ms: m.1,
        messages_per_member_per_s: per_member,
        busiest_in_per_s: busiest,
        false_positives: m.2,
        theory_messages_per_member_per_s: (n - 1) as f64 / interval_s,
        theory_busiest_in_per_s: (n - 1) as f64 / interval_s,
    }
}

/// (first detection, full detection, false positives) of an all-to-all run with `victim`
/// crashed at `crash`, against ground truth.
pub fn measure_all_to_all(
    sim: &Sim<Peer>,
    victim: NodeId,
    crash: SimTime,
) -> (Option<f64>, Option<f64>, u32) {
    let nodes = sim.nodes();
    let mut first: Option<SimTime> = None;
    let mut last: Option<SimTime> = Some(crash);
    let mut false_positives = 0;
    for w in nodes {
        false_positives += w
            .declared
            .iter()
            .filter(|d| sim.up_at(d.peer, d.time))
            .count() as u32;
        if w.me == victim || !sim.is_up(w.me) {
            continue;
        }
        match w
            .declared
            .iter()
            .find(|d| d.peer == victim && d.time >= crash)
        {
            Some(d) => {
                first = Some(first.map_or(d.time, |f| f.min(d.time)));
                last = last.map(|l| l.max(d.time));
            }
            None => last = None,
        }
    }
    let ms = |t: SimTime| t.since(crash).as_ms_f64();
    (
        first.map(ms),
        last.filter(|_| first.is_some()).map(ms),
        false_positives,
    )
}

/// A member of the all-to-all design.
#[derive(Clone, Debug, PartialEq)]
pub struct Peer {
    /// This member's id.
    pub me: NodeId,
    p: HbParams,
    /// Last heartbeat heard from each member (index `me` unused).
    last: Vec<SimTime>,
    /// Whether each member is currently believed down.
    down: Vec<bool>,
    /// Every "down" this member declared.
    pub declared: Vec<Declared>,
}

/// A member declaring a peer down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    /// When.
    pub time: SimTime,
    /// Which peer.
    pub peer: NodeId,
}

/// All-to-all messages: a heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beat;

impl fmt::Display for Beat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("heartbeat")
    }
}

/// All-to-all timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PeerTimer {
    /// Send the next round of heartbeats.
    Beat,
    /// Peer `.0` has been silent for the timeout, unless heard from before.
    Deadline(NodeId),
}

impl fmt::Display for PeerTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerTimer::Beat => f.write_str("heartbeat"),
            PeerTimer::Deadline(p) => write!(f, "deadline for {p}"),
        }
    }
}

impl Peer {
    fn new(p: &HbParams, me: NodeId, n: usize) -> Peer {
        Peer {
            me,
            p: *p,
            last: vec![SimTime::ZERO; n],
            down: vec![false; n],
            declared: Vec::new(),
        }
    }

    /// When this member last declared `peer` down and still believes it, if it does.
    pub fn down_since(&self, peer: NodeId) -> Option<SimTime> {
        if !self.down.get(peer).copied().unwrap_or(false) {
            return None;
        }
        self.declared
            .iter()
            .rev()
            .find(|d| d.peer == peer)
            .map(|d| d.time)
    }
}

impl Node for Peer {
    type Msg = Beat;
    crate::node::shows_whole_messages!();
    type Timer = PeerTimer;
    type Command = crate::command::NoCommand;
    crate::node::refuses_commands!();

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::slice;
        slice(&self.last) + slice(&self.down) + slice(&self.declared)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Beat, PeerTimer>) {
        let now = ctx.now();
        for q in 0..self.last.len() {
            if q != self.me {
                self.last[q] = now;
                self.down[q] = false;
                ctx.set_timer(PeerTimer::Deadline(q), self.p.down_after);
            }
        }
        let first = ctx.rng().range_inclusive(1, self.p.interval.as_us());
        ctx.set_timer(PeerTimer::Beat, Duration(first));
    }

    fn on_message(&mut self, from: NodeId, _msg: Beat, ctx: &mut Ctx<Beat, PeerTimer>) {
        if from >= self.last.len() || from == self.me {
            return;
        }
        self.last[from] = ctx.now();
        if self.down[from] {
            self.down[from] = false;
            ctx.note(format!("{from} heard again"));
        }
        ctx.set_timer(PeerTimer::Deadline(from), self.p.down_after);
    }

    fn on_timer(&mut self, timer: PeerTimer, ctx: &mut Ctx<Beat, PeerTimer>) {
        match timer {
            PeerTimer::Beat => {
                for q in 0..self.last.len() {
                    if q != self.me {
                        ctx.send(q, Beat);
                    }
                }
                let base = self.p.interval.as_us();
                let jitter = base * self.p.jitter_pct as u64 / 100;
                let next = base - jitter + ctx.rng().range_inclusive(0, 2 * jitter);
                ctx.set_timer(PeerTimer::Beat, Duration(next));
            }
            PeerTimer::Deadline(q) => {
                if q < self.down.len() && !self.down[q] {
                    self.down[q] = true;
                    self.declared.push(Declared {
                        time: ctx.now(),
                        peer: q,
                    });
                    ctx.note(format!(
                        "{q} down: silent {}",
                        ctx.now().since(self.last[q])
                    ));
                }
            }
        }
    }
}

impl fmt::Display for CompareRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |x: Option<f64>| {
            x.map_or("—".to_string(), |v| {
                crate::fmtnum::fixed(v, 0).to_string()
            })
        };
        write!(
            f,
            "{} n={}: detect {} ms, all know {} ms, {} msg/member/s, busiest in {}/s, {} false",
            self.design.label(),
            self.members,
            ms(self.detection_ms),
            ms(self.dissemination_ms),
            crate::fmtnum::fixed(self.messages_per_member_per_s, 1),
            crate::fmtnum::fixed(self.busiest_in_per_s, 1),
            self.false_positives
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Latency;

    fn net(loss_ppm: u32) -> NetConfig {
        NetConfig {
            latency: Latency::default(),
            loss_ppm,
            dup_ppm: 0,
        }
    }

    #[test]
    fn every_design_detects_the_crash_and_loads_scale_as_designed() {
        let p = SwimParams::default();
        let small = compare_one(5, 1, &p, net(0));
        let big = compare_one(50, 1, &p, net(0));
        assert_eq!(small.len(), 3);
        assert_eq!(big.len(), 3);
        for r in small.iter().chain(&big) {
            assert!(r.detection_ms.is_some(), "{r}");
            assert!(r.dissemination_ms.is_some(), "{r}");
            assert!(r.dissemination_ms >= r.detection_ms, "{r}");
            assert_eq!(r.false_positives, 0, "{r}");
            // Measured steady load within 25 % of the design's expectation.
            let rel =
                (r.messages_per_member_per_s / r.theory_messages_per_member_per_s - 1.0).abs();
            assert!(
                rel < 0.25,
                "{r}: theory {}",
                r.theory_messages_per_member_per_s
            );
        }
        let load = |rows: &[CompareRow], d: Design| {
            rows.iter()
                .find(|r| r.design == d)
                .map(|r| (r.messages_per_member_per_s, r.busiest_in_per_s))
                .unwrap()
        };
        // Central: members' load flat, the monitor's inbound load grows with n.
        let (c5, c50) = (load(&small, Design::Central), load(&big, Design::Central));
        assert!((c50.0 / c5.0 - 1.0).abs() < 0.2);
        assert!(c50.1 > 8.0 * c5.1);
        // All-to-all: every member's load grows with n.
        let (a5, a50) = (load(&small, Design::AllToAll), load(&big, Design::AllToAll));
        assert!(a50.0 > 8.0 * a5.0);
        // SWIM: flat per member.
        let (s5, s50) = (load(&small, Design::Swim), load(&big, Design::Swim));
        assert!((s50.0 / s5.0 - 1.0).abs() < 0.3, "{s5:?} {s50:?}");
    }

    #[test]
    fn heartbeat_designs_detect_within_the_timeout() {
        let p = SwimParams::default();
        let timeout = p.period.as_ms_f64() * TIMEOUT_PERIODS as f64;
        for r in compare_one(10, 3, &p, net(0)) {
            if r.design == Design::Swim {
                continue;
            }
            let d = r.detection_ms.unwrap();
            // The last heartbeat came at most an interval (+10 % jitter) before the crash.
            assert!(
                d <= timeout + 50.0 && d >= timeout - 1.1 * p.period.as_ms_f64() - 1.0,
                "{r}"
            );
        }
    }

    #[test]
    fn all_to_all_false_alarms_grow_with_the_pairs_under_loss() {
        // At 30 % loss a 5-interval silence is 0.3^5 ≈ 0.24 % per pair and interval: with
        // n(n − 1) pairs the all-to-all design raises far more false alarms than the monitor.
        let p = SwimParams::default();
        let rows = compare_one(20, 2, &p, net(300_000));
        let fp = |d: Design| rows.iter().find(|r| r.design == d).unwrap().false_positives;
        assert!(
            fp(Design::AllToAll) > 5 * fp(Design::Central).max(1),
            "{rows:?}"
        );
    }
}
