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
}
