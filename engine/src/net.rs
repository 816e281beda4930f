//! The network model: latency distributions, loss and duplication in parts per million, and a
//! per-direction link state (up, cut, held) between every pair of nodes.

use crate::clip;
use crate::rng::Rng;
use crate::time::{fmt_ms, parse_ms, Duration};
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long a message takes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Latency {
    /// Always the same delay. Text form: `12`.
    Constant(Duration),
    /// Uniform in `[lo, hi]`. Text form: `10-15` (RaftScope's 10–15 ms).
    Uniform(Duration, Duration),
    /// `lo` plus an exponential tail so that the mean is `mean` (capped at 50× the tail's mean).
    /// Text form: `exp:10-15` (minimum 10 ms, mean 15 ms).
    Exponential(Duration, Duration),
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Uniform(Duration::from_ms(10), Duration::from_ms(15))
    }
}

/// The largest latency a link may name (one minute), so a hostile link cannot stall a run.
pub const MAX_LATENCY_MS: u64 = 60_000;

impl Latency {
    /// Draws one delay.
    pub fn sample(&self, rng: &mut Rng) -> Duration {
        match *self {
            Latency::Constant(d) => d,
            Latency::Uniform(lo, hi) => Duration(rng.range_inclusive(lo.0, hi.0)),
            Latency::Exponential(lo, mean) => {
                Duration(lo.0 + rng.exp_u64(mean.0.saturating_sub(lo.0)))
            }
        }
    }

    /// The smallest delay this distribution can produce.
    pub fn min(&self) -> Duration {
        match *self {
            Latency::Constant(d) | Latency::Uniform(d, _) | Latency::Exponential(d, _) => d,
        }
    }

    /// Parses the text form (`12`, `10-15`, `exp:10-15`; decimals in ms allowed).
    pub fn parse(s: &str) -> Result<Latency, LatencyError> {
        let (exp, body) = match s.strip_prefix("exp:") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let ms = |t: &str| -> Result<Duration, LatencyError> {
            let us = parse_ms(t.trim()).ok_or_else(|| LatencyError::NotMs(clip(t)))?;
            if us > MAX_LATENCY_MS * 1000 {
                return Err(LatencyError::AboveLimit(clip(t)));
            }
            Ok(Duration(us))
        };
        match body.split_once('-') {
            Some((a, b)) => {
                let (lo, hi) = (ms(a)?, ms(b)?);
                if hi < lo {
                    return Err(LatencyError::Reversed(clip(body)));
                }
                Ok(if exp {
                    Latency::Exponential(lo, hi)
                } else {
                    Latency::Uniform(lo, hi)
                })
            }
            None if exp => Err(LatencyError::ExpNeedsRange),
            None => Ok(Latency::Constant(ms(body)?)),
        }
    }
}

/// Why a latency (`lat=`, `lat:` in a timeline) was refused (values quoted [`clip`]ped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LatencyError {
    /// `lat=soon`
    #[error("'{0}' is not a time in ms")]
    NotMs(String),
    /// `lat=60001`
    #[error("{0} ms is above the {MAX_LATENCY_MS} ms limit")]
    AboveLimit(String),
    /// `lat=15-10`
    #[error("latency range {0} is reversed")]
    Reversed(String),
    /// `lat=exp:10`
    #[error("exp: needs min-mean, e.g. exp:10-15")]
    ExpNeedsRange,
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Latency::Constant(d) => write!(f, "{}", fmt_ms(d.0)),
            Latency::Uniform(lo, hi) => write!(f, "{}-{}", fmt_ms(lo.0), fmt_ms(hi.0)),
            Latency::Exponential(lo, m) => write!(f, "exp:{}-{}", fmt_ms(lo.0), fmt_ms(m.0)),
        }
    }
}

/// Formats parts per million as a percentage without trailing zeros (`25000 → "2.5"`).
pub fn fmt_pct(ppm: u32) -> String {
    let whole = ppm / 10_000;
    let frac = ppm % 10_000;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:04}")
            .trim_end_matches('0')
            .to_string()
    }
}

/// Why a percentage was refused (the value quoted, [`clip`]ped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PctError {
    /// `loss:x`, `loss:1.23456`
    #[error("'{0}' is not a percentage")]
    NotAPercentage(String),
    /// `loss:101`
    #[error("{0}% is above 100%")]
    Above100(String),
}

/// Readers of parts of a value that report in text keep working with `?`.
impl From<PctError> for String {
    fn from(e: PctError) -> String {
        e.to_string()
    }
}

/// Parses a percentage with up to four decimals (`"2.5"`) into parts per million (0..=100 %).
pub fn parse_pct(s: &str) -> Result<u32, PctError> {
    let s = s.trim().trim_end_matches('%');
    let (w, f) = s.split_once('.').unwrap_or((s, ""));
    let ok = !w.is_empty()
        && w.len() <= 3
        && w.bytes().all(|b| b.is_ascii_digit())
        && f.len() <= 4
        && f.bytes().all(|b| b.is_ascii_digit());
    let bad = || PctError::NotAPercentage(clip(s));
    if !ok {
        return Err(bad());
    }
    // At most 3 and 4 digits: the parses cannot fail.
    let mut frac: u32 = if f.is_empty() {
        0
    } else {
        f.parse().map_err(|_| bad())?
    };
    for _ in f.len()..4 {
        frac *= 10;
    }
    let ppm = w.parse::<u32>().map_err(|_| bad())? * 10_000 + frac;
    if ppm > 1_000_000 {
        return Err(PctError::Above100(clip(s)));
    }
    Ok(ppm)
}

/// The network's settings (all part of a scenario and its link).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Delay distribution (default uniform 10–15 ms, RaftScope's RPC latency).
    pub latency: Latency,
    /// Probability a message is lost, parts per million (default 0).
    pub loss_ppm: u32,
    /// Probability a message is delivered twice, parts per million (default 0).
    pub dup_ppm: u32,
}

/// The state of one direction of one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// Messages flow.
    Up,
    /// Messages are dropped.
    Cut,
    /// Messages wait at the link until it is released (a very slow link, a paused switch).
    Held,
}

/// Link states for every ordered pair of nodes, indexed `from * n + to`. The table is shared
/// between copies (a history's snapshots) until one of them changes a link: with 200 nodes it is
/// 40 000 entries, and copying it into every snapshot was most of a large run's memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    n: usize,
    state: std::sync::Arc<Vec<LinkState>>,
}

impl Links {
    /// All links up between `n` nodes.
    pub fn new(n: usize) -> Links {
        Links {
            n,
            state: std::sync::Arc::new(vec![LinkState::Up; n * n]),
        }
    }
    /// The state of the link `from → to`.
    pub fn get(&self, from: NodeId, to: NodeId) -> LinkState {
        if from == to || from >= self.n || to >= self.n {
            return LinkState::Up;
        }
        self.state[from * self.n + to]
    }
    /// Sets the link `from → to`.
    pub fn set(&mut self, from: NodeId, to: NodeId, s: LinkState) {
        if from != to && from < self.n && to < self.n && self.state[from * self.n + to] != s {
            std::sync::Arc::make_mut(&mut self.state)[from * self.n + to] = s;
        }
    }
    /// Applies the link part of a fault (isolate, partition, cut, hold, release, restore, heal;
    /// others change nothing). Returns true if a held link may have opened, so the caller
    /// should release the messages waiting there.
    pub fn apply(&mut self, fault: &crate::fault::Fault) -> bool {
        use crate::fault::Fault;
        let n = self.n;
        match fault {
            Fault::Isolate(i) => {
                for j in 0..n {
                    self.set(*i, j, LinkState::Cut);
                    self.set(j, *i, LinkState::Cut);
                }
                false
            }
            Fault::Partition(groups) => {
                let extra = groups.len();
                let group_of =
                    |x: NodeId| groups.iter().position(|g| g.contains(&x)).unwrap_or(extra);
                for a in 0..n {
                    for b in 0..n {
                        let up = group_of(a) == group_of(b);
                        self.set(a, b, if up { LinkState::Up } else { LinkState::Cut });
                    }
                }
                true
            }
            Fault::Cut(a, b) => {
                self.set(*a, *b, LinkState::Cut);
                false
            }
            Fault::Hold(a, b) => {
                self.set(*a, *b, LinkState::Held);
                false
            }
            Fault::Release(a, b) => {
                if self.get(*a, *b) == LinkState::Held {
                    self.set(*a, *b, LinkState::Up);
                }
                true
            }
            Fault::Restore(a, b) => {
                self.set(*a, *b, LinkState::Up);
                true
            }
            Fault::Heal => {
                self.heal();
                true
            }
            _ => false,
        }
    }

    /// Every link up again.
    pub fn heal(&mut self) {
        if self.state.iter().any(|s| *s != LinkState::Up) {
            std::sync::Arc::make_mut(&mut self.state)
                .iter_mut()
                .for_each(|s| *s = LinkState::Up);
        }
    }
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.n
    }
    /// True when there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// Every link that is not up, as `(from, to, state)` in index order.
    pub fn faulty(&self) -> Vec<(NodeId, NodeId, LinkState)> {
        let mut out = Vec::new();
        for from in 0..self.n {
            for to in 0..self.n {
                let s = self.get(from, to);
                if s != LinkState::Up {
                    out.push((from, to, s));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_text_round_trip() {
        for s in ["12", "10-15", "exp:10-15", "0.5-1.25"] {
            assert_eq!(Latency::parse(s).unwrap().to_string(), s);
        }
        let e = |s: &str| Latency::parse(s).unwrap_err();
        assert_eq!(e("15-10"), LatencyError::Reversed("15-10".into()));
        assert_eq!(e("exp:10"), LatencyError::ExpNeedsRange);
        assert_eq!(e("999999999"), LatencyError::AboveLimit("999999999".into()));
        assert_eq!(e("-3"), LatencyError::NotMs("".into()));
        assert_eq!(e("x"), LatencyError::NotMs("x".into()));
        assert_eq!(e("15-10").to_string(), "latency range 15-10 is reversed");
    }

    #[test]
    fn pct_round_trip() {
        assert_eq!(parse_pct("2.5"), Ok(25_000));
        assert_eq!(fmt_pct(25_000), "2.5");
        assert_eq!(parse_pct("100"), Ok(1_000_000));
        assert!(parse_pct("101").is_err());
        assert!(parse_pct("-1").is_err());
        assert!(parse_pct("0.00001").is_err());
    }

    #[test]
    fn uniform_samples_stay_in_range() {
        let mut r = Rng::new(1);
        let l = Latency::parse("10-15").unwrap();
        for _ in 0..1000 {
            let d = l.sample(&mut r);
            assert!(d >= Duration::from_ms(10) && d <= Duration::from_ms(15));
        }
    }
}
