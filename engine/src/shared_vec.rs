//! A list that grows for the whole run and is cheap to copy: full chunks of `N` items behind
//! `Arc`s, shared by every copy, and an open tail.
//!
//! A [`crate::History`] copies the whole simulation for its snapshots. A plain `Vec` that grows
//! with the run is copied item by item into every one of them, so every snapshot, and every step
//! back, gets slower as the run goes on (the whole-system lab's shards append 100 log entries a
//! second each, and its front records 1 000 latencies a second). A copy of this list copies one
//! pointer per full chunk and the short tail. Raft's log ([`crate::raft::RaftLog`]) and the
//! system lab's latencies use it.
//!
//! The replication labs use a richer one, [`crate::replication::chunked::Chunked`]: its items
//! can be changed in place (copy on write) and dropped from the front, and a copy shares even
//! the list of chunks. This one only appends and truncates, which is all a Raft log and a list
//! of measurements do; its code is smaller (the Raft and system pages would weigh 1.6 KB more
//! gzipped with the other) and an item is found with one bounds check (chunks are arrays).

use std::fmt;
use std::sync::Arc;

/// Items in order, 0-based. Every chunk in `full` holds exactly `N` items and `tail` fewer, so
/// the layout follows from the length alone.
#[derive(Clone)]
pub struct SharedVec<T, const N: usize> {
    full: Vec<Arc<[T; N]>>,
    tail: Vec<T>,
}

impl<T, const N: usize> Default for SharedVec<T, N> {
    fn default() -> Self {
        SharedVec {
            full: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone, const N: usize> SharedVec<T, N> {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Items in the list.
    pub fn len(&self) -> usize {
        self.full.len() * N + self.tail.len()
    }

    /// True when the list holds no item.
    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.tail.is_empty()
    }

    /// Item `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        let in_full = self.full.len() * N;
        if i >= in_full {
            self.tail.get(i - in_full)
        } else {
            Some(&self.full[i / N][i % N])
        }
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.tail
            .last()
            .or_else(|| self.full.last().and_then(|c| c.last()))
    }

    /// Appends an item.
    pub fn push(&mut self, x: T) {
        self.tail.push(x);
        if self.tail.len() == N {
            self.seal();
        }
    }

    /// Appends `x` as [`SharedVec::push`] does, but puts a tail that fills its chunk in order
    /// first: for a list read only as a collection of values (a run's latencies, for
    /// percentiles), whose [`SharedVec::full_chunks`] are then each sorted. Positions then no
    /// longer tell the order items were added in.
    pub fn push_sorting_chunks(&mut self, x: T)
    where
        T: Ord,
    {
        self.tail.push(x);
        if self.tail.len() == N {
            crate::sort::sort_unstable(&mut self.tail);
            self.seal();
        }
    }

    /// Moves a tail of `N` items into a full chunk.
    fn seal(&mut self) {
        let chunk: Arc<[T]> = std::mem::take(&mut self.tail).into();
        // Exactly N items, so this is an array; were it not, the items would stay in the tail.
        match chunk.try_into() {
            Ok(full) => self.full.push(full),
            Err(chunk) => self.tail = chunk.to_vec(),
        }
    }

    /// The full chunks, first to last (`N` items each).
    pub fn full_chunks(&self) -> impl Iterator<Item = &[T]> + '_ {
        self.full.iter().map(|c| &c[..])
    }

    /// The items after the full chunks (fewer than `N`).
    pub fn tail(&self) -> &[T] {
        &self.tail
    }

    /// Keeps the first `keep` items.
    pub fn truncate(&mut self, keep: usize) {
        let k = keep / N;
        if k < self.full.len() {
            self.tail = self.full[k][..keep % N].to_vec();
            self.full.truncate(k);
        } else {
            self.tail.truncate(keep - self.full.len() * N);
        }
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.full.clear();
        self.tail.clear();
    }

    /// The items, first to last.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.full.iter().flat_map(|c| c.iter()).chain(&self.tail)
    }

    /// Items `lo..hi` (`hi` at most the length), as one shared list.
    pub fn range(&self, lo: usize, hi: usize) -> Arc<[T]> {
        let in_full = self.full.len() * N;
        if lo >= in_full {
            // The usual case: a leader sends what followers lack, its latest entries.
            self.tail[lo - in_full..hi - in_full].into()
        } else if hi <= in_full && hi - lo <= N - lo % N {
            // Within one full chunk (just after the tail was sealed, say).
            self.full[lo / N][lo % N..lo % N + (hi - lo)].into()
        } else {
            let mut v = Vec::with_capacity(hi.saturating_sub(lo));
            v.extend((lo..hi).filter_map(|i| self.get(i)).cloned());
            v.into()
        }
    }

    /// The items as a list.
    pub fn to_vec(&self) -> Vec<T> {
        let mut v = Vec::with_capacity(self.len());
        for c in &self.full {
            v.extend_from_slice(&c[..]);
        }
        v.extend_from_slice(&self.tail);
        v
    }

    /// Heap bytes a copy holds ([`crate::Node::heap_bytes`]; items counted at their own size):
    /// its tail and its pointers whole, and its share of the full chunks (shared with the copies
    /// taken since they filled).
    pub fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{shared, slice};
        let chunk = std::mem::size_of::<[T; N]>();
        slice(&self.full)
            + self.full.iter().map(|c| shared(c, chunk)).sum::<usize>()
            + slice(&self.tail)
    }
}

impl<T: Clone, const N: usize> std::ops::Index<usize> for SharedVec<T, N> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(x) => x,
            None => panic!("index {i} out of range for length {}", self.len()),
        }
    }
}

impl<T: Clone + PartialEq, const N: usize> PartialEq for SharedVec<T, N> {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}
impl<T: Clone + Eq, const N: usize> Eq for SharedVec<T, N> {}

impl<T: Clone + PartialEq, const N: usize> PartialEq<Vec<T>> for SharedVec<T, N> {
    fn eq(&self, o: &Vec<T>) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl<T: Clone + fmt::Debug, const N: usize> fmt::Debug for SharedVec<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Small chunks, so the tests cross many chunk boundaries.
    const N: usize = 8;

    /// Items that own heap data (as log entries do), so copies are real copies.
    fn item(k: u64) -> String {
        format!("item {k}")
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
            6 => (1..30usize).prop_map(Op::Push),
            2 => (0..80usize).prop_map(Op::Truncate),
            1 => Just(Op::Clear),
            1 => Just(Op::Copy),
        ]
    }

    proptest! {
        /// Whatever the appends (across chunk boundaries), truncations (inside full chunks, in
        /// the tail, beyond the end) and copies (which then share chunks), the list reads as a
        /// `Vec` would, and copies keep what they held.
        #[test]
        fn reads_as_a_vec(ops in prop::collection::vec(op(), 1..40)) {
            let (mut c, mut v) = (SharedVec::<String, N>::new(), Vec::new());
            let mut copies = Vec::new();
            let mut k = 0;
            for op in ops {
                match op {
                    Op::Push(n) => {
                        for _ in 0..n {
                            k += 1;
                            c.push(item(k));
                            v.push(item(k));
                        }
                    }
                    Op::Truncate(keep) => {
                        c.truncate(keep);
                        v.truncate(keep);
                    }
                    Op::Clear => {
                        c.clear();
                        v.clear();
                    }
                    Op::Copy => copies.push((c.clone(), v.clone())),
                }
                prop_assert_eq!(c.len(), v.len());
                prop_assert_eq!(c.is_empty(), v.is_empty());
                prop_assert_eq!(c.last(), v.last());
                prop_assert!(c == v);
                prop_assert_eq!(c.iter().next_back(), v.iter().next_back());
                for i in [0, 1, N - 1, N, N + 1, v.len().saturating_sub(1), v.len()] {
                    prop_assert_eq!(c.get(i), v.get(i));
                }
                for (lo, hi) in [(v.len() / 3, v.len() * 2 / 3), (0, v.len()), (v.len(), v.len())] {
                    prop_assert_eq!(&*c.range(lo, hi), &v[lo..hi]);
                }
                prop_assert_eq!(c.to_vec(), v.clone());
            }
            for (c, w) in copies {
                prop_assert!(c == w);
            }
        }
    }

    proptest! {
        /// Pushed with `push_sorting_chunks`, the list holds the same values, every full chunk
        /// is in order and the tail holds the latest values in the order they came.
        #[test]
        fn sorting_chunks_keeps_the_values(xs in prop::collection::vec(0u64..50, 0..40)) {
            let mut c = SharedVec::<u64, N>::new();
            for &x in &xs {
                c.push_sorting_chunks(x);
            }
            let full: Vec<&[u64]> = c.full_chunks().collect();
            prop_assert_eq!(full.len(), xs.len() / N);
            for (k, chunk) in full.iter().enumerate() {
                let mut want = xs[k * N..(k + 1) * N].to_vec();
                want.sort_unstable();
                prop_assert_eq!(*chunk, &want[..]);
            }
            prop_assert_eq!(c.tail(), &xs[full.len() * N..]);
            prop_assert_eq!(c.len(), xs.len());
        }
    }

    #[test]
    fn truncating_beyond_the_end_keeps_everything() {
        let mut c = SharedVec::<String, N>::new();
        for k in 1..=3 {
            c.push(item(k));
        }
        c.truncate(3 * N);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn a_copy_shares_the_full_chunks() {
        let mut c = SharedVec::<String, N>::new();
        for k in 1..=(3 * N as u64 + 5) {
            c.push(item(k));
        }
        let alone = c.heap_bytes();
        let copy = c.clone();
        assert!(Arc::ptr_eq(&c.full[0], &copy.full[0]));
        // Two holders: each counts half of the full chunks.
        assert!(
            c.heap_bytes() < alone * 3 / 4,
            "{} vs {alone}",
            c.heap_bytes()
        );
    }
}
