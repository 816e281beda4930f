//! The checker the run uses: linearizability of each key's register history in O(log n) per
//! event, by the *zones* of Gibbons & Korach ("Testing shared memories", SIAM J. Comput. 1997)
//! as Golab, Li & Shah state them ("Analyzing consistency properties for fun and profit", PODC
//! 2011). Every write writes a value no other write writes, so each read names the write it saw
//! and the operations fall into *clusters*, one per value: its write and the reads that returned
//! it. A cluster's zone runs from the earliest response among its operations (`f`) to the latest
//! invocation (`s`): if `f < s` it is a *forward* zone — the value must be the register's from
//! `f` to `s` and nothing else may be written in between; else a *backward* zone `[s, f]` — the
//! whole cluster can take effect at one instant in it. The history is linearizable iff
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
}

/// The clusters by value: the virtual write of "nothing" apart, the others in an [`IdMap`] by
/// the value's bits (one B-tree instantiation fewer in the page than a map by `Option<i64>`;
/// clusters are only looked up, never iterated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Clusters {
    nothing: Option<Cluster>,
    written: IdMap<Cluster>,
}

impl Clusters {
    fn get(&self, v: &Option<i64>) -> Option<&Cluster> {
        match *v {
            None => self.nothing.as_ref(),
            Some(v) => self.written.get(&(v as u64)),
        }
    }
    fn insert(&mut self, v: Option<i64>, c: Cluster) {
        match v {
            None => self.nothing = Some(c),
            Some(v) => {
                self.written.insert(v as u64, c);
            }
        }
    }
    fn len(&self) -> usize {
        usize::from(self.nothing.is_some()) + self.written.len()
    }
}

/// A zone's place in an index: its low end, then its value.
type ZoneKey = (SimTime, Option<i64>);

/// Zones by `(low end, value)` → high end: a sorted `Vec` (one B-tree instantiation fewer in the
/// page; new zones mostly go at the end), read by the same ranges a `BTreeMap` gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ZoneIndex(Vec<(ZoneKey, SimTime)>);

impl ZoneIndex {
    fn at(&self, k: &ZoneKey) -> Result<usize, usize> {
        self.0.binary_search_by(|(x, _)| x.cmp(k))
    }
    fn insert(&mut self, k: ZoneKey, hi: SimTime) {
        match self.at(&k) {
            Ok(i) => self.0[i].1 = hi,
            Err(i) => self.0.insert(i, (k, hi)),
        }
    }
    fn remove(&mut self, k: &ZoneKey) {
        if let Ok(i) = self.at(k) {
            self.0.remove(i);
        }
    }
    /// Entries with keys below `k`.
    fn below(&self, k: &ZoneKey) -> &[(ZoneKey, SimTime)] {
        &self.0[..self.0.partition_point(|(x, _)| x < k)]
    }
    /// Entries with keys in `[from, to)`.
    fn between(&self, from: &ZoneKey, to: &ZoneKey) -> &[(ZoneKey, SimTime)] {
        let a = self.0.partition_point(|(x, _)| x < from);
        let b = self.0.partition_point(|(x, _)| x < to).max(a);
        &self.0[a..b]
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// One key's clusters and zone indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct KeyZones {
    clusters: Clusters,
    /// Forward zones by low end: (high, value).
    forward: ZoneIndex,
    /// Backward zones by low end: high.
    backward: ZoneIndex,
    /// Pending operations: invocation and kind.
    pending: IdMap<(SimTime, OpKind)>,
}

/// The checker: one register per key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
        k.clusters.insert(None, c);
        k.backward.insert((SimTime::ZERO, None), SimTime::ZERO);
        k
    }

    /// Replaces cluster `v`'s zone; returns a conflict in words, if the new zone has one.
    fn update(&mut self, v: Option<i64>, c: Cluster) -> Option<String> {
        if let Some((lo, _, fw)) = self.clusters.get(&v).and_then(|o| o.zone()) {
            if fw {
                self.forward.remove(&(lo, v));
            } else {
                self.backward.remove(&(lo, v));
            }
        }
        self.clusters.insert(v, c);
        let (lo, hi, fw) = c.zone()?;
        let mut found = None;
        if fw {
            // Another forward zone overlapping (lo, hi)?
            let before = self.forward.below(&(lo, v)).last();
            let inside = self
                .forward
                .between(&(lo, v), &(hi, None))
                .iter()
                .find(|(k, _)| k.1 != v);
            for &((l2, v2), h2) in before.into_iter().chain(inside) {
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
                    break;
                }
            }
            // A backward zone inside (lo, hi)?
            if found.is_none() {
                let mut it = self.backward.between(&(lo, v), &(hi, None)).iter();
                if let Some(&((l2, v2), h2)) = it.find(|(k, h)| k.0 > lo && *h < hi && k.1 != v) {
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
            self.forward.insert((lo, v), hi);
        } else {
            // Inside a forward zone?
            let outer = self
                .forward
                .below(&(lo, v))
                .iter()
                .rev()
                .find(|(k, h)| k.1 != v && k.0 < lo && hi < *h);
            if let Some(&((l2, v2), h2)) = outer {
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
            self.backward.insert((lo, v), hi);
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
                    btree::<Option<i64>, Cluster>(k.clusters.len())
                        + btree::<(SimTime, Option<i64>), SimTime>(
                            k.forward.len() + k.backward.len(),
                        )
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
            if k.clusters.get(&Some(v)).is_none() {
                k.clusters.insert(
                    Some(v),
                    Cluster {
                        w_start: now,
                        f: None,
                        s: now,
                    },
                );
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
        let problem = match k.clusters.get(&v).copied() {
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
