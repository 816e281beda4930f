//! What a SWIM run measures, against ground truth the members cannot see (the simulator's crash
//! and restart times): time to first detection and to full dissemination of each crash, false
//! suspicions and false deaths, and messages per member per second; and a sweep over cluster
//! sizes next to the SWIM paper's predictions.

use super::swim::{new_sim, MemberState, SwimNode, SwimParams};
use crate::fault::{Fault, TimedFault};
use crate::net::NetConfig;
use crate::sim::Sim;
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::Serialize;

/// One crash and how the group learned of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrashRecord {
    /// The crashed member.
    pub node: NodeId,
    /// When it crashed, ms.
    pub at_ms: f64,
    /// Crash → the first member suspects it, ms.
    pub first_suspect_ms: Option<f64>,
    /// Crash → the first member declares it dead ("time to first detection"), ms.
    pub first_dead_ms: Option<f64>,
    /// Crash → the last surviving member declares it dead ("full dissemination"), ms; None
    /// while some survivor has not.
    pub full_dissemination_ms: Option<f64>,
}

/// Everything a SWIM run reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SwimMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// Group size.
    pub members: usize,
    /// Every crash so far.
    pub crashes: Vec<CrashRecord>,
    /// Mean time to first detection (dead) over detected crashes, ms.
    pub detection_ms: Option<f64>,
    /// Mean time to full dissemination over fully disseminated crashes, ms.
    pub dissemination_ms: Option<f64>,
    /// Times a member suspected a member that was running.
    pub false_suspicions: u32,
    /// Times a member declared a running member dead (false positives).
    pub false_positives: u32,
    /// The false positives about members that are not slow (`cmd:N:slow:MS`): healthy members
    /// declared dead — what Lifeguard protects (a slow member is declared dead either way).
    pub false_positives_healthy: u32,
    /// Messages sent by all members.
    pub messages_sent: u64,
    /// Messages sent per member per simulated second.
    pub messages_per_member_per_s: f64,
    /// Highest Lifeguard local health score now.
    pub max_lhm: u32,
}

/// Up without interruption from `from` to now.
fn up_since(sim: &Sim<SwimNode>, node: NodeId, from: SimTime) -> bool {
    sim.up_at(node, from) && !sim.life().iter().any(|e| e.node == node && e.time >= from)
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0u32);
    for x in xs {
        sum += x;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}

/// Measures a SWIM run at its current position.
pub fn measure(sim: &Sim<SwimNode>) -> SwimMetrics {
    let nodes = sim.nodes();
    let life = sim.life();
    let mut crashes = Vec::new();
    for (k, crash) in life.iter().enumerate().filter(|(_, e)| !e.up) {
        let x = crash.node;
        let tc = crash.time;
        let back = life[k + 1..]
            .iter()
            .find(|e| e.node == x && e.up)
            .map_or(SimTime::MAX, |e| e.time);
        let first = |m: &SwimNode, states: &[MemberState]| {
            m.log
                .iter()
                .find(|c| c.node == x && c.time >= tc && c.time < back && states.contains(&c.to))
                .map(|c| c.time)
        };
        let observers: Vec<&SwimNode> = nodes
            .iter()
            .filter(|m| m.me != x && up_since(sim, m.me, tc))
            .collect();
        let ms = |t: SimTime| t.since(tc).as_ms_f64();
        let suspects = observers
            .iter()
            .filter_map(|m| first(m, &[MemberState::Suspect, MemberState::Dead]));
        let deads: Vec<Option<SimTime>> = observers
            .iter()
            .map(|m| first(m, &[MemberState::Dead]))
            .collect();
        crashes.push(CrashRecord {
            node: x,
            at_ms: tc.as_ms_f64(),
            first_suspect_ms: suspects.min().map(ms),
            first_dead_ms: deads.iter().flatten().min().copied().map(ms),
            full_dissemination_ms: if !deads.is_empty() && deads.iter().all(Option::is_some) {
                deads.iter().flatten().max().copied().map(ms)
            } else {
                None
            },
        });
    }
    let (mut false_suspicions, mut false_positives, mut false_positives_healthy) = (0, 0, 0);
    for m in nodes {
        for c in m.log.iter() {
            if sim.up_at(c.node, c.time) {
                match c.to {
                    MemberState::Suspect => false_suspicions += 1,
                    MemberState::Dead => {
                        false_positives += 1;
                        if nodes[c.node].slow.as_us() == 0 {
                            false_positives_healthy += 1;
                        }
                    }
                    MemberState::Alive => {}
                }
            }
        }
    }
    let secs = sim.now().as_ms_f64() / 1000.0;
    let sent = sim.stats().sent;
    SwimMetrics {
        time_ms: sim.now().as_ms_f64(),
        members: nodes.len(),
        detection_ms: mean(crashes.iter().filter_map(|c| c.first_dead_ms)),
        dissemination_ms: mean(crashes.iter().filter_map(|c| c.full_dissemination_ms)),
        crashes,
        false_suspicions,
        false_positives,
        false_positives_healthy,
        messages_sent: sent,
        messages_per_member_per_s: if secs > 0.0 && !nodes.is_empty() {
            sent as f64 / nodes.len() as f64 / secs
        } else {
            0.0
        },
        max_lhm: nodes.iter().map(|m| m.lhm).max().unwrap_or(0),
    }
}

/// The SWIM paper's expected time to the first suspicion of a crashed member, in protocol
/// periods, for a group of `n`: each of the n − 1 survivors picks it with probability 1/(n − 1)
/// per period (uniform choice, §3.1), so a period catches it with probability
/// 1 − (1 − 1/(n − 1))^(n − 1) → 1 − 1/e, and the wait is 1/that (→ e/(e − 1) ≈ 1.58) periods,
/// plus the period in which the failed probe is settled.
pub fn expected_first_suspicion_periods(n: usize) -> f64 {
    if n < 2 {
        return f64::INFINITY;
    }
    let m = (n - 1) as f64;
    // (1 − 1/m)^m through detmath, so the figure is the same on every platform.
    let miss = if m <= 1.0 {
        0.0
    } else {
        crate::detmath::exp(m * crate::detmath::ln(1.0 - 1.0 / m))
    };
    1.0 / (1.0 - miss) + 1.0
}

/// One cluster size of [`sweep`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    /// Group size.
    pub members: usize,
    /// Crash → first member declares it dead, ms.
    pub detection_ms: Option<f64>,
    /// Crash → first member suspects it, ms.
    pub first_suspect_ms: Option<f64>,
    /// Crash → every survivor has it dead, ms.
    pub dissemination_ms: Option<f64>,
    /// Messages per member per second before the crash (steady state: probes and acks).
    pub steady_messages_per_member_per_s: f64,
    /// Messages per member per second over the whole run (with the crash's gossip).
    pub messages_per_member_per_s: f64,
    /// False positives during the run.
    pub false_positives: u32,
    /// The paper's expected first suspicion, ms ([`expected_first_suspicion_periods`]).
    pub theory_first_suspect_ms: f64,
    /// The minimum suspicion timeout at this size, ms (suspicion_mult × max(1, log10 n) × T′).
    pub suspicion_timeout_ms: f64,
    /// log10 n, against which dissemination grows.
    pub log10_n: f64,
    /// Expected detection: the expected first suspicion plus the minimum suspicion timeout, ms.
    pub theory_detection_ms: f64,
    /// Expected steady load: a ping and an ack per period, plus a sync and its reply per sync
    /// interval — the same at every size (SWIM's constant per-member load).
    pub theory_messages_per_member_per_s: f64,
}

/// The group sizes of the sweep the page and `cli experiment swim-sweep` run.
pub const SWEEP_SIZES: [usize; 6] = [5, 10, 20, 50, 100, 200];

/// The warm-up before the sweep's crash (several protocol periods and a sync round).
pub const SWEEP_WARMUP: Duration = Duration(3_000_000);

/// One size of [`sweep`] (the page runs one per frame, with progress).
pub fn sweep_one(n: usize, seed: u64, p: &SwimParams, net: NetConfig) -> Option<SweepRow> {
    sweep(&[n], seed, p, net, SWEEP_WARMUP).pop()
}

/// For each size in `sizes`: `n` members, member 1 crashes after `warmup`, and the run goes on
/// until every survivor has it dead (or 120 periods more). The same seed and network for
/// every size.
pub fn sweep(
    sizes: &[usize],
    seed: u64,
    p: &SwimParams,
    net: NetConfig,
    warmup: Duration,
) -> Vec<SweepRow> {
    sizes
        .iter()
        .filter(|&&n| n >= 2)
        .map(|&n| {
            let crash = SimTime::ZERO.plus(warmup);
            let faults = vec![TimedFault {
                at: crash,
                fault: Fault::Crash(1),
            }];
            let mut sim = new_sim(seed, p, n, net, faults);
            // Steady state first: up to the instant before the crash.
            sim.run_until(SimTime(crash.as_us().saturating_sub(1)), u64::MAX);
            let steady =
                sim.stats().sent as f64 / n as f64 / (sim.now().as_ms_f64() / 1000.0).max(1e-9);
            let cap = crash.plus(Duration(p.period.as_us() * 120));
            let mut t = crash;
            loop {
                t = t.plus(p.period);
                sim.run_until(t, u64::MAX);
                let m = measure(&sim);
                if t >= cap
                    || m.crashes
                        .first()
                        .is_some_and(|c| c.full_dissemination_ms.is_some())
                {
                    break;
                }
            }
            let m = measure(&sim);
            let c = m.crashes.first();
            let period_ms = p.period.as_ms_f64();
            let theory_first = expected_first_suspicion_periods(n) * period_ms;
            let suspicion_ms = super::swim::suspicion_min_us(p, n) as f64 / 1000.0;
            let sync_load = if p.sync_interval.as_us() > 0 {
                2.0 * 1000.0 / p.sync_interval.as_ms_f64()
            } else {
                0.0
            };
            SweepRow {
                members: n,
                detection_ms: c.and_then(|c| c.first_dead_ms),
                first_suspect_ms: c.and_then(|c| c.first_suspect_ms),
                dissemination_ms: c.and_then(|c| c.full_dissemination_ms),
                steady_messages_per_member_per_s: steady,
                messages_per_member_per_s: m.messages_per_member_per_s,
                false_positives: m.false_positives,
                theory_first_suspect_ms: theory_first,
                // At full size (before the crash is known): what every member starts with.
                suspicion_timeout_ms: suspicion_ms,
                log10_n: crate::detmath::log10(n as f64),
                theory_detection_ms: theory_first + suspicion_ms,
                theory_messages_per_member_per_s: 2.0 * 1000.0 / period_ms + sync_load,
            }
        })
        .collect()
}

/// What the group believes about each member: the state held by most running members other
/// than the member itself (the worse state on a tie); alive when no other member runs. The
/// page colours each member by it; ground truth (crashed or not) is [`Sim::is_up`].
pub fn group_view(sim: &Sim<SwimNode>) -> Vec<MemberState> {
    let nodes = sim.nodes();
    (0..nodes.len())
        .map(|x| {
            let mut count = [0usize; 3];
            for m in nodes.iter().filter(|m| m.me != x && sim.is_up(m.me)) {
                count[m.view[x].state as usize] += 1;
            }
            // Highest count; on a tie the later (worse) state: Alive < Suspect < Dead.
            let best = (0..3).max_by_key(|&i| (count[i], i)).unwrap_or(0);
            if count.iter().all(|&c| c == 0) {
                MemberState::Alive
            } else {
                [MemberState::Alive, MemberState::Suspect, MemberState::Dead][best]
            }
        })
        .collect()
}
