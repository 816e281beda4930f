//! The cluster lab's settings: machines and zones, the deployment and its probes, the service,
//! the autoscaler, the load profile, the alert rules and the SLO.

use super::alerts::{default_rules, Rule};
use crate::lb::Strategy;
use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// Most machines (`n`).
pub const MAX_MACHINES: usize = 20;
/// Most zones (`a` … `d`).
pub const MAX_ZONES: usize = 4;
/// Most pods one machine holds.
pub const MAX_SLOTS: u32 = 50;
/// Most pods in the cluster at once (replicas plus a rolling update's surge).
pub const MAX_PODS: usize = 200;
/// Most replicas a deployment or the autoscaler asks for.
pub const MAX_REPLICAS: u32 = 150;
/// Most requests per second of the load profile.
pub const MAX_RPS: u32 = 5_000;
/// Most requests per second one pod serves.
pub const MAX_CAP: u32 = 1_000;
/// Most points of a recorded load trace.
pub const MAX_TRACE: usize = 60;

crate::text_enum! {
    /// The shape of the offered load over time (`load`).
    pub enum LoadShape {
        /// `rps` all the time.
        #[default]
        Const = "const" / "constant",
        /// `rps`, then `peak` from `at` on.
        Step = "step" / "step",
        /// `rps`, rising linearly to `peak` over `len` from `at`.
        Ramp = "ramp" / "ramp",
        /// A compressed day: `rps` at night, `peak` at noon, one day every `period`.
        Sine = "sine" / "daily sine",
        /// `rps`, with `peak` for `len` from `at`.
        Spike = "spike" / "spike",
        /// A recorded trace (`trace`), one value per `len`.
        Trace = "trace" / "recorded trace",
    }
}

/// Everything the cluster lab's run needs (the machine count is the scenario's `n`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterParams {
    /// Machines (`n`), spread over the zones in turn (m0 in a, m1 in b, …).
    pub machines: usize,
    /// Zones (`zones`).
    pub zones: usize,
    /// Pods one machine holds (`slots`).
    pub slots: u32,
    /// Desired replicas at the start (`rep`).
    pub replicas: u32,
    /// Topology spread across zones (`spread`); off, the scheduler packs machines in order.
    pub spread: bool,
    /// Container start-up time (`start`).
    pub startup: Duration,
    /// Controller loop interval (`ctl`).
    pub ctl: Duration,
    /// Node monitor grace period: a silent machine becomes NotReady after it (`grace`).
    pub grace: Duration,
    /// Eviction: a NotReady machine's pods are replaced after this much more (`evict`).
    pub evict: Duration,
    /// Liveness probe on (`live`).
    pub live: bool,
    /// Liveness probe period (`lper`).
    pub live_period: Duration,
    /// Liveness probe timeout (`lto`).
    pub live_timeout: Duration,
    /// Liveness failures before a restart (`lfail`).
    pub live_fail: u32,
    /// Readiness probe on (`rdy`).
    pub ready: bool,
    /// Readiness probe period (`rper`).
    pub ready_period: Duration,
    /// Readiness probe timeout (`rto`).
    pub ready_timeout: Duration,
    /// Readiness failures before the pod leaves the service (`rfail`).
    pub ready_fail: u32,
    /// The service's picker (`lb`), the load-balancer lab's strategies.
    pub strategy: Strategy,
    /// Requests per second one pod serves (`cap`); its mean service time is 1/cap.
    pub cap: u32,
    /// Client timeout (`cto`).
    pub cto: Duration,
    /// Horizontal pod autoscaler on (`hpa`).
    pub hpa: bool,
    /// HPA minimum replicas (`min`).
    pub min: u32,
    /// HPA maximum replicas (`max`).
    pub max: u32,
    /// HPA target CPU utilisation, % (`target`).
    pub target_pct: u32,
    /// Metrics scrape interval (`scrape`).
    pub scrape: Duration,
    /// HPA sync period (`sync`).
    pub sync: Duration,
    /// HPA scale-down stabilization window (`stab`).
    pub stab: Duration,
    /// HPA tolerance, % (`tol`).
    pub tol_pct: u32,
    /// Load shape (`load`).
    pub load: LoadShape,
    /// Base load, requests per second (`rps`).
    pub rps: u32,
    /// Peak load (`peak`).
    pub peak: u32,
    /// When the step, ramp or spike begins (`at`).
    pub at: Duration,
    /// How long the ramp or spike lasts; a trace's step (`len`).
    pub len: Duration,
    /// A day of the daily sine (`period`).
    pub period: Duration,
    /// A recorded load trace, requests per second per `len` (`trace`).
    pub trace: Vec<u32>,
    /// Alert rules (`alerts`).
    pub rules: Vec<Rule>,
    /// SLO: good requests, parts per million (`slo`, in %).
    pub slo_ppm: u32,
    /// The period the SLO stands for in this run (`slop`): burn-rate windows scale by it / 30 d.
    pub slo_period: Duration,
    /// The SRE workbook's multi-window burn-rate alerts on (`burn`).
    pub burn: bool,
    /// Rule evaluation interval (`eval`).
    pub eval: Duration,
}

const S: u64 = 1_000_000;

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            machines: 6,
            zones: 3,
            slots: 4,
            replicas: 4,
            spread: true,
            startup: Duration(5 * S),
            ctl: Duration(S),
            grace: Duration(40 * S),
            evict: Duration(300 * S),
            live: true,
            live_period: Duration(10 * S),
            live_timeout: Duration(S),
            live_fail: 3,
            ready: true,
            ready_period: Duration(5 * S),
            ready_timeout: Duration(S),
            ready_fail: 3,
            strategy: Strategy::Random,
            cap: 50,
            cto: Duration(S),
            hpa: false,
            min: 2,
            max: 20,
            target_pct: 60,
            scrape: Duration(15 * S),
            sync: Duration(15 * S),
            stab: Duration(300 * S),
            tol_pct: 10,
            load: LoadShape::Const,
            rps: 100,
            peak: 300,
            at: Duration(60 * S),
            len: Duration(60 * S),
            period: Duration(600 * S),
            trace: Vec::new(),
            rules: default_rules(),
            slo_ppm: 999_000,
            slo_period: Duration(43_200 * S),
            burn: true,
            eval: Duration(S),
        }
    }
}

/// cos(x) from IEEE basic operations only (range reduction, then a Taylor series), so the daily
/// sine is the same in the browser and the CLI.
fn det_cos(x: f64) -> f64 {
    let two_pi = 2.0 * std::f64::consts::PI;
    let mut r = x - two_pi * (x / two_pi).floor();
    if r > std::f64::consts::PI {
        r -= two_pi;
    }
    let r2 = r * r;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=12 {
        term *= -r2 / ((2 * k - 1) as f64 * (2 * k) as f64);
        sum += term;
    }
    sum
}

impl ClusterParams {
    /// The offered load at time `t`, requests per second × 1000.
    pub fn load_milli_rps(&self, t_us: u64) -> u64 {
        let base = self.rps as u64 * 1000;
        let peak = self.peak as u64 * 1000;
        let at = self.at.0;
        let len = self.len.0.max(1);
        match self.load {
            LoadShape::Const => base,
            LoadShape::Step => {
                if t_us < at {
                    base
                } else {
                    peak
                }
            }
            LoadShape::Ramp => {
                if t_us < at {
                    base
                } else if t_us >= at + len {
                    peak
                } else {
                    let f = (t_us - at) as u128;
                    let v = base as i128 + (peak as i128 - base as i128) * f as i128 / len as i128;
                    v.max(0) as u64
                }
            }
            LoadShape::Sine => {
                let period = self.period.0.max(1);
                let phase = (t_us % period) as f64 / period as f64;
                let w = (1.0 - det_cos(2.0 * std::f64::consts::PI * phase)) / 2.0;
                let v = base as f64 + (peak as f64 - base as f64) * w;
                if v < 0.0 {
                    0
                } else {
                    v.round() as u64
                }
            }
            LoadShape::Spike => {
                if t_us >= at && t_us < at + len {
                    peak
                } else {
                    base
                }
            }
            LoadShape::Trace => {
                if self.trace.is_empty() {
                    return base;
                }
                let i = ((t_us / len) as usize).min(self.trace.len() - 1);
                self.trace[i] as u64 * 1000
            }
        }
    }

    /// The zone of machine `m` (`0` = a).
    pub fn zone_of(&self, m: usize) -> usize {
        m % self.zones.max(1)
    }
}

/// A zone's letter.
pub fn zone_name(z: usize) -> char {
    (b'a' + (z.min(25)) as u8) as char
}

/// Why a load trace was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    /// More than [`MAX_TRACE`] points.
    #[error("more than {MAX_TRACE} points")]
    TooLong,
    /// A point that is not a rate 0–[`MAX_RPS`].
    #[error("{0}")]
    Point(#[from] crate::scenario::keys::KeyError),
}

/// Reads a load trace: requests per second, `.`-separated (`100.150.400.120`).
pub fn parse_trace(v: &str) -> Result<Vec<u32>, TraceError> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() > MAX_TRACE {
        return Err(TraceError::TooLong);
    }
    parts
        .iter()
        .map(|p| {
            crate::scenario::keys::parse_int(p, 0, MAX_RPS as u64)
                .map(|x| x as u32)
                .map_err(TraceError::Point)
        })
        .collect()
}

/// Writes a load trace.
pub fn fmt_trace(t: &[u32]) -> String {
    t.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn det_cos_matches_known_values() {
        for (x, c) in [
            (0.0, 1.0),
            (std::f64::consts::PI, -1.0),
            (1.0, 0.5403023058681398),
        ] {
            assert!((det_cos(x) - c).abs() < 1e-9, "{x}");
        }
    }

    #[test]
    fn load_shapes() {
        let mut p = ClusterParams {
            load: LoadShape::Step,
            ..Default::default()
        };
        assert_eq!(p.load_milli_rps(0), 100_000);
        assert_eq!(p.load_milli_rps(60 * S), 300_000);
        p.load = LoadShape::Ramp;
        assert_eq!(p.load_milli_rps(90 * S), 200_000);
        p.load = LoadShape::Spike;
        assert_eq!(p.load_milli_rps(130 * S), 100_000);
        p.load = LoadShape::Sine;
        assert_eq!(p.load_milli_rps(0), 100_000);
        assert_eq!(p.load_milli_rps(300 * S), 300_000);
        p.load = LoadShape::Trace;
        p.trace = vec![10, 20];
        assert_eq!(p.load_milli_rps(70 * S), 20_000);
        assert_eq!(p.load_milli_rps(700 * S), 20_000);
        assert!(parse_trace("1.x").is_err());
    }
}
