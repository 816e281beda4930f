//! Property tests. Case counts are modest so the binary stays fast on two cores;
//! `PROPTEST_CASES=2000 cargo test -p engine --test it props` runs a longer search.

use crate::{cases, monitor};
use engine::fault::{Fault, TimedFault};
use engine::heartbeat::{phi_crossing, phi_value, Detector, HbParams, Status, MONITOR};
use engine::net::{Latency, NetConfig};
use engine::scenario::{decode, encode, LabKind, LabParams, Position, Scenario};
use engine::{Duration, NodeId, SimTime};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::VecDeque;

const MAX_US: u64 = 600_000_000; // the 10-minute limit of a link, in µs

fn latency(max_us: u64) -> impl Strategy<Value = Latency> {
    let us = 0..=max_us;
    let pair = (us.clone(), us.clone()).prop_map(|(a, b)| (Duration(a.min(b)), Duration(a.max(b))));
    prop_oneof![
        us.prop_map(|d| Latency::Constant(Duration(d))),
        pair.clone().prop_map(|(a, b)| Latency::Uniform(a, b)),
        pair.prop_map(|(a, b)| Latency::Exponential(a, b)),
    ]
}

/// A partition of a random subset of `0..procs` into non-empty groups.
fn partition(procs: usize) -> impl Strategy<Value = Fault> {
    let all: Vec<NodeId> = (0..procs).collect();
    (
        Just(all).prop_shuffle(),
        1..=procs,
        prop::collection::vec(any::<bool>(), procs),
    )
        .prop_map(|(order, k, cuts)| {
            let mut groups: Vec<Vec<NodeId>> = vec![];
            for (i, &node) in order[..k].iter().enumerate() {
                if groups.is_empty() || cuts[i] {
                    groups.push(vec![]);
                }
                groups.last_mut().expect("a group").push(node);
            }
            Fault::Partition(groups)
        })
}

fn link_pair(procs: usize) -> impl Strategy<Value = (NodeId, NodeId)> {
    (0..procs, 1..procs).prop_map(move |(a, d)| (a, (a + d) % procs))
}

/// Any fault a link can carry, naming nodes in `0..procs` (`procs >= 2`).
fn fault(procs: usize) -> impl Strategy<Value = Fault> {
    prop_oneof![
        (0..procs).prop_map(Fault::Crash),
        (0..procs).prop_map(Fault::Restart),
        (0..procs).prop_map(Fault::Isolate),
        partition(procs),
        link_pair(procs).prop_map(|(a, b)| Fault::Cut(a, b)),
        link_pair(procs).prop_map(|(a, b)| Fault::Hold(a, b)),
        link_pair(procs).prop_map(|(a, b)| Fault::Release(a, b)),
        Just(Fault::Heal),
        (0..1_000_000_000_000u64).prop_map(Fault::DropMsg),
        (0..=1_000_000u32).prop_map(Fault::SetLoss),
        latency(60_000_000).prop_map(Fault::SetLatency),
    ]
}

/// A timeline sorted by time (stable), as the link keeps it.
fn timeline<S: Strategy<Value = Fault>>(
    f: S,
    max_us: u64,
    len: usize,
) -> impl Strategy<Value = Vec<TimedFault>> {
    prop::collection::vec((0..=max_us, f), 0..len).prop_map(|v| {
        let mut t: Vec<TimedFault> = v
            .into_iter()
            .map(|(at, fault)| TimedFault {
                at: SimTime(at),
                fault,
            })
            .collect();
        t.sort_by_key(|f| f.at);
        t
    })
}

fn distinct_sorted<T: Ord + Copy + std::fmt::Debug>(
    s: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = (T, T)> {
    (s.clone(), s)
        .prop_filter("distinct", |(a, b)| a != b)
        .prop_map(|(a, b)| (a.min(b), a.max(b)))
}

fn hb_params() -> impl Strategy<Value = HbParams> {
    (
        10_000..=10_000_000u64,
        0..=50u8,
        distinct_sorted(1_000..=MAX_US),
        any::<bool>(),
        distinct_sorted(100..=50_000u32),
        1..=1000usize,
        any::<bool>(),
    )
        .prop_map(
            |(interval, jit, (sus, down), phi, (ps, pd), win, fo)| HbParams {
                interval: Duration(interval),
                jitter_pct: jit,
                suspect_after: Duration(sus),
                down_after: Duration(down),
                detector: if phi { Detector::Phi } else { Detector::Fixed },
                phi_suspect_milli: ps,
                phi_down_milli: pd,
                window: win,
                failover: fo,
                ..HbParams::default()
            },
        )
}

fn any_scenario() -> impl Strategy<Value = Scenario> {
    (1..=50usize).prop_flat_map(|n| {
        (
            any::<u64>(),
            latency(60_000_000),
            0..=1_000_000u32,
            prop_oneof![Just(0u32), 0..=1_000_000u32],
            hb_params(),
            timeline(fault(n + 1), MAX_US, 12),
            0..=MAX_US,
            proptest::option::of(0..=1_000_000u64),
        )
            .prop_map(move |(seed, lat, loss, dup, p, faults, t, step)| Scenario {
                lab: LabKind::Heartbeat,
                seed,
                nodes: n,
                net: NetConfig {
                    latency: lat,
                    loss_ppm: loss,
                    dup_ppm: dup,
                },
                params: LabParams::Heartbeat(p),
                faults,
                pos: Position {
                    time: SimTime(t),
                    step,
                },
                notes: Vec::new(),
            })
    })
}

/// Whatever `decode` made of a link must itself be a clean, stable link.
fn assert_stable(input: &str) -> Result<(), TestCaseError> {
    let s = decode(input).scenario;
    let q = encode(&s);
    let d = decode(&q);
    prop_assert!(d.errors.is_empty(), "{q}: {:?}", d.errors);
    prop_assert_eq!(d.lab, Some(s.lab));
    prop_assert_eq!(&d.scenario, &s, "{}", q);
    prop_assert_eq!(encode(&d.scenario), q);
    Ok(())
}

/// Pieces that make decode work hard: real keys, separators, escapes and timeline syntax.
fn link_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        select(vec![
            "lab",
            "v",
            "seed",
            "n",
            "lat",
            "loss",
            "dup",
            "faults",
            "t",
            "step",
            "hb",
            "jit",
            "suspect",
            "down",
            "det",
            "phis",
            "phid",
            "win",
            "fo",
            "heartbeat",
            "phi",
            "fixed",
            "exp:",
            "crash",
            "heal",
            "partition:",
            "cut:",
            "&",
            "=",
            "%",
            "%2",
            "%26",
            "%3D",
            "%FF",
            "%E2%86%92",
            "+",
            ";",
            ":",
            ">",
            "|",
            ".",
            "-",
            "#",
            "?",
            "0",
            "1",
            "9",
        ])
        .prop_map(str::to_string),
        "[0-9]{1,6}",
        "[&=%;:.|>a-z0-9-]{1,4}",
        ".{0,3}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// Text shaped like a fault timeline, valid or not.
fn timeline_soup() -> impl Strategy<Value = String> {
    let entry = (
        "[0-9]{0,7}(\\.[0-9]{1,4})?",
        select(vec![
            "crash",
            "restart",
            "isolate",
            "partition",
            "cut",
            "hold",
            "release",
            "heal",
            "drop",
            "loss",
            "lat",
            "boom",
            "",
        ]),
        "(:[0-9]{0,3}([.|>-][0-9]{0,3}){0,3})?|:exp:[0-9]{1,3}-[0-9]{1,3}|:[0-9.]{0,6}%?",
    )
        .prop_map(|(t, verb, arg)| format!("{t}:{verb}{arg}"));
    (
        1..=8usize,
        prop::collection::vec(entry, 0..12),
        "[0-9]{0,6}",
    )
        .prop_map(|(n, entries, t)| {
            format!("lab=heartbeat&n={n}&faults={}&t={t}", entries.join(";"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn any_scenario_round_trips_through_its_link(s in any_scenario()) {
        let q = encode(&s);
        let d = decode(&q);
        prop_assert!(d.errors.is_empty(), "{}: {:?}", q, d.errors);
        prop_assert_eq!(d.lab, Some(LabKind::Heartbeat));
        prop_assert_eq!(d.scenario, s, "{}", q);
    }

    #[test]
    fn decode_never_panics_on_any_string(x in any::<String>()) {
        assert_stable(&x)?;
    }

    #[test]
    fn decode_never_panics_on_link_soup(x in link_soup()) {
        assert_stable(&x)?;
    }

    #[test]
    fn decode_never_panics_on_timeline_soup(x in timeline_soup()) {
        assert_stable(&x)?;
        let d = decode(&x);
        // Every fault kept names an existing process.
        let procs = d.scenario.process_count();
        prop_assert!(d.scenario.faults.iter().all(|f| f.fault.nodes().all(|i| i < procs)));
    }

    // Phi accrual: the crossing instant the monitor schedules agrees with φ itself.
    #[test]
    fn phi_crossing_agrees_with_phi_value(
        interval_ms in 10..=2_000u64,
        min_std_ms in 1..=50u64,
        samples in prop::collection::vec(0.5f64..3.0, 0..60),
        th_milli in 100..=50_000u32,
    ) {
        let p = HbParams {
            interval: Duration::from_ms(interval_ms),
            min_std: Duration::from_ms(min_std_ms),
            ..HbParams::default()
        };
        let iv: VecDeque<u64> =
            samples.iter().map(|f| (f * (interval_ms * 1000) as f64) as u64).collect();
        let th = th_milli as f64 / 1000.0;
        let c = phi_crossing(&p, &iv, th);
        if phi_value(&p, &iv, c) < th {
            // Unreachable within the search range: the deadline is parked at the cap.
            prop_assert_eq!(c, interval_ms * 1000 * 1000);
        } else {
            prop_assert!(c == 0 || phi_value(&p, &iv, c - 1) < th, "c={}", c);
        }
    }
}

/// Faults for heartbeat runs: everything but `drop` (ids are run-specific), with latency kept
/// at most 50 ms so runs stay short.
fn hb_fault(procs: usize, monitor_faults: bool, holds: bool) -> BoxedStrategy<Fault> {
    let first = if monitor_faults { 0 } else { 1 };
    let mut v: Vec<BoxedStrategy<Fault>> = vec![
        (first..procs).prop_map(Fault::Crash).boxed(),
        (first..procs).prop_map(Fault::Restart).boxed(),
        (first..procs).prop_map(Fault::Restart).boxed(),
        (0..procs).prop_map(Fault::Isolate).boxed(),
        partition(procs).boxed(),
        link_pair(procs).prop_map(|(a, b)| Fault::Cut(a, b)).boxed(),
        Just(Fault::Heal).boxed(),
        (0..=500_000u32).prop_map(Fault::SetLoss).boxed(),
        (0..=50_000u64, 0..=50_000u64)
            .prop_map(|(a, b)| {
                Fault::SetLatency(Latency::Uniform(Duration(a.min(b)), Duration(a.max(b))))
            })
            .boxed(),
    ];
    if holds {
        v.push(
            link_pair(procs)
                .prop_map(|(a, b)| Fault::Hold(a, b))
                .boxed(),
        );
        v.push(
            link_pair(procs)
                .prop_map(|(a, b)| Fault::Release(a, b))
                .boxed(),
        );
    }
    proptest::strategy::Union::new(v).boxed()
}

fn hb_run(monitor_faults: bool, holds: bool) -> impl Strategy<Value = Scenario> {
    (2..=6usize, any::<u64>(), any::<bool>()).prop_flat_map(move |(n, seed, phi)| {
        timeline(hb_fault(n + 1, monitor_faults, holds), 5_000_000, 14).prop_map(move |faults| {
            let mut s = Scenario::default_for(LabKind::Heartbeat);
            s.seed = seed;
            s.nodes = n;
            if phi {
                s.params = LabParams::Heartbeat(HbParams {
                    detector: Detector::Phi,
                    ..HbParams::default()
                });
            }
            s.faults = faults;
            s.pos.time = SimTime::from_ms(6_000);
            s
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    // Epochs fence primaries: under any fault schedule (monitor crashes, partitions, held links,
    // loss) no two live workers are ever primary at the same epoch.
    #[test]
    fn random_faults_never_give_two_primaries_one_epoch(s in hb_run(true, true)) {
        let h = s.replay_heartbeat();
        prop_assert!(
            h.sim().violations().is_empty(),
            "{:?}\nrerun: cargo run -p cli -- run '{}'",
            h.sim().violations(),
            encode(&s)
        );
    }

    // Every crash that stays down longer than `down` + the largest latency is declared down by
    // the fixed detector within that time (or the worker was already down when it crashed).
    #[test]
    fn every_long_enough_crash_is_detected(s in hb_run(false, false)) {
        let h = s.replay_heartbeat();
        let sim = h.sim();
        let p = s.hb_params();
        let max_lat = std::iter::once(s.net.latency)
            .chain(s.faults.iter().filter_map(|f| match f.fault {
                Fault::SetLatency(l) => Some(l),
                _ => None,
            }))
            .map(|l| match l {
                Latency::Constant(d) | Latency::Uniform(_, d) => d,
                Latency::Exponential(..) => unreachable!("not generated"),
            })
            .max()
            .unwrap_or_default();
        let bound = Duration(p.down_after.0 + max_lat.0 + 1_000);
        let end = sim.now();
        let trans: Vec<_> = monitor(sim)
            .transitions
            .iter()
            .filter(|t| t.det == Detector::Fixed)
            .collect();
        let life = sim.life();
        let mut long_crashes = 0;
        for (k, c) in life.iter().enumerate().filter(|(_, e)| !e.up && e.node != MONITOR) {
            let deadline = c.time.plus(bound);
            let back = life[k + 1..]
                .iter()
                .find(|e| e.node == c.node && e.up)
                .map_or(SimTime::MAX, |e| e.time);
            if back <= deadline || end < deadline {
                continue;
            }
            long_crashes += 1;
            let already_down = trans
                .iter()
                .rfind(|t| t.worker == c.node && t.time <= c.time)
                .is_some_and(|t| t.to == Status::Down);
            let declared = trans.iter().any(|t| {
                t.worker == c.node && t.to == Status::Down && t.time >= c.time && t.time <= deadline
            });
            prop_assert!(
                already_down || declared,
                "crash of {} at {} not detected by {}\nrerun: cargo run -p cli -- run '{}'",
                c.node, c.time, deadline, encode(&s)
            );
        }
        let m = engine::heartbeat::measure(sim);
        prop_assert!(m.fixed.detected >= long_crashes);
        prop_assert!(sim.violations().is_empty());
    }
}
