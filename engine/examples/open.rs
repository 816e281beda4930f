//! Opening a link as the page does (issue 11): a history keeping the page's 4 096-event trace
//! tail, replayed in slices to the link's position — quiet (no trace lines, then the tail rebuilt:
//! what the page does now) or loud (a trace line per event) — natively, best of a few runs.
//!
//! `cargo run -p engine --profile bench --example open -- [quiet|loud] '<link>'`
//! (default: both, on `lab=lb&n=20&rate=10000&t=20000`).

// A timing harness outside the engine: it reads the wall clock.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use engine::history::Run;
use engine::lab::{Lab, LabVisitor};
use engine::scenario::{decode, seek_slice, Scenario};
use std::time::Instant;

struct Open<'a>(&'a Scenario, bool);

impl LabVisitor for Open<'_> {
    type Output = u64;
    fn visit<L: Lab>(self) -> u64 {
        let mut run = L::build(self.0);
        run.keep_trace_tail(Some(4_096));
        if self.1 {
            while !seek_slice(&mut run, self.0.pos, 2_000) {}
            run.relog();
        } else {
            while run.run_until(self.0.pos.time, 2_000).out_of_budget {}
        }
        run.steps()
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next();
    let link = args
        .next()
        .unwrap_or_else(|| "lab=lb&n=20&rate=10000&t=20000".into());
    let d = decode(&link);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    for (name, quiet) in [("loud", false), ("quiet", true)] {
        if mode.as_deref().is_some_and(|m| m != name) {
            continue;
        }
        let mut best = f64::INFINITY;
        let mut events = 0;
        for _ in 0..3 {
            let t = Instant::now();
            events = std::hint::black_box(d.scenario.lab.visit(Open(&d.scenario, quiet)));
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{name:6} {events:>10} events {:>9.1} ms  {:>6.2} M ev/s",
            best * 1e3,
            events as f64 / best / 1e6
        );
    }
}
