//! The load-balancer lab in the registry: its settings, link keys, builder and measurements.

use super::{
    fmt_backends, measure, parse_backends, BackendSpec, LbMetrics, LbNode, LbParams, RetryPolicy,
    ServiceDist, Strategy, BASE_BUCKET_MS, MAX_BACKENDS, MAX_RATE,
};
use crate::history::History;
use crate::lab::{Lab, LabInfo};
use crate::scenario::keys::{parse_choice, Conflict, Key, KeyError, KeyKind};
use crate::scenario::Scenario;
use crate::{choice_key, flag_key, int_key, ms_key};
use serde::{Deserialize, Serialize};

/// Load-balancer settings: the lab's parameters and each backend's weight and speed (`be=2@50,1,1`;
/// empty = all weight 1, speed 100 %).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbSetup {
    /// Parameters.
    pub params: LbParams,
    /// Per-backend weight and speed (as many as the scenario's backends, or empty).
    pub backends: Vec<BackendSpec>,
    /// Compare mode: a second strategy fed the identical request stream (`cmp=p2c`).
    pub compare: Option<Strategy>,
}

/// The load-balancer lab.
pub struct LbLab;

const S: u64 = 1_000_000;

static KEYS: [Key<LbSetup>; 32] = [
    choice_key!("strat", "strategy", params.strategy, Strategy),
    int_key!("rate", "requests per second", params.rate: u32, 0, MAX_RATE),
    int_key!("burst", "burst factor", params.burst: u32, 1, 20),
    ms_key!(
        "bperiod",
        "burst period",
        params.burst_period,
        100_000,
        600 * S
    ),
    int_key!("bon", "burst on-time %", params.burst_on_pct: u32, 1, 99),
    int_key!("clients", "client keys", params.clients: u32, 1, 10_000),
    int_key!("hot", "hot client %", params.hot_pct: u32, 0, 100),
    ms_key!("timeout", "request timeout", params.timeout, 1_000, 60 * S),
    choice_key!("retry", "retry policy", params.retry, RetryPolicy),
    int_key!("tries", "attempts", params.tries: u32, 1, 10),
    ms_key!("bbase", "backoff base", params.backoff_base, 1_000, 10 * S),
    ms_key!("bcap", "backoff cap", params.backoff_cap, 1_000, 60 * S),
    flag_key!("budget", "retry budget", params.budget),
    int_key!("bpct", "retry budget %", params.budget_pct: u32, 0, 100),
    int_key!("breserve", "retry reserve", params.budget_reserve: u32, 0, 1_000),
    int_key!("workers", "workers per backend", params.workers: u32, 1, 64),
    int_key!("queue", "queue limit", params.queue: u32, 0, 10_000),
    choice_key!(
        "svc",
        "service-time distribution",
        params.service,
        ServiceDist
    ),
    ms_key!("svcms", "mean service time", params.service_mean, 1, 10 * S),
    flag_key!("hc", "health checks", params.hc),
    ms_key!(
        "hci",
        "health-check interval",
        params.hc_interval,
        100_000,
        60 * S
    ),
    ms_key!(
        "hct",
        "health-check timeout",
        params.hc_timeout,
        1_000,
        60 * S
    ),
    int_key!("rise", "rise", params.rise: u32, 1, 10),
    int_key!("fall", "fall", params.fall: u32, 1, 10),
    int_key!("eject", "outlier ejection after N errors", params.eject_after: u32, 0, 100),
    ms_key!(
        "ejectms",
        "ejection time",
        params.eject_time,
        100_000,
        600 * S
    ),
    int_key!("ejectpct", "most ejected %", params.max_eject_pct: u32, 0, 100),
    int_key!("vn", "vnodes for hash", params.vnodes: u32, 1, 1_000),
    ms_key!(
        "decay",
        "peak-EWMA decay",
        params.pewma_decay,
        100_000,
        600 * S
    ),
    ms_key!("win", "metrics window", params.window, 100_000, 60 * S),
    Key {
        name: "be",
        help: "per-backend weight and speed %",
        kind: KeyKind::Text("W[@S],… e.g. 5,1,1@50"),
        // Written only when some backend differs from weight 1, speed 100 %.
        get: |l| {
            if l.backends.iter().all(|b| *b == BackendSpec::default()) {
                String::new()
            } else {
                fmt_backends(&l.backends)
            }
        },
        set: |l, v| {
            l.backends = if v.is_empty() {
                Vec::new()
            } else {
                parse_backends(v).map_err(KeyError::lab)?
            };
            Ok(())
        },
    },
    Key {
        name: "cmp",
        help: "second strategy on the same traffic",
        kind: KeyKind::Choice {
            names: Strategy::NAMES,
            labels: Strategy::LABELS,
        },
        get: |l| {
            l.compare
                .map(|c| c.as_str().to_string())
                .unwrap_or_default()
        },
        set: |l, v| {
            l.compare = if v.is_empty() {
                None
            } else {
                Some(parse_choice(v, Strategy::NAMES, Strategy::parse)?)
            };
            Ok(())
        },
    },
];

impl Lab for LbLab {
    const INFO: LabInfo = LabInfo {
        name: "lb",
        title: "Load balancing: strategies, health checks & retries",
        summary: "Poisson traffic through a load balancer to backends with queues. Slow one down and \
                  see why least-connections and power-of-two-choices beat round-robin; crash one and \
                  see how health checks bound the damage; switch retries on and watch a retry storm. \
                  Live latency percentiles, and two strategies compared on identical traffic.",
        nodes: (1, MAX_BACKENDS),
        default_nodes: 5,
    };
    type Setup = LbSetup;
    type Run = History<LbNode>;
    type Metrics = LbMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<LbSetup>] {
        &KEYS
    }
    fn conflicts(l: &LbSetup, _nodes: usize) -> Vec<Conflict> {
        let p = &l.params;
        let mut out = Vec::new();
        if p.backoff_cap < p.backoff_base {
            out.push(Conflict {
                keys: &["bbase", "bcap"],
                message: format!(
                    "the backoff base {} is above the cap {}",
                    p.backoff_base, p.backoff_cap
                ),
            });
        }
        if p.hc_timeout >= p.hc_interval {
            out.push(Conflict {
                keys: &["hct", "hci"],
                message: format!(
                    "the health-check timeout {} must be below the interval {}",
                    p.hc_timeout, p.hc_interval
                ),
            });
        }
        if !p.window.as_us().is_multiple_of(BASE_BUCKET_MS * 1_000) {
            out.push(Conflict {
                keys: &["win"],
                message: format!("the window {} is not a multiple of 100 ms", p.window),
            });
        }
        out
    }
    fn fit(l: &mut LbSetup, nodes: &mut usize, n_given: bool) {
        // `be` lists backends in order; with `n` as well, missing ones get the default weight
        // and speed and extra ones are dropped; without `n`, `be` sets the count.
        if l.backends.is_empty() {
            return;
        }
        if !n_given {
            *nodes = l.backends.len();
        }
        l.backends.resize(*nodes, BackendSpec::default());
        // All at the default weight and speed is the same as no list (what `be` writes for
        // it), so a link reads back to an equal scenario (`lab=lb&be=1`, found by the fuzz).
        if l.backends.iter().all(|b| *b == BackendSpec::default()) {
            l.backends.clear();
        }
    }
    fn processes(_l: &LbSetup, nodes: usize) -> usize {
        // The clients, the balancer, then the backends.
        nodes + 2
    }
    fn parse_command(
        _: &LbSetup,
        text: &str,
    ) -> Result<crate::command::Cmd, crate::command::CommandError> {
        crate::fault::commands_of::<super::LbCommand>(text)
    }
    fn build(s: &Scenario) -> Self::Run {
        History::new(s.build_lb())
    }
    fn event_lines(run: &Self::Run) -> Vec<(u64, String)> {
        crate::lab::trace_lines(run)
    }
    fn measure(run: &Self::Run) -> LbMetrics {
        measure(run.sim())
    }
    fn companion(s: &Scenario) -> Option<(String, Scenario)> {
        let crate::scenario::LabParams::Lb(l) = &s.params else {
            return None;
        };
        let strategy = l.compare?;
        let mut c = s.clone();
        c.pos = Default::default();
        if let crate::scenario::LabParams::Lb(l) = &mut c.params {
            l.params.strategy = strategy;
            l.compare = None;
        }
        Some((strategy.as_str().to_string(), c))
    }
}
