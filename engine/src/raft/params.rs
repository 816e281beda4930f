//! Parameters of the Raft lab, with their defaults, sources and limits.

use crate::time::Duration;
use serde::{Deserialize, Serialize};

/// The most server slots a Raft simulation may hold (members plus spare servers for `add:ID`).
pub const MAX_SERVERS: usize = 11;

/// The longest election timeout or heartbeat interval a scenario may ask for (10 s).
pub const MAX_TIMEOUT_MS: u64 = 10_000;

/// Why Raft settings fail their limits ([`RaftParams::validate`]); [`RaftParamsError::keys`]
/// names the link keys involved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RaftParamsError {
    /// The election timeout range leaves 1–10 000 ms (`et`).
    #[error("election timeout {}–{} ms is outside 1–{MAX_TIMEOUT_MS} ms", ms(.min_et), ms(.max_et))]
    ElectionTimeoutOutside {
        /// Its lower end.
        min_et: Duration,
        /// Its upper end.
        max_et: Duration,
    },
    /// The election timeout range is upside down (`et`).
    #[error("election timeout {}–{} ms is reversed", ms(.min_et), ms(.max_et))]
    ElectionTimeoutReversed {
        /// Its lower end.
        min_et: Duration,
        /// Its upper end.
        max_et: Duration,
    },
    /// The heartbeat interval leaves 1–10 000 ms (`hb`).
    #[error("heartbeat {} ms is outside 1–{MAX_TIMEOUT_MS} ms", ms(.0))]
    HeartbeatOutside(Duration),
}

impl RaftParamsError {
    /// The link keys of the settings involved.
    pub fn keys(&self) -> &[&'static str] {
        match self {
            RaftParamsError::ElectionTimeoutOutside { .. }
            | RaftParamsError::ElectionTimeoutReversed { .. } => &["et"],
            RaftParamsError::HeartbeatOutside(_) => &["hb"],
        }
    }
}

fn ms(d: &Duration) -> String {
    crate::time::fmt_ms(d.as_us())
}

/// Raft-lab parameters. Defaults in brackets.
///
/// Timing sources: the Raft paper's §9.3 uses election timeouts of 150–300 ms ("a conservative
/// election timeout such as 150–300 ms"), as does The Secret Lives of Data (TSLOD); RaftScope and
/// Runway use 100–200 ms. The heartbeat is 50 ms, as in RaftScope, a third of the smallest
/// timeout so a single lost heartbeat does not start an election.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftParams {
    /// Smallest randomized election timeout [150 ms] (Raft §5.2, §9.3).
    pub election_timeout_min: Duration,
    /// Largest randomized election timeout [300 ms] (Raft §9.3; RaftScope uses 100–200 ms).
    pub election_timeout_max: Duration,
    /// Interval of a leader's heartbeats (empty `AppendEntries`) [50 ms].
    pub heartbeat: Duration,
    /// Pre-vote (thesis §9.6): a server first asks whether it could win before bumping its term,
    /// and voters refuse while they hear from a leader [default off].
    pub pre_vote: bool,
    /// Check-quorum (thesis §6.2): a leader steps down when it has not heard from a majority
    /// within an election timeout; with it, servers ignore `RequestVote` within the minimum
    /// election timeout of hearing from a leader (thesis §4.2.3) [default off].
    pub check_quorum: bool,
    /// The conflict-term optimisation of §5.3 ("the follower can include the term of the
    /// conflicting entry and the first index it stores for that term"): `next_index` skips a whole
    /// term per rejection instead of one entry [off: Figure 2's decrement by one].
    pub fast_backup: bool,
    /// Buggy Raft: grant votes without the §5.4.1 up-to-date check [default off].
    pub bug_vote_without_uptodate: bool,
    /// Buggy Raft: commit entries of older terms by counting replicas, violating §5.4.2 (the
    /// Figure 8 scenario) [default off].
    pub bug_commit_old_term: bool,
    /// Buggy Raft: forget `voted_for` on restart (persistent state in Figure 2) [default off].
    pub bug_forget_vote: bool,
}

impl Default for RaftParams {
    fn default() -> Self {
        RaftParams {
            election_timeout_min: Duration::from_ms(150),
            election_timeout_max: Duration::from_ms(300),
            heartbeat: Duration::from_ms(50),
            pre_vote: false,
            check_quorum: false,
            fast_backup: false,
            bug_vote_without_uptodate: false,
            bug_commit_old_term: false,
            bug_forget_vote: false,
        }
    }
}

impl RaftParams {
    /// Checks the limits: 1 ms ≤ min ≤ max ≤ 10 s for the election timeout, 1 ms ≤ heartbeat
    /// ≤ 10 s. (A heartbeat at or above the election timeout is allowed: it shows why it is bad.)
    pub fn validate(&self) -> Result<(), RaftParamsError> {
        let max = Duration::from_ms(MAX_TIMEOUT_MS);
        let (min_et, max_et) = (self.election_timeout_min, self.election_timeout_max);
        if min_et < Duration::from_ms(1) || max_et > max {
            return Err(RaftParamsError::ElectionTimeoutOutside { min_et, max_et });
        }
        if max_et < min_et {
            return Err(RaftParamsError::ElectionTimeoutReversed { min_et, max_et });
        }
        if self.heartbeat < Duration::from_ms(1) || self.heartbeat > max {
            return Err(RaftParamsError::HeartbeatOutside(self.heartbeat));
        }
        Ok(())
    }

    /// True if any "buggy Raft" toggle is on.
    pub fn any_bug(&self) -> bool {
        self.bug_vote_without_uptodate || self.bug_commit_old_term || self.bug_forget_vote
    }
}
