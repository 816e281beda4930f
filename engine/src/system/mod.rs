//! The whole-system lab (issue 15): clients → a load balancer → stateless app replicas → the
//! key's shard on a consistent-hash ring → that shard's Raft leader → the answer, on machines in
//! zones that fail.
//!
//! The lab composes the other labs' engines rather than copying them: the balancer picks apps
//! with the load-balancer lab's [`crate::lb::Picker`] and judges them with its health-check view
//! ([`crate::lb::balancer::BackendView`], HAProxy's rise/fall); the apps find shards on the ring
//! lab's [`crate::ring::Ring`]; each shard member is the Raft lab's [`crate::raft::RaftNode`],
//! unchanged, driven through a context of its own ([`member`]), and each shard's group is checked
//! after every event by the Raft lab's five safety invariants. On top, the clients' history is
//! checked for linearizability per key as it happens ([`linear`]).
//!
//! Processes: 0 is the front (clients and balancer, on no machine), then the apps, then every
//! shard's members. Machines and zones are a placement of those processes ([`params`]); a
//! machine or zone fault is a command to the front (`cmd:0:crash-m:2`) that the run expands into
//! the crash of every process on it ([`SystemRun`]), so the link's timeline says what happened
//! in the lab's own words and replays exactly.
//!
//! ```
//! use engine::scenario::decode;
//! use engine::lab::Lab;
//! use engine::history::Run;
//! use engine::system::SystemLab;
//!
//! let d = decode("lab=system&seed=3&rps=50&faults=3000:cmd:0:crash-m:0&t=6000");
//! assert!(d.errors.is_empty());
//! let mut run = SystemLab::build(&d.scenario);
//! run.run_until(engine::SimTime::from_ms(6_000), u64::MAX);
//! let m = SystemLab::measure(&run);
//! assert!(m.requests > 200 && m.anomalies == 0 && m.raft_violations == 0);
//! ```

pub mod app;
mod desc;
pub mod faults;
pub mod front;
pub mod linear;
pub mod member;
pub mod metrics;
pub mod params;
mod presets;
pub mod run;
pub mod zones;

pub use desc::SystemLab;
pub use faults::{chaos_faults, with_chaos, MachineCmd, MachineCmdError, SysCommand, SysRefusal};
pub use metrics::{measure, SystemMetrics};
pub use params::{ReadMode, SystemParams};
pub use run::SystemRun;

use crate::node::{Ctx, Node};
use crate::raft;
use crate::time::SimTime;
use crate::NodeId;
use std::fmt;
use std::sync::Arc;

/// A client operation on one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read key `k`.
    Read(u32),
    /// Write value `v` to key `k`.
    Write(u32, i64),
}

impl Op {
    /// Its key.
    pub fn key(self) -> u32 {
        match self {
            Op::Read(k) | Op::Write(k, _) => k,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Read(k) => write!(f, "get k{k}"),
            Op::Write(k, v) => write!(f, "put k{k}={v}"),
        }
    }
}

/// The name of key `k` in the shards' state machines (`k3`).
pub fn key_name(k: u32) -> String {
    format!("k{k}")
}

/// A shard member's answer to an app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvResult {
    /// Done; a read's value.
    Ok(Option<i64>),
    /// Not the leader (with the leader it knows, inside the shard).
    NotLeader(Option<usize>),
    /// A write whose entry may or may not commit (its leader lost leadership).
    Unknown,
    /// The app found no leader in time.
    Unavailable,
    /// The key's range has moved to another shard, or has not arrived yet (a shard added while
    /// serving): ask again by the new ring.
    Moved,
}

/// One hop of a request: a process, when the request reached it and when it left
/// (`depart_us == u64::MAX`: it never answered, the try timed out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The process.
    pub node: u16,
    /// Arrived, µs.
    pub arrive_us: u64,
    /// Left, µs.
    pub depart_us: u64,
}

/// The system's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SysMsg {
    /// Balancer → app: an attempt (`id` = operation id × 16 + attempt).
    Req {
        /// Wire id.
        id: u64,
        /// The operation.
        op: Op,
    },
    /// App → balancer: the attempt's result and path.
    Resp {
        /// Wire id.
        id: u64,
        /// Result.
        result: KvResult,
        /// Hops (the app, then the members tried).
        hops: Vec<Hop>,
    },
    /// App → shard member.
    Kv {
        /// Wire id.
        id: u64,
        /// The operation.
        op: Op,
    },
    /// Shard member → app.
    KvResp {
        /// Wire id.
        id: u64,
        /// Result.
        result: KvResult,
        /// The member's hop.
        hop: Hop,
    },
    /// Balancer → app: health check.
    Check {
        /// Round.
        seq: u64,
    },
    /// App → balancer: healthy.
    CheckOk {
        /// Round.
        seq: u64,
    },
    /// Between members of one shard: the Raft lab's message, and when it was sent.
    Raft {
        /// The Raft message.
        msg: raft::Msg,
        /// Sent at (a successful `AppendEntries` response is the follower's acknowledgement
        /// of the leader at that time: leases and ReadIndex count them).
        sent: SimTime,
    },
    /// A shard's leader → the added shard's members: the moving keys' values, each key's last
    /// writes oldest first (the current value last), as its state machine holds them once the
    /// "range moving" entry is applied.
    Handoff {
        /// The shard they come from.
        from: usize,
        /// Key, its last writes.
        values: Vec<(u32, Vec<i64>)>,
    },
    /// The added shard → the old one: the range from shard `from` is installed.
    Installed {
        /// The shard they came from.
        from: usize,
    },
}

impl SysMsg {
    /// The message as a trace line keeps it ([`SysShown`]).
    pub fn shown(&self) -> SysShown {
        match *self {
            SysMsg::Req { id, op } => SysShown::Req { id, op },
            SysMsg::Resp { id, result, .. } => SysShown::Resp { id, result },
            SysMsg::Kv { id, op } => SysShown::Kv { id, op },
            SysMsg::KvResp { id, result, .. } => SysShown::KvResp { id, result },
            SysMsg::Check { .. } => SysShown::Check,
            SysMsg::CheckOk { .. } => SysShown::CheckOk,
            SysMsg::Raft { ref msg, .. } => SysShown::Raft(msg.shown()),
            SysMsg::Handoff { from, ref values } => SysShown::Handoff {
                from,
                keys: values.len(),
            },
            SysMsg::Installed { from } => SysShown::Installed { from },
        }
    }
}

impl fmt::Display for SysMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown().fmt(f)
    }
}

/// What a trace line keeps of a [`SysMsg`] (its `Display` is the message's): a response
/// without its hops, a Raft message as [`raft::MsgShown`], a handoff's keys counted — so a
/// traced delivery copies and keeps no list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysShown {
    /// A [`SysMsg::Req`].
    Req {
        /// Wire id.
        id: u64,
        /// The operation.
        op: Op,
    },
    /// A [`SysMsg::Resp`].
    Resp {
        /// Wire id.
        id: u64,
        /// Result.
        result: KvResult,
    },
    /// A [`SysMsg::Kv`].
    Kv {
        /// Wire id.
        id: u64,
        /// The operation.
        op: Op,
    },
    /// A [`SysMsg::KvResp`].
    KvResp {
        /// Wire id.
        id: u64,
        /// Result.
        result: KvResult,
    },
    /// A [`SysMsg::Check`].
    Check,
    /// A [`SysMsg::CheckOk`].
    CheckOk,
    /// A [`SysMsg::Raft`].
    Raft(raft::MsgShown),
    /// A [`SysMsg::Handoff`].
    Handoff {
        /// The shard they come from.
        from: usize,
        /// How many keys.
        keys: usize,
    },
    /// A [`SysMsg::Installed`].
    Installed {
        /// The shard they came from.
        from: usize,
    },
}

impl fmt::Display for SysShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysShown::Req { id, op } => write!(f, "req#{} {op}", id >> 4),
            SysShown::Resp { id, result } => write!(f, "resp#{} {}", id >> 4, fmt_result(result)),
            SysShown::Kv { id, op } => write!(f, "kv#{} {op}", id >> 4),
            SysShown::KvResp { id, result } => write!(f, "kv#{} {}", id >> 4, fmt_result(result)),
            SysShown::Check => f.write_str("check"),
            SysShown::CheckOk => f.write_str("check ok"),
            SysShown::Raft(msg) => write!(f, "{msg}"),
            SysShown::Handoff { from, keys } => write!(f, "handoff from shard {from}: {keys} keys"),
            SysShown::Installed { from } => write!(f, "installed the keys of shard {from}"),
        }
    }
}

fn fmt_result(r: &KvResult) -> String {
    match r {
        KvResult::Ok(None) => "ok".into(),
        KvResult::Ok(Some(v)) => format!("ok {v}"),
        KvResult::NotLeader(Some(l)) => format!("not leader → {l}"),
        KvResult::NotLeader(None) => "not leader".into(),
        KvResult::Unknown => "unknown".into(),
        KvResult::Unavailable => "unavailable".into(),
        KvResult::Moved => "moved, retry".into(),
    }
}

/// The system's timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SysTimer {
    /// Front: the next client operation.
    Arrival,
    /// Front: an attempt's timeout.
    Attempt {
        /// Operation id.
        id: u64,
        /// Attempt.
        attempt: u32,
    },
    /// Front: the next health-check round.
    Check,
    /// App: a try at a shard member timed out.
    Try {
        /// Wire id.
        id: u64,
        /// Try number.
        tries: u32,
    },
    /// Member: a Raft timer.
    Raft(raft::Timer),
    /// App on a slow machine: the request it works on is done.
    Serve,
    /// Member: the shard is added now (`add-shard`): an idle member of the new shard starts, a
    /// leader of an old one moves its range.
    Grow,
    /// App: ask again after a "moved" answer.
    Backoff {
        /// Wire id.
        id: u64,
    },
}

impl fmt::Display for SysTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysTimer::Arrival => f.write_str("arrival"),
            SysTimer::Attempt { id, attempt } => write!(f, "timeout #{id} attempt {attempt}"),
            SysTimer::Check => f.write_str("health checks"),
            SysTimer::Try { id, tries } => write!(f, "try timeout #{} ({tries})", id >> 4),
            SysTimer::Raft(t) => write!(f, "{t}"),
            SysTimer::Serve => f.write_str("slow app done with a request"),
            SysTimer::Grow => f.write_str("shard added"),
            SysTimer::Backoff { id } => write!(f, "ask again #{}", id >> 4),
        }
    }
}

/// A process of the system.
#[derive(Clone, Debug)]
pub enum SysNode {
    /// Clients and balancer.
    Front(Box<front::Front>),
    /// An app replica.
    App(Box<app::App>),
    /// A shard member.
    Member(Box<member::Member>),
}

impl SysNode {
    /// The shard member, if it is one.
    pub fn member(&self) -> Option<&member::Member> {
        match self {
            SysNode::Member(m) => Some(m),
            _ => None,
        }
    }
    /// The front, if it is it.
    pub fn front(&self) -> Option<&front::Front> {
        match self {
            SysNode::Front(f) => Some(f),
            _ => None,
        }
    }
    /// The app, if it is one.
    pub fn app(&self) -> Option<&app::App> {
        match self {
            SysNode::App(a) => Some(a),
            _ => None,
        }
    }
}

type C<'a> = Ctx<'a, SysMsg, SysTimer>;

impl Node for SysNode {
    type Msg = SysMsg;
    type Shown = SysShown;
    type Timer = SysTimer;
    type Command = SysCommand;
    type Refusal = SysRefusal;

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{btree, items, shared, slice};
        use std::mem::size_of;
        let grow = |g: &Option<Arc<Grow>>| {
            g.as_ref().map_or(0, |g| {
                let own = size_of::<Grow>()
                    + g.ring.heap_bytes()
                    + slice(&g.gives)
                    + g.gives.iter().map(|v| slice(v)).sum::<usize>()
                    + slice(&g.bases);
                shared(g, own)
            })
        };
        match self {
            SysNode::Front(f) => {
                size_of::<front::Front>()
                    + btree::<u64, front::ClientOp>(f.ops.len())
                    + slice(&f.views)
                    + f.picker.heap_bytes()
                    + f.checker.heap_bytes()
                    + f.lat_us.heap_bytes()
                    + slice(&f.series)
                    + f.recent
                        .iter()
                        .map(|d| size_of::<front::Done>() + slice(&d.hops))
                        .sum::<usize>()
                    + slice(&f.changes)
            }
            SysNode::App(a) => {
                slice(&a.bases)
                    + shared(&a.ring, a.ring.heap_bytes())
                    + slice(&a.leader)
                    + a.work.values().map(|w| slice(&w.hops)).sum::<usize>()
                    + btree::<u64, app::Work>(a.work.len())
                    + items::<(u64, Op, SimTime)>(a.queue.len())
                    + grow(&a.grow)
            }
            SysNode::Member(m) => {
                size_of::<member::Member>()
                    + m.raft.heap_bytes()
                    + slice(&m.writes)
                    + slice(&m.reads_waiting)
                    + slice(&m.acks)
                    + btree::<u32, i64>(m.kv.len())
                    + btree::<u32, std::collections::VecDeque<i64>>(m.recent.len())
                    + m.recent
                        .values()
                        .map(|v| items::<i64>(v.len()))
                        .sum::<usize>()
                    + grow(&m.grow)
                    + slice(&m.gives)
                    + slice(&m.installed)
                    + slice(&m.installed_at)
                    + m.heap_bytes_private()
            }
        }
    }

    fn shown(msg: &SysMsg) -> SysShown {
        msg.shown()
    }

    fn msg_heap_bytes(msg: &SysMsg) -> usize {
        use crate::node::bytes::slice;
        match msg {
            SysMsg::Resp { hops, .. } => slice(hops),
            SysMsg::Raft { msg, .. } => raft::RaftNode::msg_heap_bytes(msg),
            SysMsg::Handoff { values, .. } => {
                slice(values) + values.iter().map(|(_, v)| slice(v)).sum::<usize>()
            }
            _ => 0,
        }
    }
    fn on_start(&mut self, ctx: &mut C) {
        match self {
            SysNode::Front(f) => f.on_start(ctx),
            SysNode::App(a) => a.on_start(ctx),
            SysNode::Member(m) => m.on_start(ctx),
        }
    }
    fn on_message(&mut self, from: NodeId, msg: SysMsg, ctx: &mut C) {
        match self {
            SysNode::Front(f) => f.on_message(from, msg, ctx),
            SysNode::App(a) => a.on_message(from, msg, ctx),
            SysNode::Member(m) => m.on_message(from, msg, ctx),
        }
    }
    fn on_timer(&mut self, timer: SysTimer, ctx: &mut C) {
        match self {
            SysNode::Front(f) => f.on_timer(timer, ctx),
            SysNode::App(a) => a.on_timer(timer, ctx),
            SysNode::Member(m) => m.on_timer(timer, ctx),
        }
    }
    fn on_restart(&mut self) {
        match self {
            SysNode::Front(f) => f.on_restart(),
            SysNode::App(a) => a.on_restart(),
            SysNode::Member(m) => m.on_restart(),
        }
    }
    fn on_command(&mut self, cmd: &SysCommand, ctx: &mut C) -> Result<(), SysRefusal> {
        match (self, *cmd) {
            (SysNode::Front(f), SysCommand::Machine(m)) => f.on_machine(m, ctx),
            (SysNode::App(a), SysCommand::App { slow }) => a.set_slow(slow, ctx),
            _ => return Err(SysRefusal::NotHere(*cmd)),
        }
        Ok(())
    }
}

/// The processes of a system with these settings, by id.
pub fn nodes(p: &SystemParams) -> Vec<SysNode> {
    let ring = Arc::new(app::shard_ring(p));
    let grow = p.grow.map(|(at, _)| {
        let mut q = *p;
        q.shards += 1;
        let ring2 = Arc::new(app::shard_ring(&q));
        let gives = (0..p.shards)
            .map(|s| {
                (0..p.keys)
                    .filter(|&k| {
                        app::shard_of(&ring, k) == s && app::shard_of(&ring2, k) == p.shards
                    })
                    .collect()
            })
            .collect();
        Arc::new(Grow {
            at,
            shard: p.shards,
            ring: ring2,
            gives,
            bases: (0..p.groups()).map(|s| p.member_id(s, 0)).collect(),
            rf: p.rf,
        })
    });
    let mut v = vec![SysNode::Front(Box::new(front::Front::new(p)))];
    for i in 0..p.apps {
        let mut a = app::App::new(p, i, ring.clone());
        a.grow = grow.clone();
        v.push(SysNode::App(Box::new(a)));
    }
    for s in 0..p.groups() {
        for j in 0..p.rf {
            let mut m = member::Member::new(p, s, j);
            m.set_grow(grow.clone());
            v.push(SysNode::Member(Box::new(m)));
        }
    }
    v
}

/// A shard added while serving (`add-shard`), as every process knows it from the start.
#[derive(Clone, Debug)]
pub struct Grow {
    /// When.
    pub at: SimTime,
    /// The new shard's number (the old shards' count).
    pub shard: usize,
    /// The ring with it.
    pub ring: Arc<crate::ring::Ring>,
    /// For each old shard, the keys that move to the new one.
    pub gives: Vec<Vec<u32>>,
    /// Process id of each shard's member 0 (the new one's last).
    pub bases: Vec<NodeId>,
    /// Members per shard.
    pub rf: usize,
}
