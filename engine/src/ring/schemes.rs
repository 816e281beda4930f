//! The alternatives to a plain ring, behind one enum [`Scheme`]. Each assigns a key set to the
//! current *up* nodes (the ring's [`Ring::up_nodes`], ascending ids); every one of them hashes
//! a key once, with the ring's [`HashFn`], to a 64-bit `h`.
//!
//! | link name | scheme | weights |
//! |---|---|---|
//! | `ring` | the ring with virtual nodes ([`Ring::owner_at`]) | vnodes × weight |
//! | `modn` | `up[h mod N]` — the naive baseline: a change of N moves ~N/(N+1) of the keys | ignored |
//! | `jump` | `up[jump(h, N)]` — Lamping & Veach 2014 | ignored |
//! | `rendezvous` | highest random weight (Thaler & Ravishankar 1998) | log method |
//! | `maglev:M` | Maglev lookup table of prime size M (Eisenbud et al. 2016) | turns per round |
//! | `bounded:C` | consistent hashing with bounded loads, c = C/100 (Mirrokni, Thorup & Zadimoghaddam 2018) | capacity ∝ weight |
//!
//! Jump hash only supports adding or removing the *last* bucket; removing a node in the middle
//! of the up list renumbers the buckets after it, and the lab shows the cost.

use super::hash::{fmix64, HashFn};
use super::keys::KeySet;
use super::ring::Ring;
use super::{check_range, node_name, parse_uint, RingError, NO_NODE};
use crate::{clip, detmath, NodeId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Maglev's default table size: the paper's production size 65 537 (prime).
pub const MAGLEV_DEFAULT_M: u32 = 65_537;
/// Smallest Maglev table (the paper's worked example uses M = 7).
pub const MAGLEV_MIN_M: u32 = 7;
/// Largest Maglev table (prime).
pub const MAGLEV_MAX_M: u32 = 1_000_003;
/// Bounded loads: default c × 100 (c = 1.25, as in Vimeo's deployment of the algorithm).
pub const BOUNDED_DEFAULT_C: u32 = 125;
/// Bounded loads: smallest c × 100 (c = 1: every node exactly at ⌈mean⌉).
pub const BOUNDED_MIN_C: u32 = 100;
/// Bounded loads: largest c × 100.
pub const BOUNDED_MAX_C: u32 = 1_000;

/// A way to map keys to nodes. Text form: `ring`, `modn`, `jump`, `rendezvous`,
/// `maglev[:M]`, `bounded[:C]` (C = c × 100).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scheme {
    /// The hash ring with virtual nodes (the default).
    #[default]
    Ring,
    /// `hash mod N` over the up nodes.
    ModN,
    /// Jump consistent hash over the up nodes.
    Jump,
    /// Rendezvous (highest random weight) hashing.
    Rendezvous,
    /// Maglev hashing with a table of prime size `m`.
    Maglev {
        /// Table size (prime, 7–1 000 003; 65 537 by default).
        m: u32,
    },
    /// Consistent hashing with bounded loads on the ring.
    Bounded {
        /// c × 100 (100–1000; 125 by default): capacity = ⌈c × mean load⌉.
        c_pct: u32,
    },
}

/// True if `n` is prime (trial division; n ≤ ~10^6 here).
pub fn is_prime(n: u32) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2u32;
    while d as u64 * d as u64 <= n as u64 {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 1;
    }
    true
}

impl Scheme {
    /// Every scheme with its default parameters, in menu order.
    pub const ALL: [Scheme; 6] = [
        Scheme::Ring,
        Scheme::ModN,
        Scheme::Jump,
        Scheme::Rendezvous,
        Scheme::Maglev {
            m: MAGLEV_DEFAULT_M,
        },
        Scheme::Bounded {
            c_pct: BOUNDED_DEFAULT_C,
        },
    ];

    /// The link name without parameters (`ring`, `modn`, `jump`, `rendezvous`, `maglev`,
    /// `bounded`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Ring => "ring",
            Scheme::ModN => "modn",
            Scheme::Jump => "jump",
            Scheme::Rendezvous => "rendezvous",
            Scheme::Maglev { .. } => "maglev",
            Scheme::Bounded { .. } => "bounded",
        }
    }

    /// A human title for menus.
    pub fn title(self) -> &'static str {
        match self {
            Scheme::Ring => "Hash ring (virtual nodes)",
            Scheme::ModN => "hash mod N",
            Scheme::Jump => "Jump consistent hash",
            Scheme::Rendezvous => "Rendezvous (HRW)",
            Scheme::Maglev { .. } => "Maglev",
            Scheme::Bounded { .. } => "Bounded loads",
        }
    }

    /// True if node weights affect this scheme's assignment.
    pub fn uses_weights(self) -> bool {
        !matches!(self, Scheme::ModN | Scheme::Jump)
    }

    /// Parses `ring`, `modn`, `jump`, `rendezvous`, `maglev`, `maglev:251`, `bounded`,
    /// `bounded:150`. Never panics.
    pub fn parse(s: &str) -> Result<Scheme, RingError> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let scheme = match (name, arg) {
            ("ring", None) => Scheme::Ring,
            ("modn", None) => Scheme::ModN,
            ("jump", None) => Scheme::Jump,
            ("rendezvous", None) => Scheme::Rendezvous,
            ("maglev", None) => Scheme::Maglev {
                m: MAGLEV_DEFAULT_M,
            },
            ("maglev", Some(a)) => Scheme::Maglev {
                m: parse_uint("maglev table size", a)?.min(u32::MAX as u64) as u32,
            },
            ("bounded", None) => Scheme::Bounded {
                c_pct: BOUNDED_DEFAULT_C,
            },
            ("bounded", Some(a)) => Scheme::Bounded {
                c_pct: parse_uint("bounded c×100", a)?.min(u32::MAX as u64) as u32,
            },
            ("ring" | "modn" | "jump" | "rendezvous", Some(_)) => {
                return Err(RingError::TakesNoParameter(clip(name)))
            }
            _ => return Err(RingError::UnknownScheme(clip(name))),
        };
        scheme.validate()?;
        Ok(scheme)
    }

    /// Checks the parameters: Maglev's M prime in 7–1 000 003, bounded c×100 in 100–1000.
    pub fn validate(self) -> Result<(), RingError> {
        match self {
            Scheme::Maglev { m } => {
                check_range(
                    "maglev table size",
                    m as u64,
                    MAGLEV_MIN_M as u64,
                    MAGLEV_MAX_M as u64,
                )?;
                if !is_prime(m) {
                    return Err(RingError::NotPrime(m));
                }
                Ok(())
            }
            Scheme::Bounded { c_pct } => check_range(
                "bounded c×100",
                c_pct as u64,
                BOUNDED_MIN_C as u64,
                BOUNDED_MAX_C as u64,
            ),
            _ => Ok(()),
        }
    }

    /// Assigns every item of `keys` (hashed with the ring's hash function).
    pub fn assign(self, ring: &Ring, keys: &KeySet) -> Vec<NodeId> {
        self.assign_hashes(ring, &keys.hashes(ring.hash_fn()))
    }

    /// Assigns items given their 64-bit hashes ([`KeySet::hashes`] with the ring's hash
    /// function). [`NO_NODE`] when no node is up.
    pub fn assign_hashes(self, ring: &Ring, hashes: &[u64]) -> Vec<NodeId> {
        let hf = ring.hash_fn();
        let up = ring.up_nodes();
        if up.is_empty() {
            return vec![NO_NODE; hashes.len()];
        }
        match self {
            Scheme::Ring => hashes
                .iter()
                .map(|&h| ring.owner_at(hf.ring_position(h)).unwrap_or(NO_NODE))
                .collect(),
            Scheme::ModN => hashes
                .iter()
                .map(|&h| up[(h % up.len() as u64) as usize])
                .collect(),
            Scheme::Jump => hashes
                .iter()
                .map(|&h| up[jump_hash(h, up.len() as u32) as usize])
                .collect(),
            Scheme::Rendezvous => {
                let nodes: Vec<(NodeId, u32)> = up.iter().map(|&n| (n, ring.weight(n))).collect();
                let r = Rendezvous::new(hf, &nodes);
                hashes.iter().map(|&h| r.pick(h)).collect()
            }
            Scheme::Maglev { m } => {
                let nodes: Vec<(NodeId, u32)> = up.iter().map(|&n| (n, ring.weight(n))).collect();
                let t = MaglevTable::build(hf, &nodes, m);
                hashes
                    .iter()
                    .map(|&h| t.lookup(h).unwrap_or(NO_NODE))
                    .collect()
            }
            Scheme::Bounded { c_pct } => bounded_loads(ring, hashes, c_pct).0,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Scheme::Maglev { m } => write!(f, "maglev:{m}"),
            Scheme::Bounded { c_pct } => write!(f, "bounded:{c_pct}"),
            s => f.write_str(s.as_str()),
        }
    }
}

/// Jump consistent hash, exactly the paper's code (Lamping & Veach 2014, Figure 1): a bucket in
/// `0..buckets` (0 when `buckets` is 0). Its floating-point steps are single IEEE operations
/// (int→double, divide, multiply, truncate), so the result is the same on every platform.
pub fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b.max(0) as u32
}

/// Rendezvous hashing over a fixed node list: each node gets the score
/// `fmix64(h ⊕ H(name))` for a key hash `h` and the highest score wins (ties: lower id). With
/// unequal weights the score is the logarithmic method's `−w / ln(u)`, `u` the integer score
/// mapped into (0, 1) (Schindelhauer & Schomaker 2005), computed with [`crate::detmath::ln`];
/// with equal weights that ordering equals the integer one, so the integer path is used.
/// O(N) per key, unlike the ring's O(log tokens).
#[derive(Clone, Debug, PartialEq)]
pub struct Rendezvous {
    nodes: Vec<(NodeId, u64, u32)>,
    weighted: bool,
}

impl Rendezvous {
    /// Prepares the node seeds (`H("n3")` for node 3).
    pub fn new(hash: HashFn, nodes: &[(NodeId, u32)]) -> Rendezvous {
        let weighted = nodes.windows(2).any(|w| w[0].1 != w[1].1);
        Rendezvous {
            nodes: nodes
                .iter()
                .map(|&(id, w)| (id, hash.hash(node_name(id).as_bytes()), w))
                .collect(),
            weighted,
        }
    }

    /// The integer score of `node_seed` for key hash `h`.
    pub fn score(h: u64, node_seed: u64) -> u64 {
        fmix64(h ^ node_seed)
    }

    /// The winning node for key hash `h` ([`NO_NODE`] with no nodes).
    pub fn pick(&self, h: u64) -> NodeId {
        let mut best = NO_NODE;
        if self.weighted {
            let mut best_score = f64::NEG_INFINITY;
            for &(id, seed, w) in &self.nodes {
                let s = Self::score(h, seed);
                let u = ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
                let score = -(w as f64) / detmath::ln(u);
                if score > best_score {
                    best_score = score;
                    best = id;
                }
            }
        } else {
            let mut best_score = 0u64;
            for &(id, seed, _) in &self.nodes {
                let s = Self::score(h, seed);
                if best == NO_NODE || s > best_score {
                    best_score = s;
                    best = id;
                }
            }
        }
        best
    }
}

/// A Maglev lookup table (Eisenbud et al., NSDI 2016, §3.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaglevTable {
    backends: Vec<NodeId>,
    /// `entry[j]`: index into `backends` (u32::MAX only with no backends).
    entry: Vec<u32>,
}

/// Fills a Maglev table of size `m` from each backend's `(offset, skip)` — Pseudocode 1 of the
/// paper: backends take turns, each claiming its next preferred empty slot, where backend i's
/// preference list is `(offset + j × skip) mod m`. A backend of weight `w` takes `w` turns per
/// round (weight 0: none). Returns the backend index per slot.
pub fn maglev_populate(m: u32, perms: &[(u64, u64)], weights: &[u32]) -> Vec<u32> {
    let m64 = m as u64;
    let mut entry = vec![u32::MAX; m as usize];
    if m == 0 || weights.iter().all(|&w| w == 0) {
        return entry;
    }
    let mut next = vec![0u64; perms.len()];
    let mut filled = 0u32;
    loop {
        for (i, &(offset, skip)) in perms.iter().enumerate() {
            for _ in 0..weights.get(i).copied().unwrap_or(1) {
                // m is prime and skip in 1..m, so the preference list is a permutation and an
                // empty slot is always found while the table is not full.
                let mut c = (offset + next[i] * skip) % m64;
                while entry[c as usize] != u32::MAX {
                    next[i] += 1;
                    c = (offset + next[i] * skip) % m64;
                }
                entry[c as usize] = i as u32;
                next[i] += 1;
                filled += 1;
                if filled == m {
                    return entry;
                }
            }
        }
    }
}

impl MaglevTable {
    /// A backend's `(offset, skip)` for table size `m`: `offset = H("n3/offset") mod m`,
    /// `skip = H("n3/skip") mod (m − 1) + 1` — the paper's two independent hashes of the name.
    pub fn permutation(hash: HashFn, id: NodeId, m: u32) -> (u64, u64) {
        let name = node_name(id);
        let offset = hash.hash(format!("{name}/offset").as_bytes()) % m as u64;
        let skip = hash.hash(format!("{name}/skip").as_bytes()) % (m as u64 - 1) + 1;
        (offset, skip)
    }

    /// The table for `(node, weight)` backends, size `m` (prime ≥ 7; see [`Scheme::validate`]).
    pub fn build(hash: HashFn, backends: &[(NodeId, u32)], m: u32) -> MaglevTable {
        let m = m.max(2);
        let perms: Vec<(u64, u64)> = backends
            .iter()
            .map(|&(id, _)| MaglevTable::permutation(hash, id, m))
            .collect();
        let weights: Vec<u32> = backends.iter().map(|b| b.1).collect();
        MaglevTable {
            backends: backends.iter().map(|b| b.0).collect(),
            entry: maglev_populate(m, &perms, &weights),
        }
    }

    /// The table size M.
    pub fn size(&self) -> usize {
        self.entry.len()
    }

    /// The node for key hash `h`: `table[h mod M]`.
    pub fn lookup(&self, h: u64) -> Option<NodeId> {
        let e = self.entry[(h % self.entry.len() as u64) as usize];
        self.backends.get(e as usize).copied()
    }

    /// The table as node ids, slot by slot (for drawing small tables).
    pub fn slots(&self) -> Vec<NodeId> {
        self.entry
            .iter()
            .map(|&e| self.backends.get(e as usize).copied().unwrap_or(NO_NODE))
            .collect()
    }

    /// Slots per backend, in backend order.
    pub fn counts(&self) -> Vec<(NodeId, usize)> {
        let mut c = vec![0usize; self.backends.len()];
        for &e in &self.entry {
            if let Some(x) = c.get_mut(e as usize) {
                *x += 1;
            }
        }
        self.backends.iter().copied().zip(c).collect()
    }
}

/// Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam, SODA 2018): with m
/// items and up nodes of total weight W, node i's capacity is `⌈c × m × wᵢ / W⌉` (= ⌈c × mean⌉
/// with equal weights), c = `c_pct / 100`, in integers. Items are placed one by one in key-set
/// order; each walks clockwise from its ring position past failed and full nodes to the first
/// up node with room. Returns the assignment and each up node's capacity.
pub fn bounded_loads(ring: &Ring, hashes: &[u64], c_pct: u32) -> (Vec<NodeId>, Vec<(NodeId, u64)>) {
    let up = ring.up_nodes();
    let tokens = ring.tokens();
    if up.is_empty() || tokens.is_empty() {
        return (vec![NO_NODE; hashes.len()], Vec::new());
    }
    let total_w: u128 = up.iter().map(|&n| ring.weight(n) as u128).sum();
    let m = hashes.len() as u128;
    let c = c_pct.max(BOUNDED_MIN_C) as u128;
    let slots = up.last().map_or(0, |&n| n + 1);
    // Capacity 0 for nodes that are not up, so one comparison skips failed and full nodes.
    let mut cap = vec![0u64; slots];
    let mut caps = Vec::with_capacity(up.len());
    for &n in &up {
        let w = ring.weight(n) as u128;
        let x = (c * m * w).div_ceil(100 * total_w) as u64;
        cap[n] = x;
        caps.push((n, x));
    }
    let mut load = vec![0u64; slots];
    let hf = ring.hash_fn();
    let t = tokens.len();
    let assignment = hashes
        .iter()
        .map(|&h| {
            let mut i = ring.start_index(hf.ring_position(h));
            // Σ capacity ≥ m (c ≥ 1), so a full lap never happens; the bound is a safety net.
            for _ in 0..t {
                let n = tokens[i].node;
                if n < slots && load[n] < cap[n] {
                    load[n] += 1;
                    return n;
                }
                i += 1;
                if i == t {
                    i = 0;
                }
            }
            NO_NODE
        })
        .collect();
    (assignment, caps)
}
