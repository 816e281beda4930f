//! Moving around a long run natively (issue 11: step back under a frame anywhere): replays a
//! link the way the page does (slices of quiet events, a 4 096-line trace tail, then
//! `relog`), then times steps back at the end and after seeks back and forward, and many steps
//! back in a row from the end (`BACKS=n`, default 1 200); last, the worst of them all against
//! issue 11's target (a step back under one 16 ms frame).
//!
//! `cargo run -p engine --profile bench --example replay_probe -- '<link>' [t_us]`
//! (the heaviest valid link: `'lab=lb&v=1&seed=1&n=20&rate=10000&t=600000'`, 31 M events).

// A timing harness outside the engine (like the criterion benches): it reads the wall clock.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use engine::history::Run;
use engine::lab::{Lab, LabVisitor};
use engine::scenario::{decode, seek_slice, Position, Scenario};
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

struct Probe<'a>(&'a Scenario);

impl LabVisitor for Probe<'_> {
    type Output = ();
    fn visit<L: Lab>(self) {
        let mut run = L::build(self.0);
        run.keep_trace_tail(Some(4_096));
        let t = Instant::now();
        let mut longest = 0f64;
        loop {
            let s = Instant::now();
            let done = seek_slice(&mut run, self.0.pos, 2_000);
            longest = longest.max(ms(s));
            if done {
                break;
            }
        }
        let el = ms(t) / 1e3;
        println!(
            "replay: {} events in {el:.2} s ({:.2} M/s), longest slice {longest:.1} ms",
            run.steps(),
            run.steps() as f64 / el / 1e6
        );
        let t = Instant::now();
        run.relog();
        println!("relog: {:.1} ms", ms(t));
        // The worst step back of the whole probe, for the target (under a frame anywhere).
        let worst_all = std::cell::Cell::new(0f64);
        let backs = |run: &mut L::Run, what: &str| {
            let mut worst = 0f64;
            for _ in 0..5 {
                let t = Instant::now();
                run.step_back();
                worst = worst.max(ms(t));
            }
            worst_all.set(worst_all.get().max(worst));
            println!("5 steps back {what}: worst {worst:.2} ms");
        };
        backs(&mut run, "at the end");
        let end_t = run.now();
        for back_ms in [1_000, 5_000, 30_000] {
            let to = engine::SimTime(end_t.0.saturating_sub(back_ms * 1_000));
            let t = Instant::now();
            run.seek_time(to, u64::MAX);
            run.relog();
            let back = ms(t);
            let t = Instant::now();
            run.seek_time(end_t, u64::MAX);
            run.relog();
            println!(
                "seek back {back_ms} ms from the end: {back:.1} ms; forward again: {:.1} ms",
                ms(t)
            );
        }
        let end = run.steps();
        for f in [0.13, 0.5, 0.77, 0.99] {
            let k = (end as f64 * f) as u64;
            let t = Instant::now();
            run.seek_step(k);
            run.relog();
            println!("seek to event {k}: {:.1} ms", ms(t));
            backs(&mut run, "there");
        }
        // Many steps back in a row from the end: a step past the snapshots kept near the
        // position replays from an older one (the worst show such cliffs).
        run.seek_step(end);
        run.relog();
        let n: usize = std::env::var("BACKS").map_or(1_200, |b| b.parse().unwrap_or(1_200));
        let mut each: Vec<(f64, usize)> = (0..n)
            .map(|i| {
                let t = Instant::now();
                run.step_back();
                (ms(t), i)
            })
            .collect();
        let mean = each.iter().map(|e| e.0).sum::<f64>() / n.max(1) as f64;
        each.sort_by(|a, b| b.0.total_cmp(&a.0));
        let top: Vec<String> = each
            .iter()
            .take(5)
            .map(|(x, i)| format!("{i}: {x:.1}"))
            .collect();
        println!(
            "{n} steps back from the end: mean {mean:.2} ms, worst (step: ms) {}",
            top.join(", ")
        );
        let worst = worst_all.get().max(each.first().map_or(0.0, |e| e.0));
        let met = if worst < 16.0 { "met" } else { "not met" };
        println!("target (issue 11), a step back under one frame (16 ms) anywhere: worst {worst:.2} ms, {met}");
    }
}

fn main() {
    let Some(link) = std::env::args().nth(1) else {
        eprintln!("usage: replay_probe '<link>' [t_us]");
        std::process::exit(2);
    };
    let d = decode(&link);
    for e in &d.errors {
        eprintln!("error: {e}");
    }
    let mut s = d.scenario;
    if let Some(t) = std::env::args().nth(2).and_then(|t| t.parse().ok()) {
        s.pos = Position {
            time: engine::SimTime(t),
            step: None,
        };
    }
    match d.lab {
        Some(lab) => lab.visit(Probe(&s)),
        None => eprintln!("the link names no lab"),
    }
}
