//! The safety properties of the Raft paper's Figure 3, checked after every event over the
//! servers' [`Ghost`](super::Ghost) history variables. Each check is cheap (chain hashes stand
//! for whole log prefixes), so the page can afford them on every step.
//!
//! Each invariant also has an incremental form (`*_suspect`, used by [`super::new_sim`]): after
//! an event that changed one server, only the pairs involving that server can have become
//! violated, so only those are looked at; when one looks wrong the full check runs and words the
//! violation exactly as before. A server's [`fingerprint`] (term, role, log, ghost lengths) lets
//! the simulator skip every check after events that changed nothing the invariants read.

use super::{RaftNode, Role};
use crate::sim::{Fingerprint, Invariant, Sim, Suspect};
use crate::NodeId;

/// What the invariants read of a server, compared exactly between events (apart from the log,
/// which its length and chain hash stand for, as they do in the checks themselves).
pub fn fingerprint(n: &RaftNode) -> Fingerprint {
    let last_commit = n.ghost.commits.last();
    [
        n.current_term,
        n.role as u64,
        n.log.len() as u64,
        n.ghost.chain.last().copied().unwrap_or(0),
        n.ghost.led_terms.len() as u64,
        n.ghost.truncations.len() as u64,
        n.ghost.commits.len() as u64,
        last_commit.map_or(0, |r| r.index),
        last_commit.map_or(0, |r| r.chain),
        ((n.ghost.applied_chain.len() as u64) << 1) | n.ghost.apply_error.is_some() as u64,
    ]
}

// Positions in the fingerprint.
const FP_LOG_LEN: usize = 2;
const FP_CHAIN: usize = 3;
const FP_LED: usize = 4;
const FP_TRUNCATIONS: usize = 5;
const FP_COMMITS: usize = 6;
const FP_APPLIED: usize = 9;

/// The five invariants of Figure 3 with their incremental forms, in the paper's order.
pub fn incremental_invariants() -> Vec<(Invariant<RaftNode>, Suspect<RaftNode>)> {
    invariants()
        .into_iter()
        .zip([
            election_safety_suspect as Suspect<RaftNode>,
            leader_append_only_suspect,
            log_matching_suspect,
            leader_completeness_suspect,
            state_machine_safety_suspect,
        ])
        .collect()
}

/// Incremental Election Safety: a term that `x` newly led was also led by another server.
fn election_safety_suspect(
    sim: &Sim<RaftNode>,
    x: NodeId,
    before: &Fingerprint,
    _now: &Fingerprint,
) -> bool {
    let nodes = sim.nodes();
    let led = &nodes[x].ghost.led_terms;
    let new = &led[(before[FP_LED] as usize).min(led.len())..];
    !new.is_empty()
        && nodes
            .iter()
            .enumerate()
            .any(|(j, b)| j != x && new.iter().any(|t| b.ghost.led_terms.contains(t)))
}

/// Incremental Leader Append-Only: a truncation `x` newly made as leader.
fn leader_append_only_suspect(
    sim: &Sim<RaftNode>,
    x: NodeId,
    before: &Fingerprint,
    _now: &Fingerprint,
) -> bool {
    let t = &sim.nodes()[x].ghost.truncations;
    t[(before[FP_TRUNCATIONS] as usize).min(t.len())..]
        .iter()
        .any(|t| t.role == Role::Leader)
}

/// The highest index where both logs hold an entry of the same term, if their chain hashes
/// differ there (the pair violates Log Matching).
#[inline(always)]
fn logs_conflict(a: &RaftNode, b: &RaftNode) -> Option<u64> {
    let k = a.last_log_index().min(b.last_log_index());
    // Equal chain hashes at the shorter log's end: the same entries up to it (the usual case),
    // so that is the index found below, and they match there.
    if a.ghost.chain_at(k) == b.ghost.chain_at(k) {
        return None;
    }
    let k = same_term_below(a, b, k);
    (k > 0 && a.ghost.chain_at(k) != b.ghost.chain_at(k)).then_some(k)
}

/// The highest index up to `k` where both logs hold an entry of the same term (0 if none).
/// While neither log has a term lower than the one before it (`term_drops`: Raft's never do),
/// it walks back a term's run at a time: where one log's term is the higher, the other's is
/// lower all the way back to where that term starts in the first. (The step-by-step walk over a
/// cut-off leader's long stale suffix was most of a long partitioned run's time.)
fn same_term_below(a: &RaftNode, b: &RaftNode, mut k: u64) -> u64 {
    let runs = a.ghost.term_drops.is_empty() && b.ghost.term_drops.is_empty();
    while k > 0 {
        let (ta, tb) = (a.term_at(k), b.term_at(k));
        if ta == tb {
            break;
        }
        if !runs {
            k -= 1;
            continue;
        }
        let (x, t) = if ta > tb { (a, ta) } else { (b, tb) };
        // The first index of `x`'s run of term `t` (at most `k`).
        let (mut lo, mut hi) = (1, k);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if x.term_at(mid) < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        k = lo - 1;
    }
    k
}

/// Incremental Log Matching: `x`'s log changed and conflicts with another server's. When `x`
/// only appended (its log still holds the prefix it had, by its chain hash there), a server whose
/// log ends within that prefix is skipped: the pair compares only entries neither changed, and it
/// matched before.
fn log_matching_suspect(
    sim: &Sim<RaftNode>,
    x: NodeId,
    before: &Fingerprint,
    now: &Fingerprint,
) -> bool {
    let nodes = sim.nodes();
    let a = &nodes[x];
    if now[FP_LOG_LEN..=FP_CHAIN] == before[FP_LOG_LEN..=FP_CHAIN] {
        return false;
    }
    let old_len = before[FP_LOG_LEN];
    let appended = old_len <= now[FP_LOG_LEN] && a.ghost.chain_at(old_len) == before[FP_CHAIN];
    nodes.iter().enumerate().any(|(j, b)| {
        j != x && !(appended && b.last_log_index() <= old_len) && logs_conflict(a, b).is_some()
    })
}

/// Incremental Leader Completeness: `x`, if a running leader, lacks a committed entry; or a
/// commit record `x` added or updated is missing from a running leader of a later term.
fn leader_completeness_suspect(
    sim: &Sim<RaftNode>,
    x: NodeId,
    before: &Fingerprint,
    _now: &Fingerprint,
) -> bool {
    let nodes = sim.nodes();
    let a = &nodes[x];
    let lacks = |l: &RaftNode, r: &super::CommitRecord| {
        r.commit_term < l.current_term && l.ghost.chain_at(r.index) != r.chain
    };
    if a.role == Role::Leader && sim.is_up(x) {
        let bad = nodes
            .iter()
            .any(|n| n.ghost.commits.iter().any(|r| lacks(a, r)));
        if bad {
            return true;
        }
    }
    let commits = &a.ghost.commits;
    let from = (before[FP_COMMITS] as usize)
        .saturating_sub(1)
        .min(commits.len());
    commits[from..].iter().any(|r| {
        nodes
            .iter()
            .filter(|l| l.role == Role::Leader && sim.is_up(l.id))
            .any(|l| lacks(l, r))
    })
}

/// Incremental State Machine Safety: `x` recorded an apply error, or applied entries that
/// differ from another server's.
fn state_machine_safety_suspect(
    sim: &Sim<RaftNode>,
    x: NodeId,
    before: &Fingerprint,
    now: &Fingerprint,
) -> bool {
    let nodes = sim.nodes();
    let a = &nodes[x];
    if a.ghost.apply_error.is_some() {
        return true;
    }
    if now[FP_APPLIED] == before[FP_APPLIED] {
        return false;
    }
    nodes
        .iter()
        .enumerate()
        .any(|(j, b)| j != x && applied_conflict(a, b))
}

/// Whether two servers applied different entries at the last index both applied.
#[inline(always)]
fn applied_conflict(a: &RaftNode, b: &RaftNode) -> bool {
    let (a, b) = (&a.ghost.applied_chain, &b.ghost.applied_chain);
    let m = a.len().min(b.len());
    m > 0 && a.get(m - 1) != b.get(m - 1)
}

/// Name of Election Safety.
pub const ELECTION_SAFETY: &str = "Election Safety";
/// Name of Leader Append-Only.
pub const LEADER_APPEND_ONLY: &str = "Leader Append-Only";
/// Name of Log Matching.
pub const LOG_MATCHING: &str = "Log Matching";
/// Name of Leader Completeness.
pub const LEADER_COMPLETENESS: &str = "Leader Completeness";
/// Name of State Machine Safety.
pub const STATE_MACHINE_SAFETY: &str = "State Machine Safety";

/// The five invariants of Figure 3, in the paper's order.
pub fn invariants() -> Vec<Invariant<RaftNode>> {
    vec![
        (ELECTION_SAFETY, election_safety),
        (LEADER_APPEND_ONLY, leader_append_only),
        (LOG_MATCHING, log_matching),
        (LEADER_COMPLETENESS, leader_completeness),
        (STATE_MACHINE_SAFETY, state_machine_safety),
    ]
}

/// Election Safety: at most one leader can be elected in a given term (§5.2). Over the whole
/// history: the terms each server ever led.
pub fn election_safety(sim: &Sim<RaftNode>) -> Option<String> {
    election_safety_in(sim.nodes().iter())
}

/// [`election_safety`] over any group of servers (a shard of the whole-system lab).
pub fn election_safety_in<'a>(nodes: impl Iterator<Item = &'a RaftNode>) -> Option<String> {
    let mut led: Vec<(u64, NodeId)> = nodes
        .flat_map(|n| n.ghost.led_terms.iter().map(move |&t| (t, n.id)))
        .collect();
    crate::sort::sort_unstable(&mut led);
    led.windows(2)
        .find(|w| w[0].0 == w[1].0 && w[0].1 != w[1].1)
        .map(|w| {
            format!(
                "servers {} and {} were both elected leader in term {}",
                w[0].1, w[1].1, w[0].0
            )
        })
}

/// Leader Append-Only: a leader never overwrites or deletes entries in its log; it only
/// appends new entries (§5.3).
pub fn leader_append_only(sim: &Sim<RaftNode>) -> Option<String> {
    leader_append_only_in(sim.nodes().iter())
}

/// [`leader_append_only`] over any group of servers.
pub fn leader_append_only_in<'a>(mut nodes: impl Iterator<Item = &'a RaftNode>) -> Option<String> {
    nodes.find_map(|n| {
        n.ghost
            .truncations
            .iter()
            .find(|t| t.role == Role::Leader)
            .map(|t| {
                format!(
                    "leader {} deleted {} entries from index {} of its log in term {}",
                    n.id, t.removed, t.from_index, t.term
                )
            })
    })
}

/// Log Matching: if two logs contain an entry with the same index and term, then the logs are
/// identical in all entries up through the given index (§5.3).
///
/// For a pair of logs it is enough to look at the highest index where both hold an entry of the
/// same term: if the chain hashes agree there, every earlier entry agrees too.
pub fn log_matching(sim: &Sim<RaftNode>) -> Option<String> {
    log_matching_in(sim.nodes().iter())
}

/// [`log_matching`] over any group of servers.
pub fn log_matching_in<'a>(nodes: impl Iterator<Item = &'a RaftNode> + Clone) -> Option<String> {
    for (i, a) in nodes.clone().enumerate() {
        for b in nodes.clone().skip(i + 1) {
            if let Some(k) = logs_conflict(a, b) {
                let first = (1..=k).find(|&j| a.entry(j) != b.entry(j)).unwrap_or(k);
                return Some(format!(
                    "servers {} and {} both hold an entry of term {} at index {k}, but their logs differ at index {first}",
                    a.id,
                    b.id,
                    a.term_at(k).unwrap_or(0)
                ));
            }
        }
    }
    None
}

/// Leader Completeness: if a log entry is committed in a given term, then that entry will be
/// present in the logs of the leaders for all higher-numbered terms (§5.4). Checked for every
/// running leader against everything any leader committed in an earlier term.
pub fn leader_completeness(sim: &Sim<RaftNode>) -> Option<String> {
    leader_completeness_in(sim.nodes().iter(), |i| sim.is_up(i))
}

/// [`leader_completeness`] over any group of servers, `up` telling which are running.
pub fn leader_completeness_in<'a>(
    nodes: impl Iterator<Item = &'a RaftNode> + Clone,
    up: impl Fn(NodeId) -> bool,
) -> Option<String> {
    for l in nodes.clone().filter(|n| n.role == Role::Leader && up(n.id)) {
        for n in nodes.clone() {
            for r in n
                .ghost
                .commits
                .iter()
                .filter(|r| r.commit_term < l.current_term)
            {
                if l.ghost.chain_at(r.index) != r.chain {
                    return Some(format!(
                        "leader {} of term {} lacks entry {} (term {}) that {} committed in term {}",
                        l.id, l.current_term, r.index, r.entry_term, n.id, r.commit_term
                    ));
                }
            }
        }
    }
    None
}

/// State Machine Safety: if a server has applied a log entry at a given index to its state
/// machine, no other server will ever apply a different log entry for the same index (§5.4.3).
/// (Nor will the same server, after a restart.)
pub fn state_machine_safety(sim: &Sim<RaftNode>) -> Option<String> {
    state_machine_safety_in(sim.nodes().iter())
}

/// [`state_machine_safety`] over any group of servers.
pub fn state_machine_safety_in<'a>(
    nodes: impl Iterator<Item = &'a RaftNode> + Clone,
) -> Option<String> {
    if let Some(n) = nodes.clone().find(|n| n.ghost.apply_error.is_some()) {
        return Some(format!(
            "server {} {}",
            n.id,
            n.ghost.apply_error.as_deref().unwrap_or("")
        ));
    }
    for (i, a) in nodes.clone().enumerate() {
        for b in nodes.clone().skip(i + 1) {
            if applied_conflict(a, b) {
                let m = a.ghost.applied_chain.len().min(b.ghost.applied_chain.len());
                let first = (0..m)
                    .find(|&j| a.ghost.applied_chain[j] != b.ghost.applied_chain[j])
                    .unwrap_or(m - 1)
                    + 1;
                return Some(format!(
                    "servers {} and {} applied different entries at index {first}",
                    a.id, b.id
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::NetConfig;
    use crate::raft::{nodes, Cmd, Entry, RaftParams, Truncation};
    use crate::time::SimTime;
    use proptest::prelude::*;

    fn log(spec: &[(u64, u8)]) -> Vec<Entry> {
        spec.iter()
            .map(|&(term, key)| Entry {
                term,
                cmd: Cmd::Incr {
                    key: format!("k{key}").into(),
                },
            })
            .collect()
    }

    /// Log Matching by its definition: some index both logs hold with the same term, where the
    /// logs differ at or below it.
    fn brute_conflict(a: &[Entry], b: &[Entry]) -> bool {
        (0..a.len().min(b.len())).any(|j| a[j].term == b[j].term && a[..=j] != b[..=j])
    }

    fn sim_with(logs: &[Vec<Entry>]) -> Sim<RaftNode> {
        let p = RaftParams::default();
        let mut sim = Sim::new(
            1,
            nodes(&p, logs.len(), logs.len()),
            NetConfig::default(),
            vec![],
        );
        for (n, l) in sim.nodes_mut().iter_mut().zip(logs) {
            n.set_persistent(9, None, l.clone());
        }
        sim
    }

    proptest! {
        /// The full check is Log Matching's definition, and the incremental one is never quiet
        /// about a conflict one server's change (an append, or a truncation and an append)
        /// brought about while the logs matched before. Both directions of the full check are
        /// checked after the change; before it, the logs match by construction.
        #[test]
        fn log_matching_checks_find_every_conflict(
            base in proptest::collection::vec((1u64..4, 0u8..3), 0..6),
            servers in proptest::collection::vec((0usize..7, proptest::collection::vec(0u8..3, 0..3)), 2..5),
            x in 0usize..4,
            y in 0usize..4,
            keep in 0usize..9,
            copy in 0usize..9,
            added in proptest::collection::vec((prop_oneof![1u64..4, 10u64..15], 0u8..3), 0..4),
        ) {
            // Logs that match: a common prefix, then a suffix of each server's own term (as if
            // each had been a leader alone), so no two hold the same term at an index where
            // they differ.
            let logs: Vec<Vec<Entry>> = servers
                .iter()
                .enumerate()
                .map(|(i, (len, own))| {
                    let mut l = log(&base[..(*len).min(base.len())]);
                    l.extend(log(&own.iter().map(|&k| (10 + i as u64, k)).collect::<Vec<_>>()));
                    l
                })
                .collect();
            let (x, y) = (x % logs.len(), y % logs.len());
            let mut sim = sim_with(&logs);
            let pairs = |l: &[Vec<Entry>]| {
                (0..l.len()).any(|i| (i + 1..l.len()).any(|j| brute_conflict(&l[i], &l[j])))
            };
            prop_assert!(!pairs(&logs));
            prop_assert!(log_matching(&sim).is_none());
            let before = fingerprint(&sim.nodes()[x]);
            // x's change: keep a prefix of its log, then take entries from y's log after it (a
            // follower catching up) and some of its own making.
            let mut changed = logs.clone();
            let keep = keep.min(changed[x].len());
            changed[x].truncate(keep);
            let from_y: Vec<Entry> = logs[y].iter().skip(keep).take(copy).cloned().collect();
            changed[x].extend(from_y);
            changed[x].extend(log(&added));
            sim.nodes_mut()[x].set_persistent(9, None, changed[x].clone());
            let conflict = pairs(&changed);
            prop_assert_eq!(log_matching(&sim).is_some(), conflict);
            if conflict {
                let now = fingerprint(&sim.nodes()[x]);
                prop_assert!(log_matching_suspect(&sim, x, &before, &now), "a conflict the suspect missed");
            }
        }

        /// On logs whose terms never drop (Raft's), the conflict found skipping back a term's
        /// run at a time is the one of Log Matching's definition: the highest index where both
        /// logs hold the same term, if they differ up to it. Logs share a prefix, then go on
        /// with terms that grow from there by steps of 0–2, so they often hold the same term at
        /// an index with different entries, and long runs of one term.
        #[test]
        fn log_matching_skips_back_by_runs_exactly(
            base in proptest::collection::vec((0u64..2, 0u8..2), 0..12),
            tails in proptest::collection::vec(
                (0usize..13, proptest::collection::vec((0u64..3, 0u8..2), 0..12)),
                2..4,
            ),
        ) {
            let grow = |from: u64, steps: &[(u64, u8)]| {
                let mut t = from;
                log(&steps.iter().map(|&(d, k)| { t += d; (t, k) }).collect::<Vec<_>>())
            };
            let base = grow(1, &base);
            let logs: Vec<Vec<Entry>> = tails
                .iter()
                .map(|(cut, tail)| {
                    let mut l = base[..(*cut).min(base.len())].to_vec();
                    let from = l.last().map_or(1, |e| e.term);
                    l.extend(grow(from, tail));
                    l
                })
                .collect();
            let sim = sim_with(&logs);
            for (i, a) in logs.iter().enumerate() {
                prop_assert!(sim.nodes()[i].ghost.term_drops.is_empty());
                for (j, b) in logs.iter().enumerate() {
                    let m = a.len().min(b.len());
                    let k = (1..=m).rev().find(|&k| a[k - 1].term == b[k - 1].term).unwrap_or(0);
                    let want = (k > 0 && a[..k] != b[..k]).then_some(k as u64);
                    prop_assert_eq!(logs_conflict(&sim.nodes()[i], &sim.nodes()[j]), want);
                }
            }
        }

        /// Election Safety and Leader Append-Only, the same way (the random runs of the
        /// agreement test in tests/it/raft.rs break neither): from servers that hold them, one
        /// server newly leads some terms and truncates its log in some roles; the full checks
        /// follow the definitions and the incremental ones miss no violation.
        #[test]
        fn election_and_append_only_checks_find_every_violation(
            led in proptest::collection::vec(proptest::collection::btree_set(1u64..30, 0..4), 2..5),
            x in 0usize..4,
            new_terms in proptest::collection::vec(1u64..30, 0..3),
            new_cuts in proptest::collection::vec(
                proptest::sample::select(vec![Role::Follower, Role::PreCandidate, Role::Candidate, Role::Leader]),
                0..3,
            ),
        ) {
            let x = x % led.len();
            // Each term led by one server at most: the lowest-numbered one that drew it.
            let mut seen = std::collections::BTreeSet::new();
            let led: Vec<Vec<u64>> = led
                .iter()
                .map(|ts| ts.iter().copied().filter(|&t| seen.insert(t)).collect())
                .collect();
            let mut sim = sim_with(&vec![Vec::new(); led.len()]);
            let cut = |role| Truncation {
                time: SimTime(0),
                term: 1,
                role,
                from_index: 1,
                removed: 1,
            };
            for (n, ts) in sim.nodes_mut().iter_mut().zip(&led) {
                n.ghost.led_terms = ts.clone();
                n.ghost.truncations = vec![cut(Role::Follower)];
            }
            prop_assert!(election_safety(&sim).is_none() && leader_append_only(&sim).is_none());
            let before = fingerprint(&sim.nodes()[x]);
            let n = &mut sim.nodes_mut()[x];
            n.ghost.led_terms.extend(&new_terms);
            n.ghost.truncations.extend(new_cuts.iter().map(|&r| cut(r)));
            let terms: Vec<(u64, usize)> = sim
                .nodes()
                .iter()
                .enumerate()
                .flat_map(|(i, n)| n.ghost.led_terms.iter().map(move |&t| (t, i)))
                .collect();
            let now = fingerprint(&sim.nodes()[x]);
            let two_leaders = terms.iter().any(|a| terms.iter().any(|b| a.0 == b.0 && a.1 != b.1));
            prop_assert_eq!(election_safety(&sim).is_some(), two_leaders);
            if two_leaders {
                prop_assert!(election_safety_suspect(&sim, x, &before, &now), "two leaders the suspect missed");
            }
            let leader_cut = new_cuts.contains(&Role::Leader);
            prop_assert_eq!(leader_append_only(&sim).is_some(), leader_cut);
            if leader_cut {
                prop_assert!(leader_append_only_suspect(&sim, x, &before, &now), "a leader's cut the suspect missed");
            }
        }
    }
}
