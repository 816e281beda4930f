//! SWIM gossip membership (Das, Gupta, Motivala: *SWIM: Scalable Weakly-consistent
//! Infection-style Process Group Membership Protocol*, DSN 2002) as HashiCorp memberlist runs
//! it (the failure detection behind Consul and Serf), with the Lifeguard extensions (Dadgar,
//! Phillips, Currey: *Lifeguard: Local Health Awareness for More Accurate Failure Detection*,
//! 2018) as toggles.
//!
//! There is no monitor: every member is one. Each protocol period a member pings the next
//! member of a shuffled round-robin list (paper §4.3); without an ack within the probe timeout
//! it asks `k` other members to ping the target for it (`ping-req`, §3.1); still without an
//! ack at the end of the period it *suspects* the target (§4.2). A suspicion that is not
//! refuted within the suspicion timeout becomes *dead*. A member refutes a suspicion about
//! itself by raising its incarnation number and announcing itself alive; higher incarnations
//! override lower ones. Membership updates ride on pings and acks (piggybacking, §4.1) and each
//! is retransmitted `λ·⌈log10(n + 1)⌉` times (memberlist's `RetransmitMult`), which spreads it
//! to every member in O(log n) periods (infection-style dissemination).
//!
//! Lifeguard, as memberlist implements it (`awareness.go`, `suspicion.go`, `state.go`):
//! - **Local health multiplier** (`lhm`): a score 0..`awareness_max` − 1 that scales this
//!   member's probe timeout and period by (score + 1). It rises when a probe fails and the
//!   relays' nacks are missing (the trouble is probably here, not at the target) and when the
//!   member must refute a suspicion about itself; it falls with every successful probe.
//!   Relays send a `nack` when the target does not answer them in time.
//! - **Dynamic suspicion timeout** (`dynamic`): a suspicion starts at the maximum timeout
//!   (`suspicion_max_mult` × the minimum) and shrinks towards the minimum, logarithmically, as
//!   independent members confirm it: max − (max − min)·ln(c + 1)/ln(k + 1) after c of k expected
//!   confirmations. Without it the timeout is the minimum, `suspicion_mult` × max(1, log10 n) ×
//!   period (memberlist before Lifeguard).
//!
//! Deterministic like the rest of the engine: the shuffles and the choice of relays use the
//! member's own seeded RNG, logarithms go through `detmath`, and every collection is a `Vec`
//! indexed by member id.
//!
//! Membership is static (every member knows ids `0..n` from the start; no join protocol). A
//! *slow* member (`cmd:N:slow:MS`, an overloaded process) handles every message it receives
//! `MS` late, in arrival order — the situation Lifeguard was built for.

use crate::detmath;
use crate::sim::{Ctx, Node, Sim};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

/// SWIM parameters. Defaults in brackets; memberlist's `DefaultLANConfig` values, with times
/// scaled to this lab's 10–15 ms latency, in parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwimParams {
    /// Protocol period T′: one probe per member per period [200 ms] (ProbeInterval 1 s).
    pub period: Duration,
    /// Wait for a direct ack before asking for indirect probes [50 ms] (ProbeTimeout 500 ms):
    /// about two round trips at the default latency, leaving the rest of the period for the
    /// four-hop indirect probe.
    pub probe_timeout: Duration,
    /// Members asked to probe indirectly, k [3] (IndirectChecks 3).
    pub indirect: usize,
    /// Minimum suspicion timeout = this × max(1, log10 n) × period [4] (SuspicionMult 4).
    pub suspicion_mult: u32,
    /// Maximum suspicion timeout = this × the minimum (Lifeguard) [6] (SuspicionMaxTimeoutMult 6).
    pub suspicion_max_mult: u32,
    /// Each update is piggybacked this × ⌈log10(n + 1)⌉ times, λ [4] (RetransmitMult 4).
    pub retransmit_mult: u32,
    /// Updates piggybacked on one message at most [8] (memberlist fills a UDP packet).
    pub max_piggyback: usize,
    /// Gossip rounds: every this long a member with updates to spread sends them to
    /// `gossip_nodes` random members [40 ms] (memberlist's GossipInterval 200 ms, a fifth of the
    /// probe interval). Not scaled by the local health multiplier, as in memberlist.
    pub gossip_interval: Duration,
    /// Members per gossip round [3] (GossipNodes 3); 0 = piggybacking only, as in the paper.
    pub gossip_nodes: usize,
    /// Anti-entropy: every this long a member exchanges its whole membership list with one
    /// other member — one it believes dead if there is any (Serf's reconnect, 30 s), else a live
    /// one (memberlist's push/pull, PushPullInterval 30 s) [6 s = 30 periods]; 0 = never. It is
    /// what lets the two sides of a healed partition, each believing the other dead, merge
    /// again: a member that reads itself dead in the other's list refutes.
    pub sync_interval: Duration,
    /// Lifeguard's local health multiplier ceiling [8] (AwarenessMaxMultiplier 8).
    pub awareness_max: u32,
    /// Lifeguard: local health multiplier and nacks [on].
    pub lhm: bool,
    /// Lifeguard: dynamic suspicion timeout [on].
    pub dynamic: bool,
    /// Lifeguard's buddy system: a probe of a suspected member carries the suspicion, so the
    /// suspect hears of it at once and can refute [on] (memberlist always does this).
    pub buddy: bool,
}

impl Default for SwimParams {
    fn default() -> Self {
        SwimParams {
            period: Duration::from_ms(200),
            probe_timeout: Duration::from_ms(50),
            indirect: 3,
            suspicion_mult: 4,
            suspicion_max_mult: 6,
            retransmit_mult: 4,
            max_piggyback: 8,
            gossip_interval: Duration::from_ms(40),
            gossip_nodes: 3,
            sync_interval: Duration::from_ms(6_000),
            awareness_max: 8,
            lhm: true,
            dynamic: true,
            buddy: true,
        }
    }
}

/// What one member believes about another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum MemberState {
    /// Alive.
    Alive,
    /// Suspected: dead unless it refutes within the suspicion timeout.
    Suspect,
    /// Declared dead.
    Dead,
}

impl MemberState {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberState::Alive => "alive",
            MemberState::Suspect => "suspect",
            MemberState::Dead => "dead",
        }
    }
}

/// A membership update, as gossiped (memberlist's alive / suspect / dead messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// `node` is alive at incarnation `inc`.
    Alive {
        /// About whom.
        node: NodeId,
        /// Incarnation.
        inc: u64,
    },
    /// `from` suspects `node` at incarnation `inc`.
    Suspect {
        /// About whom.
        node: NodeId,
        /// Incarnation.
        inc: u64,
        /// The accuser.
        from: NodeId,
    },
    /// `from` declares `node` dead at incarnation `inc`.
    Dead {
        /// About whom.
        node: NodeId,
        /// Incarnation.
        inc: u64,
        /// The declarer.
        from: NodeId,
    },
}

impl Update {
    /// The member the update is about.
    pub fn node(&self) -> NodeId {
        match *self {
            Update::Alive { node, .. }
            | Update::Suspect { node, .. }
            | Update::Dead { node, .. } => node,
        }
    }
}

impl fmt::Display for Update {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Update::Alive { node, inc } => write!(f, "{node} alive@{inc}"),
            Update::Suspect { node, inc, from } => write!(f, "{node} suspect@{inc} by {from}"),
            Update::Dead { node, inc, from } => write!(f, "{node} dead@{inc} by {from}"),
        }
    }
}

/// A message's updates, shared: copying a message in flight (a history's snapshot, the trace)
/// copies a pointer, not up to 64 updates (or a 200-member list).
pub type Updates = std::sync::Arc<[Update]>;

/// SWIM messages; every one carries piggybacked updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SwimMsg {
    /// Probe (direct, or from a relay on someone's behalf).
    Ping {
        /// Probe number of the sender.
        seq: u64,
        /// Piggybacked updates.
        updates: Updates,
    },
    /// Answer to a ping (or an indirect ack forwarded by a relay).
    Ack {
        /// The probe number being answered.
        seq: u64,
        /// Piggybacked updates.
        updates: Updates,
    },
    /// "Ping `target` for me" (§3.1).
    PingReq {
        /// The requester's probe number.
        seq: u64,
        /// Whom to ping.
        target: NodeId,
        /// Piggybacked updates.
        updates: Updates,
    },
    /// memberlist's gossip round: updates only.
    Gossip {
        /// The updates.
        updates: Updates,
    },
    /// Anti-entropy: the sender's whole membership list (memberlist `pushPullReq`); the receiver
    /// merges it and answers with its own (`reply`).
    Sync {
        /// One entry per member: its state and incarnation in the sender's view.
        states: Updates,
        /// True for the answer.
        reply: bool,
    },
    /// Lifeguard: "I asked `target` and heard nothing in time".
    Nack {
        /// The requester's probe number.
        seq: u64,
        /// Piggybacked updates.
        updates: Updates,
    },
}

impl SwimMsg {
    /// The piggybacked updates (none on a sync, which carries a whole list instead).
    pub fn updates(&self) -> &[Update] {
        match self {
            SwimMsg::Sync { .. } => &[],
            SwimMsg::Ping { updates, .. }
            | SwimMsg::Ack { updates, .. }
            | SwimMsg::PingReq { updates, .. }
            | SwimMsg::Gossip { updates }
            | SwimMsg::Nack { updates, .. } => updates,
        }
    }

    /// The message as a trace line keeps it ([`SwimMsgShown`]).
    pub fn shown(&self) -> SwimMsgShown {
        let kind = match *self {
            SwimMsg::Ping { seq, .. } => SwimMsgKind::Ping { seq },
            SwimMsg::Ack { seq, .. } => SwimMsgKind::Ack { seq },
            SwimMsg::PingReq { seq, target, .. } => SwimMsgKind::PingReq { seq, target },
            SwimMsg::Gossip { .. } => SwimMsgKind::Gossip,
            SwimMsg::Sync { ref states, reply } => SwimMsgKind::Sync {
                members: states.len(),
                reply,
            },
            SwimMsg::Nack { seq, .. } => SwimMsgKind::Nack { seq },
        };
        SwimMsgShown {
            kind,
            updates: self.updates().len(),
        }
    }
}

impl fmt::Display for SwimMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown().fmt(f)
    }
}

/// What a trace line keeps of a [`SwimMsg`] (its `Display` is the message's): its kind, and the
/// piggybacked updates and a sync's member list counted instead of shared, so a traced delivery
/// does not keep them alive until its line is trimmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwimMsgShown {
    /// The kind, with the probe number and target it names.
    pub kind: SwimMsgKind,
    /// How many updates it piggybacks ([`SwimMsg::updates`]: none on a sync).
    pub updates: usize,
}

/// A [`SwimMsg`]'s kind as a trace line shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwimMsgKind {
    /// A [`SwimMsg::Ping`], with the sender's probe number.
    Ping {
        /// Probe number of the sender.
        seq: u64,
    },
    /// A [`SwimMsg::Ack`], with the probe number answered.
    Ack {
        /// The probe number being answered.
        seq: u64,
    },
    /// A [`SwimMsg::PingReq`].
    PingReq {
        /// The requester's probe number.
        seq: u64,
        /// Whom to ping.
        target: NodeId,
    },
    /// A [`SwimMsg::Gossip`].
    Gossip,
    /// A [`SwimMsg::Sync`].
    Sync {
        /// How many members its list has.
        members: usize,
        /// True for the answer.
        reply: bool,
    },
    /// A [`SwimMsg::Nack`], with the requester's probe number.
    Nack {
        /// The requester's probe number.
        seq: u64,
    },
}

impl fmt::Display for SwimMsgShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SwimMsgKind::Ping { seq } => write!(f, "ping #{seq}"),
            SwimMsgKind::Ack { seq } => write!(f, "ack #{seq}"),
            SwimMsgKind::PingReq { seq, target } => write!(f, "ping-req #{seq} → {target}"),
            SwimMsgKind::Nack { seq } => write!(f, "nack #{seq}"),
            SwimMsgKind::Gossip => write!(f, "gossip"),
            SwimMsgKind::Sync { members, reply } => write!(
                f,
                "{} ({members} members)",
                if reply { "sync reply" } else { "sync" },
            ),
        }?;
        if self.updates > 0 {
            write!(f, " +{}", self.updates)?;
        }
        Ok(())
    }
}

/// SWIM timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SwimTimer {
    /// Start of a protocol period: settle the last probe, start the next.
    Probe,
    /// No direct ack for probe `seq`: ask for indirect probes.
    ProbeTimeout(u64),
    /// The suspicion of this member runs out.
    Suspicion(NodeId),
    /// A relayed probe got no answer in time: nack the requester.
    Relay(u64),
    /// A gossip round.
    Gossip,
    /// An anti-entropy exchange.
    Sync,
    /// A slow member gets to its queued messages.
    Inbox,
}

impl fmt::Display for SwimTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SwimTimer::Probe => f.write_str("protocol period"),
            SwimTimer::ProbeTimeout(s) => write!(f, "probe #{s} timeout"),
            SwimTimer::Suspicion(n) => write!(f, "suspicion of {n} timeout"),
            SwimTimer::Relay(s) => write!(f, "relay #{s} timeout"),
            SwimTimer::Gossip => f.write_str("gossip round"),
            SwimTimer::Sync => f.write_str("anti-entropy"),
            SwimTimer::Inbox => f.write_str("inbox"),
        }
    }
}

/// One member's view of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// Believed state.
    pub state: MemberState,
    /// Highest incarnation heard.
    pub inc: u64,
}

/// A state change a member made about another (kept for measurements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// When.
    pub time: SimTime,
    /// About whom.
    pub node: NodeId,
    /// New state.
    pub to: MemberState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Probe {
    target: NodeId,
    seq: u64,
    acked: bool,
    expected_nacks: u32,
    nacks: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Relay {
    seq: u64,
    requester: NodeId,
    req_seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Suspicion {
    start: SimTime,
    accusers: Vec<NodeId>,
    k: u32,
    min_us: u64,
    max_us: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Queued {
    update: Update,
    transmits: u32,
    id: u64,
}

/// A SWIM member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwimNode {
    /// Parameters.
    pub p: SwimParams,
    /// This member's id.
    pub me: NodeId,
    /// Own incarnation number (persistent: survives a restart, which raises it).
    pub inc: u64,
    /// Views of every member by id (its own entry is kept alive). Shared until written (as
    /// are the log, the probe order and the suspicions): a snapshot of a 200-member run then
    /// copies what changed since the last one, not 200 × 200 views.
    pub view: Arc<Vec<View>>,
    /// Lifeguard's local health score (0 = healthy).
    pub lhm: u32,
    /// Every state change this member made about others (persistent, for measurements).
    pub log: Arc<Vec<Change>>,
    /// Messages handled late while slow (`cmd:N:slow:MS`); 0 = not slow.
    pub slow: Duration,
    order: Arc<Vec<NodeId>>,
    next: usize,
    seq: u64,
    probe: Option<Probe>,
    relays: Vec<Relay>,
    suspicions: Arc<Vec<Option<Suspicion>>>,
    queue: Vec<Queued>,
    queued: u64,
    inbox: VecDeque<(SimTime, NodeId, SwimMsg)>,
}

/// Builds `members` SWIM members with ids `0..members`.
pub fn nodes(p: &SwimParams, members: usize) -> Vec<SwimNode> {
    (0..members)
        .map(|me| SwimNode::new(p, me, members))
        .collect()
}

/// Builds a SWIM simulation: `members` members on the network `net`, with `faults`.
pub fn new_sim(
    seed: u64,
    p: &SwimParams,
    members: usize,
    net: crate::net::NetConfig,
    faults: Vec<crate::fault::TimedFault>,
) -> Sim<SwimNode> {
    Sim::new(seed, nodes(p, members), net, faults)
}

/// A member's command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwimCommand {
    /// `slow:MS`: handle every message MS late (`slow:0` is well again).
    Slow(Duration),
}

impl crate::command::Command for SwimCommand {}

impl std::fmt::Display for SwimCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SwimCommand::Slow(d) => write!(f, "slow:{}", crate::time::fmt_ms(d.0)),
        }
    }
}

impl std::str::FromStr for SwimCommand {
    type Err = SwimCommandError;
    fn from_str(text: &str) -> Result<SwimCommand, SwimCommandError> {
        parse_command(text)
    }
}

/// Why a member's command was refused (the input quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SwimCommandError {
    /// `nap:5` (the whole text)
    #[error("'{0}': SWIM members understand slow:MS")]
    Unknown(String),
    /// `slow:x`, `slow:60001`
    #[error("'{0}' is not a delay of 0–60000 ms")]
    NotADelay(String),
}

/// Reads a member's command: `slow:MS` (handle every message MS late; `slow:0` is well again).
pub fn parse_command(text: &str) -> Result<SwimCommand, SwimCommandError> {
    let ms = text
        .strip_prefix("slow:")
        .ok_or_else(|| SwimCommandError::Unknown(crate::clip(text)))?;
    crate::time::parse_ms(ms)
        .filter(|&us| us <= 60_000_000)
        .map(|us| SwimCommand::Slow(Duration(us)))
        .ok_or_else(|| SwimCommandError::NotADelay(crate::clip(ms)))
}

/// ⌈log10(x)⌉ for x ≥ 1, in integers.
fn ceil_log10(x: u64) -> u32 {
    let (mut d, mut p) = (0, 1u64);
    while p < x {
        p = p.saturating_mul(10);
        d += 1;
    }
    d
}

/// The minimum suspicion timeout for a group of `n`, µs: `suspicion_mult` × max(1, log10 n) ×
/// period (memberlist `suspicionTimeout`; log10 through `detmath`, floored to the µs).
pub fn suspicion_min_us(p: &SwimParams, n: usize) -> u64 {
    let scale = detmath::log10(n.max(1) as f64).max(1.0);
    (p.suspicion_mult as f64 * scale * p.period.as_us() as f64).floor() as u64
}

/// How long a suspicion lasts, µs, after `confirmations` independent confirmations of the `k`
/// expected. With Lifeguard's dynamic timeout (memberlist `remainingSuspicionTime`):
/// max − (max − min)·ln(c + 1)/ln(k + 1), never below min — the full `max` for a lone accuser,
/// `min` once k members agree. Without it, or when no confirmation can be expected (k = 0),
/// always `min`.
pub fn suspicion_timeout_us(
    dynamic: bool,
    min_us: u64,
    max_us: u64,
    k: u32,
    confirmations: u32,
) -> u64 {
    if !dynamic || k < 1 {
        return min_us;
    }
    let frac = detmath::ln(confirmations as f64 + 1.0) / detmath::ln(k as f64 + 1.0);
    let raw = max_us as f64 - frac * max_us.saturating_sub(min_us) as f64;
    (raw.floor().max(0.0) as u64).max(min_us)
}

type SwimCtx<'a> = Ctx<'a, SwimMsg, SwimTimer>;

impl SwimNode {
    /// Member `me` of a group of `members`, seeing everyone alive at incarnation 0.
    pub fn new(p: &SwimParams, me: NodeId, members: usize) -> SwimNode {
        SwimNode {
            p: *p,
            me,
            inc: 0,
            view: Arc::new(vec![
                View {
                    state: MemberState::Alive,
                    inc: 0
                };
                members
            ]),
            lhm: 0,
            log: Arc::default(),
            slow: Duration(0),
            order: Arc::default(),
            next: 0,
            seq: 0,
            probe: None,
            relays: Vec::new(),
            suspicions: Arc::new(vec![None; members]),
            queue: Vec::new(),
            queued: 0,
            inbox: VecDeque::new(),
        }
    }

    /// Members this one does not believe dead (itself included): memberlist's `estNumNodes`.
    pub fn live_estimate(&self) -> usize {
        self.view
            .iter()
            .filter(|v| v.state != MemberState::Dead)
            .count()
    }

    /// Updates waiting to be gossiped.
    pub fn pending_updates(&self) -> usize {
        self.queue.len()
    }

    /// Times an update is piggybacked: λ·⌈log10(n + 1)⌉ (memberlist `retransmitLimit`).
    pub fn retransmit_limit(&self) -> u32 {
        self.p.retransmit_mult * ceil_log10(self.live_estimate() as u64 + 1).max(1)
    }

    /// The minimum suspicion timeout, µs: `suspicion_mult` × max(1, log10 n) × period
    /// (memberlist `suspicionTimeout`).
    pub fn suspicion_min_us(&self) -> u64 {
        suspicion_min_us(&self.p, self.live_estimate())
    }

    fn scaled(&self, d: Duration) -> Duration {
        if self.p.lhm {
            Duration(d.as_us() * (self.lhm as u64 + 1))
        } else {
            d
        }
    }

    fn change_lhm(&mut self, delta: i64) {
        if !self.p.lhm {
            return;
        }
        let max = self.p.awareness_max.max(1) as i64 - 1;
        self.lhm = (self.lhm as i64 + delta).clamp(0, max) as u32;
    }

    /// Queues an update for dissemination; it replaces queued updates about the same member
    /// (memberlist's named broadcasts invalidate older ones).
    fn enqueue(&mut self, update: Update) {
        self.queue.retain(|q| q.update.node() != update.node());
        self.queued += 1;
        self.queue.push(Queued {
            update,
            transmits: 0,
            id: self.queued,
        });
    }

    /// The updates to piggyback on the next message: the least transmitted first, newest first
    /// among equals (memberlist's `TransmitLimitedQueue`).
    fn piggyback(&mut self) -> Vec<Update> {
        if self.queue.is_empty() {
            return Vec::new();
        }
        let limit = self.retransmit_limit();
        crate::sort::sort_unstable_by(&mut self.queue, |a, b| {
            a.transmits.cmp(&b.transmits).then(b.id.cmp(&a.id))
        });
        let take = self.queue.len().min(self.p.max_piggyback);
        let out: Vec<Update> = self.queue[..take].iter().map(|q| q.update).collect();
        for q in &mut self.queue[..take] {
            q.transmits += 1;
        }
        self.queue.retain(|q| q.transmits < limit);
        out
    }

    fn send(&mut self, to: NodeId, make: impl FnOnce(Vec<Update>) -> SwimMsg, ctx: &mut SwimCtx) {
        let updates = self.piggyback();
        ctx.send(to, make(updates));
    }

    fn set_state(&mut self, node: NodeId, state: MemberState, inc: u64, ctx: &mut SwimCtx) {
        let old = self.view[node].state;
        Arc::make_mut(&mut self.view)[node] = View { state, inc };
        if old != state {
            Arc::make_mut(&mut self.log).push(Change {
                time: ctx.now(),
                node,
                to: state,
            });
            ctx.note(format!(
                "believes {node} {} (incarnation {inc})",
                state.as_str()
            ));
        }
        if state != MemberState::Suspect && self.suspicions[node].is_some() {
            Arc::make_mut(&mut self.suspicions)[node] = None;
            ctx.cancel_timer(SwimTimer::Suspicion(node));
        }
    }

    /// Raises the incarnation above `seen` and announces this member alive (§4.2).
    fn refute(&mut self, seen: u64, what: &str, ctx: &mut SwimCtx) {
        self.inc = self.inc.max(seen) + 1;
        Arc::make_mut(&mut self.view)[self.me].inc = self.inc;
        ctx.note(format!("refutes '{what}' with incarnation {}", self.inc));
        self.enqueue(Update::Alive {
            node: self.me,
            inc: self.inc,
        });
        // Lifeguard: being suspected is a sign this member may be the slow one.
        self.change_lhm(1);
    }

    fn suspicion_deadline(&self, s: &Suspicion) -> SimTime {
        let c = s.accusers.len().saturating_sub(1) as u32;
        let timeout = suspicion_timeout_us(self.p.dynamic, s.min_us, s.max_us, s.k, c);
        s.start.plus(Duration(timeout))
    }

    fn arm_suspicion(&self, node: NodeId, ctx: &mut SwimCtx) {
        if let Some(s) = &self.suspicions[node] {
            let at = self.suspicion_deadline(s);
            ctx.set_timer(SwimTimer::Suspicion(node), at.since(ctx.now()));
        }
    }

    /// Applies one gossiped (or local) update (memberlist `aliveNode`, `suspectNode`,
    /// `deadNode`).
    fn apply(&mut self, u: Update, ctx: &mut SwimCtx) {
        let node = u.node();
        if node >= self.view.len() {
            return;
        }
        let cur = self.view[node];
        match u {
            Update::Alive { inc, .. } => {
                if node == self.me || inc <= cur.inc {
                    return;
                }
                self.set_state(node, MemberState::Alive, inc, ctx);
                self.enqueue(u);
            }
            Update::Suspect { inc, from, .. } => {
                if node == self.me {
                    if inc >= self.inc {
                        self.refute(inc, &u.to_string(), ctx);
                    }
                    return;
                }
                if inc < cur.inc || cur.state == MemberState::Dead {
                    return;
                }
                if cur.state == MemberState::Suspect && inc == cur.inc {
                    // A confirmation: with Lifeguard each independent accuser shortens the
                    // timeout (and is gossiped on, so others can count it too).
                    let fresh = match &mut Arc::make_mut(&mut self.suspicions)[node] {
                        Some(s) if !s.accusers.contains(&from) => {
                            s.accusers.push(from);
                            true
                        }
                        _ => false,
                    };
                    if fresh {
                        self.arm_suspicion(node, ctx);
                        self.enqueue(u);
                    }
                    return;
                }
                // memberlist: k = SuspicionMult − 2 confirmations expected, none if n − 2 < k.
                let n = self.live_estimate() as u32;
                let mut k = self.p.suspicion_mult.saturating_sub(2);
                if n.saturating_sub(2) < k {
                    k = 0;
                }
                let min_us = self.suspicion_min_us();
                Arc::make_mut(&mut self.suspicions)[node] = Some(Suspicion {
                    start: ctx.now(),
                    accusers: vec![from],
                    k,
                    min_us,
                    max_us: min_us * self.p.suspicion_max_mult.max(1) as u64,
                });
                self.set_state(node, MemberState::Suspect, inc, ctx);
                self.arm_suspicion(node, ctx);
                self.enqueue(u);
            }
            Update::Dead { inc, .. } => {
                if node == self.me {
                    if inc >= self.inc {
                        self.refute(inc, &u.to_string(), ctx);
                    }
                    return;
                }
                if inc < cur.inc || cur.state == MemberState::Dead {
                    return;
                }
                self.set_state(node, MemberState::Dead, inc, ctx);
                self.enqueue(u);
            }
        }
    }

    fn next_target(&mut self, ctx: &mut SwimCtx) -> Option<NodeId> {
        // Round-robin over a shuffled list; reshuffled after every full pass (§4.3), which
        // bounds the time until any given member is probed by everyone to 2n − 1 periods.
        for _ in 0..2 {
            while self.next < self.order.len() {
                let t = self.order[self.next];
                self.next += 1;
                if t != self.me && self.view[t].state != MemberState::Dead {
                    return Some(t);
                }
            }
            let order = Arc::make_mut(&mut self.order);
            *order = (0..self.view.len()).collect();
            for i in (1..order.len()).rev() {
                let j = ctx.rng().below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
            self.next = 0;
        }
        None
    }

    /// Settles the probe of the period that just ended (memberlist `probeNode`, after the
    /// wait for indirect acks).
    fn settle_probe(&mut self, ctx: &mut SwimCtx) {
        let Some(pr) = self.probe.take() else {
            return;
        };
        if pr.acked {
            self.change_lhm(-1);
            return;
        }
        // Lifeguard: missing nacks mean the relays could not be heard either — likely our own
        // problem; with no relays to judge by, any failed probe counts against us.
        if pr.expected_nacks > 0 {
            self.change_lhm(pr.expected_nacks.saturating_sub(pr.nacks) as i64);
        } else {
            self.change_lhm(1);
        }
        let v = self.view[pr.target];
        // A target already suspected by others: our failed probe is one more confirmation.
        if v.state != MemberState::Dead {
            self.apply(
                Update::Suspect {
                    node: pr.target,
                    inc: v.inc,
                    from: self.me,
                },
                ctx,
            );
        }
    }

    fn start_period(&mut self, ctx: &mut SwimCtx) {
        self.settle_probe(ctx);
        ctx.set_timer(SwimTimer::Probe, self.scaled(self.p.period));
        let Some(target) = self.next_target(ctx) else {
            return;
        };
        self.seq += 1;
        let seq = self.seq;
        self.probe = Some(Probe {
            target,
            seq,
            acked: false,
            expected_nacks: 0,
            nacks: 0,
        });
        let v = self.view[target];
        let buddy = (self.p.buddy && v.state == MemberState::Suspect).then_some(Update::Suspect {
            node: target,
            inc: v.inc,
            from: self.me,
        });
        self.send(
            target,
            |mut updates| {
                updates.extend(buddy);
                SwimMsg::Ping {
                    seq,
                    updates: updates.into(),
                }
            },
            ctx,
        );
        ctx.set_timer(
            SwimTimer::ProbeTimeout(seq),
            self.scaled(self.p.probe_timeout),
        );
    }

    fn probe_timeout(&mut self, seq: u64, ctx: &mut SwimCtx) {
        let Some(pr) = self.probe.as_ref().filter(|p| p.seq == seq && !p.acked) else {
            return;
        };
        let target = pr.target;
        // k random members other than the target, not believed dead (§3.1).
        let mut pool: Vec<NodeId> = (0..self.view.len())
            .filter(|&i| i != self.me && i != target && self.view[i].state == MemberState::Alive)
            .collect();
        let k = self.p.indirect.min(pool.len());
        for i in 0..k {
            let j = i + ctx.rng().below((pool.len() - i) as u64) as usize;
            pool.swap(i, j);
        }
        for &relay in &pool[..k] {
            self.send(
                relay,
                |updates| SwimMsg::PingReq {
                    seq,
                    target,
                    updates: updates.into(),
                },
                ctx,
            );
        }
        if let Some(pr) = self.probe.as_mut() {
            pr.expected_nacks = if self.p.lhm { k as u32 } else { 0 };
        }
    }

    fn handle(&mut self, from: NodeId, msg: SwimMsg, ctx: &mut SwimCtx) {
        for &u in msg.updates() {
            self.apply(u, ctx);
        }
        match msg {
            SwimMsg::Ping { seq, .. } => self.send(
                from,
                |updates| SwimMsg::Ack {
                    seq,
                    updates: updates.into(),
                },
                ctx,
            ),
            SwimMsg::Ack { seq, .. } => {
                if let Some(pr) = self.probe.as_mut().filter(|p| p.seq == seq) {
                    pr.acked = true;
                    ctx.cancel_timer(SwimTimer::ProbeTimeout(seq));
                } else if let Some(i) = self.relays.iter().position(|r| r.seq == seq) {
                    let r = self.relays.remove(i);
                    ctx.cancel_timer(SwimTimer::Relay(r.seq));
                    let req_seq = r.req_seq;
                    self.send(
                        r.requester,
                        |updates| SwimMsg::Ack {
                            seq: req_seq,
                            updates: updates.into(),
                        },
                        ctx,
                    );
                }
            }
            SwimMsg::PingReq { seq, target, .. } => {
                if target >= self.view.len() || target == self.me {
                    return;
                }
                self.seq += 1;
                let own = self.seq;
                self.relays.push(Relay {
                    seq: own,
                    requester: from,
                    req_seq: seq,
                });
                self.send(
                    target,
                    |updates| SwimMsg::Ping {
                        seq: own,
                        updates: updates.into(),
                    },
                    ctx,
                );
                ctx.set_timer(SwimTimer::Relay(own), self.p.probe_timeout);
            }
            SwimMsg::Nack { seq, .. } => {
                if let Some(pr) = self.probe.as_mut().filter(|p| p.seq == seq) {
                    pr.nacks += 1;
                }
            }
            SwimMsg::Gossip { .. } => {}
            SwimMsg::Sync { states, reply } => {
                self.merge(&states, ctx);
                if !reply {
                    let states = self.states();
                    ctx.send(
                        from,
                        SwimMsg::Sync {
                            states: states.into(),
                            reply: true,
                        },
                    );
                }
            }
        }
    }

    /// This member's membership list, one update per member (its own entry alive).
    fn states(&self) -> Vec<Update> {
        self.view
            .iter()
            .enumerate()
            .map(|(node, v)| match v.state {
                MemberState::Alive => Update::Alive { node, inc: v.inc },
                MemberState::Suspect => Update::Suspect {
                    node,
                    inc: v.inc,
                    from: self.me,
                },
                MemberState::Dead => Update::Dead {
                    node,
                    inc: v.inc,
                    from: self.me,
                },
            })
            .collect()
    }

    /// memberlist `mergeState`: alive entries as alive updates; suspect *and dead* entries only
    /// as suspicions from this member ("we prefer to suspect that node instead of declaring it
    /// dead instantly") — and an entry that says this member is suspect or dead makes it refute.
    fn merge(&mut self, states: &[Update], ctx: &mut SwimCtx) {
        for &u in states {
            let u = match u {
                Update::Alive { .. } => u,
                Update::Suspect { node, inc, .. } | Update::Dead { node, inc, .. } => {
                    Update::Suspect {
                        node,
                        inc,
                        from: self.me,
                    }
                }
            };
            self.apply(u, ctx);
        }
    }

    /// An anti-entropy round: with a member believed dead if any (Serf's reconnect), else with a
    /// live one (memberlist's push/pull).
    fn sync(&mut self, ctx: &mut SwimCtx) {
        ctx.set_timer(SwimTimer::Sync, self.p.sync_interval);
        let pick = |state: MemberState, me: NodeId, view: &[View]| -> Vec<NodeId> {
            (0..view.len())
                .filter(|&i| i != me && view[i].state == state)
                .collect()
        };
        let mut pool = pick(MemberState::Dead, self.me, &self.view);
        if pool.is_empty() {
            pool = pick(MemberState::Alive, self.me, &self.view);
        }
        if pool.is_empty() {
            return;
        }
        let to = pool[ctx.rng().below(pool.len() as u64) as usize];
        let states = self.states();
        ctx.send(
            to,
            SwimMsg::Sync {
                states: states.into(),
                reply: false,
            },
        );
    }

    /// memberlist's `gossip()`: if there is anything to spread, send it to `gossip_nodes`
    /// random members not believed dead, one message each (each counts as a transmission).
    fn gossip(&mut self, ctx: &mut SwimCtx) {
        ctx.set_timer(SwimTimer::Gossip, self.p.gossip_interval);
        if self.queue.is_empty() {
            return;
        }
        let mut pool: Vec<NodeId> = (0..self.view.len())
            .filter(|&i| i != self.me && self.view[i].state != MemberState::Dead)
            .collect();
        let k = self.p.gossip_nodes.min(pool.len());
        for i in 0..k {
            let j = i + ctx.rng().below((pool.len() - i) as u64) as usize;
            pool.swap(i, j);
        }
        for &to in &pool[..k] {
            if self.queue.is_empty() {
                break;
            }
            self.send(
                to,
                |updates| SwimMsg::Gossip {
                    updates: updates.into(),
                },
                ctx,
            );
        }
    }
}

/// A message's payload: its share of the updates (a round's payload is shared by the messages
/// sent with it).
fn payload_bytes(m: &SwimMsg) -> usize {
    use crate::node::bytes::shared;
    let (SwimMsg::Ping { updates, .. }
    | SwimMsg::Ack { updates, .. }
    | SwimMsg::PingReq { updates, .. }
    | SwimMsg::Gossip { updates }
    | SwimMsg::Nack { updates, .. }
    | SwimMsg::Sync {
        states: updates, ..
    }) = m;
    shared(updates, std::mem::size_of_val::<[Update]>(updates))
}

impl Node for SwimNode {
    type Msg = SwimMsg;
    type Shown = SwimMsgShown;

    fn shown(msg: &SwimMsg) -> SwimMsgShown {
        msg.shown()
    }
    type Timer = SwimTimer;
    type Command = SwimCommand;
    /// Every member takes `slow`.
    type Refusal = Infallible;

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{items, shared, slice};
        let suspicions = slice(&self.suspicions)
            + self
                .suspicions
                .iter()
                .flatten()
                .map(|s| slice(&s.accusers))
                .sum::<usize>();
        shared(&self.view, slice(&self.view))
            + shared(&self.log, slice(&self.log))
            + shared(&self.order, slice(&self.order))
            + shared(&self.suspicions, suspicions)
            + slice(&self.relays)
            + slice(&self.queue)
            + items::<(SimTime, NodeId, SwimMsg)>(self.inbox.len())
            + self
                .inbox
                .iter()
                .map(|(_, _, m)| payload_bytes(m))
                .sum::<usize>()
    }

    fn msg_heap_bytes(msg: &SwimMsg) -> usize {
        payload_bytes(msg)
    }

    fn on_start(&mut self, ctx: &mut SwimCtx) {
        if ctx.now() > SimTime::ZERO || self.inc > 0 {
            // A restart: come back with a higher incarnation, which overrides "dead".
            self.inc += 1;
            Arc::make_mut(&mut self.view)[self.me].inc = self.inc;
            self.enqueue(Update::Alive {
                node: self.me,
                inc: self.inc,
            });
            ctx.note(format!("rejoins with incarnation {}", self.inc));
        }
        // Random phase, so members do not probe in lockstep.
        let first = ctx.rng().range_inclusive(1, self.p.period.as_us());
        ctx.set_timer(SwimTimer::Probe, Duration(first));
        if self.p.sync_interval.as_us() > 0 {
            let first = ctx.rng().range_inclusive(1, self.p.sync_interval.as_us());
            ctx.set_timer(SwimTimer::Sync, Duration(first));
        }
        if self.p.gossip_nodes > 0 && self.p.gossip_interval.as_us() > 0 {
            let first = ctx.rng().range_inclusive(1, self.p.gossip_interval.as_us());
            ctx.set_timer(SwimTimer::Gossip, Duration(first));
        }
    }

    fn on_message(&mut self, from: NodeId, msg: SwimMsg, ctx: &mut SwimCtx) {
        if self.slow.as_us() == 0 {
            return self.handle(from, msg, ctx);
        }
        if self.inbox.is_empty() {
            ctx.set_timer(SwimTimer::Inbox, self.slow);
        }
        self.inbox.push_back((ctx.now().plus(self.slow), from, msg));
    }

    fn on_timer(&mut self, timer: SwimTimer, ctx: &mut SwimCtx) {
        match timer {
            SwimTimer::Probe => self.start_period(ctx),
            SwimTimer::ProbeTimeout(seq) => self.probe_timeout(seq, ctx),
            SwimTimer::Gossip => self.gossip(ctx),
            SwimTimer::Sync => self.sync(ctx),
            SwimTimer::Suspicion(node) => {
                let v = self.view[node];
                if v.state == MemberState::Suspect {
                    let from = self.me;
                    Arc::make_mut(&mut self.suspicions)[node] = None;
                    self.apply(
                        Update::Dead {
                            node,
                            inc: v.inc,
                            from,
                        },
                        ctx,
                    );
                }
            }
            SwimTimer::Relay(seq) => {
                if let Some(i) = self.relays.iter().position(|r| r.seq == seq) {
                    let r = self.relays.remove(i);
                    if self.p.lhm {
                        let req_seq = r.req_seq;
                        self.send(
                            r.requester,
                            |updates| SwimMsg::Nack {
                                seq: req_seq,
                                updates: updates.into(),
                            },
                            ctx,
                        );
                    }
                }
            }
            SwimTimer::Inbox => {
                let now = ctx.now();
                while self.inbox.front().is_some_and(|(t, _, _)| *t <= now) {
                    if let Some((_, from, msg)) = self.inbox.pop_front() {
                        self.handle(from, msg, ctx);
                    }
                }
                if let Some((t, _, _)) = self.inbox.front() {
                    ctx.set_timer(SwimTimer::Inbox, t.since(now));
                }
            }
        }
    }

    fn on_restart(&mut self) {
        // Volatile: the view, the probe round, relays, suspicions, the gossip queue, the
        // inbox, the local health and the slowness (a restarted process is no longer
        // overloaded). Persistent: the incarnation and the log.
        let fresh = SwimNode::new(&self.p, self.me, self.view.len());
        let (inc, log) = (self.inc, std::mem::take(&mut self.log));
        *self = fresh;
        self.inc = inc;
        self.log = log;
    }

    fn on_command(&mut self, cmd: &SwimCommand, ctx: &mut SwimCtx) -> Result<(), Infallible> {
        let SwimCommand::Slow(delay) = *cmd;
        self.slow = delay;
        ctx.note(format!("handles messages {delay} late"));
        Ok(())
    }
}
