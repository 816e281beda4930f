//! Decimal text of a float with a fixed number of decimals, without core's float formatter.
//!
//! `format!("{:.1}", x)` links core's whole float-to-text machinery (Grisu and Dragon4, for both
//! the shortest and the exact modes, with their tables): about 14 KB of wasm in every page that
//! writes a coordinate or a measurement. The pages only ever need a handful of decimals, so they
//! write [`fixed`] instead: the same text as `{:.N}` whenever the scaled value fits a `u64`
//! (the product is rounded exactly, ties to even, as core does), a few dozen instructions.
//!
//! ```
//! use engine::fmtnum::{fixed, trim};
//! assert_eq!(fixed(12.345, 1).to_string(), "12.3");
//! assert_eq!(fixed(0.25, 1).to_string(), format!("{:.1}", 0.25));
//! assert_eq!(fixed(-0.01, 1).to_string(), "-0.0");
//! assert_eq!(trim(2.50, 2).to_string(), "2.5");
//! assert_eq!(trim(3.0, 1).to_string(), "3");
//! ```

use std::fmt;

/// `x` with `decimals` digits after the point (at most 12), as `format!("{:.N}", x)` writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fixed {
    x: f64,
    decimals: u8,
    trim: bool,
}

/// `x` with exactly `decimals` digits after the point (at most 12): `{:.N}` without core's float
/// formatter.
pub fn fixed(x: f64, decimals: u8) -> Fixed {
    Fixed {
        x,
        decimals: decimals.min(12),
        trim: false,
    }
}

/// `x` rounded to at most `decimals` digits after the point, trailing zeros (and a bare point)
/// dropped: `2.50` → `2.5`, `3.0` → `3`.
pub fn trim(x: f64, decimals: u8) -> Fixed {
    Fixed {
        trim: true,
        ..fixed(x, decimals)
    }
}

/// 10^d for the decimals allowed.
const POW10: [f64; 13] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
];

/// Splits `a` into two halves whose products are exact (Dekker).
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a;
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `a * b` as the rounded product and its exact error: `a * b = p + e` (Dekker's two-product).
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// `|x| × 10^d` rounded to an integer, ties to even, decided on the exact product; `None` when
/// it does not fit a `u64`.
fn scaled(ax: f64, d: u8) -> Option<u64> {
    let s = POW10[usize::from(d)];
    if ax * s >= 1.8e19 {
        return None;
    }
    // `ax × s = p + e` exactly; `p` is the rounded product, `e` its error (|e| ≤ half an ulp).
    let (p, e) = two_prod(ax, s);
    let n = if p < 4_503_599_627_370_496.0 {
        // Below 2^52 `p`'s fraction is a multiple of its ulp: `e` can only tip an exact half.
        let fl = p.floor();
        let frac = p - fl;
        let up = if frac > 0.5 {
            true
        } else if frac < 0.5 {
            false
        } else if e != 0.0 {
            e > 0.0
        } else {
            fl % 2.0 != 0.0
        };
        fl as u64 + u64::from(up)
    } else {
        // From 2^52 on `p` is an integer and `e` holds the rest (it may exceed one).
        let k = e.floor();
        let fr = e - k;
        let base = p as u64;
        let k = k as i64 + i64::from(fr > 0.5 || (fr == 0.5 && (base as i64 + k as i64) % 2 != 0));
        base.wrapping_add_signed(k)
    };
    Some(n)
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.x;
        if x.is_nan() {
            return f.pad("NaN");
        }
        let mut buf = [0u8; 64];
        let mut at = buf.len();
        let mut push = |b: u8, at: &mut usize| {
            *at -= 1;
            buf[*at] = b;
        };
        if x.is_infinite() {
            return f.pad(if x > 0.0 { "inf" } else { "-inf" });
        }
        let d = self.decimals;
        let (mut n, zeros) = match scaled(x.abs(), d) {
            Some(n) => (n, 0),
            None => {
                // Beyond u64: the leading digits, then zeros (at most 40: no page shows such a number).
                let mut y = x.abs() * POW10[usize::from(d)];
                let mut zeros = 0usize;
                while y >= 1e19 && zeros < 300 {
                    y = (y / 10.0).floor();
                    zeros += 1;
                }
                (y as u64, zeros)
            }
        };
        // The digits from the right: `zeros` zeros, then `n`'s, then zeros up to one digit
        // before the point.
        let mut ds = [0u8; 64];
        let mut len = zeros.min(40);
        loop {
            ds[len] = (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let d = usize::from(d);
        len = len.max(d + 1);
        let mut first = 0;
        if self.trim {
            while first < d && ds[first] == 0 {
                first += 1;
            }
        }
        for &digit in &ds[first..d] {
            push(b'0' + digit, &mut at);
        }
        if first < d {
            push(b'.', &mut at);
        }
        for &digit in &ds[d..len] {
            push(b'0' + digit, &mut at);
        }
        if x.is_sign_negative() {
            push(b'-', &mut at);
        }
        // Only ASCII digits, '.' and '-' were written.
        f.pad(std::str::from_utf8(&buf[at..]).unwrap_or("?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(x: f64, d: usize) -> String {
        format!("{x:.d$}")
    }

    #[test]
    fn matches_core_on_known_values() {
        for &x in &[
            0.0,
            -0.0,
            0.05,
            0.15,
            0.25,
            0.35,
            0.45,
            1.005,
            2.675,
            12.345,
            99.95,
            99.96,
            1e-9,
            0.5,
            1.5,
            2.5,
            -2.5,
            123456.789,
            4503599627370495.5,
            1e15,
            1e18,
            1e19,
            1e21,
            -7.25,
            1e-300,
        ] {
            for d in 0..=12u8 {
                let (ours, want) = (fixed(x, d).to_string(), core(x, d.into()));
                if x.abs() * 10f64.powi(d.into()) < 1.8e19 {
                    assert_eq!(ours, want, "{x} {d}");
                } else {
                    // Beyond u64 after scaling: the same number of digits, the leading ones right.
                    assert_eq!(ours.len(), want.len(), "{x} {d}");
                    assert_eq!(ours[..12], want[..12], "{x} {d}");
                }
            }
        }
        assert_eq!(fixed(f64::NAN, 2).to_string(), "NaN");
        assert_eq!(fixed(f64::INFINITY, 2).to_string(), "inf");
        assert_eq!(fixed(f64::NEG_INFINITY, 2).to_string(), "-inf");
        assert_eq!(format!("{:>7}", fixed(1.25, 1)), "    1.2");
    }

    #[test]
    fn trims() {
        assert_eq!(trim(2.5, 2).to_string(), "2.5");
        assert_eq!(trim(3.0, 1).to_string(), "3");
        assert_eq!(trim(0.0, 3).to_string(), "0");
        assert_eq!(trim(10.0, 0).to_string(), "10");
        assert_eq!(trim(0.125, 3).to_string(), "0.125");
        assert_eq!(trim(0.1 + 0.2, 3).to_string(), "0.3");
    }

    proptest::proptest! {
        #[test]
        fn equals_core_formatting(x in -1e10f64..1e10, d in 0u8..=8) {
            proptest::prop_assert_eq!(fixed(x, d).to_string(), core(x, d.into()));
        }

        #[test]
        fn equals_core_on_bit_patterns(bits in proptest::num::u64::ANY, d in 0u8..=12) {
            let x = f64::from_bits(bits);
            if x.is_finite() && x.abs() * POW10[usize::from(d)] < 1.8e19 {
                proptest::prop_assert_eq!(fixed(x, d).to_string(), core(x, d.into()));
            }
        }
    }
}
