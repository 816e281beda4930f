//! The replication and locks lab (issue 12), part one: primary/backup replication, failover and
//! split brain — what happens to *data* when a primary fails or the network splits (seed articles
//! 001, 002 and 004: 主备冗余, 数据复制, 选主).
//!
//! Nodes, in id order:
//! - **node 0, the monitor**: a fixed-timeout heartbeat failure detector (as in the heartbeat
//!   lab: suspect after `suspect`, down after `down`, status changes scheduled as timers) that
//!   drives failover with an epoch on every promotion, answers clients' "who is primary?", and
//!   optionally grants leases and asks witnesses;
//! - **nodes 1..=R+1, the data nodes**: node 1 starts as primary at epoch 1, the others as its
//!   replicas. The primary appends each client write to its log and ships entries to every other
//!   data node (`Append` with the position before them, Raft-style, so a replica that diverged
//!   is repaired by truncating its conflicting suffix — recorded as a [`Rollback`]). It
//!   acknowledges the client by [`Mode`]: at once (async), after k replicas (semi-sync, MySQL
//!   AFTER_SYNC: the write becomes visible on the primary only then), after all (sync), or after
//!   any k (quorum, PostgreSQL `ANY k`);
//! - **the clients** (the last `c` nodes): Poisson operations, writes and reads on a few keys,
//!   sent to the primary they believe in over a sticky connection: a client asks the monitor
//!   again only when an operation fails or times out — so an old primary its clients can still
//!   reach keeps taking their writes (split brain).
//!
//! **Failover.** When the monitor declares the primary down it bumps the epoch and either
//! promotes the first replica it believes up ([`Promotion::First`], naive), or sends `Prepare`
//! to every replica: each adopts the new epoch (from then on refusing the old primary — the
//! epoch is a fencing token) and reports its last log position; the monitor promotes the most
//! up-to-date ([`Promotion::Best`]). In quorum and sync modes it needs N−k+1 answers, so the
//! replicas it compares include one of every k that acknowledged a write: no acknowledged write
//! is lost. An old primary that comes back is a replica; the new primary's log overwrites its
//! unreplicated suffix, which is rolled back.
//!
//! **Split-brain fixes** as toggles: witness/quorum promotion (the monitor asks the replicas
//! whether they still hear the primary and needs a majority), leases (the primary stops serving
//! when the lease it got from the monitor runs out, and the monitor waits the lease out before
//! promoting; clock drift on the data nodes breaks it), fencing (replicas check the epoch).
//!
//! **Pauses.** The `pause:MS` command freezes a node: messages, timers and commands that reach it
//! are kept in arrival order and handled when it resumes, with the beliefs it had before (a stop-
//! the-world GC pause). This models inside the lab what a core `pause:N:MS` fault would do.
//!
//! Ground truth ([`measure`]) is computed from the clients' records and the data nodes' logs,
//! which the nodes never compare: acknowledged writes lost, stale reads, unavailability windows,
//! write latency per mode, split-brain time, writes acknowledged by a deposed primary.
//!
//! ```
//! use engine::replication::{measure, new_sim, Mode, ReplParams};
//! use engine::{fault::parse_timeline, net::NetConfig, SimTime};
//!
//! // Synchronous replication; the primary crashes at 1 s. The monitor declares it down, fences
//! // the replicas at epoch 2 and promotes the most up-to-date: no acknowledged write is lost.
//! let p = ReplParams { mode: Mode::Sync, ..ReplParams::default() };
//! let faults = parse_timeline("1000:crash:1").unwrap();
//! let mut sim = new_sim(3, &p, NetConfig::default(), faults);
//! sim.run_until(SimTime::from_ms(3_000), u64::MAX);
//! let m = measure(&sim);
//! assert_eq!(m.failovers, 1);
//! assert_eq!(m.writes.acked_lost, 0, "sync replication loses no acknowledged write");
//! ```

pub mod active;
pub mod chunked;
mod client;
mod command;
mod data;
mod desc;
pub mod locks;
mod metrics;
mod monitor;
mod params;
pub mod pause;
mod presets;
pub mod settle;

pub use client::{Client, Op, OpKind, Outcome};
pub use command::{key_name, KeyBeyond, ReplCommand, ReplCommandError, ReplRefusal, MAX_BURST};
pub use data::{common_prefix, epoch_in, DataNode, Image, Install, Peer, Role, Rollback};
pub use desc::{
    parse_drift, parse_skew, section_of, ActiveSectionLab, ClockError, LocksSectionLab,
    OtherSectionCommand, ReplLabMetrics, ReplRun, ReplSectionLab, ReplSetup, ReplicationLab,
    Section, SectionLab, SectionMetrics, SectionRun, SEC_ACTIVE, SEC_LOCKS, SEC_REPL,
};
pub use metrics::{
    acting_intervals, acting_primaries, authoritative, lag, measure, split_brain_intervals, Lag,
    LatencyStats, LostWrite, ModeLatency, Outage, ReadCounts, ReplMetrics, WriteCounts,
};
pub use monitor::{Failover, Monitor, Round, RoundKind, Transition, View};
pub use params::{
    Mode, Promotion, ReadFrom, ReplParams, ReplParamsError, WaitPoint, DEFAULT_KEEP, MAX_CLIENTS,
    MAX_DRIFT_PCT, MAX_KEYS, MAX_RATE, MAX_REPLICAS, MAX_TIMEOUT_MS,
};
pub use presets::PRESETS;

use crate::fault::TimedFault;
use crate::health::Health;
use crate::net::NetConfig;
use crate::sim::{Ctx, Node, Sim};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use pause::Pause;
use serde::Serialize;
use std::fmt;

/// The monitor's node id.
pub const MONITOR: NodeId = 0;
/// The first primary's node id (data nodes are `1..=replicas+1`).
pub const FIRST_PRIMARY: NodeId = 1;
/// The most entries one `Append` carries.
pub const MAX_BATCH: usize = 64;

/// Where an entry sits: the epoch of the primary that created it and its 1-based index. Ordered
/// as Raft's §5.4.1 "up-to-date" rule: a later epoch wins, then a longer log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    /// The epoch of the primary that created the entry (0 for the empty log).
    pub epoch: u64,
    /// Its index in the log (0 for the empty log).
    pub index: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e{}:{}", self.epoch, self.index)
    }
}

/// A write's identity: the client node that issued it and its operation number there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct WriteId {
    /// The client's node id.
    pub client: u16,
    /// The client's operation number (1-based).
    pub op: u32,
}

impl fmt::Display for WriteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}#{}", self.client, self.op)
    }
}

/// A log entry: one client write. Its value *is* its id, so a read shows which write it saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The epoch of the primary that appended it.
    pub epoch: u64,
    /// The write.
    pub id: WriteId,
    /// The key (`a` = 0).
    pub key: u8,
    /// When the primary appended it (for replication lag in ms).
    pub at: SimTime,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e{} {}={}", self.epoch, key_name(self.key), self.id)
    }
}

/// Messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplMsg {
    /// Data node → monitor: alive; its role, epoch, last log position and replication settings.
    Heartbeat {
        /// Heartbeat number (persistent across restarts).
        seq: u64,
        /// The sender believes it is primary.
        primary: bool,
        /// The sender's epoch.
        epoch: u64,
        /// The sender's last log position.
        last: Pos,
        /// The sender's replication mode.
        mode: Mode,
        /// The sender's k.
        acks: usize,
    },
    /// Monitor → primary: your lease runs `lease` from the moment you sent heartbeat `seq`.
    Lease {
        /// The heartbeat it answers.
        seq: u64,
        /// The epoch it is granted at.
        epoch: u64,
    },
    /// Monitor → a stale primary: step down, the epoch is now this.
    Demote {
        /// The current epoch.
        epoch: u64,
    },
    /// Monitor → data node (witness promotion): do you still hear the primary?
    Probe {
        /// The round.
        round: u64,
    },
    /// Data node → monitor: the answer to a probe.
    ProbeReply {
        /// The round.
        round: u64,
        /// Heard from a primary within the down timeout.
        sees_primary: bool,
    },
    /// Monitor → data node: adopt this epoch (refuse older primaries) and report your position.
    Prepare {
        /// The new epoch.
        epoch: u64,
    },
    /// Data node → monitor: the answer to a prepare.
    PrepareReply {
        /// The epoch adopted.
        epoch: u64,
        /// The last log position.
        last: Pos,
    },
    /// Monitor → data node: you are primary at this epoch.
    Promote {
        /// The epoch.
        epoch: u64,
    },
    /// Primary → data node: entries after `prev`; the primary's log length and visible index.
    Append {
        /// The primary's epoch (fencing token).
        epoch: u64,
        /// The position just before the entries.
        prev: Pos,
        /// The entries (at most [`MAX_BATCH`]).
        entries: Vec<Entry>,
        /// The primary's log length when sent.
        len: u64,
        /// The primary's commit index (a replica compacts only up to it).
        commit: u64,
    },
    /// Primary → data node that needs entries the primary has compacted: its snapshot (Raft's
    /// InstallSnapshot); the replica answers with an `AppendReply` at the snapshot's last index.
    Snapshot {
        /// The primary's epoch (fencing token).
        epoch: u64,
        /// The primary's commit index.
        commit: u64,
        /// The snapshot and the epoch runs it stands for.
        install: Box<Install>,
    },
    /// Data node → primary: stored up to `index` (`ok`), or does not match at `prev` and holds
    /// at most `index` matching entries (`!ok`).
    AppendReply {
        /// The replier's epoch.
        epoch: u64,
        /// Matched.
        ok: bool,
        /// Match index, or a hint where to retry from.
        index: u64,
        /// The epoch of the replier's entry at `index` (0 if none), for the primary to check.
        at_epoch: u64,
    },
    /// Data node → primary (fencing): refused, a newer epoch exists.
    Stale {
        /// The newer epoch.
        epoch: u64,
    },
    /// Client → data node: write `key` (the value is the write's id).
    Write {
        /// Operation number.
        op: u32,
        /// Key.
        key: u8,
    },
    /// Client → data node: read `key`.
    Read {
        /// Operation number.
        op: u32,
        /// Key.
        key: u8,
    },
    /// Primary → client: the write is durable per the mode, at this position.
    Written {
        /// Operation number.
        op: u32,
        /// Where it sits.
        pos: Pos,
        /// The mode that acknowledged it (async if semi-sync had degraded).
        mode: Mode,
    },
    /// Data node → client: the value of the key (the write that set it, and where it sits).
    Value {
        /// Operation number.
        op: u32,
        /// The write and its position (`None`: never written).
        value: Option<(WriteId, Pos)>,
    },
    /// Data node → client: not the (serving) primary; try the hinted node.
    NotPrimary {
        /// Operation number.
        op: u32,
        /// The replier's epoch.
        epoch: u64,
        /// Who the replier believes is primary, if anyone.
        hint: Option<NodeId>,
    },
    /// Client → monitor: who is primary?
    WhoIsPrimary,
    /// Monitor → client: the designated primary.
    PrimaryIs {
        /// The primary (`None` during a failover).
        node: Option<NodeId>,
        /// The current epoch.
        epoch: u64,
    },
}

impl ReplMsg {
    /// The message as a trace line keeps it ([`ReplMsgShown`]).
    pub fn shown(&self) -> ReplMsgShown {
        match *self {
            ReplMsg::Append {
                epoch, ref entries, ..
            } => ReplMsgShown::Append {
                epoch,
                entries: entries.len(),
            },
            ReplMsg::Snapshot {
                epoch, ref install, ..
            } => ReplMsgShown::Snapshot {
                epoch,
                upto: install.image.last.index,
            },
            _ => ReplMsgShown::Other(self.clone()),
        }
    }
}

impl fmt::Display for ReplMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplMsg::Heartbeat {
                primary: true,
                epoch,
                ..
            } => write!(f, "hb★ e{epoch}"),
            ReplMsg::Heartbeat { .. } => f.write_str("hb"),
            ReplMsg::Lease { epoch, .. } => write!(f, "lease e{epoch}"),
            ReplMsg::Demote { epoch } => write!(f, "demote e{epoch}"),
            ReplMsg::Probe { .. } => f.write_str("probe"),
            ReplMsg::ProbeReply { sees_primary, .. } => {
                write!(f, "probe✓ {}", if *sees_primary { "alive" } else { "gone" })
            }
            ReplMsg::Prepare { epoch } => write!(f, "prepare e{epoch}"),
            ReplMsg::PrepareReply { last, .. } => write!(f, "prepare✓ {last}"),
            ReplMsg::Promote { epoch } => write!(f, "promote e{epoch}"),
            ReplMsg::Append { .. } | ReplMsg::Snapshot { .. } => self.shown().fmt(f),
            ReplMsg::AppendReply {
                epoch,
                ok: true,
                index,
                ..
            } => write!(f, "ack e{epoch} @{index}"),
            ReplMsg::AppendReply { epoch, index, .. } => write!(f, "nack e{epoch} @{index}"),
            ReplMsg::Stale { epoch } => write!(f, "stale e{epoch}"),
            ReplMsg::Write { op, key } => write!(f, "W#{op} {}", key_name(*key)),
            ReplMsg::Read { op, key } => write!(f, "R#{op} {}", key_name(*key)),
            ReplMsg::Written { op, pos, .. } => write!(f, "ok#{op} {pos}"),
            ReplMsg::Value { op, .. } => write!(f, "val#{op}"),
            ReplMsg::NotPrimary { op, .. } => write!(f, "redirect#{op}"),
            ReplMsg::WhoIsPrimary => f.write_str("who?"),
            ReplMsg::PrimaryIs {
                node: Some(n),
                epoch,
            } => write!(f, "primary={n} e{epoch}"),
            ReplMsg::PrimaryIs { node: None, epoch } => write!(f, "primary=? e{epoch}"),
        }
    }
}

/// What a trace line keeps of a [`ReplMsg`] (its `Display` is the message's): an `Append`'s
/// entries counted and a `Snapshot`'s image reduced to its last index, so a traced delivery
/// neither copies the entries or the image nor keeps them alive until its line is trimmed; any
/// other message whole (none holds heap data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplMsgShown {
    /// A [`ReplMsg::Append`].
    Append {
        /// The primary's epoch.
        epoch: u64,
        /// How many entries it carries (0: none, the primary's length and commit index only).
        entries: usize,
    },
    /// A [`ReplMsg::Snapshot`].
    Snapshot {
        /// The primary's epoch.
        epoch: u64,
        /// The index of the snapshot's last entry.
        upto: u64,
    },
    /// Any other message.
    Other(ReplMsg),
}

impl fmt::Display for ReplMsgShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplMsgShown::Append { epoch, entries: 0 } => write!(f, "append e{epoch}"),
            ReplMsgShown::Append { epoch, entries } => write!(f, "append e{epoch} +{entries}"),
            ReplMsgShown::Snapshot { epoch, upto } => write!(f, "snapshot e{epoch} @{upto}"),
            ReplMsgShown::Other(m) => m.fmt(f),
        }
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReplTimer {
    /// Data node: heartbeat to the monitor; a primary also retries replication.
    Beat,
    /// Replica: store the appends whose delay is over.
    Apply,
    /// Primary: the lease runs out now (by its own clock).
    LeaseEnd,
    /// Semi-sync primary: the oldest waiting write has waited `fallback`.
    Fallback,
    /// Monitor: data node `node` crosses `level` now, unless heard from before.
    Deadline {
        /// The data node.
        node: NodeId,
        /// Suspect or down.
        level: Health,
    },
    /// Monitor: the promotion round's replies are in (or not).
    Round,
    /// Monitor: try the failover again (the lease has run out, or a round failed).
    Retry,
    /// Client: its cached answer to "who is primary?" expires (`ttl`).
    Refresh,
    /// Client: the next operation.
    Arrival,
    /// Client: operation `op` times out.
    OpTimeout {
        /// Operation number.
        op: u32,
    },
    /// Any node: the pause is over.
    Resume,
}

impl fmt::Display for ReplTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplTimer::Beat => f.write_str("heartbeat"),
            ReplTimer::Apply => f.write_str("apply"),
            ReplTimer::LeaseEnd => f.write_str("lease end"),
            ReplTimer::Fallback => f.write_str("semi-sync fallback"),
            ReplTimer::Deadline { node, level } => {
                write!(f, "{} deadline for {node}", level.as_str())
            }
            ReplTimer::Round => f.write_str("promotion round"),
            ReplTimer::Retry => f.write_str("failover retry"),
            ReplTimer::Refresh => f.write_str("discovery refresh"),
            ReplTimer::Arrival => f.write_str("arrival"),
            ReplTimer::OpTimeout { op } => write!(f, "timeout #{op}"),
            ReplTimer::Resume => f.write_str("resume"),
        }
    }
}

/// What a node does.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Node 0.
    Monitor(Monitor),
    /// Nodes 1..=R+1.
    Data(DataNode),
    /// The last `c` nodes.
    Client(Client),
}

/// Something that reached a paused node, kept for when it resumes.
#[derive(Clone, Debug, PartialEq)]
pub enum Stashed {
    /// A message.
    Msg(NodeId, ReplMsg),
    /// A timer that fired.
    Timer(ReplTimer),
    /// A command.
    Command(ReplCommand),
}

/// A node of the replication lab: its role-specific state, and a pause (`pause:MS`).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplNode {
    /// The monitor, a data node or a client.
    pub kind: Kind,
    /// Its pause (`pause:MS`) and what arrived during it.
    pub pause: Pause<Stashed>,
    /// Ghost: every pause `(from, until)` (cut short by a crash), for the measurements.
    pub pauses: Vec<(SimTime, SimTime)>,
}

/// The role a page draws for a node (`data-role`).
pub fn role_name(n: &ReplNode) -> &'static str {
    match &n.kind {
        Kind::Monitor(_) => "monitor",
        Kind::Data(d) if d.role == Role::Primary => "primary",
        Kind::Data(_) => "replica",
        Kind::Client(_) => "client",
    }
}

impl ReplNode {
    /// The data node, if this is one.
    pub fn data(&self) -> Option<&DataNode> {
        match &self.kind {
            Kind::Data(d) => Some(d),
            _ => None,
        }
    }
    /// The client, if this is one.
    pub fn client(&self) -> Option<&Client> {
        match &self.kind {
            Kind::Client(c) => Some(c),
            _ => None,
        }
    }
    /// The monitor, if this is it.
    pub fn monitor(&self) -> Option<&Monitor> {
        match &self.kind {
            Kind::Monitor(m) => Some(m),
            _ => None,
        }
    }

    fn handle_msg(&mut self, from: NodeId, msg: ReplMsg, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        match &mut self.kind {
            Kind::Monitor(m) => m.on_message(from, msg, ctx),
            Kind::Data(d) => d.on_message(from, msg, ctx),
            Kind::Client(c) => c.on_message(from, msg, ctx),
        }
    }

    fn handle_timer(&mut self, t: ReplTimer, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        match &mut self.kind {
            Kind::Monitor(m) => m.on_timer(t, ctx),
            Kind::Data(d) => d.on_timer(t, ctx),
            Kind::Client(c) => c.on_timer(t, ctx),
        }
    }

    fn handle_command(
        &mut self,
        c: ReplCommand,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) -> Result<(), ReplRefusal> {
        match &mut self.kind {
            Kind::Monitor(m) => m.on_command(c, ctx),
            Kind::Data(d) => d.on_command(c, ctx),
            Kind::Client(cl) => cl.on_command(c, ctx),
        }
    }
}

impl Node for ReplNode {
    type Msg = ReplMsg;
    type Shown = ReplMsgShown;

    fn shown(msg: &ReplMsg) -> ReplMsgShown {
        msg.shown()
    }
    type Timer = ReplTimer;
    type Command = ReplCommand;
    type Refusal = ReplRefusal;

    fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let own = match &self.kind {
            Kind::Monitor(m) => {
                m.views.len() * size_of::<View>()
                    + m.transitions.len() * size_of::<Transition>()
                    + m.failovers.len() * size_of::<Failover>()
                    + size_of::<settle::Settled>()
                    + m.settled.heap_bytes()
            }
            Kind::Data(d) => {
                d.log.unshared_bytes()
                    + d.runs.len() * size_of::<(u64, u64)>()
                    + d.snap.values.len() * size_of::<Option<(WriteId, Pos)>>()
                    + d.peers.len() * size_of::<Peer>()
                    + d.waiting.len() * size_of::<data::Waiting>()
                    + d.inbox.len() * size_of::<(SimTime, NodeId, ReplMsg)>()
                    + d.rollbacks
                        .iter()
                        .map(|r| {
                            size_of::<Rollback>()
                                + r.entries.len() * size_of::<Entry>()
                                + r.compacted.len() * size_of::<(u64, u64, u64)>()
                        })
                        .sum::<usize>()
                    + d.promotions.len() * size_of::<(SimTime, u64, u64)>()
                    + d.serving_log.len() * size_of::<(SimTime, bool)>()
            }
            Kind::Client(c) => {
                c.ops.unshared_bytes() + c.pinned.len() * size_of::<Op>() + c.pending.len() * 32
            }
        };
        own + self.pause.held.len() * size_of::<Stashed>()
            + self.pauses.len() * size_of::<(SimTime, SimTime)>()
    }

    fn msg_heap_bytes(msg: &ReplMsg) -> usize {
        match msg {
            ReplMsg::Append { entries, .. } => entries.len() * std::mem::size_of::<Entry>(),
            ReplMsg::Snapshot { install, .. } => {
                std::mem::size_of::<Install>()
                    + install.runs.len() * 16
                    + install.image.values.len() * std::mem::size_of::<Option<(WriteId, Pos)>>()
            }
            _ => 0,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        if let Some(last) = self.pauses.last_mut() {
            // A crash ended the pause.
            last.1 = last.1.min(now);
        }
        match &mut self.kind {
            Kind::Monitor(m) => m.on_start(ctx),
            Kind::Data(d) => d.on_start(ctx),
            Kind::Client(c) => c.on_start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: ReplMsg, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        if let Some(Stashed::Msg(from, msg)) = self.pause.hold(Stashed::Msg(from, msg)) {
            self.handle_msg(from, msg, ctx);
        }
    }

    fn on_timer(&mut self, timer: ReplTimer, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        if timer == ReplTimer::Resume {
            let held = self.pause.resume();
            ctx.note(resume_note(held.len()));
            for s in held {
                match s {
                    Stashed::Msg(from, msg) => self.handle_msg(from, msg, ctx),
                    Stashed::Timer(t) => self.handle_timer(t, ctx),
                    Stashed::Command(c) => {
                        if let Err(e) = self.handle_command(c, ctx) {
                            ctx.note(format!("ignored '{c}': {e}"));
                        }
                    }
                }
            }
            return;
        }
        if let Some(Stashed::Timer(timer)) = self.pause.hold(Stashed::Timer(timer)) {
            self.handle_timer(timer, ctx);
        }
    }

    fn on_restart(&mut self) {
        self.pause.clear();
        match &mut self.kind {
            Kind::Monitor(m) => m.on_restart(),
            Kind::Data(d) => d.on_restart(),
            Kind::Client(c) => c.on_restart(),
        }
    }

    fn on_command(
        &mut self,
        cmd: &ReplCommand,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) -> Result<(), ReplRefusal> {
        let c = *cmd;
        if let ReplCommand::Pause(d) = c {
            let until = self.pause.extend(ctx.now(), d);
            match self.pauses.last_mut() {
                Some(last) if last.1 >= ctx.now() => last.1 = until,
                _ => self.pauses.push((ctx.now(), until)),
            }
            ctx.set_timer(ReplTimer::Resume, until.since(ctx.now()));
            ctx.note(format!("paused until {until} (a stop-the-world pause)"));
            return Ok(());
        }
        match self.pause.hold(Stashed::Command(c)) {
            Some(Stashed::Command(c)) => self.handle_command(c, ctx),
            _ => Ok(()),
        }
    }
}

/// What a node says when its pause ends (the replication and lock nodes alike).
fn resume_note(held: usize) -> String {
    format!("resumes after its pause, handling {held} event(s) with the beliefs it had")
}

/// The data nodes' ids for `p`.
pub fn data_ids(p: &ReplParams) -> std::ops::RangeInclusive<NodeId> {
    FIRST_PRIMARY..=p.data_nodes()
}

/// The clients' ids for `p`.
pub fn client_ids(p: &ReplParams) -> std::ops::Range<NodeId> {
    p.data_nodes() + 1..p.node_count()
}

/// Builds the nodes of a run (the parameters are clamped to their limits).
pub fn nodes(p: &ReplParams) -> Vec<ReplNode> {
    let mut p = *p;
    p.replicas = p.replicas.clamp(1, MAX_REPLICAS);
    p.clients = p.clients.clamp(1, MAX_CLIENTS);
    p.acks = p.acks.clamp(1, p.replicas);
    p.keys = p.keys.clamp(1, MAX_KEYS);
    let wrap = |kind| ReplNode {
        kind,
        pause: Pause::default(),
        pauses: Vec::new(),
    };
    let mut v = vec![wrap(Kind::Monitor(Monitor::new(&p)))];
    for id in data_ids(&p) {
        v.push(wrap(Kind::Data(DataNode::new(&p, id))));
    }
    for id in client_ids(&p) {
        v.push(wrap(Kind::Client(Client::new(&p, id))));
    }
    v
}

/// Safety of the epoch scheme: no two running data nodes are primary at the same epoch.
pub fn one_primary_per_epoch(sim: &Sim<ReplNode>) -> Option<String> {
    let mut prim: Vec<(u64, NodeId)> = sim
        .nodes()
        .iter()
        .enumerate()
        .filter(|(i, _)| sim.is_up(*i))
        .filter_map(|(i, n)| match n.data() {
            Some(d) if d.role == Role::Primary => Some((d.epoch, i)),
            _ => None,
        })
        .collect();
    crate::sort::sort_unstable(&mut prim);
    prim.windows(2).find(|w| w[0].0 == w[1].0).map(|w| {
        format!(
            "nodes {} and {} are both primary at epoch {}",
            w[0].1, w[1].1, w[0].0
        )
    })
}

/// The name of [`one_primary_per_epoch`].
pub const ONE_PRIMARY_PER_EPOCH: &str = "one primary per epoch";

/// A replication simulation under `seed`, with [`one_primary_per_epoch`] checked after every
/// event. The parameters should have passed [`ReplParams::validate`]; out-of-range values are
/// clamped.
pub fn new_sim(
    seed: u64,
    params: &ReplParams,
    net: NetConfig,
    faults: Vec<TimedFault>,
) -> Sim<ReplNode> {
    let mut sim = Sim::new(seed, nodes(params), net, faults);
    sim.add_invariant((ONE_PRIMARY_PER_EPOCH, one_primary_per_epoch));
    if params.fold > 0 {
        sim.set_upkeep(params.fold as u64, settle::upkeep);
    }
    sim
}

/// A node's local clock: real time scaled by its drift (a slow clock with `drift_ppm` > 0).
/// Continuous across drift changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Clock {
    /// Real time of the last rebase.
    pub base_real: SimTime,
    /// Local reading then, µs.
    pub base_local: u64,
    /// Slowness, parts per million (local = real × (1 − drift)).
    pub drift_ppm: u32,
}

impl Clock {
    /// The local reading at real time `now`, µs.
    pub fn local(&self, now: SimTime) -> u64 {
        let real = now.since(self.base_real).as_us() as u128;
        self.base_local + (real * (1_000_000 - self.drift_ppm as u128) / 1_000_000) as u64
    }
    /// The real delay after which `local_us` will have passed on this clock (rounded up).
    pub fn real_after(&self, local_us: u64) -> Duration {
        let rate = 1_000_000 - self.drift_ppm.min(999_999) as u128;
        Duration((local_us as u128 * 1_000_000).div_ceil(rate) as u64)
    }
    /// Changes the drift from `now` on, keeping the reading continuous.
    pub fn set_drift(&mut self, now: SimTime, drift_ppm: u32) {
        self.base_local = self.local(now);
        self.base_real = now;
        self.drift_ppm = drift_ppm.min(999_999);
    }
}
