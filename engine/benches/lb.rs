//! Load-balancer lab benchmark: simulated requests per second of wall time, 20 backends at high
//! load (80 % utilisation), for a cheap strategy (`rr`), a stateful one (`pewma`) and `hash`.
//!
//! `cargo bench -p engine --bench lb` (add `-- --quick` for a fast look). Kept short on purpose.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use engine::lb::{measure, new_sim, BackendSpec, LbParams, Strategy};
use engine::net::{Latency, NetConfig};
use engine::{Duration, SimTime};
use std::hint::black_box;

/// Simulated time each run covers.
const RUN_MS: u64 = 5_000;

fn params(strategy: Strategy) -> LbParams {
    // 20 backends × 4 workers / 20 ms = 4 000 req/s capacity; offer 3 200 req/s.
    LbParams {
        strategy,
        rate: 3_200,
        ..LbParams::default()
    }
}

fn run(p: &LbParams) -> u64 {
    let net = NetConfig {
        latency: Latency::Uniform(Duration::from_us(200), Duration::from_us(500)),
        ..NetConfig::default()
    };
    let mut sim = new_sim(1, p, &BackendSpec::uniform(20), net, vec![]);
    sim.run_until(SimTime::from_ms(RUN_MS), u64::MAX);
    measure(&sim).requests
}

fn lb_high_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("lb_20_backends_5s");
    g.sample_size(10);
    g.measurement_time(std::time::Duration::from_secs(4));
    for s in [Strategy::RoundRobin, Strategy::PeakEwma, Strategy::Hash] {
        let p = params(s);
        let requests = run(&p);
        g.throughput(Throughput::Elements(requests));
        g.bench_with_input(BenchmarkId::new("requests", s.as_str()), &p, |b, p| {
            b.iter(|| black_box(run(p)))
        });
    }
    g.finish();
}

criterion_group!(benches, lb_high_load);
criterion_main!(benches);
