//! False φ downs of live workers under random loss, over many seeds (docs/design.md, "False
//! downs under random loss"): for seeds 1..=N of `lab=heartbeat&seed=S&n=5&loss=L&det=phi&t=60000`
//! (plus optional extra link keys), counts the runs with a false down and, for each length k of
//! a burst of heartbeats lost in a row, how many such bursts there were and how many of them φ
//! turned into a down verdict.
//!
//! `cargo run -p engine --release --example phi_false_downs -- LOSS SEEDS ['&win=1000']`

use engine::heartbeat::{measure, Detector, HbMsg, HbNode, Status, MONITOR};
use engine::scenario::decode;
use engine::trace::{DropReason, What};

const LONGEST: usize = 8;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let loss = args.get(1).map_or("2.7", |s| s.as_str());
    let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let extra = args.get(3).map_or("", |s| s.as_str());
    let (mut runs_with, mut downs) = (0, 0);
    // Index k: bursts of exactly k lost heartbeats (LONGEST: k ≥ LONGEST) that ended with an
    // arrival, and the down verdicts given inside a burst of that length.
    let mut bursts = [0u64; LONGEST + 1];
    let mut down_in = [0u64; LONGEST + 1];
    for seed in 1..=seeds {
        let link = format!("lab=heartbeat&seed={seed}&n=5&loss={loss}&det=phi&t=60000{extra}");
        let h = decode(&link).scenario.replay_heartbeat();
        let sim = h.sim();
        let m = measure(sim);
        runs_with += u64::from(m.phi.false_downs > 0);
        downs += u64::from(m.phi.false_downs);
        let HbNode::Monitor(mon) = &sim.nodes()[MONITOR] else {
            unreachable!("node 0 is the monitor")
        };
        for w in 1..sim.nodes().len() {
            // (heartbeat number, arrival time or None if lost), in sending order.
            let mut beats: Vec<(u64, Option<engine::SimTime>)> = sim
                .trace()
                .iter()
                .filter_map(|e| match &e.what {
                    What::Deliver {
                        from,
                        msg: HbMsg::Heartbeat { seq, .. },
                        ..
                    } if *from == w => Some((*seq, Some(e.time))),
                    What::Drop {
                        from,
                        msg: HbMsg::Heartbeat { seq, .. },
                        why: DropReason::Lost,
                        ..
                    } if *from == w => Some((*seq, None)),
                    _ => None,
                })
                .collect();
            beats.sort_unstable();
            let mut run = 0;
            for &(_, arrived) in &beats {
                match arrived {
                    None => run += 1,
                    Some(_) => {
                        if run > 0 {
                            bursts[run.min(LONGEST)] += 1;
                        }
                        run = 0;
                    }
                }
            }
            for t in mon.transitions.iter().filter(|t| {
                t.worker == w
                    && t.det == Detector::Phi
                    && t.to == Status::Down
                    && sim.up_at(w, t.time)
            }) {
                // The burst around the verdict: lost heartbeats after the last arrival before it.
                let start = beats
                    .iter()
                    .rposition(|b| b.1.is_some_and(|at| at < t.time))
                    .map_or(0, |i| i + 1);
                let k = beats[start..].iter().take_while(|b| b.1.is_none()).count();
                down_in[k.min(LONGEST)] += 1;
            }
        }
    }
    println!(
        "loss {loss}%{extra}: {seeds} runs, {runs_with} with a false down, {downs} false downs"
    );
    for k in 0..=LONGEST {
        if bursts[k] + down_in[k] > 0 {
            let plus = if k == LONGEST { "+" } else { "" };
            println!(
                "  {k}{plus} lost in a row: {} bursts, {} downs",
                bursts[k], down_in[k]
            );
        }
    }
}
