//! φ accrual as Akka implements it (akka-remote `PhiAccrualFailureDetector.scala`,
//! Hayashibara et al. 2004): the inter-arrival window with running sums, φ itself, and the
//! instant φ crosses a threshold, solved directly instead of searched.
//!
//! Everything a decision depends on is computed from exact integer sums and IEEE basic
//! operations (+, −, ×, ÷, √) plus `engine::detmath`, so wasm and native agree to the bit.

use super::HbParams;
use crate::detmath;
use std::collections::VecDeque;

/// Akka's logistic approximation of the normal CDF: F(y) ≈ 1 / (1 + e^(−y(A + B y²))).
const A: f64 = 1.5976;
/// See [`A`].
const B: f64 = 0.070566;

/// Longest interval the window stores, µs (2⁴⁰ µs ≈ 12.7 days; a link covers at most 10
/// minutes). The bound keeps n·Σx² and (Σx)² far inside `u128` for any window of ≤ 2²⁰ samples.
pub const MAX_INTERVAL_US: u64 = 1 << 40;

/// The inter-arrival history of one worker (Akka's `HeartbeatHistory`): the most recent
/// intervals in µs with their running sum and sum of squares, both exact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intervals {
    samples: VecDeque<u64>,
    sum: u128,
    sum_sq: u128,
}

impl Intervals {
    /// Akka's first-heartbeat history: two pretend intervals at `interval ± interval/4`
    /// (`firstHeartbeatEstimate` = the heartbeat interval, σ = mean/4 in integer units, as
    /// Akka's `val stdDeviation = mean / 4`). They keep σ realistic until real samples push
    /// them out (with a single real sample σ would be 0, and φ would shoot up at the first late
    /// heartbeat). At most `window` of them are kept.
    pub fn bootstrap(p: &HbParams) -> Intervals {
        let m = p.interval.as_us();
        // Room for a usual window up front (it fills within a few seconds; growing it one
        // doubling at a time was 1.3 % of a 50-worker heartbeat run).
        let mut w = Intervals {
            samples: VecDeque::with_capacity(p.window.clamp(2, 128)),
            ..Intervals::default()
        };
        for x in [m - m / 4, m + m / 4] {
            w.push(x, p.window);
        }
        w
    }

    /// Adds an interval (clamped to [`MAX_INTERVAL_US`]), dropping the oldest beyond `window`
    /// (Akka's `:+` / `dropOldest`).
    pub fn push(&mut self, interval_us: u64, window: usize) {
        let x = interval_us.min(MAX_INTERVAL_US);
        self.samples.push_back(x);
        self.sum += x as u128;
        self.sum_sq += square(x);
        while self.samples.len() > window.max(1) {
            if let Some(old) = self.samples.pop_front() {
                self.sum -= old as u128;
                self.sum_sq -= square(old);
            }
        }
    }

    /// Akka's `heartbeat()` for a known worker: learns the interval `gap_us` only if the
    /// detector still considered the worker available when the heartbeat arrived — φ(gap) below
    /// the down threshold, i.e. `gap_us` < `down_cross_us`, the down crossing computed from this
    /// window (φ is monotonic in the silence) — or if `p.learn_outages` is set. Returns whether
    /// it was learned. Akka: "don't use the first heartbeat after failure for the history,
    /// since a long pause will skew the stats".
    pub fn learn(&mut self, p: &HbParams, gap_us: u64, down_cross_us: u64) -> bool {
        let learned = gap_us < down_cross_us || p.learn_outages;
        if learned {
            self.push(gap_us, p.window);
        }
        learned
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when there is no sample.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The samples, oldest first (µs).
    pub fn iter(&self) -> impl Iterator<Item = &u64> + '_ {
        self.samples.iter()
    }

    /// A window holding `samples` (for tests and tools; at most `window` are kept).
    pub fn from_samples<'a>(samples: impl IntoIterator<Item = &'a u64>, window: usize) -> Self {
        let mut w = Intervals::default();
        for &x in samples {
            w.push(x, window);
        }
        w
    }

    /// μ + acceptable pause and max(σ, min σ), in µs, as Akka's `phi(timestamp)` uses them.
    /// μ and σ come from the exact integer sums (population variance, as Akka's
    /// `HeartbeatHistory.variance`), so they are identical on every platform.
    pub fn stats(&self, p: &HbParams) -> PhiStats {
        let min_std = p.min_std.as_us() as f64;
        let pause = p.acceptable_pause.as_us() as f64;
        if self.samples.is_empty() {
            // Never happens in the monitor (it starts from `bootstrap`); kept total for callers
            // with an empty window: assume the configured interval with σ = interval/4.
            let m = p.interval.as_us() as f64;
            return PhiStats {
                mean: m + pause,
                std: (m / 4.0).max(min_std),
            };
        }
        let n = self.samples.len() as u64;
        // Usual windows (Σx² and n·Σx² below 2⁶⁴: 100 samples of intervals up to ≈ 40 s) are
        // computed in u64 and converted to f64 by one instruction; others exactly in u128 (a
        // `__multi3` and a `__floatuntidf` call in wasm32). The same correctly rounded values.
        let small = u64::try_from(self.sum).ok().and_then(|sum| {
            let n_sum_sq = u64::try_from(self.sum_sq).ok()?.checked_mul(n)?;
            Some((sum, n_sum_sq.saturating_sub(sum.checked_mul(sum)?)))
        });
        let (sum, var_num) = match small {
            Some((sum, var_num)) => (sum as f64, var_num as f64),
            None => (
                self.sum as f64,
                (u128::from(n) * self.sum_sq).saturating_sub(self.sum * self.sum) as f64,
            ),
        };
        let mean = sum / n as f64;
        // var_num = n²·variance
        let std = var_num.sqrt() / n as f64;
        PhiStats {
            mean: mean + pause,
            std: std.max(min_std),
        }
    }
}

/// `x²`, exact (see [`crate::rng::mul_wide`]: no `u128` product call in wasm32).
fn square(x: u64) -> u128 {
    let (hi, lo) = crate::rng::mul_wide(x, x);
    u128::from(hi) << 64 | u128::from(lo)
}

/// The two numbers φ depends on, µs: the mean inter-arrival time plus the acceptable pause,
/// and the standard deviation floored at the minimum σ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhiStats {
    /// μ + acceptable pause.
    pub mean: f64,
    /// max(σ, min σ) (> 0 whenever min σ > 0).
    pub std: f64,
}

/// `x.ceil() as u64` (negative and NaN → 0, beyond u64 → `u64::MAX`), without a call to libm's
/// `ceil` (x86-64's baseline has no rounding instruction: the call was 1.6 % of the heartbeat
/// lab's time).
fn ceil_us(x: f64) -> u64 {
    // `as` truncates toward zero and saturates: NaN and negatives → 0, beyond u64 → u64::MAX.
    let t = x as u64;
    if (t as f64) < x {
        t.saturating_add(1)
    } else {
        t
    }
}

impl PhiStats {
    /// φ after `elapsed_us` of silence, exactly as Akka's `phi(timeDiff, mean, stdDeviation)`:
    /// y = (t − μ)/σ, e = exp(−y(1.5976 + 0.070566 y²)), φ = −log10(e/(1+e)) for t > μ,
    /// −log10(1 − 1/(1+e)) otherwise (two forms of the same value, each the accurate one on
    /// its side).
    pub fn phi(&self, elapsed_us: u64) -> f64 {
        let t = elapsed_us as f64;
        let y = (t - self.mean) / self.std;
        let e = detmath::exp(-y * (A + B * y * y));
        if t > self.mean {
            -detmath::log10(e / (1.0 + e))
        } else {
            -detmath::log10(1.0 - 1.0 / (1.0 + e))
        }
    }

    /// The smallest silence (µs) at which φ reaches the threshold `th`.
    ///
    /// φ depends on t only through y = (t − μ)/σ, so the crossing is t* = μ + y*·σ with y*
    /// solved once per threshold. The answer is then settled with φ itself: from ⌈t*⌉ the
    /// search gallops outwards to a pair (t − 1, t) with φ(t − 1) < threshold ≤ φ(t) and
    /// bisects in between — the same instant a search over all silences finds (φ is monotonic
    /// in t). Each probe is first decided from y alone when y lies clearly on one side of y*
    /// ([`PhiThreshold::decides`]); the exact [`PhiStats::phi`] is computed only when it does
    /// not, so the answer is that of the exact φ, usually without evaluating it at all.
    pub fn crossing(&self, th: &PhiThreshold) -> u64 {
        let reached = |t: u64| match th.decides((t as f64 - self.mean) / self.std) {
            Some(r) => r,
            None => self.phi(t) >= th.value,
        };
        let guess = ceil_us(self.mean + th.y_star * self.std);
        let (mut lo, mut hi); // invariant: !reached(lo), reached(hi)
        if reached(guess) {
            hi = guess;
            let mut step = 1u64;
            loop {
                if hi == 0 {
                    return 0;
                }
                let t = hi.saturating_sub(step);
                if reached(t) {
                    hi = t;
                    step = step.saturating_mul(2);
                } else {
                    lo = t;
                    break;
                }
            }
        } else {
            lo = guess;
            let mut step = 1u64;
            loop {
                if lo == u64::MAX {
                    return u64::MAX;
                }
                let t = lo.saturating_add(step);
                if reached(t) {
                    hi = t;
                    break;
                }
                lo = t;
                step = step.saturating_mul(2);
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if reached(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

/// The standardised silence y* at which φ reaches `threshold`.
///
/// Both of Akka's forms equal φ(y) = log10(1 + e^g(y)) with g(y) = y(1.5976 + 0.070566 y²),
/// so φ(y) = threshold ⇔ g(y) = c = ln(10^threshold − 1). g is odd and strictly increasing;
/// for s = |c| Newton's method started at s/1.5976 (≥ the root, g being convex on y ≥ 0)
/// descends monotonically to it. Only a starting point for [`PhiStats::crossing`], which
/// settles the instant with φ itself, but deterministic all the same (IEEE operations and
/// `detmath`).
pub fn y_crossing(threshold: f64) -> f64 {
    let p = detmath::exp(threshold * core::f64::consts::LN_10);
    let c = detmath::ln(p - 1.0);
    if c.is_nan() || c == f64::NEG_INFINITY {
        return f64::NEG_INFINITY; // threshold ≤ 0: φ ≥ threshold at any silence
    }
    if c.is_infinite() {
        return f64::INFINITY;
    }
    let s = c.abs();
    let mut y = s / A;
    for _ in 0..100 {
        let g = y * (A + B * y * y) - s;
        let next = y - g / (A + 3.0 * B * y * y);
        if next >= y {
            break;
        }
        y = next;
    }
    if c < 0.0 {
        -y
    } else {
        y
    }
}

/// A bound on |φ̂ − φ|, the error of [`PhiStats::phi`] against the exact φ of its own y, far
/// above the real one (a few ulp of `detmath::exp`/`ln` over |g| ≤ 600: below 1e-12).
const PHI_ERROR: f64 = 1e-9;

/// A φ threshold prepared once: its value, its standardised crossing y* ([`y_crossing`]) and
/// the band around y* outside which the side of the threshold φ is on is certain from y alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhiThreshold {
    /// The threshold.
    pub value: f64,
    /// Its standardised crossing.
    pub y_star: f64,
    /// Half-width of the undecided band around y* (infinite: always compute φ).
    band: f64,
}

impl PhiThreshold {
    /// Prepares `value`.
    ///
    /// With s* = φ'(y*) = g'(y*)·σ(g(y*))/ln 10 (σ the logistic function), the band is
    /// 4·[`PHI_ERROR`]/s*, kept only when it is narrow enough that φ' stays above 0.9·s*
    /// across it (|d ln φ'/dy| ≤ 0.36 + g'(y), so band·(0.36 + g'(|y*| + band)) ≤ 0.1).
    /// Beyond the band |φ(y) − threshold| ≥ 0.9·s*·band = 3.6·PHI_ERROR, more than φ̂'s error
    /// and y*'s own, so φ̂ is on the same side as y. Near an overflow of e^g (|g(y*)| > 600)
    /// or for a non-finite y* there is no band.
    pub fn new(value: f64) -> PhiThreshold {
        let y_star = y_crossing(value);
        let g_prime = |y: f64| A + 3.0 * B * y * y;
        let mut band = f64::INFINITY;
        if y_star.is_finite() {
            let g = y_star * (A + B * y_star * y_star);
            if g.abs() <= 600.0 {
                let logistic = 1.0 / (1.0 + detmath::exp(-g));
                let slope = g_prime(y_star) * logistic / core::f64::consts::LN_10;
                let b = 4.0 * PHI_ERROR / slope;
                if b.is_finite() && b * (0.36 + g_prime(y_star.abs() + b)) <= 0.1 {
                    band = b;
                }
            }
        }
        PhiThreshold {
            value,
            y_star,
            band,
        }
    }

    /// Whether φ at standardised silence `y` is at or above the threshold, when that is certain
    /// without computing φ (`y` computed as [`PhiStats::phi`] computes it).
    pub fn decides(&self, y: f64) -> Option<bool> {
        if y >= self.y_star + self.band {
            Some(true)
        } else if y <= self.y_star - self.band {
            Some(false)
        } else {
            None
        }
    }
}

/// φ after `elapsed_us` of silence with the window `intervals` (µs) and the settings in `p`.
pub fn phi_value(p: &HbParams, intervals: &VecDeque<u64>, elapsed_us: u64) -> f64 {
    Intervals::from_samples(intervals, usize::MAX)
        .stats(p)
        .phi(elapsed_us)
}

/// The smallest silence (µs) at which φ reaches `threshold` with the window `intervals`.
pub fn phi_crossing(p: &HbParams, intervals: &VecDeque<u64>, threshold: f64) -> u64 {
    Intervals::from_samples(intervals, usize::MAX)
        .stats(p)
        .crossing(&PhiThreshold::new(threshold))
}

#[cfg(test)]
mod tests {
    use super::ceil_us;
    use proptest::prelude::*;

    /// What `ceil_us` replaces: round up, then `as` (negatives and NaN → 0, saturating).
    fn reference(x: f64) -> u64 {
        let c = x.ceil();
        if c.is_nan() {
            0
        } else {
            c as u64
        }
    }

    #[test]
    fn ceil_us_edges() {
        for x in [
            f64::NAN,
            f64::NEG_INFINITY,
            f64::INFINITY,
            -1.5,
            -0.5,
            -0.0,
            0.0,
            1e-300,
            0.5,
            1.0,
            1.000_000_1,
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            9_223_372_036_854_775_808.0,
            18_446_744_073_709_551_616.0,
            1e30,
        ] {
            assert_eq!(ceil_us(x), reference(x), "{x}");
        }
    }

    proptest! {
        #[test]
        fn ceil_us_is_ceil_then_as(bits in any::<u64>(), small in -1e7f64..1e10) {
            let x = f64::from_bits(bits);
            prop_assert_eq!(ceil_us(x), reference(x));
            prop_assert_eq!(ceil_us(small), reference(small));
        }
    }
}
