//! The engine's only source of randomness: a seeded, pinned xoshiro256** generator.
//!
//! The algorithm is our own code (Blackman & Vigna, 2018, seeded through SplitMix64), so the stream
//! cannot change under us with a dependency update; `tests::golden_stream` pins its first outputs.
//! Each purpose (the network, each node, the fault generator) gets its own stream via
//! [`Rng::stream`], so a click that consumes one stream does not reshuffle the others.

use serde::{Deserialize, Serialize};

/// A deterministic pseudo-random generator (xoshiro256**).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rng {
    s: [u64; 4],
}

/// SplitMix64 step: used to expand seeds (Steele, Lea & Flood, 2014).
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Named stream purposes; the number is part of the pinned stream layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Latency, loss and duplication draws.
    Network,
    /// Fault generators (random fault schedules).
    Faults,
    /// The workload (client requests, key sets).
    Workload,
    /// One stream per node (timeouts, jitter).
    Node(usize),
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::Network => 1,
            Stream::Faults => 2,
            Stream::Workload => 3,
            Stream::Node(i) => 1_000 + i as u64,
        }
    }
}

/// The 128-bit product `a × b` as (high, low) 64-bit halves. Natively one widening multiply; in
/// wasm32, which has no 64 × 64 → 128 instruction (a `u128` product is a call to the compiler's
/// `__multi3`), four 32-bit products — the same exact result either way.
#[inline]
pub(crate) fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let m = (a as u128) * (b as u128);
        ((m >> 64) as u64, m as u64)
    }
    #[cfg(target_arch = "wasm32")]
    {
        mul_wide_halves(a, b)
    }
}

/// [`mul_wide`] from four 32 × 32 → 64-bit products.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline]
fn mul_wide_halves(a: u64, b: u64) -> (u64, u64) {
    const LO: u64 = 0xffff_ffff;
    let (a0, a1, b0, b1) = (a & LO, a >> 32, b & LO, b >> 32);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // At most 3 × (2³² − 1) < 2⁶⁴: no overflow.
    let mid = (p00 >> 32) + (p01 & LO) + (p10 & LO);
    let low = (mid << 32) | (p00 & LO);
    let high = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    (high, low)
}

impl Rng {
    /// A generator seeded from a single `u64`.
    pub fn new(seed: u64) -> Rng {
        let mut st = seed;
        let mut s = [0u64; 4];
        for x in &mut s {
            *x = splitmix64(&mut st);
        }
        // xoshiro must not start from the all-zero state; SplitMix64 never yields four zeros,
        // but keep the guard explicit.
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// The independent stream for `purpose` under the run's `seed`.
    pub fn stream(seed: u64, purpose: Stream) -> Rng {
        let mut st = seed ^ purpose.id().wrapping_mul(0xD6E8_FEB8_6659_FD93);
        Rng::new(splitmix64(&mut st))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..n` without modulo bias (Lemire's method). `n == 0` gives 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let (mut hi, mut low) = mul_wide(self.next_u64(), n);
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                (hi, low) = mul_wide(self.next_u64(), n);
            }
        }
        hi
    }

    /// A uniform integer in `lo..=hi` (returns `lo` if `hi < lo`).
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.below(span),
            None => self.next_u64(),
        }
    }

    /// True with probability `ppm` parts per million.
    pub fn chance_ppm(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.below(1_000_000) < ppm as u64
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponentially distributed integer with the given mean (inverse transform sampling,
    /// through [`crate::detmath::ln`] so the result is identical on every platform).
    pub fn exp_u64(&mut self, mean: u64) -> u64 {
        if mean == 0 {
            return 0;
        }
        // 1 - u is in (0, 1], so ln is finite.
        let u = 1.0 - self.unit_f64();
        let x = -crate::detmath::ln(u) * mean as f64;
        // Cap the tail at 50 means so one draw cannot stall a run.
        let cap = mean.saturating_mul(50) as f64;
        (if x > cap { cap } else { x }) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wasm32 product from 32-bit halves is the exact 128-bit product: corners and a
    /// million pseudo-random pairs.
    #[test]
    fn product_from_halves_is_exact() {
        let mut r = Rng::new(5);
        let corners = [0, 1, 2, 0xffff_ffff, 1 << 32, u64::MAX - 1, u64::MAX];
        let pairs = corners
            .iter()
            .flat_map(|&a| corners.iter().map(move |&b| (a, b)))
            .chain((0..1_000_000).map(|_| (r.next_u64(), r.next_u64() >> (r.next_u64() % 64))));
        for (a, b) in pairs {
            let m = (a as u128) * (b as u128);
            assert_eq!(
                mul_wide_halves(a, b),
                ((m >> 64) as u64, m as u64),
                "{a} × {b}"
            );
        }
    }

    /// Golden test: the stream is part of the link format. If this fails, every shared link
    /// replays differently; bump the link version `v` instead of changing these numbers.
    #[test]
    fn golden_stream() {
        let mut r = Rng::new(42);
        let got: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(got, GOLDEN_42);
        let mut n = Rng::stream(42, Stream::Network);
        assert_eq!(n.next_u64(), GOLDEN_NET_42);
    }

    const GOLDEN_42: [u64; 4] = [
        1546998764402558742,
        6990951692964543102,
        12544586762248559009,
        17057574109182124193,
    ];
    const GOLDEN_NET_42: u64 = 17738731704168519148;

    #[test]
    fn splitmix_reference() {
        // Reference values of SplitMix64 seeded with 0 (from the public reference implementation).
        let mut st = 0u64;
        assert_eq!(splitmix64(&mut st), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut st), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn below_is_in_range_and_covers() {
        let mut r = Rng::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let x = r.below(10);
            assert!(x < 10);
            seen[x as usize] = true;
        }
        assert!(seen.iter().all(|&b| b));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn streams_differ() {
        let a = Rng::stream(1, Stream::Node(0)).next_u64();
        let b = Rng::stream(1, Stream::Node(1)).next_u64();
        let c = Rng::stream(1, Stream::Network).next_u64();
        assert!(a != b && b != c && a != c);
    }

    #[test]
    fn exp_mean_is_close() {
        let mut r = Rng::new(3);
        let n = 20_000;
        let sum: u64 = (0..n).map(|_| r.exp_u64(1000)).sum();
        let mean = sum as f64 / n as f64;
        assert!((mean - 1000.0).abs() < 40.0, "mean {mean}");
    }
}
