//! A shard's Raft member: the Raft lab's own [`RaftNode`], unchanged, driven through a context of
//! its own (its peers are numbered `0..rf` inside the shard), plus the key-value service on top:
//! writes proposed as `put` entries and answered once applied, reads served by the leader with
//! a lease or ReadIndex (thesis §6.4) — or, with a buggy read mode, without either.

use super::params::{ReadMode, SystemParams};
use super::{Grow, Hop, KvResult, Op, SysMsg, SysTimer};
use crate::idmap::IdMap;
use crate::node::{Ctx, Effect, Node};
use crate::raft::{self, RaftNode, Role};
use crate::time::SimTime;
use crate::NodeId;
use std::collections::VecDeque;
use std::sync::Arc;

type C<'a> = Ctx<'a, SysMsg, SysTimer>;

/// A client write waiting for its entry to be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingWrite {
    /// Request id.
    pub id: u64,
    /// The app that asked.
    pub app: NodeId,
    /// The key.
    pub key: u32,
    /// Log index of its entry …
    pub index: u64,
    /// … and the term it was appended in.
    pub term: u64,
    /// When it arrived.
    pub at: SimTime,
}

/// A client read waiting for the leader to confirm it still leads (ReadIndex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingRead {
    /// Request id.
    pub id: u64,
    /// The app that asked.
    pub app: NodeId,
    /// The key.
    pub key: u32,
    /// The commit index when it arrived (answer once applied this far).
    pub read_index: u64,
    /// When it arrived (a majority must acknowledge the leader after this).
    pub at: SimTime,
}

/// One member of a shard's Raft group.
#[derive(Clone, Debug)]
pub struct Member {
    /// Its shard.
    pub shard: usize,
    /// Its id inside the shard.
    pub local: usize,
    /// Process id of the shard's member 0.
    pub base: NodeId,
    /// The Raft server, exactly as in the Raft lab.
    pub raft: RaftNode,
    /// How reads are served.
    pub reads: ReadMode,
    /// Writes proposed and not answered.
    pub writes: Vec<PendingWrite>,
    /// Reads waiting for confirmation.
    pub reads_waiting: Vec<PendingRead>,
    /// Per member: the latest time it acknowledged this leader in its current term (when it
    /// sent a successful `AppendEntries` response; 0 = not since elected).
    pub acks: Vec<Option<SimTime>>,
    /// When the last heartbeat round for reads was started.
    pub round_at: Option<SimTime>,
    /// The term `acks` belong to.
    ack_term: u64,
    /// Reads answered from a lease, by ReadIndex, and refused.
    pub served: [u64; 3],
    /// The key-value service's own state machine, applied from the Raft log with duplicate
    /// detection (thesis §6.3): the value of each key …
    pub kv: IdMap<i64>,
    /// … the last writes applied to each key (a retried write whose first copy was applied is
    /// applied once: every write writes its own operation id, so the value is its serial number) …
    pub recent: IdMap<VecDeque<i64>>,
    /// … and how far the log has been applied to it.
    pub kv_applied: u64,
    /// Duplicate writes skipped.
    pub duplicates: u64,
    /// A shard added while serving (`add-shard`).
    pub grow: Option<Arc<Grow>>,
    /// A member of the added shard, not started yet.
    pub dormant: bool,
    /// The keys this shard gives the added one.
    pub gives: Vec<u32>,
    /// From the log: the index of the applied "range moving" entry (the old shard) …
    pub moving_at: Option<u64>,
    /// … and, for each old shard, whether its range is installed (the added shard).
    pub installed: Vec<bool>,
    /// When each old shard's range was first installed here (measurements only).
    pub installed_at: Vec<Option<SimTime>>,
    /// The handoff in progress: the added shard told us it installed our range …
    handed: bool,
    /// … we last shipped it at …
    last_ship: Option<SimTime>,
    /// … the term we proposed "range moving" in; the added shard: the ranges received, the
    /// term each install was proposed in, and the old shards told theirs is installed.
    marker_term: u64,
    inbox: Vec<(usize, Range)>,
    install_term: Vec<u64>,
    told: Vec<bool>,
}

/// A moving range: each key with its last writes, oldest first.
pub type Range = Vec<(u32, Vec<i64>)>;

/// How often an old shard's leader ships the moving range until the added shard confirms it.
pub const SHIP_EVERY: crate::time::Duration = crate::time::Duration(100_000);

/// Writes remembered per key for duplicate detection (retries come within seconds).
pub const DEDUP_WINDOW: usize = 32;

impl Member {
    /// Heap bytes of its private tables (see [`crate::Node::heap_bytes`]).
    pub(super) fn heap_bytes_private(&self) -> usize {
        use crate::node::bytes::slice;
        slice(&self.inbox)
            + self
                .inbox
                .iter()
                .map(|(_, r)| slice(r) + r.iter().map(|(_, v)| slice(v)).sum::<usize>())
                .sum::<usize>()
            + slice(&self.install_term)
            + slice(&self.told)
    }

    /// Member `local` of shard `shard`.
    pub fn new(p: &SystemParams, shard: usize, local: usize) -> Member {
        let rp = raft::RaftParams {
            election_timeout_min: p.et,
            election_timeout_max: crate::time::Duration(p.et.as_us() * 2),
            heartbeat: p.hb,
            check_quorum: p.cq,
            ..Default::default()
        };
        let members: Vec<NodeId> = (0..p.rf).collect();
        Member {
            shard,
            local,
            base: p.member_id(shard, 0),
            raft: RaftNode::new(local, rp, members, p.rf),
            reads: p.reads,
            writes: Vec::new(),
            reads_waiting: Vec::new(),
            acks: vec![None; p.rf],
            round_at: None,
            ack_term: 0,
            served: [0; 3],
            kv: IdMap::new(),
            recent: IdMap::new(),
            kv_applied: 0,
            duplicates: 0,
            grow: None,
            dormant: false,
            gives: Vec::new(),
            moving_at: None,
            installed: Vec::new(),
            installed_at: Vec::new(),
            handed: false,
            last_ship: None,
            marker_term: 0,
            inbox: Vec::new(),
            install_term: Vec::new(),
            told: Vec::new(),
        }
    }

    /// Tells the member about a shard added while serving.
    pub fn set_grow(&mut self, g: Option<Arc<Grow>>) {
        if let Some(g) = &g {
            self.dormant = self.shard == g.shard;
            self.gives = g.gives.get(self.shard).cloned().unwrap_or_default();
            let n = g.shard;
            self.installed = vec![false; n];
            self.installed_at = vec![None; n];
            self.install_term = vec![0; n];
            self.told = vec![false; n];
        }
        self.grow = g;
    }

    /// Whether the member answers "moved" for `key`: its range has left this shard, or (the
    /// added shard) has not been installed yet.
    fn refuses(&self, key: u32) -> bool {
        let Some(g) = &self.grow else {
            return false;
        };
        if self.shard < g.shard {
            self.moving_at.is_some() && self.gives.contains(&key)
        } else {
            g.gives
                .iter()
                .position(|ks| ks.contains(&key))
                .is_some_and(|i| !self.installed[i])
        }
    }

    /// The handoff, after every Raft event at a leader: the old shard commits "range moving"
    /// and ships the range until the added shard confirms; the added shard installs each range
    /// it receives with one entry per value and a last "installed" entry, and confirms.
    fn handoff(&mut self, ctx: &mut C) {
        let Some(g) = self.grow.clone() else {
            return;
        };
        let now = ctx.now();
        if now < g.at || self.dormant || !self.is_leader() {
            return;
        }
        let term = self.raft.current_term;
        if self.shard < g.shard {
            if self.gives.is_empty() || self.handed {
                return;
            }
            if self.moving_at.is_none() {
                if self.marker_term != term {
                    self.marker_term = term;
                    ctx.note(format!(
                        "s{}.{}: range moving to shard {} ({} keys): proposed",
                        self.shard,
                        self.local,
                        g.shard,
                        self.gives.len()
                    ));
                    self.propose("moving".into(), 1, ctx);
                }
                return;
            }
            if self.last_ship.is_none_or(|t| now.since(t) >= SHIP_EVERY) {
                self.last_ship = Some(now);
                let values: Range = self
                    .gives
                    .iter()
                    .map(|&k| {
                        let v = self.recent.get(&u64::from(k));
                        (
                            k,
                            v.map(|v| v.iter().copied().collect()).unwrap_or_default(),
                        )
                    })
                    .collect();
                for j in 0..g.rf {
                    ctx.send(
                        g.bases[g.shard] + j,
                        SysMsg::Handoff {
                            from: self.shard,
                            values: values.clone(),
                        },
                    );
                }
            }
            return;
        }
        let mut texts = Vec::new();
        for (from, values) in &self.inbox {
            let from = *from;
            if self.installed[from] || self.install_term[from] == term {
                continue;
            }
            self.install_term[from] = term;
            for (k, vs) in values {
                let key: Arc<str> = super::key_name(*k).into();
                texts.extend(vs.iter().map(|&v| (key.clone(), v)));
            }
            texts.push((format!("in{from}").into(), 1));
        }
        for (key, value) in texts {
            self.propose(key, value, ctx);
        }
        for i in 0..self.installed.len() {
            if self.installed[i] && !self.told[i] {
                self.told[i] = true;
                for j in 0..g.rf {
                    ctx.send(g.bases[i] + j, SysMsg::Installed { from: i });
                }
            }
        }
    }

    /// Runs `f` on the Raft server with a context of its own, then carries its effects out
    /// through the system's context (peer `k` is process `base + k`).
    fn with_raft<R>(
        &mut self,
        ctx: &mut C,
        f: impl FnOnce(&mut RaftNode, &mut Ctx<raft::Msg, raft::Timer>) -> R,
    ) -> R {
        let (now, quiet) = (ctx.now(), ctx.is_quiet());
        let rf = self.acks.len();
        let (r, effects) = {
            let mut sub = Ctx::new(now, self.local, rf, ctx.rng()).with_quiet(quiet);
            let r = f(&mut self.raft, &mut sub);
            (r, sub.into_effects())
        };
        for e in effects {
            match e {
                Effect::Send(to, msg) => ctx.send(self.base + to, SysMsg::Raft { msg, sent: now }),
                Effect::SetTimer(t, d) => ctx.set_timer(SysTimer::Raft(t), d),
                Effect::CancelTimer(t) => ctx.cancel_timer(SysTimer::Raft(t)),
                // Raft's notes name members inside the shard (`{local}: …`): say which shard.
                Effect::Note(s) => {
                    ctx.note_fmt(format_args!("s{}.{}: {}", self.shard, self.local, s.body()))
                }
            }
        }
        self.after_raft(ctx);
        r
    }

    /// Proposes `put key=value` (at a leader: the callers check).
    fn propose(&mut self, key: Arc<str>, value: i64, ctx: &mut C) {
        self.with_raft(ctx, |r, c| r.propose(raft::Cmd::Put { key, value }, c));
    }

    fn is_leader(&self) -> bool {
        self.raft.role == Role::Leader
    }

    /// The leader has committed an entry of its own term (so its commit index is current, §8).
    fn term_committed(&self) -> bool {
        self.raft.term_at(self.raft.commit_index) == Some(self.raft.current_term)
    }

    fn quorum(&self) -> usize {
        self.acks.len() / 2 + 1
    }

    /// Members that acknowledged this leader after `t` (itself included).
    fn acked_after(&self, t: SimTime) -> usize {
        1 + self
            .acks
            .iter()
            .enumerate()
            .filter(|&(k, a)| k != self.local && a.is_some_and(|a| a > t))
            .count()
    }

    /// The end of the leader lease: a majority (with itself) acknowledged it at or after some
    /// time `t`; with check-quorum's stickiness none of them votes for another candidate before
    /// `t` + the minimum election timeout (thesis §6.4.1; no clock drift in a simulation).
    pub fn lease_end(&self) -> Option<SimTime> {
        if !self.raft.params.check_quorum || !self.is_leader() {
            return None;
        }
        let mut t: Vec<SimTime> = self
            .acks
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != self.local)
            .filter_map(|(_, a)| *a)
            .collect();
        crate::sort::sort_unstable_by(&mut t, |a, b| b.cmp(a));
        let need = self.quorum() - 1;
        if need == 0 {
            return None;
        }
        t.get(need - 1)
            .map(|&a| a.plus(self.raft.params.election_timeout_min))
    }

    fn reply(&self, app: NodeId, id: u64, result: KvResult, at: SimTime, ctx: &mut C) {
        let hop = Hop {
            node: ctx.me() as u16,
            arrive_us: at.as_us(),
            depart_us: ctx.now().as_us(),
        };
        ctx.send(app, SysMsg::KvResp { id, result, hop });
    }

    fn value(&self, key: u32) -> Option<i64> {
        self.kv.get(&u64::from(key)).copied()
    }

    /// Applies the entries Raft has applied to the service's state machine, skipping a write
    /// already applied (thesis §6.3: a retried command must not take effect twice).
    fn apply_kv(&mut self, now: SimTime) {
        while self.kv_applied < self.raft.last_applied {
            let i = self.kv_applied + 1;
            if let Some(raft::Entry {
                cmd: raft::Cmd::Put { key, value },
                ..
            }) = self.raft.entry(i)
            {
                if &**key == "moving" {
                    self.moving_at = self.moving_at.or(Some(i));
                } else if let Some(from) =
                    key.strip_prefix("in").and_then(|s| s.parse::<usize>().ok())
                {
                    if from < self.installed.len() {
                        self.installed[from] = true;
                        self.installed_at[from].get_or_insert(now);
                    }
                } else if let Some(k) = key
                    .strip_prefix('k')
                    .and_then(|k| k.parse::<u32>().ok())
                    .filter(|k| self.moving_at.is_none() || !self.gives.contains(k))
                {
                    let seen = self.recent.get_or_insert_with(u64::from(k), VecDeque::new);
                    if seen.contains(value) {
                        self.duplicates += 1;
                    } else {
                        if seen.len() >= DEDUP_WINDOW {
                            seen.pop_front();
                        }
                        seen.push_back(*value);
                        self.kv.insert(u64::from(k), *value);
                    }
                }
            }
            self.kv_applied = i;
        }
    }

    /// After every Raft event: answer the writes now applied, fail those whose leader is gone,
    /// answer the reads now confirmed.
    fn after_raft(&mut self, ctx: &mut C) {
        self.apply_kv(ctx.now());
        let term = self.raft.current_term;
        if self.ack_term != term || !self.is_leader() {
            self.acks.iter_mut().for_each(|a| *a = None);
            self.ack_term = term;
            self.round_at = None;
        }
        let (leader, applied) = (self.is_leader(), self.raft.last_applied);
        // The writes wait in log order, all of the current term (a change of term or role
        // answers them all at once): while it leads and the first is not applied, none is, and
        // all go on waiting (a leader cut off from its group holds more and more of them).
        let all_wait = leader
            && self
                .writes
                .first()
                .is_some_and(|w| w.term == term && w.index > applied);
        debug_assert!(
            !all_wait || self.writes.last().is_some_and(|w| w.term == term),
            "waiting writes of more than one term"
        );
        if !self.writes.is_empty() && !all_wait {
            let mut keep = Vec::new();
            for w in std::mem::take(&mut self.writes) {
                if w.index <= applied {
                    let r = if self.raft.term_at(w.index) == Some(w.term) {
                        if self.moving_at.is_some_and(|m| m < w.index)
                            && self.gives.contains(&w.key)
                        {
                            // Applied after the range left: not taken, ask the new shard.
                            KvResult::Moved
                        } else {
                            KvResult::Ok(None)
                        }
                    } else {
                        KvResult::Unknown
                    };
                    self.reply(w.app, w.id, r, w.at, ctx);
                } else if !leader || term != w.term {
                    // The entry may still commit under a later leader: the outcome is unknown.
                    self.reply(w.app, w.id, KvResult::Unknown, w.at, ctx);
                } else {
                    keep.push(w);
                }
            }
            self.writes = keep;
        }
        if !self.reads_waiting.is_empty() {
            let mut keep = Vec::new();
            for r in std::mem::take(&mut self.reads_waiting) {
                if self.refuses(r.key) {
                    self.reply(r.app, r.id, KvResult::Moved, r.at, ctx);
                } else if !self.is_leader() {
                    let hint = self.raft.leader_id;
                    self.reply(r.app, r.id, KvResult::NotLeader(hint), r.at, ctx);
                } else if self.acked_after(r.at) >= self.quorum()
                    && self.raft.last_applied >= r.read_index
                {
                    self.served[1] += 1;
                    let v = self.value(r.key);
                    self.reply(r.app, r.id, KvResult::Ok(v), r.at, ctx);
                } else {
                    keep.push(r);
                }
            }
            self.reads_waiting = keep;
        }
        self.handoff(ctx);
    }

    fn on_kv(&mut self, from: NodeId, id: u64, op: Op, ctx: &mut C) {
        let now = ctx.now();
        if self.dormant {
            self.reply(from, id, KvResult::NotLeader(None), now, ctx);
            return;
        }
        if self.refuses(op.key()) {
            self.reply(from, id, KvResult::Moved, now, ctx);
            return;
        }
        match op {
            Op::Write(key, v) => {
                if !self.is_leader() {
                    let hint = self.raft.leader_id;
                    self.reply(from, id, KvResult::NotLeader(hint), now, ctx);
                    return;
                }
                let before = self.raft.last_log_index();
                self.propose(super::key_name(key).into(), v, ctx);
                if self.is_leader() && self.raft.last_log_index() > before {
                    let index = before + 1;
                    self.writes.push(PendingWrite {
                        id,
                        app: from,
                        key,
                        index,
                        term: self.raft.current_term,
                        at: now,
                    });
                    // A single-member group commits at once.
                    self.after_raft(ctx);
                } else {
                    self.reply(from, id, KvResult::NotLeader(self.raft.leader_id), now, ctx);
                }
            }
            Op::Read(key) => match self.reads {
                ReadMode::Follower => {
                    self.served[0] += 1;
                    let v = self.value(key);
                    self.reply(from, id, KvResult::Ok(v), now, ctx);
                }
                ReadMode::Local if self.is_leader() => {
                    self.served[0] += 1;
                    let v = self.value(key);
                    self.reply(from, id, KvResult::Ok(v), now, ctx);
                }
                _ if !self.is_leader() => {
                    self.served[2] += 1;
                    let hint = self.raft.leader_id;
                    self.reply(from, id, KvResult::NotLeader(hint), now, ctx);
                }
                ReadMode::Lease
                    if self.term_committed() && self.lease_end().is_some_and(|e| now < e) =>
                {
                    self.served[0] += 1;
                    let v = self.value(key);
                    self.reply(from, id, KvResult::Ok(v), now, ctx);
                }
                _ if !self.term_committed() => {
                    // Thesis §6.4 step 1: not before an entry of its term is committed.
                    self.served[2] += 1;
                    self.reply(from, id, KvResult::NotLeader(None), now, ctx);
                }
                _ => {
                    self.reads_waiting.push(PendingRead {
                        id,
                        app: from,
                        key,
                        read_index: self.raft.commit_index,
                        at: now,
                    });
                    // One heartbeat round confirms every read that arrived before it.
                    if self.round_at.is_none_or(|r| r < now) {
                        self.round_at = Some(now);
                        ctx.note("ReadIndex: heartbeat round to confirm leadership (§6.4)");
                        self.with_raft(ctx, |r, c| r.on_timer(raft::Timer::Heartbeat, c));
                    }
                }
            },
        }
    }
}

impl Node for Member {
    type Msg = SysMsg;
    crate::node::shows_whole_messages!();
    type Timer = SysTimer;
    type Command = super::SysCommand;
    // A part of a process: its `SysNode` answers for its commands.
    crate::node::refuses_commands!();

    fn on_start(&mut self, ctx: &mut C) {
        if let Some(at) = self.grow.as_ref().map(|g| g.at) {
            let now = ctx.now();
            if now < at {
                ctx.set_timer(SysTimer::Grow, at.since(now));
            } else {
                self.dormant = false;
            }
            if self.dormant {
                return;
            }
        }
        self.with_raft(ctx, |r, c| r.on_start(c));
    }

    fn on_message(&mut self, from: NodeId, msg: SysMsg, ctx: &mut C) {
        match msg {
            SysMsg::Raft { msg, sent } => {
                let Some(k) = from.checked_sub(self.base).filter(|&k| k < self.acks.len()) else {
                    return;
                };
                if let raft::Msg::AppendEntriesResponse {
                    term,
                    success: true,
                    ..
                } = msg
                {
                    if self.is_leader() && term == self.raft.current_term {
                        let a = &mut self.acks[k];
                        *a = Some(a.map_or(sent, |x| x.max(sent)));
                    }
                }
                self.with_raft(ctx, |r, c| r.on_message(k, msg, c));
            }
            SysMsg::Kv { id, op } => self.on_kv(from, id, op, ctx),
            SysMsg::Handoff {
                from: shard,
                values,
            } if !self.dormant => {
                if self.installed.get(shard) == Some(&true) {
                    ctx.send(from, SysMsg::Installed { from: shard });
                } else if shard < self.installed.len() {
                    self.inbox.retain(|(s, _)| *s != shard);
                    self.inbox.push((shard, values));
                    self.handoff(ctx);
                }
            }
            SysMsg::Installed { from: shard } if shard == self.shard => self.handed = true,
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: SysTimer, ctx: &mut C) {
        match timer {
            SysTimer::Raft(t) if !self.dormant => self.with_raft(ctx, |r, c| r.on_timer(t, c)),
            SysTimer::Grow if self.dormant => {
                self.dormant = false;
                ctx.note(format!(
                    "s{}.{}: starts (shard added)",
                    self.shard, self.local
                ));
                self.with_raft(ctx, |r, c| r.on_start(c));
            }
            SysTimer::Grow => self.after_raft(ctx),
            _ => {}
        }
    }

    fn on_restart(&mut self) {
        self.raft.on_restart();
        self.writes.clear();
        self.reads_waiting.clear();
        self.acks.iter_mut().for_each(|a| *a = None);
        self.round_at = None;
        // Rebuilt from the log, as Raft's own state machine is.
        self.kv.clear();
        self.recent.clear();
        self.kv_applied = 0;
        self.moving_at = None;
        self.installed.iter_mut().for_each(|x| *x = false);
        self.handed = false;
        self.last_ship = None;
        self.marker_term = 0;
        self.inbox.clear();
        self.install_term.iter_mut().for_each(|x| *x = 0);
        self.told.iter_mut().for_each(|x| *x = false);
    }
}
