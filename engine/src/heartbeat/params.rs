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
    /// Phi detector: inter-arrival samples kept [100] `win`.
    pub window: usize,
    /// Phi detector: floor on σ [10 ms] (Akka's min-std-deviation, scaled to the interval).
    pub min_std: Duration,
    /// Promote a backup when the primary is declared down [on] `fo`.
    pub failover: bool,
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
            min_std: Duration::from_ms(10),
            failover: true,
        }
    }
}
