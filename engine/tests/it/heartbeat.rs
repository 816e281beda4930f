//! The heartbeat lab, one test per rule. Rules are cited from the module docs of
//! `engine::heartbeat` ("HB: …") and from the phi accrual paper (Hayashibara et al., 2004).

use crate::{monitor, run, worker};
use engine::heartbeat::{
    measure, phi_value, Detector, Failover, HbMsg, HbNode, HbParams, PhiThreshold, Role, Status,
    Transition,
};
use engine::scenario::presets;
use engine::sim::{Sim, What};
use engine::{Duration, NodeId, SimTime};
use std::collections::VecDeque;

/// The arrival time of the last heartbeat the monitor received from `w`.
fn last_arrival(sim: &Sim<HbNode>, w: NodeId) -> SimTime {
    sim.trace()
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.what,
                What::Deliver { from, to: 0, msg: HbMsg::Heartbeat { .. }, .. } if from == w
            )
        })
        .map(|e| e.time)
        .expect("the worker was heard at least once")
}

fn transitions(sim: &Sim<HbNode>, w: NodeId, det: Detector) -> Vec<(SimTime, Status, Status)> {
    monitor(sim)
        .transitions
        .iter()
        .filter(|t| t.worker == w && t.det == det)
        .map(|t| (t.time, t.from, t.to))
        .collect()
}

fn preset_link(id: &str) -> &'static str {
    presets()
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.query)
        .expect("preset exists")
}

/// The time of the first trace note containing `text`.
fn note_time(sim: &Sim<HbNode>, text: &str) -> SimTime {
    sim.trace()
        .iter()
        .find(|e| e.notes.iter().any(|n| n.contains(text)))
        .map(|e| e.time)
        .unwrap_or_else(|| panic!("no note '{text}'"))
}

const MS: fn(u64) -> Duration = Duration::from_ms;

// HB: "fixed timeout: suspect after `suspect` of silence, down after `down`" — silence counted
// from the last heartbeat that arrived, to the microsecond.
#[test]
fn fixed_detector_marks_a_crashed_worker_suspect_then_down_exactly_on_time() {
    for seed in 1..=5 {
        let h = run(&format!(
            "lab=heartbeat&v=1&seed={seed}&n=3&faults=1000:crash:2&t=2000"
        ));
        let last = last_arrival(h.sim(), 2);
        assert!(last < SimTime::from_ms(1_020), "seed {seed}");
        assert_eq!(
            transitions(h.sim(), 2, Detector::Fixed),
            [
                (last.plus(MS(250)), Status::Up, Status::Suspect),
                (last.plus(MS(500)), Status::Suspect, Status::Down),
            ],
            "seed {seed}"
        );
        assert_eq!(monitor(h.sim()).status(2, Detector::Fixed), Status::Down);
        // The other workers were never suspected.
        assert!(transitions(h.sim(), 1, Detector::Fixed).is_empty());
        assert!(transitions(h.sim(), 3, Detector::Fixed).is_empty());
    }
}

// HB: a live worker on a clean network is heard every interval ± jitter plus 10–15 ms of
// latency, well inside both detectors' thresholds: no detector ever suspects it.
#[test]
fn live_workers_on_a_clean_network_are_never_suspected() {
    for det in ["fixed", "phi"] {
        let h = run(&format!(
            "lab=heartbeat&v=1&seed=4&n=5&lat=10-15&loss=0&det={det}&t=30000"
        ));
        let m = monitor(h.sim());
        assert!(m.transitions.is_empty(), "det={det}: {:?}", m.transitions);
        for w in 1..=5 {
            for d in [Detector::Fixed, Detector::Phi] {
                assert_eq!(m.status(w, d), Status::Up);
            }
        }
        let metrics = measure(h.sim());
        assert_eq!(metrics.fixed.false_suspicions, 0);
        assert_eq!(metrics.phi.false_suspicions, 0);
        assert_eq!(metrics.failovers, 0);
    }
}

// Phi accrual: φ(t) = −log10(P(next heartbeat later than t)) grows with the silence t, and
// the monitor marks suspect/down exactly when φ reaches φ_suspect/φ_down.
#[test]
fn phi_grows_with_silence_and_crosses_its_thresholds_on_time() {
    let h = run("lab=heartbeat&v=1&seed=6&n=2&faults=2000:crash:2&t=3000");
    let sim = h.sim();
    let m = monitor(sim);
    let view = &m.views[2];
    assert!(view.intervals.len() >= 15, "{:?}", view.intervals);
    let last = last_arrival(sim, 2);
    assert_eq!(view.last, last);

    let p = HbParams::default();
    let stats = view.intervals.stats(&p);
    let phis: Vec<f64> = (0..=60).map(|k| stats.phi(k * 10_000)).collect();
    assert!(phis.windows(2).all(|w| w[0] <= w[1]), "{phis:?}");
    assert!(phis[0] < 0.01, "just heard: φ ≈ 0, got {}", phis[0]);
    // Akka's acceptable pause (300 ms) is added to the mean: φ is still small at 300 ms.
    assert!(phis[30] < 0.01, "{phis:?}");
    assert!(phis[60] > 8.0, "after 600 ms of silence φ is past 8");
    // `Monitor::phi` is the same function of the view.
    assert_eq!(m.phi(2, last.plus(MS(450))), phis[45]);

    let suspect = stats.crossing(&PhiThreshold::new(3.0));
    let down = stats.crossing(&PhiThreshold::new(8.0));
    assert!(suspect < down);
    assert_eq!(
        transitions(sim, 2, Detector::Phi),
        [
            (last.plus(Duration(suspect)), Status::Up, Status::Suspect),
            (last.plus(Duration(down)), Status::Suspect, Status::Down),
        ]
    );
    assert!(m.phi(2, last.plus(Duration(suspect))) >= 3.0);
    assert!(m.phi(2, last.plus(Duration(suspect - 1))) < 3.0);
}

// HB: "when the primary is marked down the monitor promotes the lowest-numbered healthy worker
// with a higher epoch".
#[test]
fn failover_promotes_the_lowest_healthy_worker_at_the_next_epoch() {
    // Worker 2 is already down when primary 1 crashes: worker 3 is promoted.
    let h = run("lab=heartbeat&v=1&seed=8&n=4&faults=500:crash:2;1500:crash:1&t=2500");
    let sim = h.sim();
    let down_1 = transitions(sim, 1, Detector::Fixed)
        .iter()
        .find(|t| t.2 == Status::Down)
        .map(|t| t.0)
        .expect("primary declared down");
    assert_eq!(
        monitor(sim).failovers,
        [Failover {
            time: down_1,
            from: Some(1),
            to: 3,
            epoch: 2
        }]
    );
    assert_eq!(monitor(sim).primary, Some(3));
    let w3 = worker(sim, 3);
    assert_eq!((w3.role, w3.epoch), (Role::Primary, 2));
    let w4 = worker(sim, 4);
    assert_eq!((w4.role, w4.epoch), (Role::Backup, 1));
    assert!(sim.violations().is_empty());
}

// HB: "The selected detector drives failover" — with det=phi, the promotion happens at the phi
// detector's down time, long before the fixed detector's.
#[test]
fn the_selected_detector_drives_failover() {
    let h = run("lab=heartbeat&v=1&seed=8&n=3&det=phi&faults=1500:crash:1&t=2500");
    let sim = h.sim();
    let phi_down = transitions(sim, 1, Detector::Phi)
        .iter()
        .find(|t| t.2 == Status::Down)
        .map(|t| t.0)
        .expect("phi declares down");
    let fixed_down = transitions(sim, 1, Detector::Fixed)
        .iter()
        .find(|t| t.2 == Status::Down)
        .map(|t| t.0)
        .expect("fixed declares down");
    assert!(phi_down < fixed_down);
    let f = monitor(sim).failovers.clone();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].time, f[0].to, f[0].epoch), (phi_down, 2, 2));
}

// HB: with `fo=0` nothing is promoted; the monitor only reports.
#[test]
fn no_failover_when_it_is_switched_off() {
    let h = run("lab=heartbeat&v=1&seed=8&n=3&fo=0&faults=1500:crash:1&t=3000");
    let m = monitor(h.sim());
    assert_eq!(m.status(1, Detector::Fixed), Status::Down);
    assert!(m.failovers.is_empty());
    assert_eq!((m.primary, m.epoch), (Some(1), 1));
    assert!(engine::heartbeat::acting_primaries(h.sim()).is_empty());
}

// HB: "a falsely suspected old primary is fenced by its epoch": the partitioned primary keeps
// acting as primary (split brain) until, after the heal, its stale-epoch heartbeat gets it
// demoted. "One primary per epoch" holds throughout.
#[test]
fn a_partitioned_old_primary_is_demoted_after_the_heal() {
    let link = preset_link("hb-split-brain");
    let mut h = run(link);
    h.run_until(SimTime::from_ms(2_500), 1_000_000);
    assert_eq!(engine::heartbeat::acting_primaries(h.sim()), [1, 2]);
    assert_eq!(worker(h.sim(), 1).epoch, 1);
    assert_eq!(worker(h.sim(), 2).epoch, 2);
    h.run_until(SimTime::from_ms(4_000), 1_000_000);
    let sim = h.sim();
    assert_eq!(engine::heartbeat::acting_primaries(sim), [2]);
    let w1 = worker(sim, 1);
    assert_eq!((w1.role, w1.epoch), (Role::Backup, 2));
    assert!(note_time(sim, "fencing: node 1") > SimTime::from_ms(3_000));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert!(sim.invariant_status().iter().all(|&(_, ok)| ok));
}

// HB: a restarted worker comes back as a backup, and its first heartbeat makes it up again.
#[test]
fn a_restarted_worker_rejoins_as_backup_on_its_first_heartbeat() {
    let mut h = run(preset_link("hb-failover"));
    h.run_until(SimTime::from_ms(5_000), 1_000_000);
    let sim = h.sim();
    let back_up: Vec<_> = transitions(sim, 1, Detector::Fixed)
        .into_iter()
        .filter(|t| t.0 >= SimTime::from_ms(4_000))
        .collect();
    // First beat at most one interval (+10 % jitter) after the restart, plus ≤ 15 ms latency.
    assert_eq!(back_up.len(), 1, "{back_up:?}");
    assert_eq!((back_up[0].1, back_up[0].2), (Status::Down, Status::Up));
    assert!(
        back_up[0].0 <= SimTime::from_ms(4_000 + 110 + 15),
        "{back_up:?}"
    );
    assert_eq!(worker(sim, 1).role, Role::Backup);
    assert_eq!(monitor(sim).primary, Some(2));
    assert!(!sim
        .trace()
        .iter()
        .any(|e| e.notes.iter().any(|n| n.contains("stale or duplicate"))));
}

// HB: the monitor's epoch and designated primary are persistent: a monitor restart keeps them,
// so the next failover uses a fresh epoch.
#[test]
fn a_monitor_restart_keeps_the_epoch() {
    let h = run(
        "lab=heartbeat&v=1&seed=9&n=3&faults=300:crash:1;1500:crash:0;1700:restart:0;2500:crash:2&t=3500",
    );
    let m = monitor(h.sim());
    let f: Vec<_> = m
        .failovers
        .iter()
        .map(|f| (f.from, f.to, f.epoch))
        .collect();
    assert_eq!(f, [(Some(1), 2, 2), (Some(2), 3, 3)]);
    assert_eq!((m.primary, m.epoch), (Some(3), 3));
    assert!(h.sim().violations().is_empty());
}

// Detection time of the fixed detector, crash → down. The monitor counts silence from the last
// heartbeat *arrival*: that heartbeat left at most interval·(1+jitter) before the crash and took
// at least the minimum latency, or it was still on the wire at the crash (≤ max latency). So
// detection ∈ [down − interval·(1+jitter) + min latency, down + max latency].
#[test]
fn detection_time_is_within_the_timeout_bounds() {
    let (down, period, lat_min, lat_max) = (500.0, 110.0, 10.0, 15.0);
    for seed in 1..=12u64 {
        let crash = 1_000 + seed * 37;
        let h = run(&format!(
            "lab=heartbeat&v=1&seed={seed}&n=3&faults={crash}:crash:2&t=3000"
        ));
        let m = measure(h.sim());
        assert_eq!((m.fixed.crashes, m.fixed.detected), (1, 1), "seed {seed}");
        let d = m.fixed.detection_ms[0];
        assert!(
            (down - period + lat_min..=down + lat_max).contains(&d),
            "seed {seed}: detection {d} ms"
        );
        assert_eq!(m.fixed.mean_detection_ms, Some(d));
        assert_eq!(m.phi.detected, 1);
    }
}

// Lossy links: with 30 % loss, runs of two or three lost heartbeats are common over 20 s, and
// the fixed 250 ms timeout suspects live workers.
#[test]
fn heavy_loss_causes_false_suspicions() {
    let link = preset_link("hb-lossy");
    assert!(link.contains("loss=30") && link.contains("t=20000"));
    let m = measure(run(link).sim());
    assert_eq!(m.fixed.crashes, 0);
    assert!(m.fixed.false_suspicions > 0, "{m:?}");
    assert!(m.messages_lost > 0);
    // Every transition away from "up" concerned a live worker, so all are false.
    let h = run(link);
    let wrong = monitor(h.sim())
        .transitions
        .iter()
        .filter(|t: &&Transition| t.det == Detector::Fixed && t.from == Status::Up)
        .count() as u32;
    assert_eq!(m.fixed.false_suspicions, wrong);
}

// The split-brain window is measured from ground truth: from the new primary's promotion to the
// old primary stepping down.
#[test]
fn split_brain_is_measured_in_the_partition_preset() {
    // The preset opens just before the partition; measure after the heal.
    let base = preset_link("hb-split-brain")
        .split("&t=")
        .next()
        .expect("a link");
    let h = run(&format!("{base}&t=5000"));
    let m = measure(h.sim());
    let from = note_time(h.sim(), "2: now primary at epoch 2");
    let to = note_time(h.sim(), "1: steps down");
    assert!(m.split_brain_ms > 0.0);
    assert_eq!(m.split_brain_ms, to.since(from).as_ms_f64());
    assert_eq!((m.failovers, m.primary, m.epoch), (1, Some(2), 2));
    assert_eq!(m.fixed.false_downs, 1);
}

// A crash of a worker that the monitor had already declared down (here: cut off first) counts as
// detected, with detection time 0.
#[test]
fn a_crash_of_a_worker_already_down_counts_as_detected_at_once() {
    let h = run("lab=heartbeat&v=1&seed=3&n=3&faults=500:isolate:3;1500:crash:3&t=2500");
    let m = measure(h.sim());
    assert_eq!(m.fixed.crashes, 1);
    assert_eq!(m.fixed.detected, 1);
    assert_eq!(m.fixed.detection_ms, [0.0]);
    // And a monitor restart in between resets "down": then the crash is detected afresh.
    let h = run(
        "lab=heartbeat&v=1&seed=3&n=3&faults=500:isolate:3;1200:crash:0;1300:restart:0;1350:crash:3&t=2500",
    );
    let m = measure(h.sim());
    assert_eq!(m.fixed.detected, 1);
    let d = m.fixed.detection_ms[0];
    // Down 500 ms after the monitor's restart (it starts counting silence then).
    assert!((d - 450.0).abs() < 1e-9, "{d}");
}

// The phi window: at most `win` samples are kept.
#[test]
fn phi_window_keeps_the_most_recent_samples() {
    let h = run("lab=heartbeat&v=1&seed=2&n=1&win=5&t=3000");
    let v = &monitor(h.sim()).views[1];
    assert_eq!(v.intervals.len(), 5);
    let bootstrap: VecDeque<u64> = VecDeque::new();
    let p = HbParams::default();
    // Before any sample, φ uses the configured interval (μ = 100 ms, σ = 25 ms) plus the
    // acceptable pause (300 ms): at the mean, φ = −log10(1/2).
    assert!((phi_value(&p, &bootstrap, 400_000) - 0.5f64.log10().abs()).abs() < 1e-12);
}

// "One primary per epoch" is checked incrementally (only after an event that leaves its node an
// acting primary): after every event of the partition preset and of runs with crashes, restarts
// and partitions, its status is what the full check says.
#[test]
fn the_incremental_epoch_check_agrees_with_the_full_check_after_every_event() {
    let links = [
        preset_link("hb-split-brain").to_string(),
        "lab=heartbeat&n=6&loss=5&seed=4&faults=1000:crash:1;1500:partition:0.1.2|3.4.5.6;2500:restart:1;3000:heal;3200:isolate:2;4000:heal".into(),
    ];
    for link in links {
        let mut h = run(&link);
        for _ in 0..20_000 {
            if !engine::history::Run::step(&mut h) {
                break;
            }
            let full = engine::heartbeat::one_primary_per_epoch(h.sim()).is_none();
            assert_eq!(
                h.sim().invariant_status()[0].1,
                full,
                "{link} at step {}",
                h.sim().steps()
            );
        }
    }
}

// A φ threshold refuses by the lab's variant, with the banner's words.
#[test]
fn phi_thresholds_refuse_by_variant() {
    use engine::heartbeat::{HeartbeatLab, PhiError};
    let phi = |k, v| crate::lab_key_error::<HeartbeatLab>(k, v);
    assert_eq!(
        phi("phis", "x").get::<PhiError>(),
        Some(&PhiError::NotANumber("x".into()))
    );
    let e = phi("phid", "51");
    assert_eq!(e.get::<PhiError>(), Some(&PhiError::Outside("51".into())));
    assert_eq!(e.to_string(), "51 is outside 0.1–50");
}
