//! The workloads of the engine-speed targets (issue 11), shared by the native `speed` example
//! and the wasm32 build of `speed_wasm` that `scripts/wasm-speed.mjs` runs in Node, so both
//! time exactly the same code. Each returns the events it processed.

use engine::fault::Fault;
use engine::net::NetConfig;
use engine::raft::{fig16, leader, new_sim, RaftParams, FIG16_RANGES_MS};
use engine::scenario::{LabKind, Scenario};
use engine::sim::Sim;
use engine::SimTime;

/// Raft: `servers` servers, a client `incr` to the leader every 10 ms (100 requests/s), all
/// invariants checked after every event, for `run_ms` of simulated time (the Raft bench's
/// workload). With `tail`, only the latest 1 000 trace events are kept, as the page and the CLI do.
pub fn raft_loaded(servers: usize, run_ms: u64, tail: bool) -> u64 {
    raft_run(servers, run_ms, true, tail)
}

/// [`raft_loaded`], with or without the invariants (the Raft bench measures both).
pub fn raft_run(servers: usize, run_ms: u64, invariants: bool, tail: bool) -> u64 {
    let p = RaftParams::default();
    let mut sim = if invariants {
        new_sim(7, &p, servers, servers, NetConfig::default(), Vec::new())
    } else {
        Sim::new(
            7,
            engine::raft::nodes(&p, servers, servers),
            NetConfig::default(),
            Vec::new(),
        )
    };
    if tail {
        sim.keep_trace_tail(Some(1_000));
    }
    let mut t = 0;
    let mut k = 0u64;
    while t < run_ms {
        t += 10;
        sim.run_until(SimTime::from_ms(t), u64::MAX);
        if let Some(l) = leader(&sim) {
            k += 1;
            sim.inject(Fault::command(
                l,
                engine::raft::RaftCommand::Incr {
                    key: format!("k{}", k % 8),
                },
            ));
        }
    }
    assert!(sim.violations().is_empty());
    sim.steps()
}

/// The heartbeat lab with `workers` workers, 1 % loss, a crash and a partition (the engine
/// bench's workload), for `run_ms`.
pub fn heartbeat(workers: usize, run_ms: u64, tail: bool) -> u64 {
    let mut s = Scenario::default_for(LabKind::Heartbeat);
    s.nodes = workers;
    s.net.loss_ppm = 10_000;
    s.faults = engine::fault::parse_timeline("2000:crash:2;4000:partition:0.1|2.3;6000:heal")
        .expect("workload timeline");
    let mut sim = s.build_heartbeat();
    if tail {
        sim.keep_trace_tail(Some(1_000));
    }
    sim.run_until(SimTime::from_ms(run_ms), u64::MAX);
    sim.steps()
}

/// The §9.3 experiment, 6 ranges × `runs` seeds; returns the number of samples (not events).
pub fn fig16_runs(runs: u64) -> u64 {
    fig16(&FIG16_RANGES_MS, 0..runs, &RaftParams::default())
        .iter()
        .map(|s| s.samples_ms.len() as u64 + s.no_leader as u64)
        .sum()
}

/// The whole-system lab at its heaviest rate: 9 machines, 3 shards × 3 Raft members, 1 000
/// requests/s, chaos faults every 10 s on average, every shard's invariants and the per-key
/// linearizability checker after every event, a 1 000-event trace tail and the step-back snapshots
/// (as the page keeps them), for `run_ms`.
pub fn system(run_ms: u64) -> u64 {
    use engine::{history::Run, lab::Lab};
    let d = engine::scenario::decode("lab=system&seed=1&rps=1000&chaos=10");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let mut run = engine::system::SystemLab::build(&d.scenario);
    run.hist.keep_trace_tail(Some(1_000));
    run.run_until(SimTime::from_ms(run_ms), u64::MAX);
    run.hist.sim().steps()
}

/// The heaviest load-balancer link (20 backends, 10 000 requests/s) for `run_ms`, opened as the
/// page opens a link: a history keeping the page's 4 096-event trace tail, replayed quietly in
/// slices of 2 000 events, then its tail rebuilt (`relog`). Returns the events replayed.
pub fn lb_open(run_ms: u64) -> u64 {
    use engine::history::Run;
    use engine::lab::{Lab, LabVisitor};
    use engine::scenario::{decode, seek_slice};
    struct Open<'a>(&'a Scenario);
    impl LabVisitor for Open<'_> {
        type Output = u64;
        fn visit<L: Lab>(self) -> u64 {
            let mut run = L::build(self.0);
            run.keep_trace_tail(Some(4_096));
            while !seek_slice(&mut run, self.0.pos, 2_000) {}
            run.relog();
            run.steps()
        }
    }
    let d = decode(&format!("lab=lb&v=1&seed=1&n=20&rate=10000&t={run_ms}"));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    d.scenario.lab.visit(Open(&d.scenario))
}

/// Primary/backup replication under load: 4 replicas, 4 clients at 200 operations/s each, the
/// primary crashed and restarted and the group partitioned and healed (every `Append` carries
/// entries; failovers, rollbacks, snapshots), for `run_ms`, with a 1 000-event trace tail.
pub fn replication(run_ms: u64) -> u64 {
    use engine::replication::{new_sim, ReplParams};
    let p = ReplParams {
        replicas: 4,
        clients: 4,
        rate: 200,
        ..ReplParams::default()
    };
    let faults = engine::fault::parse_timeline(
        "2000:crash:1;4000:restart:1;6000:partition:0.3.4.5.6.7|1.2.8.9;8000:heal",
    )
    .expect("workload timeline");
    let mut sim = new_sim(2, &p, NetConfig::default(), faults);
    sim.keep_trace_tail(Some(1_000));
    sim.run_until(SimTime::from_ms(run_ms), u64::MAX);
    assert!(sim.violations().is_empty());
    sim.steps()
}

/// SWIM with `members` members (Lifeguard on, the defaults), 1 % loss, a crash and a partition,
/// for `run_ms`, with a 1 000-event trace tail.
pub fn swim(members: usize, run_ms: u64) -> u64 {
    use engine::heartbeat::swim::{new_sim, SwimParams};
    let net = NetConfig {
        loss_ppm: 10_000,
        ..NetConfig::default()
    };
    let faults = engine::fault::parse_timeline("2000:crash:2;4000:partition:0.1|2.3;6000:heal")
        .expect("workload timeline");
    let mut sim = new_sim(2, &SwimParams::default(), members, net, faults);
    sim.keep_trace_tail(Some(1_000));
    sim.run_until(SimTime::from_ms(run_ms), u64::MAX);
    sim.steps()
}

/// Active-active: 3 sites taking 200 writes/s each on 4 keys (version vectors), one cut off
/// and healed (every `Ship` carries up to 64 operations), for `run_ms`, with a 1 000-event trace
/// tail.
pub fn active(run_ms: u64) -> u64 {
    use engine::replication::active::{new_active_sim, ActiveParams, Resolve};
    let p = ActiveParams {
        sites: 3,
        resolve: Resolve::Vv,
        rate: 200,
        keys: 4,
        ..ActiveParams::default()
    };
    let faults =
        engine::fault::parse_timeline("2000:partition:0|1.2;6000:heal").expect("workload timeline");
    let mut sim = new_active_sim(2, &p, NetConfig::default(), faults);
    sim.keep_trace_tail(Some(1_000));
    sim.run_until(SimTime::from_ms(run_ms), u64::MAX);
    sim.steps()
}
