//! Transcendental functions built only from IEEE-754 basic operations (+, −, ×, ÷, exact
//! rounding), so they return bit-identical results natively and in WebAssembly.
//!
//! `f64::ln`/`exp` call the platform's libm, which differs between glibc and the wasm build in
//! the last bit; a detector that compares `phi >= 8.0` could then flip a decision and a shared
//! link would replay differently. Accuracy here is a few ulp, plenty for simulation decisions.

const LN2: f64 = core::f64::consts::LN_2;
// ln 2 split into a high part with trailing zero bits and a low correction, digits as printed in
// fdlibm's e_log.c (they round to exactly the intended doubles).
#[allow(clippy::excessive_precision)]
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
#[allow(clippy::excessive_precision)]
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const LN10: f64 = core::f64::consts::LN_10;

/// Natural logarithm. `ln(x)` for `x <= 0` is `-inf` (x = 0) or NaN (x < 0), like `f64::ln`.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut x = x;
    let mut e: i64 = 0;
    // Subnormals: scale into the normal range first.
    if x < f64::MIN_POSITIVE {
        x *= (1u64 << 54) as f64;
        e -= 54;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    // Mantissa in [1, 2).
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > core::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln(m) = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut k = 1.0;
    for _ in 0..14 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    (e as f64) * LN2_HI + ((e as f64) * LN2_LO + 2.0 * sum)
}

/// Base-10 logarithm.
pub fn log10(x: f64) -> f64 {
    ln(x) / LN10
}

/// `e^x`.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > 709.78 {
        return f64::INFINITY;
    }
    if x < -745.2 {
        return 0.0;
    }
    let k = (x / LN2 + 0.5).floor();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r for |r| <= ~0.35: 20 terms are far below one ulp.
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut i = 1.0;
    for _ in 0..20 {
        term *= r / i;
        sum += term;
        i += 1.0;
    }
    scale_pow2(sum, k as i64)
}

/// `x^n` for a whole `n`, by repeated squaring (basic operations only, so bit-identical
/// everywhere; `f64::powi` may call a platform routine).
pub fn powi(x: f64, n: u32) -> f64 {
    let mut base = x;
    let mut n = n;
    let mut acc = 1.0;
    while n > 0 {
        if n & 1 == 1 {
            acc *= base;
        }
        base *= base;
        n >>= 1;
    }
    acc
}

/// `10^x`.
pub fn pow10(x: f64) -> f64 {
    exp(x * LN10)
}

/// The standard normal quantile `Φ⁻¹(p)` for `0 < p < 1` (P. J. Acklam's rational approximation,
/// within 1e-7 of the exact value, checked against tables); NaN outside `(0, 1)`.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 || p >= 1.0 {
        return f64::NAN;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_211_027e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * ln(p)).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * ln(1.0 - p)).sqrt())
    }
}

/// Student's t quantile `t_p(df)` for `0 < p < 1`, `df ≥ 2`: exact for `df = 2`
/// (`(2p − 1) / √(2p(1 − p))`), otherwise the Cornish–Fisher expansion of Abramowitz & Stegun
/// 26.7.5 around the normal quantile (four terms: within 0.3 % at `df = 3`, 1e-4 from `df = 10`).
/// NaN for `df < 2` or `p` outside `(0, 1)`.
pub fn t_quantile(p: f64, df: u64) -> f64 {
    if df < 2 || p.is_nan() || p <= 0.0 || p >= 1.0 {
        return f64::NAN;
    }
    if df == 2 {
        return (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
    }
    let z = normal_quantile(p);
    let v = df as f64;
    let z2 = z * z;
    let z3 = z2 * z;
    let z5 = z3 * z2;
    let z7 = z5 * z2;
    let z9 = z7 * z2;
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92_160.0;
    z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v)
}

/// `v * 2^k` by exponent arithmetic (exact unless the result is subnormal).
fn scale_pow2(v: f64, k: i64) -> f64 {
    let mut v = v;
    let mut k = k;
    while k > 1000 {
        v *= f64::from_bits(((1000 + 1023) as u64) << 52);
        k -= 1000;
    }
    while k < -1000 {
        v *= f64::from_bits(((-1000i64 + 1023) as u64) << 52);
        k += 1000;
    }
    v * f64::from_bits(((k + 1023) as u64) << 52)
}

// The tests compare against the platform's libm on purpose.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-13 * b.abs().max(1.0)
    }

    // 0.7071 sits just below 1/√2 on purpose: it exercises the mantissa-halving branch edge.
    #[allow(clippy::approx_constant)]
    #[test]
    fn ln_matches_std_closely() {
        for &x in &[
            1e-300, 1e-10, 0.001, 0.5, 0.7071, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300,
        ] {
            assert!(close(ln(x), x.ln()), "ln({x}) = {} vs {}", ln(x), x.ln());
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(-1.0).is_nan());
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(close(ln(5e-324), (5e-324f64).ln()));
    }

    #[test]
    fn exp_matches_std_closely() {
        for &x in &[-700.0, -20.0, -1.0, -0.1, 0.0, 0.3, 1.0, 2.5, 50.0, 700.0] {
            assert!(
                close(exp(x), x.exp()),
                "exp({x}) = {} vs {}",
                exp(x),
                x.exp()
            );
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1000.0), 0.0);
        assert!(exp(1000.0).is_infinite());
    }

    #[test]
    fn log10_of_powers() {
        assert!(close(log10(1000.0), 3.0));
        assert!(close(log10(1e-8), -8.0));
    }
    #[test]
    fn powi_and_pow10() {
        assert_eq!(powi(2.0, 10), 1024.0);
        assert_eq!(powi(0.5, 0), 1.0);
        assert!(close(powi(0.999, 365), 0.999f64.powi(365)));
        assert!(close(pow10(-3.0), 1e-3));
        assert!(close(pow10(2.5), 10f64.powf(2.5)));
    }

    #[test]
    fn normal_quantile_textbook_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_963_985),
            (0.995, 2.575_829_304),
            (0.9, 1.281_551_566),
            (0.01, -2.326_347_874),
            (1e-6, -4.753_424_309),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 2e-7 * z.abs().max(1.0),
                "Φ⁻¹({p}) = {}",
                normal_quantile(p)
            );
        }
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(1.0).is_nan());
    }

    #[test]
    fn t_quantile_matches_tables() {
        // Two-sided 95 % and 99 % critical values from the standard t table.
        for (df, t95, t99) in [
            (2, 4.303, 9.925),
            (3, 3.182, 5.841),
            (5, 2.571, 4.032),
            (10, 2.228, 3.169),
            (19, 2.093, 2.861),
            (30, 2.042, 2.750),
            (120, 1.980, 2.617),
        ] {
            let a = t_quantile(0.975, df);
            let b = t_quantile(0.995, df);
            let tol = if df < 5 { 0.01 } else { 0.002 };
            assert!((a - t95).abs() / t95 < tol, "t95({df}) = {a}");
            assert!((b - t99).abs() / t99 < tol * 2.0, "t99({df}) = {b}");
        }
        assert!(t_quantile(0.975, 1).is_nan());
    }
}
