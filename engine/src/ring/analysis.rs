//! The ring lab's two analyses of the current run, shared by the page ("Compare schemes", the
//! vnode sweep) and the CLI (`cli experiment schemes|vnode-sweep '<ring link>'`).

use super::keys::{KeySet, KeySpec};
use super::lab::RingLab;
use super::schemes::Scheme;
use super::stats::{load_stats, summarize, sweep_vnodes, SweepPoint, SWEEP_VNODES};
use super::RingError;
use serde::Serialize;

/// The schemes compared side by side, in table order.
pub const COMPARE_SCHEMES: [&str; 7] = [
    "ring",
    "modn",
    "jump",
    "rendezvous",
    "maglev:251",
    "maglev:65537",
    "bounded:125",
];

/// One scheme on the run's keys and nodes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SchemeRow {
    /// The scheme as its link text (`maglev:251`).
    pub scheme: String,
    /// σ / mean of the per-node key counts, %.
    pub stddev_pct: f64,
    /// The busiest node's keys over the mean.
    pub max_over_mean: f64,
    /// Keys that changed owner under the run's last operation, % (none at the start).
    pub moved_pct: Option<f64>,
}

/// Every scheme of [`COMPARE_SCHEMES`] on the same keys, the same nodes and the same last
/// operation as the run.
pub fn compare_schemes(rl: &RingLab) -> Vec<SchemeRow> {
    COMPARE_SCHEMES
        .iter()
        .filter_map(|name| Scheme::parse(name).ok())
        .map(|scheme| {
            let assignment = scheme.assign_hashes(rl.ring(), rl.hashes());
            let loads = load_stats(&assignment, &rl.ring().up_nodes());
            let s = summarize(&loads.per_node.iter().map(|l| l.keys).collect::<Vec<_>>());
            SchemeRow {
                scheme: scheme.to_string(),
                stddev_pct: 100.0 * s.cv,
                max_over_mean: s.max_over_mean,
                moved_pct: rl.movement_under(scheme).map(|m| m.moved_pct()),
            }
        })
        .collect()
}

/// The most keys the vnode sweep uses: it builds 33 rings, so on a huge key set it takes the
/// first 100 000 keys (σ is then dominated by the ring, not by sampling) and one run costs at
/// most a couple of seconds.
pub const SWEEP_KEYS: usize = 100_000;

/// σ / mean of the per-node load against virtual nodes per node ([`SWEEP_VNODES`], 3 rings
/// each) for the run's hash, its up nodes and (at most [`SWEEP_KEYS`] of) its keys.
pub fn vnode_sweep(rl: &RingLab) -> Result<Vec<SweepPoint>, RingError> {
    let n = rl.ring().up_nodes().len().max(1);
    let capped = match rl.params().keys.clone() {
        KeySpec::Sequential { count } => KeySpec::Sequential {
            count: count.min(SWEEP_KEYS),
        },
        KeySpec::Random { count } => KeySpec::Random {
            count: count.min(SWEEP_KEYS),
        },
        KeySpec::Zipf {
            count,
            distinct,
            s_milli,
        } => KeySpec::Zipf {
            count: count.min(SWEEP_KEYS),
            distinct,
            s_milli,
        },
        named => named,
    };
    let keys = KeySet::generate(&capped, rl.params().seed)?;
    sweep_vnodes(rl.params().hash, n, &keys, &SWEEP_VNODES, 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring::{RingLab, RingParams};

    fn lab(keys: usize) -> RingLab {
        let p = RingParams {
            keys: KeySpec::Random { count: keys },
            ..RingParams::default()
        };
        RingLab::new(p).expect("valid ring")
    }

    #[test]
    fn every_scheme_is_compared_and_the_ring_row_matches_the_lab() {
        let rl = lab(20_000);
        let rows = compare_schemes(&rl);
        assert_eq!(
            rows.iter().map(|r| r.scheme.as_str()).collect::<Vec<_>>(),
            COMPARE_SCHEMES
        );
        // No operation yet: nothing moved.
        assert!(rows.iter().all(|r| r.moved_pct.is_none()));
        // Maglev with a large table and bounded loads balance better than a plain ring.
        let by = |s: &str| rows.iter().find(|r| r.scheme == s).unwrap().clone();
        assert!(by("maglev:65537").stddev_pct < by("ring").stddev_pct);
        assert!(by("bounded:125").max_over_mean <= 1.25 + 1e-9);
    }

    #[test]
    fn the_sweep_caps_its_keys_and_falls_with_more_vnodes() {
        let pts = vnode_sweep(&lab(1_000_000)).unwrap();
        assert_eq!(pts.len(), SWEEP_VNODES.len());
        assert!(pts.last().unwrap().stddev_pct < pts[0].stddev_pct / 5.0);
        // The expected σ is computed for the capped key count.
        let capped = sweep_vnodes(
            lab(1).params().hash,
            lab(1).ring().up_nodes().len(),
            &KeySet::generate(&KeySpec::Random { count: SWEEP_KEYS }, lab(1).params().seed)
                .unwrap(),
            &SWEEP_VNODES,
            3,
        )
        .unwrap();
        assert_eq!(pts, capped);
    }
}
