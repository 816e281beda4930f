//! Ghost state: history variables each server keeps purely so that safety invariants can be
//! checked and the run can be measured. The protocol never reads any of it (the names follow
//! the TLA+ spec's "history variables"); deleting it would not change a single decision.

use super::{Cmd, Entry, Msg, Role};
use crate::time::SimTime;
use serde::Serialize;

/// One step of the chain hash: absorbs the 64-bit word `w` into `h`. The multiply by an odd
/// constant and the xor-shift are both bijections, so for a given `h` two different words never
/// give the same result (and for a given word, two different `h`).
fn mix(h: u64, w: u64) -> u64 {
    let x = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

/// Absorbs a byte string: its length, then its bytes eight at a time (little-endian, the last
/// word zero-padded; the length tells the padding from zero bytes).
fn mix_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    h = mix(h, bytes.len() as u64);
    let words = bytes.chunks_exact(8);
    let rest = words.remainder();
    for c in words {
        h = mix(h, u64::from_le_bytes(c.try_into().unwrap_or_default()));
    }
    if rest.is_empty() {
        return h;
    }
    // Shifted in rather than copied into a buffer: no call, no store-to-load stall.
    let w = rest
        .iter()
        .rev()
        .fold(0u64, |w, &b| (w << 8) | u64::from(b));
    mix(h, w)
}

// A tag per kind of command, so no two kinds share an encoding.
const TAG_NOOP: u64 = 1;
const TAG_PUT: u64 = 2;
const TAG_INCR: u64 = 3;
const TAG_CONFIG: u64 = 4;

/// The chain hash of a log prefix ending in `e`, given the chain hash of the prefix before it
/// (0 for the empty log): the entry's fixed encoding (term, a tag for the command's kind, its
/// fields) absorbed a 64-bit word at a time on top of `prev`, then finished with MurmurHash3's
/// 64-bit finalizer so every input bit reaches every output bit. Stable on every platform, and a
/// few multiplies per entry (the byte-at-a-time FNV-1a it replaced cost one per byte). Two logs
/// with the same chain hash at an index hold identical entries up to it (up to 64-bit
/// collisions).
pub fn chain_hash(prev: u64, e: &Entry) -> u64 {
    let h = mix(mix(0x243f_6a88_85a3_08d3, prev), e.term);
    let h = match &e.cmd {
        Cmd::Noop => mix(h, TAG_NOOP),
        Cmd::Put { key, value } => mix(mix_bytes(mix(h, TAG_PUT), key.as_bytes()), *value as u64),
        Cmd::Incr { key } => mix_bytes(mix(h, TAG_INCR), key.as_bytes()),
        Cmd::Config(members) => {
            let mut h = mix(mix(h, TAG_CONFIG), members.len() as u64);
            for m in members {
                h = mix(h, *m as u64);
            }
            h
        }
    };
    fmix64(h)
}

/// MurmurHash3's 64-bit finalizer (Appleby): a bijection with full avalanche.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Messages sent, by type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MsgCounts {
    /// `RequestVote` (real elections).
    pub request_vote: u64,
    /// Responses to real `RequestVote`.
    pub request_vote_response: u64,
    /// Pre-vote requests (thesis §9.6).
    pub pre_vote: u64,
    /// Responses to pre-vote requests.
    pub pre_vote_response: u64,
    /// `AppendEntries` carrying entries.
    pub append_entries: u64,
    /// Empty `AppendEntries` (heartbeats).
    pub heartbeat: u64,
    /// Responses to `AppendEntries`.
    pub append_entries_response: u64,
    /// `TimeoutNow` (leadership transfer).
    pub timeout_now: u64,
}

impl MsgCounts {
    /// Counts one message.
    pub fn count(&mut self, m: &Msg) {
        match m {
            Msg::RequestVote { pre_vote: true, .. } => self.pre_vote += 1,
            Msg::RequestVote { .. } => self.request_vote += 1,
            Msg::RequestVoteResponse { pre_vote: true, .. } => self.pre_vote_response += 1,
            Msg::RequestVoteResponse { .. } => self.request_vote_response += 1,
            Msg::AppendEntries { entries, .. } if entries.is_empty() => self.heartbeat += 1,
            Msg::AppendEntries { .. } => self.append_entries += 1,
            Msg::AppendEntriesResponse { .. } => self.append_entries_response += 1,
            Msg::TimeoutNow { .. } => self.timeout_now += 1,
        }
    }
    /// Adds another server's counts.
    pub fn add(&mut self, o: &MsgCounts) {
        self.request_vote += o.request_vote;
        self.request_vote_response += o.request_vote_response;
        self.pre_vote += o.pre_vote;
        self.pre_vote_response += o.pre_vote_response;
        self.append_entries += o.append_entries;
        self.heartbeat += o.heartbeat;
        self.append_entries_response += o.append_entries_response;
        self.timeout_now += o.timeout_now;
    }
    /// All messages.
    pub fn total(&self) -> u64 {
        self.request_vote
            + self.request_vote_response
            + self.pre_vote
            + self.pre_vote_response
            + self.append_entries
            + self.heartbeat
            + self.append_entries_response
            + self.timeout_now
    }
}

/// Entries removed from a server's log (for Leader Append-Only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// When.
    pub time: SimTime,
    /// The server's term then.
    pub term: u64,
    /// The server's role then.
    pub role: Role,
    /// First index removed.
    pub from_index: u64,
    /// How many entries were removed.
    pub removed: u64,
}

/// What a leader had committed in one of its terms (for Leader Completeness).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitRecord {
    /// The leader's term when it committed.
    pub commit_term: u64,
    /// Highest index it committed in that term.
    pub index: u64,
    /// The term of that entry.
    pub entry_term: u64,
    /// The chain hash of its log up to `index` (so the whole committed prefix is compared).
    pub chain: u64,
}

/// A change of role, term at a role change, or configuration (for leaderless time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// When.
    pub time: SimTime,
    /// The new role.
    pub role: Role,
    /// The term then.
    pub term: u64,
    /// The server's latest configuration, as a bit set of server ids.
    pub members: u16,
}

/// A client request waiting to be committed at the leader that appended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Its log index.
    pub index: u64,
    /// Its term.
    pub term: u64,
    /// When the leader appended it.
    pub at: SimTime,
}

/// One server's history variables. Never read by the protocol; kept across restarts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ghost {
    /// Terms in which this server became leader (Election Safety).
    pub led_terms: Vec<u64>,
    /// Terms in which it started a real election (elections started, split votes).
    pub campaigns: Vec<u64>,
    /// Pre-vote rounds it started.
    pub pre_votes: u64,
    /// Every removal of log entries, with the role at the time (Leader Append-Only).
    pub truncations: Vec<Truncation>,
    /// Chain hash of its log up to each index (`chain[i - 1]` for index i), maintained with the
    /// log (Log Matching). This and the other per-entry lists are in chunks the snapshots share
    /// (a few hundred thousand entries each in a long run: plain `Vec`s were copied whole by
    /// every snapshot).
    pub chain: Ghostly,
    /// Indexes whose entry has a lower term than the one before, maintained with the log. None
    /// in any log this Raft builds, even with the lab's bugs (a leader appends its own term on
    /// top of entries of earlier terms; a follower keeps its log up to an entry of the leader's
    /// and takes the leader's entries after it); while two logs have none, Log Matching's check
    /// skips back a term's run at a time.
    pub term_drops: Vec<u64>,
    /// What it committed as leader, one record per term (Leader Completeness).
    pub commits: Vec<CommitRecord>,
    /// Chain hash of the entry it applied at each index, the first time (State Machine Safety).
    pub applied_chain: Ghostly,
    /// Set when it applies something at an index that differs from what it applied there
    /// before, or on top of a prefix its log no longer holds (State Machine Safety).
    pub apply_error: Option<String>,
    /// Role and configuration changes with their times (leaderless time).
    pub timeline: Vec<StateChange>,
    /// Messages it sent, by type.
    pub sent: MsgCounts,
    /// Client requests it appended as leader and has not seen committed yet.
    pub proposals: Vec<Proposal>,
    /// Client requests it appended as leader, in total.
    pub proposed: u64,
    /// Propose → commit latencies (µs) of the client requests it committed as leader.
    pub commit_latency_us: Ghostly,
}

/// A per-entry list of the ghost state (one instantiation with the system lab's latencies).
pub type Ghostly = crate::shared_vec::SharedVec<u64, 4096>;

impl Ghost {
    /// The chain hash at `index` (0 for index 0 or beyond the log).
    pub fn chain_at(&self, index: u64) -> u64 {
        if index == 0 {
            return 0;
        }
        self.chain.get(index as usize - 1).copied().unwrap_or(0)
    }

    /// Records that the entry at `index` (with chain hash `chain`, on top of a prefix whose chain
    /// hash is `prev`) was applied.
    pub(super) fn on_apply(&mut self, index: u64, prev: u64, chain: u64) {
        let i = index as usize;
        if i <= self.applied_chain.len() {
            if self.applied_chain.get(i - 1) != Some(&chain) && self.apply_error.is_none() {
                self.apply_error = Some(format!(
                    "re-applied a different entry at index {index} than it applied before"
                ));
            }
            return;
        }
        if i >= 2 && self.applied_chain.get(i - 2) != Some(&prev) && self.apply_error.is_none() {
            self.apply_error = Some(format!(
                "applied index {index} on a log that no longer holds the entry it applied at {}",
                index - 1
            ));
        }
        self.applied_chain.push(chain);
    }
}
