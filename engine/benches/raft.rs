//! Raft lab benchmarks: simulated events per second for 5 and 11 servers under a steady client
//! load (every invariant checked after each event, as on the page), and the wall time of the
//! §9.3 experiment (Figure 16: 100 runs per timeout range).
//!
//! `cargo bench -p engine --bench raft` (add `-- --quick` for a fast look). Kept short on
//! purpose (10 samples) so it fits a 2-core CI runner.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use engine::fault::Fault;
use engine::net::NetConfig;
use engine::raft::{fig16, leader, new_sim, RaftParams, FIG16_RANGES_MS};
use engine::sim::Sim;
use engine::SimTime;
use std::hint::black_box;
use std::time::Duration;

/// The bare event loop (`benches/baseline.rs`), run in this same criterion run as the yardstick.
#[path = "baseline.rs"]
#[allow(dead_code)]
mod baseline;

/// Simulated time each loaded run covers.
const RUN_MS: u64 = 5_000;
/// A client request to the leader every this many ms (100 requests per second).
const REQUEST_EVERY_MS: u64 = 10;

/// A cluster under steady load: `incr` requests to the current leader every 10 ms. With `tail`,
/// only the latest 1 000 trace events are kept (`Sim::keep_trace_tail`, opt-in).
fn loaded_run(servers: usize, invariants: bool, tail: bool) -> u64 {
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
    while t < RUN_MS {
        t += REQUEST_EVERY_MS;
        sim.run_until(SimTime::from_ms(t), u64::MAX);
        if let Some(l) = leader(&sim) {
            k += 1;
            sim.inject(Fault::Command(l, format!("incr:k{}", k % 8)));
        }
    }
    assert!(sim.violations().is_empty());
    sim.steps()
}

fn steady_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("raft_steady_load_5s");
    for (servers, inv, tail) in [
        (5usize, true, false),
        (5, true, true),
        (11, true, false),
        (11, false, false),
    ] {
        let events = loaded_run(servers, inv, tail);
        g.throughput(Throughput::Elements(events));
        let name = match (inv, tail) {
            (true, false) => "servers",
            (true, true) => "servers_trace_tail",
            (false, _) => "servers_no_invariants",
        };
        g.bench_with_input(BenchmarkId::new(name, servers), &servers, |b, &n| {
            b.iter(|| black_box(loaded_run(n, inv, tail)))
        });
    }
    g.finish();
}

fn figure_16(c: &mut Criterion) {
    let mut g = c.benchmark_group("raft_fig16");
    g.sample_size(10);
    g.bench_function("6_ranges_x_100_runs", |b| {
        b.iter(|| black_box(fig16(&FIG16_RANGES_MS, 0..100, &RaftParams::default())))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = baseline::baseline, steady_load, figure_16
}
criterion_main!(benches);
