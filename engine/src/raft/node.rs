//! A Raft server: its state (Figure 2) and its rules — `step` does the term bookkeeping of
//! "Rules for All Servers" once, then `step_follower`, `step_candidate` or `step_leader`.

use super::ghost::{self, chain_hash, Ghost};
use super::{
    fmt_ids, log_up_to_date, members_mask, Cmd, Entry, Msg, RaftCommand, RaftLog, RaftParams,
    RaftRefusal, Role, Timer, MAX_ENTRIES_PER_APPEND,
};
use crate::sim::{Ctx, Node};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use std::sync::Arc;

/// A leadership transfer in progress (thesis §3.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The server that should take over.
    pub target: NodeId,
    /// When the leader gives up and accepts client requests again.
    pub deadline: SimTime,
    /// `TimeoutNow` has been sent.
    pub sent: bool,
}

/// A Raft server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaftNode {
    /// This server's id.
    pub id: NodeId,
    /// Parameters.
    pub params: RaftParams,
    /// Number of server slots in the simulation (members and spare servers).
    pub slots: usize,

    // Persistent state on all servers (Figure 2): survives `on_restart`.
    /// Latest term the server has seen (initialized to 0, increases monotonically).
    pub current_term: u64,
    /// Candidate that received this server's vote in the current term.
    pub voted_for: Option<NodeId>,
    /// Log entries; `log[i - 1]` is the entry at index i (the first index is 1).
    pub log: RaftLog,
    /// The initial configuration, which every server knows (persistent, like an entry at index 0).
    pub bootstrap: Vec<NodeId>,

    // Volatile state on all servers: reset by `on_restart`.
    /// The server's role.
    pub role: Role,
    /// Index of the highest log entry known to be committed.
    pub commit_index: u64,
    /// Index of the highest log entry applied to the state machine.
    pub last_applied: u64,
    /// The replicated state machine (rebuilt after a restart by re-applying the log).
    pub state: KvState,
    /// The leader this server knows for its current term.
    pub leader_id: Option<NodeId>,
    /// Votes (or pre-votes) received in the current election, by voter id.
    pub votes: Vec<NodeId>,
    /// When it last heard from a leader of its current term (pre-vote and §4.2.3 checks).
    pub last_leader_contact: Option<SimTime>,

    // Volatile state on leaders: reinitialized after election.
    /// What the leader knows of each server's log, one record per server (raft-rs `Progress`).
    pub progress: Vec<Progress>,
    /// A leadership transfer in progress.
    pub transfer: Option<Transfer>,

    /// Indices of the configuration entries in `log` (derived from the log, kept in step).
    config_indices: Vec<u64>,
    /// History variables for invariants and measurements; never read by the protocol.
    pub ghost: Ghost,
}

/// A leader's view of one server's log (Figure 2's `nextIndex[]` and `matchIndex[]`, with flow
/// control and check-quorum bookkeeping), reset together on election and restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Index of the next log entry to send to the server.
    pub next_index: u64,
    /// Index of the highest log entry known to be replicated on the server.
    pub match_index: u64,
    /// The last index the latest `AppendEntries` to it carried (flow control, not in Figure 2:
    /// a response triggers more only if entries were appended since).
    pub last_sent: u64,
    /// Heard from since the last check-quorum (thesis §6.2).
    pub recent_active: bool,
}

impl Progress {
    /// A fresh record: send from `next_index`, nothing known replicated.
    pub fn new(next_index: u64) -> Progress {
        Progress {
            next_index,
            match_index: 0,
            last_sent: 0,
            recent_active: false,
        }
    }
}

type C<'a> = Ctx<'a, Msg, Timer>;

impl RaftNode {
    /// A fresh server `id` (term 0, empty log, follower) whose initial configuration is
    /// `members`, in a simulation of `slots` servers.
    pub fn new(id: NodeId, params: RaftParams, members: Vec<NodeId>, slots: usize) -> RaftNode {
        let mut bootstrap = members;
        crate::sort::sort_unstable(&mut bootstrap);
        bootstrap.dedup();
        RaftNode {
            id,
            params,
            slots,
            current_term: 0,
            voted_for: None,
            log: RaftLog::new(),
            bootstrap,
            role: Role::Follower,
            commit_index: 0,
            last_applied: 0,
            state: KvState::default(),
            leader_id: None,
            votes: Vec::new(),
            last_leader_contact: None,
            progress: vec![Progress::new(1); slots],
            transfer: None,
            config_indices: Vec::new(),
            ghost: Ghost::default(),
        }
    }

    /// Replaces the persistent state (term, vote, log) before a run starts, e.g. to set up the
    /// logs of the paper's Figure 7 or 8. Recomputes the derived and ghost state of the log.
    pub fn set_persistent(
        &mut self,
        current_term: u64,
        voted_for: Option<NodeId>,
        log: Vec<Entry>,
    ) {
        self.current_term = current_term;
        self.voted_for = voted_for;
        self.log.clear();
        self.config_indices.clear();
        self.ghost.chain.clear();
        self.ghost.term_drops.clear();
        for e in log {
            self.push_entry(e);
        }
    }

    /// Index of the last log entry (0 if the log is empty).
    pub fn last_log_index(&self) -> u64 {
        self.log.len() as u64
    }

    /// Term of the last log entry (0 if the log is empty).
    pub fn last_log_term(&self) -> u64 {
        self.log.last().map_or(0, |e| e.term)
    }

    /// The term of the entry at `index` (`Some(0)` for index 0, `None` beyond the log).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == 0 {
            return Some(0);
        }
        self.log.get(index as usize - 1).map(|e| e.term)
    }

    /// The entry at `index` (1-based).
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        index.checked_sub(1).and_then(|i| self.log.get(i as usize))
    }

    fn config_of(&self, idx: Option<&u64>) -> &[NodeId] {
        match idx.and_then(|&i| self.entry(i)) {
            Some(Entry {
                cmd: Cmd::Config(m),
                ..
            }) => m,
            _ => &self.bootstrap,
        }
    }

    /// The server's configuration: the latest one in its log, committed or not (thesis §4.1),
    /// else the initial one.
    pub fn config(&self) -> &[NodeId] {
        self.config_of(self.config_indices.last())
    }

    /// Index of the latest configuration entry (0: the initial configuration).
    pub fn config_index(&self) -> u64 {
        self.config_indices.last().copied().unwrap_or(0)
    }

    /// The configuration in effect at log index `index`.
    pub fn config_at(&self, index: u64) -> &[NodeId] {
        let k = self.config_indices.partition_point(|&i| i <= index);
        self.config_of(k.checked_sub(1).map(|k| &self.config_indices[k]))
    }

    /// Whether this server is in its own latest configuration (only members start elections).
    pub fn is_member(&self) -> bool {
        self.config().contains(&self.id)
    }

    /// The applied state machine.
    pub fn applied(&self) -> &KvState {
        &self.state
    }

    fn quorum(&self) -> usize {
        self.config().len() / 2 + 1
    }

    /// Servers the leader replicates to, in id order: its configuration plus servers removed by
    /// a configuration entry that is not yet committed, minus itself.
    fn targets(&self) -> Targets {
        // Ids are below `slots` ≤ MAX_SERVERS (11), so a 16-bit set holds them all.
        // The configuration at the commit index is the latest one unless a newer configuration
        // entry is not committed yet (the usual case: no change under way).
        let mut both = members_mask(self.config());
        if self.config_index() > self.commit_index {
            both |= members_mask(self.config_at(self.commit_index));
        }
        let slots = 1u32
            .checked_shl(self.slots as u32)
            .map_or(u32::MAX, |b| b - 1);
        let me = 1u32.checked_shl(self.id as u32).unwrap_or(0);
        Targets((u32::from(both) & slots & !me) as u16)
    }

    fn record(&mut self, now: SimTime) {
        let c = ghost::StateChange {
            time: now,
            role: self.role,
            term: self.current_term,
            members: members_mask(self.config()),
        };
        let same = self
            .ghost
            .timeline
            .last()
            .is_some_and(|l| (l.role, l.term, l.members) == (c.role, c.term, c.members));
        if !same {
            self.ghost.timeline.push(c);
        }
    }

    fn send(&mut self, to: NodeId, msg: Msg, ctx: &mut C) {
        self.ghost.sent.count(&msg);
        ctx.send(to, msg);
    }

    /// Appends one entry (the only way entries are added), keeping the derived state in step.
    fn push_entry(&mut self, e: Entry) {
        let prev = self.ghost.chain.last().copied().unwrap_or(0);
        self.ghost.chain.push(chain_hash(prev, &e));
        if matches!(e.cmd, Cmd::Config(_)) {
            self.config_indices.push(self.log.len() as u64 + 1);
        }
        if e.term < self.last_log_term() {
            self.ghost.term_drops.push(self.log.len() as u64 + 1);
        }
        self.log.push(e);
    }

    /// Deletes the entry at `index` and all that follow (the only way entries are removed).
    fn truncate_from(&mut self, index: u64, now: SimTime) {
        let keep = index.saturating_sub(1) as usize;
        if keep >= self.log.len() {
            return;
        }
        self.ghost.truncations.push(ghost::Truncation {
            time: now,
            term: self.current_term,
            role: self.role,
            from_index: index,
            removed: (self.log.len() - keep) as u64,
        });
        self.log.truncate(keep);
        self.ghost.chain.truncate(keep);
        self.ghost.term_drops.retain(|&i| i as usize <= keep);
        self.config_indices.retain(|&i| i as usize <= keep);
    }

    fn election_timeout(&self, ctx: &mut C) -> Duration {
        let lo = self.params.election_timeout_min.as_us();
        let hi = self.params.election_timeout_max.as_us().max(lo);
        Duration(ctx.rng().range_inclusive(lo, hi))
    }

    /// Whether this server is being removed by its latest configuration entry, which it does not
    /// know to be committed: it was in the configuration before that entry and is not after.
    pub fn being_removed(&self) -> bool {
        let ci = self.config_index();
        !self.is_member() && ci > self.commit_index && self.config_at(ci - 1).contains(&self.id)
    }

    /// Whether this server may stand for election: members, and servers whose removal is not
    /// known to be committed (they may be needed to commit it: in a two-server configuration
    /// the removed server's vote is, and only it may hold the entry). The latter always go
    /// through a pre-vote round first, so a server whose removal has committed cannot disrupt
    /// the cluster (its requests are refused while the members hear from their leader).
    pub fn may_campaign(&self) -> bool {
        self.is_member() || self.being_removed()
    }

    /// Votes received from members of the configuration (a non-member's own vote does not count).
    fn tally(&self) -> usize {
        let cfg = self.config();
        self.votes.iter().filter(|v| cfg.contains(v)).count()
    }

    /// Arms a freshly randomized election timer (§5.2), if this server may start elections.
    fn reset_election_timer(&self, ctx: &mut C) {
        if self.may_campaign() {
            let d = self.election_timeout(ctx);
            ctx.set_timer(Timer::Election, d);
        }
    }

    /// Heard from a leader of the current term within the minimum election timeout (or is the
    /// leader). Used by pre-vote (thesis §9.6) and the §4.2.3 rule.
    fn leader_recent(&self, now: SimTime) -> bool {
        self.role == Role::Leader
            || (self.leader_id.is_some()
                && self
                    .last_leader_contact
                    .is_some_and(|t| now.since(t) < self.params.election_timeout_min))
    }

    // ---------------------------------------------------------------- role changes

    /// "Convert to follower" at `term` (same or higher), knowing `leader` if any.
    fn become_follower(&mut self, term: u64, leader: Option<NodeId>, ctx: &mut C) {
        let was_leader = self.role == Role::Leader;
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader_id = leader;
        if leader.is_some() {
            self.last_leader_contact = Some(ctx.now());
        }
        self.votes.clear();
        self.transfer = None;
        if was_leader {
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.cancel_timer(Timer::CheckQuorum);
            // A leader had no election timer running; a follower needs one (RaftScope does the
            // same). Followers and candidates keep the timer they have (Figure 2 resets it
            // only on AppendEntries from the leader or on granting a vote).
            self.reset_election_timer(ctx);
            self.ghost.proposals.clear();
        }
        self.record(ctx.now());
    }

    /// The election timeout elapsed (or `timeout` was commanded): start an election, or a
    /// pre-vote round first (thesis §9.6).
    fn election_timeout_elapsed(&mut self, ctx: &mut C) {
        if !self.may_campaign() {
            ctx.note("not in its configuration: does not start an election");
            return;
        }
        if self.params.pre_vote || !self.is_member() {
            self.start_pre_vote(ctx);
        } else {
            self.start_election(false, ctx);
        }
    }

    fn request_votes(&mut self, term: u64, pre_vote: bool, transfer: bool, ctx: &mut C) {
        let msg = Msg::RequestVote {
            term,
            candidate_id: self.id,
            last_log_index: self.last_log_index(),
            last_log_term: self.last_log_term(),
            pre_vote,
            transfer,
        };
        for k in 0..self.config().len() {
            let p = self.config()[k];
            if p != self.id && p < self.slots {
                self.send(p, msg.clone(), ctx);
            }
        }
    }

    fn start_pre_vote(&mut self, ctx: &mut C) {
        self.role = Role::PreCandidate;
        self.leader_id = None;
        self.votes.clear();
        self.votes.push(self.id);
        self.ghost.pre_votes += 1;
        self.reset_election_timer(ctx);
        self.record(ctx.now());
        let term = self.current_term + 1;
        let why = if self.is_member() {
            ""
        } else {
            " (not in its configuration, whose change is not known committed)"
        };
        ctx.note_fmt(format_args!(
            "election timeout: pre-vote for term {term} (term stays {}){why}",
            self.current_term
        ));
        self.request_votes(term, true, false, ctx);
        if self.tally() >= self.quorum() {
            self.start_election(false, ctx);
        }
    }

    /// "On conversion to candidate, start election: increment currentTerm, vote for self, reset
    /// election timer, send RequestVote RPCs to all other servers" (§5.2).
    fn start_election(&mut self, transfer: bool, ctx: &mut C) {
        self.role = Role::Candidate;
        self.current_term += 1;
        self.voted_for = Some(self.id);
        self.votes.clear();
        self.votes.push(self.id);
        self.leader_id = None;
        self.ghost.campaigns.push(self.current_term);
        self.reset_election_timer(ctx);
        self.record(ctx.now());
        ctx.note_fmt(format_args!(
            "{}becomes candidate for term {}, votes for itself",
            if transfer { "TimeoutNow: " } else { "" },
            self.current_term
        ));
        self.request_votes(self.current_term, false, transfer, ctx);
        if self.tally() >= self.quorum() {
            self.become_leader(ctx);
        }
    }

    /// "If votes received from majority of servers: become leader" (§5.2).
    fn become_leader(&mut self, ctx: &mut C) {
        self.role = Role::Leader;
        self.leader_id = Some(self.id);
        self.ghost.led_terms.push(self.current_term);
        let last = self.last_log_index();
        self.progress = vec![Progress::new(last + 1); self.slots];
        self.transfer = None;
        let mut voters = self.votes.clone();
        crate::sort::sort_unstable(&mut voters);
        ctx.note_fmt(format_args!(
            "wins the election for term {} (votes {})",
            self.current_term,
            fmt_ids(&voters)
        ));
        ctx.cancel_timer(Timer::Election);
        // "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server."
        for p in self.targets() {
            self.send_append(p, false, ctx);
        }
        ctx.set_timer(Timer::Heartbeat, self.params.heartbeat);
        if self.params.check_quorum {
            ctx.set_timer(Timer::CheckQuorum, self.params.election_timeout_min);
        }
        // §8: "each leader commit a blank no-op entry into the log at the start of its term".
        self.push_entry(Entry {
            term: self.current_term,
            cmd: Cmd::Noop,
        });
        ctx.note_fmt(format_args!(
            "appends no-op at {} (§8)",
            self.last_log_index()
        ));
        self.record(ctx.now());
        self.advance_commit(ctx);
    }

    // ---------------------------------------------------------------- messages

    /// Rules for All Servers, once per message; then the role's own rules.
    fn step(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        let term = msg.term();
        if term > self.current_term {
            match &msg {
                // A pre-vote changes nobody's term (thesis §9.6); a granted pre-vote carries the
                // term the candidate asked for.
                Msg::RequestVote { pre_vote: true, .. } => {}
                Msg::RequestVoteResponse {
                    pre_vote: true,
                    vote_granted: true,
                    ..
                } => {}
                Msg::RequestVote {
                    transfer: false, ..
                } if self.params.check_quorum && self.leader_recent(ctx.now()) => {
                    ctx.note_fmt(format_args!(
                        "ignores RV t{term} from {from}: heard from leader {} within the minimum election timeout (thesis §4.2.3)",
                        self.leader_id.map_or("?".to_string(), |l| l.to_string())
                    ));
                    return;
                }
                _ => {
                    // §5.1: "If RPC request or response contains term T > currentTerm: set
                    // currentTerm = T, convert to follower."
                    if self.role != Role::Follower {
                        ctx.note_fmt(format_args!(
                            "term {term} > {}: steps down to follower",
                            self.current_term
                        ));
                    }
                    let leader = match &msg {
                        Msg::AppendEntries { .. } => Some(from),
                        _ => None,
                    };
                    self.become_follower(term, leader, ctx);
                }
            }
        } else if term < self.current_term {
            // §5.1: a request with a stale term is rejected (the reply carries our term, which
            // makes a stale leader or candidate step down); stale responses are dropped.
            match msg {
                Msg::RequestVote { pre_vote, .. } => {
                    let reply = Msg::RequestVoteResponse {
                        term: self.current_term,
                        vote_granted: false,
                        pre_vote,
                    };
                    ctx.note_fmt(format_args!(
                        "denies {}vote to {from}: term {term} < {}",
                        if pre_vote { "pre-" } else { "" },
                        self.current_term
                    ));
                    self.send(from, reply, ctx);
                }
                Msg::AppendEntries { prev_log_index, .. } => {
                    ctx.note_fmt(format_args!(
                        "rejects AE from {from}: term {term} < {}",
                        self.current_term
                    ));
                    let reply = Msg::AppendEntriesResponse {
                        term: self.current_term,
                        success: false,
                        match_index: prev_log_index,
                        conflict_term: None,
                        conflict_index: 0,
                    };
                    self.send(from, reply, ctx);
                }
                _ => {}
            }
            return;
        }
        match self.role {
            Role::Follower => self.step_follower(from, msg, ctx),
            Role::PreCandidate | Role::Candidate => self.step_candidate(from, msg, ctx),
            Role::Leader => self.step_leader(from, msg, ctx),
        }
    }

    fn step_follower(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        match msg {
            Msg::RequestVote { .. } => self.handle_request_vote(from, msg, ctx),
            Msg::AppendEntries { .. } => self.handle_append_entries(from, msg, ctx),
            Msg::TimeoutNow { .. } => self.handle_timeout_now(from, ctx),
            // Answers to a role this server no longer has.
            Msg::RequestVoteResponse { .. } | Msg::AppendEntriesResponse { .. } => {}
        }
    }

    fn step_candidate(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        match msg {
            Msg::RequestVote { .. } => self.handle_request_vote(from, msg, ctx),
            Msg::AppendEntries { term, .. } => {
                // §5.2: "If AppendEntries RPC received from new leader: convert to follower."
                ctx.note_fmt(format_args!(
                    "AE from {from}, leader of term {term}: becomes follower"
                ));
                self.become_follower(term, Some(from), ctx);
                self.handle_append_entries(from, msg, ctx);
            }
            Msg::RequestVoteResponse {
                term,
                vote_granted,
                pre_vote,
            } => {
                let counts = if pre_vote {
                    self.role == Role::PreCandidate && term == self.current_term + 1
                } else {
                    self.role == Role::Candidate && term == self.current_term
                };
                if !(counts && vote_granted) {
                    return;
                }
                if !self.votes.contains(&from) {
                    self.votes.push(from);
                }
                let n = self.tally();
                if n < self.quorum() {
                    return;
                }
                if pre_vote {
                    ctx.note_fmt(format_args!(
                        "pre-vote won ({n} of {}): starts a real election",
                        self.config().len()
                    ));
                    self.start_election(false, ctx);
                } else {
                    self.become_leader(ctx);
                }
            }
            Msg::TimeoutNow { .. } => self.handle_timeout_now(from, ctx),
            Msg::AppendEntriesResponse { .. } => {}
        }
    }

    fn step_leader(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        match msg {
            Msg::RequestVote { .. } => self.handle_request_vote(from, msg, ctx),
            Msg::AppendEntries { term, .. } => {
                // Two leaders in one term: impossible unless Election Safety is broken.
                ctx.note_fmt(format_args!(
                    "rejects AE from {from}: it claims to lead term {term}, as this server does"
                ));
                let reply = Msg::AppendEntriesResponse {
                    term: self.current_term,
                    success: false,
                    match_index: 0,
                    conflict_term: None,
                    conflict_index: 0,
                };
                self.send(from, reply, ctx);
            }
            Msg::AppendEntriesResponse {
                success,
                match_index,
                conflict_term,
                conflict_index,
                ..
            } => self.handle_append_response(
                from,
                success,
                match_index,
                conflict_term,
                conflict_index,
                ctx,
            ),
            Msg::RequestVoteResponse { .. } | Msg::TimeoutNow { .. } => {}
        }
    }

    /// RequestVote receiver implementation (Figure 2, §5.2, §5.4), after the term rules.
    fn handle_request_vote(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        let Msg::RequestVote {
            term,
            last_log_index,
            last_log_term,
            pre_vote,
            ..
        } = msg
        else {
            return;
        };
        let (my_term, my_index) = (self.last_log_term(), self.last_log_index());
        let up_to_date = log_up_to_date(last_log_term, last_log_index, my_term, my_index);
        if pre_vote {
            let recent = self.leader_recent(ctx.now());
            let grant = term > self.current_term && up_to_date && !recent;
            if !ctx.is_quiet() {
                let why = if grant {
                    String::new()
                } else if term <= self.current_term {
                    format!(": term {term} is not above {}", self.current_term)
                } else if !up_to_date {
                    format!(
                        ": its log (t{last_log_term}, i{last_log_index}) is behind ours (t{my_term}, i{my_index})"
                    )
                } else {
                    ": it hears from a leader".to_string()
                };
                ctx.note_fmt(format_args!(
                    "{} pre-vote for term {term} to {from}{why}",
                    if grant { "grants" } else { "denies" }
                ));
            }
            let reply = Msg::RequestVoteResponse {
                term: if grant { term } else { self.current_term },
                vote_granted: grant,
                pre_vote: true,
            };
            self.send(from, reply, ctx);
            return;
        }
        // 2. "If votedFor is null or candidateId, and candidate's log is at least as up-to-date
        // as receiver's log, grant vote (§5.2, §5.4)."
        let free = self.voted_for.is_none() || self.voted_for == Some(from);
        let log_ok = up_to_date || self.params.bug_vote_without_uptodate;
        let grant = free && log_ok;
        if grant {
            self.voted_for = Some(from);
            self.reset_election_timer(ctx);
            let bug = if up_to_date {
                ""
            } else {
                " (BUG: its log is behind ours; §5.4.1 skipped)"
            };
            ctx.note_fmt(format_args!("grants vote to {from} for term {term}{bug}"));
        } else if let Some(v) = self.voted_for.filter(|_| !free) {
            ctx.note_fmt(format_args!(
                "denies vote to {from}: already voted for {v} in term {term}"
            ));
        } else {
            ctx.note_fmt(format_args!(
                "denies vote to {from}: its log (t{last_log_term}, i{last_log_index}) is behind ours (t{my_term}, i{my_index}) (§5.4.1)"
            ));
        }
        let reply = Msg::RequestVoteResponse {
            term: self.current_term,
            vote_granted: grant,
            pre_vote: false,
        };
        self.send(from, reply, ctx);
    }

    /// AppendEntries receiver implementation (Figure 2, §5.3), after the term rules, as a
    /// follower of the sender for the current term.
    fn handle_append_entries(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        let Msg::AppendEntries {
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit,
            ..
        } = msg
        else {
            return;
        };
        let now = ctx.now();
        self.leader_id = Some(from);
        self.last_leader_contact = Some(now);
        // 2. "Reply false if log doesn't contain an entry at prevLogIndex whose term matches
        // prevLogTerm (§5.3)."
        let reject = match self.term_at(prev_log_index) {
            None => Some((None, self.last_log_index() + 1)),
            Some(t) if t != prev_log_term => {
                let mut first = prev_log_index;
                while first > 1 && self.term_at(first - 1) == Some(t) {
                    first -= 1;
                }
                Some((Some(t), first))
            }
            Some(_) => None,
        };
        if let Some((conflict_term, conflict_index)) = reject {
            match conflict_term {
                None => ctx.note_fmt(format_args!(
                    "rejects AE: no entry at {prev_log_index} (log ends at {})",
                    self.last_log_index()
                )),
                Some(t) => ctx.note_fmt(format_args!(
                    "rejects AE: entry {prev_log_index} has term {t}, leader's has {prev_log_term}"
                )),
            }
            self.reset_election_timer(ctx);
            let reply = Msg::AppendEntriesResponse {
                term: self.current_term,
                success: false,
                match_index: prev_log_index,
                conflict_term,
                conflict_index,
            };
            self.send(from, reply, ctx);
            return;
        }
        // 3. "If an existing entry conflicts with a new one (same index but different terms),
        // delete the existing entry and all that follow it (§5.3)."
        // 4. "Append any new entries not already in the log."
        let n = entries.len() as u64;
        let mut first_new = None;
        for (k, e) in entries.iter().enumerate() {
            let idx = prev_log_index + 1 + k as u64;
            match self.term_at(idx) {
                Some(t) if t == e.term => continue,
                Some(t) => {
                    ctx.note_fmt(format_args!(
                        "entry {idx} conflicts (term {t} ≠ {}): deletes {idx}..{} (§5.3)",
                        e.term,
                        self.last_log_index()
                    ));
                    self.truncate_from(idx, now);
                }
                None => {}
            }
            first_new.get_or_insert(idx);
            self.push_entry(e.clone());
        }
        if let Some(f) = first_new {
            let last = self.last_log_index();
            ctx.note_rec(notes::appends(f, last));
            self.record(now);
        }
        // 5. "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last
        // new entry)."
        let last_new = prev_log_index + n;
        if leader_commit > self.commit_index {
            self.commit_index = self.commit_index.max(leader_commit.min(last_new));
            self.apply_committed();
        }
        // §5.2: the election timer restarts on AppendEntries from the current leader (after the
        // log changed, so a server added by this very entry starts its timer).
        self.reset_election_timer(ctx);
        let reply = Msg::AppendEntriesResponse {
            term: self.current_term,
            success: true,
            match_index: last_new,
            conflict_term: None,
            conflict_index: 0,
        };
        self.send(from, reply, ctx);
    }

    fn handle_timeout_now(&mut self, from: NodeId, ctx: &mut C) {
        if !self.is_member() {
            ctx.note("TimeoutNow ignored: not in its configuration");
            return;
        }
        ctx.note_fmt(format_args!(
            "TimeoutNow from {from}: times out at once (§3.10)"
        ));
        self.start_election(true, ctx);
    }

    /// The leader's side of `AppendEntries` (Figure 2, Rules for Servers, Leaders).
    fn handle_append_response(
        &mut self,
        from: NodeId,
        success: bool,
        match_index: u64,
        conflict_term: Option<u64>,
        conflict_index: u64,
        ctx: &mut C,
    ) {
        if from >= self.slots {
            return;
        }
        self.progress[from].recent_active = true;
        let last = self.last_log_index();
        if success {
            // "If successful: update nextIndex and matchIndex for follower (§5.3)."
            let m = match_index.min(last);
            if m > self.progress[from].match_index {
                self.progress[from].match_index = m;
            }
            self.progress[from].next_index = self.progress[from]
                .next_index
                .max(self.progress[from].match_index + 1);
            self.advance_commit(ctx);
            if self.role != Role::Leader {
                return;
            }
            if let Some(t) = self.transfer.as_mut() {
                if t.target == from && !t.sent && self.progress[from].match_index == last {
                    t.sent = true;
                    ctx.note_fmt(format_args!(
                        "transfer: {from} is up to date; sends TimeoutNow (§3.10)"
                    ));
                    let msg = Msg::TimeoutNow {
                        term: self.current_term,
                    };
                    self.send(from, msg, ctx);
                    return;
                }
            }
            // "If last log index ≥ nextIndex for a follower: send AppendEntries RPC with log
            // entries starting at nextIndex" — unless they are already on their way (the
            // heartbeat resends them if that message was lost).
            if self.progress[from].next_index <= last && self.progress[from].last_sent < last {
                self.send_append(from, true, ctx);
            }
            return;
        }
        // "If AppendEntries fails because of log inconsistency: decrement nextIndex and retry."
        let old = self.progress[from].next_index;
        if match_index + 1 != old || match_index < self.progress[from].match_index {
            return; // a rejection of an older probe
        }
        let hinted = if self.params.fast_backup {
            match conflict_term {
                None => conflict_index,
                Some(t) => match (1..=last).rev().find(|&i| self.term_at(i) == Some(t)) {
                    Some(i) => i + 1,
                    None => conflict_index,
                },
            }
        } else {
            old - 1
        };
        let new = hinted
            .min(old - 1)
            .max(self.progress[from].match_index + 1)
            .max(1);
        self.progress[from].next_index = new;
        ctx.note_fmt(format_args!(
            "AE rejected by {from}: next_index[{from}] = {new}"
        ));
        self.send_append(from, true, ctx);
    }

    /// Sends `AppendEntries` to `p` from `next_index[p]` (with entries, or empty).
    fn send_append(&mut self, p: NodeId, with_entries: bool, ctx: &mut C) {
        let last = self.last_log_index();
        let next = self.progress[p].next_index.clamp(1, last + 1);
        let prev = next - 1;
        let entries: Arc<[Entry]> = if with_entries {
            let end = last.min(prev + MAX_ENTRIES_PER_APPEND as u64);
            self.log.range(prev as usize, end as usize)
        } else {
            Arc::new([])
        };
        self.progress[p].last_sent = prev + entries.len() as u64;
        let msg = Msg::AppendEntries {
            term: self.current_term,
            leader_id: self.id,
            prev_log_index: prev,
            prev_log_term: self.term_at(prev).unwrap_or(0),
            entries,
            leader_commit: self.commit_index,
        };
        self.send(p, msg, ctx);
    }

    /// "If there exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and
    /// log[N].term == currentTerm: set commitIndex = N (§5.3, §5.4)."
    fn advance_commit(&mut self, ctx: &mut C) {
        let last = self.last_log_index();
        let cfg = self.config();
        let cfg_len = cfg.len();
        let quorum = cfg_len / 2 + 1;
        // How far each member's log is known to match: this server's own log, a peer's
        // matchIndex (0 if unknown).
        let matched = |m: NodeId| {
            if m == self.id {
                last
            } else {
                self.progress.get(m).map_or(0, |p| p.match_index)
            }
        };
        // The highest N ≤ last replicated on a majority (Figure 2's N with matchIndex[i] ≥ N on a
        // majority): the quorum-th largest of the members' values, each capped at `last`.
        let mut small = [0u64; 16];
        let mut large = Vec::new();
        let vals: &mut [u64] = if cfg_len <= small.len() {
            &mut small[..cfg_len]
        } else {
            large.resize(cfg_len, 0);
            &mut large
        };
        for (v, &m) in vals.iter_mut().zip(cfg) {
            *v = matched(m).min(last);
        }
        // Fewer than a quorum past the commit index: nothing new can be committed (the usual
        // case for the replies after the one that completed a majority), without the quadratic
        // search below.
        if vals.iter().filter(|&&v| v > self.commit_index).count() < quorum {
            return;
        }
        let top = quorum_value(vals, quorum);
        if top <= self.commit_index {
            return;
        }
        // …and log[N].term == currentTerm (§5.4.2): terms never decrease along a log, so an entry
        // of another term at or above N means none at or below it is from this term.
        if !self.params.bug_commit_old_term
            && (top..=last).any(|k| self.term_at(k).unwrap_or(0) != self.current_term)
        {
            return;
        }
        let (n, replicas) = (top, vals.iter().filter(|&&v| v >= top).count());
        let old = self.commit_index;
        self.commit_index = n;
        let entry_term = self.term_at(n).unwrap_or(0);
        let commits = notes::commits(old + 1, n, replicas, cfg_len);
        if entry_term != self.current_term {
            ctx.note_fmt(format_args!(
                "{commits} (BUG: entry {n} is from term {entry_term}; §5.4.2 violated)"
            ));
        } else {
            ctx.note_rec(commits);
        }
        // Ghost: what this leader committed in its term, and request latencies.
        let rec = ghost::CommitRecord {
            commit_term: self.current_term,
            index: n,
            entry_term,
            chain: self.ghost.chain_at(n),
        };
        match self.ghost.commits.last_mut() {
            Some(r) if r.commit_term == rec.commit_term => *r = rec,
            _ => self.ghost.commits.push(rec),
        }
        let now = ctx.now();
        let mut pending = std::mem::take(&mut self.ghost.proposals);
        pending.retain(|p| {
            if p.index > n {
                return true;
            }
            if self.term_at(p.index) == Some(p.term) {
                self.ghost.commit_latency_us.push(now.since(p.at).as_us());
            }
            false
        });
        self.ghost.proposals = pending;
        self.apply_committed();
        // Thesis §4.2.2: a leader removed from the configuration steps down once the
        // configuration entry that removed it is committed.
        if !self.is_member() && self.config_index() <= self.commit_index {
            ctx.note_fmt(format_args!(
                "its removal (entry {}) is committed: steps down (thesis §4.2.2)",
                self.config_index()
            ));
            self.become_follower(self.current_term, None, ctx);
        }
    }

    /// "If commitIndex > lastApplied: increment lastApplied, apply log[lastApplied] to state
    /// machine (§5.3)."
    fn apply_committed(&mut self) {
        while self.last_applied < self.commit_index {
            let i = self.last_applied + 1;
            // The log field alone (not `self.entry`), so the state machine can be updated in place.
            let Some(e) = self.log.get(i as usize - 1) else {
                break;
            };
            // Look the key up before cloning it: a key already present costs no allocation.
            match &e.cmd {
                Cmd::Put { key, value } => match self.state.at(key) {
                    Ok(k) => self.state.0[k].1 = *value,
                    Err(k) => self.state.0.insert(k, (key.to_string(), *value)),
                },
                Cmd::Incr { key } => match self.state.at(key) {
                    Ok(k) => self.state.0[k].1 = self.state.0[k].1.saturating_add(1),
                    Err(k) => self.state.0.insert(k, (key.to_string(), 1)),
                },
                Cmd::Noop | Cmd::Config(_) => {}
            }
            self.last_applied = i;
            let (prev, chain) = (self.ghost.chain_at(i - 1), self.ghost.chain_at(i));
            self.ghost.on_apply(i, prev, chain);
        }
    }

    // ---------------------------------------------------------------- commands

    fn not_leader(&self, what: &str, ctx: &mut C) {
        match self.leader_id {
            Some(l) if l != self.id => {
                ctx.note_fmt(format_args!("not the leader: {what} → ask {l}"))
            }
            _ => ctx.note_fmt(format_args!(
                "not the leader and knows no leader: {what} refused"
            )),
        }
    }

    fn check_server(&self, id: NodeId) -> Result<(), RaftRefusal> {
        if id >= self.slots {
            Err(RaftRefusal::NoServer {
                id,
                last: self.slots - 1,
            })
        } else {
            Ok(())
        }
    }

    /// A client request at the leader: "append entry to local log, respond after entry applied
    /// to state machine (§5.3)". (Public for services built on a server, such as the system
    /// lab's shards, which check leadership themselves and skip the text form.)
    pub fn propose(&mut self, cmd: Cmd, ctx: &mut C) {
        if let Some(t) = self.transfer {
            ctx.note_fmt(format_args!(
                "leadership transfer to {} in progress: request refused (§3.10)",
                t.target
            ));
            return;
        }
        let index = self.last_log_index() + 1;
        match notes::appends_cmd(&cmd, index) {
            Some(rec) => ctx.note_rec(rec),
            None => ctx.note_fmt(format_args!("appends {cmd} at {index}")),
        }
        self.push_entry(Entry {
            term: self.current_term,
            cmd,
        });
        self.ghost.proposed += 1;
        self.ghost.proposals.push(ghost::Proposal {
            index,
            term: self.current_term,
            at: ctx.now(),
        });
        self.replicate_new(index, ctx);
        self.advance_commit(ctx);
    }

    /// Sends a just-appended entry at once to every follower that has acknowledged all before it.
    fn replicate_new(&mut self, index: u64, ctx: &mut C) {
        for p in self.targets() {
            if self.progress[p].next_index == index {
                self.send_append(p, true, ctx);
            }
        }
    }

    /// Single-server membership change (thesis §4.1).
    fn change_config(&mut self, add: Option<NodeId>, remove: Option<NodeId>, ctx: &mut C) {
        let mut cfg = self.config().to_vec();
        if let Some(id) = add {
            if cfg.contains(&id) {
                ctx.note_fmt(format_args!(
                    "{id} is already a member of {}",
                    fmt_ids(&cfg)
                ));
                return;
            }
            cfg.push(id);
            crate::sort::sort_unstable(&mut cfg);
        }
        if let Some(id) = remove {
            if !cfg.contains(&id) {
                ctx.note_fmt(format_args!("{id} is not a member of {}", fmt_ids(&cfg)));
                return;
            }
            cfg.retain(|&m| m != id);
            if cfg.is_empty() {
                ctx.note("cannot remove the last member");
                return;
            }
        }
        if self.transfer.is_some() {
            ctx.note("leadership transfer in progress: configuration change refused");
            return;
        }
        if self.config_index() > self.commit_index {
            ctx.note_fmt(format_args!(
                "configuration entry {} is not committed yet: one change at a time (thesis §4.1)",
                self.config_index()
            ));
            return;
        }
        if self.term_at(self.commit_index) != Some(self.current_term) {
            ctx.note(
                "no entry of this term is committed yet: configuration change refused (thesis §4.1, 2015 fix)",
            );
            return;
        }
        let index = self.last_log_index() + 1;
        if let Some(id) = add {
            // A new member starts from scratch as far as this leader knows.
            self.progress[id].next_index = index;
            self.progress[id].match_index = 0;
        }
        ctx.note_fmt(format_args!(
            "appends config {} at {index}: in effect now (thesis §4.1)",
            fmt_ids(&cfg)
        ));
        self.push_entry(Entry {
            term: self.current_term,
            cmd: Cmd::Config(cfg),
        });
        self.record(ctx.now());
        self.replicate_new(index, ctx);
        self.advance_commit(ctx);
    }

    fn start_transfer(&mut self, target: NodeId, ctx: &mut C) {
        if target == self.id {
            ctx.note("already the leader: nothing to transfer");
            return;
        }
        if !self.config().contains(&target) {
            ctx.note_fmt(format_args!("{target} is not a member: cannot take over"));
            return;
        }
        if let Some(t) = self.transfer {
            ctx.note_fmt(format_args!("transfer to {} already in progress", t.target));
            return;
        }
        // Thesis §3.10: stop accepting client requests, bring the target up to date, send
        // TimeoutNow; give up after an election timeout.
        let deadline = ctx.now().plus(self.params.election_timeout_max);
        let up_to_date = self.progress[target].match_index == self.last_log_index();
        self.transfer = Some(Transfer {
            target,
            deadline,
            sent: up_to_date,
        });
        if up_to_date {
            ctx.note_fmt(format_args!(
                "transfer to {target}: it is up to date; sends TimeoutNow (§3.10)"
            ));
            let msg = Msg::TimeoutNow {
                term: self.current_term,
            };
            self.send(target, msg, ctx);
        } else {
            ctx.note_fmt(format_args!(
                "transfer to {target}: brings its log up to date first (§3.10)"
            ));
            self.send_append(target, true, ctx);
        }
    }
}

impl Node for RaftNode {
    type Msg = Msg;
    type Shown = super::MsgShown;

    fn shown(msg: &Msg) -> super::MsgShown {
        msg.shown()
    }
    type Timer = Timer;
    type Command = RaftCommand;
    type Refusal = RaftRefusal;

    fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.log.heap_bytes()
            + self.state.keys().map(|k| k.len() + 64).sum::<usize>()
            + (self.bootstrap.len() + self.votes.len()) * size_of::<NodeId>()
            + self.progress.len() * size_of::<Progress>()
            + self.config_indices.len() * 8
    }

    fn msg_heap_bytes(msg: &Msg) -> usize {
        match msg {
            Msg::AppendEntries { entries, .. } => entries.len() * std::mem::size_of::<Entry>(),
            _ => 0,
        }
    }

    /// §5.2: "When servers start up, they begin as followers", with a randomized timer.
    fn on_start(&mut self, ctx: &mut C) {
        if self.current_term > 0 || !self.log.is_empty() {
            // After a restart (notes at time zero are not recorded): what survived.
            let forgot = if self.params.bug_forget_vote {
                " (BUG: voted_for forgotten)"
            } else {
                ""
            };
            ctx.note_fmt(format_args!(
                "restarts as follower with term {}, voted_for {}{forgot}, log 1..{}",
                self.current_term,
                self.voted_for.map_or("none".to_string(), |v| v.to_string()),
                self.last_log_index()
            ));
        }
        self.record(ctx.now());
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut C) {
        if from < self.slots {
            self.step(from, msg, ctx);
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut C) {
        match (timer, self.role) {
            (Timer::Election, Role::Leader) => {}
            // Followers: "If election timeout elapses without receiving AppendEntries RPC from
            // current leader or granting vote to candidate: convert to candidate."
            // Candidates: "If election timeout elapses: start new election."
            (Timer::Election, _) => self.election_timeout_elapsed(ctx),
            (Timer::Heartbeat, Role::Leader) => {
                if let Some(t) = self.transfer {
                    if ctx.now() >= t.deadline {
                        ctx.note_fmt(format_args!(
                            "transfer to {} did not finish in an election timeout: aborted",
                            t.target
                        ));
                        self.transfer = None;
                    }
                }
                // "Repeat during idle periods to prevent election timeouts (§5.2)"; carries any
                // entries a follower still lacks, so lost messages are retried.
                for p in self.targets() {
                    self.send_append(p, true, ctx);
                }
                ctx.set_timer(Timer::Heartbeat, self.params.heartbeat);
            }
            (Timer::CheckQuorum, Role::Leader) => {
                let cfg = self.config().to_vec();
                let heard = cfg
                    .iter()
                    .filter(|&&m| {
                        m == self.id || self.progress.get(m).is_some_and(|p| p.recent_active)
                    })
                    .count();
                if heard < self.quorum() {
                    ctx.note_fmt(format_args!(
                        "check-quorum: heard from {heard} of {} in an election timeout: steps down (thesis §6.2)",
                        cfg.len()
                    ));
                    self.become_follower(self.current_term, None, ctx);
                } else {
                    self.progress
                        .iter_mut()
                        .for_each(|p| p.recent_active = false);
                    ctx.set_timer(Timer::CheckQuorum, self.params.election_timeout_min);
                }
            }
            (Timer::Heartbeat | Timer::CheckQuorum, _) => {}
        }
    }

    /// Keeps `current_term`, `voted_for` and `log` (persistent, Figure 2); drops the rest. The
    /// state machine is rebuilt by re-applying the log once the commit index is learned again.
    fn on_restart(&mut self) {
        self.role = Role::Follower;
        self.commit_index = 0;
        self.last_applied = 0;
        self.state.clear();
        self.leader_id = None;
        self.votes.clear();
        self.last_leader_contact = None;
        self.progress = vec![Progress::new(1); self.slots];
        self.transfer = None;
        self.ghost.proposals.clear();
        if self.params.bug_forget_vote {
            self.voted_for = None;
        }
    }

    fn on_command(&mut self, cmd: &RaftCommand, ctx: &mut C) -> Result<(), RaftRefusal> {
        // Read in place: a key goes straight into the entry's shared string (no copy of the
        // command first).
        match *cmd {
            RaftCommand::Timeout => {
                if self.role == Role::Leader {
                    ctx.note("is the leader: it has no election timeout");
                } else {
                    ctx.note("election timeout forced");
                    self.election_timeout_elapsed(ctx);
                }
            }
            RaftCommand::Put { ref key, value } => {
                if self.role == Role::Leader {
                    self.propose(
                        Cmd::Put {
                            key: key.as_str().into(),
                            value,
                        },
                        ctx,
                    );
                } else {
                    self.not_leader(&format!("put {key}={value}"), ctx);
                }
            }
            RaftCommand::Incr { ref key } => {
                if self.role == Role::Leader {
                    self.propose(
                        Cmd::Incr {
                            key: key.as_str().into(),
                        },
                        ctx,
                    );
                } else {
                    self.not_leader(&format!("incr {key}"), ctx);
                }
            }
            RaftCommand::Transfer(id) => {
                self.check_server(id)?;
                if self.role == Role::Leader {
                    self.start_transfer(id, ctx);
                } else {
                    self.not_leader(&format!("transfer to {id}"), ctx);
                }
            }
            RaftCommand::Add(id) => {
                self.check_server(id)?;
                if self.role == Role::Leader {
                    self.change_config(Some(id), None, ctx);
                } else {
                    self.not_leader(&format!("add {id}"), ctx);
                }
            }
            RaftCommand::Remove(id) => {
                self.check_server(id)?;
                if self.role == Role::Leader {
                    self.change_config(None, Some(id), ctx);
                } else {
                    self.not_leader(&format!("remove {id}"), ctx);
                }
            }
        }
        Ok(())
    }
}

/// The replicated state machine: key → value, sorted by key (a sorted `Vec` rather than a
/// `BTreeMap<String, i64>`: a handful of keys, and one B-tree instantiation fewer in every page
/// that runs Raft).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvState(Vec<(String, i64)>);

/// The `quorum`-th largest of `vals` (0 if there are fewer): the largest value that at least
/// `quorum` values reach (one larger is reached by fewer). Counted for each value without
/// branches — at most 11 × 11 comparisons, where sorting the values mispredicted on every
/// `AppendEntries` response.
fn quorum_value(vals: &[u64], quorum: usize) -> u64 {
    vals.iter()
        .map(|&v| {
            let reach: usize = vals.iter().map(|&w| usize::from(w >= v)).sum();
            if reach >= quorum {
                v
            } else {
                0
            }
        })
        .max()
        .unwrap_or(0)
}

/// Byte-wise order of two strings, as `str::cmp`: keys are a few bytes long, where a loop the
/// compiler inlines beats a call to `memcmp` (each applied entry looks its key up).
fn cmp_short(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

impl KvState {
    /// Where `key` is (`Ok`) or would go (`Err`).
    fn at(&self, key: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(k, _)| cmp_short(k.as_bytes(), key.as_bytes()))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&i64> {
        self.at(key).ok().map(|k| &self.0[k].1)
    }

    /// `(key, value)` in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &i64)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Keys set.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No key set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Forgets every key.
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl IntoIterator for KvState {
    type Item = (String, i64);
    type IntoIter = std::vec::IntoIter<(String, i64)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The notes of Raft's hottest paths (a follower appending, a leader committing, a client
/// request appended) as records, worded only when the trace is shown: the same words as the
/// `format!` each replaces.
mod notes {
    use super::Cmd;
    use crate::sim::NoteRec;
    use std::fmt;

    /// `appends F` or `appends F..LAST`.
    pub(super) fn appends(first: u64, last: u64) -> NoteRec {
        fn say(r: &NoteRec, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let [first, last, _] = r.n;
            if first == last {
                write!(f, "appends {first}")
            } else {
                write!(f, "appends {first}..{last}")
            }
        }
        NoteRec {
            n: [first, last, 0],
            s: None,
            say,
        }
    }

    /// `commits N (on R of C)` or `commits FROM..N (on R of C)` (`FROM` is the old commit + 1).
    pub(super) fn commits(from: u64, n: u64, replicas: usize, members: usize) -> NoteRec {
        fn say(r: &NoteRec, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let [from, n, rc] = r.n;
            let (replicas, members) = (rc >> 32, rc & 0xffff_ffff);
            if from == n {
                write!(f, "commits {n} (on {replicas} of {members})")
            } else {
                write!(f, "commits {from}..{n} (on {replicas} of {members})")
            }
        }
        NoteRec {
            n: [from, n, ((replicas as u64) << 32) | members as u64],
            s: None,
            say,
        }
    }

    /// `appends put KEY=VALUE at I` or `appends incr KEY at I`; `None` for other commands
    /// (rare: worded at once).
    pub(super) fn appends_cmd(cmd: &Cmd, index: u64) -> Option<NoteRec> {
        fn put(r: &NoteRec, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let key = r.s.as_deref().unwrap_or_default();
            write!(f, "appends put {key}={} at {}", r.n[0] as i64, r.n[1])
        }
        fn incr(r: &NoteRec, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let key = r.s.as_deref().unwrap_or_default();
            write!(f, "appends incr {key} at {}", r.n[1])
        }
        match cmd {
            Cmd::Put { key, value } => Some(NoteRec {
                n: [*value as u64, index, 0],
                s: Some(key.clone()),
                say: put,
            }),
            Cmd::Incr { key } => Some(NoteRec {
                n: [0, index, 0],
                s: Some(key.clone()),
                say: incr,
            }),
            Cmd::Noop | Cmd::Config(_) => None,
        }
    }
}

/// A set of server ids (below 16), iterated in increasing order.
struct Targets(u16);

impl Iterator for Targets {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as NodeId;
        self.0 &= self.0 - 1;
        Some(i)
    }
}

#[cfg(test)]
mod note_tests {
    use super::{notes, Cmd};

    /// Each record reads exactly as the `format!` it replaces.
    #[test]
    fn note_records_read_as_the_text_they_replace() {
        for (f, last) in [(1, 1), (3, 9), (u64::MAX, u64::MAX)] {
            let want = if f == last {
                format!("appends {f}")
            } else {
                format!("appends {f}..{last}")
            };
            assert_eq!(notes::appends(f, last).to_string(), want);
        }
        for (old, n, r, c) in [(0, 1, 3, 5), (4, 9, 2, 3), (9, 10, 11, 11)] {
            let want = if n == old + 1 {
                format!("commits {n} (on {r} of {c})")
            } else {
                format!("commits {}..{n} (on {r} of {c})", old + 1)
            };
            assert_eq!(notes::commits(old + 1, n, r, c).to_string(), want);
        }
        for value in [0, 7, -3, i64::MIN, i64::MAX] {
            let cmd = Cmd::Put {
                key: "k7".into(),
                value,
            };
            let rec = notes::appends_cmd(&cmd, 42).expect("a record");
            assert_eq!(rec.to_string(), format!("appends {cmd} at 42"));
        }
        let cmd = Cmd::Incr { key: "x".into() };
        let rec = notes::appends_cmd(&cmd, 1).expect("a record");
        assert_eq!(rec.to_string(), format!("appends {cmd} at 1"));
        assert!(notes::appends_cmd(&Cmd::Noop, 1).is_none());
        assert!(notes::appends_cmd(&Cmd::Config(vec![0, 1]), 1).is_none());
    }
}

#[cfg(test)]
mod order_tests {
    use proptest::prelude::*;

    proptest! {
        /// The commit rule's "majority of matchIndex[i] ≥ N": the quorum-th largest, as sorting
        /// says, duplicates and quorums past the count included.
        #[test]
        fn quorum_value_is_the_quorum_th_largest(vals in proptest::collection::vec(0u64..6, 0..12), quorum in 1usize..13) {
            let mut sorted = vals.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let want = sorted.get(quorum - 1).copied().unwrap_or(0);
            prop_assert_eq!(super::quorum_value(&vals, quorum), want);
        }

        /// The state machine's key order is `str`'s, prefixes and non-ASCII bytes included.
        #[test]
        fn short_key_compare_is_str_order(a in "[ab\u{e9}\u{0}]{0,10}", b in "[ab\u{e9}\u{0}]{0,10}") {
            prop_assert_eq!(super::cmp_short(a.as_bytes(), b.as_bytes()), a.as_str().cmp(b.as_str()));
        }
    }
}
