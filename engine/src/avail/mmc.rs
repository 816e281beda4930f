//! The M/M/c queue: Poisson arrivals at rate λ, exponential service with mean `1/μ`, `c` servers
//! (pods), one FIFO queue.
//!
//! - Offered load `a = λ/μ` (erlangs), utilisation `ρ = a/c`. The queue is stable only when
//!   `ρ < 1`; at `ρ ≥ 1` it grows without bound and there is no steady-state wait (reported as
//!   such, never as a number).
//! - Erlang B by the stable recurrence `B₀ = 1, B_k = a·B_{k−1} / (k + a·B_{k−1})` (no factorials,
//!   no overflow, `c` steps), then Erlang C, the probability of waiting,
//!   `C = B_c / (1 − ρ(1 − B_c))`.
//! - Mean wait `W_q = C / (cμ − λ)`; mean response `W_q + 1/μ`.
//! - Waiting time `W`: `P(W > t) = C·e^{−θt}` with `θ = cμ − λ` (an atom `1 − C` at 0 and an
//!   exponential tail). Response `T = W + S`, `S ~ Exp(μ)` independent of `W`, so
//!   `P(T ≤ t) = (1 − C)(1 − e^{−μt}) + C·H(t)` with `H` the CDF of the sum of two exponentials
//!   (hypoexponential): `H(t) = 1 − (μe^{−θt} − θe^{−μt}) / (μ − θ)`, or `1 − e^{−μt}(1 + μt)` when
//!   `θ = μ`. Quantiles (p99) by bisection on this exact CDF (bounded iterations).
//! - Replicas for "p-quantile ≤ X": the quantile falls as `c` grows, so the smallest `c` is found
//!   by binary search over `[⌊a⌋ + 1, 10 000]`. Below `−ln(1 − p)/μ` (the service time's own
//!   quantile) no number of pods is enough.
//! - [`simulate`]: a seeded discrete-event run of the same queue (FIFO, earliest-free server) that
//!   measures the mean wait with a batch-means confidence interval, to check the formula.

use super::nines::fmt_num;
use super::stats::Estimate;
use crate::detmath;
use crate::rng::{Rng, Stream};
use serde::Serialize;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// The most servers (pods).
pub const MAX_PODS: u32 = 10_000;
/// The highest arrival rate accepted, requests per second.
pub const MAX_RATE: f64 = 1e7;
/// Shortest and longest mean service time accepted, ms.
pub const SERVICE_MS: (f64, f64) = (1e-3, 3.6e6);
/// Longest latency target accepted, ms.
pub const MAX_TARGET_MS: f64 = 3.6e6;
/// Requests in one simulation: fewest and most.
pub const SIM_REQUESTS: (u32, u32) = (1_000, 1_000_000);
/// Batches for the batch-means interval of the simulation.
pub const BATCHES: usize = 20;

fn number(s: &str, what: &str, example: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            format!(
                "'{}' is not a number ({what}, e.g. {example})",
                crate::clip(s)
            )
        })
}

/// Reads an arrival rate in requests per second: above 0, at most [`MAX_RATE`].
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let x = number(s, "requests per second", "800")?;
    if x > 0.0 && x <= MAX_RATE {
        Ok(x)
    } else {
        Err(format!(
            "load must be above 0 and at most 10 million requests/s, got {}",
            fmt_num(x)
        ))
    }
}

/// Reads a mean service time per request in ms.
pub fn parse_service_ms(s: &str) -> Result<f64, String> {
    let x = number(s, "milliseconds", "20")?;
    if (SERVICE_MS.0..=SERVICE_MS.1).contains(&x) {
        Ok(x)
    } else {
        Err(format!(
            "service time must be between 0.001 ms and 1 hour, got {} ms",
            fmt_num(x)
        ))
    }
}

/// Reads a number of pods: a whole number 1–[`MAX_PODS`].
pub fn parse_pods(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u64>() {
        Ok(c) if (1..=MAX_PODS as u64).contains(&c) => Ok(c as u32),
        Ok(c) => Err(format!("pods must be 1–{MAX_PODS}, got {c}")),
        Err(_) => Err(format!(
            "pods must be a whole number 1–{MAX_PODS}, got '{}'",
            crate::clip(s)
        )),
    }
}

/// Reads a latency target in ms: above 0, at most an hour.
pub fn parse_target_ms(s: &str) -> Result<f64, String> {
    let x = number(s, "milliseconds", "100")?;
    if x > 0.0 && x <= MAX_TARGET_MS {
        Ok(x)
    } else {
        Err(format!(
            "latency target must be above 0 and at most 1 hour, got {} ms",
            fmt_num(x)
        ))
    }
}

/// A validated M/M/c queue.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Mmc {
    /// Arrival rate λ, requests per second.
    pub rate: f64,
    /// Mean service time `1/μ`, ms.
    pub service_ms: f64,
    /// Servers (pods).
    pub pods: u32,
}

/// The closed-form results of a stable queue (times in ms).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MmcResult {
    /// Offered load `a = λ/μ`, erlangs.
    pub offered_erlangs: f64,
    /// Utilisation `ρ = a/c`.
    pub utilisation: f64,
    /// Erlang C: probability that a request waits.
    pub p_wait: f64,
    /// Mean wait in the queue, ms.
    pub mean_wait_ms: f64,
    /// Mean response time (wait + service), ms.
    pub mean_response_ms: f64,
    /// Median response time, ms.
    pub p50_response_ms: f64,
    /// 95th percentile response time, ms.
    pub p95_response_ms: f64,
    /// 99th percentile response time, ms.
    pub p99_response_ms: f64,
}

/// Why a queue has no steady state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Unstable {
    /// Utilisation `ρ ≥ 1`.
    pub utilisation: f64,
    /// The fewest pods for which `ρ < 1` (`None` beyond [`MAX_PODS`]).
    pub min_pods: Option<u32>,
}

impl Unstable {
    /// What to tell the user.
    pub fn message(&self) -> String {
        let more = match self.min_pods {
            Some(c) => format!("at least {c} pods are needed just to keep up"),
            None => format!("even {MAX_PODS} pods cannot keep up"),
        };
        format!(
            "unstable: utilisation {} % ≥ 100 %, the queue grows without bound (no steady-state wait); {more}",
            fmt_num((self.utilisation * 1000.0).round() / 10.0)
        )
    }
}

impl Mmc {
    /// Validates the three inputs (messages name the parameter).
    pub fn new(rate: f64, service_ms: f64, pods: u32) -> Result<Mmc, String> {
        parse_rate(&rate.to_string()).map_err(|e| format!("load: {e}"))?;
        parse_service_ms(&service_ms.to_string()).map_err(|e| format!("service: {e}"))?;
        if !(1..=MAX_PODS).contains(&pods) {
            return Err(format!("pods: must be 1–{MAX_PODS}, got {pods}"));
        }
        Ok(Mmc {
            rate,
            service_ms,
            pods,
        })
    }

    /// Service rate μ per second (one pod's capacity).
    pub fn mu(&self) -> f64 {
        1000.0 / self.service_ms
    }

    /// Offered load `λ/μ` in erlangs.
    pub fn offered(&self) -> f64 {
        self.rate * self.service_ms / 1000.0
    }

    /// Utilisation `ρ = λ/(cμ)`.
    pub fn utilisation(&self) -> f64 {
        self.offered() / self.pods as f64
    }

    /// Erlang C for this queue (`None` when unstable).
    pub fn erlang_c(&self) -> Option<f64> {
        erlang_c(self.pods, self.offered())
    }

    /// The closed form, or why there is none.
    pub fn solve(&self) -> Result<MmcResult, Unstable> {
        let rho = self.utilisation();
        let Some(c) = self.erlang_c() else {
            let need = self.offered().floor() + 1.0;
            return Err(Unstable {
                utilisation: rho,
                min_pods: (need <= MAX_PODS as f64).then_some(need as u32),
            });
        };
        let mu = self.mu();
        let theta = self.pods as f64 * mu - self.rate;
        let wq = c / theta;
        let q = |p| response_quantile(c, theta, mu, p) * 1000.0;
        Ok(MmcResult {
            offered_erlangs: self.offered(),
            utilisation: rho,
            p_wait: c,
            mean_wait_ms: wq * 1000.0,
            mean_response_ms: (wq + 1.0 / mu) * 1000.0,
            p50_response_ms: q(0.5),
            p95_response_ms: q(0.95),
            p99_response_ms: q(0.99),
        })
    }
}

/// Erlang B for `c` servers and offered load `a` (the stable recurrence).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c.min(MAX_PODS) {
        b = a * b / (k as f64 + a * b);
    }
    b
}

/// Erlang C (probability of waiting), `None` when `a ≥ c` (unstable).
pub fn erlang_c(c: u32, a: f64) -> Option<f64> {
    if c == 0 || !a.is_finite() || a < 0.0 || a >= c as f64 {
        return None;
    }
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    Some(b / (1.0 - rho * (1.0 - b)))
}

/// `P(T ≤ t)` for the response time `T = W + S` (module doc), `t` in seconds.
pub fn response_cdf(c_wait: f64, theta: f64, mu: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 0.0;
    }
    let es = detmath::exp(-mu * t);
    let h = if (theta - mu).abs() <= 1e-9 * mu {
        1.0 - es * (1.0 + mu * t)
    } else {
        1.0 - (mu * detmath::exp(-theta * t) - theta * es) / (mu - theta)
    };
    (1.0 - c_wait) * (1.0 - es) + c_wait * h
}

/// The `p`-quantile of the response time in seconds, by bisection on [`response_cdf`].
pub fn response_quantile(c_wait: f64, theta: f64, mu: f64, p: f64) -> f64 {
    let f = |t| response_cdf(c_wait, theta, mu, t);
    let mut lo = 0.0;
    let mut hi = c_wait / theta + 1.0 / mu;
    // Doubling: the quantile is at most a few hundred means away; bounded regardless.
    for _ in 0..2_000 {
        if f(hi) >= p {
            break;
        }
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) >= p {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The answer to "how many pods for the `p`-quantile of the response ≤ target?".
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Needed {
    /// The smallest number of pods, and the quantile it gives (ms).
    Pods {
        /// Pods.
        pods: u32,
        /// The quantile at that many pods, ms.
        quantile_ms: f64,
    },
    /// No number of pods is enough: the service time alone has this quantile (ms).
    Impossible {
        /// The service time's own quantile, ms.
        floor_ms: f64,
    },
    /// More than [`MAX_PODS`] would be needed.
    OverLimit,
}

impl Needed {
    /// What to tell the user.
    pub fn message(&self, p: f64, target_ms: f64) -> String {
        let pct = fmt_num(p * 100.0);
        match *self {
            Needed::Pods { pods, quantile_ms } => format!(
                "{pods} pods (p{pct} {} ms ≤ {} ms)",
                fmt_num(round3(quantile_ms)),
                fmt_num(target_ms)
            ),
            Needed::Impossible { floor_ms } => format!(
                "impossible: even with no waiting, the p{pct} of the service time alone is {} ms > {} ms; make requests faster",
                fmt_num(round3(floor_ms)),
                fmt_num(target_ms)
            ),
            Needed::OverLimit => format!("more than {MAX_PODS} pods"),
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The smallest number of pods whose `p`-quantile response time is at most `target_ms`, at
/// `rate` requests/s and mean service `service_ms` (validate them with the `parse_*` functions).
pub fn pods_needed(rate: f64, service_ms: f64, target_ms: f64, p: f64) -> Needed {
    let mu = 1000.0 / service_ms;
    let floor_ms = -detmath::ln(1.0 - p) / mu * 1000.0;
    if target_ms <= floor_ms {
        return Needed::Impossible { floor_ms };
    }
    let a = rate / mu;
    let q_ms = |c: u32| -> Option<f64> {
        let cw = erlang_c(c, a)?;
        let theta = c as f64 * mu - rate;
        Some(response_quantile(cw, theta, mu, p) * 1000.0)
    };
    let first = a.floor() + 1.0;
    if first > MAX_PODS as f64 {
        return Needed::OverLimit;
    }
    let (mut lo, mut hi) = (first as u32, MAX_PODS);
    match q_ms(hi) {
        Some(q) if q <= target_ms => {}
        _ => return Needed::OverLimit,
    }
    // Invariant: hi satisfies; every c < lo does not.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match q_ms(mid) {
            Some(q) if q <= target_ms => hi = mid,
            _ => lo = mid + 1,
        }
    }
    Needed::Pods {
        pods: hi,
        quantile_ms: q_ms(hi).unwrap_or(f64::NAN),
    }
}

/// A discrete-event run of the queue next to the closed form (times in ms).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimResult {
    /// Requests simulated (including the warm-up).
    pub requests: u32,
    /// Requests measured (after the first 10 %, discarded as warm-up).
    pub measured: u32,
    /// The seed.
    pub seed: u64,
    /// Mean wait with its 95 % batch-means interval (20 batches).
    pub mean_wait_ms: Estimate,
    /// Fraction of measured requests that waited.
    pub p_wait: f64,
    /// Measured requests that waited.
    pub waited: u32,
    /// Mean response time.
    pub mean_response_ms: f64,
    /// 99th percentile response time (nearest rank).
    pub p99_response_ms: f64,
    /// The closed form's mean wait.
    pub formula_mean_wait_ms: f64,
}

/// Fewer waiting requests than this and the mean wait's interval is not meaningful.
pub const MIN_WAITS: u32 = 100;

impl SimResult {
    /// True when too few requests waited for the interval to mean anything (most waits are
    /// exactly 0): the page shows the count instead of an interval.
    pub fn too_few_waits(&self) -> bool {
        self.waited < MIN_WAITS
    }

    /// True when the closed form's mean wait lies in the 95 % interval.
    pub fn formula_in_ci(&self) -> bool {
        self.mean_wait_ms.contains(self.formula_mean_wait_ms)
    }
}

#[derive(PartialEq)]
struct Free(f64);
impl Eq for Free {}
impl PartialOrd for Free {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Free {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Validates a number of requests to simulate.
pub fn validate_requests(n: u64) -> Result<u32, String> {
    let (lo, hi) = SIM_REQUESTS;
    if (lo as u64..=hi as u64).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!("requests to simulate must be {lo}–{hi}, got {n}"))
    }
}

/// Simulates `requests` arrivals of the queue from `seed` (FIFO; each request goes to the server
/// that frees first). Refused when the queue is unstable.
pub fn simulate(m: &Mmc, requests: u32, seed: u64) -> Result<SimResult, String> {
    let requests = validate_requests(requests as u64)?;
    let formula = m.solve().map_err(|u| u.message())?;
    let mut rng = Rng::stream(seed, Stream::Workload);
    let exp = |rng: &mut Rng, mean: f64| -detmath::ln(1.0 - rng.unit_f64()) * mean;
    let mean_gap = 1000.0 / m.rate;
    let mut free: BinaryHeap<Reverse<Free>> = (0..m.pods).map(|_| Reverse(Free(0.0))).collect();
    let warm = (requests / 10) as usize;
    let n = requests as usize - warm;
    let per_batch = n / BATCHES;
    let mut waits = Vec::with_capacity(n);
    let mut responses = Vec::with_capacity(n);
    let mut t = 0.0;
    for i in 0..requests as usize {
        t += exp(&mut rng, mean_gap);
        let service = exp(&mut rng, m.service_ms);
        let Reverse(Free(f)) = free.pop().unwrap_or(Reverse(Free(0.0)));
        let start = if f > t { f } else { t };
        free.push(Reverse(Free(start + service)));
        if i >= warm {
            waits.push(start - t);
            responses.push(start - t + service);
        }
    }
    let batch_means: Vec<f64> = (0..BATCHES)
        .map(|b| {
            waits[b * per_batch..(b + 1) * per_batch]
                .iter()
                .sum::<f64>()
                / per_batch as f64
        })
        .collect();
    let mean_wait_ms = Estimate::of(&batch_means, 0.95).ok_or("too few batches")?;
    let waited = waits.iter().filter(|&&w| w > 0.0).count();
    let mean_response_ms = responses.iter().sum::<f64>() / n as f64;
    crate::sort::sort_unstable_by(&mut responses, f64::total_cmp);
    let rank = ((0.99 * n as f64).ceil() as usize).clamp(1, n) - 1;
    Ok(SimResult {
        requests,
        measured: n as u32,
        seed,
        mean_wait_ms,
        p_wait: waited as f64 / n as f64,
        waited: waited as u32,
        mean_response_ms,
        p99_response_ms: responses[rank],
        formula_mean_wait_ms: formula.mean_wait_ms,
    })
}

// The tests compare against the platform's libm on purpose.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_table_values() {
        // Erlang C table values (M/M/1: C = ρ; M/M/2 at a = 1: 1/3; M/M/3 at a = 2: 4/9; the
        // others from the factorial formula a^c/c!·c/(c−a) / (Σ_{k<c} a^k/k! + a^c/c!·c/(c−a))).
        for (c, a, want) in [
            (1, 0.5, 0.5),
            (2, 1.0, 1.0 / 3.0),
            (3, 2.0, 4.0 / 9.0),
            (5, 4.0, 0.554_112_554_1),
            (10, 8.0, 0.409_180_150_8),
            (20, 15.0, 0.160_429_387_4),
        ] {
            let got = erlang_c(c, a).unwrap();
            assert!((got - want).abs() < 1e-9, "C({c}, {a}) = {got}");
        }
        assert!(erlang_c(3, 3.0).is_none() && erlang_c(3, 4.0).is_none());
        // Large c stays finite (no factorials): C(10000, 9900) is a probability.
        let big = erlang_c(10_000, 9_900.0).unwrap();
        assert!(big > 0.0 && big < 1.0, "{big}");
    }

    #[test]
    fn mm1_closed_forms() {
        // M/M/1, ρ = 0.8, service 10 ms: W_q = ρ/(μ − λ) = 40 ms; T ~ Exp(μ − λ) so
        // p99 = ln(100)/(μ − λ) = 230.26 ms.
        let m = Mmc::new(80.0, 10.0, 1).unwrap();
        let r = m.solve().unwrap();
        assert!((r.utilisation - 0.8).abs() < 1e-12);
        assert!((r.p_wait - 0.8).abs() < 1e-12);
        assert!((r.mean_wait_ms - 40.0).abs() < 1e-9);
        assert!((r.mean_response_ms - 50.0).abs() < 1e-9);
        assert!(
            (r.p99_response_ms - 100f64.ln() * 50.0).abs() < 1e-6,
            "{}",
            r.p99_response_ms
        );
        assert!((r.p50_response_ms - 2f64.ln() * 50.0).abs() < 1e-6);
    }

    #[test]
    fn quantile_is_the_cdf_inverse_even_when_rates_meet() {
        // θ = μ: the Erlang-2 branch (M/M/2 with λ = μ gives θ = 2μ − μ = μ).
        let m = Mmc::new(100.0, 10.0, 2).unwrap();
        let r = m.solve().unwrap();
        let c = m.erlang_c().unwrap();
        let t = r.p99_response_ms / 1000.0;
        assert!((response_cdf(c, 100.0, 100.0, t) - 0.99).abs() < 1e-9);
        // Continuity across the branch.
        let a = response_cdf(c, 100.0 * (1.0 + 1e-8), 100.0, t);
        assert!((a - 0.99).abs() < 1e-6);
    }

    #[test]
    fn unstable_is_said_not_computed() {
        let u = Mmc::new(1000.0, 10.0, 10).unwrap().solve().unwrap_err();
        assert_eq!(u.min_pods, Some(11));
        assert!(u.message().contains("unstable"), "{}", u.message());
        assert!(simulate(&Mmc::new(1000.0, 10.0, 10).unwrap(), 5_000, 1).is_err());
        let u = Mmc::new(1e7, 3.6e6, 10).unwrap().solve().unwrap_err();
        assert_eq!(u.min_pods, None);
    }

    #[test]
    fn pods_needed_is_the_smallest() {
        let (rate, svc) = (800.0, 20.0); // 16 erlangs
        let Needed::Pods { pods, quantile_ms } = pods_needed(rate, svc, 150.0, 0.99) else {
            panic!("no answer")
        };
        assert!(quantile_ms <= 150.0);
        let q = |c| {
            Mmc::new(rate, svc, c)
                .unwrap()
                .solve()
                .map(|r| r.p99_response_ms)
        };
        assert!(q(pods).unwrap() <= 150.0);
        assert!(q(pods - 1).map_or(true, |p| p > 150.0));
        // The service time alone: p99 of Exp(mean 20 ms) = 92.1 ms.
        assert!(matches!(
            pods_needed(rate, svc, 90.0, 0.99),
            Needed::Impossible { .. }
        ));
        assert_eq!(pods_needed(1e7, 100.0, 1000.0, 0.99), Needed::OverLimit);
    }

    #[test]
    fn simulation_agrees_and_replays() {
        let m = Mmc::new(800.0, 10.0, 10).unwrap();
        let s = simulate(&m, 200_000, 3).unwrap();
        assert_eq!(s, simulate(&m, 200_000, 3).unwrap());
        assert!(
            s.mean_wait_ms
                .at_level(0.99)
                .contains(s.formula_mean_wait_ms),
            "{s:?}"
        );
        let r = m.solve().unwrap();
        assert!(
            (s.p_wait - r.p_wait).abs() < 0.02,
            "{} vs {}",
            s.p_wait,
            r.p_wait
        );
        assert!((s.p99_response_ms - r.p99_response_ms).abs() / r.p99_response_ms < 0.05);
    }

    #[test]
    fn hostile_inputs() {
        assert!(
            parse_rate("0").is_err() && parse_rate("1e400").is_err() && parse_rate("x").is_err()
        );
        assert!(parse_service_ms("-1").unwrap_err().contains("service time"));
        assert!(parse_pods("10001").unwrap_err().contains("1–10000"));
        assert!(parse_pods("2.5").is_err());
        assert!(parse_target_ms("0").is_err());
        assert!(Mmc::new(f64::NAN, 1.0, 1).is_err());
        assert!(validate_requests(10).is_err());
    }
}
