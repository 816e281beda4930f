//! Alert rules in a small PromQL-like form, their evaluation (pending → firing → resolved, as
//! Prometheus does it), and the SRE workbook's multi-window burn-rate alerts.
//!
//! A rule is one or more conditions joined by `and`, with an optional `for`:
//!
//! ```text
//! error_rate > 0.05 for 1m
//! up == 0 for 30s
//! ready_pods < 2 for 30s
//! burn_rate[1h] > 14.4 and burn_rate[5m] > 14.4
//! ```
//!
//! A condition is `METRIC[WINDOW] OP NUMBER`. Metrics: `error_rate` (failed ÷ all requests over
//! the window, default 1m), `burn_rate` (error rate ÷ the SLO's error budget), `rps` (requests
//! per second over the window), `latency_p99` (ms, answered requests over the window), `up`
//! (1 while at least one pod serves), `ready_pods`, `replicas` (desired), `cpu` (the last
//! scraped utilisation, 0–1). Operators: `>`, `<`, `>=`, `<=`, `==`, `!=`. Durations: `500ms`,
//! `30s`, `1m`, `1h`. Numbers keep six decimals (compared exactly, as millionths).

use crate::clip;
use crate::time::{fmt_ms, Duration, SimTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Most rules in a link.
pub const MAX_RULES: usize = 8;
/// The longest window or `for`.
pub const MAX_WINDOW: Duration = Duration(3_600_000_000);
/// A windowed metric's window when the rule names none.
pub const DEFAULT_WINDOW: Duration = Duration(60_000_000);

crate::text_enum! {
    /// A metric an alert rule reads.
    pub enum Metric {
        /// Failed ÷ all requests over the window.
        #[default]
        ErrorRate = "error_rate" / "error rate",
        /// Error rate ÷ (1 − SLO).
        BurnRate = "burn_rate" / "burn rate",
        /// Requests per second over the window.
        Rps = "rps" / "requests per second",
        /// 99th percentile latency of answered requests over the window, ms.
        LatencyP99 = "latency_p99" / "latency p99 (ms)",
        /// 1 while at least one pod serves, else 0.
        Up = "up" / "up",
        /// Pods in the service now.
        ReadyPods = "ready_pods" / "ready pods",
        /// Desired replicas now.
        Replicas = "replicas" / "desired replicas",
        /// Last scraped CPU utilisation (0–1).
        Cpu = "cpu" / "CPU utilisation",
    }
}

impl Metric {
    /// Whether it is read over a window.
    pub fn windowed(self) -> bool {
        matches!(
            self,
            Metric::ErrorRate | Metric::BurnRate | Metric::Rps | Metric::LatencyP99
        )
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    const TEXT: [(&'static str, Op); 6] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];
    fn as_str(self) -> &'static str {
        Op::TEXT
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |x| x.0)
    }
    /// `a OP b`.
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Op::Gt => a > b,
            Op::Lt => a < b,
            Op::Ge => a >= b,
            Op::Le => a <= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

/// One comparison of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cond {
    /// What is read.
    pub metric: Metric,
    /// Over which window (windowed metrics; `None`: [`DEFAULT_WINDOW`]).
    pub window: Option<Duration>,
    /// The comparison.
    pub op: Op,
    /// The threshold, millionths.
    pub value: i64,
}

impl Cond {
    /// The window it reads (windowed metrics).
    pub fn window(&self) -> Duration {
        self.window.unwrap_or(DEFAULT_WINDOW)
    }
}

/// An alert rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Conditions, all of which must hold.
    pub conds: Vec<Cond>,
    /// How long they must hold before the alert fires.
    pub for_: Duration,
}

/// A duration as a rule writes it (`90s`, `1m`, `1m30s` is not taken: one unit).
pub fn fmt_dur(d: Duration) -> String {
    let us = d.0;
    if us == 0 {
        return "0s".into();
    }
    for (unit, per) in [("h", 3_600_000_000u64), ("m", 60_000_000), ("s", 1_000_000)] {
        if us.is_multiple_of(per) {
            return format!("{}{unit}", us / per);
        }
    }
    format!("{}ms", fmt_ms(us))
}

/// Why an alert rule (or one of its numbers or durations) was refused; texts quoted [`clip`]ped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// `for 30`
    #[error("'{0}' needs a unit (ms, s, m or h), e.g. 30s")]
    NoUnit(String),
    /// `for xs`
    #[error("'{0}' is not a duration")]
    NotADuration(String),
    /// `for -1s`
    #[error("'{0}' is negative")]
    Negative(String),
    /// `for 2h`
    #[error("'{0}' is longer than 1h")]
    LongerThan1h(String),
    /// `> x`
    #[error("'{0}' is not a number")]
    NotANumber(String),
    /// `> 2000000000`
    #[error("'{0}' is too large")]
    TooLarge(String),
    /// `error_rate 0.05`
    #[error("'{0}' has no comparison (>, <, >=, <=, ==, !=)")]
    NoComparison(String),
    /// `error_rate[1m > 0`
    #[error("'{0}': the window needs a closing ]")]
    WindowNotClosed(String),
    /// `error_rate[0s] > 0`
    #[error("'{0}': the window must be longer than 0")]
    EmptyWindow(String),
    /// `errors > 1`
    #[error("'{0}' is not a metric ({names})", names = Metric::NAMES.join(", "))]
    NotAMetric(String),
    /// `up[1m] == 0`
    #[error("{} is read now, not over a window", .0.as_str())]
    NotWindowed(Metric),
    /// ``
    #[error("an empty rule")]
    Empty,
    /// Five conditions.
    #[error("at most 4 conditions joined by and")]
    TooManyConditions,
    /// More than [`MAX_RULES`] rules.
    #[error("more than {MAX_RULES} rules")]
    TooManyRules,
    /// One rule of a list: the rule's text, why.
    #[error("rule '{text}': {error}")]
    InRule {
        /// The rule's text (clipped).
        text: String,
        /// Why it was refused.
        error: Box<RuleError>,
    },
}

/// Reads `500ms`, `30s`, `1m`, `1h` (a number, decimals allowed, and one unit).
pub fn parse_dur(s: &str) -> Result<Duration, RuleError> {
    let s = s.trim();
    let (num, per) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1_000u64)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1_000_000)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000_000)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3_600_000_000)
    } else {
        return Err(RuleError::NoUnit(clip(s)));
    };
    let micro = parse_micro(num).map_err(|_| RuleError::NotADuration(clip(s)))?;
    if micro < 0 {
        return Err(RuleError::Negative(clip(s)));
    }
    let us = (micro as u128 * per as u128 / 1_000_000) as u64;
    if us > MAX_WINDOW.0 {
        return Err(RuleError::LongerThan1h(clip(s)));
    }
    Ok(Duration(us))
}

/// Reads a decimal number as millionths (at most 6 decimals, |x| ≤ 10⁹).
pub fn parse_micro(s: &str) -> Result<i64, RuleError> {
    let bad = || RuleError::NotANumber(clip(s));
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty()
        || int.len() > 10
        || frac.len() > 6
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let i: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    if i > 1_000_000_000 {
        return Err(RuleError::TooLarge(clip(s)));
    }
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    for _ in frac.len()..6 {
        f *= 10;
    }
    let v = i * 1_000_000 + f;
    Ok(if neg { -v } else { v })
}

/// Writes millionths as a short decimal (`50000` → `0.05`).
pub fn fmt_micro(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (i, f) = (a / 1_000_000, a % 1_000_000);
    if f == 0 {
        format!("{sign}{i}")
    } else {
        let s = format!("{f:06}");
        format!("{sign}{i}.{}", s.trim_end_matches('0'))
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.metric.as_str())?;
        if let Some(w) = self.window {
            write!(f, "[{}]", fmt_dur(w))?;
        }
        write!(f, " {} {}", self.op.as_str(), fmt_micro(self.value))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.conds.iter().enumerate() {
            if i > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "{c}")?;
        }
        if self.for_.0 > 0 {
            write!(f, " for {}", fmt_dur(self.for_))?;
        }
        Ok(())
    }
}

fn parse_cond(s: &str) -> Result<Cond, RuleError> {
    let s = s.trim();
    let (at, op_text, op) = Op::TEXT
        .iter()
        .filter_map(|(t, o)| s.find(t).map(|i| (i, *t, *o)))
        .min_by_key(|(i, t, _)| (*i, std::cmp::Reverse(t.len())))
        .ok_or_else(|| RuleError::NoComparison(clip(s)))?;
    let lhs = s[..at].trim();
    let rhs = s[at + op_text.len()..].trim();
    let (name, window) = match lhs.split_once('[') {
        Some((n, w)) => {
            let w = w
                .strip_suffix(']')
                .ok_or_else(|| RuleError::WindowNotClosed(clip(lhs)))?;
            let d = parse_dur(w)?;
            if d.0 == 0 {
                return Err(RuleError::EmptyWindow(clip(lhs)));
            }
            (n.trim(), Some(d))
        }
        None => (lhs, None),
    };
    let metric = Metric::parse(name).ok_or_else(|| RuleError::NotAMetric(clip(name)))?;
    if window.is_some() && !metric.windowed() {
        return Err(RuleError::NotWindowed(metric));
    }
    let value = parse_micro(rhs)?;
    Ok(Cond {
        metric,
        window,
        op,
        value,
    })
}

impl std::str::FromStr for Rule {
    type Err = RuleError;
    /// Parses one rule; the error says what is wrong and quotes at most 40 characters.
    fn from_str(s: &str) -> Result<Rule, RuleError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(RuleError::Empty);
        }
        let (body, for_) = match s.rsplit_once(" for ") {
            Some((b, d)) => (b, parse_dur(d)?),
            None => (s, Duration(0)),
        };
        let conds = body
            .split(" and ")
            .map(parse_cond)
            .collect::<Result<Vec<_>, _>>()?;
        if conds.len() > 4 {
            return Err(RuleError::TooManyConditions);
        }
        Ok(Rule { conds, for_ })
    }
}

/// Reads `;`-separated rules.
pub fn parse_rules(v: &str) -> Result<Vec<Rule>, RuleError> {
    let parts: Vec<&str> = v.split(';').filter(|p| !p.trim().is_empty()).collect();
    if parts.len() > MAX_RULES {
        return Err(RuleError::TooManyRules);
    }
    parts
        .iter()
        .map(|p| {
            p.parse::<Rule>().map_err(|e| RuleError::InRule {
                text: clip(p.trim()),
                error: Box::new(e),
            })
        })
        .collect()
}

/// Writes rules.
pub fn fmt_rules(r: &[Rule]) -> String {
    r.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The rules of a link that gives none.
pub fn default_rules() -> Vec<Rule> {
    parse_rules("error_rate > 0.05 for 1m; up == 0 for 30s; ready_pods < 2 for 30s")
        // Not `expect`: that would link the rule error's `Debug` into every page.
        .unwrap_or_else(|_| unreachable!("the default rules parse"))
}

/// The SRE workbook's SLO period: burn-rate windows are given for 30 days.
pub const WORKBOOK_PERIOD: Duration = Duration(30 * 24 * 3_600_000_000);

/// One window scaled from the workbook's 30 days to `period`, rounded up to `tick`.
pub fn scale_window(w: Duration, period: Duration, tick: Duration) -> Duration {
    let us = (w.0 as u128 * period.0 as u128).div_ceil(WORKBOOK_PERIOD.0 as u128) as u64;
    let t = tick.0.max(1);
    Duration(us.div_ceil(t).max(1) * t)
}

/// The multi-window burn-rate alerts of the SRE workbook (chapter 5, "Multiwindow, multi-burn-
/// rate alerts"): page at 14.4× over 1h and 5m, ticket at 6× over 6h and 30m, with every window
/// scaled by `period` / 30 d (a run standing for a 30-day SLO period).
pub fn burn_rules(period: Duration, tick: Duration) -> Vec<(&'static str, Rule)> {
    let h = 3_600_000_000u64;
    let m = 60_000_000u64;
    [
        ("SLO burn, page (1h/5m at 14.4×)", h, 5 * m, 14_400_000i64),
        ("SLO burn, ticket (6h/30m at 6×)", 6 * h, 30 * m, 6_000_000),
    ]
    .into_iter()
    .map(|(name, long, short, thr)| {
        let cond = |w: u64| Cond {
            metric: Metric::BurnRate,
            window: Some(scale_window(Duration(w), period, tick)),
            op: Op::Gt,
            value: thr,
        };
        (
            name,
            Rule {
                conds: vec![cond(long), cond(short)],
                for_: Duration(0),
            },
        )
    })
    .collect()
}

/// Where an alert is (Prometheus: inactive, pending, firing; a fired alert that stops holding
/// is resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AlertState {
    /// The condition does not hold.
    Inactive,
    /// It holds, for less than `for`.
    Pending,
    /// It has held for `for`.
    Firing,
}

/// One episode of an alert: from pending to resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Episode {
    /// When the conditions first held.
    pub pending_at: SimTime,
    /// When it fired.
    pub fired_at: Option<SimTime>,
    /// When it stopped holding.
    pub ended_at: Option<SimTime>,
    /// When the incident it reports began: the latest fault or the start of the current
    /// stretch of failures, whichever is later (or its own start).
    pub onset: SimTime,
    /// The SLO's error budget already spent when it fired, parts per million.
    pub budget_spent_ppm: Option<u64>,
}

impl Episode {
    /// `pending`, `firing` or `resolved` (an episode that ended without firing is `cleared`).
    pub fn state(&self) -> &'static str {
        match (self.fired_at, self.ended_at) {
            (None, None) => "pending",
            (Some(_), None) => "firing",
            (Some(_), Some(_)) => "resolved",
            (None, Some(_)) => "cleared",
        }
    }
    /// Fired minus onset.
    pub fn detection_delay(&self) -> Option<Duration> {
        self.fired_at.map(|f| f.since(self.onset))
    }
}

/// One rule being evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Its name (the rule's text, or the burn-rate alert's name).
    pub name: String,
    /// The rule.
    pub rule: Rule,
    /// Where it is.
    pub state: AlertState,
    /// Its episodes, oldest first (those that ended without firing are dropped).
    pub episodes: Vec<Episode>,
}

impl Alert {
    /// A rule, inactive.
    pub fn new(name: String, rule: Rule) -> Alert {
        Alert {
            name,
            rule,
            state: AlertState::Inactive,
            episodes: Vec::new(),
        }
    }

    /// One evaluation at `now`: `holds` is whether every condition holds, `onset` the latest
    /// fault time, `spent` the budget spent. Returns a line for the event log on a change.
    pub fn evaluate(
        &mut self,
        now: SimTime,
        holds: bool,
        onset: SimTime,
        spent: u64,
    ) -> Option<String> {
        match (self.state, holds) {
            (AlertState::Inactive, true) => {
                self.episodes.push(Episode {
                    pending_at: now,
                    fired_at: None,
                    ended_at: None,
                    onset: onset.min(now),
                    budget_spent_ppm: None,
                });
                if self.rule.for_.0 == 0 {
                    self.fire(now, spent);
                    Some(format!("alert '{}' firing", self.name))
                } else {
                    self.state = AlertState::Pending;
                    Some(format!(
                        "alert '{}' pending (must hold for {})",
                        self.name,
                        fmt_dur(self.rule.for_)
                    ))
                }
            }
            (AlertState::Pending, true) => {
                let since = self.episodes.last().map_or(now, |e| e.pending_at);
                if now.since(since) >= self.rule.for_ {
                    self.fire(now, spent);
                    Some(format!(
                        "alert '{}' firing (held for {})",
                        self.name,
                        fmt_dur(now.since(since))
                    ))
                } else {
                    None
                }
            }
            (AlertState::Pending, false) => {
                self.state = AlertState::Inactive;
                self.episodes.pop();
                Some(format!(
                    "alert '{}' back to inactive before firing",
                    self.name
                ))
            }
            (AlertState::Firing, false) => {
                self.state = AlertState::Inactive;
                if let Some(e) = self.episodes.last_mut() {
                    e.ended_at = Some(now);
                }
                Some(format!("alert '{}' resolved", self.name))
            }
            (AlertState::Firing, true) | (AlertState::Inactive, false) => None,
        }
    }

    fn fire(&mut self, now: SimTime, spent: u64) {
        self.state = AlertState::Firing;
        if let Some(e) = self.episodes.last_mut() {
            e.fired_at = Some(now);
            e.budget_spent_ppm = Some(spent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print_back() {
        for text in [
            "error_rate > 0.05 for 1m",
            "up == 0 for 30s",
            "ready_pods < 2 for 30s",
            "burn_rate[1h] > 14.4 and burn_rate[5m] > 14.4",
            "latency_p99[30s] >= 250 for 500ms",
            "cpu != 0.6",
        ] {
            let r: Rule = text.parse().unwrap();
            assert_eq!(r.to_string(), text);
        }
        let r: Rule = "error_rate>0.05 for 1m".parse().unwrap();
        assert_eq!(r.conds[0].value, 50_000);
        assert_eq!(r.for_, Duration(60_000_000));
    }

    #[test]
    fn bad_rules_say_why() {
        let e = |s: &str| s.parse::<Rule>().unwrap_err();
        assert_eq!(e("errors > 1"), RuleError::NotAMetric("errors".into()));
        assert!(e("errors > 1")
            .to_string()
            .starts_with("'errors' is not a metric (error_rate, burn_rate, "));
        assert_eq!(
            e("error_rate 0.05"),
            RuleError::NoComparison("error_rate 0.05".into())
        );
        assert_eq!(e("error_rate > x"), RuleError::NotANumber("x".into()));
        assert_eq!(e("up == 0 for 30"), RuleError::NoUnit("30".into()));
        assert_eq!(e("up[1m] == 0"), RuleError::NotWindowed(Metric::Up));
        assert_eq!(
            e("error_rate[1m > 0"),
            RuleError::WindowNotClosed("error_rate[1m".into())
        );
        assert_eq!(e("up == 0 for 2h"), RuleError::LongerThan1h("2h".into()));
        assert_eq!(e(" "), RuleError::Empty);
        assert_eq!(
            parse_rules("up == 0; x").unwrap_err(),
            RuleError::InRule {
                text: "x".into(),
                error: Box::new(RuleError::NoComparison("x".into()))
            }
        );
        assert_eq!(
            parse_rules("up == 0; x").unwrap_err().to_string(),
            "rule 'x': 'x' has no comparison (>, <, >=, <=, ==, !=)"
        );
    }

    #[test]
    fn burn_windows_scale_to_the_period() {
        // A 10-minute run standing for 30 days: 1h → 0.83 s → 0.9 s at 100 ms ticks.
        let r = burn_rules(Duration(600_000_000), Duration(100_000));
        assert_eq!(r[0].1.conds[0].window, Some(Duration(900_000)));
        assert_eq!(r[0].1.conds[1].window, Some(Duration(100_000)));
        assert_eq!(r[1].1.conds[0].window, Some(Duration(5_000_000)));
        // Over the workbook's own 30 days the windows are the workbook's.
        let r = burn_rules(WORKBOOK_PERIOD, Duration(100_000));
        assert_eq!(r[0].1.conds[0].window, Some(Duration(3_600_000_000)));
    }

    #[test]
    fn pending_firing_resolved() {
        let mut a = Alert::new("x".into(), "up == 0 for 30s".parse().unwrap());
        let t = |s: u64| SimTime::from_ms(s * 1000);
        assert!(a
            .evaluate(t(10), true, t(5), 0)
            .unwrap()
            .contains("pending"));
        assert_eq!(a.evaluate(t(20), true, t(5), 0), None);
        assert!(a.evaluate(t(40), true, t(5), 7).unwrap().contains("firing"));
        assert_eq!(a.episodes[0].detection_delay(), Some(Duration(35_000_000)));
        assert!(a
            .evaluate(t(50), false, t(5), 0)
            .unwrap()
            .contains("resolved"));
        assert_eq!(a.episodes[0].state(), "resolved");
        // Pending that clears before `for` leaves no episode.
        a.evaluate(t(60), true, t(60), 0);
        a.evaluate(t(61), false, t(60), 0);
        assert_eq!(a.episodes.len(), 1);
    }
}
