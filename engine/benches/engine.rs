//! Engine benchmarks: simulated events per second of the heartbeat lab and of SWIM, link decode + encode,
//! and the cost of one step back deep into a run.
//!
//! `cargo bench -p engine --bench engine` (add `-- --quick` for a fast look). Kept short on
//! purpose (10 samples, ~2 s each) so it fits a 2-core CI runner.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use engine::heartbeat::HbNode;
use engine::scenario::{decode, encode, LabKind, Scenario};
use engine::{History, SimTime};
use std::hint::black_box;
use std::time::Duration;

/// Simulated time each lab run covers.
const RUN_MS: u64 = 10_000;

fn hb_scenario(workers: usize) -> Scenario {
    let mut s = Scenario::default_for(LabKind::Heartbeat);
    s.nodes = workers;
    s.net.loss_ppm = 10_000; // 1 %: some suspicions, so every code path runs
    s.faults = engine::fault::parse_timeline("2000:crash:2;4000:partition:0.1|2.3;6000:heal")
        .expect("bench timeline");
    s
}

fn run_events(s: &Scenario) -> u64 {
    let mut sim = s.build_heartbeat();
    sim.run_until(SimTime::from_ms(RUN_MS), u64::MAX);
    sim.steps()
}

fn heartbeat_lab(c: &mut Criterion) {
    let mut g = c.benchmark_group("heartbeat_10s");
    for workers in [5usize, 50] {
        let s = hb_scenario(workers);
        let events = run_events(&s);
        g.throughput(Throughput::Elements(events));
        g.bench_with_input(BenchmarkId::new("workers", workers), &s, |b, s| {
            b.iter(|| black_box(run_events(s)))
        });
    }
    g.finish();
}

/// SWIM members gossiping for `RUN_MS` with 1 % loss and a crash at 2 s (every code path:
/// probes, indirect probes, suspicion, dissemination).
fn swim_events(members: usize) -> u64 {
    use engine::heartbeat::swim::{new_sim, SwimParams};
    let net = engine::net::NetConfig {
        loss_ppm: 10_000,
        ..Default::default()
    };
    let faults = engine::fault::parse_timeline("2000:crash:1").expect("bench timeline");
    let mut sim = new_sim(42, &SwimParams::default(), members, net, faults);
    sim.run_until(SimTime::from_ms(RUN_MS), u64::MAX);
    sim.steps()
}

fn swim(c: &mut Criterion) {
    let mut g = c.benchmark_group("swim_10s");
    for members in [20usize, 200] {
        g.throughput(Throughput::Elements(swim_events(members)));
        g.bench_with_input(BenchmarkId::new("members", members), &members, |b, &m| {
            b.iter(|| black_box(swim_events(m)))
        });
    }
    g.finish();
}

fn codec(c: &mut Criterion) {
    let link = "https://example.org/ha/?lab=heartbeat&v=1&seed=42&n=8&lat=exp:10-40&loss=2.5\
                &hb=150&det=phi&faults=1000:partition:0.2.3.4|1;1500:crash:3;2500:heal;\
                3000:restart:3;3500:cut:1>2;4000:loss:10&t=4200";
    assert!(decode(link).errors.is_empty());
    c.bench_function("link_decode_encode", |b| {
        b.iter(|| black_box(encode(&decode(black_box(link)).scenario)))
    });
}

fn step_back(c: &mut Criterion) {
    let mut g = c.benchmark_group("history_step_back");
    // 5000 is 136 steps past the snapshot at 4864; 5375 is the worst case (254 steps of replay).
    for pos in [5_000u64, 5_375] {
        let mut h: History<HbNode> = History::new(hb_scenario(5).build_heartbeat());
        assert_eq!(h.seek_step(pos), pos);
        g.bench_function(BenchmarkId::new("at_step", pos), |b| {
            b.iter(|| {
                // One step back (restore a snapshot, replay), then one forward to stay put.
                h.step_back();
                h.step();
                black_box(h.sim().steps())
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = heartbeat_lab, swim, codec, step_back
}
criterion_main!(benches);
