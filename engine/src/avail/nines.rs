//! Availability ↔ number of nines ↔ allowed downtime.
//!
//! An availability is kept as the pair (A, U = 1 − A), each computed directly, so that 99.999 %
//! keeps its digits: `1 − 0.99999` in floating point loses about five of them.
//!
//! Periods: the year is the mean Gregorian year (365.2425 days = 8 765.82 h, as uptime tables use;
//! a 365-day year would give 8.76 h for 99.9 % instead of 8.77 h), the month either 30 days or a
//! twelfth of that year (30.44 days), the week 7 days, the day 24 hours.

use crate::detmath;

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;
/// Days in the mean Gregorian year.
pub const YEAR_DAYS: f64 = 365.2425;
/// Hours in the mean Gregorian year.
pub const YEAR_H: f64 = YEAR_DAYS * 24.0;
/// The most nines accepted (beyond this `1 − A` is below what a double resolves next to 1).
pub const MAX_NINES: f64 = 12.0;

/// An availability `a` with its unavailability `u = 1 − a`, both in `[0, 1]`, `a > 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Avail {
    /// Probability of being up.
    pub a: f64,
    /// Probability of being down (`1 − a`, computed without cancellation).
    pub u: f64,
}

impl Avail {
    /// From an unavailability in `[0, 1)`.
    pub fn from_u(u: f64) -> Avail {
        Avail { a: 1.0 - u, u }
    }

    /// From an availability fraction in `(0, 1]`.
    pub fn from_a(a: f64) -> Avail {
        Avail { a, u: 1.0 - a }
    }

    /// Number of nines `−log10(U)`; `None` when `U = 0` (never down: infinitely many).
    pub fn nines(self) -> Option<f64> {
        if self.u <= 0.0 {
            None
        } else {
            Some(-detmath::log10(self.u))
        }
    }

    /// The availability for `n` nines: `U = 10^(−n)`.
    pub fn of_nines(n: f64) -> Avail {
        Avail::from_u(detmath::pow10(-n))
    }

    /// Allowed downtime per `period`, in seconds.
    pub fn downtime_s(self, period: Period) -> f64 {
        self.u * period.seconds()
    }

    /// Validates an availability fraction: `0 < a ≤ 1`.
    pub fn validate(a: f64) -> Result<Avail, String> {
        if a.is_finite() && a > 0.0 && a <= 1.0 {
            Ok(Avail::from_a(a))
        } else {
            Err(format!(
                "availability must be above 0 % and at most 100 %, got {}",
                fmt_num(a * 100.0)
            ))
        }
    }
}

/// Reads an availability in percent: `99.95`, `99.95%` or `99.95 %` (above 0, at most 100).
pub fn parse_percent(s: &str) -> Result<Avail, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    let p: f64 = t
        .parse()
        .ok()
        .filter(|p: &f64| p.is_finite())
        .ok_or_else(|| {
            format!(
                "'{}' is not a percentage (write e.g. 99.95)",
                crate::clip(s)
            )
        })?;
    if !(p > 0.0 && p <= 100.0) {
        return Err(format!(
            "availability must be above 0 % and at most 100 %, got {} %",
            fmt_num(p)
        ));
    }
    // U from the percent's distance to 100 keeps the digits of 99.999.
    Ok(Avail {
        a: p / 100.0,
        u: (100.0 - p) / 100.0,
    })
}

/// Reads a number of nines (`3`, `3.3`, `5 nines`): more than 0, at most [`MAX_NINES`].
pub fn parse_nines(s: &str) -> Result<Avail, String> {
    let t = s.trim();
    let t = t.strip_suffix("nines").unwrap_or(t).trim();
    let n: f64 = t
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| format!("'{}' is not a number of nines (e.g. 3.5)", crate::clip(s)))?;
    if !(n > 0.0 && n <= MAX_NINES) {
        return Err(format!(
            "number of nines must be above 0 and at most {}, got {}",
            crate::fmtnum::trim(MAX_NINES, 3),
            fmt_num(n)
        ));
    }
    Ok(Avail::of_nines(n))
}

/// A period over which downtime is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The mean Gregorian year, 365.2425 days.
    Year,
    /// A twelfth of that year, 30.436875 days.
    MonthTwelfth,
    /// A 30-day month (what most SLA contracts mean).
    Month30,
    /// Seven days.
    Week,
    /// 24 hours.
    Day,
}

/// Every period, longest first.
pub const PERIODS: [Period; 5] = [
    Period::Year,
    Period::MonthTwelfth,
    Period::Month30,
    Period::Week,
    Period::Day,
];

impl Period {
    /// Length in seconds.
    pub fn seconds(self) -> f64 {
        match self {
            Period::Year => YEAR_DAYS * DAY_S,
            Period::MonthTwelfth => YEAR_DAYS * DAY_S / 12.0,
            Period::Month30 => 30.0 * DAY_S,
            Period::Week => 7.0 * DAY_S,
            Period::Day => DAY_S,
        }
    }

    /// A short identifier (`year`, `month`, `month30`, `week`, `day`), used in test ids and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Period::Year => "year",
            Period::MonthTwelfth => "month",
            Period::Month30 => "month30",
            Period::Week => "week",
            Period::Day => "day",
        }
    }

    /// What the period is, for a table row.
    pub fn label(self) -> &'static str {
        match self {
            Period::Year => "per year (365.2425 d)",
            Period::MonthTwelfth => "per month (1/12 year, 30.44 d)",
            Period::Month30 => "per 30-day month",
            Period::Week => "per week",
            Period::Day => "per day",
        }
    }
}

/// A finite number with up to 6 significant decimals, trailing zeros trimmed (`inf`/`NaN` are
/// written as words, never shown as a result).
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "not a number".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "infinity" } else { "−infinity" }.into();
    }
    let s = if x.abs() >= 1e9 || (x != 0.0 && x.abs() < 1e-4) {
        format!("{x:.3e}")
    } else {
        crate::fmtnum::fixed(x, 6).to_string()
    };
    trim_zeros(&s)
}

fn trim_zeros(s: &str) -> String {
    if s.contains('e') || !s.contains('.') {
        return s.to_string();
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// An availability in percent with enough decimals to show two significant digits of its
/// unavailability, trailing zeros trimmed: 0.998001 → `99.8`, 0.9995 → `99.95`, 1 → `100`.
pub fn fmt_percent(av: Avail) -> String {
    if av.u <= 0.0 {
        return "100".into();
    }
    let u_pct = av.u * 100.0;
    let decimals = (-detmath::log10(u_pct)).ceil() + 1.0;
    let decimals = decimals.clamp(1.0, 12.0) as usize;
    let s = crate::fmtnum::fixed(av.a * 100.0, decimals as u8).to_string();
    // Never round a system that is sometimes down up to "100".
    if s.starts_with("100") {
        return crate::fmtnum::fixed(100.0 - u_pct, decimals as u8)
            .to_string()
            .replace("100.", "99.");
    }
    trim_zeros(&s)
}

/// A mean availability and its interval `[lo, hi]` in percent, with enough decimals to tell the
/// ends apart (at least as many as [`fmt_percent`] gives the mean); the ends are clamped to
/// `[0, 100]` (an interval's upper end may pass 100 % arithmetically).
pub fn fmt_percent_ci(mean: f64, lo: f64, hi: f64) -> [String; 3] {
    let clamp = |x: f64| x.clamp(0.0, 1.0);
    let (mean, lo, hi) = (clamp(mean), clamp(lo), clamp(hi));
    let base = fmt_percent(Avail::from_a(mean));
    let base_dec = base.split_once('.').map_or(0, |(_, d)| d.len());
    let width = (hi - lo) * 100.0;
    let need = if width > 0.0 {
        ((-detmath::log10(width)).ceil() + 1.0).clamp(1.0, 10.0) as usize
    } else {
        1
    };
    let d = need.max(base_dec).min(12);
    let f = |x: f64| {
        let s = crate::fmtnum::fixed(x * 100.0, d as u8).to_string();
        // Never round a value below 100 % up to "100": truncate it instead.
        if x < 1.0 && s.starts_with("100") {
            let k = detmath::powi(10.0, d as u32);
            crate::fmtnum::fixed((x * 100.0 * k).floor() / k, d as u8).to_string()
        } else {
            s
        }
    };
    [f(mean), f(lo), f(hi)]
}

/// The number of nines with one decimal (`3.3`, `3`), or `∞` for a system that is never down.
pub fn fmt_nines(av: Avail) -> String {
    match av.nines() {
        None => "∞".into(),
        Some(n) => trim_zeros(&crate::fmtnum::fixed(n.max(0.0), 1).to_string()),
    }
}

/// A duration in seconds for people: `8h 45m 57s`, `5m 16s`, `3d 15h 39m`, `1.4 s`, `320 ms`.
pub fn fmt_duration(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "—".into();
    }
    if s == 0.0 {
        return "0 s".into();
    }
    if s < 1e-3 {
        return format!(
            "{} µs",
            trim_zeros(&crate::fmtnum::fixed(s * 1e6, 1).to_string())
        );
    }
    if s < 1.0 {
        return format!(
            "{} ms",
            trim_zeros(&crate::fmtnum::fixed(s * 1e3, 1).to_string())
        );
    }
    if s < 60.0 {
        return format!("{} s", trim_zeros(&crate::fmtnum::fixed(s, 1).to_string()));
    }
    let total = s.round() as u64;
    let (d, h, m, sec) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if d > 0 {
        // Minutes are the finest unit worth showing next to days.
        let mins = (s / 60.0).round() as u64;
        let (d, h, m) = (mins / 1440, mins / 60 % 24, mins % 60);
        format!("{d}d {h}h {m}m")
    } else if h > 0 {
        format!("{h}h {m}m {sec}s")
    } else {
        format!("{m}m {sec}s")
    }
}

// The tests compare against the platform's libm on purpose.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn textbook_downtime() {
        let three = parse_percent("99.9").unwrap();
        // 8.766 h with the Gregorian year (8.76 h with 365 days).
        let y = three.downtime_s(Period::Year) / 3600.0;
        assert!((y - 8.765_82).abs() < 1e-4, "{y}");
        assert_eq!(fmt_duration(three.downtime_s(Period::Year)), "8h 45m 57s");
        assert_eq!(fmt_duration(three.downtime_s(Period::Month30)), "43m 12s");
        assert_eq!(fmt_duration(three.downtime_s(Period::Day)), "1m 26s");
        let five = parse_percent("99.999 %").unwrap();
        let m = five.downtime_s(Period::Year) / 60.0;
        assert!((m - 5.26).abs() < 0.005, "{m}");
        assert_eq!(fmt_duration(five.downtime_s(Period::Week)), "6 s");
        assert_eq!(
            fmt_duration(parse_percent("99").unwrap().downtime_s(Period::Year)),
            "3d 15h 39m"
        );
    }

    #[test]
    fn nines_both_ways() {
        assert_eq!(fmt_nines(parse_percent("99.95").unwrap()), "3.3");
        assert_eq!(fmt_nines(parse_percent("99.9").unwrap()), "3");
        assert_eq!(fmt_nines(parse_percent("100").unwrap()), "∞");
        let a = parse_nines("3.5").unwrap();
        assert!((a.a - (1.0 - 10f64.powf(-3.5))).abs() < 1e-15);
        assert_eq!(fmt_percent(parse_nines("5").unwrap()), "99.999");
        assert_eq!(fmt_percent(Avail::from_a(0.998001)), "99.8");
        assert_eq!(fmt_percent(parse_percent("99.95").unwrap()), "99.95");
        assert_eq!(fmt_percent(Avail::from_u(1e-14)), "99.999999999999");
    }

    #[test]
    fn intervals_show_enough_digits() {
        assert_eq!(
            fmt_percent_ci(0.008, 0.0079, 0.0081),
            ["0.800", "0.790", "0.810"]
        );
        assert_eq!(
            fmt_percent_ci(0.9995, 0.9993, 1.0002),
            ["99.950", "99.930", "100.000"]
        );
        let [m, _, hi] = fmt_percent_ci(0.999_999_9, 0.999_999_8, 0.999_999_999_99);
        assert!(
            m.starts_with("99.99999") && hi.starts_with("99.9999"),
            "{m} {hi}"
        );
    }

    #[test]
    fn hostile_values_get_messages() {
        for bad in ["", "abc", "NaN", "inf", "0", "-5", "100.1", "1e400"] {
            let e = parse_percent(bad).unwrap_err();
            assert!(
                e.contains("percentage") || e.contains("availability"),
                "{bad}: {e}"
            );
        }
        for bad in ["0", "13", "-1", "x", "inf"] {
            assert!(parse_nines(bad).is_err(), "{bad}");
        }
        assert!(Avail::validate(1.5).is_err() && Avail::validate(f64::NAN).is_err());
        assert_eq!(fmt_duration(f64::NAN), "—");
        assert_eq!(fmt_num(f64::INFINITY), "infinity");
    }
}
