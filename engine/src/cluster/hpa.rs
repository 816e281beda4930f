//! The horizontal pod autoscaler as Kubernetes computes it (`pkg/controller/podautoscaler`):
//! the replica calculator's `ceil(pods × utilisation / target)` with its tolerance, the
//! stabilization of recommendations, the default scale-up rate limit, and min/max.

use crate::time::{Duration, SimTime};
use serde::Serialize;
use std::fmt;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// When.
    pub at: SimTime,
    /// Replicas before.
    pub current: u32,
    /// Replicas after.
    pub desired: u32,
    /// Why (its `Display` is the event log's text).
    pub reason: Reason,
}

/// What the replica calculator based its recommendation on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Basis {
    /// No pod reported a metric: keep the current count.
    NoMetrics,
    /// The utilisation is within the tolerance of the target: keep the current count.
    WithinTolerance {
        /// Average utilisation, permille.
        util_pm: u32,
        /// Tolerance, %.
        tol_pct: u32,
        /// Target, permille.
        target_pm: u32,
    },
    /// `desired = ceil(pods × utilisation / target)`.
    Scale {
        /// The recommendation.
        desired: u32,
        /// Pods reporting.
        pods: u32,
        /// Average utilisation, permille.
        util_pm: u32,
        /// Target, permille.
        target_pm: u32,
    },
}

/// How a stabilization window moved the recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Stabilized {
    /// Held up at `rec` by a higher recommendation within the scale-down window.
    HeldByScaleDown {
        /// The count held.
        rec: u32,
        /// The window, whole seconds.
        window_s: u64,
    },
    /// Brought down to `rec` by a lower recommendation within the scale-up window.
    ScaleUpWindow {
        /// The count kept.
        rec: u32,
    },
}

/// Why the autoscaler chose its count: the calculator's basis, then each step that changed
/// it (stabilization, the scale-up rate limit, max, min). Formatted on demand: its `Display`
/// is the reason the event log shows (`desired 6 = ceil(4 × 87 % / 60 %); capped at max 5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Replicas before.
    pub current: u32,
    /// The calculator's recommendation and why.
    pub basis: Basis,
    /// What a stabilization window did to it.
    pub stabilized: Option<Stabilized>,
    /// Cut to this by the default scale-up policies (+4 pods or +100 % per period).
    pub rate_limited: Option<u32>,
    /// Cut to `max`.
    pub capped_at_max: Option<u32>,
    /// Raised to `min`.
    pub raised_to_min: Option<u32>,
}

impl Reason {
    /// Whether the scale-down stabilization window held the count up.
    pub fn held(&self) -> bool {
        matches!(self.stabilized, Some(Stabilized::HeldByScaleDown { .. }))
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current;
        match self.basis {
            Basis::NoMetrics => write!(f, "no pod reports a metric: keep {current}")?,
            Basis::WithinTolerance {
                util_pm,
                tol_pct,
                target_pm,
            } => write!(
                f,
                "{} is within {tol_pct} % of the {} target: keep {current}",
                Pct(util_pm),
                Pct(target_pm)
            )?,
            Basis::Scale {
                desired,
                pods,
                util_pm,
                target_pm,
            } => write!(
                f,
                "desired {desired} = ceil({pods} × {} / {})",
                Pct(util_pm),
                Pct(target_pm)
            )?,
        }
        match self.stabilized {
            Some(Stabilized::HeldByScaleDown { rec, window_s }) => write!(
                f,
                "; held at {rec} by the {window_s}s scale-down stabilization window"
            )?,
            Some(Stabilized::ScaleUpWindow { rec }) => {
                write!(f, "; {rec} after the scale-up stabilization window")?
            }
            None => {}
        }
        if let Some(limit) = self.rate_limited {
            write!(f, "; scale-up limited to {limit} (max of +4 pods, +100 %)")?;
        }
        if let Some(max) = self.capped_at_max {
            write!(f, "; capped at max {max}")?;
        }
        if let Some(min) = self.raised_to_min {
            write!(f, "; raised to min {min}")?;
        }
        Ok(())
    }
}

/// The autoscaler's memory: its recent recommendations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hpa {
    recs: Vec<(SimTime, u32)>,
}

/// A permille value as a percentage with one decimal at most (`875 → 87.5 %`).
struct Pct(u32);

impl fmt::Display for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pm = self.0;
        if pm.is_multiple_of(10) {
            write!(f, "{} %", pm / 10)
        } else {
            write!(f, "{}.{} %", pm / 10, pm % 10)
        }
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
        let target_pm = cfg.target_pm;
        let (pre, basis) = match raw_recommendation(pods, util_pm, target_pm, cfg.tol_pct) {
            Raw::NoMetrics => (current, Basis::NoMetrics),
            Raw::WithinTolerance => (
                current,
                Basis::WithinTolerance {
                    util_pm,
                    tol_pct: cfg.tol_pct,
                    target_pm,
                },
            ),
            Raw::Scale(desired) => (
                desired,
                Basis::Scale {
                    desired,
                    pods,
                    util_pm,
                    target_pm,
                },
            ),
        };
        let mut reason = Reason {
            current,
            basis,
            stabilized: None,
            rate_limited: None,
            capped_at_max: None,
            raised_to_min: None,
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
        if rec > pre {
            reason.stabilized = Some(Stabilized::HeldByScaleDown {
                rec,
                window_s: cfg.stab_down.0 / 1_000_000,
            });
        } else if rec < pre {
            reason.stabilized = Some(Stabilized::ScaleUpWindow { rec });
        }
        // The default scale-up policies: 4 pods or 100 % per period, whichever is more.
        let limit = current.saturating_add(4).max(current.saturating_mul(2));
        if rec > limit {
            reason.rate_limited = Some(limit);
            rec = limit;
        }
        if rec > cfg.max {
            reason.capped_at_max = Some(cfg.max);
            rec = cfg.max;
        }
        if rec < cfg.min {
            reason.raised_to_min = Some(cfg.min);
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
        assert_eq!(d.reason.to_string(), "desired 6 = ceil(4 × 87 % / 60 %)");
        assert_eq!(
            d.reason.basis,
            Basis::Scale {
                desired: 6,
                pods: 4,
                util_pm: 870,
                target_pm: 600
            }
        );
        assert!(!d.reason.held());
    }
}
