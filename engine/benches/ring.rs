//! Ring-lab benchmarks: lookup latency (ours vs the published `hashring` crate on the same key
//! strings and ring sizes), ring rebuild, and the 1 000 000-key rebalance diff after adding a
//! node, plus each scheme's assignment of 1 000 000 keys.
//!
//! `cargo bench -p engine --bench ring` (add `-- --quick` for a fast look). Short on purpose
//! (10 samples, ~2 s each) so it fits a 2-core CI runner.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use engine::ring::lab::Movement;
use engine::ring::{HashFn, KeySet, KeySpec, Ring, Scheme};
use engine::rng::{Rng, Stream};
use hashring::HashRing;
use std::hint::black_box;
use std::time::Duration;

/// `hashring` hashes whatever implements `Hash`: one virtual node of a physical node.
#[derive(Clone, Copy, Debug, Hash, PartialEq)]
struct VNode {
    node: usize,
    vnode: u32,
}

const SIZES: [(usize, u32); 2] = [(10, 160), (1_000, 100)];
const BATCH: usize = 1_000;

fn lookup_keys() -> Vec<String> {
    let mut r = Rng::stream(42, Stream::Workload);
    (0..BATCH)
        .map(|_| format!("key-{}", r.below(100_000_000)))
        .collect()
}

fn hashring_of(nodes: usize, vnodes: u32) -> HashRing<VNode> {
    let mut hr = HashRing::new();
    hr.batch_add(
        (0..nodes)
            .flat_map(|node| (0..vnodes).map(move |vnode| VNode { node, vnode }))
            .collect(),
    );
    hr
}

fn lookup(c: &mut Criterion) {
    let keys = lookup_keys();
    let mut g = c.benchmark_group("ring_lookup");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(BATCH as u64));
    for (n, v) in SIZES {
        let size = format!("{n}x{v}");
        for hash in HashFn::ALL {
            if n > 10 && hash != HashFn::Xxh64 {
                continue;
            }
            let ring = Ring::with_nodes(hash, v, n).expect("bench ring");
            g.bench_with_input(
                BenchmarkId::new(format!("engine_{}", hash.as_str()), &size),
                &keys,
                |b, keys| {
                    b.iter(|| {
                        for k in keys {
                            black_box(ring.owner(black_box(k.as_bytes())));
                        }
                    })
                },
            );
        }
        // The search alone (positions precomputed), to separate hashing from the ring.
        let ring = Ring::with_nodes(HashFn::Xxh64, v, n).expect("bench ring");
        let positions: Vec<u64> = keys
            .iter()
            .map(|k| ring.key_position(k.as_bytes()))
            .collect();
        g.bench_with_input(
            BenchmarkId::new("engine_search_only", &size),
            &positions,
            |b, ps| {
                b.iter(|| {
                    for &p in ps {
                        black_box(ring.owner_at(black_box(p)));
                    }
                })
            },
        );
        let hr = hashring_of(n, v);
        g.bench_with_input(BenchmarkId::new("hashring_0.3", &size), &keys, |b, keys| {
            b.iter(|| {
                for k in keys {
                    black_box(hr.get(&black_box(k.as_str())));
                }
            })
        });
    }
    g.finish();
}

fn rebuild(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_rebuild");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for (n, v) in SIZES {
        let size = format!("{n}x{v}");
        g.bench_function(BenchmarkId::new("engine_xxh64", &size), |b| {
            b.iter(|| black_box(Ring::with_nodes(HashFn::Xxh64, v, n).expect("bench ring")))
        });
        g.bench_function(BenchmarkId::new("hashring_0.3", &size), |b| {
            b.iter(|| black_box(hashring_of(n, v)))
        });
    }
    g.finish();
}

fn rebalance(c: &mut Criterion) {
    let keys = KeySet::generate(&KeySpec::Sequential { count: 1_000_000 }, 1).expect("keys");
    let hashes = keys.hashes(HashFn::Xxh64);
    let ring = Ring::with_nodes(HashFn::Xxh64, 160, 10).expect("bench ring");
    let before = Scheme::Ring.assign_hashes(&ring, &hashes);
    let mut g = c.benchmark_group("rebalance_1m");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(hashes.len() as u64));
    g.bench_function("hash_1m_keys", |b| {
        b.iter(|| black_box(keys.hashes(HashFn::Xxh64)))
    });
    g.bench_function("add_node_assign_diff", |b| {
        b.iter(|| {
            let mut r = ring.clone();
            r.add(10).expect("fresh node");
            let after = Scheme::Ring.assign_hashes(&r, &hashes);
            black_box(Movement::between(&before, &after))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("assign_1m");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(hashes.len() as u64));
    for scheme in Scheme::ALL {
        g.bench_function(scheme.to_string(), |b| {
            b.iter(|| black_box(scheme.assign_hashes(&ring, &hashes)))
        });
    }
    g.finish();
}

criterion_group!(benches, lookup, rebuild, rebalance);
criterion_main!(benches);
