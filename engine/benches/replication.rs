//! Replication lab benchmark: simulated events per second of wall time at the lab's largest size
//! (8 replicas, 4 clients at 100 operations per second each) for async and quorum replication,
//! through a partition and a failover, and the lock section with 6 clients.
//!
//! `cargo bench -p engine --bench replication` (add `-- --quick` for a fast look).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use engine::fault::parse_timeline;
use engine::net::NetConfig;
use engine::replication::locks::{measure_locks, new_lock_sim, LockParams};
use engine::replication::{measure, new_sim, Mode, ReplParams};
use engine::SimTime;
use std::hint::black_box;

/// Simulated time each run covers.
const RUN_MS: u64 = 10_000;

fn repl(p: &ReplParams) -> u64 {
    let faults = parse_timeline("3000:partition:1.10|0.2.3.4.5.6.7.8.9.11.12.13;6000:heal")
        .expect("timeline");
    let mut sim = new_sim(1, p, NetConfig::default(), faults);
    sim.run_until(SimTime::from_ms(RUN_MS), u64::MAX);
    black_box(measure(&sim));
    sim.trace().len() as u64
}

fn locks(p: &LockParams) -> u64 {
    let mut sim = new_lock_sim(1, p, NetConfig::default(), vec![]);
    sim.run_until(SimTime::from_ms(RUN_MS), u64::MAX);
    black_box(measure_locks(&sim));
    sim.trace().len() as u64
}

fn replication_largest(c: &mut Criterion) {
    let mut g = c.benchmark_group("replication_10s");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(4));
    for mode in [Mode::Async, Mode::Quorum] {
        let p = ReplParams {
            replicas: 8,
            clients: 4,
            rate: 100,
            mode,
            acks: 4,
            ..ReplParams::default()
        };
        g.throughput(Throughput::Elements(repl(&p)));
        g.bench_with_input(BenchmarkId::new("events", mode.as_str()), &p, |b, p| {
            b.iter(|| black_box(repl(p)))
        });
    }
    let p = LockParams {
        clients: 6,
        ..LockParams::default()
    };
    g.throughput(Throughput::Elements(locks(&p)));
    g.bench_with_input(BenchmarkId::new("events", "locks"), &p, |b, p| {
        b.iter(|| black_box(locks(p)))
    });
    g.finish();
}

criterion_group!(benches, replication_largest);
criterion_main!(benches);
