//! The checker the run uses: linearizability of each key's register history in O(log n) per
//! event while no two forward zones have overlapped (after such an anomaly, a backward zone's
//! check scans the chunks of forward zones that may end after it), by the *zones* of Gibbons &
//! Korach ("Testing shared memories", SIAM J. Comput. 1997) as Golab, Li & Shah state them
//! ("Analyzing consistency properties for fun and profit", PODC 2011). Every write writes a
//! value no other write writes, so each read names the write it saw and the operations fall into
//! *clusters*, one per value: its write and the reads that returned it. A cluster's zone runs
//! from the earliest response among its operations (`f`) to the latest invocation (`s`): if
//! `f < s` it is a *forward* zone — the value must be the register's from `f` to `s` and nothing
//! else may be written in between; else a *backward* zone `[s, f]` — the whole cluster can take
//! effect at one instant in it. The history is linearizable iff
//! - every read returns a value some write wrote, and does not return before that write began;
//! - no two forward zones overlap;
//! - no backward zone lies inside a forward zone.
//!
//! The register starts unwritten: a virtual write of "nothing" at time 0. A write the client gave
//! up on has no response; if some read returned its value it counts as answering at infinity,
//! otherwise it constrains nothing (it may never have happened). The exhaustive search of
//! [`super::linear`] (Wing & Gong with memoisation) is the reference the tests compare it with.

use super::linear::{Anomaly, OpKind};
use crate::idmap::IdMap;
use crate::time::SimTime;
use std::sync::Arc;

/// A cluster: one value's write and the completed reads that returned it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cluster {
    /// When its write was invoked.
    w_start: SimTime,
    /// Earliest response among its completed operations.
    f: Option<SimTime>,
    /// Latest invocation among its operations (the write's included).
    s: SimTime,
}

impl Cluster {
    /// `(low, high, forward)`, once some operation of it has returned.
    fn zone(&self) -> Option<(SimTime, SimTime, bool)> {
        let f = self.f?;
        Some(if f < self.s {
            (f, self.s, true)
        } else {
            (self.s, f, false)
        })
    }

    /// Its zone's high end (the later of `f` and `s`); `s` before any operation returned.
    fn high(&self) -> SimTime {
        self.f.map_or(self.s, |f| f.max(self.s))
    }
}

/// A zone's place in an index: its low end, then its value; a cluster's place is
/// `(0, value)`.
type ZoneKey = (SimTime, Option<i64>);

/// An entry of a [`Tiered`] map.
type Entry = (ZoneKey, Cluster);

/// A sorted map that the snapshots of a run share: the older entries in chunks behind `Arc`s
/// (a copy of the checker copies a pointer per chunk: the clusters and zones of a long run are
/// hundreds of thousands, and every snapshot of the system lab copied them whole), the latest
/// [`RECENT`] to 2 × [`RECENT`] in a plain list. Every key of a chunk is below every key of the
/// later chunks and of `recent`. Each chunk carries a bound no [`Cluster::high`] in it exceeds
/// (the highest when sealed, raised by later writes into it), so a search for a zone ending
/// after some time skips whole chunks. An entry in a chunk can still change (its chunk is then
/// copied if a snapshot shares it), but rarely does: a cluster or zone changes when an
/// operation of its value returns, usually soon after the write. One type for the clusters and
/// the zone indexes (a zone's entry holds its cluster): one copy of the code in the page.
#[derive(Clone, Debug, Default)]
struct Tiered {
    old: Vec<(SimTime, Arc<Vec<Entry>>)>,
    recent: Vec<Entry>,
}

/// Entries a [`Tiered`] keeps out of the shared chunks (and the size of a chunk it seals); a
/// few in the unit tests, so that they cross many chunks.
#[cfg(not(test))]
const RECENT: usize = 256;
#[cfg(test)]
const RECENT: usize = 4;

impl Tiered {
    /// The chunk that holds `k` or would: the first whose last key is not below `k`; `None`
    /// for `recent`.
    fn chunk_of(&self, k: &ZoneKey) -> Option<usize> {
        let i = self
            .old
            .partition_point(|c| c.1.last().is_some_and(|(x, _)| x < k));
        (i < self.old.len()).then_some(i)
    }

    fn get(&self, k: &ZoneKey) -> Option<&Cluster> {
        let v = self.chunk_of(k).map_or(&self.recent, |i| &*self.old[i].1);
        let i = v.binary_search_by(|(x, _)| x.cmp(k)).ok()?;
        Some(&v[i].1)
    }

    /// Sets the value of `k` (`Some`) or removes it (`None`).
    fn set(&mut self, k: ZoneKey, val: Option<Cluster>) {
        let chunk = self.chunk_of(&k);
        let v = match chunk {
            Some(i) => {
                let (top, c) = &mut self.old[i];
                *top = val.map_or(*top, |val| val.high().max(*top));
                Arc::make_mut(c)
            }
            None => &mut self.recent,
        };
        match (v.binary_search_by(|(x, _)| x.cmp(&k)), val) {
            (Ok(i), Some(val)) => v[i].1 = val,
            (Err(i), Some(val)) => v.insert(i, (k, val)),
            (Ok(i), None) => {
                v.remove(i);
                if let (Some(c), true) = (chunk, v.is_empty()) {
                    self.old.remove(c);
                }
            }
            (Err(_), None) => {}
        }
        if self.recent.len() >= 2 * RECENT {
            let rest = self.recent.split_off(RECENT);
            let sealed = std::mem::replace(&mut self.recent, rest);
            let top = sealed.iter().map(|e| e.1.high()).max();
            self.old
                .push((top.unwrap_or(SimTime::ZERO), Arc::new(sealed)));
        }
    }

    /// The first entry with a key in `[from, to)` (from the first key if `from` is `None`)
    /// that `pred` accepts, or the last one if `back`; only the chunks that can hold such keys
    /// and, given `after`, a zone ending after it are searched, from the chosen end.
    fn find(
        &self,
        from: Option<ZoneKey>,
        to: ZoneKey,
        back: bool,
        after: Option<SimTime>,
        pred: &mut dyn FnMut(&Entry) -> bool,
    ) -> Option<&Entry> {
        let lo = from.map_or(0, |f| self.chunk_of(&f).unwrap_or(self.old.len()));
        let hi = self
            .old
            .partition_point(|c| c.1.first().is_some_and(|(x, _)| *x < to))
            .max(lo);
        let n = hi - lo + 1;
        for j in 0..n {
            let t = lo + if back { n - 1 - j } else { j };
            let v = match self.old.get(t).filter(|_| t < hi) {
                Some((top, _)) if after.is_some_and(|a| *top <= a) => continue,
                Some((_, c)) => &c[..],
                None => &self.recent[..],
            };
            let a = from.map_or(0, |f| v.partition_point(|(x, _)| *x < f));
            let b = v.partition_point(|(x, _)| *x < to).max(a);
            let found = if back {
                v[a..b].iter().rev().find(|e| pred(e))
            } else {
                v[a..b].iter().find(|e| pred(e))
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.old.iter().map(|c| c.1.len()).sum::<usize>() + self.recent.len()
    }

    /// Heap bytes a copy holds: its share of each chunk (see [`crate::Node::heap_bytes`]).
    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{shared, slice};
        slice(&self.old)
            + self
                .old
                .iter()
                .map(|c| shared(&c.1, slice(&c.1[..])))
                .sum::<usize>()
            + slice(&self.recent)
    }
}

/// One key's clusters and zone indexes.
#[derive(Clone, Debug, Default)]
struct KeyZones {
    /// The clusters by value, at `(0, value)` (values are operation ids, so new clusters go
    /// at the end).
    clusters: Tiered,
    /// Forward zones by `(low end, value)` → their clusters.
    forward: Tiered,
    /// Backward zones by `(low end, value)` → their clusters.
    backward: Tiered,
    /// Two forward zones overlapped (an anomaly): until then the forward zones are disjoint,
    /// so they end in the order they start.
    overlapped: bool,
    /// Pending operations: invocation and kind.
    pending: IdMap<(SimTime, OpKind)>,
}

/// The checker: one register per key.
#[derive(Clone, Debug, Default)]
pub struct Zones {
    keys: Vec<KeyZones>,
    /// Responses checked.
    pub checked: u64,
    /// Anomalies, in the order found.
    pub anomalies: Vec<Anomaly>,
}

/// Times inside the checker are shifted by 1 µs, so the virtual write of "nothing" (at 0)
/// precedes every real operation, even one invoked at time 0.
fn at(t: SimTime) -> SimTime {
    t.plus(crate::time::Duration(1))
}

fn ms(t: SimTime) -> String {
    let us = t.as_us().saturating_sub(1);
    format!("{}.{:03} s", us / 1_000_000, (us / 1000) % 1000)
}

fn val(v: Option<i64>) -> String {
    v.map_or("nothing".into(), |v| v.to_string())
}

impl KeyZones {
    fn new() -> KeyZones {
        let mut k = KeyZones::default();
        let c = Cluster {
            w_start: SimTime::ZERO,
            f: Some(SimTime::ZERO),
            s: SimTime::ZERO,
        };
        k.clusters.set((SimTime::ZERO, None), Some(c));
        k.backward.set((SimTime::ZERO, None), Some(c));
        k
    }

    /// Replaces cluster `v`'s zone; returns a conflict in words, if the new zone has one.
    fn update(&mut self, v: Option<i64>, c: Cluster) -> Option<String> {
        if let Some((lo, _, fw)) = self
            .clusters
            .get(&(SimTime::ZERO, v))
            .and_then(|o| o.zone())
        {
            if fw {
                self.forward.set((lo, v), None);
            } else {
                self.backward.set((lo, v), None);
            }
        }
        self.clusters.set((SimTime::ZERO, v), Some(c));
        let (lo, hi, fw) = c.zone()?;
        let mut found = None;
        if fw {
            // Another forward zone overlapping (lo, hi)?
            let before = self.forward.find(None, (lo, v), true, None, &mut |_| true);
            let inside =
                self.forward
                    .find(Some((lo, v)), (hi, None), false, None, &mut |(k, _)| {
                        k.1 != v
                    });
            for &((l2, v2), c2) in before.into_iter().chain(inside) {
                let h2 = c2.high();
                if v2 != v && l2 < hi && lo < h2 {
                    found = Some(format!(
                        "{} was the value from {} to {}, and so was {} from {} to {}: they cannot both be",
                        val(v),
                        ms(lo),
                        ms(hi),
                        val(v2),
                        ms(l2),
                        ms(h2)
                    ));
                    self.overlapped = true;
                    break;
                }
            }
            // A backward zone inside (lo, hi)?
            if found.is_none() {
                let inside =
                    self.backward
                        .find(Some((lo, v)), (hi, None), false, None, &mut |(k, c)| {
                            k.0 > lo && c.high() < hi && k.1 != v
                        });
                if let Some(&((l2, v2), c2)) = inside {
                    let h2 = c2.high();
                    found = Some(format!(
                        "{} was the value from {} to {}, but {} was written and read entirely within that time ({} to {})",
                        val(v),
                        ms(lo),
                        ms(hi),
                        val(v2),
                        ms(l2),
                        ms(h2)
                    ));
                }
            }
            self.forward.set((lo, v), Some(c));
        } else {
            // Inside a forward zone? Disjoint ones end in the order they start: only the last
            // one below `(lo, v)` can hold it (if it starts at `lo`, the earlier ones end by
            // `lo`). Else only chunks with a zone ending after `hi` can hold one.
            let holds = |&(k, c): &Entry| k.1 != v && k.0 < lo && hi < c.high();
            let outer = if self.overlapped {
                self.forward
                    .find(None, (lo, v), true, Some(hi), &mut |e| holds(e))
            } else {
                self.forward
                    .find(None, (lo, v), true, None, &mut |_| true)
                    .filter(|e| holds(e))
            };
            if let Some(&((l2, v2), c2)) = outer {
                let h2 = c2.high();
                found = Some(format!(
                    "{} was the value from {} to {}, but {} was written and read entirely within that time ({} to {})",
                    val(v2),
                    ms(l2),
                    ms(h2),
                    val(v),
                    ms(lo),
                    ms(hi)
                ));
            }
            self.backward.set((lo, v), Some(c));
        }
        found
    }
}

impl Zones {
    /// Heap bytes a copy holds (see [`crate::Node::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{btree, slice};
        slice(&self.keys)
            + self
                .keys
                .iter()
                .map(|k| {
                    k.clusters.heap_bytes()
                        + k.forward.heap_bytes()
                        + k.backward.heap_bytes()
                        + btree::<u64, (SimTime, OpKind)>(k.pending.len())
                })
                .sum::<usize>()
            + slice(&self.anomalies)
    }

    /// A checker for `keys` keys, each starting unwritten.
    pub fn new(keys: u32) -> Zones {
        Zones {
            keys: (0..keys).map(|_| KeyZones::new()).collect(),
            ..Default::default()
        }
    }

    /// The client invoked operation `id` on `key`.
    pub fn invoke(&mut self, key: u32, id: u64, kind: OpKind, now: SimTime) {
        let Some(k) = self.keys.get_mut(key as usize) else {
            return;
        };
        let now = at(now);
        k.pending.insert(id, (now, kind));
        if let OpKind::Write(v) = kind {
            // A write's cluster exists from its invocation; it has no zone until some
            // operation of it returns.
            let at = (SimTime::ZERO, Some(v));
            if k.clusters.get(&at).is_none() {
                let c = Cluster {
                    w_start: now,
                    f: None,
                    s: now,
                };
                k.clusters.set(at, Some(c));
            }
        }
    }

    /// An operation failed: a read is forgotten; a write stays possible (outcome unknown).
    pub fn failed(&mut self, key: u32, id: u64) {
        if let Some(k) = self.keys.get_mut(key as usize) {
            k.pending.remove(&id);
        }
    }

    /// Operation `id` on `key` returned (`result`: what a read saw). Returns the anomaly if the
    /// history is no longer linearizable.
    pub fn ok(&mut self, key: u32, id: u64, result: Option<i64>, now: SimTime) -> Option<&Anomaly> {
        let k = self.keys.get_mut(key as usize)?;
        let (start, kind) = k.pending.remove(&id)?;
        let (real_now, now) = (now, at(now));
        self.checked += 1;
        let v = match kind {
            OpKind::Read => result,
            OpKind::Write(w) => Some(w),
        };
        // Worded only for an anomaly (an operation returns every few events).
        let what = || match kind {
            OpKind::Read => format!("get k{key} → {}", val(result)),
            OpKind::Write(w) => format!("put k{key}={w}"),
        };
        let problem = match k.clusters.get(&(SimTime::ZERO, v)).copied() {
            None => Some(format!(
                "{} at {}: no write wrote {}",
                what(),
                ms(now),
                val(v)
            )),
            Some(c) if kind == OpKind::Read && now < c.w_start => Some(format!(
                "{} at {}: returned before its write began at {}",
                what(),
                ms(now),
                ms(c.w_start)
            )),
            Some(c) => {
                let c2 = Cluster {
                    w_start: c.w_start,
                    f: Some(c.f.map_or(now, |f| f.min(now))),
                    s: c.s.max(start),
                };
                k.update(v, c2).map(|d| {
                    let what = what();
                    format!("{what} (invoked {}, answered {}): {d}", ms(start), ms(now))
                })
            }
        };
        let detail = problem?;
        self.anomalies.push(Anomaly {
            time: real_now,
            key,
            op: id,
            kind,
            result,
            detail,
        });
        self.anomalies.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// A `Tiered` map reads as a `BTreeMap` under inserts (mostly at the end, as zones and
        /// clusters come), replacements and removals anywhere (entries of shared chunks and
        /// emptied chunks too), with copies taken along the way keeping what they held; the
        /// first and last entries of a range that meet a condition are the `BTreeMap`'s, also
        /// when chunks are skipped by their bounds.
        #[test]
        fn tiered_reads_as_a_btreemap(
            ops in proptest::collection::vec((0u8..8, 0u64..64, proptest::num::u64::ANY), 1..400),
        ) {
            // Keys and values as numbers: key `k` is `(k µs, nothing)`, value `v` a cluster
            // whose zone ends at `v` µs.
            let key = |k: u64| (SimTime::from_us(k), None);
            let cl = |v: u64| Cluster { w_start: SimTime::ZERO, f: Some(SimTime::from_us(v)), s: SimTime::from_us(v / 2) };
            let num = |e: Option<&Entry>| e.map(|&((k, _), c)| (k.as_us(), c.high().as_us()));
            let (mut t, mut b) = (Tiered::default(), BTreeMap::new());
            let mut copies = Vec::new();
            let mut next = 0u64;
            for (i, &(op, k, v)) in ops.iter().enumerate() {
                // Values about as high as the keys, as zones' high ends are.
                let v = v % (next + 16);
                match op {
                    0..=3 => {
                        next += 1 + k % 3;
                        t.set(key(next), Some(cl(v)));
                        b.insert(next, v);
                    }
                    4 => {
                        let k = k * next / 64;
                        t.set(key(k), Some(cl(v)));
                        b.insert(k, v);
                    }
                    5 | 6 => {
                        let k = k * next / 64;
                        t.set(key(k), None);
                        b.remove(&k);
                    }
                    _ => copies.push((t.clone(), b.clone())),
                }
                let k = k * next / 64;
                prop_assert_eq!(t.get(&key(k)).copied(), b.get(&k).map(|&v| cl(v)), "step {}", i);
                prop_assert_eq!(t.len(), b.len());
                let (lo, hi) = (k / 2, k + next / 4 + 1);
                // The first and the last entry in a range meeting a condition.
                let odd = |e: &(u64, u64)| e.1 % 2 == 1;
                let pair = |(&k, &v): (&u64, &u64)| (k, v);
                let odd_e = &mut |e: &Entry| e.1.high().as_us() % 2 == 1;
                prop_assert_eq!(num(t.find(Some(key(lo)), key(hi), false, None, odd_e)), b.range(lo..hi).map(pair).find(odd));
                prop_assert_eq!(num(t.find(Some(key(lo)), key(hi), true, None, odd_e)), b.range(lo..hi).map(pair).rev().find(odd));
                prop_assert_eq!(num(t.find(None, key(hi), true, None, &mut |_| true)), b.range(..hi).next_back().map(pair));
                prop_assert_eq!(num(t.find(None, key(hi), false, None, &mut |_| true)), b.range(..hi).next().map(pair));
                // The last entry below `hi` whose zone ends after `v`, skipping chunks by their
                // bounds (kept through replacements in shared chunks).
                let after = |e: &(u64, u64)| e.1 > v;
                let found = t.find(None, key(hi), true, Some(SimTime::from_us(v)), &mut |e| e.1.high().as_us() > v);
                prop_assert_eq!(num(found), b.range(..hi).map(pair).rev().find(after));
            }
            for (t, b) in copies {
                prop_assert_eq!(t.len(), b.len());
                for (k, v) in b {
                    prop_assert_eq!(t.get(&key(k)), Some(&cl(v)));
                }
            }
        }
    }

    proptest! {
        /// The containment check's shortcut (only the last forward zone to start before a
        /// backward one can hold it, while no two forward zones have overlapped) finds the
        /// same anomalies, in the same words, as scanning every forward zone, over histories
        /// that go on past their anomalies (overlapping forward zones among them).
        #[test]
        fn the_containment_shortcut_finds_what_a_full_scan_finds(
            h in proptest::collection::vec((0u64..200, 1u64..30, 0u8..8, any::<bool>()), 1..60),
        ) {
            let mut ev: Vec<(u64, bool, usize)> = Vec::new();
            for (i, &(s, len, _, _)) in h.iter().enumerate() {
                // Invocations and responses at the same instants too (zones ending together).
                ev.push((s, false, i));
                ev.push((s + len, true, i));
            }
            ev.sort();
            let (mut fast, mut scan) = (Zones::new(1), Zones::new(1));
            scan.keys[0].overlapped = true;
            let mut written = vec![None];
            for &(at, resp, i) in &ev {
                let (_, _, r, w) = h[i];
                let id = i as u64 + 1;
                let kind = if w { OpKind::Write(id as i64) } else { OpKind::Read };
                if w && !resp {
                    written.push(Some(id as i64));
                }
                // A read returns nothing or a value written so far (a recent one, mostly).
                let result = (!w).then(|| written[written.len().saturating_sub(1 + r as usize % 4).min(written.len() - 1)]).flatten();
                for z in [&mut fast, &mut scan] {
                    if !resp {
                        z.invoke(0, id, kind, t(at));
                    } else if r == 7 {
                        z.failed(0, id);
                    } else {
                        z.ok(0, id, result, t(at));
                    }
                }
            }
            prop_assert_eq!(&fast.anomalies, &scan.anomalies);
        }
    }

    fn t(ms: u64) -> SimTime {
        SimTime::from_ms(ms)
    }

    #[test]
    fn a_stale_read_lies_inside_a_forward_zone() {
        let mut z = Zones::new(1);
        z.invoke(0, 1, OpKind::Write(1), t(0));
        assert!(z.ok(0, 1, None, t(1)).is_none());
        z.invoke(0, 2, OpKind::Write(2), t(2));
        assert!(z.ok(0, 2, None, t(3)).is_none());
        z.invoke(0, 3, OpKind::Read, t(4));
        let a = z.ok(0, 3, Some(1), t(5)).cloned().expect("stale read");
        assert!(a.detail.contains("get k0 → 1"), "{}", a.detail);
    }

    #[test]
    fn concurrent_reads_may_see_either_value() {
        for seen in [Some(1), Some(2)] {
            let mut z = Zones::new(1);
            z.invoke(0, 1, OpKind::Write(1), t(0));
            z.ok(0, 1, None, t(1));
            z.invoke(0, 2, OpKind::Write(2), t(2));
            z.invoke(0, 3, OpKind::Read, t(3));
            assert!(z.ok(0, 3, seen, t(4)).is_none());
            assert!(z.ok(0, 2, None, t(5)).is_none());
        }
    }

    #[test]
    fn a_read_of_nothing_after_a_write_returned_is_stale() {
        let mut z = Zones::new(1);
        z.invoke(0, 1, OpKind::Write(1), t(0));
        z.ok(0, 1, None, t(1));
        z.invoke(0, 2, OpKind::Read, t(2));
        assert!(z.ok(0, 2, None, t(3)).is_some());
    }

    #[test]
    fn a_given_up_write_may_show_later() {
        let mut z = Zones::new(1);
        z.invoke(0, 1, OpKind::Write(1), t(0));
        z.failed(0, 1);
        z.invoke(0, 2, OpKind::Read, t(10));
        assert!(z.ok(0, 2, None, t(11)).is_none());
        z.invoke(0, 3, OpKind::Read, t(20));
        assert!(z.ok(0, 3, Some(1), t(21)).is_none());
        z.invoke(0, 4, OpKind::Read, t(30));
        assert!(z.ok(0, 4, None, t(31)).is_some());
    }
}
