//! The same workloads natively, printed as `name events ms` lines for `scripts/wasm-speed.mjs`.

use std::time::Instant;
use wasm_speed::work;

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    type W = (&'static str, fn() -> u64);
    let all: [W; 5] = [
        ("raft5", || work::raft_loaded(5, 5_000, false)),
        ("raft5-60s-tail", || work::raft_loaded(5, 60_000, true)),
        ("hb50-tail", || work::heartbeat(50, 10_000, true)),
        ("fig16-100", || work::fig16_runs(100)),
        ("lb-open-5s", || work::lb_open(5_000)),
    ];
    for (name, f) in all {
        // Best of `reps` runs, and of as many as fit in half a second for short workloads (a
        // best of 5 over 1 ms runs moves by several per cent between invocations).
        let mut best = f64::INFINITY;
        let mut n = 0;
        let start = Instant::now();
        let mut i = 0;
        while i < reps || start.elapsed().as_secs_f64() < 0.5 {
            let t = Instant::now();
            n = f();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
            i += 1;
        }
        println!("{name} {n} {best:.3}");
    }
}
