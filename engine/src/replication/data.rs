//! The data nodes: a primary that logs client writes and ships them, and replicas that store
//! them, check the epoch (the fencing token) and roll back a suffix that diverged.

use super::chunked::Chunked;
use super::chunked::CHUNK;
use super::command::{ReplCommand, ReplRefusal};
use super::params::{Mode, ReadFrom, ReplParams, WaitPoint};
use super::{Clock, Entry, Pos, ReplMsg, ReplTimer, WriteId, MAX_BATCH, MONITOR};
use crate::sim::Ctx;
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::Serialize;

/// A data node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Role {
    /// Takes writes and ships them.
    Primary,
    /// Stores what a primary ships.
    Replica,
}

/// The primary's view of one other data node (one progress record per peer, as raft-rs's
/// `Progress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Peer {
    /// The next index to send (while probing: the index after the position being checked).
    pub next: u64,
    /// The highest index known to be stored there (acknowledged).
    pub matched: u64,
    /// When it last answered.
    pub heard: Option<SimTime>,
    /// Where its log agrees with ours is not known yet: the primary checks one position at a
    /// time, starting from its own last entry and moving to the position the replica reports
    /// (raft-rs's `ProgressState::Probe`), and sends the rest only once one matches — so a
    /// replica resumes from what it already has instead of receiving the log from entry 1.
    pub probing: bool,
}

/// Entries removed from a node's log because they diverged from a newer primary's log (the page
/// strikes them out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rollback {
    /// When.
    pub time: SimTime,
    /// The node's epoch after adopting the newer primary's.
    pub epoch: u64,
    /// The index of the first removed entry.
    pub from_index: u64,
    /// Removed entries that had been compacted into the node's snapshot, by position: `(epoch,
    /// first index, last index)` runs from `from_index` on (their writes are known only by
    /// position; a position names one write, as one primary per epoch appends at each index).
    pub compacted: Vec<(u64, u64, u64)>,
    /// The removed entries still in the log (after the compacted ones).
    pub entries: Vec<Entry>,
}

impl Rollback {
    /// Entries removed, compacted or not.
    pub fn count(&self) -> u64 {
        let gone: u64 = self.compacted.iter().map(|r| r.2 + 1 - r.1).sum();
        gone + self.entries.len() as u64
    }

    /// True if the compacted entries removed include the one at `pos`.
    pub fn compacted_holds(&self, pos: Pos) -> bool {
        self.compacted
            .iter()
            .any(|&(e, a, b)| e == pos.epoch && a <= pos.index && pos.index <= b)
    }
}

/// A compacted log prefix (Raft §7's snapshot, a MySQL backup a replica is seeded from): its last
/// position, when that entry was appended, and each key's value there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Image {
    /// The last compacted position (`e0:0`: nothing compacted).
    pub last: Pos,
    /// When the primary appended the entry at `last`.
    pub at: SimTime,
    /// By key: the last write at or before `last`, and where (`None`: never written).
    pub values: Vec<Option<(WriteId, Pos)>>,
}

/// What a primary sends a replica that needs entries it has compacted (Raft's InstallSnapshot):
/// its snapshot and the epoch runs of the prefix it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    /// The snapshot.
    pub image: Image,
    /// `(epoch, first index)` of every epoch run up to `image.last`.
    pub runs: Vec<(u64, u64)>,
}

/// The epoch of position `index` in a log with these runs and this length (0 past the end).
pub fn epoch_in(runs: &[(u64, u64)], len: u64, index: u64) -> u64 {
    if index == 0 || index > len {
        return 0;
    }
    let k = runs.partition_point(|r| r.1 <= index);
    k.checked_sub(1).map_or(0, |k| runs[k].0)
}

/// The longest common prefix of two logs given by their epoch runs and lengths: one primary per
/// epoch appends at each index, and a replica stores an entry only after the one before it
/// matched, so two logs that agree at an index agree up to it (Raft's Log Matching) and the
/// prefix is found by a binary search.
pub fn common_prefix(a: &[(u64, u64)], a_len: u64, b: &[(u64, u64)], b_len: u64) -> u64 {
    let (mut lo, mut hi) = (0, a_len.min(b_len));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if epoch_in(a, a_len, mid) == epoch_in(b, b_len, mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The `(epoch, first, last)` runs of positions `from..=to` of a log with these runs.
fn ranges(runs: &[(u64, u64)], from: u64, to: u64) -> Vec<(u64, u64, u64)> {
    let mut out = Vec::new();
    for (k, &(e, first)) in runs.iter().enumerate() {
        let end = runs.get(k + 1).map_or(u64::MAX, |r| r.1 - 1);
        let (a, b) = (first.max(from), end.min(to));
        if a <= b {
            out.push((e, a, b));
        }
    }
    out
}

/// A client write waiting for acknowledgements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// Its index.
    pub index: u64,
    /// The client.
    pub client: NodeId,
    /// The client's operation number.
    pub op: u32,
    /// When it arrived.
    pub since: SimTime,
}

/// A data node (nodes 1..=R+1).
#[derive(Clone, Debug, PartialEq)]
pub struct DataNode {
    /// Parameters.
    pub p: ReplParams,
    /// Its node id.
    pub me: NodeId,
    /// Highest epoch seen (persistent).
    pub epoch: u64,
    /// The log's entries after the compacted prefix `snap.last` (persistent; its old part is
    /// shared between snapshots). Entry `i` (1-based) is `log[i - snap.last.index - 1]`.
    pub log: Chunked<Entry>,
    /// The compacted prefix (persistent): entries up to a committed position folded into each
    /// key's value, so the log does not grow with the run (see [`DataNode::compact`]).
    pub snap: Image,
    /// `(epoch, first index)` of each epoch run of the whole log, compacted part included
    /// (persistent): the epoch of any position, one run per primary whose entries it holds.
    pub runs: Vec<(u64, u64)>,
    /// Heartbeats sent (persistent).
    pub hb_seq: u64,
    /// Replication mode used as primary (persistent setting; `mode:` command).
    pub mode: Mode,
    /// k for semi-sync and quorum (persistent setting; `k:` command).
    pub acks: usize,
    /// Its clock (drift from the `drift` setting or the `drift:` command).
    pub clock: Clock,
    /// Primary or replica (volatile: a restarted node is a replica).
    pub role: Role,
    /// Primary: writes up to here are visible and acknowledged (AFTER_SYNC).
    pub commit: u64,
    /// Primary: progress per node id (only other data nodes are used).
    pub peers: Vec<Peer>,
    /// Primary: writes waiting for acknowledgements, by index.
    pub waiting: Vec<Waiting>,
    /// Semi-sync primary: degraded to async after `fallback` (until a replica catches up).
    pub degraded: bool,
    /// Primary with leases: the lease runs until this local time.
    pub lease_until: Option<u64>,
    /// Local send times of recent heartbeats `(seq, local µs)` (for lease grants).
    pub sent: Vec<(u64, u64)>,
    /// Replica: last time (local µs) a primary's `Append` was accepted; and from whom.
    pub last_primary: Option<(u64, NodeId)>,
    /// Replica: appends are stored this long after they arrive (a slow disk or an overloaded
    /// apply thread; the `delay` setting or the `delay:MS` command).
    pub delay: Duration,
    /// Replica: appends received and not yet stored, with when they will be (volatile).
    pub inbox: Vec<(SimTime, NodeId, ReplMsg)>,
    /// Ghost: messages ever put in `inbox`, and ever taken out of it (stored, or lost in a
    /// restart): the settling of client operations waits for what was queued to be gone.
    pub inbox_counts: (u64, u64),
    /// Ghost: entries rolled back.
    pub rollbacks: Vec<Rollback>,
    /// Ghost: every time it became primary `(when, epoch, its log length then)`: the entries up
    /// to that length it inherited from earlier primaries (see docs/design.md, phantom reads).
    pub promotions: Vec<(SimTime, u64, u64)>,
    /// Ghost: every change of "serving as primary" (role primary and lease valid), for the
    /// split-brain measurement and the page's timeline.
    pub serving_log: Vec<(SimTime, bool)>,
}

impl DataNode {
    /// Node `me` of a fresh run (node 1 is the first primary).
    pub fn new(p: &ReplParams, me: NodeId) -> DataNode {
        let primary = me == super::FIRST_PRIMARY;
        DataNode {
            p: *p,
            me,
            epoch: 1,
            log: Chunked::new(),
            snap: Image::default(),
            runs: Vec::new(),
            hb_seq: 0,
            mode: p.mode,
            acks: p.acks,
            clock: Clock {
                drift_ppm: p.drift_ppm.min(999_999),
                ..Clock::default()
            },
            role: if primary {
                Role::Primary
            } else {
                Role::Replica
            },
            commit: 0,
            peers: vec![Peer::default(); p.node_count()],
            waiting: Vec::new(),
            degraded: false,
            lease_until: None,
            sent: Vec::new(),
            last_primary: None,
            delay: p.delay,
            inbox: Vec::new(),
            inbox_counts: (0, 0),
            rollbacks: Vec::new(),
            promotions: Vec::new(),
            serving_log: Vec::new(),
        }
    }

    /// The last index (the log's length, compacted entries included).
    pub fn len(&self) -> u64 {
        self.snap.last.index + self.log.len() as u64
    }

    /// True when the log holds nothing, compacted or not.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The index of the last compacted entry (0: nothing compacted).
    pub fn base(&self) -> u64 {
        self.snap.last.index
    }

    /// Entry `index` (1-based), if the log still holds it (not compacted, not past the end).
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        index
            .checked_sub(self.base() + 1)
            .and_then(|i| self.log.get(i as usize))
    }

    /// The position of the last entry.
    pub fn last(&self) -> Pos {
        self.pos_at(self.len())
    }

    /// The position of entry `index` (the empty position for 0 or past the end), compacted or
    /// not.
    pub fn pos_at(&self, index: u64) -> Pos {
        match epoch_in(&self.runs, self.len(), index) {
            0 => Pos::default(),
            epoch => Pos { epoch, index },
        }
    }

    /// Appends an entry after the last one.
    fn push(&mut self, e: Entry) {
        let index = self.len() + 1;
        if self.runs.last().map(|r| r.0) != Some(e.epoch) {
            self.runs.push((e.epoch, index));
        }
        self.log.push(e);
    }

    /// Removes the entries from `index` on (`index` is past the compacted prefix).
    fn truncate(&mut self, index: u64) -> Vec<Entry> {
        let cut = self.log.split_off((index - self.base() - 1) as usize);
        self.runs.retain(|r| r.1 < index);
        cut
    }

    /// Log compaction (Raft §7, MySQL purging binary logs): folds the entries up to `upto` — at
    /// most the primary's commit — into the snapshot, keeping at least `keep` entries behind it
    /// and only whole chunks of [`CHUNK`] (the dropped chunks stay shared with the history's
    /// snapshots that hold them). Nothing a node sends or answers changes: positions keep their
    /// epochs (`runs`), reads find a key's value in the snapshot; only a peer that needs
    /// compacted entries is sent the snapshot instead ([`ReplMsg::Snapshot`]).
    pub fn compact(&mut self, upto: u64) {
        if self.p.keep == 0 {
            return;
        }
        let base = self.base();
        let target = upto.min(self.len().saturating_sub(self.p.keep as u64));
        let n = target.saturating_sub(base) / CHUNK as u64 * CHUNK as u64;
        if n == 0 {
            return;
        }
        let keys = (self.p.keys as usize).max(1);
        if self.snap.values.len() < keys {
            self.snap.values.resize(keys, None);
        }
        for i in 0..n as usize {
            let e = self.log[i];
            let pos = Pos {
                epoch: e.epoch,
                index: base + i as u64 + 1,
            };
            if let Some(v) = self.snap.values.get_mut(e.key as usize) {
                *v = Some((e.id, pos));
            }
            self.snap.last = pos;
            self.snap.at = e.at;
        }
        self.log.drop_front(n as usize);
    }

    /// The last index at or before `index` whose entry is of epoch `epoch` or older (0 if none):
    /// the highest position where another log holding an `epoch` entry at `index` can still
    /// agree with this one. Epochs never decrease along a log (a primary appends at its own
    /// epoch, above every entry it inherited), so a binary search finds it (etcd raft's
    /// `findConflictByTerm`).
    pub fn last_at_or_below(&self, index: u64, epoch: u64) -> u64 {
        let (mut lo, mut hi) = (0, index.min(self.len()));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.pos_at(mid).epoch <= epoch {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    fn others(&self) -> impl Iterator<Item = NodeId> + '_ {
        super::data_ids(&self.p).filter(move |&i| i != self.me)
    }

    /// Acknowledgements the primary waits for now (0 when degraded).
    pub fn needed(&self) -> usize {
        if self.degraded {
            0
        } else {
            ReplParams::acks_needed(self.mode, self.acks, self.p.replicas)
        }
    }

    /// True when it acts as primary: role primary, and (with leases) a lease it believes valid.
    pub fn serving(&self, now: SimTime) -> bool {
        self.role == Role::Primary && self.lease_ok(now)
    }

    fn lease_ok(&self, now: SimTime) -> bool {
        self.p.lease.as_us() == 0 || self.lease_until.is_some_and(|u| self.clock.local(now) < u)
    }

    fn log_serving(&mut self, now: SimTime) {
        let s = self.serving(now);
        if self.serving_log.last().map(|x| x.1) != Some(s) {
            self.serving_log.push((now, s));
        }
    }

    /// The value of `key` as of index `upto`: the last write to it, and where. Exact for `upto`
    /// at or after the compacted prefix, which is all a node asks (a replica reads its whole
    /// log, a primary up to its commit, and it compacts only up to that).
    pub fn value(&self, key: u8, upto: u64) -> Option<(WriteId, Pos)> {
        let base = self.base();
        let upto = upto.min(self.len());
        if upto > base {
            if let Some(i) = self
                .log
                .rposition_before((upto - base) as usize, |e| e.key == key)
            {
                let e = self.log[i];
                let pos = Pos {
                    epoch: e.epoch,
                    index: base + i as u64 + 1,
                };
                return Some((e.id, pos));
            }
        }
        self.snap
            .values
            .get(key as usize)
            .copied()
            .flatten()
            .filter(|v| v.1.index <= upto)
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        if self.role == Role::Primary {
            self.become_primary(self.epoch, ctx);
        }
        self.log_serving(now);
        // A random phase so data nodes do not beat in lockstep.
        let first = ctx.rng().range_inclusive(1, self.p.heartbeat.as_us());
        ctx.set_timer(ReplTimer::Beat, self.clock.real_after(first));
    }

    pub(super) fn on_restart(&mut self) {
        // Volatile state goes; log, epoch and settings are on disk.
        self.role = Role::Replica;
        self.commit = 0;
        self.peers.iter_mut().for_each(|p| *p = Peer::default());
        self.waiting.clear();
        self.degraded = false;
        self.lease_until = None;
        self.sent.clear();
        self.last_primary = None;
        self.inbox_counts.1 += self.inbox.len() as u64;
        self.inbox.clear();
    }

    fn become_primary(&mut self, epoch: u64, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        self.role = Role::Primary;
        self.epoch = epoch;
        self.promotions.push((ctx.now(), epoch, self.len()));
        // Everything it holds is now visible (MySQL: the new source applies its relay log and
        // serves it at once; no replica has acknowledged the inherited suffix to it — see
        // docs/design.md on phantom reads after a second failover).
        self.commit = self.len();
        // It knows nothing of the others' logs: it checks its own last position with each
        // first, and each replica answers with where it is (MySQL GTID auto-positioning, a
        // PostgreSQL standby following the new timeline, Raft's nextIndex probe).
        let next = self.len() + 1;
        for i in super::data_ids(&self.p) {
            self.peers[i] = Peer {
                next,
                matched: 0,
                heard: None,
                // An empty log agrees with every log at position 0: nothing to check.
                probing: next > 1,
            };
        }
        self.waiting.clear();
        self.degraded = false;
        // Announce itself with an empty append (the first check of each replica's position).
        let ids: Vec<NodeId> = self.others().collect();
        for i in ids {
            self.send_append(i, ctx);
        }
        if self.p.lease.as_us() > 0 {
            // Ask for a lease at once rather than at the next heartbeat.
            self.beat(ctx);
        }
        self.log_serving(ctx.now());
    }

    fn step_down(&mut self, epoch: u64, why: &str, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        if epoch > self.epoch {
            self.epoch = epoch;
        }
        if self.role != Role::Primary {
            return;
        }
        ctx.note(format!("steps down: {why} (epoch now {})", self.epoch));
        self.role = Role::Replica;
        self.lease_until = None;
        ctx.cancel_timer(ReplTimer::LeaseEnd);
        ctx.cancel_timer(ReplTimer::Fallback);
        for w in std::mem::take(&mut self.waiting) {
            ctx.send(
                w.client,
                ReplMsg::NotPrimary {
                    op: w.op,
                    epoch: self.epoch,
                    hint: None,
                },
            );
        }
        self.log_serving(ctx.now());
    }

    fn beat(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        self.hb_seq += 1;
        let local = self.clock.local(ctx.now());
        if self.role == Role::Primary && self.p.lease.as_us() > 0 {
            self.sent.push((self.hb_seq, local));
            if self.sent.len() > 16 {
                self.sent.remove(0);
            }
        }
        ctx.send(
            MONITOR,
            ReplMsg::Heartbeat {
                seq: self.hb_seq,
                primary: self.role == Role::Primary,
                epoch: self.epoch,
                last: self.last(),
                mode: self.mode,
                acks: self.acks,
            },
        );
    }

    fn send_append(&mut self, to: NodeId, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let len = self.len();
        let base = self.base();
        let next = self.peers[to].next.clamp(1, len + 1);
        if next <= base {
            // It needs entries this node has compacted: the snapshot instead (Raft's
            // InstallSnapshot), then the log from right after it. Its answer moves `matched`.
            let p = &mut self.peers[to];
            p.next = base + 1;
            p.probing = false;
            let runs = self.runs.iter().copied().filter(|r| r.1 <= base).collect();
            ctx.send(
                to,
                ReplMsg::Snapshot {
                    epoch: self.epoch,
                    commit: self.commit,
                    install: Box::new(Install {
                        image: self.snap.clone(),
                        runs,
                    }),
                },
            );
            return;
        }
        let prev = self.pos_at(next - 1);
        let end = (next - 1 + MAX_BATCH as u64).min(len);
        let entries = self
            .log
            .to_vec((next - 1 - base) as usize, (end - base) as usize);
        if self.peers[to].probing {
            // Until a position matches, every append checks the same one.
            self.peers[to].next = next;
        } else {
            self.peers[to].next = end + 1;
        }
        ctx.send(
            to,
            ReplMsg::Append {
                epoch: self.epoch,
                prev,
                entries,
                len,
                commit: self.commit,
            },
        );
    }

    /// Moves `commit` to the highest index stored on enough replicas, and acknowledges the
    /// writes up to it (only while serving: a primary without a lease holds its answers).
    fn advance(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let len = self.len();
        let need = self.needed();
        let target = if need == 0 {
            len
        } else {
            let mut m: Vec<u64> = self.others().map(|i| self.peers[i].matched).collect();
            crate::sort::sort_unstable_by(&mut m, |a, b| b.cmp(a));
            m.get(need - 1).copied().unwrap_or(0).min(len)
        };
        if target > self.commit {
            self.commit = target;
            // Compact only what every replica it hears from has stored (TiKV keeps the log for
            // its slowest live follower): one that merely lags gets entries, not a snapshot. A
            // peer silent for the down timeout no longer holds compaction back.
            let now = ctx.now();
            let floor = self
                .others()
                .filter(|&i| {
                    self.peers[i]
                        .heard
                        .is_some_and(|t| now.since(t) < self.p.down_after)
                })
                .map(|i| self.peers[i].matched)
                .min()
                .unwrap_or(target);
            self.compact(target.min(floor));
        }
        if !self.serving(ctx.now()) {
            return;
        }
        let commit = self.commit;
        let mode = if self.degraded {
            Mode::Async
        } else {
            self.mode
        };
        let (done, rest): (Vec<Waiting>, Vec<Waiting>) =
            self.waiting.iter().partition(|w| w.index <= commit);
        self.waiting = rest;
        for w in done {
            ctx.send(
                w.client,
                ReplMsg::Written {
                    op: w.op,
                    pos: self.pos_at(w.index),
                    mode,
                },
            );
        }
        self.arm_fallback(ctx);
    }

    fn arm_fallback(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        if self.mode != Mode::Semi || self.p.fallback.as_us() == 0 || self.degraded {
            return;
        }
        match self.waiting.first() {
            Some(w) => {
                let at = w.since.plus(self.p.fallback);
                ctx.set_timer(ReplTimer::Fallback, at.since(ctx.now()));
            }
            None => ctx.cancel_timer(ReplTimer::Fallback),
        }
    }

    fn on_write(&mut self, client: NodeId, op: u32, key: u8, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        if !self.serving(now) {
            let why = if self.role == Role::Primary {
                "its lease has run out"
            } else {
                "not the primary"
            };
            ctx.note(format!("refuses write #{op} of {client}: {why}"));
            let hint = self.last_primary.map(|(_, p)| p);
            ctx.send(
                client,
                ReplMsg::NotPrimary {
                    op,
                    epoch: self.epoch,
                    hint,
                },
            );
            return;
        }
        let entry = Entry {
            epoch: self.epoch,
            id: WriteId {
                client: client as u16,
                op,
            },
            key,
            at: now,
        };
        self.push(entry);
        let index = self.len();
        self.waiting.push(Waiting {
            index,
            client,
            op,
            since: now,
        });
        // Ship at once to every peer that has everything before it (one append in flight each);
        // the others get it with their retries.
        let ids: Vec<NodeId> = self.others().collect();
        for i in ids {
            if !self.peers[i].probing && self.peers[i].next == index {
                self.send_append(i, ctx);
            }
        }
        self.advance(ctx);
    }

    fn on_read(&mut self, client: NodeId, op: u32, key: u8, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        let upto = match self.role {
            // AFTER_SYNC: the primary shows only what it has acknowledged; AFTER_COMMIT:
            // everything it has, acknowledged or not.
            Role::Primary if self.serving(now) => match self.p.wait_point {
                WaitPoint::AfterSync => self.commit,
                WaitPoint::AfterCommit => self.len(),
            },
            Role::Primary => {
                ctx.send(
                    client,
                    ReplMsg::NotPrimary {
                        op,
                        epoch: self.epoch,
                        hint: None,
                    },
                );
                return;
            }
            // With reads sent to replicas (`rfrom=replica`) a replica serves whatever it has
            // (reads scale out, and may lag). A client that asked the primary reaches a replica
            // only with a stale belief (a demoted or not yet promoted node): it is refused like
            // a write, or it would read entries nobody acknowledged.
            Role::Replica if self.p.read_from == ReadFrom::Replica => self.len(),
            Role::Replica => {
                ctx.send(
                    client,
                    ReplMsg::NotPrimary {
                        op,
                        epoch: self.epoch,
                        hint: self.last_primary.map(|(_, p)| p),
                    },
                );
                return;
            }
        };
        let value = self.value(key, upto);
        ctx.send(client, ReplMsg::Value { op, value });
    }

    /// The checks an append and a snapshot share: fencing (refuse an older epoch, step down for
    /// a newer one) and a primary ignoring another. True if the message is to be applied.
    fn accept(
        &mut self,
        from: NodeId,
        epoch: u64,
        what: &str,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) -> bool {
        if self.p.fencing {
            if epoch < self.epoch {
                ctx.note(format!(
                    "fencing: refuses {what} from {from} at epoch {epoch} < {}",
                    self.epoch
                ));
                ctx.send(from, ReplMsg::Stale { epoch: self.epoch });
                return false;
            }
            if epoch > self.epoch {
                self.step_down(
                    epoch,
                    &format!("node {from} is primary at epoch {epoch}"),
                    ctx,
                );
                self.epoch = epoch;
            }
            if self.role == Role::Primary {
                // Same epoch, two primaries: cannot happen (one promotion per epoch).
                ctx.note(format!(
                    "ignores {what} from {from}: primary at the same epoch"
                ));
                return false;
            }
        } else {
            if self.role == Role::Primary {
                ctx.note(format!(
                    "ignores {what} from {from} (epoch {epoch}): it is the primary itself"
                ));
                return false;
            }
            self.epoch = self.epoch.max(epoch);
        }
        self.last_primary = Some((self.clock.local(ctx.now()), from));
        true
    }

    /// Records the removal of this node's entries from `index` on: the compacted ones by
    /// position, the rest as entries (`cut`, already taken out of the log).
    fn record_rollback(
        &mut self,
        from: NodeId,
        index: u64,
        compacted: Vec<(u64, u64, u64)>,
        entries: Vec<Entry>,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        let r = Rollback {
            time: ctx.now(),
            epoch: self.epoch,
            from_index: index,
            compacted,
            entries,
        };
        let n = r.count();
        if n == 0 {
            return;
        }
        ctx.note(format!(
            "rolls back {n} entr{} from index {index} (diverged from node {from}'s log)",
            if n == 1 { "y" } else { "ies" }
        ));
        self.rollbacks.push(r);
    }

    /// Replaces the whole log by a primary's compacted prefix (`install`), rolling back its
    /// entries after `common` (the prefix it shares with the primary's log); an empty `install`
    /// forgets the log (a node whose compacted prefix diverged from the primary's: it cannot cut
    /// inside a snapshot, so it is re-seeded, as a MySQL replica is from a fresh backup).
    fn reseed(
        &mut self,
        from: NodeId,
        common: u64,
        install: Install,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        let base = self.base();
        let compacted = ranges(&self.runs, common + 1, base.min(self.len()));
        let first_kept = (common + 1).max(base + 1);
        let entries = if first_kept <= self.len() {
            self.log.split_off((first_kept - base - 1) as usize)
        } else {
            Vec::new()
        };
        self.record_rollback(from, common + 1, compacted, entries, ctx);
        self.log = Chunked::new();
        self.runs = install.runs;
        self.snap = install.image;
    }

    fn on_snapshot(
        &mut self,
        from: NodeId,
        epoch: u64,
        commit: u64,
        install: Install,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        if !self.accept(from, epoch, "snapshot", ctx) {
            return;
        }
        let last = install.image.last;
        if last.index > 0 && self.pos_at(last.index) == last {
            // It holds the snapshot's last entry, hence everything before it: keep what follows.
            if last.index > self.base() {
                self.log.drop_front((last.index - self.base()) as usize);
                self.snap = install.image;
            }
        } else {
            let common = common_prefix(&self.runs, self.len(), &install.runs, last.index);
            self.reseed(from, common, install, ctx);
            ctx.note(format!("installs node {from}'s snapshot up to {last}"));
        }
        self.compact(commit.min(last.index));
        ctx.send(
            from,
            ReplMsg::AppendReply {
                epoch: self.epoch,
                ok: true,
                index: last.index,
                at_epoch: last.epoch,
            },
        );
    }

    /// Applies an append or a snapshot (at once, or once the replication delay is over).
    fn store(&mut self, from: NodeId, msg: ReplMsg, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        match msg {
            ReplMsg::Append {
                epoch,
                prev,
                entries,
                len,
                commit,
            } => self.on_append(from, epoch, prev, entries, len, commit, ctx),
            ReplMsg::Snapshot {
                epoch,
                commit,
                install,
            } => self.on_snapshot(from, epoch, commit, *install, ctx),
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_append(
        &mut self,
        from: NodeId,
        epoch: u64,
        prev: Pos,
        entries: Vec<Entry>,
        len: u64,
        commit: u64,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        if !self.accept(from, epoch, "append", ctx) {
            return;
        }
        let mine = self.len();
        let matches = prev.index <= mine && self.pos_at(prev.index).epoch == prev.epoch;
        if !matches {
            // Report where this log may still agree with the primary's: its last position at
            // or before `prev` of `prev`'s epoch or older (its own last entry when it is
            // shorter). The primary checks that position against its log and sends only what
            // follows the first one that matches.
            let hint = self.last_at_or_below(prev.index, prev.epoch);
            ctx.send(
                from,
                ReplMsg::AppendReply {
                    epoch: self.epoch,
                    ok: false,
                    index: hint,
                    at_epoch: self.pos_at(hint).epoch,
                },
            );
            return;
        }
        let base = self.base();
        let mut index = prev.index;
        let mut removed: Option<(u64, Vec<Entry>)> = None;
        // The first of its entries to go that it has compacted (it cannot cut a snapshot).
        let mut forget: Option<u64> = None;
        for e in entries {
            index += 1;
            if index > self.len() {
                self.push(e);
            } else if index <= base {
                // Compacted: one primary per epoch appends at each index, so the same epoch is
                // the same entry.
                if self.pos_at(index).epoch != e.epoch {
                    forget = Some(index);
                    break;
                }
            } else if self
                .entry(index)
                .is_some_and(|have| have.epoch != e.epoch || have.id != e.id)
            {
                // A conflicting suffix (written by an older primary): roll it back.
                let cut = self.truncate(index);
                removed = Some((index, cut));
                self.push(e);
            }
        }
        // Entries past the primary's log from an older epoch can never be part of it.
        if forget.is_none() && self.len() > len {
            let first_old = (len + 1..=self.len()).find(|&i| self.pos_at(i).epoch != epoch);
            if let Some(i) = first_old.filter(|&i| i > index) {
                if i <= base {
                    forget = Some(i);
                } else {
                    let cut = self.truncate(i);
                    match &mut removed {
                        Some((_, v)) => v.extend(cut),
                        None => removed = Some((i, cut)),
                    }
                }
            }
        }
        if let Some(at) = forget {
            // Its snapshot holds entries the primary's log does not: it forgets its log and is
            // sent the primary's from the start (or its snapshot).
            let empty = Install {
                image: Image::default(),
                runs: Vec::new(),
            };
            self.reseed(from, at - 1, empty, ctx);
            ctx.note(format!(
                "its compacted log diverged from node {from}'s at index {at}: forgets it, to be re-seeded"
            ));
            ctx.send(
                from,
                ReplMsg::AppendReply {
                    epoch: self.epoch,
                    ok: false,
                    index: 0,
                    at_epoch: 0,
                },
            );
            return;
        }
        if let Some((from_index, entries)) = removed {
            self.record_rollback(from, from_index, Vec::new(), entries, ctx);
        }
        self.compact(commit.min(index));
        ctx.send(
            from,
            ReplMsg::AppendReply {
                epoch: self.epoch,
                ok: true,
                index,
                at_epoch: self.pos_at(index).epoch,
            },
        );
    }

    fn on_append_reply(
        &mut self,
        from: NodeId,
        epoch: u64,
        ok: bool,
        index: u64,
        at_epoch: u64,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        if self.role != Role::Primary || from >= self.peers.len() {
            return;
        }
        if self.p.fencing && epoch > self.epoch {
            self.step_down(epoch, &format!("node {from} has seen epoch {epoch}"), ctx);
            return;
        }
        self.peers[from].heard = Some(ctx.now());
        let len = self.len();
        if ok {
            // Count it only if the replica holds *our* entry there.
            if index <= len && self.pos_at(index).epoch == at_epoch {
                let p = &mut self.peers[from];
                if p.probing {
                    p.probing = false;
                    ctx.note(format!(
                        "node {from} holds our log up to {}: resumes from {}",
                        self.pos_at(index),
                        index + 1
                    ));
                }
                let p = &mut self.peers[from];
                p.matched = p.matched.max(index);
                p.next = p.next.max(index + 1);
                if self.degraded && p.matched == len {
                    self.degraded = false;
                    ctx.note(format!("semi-sync again: node {from} caught up"));
                }
                if self.peers[from].next <= len && self.peers[from].next == index + 1 {
                    self.send_append(from, ctx);
                }
                self.advance(ctx);
            }
        } else {
            // The replica's log does not hold ours at the position checked; it reported its
            // position (`index`, `at_epoch`) there. If we hold the same entry there, its log is
            // ours up to it (one primary per epoch): resume right after it. Otherwise check
            // next our last position that can still agree with it — lower than the one
            // refused, so the search ends (at the latest at 0, the empty log, which always
            // matches). A refusal of a position below one already checked is stale: ignored.
            let probe = self.last_at_or_below(index, at_epoch);
            let same = probe == index && self.pos_at(index).epoch == at_epoch;
            let p = &mut self.peers[from];
            if probe < p.next.saturating_sub(1) {
                p.next = probe + 1;
                p.matched = p.matched.min(probe);
                if same && p.probing {
                    p.probing = false;
                    ctx.note(format!(
                        "node {from} holds our log up to {}: resumes from {}",
                        self.pos_at(index),
                        index + 1
                    ));
                } else if !same {
                    self.peers[from].probing = true;
                }
                self.send_append(from, ctx);
            }
        }
    }

    pub(super) fn on_message(
        &mut self,
        from: NodeId,
        msg: ReplMsg,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        let now = ctx.now();
        match msg {
            ReplMsg::Write { op, key } => self.on_write(from, op, key, ctx),
            ReplMsg::Read { op, key } => self.on_read(from, op, key, ctx),
            ReplMsg::Append { .. } | ReplMsg::Snapshot { .. }
                if self.delay.as_us() > 0 && self.role == Role::Replica =>
            {
                let due = now.plus(self.delay);
                if self.inbox.is_empty() {
                    ctx.set_timer(ReplTimer::Apply, self.delay);
                }
                self.inbox.push((due, from, msg));
                self.inbox_counts.0 += 1;
            }
            ReplMsg::Append { .. } | ReplMsg::Snapshot { .. } => self.store(from, msg, ctx),
            ReplMsg::AppendReply {
                epoch,
                ok,
                index,
                at_epoch,
            } => self.on_append_reply(from, epoch, ok, index, at_epoch, ctx),
            ReplMsg::Stale { epoch } if self.p.fencing && epoch > self.epoch => {
                self.step_down(epoch, &format!("node {from} has seen epoch {epoch}"), ctx);
            }
            ReplMsg::Lease { seq, epoch } => {
                if self.role != Role::Primary || epoch != self.epoch {
                    return;
                }
                let Some(&(_, sent)) = self.sent.iter().find(|s| s.0 == seq) else {
                    return;
                };
                // Counted from when the heartbeat was *sent*: the monitor counts from its
                // arrival, which is later, so the holder's lease ends first (absent drift).
                let until = sent + self.p.lease.as_us();
                if self.lease_until.is_none_or(|u| until > u) {
                    let was = self.serving(now);
                    self.lease_until = Some(until);
                    let local = self.clock.local(now);
                    ctx.set_timer(
                        ReplTimer::LeaseEnd,
                        self.clock.real_after(until.saturating_sub(local)),
                    );
                    if !was {
                        ctx.note(format!("holds the lease at epoch {epoch}: serving"));
                        self.log_serving(now);
                        self.advance(ctx);
                    }
                }
            }
            ReplMsg::Demote { epoch } if epoch >= self.epoch => {
                self.step_down(epoch, "the monitor says a newer primary exists", ctx);
            }
            ReplMsg::Probe { round } => {
                let sees = self.role == Role::Primary
                    || self.last_primary.is_some_and(|(t, _)| {
                        self.clock.local(now) < t + self.p.down_after.as_us()
                    });
                ctx.send(
                    MONITOR,
                    ReplMsg::ProbeReply {
                        round,
                        sees_primary: sees,
                    },
                );
            }
            ReplMsg::Prepare { epoch } => {
                if epoch > self.epoch {
                    self.step_down(epoch, "a failover is under way", ctx);
                    self.epoch = epoch;
                }
                if epoch >= self.epoch {
                    ctx.send(
                        MONITOR,
                        ReplMsg::PrepareReply {
                            epoch,
                            last: self.last(),
                        },
                    );
                }
            }
            ReplMsg::Promote { epoch } if epoch >= self.epoch => {
                if self.role != Role::Primary || epoch != self.epoch {
                    ctx.note(format!(
                        "now primary at epoch {epoch} (log ends at {})",
                        self.last()
                    ));
                    self.become_primary(epoch, ctx);
                }
            }
            m => ctx.note(format!("ignores {m}")),
        }
    }

    pub(super) fn on_timer(&mut self, t: ReplTimer, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        match t {
            ReplTimer::Beat => {
                self.beat(ctx);
                if self.role == Role::Primary {
                    // An append to every peer: entries it may lack from what it acknowledged on
                    // (lost appends, restarts), or empty — which tells the replicas the primary
                    // is alive and lets them drop a suffix no primary has.
                    let ids: Vec<NodeId> = self.others().collect();
                    for i in ids {
                        if !self.peers[i].probing {
                            self.peers[i].next = self.peers[i].matched + 1;
                        }
                        self.send_append(i, ctx);
                    }
                }
                ctx.set_timer(
                    ReplTimer::Beat,
                    self.clock.real_after(self.p.heartbeat.as_us()),
                );
            }
            ReplTimer::Apply => {
                let k = self.inbox.partition_point(|x| x.0 <= now);
                let due: Vec<(SimTime, NodeId, ReplMsg)> = self.inbox.drain(..k).collect();
                self.inbox_counts.1 += k as u64;
                for (_, from, msg) in due {
                    self.store(from, msg, ctx);
                }
                if let Some(&(next, _, _)) = self.inbox.first() {
                    ctx.set_timer(ReplTimer::Apply, next.since(now));
                }
            }
            ReplTimer::LeaseEnd if self.role == Role::Primary && !self.lease_ok(now) => {
                ctx.note("lease expired: stops serving");
                self.log_serving(now);
            }
            ReplTimer::Fallback
                if self.role == Role::Primary
                    && self
                        .waiting
                        .first()
                        .is_some_and(|w| now.since(w.since) >= self.p.fallback) =>
            {
                ctx.note(format!(
                    "semi-sync timeout ({}): degrades to async",
                    self.p.fallback
                ));
                self.degraded = true;
                self.advance(ctx);
            }
            _ => {}
        }
    }

    pub(super) fn on_command(
        &mut self,
        c: ReplCommand,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) -> Result<(), ReplRefusal> {
        match c {
            ReplCommand::Mode(m) => {
                self.mode = m;
                self.degraded = false;
                ctx.note(format!("replication mode {m}"));
                if self.role == Role::Primary {
                    self.advance(ctx);
                }
                Ok(())
            }
            ReplCommand::Acks(k) => {
                if k > self.p.replicas {
                    return Err(ReplRefusal::AcksAbove {
                        k,
                        replicas: self.p.replicas,
                    });
                }
                self.acks = k;
                if self.role == Role::Primary {
                    self.advance(ctx);
                }
                Ok(())
            }
            ReplCommand::Delay(d) => {
                self.delay = d;
                Ok(())
            }
            ReplCommand::Drift(ppm) => {
                self.clock.set_drift(ctx.now(), ppm);
                Ok(())
            }
            other => Err(ReplRefusal::NotData(other)),
        }
    }
}
