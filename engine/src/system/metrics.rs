//! What the clients saw, end to end, and how fast each mechanism reacted.

use super::params::{Role as Proc, SystemParams};
use super::SysNode;
use crate::avail::nines::Avail;
use crate::avail::system::k_of_n;
use crate::health::Health;
use crate::lb::metrics::percentiles_of_sorted;
use crate::raft::Role;
use crate::sim::Sim;
use crate::time::SimTime;
use serde::Serialize;

/// One shard's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShardReport {
    /// Its leader (member inside the shard), if a running member leads.
    pub leader: Option<usize>,
    /// The highest term any member has seen.
    pub term: u64,
    /// Elections won over the run.
    pub elections: usize,
    /// The leader's commit index.
    pub commit_index: u64,
}

/// Where the time of answered requests went, mean ms per request.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimeSplit {
    /// Failed client attempts before the one that was answered (timeouts, errors).
    pub client_retries_ms: f64,
    /// Balancer ↔ app network.
    pub lb_app_ms: f64,
    /// App ↔ shard network and tries at members that did not answer or redirected.
    pub app_shard_ms: f64,
    /// At the shard leader: commit (writes) or leadership confirmation (reads).
    pub leader_ms: f64,
}

/// The lab's measurements.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SystemMetrics {
    /// Simulated time, ms.
    pub time_ms: u64,
    /// Operations invoked.
    pub requests: u64,
    /// Answered.
    pub ok: u64,
    /// Failed after all attempts.
    pub failed: u64,
    /// Success rate among finished operations, %.
    pub success_pct: Option<f64>,
    /// Latency of answered operations, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Attempts timed out at the client.
    pub timeouts: u64,
    /// Retries.
    pub retries: u64,
    /// Attempts the apps answered with an error.
    pub errors: u64,
    /// Attempts with no app up at the balancer.
    pub no_app: u64,
    /// Responses the linearizability checker checked.
    pub checked: u64,
    /// Linearizability anomalies (stale or impossible reads, lost writes).
    pub anomalies: usize,
    /// The first one, in words.
    pub first_anomaly: Option<String>,
    /// Raft safety violations in any shard.
    pub raft_violations: usize,
    /// The first one.
    pub first_violation: Option<String>,
    /// Each shard.
    pub shards: Vec<ShardReport>,
    /// Reads answered from a lease (or without any check, with a buggy mode), by ReadIndex,
    /// refused (not the leader).
    pub reads: [u64; 3],
    /// For each app crash: ms until the balancer marked it down (`None`: not yet).
    pub lb_ejection_ms: Vec<Option<f64>>,
    /// For each crash of a shard leader: ms until a new leader was elected in its shard.
    pub reelection_ms: Vec<Option<f64>>,
    /// For a shard added while serving (`add-shard`): ms until every key it took was installed
    /// there (the ring's rebalancing; `None`: not yet).
    pub rebalance_ms: Vec<Option<f64>>,
    /// Keys that moved to the added shard.
    pub keys_moved: usize,
    /// "Moved" answers the apps asked again after, and requests they gave up on after too many.
    pub moved_retries: u64,
    /// (see `moved_retries`)
    pub moved_failed: u64,
    /// Measured availability: answered / finished, %.
    pub availability_pct: Option<f64>,
    /// The formula for the same redundancy, from each machine's measured uptime: at least one
    /// app up × each shard with a majority of members up, independent machines, %.
    pub formula_pct: f64,
    /// Where the time of answered requests went.
    pub split: TimeSplit,
    /// The fault timeline so far, as the link writes it (`5000:cmd:0:crash-m:1`), with each
    /// fault the chaos mode drew from the seed marked ` (chaos)` (filled by the lab's measure).
    pub timeline: Vec<String>,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Fraction of `[0, now]` process `p` was up.
fn uptime(sim: &Sim<SysNode>, p: usize, now: SimTime) -> f64 {
    if now.as_us() == 0 {
        return 1.0;
    }
    let mut down_us = 0u64;
    let mut since: Option<SimTime> = None;
    for e in sim.life().iter().filter(|e| e.node == p) {
        match (e.up, since) {
            (false, None) => since = Some(e.time),
            (true, Some(s)) => {
                down_us += e.time.since(s).as_us();
                since = None;
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        down_us += now.since(s).as_us();
    }
    1.0 - down_us as f64 / now.as_us() as f64
}

/// The measurements at the run's position.
pub fn measure(sim: &Sim<SysNode>, p: &SystemParams) -> SystemMetrics {
    let now = sim.now();
    let front = sim.nodes().first().and_then(|n| n.front());
    let t = front.map(|f| f.totals).unwrap_or_default();
    // The whole run's latencies are 600 000 numbers after 10 minutes at 1 000 requests a
    // second, and the page measures after every step back: they are kept in sorted chunks, so
    // only the latest few thousand are copied and sorted here.
    let [p50, p99] = front.map_or([None; 2], |f| {
        let mut tail = f.lat_us.tail().to_vec();
        crate::sort::sort_unstable(&mut tail);
        let runs: Vec<&[u64]> = f.lat_us.full_chunks().chain([&tail[..]]).collect();
        percentiles_of_sorted(&runs, [500, 990])
    });
    let finished = t.ok + t.failed;
    let pct = |a: u64, b: u64| (b > 0).then(|| a as f64 * 100.0 / b as f64);
    let checker = front.map(|f| &f.checker);

    let mut shards = Vec::new();
    let mut reads = [0u64; 3];
    for s in 0..p.shards_at(now) {
        let ms_: Vec<(usize, &super::member::Member)> = (0..p.rf)
            .filter_map(|j| {
                let id = p.member_id(s, j);
                sim.nodes()
                    .get(id)
                    .and_then(|n| n.member())
                    .map(|m| (id, m))
            })
            .collect();
        for (_, m) in &ms_ {
            for (r, s) in reads.iter_mut().zip(m.served) {
                *r += s;
            }
        }
        let leader = ms_
            .iter()
            .filter(|(id, m)| sim.is_up(*id) && m.raft.role == Role::Leader)
            .max_by_key(|(_, m)| m.raft.current_term);
        shards.push(ShardReport {
            leader: leader.map(|(_, m)| m.local),
            term: ms_
                .iter()
                .map(|(_, m)| m.raft.current_term)
                .max()
                .unwrap_or(0),
            elections: ms_.iter().map(|(_, m)| m.raft.ghost.led_terms.len()).sum(),
            commit_index: leader.map_or(0, |(_, m)| m.raft.commit_index),
        });
    }

    // Reaction times.
    let mut lb_ejection_ms = Vec::new();
    let mut reelection_ms = Vec::new();
    for e in sim.life().iter().filter(|e| !e.up) {
        match p.role(e.node) {
            Proc::App(i) => {
                let seen = front.and_then(|f| {
                    f.changes
                        .iter()
                        .find(|c| c.app == i && c.time >= e.time && c.status == Health::Down)
                });
                lb_ejection_ms.push(seen.map(|c| ms(c.time.since(e.time).as_us())));
            }
            Proc::Member(s, j) => {
                let Some(m) = sim.nodes().get(e.node).and_then(|n| n.member()) else {
                    continue;
                };
                let was = m
                    .raft
                    .ghost
                    .timeline
                    .iter()
                    .rev()
                    .find(|c| c.time <= e.time);
                let Some(was) = was.filter(|c| c.role == Role::Leader) else {
                    continue;
                };
                let next = (0..p.rf)
                    .filter(|&k| k != j)
                    .filter_map(|k| sim.nodes().get(p.member_id(s, k)).and_then(|n| n.member()))
                    .flat_map(|o| o.raft.ghost.timeline.iter())
                    .filter(|c| c.role == Role::Leader && c.term > was.term && c.time >= e.time)
                    .map(|c| c.time)
                    .min();
                reelection_ms.push(next.map(|t| ms(t.since(e.time).as_us())));
            }
            Proc::Front => {}
        }
    }

    // The ring's rebalancing: from the added shard's start until its last range was installed.
    let mut rebalance_ms = Vec::new();
    let mut keys_moved = 0;
    if let Some((at, _)) = p.grow.filter(|(at, _)| now >= *at) {
        let added: Vec<&super::member::Member> = (0..p.rf)
            .filter_map(|j| {
                sim.nodes()
                    .get(p.member_id(p.shards, j))
                    .and_then(|n| n.member())
            })
            .collect();
        let gives = added
            .first()
            .and_then(|m| m.grow.as_ref())
            .map(|g| g.gives.clone());
        let mut done = Some(at);
        for (i, keys) in gives.unwrap_or_default().iter().enumerate() {
            keys_moved += keys.len();
            if keys.is_empty() {
                continue;
            }
            let first = added
                .iter()
                .filter_map(|m| m.installed_at.get(i).copied().flatten())
                .min();
            done = done.zip(first).map(|(a, b)| a.max(b));
        }
        rebalance_ms.push(done.map(|t| ms(t.since(at).as_us())));
    }
    let moved = |k: usize| {
        sim.nodes()
            .iter()
            .filter_map(|n| n.app())
            .map(|a| a.moved[k])
            .sum::<u64>()
    };

    // The formula: independent machines, each up for its measured share of the run.
    let up = |q: usize| Avail::from_u((1.0 - uptime(sim, q, now)).clamp(0.0, 1.0));
    let apps: Vec<Avail> = (0..p.apps).map(|i| up(p.app_id(i))).collect();
    let mut formula = k_of_n(1, &apps).a;
    for s in 0..p.shards_at(now) {
        let m: Vec<Avail> = (0..p.rf).map(|j| up(p.member_id(s, j))).collect();
        formula *= k_of_n(p.rf / 2 + 1, &m).a;
    }

    // Where the time went.
    let mut split = TimeSplit::default();
    let mut n = 0u64;
    if let Some(f) = front {
        for d in f.recent.iter().filter(|d| d.ok && !d.hops.is_empty()) {
            n += 1;
            let app = d.hops[0];
            split.client_retries_ms += ms(d.sent.since(d.invoked).as_us());
            let lb_net = app.arrive_us.saturating_sub(d.sent.as_us())
                + d.finished.as_us().saturating_sub(app.depart_us);
            split.lb_app_ms += ms(lb_net);
            let leader = d
                .hops
                .last()
                .filter(|h| h.depart_us != u64::MAX && d.hops.len() > 1);
            let at_leader = leader.map_or(0, |h| h.depart_us.saturating_sub(h.arrive_us));
            split.leader_ms += ms(at_leader);
            let at_app = app.depart_us.saturating_sub(app.arrive_us);
            split.app_shard_ms += ms(at_app.saturating_sub(at_leader));
        }
    }
    if n > 0 {
        let k = n as f64;
        split.client_retries_ms /= k;
        split.lb_app_ms /= k;
        split.app_shard_ms /= k;
        split.leader_ms /= k;
    }

    SystemMetrics {
        time_ms: now.as_us() / 1000,
        requests: t.requests,
        ok: t.ok,
        failed: t.failed,
        success_pct: pct(t.ok, finished),
        p50_ms: p50.map(ms),
        p99_ms: p99.map(ms),
        timeouts: t.timeouts,
        retries: t.retries,
        errors: t.errors,
        no_app: t.no_app,
        checked: checker.map_or(0, |c| c.checked),
        anomalies: checker.map_or(0, |c| c.anomalies.len()),
        first_anomaly: checker
            .and_then(|c| c.anomalies.first())
            .map(|a| a.detail.clone()),
        raft_violations: sim.violations().len(),
        first_violation: sim
            .violations()
            .first()
            .map(|v| format!("{}: {}", v.invariant, v.detail)),
        shards,
        reads,
        lb_ejection_ms,
        reelection_ms,
        rebalance_ms,
        keys_moved,
        moved_retries: moved(0),
        moved_failed: moved(1),
        availability_pct: pct(t.ok, finished),
        formula_pct: formula * 100.0,
        split,
        timeline: Vec::new(),
    }
}
