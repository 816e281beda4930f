//! The cluster lab in the registry: its link keys, builder and measurements. The scenario's
//! `n` is the machine count; the whole cluster is simulated process 0, so its faults are the
//! lab's own commands (`cmd:0:fail:2`, `cmd:0:zone-fail:a`, `cmd:0:hang`, `cmd:0:release:bad`).

use super::alerts::{fmt_micro, fmt_rules, parse_micro, parse_rules};
use super::command::ClusterCommand;
use super::metrics::{measure, ClusterMetrics};
use super::model::ClusterNode;
use super::params::{
    fmt_trace, parse_trace, ClusterParams, LoadShape, MAX_CAP, MAX_MACHINES, MAX_REPLICAS, MAX_RPS,
    MAX_SLOTS, MAX_ZONES,
};
use crate::fault::{Fault, TimedFault};
use crate::history::History;
use crate::lab::{Lab, LabInfo};
use crate::lb::Strategy;
use crate::scenario::keys::{Conflict, Key, KeyError, KeyKind};
use crate::scenario::Scenario;
use crate::sim::Sim;
use crate::{choice_key, clip, flag_key, int_key, ms_key};

/// The self-healing cluster lab.
pub struct ClusterLab;

/// Why `slo` was refused: a percentage outside 50–99.999 or with more than 3 decimals
/// (clipped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an SLO between 50 and 99.999 %")]
pub struct NotAnSlo(pub String);

const MS: u64 = 1_000;
const S: u64 = 1_000_000;

static KEYS: [Key<ClusterParams>; 39] = [
    int_key!("zones", "zones (a–d)", zones: usize, 1, MAX_ZONES),
    int_key!("slots", "pods per machine", slots: u32, 1, MAX_SLOTS),
    int_key!("rep", "desired replicas", replicas: u32, 0, MAX_REPLICAS),
    flag_key!("spread", "spread pods across zones", spread),
    ms_key!("start", "container start-up time", startup, 0, 120 * S),
    ms_key!("ctl", "controller loop interval", ctl, 100 * MS, 60 * S),
    ms_key!("grace", "node monitor grace period", grace, S, 300 * S),
    ms_key!(
        "evict",
        "evict a NotReady machine's pods after",
        evict,
        0,
        600 * S
    ),
    flag_key!("live", "liveness probe", live),
    ms_key!("lper", "liveness period", live_period, S, 300 * S),
    ms_key!("lto", "liveness timeout", live_timeout, 100 * MS, 60 * S),
    int_key!("lfail", "liveness failure threshold", live_fail: u32, 1, 10),
    flag_key!("rdy", "readiness probe", ready),
    ms_key!("rper", "readiness period", ready_period, S, 300 * S),
    ms_key!("rto", "readiness timeout", ready_timeout, 100 * MS, 60 * S),
    int_key!("rfail", "readiness failure threshold", ready_fail: u32, 1, 10),
    choice_key!("lb", "service picks pods by", strategy, Strategy),
    int_key!("cap", "requests per second one pod serves", cap: u32, 1, MAX_CAP),
    ms_key!("cto", "client timeout", cto, 10 * MS, 60 * S),
    flag_key!("hpa", "horizontal pod autoscaler", hpa),
    int_key!("min", "HPA min replicas", min: u32, 1, MAX_REPLICAS),
    int_key!("max", "HPA max replicas", max: u32, 1, MAX_REPLICAS),
    int_key!("target", "HPA target CPU %", target_pct: u32, 1, 100),
    ms_key!("scrape", "metrics scrape interval", scrape, S, 300 * S),
    ms_key!("sync", "HPA sync period", sync, S, 300 * S),
    ms_key!(
        "stab",
        "HPA scale-down stabilization window",
        stab,
        0,
        3600 * S
    ),
    int_key!("tol", "HPA tolerance %", tol_pct: u32, 0, 50),
    choice_key!("load", "load shape", load, LoadShape),
    int_key!("rps", "base load, requests per second", rps: u32, 0, MAX_RPS),
    int_key!("peak", "peak load, requests per second", peak: u32, 0, MAX_RPS),
    ms_key!("at", "step, ramp or spike begins at", at, 0, 600 * S),
    ms_key!("len", "ramp or spike length; trace step", len, S, 600 * S),
    ms_key!(
        "period",
        "a day of the daily sine",
        period,
        10 * S,
        3600 * S
    ),
    Key {
        name: "trace",
        help: "recorded load, requests per second per len",
        kind: KeyKind::Text("RPS.RPS.… (≤ 60 points)"),
        get: |p| fmt_trace(&p.trace),
        set: |p, v| {
            p.trace = parse_trace(v).map_err(KeyError::lab)?;
            Ok(())
        },
    },
    Key {
        name: "alerts",
        help: "alert rules, ;-separated",
        kind: KeyKind::Text("METRIC[WINDOW] OP N [and …] [for DUR]; …"),
        get: |p| fmt_rules(&p.rules),
        set: |p, v| {
            p.rules = parse_rules(v).map_err(KeyError::lab)?;
            Ok(())
        },
    },
    Key {
        name: "slo",
        help: "SLO, % of requests good",
        kind: KeyKind::Text("50–99.999"),
        get: |p| fmt_micro(p.slo_ppm as i64 * 100),
        set: |p, v| {
            let micro = parse_micro(v).map_err(KeyError::lab)?;
            if !(50_000_000..=99_999_000).contains(&micro) || micro % 100 != 0 {
                return Err(KeyError::lab(NotAnSlo(clip(v))));
            }
            p.slo_ppm = (micro / 100) as u32;
            Ok(())
        },
    },
    ms_key!(
        "slop",
        "the SLO period the run stands for",
        slo_period,
        S,
        2_592_000 * S
    ),
    flag_key!("burn", "multi-window burn-rate alerts", burn),
    ms_key!("eval", "rule evaluation interval", eval, 100 * MS, 60 * S),
];

impl Lab for ClusterLab {
    const INFO: LabInfo = LabInfo {
        name: "cluster",
        title: "Self-healing cluster",
        summary: "What keeps a service up without a person: a controller that keeps the replica \
                  count and reschedules a failed machine's pods, liveness and readiness probes, \
                  CrashLoopBackOff, spreading across zones, an autoscaler computed as \
                  Kubernetes' HPA, and alert rules with an SLO, its error budget and burn-rate \
                  alerts — each to break and watch.",
        nodes: (1, MAX_MACHINES),
        default_nodes: 6,
    };
    type Setup = ClusterParams;
    type Run = History<ClusterNode>;
    type Metrics = ClusterMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<ClusterParams>] {
        &KEYS
    }
    fn conflicts(p: &ClusterParams, _nodes: usize) -> Vec<Conflict> {
        let mut out = Vec::new();
        if p.min > p.max {
            out.push(Conflict {
                keys: &["min", "max"],
                message: format!("HPA min {} is above max {}", p.min, p.max),
            });
        }
        out
    }
    fn fit(p: &mut ClusterParams, nodes: &mut usize, _n_given: bool) {
        p.machines = *nodes;
    }
    fn processes(_: &ClusterParams, _nodes: usize) -> usize {
        1
    }
    fn parse_command(
        _: &ClusterParams,
        text: &str,
    ) -> Result<crate::command::Cmd, crate::command::CommandError> {
        crate::fault::commands_of::<ClusterCommand>(text)
    }
    fn decode_timeline(
        v: &str,
        _setup: &ClusterParams,
        processes: usize,
        err: &mut dyn FnMut(&str, String),
    ) -> Vec<TimedFault> {
        let command = crate::fault::commands_of::<ClusterCommand>;
        let all = crate::scenario::decode_faults_with(v, &command, processes, err);
        all.into_iter()
            .filter(|f| {
                let ok = matches!(f.fault, Fault::Command(0, _));
                if !ok {
                    err(
                        "faults",
                        format!(
                            "{}: the cluster lab's faults are its commands (cmd:0:fail:M, cmd:0:zone-fail:Z, cmd:0:hang, cmd:0:release:bad, …)",
                            f.fault
                        ),
                    );
                }
                ok
            })
            .collect()
    }
    fn build(s: &Scenario) -> History<ClusterNode> {
        let mut p = s.setup::<ClusterLab>();
        p.machines = s.nodes;
        History::new(Sim::new(
            s.seed,
            vec![ClusterNode::new(&p)],
            s.net,
            s.faults.clone(),
        ))
    }
    fn measure(run: &History<ClusterNode>) -> ClusterMetrics {
        measure(run.sim())
    }
    fn event_lines(run: &History<ClusterNode>) -> Vec<(u64, String)> {
        crate::lab::trace_lines(run)
    }
}
