//! The consistent-hashing lab: a hash ring with virtual nodes, the alternatives to it, key sets,
//! an operation log with step back, and the load / movement statistics the page shows.
//!
//! Everything here is a pure function of its inputs (architecture §2: "hash rings need no message
//! passing"): the ring is a sorted `Vec` of tokens, every hash function is our own pinned code
//! with golden tests ([`hash`]), generated keys come from the seeded workload stream
//! ([`crate::rng::Stream::Workload`]), and every decision is made in integers — floats appear
//! only in statistics, and otherwise only as platform-independent IEEE operations (jump hash
//! and weighted rendezvous in [`schemes`], the Zipf table in [`keys`], both via
//! [`crate::detmath`] where a logarithm or exponential is needed).
//!
//! ```
//! use engine::ring::{HashFn, KeySpec, RingLab, RingOp, RingParams};
//!
//! let params = RingParams { nodes: 4, vnodes: 100, keys: KeySpec::Sequential { count: 10_000 },
//!                           ..RingParams::default() };
//! let mut lab = RingLab::new(params).unwrap();
//! let m = lab.push("add:n4".parse::<RingOp>().unwrap()).unwrap();
//! // Consistent hashing: about 1/(N+1) = 20 % of the keys move, and all of them to n4.
//! assert!((15.0..25.0).contains(&m.moved_pct()));
//! assert!(m.flows.iter().all(|f| f.to == 4));
//! assert_eq!(lab.ring().hash_fn(), HashFn::Xxh64);
//! lab.step_back();
//! assert_eq!(lab.position(), 0);
//! ```

pub mod analysis;
mod desc;
pub mod hash;
pub mod keys;
pub mod lab;
pub mod ops;
mod presets;
// The lab is `ring` and so is its central data structure; the file name is the one the
// issue asks for.
#[allow(clippy::module_inception)]
pub mod ring;
pub mod run;
pub mod schemes;
pub mod stats;

pub use desc::HashRingLab;
pub use hash::HashFn;
pub use keys::{KeySet, KeySpec};
pub use lab::{Flow, Movement, RingLab, RingParams};
pub use ops::{fmt_ops, parse_ops, RingOp};
pub use ring::{NodeState, Ring, StepKind, Token, Walk, WalkStep};
pub use run::{measure, ops_of, OpMovement, RingMetrics, RingRun};
pub use schemes::Scheme;
pub use stats::{load_stats, summarize, sweep_vnodes, LoadStats, NodeLoad, Summary, SweepPoint};

use crate::{clip, NodeId};
use thiserror::Error;

/// Node ids are `0..MAX_NODES` (`n0` … `n999`).
pub const MAX_NODES: usize = 1_000;
/// Virtual nodes per node (per unit of weight): `1..=MAX_VNODES`.
pub const MAX_VNODES: u32 = 1_000;
/// A node's weight multiplies its virtual-node count: `1..=MAX_WEIGHT`.
pub const MAX_WEIGHT: u32 = 10;
/// The most tokens a ring may hold (16 MB of tokens; 1 000 nodes × 1 000 vnodes).
pub const MAX_TOKENS: usize = 1_000_000;
/// Replication factor R: `1..=MAX_REPLICAS`.
pub const MAX_REPLICAS: usize = 5;
/// The most keys in a key set (generated or Zipf samples).
pub const MAX_KEYS: usize = 1_000_000;
/// The assignment of a key when no node is up to take it.
pub const NO_NODE: NodeId = NodeId::MAX;

/// What can go wrong in the ring lab: a bad op, parameter or link fragment. Shown to the user;
/// texts are quoted at most 40 characters ([`clip`]).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RingError {
    /// `add:3`, `add:n01`
    #[error("'{0}' is not a node name like n3")]
    NotANode(String),
    /// `vnodes:x`: `what` is the number's name (`vnodes`, `weight`, `key count`, …).
    #[error("{what} '{text}' is not a whole number")]
    NotWhole {
        /// What the number is.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// `vnodes:99999999999999999999`
    #[error("{what} '{text}' is too large")]
    TooLarge {
        /// What the number is.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// `zipf:10:5:x`
    #[error("{what} '{text}' is not a number like 1.1")]
    NotDecimal {
        /// What the number is.
        what: &'static str,
        /// The text given.
        text: String,
    },
    /// `weight:n3`
    #[error("weight needs NODE:WEIGHT, e.g. weight:n3:2")]
    WeightForm,
    /// `grow:n3` (the verb)
    #[error("unknown operation '{0}' (add, remove, fail, recover, vnodes, weight)")]
    UnknownOp(String),
    /// More than [`MAX_OPS`](ops::MAX_OPS) operations in one log.
    #[error("more than {} operations", ops::MAX_OPS)]
    TooManyOps,
    /// Entry `index` (from 1) of an op log, its text, and why it was refused.
    #[error("entry {index} '{text}': {error}")]
    Entry {
        /// The entry's place, from 1.
        index: usize,
        /// Its text.
        text: String,
        /// Why.
        error: Box<RingError>,
    },
    /// A timeline entry without `TIME:` (`ops=add:n5`).
    #[error("should be TIME:OP, e.g. 1000:add:n5")]
    EntryForm,
    /// A timeline entry's time that is not ms within the link's limit.
    #[error("'{0}' is not a time in ms (0–{max})", max = crate::scenario::MAX_TIME_MS)]
    NotATime(String),
    /// `named:a b`: a key outside the alphabet or too long.
    #[error("key '{0}' should be 1–{max} characters of A–Z a–z 0–9 _ . : @ / -", max = keys::MAX_KEY_LEN)]
    BadKey(String),
    /// `zipf:10`
    #[error("zipf needs COUNT:DISTINCT:S, e.g. zipf:100000:1000:1.1")]
    ZipfForm,
    /// `keys=all`
    #[error("unknown key set '{0}' (seq, rand, zipf, named)")]
    UnknownKeySet(String),
    /// `ring:3`
    #[error("scheme '{0}' takes no parameter")]
    TakesNoParameter(String),
    /// `scheme=chord`
    #[error("unknown scheme '{0}' (ring, modn, jump, rendezvous, maglev, bounded)")]
    UnknownScheme(String),
    /// `maglev:12`
    #[error("maglev table size {0} is not prime (try 13, 251, 65537)")]
    NotPrime(u32),
    /// `add` of a node that is already on the ring.
    #[error("n{0} is already on the ring")]
    AlreadyOnRing(NodeId),
    /// An op naming a node that is not on the ring.
    #[error("n{0} is not on the ring")]
    NotOnRing(NodeId),
    /// `fail` of a node that has already failed.
    #[error("n{0} has already failed")]
    AlreadyFailed(NodeId),
    /// `recover` of a node that has not failed.
    #[error("n{0} has not failed")]
    NotFailed(NodeId),
    /// A number outside its allowed range.
    #[error("{what} {value} is outside {lo}–{hi}")]
    OutOfRange {
        /// What the number is (`vnodes`, `weight`, …).
        what: &'static str,
        /// The value given.
        value: u64,
        /// Smallest allowed.
        lo: u64,
        /// Largest allowed.
        hi: u64,
    },
    /// The ring would exceed [`MAX_TOKENS`].
    #[error("the ring would hold {0} tokens (at most 1000000)")]
    TooManyTokens(usize),
}

/// The display name of a node: `n0`, `n1`, …
pub fn node_name(id: NodeId) -> String {
    format!("n{id}")
}

/// Parses a node name `n<k>` (no leading zeros, `k < MAX_NODES`). Never panics.
pub fn parse_node(s: &str) -> Result<NodeId, RingError> {
    let bad = || RingError::NotANode(clip(s));
    let digits = s.strip_prefix('n').ok_or_else(bad)?;
    if digits.is_empty()
        || digits.len() > 4
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return Err(bad());
    }
    let id: usize = digits.parse().map_err(|_| bad())?;
    check_range("node", id as u64, 0, MAX_NODES as u64 - 1)?;
    Ok(id)
}

/// `Ok(())` if `lo <= value <= hi`, else [`RingError::OutOfRange`].
pub(crate) fn check_range(
    what: &'static str,
    value: u64,
    lo: u64,
    hi: u64,
) -> Result<(), RingError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(RingError::OutOfRange {
            what,
            value,
            lo,
            hi,
        })
    }
}

/// Parses a whole number of at most 20 digits (no sign, no spaces). Never panics.
pub(crate) fn parse_uint(what: &'static str, s: &str) -> Result<u64, RingError> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RingError::NotWhole {
            what,
            text: clip(s),
        });
    }
    s.parse().map_err(|_| RingError::TooLarge {
        what,
        text: clip(s),
    })
}
