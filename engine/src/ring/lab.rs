//! The ring lab's state: parameters, a key set, an op log and a position in it. Applying an op
//! yields the movement diff — which keys moved from which node to which, against the least any
//! scheme could move. One step back takes the op back ([`Ring::undo`]) instead of replaying
//! from the start; a longer seek back replays (a ring op is O(tokens)).

use super::hash::HashFn;
use super::keys::{KeySet, KeySpec};
use super::ops::{RingOp, MAX_OPS};
use super::ring::{Ring, Undo, Walk};
use super::schemes::Scheme;
use super::stats::{load_stats, LoadStats};
use super::{check_range, RingError, MAX_NODES, MAX_REPLICAS, MAX_VNODES};
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Ring-lab parameters, with their defaults and limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingParams {
    /// Seed of the workload stream (random and Zipf keys). Default 1.
    pub seed: u64,
    /// Initial nodes `n0 … n(N−1)`, all up, weight 1. Default 5; 1–1000.
    pub nodes: usize,
    /// Virtual nodes per node. Default 100; 1–1000 (ketama uses 160, Cassandra 16).
    pub vnodes: u32,
    /// Hash function. Default `xxh64`.
    pub hash: HashFn,
    /// Replication factor R. Default 3 (as Dynamo and Cassandra); 1–5.
    pub replicas: usize,
    /// The scheme assigning keys. Default `ring`.
    pub scheme: Scheme,
    /// The key set. Default `seq:10000`.
    pub keys: KeySpec,
}

impl Default for RingParams {
    fn default() -> Self {
        RingParams {
            seed: 1,
            nodes: 5,
            vnodes: 100,
            hash: HashFn::Xxh64,
            replicas: 3,
            scheme: Scheme::Ring,
            keys: KeySpec::default(),
        }
    }
}

impl RingParams {
    /// Checks every limit.
    pub fn validate(&self) -> Result<(), RingError> {
        check_range("nodes", self.nodes as u64, 1, MAX_NODES as u64)?;
        check_range("vnodes", self.vnodes as u64, 1, MAX_VNODES as u64)?;
        check_range("replicas", self.replicas as u64, 1, MAX_REPLICAS as u64)?;
        self.scheme.validate()?;
        self.keys.validate()
    }
}

/// Keys that moved from one node to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Flow {
    /// Previous node ([`super::NO_NODE`] if the keys had none).
    pub from: NodeId,
    /// New node ([`super::NO_NODE`] if no node is up).
    pub to: NodeId,
    /// How many items moved this way.
    pub keys: usize,
}

/// One item that moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMove {
    /// Index into the key set.
    pub key: usize,
    /// Previous node.
    pub from: NodeId,
    /// New node.
    pub to: NodeId,
}

/// What one op did to an assignment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    /// The op (`None` for a diff of two arbitrary assignments).
    pub op: Option<RingOp>,
    /// Items compared.
    pub total: usize,
    /// Items whose node changed, ascending by key index.
    pub moves: Vec<KeyMove>,
    /// Moves aggregated per (from, to), ascending.
    pub flows: Vec<Flow>,
    /// The least movement any assignment could achieve, % of items: the total-variation
    /// distance between the nodes' weight shares before and after (1/(N+1) on adding one of
    /// N+1 equal nodes, 1/N on removing one of N; 0 for a vnode change).
    pub ideal_pct: f64,
}

impl Movement {
    /// The diff of two assignments of the same items (`ideal_pct` 0, no op).
    pub fn between(before: &[NodeId], after: &[NodeId]) -> Movement {
        let moves = before
            .iter()
            .zip(after)
            .enumerate()
            .filter(|(_, (from, to))| from != to)
            .map(|(key, (&from, &to))| KeyMove { key, from, to })
            .collect();
        Movement::from_moves(before.len().min(after.len()), moves)
    }

    /// The movement given the items that moved, ascending by key index, out of `total`
    /// (`ideal_pct` 0, no op): [`Movement::between`] without comparing the items that stayed.
    pub fn from_moves(total: usize, moves: Vec<KeyMove>) -> Movement {
        let mut flows: BTreeMap<(NodeId, NodeId), usize> = BTreeMap::new();
        for m in &moves {
            *flows.entry((m.from, m.to)).or_default() += 1;
        }
        Movement {
            op: None,
            total,
            moves,
            flows: flows
                .into_iter()
                .map(|((from, to), keys)| Flow { from, to, keys })
                .collect(),
            ideal_pct: 0.0,
        }
    }

    /// Number of items that moved.
    pub fn moved(&self) -> usize {
        self.moves.len()
    }

    /// Moved items, % of all items.
    pub fn moved_pct(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.moves.len() as f64 * 100.0 / self.total as f64
        }
    }

    /// moved % / ideal % (1.0 = minimal disruption; `None` when the ideal is 0).
    pub fn excess(&self) -> Option<f64> {
        (self.ideal_pct > 0.0).then(|| self.moved_pct() / self.ideal_pct)
    }
}

/// `(node, weight)` of the up nodes; weight 1 for schemes that ignore weights.
fn shares(ring: &Ring, weighted: bool) -> Vec<(NodeId, u64)> {
    ring.up_nodes()
        .into_iter()
        .map(|n| (n, if weighted { ring.weight(n) as u64 } else { 1 }))
        .collect()
}

/// The least fraction of items (%) any assignment must move when the weight shares change from
/// `before` to `after` (both `(node, weight)` ascending by node): Σ max(0, after − before).
pub fn ideal_moved_pct(before: &[(NodeId, u64)], after: &[(NodeId, u64)]) -> f64 {
    let wb: u64 = before.iter().map(|x| x.1).sum();
    let wa: u64 = after.iter().map(|x| x.1).sum();
    match (wb, wa) {
        (0, 0) => return 0.0,
        (0, _) | (_, 0) => return 100.0,
        _ => {}
    }
    let mut gained = 0.0;
    let mut i = 0;
    for &(node, w) in after {
        while i < before.len() && before[i].0 < node {
            i += 1;
        }
        let p = if i < before.len() && before[i].0 == node {
            before[i].1 as f64 / wb as f64
        } else {
            0.0
        };
        let q = w as f64 / wa as f64;
        if q > p {
            gained += q - p;
        }
    }
    100.0 * gained
}

/// The ring lab: parameters, keys, an op log and a position in it.
#[derive(Clone, Debug)]
pub struct RingLab {
    params: RingParams,
    keys: KeySet,
    hashes: Vec<u64>,
    initial: Ring,
    ops: Vec<RingOp>,
    /// For each logged op, what taking it back needs (read from the ring before it).
    undo: Vec<Undo>,
    pos: usize,
    ring: Ring,
    assignment: Vec<NodeId>,
    movement: Option<Movement>,
    /// Every item's ring position, ascending, and the item at each (for reassigning only the
    /// items in the arcs an operation changed).
    by_pos: std::sync::Arc<(Vec<u64>, Vec<u32>)>,
}

impl RingLab {
    /// A lab at position 0 with an empty op log.
    pub fn new(params: RingParams) -> Result<RingLab, RingError> {
        params.validate()?;
        let keys = KeySet::generate(&params.keys, params.seed)?;
        let hashes = keys.hashes(params.hash);
        let initial = Ring::with_nodes(params.hash, params.vnodes, params.nodes)?;
        let assignment = params.scheme.assign_hashes(&initial, &hashes);
        let mut pairs: Vec<(u64, u32)> = hashes
            .iter()
            .enumerate()
            .map(|(i, &h)| (params.hash.ring_position(h), i as u32))
            .collect();
        crate::sort::sort_unstable(&mut pairs);
        let by_pos = std::sync::Arc::new(pairs.into_iter().unzip());
        Ok(RingLab {
            by_pos,
            ring: initial.clone(),
            initial,
            params,
            keys,
            hashes,
            ops: Vec::new(),
            undo: Vec::new(),
            pos: 0,
            assignment,
            movement: None,
        })
    }

    /// A lab with `ops` applied in order, positioned at the end. Ops that cannot apply (e.g.
    /// `fail:n9` when n9 is not on the ring) are skipped and returned with their index, so a
    /// link with one bad entry still opens.
    pub fn with_ops(
        params: RingParams,
        ops: &[RingOp],
    ) -> Result<(RingLab, Vec<(usize, RingError)>), RingError> {
        let mut lab = RingLab::new(params)?;
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        let mut undo = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if kept.len() >= MAX_OPS {
                errors.push((i, RingError::TooManyOps));
                break;
            }
            let u = lab.ring.undo_info(op);
            match lab.ring.apply(op) {
                Ok(()) => {
                    kept.push(*op);
                    undo.push(u);
                }
                Err(e) => errors.push((i, e)),
            }
        }
        lab.ops = kept;
        lab.undo = undo;
        lab.pos = lab.ops.len();
        // The assignment is still the initial ring's: reassign from it.
        let known = std::mem::take(&mut lab.assignment);
        let initial = lab.initial.clone();
        lab.recompute_from(Some((&initial, known)));
        Ok((lab, errors))
    }

    /// The parameters.
    pub fn params(&self) -> &RingParams {
        &self.params
    }

    /// The key set.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Every item's 64-bit hash under the lab's hash function.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// The ring at the current position.
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// The op log (including ops after the position, which `step` redoes).
    pub fn ops(&self) -> &[RingOp] {
        &self.ops
    }

    /// Ops applied so far (`0..=ops().len()`).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Each item's node at the current position, under the lab's scheme.
    pub fn assignment(&self) -> &[NodeId] {
        &self.assignment
    }

    /// What the last applied op moved (`None` at position 0).
    pub fn movement(&self) -> Option<&Movement> {
        self.movement.as_ref()
    }

    /// Per-node load of the current assignment over the up nodes.
    pub fn stats(&self) -> LoadStats {
        load_stats(&self.assignment, &self.ring.up_nodes())
    }

    /// Item `key`'s owner and replicas on the ring (R = `params.replicas`).
    pub fn replicas(&self, key: usize) -> Vec<NodeId> {
        let pos = self.key_position(key);
        self.ring.replicas_at(pos, self.params.replicas)
    }

    /// The path a lookup of item `key` takes on the ring, for the animation.
    pub fn walk(&self, key: usize) -> Walk {
        self.ring
            .walk_at(self.key_position(key), self.params.replicas)
    }

    /// Item `key`'s ring position (0 for an index past the end).
    pub fn key_position(&self, key: usize) -> u64 {
        let h = self.hashes.get(key).copied().unwrap_or(0);
        self.params.hash.ring_position(h)
    }

    /// Applies `op` at the current position, dropping any ops after it (like typing after an
    /// undo). On error nothing changes.
    pub fn push(&mut self, op: RingOp) -> Result<&Movement, RingError> {
        if self.pos >= MAX_OPS {
            return Err(RingError::TooManyOps);
        }
        let before = shares(&self.ring, self.params.scheme.uses_weights());
        let old = self.ring.clone();
        let u = self.ring.undo_info(&op);
        self.ring.apply(&op)?;
        self.ops.truncate(self.pos);
        self.undo.truncate(self.pos);
        self.ops.push(op);
        self.undo.push(u);
        self.pos += 1;
        Ok(self.finish_step(op, before, &old))
    }

    /// Redoes the next logged op; false at the end of the log.
    pub fn step(&mut self) -> bool {
        let Some(&op) = self.ops.get(self.pos) else {
            return false;
        };
        let before = shares(&self.ring, self.params.scheme.uses_weights());
        let old = self.ring.clone();
        if self.ring.apply(&op).is_err() {
            // Cannot happen: the op applied from this very state when it was logged.
            return false;
        }
        self.pos += 1;
        self.finish_step(op, before, &old);
        true
    }

    /// Undoes the last applied op (the log keeps it for `step`); false at position 0.
    pub fn step_back(&mut self) -> bool {
        if self.pos == 0 {
            return false;
        }
        self.seek(self.pos - 1);
        true
    }

    /// Moves to position `pos` (clamped to the log): replays from the start.
    pub fn seek(&mut self, pos: usize) {
        let pos = pos.min(self.ops.len());
        if pos == self.pos + 1 {
            self.step();
        } else if pos + 1 == self.pos {
            self.back_one();
        } else if pos != self.pos {
            self.pos = pos;
            // The current ring and assignment are the base the new ones are derived from.
            let empty = Ring::new(self.params.hash, self.params.vnodes).ok();
            let base = empty.map(|e| {
                (
                    std::mem::replace(&mut self.ring, e),
                    std::mem::take(&mut self.assignment),
                )
            });
            self.recompute_from(base.as_ref().map(|(r, a)| (r, a.clone())));
        }
    }

    /// One op back without replaying from the start: the ring takes the op back
    /// ([`Ring::undo`]), the assignment takes its moves back, and the movement of the op before
    /// it is found by taking that one back too (a diff of the changed arcs, reversed). Exactly
    /// the state a replay gives (the ring tests compare them).
    fn back_one(&mut self) {
        let Some(p) = self.pos.checked_sub(1) else {
            return;
        };
        let mut assignment = std::mem::take(&mut self.assignment);
        if let Some(m) = &self.movement {
            for mv in &m.moves {
                if let Some(a) = assignment.get_mut(mv.key) {
                    *a = mv.from;
                }
            }
        }
        self.ring.undo(&self.ops[p], &self.undo[p]);
        self.assignment = assignment;
        self.pos = p;
        let Some(q) = p.checked_sub(1) else {
            self.movement = None;
            return;
        };
        let op = self.ops[q];
        let mut before = self.ring.clone();
        before.undo(&op, &self.undo[q]);
        let scheme = self.params.scheme;
        let (back, _) = self.moved(scheme, &self.ring, &before, self.assignment.clone());
        let moves = back
            .moves
            .iter()
            .map(|m| KeyMove {
                key: m.key,
                from: m.to,
                to: m.from,
            })
            .collect();
        let mut m = Movement::from_moves(back.total, moves);
        m.op = Some(op);
        m.ideal_pct = ideal_moved_pct(
            &shares(&before, scheme.uses_weights()),
            &shares(&self.ring, scheme.uses_weights()),
        );
        self.movement = Some(m);
    }

    /// Switches the scheme (validated) and recomputes the assignment and last movement.
    pub fn set_scheme(&mut self, scheme: Scheme) -> Result<(), RingError> {
        scheme.validate()?;
        self.params.scheme = scheme;
        self.recompute();
        Ok(())
    }

    /// Sets the replication factor R (1–5).
    pub fn set_replicas(&mut self, r: usize) -> Result<(), RingError> {
        check_range("replicas", r as u64, 1, MAX_REPLICAS as u64)?;
        self.params.replicas = r;
        Ok(())
    }

    /// The ring after the first `k` logged ops.
    pub fn ring_at(&self, k: usize) -> Ring {
        let mut ring = self.initial.clone();
        for op in &self.ops[..k.min(self.ops.len())] {
            // Logged ops applied from exactly this state before; an error cannot occur.
            let _ = ring.apply(op);
        }
        ring
    }

    /// What the last applied op would have moved under another scheme (same keys, same
    /// rings); `None` at position 0. For the page's comparison table.
    pub fn movement_under(&self, scheme: Scheme) -> Option<Movement> {
        if self.pos == 0 {
            return None;
        }
        let before = self.ring_at(self.pos - 1);
        Some(self.movement_of(scheme, &before, &self.ring, None).0)
    }

    /// The movement of the op at `self.pos - 1` under `scheme`, and the assignment after it;
    /// `base` is a ring and the assignment under `scheme` on it to derive both from.
    fn movement_of(
        &self,
        scheme: Scheme,
        before: &Ring,
        after: &Ring,
        base: Option<(&Ring, Vec<NodeId>)>,
    ) -> (Movement, Vec<NodeId>) {
        let a = match base {
            Some((ring, known)) => self.reassign(scheme, ring, before, known),
            None => scheme.assign_hashes(before, &self.hashes),
        };
        let (mut m, b) = self.moved(scheme, before, after, a);
        m.op = self.pos.checked_sub(1).map(|i| self.ops[i]);
        m.ideal_pct = ideal_moved_pct(
            &shares(before, scheme.uses_weights()),
            &shares(after, scheme.uses_weights()),
        );
        (m, b)
    }

    /// The assignment under `scheme` on ring `after`, given `known`, the assignment under the
    /// same scheme on ring `before`. The ring scheme reassigns only the items in the arcs whose
    /// serving node differs between the two rings ([`Ring::changed_arcs`]); every other item
    /// keeps its node, so the result is exactly `scheme.assign_hashes(after, …)`. Other schemes
    /// recompute.
    pub fn reassign(
        &self,
        scheme: Scheme,
        before: &Ring,
        after: &Ring,
        known: Vec<NodeId>,
    ) -> Vec<NodeId> {
        if scheme != Scheme::Ring || known.len() != self.hashes.len() {
            return scheme.assign_hashes(after, &self.hashes);
        }
        let mut out = known;
        let (pos, order) = &*self.by_pos;
        for (lo, hi) in before.changed_arcs(after) {
            let a = pos.partition_point(|&p| p < lo);
            let b = pos.partition_point(|&p| p <= hi);
            for k in a..b {
                out[order[k] as usize] = after.owner_at(pos[k]).unwrap_or(super::NO_NODE);
            }
        }
        out
    }

    /// The movement from ring `before` to ring `after` under `scheme` and the assignment on
    /// `after`, given `known`, the assignment on `before`. The ring scheme looks only at the
    /// items in the changed arcs ([`Ring::changed_arcs`]) and updates `known` in place; other
    /// schemes assign afresh and compare every item.
    fn moved(
        &self,
        scheme: Scheme,
        before: &Ring,
        after: &Ring,
        known: Vec<NodeId>,
    ) -> (Movement, Vec<NodeId>) {
        if scheme != Scheme::Ring || known.len() != self.hashes.len() {
            let b = scheme.assign_hashes(after, &self.hashes);
            return (Movement::between(&known, &b), b);
        }
        let mut out = known;
        let mut moves = Vec::new();
        let (pos, order) = &*self.by_pos;
        for (lo, hi) in before.changed_arcs(after) {
            let a = pos.partition_point(|&p| p < lo);
            let b = pos.partition_point(|&p| p <= hi);
            for k in a..b {
                let key = order[k] as usize;
                let to = after.owner_at(pos[k]).unwrap_or(super::NO_NODE);
                if out[key] != to {
                    moves.push(KeyMove {
                        key,
                        from: out[key],
                        to,
                    });
                    out[key] = to;
                }
            }
        }
        crate::sort::sort_unstable_by(&mut moves, |a, b| a.key.cmp(&b.key));
        (Movement::from_moves(out.len(), moves), out)
    }

    /// After `op` was applied to `self.ring` (it was `old`): new assignment and its diff.
    fn finish_step(&mut self, op: RingOp, before: Vec<(NodeId, u64)>, old: &Ring) -> &Movement {
        let known = std::mem::take(&mut self.assignment);
        let (mut m, after) = self.moved(self.params.scheme, old, &self.ring, known);
        m.op = Some(op);
        m.ideal_pct = ideal_moved_pct(
            &before,
            &shares(&self.ring, self.params.scheme.uses_weights()),
        );
        self.assignment = after;
        self.movement.insert(m)
    }

    /// Rebuilds ring, assignment and movement at `self.pos` from the start.
    fn recompute(&mut self) {
        self.recompute_from(None)
    }

    /// Rebuilds ring, assignment and movement at `self.pos`; `base` is a ring and the
    /// assignment under the lab's scheme on it, to reassign from instead of assigning afresh.
    fn recompute_from(&mut self, base: Option<(&Ring, Vec<NodeId>)>) {
        if self.pos == 0 {
            self.ring = self.initial.clone();
            self.assignment = match base {
                Some((ring, known)) => {
                    self.reassign(self.params.scheme, ring, &self.initial, known)
                }
                None => self.params.scheme.assign_hashes(&self.ring, &self.hashes),
            };
            self.movement = None;
        } else {
            let before = self.ring_at(self.pos - 1);
            let mut after = before.clone();
            let _ = after.apply(&self.ops[self.pos - 1]);
            let (m, assignment) = self.movement_of(self.params.scheme, &before, &after, base);
            self.assignment = assignment;
            self.ring = after;
            self.movement = Some(m);
        }
    }
}
