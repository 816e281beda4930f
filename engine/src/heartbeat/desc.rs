//! The heartbeat lab in the registry: its settings, link keys, builder and measurements.

use super::{measure, Detector, HbMetrics, HbNode, HbParams};
use crate::command::{Cmd, CommandError, NoCommandError};
use crate::history::History;
use crate::lab::{Lab, LabInfo};
use crate::scenario::keys::{parse_choice, Conflict, Key, KeyError, KeyKind};
use crate::scenario::Scenario;
use crate::time::{fmt_ms, parse_ms};
use crate::{clip, flag_key, int_key, ms_key};

/// The heartbeat lab.
pub struct HeartbeatLab;

/// Why a φ threshold (`phis`, `phid`) was refused (the value clipped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhiError {
    /// `phis=x`
    #[error("'{0}' is not a number")]
    NotANumber(String),
    /// `phis=0.05`, `phid=51`
    #[error("{0} is outside 0.1–50")]
    Outside(String),
}

/// φ thresholds are written with up to three decimals (`8`, `2.5`) and kept ×1000.
fn parse_phi(v: &str) -> Result<u32, KeyError> {
    let milli = parse_ms(v).ok_or_else(|| KeyError::lab(PhiError::NotANumber(clip(v))))?;
    if !(100..=50_000).contains(&milli) {
        return Err(KeyError::lab(PhiError::Outside(clip(v))));
    }
    Ok(milli as u32)
}

const MAX_SILENCE_US: u64 = 600_000_000;

static KEYS: [Key<HbParams>; 12] = [
    ms_key!("hb", "heartbeat interval", interval, 10_000, 10_000_000),
    int_key!("jit", "send jitter ±%", jitter_pct: u8, 0, 50),
    ms_key!(
        "suspect",
        "fixed detector: suspect after",
        suspect_after,
        1000,
        MAX_SILENCE_US
    ),
    ms_key!(
        "down",
        "fixed detector: down after",
        down_after,
        1000,
        MAX_SILENCE_US
    ),
    Key {
        name: "det",
        help: "detector driving status and failover",
        kind: KeyKind::Choice {
            names: &["fixed", "phi"],
            labels: &["fixed timeout", "φ accrual"],
        },
        get: |p| p.detector.as_str().into(),
        set: |p, v| {
            p.detector = parse_choice(v, &["fixed", "phi"], Detector::parse)?;
            Ok(())
        },
    },
    Key {
        name: "phis",
        help: "φ suspect threshold",
        kind: KeyKind::Text("0.1–50"),
        get: |p| fmt_ms(p.phi_suspect_milli as u64),
        set: |p, v| {
            p.phi_suspect_milli = parse_phi(v)?;
            Ok(())
        },
    },
    Key {
        name: "phid",
        help: "φ down threshold",
        kind: KeyKind::Text("0.1–50"),
        get: |p| fmt_ms(p.phi_down_milli as u64),
        set: |p, v| {
            p.phi_down_milli = parse_phi(v)?;
            Ok(())
        },
    },
    int_key!("win", "φ inter-arrival window", window: usize, 1, 1000),
    ms_key!(
        "pause",
        "φ acceptable heartbeat pause, added to the mean (Akka: 3 × hb)",
        acceptable_pause,
        0,
        MAX_SILENCE_US
    ),
    ms_key!(
        "minsd",
        "φ minimum standard deviation (Akka: hb / 10)",
        min_std,
        1000,
        60_000_000
    ),
    flag_key!(
        "outage",
        "φ learns the interval that spans an outage (0: Akka's rule)",
        learn_outages
    ),
    flag_key!("fo", "failover", failover),
];

impl Lab for HeartbeatLab {
    const INFO: LabInfo = LabInfo {
        name: "heartbeat",
        title: "Heartbeats, failure detection & failover",
        summary: "Workers heartbeat a monitor. Compare a fixed-timeout detector with phi accrual: \
                  how fast a crash is detected, how often a live node is wrongly suspected under \
                  loss and latency, and how failover promotes a backup — with epochs fencing a \
                  stale primary.",
        nodes: (1, 50),
        default_nodes: 5,
    };
    type Setup = HbParams;
    type Run = History<HbNode>;
    type Metrics = HbMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<HbParams>] {
        &KEYS
    }
    /// φ's pause and minimum σ scale with the heartbeat interval, as Akka's defaults (given for
    /// a 1 s interval) do.
    fn implied_defaults(p: &HbParams) -> HbParams {
        let scaled = HbParams::for_interval(p.interval);
        HbParams {
            acceptable_pause: scaled.acceptable_pause,
            min_std: scaled.min_std,
            ..HbParams::default()
        }
    }
    fn conflicts(p: &HbParams, _nodes: usize) -> Vec<Conflict> {
        let mut out = Vec::new();
        if p.down_after <= p.suspect_after {
            out.push(Conflict {
                keys: &["down", "suspect"],
                message: format!(
                    "down ({}) must be longer than suspect ({})",
                    p.down_after, p.suspect_after
                ),
            });
        }
        if p.phi_down_milli <= p.phi_suspect_milli {
            out.push(Conflict {
                keys: &["phid", "phis"],
                message: format!(
                    "phid ({}) must be above phis ({})",
                    fmt_ms(p.phi_down_milli as u64),
                    fmt_ms(p.phi_suspect_milli as u64)
                ),
            });
        }
        out
    }
    fn processes(_p: &HbParams, nodes: usize) -> usize {
        nodes + 1
    }
    fn parse_command(_: &HbParams, text: &str) -> Result<Cmd, CommandError> {
        Err(CommandError::new(NoCommandError::NoCommands {
            lab: Self::INFO.name,
            text: clip(text),
        }))
    }
    fn build(s: &Scenario) -> Self::Run {
        History::new(s.build_heartbeat())
    }
    fn event_lines(run: &Self::Run) -> Vec<(u64, String)> {
        crate::lab::trace_lines(run)
    }
    fn measure(run: &Self::Run) -> HbMetrics {
        measure(run.sim())
    }
}
