//! The Raft lab, one test per rule of the paper's Figure 2 (and §5), each citing its section;
//! thesis extensions (pre-vote, check-quorum, transfer, membership); the three buggy toggles,
//! each caught in a fixed scenario; transcripts; random fault schedules; determinism; metrics
//! and the §9.3 experiment.

use crate::transcript::{check_lab, Transcript};
use crate::{assert_same_trace, cases, command, lab_key_error, lines};
use engine::fault::{parse_timeline_of, Fault, TimedFault};
use engine::net::{Latency, NetConfig};
use engine::raft::*;
use engine::rng::Rng;
use engine::sim::{Ctx, Effect, Node, Sim, What};
use engine::{Duration, NodeId, SimTime};
use proptest::prelude::*;
use std::path::Path;

const MS: fn(u64) -> Duration = Duration::from_ms;

/// RaftScope's 10–15 ms RPC latency (the engine's default).
fn net() -> NetConfig {
    NetConfig {
        latency: Latency::Uniform(MS(10), MS(15)),
        loss_ppm: 0,
        dup_ppm: 0,
    }
}

fn build(seed: u64, servers: usize, slots: usize, p: &RaftParams, faults: &str) -> Sim<RaftNode> {
    let faults = parse_timeline_of::<RaftCommand>(faults).expect("test timeline");
    new_sim(seed, p, servers, slots, net(), faults)
}

/// Runs a cluster to `until_ms`.
fn run(seed: u64, servers: usize, p: &RaftParams, faults: &str, until_ms: u64) -> Sim<RaftNode> {
    let mut s = build(seed, servers, servers, p, faults);
    s.run_until(SimTime::from_ms(until_ms), 2_000_000);
    s
}

fn dflt() -> RaftParams {
    RaftParams::default()
}

/// Running leaders.
fn leaders(s: &Sim<RaftNode>) -> Vec<NodeId> {
    s.nodes()
        .iter()
        .filter(|n| n.role == Role::Leader && s.is_up(n.id))
        .map(|n| n.id)
        .collect()
}

/// Trace events whose notes contain `text`.
fn noted(s: &Sim<RaftNode>, text: &str) -> Vec<String> {
    s.trace()
        .iter()
        .filter(|e| e.notes.iter().any(|n| n.contains(text)))
        .map(|e| e.to_string())
        .collect()
}

fn no_violations(s: &Sim<RaftNode>) {
    assert!(
        s.violations().is_empty(),
        "{:?}\n{}",
        s.violations(),
        lines(s)[lines(s).len().saturating_sub(40)..].join("\n")
    );
}

fn put(key: &str, value: i64, term: u64) -> Entry {
    Entry {
        term,
        cmd: Cmd::Put {
            key: key.into(),
            value,
        },
    }
}

/// A log with one `put x=i` per term in `terms`.
fn log_of(terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, &t)| put("x", i as i64 + 1, t))
        .collect()
}

/// Server `id` of a `servers`-member cluster, outside any simulator.
fn server(id: NodeId, servers: usize, p: &RaftParams) -> RaftNode {
    RaftNode::new(id, *p, (0..servers).collect(), servers)
}

type Effects = Vec<Effect<Msg, Timer>>;

/// Calls a handler directly (as the simulator would) and returns its effects.
fn call(
    n: &mut RaftNode,
    now_ms: u64,
    f: impl FnOnce(&mut RaftNode, &mut Ctx<Msg, Timer>),
) -> Effects {
    let mut rng = Rng::new(n.id as u64 + 1);
    let slots = n.slots;
    let mut ctx = Ctx::new(SimTime::from_ms(now_ms), n.id, slots, &mut rng);
    f(n, &mut ctx);
    ctx.into_effects()
}

fn deliver(n: &mut RaftNode, from: NodeId, msg: Msg, now_ms: u64) -> Effects {
    call(n, now_ms, |n, c| n.on_message(from, msg, c))
}

fn fire(n: &mut RaftNode, t: Timer, now_ms: u64) -> Effects {
    call(n, now_ms, |n, c| n.on_timer(t, c))
}

fn sends(e: &Effects) -> Vec<(NodeId, Msg)> {
    e.iter()
        .filter_map(|x| match x {
            Effect::Send(to, m) => Some((*to, m.clone())),
            _ => None,
        })
        .collect()
}

fn armed(e: &Effects, t: Timer) -> Option<Duration> {
    e.iter().rev().find_map(|x| match x {
        Effect::SetTimer(tt, d) if *tt == t => Some(*d),
        _ => None,
    })
}

fn rv(term: u64, cand: NodeId, last_index: u64, last_term: u64) -> Msg {
    Msg::RequestVote {
        term,
        candidate_id: cand,
        last_log_index: last_index,
        last_log_term: last_term,
        pre_vote: false,
        transfer: false,
    }
}

fn vote(term: u64, granted: bool) -> Msg {
    Msg::RequestVoteResponse {
        term,
        vote_granted: granted,
        pre_vote: false,
    }
}

fn ae(
    term: u64,
    leader: NodeId,
    prev: u64,
    prev_term: u64,
    entries: Vec<Entry>,
    commit: u64,
) -> Msg {
    Msg::AppendEntries {
        term,
        leader_id: leader,
        prev_log_index: prev,
        prev_log_term: prev_term,
        entries: entries.into(),
        leader_commit: commit,
    }
}

fn ae_ok(term: u64, match_index: u64) -> Msg {
    Msg::AppendEntriesResponse {
        term,
        success: true,
        match_index,
        conflict_term: None,
        conflict_index: 0,
    }
}

/// The only reply among the effects.
fn reply(e: &Effects) -> Msg {
    let s = sends(e);
    assert_eq!(s.len(), 1, "{s:?}");
    s[0].1.clone()
}

/// Server 0 of a 3-server cluster, made leader of term `term` with `log` before its no-op.
fn leader_with(log: Vec<Entry>, term: u64, p: &RaftParams) -> RaftNode {
    let mut n = server(0, 3, p);
    n.set_persistent(term - 1, None, log);
    fire(&mut n, Timer::Election, 0);
    deliver(&mut n, 1, vote(term, true), 1);
    assert_eq!(n.role, Role::Leader);
    n
}

// ============================================================ §5.2 leader election

// Raft §5.2: "When servers start up, they begin as followers", with a randomized election timer.
#[test]
fn servers_start_as_followers_with_a_randomized_timer() {
    let p = dflt();
    let s = build(1, 5, 5, &p, "");
    for n in s.nodes() {
        assert_eq!(n.role, Role::Follower);
        assert_eq!((n.current_term, n.voted_for, n.log.len()), (0, None, 0));
    }
    // §5.2: election timeouts are chosen randomly from a fixed interval (150–300 ms), from each
    // server's own random stream.
    let mut all = Vec::new();
    for id in 0..5 {
        let mut n = server(id, 5, &p);
        let mut rng = Rng::stream(1, engine::rng::Stream::Node(id));
        for k in 0..40 {
            let mut ctx = Ctx::new(SimTime::from_ms(k), id, 5, &mut rng);
            n.on_start(&mut ctx);
            let e = ctx.into_effects();
            let d = armed(&e, Timer::Election).expect("election timer");
            assert!(d >= MS(150) && d <= MS(300), "{d}");
            all.push(d);
        }
    }
    all.sort_unstable();
    all.dedup();
    assert!(all.len() > 150, "timeouts should be spread out");
}

// Raft §5.2 (Followers): "If election timeout elapses without receiving AppendEntries RPC from
// current leader or granting vote to candidate: convert to candidate."
// Raft §5.2 (Candidates): "On conversion to candidate, start election: increment currentTerm,
// vote for self, reset election timer, send RequestVote RPCs to all other servers."
#[test]
fn follower_times_out_and_starts_an_election() {
    let mut n = server(1, 3, &dflt());
    n.set_persistent(4, Some(2), log_of(&[1, 3]));
    let e = fire(&mut n, Timer::Election, 500);
    assert_eq!(n.role, Role::Candidate);
    assert_eq!(n.current_term, 5);
    assert_eq!(n.voted_for, Some(1));
    assert!(armed(&e, Timer::Election).is_some(), "timer reset");
    let mut to: Vec<NodeId> = sends(&e).iter().map(|s| s.0).collect();
    to.sort_unstable();
    assert_eq!(to, [0, 2]);
    for (_, m) in sends(&e) {
        assert_eq!(m, rv(5, 1, 2, 3));
    }
}

// Raft §5.2 (Followers): AppendEntries from the current leader resets the election timer …
#[test]
fn append_entries_from_the_leader_resets_the_election_timer() {
    let mut n = server(1, 3, &dflt());
    let e = deliver(&mut n, 0, ae(1, 0, 0, 0, vec![], 0), 100);
    assert!(armed(&e, Timer::Election).is_some());
    assert_eq!(n.leader_id, Some(0));
    // … and in a clean run nobody else ever times out: one election in 10 s.
    let s = run(3, 5, &dflt(), "", 10_000);
    let m = measure(&s);
    assert_eq!(m.elections, 1, "{:?}", noted(&s, "candidate"));
    assert_eq!(leaders(&s).len(), 1);
    no_violations(&s);
}

// Raft §5.2 (Followers): … so does granting a vote; denying one does not.
#[test]
fn granting_a_vote_resets_the_timer_denying_does_not() {
    let mut n = server(1, 3, &dflt());
    n.set_persistent(1, None, log_of(&[1, 1]));
    let e = deliver(&mut n, 2, rv(2, 2, 1, 1), 10); // behind: denied
    assert!(armed(&e, Timer::Election).is_none());
    assert_eq!(reply(&e), vote(2, false));
    let e = deliver(&mut n, 0, rv(2, 0, 2, 1), 20);
    assert!(armed(&e, Timer::Election).is_some());
    assert_eq!(reply(&e), vote(2, true));
}

// Raft §5.2 (Candidates): "If votes received from majority of servers: become leader."
#[test]
fn a_candidate_with_a_majority_becomes_leader() {
    let mut n = server(0, 5, &dflt());
    fire(&mut n, Timer::Election, 0);
    deliver(&mut n, 1, vote(1, true), 1);
    assert_eq!(n.role, Role::Candidate, "2 of 5 is not a majority");
    deliver(&mut n, 1, vote(1, true), 2);
    assert_eq!(n.role, Role::Candidate, "a duplicate vote counts once");
    deliver(&mut n, 2, vote(1, false), 3);
    assert_eq!(n.role, Role::Candidate);
    deliver(&mut n, 3, vote(1, true), 4);
    assert_eq!(n.role, Role::Leader);
    assert_eq!(n.ghost.led_terms, [1]);
}

// Raft §5.2 (Candidates): "If AppendEntries RPC received from new leader: convert to follower."
#[test]
fn a_candidate_steps_down_for_a_leader_of_its_term() {
    let mut n = server(0, 3, &dflt());
    fire(&mut n, Timer::Election, 0);
    let e = deliver(&mut n, 2, ae(1, 2, 0, 0, vec![], 0), 5);
    assert_eq!(n.role, Role::Follower);
    assert_eq!((n.current_term, n.leader_id), (1, Some(2)));
    assert_eq!(reply(&e), ae_ok(1, 0));
}

// Raft §5.2 (Candidates): "If election timeout elapses: start new election."
#[test]
fn a_candidate_that_times_out_starts_a_new_election() {
    let mut n = server(0, 3, &dflt());
    fire(&mut n, Timer::Election, 0);
    let e = fire(&mut n, Timer::Election, 300);
    assert_eq!(
        (n.role, n.current_term, n.voted_for),
        (Role::Candidate, 2, Some(0))
    );
    assert_eq!(sends(&e).len(), 2);
}

// Raft §5.1 (Rules for All Servers): "If RPC request or response contains term T > currentTerm:
// set currentTerm = T, convert to follower."
#[test]
fn a_higher_term_in_any_message_converts_to_follower() {
    let higher: Vec<Msg> = vec![
        rv(9, 2, 0, 0),
        vote(9, false),
        ae(9, 2, 0, 0, vec![], 0),
        Msg::AppendEntriesResponse {
            term: 9,
            success: false,
            match_index: 0,
            conflict_term: None,
            conflict_index: 0,
        },
    ];
    for m in higher {
        let mut n = leader_with(log_of(&[1]), 3, &dflt());
        let e = deliver(&mut n, 2, m.clone(), 10);
        assert_eq!(n.role, Role::Follower, "{m}");
        assert_eq!(n.current_term, 9, "{m}");
        assert!(n.voted_for.is_none() || n.voted_for == Some(2), "{m}");
        assert!(
            e.contains(&Effect::CancelTimer(Timer::Heartbeat)),
            "{m}: a deposed leader stops its heartbeats"
        );
        let mut c = server(1, 3, &dflt());
        fire(&mut c, Timer::Election, 0);
        deliver(&mut c, 2, m.clone(), 10);
        assert_eq!((c.role, c.current_term), (Role::Follower, 9), "{m}");
    }
}

// Raft §5.2: "each server will vote for at most one candidate in a given term, on a
// first-come-first-served basis" (RequestVote receiver rule 2: votedFor is null or candidateId).
#[test]
fn one_vote_per_term_first_come_first_served() {
    let mut n = server(0, 3, &dflt());
    assert_eq!(reply(&deliver(&mut n, 1, rv(1, 1, 0, 0), 1)), vote(1, true));
    assert_eq!(
        reply(&deliver(&mut n, 2, rv(1, 2, 0, 0), 2)),
        vote(1, false)
    );
    // A retried request from the same candidate is granted again (idempotent).
    assert_eq!(reply(&deliver(&mut n, 1, rv(1, 1, 0, 0), 3)), vote(1, true));
    // A new term frees the vote.
    assert_eq!(reply(&deliver(&mut n, 2, rv(2, 2, 0, 0), 4)), vote(2, true));
    assert_eq!(n.voted_for, Some(2));
}

// Raft §5.1 (RequestVote receiver rule 1): "Reply false if term < currentTerm."
#[test]
fn request_vote_with_a_stale_term_is_refused() {
    let mut n = server(0, 3, &dflt());
    n.set_persistent(5, None, vec![]);
    let e = deliver(&mut n, 1, rv(4, 1, 9, 4), 1);
    assert_eq!(reply(&e), vote(5, false));
    assert_eq!((n.current_term, n.voted_for), (5, None));
}

// Raft §5.4.1: "If the logs have last entries with different terms, then the log with the later
// term is more up-to-date. If the logs end with the same term, then whichever log is longer is
// more up-to-date." A voter denies a candidate whose log is behind its own.
#[test]
fn votes_go_only_to_candidates_with_up_to_date_logs() {
    // Voter's log: last term 2, last index 2.
    let cases = [
        ((1, 5), false, "older last term, longer log"),
        ((2, 1), false, "same last term, shorter log"),
        ((2, 2), true, "identical"),
        ((2, 3), true, "same last term, longer log"),
        ((3, 1), true, "later last term, shorter log"),
    ];
    for ((lt, li), grant, why) in cases {
        assert_eq!(log_up_to_date(lt, li, 2, 2), grant, "{why}");
        let mut n = server(0, 3, &dflt());
        n.set_persistent(3, None, log_of(&[1, 2]));
        let e = deliver(&mut n, 1, rv(4, 1, li, lt), 1);
        assert_eq!(reply(&e), vote(4, grant), "{why}");
    }
}

// ============================================================ §5.3 log replication

// Raft §5.2/§8 (Leaders): "Upon election: send initial empty AppendEntries RPCs (heartbeat) to
// each server"; then the leader appends a no-op entry of its term (§8).
#[test]
fn a_new_leader_sends_empty_append_entries_then_appends_a_no_op() {
    let mut n = server(0, 3, &dflt());
    n.set_persistent(2, None, log_of(&[1, 2]));
    fire(&mut n, Timer::Election, 0);
    let e = deliver(&mut n, 2, vote(3, true), 1);
    assert_eq!(n.role, Role::Leader);
    let s = sends(&e);
    assert_eq!(s.len(), 2);
    for (_, m) in &s {
        assert_eq!(
            *m,
            ae(3, 0, 2, 2, vec![], 0),
            "empty, at the old last entry"
        );
    }
    assert_eq!(n.log.last().map(|x| &x.cmd), Some(&Cmd::Noop));
    assert_eq!(n.last_log_term(), 3);
    assert_eq!(
        n.progress.iter().map(|p| p.next_index).collect::<Vec<_>>(),
        [3, 3, 3]
    );
    assert_eq!(armed(&e, Timer::Heartbeat), Some(MS(50)));
    // The first success sends the no-op (Leaders: "If last log index ≥ nextIndex for a
    // follower: send AppendEntries RPC with log entries starting at nextIndex").
    let e = deliver(&mut n, 1, ae_ok(3, 2), 20);
    assert_eq!(reply(&e), ae(3, 0, 2, 2, vec![n.log[2].clone()], 0));
}

// Raft §5.2 (Leaders): heartbeats "repeat during idle periods to prevent election timeouts".
#[test]
fn the_leader_sends_heartbeats_every_interval() {
    let s = run(5, 3, &dflt(), "1:cmd:0:timeout", 2_000);
    let beats: Vec<SimTime> = s
        .trace()
        .iter()
        .filter(|e| {
            matches!(
                e.what,
                What::Timer {
                    node: 0,
                    timer: Timer::Heartbeat
                }
            )
        })
        .map(|e| e.time)
        .collect();
    assert!(beats.len() >= 38, "{}", beats.len());
    assert!(beats.windows(2).all(|w| w[1].since(w[0]) == MS(50)));
    no_violations(&s);
}

// Raft §5.3 (Leaders): "If command received from client: append entry to local log, respond
// after entry applied to state machine." A follower redirects the client to the leader.
#[test]
fn client_requests_go_to_the_leader_and_are_applied_everywhere() {
    let s = run(
        2,
        3,
        &dflt(),
        "1:cmd:0:timeout;300:cmd:1:put:x=5;300:cmd:0:put:x=7;301:cmd:0:incr:x;302:cmd:0:incr:y",
        1_000,
    );
    assert_eq!(noted(&s, "not the leader: put x=5 → ask 0").len(), 1);
    for n in s.nodes() {
        let want: Vec<(String, i64)> = vec![("x".into(), 8), ("y".into(), 1)];
        assert_eq!(
            n.applied().clone().into_iter().collect::<Vec<_>>(),
            want,
            "server {}",
            n.id
        );
        assert_eq!(n.last_applied, 4);
    }
    let m = measure(&s);
    assert_eq!(m.client_requests, 3);
    assert_eq!(m.commit_latency.count, 3);
    // Two round trips at most (append → response), 10–15 ms each way.
    assert!(
        m.commit_latency.max_ms.unwrap() <= 60.0,
        "{:?}",
        m.commit_latency
    );
    assert!(
        m.commit_latency.mean_ms.unwrap() >= 20.0,
        "{:?}",
        m.commit_latency
    );
    no_violations(&s);
}

// Raft §5.3 (Leaders): "If successful: update nextIndex and matchIndex for follower."
#[test]
fn a_successful_append_updates_next_and_match_index() {
    let mut n = leader_with(log_of(&[1, 1]), 2, &dflt());
    deliver(&mut n, 1, ae_ok(2, 3), 10);
    assert_eq!(
        (n.progress[1].next_index, n.progress[1].match_index),
        (4, 3)
    );
    // A stale, smaller acknowledgement never moves them back.
    deliver(&mut n, 1, ae_ok(2, 1), 11);
    assert_eq!(
        (n.progress[1].next_index, n.progress[1].match_index),
        (4, 3)
    );
}

// Raft §5.3 (Leaders): "If AppendEntries fails because of log inconsistency: decrement
// nextIndex and retry."
#[test]
fn a_rejection_decrements_next_index_and_retries() {
    let mut n = leader_with(log_of(&[1, 1, 2]), 3, &dflt());
    assert_eq!(n.progress[1].next_index, 4);
    let reject = |prev: u64, ct: Option<u64>, ci: u64| Msg::AppendEntriesResponse {
        term: 3,
        success: false,
        match_index: prev,
        conflict_term: ct,
        conflict_index: ci,
    };
    let e = deliver(&mut n, 1, reject(3, None, 2), 10);
    assert_eq!(n.progress[1].next_index, 3);
    assert_eq!(
        reply(&e),
        ae(3, 0, 2, 1, n.log.range(2, n.log.len()).to_vec(), 0)
    );
    // A duplicate of the same rejection is stale: nothing moves.
    assert!(deliver(&mut n, 1, reject(3, None, 2), 11).is_empty());
    assert_eq!(n.progress[1].next_index, 3);
    let e = deliver(&mut n, 1, reject(2, None, 2), 12);
    assert_eq!(n.progress[1].next_index, 2);
    assert_eq!(
        reply(&e),
        ae(3, 0, 1, 1, n.log.range(1, n.log.len()).to_vec(), 0)
    );
}

// Raft §5.3 (optimisation): "the follower can include the term of the conflicting entry and the
// first index it stores for that term … one AppendEntries RPC will be required for each term
// with conflicting entries, rather than one RPC per entry" (`fast_backup`).
#[test]
fn fast_backup_skips_a_whole_term_per_rejection() {
    let p = RaftParams {
        fast_backup: true,
        ..dflt()
    };
    let mut n = leader_with(log_of(&[1, 1, 4, 4]), 5, &p);
    let reject = |prev: u64, ct: Option<u64>, ci: u64| Msg::AppendEntriesResponse {
        term: 5,
        success: false,
        match_index: prev,
        conflict_term: ct,
        conflict_index: ci,
    };
    // next_index was 5. The follower's entry 4 has term 2, which it stores from index 3; the
    // leader has no term-2 entry: jump to the follower's first index of that term.
    deliver(&mut n, 1, reject(4, Some(2), 3), 10);
    assert_eq!(n.progress[1].next_index, 3);
    // The leader has entries of the conflicting term: jump past its last one.
    let mut m = leader_with(log_of(&[1, 3, 3, 4, 4]), 5, &p);
    deliver(&mut m, 1, reject(5, Some(3), 2), 10);
    assert_eq!(
        m.progress[1].next_index, 4,
        "after the leader's last term-3 entry"
    );
    // A shorter follower log: jump straight past its end.
    let e = deliver(&mut n, 2, reject(4, None, 2), 11);
    assert_eq!(n.progress[2].next_index, 2);
    assert_eq!(
        reply(&e),
        ae(5, 0, 1, 1, n.log.range(1, n.log.len()).to_vec(), 0)
    );
    // The follower computes the hint.
    let mut f = server(1, 3, &p);
    f.set_persistent(3, None, log_of(&[1, 2, 2, 2, 3]));
    let e = deliver(&mut f, 0, ae(5, 0, 4, 4, vec![], 0), 1);
    assert_eq!(
        reply(&e),
        Msg::AppendEntriesResponse {
            term: 5,
            success: false,
            match_index: 4,
            conflict_term: Some(2),
            conflict_index: 2,
        }
    );
}

// Raft §5.3/§5.4 (Leaders): "If there exists an N such that N > commitIndex, a majority of
// matchIndex[i] ≥ N, and log[N].term == currentTerm: set commitIndex = N."
#[test]
fn the_leader_commits_what_a_majority_stores_from_its_term() {
    let mut n = leader_with(log_of(&[1, 1]), 2, &dflt());
    // Entries 1–2 are from term 1; entry 3 is the no-op of term 2.
    deliver(&mut n, 1, ae_ok(2, 2), 10);
    assert_eq!(
        n.commit_index, 0,
        "§5.4.2: older-term entries are not committed by counting"
    );
    deliver(&mut n, 1, ae_ok(2, 3), 20);
    assert_eq!(
        n.commit_index, 3,
        "committing the no-op commits everything before it"
    );
    assert_eq!(n.last_applied, 3);
    assert_eq!(n.applied().get("x"), Some(&2));
}

// Raft §5.3 (AppendEntries receiver rule 1): "Reply false if term < currentTerm."
#[test]
fn append_entries_with_a_stale_term_is_refused() {
    let mut f = server(1, 3, &dflt());
    f.set_persistent(3, None, log_of(&[1]));
    let e = deliver(&mut f, 0, ae(2, 0, 1, 1, log_of(&[2]), 1), 1);
    assert!(matches!(
        reply(&e),
        Msg::AppendEntriesResponse {
            term: 3,
            success: false,
            ..
        }
    ));
    assert_eq!((f.log.len(), f.commit_index, f.leader_id), (1, 0, None));
}

// Raft §5.3 (AppendEntries receiver rule 2): "Reply false if log doesn't contain an entry at
// prevLogIndex whose term matches prevLogTerm."
#[test]
fn append_entries_needs_a_matching_previous_entry() {
    let mut f = server(1, 3, &dflt());
    f.set_persistent(2, None, log_of(&[1, 1, 2]));
    // Log too short.
    let e = deliver(&mut f, 0, ae(2, 0, 5, 2, log_of(&[2]), 0), 1);
    assert_eq!(
        reply(&e),
        Msg::AppendEntriesResponse {
            term: 2,
            success: false,
            match_index: 5,
            conflict_term: None,
            conflict_index: 4,
        }
    );
    // Entry present with another term.
    let e = deliver(&mut f, 0, ae(2, 0, 3, 1, log_of(&[2]), 0), 2);
    assert_eq!(
        reply(&e),
        Msg::AppendEntriesResponse {
            term: 2,
            success: false,
            match_index: 3,
            conflict_term: Some(2),
            conflict_index: 3,
        }
    );
    assert_eq!(f.log.len(), 3, "nothing changed");
}

// Raft §5.3 (AppendEntries receiver rule 3): "If an existing entry conflicts with a new one (same
// index but different terms), delete the existing entry and all that follow it."
#[test]
fn a_conflicting_suffix_is_deleted() {
    let mut f = server(1, 3, &dflt());
    f.set_persistent(2, None, log_of(&[1, 2, 2, 2]));
    let new = vec![put("y", 7, 3)];
    let e = deliver(&mut f, 0, ae(3, 0, 1, 1, new.clone(), 0), 1);
    assert_eq!(reply(&e), ae_ok(3, 2));
    assert_eq!(f.log, [log_of(&[1]), new].concat());
    let t = f.ghost.truncations.last().expect("recorded");
    assert_eq!((t.from_index, t.removed, t.role), (2, 3, Role::Follower));
}

// Raft §5.3 (AppendEntries receiver rule 4): "Append any new entries not already in the log" —
// a delayed, shorter AppendEntries never deletes entries that match.
#[test]
fn appending_is_idempotent_and_a_stale_message_truncates_nothing() {
    let mut f = server(1, 3, &dflt());
    let all = log_of(&[1, 1, 1]);
    deliver(&mut f, 0, ae(1, 0, 0, 0, all.clone(), 0), 1);
    assert_eq!(f.log, all);
    // The same message again, then an older one carrying only the first entry.
    let e = deliver(&mut f, 0, ae(1, 0, 0, 0, all.clone(), 0), 2);
    assert_eq!(reply(&e), ae_ok(1, 3));
    let e = deliver(&mut f, 0, ae(1, 0, 0, 0, all[..1].to_vec(), 0), 3);
    assert_eq!(
        reply(&e),
        ae_ok(1, 1),
        "acknowledges only what the message covers"
    );
    assert_eq!(f.log, all);
    assert!(f.ghost.truncations.is_empty());
}

// Raft §5.3 (AppendEntries receiver rule 5): "If leaderCommit > commitIndex, set commitIndex =
// min(leaderCommit, index of last new entry)."
#[test]
fn a_follower_commits_up_to_the_last_entry_the_message_vouches_for() {
    let mut f = server(1, 3, &dflt());
    f.set_persistent(1, None, log_of(&[1, 1, 1, 1]));
    // The message vouches for entries 1–2 only; entries 3–4 may be stale.
    deliver(
        &mut f,
        0,
        ae(1, 0, 1, 1, log_of(&[1, 1])[1..].to_vec(), 4),
        1,
    );
    assert_eq!(f.commit_index, 2);
    deliver(&mut f, 0, ae(1, 0, 4, 1, vec![], 3), 2);
    assert_eq!(f.commit_index, 3);
    // A smaller leaderCommit never moves it back.
    deliver(&mut f, 0, ae(1, 0, 4, 1, vec![], 1), 3);
    assert_eq!(f.commit_index, 3);
}

// Raft §5.3 (Rules for All Servers): "If commitIndex > lastApplied: increment lastApplied, apply
// log[lastApplied] to state machine" — in log order (put sets, incr adds one).
#[test]
fn committed_entries_are_applied_in_order() {
    let mut f = server(1, 3, &dflt());
    let log = vec![
        put("x", 5, 1),
        Entry {
            term: 1,
            cmd: Cmd::Incr { key: "x".into() },
        },
        Entry {
            term: 1,
            cmd: Cmd::Incr { key: "y".into() },
        },
        put("x", 1, 1),
    ];
    deliver(&mut f, 0, ae(1, 0, 0, 0, log, 3), 1);
    assert_eq!(f.last_applied, 3);
    assert_eq!(f.applied().get("x"), Some(&6));
    assert_eq!(f.applied().get("y"), Some(&1));
    deliver(&mut f, 0, ae(1, 0, 4, 1, vec![], 4), 2);
    assert_eq!(f.applied().get("x"), Some(&1));
}

// Raft §5.3 (Figure 7): a new leader brings divergent follower logs in line with its own —
// missing entries are filled in and extraneous ones deleted, entry by entry (decrement by one)
// or term by term (fast backup).
#[test]
fn figure_7_logs_converge_to_the_leaders() {
    // Figure 7's leader (term 8) and followers (a)–(f); ids 0 (leader) and 1–6.
    let leader = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: [&[u64]; 6] = [
        &[1, 1, 1, 4, 4, 5, 5, 6, 6],
        &[1, 1, 1, 4],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
        &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
        &[1, 1, 1, 4, 4, 4, 4],
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for fast in [false, true] {
        let p = RaftParams {
            fast_backup: fast,
            ..dflt()
        };
        let mut ns = nodes(&p, 7, 7);
        // Distinct commands per term so that equal terms mean equal entries (Log Matching).
        let mk = |terms: &[u64]| -> Vec<Entry> {
            terms
                .iter()
                .enumerate()
                .map(|(i, &t)| put(&format!("t{t}"), i as i64 + 1, t))
                .collect()
        };
        ns[0].set_persistent(7, None, mk(&leader));
        for (i, f) in followers.iter().enumerate() {
            ns[i + 1].set_persistent(7, None, mk(f));
        }
        let mut s = Sim::new(
            9,
            ns,
            net(),
            parse_timeline_of::<RaftCommand>("1:cmd:0:timeout").unwrap(),
        );
        for inv in invariants() {
            s.add_invariant(inv);
        }
        s.run_until(SimTime::from_ms(600), 100_000);
        assert_eq!(leaders(&s), [0], "fast={fast}");
        let want = &s.nodes()[0].log;
        assert_eq!(want.len(), 11, "10 entries + the no-op of term 8");
        for n in s.nodes() {
            assert_eq!(&n.log, want, "fast={fast}: follower {}", n.id);
        }
        let rejections = noted(&s, "AE rejected").len();
        if fast {
            assert!(rejections <= 10, "{rejections}");
        } else {
            assert!(rejections >= 15, "{rejections}");
        }
        no_violations(&s);
    }
}

// ============================================================ §5.4 safety

// Raft §5.4.2 (Figure 8): "Raft never commits log entries from previous terms by counting
// replicas." The scenario of Figure 8 with the no-op: the leader of term 3 replicates an entry
// of term 1 to a majority but does not commit it; a later leader may then overwrite it, safely.
#[test]
fn entries_of_older_terms_are_never_committed_by_counting_replicas() {
    let s = run(1, 5, &dflt(), FIGURE_8, 700);
    assert!(
        noted(&s, "commits 2 ").is_empty(),
        "entry 2 was never committed by server 0"
    );
    assert_eq!(s.nodes()[0].commit_index, 0);
    // Server 4 won term 4 and replaced the term-1 entry at index 2 everywhere it reached.
    assert_eq!(s.nodes()[4].ghost.led_terms, [2, 4]);
    assert_eq!(s.nodes()[1].log[1].term, 2);
    no_violations(&s);
}

/// Buggy toggle scenario for `bug_commit_old_term` (Figure 8; 5 servers, seed 1, latency
/// 10–15 ms, run to 700 ms). Server 0 leads term 1 and appends `put x=1` at index 2, which
/// reaches only server 1; server 0 crashes. Server 4 wins term 2 (votes 2, 3) with its links out
/// cut, so its no-op at index 2 reaches nobody, and crashes. Server 0 restarts and wins term 3
/// (votes 1, 2; server 3 is down); its link to 1 is cut after the first heartbeat, so entry 2 is
/// on 0, 1, 2 but the no-op of term 3 only on 0, 2. The bug commits entry 2 by counting; server
/// 0 applies x=1 and crashes. Server 4 wins term 4 (votes 1, 3) and overwrites index 2.
pub const FIGURE_8: &str = "1:cmd:0:timeout;200:cut:0>2;200:cut:0>3;200:cut:0>4;\
    210:cmd:0:put:x=1;260:crash:0;270:cmd:4:timeout;287:cut:4>1;287:cut:4>2;287:cut:4>3;\
    320:crash:4;330:heal;330:restart:0;330:cmd:0:timeout;331:cmd:0:timeout;332:crash:3;\
    378:cut:0>1;430:crash:0;440:heal;440:restart:3;440:restart:4;440:cmd:4:timeout;\
    441:cmd:4:timeout";

/// Buggy toggle scenario for `bug_vote_without_uptodate` (3 servers, seed 1, run to 600 ms).
/// Server 0 leads term 1; server 2 crashes; `put x=1` commits on 0 and 1; server 2 restarts and
/// times out at once, its log one entry short. The bug grants it votes: it leads term 2 without
/// the committed entry and overwrites it.
pub const STALE_VOTE: &str =
    "1:cmd:0:timeout;100:crash:2;200:cmd:0:put:x=1;300:restart:2;300:cmd:2:timeout";

/// Buggy toggle scenario for `bug_forget_vote` (3 servers, seed 1, run to 300 ms). Servers 0
/// and 2 campaign for term 1 at once; 2's request to 1 is held, 0 and 2 cannot talk. Server 1
/// votes for 0 (who wins), crashes and restarts; the held request is released and the bug lets
/// 1 vote again, for 2: two leaders in term 1.
pub const FORGOTTEN_VOTE: &str = "1:cut:0>2;1:cut:2>0;1:hold:2>1;1:cmd:0:timeout;\
    1:cmd:2:timeout;30:crash:1;35:restart:1;36:release:2>1";

/// The first violation of each invariant in a run.
fn broken(s: &Sim<RaftNode>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

// Buggy Raft (§5.4.2 violated): committing old-term entries by counting loses a committed
// entry — Leader Completeness breaks when server 4 wins term 4, State Machine Safety when it
// commits its own entry 2.
#[test]
fn bug_commit_old_term_is_caught_by_leader_completeness() {
    let p = RaftParams {
        bug_commit_old_term: true,
        ..dflt()
    };
    let s = run(1, 5, &p, FIGURE_8, 700);
    assert_eq!(broken(&s), [LEADER_COMPLETENESS, STATE_MACHINE_SAFETY]);
    assert_eq!(noted(&s, "BUG: entry 2 is from term 1").len(), 1);
    assert_eq!(s.nodes()[0].applied().get("x"), Some(&1));
    assert_eq!(s.nodes()[4].applied().get("x"), None);
}

// Buggy Raft (§5.4.1 skipped): votes for a stale candidate elect a leader without a committed
// entry.
#[test]
fn bug_vote_without_uptodate_is_caught_by_leader_completeness() {
    let clean = run(1, 3, &dflt(), STALE_VOTE, 600);
    no_violations(&clean);
    assert_eq!(clean.nodes()[2].applied().get("x"), Some(&1));
    let p = RaftParams {
        bug_vote_without_uptodate: true,
        ..dflt()
    };
    let s = run(1, 3, &p, STALE_VOTE, 600);
    assert_eq!(broken(&s), [LEADER_COMPLETENESS, STATE_MACHINE_SAFETY]);
    assert_eq!(s.nodes()[2].ghost.led_terms, [2]);
}

// Buggy Raft (voted_for not persistent): a restarted server votes twice in one term.
#[test]
fn bug_forget_vote_is_caught_by_election_safety() {
    let clean = run(1, 3, &dflt(), FORGOTTEN_VOTE, 300);
    no_violations(&clean);
    assert_eq!(
        noted(&clean, "denies vote to 2: already voted for 0").len(),
        1
    );
    let p = RaftParams {
        bug_forget_vote: true,
        ..dflt()
    };
    let s = run(1, 3, &p, FORGOTTEN_VOTE, 300);
    assert_eq!(broken(&s), [ELECTION_SAFETY]);
    assert_eq!(leaders(&s), [0, 2]);
}

/// The buggy scenarios as links (presets), with the invariant each one breaks first.
fn bug_links() -> [(String, &'static str); 3] {
    let link = |n: usize, bug: &str, tl: &str, t: u64| {
        format!(
            "lab=raft&v=1&seed=1&n={n}&lat=10-15&bugs={bug}&faults={}&t={t}",
            tl.replace(char::is_whitespace, "")
        )
    };
    [
        (link(5, "oldterm", FIGURE_8, 700), LEADER_COMPLETENESS),
        (link(3, "uptodate", STALE_VOTE, 600), LEADER_COMPLETENESS),
        (link(3, "forgetvote", FORGOTTEN_VOTE, 300), ELECTION_SAFETY),
    ]
}

// Each buggy scenario, as a shareable link, shows its violation; without the bug, none.
#[test]
fn buggy_scenarios_as_links() {
    for (link, inv) in bug_links() {
        let h = crate::scenario(&link).replay_raft();
        assert_eq!(
            h.sim().violations().first().map(|v| v.invariant),
            Some(inv),
            "{link}"
        );
        let fixed = link
            .replace("&bugs=oldterm", "")
            .replace("&bugs=uptodate", "")
            .replace("&bugs=forgetvote", "");
        assert!(
            crate::scenario(&fixed)
                .replay_raft()
                .sim()
                .violations()
                .is_empty(),
            "{fixed}"
        );
    }
}

// The buggy scenarios catch their bug for every seed, not just the preset's.
#[test]
fn buggy_scenarios_catch_their_bug_on_any_seed() {
    let bugs: [(RaftParams, usize, &str, u64, &str); 3] = [
        (
            RaftParams {
                bug_commit_old_term: true,
                ..dflt()
            },
            5,
            FIGURE_8,
            700,
            LEADER_COMPLETENESS,
        ),
        (
            RaftParams {
                bug_vote_without_uptodate: true,
                ..dflt()
            },
            3,
            STALE_VOTE,
            600,
            LEADER_COMPLETENESS,
        ),
        (
            RaftParams {
                bug_forget_vote: true,
                ..dflt()
            },
            3,
            FORGOTTEN_VOTE,
            300,
            ELECTION_SAFETY,
        ),
    ];
    for (p, n, tl, t, inv) in bugs {
        for seed in 1..=12 {
            let s = run(seed, n, &p, tl, t);
            assert!(broken(&s).contains(&inv), "seed {seed}: {tl}");
            let fixed = RaftParams {
                bug_commit_old_term: false,
                bug_vote_without_uptodate: false,
                bug_forget_vote: false,
                ..p
            };
            no_violations(&run(seed, n, &fixed, tl, t));
        }
    }
}

// Each invariant checker catches the property it names (on hand-made states).
#[test]
fn invariant_checkers_catch_crafted_violations() {
    let p = dflt();
    let first = |mut ns: Vec<RaftNode>| -> Vec<&'static str> {
        for n in &mut ns {
            n.ghost.timeline.clear();
        }
        let mut s = Sim::new(1, ns, net(), vec![]);
        for inv in invariants() {
            s.add_invariant(inv);
        }
        s.step();
        s.violations().iter().map(|v| v.invariant).collect()
    };
    // Log Matching: same (index, term) at 2, different entries before.
    let mut ns = nodes(&p, 3, 3);
    ns[0].set_persistent(2, None, vec![put("x", 1, 1), put("z", 0, 2)]);
    ns[1].set_persistent(2, None, vec![put("x", 2, 1), put("z", 0, 2)]);
    assert_eq!(first(ns), [LOG_MATCHING]);
    // Election Safety: two leaders of term 3 in the history.
    let mut ns = nodes(&p, 3, 3);
    ns[0].ghost.led_terms = vec![3];
    ns[2].ghost.led_terms = vec![1, 3];
    assert_eq!(first(ns), [ELECTION_SAFETY]);
    // Leader Append-Only: a truncation while leader.
    let mut ns = nodes(&p, 3, 3);
    ns[1].ghost.truncations.push(Truncation {
        time: SimTime::ZERO,
        term: 2,
        role: Role::Leader,
        from_index: 1,
        removed: 1,
    });
    assert_eq!(first(ns), [LEADER_APPEND_ONLY]);
    // Leader Completeness: a leader of term 3 lacks an entry committed in term 2.
    let mut ns = nodes(&p, 3, 3);
    ns[0].set_persistent(3, None, log_of(&[1]));
    ns[0].role = Role::Leader;
    ns[1].set_persistent(2, None, log_of(&[1, 2]));
    let chain = ns[1].ghost.chain_at(2);
    ns[1].ghost.commits.push(CommitRecord {
        commit_term: 2,
        index: 2,
        entry_term: 2,
        chain,
    });
    assert_eq!(first(ns), [LEADER_COMPLETENESS]);
    // State Machine Safety: different entries applied at index 1.
    let mut ns = nodes(&p, 3, 3);
    ns[0].ghost.applied_chain.push(1);
    ns[0].ghost.applied_chain.push(2);
    ns[2].ghost.applied_chain.push(7);
    assert_eq!(first(ns), [STATE_MACHINE_SAFETY]);
    let mut ns = nodes(&p, 3, 3);
    ns[2].ghost.apply_error = Some("re-applied a different entry".into());
    assert_eq!(first(ns), [STATE_MACHINE_SAFETY]);
}

/// The chain hash tells entries apart: every entry of a set that differ in one field (term,
/// kind, key — including keys that differ only by trailing zero bytes or across the 8-byte word
/// boundary —, value, members) gets its own hash, on every prefix tried, and the hash of a prefix
/// depends on the prefix.
#[test]
fn chain_hash_tells_entries_and_prefixes_apart() {
    let keys = [
        "",
        "a",
        "a\0",
        "\0",
        "b",
        "k1",
        "k10",
        "abcdefgh",
        "abcdefgh\0",
        "abcdefghi",
    ];
    let mut entries = Vec::new();
    for term in [0, 1, 2, 1 << 40] {
        entries.push(Entry {
            term,
            cmd: Cmd::Noop,
        });
        for k in keys {
            entries.push(Entry {
                term,
                cmd: Cmd::Incr { key: k.into() },
            });
            for value in [0, 1, -1, i64::MAX] {
                entries.push(Entry {
                    term,
                    cmd: Cmd::Put {
                        key: k.into(),
                        value,
                    },
                });
            }
        }
        for m in [
            vec![],
            vec![0],
            vec![1],
            vec![0, 1],
            vec![1, 0],
            vec![0, 1, 2],
        ] {
            entries.push(Entry {
                term,
                cmd: Cmd::Config(m),
            });
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for prev in [0, 1, 2, u64::MAX, chain_hash(0, &entries[3])] {
        for e in &entries {
            assert!(seen.insert(chain_hash(prev, e)), "{prev} {e}");
        }
    }
    assert_eq!(seen.len(), 5 * entries.len());
}

// ============================================================ persistence (Figure 2)

// Raft Figure 2: currentTerm, votedFor and log[] are persistent ("updated on stable storage
// before responding to RPCs"); commitIndex, lastApplied, nextIndex[] and matchIndex[] are
// volatile ("reinitialized after election" / initialized to 0 on start).
#[test]
fn persistent_state_survives_a_restart_and_volatile_state_does_not() {
    let mut n = leader_with(log_of(&[1, 1]), 2, &dflt());
    deliver(&mut n, 1, ae_ok(2, 3), 10);
    assert_eq!((n.commit_index, n.last_applied), (3, 3));
    let (term, vote, log) = (n.current_term, n.voted_for, n.log.clone());
    n.on_restart();
    assert_eq!((n.current_term, n.voted_for, &n.log), (term, vote, &log));
    assert_eq!(n.role, Role::Follower);
    assert_eq!((n.commit_index, n.last_applied), (0, 0));
    assert!(n.applied().is_empty());
    assert_eq!(
        n.progress.iter().map(|p| p.next_index).collect::<Vec<_>>(),
        [1, 1, 1]
    );
    assert_eq!(
        n.progress.iter().map(|p| p.match_index).collect::<Vec<_>>(),
        [0, 0, 0]
    );
    // In a run: the restarted server rebuilds its state machine by re-applying the log once a
    // leader tells it the commit index.
    let s = run(
        4,
        3,
        &dflt(),
        "1:cmd:0:timeout;200:cmd:0:put:x=3;210:cmd:0:incr:x;400:crash:1;500:restart:1",
        501,
    );
    let n1 = &s.nodes()[1];
    assert!(n1.applied().is_empty() && n1.log.len() == 3 && n1.current_term == 1);
    assert_eq!(
        noted(
            &s,
            "restarts as follower with term 1, voted_for 0, log 1..3"
        )
        .len(),
        1
    );
    let mut s = s;
    s.run_until(SimTime::from_ms(700), 100_000);
    assert_eq!(s.nodes()[1].applied().get("x"), Some(&4));
    no_violations(&s);
}

// ============================================================ thesis extensions

// Thesis §9.6 (pre-vote): "a candidate would first ask other servers whether its log was
// up-to-date enough to get their vote … while a server is partitioned, it won't be able to
// increment its term … when it rejoins the cluster, it still won't be able to increment its
// term, since the other servers will have been receiving regular heartbeats from the leader."
#[test]
fn pre_vote_keeps_a_partitioned_server_from_disrupting_the_cluster() {
    let tl = "1:cmd:0:timeout;500:isolate:4;3000:heal";
    let plain = run(6, 5, &dflt(), tl, 4_000);
    assert!(
        plain.nodes()[4].ghost.campaigns.len() >= 5,
        "it campaigns while cut off"
    );
    assert_ne!(
        leaders(&plain),
        [0],
        "its term deposes the leader when it rejoins"
    );
    let p = RaftParams {
        pre_vote: true,
        ..dflt()
    };
    let s = run(6, 5, &p, tl, 4_000);
    let n4 = &s.nodes()[4];
    assert!(n4.ghost.campaigns.is_empty());
    assert!(n4.ghost.pre_votes >= 5);
    assert_eq!(n4.current_term, 1, "the term never moved");
    assert_eq!(leaders(&s), [0], "the leader was never disturbed");
    assert_eq!(measure(&s).elections, 1);
    no_violations(&s);
    no_violations(&plain);
}

// Thesis §9.6: with pre-vote a real election still happens when the leader is gone.
#[test]
fn pre_vote_still_elects_a_new_leader_after_a_crash() {
    let p = RaftParams {
        pre_vote: true,
        ..dflt()
    };
    let s = run(7, 5, &p, "1:cmd:0:timeout;500:crash:0", 1_500);
    assert_eq!(leaders(&s).len(), 1);
    assert_ne!(leaders(&s), [0]);
    // The forced timeout at 1 ms and the timeout after the crash both went through pre-vote.
    assert_eq!(noted(&s, "pre-vote won").len(), 2);
    no_violations(&s);
}

// Thesis §6.2 (check-quorum): "a leader … steps down if an election timeout elapses without a
// successful round of heartbeats to a majority of its cluster".
#[test]
fn check_quorum_makes_a_cut_off_leader_step_down() {
    let tl = "1:cmd:0:timeout;500:partition:0.1|2.3.4";
    let plain = run(8, 5, &dflt(), tl, 2_000);
    assert!(
        plain.nodes()[0].role == Role::Leader,
        "without it the old leader stays"
    );
    let p = RaftParams {
        check_quorum: true,
        ..dflt()
    };
    let s = run(8, 5, &p, tl, 2_000);
    assert_eq!(s.nodes()[0].role, Role::Follower);
    let down = noted(&s, "check-quorum: heard from 2 of 5");
    assert_eq!(down.len(), 1, "{down:?}");
    // It stepped down within two check periods of the partition.
    let t = s
        .trace()
        .iter()
        .find(|e| e.notes.iter().any(|n| n.contains("check-quorum")))
        .map(|e| e.time)
        .unwrap();
    assert!(t <= SimTime::from_ms(800), "{t}");
    assert_eq!(leaders(&s).len(), 1, "the majority side elected its own");
    no_violations(&s);
}

// Thesis §4.2.3 (with check-quorum): "if a server receives a RequestVote request within the
// minimum election timeout of hearing from a current leader, it does not update its term or
// grant its vote" — unless the request comes from a leadership transfer.
#[test]
fn check_quorum_ignores_disruptive_vote_requests_within_the_lease() {
    let p = RaftParams {
        check_quorum: true,
        ..dflt()
    };
    let mut f = server(1, 3, &p);
    deliver(&mut f, 0, ae(1, 0, 0, 0, vec![], 0), 100);
    let e = deliver(&mut f, 2, rv(5, 2, 0, 0), 150);
    assert!(sends(&e).is_empty());
    assert_eq!(f.current_term, 1);
    let transfer = Msg::RequestVote {
        term: 5,
        candidate_id: 2,
        last_log_index: 0,
        last_log_term: 0,
        pre_vote: false,
        transfer: true,
    };
    assert_eq!(reply(&deliver(&mut f, 2, transfer, 151)), vote(5, true));
    // After the lease has run out, an ordinary request counts again.
    let mut f = server(1, 3, &p);
    deliver(&mut f, 0, ae(1, 0, 0, 0, vec![], 0), 100);
    assert_eq!(
        reply(&deliver(&mut f, 2, rv(5, 2, 0, 0), 251)),
        vote(5, true)
    );
}

// Thesis §3.10 (leadership transfer): "the prior leader stops accepting new client requests …
// sends it AppendEntries requests … [then] a TimeoutNow request to the target server … the
// target server … starts a new election".
#[test]
fn leadership_transfer_brings_the_target_up_to_date_then_hands_over() {
    let tl = "1:cmd:0:timeout;300:crash:3;350:cmd:0:put:x=1;400:restart:3;\
              401:cmd:0:transfer:3;402:cmd:0:put:x=2";
    let s = run(9, 5, &dflt(), tl, 900);
    assert_eq!(leaders(&s), [3]);
    assert_eq!(s.nodes()[3].current_term, 2);
    assert_eq!(noted(&s, "brings its log up to date first").len(), 1);
    assert_eq!(noted(&s, "is up to date; sends TimeoutNow").len(), 1);
    assert_eq!(
        noted(&s, "transfer to 3 in progress: request refused").len(),
        1
    );
    assert_eq!(noted(&s, "TimeoutNow from 0").len(), 1);
    // One election: the transfer's (the first was forced at 1 ms).
    assert_eq!(measure(&s).elections, 2);
    assert_eq!(s.nodes()[3].applied().get("x"), Some(&1));
    no_violations(&s);
    // A transfer to a server that cannot answer is abandoned after an election timeout.
    let s = run(
        9,
        5,
        &dflt(),
        "1:cmd:0:timeout;300:crash:3;400:cmd:0:transfer:3;800:cmd:0:put:x=3",
        900,
    );
    assert_eq!(leaders(&s), [0]);
    assert_eq!(noted(&s, "did not finish in an election timeout").len(), 1);
    assert_eq!(
        s.nodes()[0].log.last().map(|e| e.cmd.clone()),
        Some(Cmd::Put {
            key: "x".into(),
            value: 3
        })
    );
}

// Thesis §4.1 (single-server changes): the new configuration "takes effect on each server as
// soon as it is added to that server's log", and the cluster's majorities change with it.
#[test]
fn adding_servers_changes_majorities() {
    let tl = "1:cmd:0:timeout;300:cmd:0:add:3;600:cmd:0:add:4;900:crash:1;900:crash:2;\
              1000:cmd:0:put:x=9";
    let mut s = build(10, 3, 5, &dflt(), tl);
    s.run_until(SimTime::from_ms(1_300), 100_000);
    for i in [0, 3, 4] {
        assert_eq!(s.nodes()[i].config(), [0, 1, 2, 3, 4], "server {i}");
        assert_eq!(s.nodes()[i].applied().get("x"), Some(&9), "server {i}");
    }
    assert!(s.nodes()[3].ghost.campaigns.is_empty());
    no_violations(&s);
    // Spare servers never start elections while they are not members.
    let mut idle = build(10, 3, 5, &dflt(), "");
    idle.run_until(SimTime::from_ms(3_000), 100_000);
    for i in [3, 4] {
        assert!(idle.nodes()[i].ghost.campaigns.is_empty());
        assert!(idle.nodes()[i].log.is_empty());
    }
}

// Thesis §4.1: "a leader … should not begin a new configuration change until the previous one
// has committed", and (2015 fix) not before an entry of its own term has committed.
#[test]
fn one_configuration_change_at_a_time() {
    let s = {
        let mut s = build(
            11,
            3,
            5,
            &dflt(),
            "1:cmd:0:timeout;28:cmd:0:add:3;300:cmd:0:add:3;300:cmd:0:add:4",
        );
        s.run_until(SimTime::from_ms(1_000), 100_000);
        s
    };
    assert_eq!(noted(&s, "no entry of this term is committed yet").len(), 1);
    assert_eq!(
        noted(&s, "is not committed yet: one change at a time").len(),
        1
    );
    assert_eq!(s.nodes()[0].config(), [0, 1, 2, 3]);
    no_violations(&s);
}

// Thesis §4.1/§4.2.2: a removed server stops taking part; a removed leader "steps down once the
// Cnew entry is committed", and the rest elect a new leader.
#[test]
fn removing_servers_including_the_leader() {
    let s = run(
        12,
        5,
        &dflt(),
        "1:cmd:0:timeout;300:cmd:0:remove:4;2000:cmd:1:put:y=1",
        3_000,
    );
    assert_eq!(
        s.nodes()[4].config(),
        [0, 1, 2, 3],
        "it learned of its removal"
    );
    assert!(s.nodes()[4].ghost.campaigns.is_empty());
    assert_eq!(leaders(&s), [0]);
    no_violations(&s);
    let s = run(12, 3, &dflt(), "1:cmd:0:timeout;300:cmd:0:remove:0", 1_500);
    assert_eq!(
        noted(&s, "its removal (entry 2) is committed: steps down").len(),
        1
    );
    let l = leaders(&s);
    assert_eq!(l.len(), 1);
    assert_ne!(l[0], 0);
    assert!(
        s.nodes()[0].ghost.campaigns.len() == 1,
        "never campaigns again"
    );
    assert_eq!(s.nodes()[l[0]].config(), [1, 2]);
    no_violations(&s);
}

// Thesis §4.2.2: a server removed by an uncommitted entry may still be needed to commit it. In
// a two-server configuration only the removed server holds the entry, and its vote is needed:
// it stands for election (through a pre-vote), commits its removal and steps down.
#[test]
fn a_removed_server_holding_the_only_copy_commits_its_removal() {
    let tl = "1:cmd:1:timeout;300:isolate:1;300:cmd:1:remove:1;310:crash:1;320:heal;330:restart:1";
    let s = run(16, 2, &dflt(), tl, 2_000);
    assert_eq!(leaders(&s), [0]);
    assert_eq!(s.nodes()[0].config(), [0]);
    assert!(s.nodes()[0].commit_index >= 3);
    assert_eq!(
        noted(&s, "its removal (entry 2) is committed: steps down").len(),
        1
    );
    assert!(!s.nodes()[1].may_campaign());
    assert!(!noted(&s, "whose change is not known committed").is_empty());
    assert_eq!(
        s.nodes()[1].ghost.led_terms.len(),
        2,
        "it led once more to commit it"
    );
    no_violations(&s);
}

// ============================================================ commands

// The keys with a syntax of their own refuse by the lab's variant, with the banner's words.
#[test]
fn raft_keys_refuse_by_variant() {
    let bugs = lab_key_error::<RaftLab>("bugs", "uptodate,foo");
    assert_eq!(bugs.get::<UnknownBug>(), Some(&UnknownBug("foo".into())));
    assert_eq!(
        bugs.to_string(),
        "unknown bug 'foo' (known: uptodate, oldterm, forgetvote)"
    );
    let et = |v| {
        lab_key_error::<RaftLab>("et", v)
            .get::<TimeoutsError>()
            .cloned()
    };
    assert_eq!(et("300"), Some(TimeoutsError::Form("300".into())));
    assert_eq!(
        et("300-150"),
        Some(TimeoutsError::Reversed("300-150".into()))
    );
}

#[test]
fn commands_are_validated_and_reported() {
    let s = run(
        13,
        3,
        &dflt(),
        "1:cmd:0:timeout;100:cmd:0:timeout;100:cmd:1:incr:k;100:cmd:0:add:7;\
         100:cmd:1:transfer:2",
        200,
    );
    assert_eq!(
        noted(&s, "is the leader: it has no election timeout").len(),
        1
    );
    assert_eq!(noted(&s, "not the leader: incr k → ask 0").len(), 1);
    // A server that does not exist is refused when the command runs, by variant.
    let no_server = |id| RaftRefusal::NoServer { id, last: 2 };
    assert_eq!(command(&s, 0, RaftCommand::Add(7)), Err(no_server(7)));
    assert_eq!(command(&s, 0, RaftCommand::Remove(9)), Err(no_server(9)));
    assert_eq!(command(&s, 1, RaftCommand::Transfer(5)), Err(no_server(5)));
    assert_eq!(
        command(&s, 1, RaftCommand::Remove(2)),
        Ok(()),
        "a follower answers"
    );
    let note = format!("node 0 ignored 'add:7': {}", no_server(7));
    assert_eq!(
        note,
        "node 0 ignored 'add:7': server 7 does not exist (servers 0–2)"
    );
    assert_eq!(noted(&s, &note).len(), 1);
    assert_eq!(noted(&s, "not the leader: transfer to 2 → ask 0").len(), 1);
    // A command the lab does not know is refused when the link is read: only its entry is
    // dropped, and the banner names it.
    let d =
        engine::scenario::decode("lab=raft&faults=1:cmd:0:timeout;100:cmd:0:explode;200:crash:1");
    assert_eq!(
        engine::fault::fmt_timeline(&d.scenario.faults),
        "1:cmd:0:timeout;200:crash:1"
    );
    assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
    let e = d.errors[0].to_string();
    assert!(
        e.contains("100:cmd:0:explode") && e.contains("unknown Raft command"),
        "{e}"
    );
    // The lab's typed error, through the fault reader.
    let read = |t: &str| engine::scenario::parse_fault_for(&d.scenario, t);
    let refused = |t: &str| match read(t) {
        Err(engine::fault::FaultError::Command(e)) => e.get::<RaftCommandError>().cloned(),
        other => panic!("{t}: {other:?}"),
    };
    assert_eq!(
        refused("cmd:0:explode"),
        Some(RaftCommandError::Unknown("explode".into()))
    );
    assert_eq!(
        refused("cmd:1:transfer:11"),
        Some(RaftCommandError::ServerOutside(11))
    );
    assert_eq!(
        refused("cmd:1:put:x=1.5"),
        Some(RaftCommandError::NotWhole("1.5".into()))
    );
    assert_eq!(
        d.scenario.faults[0].fault.command_as::<RaftCommand>(),
        Some(&RaftCommand::Timeout)
    );
}

#[test]
fn message_labels_are_short() {
    let e = log_of(&[3, 3]);
    let cases = [
        (rv(3, 1, 0, 0), "RV t3"),
        (
            Msg::RequestVote {
                term: 3,
                candidate_id: 1,
                last_log_index: 0,
                last_log_term: 0,
                pre_vote: true,
                transfer: false,
            },
            "preRV t3",
        ),
        (vote(3, true), "RV✓ t3"),
        (vote(2, false), "RV✗ t2"),
        (ae(3, 0, 0, 0, vec![], 0), "AE t3"),
        (ae(3, 0, 0, 0, e, 0), "AE t3 +2"),
        (ae_ok(3, 1), "AE✓ t3"),
        (Msg::TimeoutNow { term: 4 }, "TimeoutNow t4"),
    ];
    for (m, s) in cases {
        assert_eq!(m.to_string(), s);
    }
    assert_eq!(Timer::Election.to_string(), "election");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    // `parse_command` never panics, and its errors quote at most 40 characters of the input.
    #[test]
    fn parse_command_never_panics(text in ".{0,200}") {
        if let Err(e) = parse_command(&text) {
            let e = e.to_string();
            prop_assert!(e.chars().count() < 160, "{}", e);
        }
    }
}

// ============================================================ transcripts

/// Replays a `lab=raft` transcript link from step 0 through the scenario codec.
fn replay_raft(t: &Transcript, path: &Path) -> Vec<String> {
    crate::transcript::replay_with(t, path, engine::scenario::Scenario::build_raft)
}

#[test]
fn transcripts_match_the_engine() {
    check_lab("raft", 3, replay_raft);
}

// ============================================================ random faults, determinism

#[derive(Clone, Debug)]
enum Act {
    Fault(Fault),
    Cmd(usize, String),
}

/// One direction of a link between two different servers (`slots >= 2`).
fn link(slots: usize) -> impl Strategy<Value = (usize, usize)> {
    (0..slots, 1..slots.max(2)).prop_map(move |(a, d)| (a, (a + d) % slots.max(2)))
}

fn act(slots: usize) -> impl Strategy<Value = Act> {
    let s = 0..slots;
    prop_oneof![
        3 => s.clone().prop_map(|i| Act::Fault(Fault::Crash(i))),
        3 => s.clone().prop_map(|i| Act::Fault(Fault::Restart(i))),
        1 => s.clone().prop_map(|i| Act::Fault(Fault::Isolate(i))),
        2 => proptest::collection::vec(any::<bool>(), slots).prop_map(|side| {
            let a: Vec<usize> = (0..side.len()).filter(|&i| side[i]).collect();
            Act::Fault(Fault::Partition(vec![a]))
        }),
        2 => Just(Act::Fault(Fault::Heal)),
        1 => (0..200_000u32).prop_map(|ppm| Act::Fault(Fault::SetLoss(ppm))),
        1 => link(slots).prop_map(|(a, b)| Act::Fault(Fault::Cut(a, b))),
        1 => link(slots).prop_map(|(a, b)| Act::Fault(Fault::Hold(a, b))),
        1 => link(slots).prop_map(|(a, b)| Act::Fault(Fault::Release(a, b))),
        1 => link(slots).prop_map(|(a, b)| Act::Fault(Fault::Restore(a, b))),
        1 => (1..20u64, 0..60u64).prop_map(|(lo, extra)| Act::Fault(Fault::SetLatency(
            Latency::Exponential(MS(lo), MS(lo + extra))))),
        3 => s.clone().prop_map(|i| Act::Cmd(i, "timeout".into())),
        6 => (s.clone(), 0..3u8, -5..5i64)
            .prop_map(|(i, k, v)| Act::Cmd(i, format!("put:k{k}={v}"))),
        3 => (s.clone(), 0..3u8).prop_map(|(i, k)| Act::Cmd(i, format!("incr:k{k}"))),
        1 => (s.clone(), s.clone()).prop_map(|(i, j)| Act::Cmd(i, format!("transfer:{j}"))),
        1 => (s.clone(), s.clone()).prop_map(|(i, j)| Act::Cmd(i, format!("add:{j}"))),
        1 => (s.clone(), s.clone()).prop_map(|(i, j)| Act::Cmd(i, format!("remove:{j}"))),
    ]
}

/// A random fault schedule over 0–4 s; at 4 s everything is healed and restarted.
fn schedule(slots: usize) -> impl Strategy<Value = Vec<TimedFault>> {
    proptest::collection::vec((0..4_000u64, act(slots)), 0..40).prop_map(move |v| {
        let mut t: Vec<TimedFault> = v
            .into_iter()
            .map(|(ms, a)| TimedFault {
                at: SimTime::from_ms(ms),
                fault: match a {
                    Act::Fault(f) => f,
                    Act::Cmd(i, text) => rc(i, &text),
                },
            })
            .collect();
        let end = SimTime::from_ms(4_000);
        t.push(TimedFault {
            at: end,
            fault: Fault::Heal,
        });
        t.push(TimedFault {
            at: end,
            fault: Fault::SetLoss(0),
        });
        t.push(TimedFault {
            at: end,
            fault: Fault::SetLatency(net().latency),
        });
        for i in 0..slots {
            t.push(TimedFault {
                at: end,
                fault: Fault::Restart(i),
            });
        }
        t.sort_by_key(|f| f.at);
        t
    })
}

/// (members, slots): mostly 3–5 members, sometimes 1–2 or 6–9, with up to two spare servers.
fn cluster() -> impl Strategy<Value = (usize, usize)> {
    (
        prop_oneof![1 => 1..=2usize, 6 => 3..=5usize, 2 => 6..=9usize],
        0..=2usize,
    )
        .prop_map(|(n, spare)| (n, (n + spare).min(MAX_SERVERS)))
}

fn safe_params() -> impl Strategy<Value = RaftParams> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(150u64), Just(100)],
    )
        .prop_map(|(pv, cq, fb, lo)| RaftParams {
            pre_vote: pv,
            check_quorum: cq,
            fast_backup: fb,
            election_timeout_min: MS(lo),
            election_timeout_max: MS(lo * 2),
            ..dflt()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    // Figure 3: no schedule of crashes, restarts, partitions, cut links, loss, duplication,
    // forced timeouts, client requests, transfers and membership changes breaks an invariant;
    // once everything is healed and restarted, a leader is elected.
    #[test]
    fn random_faults_never_break_safety(
        seed in any::<u64>(),
        dup in prop_oneof![Just(0u32), Just(50_000)],
        p in safe_params(),
        (servers, slots, faults) in cluster()
            .prop_flat_map(|(n, slots)| (Just(n), Just(slots), schedule(slots))),
    ) {
        let cfg = NetConfig { dup_ppm: dup, ..net() };
        let mut s = new_sim(seed, &p, servers, slots, cfg, faults.clone());
        s.run_until(SimTime::from_ms(7_000), 2_000_000);
        let tl = engine::fault::fmt_timeline(&faults);
        prop_assert!(
            s.violations().is_empty(),
            "seed={} servers={} slots={} dup={} params={:?}\nfaults={}\n{:?}",
            seed, servers, slots, dup, p, tl, s.violations()
        );
        // Liveness, except for thesis §4.2.3's disruptive servers: after a membership change a
        // server may hold a configuration the others do not (a removal it never learned, or an
        // addition the others rolled back); it keeps starting elections with higher terms and
        // deposing leaders, unless pre-vote or check-quorum stops it.
        let changes = faults.iter().any(|f| {
            matches!(
                f.fault.command_as::<RaftCommand>(),
                Some(RaftCommand::Remove(_) | RaftCommand::Add(_))
            )
        });
        let l = leaders(&s);
        prop_assert!(
            !l.is_empty() || (changes && !p.pre_vote && !p.check_quorum),
            "no leader 3 s after healing: seed={} servers={} slots={} dup={} params={:?}\nfaults={}",
            seed, servers, slots, dup, p, tl
        );
    }
}

// Same inputs, same run: two runs of a busy scenario have identical traces and metrics, and a
// step back through history replays exactly.
#[test]
fn a_run_is_deterministic() {
    let tl = "1:cmd:0:timeout;200:cmd:0:put:a=1;300:partition:0.1|2.3.4;350:cmd:0:put:b=2;\
              700:cmd:2:incr:a;700:cmd:3:incr:a;700:cmd:4:incr:a;900:heal;1000:crash:2;1100:loss:10;\
              1500:restart:2;1600:cmd:1:transfer:0";
    let p = RaftParams {
        pre_vote: true,
        check_quorum: true,
        ..dflt()
    };
    let a = run(21, 5, &p, tl, 3_000);
    let b = run(21, 5, &p, tl, 3_000);
    assert_same_trace(&a, &b, "same seed");
    // The trace keeps what it shows of a message (an AppendEntries' entry count, not the
    // entries): the servers' whole states, logs included, must match too.
    assert_eq!(a.nodes(), b.nodes(), "same seed, same server states");
    assert_eq!(measure(&a), measure(&b));
    let c = run(22, 5, &p, tl, 3_000);
    assert_ne!(lines(&a), lines(&c), "another seed, another run");
    let mut h = engine::History::new(build(21, 5, 5, &p, tl));
    h.seek_step(500);
    h.seek_step(200);
    h.run_until(SimTime::from_ms(3_000), 1_000_000);
    assert_same_trace(h.sim(), &a, "after stepping back");
    no_violations(&a);
}

// ============================================================ metrics

// Time without a leader is measured from each disruption to the next working leader.
#[test]
fn outages_are_measured_per_disruption() {
    let s = run(
        14,
        5,
        &dflt(),
        "1:cmd:0:timeout;500:crash:3;1000:crash:0;2000:partition:1.2|3.4;2500:heal",
        3_000,
    );
    let m = measure(&s);
    let causes: Vec<&str> = m.outages.iter().map(|o| o.cause.as_str()).collect();
    assert_eq!(causes[0], "start");
    assert!(
        m.outages[0].duration_ms < 40.0,
        "forced election at 1 ms: {:?}",
        m.outages[0]
    );
    assert_eq!(
        causes[1], "crash:0",
        "a follower's crash is no outage: {causes:?}"
    );
    let crash = &m.outages[1];
    assert!(
        crash.duration_ms >= 150.0 && crash.duration_ms <= 700.0,
        "{crash:?}"
    );
    assert!(causes[2].starts_with("partition"), "{causes:?}");
    let total: f64 = m.outages.iter().map(|o| o.duration_ms).sum();
    assert_eq!(m.leaderless_ms, total);
    assert!(m.outages.iter().all(|o| o.end_ms.is_some()));
    // Messages: the ghost counts agree with the simulator's.
    assert_eq!(m.messages.total(), s.stats().sent);
    assert!(m.invariants.iter().all(|i| i.holds) && m.invariants.len() == 5);
    no_violations(&s);
}

// A split vote is an election in which nobody wins the term.
#[test]
fn split_votes_are_counted() {
    // Four servers; 0 and 1 campaign at once; 2 hears 0 first and 3 hears 1 first.
    let s = run(
        15,
        4,
        &dflt(),
        "1:hold:1>2;1:hold:0>3;1:cmd:0:timeout;1:cmd:1:timeout;60:heal",
        1_500,
    );
    let m = measure(&s);
    assert_eq!(m.split_votes, 1, "{:?}", noted(&s, "candidate"));
    assert!(m.elections >= 3);
    assert_eq!(leaders(&s).len(), 1);
    no_violations(&s);
}

// An isolated server times out again and again, alone in each of its terms: those are lone
// campaigns, not split votes (nobody split the vote with it).
#[test]
fn an_isolated_servers_campaigns_are_not_split_votes() {
    let s = run(3, 5, &dflt(), "1000:isolate:2", 4_000);
    let m = measure(&s);
    assert_eq!(m.split_votes, 0, "{:?}", noted(&s, "candidate"));
    assert!(m.lone_campaigns >= 3, "{m:?}");
    assert_eq!(leaders(&s).len(), 1);
}

// ============================================================ §9.3 experiment

// Raft §9.3 (Figure 16): a small amount of randomization in the election timeout avoids split
// votes; with none (150–150 ms) elections take far longer.
#[test]
fn time_to_elect_follows_figure_16() {
    let p = dflt();
    let a = time_to_elect(1, 150, 300, &p).expect("elects");
    assert_eq!(Some(a), time_to_elect(1, 150, 300, &p), "deterministic");
    // Followers started their timers at the last heartbeat, up to one interval (75 ms) before
    // the crash.
    assert!(a >= MS(75) && a <= MS(700), "{a}");
    let series = fig16(&[(150, 150), (150, 300)], 0..12, &p);
    for s in &series {
        assert!(s.samples_ms.windows(2).all(|w| w[0] <= w[1]), "sorted");
        assert_eq!(s.samples_ms.len() + s.no_leader, 12);
    }
    let median = |s: &Fig16Series| {
        s.samples_ms
            .get(s.samples_ms.len() / 2)
            .copied()
            .unwrap_or(f64::MAX)
    };
    assert!(
        series[0].no_leader >= 10,
        "no randomness, endless split votes"
    );
    assert!(median(&series[1]) < 300.0, "{series:?}");
    assert_eq!(FIG16_RANGES_MS.len(), 6);
}

// The page hands the experiment to web workers as numbers (`Fig16Job`): every switch survives
// the trip, a job runs exactly `time_to_elect` for its seeds (NaN for no leader), and nothing
// but a well-formed job is read.
#[test]
fn a_fig16_job_survives_the_trip_to_a_worker_and_runs_the_same_seeds() {
    let switches: [fn(&mut RaftParams); 6] = [
        |p| p.pre_vote = true,
        |p| p.check_quorum = true,
        |p| p.fast_backup = true,
        RAFT_BUGS[0].2,
        RAFT_BUGS[1].2,
        RAFT_BUGS[2].2,
    ];
    for bits in 0..64u32 {
        let mut params = dflt();
        for (i, on) in switches.iter().enumerate() {
            if bits & (1 << i) != 0 {
                on(&mut params);
            }
        }
        let job = Fig16Job {
            range: (bits % 6) as usize,
            lo_ms: 150,
            hi_ms: 150 + u64::from(bits),
            first: 1_000 + u64::from(bits),
            count: 3,
            params,
        };
        assert_eq!(Fig16Job::from_words(&job.to_words()), Some(job), "{bits:b}");
    }
    let params = RaftParams {
        pre_vote: true,
        ..dflt()
    };
    let job = Fig16Job {
        range: 1,
        lo_ms: 150,
        hi_ms: 151,
        first: 7,
        count: 12,
        params,
    };
    let ran = job.run();
    assert_eq!(ran.len(), 12);
    for (i, ms) in ran.iter().enumerate() {
        match time_to_elect(7 + i as u64, 150, 151, &params) {
            Some(d) => assert_eq!(*ms, d.as_ms_f64()),
            None => assert!(ms.is_nan()),
        }
    }
    let w = job.to_words();
    let bad = |i: usize, x: f64| {
        let mut v = w;
        v[i] = x;
        Fig16Job::from_words(&v)
    };
    for x in [f64::NAN, f64::INFINITY, -1.0, 0.5, 1e300] {
        for i in 0..6 {
            assert_eq!(bad(i, x), None, "word {i} = {x}");
        }
    }
    assert_eq!(
        bad(4, (FIG16_JOB_MAX_RUNS + 1) as f64),
        None,
        "too many runs"
    );
    assert_eq!(bad(5, 64.0), None, "an unknown switch");
    assert_eq!(bad(1, 152.0), None, "a reversed range");
    assert_eq!(Fig16Job::from_words(&w[..5]), None, "too short");
    assert_eq!(
        Fig16Job::from_words(&[w.as_slice(), &[0.0]].concat()),
        None,
        "too long"
    );
}

// The page's experiment takes answers in any order (two workers, jobs of a few seeds) and must
// end with exactly `fig16`'s curves: answers folded in seed order, a repeated or stale answer
// ignored, words that are no answer refused, and the rest run on the page's thread after a
// worker fails.
#[test]
fn the_experiment_folds_answers_in_any_order_into_fig16s_curves() {
    let params = dflt();
    let runs = 7;
    let want = fig16(&FIG16_RANGES_MS, 0..runs, &params);
    let check = |p: &Fig16Progress| {
        assert!(p.finished());
        assert_eq!(p.done_total(), 6 * runs);
        for (k, w) in want.iter().enumerate() {
            // In seed order, as one thread runs them.
            let (lo, hi) = FIG16_RANGES_MS[k];
            let in_order: Vec<f64> = time_to_elect_batch(lo, hi, 0..runs, &params)
                .into_iter()
                .flatten()
                .map(|d| d.as_ms_f64())
                .collect();
            assert_eq!(p.samples[k], in_order, "range {k}");
            assert_eq!(p.missing[k], w.no_leader, "range {k}");
        }
    };
    // Every job answered, in a scrambled order, one answer twice.
    let mut p = Fig16Progress::new(runs);
    let mut jobs = p.jobs(3, &params);
    assert_eq!(jobs.len(), 6 * 3, "7 seeds in jobs of 3, 3 and 1");
    jobs.rotate_left(5);
    jobs.swap(0, 11);
    for job in &jobs {
        assert!(p.answer(&job.answer()));
    }
    assert!(p.answer(&jobs[3].answer()), "a repeat is an answer");
    check(&p);
    // Not answers.
    for bad in [
        &[][..],
        &[0.0],
        &[-1.0, 0.0, 5.0],
        &[6.0, 0.0, 5.0],
        &[0.5, 0.0],
        &[0.0, f64::NAN],
    ] {
        assert!(!Fig16Progress::new(runs).answer(bad), "{bad:?}");
    }
    // Half the jobs answered (some ahead of a missing one), then the page runs the rest.
    let mut p = Fig16Progress::new(runs);
    for job in p.jobs(2, &params).iter().rev().step_by(2) {
        assert!(p.answer(&job.answer()));
    }
    assert!(!p.finished());
    p.forget_ahead();
    while p.run_next(&params) {}
    check(&p);
}

/// A random fault timeline for `n` servers over `until_ms`: crashes, restarts, cuts, holds,
/// releases, partitions, heals, forced timeouts, transfers, membership changes and client requests.
fn random_timeline(rng: &mut Rng, n: usize, until_ms: u64, len: usize) -> Vec<TimedFault> {
    let mut v: Vec<TimedFault> = (0..len)
        .map(|_| {
            let i = rng.below(n as u64) as NodeId;
            let j = (i + 1 + rng.below(n as u64 - 1) as NodeId) % n;
            let fault = match rng.below(12) {
                0 => Fault::Crash(i),
                1 => Fault::Restart(i),
                2 => Fault::Cut(i, j),
                3 => Fault::Hold(i, j),
                4 => Fault::Release(i, j),
                5 => Fault::Partition(vec![vec![i], (0..n).filter(|&k| k != i).collect()]),
                6 => Fault::Heal,
                7 => Fault::command(i, RaftCommand::Timeout),
                8 => Fault::command(i, RaftCommand::Transfer(j)),
                9 => Fault::command(i, RaftCommand::Remove(j)),
                10 => Fault::command(i, RaftCommand::Add(j)),
                _ => rc(i, &format!("incr:k{}", rng.below(3))),
            };
            TimedFault {
                at: SimTime::from_ms(rng.below(until_ms)),
                fault,
            }
        })
        .collect();
    v.sort_by_key(|f| f.at);
    v
}

// The incremental invariant checks (what `new_sim` uses) find exactly the violations of the
// full checks after every event, and agree on which invariants hold, on random fault
// schedules with and without each buggy toggle.
#[test]
fn incremental_invariants_agree_with_full_checks_after_every_event() {
    let bugs = [
        dflt(),
        RaftParams {
            bug_commit_old_term: true,
            ..dflt()
        },
        RaftParams {
            bug_vote_without_uptodate: true,
            ..dflt()
        },
        RaftParams {
            bug_forget_vote: true,
            ..dflt()
        },
    ];
    let mut caught = 0;
    for (b, p) in bugs.iter().enumerate() {
        for seed in 1..=cases(6) as u64 {
            let n = 3 + 2 * (seed as usize % 3);
            let mut rng = Rng::new(seed * 31 + b as u64);
            let faults = random_timeline(&mut rng, n, 3_000, 40);
            let mut inc = new_sim(seed, p, n, n, net(), faults.clone());
            let mut full = Sim::new(seed, nodes(p, n, n), net(), faults);
            for inv in invariants() {
                full.add_invariant(inv);
            }
            while inc.now() < SimTime::from_ms(3_000) && inc.step().is_some() {
                full.step();
                assert_eq!(
                    inc.violations(),
                    full.violations(),
                    "seed {seed}, bug set {b}"
                );
                assert_eq!(inc.invariant_status(), full.invariant_status());
            }
            caught += inc.violations().len();
        }
    }
    // The schedules do break invariants under the buggy toggles, so both paths were exercised.
    assert!(caught > 0);
}

// A long history (its snapshots thinned several times) with client requests injected along the
// way: seeking back anywhere, stepping back and playing forward again land on exactly the state
// and trace of a run that only ever went forward.
#[test]
fn long_history_with_injections_steps_back_exactly() {
    use engine::History;
    let p = dflt();
    let build = || History::new(new_sim(3, &p, 5, 5, net(), vec![]));
    let (mut h, mut fwd) = (build(), build());
    let (mut t, mut k) = (0u64, 0u64);
    while fwd.sim().steps() < 20_000 {
        t += 10;
        fwd.run_until(SimTime::from_ms(t), u64::MAX);
        h.run_until(SimTime::from_ms(t), u64::MAX);
        let Some(l) = leader(fwd.sim()) else { continue };
        k += 1;
        fwd.inject(rc(l, &format!("incr:k{}", k % 4)));
        h.inject(rc(l, &format!("incr:k{}", k % 4)));
        // Wander back and forth in `h` now and then; it must come back to the same run.
        if k.is_multiple_of(97) {
            let here = h.sim().steps();
            h.seek_step(here / 3);
            h.step_back();
            h.seek_step(here);
            h.run_until(SimTime::from_ms(t), u64::MAX);
        }
    }
    assert!(h.snapshot_count() <= engine::history::MAX_SNAPSHOTS + 4);
    // Plain runs of the forward run's schedule (it holds every injection) to some steps.
    let checkpoints = [1u64, 255, 256, 4_000, 9_000, 17_000, 19_999];
    let states: Vec<(u64, Sim<RaftNode>)> = checkpoints
        .iter()
        .map(|&c| {
            let mut plain = new_sim(3, &p, 5, 5, net(), fwd.sim().schedule().to_vec());
            while plain.steps() < c {
                plain.step();
            }
            (c, plain)
        })
        .collect();
    assert_same_trace(h.sim(), fwd.sim(), "after wandering");
    for (c, plain) in states.iter().rev() {
        h.seek_step(*c);
        assert_eq!(h.sim().nodes(), plain.nodes(), "seek back to {c}");
        assert_same_trace(h.sim(), plain, &format!("seek back to {c}"));
        h.step_back();
        h.step();
        assert_eq!(
            h.sim().nodes(),
            plain.nodes(),
            "step back and forward at {c}"
        );
    }
}

// With only a tail of the trace kept, a run is the same run: the tail is the end of the full
// trace, and violations and measurements are identical, also after steps back.
#[test]
fn a_trace_tail_changes_nothing_but_what_is_kept() {
    use engine::History;
    let p = RaftParams {
        bug_commit_old_term: true,
        ..dflt()
    };
    let faults = parse_timeline_of::<RaftCommand>(FIGURE_8).expect("timeline");
    let build = |tail: Option<usize>| {
        let mut h = History::new(new_sim(1, &p, 5, 5, net(), faults.clone()));
        h.keep_trace_tail(tail);
        h
    };
    let (mut full, mut tail) = (build(None), build(Some(64)));
    for t in (100..=4_000).step_by(100) {
        full.run_until(SimTime::from_ms(t), u64::MAX);
        tail.run_until(SimTime::from_ms(t), u64::MAX);
        if t % 700 == 0 {
            for h in [&mut full, &mut tail] {
                let k = h.sim().steps();
                h.seek_step(k - 100);
                h.step_back();
                h.seek_step(k);
                h.run_until(SimTime::from_ms(t), u64::MAX);
            }
        }
        let (a, b) = (full.sim().trace(), tail.sim().trace());
        assert!(
            b.len() < 200 && b.len() <= a.len(),
            "{} of {}",
            b.len(),
            a.len()
        );
        assert_eq!(&a[a.len() - b.len()..], b, "at {t} ms");
        assert_eq!(b.last().map(|e| e.step), Some(tail.sim().steps()));
        assert_eq!(full.sim().violations(), tail.sim().violations());
        assert_eq!(measure(full.sim()), measure(tail.sim()), "at {t} ms");
    }
    assert!(!tail.sim().violations().is_empty());
}

// A quiet run (no notes formatted, `Sim::set_quiet`) is the same run: the same events in the same
// order, node states, violations and measurements; only the notes are missing.
#[test]
fn a_quiet_run_differs_only_in_its_notes() {
    let p = RaftParams {
        bug_commit_old_term: true,
        ..dflt()
    };
    let faults = parse_timeline_of::<RaftCommand>(FIGURE_8).expect("timeline");
    let mut loud = new_sim(1, &p, 5, 5, net(), faults.clone());
    let mut quiet = new_sim(1, &p, 5, 5, net(), faults);
    quiet.set_quiet(true);
    for t in (100..=4_000).step_by(100) {
        loud.run_until(SimTime::from_ms(t), u64::MAX);
        quiet.run_until(SimTime::from_ms(t), u64::MAX);
        assert_eq!(loud.nodes(), quiet.nodes(), "at {t} ms");
        assert_eq!(loud.violations(), quiet.violations());
        assert_eq!(measure(&loud), measure(&quiet), "at {t} ms");
    }
    let (a, b) = (loud.trace(), quiet.trace());
    assert_eq!(a.len(), b.len());
    assert!(a.iter().any(|e| !e.notes.is_empty()));
    for (x, y) in a.iter().zip(b) {
        assert!(y.notes.is_empty());
        assert_eq!((x.step, x.time, &x.what), (y.step, y.time, &y.what));
    }
    assert!(!quiet.violations().is_empty());
}

// `Sim::advance` (the experiments' stepping) is `Sim::step` without the trace line: the same
// events — deliveries, random losses, drops at a cut link or a down server, held messages, timers
// and faults — leave the same node states, counters, violations and clock after every event.
#[test]
fn advance_is_step_without_the_trace_line() {
    let p = RaftParams {
        bug_commit_old_term: true,
        ..dflt()
    };
    let mut faults = parse_timeline_of::<RaftCommand>(FIGURE_8).expect("timeline");
    faults.extend(
        parse_timeline_of::<RaftCommand>(
            "500:hold:4>1;500:hold:4>2;900:release:4>1;900:release:4>2;1200:cut:2>3;1700:restore:2>3;2100:loss:20;2600:loss:0",
        )
        .expect("timeline"),
    );
    let lossy = NetConfig {
        dup_ppm: 50_000,
        ..net()
    };
    let mut stepped = new_sim(3, &p, 5, 5, lossy, faults.clone());
    let mut advanced = new_sim(3, &p, 5, 5, lossy, faults);
    stepped.set_quiet(true);
    advanced.set_quiet(true);
    let mut kinds = std::collections::BTreeSet::new();
    while stepped.now() < SimTime::from_ms(4_000) {
        let what = stepped.step().map(|e| e.what.clone());
        assert_eq!(what.is_some(), advanced.advance(), "same end");
        let Some(what) = what else { break };
        kinds.insert(match what {
            What::Deliver { .. } => "deliver",
            What::Drop { .. } => "drop",
            What::Hold { .. } => "hold",
            What::Timer { .. } => "timer",
            What::Fault(_) => "fault",
        });
        assert_eq!(stepped.steps(), advanced.steps());
        assert_eq!(stepped.now(), advanced.now());
        assert_eq!(
            stepped.nodes(),
            advanced.nodes(),
            "at step {}",
            stepped.steps()
        );
        assert_eq!(stepped.stats(), advanced.stats());
        assert_eq!(stepped.violations(), advanced.violations());
    }
    assert!(advanced.trace().is_empty(), "advance writes no trace line");
    assert!(stepped.stats().lost > 0 && stepped.stats().dropped > 0);
    assert!(
        kinds.len() >= 5,
        "deliver, drop, hold, timer and fault events: {kinds:?}"
    );
    assert!(!advanced.violations().is_empty());
}

/// A Raft command to server `i`, from its link text.
fn rc(i: usize, text: &str) -> Fault {
    Fault::command(i, text.parse::<RaftCommand>().expect("a Raft command"))
}
