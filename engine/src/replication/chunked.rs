//! An append-mostly sequence whose old part is shared between copies (issue 10).
//!
//! A [`crate::History`] keeps up to 37 snapshots of the simulation; the data nodes' logs and the
//! clients' operation records grow with every write, so plain `Vec`s were copied whole into every
//! snapshot (46 → 74 MiB from 2 to 4 s on the heaviest link). [`Chunked`] keeps full chunks of
//! [`CHUNK`] items behind `Arc`s and only an open tail of at most 2 × [`CHUNK`] items inline: a
//! clone copies the tail and one pointer, so all snapshots share every sealed chunk and a history
//! holds about one copy of the log plus 37 short tails. Items are sealed only once [`CHUNK`] newer
//! ones follow them, so the updates a run makes near the end (a client's operation finishing, a
//! rollback of a recent suffix) nearly always touch the tail; one that reaches into a sealed chunk
//! copies that chunk first if a snapshot shares it (copy on write), so every copy stays exact.

use std::fmt;
use std::sync::Arc;

/// Items per sealed chunk. 64 (256 until session 7): every snapshot copies the open tail, so a
/// smaller chunk makes each of them smaller (the heaviest replication link 28.7 → 23.8 MiB at
/// 2 s, active-active 13.5 → 11.5, locks 1.7 → 1.3), and a finished client operation or a
/// rollback 64 or more items back copies a 64-item chunk if a snapshot shares it.
pub const CHUNK: usize = 64;

/// A sequence with shared sealed chunks (see the module docs). Indexing is O(1).
#[derive(Clone)]
pub struct Chunked<T> {
    /// Full chunks of [`CHUNK`] items each.
    chunks: Arc<Vec<Arc<Vec<T>>>>,
    /// The rest (fewer than 2 × [`CHUNK`] items).
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Arc::new(Vec::new()),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone> Chunked<T> {
    /// An empty sequence.
    pub fn new() -> Self {
        Self::default()
    }

    fn sealed_len(&self) -> usize {
        self.chunks.len() * CHUNK
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.sealed_len() + self.tail.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends an item.
    pub fn push(&mut self, x: T) {
        self.tail.push(x);
        if self.tail.len() >= 2 * CHUNK {
            // The sealed chunk gets an allocation of exactly CHUNK items (a split-off tail kept
            // the capacity of 2 × CHUNK: half of every sealed chunk was empty), the tail keeps
            // its own.
            let full: Vec<T> = self.tail.drain(..CHUNK).collect();
            Arc::make_mut(&mut self.chunks).push(Arc::new(full));
        }
    }

    /// Bytes a copy allocates: the open tail and the list of chunk pointers (the sealed chunks
    /// are shared with the copy).
    pub fn unshared_bytes(&self) -> usize {
        self.tail.capacity() * std::mem::size_of::<T>()
    }

    /// The open tail (the items a copy holds itself; the rest is shared).
    pub fn tail(&self) -> &[T] {
        &self.tail
    }

    /// Item `i`.
    pub fn get(&self, i: usize) -> Option<&T> {
        let s = self.sealed_len();
        if i < s {
            Some(&self.chunks[i / CHUNK][i % CHUNK])
        } else {
            self.tail.get(i - s)
        }
    }

    /// Item `i`, mutably (a sealed chunk shared with a copy is copied first).
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let s = self.sealed_len();
        if i < s {
            let chunks = Arc::make_mut(&mut self.chunks);
            Some(&mut Arc::make_mut(&mut chunks[i / CHUNK])[i % CHUNK])
        } else {
            self.tail.get_mut(i - s)
        }
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// All items, in order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            c: self,
            front: 0,
            back: self.len(),
        }
    }

    /// Items `from..to` (clamped to the length), copied.
    pub fn to_vec(&self, from: usize, to: usize) -> Vec<T> {
        let to = to.min(self.len());
        (from.min(to)..to)
            .filter_map(|i| self.get(i).cloned())
            .collect()
    }

    /// The index of the last of the first `upto` items for which `f` holds.
    pub fn rposition_before(&self, upto: usize, f: impl Fn(&T) -> bool) -> Option<usize> {
        let upto = upto.min(self.len());
        let s = self.sealed_len();
        if upto > s {
            if let Some(j) = self.tail[..upto - s].iter().rposition(&f) {
                return Some(s + j);
            }
        }
        let full = upto.min(s);
        let last_chunk = full / CHUNK;
        if !full.is_multiple_of(CHUNK) {
            if let Some(j) = self.chunks[last_chunk][..full % CHUNK].iter().rposition(&f) {
                return Some(last_chunk * CHUNK + j);
            }
        }
        (0..last_chunk)
            .rev()
            .find_map(|c| self.chunks[c].iter().rposition(&f).map(|j| c * CHUNK + j))
    }

    /// The number of leading items for which `f` holds, in a sequence where it holds for a
    /// prefix (binary search, as `slice::partition_point`).
    pub fn partition_point(&self, f: impl Fn(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(&f) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Drops the first `n` items (log compaction). Whole sealed chunks go by dropping their
    /// pointers (a snapshot sharing them keeps them); otherwise the rest is rebuilt, so chunks
    /// stay aligned to [`CHUNK`] from the new start.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len());
        if n.is_multiple_of(CHUNK) && n <= self.sealed_len() {
            Arc::make_mut(&mut self.chunks).drain(..n / CHUNK);
        } else {
            *self = self.iter().skip(n).cloned().collect();
        }
    }

    /// Removes and returns the items from `at` on (as `Vec::split_off`); a sealed chunk it
    /// reaches into is reopened into the tail.
    pub fn split_off(&mut self, at: usize) -> Vec<T> {
        let s = self.sealed_len();
        if at >= s {
            let at = (at - s).min(self.tail.len());
            return self.tail.split_off(at);
        }
        let keep = at / CHUNK;
        let mut out: Vec<T> = Vec::with_capacity(self.len() - at);
        let chunks = Arc::make_mut(&mut self.chunks);
        let reopened: Vec<T> = chunks
            .drain(keep..)
            .flat_map(|c| Arc::unwrap_or_clone(c).into_iter())
            .collect();
        let tail = std::mem::take(&mut self.tail);
        let mut prefix = reopened;
        out.extend(prefix.drain(at % CHUNK..));
        out.extend(tail);
        self.tail = prefix;
        out
    }
}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        let mut c = Chunked::new();
        for x in it {
            c.push(x);
        }
        c
    }
}

impl<T: Clone> std::ops::Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(x) => x,
            None => panic!("index {i} out of range for length {}", self.len()),
        }
    }
}

/// An iterator over a [`Chunked`] by index (small code: no nested adaptors to instantiate).
pub struct Iter<'a, T> {
    c: &'a Chunked<T>,
    front: usize,
    back: usize,
}

impl<'a, T: Clone> Iterator for Iter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.c.get(self.front - 1)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
    fn nth(&mut self, n: usize) -> Option<&'a T> {
        self.front = self.front.saturating_add(n).min(self.back);
        self.next()
    }
}

impl<T: Clone> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.c.get(self.back)
    }
}

impl<T: Clone> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T: Clone> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Clone + PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Clone + fmt::Debug> fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vec_and_shares_its_sealed_chunks() {
        let mut c: Chunked<u32> = Chunked::new();
        let mut v: Vec<u32> = Vec::new();
        for i in 0..2_000 {
            c.push(i);
            v.push(i);
        }
        assert_eq!(c.len(), v.len());
        assert!(c.iter().eq(v.iter()));
        assert!(c.iter().rev().eq(v.iter().rev()));
        assert!(c.iter().skip(700).eq(v.iter().skip(700)));
        assert_eq!(c.iter().len(), 2_000);
        assert_eq!(c[1_234], 1_234);
        assert_eq!(c.last(), Some(&1_999));
        let snap = c.clone();
        assert!(Arc::ptr_eq(&snap.chunks, &c.chunks), "a clone shares");
        // Copy on write into a sealed chunk: the snapshot keeps its value.
        *c.get_mut(10).unwrap() = 7;
        v[10] = 7;
        assert_eq!(snap[10], 10);
        assert_eq!(c[10], 7);
        assert_eq!(
            c.rposition_before(1_500, |&x| x % 700 == 0),
            v[..1_500].iter().rposition(|&x| x % 700 == 0)
        );
        assert_eq!(c.rposition_before(700, |&x| x == 7), Some(10));
        assert_eq!(c.to_vec(250, 260), v[250..260].to_vec());
        for x in [0, 1, 63, 64, 700, 1_999, 2_000, 5_000] {
            assert_eq!(c.partition_point(|&y| y < x), v.partition_point(|&y| y < x));
        }
        // Split into a sealed chunk, then into the tail.
        for at in [1_999, 1_700, 300, 257, 0] {
            let (a, b) = (c.split_off(at), v.split_off(at));
            assert_eq!(a, b);
            assert!(c.iter().eq(v.iter()), "at {at}");
            for i in 0..600 {
                c.push(i);
                v.push(i);
            }
            assert!(c.iter().eq(v.iter()));
            assert_eq!(c.len(), v.len());
        }
        assert_eq!(snap.len(), 2_000, "the snapshot is untouched");
        // Dropping a prefix: whole chunks (shared with the snapshot), then an unaligned count.
        let mut d = snap.clone();
        d.drop_front(3 * CHUNK);
        assert!(d.iter().copied().eq(3 * CHUNK as u32..2_000));
        assert!(
            Arc::ptr_eq(&d.chunks[0], &snap.chunks[3]),
            "sealed chunks stay shared"
        );
        d.drop_front(10);
        assert!(d.iter().copied().eq(3 * CHUNK as u32 + 10..2_000));
        d.push(5);
        assert_eq!(d.last(), Some(&5));
        d.drop_front(10_000);
        assert!(d.is_empty());
        assert_eq!(snap.len(), 2_000);
        assert!(snap.iter().copied().eq((0..2_000).map(|i| i as u32)));
    }
}
