//! An online linearizability checker for the clients' history, one register per key (P-
//! compositionality: a history is linearizable iff each key's sub-history is, Herlihy & Wing
//! 1990). It is the Wing–Gong search with memoisation (Lowe's "just-in-time" linearization; the
//! `linear` algorithm of Knossos, Porcupine's cache of (linearized set, state)), run forward in
//! time as invocations and responses happen, so an anomaly is found at the response that makes
//! the history impossible.
//!
//! A *configuration* is one way the operations could have taken effect so far: the register's
//! value and the operations already linearized that have not returned yet (a read with the value
//! it saw). At a response, every configuration must have linearized that operation: either it
//! already did (a read must have seen the value it returned), or some order of the other pending
//! operations followed by it does. No configuration left: no linearization exists — the history
//! is not linearizable, and the checker says which operation made it so.
//!
//! Writes whose outcome the client never learned (it gave up) stay pending for ever: they may
//! take effect at any later time, or never (Jepsen's `:info`). Reads that failed are dropped
//! (a read changes nothing). Every write writes a value no other write writes, so a read names
//! the write it saw. The search is bounded ([`MAX_CONFIGS`]); beyond it the key is reported as
//! not checked (never as an anomaly).

use crate::idmap::IdMap;
use crate::time::SimTime;
use serde::Serialize;
use std::collections::BTreeSet;

/// The most configurations kept per key; more and the key's check gives up.
pub const MAX_CONFIGS: usize = 20_000;

/// What an operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum OpKind {
    /// Read the key.
    Read,
    /// Write this value.
    Write(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    kind: OpKind,
    invoked: SimTime,
}

/// One way the history so far could have taken effect.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Config {
    /// The register (`None`: never written).
    value: Option<i64>,
    /// Operations linearized but not returned (or never to return): id and, for reads, the
    /// value seen. Sorted by id.
    lin: Vec<(u64, Option<i64>)>,
}

impl Config {
    fn has(&self, id: u64) -> Option<&(u64, Option<i64>)> {
        self.lin
            .binary_search_by_key(&id, |x| x.0)
            .ok()
            .map(|i| &self.lin[i])
    }
    fn with(&self, id: u64, seen: Option<i64>, value: Option<i64>) -> Config {
        let mut c = Config {
            value,
            lin: self.lin.clone(),
        };
        let i = c.lin.partition_point(|x| x.0 < id);
        c.lin.insert(i, (id, seen));
        c
    }
}

/// One key's history state.
#[derive(Clone, Debug, PartialEq, Eq)]
struct KeyState {
    pending: IdMap<Pending>,
    configs: Vec<Config>,
    gave_up: bool,
}

impl Default for KeyState {
    fn default() -> Self {
        KeyState {
            pending: IdMap::new(),
            configs: vec![Config {
                value: None,
                lin: Vec::new(),
            }],
            gave_up: false,
        }
    }
}

/// An operation no linearization explains.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// When its response arrived.
    pub time: SimTime,
    /// The key.
    pub key: u32,
    /// The operation's id.
    pub op: u64,
    /// What it did.
    pub kind: OpKind,
    /// What it returned (reads).
    pub result: Option<i64>,
    /// In words.
    pub detail: String,
}

/// The checker: one register per key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Linearizability {
    keys: Vec<KeyState>,
    /// Responses checked.
    pub checked: u64,
    /// Anomalies, in the order found.
    pub anomalies: Vec<Anomaly>,
    /// Keys whose search grew past [`MAX_CONFIGS`] (not checked further).
    pub gave_up: Vec<u32>,
    /// The largest number of configurations any key held.
    pub peak_configs: usize,
    /// The last value each key was seen to hold by a completed operation (for the anomaly text).
    last_ok: IdMap<(SimTime, Option<i64>)>,
}

fn fmt_val(v: Option<i64>) -> String {
    v.map_or("nothing".to_string(), |v| v.to_string())
}

impl Linearizability {
    /// A checker for `keys` keys, each starting unwritten.
    pub fn new(keys: u32) -> Linearizability {
        Linearizability {
            keys: vec![KeyState::default(); keys as usize],
            ..Default::default()
        }
    }

    fn key(&mut self, key: u32) -> Option<&mut KeyState> {
        self.keys.get_mut(key as usize)
    }

    /// The client invoked operation `id` on `key`.
    pub fn invoke(&mut self, key: u32, id: u64, kind: OpKind, now: SimTime) {
        if let Some(k) = self.key(key) {
            k.pending.insert(id, Pending { kind, invoked: now });
        }
    }

    /// A read failed (no effect): forget it.
    pub fn drop_read(&mut self, key: u32, id: u64) {
        if let Some(k) = self.key(key) {
            k.pending.remove(&id);
            let mut set = BTreeSet::new();
            for mut c in std::mem::take(&mut k.configs) {
                if let Ok(i) = c.lin.binary_search_by_key(&id, |x| x.0) {
                    c.lin.remove(i);
                }
                set.insert(c);
            }
            k.configs = set.into_iter().collect();
        }
    }

    /// Operations pending on `key` (invoked, not returned; writes given up count for ever).
    pub fn pending(&self, key: u32) -> usize {
        self.keys.get(key as usize).map_or(0, |k| k.pending.len())
    }

    /// Operation `id` on `key` returned (`result`: the value a read saw). Returns the anomaly
    /// if no linearization explains the history any more.
    pub fn ok(&mut self, key: u32, id: u64, result: Option<i64>, now: SimTime) -> Option<&Anomaly> {
        let before = self.last_ok.get(&u64::from(key)).copied();
        let ks = self.keys.get_mut(key as usize)?;
        let op = ks.pending.remove(&id)?;
        if ks.gave_up {
            return None;
        }
        self.checked += 1;
        let mut out: BTreeSet<Config> = BTreeSet::new();
        let mut explored = 0usize;
        let apply = |c: &Config| -> Option<Config> {
            match op.kind {
                OpKind::Read if c.value == result => Some(Config {
                    value: c.value,
                    lin: c.lin.clone(),
                }),
                OpKind::Read => None,
                OpKind::Write(v) => Some(Config {
                    value: Some(v),
                    lin: c.lin.clone(),
                }),
            }
        };
        let mut over = false;
        for c in &ks.configs {
            if let Some(&(_, seen)) = c.has(id) {
                if op.kind == OpKind::Read && seen != result {
                    continue;
                }
                let mut d = c.clone();
                d.lin.retain(|x| x.0 != id);
                out.insert(d);
                continue;
            }
            // Linearize some of the other pending operations, then this one.
            let mut seen: BTreeSet<Config> = BTreeSet::new();
            let mut stack = vec![c.clone()];
            seen.insert(c.clone());
            while let Some(x) = stack.pop() {
                explored += 1;
                if explored > MAX_CONFIGS {
                    over = true;
                    break;
                }
                if let Some(y) = apply(&x) {
                    out.insert(y);
                }
                for (pid, p) in ks.pending.iter() {
                    if x.has(pid).is_some() {
                        continue;
                    }
                    let y = match p.kind {
                        OpKind::Read => x.with(pid, x.value, x.value),
                        OpKind::Write(v) => x.with(pid, None, Some(v)),
                    };
                    if !seen.contains(&y) {
                        seen.insert(y.clone());
                        stack.push(y);
                    }
                }
            }
            if over {
                break;
            }
        }
        if over || out.len() > MAX_CONFIGS {
            ks.gave_up = true;
            ks.configs.clear();
            self.gave_up.push(key);
            return None;
        }
        self.peak_configs = self.peak_configs.max(out.len());
        let after = match op.kind {
            OpKind::Read => result,
            OpKind::Write(v) => Some(v),
        };
        if out.is_empty() {
            let what = match op.kind {
                OpKind::Read => format!("get k{key} → {}", fmt_val(result)),
                OpKind::Write(v) => format!("put k{key}={v}"),
            };
            let ctx = match before {
                Some((t, v)) if op.kind == OpKind::Read => format!(
                    " (invoked at {} ms; a completed operation at {} ms had already left {})",
                    op.invoked.as_us() / 1000,
                    t.as_us() / 1000,
                    fmt_val(v)
                ),
                _ => format!(" (invoked at {} ms)", op.invoked.as_us() / 1000),
            };
            self.anomalies.push(Anomaly {
                time: now,
                key,
                op: id,
                kind: op.kind,
                result,
                detail: format!("{what}: no order of the operations explains it{ctx}"),
            });
            // Carry on from what the client saw.
            ks.configs = vec![Config {
                value: after,
                lin: Vec::new(),
            }];
            self.last_ok.insert(u64::from(key), (now, after));
            return self.anomalies.last();
        }
        ks.configs = out.into_iter().collect();
        self.last_ok.insert(u64::from(key), (now, after));
        None
    }

    /// Configurations currently held for `key` (1 when its history is sequential).
    pub fn configs(&self, key: u32) -> usize {
        self.keys.get(key as usize).map_or(0, |k| k.configs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::from_ms(ms)
    }

    #[test]
    fn a_sequential_history_is_linearizable() {
        let mut l = Linearizability::new(1);
        l.invoke(0, 1, OpKind::Write(1), t(0));
        assert!(l.ok(0, 1, None, t(1)).is_none());
        l.invoke(0, 2, OpKind::Read, t(2));
        assert!(l.ok(0, 2, Some(1), t(3)).is_none());
        assert_eq!(l.configs(0), 1);
    }

    #[test]
    fn a_stale_read_after_a_completed_write_is_an_anomaly() {
        let mut l = Linearizability::new(1);
        l.invoke(0, 1, OpKind::Write(1), t(0));
        l.ok(0, 1, None, t(1));
        l.invoke(0, 2, OpKind::Write(2), t(2));
        l.ok(0, 2, None, t(3));
        l.invoke(0, 3, OpKind::Read, t(4));
        let a = l.ok(0, 3, Some(1), t(5)).cloned().expect("stale read");
        assert_eq!(a.op, 3);
        assert!(a.detail.contains("get k0 → 1"), "{}", a.detail);
    }

    #[test]
    fn a_read_concurrent_with_a_write_may_see_either_value() {
        for seen in [Some(1), Some(2)] {
            let mut l = Linearizability::new(1);
            l.invoke(0, 1, OpKind::Write(1), t(0));
            l.ok(0, 1, None, t(1));
            l.invoke(0, 2, OpKind::Write(2), t(2));
            l.invoke(0, 3, OpKind::Read, t(3));
            assert!(l.ok(0, 3, seen, t(4)).is_none());
            assert!(l.ok(0, 2, None, t(5)).is_none());
        }
    }

    #[test]
    fn two_reads_may_not_see_a_write_and_then_its_predecessor() {
        // Read 3 saw 2 (so write 2 took effect before it returned); read 4 began after read 3
        // returned and saw 1: the new value then the old one.
        let mut l = Linearizability::new(1);
        l.invoke(0, 1, OpKind::Write(1), t(0));
        l.ok(0, 1, None, t(1));
        l.invoke(0, 2, OpKind::Write(2), t(2));
        l.invoke(0, 3, OpKind::Read, t(3));
        assert!(l.ok(0, 3, Some(2), t(4)).is_none());
        l.invoke(0, 4, OpKind::Read, t(5));
        assert!(l.ok(0, 4, Some(1), t(6)).is_some());
    }

    #[test]
    fn a_write_given_up_may_take_effect_later_or_never() {
        let mut l = Linearizability::new(1);
        l.invoke(0, 1, OpKind::Write(1), t(0)); // never returns
        l.invoke(0, 2, OpKind::Read, t(10));
        assert!(l.ok(0, 2, None, t(11)).is_none());
        l.invoke(0, 3, OpKind::Read, t(20));
        assert!(l.ok(0, 3, Some(1), t(21)).is_none());
        // Once seen, it cannot be unseen.
        l.invoke(0, 4, OpKind::Read, t(30));
        assert!(l.ok(0, 4, None, t(31)).is_some());
    }

    #[test]
    fn a_read_of_a_value_nobody_wrote_is_an_anomaly() {
        let mut l = Linearizability::new(1);
        l.invoke(0, 1, OpKind::Read, t(0));
        assert!(l.ok(0, 1, Some(7), t(1)).is_some());
    }

    #[test]
    fn a_dropped_read_leaves_no_trace() {
        let mut l = Linearizability::new(1);
        l.invoke(0, 1, OpKind::Read, t(0));
        l.invoke(0, 2, OpKind::Write(5), t(0));
        l.drop_read(0, 1);
        assert!(l.ok(0, 2, None, t(1)).is_none());
        assert_eq!(l.pending(0), 0);
        assert_eq!(l.configs(0), 1);
    }
}
