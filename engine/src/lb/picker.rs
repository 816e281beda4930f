//! The balancer's choice of backend: every strategy as a pure function of the picker's state,
//! the backends it believes up, their outstanding requests, the client key and an RNG.
//!
//! Safety property (tested): [`Picker::pick`] never returns a backend that is not eligible, and
//! returns `None` only when none is.

use super::params::{BackendSpec, Strategy};
use crate::detmath;
use crate::ring::{HashFn, Ring};
use crate::rng::Rng;
use crate::time::{Duration, SimTime};
use std::sync::Arc;

/// Finagle's penalty for a backend with requests out and no latency sample yet.
const PENALTY_US: u128 = 1 << 60;

/// Peak-EWMA state of one backend (Finagle `PeakEwma`, Linkerd's `PeakEwma`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeakEwma {
    /// Cost in µs at `stamp`.
    pub cost_us: u64,
    /// When the cost was last updated.
    pub stamp: SimTime,
}

/// Decay weight `e^(−td/τ)` in parts per million (detmath: identical everywhere).
fn decay_ppm(td: Duration, tau: Duration) -> u64 {
    if tau.as_us() == 0 {
        return 0;
    }
    let w = detmath::exp(-(td.as_us() as f64) / tau.as_us() as f64);
    (w * 1_000_000.0) as u64
}

impl PeakEwma {
    /// The cost decayed toward zero up to `now` (Finagle's `rtt()` observes a 0 sample).
    pub fn cost_at(&self, now: SimTime, tau: Duration) -> u64 {
        let w = decay_ppm(now.since(self.stamp), tau);
        (self.cost_us as u128 * w as u128 / 1_000_000) as u64
    }
    /// A latency sample: a sample above the cost replaces it (the peak); otherwise the cost
    /// moves toward it with weight `1 − e^(−td/τ)`.
    pub fn observe(&mut self, rtt_us: u64, now: SimTime, tau: Duration) {
        if rtt_us > self.cost_us {
            self.cost_us = rtt_us;
        } else {
            let w = decay_ppm(now.since(self.stamp), tau) as u128;
            self.cost_us =
                ((self.cost_us as u128 * w + rtt_us as u128 * (1_000_000 - w)) / 1_000_000) as u64;
        }
        self.stamp = self.stamp.max(now);
    }
}

/// The balancer's picking state.
#[derive(Clone, Debug)]
pub struct Picker {
    /// The strategy.
    pub strategy: Strategy,
    /// Backend weights (index = backend number, 0-based).
    pub weights: Vec<u32>,
    /// Round-robin cursor (also the rotating tie-break of the least-* strategies).
    pub cursor: usize,
    /// Smooth WRR: nginx's `current_weight` per backend.
    pub current: Vec<i64>,
    /// `lrt`: EWMA of response time, µs (0 = no sample yet).
    pub ewma_us: Vec<u64>,
    /// `pewma`: peak-EWMA state.
    pub peak: Vec<PeakEwma>,
    /// Peak-EWMA decay time.
    pub tau: Duration,
    /// `hash`: the ring (node id = backend number), shared until eligibility changes.
    pub ring: Option<Arc<Ring>>,
}

impl Picker {
    /// Heap bytes a copy holds (see [`crate::Node::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{shared, slice};
        slice(&self.weights)
            + slice(&self.current)
            + slice(&self.ewma_us)
            + slice(&self.peak)
            + self.ring.as_ref().map_or(0, |r| shared(r, r.heap_bytes()))
    }

    /// A picker for these backends (`vnodes` per unit weight for `hash`).
    pub fn new(strategy: Strategy, specs: &[BackendSpec], vnodes: u32, tau: Duration) -> Picker {
        let n = specs.len();
        let ring = (strategy == Strategy::Hash).then(|| {
            let mut r = Ring::with_nodes(HashFn::Xxh64, vnodes.clamp(1, 1_000), n)
                .or_else(|_| Ring::with_nodes(HashFn::Xxh64, 100, n))
                // Not `expect`: that would link the ring error's `Debug` into the pages.
                .unwrap_or_else(|_| unreachable!("100 vnodes × 20 backends fits a ring"));
            for (i, s) in specs.iter().enumerate() {
                if s.weight > 1 {
                    // Weights are validated 1..=10, the ring's own limit; ignore a bad one.
                    let _ = r.set_weight(i, s.weight);
                }
            }
            Arc::new(r)
        });
        Picker {
            strategy,
            weights: specs.iter().map(|s| s.weight.max(1)).collect(),
            cursor: 0,
            current: vec![0; n],
            ewma_us: vec![0; n],
            peak: vec![PeakEwma::default(); n],
            tau,
            ring,
        }
    }

    /// Records a response time (µs) from backend `b` (for `lrt` and `pewma`).
    pub fn observe(&mut self, b: usize, rtt_us: u64, now: SimTime) {
        if let Some(e) = self.ewma_us.get_mut(b) {
            // α = 1/4; the first sample is taken as is.
            *e = if *e == 0 {
                rtt_us.max(1)
            } else {
                (3 * *e + rtt_us) / 4
            };
        }
        let tau = self.tau;
        if let Some(p) = self.peak.get_mut(b) {
            p.observe(rtt_us, now, tau);
        }
    }

    /// Chooses a backend among those with `eligible[b]`, given `outstanding[b]`, the client
    /// `key`, the time and the balancer's RNG. `None` when no backend is eligible.
    pub fn pick(
        &mut self,
        eligible: &[bool],
        outstanding: &[u32],
        key: u32,
        now: SimTime,
        rng: &mut Rng,
    ) -> Option<usize> {
        let n = eligible.len().min(self.weights.len());
        // The eligible backends, counted and indexed without collecting them (a pick happens
        // for every request; n ≤ 20).
        let ups_iter = || (0..n).filter(|&b| eligible[b]);
        let ups = ups_iter().count();
        if ups == 0 {
            return None;
        }
        let up = |k: usize| ups_iter().nth(k).unwrap_or_else(|| unreachable!("k < ups"));
        let out = |b: usize| outstanding.get(b).copied().unwrap_or(0) as u64;
        let weights = &self.weights;
        let w = |b: usize| weights[b] as u64;
        let choice = match self.strategy {
            Strategy::RoundRobin => {
                let b = (0..n)
                    .map(|k| (self.cursor + k) % n)
                    .find(|&b| eligible[b])?;
                self.cursor = (b + 1) % n;
                b
            }
            Strategy::WeightedRoundRobin => {
                // nginx ngx_http_upstream_get_peer: every live peer gains its weight, the
                // largest current weight wins (first on ties) and pays back the total.
                let mut total = 0i64;
                let mut best: Option<usize> = None;
                for b in ups_iter() {
                    self.current[b] += self.weights[b] as i64;
                    total += self.weights[b] as i64;
                    if best.is_none_or(|x| self.current[b] > self.current[x]) {
                        best = Some(b);
                    }
                }
                let b = best?;
                self.current[b] -= total;
                b
            }
            Strategy::LeastConn => rotating_min(&mut self.cursor, eligible, n, |b| (out(b), 1)),
            Strategy::WeightedLeastConn => {
                rotating_min(&mut self.cursor, eligible, n, |b| (out(b) + 1, w(b)))
            }
            Strategy::LeastResponseTime => {
                // Pure least-EWMA herds every request onto one backend until its samples come
                // back; weighing by outstanding requests (as NGINX Plus' `least_time` combines
                // both) spreads them. An unsampled backend costs 0 and is tried first.
                let ewma = &self.ewma_us;
                rotating_min(&mut self.cursor, eligible, n, |b| {
                    (ewma[b] * (out(b) + 1), 1)
                })
            }
            Strategy::Random => up(rng.below(ups as u64) as usize),
            Strategy::WeightedRandom => {
                let total: u64 = ups_iter().map(w).sum();
                let mut r = rng.below(total);
                let mut chosen = up(ups - 1);
                for b in ups_iter() {
                    if r < w(b) {
                        chosen = b;
                        break;
                    }
                    r -= w(b);
                }
                chosen
            }
            Strategy::P2c | Strategy::PeakEwma => {
                if ups == 1 {
                    up(0)
                } else {
                    let i = rng.below(ups as u64) as usize;
                    let mut j = rng.below(ups as u64 - 1) as usize;
                    if j >= i {
                        j += 1;
                    }
                    let (a, b) = (up(i), up(j));
                    let load = |x: usize| -> u128 {
                        if self.strategy == Strategy::P2c {
                            return out(x) as u128;
                        }
                        let cost = self.peak[x].cost_at(now, self.tau) as u128;
                        if cost == 0 && out(x) > 0 {
                            PENALTY_US + out(x) as u128
                        } else {
                            cost * (out(x) as u128 + 1)
                        }
                    };
                    if load(b) < load(a) {
                        b
                    } else {
                        a
                    }
                }
            }
            Strategy::Hash => {
                let ring = self.ring.as_mut()?;
                // Keep the ring's failed set equal to the ineligible set (a reindex per change,
                // copy-on-write so snapshots keep sharing the unchanged ring).
                for (b, &up) in eligible.iter().enumerate().take(n) {
                    let failed = ring.state(b) == crate::ring::NodeState::Failed;
                    if failed == up {
                        let r = Arc::make_mut(ring);
                        let _ = if up { r.recover(b) } else { r.fail(b) };
                    }
                }
                ring.owner(&key.to_le_bytes())?
            }
        };
        Some(choice)
    }
}

/// The eligible backend minimising `num/den` (cross-multiplied), scanning from the cursor so
/// ties rotate; the cursor moves past the choice.
fn rotating_min(
    cursor: &mut usize,
    eligible: &[bool],
    n: usize,
    cost: impl Fn(usize) -> (u64, u64),
) -> usize {
    let mut best: Option<(usize, (u64, u64))> = None;
    for k in 0..n {
        let b = (*cursor + k) % n;
        if !eligible[b] {
            continue;
        }
        let c = cost(b);
        let better = match best {
            None => true,
            Some((_, bc)) => (c.0 as u128) * (bc.1 as u128) < (bc.0 as u128) * (c.1 as u128),
        };
        if better {
            best = Some((b, c));
        }
    }
    let b = best.map(|x| x.0).unwrap_or(0);
    *cursor = (b + 1) % n.max(1);
    b
}
