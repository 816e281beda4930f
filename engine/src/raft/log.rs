//! A server's log, cheap to copy: full chunks of entries behind `Arc`s, shared by every copy,
//! and an open tail.
//!
//! A [`crate::History`] copies the whole simulation for its snapshots, and a `Vec` of entries
//! is copied entry by entry (each entry's key is an `Arc` whose count changes). A log that grows
//! for the whole run (the whole-system lab's shards take 100 writes a second each: 60 000
//! entries per server after 10 minutes) made every snapshot, and so every step back late in
//! such a run, slower as it went. A copy of this log copies one pointer per full chunk and the
//! tail.

use super::Entry;
use std::fmt;
use std::sync::Arc;

/// Entries per full chunk.
const CHUNK: usize = 256;

/// The entries of a log in order, 0-based (`log[i - 1]` is Raft's index i).
///
/// Every chunk in `full` holds exactly [`CHUNK`] entries and `tail` fewer, so the layout follows
/// from the length alone.
#[derive(Clone, Default)]
pub struct RaftLog {
    full: Vec<Arc<[Entry; CHUNK]>>,
    tail: Vec<Entry>,
}

impl RaftLog {
    /// An empty log.
    pub fn new() -> RaftLog {
        RaftLog::default()
    }

    /// Entries in the log.
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    /// True when the log holds no entry.
    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.tail.is_empty()
    }

    /// Entry `i` (0-based).
    #[inline]
    pub fn get(&self, i: usize) -> Option<&Entry> {
        let in_full = self.full.len() * CHUNK;
        if i >= in_full {
            self.tail.get(i - in_full)
        } else {
            Some(&self.full[i / CHUNK][i % CHUNK])
        }
    }

    /// The last entry.
    pub fn last(&self) -> Option<&Entry> {
        self.tail
            .last()
            .or_else(|| self.full.last().and_then(|c| c.last()))
    }

    /// Appends an entry.
    pub fn push(&mut self, e: Entry) {
        self.tail.push(e);
        if self.tail.len() == CHUNK {
            let chunk: Arc<[Entry]> = std::mem::take(&mut self.tail).into();
            match chunk.try_into() {
                Ok(full) => self.full.push(full),
                Err(_) => unreachable!("a chunk is sealed at exactly CHUNK entries"),
            }
        }
    }

    /// Keeps the first `keep` entries.
    pub fn truncate(&mut self, keep: usize) {
        let k = keep / CHUNK;
        if k < self.full.len() {
            self.tail = self.full[k][..keep % CHUNK].to_vec();
            self.full.truncate(k);
        } else {
            self.tail.truncate(keep - self.full.len() * CHUNK);
        }
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.full.clear();
        self.tail.clear();
    }

    /// The entries, first to last.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.full.iter().flat_map(|c| c.iter()).chain(&self.tail)
    }

    /// Entries `lo..hi` (0-based, `hi` at most the length), as one shared list.
    pub fn range(&self, lo: usize, hi: usize) -> Arc<[Entry]> {
        let in_full = self.full.len() * CHUNK;
        if lo >= hi {
            Arc::new([])
        } else if lo >= in_full {
            self.tail[lo - in_full..hi - in_full].into()
        } else if lo / CHUNK == (hi - 1) / CHUNK {
            self.full[lo / CHUNK][lo % CHUNK..(hi - 1) % CHUNK + 1].into()
        } else {
            let mut v = Vec::with_capacity(hi - lo);
            v.extend((lo..hi).filter_map(|i| self.get(i)).cloned());
            v.into()
        }
    }

    /// The entries as a list.
    pub fn to_vec(&self) -> Vec<Entry> {
        self.iter().cloned().collect()
    }

    /// Heap bytes a copy holds ([`crate::Node::heap_bytes`]): its tail and its pointers whole,
    /// and its share of the full chunks (shared with the copies taken since they filled).
    pub fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{shared, slice};
        let chunk = |c: &Arc<[Entry; CHUNK]>| shared(c, c.iter().map(entry_bytes).sum());
        slice(&self.full)
            + self.full.iter().map(chunk).sum::<usize>()
            + self.tail.iter().map(entry_bytes).sum::<usize>()
    }
}

/// An entry's bytes, with the member list of a configuration.
fn entry_bytes(e: &Entry) -> usize {
    std::mem::size_of::<Entry>()
        + match &e.cmd {
            super::Cmd::Config(v) => v.len() * std::mem::size_of::<crate::NodeId>(),
            _ => 0,
        }
}

impl std::ops::Index<usize> for RaftLog {
    type Output = Entry;
    fn index(&self, i: usize) -> &Entry {
        match self.get(i) {
            Some(e) => e,
            None => panic!("log index {i} out of range for length {}", self.len()),
        }
    }
}

impl PartialEq for RaftLog {
    fn eq(&self, o: &RaftLog) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}
impl Eq for RaftLog {}

impl PartialEq<[Entry]> for RaftLog {
    fn eq(&self, o: &[Entry]) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl PartialEq<Vec<Entry>> for RaftLog {
    fn eq(&self, o: &Vec<Entry>) -> bool {
        *self == **o
    }
}

impl fmt::Debug for RaftLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::Cmd;
    use proptest::prelude::*;

    fn entry(term: u64) -> Entry {
        Entry {
            term,
            cmd: if term.is_multiple_of(3) {
                Cmd::Config(vec![0, 1, 2])
            } else {
                Cmd::Put {
                    key: format!("k{term}").into(),
                    value: term as i64,
                }
            },
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Push(usize),
        Truncate(usize),
        Clear,
        Copy,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (1..700usize).prop_map(Op::Push),
            2 => (0..2_000usize).prop_map(Op::Truncate),
            1 => Just(Op::Clear),
            1 => Just(Op::Copy),
        ]
    }

    proptest! {
        /// Whatever the appends (across chunk boundaries), truncations (inside full chunks or
        /// the tail) and copies (which then share chunks), the log reads as a `Vec` would.
        #[test]
        fn reads_as_a_vec(ops in prop::collection::vec(op(), 1..40)) {
            let (mut log, mut v) = (RaftLog::new(), Vec::new());
            let mut copies = Vec::new();
            let mut term = 0;
            for op in ops {
                match op {
                    Op::Push(n) => {
                        for _ in 0..n {
                            term += 1;
                            log.push(entry(term));
                            v.push(entry(term));
                        }
                    }
                    Op::Truncate(k) => {
                        log.truncate(k);
                        v.truncate(k);
                    }
                    Op::Clear => {
                        log.clear();
                        v.clear();
                    }
                    Op::Copy => copies.push((log.clone(), v.clone())),
                }
                prop_assert_eq!(log.len(), v.len());
                prop_assert_eq!(log.is_empty(), v.is_empty());
                prop_assert_eq!(log.last(), v.last());
                prop_assert!(log == v);
                prop_assert_eq!(log.iter().next_back(), v.iter().next_back());
                for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, v.len().saturating_sub(1), v.len()] {
                    prop_assert_eq!(log.get(i), v.get(i));
                }
                let (lo, hi) = (v.len() / 3, v.len() * 2 / 3);
                prop_assert_eq!(&*log.range(lo, hi), &v[lo..hi]);
            }
            // Copies taken along the way are unchanged by what happened to the log since.
            for (c, w) in copies {
                prop_assert!(c == w);
                prop_assert_eq!(c.to_vec(), w);
            }
        }
    }

    #[test]
    fn truncating_beyond_the_end_keeps_everything() {
        let mut log = RaftLog::new();
        for t in 1..=43 {
            log.push(entry(t));
        }
        log.truncate(3 * CHUNK);
        assert_eq!(log.len(), 43);
        log.truncate(43);
        assert_eq!(log.len(), 43);
    }

    #[test]
    fn a_copy_shares_the_full_chunks() {
        let mut log = RaftLog::new();
        for t in 1..=(3 * CHUNK as u64 + 5) {
            log.push(entry(t));
        }
        let alone = log.heap_bytes();
        let copy = log.clone();
        assert!(Arc::ptr_eq(&log.full[0], &copy.full[0]));
        // Two holders: each counts half of the full chunks.
        assert!(
            log.heap_bytes() < alone * 3 / 4,
            "{} vs {alone}",
            log.heap_bytes()
        );
    }
}
