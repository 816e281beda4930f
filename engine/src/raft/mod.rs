//! The Raft lab: leader election, log replication and safety, exactly as in Figure 2 and §5 of
//! the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm",
//! 2014), with the extensions of Ongaro's thesis ("Consensus: Bridging Theory and Practice",
//! 2014) that the lab can switch on: pre-vote (§9.6), check-quorum (§6.2), leadership transfer
//! (§3.10) and single-server membership changes (§4.1).
//!
//! The paper's names are used throughout because the lab teaches them: [`Role`],
//! `current_term`, `voted_for`, `log`, `commit_index`, `last_applied`, `next_index`,
//! `match_index`, `RequestVote`, `AppendEntries`. As in raft-rs, a message goes through the term
//! bookkeeping of "Rules for All Servers" once (`step`), then to `step_follower`,
//! `step_candidate` or `step_leader`.
//!
//! Choices the paper leaves open, made here:
//! - a new leader first sends the *empty* `AppendEntries` of Figure 2 ("upon election: send
//!   initial empty AppendEntries RPCs"), then appends a no-op entry (§8) that goes out with the
//!   next `AppendEntries` to each follower (on its response, or the next heartbeat);
//! - a leader sends `AppendEntries` on every heartbeat (carrying entries from `next_index`, so a
//!   lost message is retried), on each response that leaves the follower behind, and, for a new
//!   client request, at once to every follower that has acknowledged everything before it. This
//!   keeps about one `AppendEntries` in flight per follower, with at most
//!   [`MAX_ENTRIES_PER_APPEND`] entries;
//! - a rejection moves `next_index` back by one (Figure 2), or by a whole term with
//!   [`RaftParams::fast_backup`]; stale rejections (for an older `next_index`) are ignored;
//! - every server knows the initial configuration (like a configuration entry at index 0); a
//!   configuration entry takes effect as soon as it is appended (thesis §4.1); a server that is
//!   not in its own latest configuration does not start elections (as etcd's non-promotable
//!   servers) — unless that configuration removed it and is not known to be committed, in which
//!   case it may be needed to commit its own removal and stands for election, always through a
//!   pre-vote round ([`RaftNode::may_campaign`]); a leader keeps replicating to a server removed
//!   by a configuration entry until that entry commits, so the server learns it was removed;
//! - with pre-vote, a server grants a pre-vote only if the candidate's log is up to date and it
//!   has not heard from a leader within the minimum election timeout (thesis §9.6: "the other
//!   servers will have been receiving regular heartbeats from the leader").
//!
//! Safety is checked after every event by the five invariants of Figure 3 ([`invariants`]),
//! over [`Ghost`] history variables that the protocol never reads.
//!
//! A liveness hazard the lab shows rather than hides (thesis §4.2.3, "disruptive servers"):
//! after a membership change a server may hold a configuration the others do not — a removal it
//! never received, or an addition that the others rolled back. Leaders do not replicate to it, so
//! it keeps timing out and its `RequestVote`s with ever higher terms depose each new leader.
//! Pre-vote or check-quorum stop it.

mod command;
mod desc;
mod experiment;
mod ghost;
mod invariants;
mod metrics;
mod node;
mod params;
mod presets;

pub use command::{parse_command, RaftCommand, RaftCommandError, RaftRefusal, MAX_KEY_LEN};
pub use desc::{RaftBug, RaftLab, RaftSetup, TimeoutsError, UnknownBug, RAFT_BUGS};
pub use experiment::{
    fig16, time_to_elect, time_to_elect_batch, time_to_elect_on, Fig16Job, Fig16Progress,
    Fig16Series, FIG16_CAP, FIG16_JOB_MAX_RUNS, FIG16_LATENCY, FIG16_RANGES_MS,
    FIG16_SCALE_RANGES_MS, FIG16_SERVERS,
};
pub use ghost::{chain_hash, CommitRecord, Ghost, MsgCounts, Proposal, StateChange, Truncation};
pub use invariants::{
    election_safety, election_safety_in, fingerprint, incremental_invariants, invariants,
    leader_append_only, leader_append_only_in, leader_completeness, leader_completeness_in,
    log_matching, log_matching_in, state_machine_safety, state_machine_safety_in, ELECTION_SAFETY,
    LEADER_APPEND_ONLY, LEADER_COMPLETENESS, LOG_MATCHING, STATE_MACHINE_SAFETY,
};
pub use metrics::{leader, measure, LatencyStats, Outage, RaftMetrics};
pub use node::{Progress, RaftNode, Transfer};
pub use params::{RaftParams, RaftParamsError, MAX_SERVERS, MAX_TIMEOUT_MS};

use crate::fault::TimedFault;
use crate::net::NetConfig;
use crate::sim::Sim;
use crate::NodeId;
use std::fmt;
use std::sync::Arc;

/// The most entries one `AppendEntries` carries.
pub const MAX_ENTRIES_PER_APPEND: usize = 64;

/// A server's role (Raft §5.1, Figure 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Passive: answers leaders and candidates (§5.1). Every server starts as a follower.
    Follower,
    /// Pre-vote phase (thesis §9.6, only with [`RaftParams::pre_vote`]): asks whether it could
    /// win before incrementing its term.
    PreCandidate,
    /// Campaigning for its term (§5.2).
    Candidate,
    /// Handles client requests and replicates the log (§5.3).
    Leader,
}

impl Role {
    /// Lowercase name for the UI (`follower`, `pre-candidate`, `candidate`, `leader`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The command a log entry carries for the replicated state machine.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cmd {
    /// The blank entry a new leader appends (§8); changes nothing.
    Noop,
    /// Set `key` to `value`.
    Put {
        /// The key (shared: a log entry is copied into every `AppendEntries` that carries it and
        /// into every log, and a shared key makes those copies allocation-free).
        key: Arc<str>,
        /// The value.
        value: i64,
    },
    /// Add 1 to `key` (saturating; a missing key counts as 0).
    Incr {
        /// The key (shared, as for `Put`).
        key: Arc<str>,
    },
    /// A new configuration: the member servers, in id order (thesis §4.1).
    Config(Vec<NodeId>),
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::Noop => f.write_str("no-op"),
            Cmd::Put { key, value } => write!(f, "put {key}={value}"),
            Cmd::Incr { key } => write!(f, "incr {key}"),
            Cmd::Config(m) => write!(f, "config {}", fmt_ids(m)),
        }
    }
}

/// A log entry: the term in which a leader created it, and its command (§5.3).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    /// The leader's term when the entry was created.
    pub term: u64,
    /// The command.
    pub cmd: Cmd,
}

/// A server's log, 0-based (`log[i - 1]` is Raft's index i), cheap to copy
/// ([`crate::shared_vec::SharedVec`]): a snapshot of the simulation shares its full chunks
/// instead of copying every entry (each entry's key is an `Arc` whose count changes). The
/// whole-system lab's shards append 100 entries a second each, and copying their logs was most
/// of a step back late in a long run.
pub type RaftLog = crate::shared_vec::SharedVec<Entry, 256>;

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{} {}", self.term, self.cmd)
    }
}

/// The RPCs of Figure 2 (requests and responses as separate messages), plus `TimeoutNow`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Invoked by candidates to gather votes (§5.2); a pre-vote asks without changing terms.
    RequestVote {
        /// Candidate's term (for a pre-vote: the term it would campaign at).
        term: u64,
        /// Candidate requesting the vote.
        candidate_id: NodeId,
        /// Index of the candidate's last log entry (§5.4).
        last_log_index: u64,
        /// Term of the candidate's last log entry (§5.4).
        last_log_term: u64,
        /// A pre-vote (thesis §9.6): the receiver answers but changes nothing.
        pre_vote: bool,
        /// Sent because of `TimeoutNow` (thesis §3.10): overrides the §4.2.3 leader stickiness.
        transfer: bool,
    },
    /// A vote (or pre-vote) answer.
    RequestVoteResponse {
        /// The receiver's current term, for the candidate to update itself (for a granted
        /// pre-vote: the requested term).
        term: u64,
        /// True means the candidate received the vote.
        vote_granted: bool,
        /// Answers a pre-vote.
        pre_vote: bool,
    },
    /// Invoked by the leader to replicate log entries (§5.3); also the heartbeat (§5.2).
    AppendEntries {
        /// Leader's term.
        term: u64,
        /// So followers can redirect clients.
        leader_id: NodeId,
        /// Index of the log entry immediately preceding the new ones.
        prev_log_index: u64,
        /// Term of the `prev_log_index` entry.
        prev_log_term: u64,
        /// Log entries to store (empty for a heartbeat). Shared: the copies of a message the
        /// network duplicates, and a snapshot's copy of it in flight, hold one list.
        entries: Arc<[Entry]>,
        /// Leader's `commit_index`.
        leader_commit: u64,
    },
    /// An `AppendEntries` answer.
    AppendEntriesResponse {
        /// The receiver's current term, for the leader to update itself.
        term: u64,
        /// True if the follower contained an entry matching `prev_log_index` and `prev_log_term`.
        success: bool,
        /// On success, the index of the last entry known to match the leader's log
        /// (`prev_log_index` + number of entries); on a rejection, the `prev_log_index` that
        /// was rejected (so the leader can ignore stale rejections).
        match_index: u64,
        /// Conflict hint (§5.3): the term of the follower's entry at `prev_log_index`, or
        /// `None` if its log is shorter.
        conflict_term: Option<u64>,
        /// Conflict hint: the first index the follower stores for `conflict_term`, or its last
        /// index + 1 if the log is shorter.
        conflict_index: u64,
    },
    /// The leader asks the target of a leadership transfer to start an election now (§3.10).
    TimeoutNow {
        /// Leader's term (a stale `TimeoutNow` is ignored).
        term: u64,
    },
}

impl Msg {
    /// The term the message carries.
    pub fn term(&self) -> u64 {
        match self {
            Msg::RequestVote { term, .. }
            | Msg::RequestVoteResponse { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendEntriesResponse { term, .. }
            | Msg::TimeoutNow { term } => *term,
        }
    }
}

/// A short label for animation and the event log: `RV t3`, `preRV t3`, `RV✓ t3`, `RV✗ t2`,
/// `AE t3` (heartbeat), `AE t3 +2`, `AE✓ t3`, `AE✗ t3`, `TimeoutNow t3`.
impl Msg {
    /// The message as a trace line keeps it ([`MsgShown`]).
    pub fn shown(&self) -> MsgShown {
        match *self {
            Msg::RequestVote { term, pre_vote, .. } => MsgShown::RequestVote { term, pre_vote },
            Msg::RequestVoteResponse {
                term,
                vote_granted,
                pre_vote,
            } => MsgShown::RequestVoteResponse {
                term,
                vote_granted,
                pre_vote,
            },
            Msg::AppendEntries {
                term, ref entries, ..
            } => MsgShown::AppendEntries {
                term,
                entries: entries.len(),
            },
            Msg::AppendEntriesResponse { term, success, .. } => {
                MsgShown::AppendEntriesResponse { term, success }
            }
            Msg::TimeoutNow { term } => MsgShown::TimeoutNow { term },
        }
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown().fmt(f)
    }
}

/// What a trace line keeps of a [`Msg`] (its `Display` is the message's): the kind, the term
/// and the outcome, an `AppendEntries`' entries counted instead of held, so a traced delivery
/// neither clones the entry list nor keeps it alive until its line is trimmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgShown {
    /// A [`Msg::RequestVote`].
    RequestVote {
        /// Candidate's term.
        term: u64,
        /// A pre-vote.
        pre_vote: bool,
    },
    /// A [`Msg::RequestVoteResponse`].
    RequestVoteResponse {
        /// The receiver's term.
        term: u64,
        /// Granted.
        vote_granted: bool,
        /// Answers a pre-vote.
        pre_vote: bool,
    },
    /// A [`Msg::AppendEntries`].
    AppendEntries {
        /// Leader's term.
        term: u64,
        /// How many entries it carries (0: a heartbeat).
        entries: usize,
    },
    /// A [`Msg::AppendEntriesResponse`].
    AppendEntriesResponse {
        /// The receiver's term.
        term: u64,
        /// Whether the entries were accepted.
        success: bool,
    },
    /// A [`Msg::TimeoutNow`].
    TimeoutNow {
        /// The leader's term.
        term: u64,
    },
}

impl fmt::Display for MsgShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pre = |p: bool| if p { "pre" } else { "" };
        let ok = |b: bool| if b { "✓" } else { "✗" };
        match *self {
            MsgShown::RequestVote { term, pre_vote } => write!(f, "{}RV t{term}", pre(pre_vote)),
            MsgShown::RequestVoteResponse {
                term,
                vote_granted,
                pre_vote,
            } => write!(f, "{}RV{} t{term}", pre(pre_vote), ok(vote_granted)),
            MsgShown::AppendEntries { term, entries: 0 } => write!(f, "AE t{term}"),
            MsgShown::AppendEntries { term, entries } => write!(f, "AE t{term} +{entries}"),
            MsgShown::AppendEntriesResponse { term, success } => {
                write!(f, "AE{} t{term}", ok(success))
            }
            MsgShown::TimeoutNow { term } => write!(f, "TimeoutNow t{term}"),
        }
    }
}

/// A server's timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// Followers and candidates: the randomized election timeout (§5.2).
    Election,
    /// Leaders: time to send heartbeats (§5.2).
    Heartbeat,
    /// Leaders with check-quorum: time to check that a majority was heard from (thesis §6.2).
    CheckQuorum,
}

impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Timer::Election => "election",
            Timer::Heartbeat => "heartbeat",
            Timer::CheckQuorum => "check-quorum",
        })
    }
}

/// Formats server ids as `{0,1,2}`.
pub fn fmt_ids(ids: &[NodeId]) -> String {
    let v: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    format!("{{{}}}", v.join(","))
}

/// The §5.4.1 comparison: is a log ending at (`last_term`, `last_index`) at least as up to date
/// as one ending at (`my_term`, `my_index`)? The later last term wins; with equal last terms the
/// longer log wins.
pub fn log_up_to_date(last_term: u64, last_index: u64, my_term: u64, my_index: u64) -> bool {
    (last_term, last_index) >= (my_term, my_index)
}

/// The members of a configuration as a bit set.
pub fn members_mask(ids: &[NodeId]) -> u16 {
    ids.iter()
        .filter(|&&i| i < 16)
        .fold(0u16, |m, &i| m | (1 << i))
}

/// Builds the servers of a run: `slots` servers (clamped to 1–[`MAX_SERVERS`]) of which the
/// first `servers` (clamped to 1–`slots`) form the initial configuration; the others are spare
/// servers that take part once added with `add:ID`.
pub fn nodes(params: &RaftParams, servers: usize, slots: usize) -> Vec<RaftNode> {
    let slots = slots.clamp(1, MAX_SERVERS);
    let servers = servers.clamp(1, slots);
    let members: Vec<NodeId> = (0..servers).collect();
    (0..slots)
        .map(|i| RaftNode::new(i, *params, members.clone(), slots))
        .collect()
}

/// A simulation of a Raft cluster with every safety invariant checked after each event.
pub fn new_sim(
    seed: u64,
    params: &RaftParams,
    servers: usize,
    slots: usize,
    net: NetConfig,
    faults: Vec<TimedFault>,
) -> Sim<RaftNode> {
    let mut sim = Sim::new(seed, nodes(params, servers, slots), net, faults);
    for (inv, suspect) in invariants::incremental_invariants() {
        sim.add_incremental_invariant(inv, suspect);
    }
    sim.set_fingerprint(invariants::fingerprint);
    sim
}
