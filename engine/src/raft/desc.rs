//! The Raft lab in the registry: its settings, link keys, builder and measurements.

use super::{measure, RaftMetrics, RaftNode, RaftParams, MAX_SERVERS, MAX_TIMEOUT_MS};
use crate::history::History;
use crate::lab::{Lab, LabInfo};
use crate::scenario::keys::{parse_ms_in, Conflict, Key, KeyError, KeyKind};
use crate::scenario::Scenario;
use crate::time::fmt_ms;
use crate::{clip, flag_key, int_key, ms_key};
use serde::{Deserialize, Serialize};

/// Raft-lab settings: the protocol's parameters and the spare servers available to `add:ID`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftSetup {
    /// Protocol parameters.
    pub params: RaftParams,
    /// Server slots beyond the initial members (they can join with `add:ID`) [0].
    pub spare: usize,
}

/// One "buggy Raft" toggle: its link name, how to read it, how to switch it on.
pub type RaftBug = (&'static str, fn(&RaftParams) -> bool, fn(&mut RaftParams));

/// Why the election-timeout range `et` was refused (its bounds are link times, [`KeyError`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeoutsError {
    /// `et=300`
    #[error("'{0}' should be MIN-MAX in ms, e.g. 150-300")]
    Form(String),
    /// `et=300-150`
    #[error("{0} is reversed")]
    Reversed(String),
}

/// Why the `bugs` key's value was refused: a name not among [`RAFT_BUGS`] (clipped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown bug '{0}' (known: uptodate, oldterm, forgetvote)")]
pub struct UnknownBug(pub String);

/// The "buggy Raft" toggles by link name (`bugs=uptodate,oldterm`).
pub const RAFT_BUGS: [RaftBug; 3] = [
    (
        "uptodate",
        |p| p.bug_vote_without_uptodate,
        |p| p.bug_vote_without_uptodate = true,
    ),
    (
        "oldterm",
        |p| p.bug_commit_old_term,
        |p| p.bug_commit_old_term = true,
    ),
    (
        "forgetvote",
        |p| p.bug_forget_vote,
        |p| p.bug_forget_vote = true,
    ),
];

const MAX_TIMEOUT_US: u64 = MAX_TIMEOUT_MS * 1000;

/// The Raft lab.
pub struct RaftLab;

static KEYS: [Key<RaftSetup>; 7] = [
    Key {
        name: "et",
        help: "election timeout range, ms",
        kind: KeyKind::Text("MIN-MAX ms"),
        get: |r| {
            format!(
                "{}-{}",
                fmt_ms(r.params.election_timeout_min.0),
                fmt_ms(r.params.election_timeout_max.0)
            )
        },
        set: |r, v| {
            let (a, b) = v
                .split_once('-')
                .ok_or_else(|| KeyError::lab(TimeoutsError::Form(clip(v))))?;
            let lo = parse_ms_in(a, 1000, MAX_TIMEOUT_US)?;
            let hi = parse_ms_in(b, 1000, MAX_TIMEOUT_US)?;
            if hi < lo {
                return Err(KeyError::lab(TimeoutsError::Reversed(clip(v))));
            }
            r.params.election_timeout_min = lo;
            r.params.election_timeout_max = hi;
            Ok(())
        },
    },
    ms_key!(
        "hb",
        "heartbeat interval",
        params.heartbeat,
        1000,
        MAX_TIMEOUT_US
    ),
    flag_key!("prevote", "PreVote (§9.6)", params.pre_vote),
    flag_key!("cq", "CheckQuorum", params.check_quorum),
    flag_key!("fast", "conflict-term log backup", params.fast_backup),
    Key {
        name: "bugs",
        help: "buggy Raft toggles",
        kind: KeyKind::Text("uptodate,oldterm,forgetvote"),
        get: |r| {
            RAFT_BUGS
                .iter()
                .filter(|(_, get, _)| get(&r.params))
                .map(|(name, _, _)| *name)
                .collect::<Vec<_>>()
                .join(",")
        },
        set: |r, v| {
            let mut p = r.params;
            p.bug_vote_without_uptodate = false;
            p.bug_commit_old_term = false;
            p.bug_forget_vote = false;
            for name in v.split(',').filter(|x| !x.is_empty()) {
                match RAFT_BUGS.iter().find(|(n, _, _)| *n == name) {
                    Some((_, _, set)) => set(&mut p),
                    None => return Err(KeyError::lab(UnknownBug(clip(name)))),
                }
            }
            r.params = p;
            Ok(())
        },
    },
    int_key!("spare", "spare servers that can be added", spare: usize, 0, MAX_SERVERS),
];

impl Lab for RaftLab {
    const INFO: LabInfo = LabInfo {
        name: "raft",
        title: "Raft: leader election & log replication",
        summary: "Raft exactly as in the paper's Figure 2: randomized election timeouts, votes with the \
                  up-to-date check, log replication and repair, the commit rule of §5.4.2. Crash the \
                  leader, split the cluster, send client requests, and watch the five safety \
                  invariants hold — or trip them with a buggy Raft.",
        nodes: (1, MAX_SERVERS),
        default_nodes: 5,
    };
    type Setup = RaftSetup;
    type Run = History<RaftNode>;
    type Metrics = RaftMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<RaftSetup>] {
        &KEYS
    }
    fn conflicts(r: &RaftSetup, nodes: usize) -> Vec<Conflict> {
        let mut out = Vec::new();
        if nodes + r.spare > MAX_SERVERS {
            out.push(Conflict {
                keys: &["spare"],
                message: format!(
                    "{nodes} servers + {} spare is more than {MAX_SERVERS} servers in all",
                    r.spare
                ),
            });
        }
        out
    }
    fn processes(r: &RaftSetup, nodes: usize) -> usize {
        (nodes + r.spare).min(MAX_SERVERS)
    }
    fn parse_command(
        _: &RaftSetup,
        text: &str,
    ) -> Result<crate::command::Cmd, crate::command::CommandError> {
        crate::fault::commands_of::<super::RaftCommand>(text)
    }
    fn build(s: &Scenario) -> Self::Run {
        History::new(s.build_raft())
    }
    fn event_lines(run: &Self::Run) -> Vec<(u64, String)> {
        crate::lab::trace_lines(run)
    }
    fn measure(run: &Self::Run) -> RaftMetrics {
        measure(run.sim())
    }
}
