//! Same link, same run (determinism rule 6): every preset twice, through encode → decode →
//! rerun, and a seed sweep of a faulty scenario. A mismatch prints the link to rerun.

use crate::lines;
use engine::heartbeat::measure;
use engine::history::Run;
use engine::scenario::{decode, encode, presets, LabKind, Scenario};
use engine::SimTime;

/// The trace lines of a scenario replayed to `t_ms` (or to its own position if that is later),
/// plus its measurements; for the ring lab, the measurements after each operation.
fn replay(s: &Scenario, t_ms: u64) -> Vec<String> {
    let t = SimTime::from_ms(t_ms);
    match s.lab {
        LabKind::Heartbeat => {
            let mut h = s.replay_heartbeat();
            h.run_until(t, 1_000_000);
            let mut l = lines(h.sim());
            l.push(format!("{:?}", measure(h.sim())));
            l
        }
        LabKind::Raft => {
            let mut h = s.replay_raft();
            h.run_until(t, 1_000_000);
            let mut l = lines(h.sim());
            l.push(format!("{:?}", engine::raft::measure(h.sim())));
            l
        }
        LabKind::Lb => {
            let mut h = engine::history::History::new(s.build_lb());
            h.run_until(t, 1_000_000);
            let mut l = lines(h.sim());
            l.push(format!("{:?}", engine::lb::measure(h.sim())));
            l
        }
        LabKind::Ring => {
            let mut run = s.build_ring();
            let mut l = vec![format!("{:?}", engine::ring::measure(&run))];
            while run.step() {
                l.push(format!("{:?}", engine::ring::measure(&run)));
            }
            // Enough lines for the "does something" check: one per key owner at the end.
            l.extend(
                run.lab()
                    .assignment()
                    .iter()
                    .take(200)
                    .map(|o| o.to_string()),
            );
            l
        }
    }
}

fn first_difference(a: &[String], b: &[String]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!("step {}:\n  {}\n  {}", i + 1, a[i], b[i]),
        None => format!("lengths {} and {}", a.len(), b.len()),
    }
}

#[test]
fn every_preset_replays_identically_twice_and_through_its_link() {
    for p in presets() {
        let d = decode(p.query);
        assert!(d.errors.is_empty(), "{}", p.id);
        let a = replay(&d.scenario, 6_000);
        let b = replay(&d.scenario, 6_000);
        assert!(a.len() > 100, "{}: the run does something", p.id);
        assert!(
            a == b,
            "{} is not deterministic; rerun with: cargo run -p cli -- run '{}'\n{}",
            p.id,
            p.query,
            first_difference(&a, &b)
        );
        let link = encode(&d.scenario);
        let c = replay(&decode(&link).scenario, 6_000);
        assert!(
            a == c,
            "{}: the re-encoded link replays differently: {link}\n{}",
            p.id,
            first_difference(&a, &c)
        );
    }
}

#[test]
fn a_seed_sweep_with_faults_replays_identically() {
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..20u64 {
        let link = format!(
            "lab=heartbeat&v=1&seed={seed}&n=4&lat=exp:5-20&loss=5&dup=2&det=phi\
             &faults=400:crash:1;900:partition:0.2|1.3.4;1300:hold:3>0;1700:release:3>0;2000:heal;2200:restart:1\
             &t=3000"
        );
        let s = decode(&link).scenario;
        let a = replay(&s, 3_000);
        let b = replay(&decode(&encode(&s)).scenario, 3_000);
        assert!(
            a == b,
            "seed {seed} diverged; rerun: cargo run -p cli -- run '{link}'\n{}",
            first_difference(&a, &b)
        );
        distinct.insert(a.join("\n"));
    }
    // Different seeds give different runs (the seed is really used).
    assert_eq!(distinct.len(), 20);
}

#[test]
fn a_step_position_replays_to_the_same_state_as_playing_there() {
    let link = "lab=heartbeat&v=1&seed=12&n=3&loss=10&faults=700:crash:2&step=333";
    let h = crate::run(link);
    assert_eq!(h.sim().steps(), 333);
    let mut fresh = decode(link).scenario.build_heartbeat();
    for _ in 0..333 {
        fresh.step();
    }
    assert_eq!(lines(h.sim()), lines(&fresh));
}
