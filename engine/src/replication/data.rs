//! The data nodes: a primary that logs client writes and ships them, and replicas that store
//! them, check the epoch (the fencing token) and roll back a suffix that diverged.

use super::chunked::Chunked;
use super::command::ReplCommand;
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
    /// The removed entries.
    pub entries: Vec<Entry>,
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
    /// The log (persistent; its old part is shared between snapshots).
    pub log: Chunked<Entry>,
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
            rollbacks: Vec::new(),
            promotions: Vec::new(),
            serving_log: Vec::new(),
        }
    }

    /// The position of the last entry.
    pub fn last(&self) -> Pos {
        self.pos_at(self.log.len() as u64)
    }

    /// The position of entry `index` (the empty position for 0 or past the end).
    pub fn pos_at(&self, index: u64) -> Pos {
        match index.checked_sub(1).and_then(|i| self.log.get(i as usize)) {
            Some(e) => Pos {
                epoch: e.epoch,
                index,
            },
            None => Pos::default(),
        }
    }

    /// The last index at or before `index` whose entry is of epoch `epoch` or older (0 if none):
    /// the highest position where another log holding an `epoch` entry at `index` can still
    /// agree with this one. Epochs never decrease along a log (a primary appends at its own
    /// epoch, above every entry it inherited), so a binary search finds it (etcd raft's
    /// `findConflictByTerm`).
    pub fn last_at_or_below(&self, index: u64, epoch: u64) -> u64 {
        let (mut lo, mut hi) = (0, index.min(self.log.len() as u64));
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

    /// The value of `key` as of index `upto`: the last write to it, and where.
    pub fn value(&self, key: u8, upto: u64) -> Option<(WriteId, Pos)> {
        self.log
            .rposition_before(upto as usize, |e| e.key == key)
            .map(|i| {
                let e = self.log[i];
                (
                    e.id,
                    Pos {
                        epoch: e.epoch,
                        index: i as u64 + 1,
                    },
                )
            })
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
        self.inbox.clear();
    }

    fn become_primary(&mut self, epoch: u64, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        self.role = Role::Primary;
        self.epoch = epoch;
        self.promotions
            .push((ctx.now(), epoch, self.log.len() as u64));
        // Everything it holds is now visible (MySQL: the new source applies its relay log and
        // serves it at once; no replica has acknowledged the inherited suffix to it — see
        // docs/design.md on phantom reads after a second failover).
        self.commit = self.log.len() as u64;
        // It knows nothing of the others' logs: it checks its own last position with each
        // first, and each replica answers with where it is (MySQL GTID auto-positioning, a
        // PostgreSQL standby following the new timeline, Raft's nextIndex probe).
        let next = self.log.len() as u64 + 1;
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
        let len = self.log.len() as u64;
        let next = self.peers[to].next.clamp(1, len + 1);
        let prev = self.pos_at(next - 1);
        let end = (next - 1 + MAX_BATCH as u64).min(len);
        let entries = self.log.to_vec((next - 1) as usize, end as usize);
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
            },
        );
    }

    /// Moves `commit` to the highest index stored on enough replicas, and acknowledges the
    /// writes up to it (only while serving: a primary without a lease holds its answers).
    fn advance(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let len = self.log.len() as u64;
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
        self.log.push(entry);
        let index = self.log.len() as u64;
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
                WaitPoint::AfterCommit => self.log.len() as u64,
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
            Role::Replica if self.p.read_from == ReadFrom::Replica => self.log.len() as u64,
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

    fn on_append(
        &mut self,
        from: NodeId,
        epoch: u64,
        prev: Pos,
        entries: Vec<Entry>,
        len: u64,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        let now = ctx.now();
        if self.p.fencing {
            if epoch < self.epoch {
                ctx.note(format!(
                    "fencing: refuses append from {from} at epoch {epoch} < {}",
                    self.epoch
                ));
                ctx.send(from, ReplMsg::Stale { epoch: self.epoch });
                return;
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
                    "ignores append from {from}: primary at the same epoch"
                ));
                return;
            }
        } else {
            if self.role == Role::Primary {
                ctx.note(format!(
                    "ignores append from {from} (epoch {epoch}): it is the primary itself"
                ));
                return;
            }
            self.epoch = self.epoch.max(epoch);
        }
        self.last_primary = Some((self.clock.local(now), from));
        let mine = self.log.len() as u64;
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
        let mut index = prev.index;
        let mut removed: Option<(u64, Vec<Entry>)> = None;
        for e in entries {
            index += 1;
            match self.log.get(index as usize - 1) {
                Some(have) if have.epoch == e.epoch && have.id == e.id => {}
                Some(_) => {
                    // A conflicting suffix (written by an older primary): roll it back.
                    let cut = self.log.split_off(index as usize - 1);
                    removed = Some((index, cut));
                    self.log.push(e);
                }
                None => self.log.push(e),
            }
        }
        // Entries past the primary's log from an older epoch can never be part of it.
        if (self.log.len() as u64) > len {
            let first_old = (len as usize..self.log.len())
                .find(|&i| self.log.get(i).is_some_and(|e| e.epoch != epoch));
            if let Some(i) = first_old {
                if i as u64 >= index {
                    let cut = self.log.split_off(i);
                    match &mut removed {
                        Some((_, v)) => v.extend(cut),
                        None => removed = Some((i as u64 + 1, cut)),
                    }
                }
            }
        }
        if let Some((from_index, entries)) = removed {
            ctx.note(format!(
                "rolls back {} entr{} from index {from_index} (diverged from node {from}'s log)",
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            ));
            self.rollbacks.push(Rollback {
                time: now,
                epoch: self.epoch,
                from_index,
                entries,
            });
        }
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
        let len = self.log.len() as u64;
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
            ReplMsg::Append { .. } if self.delay.as_us() > 0 && self.role == Role::Replica => {
                let due = now.plus(self.delay);
                if self.inbox.is_empty() {
                    ctx.set_timer(ReplTimer::Apply, self.delay);
                }
                self.inbox.push((due, from, msg));
            }
            ReplMsg::Append {
                epoch,
                prev,
                entries,
                len,
            } => self.on_append(from, epoch, prev, entries, len, ctx),
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
                for (_, from, msg) in due {
                    if let ReplMsg::Append {
                        epoch,
                        prev,
                        entries,
                        len,
                    } = msg
                    {
                        self.on_append(from, epoch, prev, entries, len, ctx);
                    }
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
    ) -> Result<(), String> {
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
                    return Err(format!("k={k} is above the {} replicas", self.p.replicas));
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
            other => Err(format!("'{other}' is not a data-node command")),
        }
    }
}
