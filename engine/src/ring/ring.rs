//! The hash ring: virtual-node tokens in a sorted `Vec`, lookup by binary search with
//! wrap-around, replicas as the next distinct physical nodes clockwise (Dynamo §4.3's
//! preference list), and node states.
//!
//! - A node with weight `w` owns `vnodes × w` tokens. Token `i` of node `nK` sits at
//!   `H("nK#i")`; with `md5` the tokens are libketama's points instead (digest `k` of `"nK-k"`
//!   gives tokens `4k..4k+3`), so V = 160 reproduces ketama's 160 points per server.
//! - A key at position `p` belongs to the first token at or after `p` (clockwise), wrapping to
//!   the first token; ties between tokens at one position go to the lower `(node, vnode)`.
//! - **Failed** nodes keep their tokens but are skipped: their keys are served by the next
//!   distinct up node clockwise (the next replica), and `recover` brings the exact previous
//!   assignment back. **Removed** (decommissioned) nodes have no tokens.

use super::hash::{ketama_points, md5, HashFn};
use super::ops::RingOp;
use super::{check_range, RingError, MAX_NODES, MAX_TOKENS, MAX_VNODES, MAX_WEIGHT};
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A node's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NodeState {
    /// On the ring and serving its keys.
    Up,
    /// On the ring (tokens kept) but down: its keys go to the next replica.
    Failed,
    /// Not on the ring: decommissioned, or never added.
    Removed,
}

impl NodeState {
    /// The lowercase name for the UI (`up`, `failed`, `removed`).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Up => "up",
            NodeState::Failed => "failed",
            NodeState::Removed => "removed",
        }
    }

    /// True for `Up` and `Failed` (the node has tokens on the ring).
    pub fn on_ring(self) -> bool {
        self != NodeState::Removed
    }
}

/// One virtual node: a point on the ring. Ordered by `(pos, node, vnode)`, the ring's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Token {
    /// Position on the 64-bit ring.
    pub pos: u64,
    /// The physical node.
    pub node: NodeId,
    /// The token's index among the node's tokens (`0..vnodes × weight`).
    pub vnode: u32,
}

impl Token {
    /// The position as a fraction of a full turn in `[0, 1)`, for drawing.
    pub fn turn(self) -> f64 {
        position_turn(self.pos)
    }
}

/// A ring position as a fraction of a full turn in `[0, 1)`, for drawing.
pub fn position_turn(pos: u64) -> f64 {
    pos as f64 / 18_446_744_073_709_551_616.0
}

/// What a lookup did at one token it visited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    /// The first up node: the key's owner.
    Owner,
    /// A further distinct up node: a replica.
    Replica,
    /// A token of a failed node: skipped.
    Failed,
    /// Another token of a node already chosen: skipped.
    Duplicate,
}

/// One token visited by a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkStep {
    /// Index into [`Ring::tokens`].
    pub token: usize,
    /// The token's node.
    pub node: NodeId,
    /// What happened there.
    pub kind: StepKind,
}

/// The path of one lookup, for the animation: from the key's position clockwise until R
/// distinct up nodes are found (or every token has been visited once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walk {
    /// The key's position on the ring.
    pub key_pos: u64,
    /// The tokens visited, in order.
    pub steps: Vec<WalkStep>,
    /// Owner first, then replicas (distinct physical up nodes).
    pub replicas: Vec<NodeId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    state: NodeState,
    weight: u32,
}

const EMPTY_SLOT: Slot = Slot {
    state: NodeState::Removed,
    weight: 1,
};

/// What taking one operation back needs: the ring's slot count and vnodes, and the slot of the
/// node the operation names, before it ([`Ring::undo_info`], [`Ring::undo`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Undo {
    slots_len: usize,
    vnodes: u32,
    slot: Slot,
}

/// `serve` entry when no node is up.
const NONE: u32 = u32::MAX;

/// A consistent-hash ring with virtual nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ring {
    hash: HashFn,
    vnodes: u32,
    /// Indexed by node id; ids past the end are `Removed`.
    slots: Vec<Slot>,
    /// Sorted by `(pos, node, vnode)`. The three tables are shared between copies (a copy of
    /// the largest ring for an operation's diff is then a few pointers, not 36 MB): an
    /// operation replaces the ones it changes (a failure or recovery only `serve`).
    tokens: Arc<Vec<Token>>,
    /// `tokens[i].pos`, kept apart so the binary search touches 8 bytes per probe.
    positions: Arc<Vec<u64>>,
    /// `serve[i]`: the node of the first *up* token at or after `i`, cyclically (or `NONE`).
    /// A lookup is then one binary search and one load, whatever has failed.
    serve: Arc<Vec<u32>>,
}

/// The decimal digits of `x`: `digits[start..]` of the returned `(digits, start)`.
pub(crate) fn decimal(x: u64) -> ([u8; 20], usize) {
    let mut digits = [0u8; 20];
    let mut n = x;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    (digits, i)
}

/// Appends the decimal digits of `x`.
pub(super) fn push_decimal(buf: &mut Vec<u8>, x: u64) {
    let (digits, i) = decimal(x);
    buf.extend_from_slice(&digits[i..]);
}

/// Appends the `count` tokens of node `id` to `out`, unsorted.
fn push_node_tokens(hash: HashFn, id: NodeId, count: u32, out: &mut Vec<Token>) {
    push_node_token_range(hash, id, 0, count, out);
}

/// Appends tokens `from..to` (vnode indices) of node `id` to `out`, unsorted: exactly those of
/// its first `to` tokens that are not among its first `from`, so a node's tokens for a larger
/// count extend those for a smaller one.
fn push_node_token_range(hash: HashFn, id: NodeId, from: u32, to: u32, out: &mut Vec<Token>) {
    if to <= from {
        return;
    }
    out.reserve((to - from) as usize);
    let mut buf = Vec::with_capacity(24);
    buf.push(b'n');
    push_decimal(&mut buf, id as u64);
    if hash == HashFn::Md5 {
        // libketama: points 4k..4k+3 come from MD5("<host>-<k>").
        buf.push(b'-');
        let prefix = buf.len();
        let mut made = from;
        let mut k = (from / 4) as u64;
        while made < to {
            buf.truncate(prefix);
            push_decimal(&mut buf, k);
            let points = ketama_points(&md5(&buf));
            for (j, p) in points.iter().enumerate() {
                let vnode = (k * 4) as u32 + j as u32;
                if vnode < made {
                    continue;
                }
                if made == to {
                    break;
                }
                out.push(Token {
                    pos: (*p as u64) << 32,
                    node: id,
                    vnode: made,
                });
                made += 1;
            }
            k += 1;
        }
    } else {
        buf.push(b'#');
        let prefix = buf.len();
        for i in from..to {
            buf.truncate(prefix);
            push_decimal(&mut buf, i as u64);
            out.push(Token {
                pos: hash.hash(&buf),
                node: id,
                vnode: i,
            });
        }
    }
}

/// Sorts tokens into the ring's `(pos, node, vnode)` order. Each token packs into one `u128`
/// key in that order (node ids are < 2^32); keys are distinct, so an unstable sort is
/// deterministic, and sorting primitives is faster than comparing three struct fields.
fn sort_tokens(tokens: &mut [Token]) {
    let mut keys: Vec<u128> = tokens
        .iter()
        .map(|t| ((t.pos as u128) << 64) | ((t.node as u128) << 32) | t.vnode as u128)
        .collect();
    crate::sort::sort_unstable(&mut keys);
    for (t, k) in tokens.iter_mut().zip(keys) {
        *t = Token {
            pos: (k >> 64) as u64,
            node: (k >> 32) as u32 as NodeId,
            vnode: k as u32,
        };
    }
}

/// The `count` tokens of node `id`, sorted.
fn node_tokens(hash: HashFn, id: NodeId, count: u32) -> Vec<Token> {
    let mut out = Vec::new();
    push_node_tokens(hash, id, count, &mut out);
    sort_tokens(&mut out);
    out
}

/// Merges two sorted token lists.
fn merge(a: &[Token], b: &[Token]) -> Vec<Token> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

impl Ring {
    /// Heap bytes a copy holds: its slots, and its share of the three tables it shares with
    /// other copies (see [`crate::Node::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{shared, slice};
        slice(&self.slots)
            + shared(&self.tokens, slice(&self.tokens))
            + shared(&self.positions, slice(&self.positions))
            + shared(&self.serve, slice(&self.serve))
    }

    /// An empty ring.
    pub fn new(hash: HashFn, vnodes: u32) -> Result<Ring, RingError> {
        check_range("vnodes", vnodes as u64, 1, MAX_VNODES as u64)?;
        Ok(Ring {
            hash,
            vnodes,
            slots: Vec::new(),
            tokens: Arc::new(Vec::new()),
            positions: Arc::new(Vec::new()),
            serve: Arc::new(Vec::new()),
        })
    }

    /// A ring with nodes `n0 … n(count-1)`, all up, weight 1.
    pub fn with_nodes(hash: HashFn, vnodes: u32, count: usize) -> Result<Ring, RingError> {
        Ring::with_node_ids(hash, vnodes, 0..count)
    }

    /// A ring with the given node ids, all up, weight 1 (built in one sort).
    pub fn with_node_ids(
        hash: HashFn,
        vnodes: u32,
        ids: impl IntoIterator<Item = NodeId>,
    ) -> Result<Ring, RingError> {
        let mut ring = Ring::new(hash, vnodes)?;
        for id in ids {
            check_range("node", id as u64, 0, MAX_NODES as u64 - 1)?;
            if ring.state(id).on_ring() {
                return Err(RingError::AlreadyOnRing(id));
            }
            ring.ensure_slot(id);
            ring.slots[id].state = NodeState::Up;
        }
        ring.check_tokens(ring.tokens_for(vnodes, None))?;
        ring.rebuild();
        Ok(ring)
    }

    /// The hash function placing tokens and keys.
    pub fn hash_fn(&self) -> HashFn {
        self.hash
    }

    /// Virtual nodes per unit of weight.
    pub fn vnodes(&self) -> u32 {
        self.vnodes
    }

    /// Every token, sorted clockwise by `(pos, node, vnode)`.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// A node's state (`Removed` for ids never added).
    pub fn state(&self, id: NodeId) -> NodeState {
        self.slots.get(id).map_or(NodeState::Removed, |s| s.state)
    }

    /// A node's weight (1 for nodes not on the ring).
    pub fn weight(&self, id: NodeId) -> u32 {
        self.slots.get(id).map_or(1, |s| s.weight)
    }

    /// Nodes on the ring (up or failed), ascending.
    pub fn nodes(&self) -> Vec<NodeId> {
        self.ids_where(|s| s.on_ring())
    }

    /// Up nodes, ascending: the live node list every scheme uses.
    pub fn up_nodes(&self) -> Vec<NodeId> {
        self.ids_where(|s| s == NodeState::Up)
    }

    /// One past the highest id ever used: the id an "add node" button should take
    /// (`None` when that would exceed [`MAX_NODES`]).
    pub fn fresh_id(&self) -> Option<NodeId> {
        let id = self.slots.len();
        (id < MAX_NODES).then_some(id)
    }

    fn ids_where(&self, f: impl Fn(NodeState) -> bool) -> Vec<NodeId> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| f(s.state))
            .map(|(i, _)| i)
            .collect()
    }

    fn ensure_slot(&mut self, id: NodeId) {
        if self.slots.len() <= id {
            self.slots.resize(id + 1, EMPTY_SLOT);
        }
    }

    /// Tokens the ring would hold with `vnodes` per unit weight and node `change` = (id, weight,
    /// on ring?) overriding its slot.
    fn tokens_for(&self, vnodes: u32, change: Option<(NodeId, u32, bool)>) -> usize {
        let mut total = 0usize;
        for (id, s) in self.slots.iter().enumerate() {
            let (w, on) = match change {
                Some((cid, w, on)) if cid == id => (w, on),
                _ => (s.weight, s.state.on_ring()),
            };
            if on {
                total += vnodes as usize * w as usize;
            }
        }
        if let Some((cid, w, true)) = change {
            if cid >= self.slots.len() {
                total += vnodes as usize * w as usize;
            }
        }
        total
    }

    fn check_tokens(&self, total: usize) -> Result<(), RingError> {
        if total > MAX_TOKENS {
            Err(RingError::TooManyTokens(total))
        } else {
            Ok(())
        }
    }

    /// Regenerates every token (after a vnode change), then reindexes.
    fn rebuild(&mut self) {
        let mut tokens = Vec::with_capacity(self.tokens_for(self.vnodes, None));
        for (id, s) in self.slots.iter().enumerate() {
            if s.state.on_ring() {
                push_node_tokens(self.hash, id, self.vnodes * s.weight, &mut tokens);
            }
        }
        sort_tokens(&mut tokens);
        self.set_tokens(tokens);
    }

    /// Replaces the tokens, then reindexes.
    fn set_tokens(&mut self, tokens: Vec<Token>) {
        self.tokens = Arc::new(tokens);
        self.reindex();
    }

    /// Keeps the tokens for which `keep` holds (a new table: the old one may be shared).
    fn keep_tokens(&mut self, keep: impl Fn(&Token) -> bool) {
        let tokens = self.tokens.iter().filter(|t| keep(t)).copied().collect();
        self.set_tokens(tokens);
    }

    /// Recomputes `positions` and `serve` from `tokens` and the node states. O(tokens).
    fn reindex(&mut self) {
        self.positions = Arc::new(self.tokens.iter().map(|t| t.pos).collect());
        self.reserve();
    }

    /// Recomputes `serve` from `tokens` and the node states (the tokens unchanged). O(tokens).
    fn reserve(&mut self) {
        let up = |t: &Token| self.slots[t.node].state == NodeState::Up;
        let mut serve = vec![NONE; self.tokens.len()];
        if let Some(first) = self.tokens.iter().position(up) {
            // Walking backwards, `cur` is the first up token at or after i; past the end it
            // wraps to the first up token of the ring.
            let mut cur = self.tokens[first].node as u32;
            for i in (0..self.tokens.len()).rev() {
                if up(&self.tokens[i]) {
                    cur = self.tokens[i].node as u32;
                }
                serve[i] = cur;
            }
        }
        self.serve = Arc::new(serve);
    }

    /// Adds node `id` (up, weight 1) with its tokens.
    pub fn add(&mut self, id: NodeId) -> Result<(), RingError> {
        check_range("node", id as u64, 0, MAX_NODES as u64 - 1)?;
        if self.state(id).on_ring() {
            return Err(RingError::AlreadyOnRing(id));
        }
        self.check_tokens(self.tokens_for(self.vnodes, Some((id, 1, true))))?;
        self.ensure_slot(id);
        self.slots[id] = Slot {
            state: NodeState::Up,
            weight: 1,
        };
        let new = node_tokens(self.hash, id, self.vnodes);
        let tokens = merge(&self.tokens, &new);
        self.set_tokens(tokens);
        Ok(())
    }

    /// Decommissions node `id` (up or failed): its tokens leave the ring and its weight
    /// resets to 1 (a later `add` brings back exactly its weight-1 tokens).
    pub fn remove(&mut self, id: NodeId) -> Result<(), RingError> {
        if !self.state(id).on_ring() {
            return Err(RingError::NotOnRing(id));
        }
        self.slots[id] = EMPTY_SLOT;
        self.keep_tokens(|t| t.node != id);
        Ok(())
    }

    /// Marks an up node failed: its tokens stay, its keys go to the next replica.
    pub fn fail(&mut self, id: NodeId) -> Result<(), RingError> {
        match self.state(id) {
            NodeState::Up => {
                self.slots[id].state = NodeState::Failed;
                self.reserve();
                Ok(())
            }
            NodeState::Failed => Err(RingError::AlreadyFailed(id)),
            NodeState::Removed => Err(RingError::NotOnRing(id)),
        }
    }

    /// Brings a failed node back up: it serves exactly its old keys again.
    pub fn recover(&mut self, id: NodeId) -> Result<(), RingError> {
        match self.state(id) {
            NodeState::Failed => {
                self.slots[id].state = NodeState::Up;
                self.reserve();
                Ok(())
            }
            NodeState::Up => Err(RingError::NotFailed(id)),
            NodeState::Removed => Err(RingError::NotOnRing(id)),
        }
    }

    /// Sets the virtual nodes per unit of weight for every node. Incremental: a node's tokens
    /// for a larger count extend those for a smaller one, so fewer vnodes drop each node's last
    /// tokens and more vnodes add only the new ones (merged into the sorted list) — the same
    /// ring a full rebuild gives ([`Ring::rebuilt`]), in time proportional to the ring plus the
    /// new tokens' hashing.
    pub fn set_vnodes(&mut self, vnodes: u32) -> Result<(), RingError> {
        check_range("vnodes", vnodes as u64, 1, MAX_VNODES as u64)?;
        self.check_tokens(self.tokens_for(vnodes, None))?;
        let old = self.vnodes;
        self.vnodes = vnodes;
        if vnodes < old {
            let slots = &self.slots;
            let tokens = self
                .tokens
                .iter()
                .filter(|t| t.vnode < vnodes * slots[t.node].weight)
                .copied()
                .collect();
            self.set_tokens(tokens);
        } else if vnodes > old {
            let mut new = Vec::new();
            for (id, s) in self.slots.iter().enumerate() {
                if s.state.on_ring() {
                    push_node_token_range(
                        self.hash,
                        id,
                        old * s.weight,
                        vnodes * s.weight,
                        &mut new,
                    );
                }
            }
            sort_tokens(&mut new);
            let tokens = merge(&self.tokens, &new);
            self.set_tokens(tokens);
        }
        Ok(())
    }

    /// The same ring with every token regenerated from scratch (for tests comparing the
    /// incremental operations with a full rebuild).
    pub fn rebuilt(&self) -> Ring {
        let mut r = self.clone();
        r.rebuild();
        r
    }

    /// The position ranges `[lo, hi]` (inclusive, ascending, disjoint) where `self` and
    /// `other` name a different serving node ([`Ring::owner_at`]): every other position is
    /// served by the same node on both. One merged pass over both token lists.
    pub fn changed_arcs(&self, other: &Ring) -> Vec<(u64, u64)> {
        let owner = |r: &Ring, i: usize| -> u32 {
            if r.serve.is_empty() {
                NONE
            } else if i >= r.serve.len() {
                r.serve[0]
            } else {
                r.serve[i]
            }
        };
        let (pa, pb) = (&self.positions, &other.positions);
        let mut out: Vec<(u64, u64)> = Vec::new();
        let mut add = |lo: u64, hi: u64| match out.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(lo) => last.1 = hi,
            _ => out.push((lo, hi)),
        };
        let (mut i, mut j) = (0usize, 0usize);
        // Positions in (prev, next] start at token i of `self` and j of `other`.
        let mut lo = 0u64;
        loop {
            let next = match (pa.get(i), pb.get(j)) {
                (Some(&x), Some(&y)) => x.min(y),
                (Some(&x), None) => x,
                (None, Some(&y)) => y,
                (None, None) => break,
            };
            if owner(self, i) != owner(other, j) {
                add(lo, next);
            }
            while pa.get(i) == Some(&next) {
                i += 1;
            }
            while pb.get(j) == Some(&next) {
                j += 1;
            }
            match next.checked_add(1) {
                Some(n) => lo = n,
                None => return out,
            }
        }
        // Past the last token both wrap to their first.
        if owner(self, i) != owner(other, j) {
            add(lo, u64::MAX);
        }
        out
    }

    /// Sets a node's weight: it then owns `vnodes × weight` tokens (its first tokens are
    /// kept, so raising a weight only adds points).
    pub fn set_weight(&mut self, id: NodeId, weight: u32) -> Result<(), RingError> {
        check_range("weight", weight as u64, 1, MAX_WEIGHT as u64)?;
        if !self.state(id).on_ring() {
            return Err(RingError::NotOnRing(id));
        }
        self.check_tokens(self.tokens_for(self.vnodes, Some((id, weight, true))))?;
        self.slots[id].weight = weight;
        let rest: Vec<Token> = self
            .tokens
            .iter()
            .filter(|t| t.node != id)
            .copied()
            .collect();
        let new = node_tokens(self.hash, id, self.vnodes * weight);
        self.set_tokens(merge(&rest, &new));
        Ok(())
    }

    /// What [`Ring::undo`] needs to take `op` back, read before `op` is applied.
    pub fn undo_info(&self, op: &RingOp) -> Undo {
        let node = op.node();
        Undo {
            slots_len: self.slots.len(),
            vnodes: self.vnodes,
            slot: node.map_or(EMPTY_SLOT, |id| {
                self.slots.get(id).copied().unwrap_or(EMPTY_SLOT)
            }),
        }
    }

    /// Takes back `op`, which was applied to a ring `u` was read from ([`Ring::undo_info`]):
    /// the result equals that ring exactly (a node's tokens are a function of its id and
    /// count, so removed ones are regenerated, added ones filtered out). O(tokens), one
    /// operation's work instead of a replay from the start.
    pub fn undo(&mut self, op: &RingOp, u: &Undo) {
        match *op {
            RingOp::Add(id) => {
                if let Some(s) = self.slots.get_mut(id) {
                    *s = EMPTY_SLOT;
                }
                self.slots.truncate(u.slots_len);
                self.keep_tokens(|t| t.node != id);
            }
            RingOp::Remove(id) => {
                self.ensure_slot(id);
                self.slots[id] = u.slot;
                let new = node_tokens(self.hash, id, self.vnodes * u.slot.weight);
                let tokens = merge(&self.tokens, &new);
                self.set_tokens(tokens);
            }
            RingOp::Fail(id) | RingOp::Recover(id) => {
                if let Some(s) = self.slots.get_mut(id) {
                    s.state = u.slot.state;
                }
                self.reserve();
            }
            RingOp::SetVnodes(_) => {
                // The earlier count was valid on this very ring.
                let _ = self.set_vnodes(u.vnodes);
            }
            RingOp::SetWeight(id, _) => {
                let _ = self.set_weight(id, u.slot.weight);
            }
        }
    }

    /// Applies one operation; on error the ring is unchanged.
    pub fn apply(&mut self, op: &RingOp) -> Result<(), RingError> {
        match *op {
            RingOp::Add(id) => self.add(id),
            RingOp::Remove(id) => self.remove(id),
            RingOp::Fail(id) => self.fail(id),
            RingOp::Recover(id) => self.recover(id),
            RingOp::SetVnodes(v) => self.set_vnodes(v),
            RingOp::SetWeight(id, w) => self.set_weight(id, w),
        }
    }

    /// A key's position on this ring.
    pub fn key_position(&self, key: &[u8]) -> u64 {
        self.hash.ring_position(self.hash.hash(key))
    }

    /// Index of the first token at or after `pos`, wrapping to 0 (0 on an empty ring).
    pub fn start_index(&self, pos: u64) -> usize {
        let i = self.positions.partition_point(|&p| p < pos);
        if i == self.positions.len() {
            0
        } else {
            i
        }
    }

    /// The node serving position `pos`: the first up node clockwise (`None` if none is up).
    #[inline]
    pub fn owner_at(&self, pos: u64) -> Option<NodeId> {
        if self.positions.is_empty() {
            return None;
        }
        match self.serve[self.start_index(pos)] {
            NONE => None,
            n => Some(n as NodeId),
        }
    }

    /// The node serving `key`.
    pub fn owner(&self, key: &[u8]) -> Option<NodeId> {
        self.owner_at(self.key_position(key))
    }

    /// The first `r` distinct up nodes clockwise from `pos`: owner, then replicas (fewer if
    /// fewer are up).
    pub fn replicas_at(&self, pos: u64, r: usize) -> Vec<NodeId> {
        self.collect_at(pos, r, true)
    }

    /// The first `r` distinct nodes clockwise from `pos`, failed ones included: the key's
    /// natural preference list (Dynamo §4.3).
    pub fn preference_list_at(&self, pos: u64, r: usize) -> Vec<NodeId> {
        self.collect_at(pos, r, false)
    }

    fn collect_at(&self, pos: u64, r: usize, up_only: bool) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = Vec::with_capacity(r);
        let n = self.tokens.len();
        if n == 0 || r == 0 {
            return out;
        }
        let start = self.start_index(pos);
        for k in 0..n {
            let node = self.tokens[(start + k) % n].node;
            let ok = !up_only || self.slots[node].state == NodeState::Up;
            if ok && !out.contains(&node) {
                out.push(node);
                if out.len() == r {
                    break;
                }
            }
        }
        out
    }

    /// The path a lookup of position `pos` takes for `r` replicas (see [`Walk`]).
    pub fn walk_at(&self, pos: u64, r: usize) -> Walk {
        let mut walk = Walk {
            key_pos: pos,
            steps: Vec::new(),
            replicas: Vec::new(),
        };
        let n = self.tokens.len();
        if n == 0 || r == 0 {
            return walk;
        }
        let start = self.start_index(pos);
        for k in 0..n {
            let token = (start + k) % n;
            let node = self.tokens[token].node;
            let kind = if self.slots[node].state != NodeState::Up {
                StepKind::Failed
            } else if walk.replicas.contains(&node) {
                StepKind::Duplicate
            } else {
                walk.replicas.push(node);
                if walk.replicas.len() == 1 {
                    StepKind::Owner
                } else {
                    StepKind::Replica
                }
            };
            walk.steps.push(WalkStep { token, node, kind });
            if walk.replicas.len() == r {
                break;
            }
        }
        walk
    }

    /// The path a lookup of `key` takes for `r` replicas.
    pub fn walk(&self, key: &[u8], r: usize) -> Walk {
        self.walk_at(self.key_position(key), r)
    }

    /// The fraction of the hash space each up node serves (sum of its arcs), by id. This is the
    /// share an infinite uniform key set would give it.
    pub fn arc_shares(&self) -> Vec<(NodeId, f64)> {
        let mut arcs = vec![0u128; self.slots.len()];
        let n = self.tokens.len();
        for i in 0..n {
            if self.serve[i] == NONE {
                continue;
            }
            // Token i serves (pos[i-1], pos[i]]; a single token serves the whole ring.
            let len = if n == 1 {
                1u128 << 64
            } else {
                let prev = self.positions[(i + n - 1) % n];
                self.positions[i].wrapping_sub(prev) as u128
            };
            arcs[self.serve[i] as usize] += len;
        }
        self.up_nodes()
            .into_iter()
            .map(|id| (id, arcs[id] as f64 / 18_446_744_073_709_551_616.0))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        for x in [0u64, 7, 10, 12345, u64::MAX] {
            let mut b = Vec::new();
            push_decimal(&mut b, x);
            assert_eq!(b, x.to_string().into_bytes());
        }
    }

    #[test]
    fn arcs_sum_to_one() {
        let mut r = Ring::with_nodes(HashFn::Xxh64, 10, 4).unwrap();
        r.fail(2).unwrap();
        let total: f64 = r.arc_shares().iter().map(|x| x.1).sum();
        assert!((total - 1.0).abs() < 1e-9);
        let one = Ring::with_nodes(HashFn::Xxh64, 1, 1).unwrap();
        assert_eq!(one.arc_shares(), vec![(0, 1.0)]);
    }

    #[test]
    fn token_strings_are_pinned() {
        // n3#7 with xxh64; ketama's first points of n0 from MD5("n0-0") =
        // 0361177ab094a51f0be09c9e589575c7 (Python hashlib), read little-endian.
        let t = node_tokens(HashFn::Xxh64, 3, 8);
        assert!(t
            .iter()
            .any(|t| t.vnode == 7 && t.pos == crate::ring::hash::xxh64(b"n3#7", 0)));
        let k = node_tokens(HashFn::Md5, 0, 4);
        let mut pts: Vec<u64> = k.iter().map(|t| t.pos >> 32).collect();
        pts.sort_unstable();
        let mut want = vec![0x7a17_6103u64, 0x1fa5_94b0, 0x9e9c_e00b, 0xc775_9558];
        want.sort_unstable();
        assert_eq!(pts, want);
    }
}
