//! Parameters of the heartbeat lab, with their defaults and limits.

use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// Which failure detector drives the displayed status and failover.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Detector {
    /// Fixed timeouts.
    Fixed,
    /// Phi accrual.
    Phi,
}

impl Detector {
    /// Index into per-detector arrays.
    pub fn index(self) -> usize {
        match self {
            Detector::Fixed => 0,
            Detector::Phi => 1,
        }
    }
    /// The link/UI name (`fixed`, `phi`).
    pub fn as_str(self) -> &'static str {
        match self {
            Detector::Fixed => "fixed",
            Detector::Phi => "phi",
        }
    }
    /// Parses `fixed` or `phi`.
    pub fn parse(s: &str) -> Option<Detector> {
        match s {
            "fixed" => Some(Detector::Fixed),
            "phi" => Some(Detector::Phi),
            _ => None,
        }
    }
}

/// Heartbeat-lab parameters. Defaults in brackets; link keys in `code`.
///
/// The phi detector's settings follow Akka's `PhiAccrualFailureDetector`
/// (akka-remote `PhiAccrualFailureDetector.scala`, cluster `reference.conf`): Akka's defaults are
/// given for its 1 s heartbeat interval, and this lab scales the time-valued ones to `hb`
/// ([`HbParams::for_interval`]; a link that sets `hb` but not `pause`/`minsd` gets the scaled
/// values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HbParams {
    /// Heartbeat interval [100 ms] `hb`.
    pub interval: Duration,
    /// Send-time jitter, ± percent of the interval [10] `jit`.
    pub jitter_pct: u8,
    /// Fixed detector: suspect after this much silence [250 ms] `suspect`.
    pub suspect_after: Duration,
    /// Fixed detector: down after this much silence [500 ms] `down`.
    pub down_after: Duration,
    /// The detector that drives status and failover [fixed] `det`.
    pub detector: Detector,
    /// Phi detector: suspect threshold ×1000 [φ = 3] `phis`.
    pub phi_suspect_milli: u32,
    /// Phi detector: down threshold ×1000 [φ = 8, Cassandra's and Akka's default] `phid`.
    pub phi_down_milli: u32,
    /// Phi detector: inter-arrival samples kept [100] `win` (Akka's `max-sample-size` is 1000;
    /// see docs/design.md for why this lab keeps 100).
    pub window: usize,
    /// Phi detector: floor on σ [interval / 10 = 10 ms] `minsd` (Akka's
    /// `min-std-deviation`, 100 ms at 1 s).
    pub min_std: Duration,
    /// Phi detector: acceptable heartbeat pause, added to the mean [3 × interval = 300 ms]
    /// `pause` (Akka's `acceptable-heartbeat-pause`, 3 s at 1 s).
    pub acceptable_pause: Duration,
    /// Phi detector: also learn the interval that spans an outage [off] `outage`. Off is
    /// Akka's rule: a heartbeat interval enters the history only if φ was below the down
    /// threshold when the heartbeat arrived ("don't use the first heartbeat after failure for
    /// the history, since a long pause will skew the stats").
    pub learn_outages: bool,
    /// Promote a backup when the primary is declared down [on] `fo`.
    pub failover: bool,
}

/// Akka's `acceptable-heartbeat-pause` over `heartbeat-interval` (3 s / 1 s).
pub const PAUSE_PER_INTERVAL: u64 = 3;
/// Akka's `heartbeat-interval` over `min-std-deviation` (1 s / 100 ms).
pub const INTERVALS_PER_MIN_STD: u64 = 10;

impl HbParams {
    /// The defaults with the heartbeat interval `interval` and the phi settings Akka derives from
    /// the interval scaled to it: acceptable pause 3 × interval, minimum σ interval / 10.
    pub fn for_interval(interval: Duration) -> HbParams {
        HbParams {
            interval,
            acceptable_pause: Duration(interval.as_us() * PAUSE_PER_INTERVAL),
            min_std: Duration(interval.as_us() / INTERVALS_PER_MIN_STD),
            ..HbParams::default()
        }
    }
}

impl Default for HbParams {
    fn default() -> Self {
        HbParams {
            interval: Duration::from_ms(100),
            jitter_pct: 10,
            suspect_after: Duration::from_ms(250),
            down_after: Duration::from_ms(500),
            detector: Detector::Fixed,
            phi_suspect_milli: 3_000,
            phi_down_milli: 8_000,
            window: 100,
            min_std: Duration::from_ms(100 / INTERVALS_PER_MIN_STD),
            acceptable_pause: Duration::from_ms(100 * PAUSE_PER_INTERVAL),
            learn_outages: false,
            failover: true,
        }
    }
}
