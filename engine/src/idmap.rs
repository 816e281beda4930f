//! A map from integer ids to values, in id order, for the engine's many "by id" tables (client
//! operations, work in progress, messages held at a link, a shard's key-value state).
//!
//! Why not `BTreeMap<u64, V>`: every value type instantiates the whole B-tree again (insert,
//! remove with its rebalancing, clone, drop): about 4–6 KB of wasm each. Here the index is one
//! sorted `Vec<(u64, u32)>` (id → slot, found by binary search; ids mostly arrive in increasing
//! order, so inserts go at the end; a removed id stays as a dead entry until the dead are half
//! the index, so removing the oldest of thousands does not shift the rest), the same type for
//! every `IdMap<V>`, and the values live in a slab (`Vec<Option<V>>` with a free list), whose
//! code per type is small; a copy is three `Vec` copies, not a tree's nodes one by one.
//! Iteration, lookups and equality behave exactly as the `BTreeMap` did (by id; slot reuse is
//! invisible), so runs replay unchanged.

use std::cmp::Ordering;

/// A map from ids to values, iterated in id order (see the module docs).
#[derive(Clone, Debug)]
pub struct IdMap<V> {
    /// `(id, slot)` sorted by id; a removed id stays as a dead entry (slot [`DEAD`]) until the
    /// dead make up half of a long index.
    index: Vec<(u64, u32)>,
    slots: Vec<Option<V>>,
    free: Vec<u32>,
    /// Dead entries in `index`.
    dead: usize,
}

/// The slot of a dead index entry.
const DEAD: u32 = u32::MAX;

/// Dead index entries kept (and at least half the index) before it is compacted.
const DEAD_SLACK: usize = 32;

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap {
            index: Vec::new(),
            slots: Vec::new(),
            free: Vec::new(),
            dead: 0,
        }
    }
}

impl<V> IdMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.index.len() - self.dead
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where `id` is in the index, dead or alive (`Ok`), or would go (`Err`).
    ///
    /// The ids are distinct and sorted, so `id`'s place is at most `id - first` entries after the
    /// first one's, and the entry there is never below `id`. Ids mostly arrive one after another
    /// (a client's requests), so that entry is usually `id` itself: it is looked at first, and
    /// only the entries before it are searched otherwise.
    fn at(&self, id: u64) -> Result<usize, usize> {
        let n = self.index.len();
        match self.index.first() {
            Some(&(first, _)) if first <= id => {
                let k = usize::try_from(id - first).map_or(n - 1, |d| d.min(n - 1));
                match self.index[k].0.cmp(&id) {
                    Ordering::Equal => Ok(k),
                    // Only when the whole index is below `id` (k is then the last entry).
                    Ordering::Less => Err(n),
                    Ordering::Greater => self.index[..k].binary_search_by(|&(x, _)| x.cmp(&id)),
                }
            }
            _ => Err(0),
        }
    }

    /// The slot of `id`.
    fn slot(&self, id: u64) -> Option<usize> {
        let k = self.at(id).ok()?;
        let i = self.index[k].1;
        (i != DEAD).then_some(i as usize)
    }

    /// A slot for a new value.
    fn place(&mut self, v: V) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(v);
                i
            }
            None => {
                self.slots.push(Some(v));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Sets the value of `id`, returning the one it replaces.
    pub fn insert(&mut self, id: u64, v: V) -> Option<V> {
        match self.at(id) {
            Ok(k) if self.index[k].1 != DEAD => self.slots[self.index[k].1 as usize].replace(v),
            Ok(k) => {
                self.index[k].1 = self.place(v);
                self.dead -= 1;
                None
            }
            Err(at) => {
                let i = self.place(v);
                self.index.insert(at, (id, i));
                None
            }
        }
    }

    /// The value of `id`.
    pub fn get(&self, id: &u64) -> Option<&V> {
        self.slots[self.slot(*id)?].as_ref()
    }

    /// The value of `id`, to change.
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut V> {
        let i = self.slot(*id)?;
        self.slots[i].as_mut()
    }

    /// The value of `id`, made with `make` if it has none.
    pub fn get_or_insert_with(&mut self, id: u64, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.slot(id) {
            Some(i) => i,
            None => {
                self.insert(id, make());
                self.slot(id).unwrap_or_default()
            }
        };
        match &mut self.slots[i] {
            Some(v) => v,
            None => unreachable!(),
        }
    }

    /// Takes the value of `id` out. Its index entry stays, dead, until the dead are half of a
    /// long index: tables whose oldest ids leave first (requests in flight, thousands) would
    /// otherwise shift the whole index on every removal.
    pub fn remove(&mut self, id: &u64) -> Option<V> {
        let k = self.at(*id).ok()?;
        let i = std::mem::replace(&mut self.index[k].1, DEAD);
        if i == DEAD {
            return None;
        }
        self.dead += 1;
        if self.dead >= DEAD_SLACK && self.dead * 2 >= self.index.len() {
            self.index.retain(|&(_, i)| i != DEAD);
            self.dead = 0;
        }
        self.free.push(i);
        self.slots[i as usize].take()
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        self.dead = 0;
    }

    /// `(id, value)` in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &V)> + '_ {
        self.index.iter().filter_map(|&(k, i)| {
            let v = self.slots.get(i as usize)?.as_ref()?;
            Some((k, v))
        })
    }

    /// Values in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// The map's `(id, value)` in id order.
    pub fn into_pairs(self) -> impl Iterator<Item = (u64, V)> {
        let mut slots = self.slots;
        self.index
            .into_iter()
            .filter_map(move |(k, i)| slots.get_mut(i as usize)?.take().map(|v| (k, v)))
    }
}

/// Equal when the same ids map to equal values (as two `BTreeMap`s compare).
impl<V: PartialEq> PartialEq for IdMap<V> {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl<V: Eq> Eq for IdMap<V> {}

#[cfg(test)]
mod tests {
    use super::IdMap;
    use std::collections::BTreeMap;

    /// The same operations on an `IdMap` and a `BTreeMap` give the same contents in the same
    /// order (slots are reused after removals).
    #[test]
    fn behaves_like_a_btreemap() {
        let mut a = IdMap::new();
        let mut b = BTreeMap::new();
        let mut x: u64 = 7;
        let mut fifo = 0;
        for step in 0..6000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Random keys among 50, then among 400 (dead entries pile up and are compacted),
            // then increasing ones removed oldest first (a table of requests in flight).
            let k = match step / 2000 {
                0 => (x >> 33) % 50,
                1 => (x >> 33) % 400,
                _ => 1_000 + step,
            };
            if step >= 4000 && (x >> 20).is_multiple_of(3) {
                fifo += 1;
                assert_eq!(a.remove(&(1_000 + fifo)), b.remove(&(1_000 + fifo)));
            }
            if step.is_multiple_of(97) {
                assert!(a.iter().eq(b.iter().map(|(&k, v)| (k, v))));
                assert!(a.clone() == a);
            }
            match (x >> 20) % 4 {
                0 | 1 => assert_eq!(a.insert(k, step), b.insert(k, step)),
                2 => assert_eq!(a.remove(&k), b.remove(&k)),
                _ => {
                    *a.get_or_insert_with(k, || 0) += 1;
                    *b.entry(k).or_insert(0) += 1;
                }
            }
            assert_eq!(a.get(&k), b.get(&k));
            assert_eq!(a.len(), b.len());
        }
        assert!(a.iter().eq(b.iter().map(|(&k, v)| (k, v))));
        assert!(a.iter().rev().eq(b.iter().rev().map(|(&k, v)| (k, v))));
        let c = a.clone();
        assert!(c == a);
        assert!(std::mem::take(&mut a).into_pairs().eq(b.into_iter()));
        assert!(a.is_empty() && c != a);
    }

    proptest::proptest! {
        /// The place `at` finds for an id, present or not, is the one a search of the whole
        /// index finds: ids in runs and with gaps, some removed (dead entries stay), and ids
        /// below, among and far above them.
        #[test]
        fn at_finds_what_a_full_search_finds(
            ids in proptest::collection::btree_set(0u64..300, 0..60),
            big in proptest::collection::btree_set(proptest::num::u64::ANY, 0..3),
            removed in proptest::collection::vec(0usize..64, 0..20),
            asked in proptest::collection::vec(proptest::num::u64::ANY, 0..8),
        ) {
            let mut m = IdMap::new();
            for &id in ids.iter().chain(&big) {
                m.insert(id, ());
            }
            let all: Vec<u64> = ids.iter().chain(&big).copied().collect();
            for &r in &removed {
                if let Some(&id) = all.get(r) {
                    m.remove(&id);
                }
            }
            let mut probes: Vec<u64> = asked;
            probes.extend(all.iter().flat_map(|&id| [id.saturating_sub(1), id, id.saturating_add(1)]));
            probes.extend([0, 150, 301, u64::MAX]);
            for q in probes {
                let want = m.index.binary_search_by(|&(k, _)| k.cmp(&q));
                proptest::prop_assert_eq!(m.at(q), want, "id {}", q);
            }
        }
    }
}
