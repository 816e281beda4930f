//! Issue 10: operations on the largest valid ring (1 000 nodes × 1 000 vnodes, 1 000 000 keys),
//! as the page applies them: an operation pushed at the end (new tokens, reassignment, diff) and
//! undone by a step back; one operation alone; a step back at the end of a 20-op timeline.
//! `cargo bench -p engine --bench ring_ops`. Short (10 samples): building the ring and the keys
//! alone takes seconds.

// The single-op benchmarks time only the op (iter_custom), with the wall clock the engine
// itself never reads.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use criterion::{criterion_group, criterion_main, Criterion};
use engine::ring::{KeySpec, RingLab, RingOp, RingParams};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn largest() -> RingLab {
    RingLab::new(RingParams {
        nodes: 1_000,
        vnodes: 1_000,
        keys: KeySpec::Random { count: 1_000_000 },
        ..RingParams::default()
    })
    .expect("the largest valid ring")
}

fn ops(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_op_1000x1000_1M_keys");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let mut lab = largest();
    for (name, op) in [
        ("vnodes_999_and_back", RingOp::SetVnodes(999)),
        ("fail_and_back", RingOp::Fail(3)),
        ("remove_and_back", RingOp::Remove(7)),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                lab.push(op).expect("applies");
                black_box(lab.movement().map(|m| m.moved()));
                assert!(lab.step_back());
            })
        });
    }
    // One operation alone, as the player's step forward applies it (the same incremental path
    // as a click); the step back before each is not timed.
    for (name, ops) in [
        ("vnodes_999_alone", vec![RingOp::SetVnodes(999)]),
        ("remove_alone", vec![RingOp::Remove(7)]),
        ("add_alone", vec![RingOp::Remove(7), RingOp::Add(7)]),
    ] {
        let (mut lab, errors) =
            RingLab::with_ops(largest().params().clone(), &ops).expect("builds");
        assert!(errors.is_empty());
        let before = ops.len() - 1;
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    lab.seek(before);
                    let t = Instant::now();
                    assert!(lab.step());
                    total += t.elapsed();
                    black_box(lab.movement().map(|m| m.moved()));
                }
                total
            })
        });
    }
    // A step back and forward again at the end of a 20-operation timeline (the step back
    // replays the ring through the earlier operations).
    let timeline: Vec<RingOp> = (0..10)
        .flat_map(|i| [RingOp::Fail(10 + i), RingOp::Remove(500 + i)])
        .collect();
    let (mut lab, errors) =
        RingLab::with_ops(largest().params().clone(), &timeline).expect("builds");
    assert!(errors.is_empty());
    g.bench_function("timeline_20_step_back_and_forward", |b| {
        b.iter(|| {
            assert!(lab.step_back());
            assert!(lab.step());
            black_box(lab.movement().map(|m| m.moved()))
        })
    });
    g.finish();
}

criterion_group!(benches, ops);
criterion_main!(benches);
