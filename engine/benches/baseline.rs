//! The yardstick: a bare discrete-event loop with the same shape of work as the Raft bench
//! (a binary heap ordered by `(time, seq)`, 5 nodes, randomized election-like timers, a leader
//! heartbeating every 50 ms, 10–15 ms message latency, a response to every message, and a client
//! request every 10 ms), but no protocol, no trace, no invariants. Issue 11 measures the engine
//! against it: "within 2.5× of a bare event loop".
//!
//! `cargo bench -p engine --bench baseline`; the Raft bench (`--bench raft`) runs the same loop in
//! its own criterion run (group `baseline`) so the two numbers are taken side by side.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::rng::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

/// Simulated time of one run, in µs (the Raft bench's 5 s).
pub const RUN_US: u64 = 5_000_000;
/// Nodes in the loop.
pub const NODES: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A message `(from, to, is_response)`.
    Msg(u8, u8, bool),
    /// A node's timer: election (followers) or heartbeat (the leader), with its generation.
    Timer(u8, u32),
    /// A client request at the leader.
    Client,
}

/// Runs the bare loop for [`RUN_US`] of simulated time; returns the events processed.
pub fn bare_loop(seed: u64) -> u64 {
    let mut rng = Rng::new(seed);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut gen = [0u32; NODES];
    let mut state = [0u64; NODES];
    let leader = 0u8;
    let mut push = |heap: &mut BinaryHeap<Reverse<(u64, u64, Ev)>>, t: u64, e: Ev| {
        seq += 1;
        heap.push(Reverse((t, seq, e)));
    };
    for i in 0..NODES as u8 {
        let d = if i == leader {
            50_000
        } else {
            rng.range_inclusive(150_000, 300_000)
        };
        push(&mut heap, d, Ev::Timer(i, 0));
    }
    push(&mut heap, 10_000, Ev::Client);
    let mut events = 0u64;
    while let Some(Reverse((now, _, ev))) = heap.pop() {
        if now > RUN_US {
            break;
        }
        events += 1;
        match ev {
            Ev::Msg(from, to, resp) => {
                state[to as usize] = state[to as usize].wrapping_mul(31).wrapping_add(now);
                if !resp {
                    // A follower answers and resets its election timer.
                    let lat = rng.range_inclusive(10_000, 15_000);
                    push(&mut heap, now + lat, Ev::Msg(to, from, true));
                    let g = &mut gen[to as usize];
                    *g += 1;
                    let d = rng.range_inclusive(150_000, 300_000);
                    let g = *g;
                    push(&mut heap, now + d, Ev::Timer(to, g));
                }
            }
            Ev::Timer(node, g) => {
                if g != gen[node as usize] {
                    continue; // re-armed: a stale entry
                }
                if node == leader {
                    for to in 0..NODES as u8 {
                        if to != leader {
                            let lat = rng.range_inclusive(10_000, 15_000);
                            push(&mut heap, now + lat, Ev::Msg(leader, to, false));
                        }
                    }
                    gen[node as usize] += 1;
                    let g = gen[node as usize];
                    push(&mut heap, now + 50_000, Ev::Timer(node, g));
                }
            }
            Ev::Client => {
                for to in 0..NODES as u8 {
                    if to != leader {
                        let lat = rng.range_inclusive(10_000, 15_000);
                        push(&mut heap, now + lat, Ev::Msg(leader, to, false));
                    }
                }
                push(&mut heap, now + 10_000, Ev::Client);
            }
        }
    }
    black_box(state);
    events
}

/// The baseline group: bare-loop events per second.
pub fn baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    g.throughput(Throughput::Elements(bare_loop(7)));
    g.bench_function("bare_event_loop_5_nodes", |b| {
        b.iter(|| black_box(bare_loop(black_box(7))))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = baseline
}
criterion_main!(benches);
