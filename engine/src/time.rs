//! Virtual time. The simulator owns the clock; nothing in the engine reads a wall clock.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in simulated time, in whole microseconds since the start of the run.
///
/// Integer time keeps every decision exact and identical on every machine (rule 4 of the
/// determinism contract). People see milliseconds: [`SimTime::as_ms_f64`] and `Display`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

/// Microseconds in one millisecond.
pub const US_PER_MS: u64 = 1_000;

impl SimTime {
    /// Time zero, the start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time (used as "never").
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// From whole milliseconds (saturating).
    pub const fn from_ms(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(US_PER_MS))
    }
    /// From microseconds.
    pub const fn from_us(us: u64) -> SimTime {
        SimTime(us)
    }
    /// Microseconds since the start.
    pub const fn as_us(self) -> u64 {
        self.0
    }
    /// Milliseconds as a float, for display and statistics only.
    pub fn as_ms_f64(self) -> f64 {
        self.0 as f64 / US_PER_MS as f64
    }
    /// `self + d`, saturating at [`SimTime::MAX`].
    pub fn plus(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    /// The duration since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

/// A span of simulated time in microseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Duration(pub u64);

impl Duration {
    /// From whole milliseconds (saturating).
    pub const fn from_ms(ms: u64) -> Duration {
        Duration(ms.saturating_mul(US_PER_MS))
    }
    /// From microseconds.
    pub const fn from_us(us: u64) -> Duration {
        Duration(us)
    }
    /// Microseconds.
    pub const fn as_us(self) -> u64 {
        self.0
    }
    /// Milliseconds as a float, for display and statistics only.
    pub fn as_ms_f64(self) -> f64 {
        self.0 as f64 / US_PER_MS as f64
    }
}

/// Formats microseconds as milliseconds with up to three decimals and no trailing zeros:
/// `2300000 → "2300"`, `2300450 → "2300.45"`. This is also the URL form of a time.
pub fn fmt_ms(us: u64) -> String {
    let whole = us / US_PER_MS;
    let frac = us % US_PER_MS;
    if frac == 0 {
        whole.to_string()
    } else {
        let s = format!("{whole}.{frac:03}");
        s.trim_end_matches('0').to_string()
    }
}

/// Parses a non-negative millisecond value with up to three decimals (`"2300"`, `"2300.45"`)
/// into microseconds. Returns `None` for anything else (signs, exponents, overflow, >3 decimals).
pub fn parse_ms(s: &str) -> Option<u64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() || whole.len() > 15 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 3
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let w: u64 = whole.parse().ok()?;
    let mut f: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..3 {
        f *= 10;
    }
    w.checked_mul(US_PER_MS)?.checked_add(f)
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", fmt_ms(self.0))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", fmt_ms(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_round_trip() {
        for us in [0, 1, 10, 999, 1000, 2_300_450, 123_456_789] {
            assert_eq!(parse_ms(&fmt_ms(us)), Some(us), "{us}");
        }
        assert_eq!(fmt_ms(2_300_000), "2300");
        assert_eq!(fmt_ms(2_300_450), "2300.45");
    }

    #[test]
    fn parse_ms_rejects_junk() {
        for bad in [
            "",
            "-1",
            "1e3",
            "1.",
            ".5",
            "1.2345",
            "abc",
            "1_000",
            "99999999999999999999",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }
}
