//! Load statistics for people (floats are fine here: nothing decides on them).
//!
//! Per node: items and share %. Across nodes: mean, **population** standard deviation,
//! coefficient of variation (σ / mean) and max / mean. The vnode sweep plots σ / mean against
//! virtual nodes per node next to the expected value
//! `√((N−1)/(N·V+1) + (N−1)/K)`: a node's share of the ring with V random points out of N·V is
//! Beta(V, (N−1)V) distributed, and K keys add binomial sampling noise. For N = 10 that is
//! about 9.5 % at V = 100, 7.5 % at V = 160 and 6.7 % at V = 200 (the "≈ 10 %, 8 %, 6.6 %" of
//! architecture §7).

use super::hash::HashFn;
use super::keys::KeySet;
use super::ring::Ring;
use super::schemes::Scheme;
use super::{RingError, MAX_NODES};
use crate::NodeId;

/// The vnode counts of the default sweep.
pub const SWEEP_VNODES: [u32; 11] = [1, 2, 5, 10, 20, 50, 100, 160, 200, 500, 1000];

/// Summary of per-node loads.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Number of nodes.
    pub nodes: usize,
    /// Sum of the loads.
    pub total: u64,
    /// Mean load.
    pub mean: f64,
    /// Population standard deviation: √(Σ(x − mean)² / n).
    pub stddev: f64,
    /// Coefficient of variation σ / mean (0 when the mean is 0).
    pub cv: f64,
    /// Smallest load.
    pub min: u64,
    /// Largest load.
    pub max: u64,
    /// max / mean (0 when the mean is 0): how much the hottest node exceeds the average.
    pub max_over_mean: f64,
}

impl Summary {
    /// σ as a percentage of the mean.
    pub fn stddev_pct(&self) -> f64 {
        self.cv * 100.0
    }
}

/// Summarises per-node loads (all zeros for an empty slice).
pub fn summarize(loads: &[u64]) -> Summary {
    if loads.is_empty() {
        return Summary::default();
    }
    let n = loads.len() as f64;
    let total: u64 = loads.iter().sum();
    let mean = total as f64 / n;
    let var = loads
        .iter()
        .map(|&x| {
            let d = x as f64 - mean;
            d * d
        })
        .sum::<f64>()
        / n;
    let stddev = var.sqrt();
    let max = loads.iter().copied().max().unwrap_or(0);
    let (cv, max_over_mean) = if mean > 0.0 {
        (stddev / mean, max as f64 / mean)
    } else {
        (0.0, 0.0)
    };
    Summary {
        nodes: loads.len(),
        total,
        mean,
        stddev,
        cv,
        min: loads.iter().copied().min().unwrap_or(0),
        max,
        max_over_mean,
    }
}

/// One node's load.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct NodeLoad {
    /// The node.
    pub node: NodeId,
    /// Items assigned to it.
    pub keys: u64,
    /// Its share of the assigned items, %.
    pub share_pct: f64,
}

/// Loads of one assignment.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoadStats {
    /// Per node, in the order given (nodes with no items included).
    pub per_node: Vec<NodeLoad>,
    /// Items assigned to no listed node (e.g. when every node is down).
    pub unassigned: u64,
    /// Summary over `per_node`.
    pub summary: Summary,
}

/// Counts items per node for the listed `nodes` (normally the up nodes).
pub fn load_stats(assignment: &[NodeId], nodes: &[NodeId]) -> LoadStats {
    let slots = nodes.iter().copied().max().map_or(0, |m| m + 1);
    let mut listed = vec![false; slots];
    for &n in nodes {
        listed[n] = true;
    }
    let mut counts = vec![0u64; slots];
    let mut unassigned = 0u64;
    for &a in assignment {
        if a < slots && listed[a] {
            counts[a] += 1;
        } else {
            unassigned += 1;
        }
    }
    let loads: Vec<u64> = nodes.iter().map(|&n| counts[n]).collect();
    let summary = summarize(&loads);
    let per_node = nodes
        .iter()
        .zip(&loads)
        .map(|(&node, &keys)| NodeLoad {
            node,
            keys,
            share_pct: if summary.total > 0 {
                keys as f64 * 100.0 / summary.total as f64
            } else {
                0.0
            },
        })
        .collect();
    LoadStats {
        per_node,
        unassigned,
        summary,
    }
}

/// Expected σ / mean (%) of per-node load for N nodes × V vnodes and K keys (module docs).
pub fn expected_stddev_pct(nodes: usize, vnodes: u32, keys: usize) -> f64 {
    if nodes < 2 {
        return 0.0;
    }
    let n = nodes as f64;
    let ring = (n - 1.0) / (n * vnodes as f64 + 1.0);
    let sampling = if keys > 0 {
        (n - 1.0) / keys as f64
    } else {
        0.0
    };
    100.0 * (ring + sampling).sqrt()
}

/// One point of the vnode sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepPoint {
    /// Virtual nodes per node.
    pub vnodes: u32,
    /// σ / mean of per-node load, % (root mean square over the trials).
    pub stddev_pct: f64,
    /// max / mean, averaged over the trials.
    pub max_over_mean: f64,
    /// The expected σ / mean, % ([`expected_stddev_pct`]).
    pub expected_pct: f64,
}

/// Load imbalance against virtual nodes per node: for each V, `trials` independent rings of
/// `nodes` nodes (trial t uses nodes `n(t·N) … n(t·N+N−1)`, so each trial is a different ring;
/// trials are capped at 1000 / N) get the same keys. Errors only on bad sizes.
pub fn sweep_vnodes(
    hash: HashFn,
    nodes: usize,
    keys: &KeySet,
    vnodes: &[u32],
    trials: usize,
) -> Result<Vec<SweepPoint>, RingError> {
    super::check_range("nodes", nodes as u64, 1, MAX_NODES as u64)?;
    let trials = trials.clamp(1, MAX_NODES / nodes);
    let hashes = keys.hashes(hash);
    let mut out = Vec::with_capacity(vnodes.len());
    for &v in vnodes {
        let (mut cv2, mut mom) = (0.0, 0.0);
        for t in 0..trials {
            let ring = Ring::with_node_ids(hash, v, t * nodes..(t + 1) * nodes)?;
            let a = Scheme::Ring.assign_hashes(&ring, &hashes);
            let s = load_stats(&a, &ring.up_nodes()).summary;
            cv2 += s.cv * s.cv;
            mom += s.max_over_mean;
        }
        out.push(SweepPoint {
            vnodes: v,
            stddev_pct: 100.0 * (cv2 / trials as f64).sqrt(),
            max_over_mean: mom / trials as f64,
            expected_pct: expected_stddev_pct(nodes, v, keys.len()),
        });
    }
    Ok(out)
}
