//! What the heartbeat lab measures: detection time per crash, false suspicions, failovers and
//! the split-brain window — computed against ground truth the monitor cannot see.

use super::{Detector, HbNode, Role, Status, MONITOR};
use crate::sim::Sim;
use crate::time::SimTime;
use crate::NodeId;
use serde::Serialize;

/// One detector's record.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DetectorMetrics {
    /// Crashes of workers seen so far.
    pub crashes: u32,
    /// Crashes declared down (before the node restarted), or already down when they happened.
    pub detected: u32,
    /// Detection times (crash → down), ms, in crash order (0 if it was already down).
    pub detection_ms: Vec<f64>,
    /// Mean detection time, ms (None before any detection).
    pub mean_detection_ms: Option<f64>,
    /// Times a live worker was suspected (up → suspect/down while it was running).
    pub false_suspicions: u32,
    /// Times a live worker was declared down.
    pub false_downs: u32,
}

/// Everything the lab reports (`cli run` prints this as JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HbMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// Fixed-timeout detector.
    pub fixed: DetectorMetrics,
    /// Phi-accrual detector.
    pub phi: DetectorMetrics,
    /// Promotions made by the monitor.
    pub failovers: u32,
    /// Current designated primary.
    pub primary: Option<NodeId>,
    /// Current epoch.
    pub epoch: u64,
    /// Total time with two or more live workers acting as primary, ms.
    pub split_brain_ms: f64,
    /// Heartbeats and control messages sent.
    pub messages_sent: u64,
    /// Messages lost at random.
    pub messages_lost: u64,
    /// Messages dropped by cut links or down receivers.
    pub messages_dropped: u64,
}

fn detector(sim: &Sim<HbNode>, det: Detector) -> DetectorMetrics {
    let mut m = DetectorMetrics::default();
    let HbNode::Monitor(mon) = &sim.nodes()[MONITOR] else {
        return m;
    };
    let trans: Vec<_> = mon.transitions.iter().filter(|t| t.det == det).collect();
    let life = sim.life();
    for (k, crash) in life
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.up && e.node != MONITOR)
    {
        m.crashes += 1;
        let restart = life[k + 1..]
            .iter()
            .find(|e| e.node == crash.node && e.up)
            .map(|e| e.time)
            .unwrap_or(SimTime::MAX);
        // The node already being down then (detection time 0), or the first "down" after the
        // crash. The fault at the crash instant follows every other event then, so a transition
        // at that same time came first. A monitor restart forgets every status (back to up)
        // without a transition, so it ends an earlier "down".
        let last_change = trans
            .iter()
            .filter(|t| t.worker == crash.node && t.time <= crash.time)
            .map(|t| (t.time, t.to == Status::Down))
            .next_back();
        let monitor_restart = life
            .iter()
            .filter(|e| e.node == MONITOR && e.up && e.time <= crash.time)
            .map(|e| e.time)
            .next_back();
        let already_down = match (last_change, monitor_restart) {
            (Some((t, down)), Some(r)) => down && t > r,
            (Some((_, down)), None) => down,
            (None, _) => false,
        };
        let hit = if already_down {
            Some(crash.time)
        } else {
            trans
                .iter()
                .find(|t| {
                    t.worker == crash.node
                        && t.to == Status::Down
                        && t.time >= crash.time
                        && t.time < restart
                })
                .map(|t| t.time)
        };
        if let Some(t) = hit {
            m.detected += 1;
            m.detection_ms.push(t.since(crash.time).as_ms_f64());
        }
    }
    for t in &trans {
        if sim.up_at(t.worker, t.time) {
            if t.from == Status::Up && t.to != Status::Up {
                m.false_suspicions += 1;
            }
            if t.to == Status::Down {
                m.false_downs += 1;
            }
        }
    }
    if !m.detection_ms.is_empty() {
        m.mean_detection_ms =
            Some(m.detection_ms.iter().sum::<f64>() / m.detection_ms.len() as f64);
    }
    m
}

/// Total time (µs) during which two or more live workers believed they were primary.
fn split_brain_us(sim: &Sim<HbNode>) -> u64 {
    // Intervals during which each worker acted as primary (role primary and alive).
    let mut edges: Vec<(SimTime, i32)> = Vec::new();
    for (i, n) in sim.nodes().iter().enumerate() {
        let HbNode::Worker(w) = n else { continue };
        let mut changes: Vec<(SimTime, Option<Role>, Option<bool>)> = w
            .role_log
            .iter()
            .map(|&(t, r)| (t, Some(r), None))
            .collect();
        changes.extend(
            sim.life()
                .iter()
                .filter(|e| e.node == i)
                .map(|e| (e.time, None, Some(e.up))),
        );
        crate::sort::sort_by_key(&mut changes, |c| c.0);
        let (mut role, mut up, mut acting) = (Role::Backup, true, false);
        for (t, r, u) in changes {
            if let Some(r) = r {
                role = r;
            }
            if let Some(u) = u {
                up = u;
                if u {
                    role = Role::Backup; // a restart comes back as backup
                }
            }
            let now_acting = up && role == Role::Primary;
            if now_acting != acting {
                edges.push((t, if now_acting { 1 } else { -1 }));
                acting = now_acting;
            }
        }
    }
    crate::sort::sort(&mut edges);
    let (mut count, mut total, mut since) = (0i32, 0u64, SimTime::ZERO);
    for (t, d) in edges {
        if count >= 2 {
            total += t.since(since).as_us();
        }
        count += d;
        since = t;
    }
    if count >= 2 {
        total += sim.now().since(since).as_us();
    }
    total
}

/// Measures a heartbeat run at its current position.
pub fn measure(sim: &Sim<HbNode>) -> HbMetrics {
    let stats = sim.stats();
    let (failovers, primary, epoch) = match &sim.nodes()[MONITOR] {
        HbNode::Monitor(m) => (m.failovers.len() as u32, m.primary, m.epoch),
        _ => (0, None, 0),
    };
    HbMetrics {
        time_ms: sim.now().as_ms_f64(),
        fixed: detector(sim, Detector::Fixed),
        phi: detector(sim, Detector::Phi),
        failovers,
        primary,
        epoch,
        split_brain_ms: split_brain_us(sim) as f64 / 1000.0,
        messages_sent: stats.sent,
        messages_lost: stats.lost,
        messages_dropped: stats.dropped,
    }
}
