//! Parameters of the load-balancer lab, with their defaults and limits, and the per-backend
//! settings (weight, speed) with their text form.

use crate::clip;
use crate::time::{fmt_ms, Duration};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most backends a run may have (nodes `2..=21`).
pub const MAX_BACKENDS: usize = 20;
/// The highest offered load, requests per second.
pub const MAX_RATE: u32 = 10_000;
/// The largest backend weight (the hash ring's own limit, [`crate::ring::MAX_WEIGHT`]).
pub const MAX_WEIGHT: u32 = crate::ring::MAX_WEIGHT;
/// Backend speed limits, percent of nominal (service time is divided by speed).
pub const SPEED_PCT: (u32, u32) = (10, 1_000);
/// The largest `slow:K` factor.
pub const MAX_SLOW: u32 = 100;
/// Metrics are aggregated in buckets of this many ms; windows and chart buckets are multiples.
pub const BASE_BUCKET_MS: u64 = 100;

crate::text_enum! {
    /// A load-balancing strategy, by link name.
    pub enum Strategy {
        /// `rr`: round-robin over the backends believed up.
        #[default]
        RoundRobin = "rr" / "round-robin",
        /// `wrr`: smooth weighted round-robin, exactly as nginx's `ngx_http_upstream_rr`.
        WeightedRoundRobin = "wrr" / "weighted round-robin (nginx)",
        /// `lc`: least outstanding requests (ties rotate, as HAProxy's `leastconn`).
        LeastConn = "lc" / "least connections",
        /// `wlc`: least `(outstanding + 1) / weight` (HAProxy's weighted `leastconn`).
        WeightedLeastConn = "wlc" / "weighted least connections",
        /// `lrt`: least EWMA response time (α = 1/4 per sample) × (outstanding + 1), ties rotate.
        LeastResponseTime = "lrt" / "least response time",
        /// `pewma`: power of two choices on Finagle/Linkerd peak-EWMA cost × (outstanding + 1).
        PeakEwma = "pewma" / "peak EWMA (Finagle)",
        /// `random`: uniform over the backends believed up.
        Random = "random" / "random",
        /// `wrandom`: random in proportion to weight.
        WeightedRandom = "wrandom" / "weighted random",
        /// `p2c`: power of two random choices, fewer outstanding wins (Mitzenmacher 2001).
        P2c = "p2c" / "power of two choices",
        /// `hash`: consistent hashing of the client key on a [`crate::ring::Ring`] with vnodes.
        Hash = "hash" / "consistent hashing",
    }
}

crate::text_enum! {
    /// The distribution of a backend's service time, by link name.
    pub enum ServiceDist {
        /// `const`: always the mean.
        Constant = "const" / "constant",
        /// `exp`: exponential (M/M/c), capped at 50 means ([`crate::rng::Rng::exp_u64`]).
        #[default]
        Exponential = "exp" / "exponential",
        /// `pareto`: Pareto with shape α = 1.5 (heavy tail, infinite variance), scale = mean/3,
        /// capped at 50 means; via [`crate::detmath`].
        Pareto = "pareto" / "Pareto (heavy tail)",
    }
}

crate::text_enum! {
    /// What a client does after a failed attempt (error, rejection, no backend or timeout).
    pub enum RetryPolicy {
        /// `none`: give up.
        #[default]
        None = "none" / "no retries",
        /// `fixed`: retry at once, up to `tries` attempts in all.
        Fixed = "fixed" / "retry at once",
        /// `backoff`: retry after a uniform delay in `[0, min(cap, base × 2^(attempt−1))]`
        /// ("full jitter", AWS Architecture Blog 2015), up to `tries` attempts.
        Backoff = "backoff" / "exponential backoff with jitter",
    }
}

/// Load-balancer-lab parameters. Defaults in brackets, limits after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbParams {
    /// The balancer's strategy [`rr`].
    pub strategy: Strategy,
    /// Offered load: Poisson arrivals, requests per second [200], `0..=MAX_RATE`.
    pub rate: u32,
    /// Burst factor: the rate is multiplied by this during on-periods [1 = no bursts], `1..=20`.
    pub burst: u32,
    /// Burst period [10 000 ms], `100..=600 000` ms.
    pub burst_period: Duration,
    /// Share of each period that is "on" (at the start of the period) [20 %], `1..=99`.
    pub burst_on_pct: u32,
    /// Client population: each request carries one of this many client keys [100], `1..=10 000`.
    pub clients: u32,
    /// Share of requests from client 0, the hot client [0 %], `0..=100`.
    pub hot_pct: u32,
    /// Per-attempt timeout at the client (and the balancer's upstream timeout) [1 000 ms],
    /// `1..=60 000` ms.
    pub timeout: Duration,
    /// Retry policy [`none`].
    pub retry: RetryPolicy,
    /// Attempts in all, first try included, when retrying [3], `1..=10`.
    pub tries: u32,
    /// Backoff base [25 ms], `1..=10 000` ms.
    pub backoff_base: Duration,
    /// Backoff cap [1 000 ms], `backoff_base..=60 000` ms.
    pub backoff_cap: Duration,
    /// Retry budget on [on]: a token bucket, as Finagle's `RetryBudget` / gRPC retry throttling.
    pub budget: bool,
    /// Each request deposits this percent of a retry token; a retry takes a whole one
    /// [20 %, Finagle's `percentCanRetry`], `0..=100`.
    pub budget_pct: u32,
    /// Tokens at the start and the bucket's floor on its cap [10, Finagle's `minRetriesPerSec`],
    /// `0..=1 000`. The bucket holds at most `max(reserve, 100)` tokens.
    pub budget_reserve: u32,
    /// Concurrent requests each backend serves (workers) [4], `1..=64`.
    pub workers: u32,
    /// Requests waiting beyond the workers; more are rejected with 503 [64], `0..=10 000`.
    pub queue: u32,
    /// Service-time distribution [`exp`].
    pub service: ServiceDist,
    /// Mean service time at speed 100 % [20 ms], `0.001..=10 000` ms.
    pub service_mean: Duration,
    /// Active health checks on [on].
    pub hc: bool,
    /// Health-check interval [2 000 ms, HAProxy `inter`], `100..=60 000` ms.
    pub hc_interval: Duration,
    /// Health-check timeout [1 000 ms, HAProxy `timeout check`], `1 ms..interval`.
    pub hc_timeout: Duration,
    /// Consecutive successes to bring a down backend up [2, HAProxy `rise`], `1..=10`.
    pub rise: u32,
    /// Consecutive failures to mark a backend down [3, HAProxy `fall`], `1..=10`.
    pub fall: u32,
    /// Passive outlier ejection after this many consecutive failed answers (5xx or upstream
    /// timeout) [5, Envoy's `consecutive_5xx`; 0 = off], `0..=100`.
    pub eject_after: u32,
    /// Base ejection time; the k-th ejection of a backend lasts k × this, at most 10 ×
    /// [5 000 ms; Envoy uses 30 s], `100..=600 000` ms.
    pub eject_time: Duration,
    /// At most this share of backends ejected at once, but always at least one
    /// [50 %; Envoy's `max_ejection_percent` is 10], `0..=100`.
    pub max_eject_pct: u32,
    /// Virtual nodes per unit of weight for `hash` [100], `1..=1 000`.
    pub vnodes: u32,
    /// Peak-EWMA decay time τ [10 000 ms, Finagle and Linkerd], `100..=600 000` ms.
    pub pewma_decay: Duration,
    /// Sliding window of [`super::measure`] [1 000 ms], a multiple of 100 ms in `100..=60 000`.
    pub window: Duration,
}

impl Default for LbParams {
    fn default() -> Self {
        LbParams {
            strategy: Strategy::RoundRobin,
            rate: 200,
            burst: 1,
            burst_period: Duration::from_ms(10_000),
            burst_on_pct: 20,
            clients: 100,
            hot_pct: 0,
            timeout: Duration::from_ms(1_000),
            retry: RetryPolicy::None,
            tries: 3,
            backoff_base: Duration::from_ms(25),
            backoff_cap: Duration::from_ms(1_000),
            budget: true,
            budget_pct: 20,
            budget_reserve: 10,
            workers: 4,
            queue: 64,
            service: ServiceDist::Exponential,
            service_mean: Duration::from_ms(20),
            hc: true,
            hc_interval: Duration::from_ms(2_000),
            hc_timeout: Duration::from_ms(1_000),
            rise: 2,
            fall: 3,
            eject_after: 5,
            eject_time: Duration::from_ms(5_000),
            max_eject_pct: 50,
            vnodes: 100,
            pewma_decay: Duration::from_ms(10_000),
            window: Duration::from_ms(1_000),
        }
    }
}

/// Why load-balancer settings fail their limits ([`LbParams::validate`],
/// [`BackendSpec::validate`]); [`LbParamsError::keys`] names the link keys involved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LbParamsError {
    /// A whole number outside its range: `workers 0 is outside 1–64`.
    #[error("{what} {value} is outside {lo}–{hi}")]
    Outside {
        /// Its link key.
        key: &'static str,
        /// Its name in the message.
        what: &'static str,
        /// The value.
        value: u64,
        /// Smallest allowed.
        lo: u64,
        /// Largest allowed.
        hi: u64,
    },
    /// A time outside its range: `window 61000ms is outside 100–60000 ms`.
    #[error("{what} {value} is outside {}–{hi_ms} ms", fmt_ms(*lo_us))]
    MsOutside {
        /// Its link key.
        key: &'static str,
        /// Its name in the message.
        what: &'static str,
        /// The value.
        value: Duration,
        /// Shortest allowed, µs.
        lo_us: u64,
        /// Longest allowed, ms.
        hi_ms: u64,
    },
    /// The backoff cap is below the backoff base or above 60 s (`bcap`, `bbase`).
    #[error("backoff cap {cap} is outside {}–60000 ms", fmt_ms(base.as_us()))]
    BackoffCap {
        /// The cap.
        cap: Duration,
        /// The base.
        base: Duration,
    },
    /// The health-check timeout is 0 or not below the interval (`hct`, `hci`).
    #[error(
        "health-check timeout {timeout} must be at least 0.001 ms and below the interval {interval}"
    )]
    HealthCheckTimeout {
        /// The timeout.
        timeout: Duration,
        /// The interval.
        interval: Duration,
    },
    /// The metrics window is not whole buckets (`win`).
    #[error("window {0} is not a multiple of 100 ms")]
    Window(Duration),
}

impl LbParamsError {
    /// The link keys of the settings involved.
    pub fn keys(&self) -> &[&'static str] {
        match self {
            LbParamsError::Outside { key, .. } | LbParamsError::MsOutside { key, .. } => {
                std::slice::from_ref(key)
            }
            LbParamsError::BackoffCap { .. } => &["bcap", "bbase"],
            LbParamsError::HealthCheckTimeout { .. } => &["hct", "hci"],
            LbParamsError::Window(_) => &["win"],
        }
    }
}

fn range(
    key: &'static str,
    what: &'static str,
    v: u64,
    lo: u64,
    hi: u64,
) -> Result<(), LbParamsError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(LbParamsError::Outside {
            key,
            what,
            value: v,
            lo,
            hi,
        })
    }
}

fn ms_range(
    key: &'static str,
    what: &'static str,
    d: Duration,
    lo_us: u64,
    hi_ms: u64,
) -> Result<(), LbParamsError> {
    if (lo_us..=hi_ms * 1_000).contains(&d.as_us()) {
        Ok(())
    } else {
        Err(LbParamsError::MsOutside {
            key,
            what,
            value: d,
            lo_us,
            hi_ms,
        })
    }
}

impl LbParams {
    /// Checks every limit listed on the fields; the first problem found.
    pub fn validate(&self) -> Result<(), LbParamsError> {
        range("rate", "rate", self.rate as u64, 0, MAX_RATE as u64)?;
        range("burst", "burst", self.burst as u64, 1, 20)?;
        ms_range(
            "bperiod",
            "burst period",
            self.burst_period,
            100_000,
            600_000,
        )?;
        range("bon", "burst on %", self.burst_on_pct as u64, 1, 99)?;
        range("clients", "clients", self.clients as u64, 1, 10_000)?;
        range("hot", "hot %", self.hot_pct as u64, 0, 100)?;
        ms_range("timeout", "timeout", self.timeout, 1_000, 60_000)?;
        range("tries", "tries", self.tries as u64, 1, 10)?;
        ms_range("bbase", "backoff base", self.backoff_base, 1_000, 10_000)?;
        if !(self.backoff_base..=Duration::from_ms(60_000)).contains(&self.backoff_cap) {
            return Err(LbParamsError::BackoffCap {
                cap: self.backoff_cap,
                base: self.backoff_base,
            });
        }
        range("bpct", "budget %", self.budget_pct as u64, 0, 100)?;
        range(
            "breserve",
            "budget reserve",
            self.budget_reserve as u64,
            0,
            1_000,
        )?;
        range("workers", "workers", self.workers as u64, 1, 64)?;
        range("queue", "queue", self.queue as u64, 0, 10_000)?;
        ms_range("svcms", "service mean", self.service_mean, 1, 10_000)?;
        ms_range(
            "hci",
            "health-check interval",
            self.hc_interval,
            100_000,
            60_000,
        )?;
        if self.hc_timeout.as_us() == 0 || self.hc_timeout >= self.hc_interval {
            return Err(LbParamsError::HealthCheckTimeout {
                timeout: self.hc_timeout,
                interval: self.hc_interval,
            });
        }
        range("rise", "rise", self.rise as u64, 1, 10)?;
        range("fall", "fall", self.fall as u64, 1, 10)?;
        range("eject", "eject after", self.eject_after as u64, 0, 100)?;
        ms_range(
            "ejectms",
            "ejection time",
            self.eject_time,
            100_000,
            600_000,
        )?;
        range(
            "ejectpct",
            "max ejected %",
            self.max_eject_pct as u64,
            0,
            100,
        )?;
        range(
            "vn",
            "vnodes",
            self.vnodes as u64,
            1,
            crate::ring::MAX_VNODES as u64,
        )?;
        ms_range(
            "decay",
            "peak-EWMA decay",
            self.pewma_decay,
            100_000,
            600_000,
        )?;
        ms_range("win", "window", self.window, 100_000, 60_000)?;
        if !self.window.as_us().is_multiple_of(BASE_BUCKET_MS * 1_000) {
            return Err(LbParamsError::Window(self.window));
        }
        Ok(())
    }

    /// The latest time after a backend crash at which the balancer may still route to it with
    /// health checks on and outlier ejection off: `fall × interval + timeout` (the check sent
    /// just before the crash may still succeed; the next `fall` checks fail, the last one
    /// `timeout` after it was sent).
    pub fn detection_bound(&self) -> Duration {
        Duration(self.fall as u64 * self.hc_interval.as_us() + self.hc_timeout.as_us())
    }
}

/// One backend's own settings. Text form: `W` or `W@S` (weight W, speed S %), e.g. `2@50`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackendSpec {
    /// Weight for `wrr`, `wlc`, `wrandom` and `hash` [1], `1..=MAX_WEIGHT`.
    pub weight: u32,
    /// Speed, percent of nominal: service time × 100 / speed [100], `SPEED_PCT`.
    pub speed_pct: u32,
}

impl Default for BackendSpec {
    fn default() -> Self {
        BackendSpec {
            weight: 1,
            speed_pct: 100,
        }
    }
}

impl BackendSpec {
    /// `n` default backends (weight 1, speed 100 %).
    pub fn uniform(n: usize) -> Vec<BackendSpec> {
        vec![BackendSpec::default(); n]
    }
    /// Backends with these weights, speed 100 %.
    pub fn weighted(weights: &[u32]) -> Vec<BackendSpec> {
        weights
            .iter()
            .map(|&weight| BackendSpec {
                weight,
                speed_pct: 100,
            })
            .collect()
    }
    /// Checks the limits (the key named is `be`, the list).
    pub fn validate(&self) -> Result<(), LbParamsError> {
        range("be", "weight", self.weight as u64, 1, MAX_WEIGHT as u64)?;
        range(
            "be",
            "speed %",
            self.speed_pct as u64,
            SPEED_PCT.0 as u64,
            SPEED_PCT.1 as u64,
        )
    }
}

impl fmt::Display for BackendSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.speed_pct == 100 {
            write!(f, "{}", self.weight)
        } else {
            write!(f, "{}@{}", self.weight, self.speed_pct)
        }
    }
}

/// Why a backend list (`be=5,1,1@50`) was refused (texts quoted [`clip`]ped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendsError {
    /// More than [`MAX_BACKENDS`] entries.
    #[error("more than {MAX_BACKENDS} backends")]
    TooMany,
    /// `x`, `1@x`: `what` is `weight` or `speed`.
    #[error("{what} '{text}' is not a whole number")]
    NotWhole {
        /// `weight` or `speed`.
        what: &'static str,
        /// The text given (clipped).
        text: String,
    },
    /// A weight or speed outside its limits ([`BackendSpec::validate`]).
    #[error("{0}")]
    Limit(#[from] LbParamsError),
}

fn small_uint(what: &'static str, s: &str) -> Result<u32, BackendsError> {
    let ok = !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    // At most six digits: the parse cannot fail.
    ok.then(|| s.parse().ok())
        .flatten()
        .ok_or_else(|| BackendsError::NotWhole {
            what,
            text: clip(s),
        })
}

/// Parses a comma-separated backend list (`5,1,1` or `1,1,1@50`), 1..=`MAX_BACKENDS` entries,
/// each within its limits. Never panics.
pub fn parse_backends(text: &str) -> Result<Vec<BackendSpec>, BackendsError> {
    let mut out = Vec::new();
    for item in text.split(',') {
        if out.len() == MAX_BACKENDS {
            return Err(BackendsError::TooMany);
        }
        let (w, s) = item.split_once('@').unwrap_or((item, "100"));
        let spec = BackendSpec {
            weight: small_uint("weight", w)?,
            speed_pct: small_uint("speed", s)?,
        };
        spec.validate()?;
        out.push(spec);
    }
    Ok(out)
}

/// The text form of a backend list (inverse of [`parse_backends`]).
pub fn fmt_backends(specs: &[BackendSpec]) -> String {
    specs
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
