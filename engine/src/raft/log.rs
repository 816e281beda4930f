//! A server's log, cheap to copy ([`SharedVec`]): a snapshot of the simulation shares its full
//! chunks instead of copying every entry (each entry's key is an `Arc` whose count changes). The
//! whole-system lab's shards append 100 entries a second each, and copying their logs was most
//! of a step back late in a long run.

use super::Entry;
use crate::shared_vec::SharedVec;

/// The entries of a log in order, 0-based (`log[i - 1]` is Raft's index i).
pub type RaftLog = SharedVec<Entry, 256>;
