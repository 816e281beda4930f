//! The horizontal pod autoscaler as Kubernetes computes it (`pkg/controller/podautoscaler`):
//! the replica calculator's `ceil(pods × utilisation / target)` with its tolerance, the
//! stabilization of recommendations, the default scale-up rate limit, and min/max.

use crate::time::{Duration, SimTime};
use serde::Serialize;

/// The autoscaler's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HpaConfig {
    /// Fewest replicas.
    pub min: u32,
    /// Most replicas.
    pub max: u32,
    /// Target utilisation, permille.
    pub target_pm: u32,
    /// Tolerance, % (Kubernetes' `--horizontal-pod-autoscaler-tolerance`, 0.1).
    pub tol_pct: u32,
    /// Scale-down stabilization window (`behavior.scaleDown.stabilizationWindowSeconds`, 300).
    pub stab_down: Duration,
    /// Scale-up stabilization window (0 by default).
    pub stab_up: Duration,
}

/// What the replica calculator recommends before stabilization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Raw {
    /// No pod reported a metric: keep the current count.
    NoMetrics,
    /// |1 − utilisation / target| ≤ tolerance: keep the current count.
    WithinTolerance,
    /// `ceil(pods × utilisation / target)`.
    Scale(u32),
}

/// The replica calculator (`GetResourceReplicas`): `pods` reported `util_pm` permille on
/// average.
pub fn raw_recommendation(pods: u32, util_pm: u32, target_pm: u32, tol_pct: u32) -> Raw {
    if pods == 0 || target_pm == 0 {
        return Raw::NoMetrics;
    }
    let (u, t) = (util_pm as u64, target_pm as u64);
    if u.abs_diff(t) * 100 <= tol_pct as u64 * t {
        return Raw::WithinTolerance;
    }
    Raw::Scale((pods as u64 * u).div_ceil(t).min(u32::MAX as u64) as u32)
}

/// One decision of the autoscaler, with its reasoning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// When.
    pub at: SimTime,
    /// Replicas before.
    pub current: u32,
    /// Replicas after.
    pub desired: u32,
    /// Why, as the event log writes it.
    pub reason: String,
}

/// The autoscaler's memory: its recent recommendations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hpa {
    recs: Vec<(SimTime, u32)>,
}

fn pct(pm: u32) -> String {
    if pm.is_multiple_of(10) {
        format!("{} %", pm / 10)
    } else {
        format!("{}.{} %", pm / 10, pm % 10)
    }
}

impl Hpa {
    /// Heap bytes a copy holds (see [`crate::Node::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        crate::node::bytes::slice(&self.recs)
    }

    /// One sync at `now`: `current` replicas (the deployment's), `pods` of them reporting an
    /// average of `util_pm`. Returns the new desired count and the reason.
    pub fn decide(
        &mut self,
        cfg: &HpaConfig,
        now: SimTime,
        current: u32,
        pods: u32,
        util_pm: u32,
    ) -> Decision {
        let raw = raw_recommendation(pods, util_pm, cfg.target_pm, cfg.tol_pct);
        let (pre, mut reason) = match raw {
            Raw::NoMetrics => (current, format!("no pod reports a metric: keep {current}")),
            Raw::WithinTolerance => (
                current,
                format!(
                    "{} is within {} % of the {} target: keep {current}",
                    pct(util_pm),
                    cfg.tol_pct,
                    pct(cfg.target_pm)
                ),
            ),
            Raw::Scale(d) => (
                d,
                format!(
                    "desired {d} = ceil({pods} × {} / {})",
                    pct(util_pm),
                    pct(cfg.target_pm)
                ),
            ),
        };
        // stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up
        // window and the highest of the scale-down window bound the new one.
        let mut up = pre;
        let mut down = pre;
        for &(t, r) in &self.recs {
            if now.0 < t.0 + cfg.stab_up.0 {
                up = up.min(r);
            }
            if now.0 < t.0 + cfg.stab_down.0 {
                down = down.max(r);
            }
        }
        self.recs.push((now, pre));
        let keep = cfg.stab_up.max(cfg.stab_down).0;
        self.recs.retain(|&(t, _)| now.0 < t.0 + keep);
        let mut rec = current;
        if rec < up {
            rec = up;
        }
        if rec > down {
            rec = down;
        }
        if rec != pre && rec > pre {
            reason += &format!(
                "; held at {rec} by the {}s scale-down stabilization window",
                cfg.stab_down.0 / 1_000_000
            );
        } else if rec != pre {
            reason += &format!("; {rec} after the scale-up stabilization window");
        }
        // The default scale-up policies: 4 pods or 100 % per period, whichever is more.
        let limit = current.saturating_add(4).max(current.saturating_mul(2));
        if rec > limit {
            reason += &format!("; scale-up limited to {limit} (max of +4 pods, +100 %)");
            rec = limit;
        }
        if rec > cfg.max {
            reason += &format!("; capped at max {}", cfg.max);
            rec = cfg.max;
        }
        if rec < cfg.min {
            reason += &format!("; raised to min {}", cfg.min);
            rec = cfg.min;
        }
        Decision {
            at: now,
            current,
            desired: rec,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> HpaConfig {
        HpaConfig {
            min: 1,
            max: 10,
            target_pm: 600,
            tol_pct: 10,
            stab_down: Duration(300_000_000),
            stab_up: Duration(0),
        }
    }

    #[test]
    fn the_issue_example() {
        let mut h = Hpa::default();
        let d = h.decide(&cfg(), SimTime::ZERO, 4, 4, 870);
        assert_eq!(d.desired, 6);
        assert_eq!(d.reason, "desired 6 = ceil(4 × 87 % / 60 %)");
    }
}
