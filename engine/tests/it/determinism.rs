//! Same link, same run (determinism rule 6): every preset twice, through encode → decode →
//! rerun, and a seed sweep of a faulty scenario. A mismatch prints the link to rerun.

use crate::lines;
use engine::history::Run;
use engine::lab::{Lab, LabVisitor};
use engine::scenario::{decode, encode, presets, seek, Scenario};
use engine::SimTime;

/// A lab's event lines for a scenario replayed to `t_ms` (or to its own position if that is
/// later), then its measurements.
struct Replay<'a>(&'a Scenario, u64);

impl LabVisitor for Replay<'_> {
    type Output = Vec<String>;
    fn visit<L: Lab>(self) -> Vec<String> {
        let mut run = L::build(self.0);
        seek(&mut run, self.0.pos);
        run.run_until(SimTime::from_ms(self.1), 1_000_000);
        let mut l: Vec<String> = L::event_lines(&run)
            .into_iter()
            .map(|(step, line)| format!("#{step} {line}"))
            .collect();
        l.push(format!("{:?}", L::measure(&run)));
        l
    }
}

fn replay(s: &Scenario, t_ms: u64) -> Vec<String> {
    s.lab.visit(Replay(s, t_ms))
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
        assert!(a.concat().len() > 500, "{}: the run does something", p.id);
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

/// A lab's measurements of a scenario at its position, with the whole trace or only a tail.
struct MeasureWithTail<'a>(&'a Scenario, Option<usize>);

impl LabVisitor for MeasureWithTail<'_> {
    type Output = (String, Vec<(u64, String)>);
    fn visit<L: Lab>(self) -> Self::Output {
        let mut run = L::build(self.0);
        run.keep_trace_tail(self.1);
        seek(&mut run, self.0.pos);
        run.run_until(SimTime::from_ms(6_000), 1_000_000);
        let lines = L::event_lines(&run);
        let tail = lines[lines.len().saturating_sub(50)..].to_vec();
        (format!("{:?}", L::measure(&run)), tail)
    }
}

#[test]
fn a_trace_tail_changes_no_measurement_and_no_recent_event() {
    // The page and the CLI keep only a tail of the trace; what they show must not change.
    for p in presets() {
        let s = decode(p.query).scenario;
        let whole = s.lab.visit(MeasureWithTail(&s, None));
        let tail = s.lab.visit(MeasureWithTail(&s, Some(64)));
        assert_eq!(
            whole, tail,
            "{}: a trace tail changes what is measured or shown",
            p.id
        );
    }
}

/// A preset replayed the way the page opens a heavy link — in slices of quiet events (no trace
/// lines), then [`Run::relog`] — against a loud replay with the same kept tail: the same step,
/// time and measurements, and the rebuilt log ends with the same lines (the page's log shows
/// the newest ones).
struct QuietThenRelog<'a>(&'a Scenario, u64, bool);

impl LabVisitor for QuietThenRelog<'_> {
    type Output = (u64, SimTime, Vec<String>, String);
    fn visit<L: Lab>(self) -> Self::Output {
        const TAIL: usize = 300;
        let mut run = L::build(self.0);
        run.keep_trace_tail(Some(TAIL));
        let pos = engine::scenario::Position {
            time: SimTime::from_ms(self.1),
            step: None,
        };
        if self.2 {
            while !engine::scenario::seek_slice(&mut run, pos, 777) {}
            run.relog();
        } else {
            run.run_until(pos.time, u64::MAX);
        }
        let lines: Vec<String> = L::event_lines(&run)
            .into_iter()
            .rev()
            .take(TAIL)
            .map(|(step, line)| format!("#{step} {line}"))
            .collect();
        (
            run.steps(),
            run.now(),
            lines,
            format!("{:?}", L::measure(&run)),
        )
    }
}

#[test]
fn a_quiet_replay_then_relog_shows_what_a_loud_replay_shows() {
    for p in presets() {
        let s = decode(p.query).scenario;
        for t_ms in [150, 6_000] {
            let loud = s.lab.visit(QuietThenRelog(&s, t_ms, false));
            let quiet = s.lab.visit(QuietThenRelog(&s, t_ms, true));
            assert_eq!(
                (loud.0, loud.1),
                (quiet.0, quiet.1),
                "{} at {t_ms} ms",
                p.id
            );
            assert!(
                loud.2 == quiet.2,
                "{} at {t_ms} ms: the rebuilt log differs\n{}",
                p.id,
                first_difference(&loud.2, &quiet.2)
            );
            assert_eq!(loud.3, quiet.3, "{} at {t_ms} ms: measurements", p.id);
        }
    }
}
