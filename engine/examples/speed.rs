//! Engine speed (issue 11), natively: events per second of the Raft and heartbeat workloads and
//! the time of the §9.3 experiment, best of a few runs (per-process CPU time is not used: the
//! machine is shared, so take the best wall time). `scripts/wasm-speed.mjs` runs the same
//! workloads compiled to wasm32 in Node and prints both.
//!
//! `cargo run -p engine --profile bench --example speed [-- WORKLOAD]` where WORKLOAD is one of
//! `raft5`, `raft5-tail`, `raft11`, `raft5-60s-tail`, `hb50`, `hb50-tail`, `fig16-1000`,
//! `fig16-100`, `system-10s`, `lb-open-5s`, `repl-60s-tail`, `aa3-60s-tail`, `swim30-60s-tail`,
//! `bare`, `floor`, `floor-tail` (default: all).
//! Under `valgrind --tool=callgrind` pass one workload.

// A timing harness outside the engine (like the criterion benches): it reads the wall clock.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

#[path = "speed/work.rs"]
mod work;

#[path = "../benches/baseline.rs"]
#[allow(dead_code)]
mod baseline;

use std::time::Instant;

fn main() {
    let only = std::env::args().nth(1);
    let reps: Option<usize> = std::env::var("SPEED_REPS")
        .ok()
        .and_then(|s| s.parse().ok());
    type W = (&'static str, fn() -> u64);
    let all: [W; 16] = [
        ("bare", || baseline::bare_loop(7)),
        ("floor", || baseline::floor(5_000, false)),
        ("floor-tail", || baseline::floor(5_000, true)),
        ("raft5", || work::raft_loaded(5, 5_000, false)),
        ("raft5-tail", || work::raft_loaded(5, 5_000, true)),
        ("raft11", || work::raft_loaded(11, 5_000, false)),
        ("raft5-60s-tail", || work::raft_loaded(5, 60_000, true)),
        ("hb50", || work::heartbeat(50, 10_000, false)),
        ("hb50-tail", || work::heartbeat(50, 10_000, true)),
        ("fig16-1000", || work::fig16_runs(1_000)),
        ("fig16-100", || work::fig16_runs(100)),
        ("system-10s", || work::system(10_000)),
        ("lb-open-5s", || work::lb_open(5_000)),
        ("repl-60s-tail", || work::replication(60_000)),
        ("aa3-60s-tail", || work::active(60_000)),
        ("swim30-60s-tail", || work::swim(30, 60_000)),
    ];
    for (name, f) in all {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let reps = reps.unwrap_or(if only.is_some() { 1 } else { 5 });
        let mut best = f64::INFINITY;
        let mut events = 0;
        for _ in 0..reps {
            let t = Instant::now();
            events = std::hint::black_box(f());
            best = best.min(t.elapsed().as_secs_f64());
        }
        if name.starts_with("fig16") {
            println!("{name:12} {:>10} runs  {:>9.1} ms", events, best * 1e3);
        } else {
            println!(
                "{name:12} {:>10} events {:>9.1} ms  {:>7.2} M ev/s",
                events,
                best * 1e3,
                events as f64 / best / 1e6
            );
        }
    }
}
