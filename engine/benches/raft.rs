//! Raft lab benchmarks: simulated events per second for 5 and 11 servers under a steady client
//! load (every invariant checked after each event, as on the page), and the wall time of the
//! §9.3 experiment (Figure 16: 100 runs per timeout range).
//!
//! `cargo bench -p engine --bench raft` (add `-- --quick` for a fast look). Kept short on
//! purpose (10 samples) so it fits a 2-core CI runner.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use engine::raft::{fig16, RaftParams, FIG16_RANGES_MS};
use std::hint::black_box;
use std::time::Duration;

/// The bare event loop (`benches/baseline.rs`), run in this same criterion run as the yardstick.
#[path = "baseline.rs"]
#[allow(dead_code)]
mod baseline;

/// Simulated time each loaded run covers.
const RUN_MS: u64 = 5_000;

/// The loaded Raft workload: `incr` requests to the current leader every 10 ms for 5 s, with or
/// without the invariants, with or without a 1 000-event trace tail (shared with
/// `examples/speed.rs` and `tools/wasm-speed`).
#[path = "../examples/speed/work.rs"]
#[allow(dead_code)]
mod work;

fn loaded_run(servers: usize, invariants: bool, tail: bool) -> u64 {
    work::raft_run(servers, RUN_MS, invariants, tail)
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
