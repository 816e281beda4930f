//! The self-healing cluster lab: each preset's lesson, the controller's convergence, and the
//! autoscaler against Kubernetes' replica calculator.

use engine::cluster::hpa::{raw_recommendation, Hpa, HpaConfig, Raw};
use engine::cluster::{ClusterCommand, ClusterLab, ClusterMetrics, ClusterNode, ClusterParams};
use engine::fault::{Fault, TimedFault};
use engine::lab::Lab;
use engine::net::NetConfig;
use engine::scenario::{decode, presets, seek};
use engine::sim::Sim;
use engine::{Duration, SimTime};
use proptest::prelude::*;

fn preset(id: &str) -> (ClusterMetrics, Vec<String>) {
    let p = presets().into_iter().find(|p| p.id == id).expect(id);
    let d = decode(p.query);
    assert!(d.errors.is_empty(), "{id}: {:?}", d.errors);
    let mut run = ClusterLab::build(&d.scenario);
    seek(&mut run, d.scenario.pos);
    let lines = ClusterLab::event_lines(&run)
        .into_iter()
        .map(|x| x.1)
        .collect();
    (ClusterLab::measure(&run), lines)
}

fn has(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

fn episode_delay(m: &ClusterMetrics, name_start: &str) -> Option<(f64, f64)> {
    let a = m.alerts.iter().find(|a| a.name.starts_with(name_start))?;
    let e = a.episodes.iter().find(|e| e.fired_ms.is_some())?;
    Some((e.detection_delay_ms?, e.budget_spent_at_fire_pct?))
}

#[test]
fn every_cluster_preset_shows_its_lesson() {
    let (m, l) = preset("cluster-machine-dies");
    assert!(m.failed > 0 && m.pods_evicted == 1 && m.ready == 4, "{m:?}");
    assert!(
        has(&l, "m0 silent for 40 s → NotReady") && has(&l, "controller: 3 of 4 replicas → create")
    );

    let (no, _) = preset("cluster-hang-no-probes");
    let (yes, l) = preset("cluster-hang-liveness");
    assert!(no.availability_pct.unwrap() < 80.0, "{no:?}");
    assert!(
        yes.availability_pct.unwrap() > 95.0 && yes.restarts == 1,
        "{yes:?}"
    );
    assert!(has(&l, "failed its readiness probe 3×") && has(&l, "failed its liveness probe 3×"));

    let (m, l) = preset("cluster-bad-release");
    assert_eq!(m.failed, 0, "the old pods keep serving");
    assert_eq!(m.ready, 3, "one old pod down, then the rollout stalls");
    assert!(m.restarts >= 8, "{m:?}");
    assert!(has(&l, "CrashLoopBackOff 10 s") && has(&l, "CrashLoopBackOff 40 s"));
    assert!(
        has(&l, "CrashLoopBackOff 5 min")
            || has(&l, "CrashLoopBackOff 300 s")
            || has(&l, "CrashLoopBackOff 160 s")
    );

    let (m, l) = preset("cluster-hpa-spike");
    assert!(
        has(
            &l,
            "HPA: 4 → 7 replicas: desired 7 = ceil(4 × 100 % / 60 %)"
        ),
        "{l:?}"
    );
    assert!(has(
        &l,
        "held at 13 by the 300s scale-down stabilization window"
    ));
    assert!(m.hpa_lag_ms >= 30_000.0 && m.replica_seconds_paid > m.replica_seconds_needed);

    let (stab, _) = preset("cluster-hpa-stabilized");
    let (flap, _) = preset("cluster-hpa-flapping");
    assert!(
        flap.hpa_changes >= 3 * stab.hpa_changes,
        "{} vs {}",
        flap.hpa_changes,
        stab.hpa_changes
    );
    assert!(flap.failed > 2 * stab.failed);
    assert!(flap.replica_seconds_paid < stab.replica_seconds_paid);

    let (spread, _) = preset("cluster-zone-spread");
    let (packed, _) = preset("cluster-zone-packed");
    assert_eq!(spread.serving_time_pct, Some(100.0));
    assert!(packed.serving_time_pct.unwrap() < 80.0, "{packed:?}");
    assert!(spread.availability_pct.unwrap() > 90.0 && packed.availability_pct.unwrap() < 60.0);
    assert_eq!(
        (spread.ready, packed.ready),
        (6, 6),
        "both recover after eviction"
    );

    let (m, _) = preset("cluster-alert-too-late");
    let (late, spent) = episode_delay(&m, "error_rate > 0.05 for 5m").expect("it fires");
    assert!(late >= 300_000.0 && spent > 100.0, "{late} {spent}");
    let (fast, _) = episode_delay(&m, "SLO burn, page").expect("the page fires");
    assert!(fast < 10_000.0, "{fast}");
}

/// A run of the cluster with these commands (`(ms, text)`) to `until_ms`.
fn run(p: &ClusterParams, cmds: &[(u64, String)], until_ms: u64) -> Sim<ClusterNode> {
    let faults = cmds
        .iter()
        .map(|(t, c)| TimedFault {
            at: SimTime::from_ms(*t),
            fault: Fault::command(0, c.parse::<ClusterCommand>().expect("a cluster command")),
        })
        .collect();
    let mut sim = Sim::new(1, vec![ClusterNode::new(p)], NetConfig::default(), faults);
    sim.run_until(SimTime::from_ms(until_ms), u64::MAX);
    sim
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Whatever fails, once the detectors and the controller had their time the service holds
    /// the desired count — or every free slot of the live machines when that is fewer.
    #[test]
    fn the_controller_converges_whenever_capacity_allows(
        machines in 1usize..8,
        zones in 1usize..4,
        slots in 1u32..5,
        replicas in 0u32..20,
        spread in any::<bool>(),
        failed in prop::collection::vec(0usize..8, 0..4),
        scale in prop::option::of(0u32..20),
    ) {
        let p = ClusterParams {
            machines,
            zones,
            slots,
            replicas,
            spread,
            grace: Duration::from_ms(5_000),
            evict: Duration::from_ms(5_000),
            ..ClusterParams::default()
        };
        let mut cmds: Vec<(u64, String)> = failed
            .iter()
            .filter(|&&m| m < machines)
            .map(|m| (1_000, format!("fail:{m}")))
            .collect();
        if let Some(n) = scale {
            cmds.push((2_000, format!("scale:{n}")));
        }
        let sim = run(&p, &cmds, 60_000);
        let c = &sim.nodes()[0];
        let alive = c.machines.iter().filter(|m| m.alive).count() as u32;
        let want = c.desired.min(alive * slots);
        prop_assert_eq!(c.ready_count(), want, "{:?}", cmds);
        let active = c.pods.iter().filter(|p| p.phase_name() != "terminating").count() as u32;
        prop_assert_eq!(active, c.desired, "pending pods wait for capacity");
    }

    /// The replica calculator equals Kubernetes' float formula (`math.Ceil(usageRatio *
    /// readyPodCount)` unless `math.Abs(1.0 - usageRatio) <= tolerance`) wherever the float
    /// product is not within rounding of a whole number.
    #[test]
    fn the_hpa_formula_matches_kubernetes(pods in 1u32..100, util in 0u32..2000, target in 1u32..1000, tol in 0u32..30) {
        let ratio = util as f64 / target as f64;
        let k8s = if (1.0 - ratio).abs() <= tol as f64 / 100.0 {
            None
        } else {
            Some((ratio * pods as f64).ceil() as u32)
        };
        let product = ratio * pods as f64;
        let edge = (product - product.round()).abs() < 1e-9 || ((1.0 - ratio).abs() - tol as f64 / 100.0).abs() < 1e-9;
        prop_assume!(!edge);
        let ours = match raw_recommendation(pods, util, target, tol) {
            Raw::Scale(n) => Some(n),
            Raw::WithinTolerance => None,
            Raw::NoMetrics => unreachable!(),
        };
        prop_assert_eq!(ours, k8s);
    }
}

fn cfg(stab_s: u64) -> HpaConfig {
    HpaConfig {
        min: 1,
        max: 100,
        target_pm: 500,
        tol_pct: 10,
        stab_down: Duration::from_ms(stab_s * 1000),
        stab_up: Duration(0),
    }
}

#[test]
fn the_hpa_follows_kubernetes_on_a_table_of_cases() {
    // (pods, average utilisation ‰, target ‰, tolerance %, Kubernetes' answer) — the cases of
    // replica_calculator_test.go and the HPA documentation.
    let table: &[(u32, u32, u32, u32, Option<u32>)] = &[
        (3, 500, 300, 10, Some(5)), // TestReplicaCalcScaleUp: 3 pods at 50 % of a 30 % target
        (5, 280, 500, 10, Some(3)), // TestReplicaCalcScaleDown: 28 % of 50 %
        (3, 1020, 1000, 10, None),  // TestReplicaCalcTolerance: 102 % of 100 %
        (4, 2000, 1000, 10, Some(8)), // docs: 200m of 100m doubles
        (4, 500, 1000, 10, Some(2)), // docs: 50m of 100m halves
        (4, 1100, 1000, 10, None),  // exactly at the tolerance: no change
        (4, 1101, 1000, 10, Some(5)), // just past it
        (4, 870, 600, 10, Some(6)), // the example
    ];
    for &(pods, u, t, tol, want) in table {
        let got = match raw_recommendation(pods, u, t, tol) {
            Raw::Scale(n) => Some(n),
            _ => None,
        };
        assert_eq!(got, want, "{pods} pods at {u}‰ of {t}‰ (tolerance {tol} %)");
    }
    // Scale-down stabilization: the highest recommendation of the last 300 s wins.
    let mut h = Hpa::default();
    let at = |s: u64| SimTime::from_ms(s * 1000);
    assert_eq!(h.decide(&cfg(300), at(0), 10, 10, 500).desired, 10);
    assert_eq!(
        h.decide(&cfg(300), at(60), 10, 10, 250).desired,
        10,
        "held: 10 at 0 s"
    );
    assert_eq!(h.decide(&cfg(300), at(120), 10, 10, 100).desired, 10);
    assert_eq!(
        h.decide(&cfg(300), at(301), 10, 10, 100).desired,
        5,
        "10 left the window; 5 (60 s) is the highest"
    );
    assert_eq!(
        h.decide(&cfg(300), at(421), 5, 5, 100).desired,
        2,
        "only the 2s remain"
    );
    // Without a window it follows at once; scale-up is limited to max(+4, ×2) per sync.
    let mut h = Hpa::default();
    assert_eq!(h.decide(&cfg(0), at(0), 10, 10, 100).desired, 2);
    assert_eq!(
        h.decide(&cfg(0), at(15), 2, 2, 5000).desired,
        6,
        "2 + 4 pods"
    );
    assert_eq!(h.decide(&cfg(0), at(30), 6, 6, 5000).desired, 12, "6 × 2");
    // Min and max bound it.
    let c = HpaConfig {
        min: 3,
        max: 5,
        ..cfg(0)
    };
    assert_eq!(Hpa::default().decide(&c, at(0), 4, 4, 100).desired, 3);
    assert_eq!(Hpa::default().decide(&c, at(0), 4, 4, 1000).desired, 5);
}

#[test]
fn crash_loop_back_off_and_its_reset_show_in_the_log() {
    let p = ClusterParams {
        replicas: 1,
        ..ClusterParams::default()
    };
    let sim = run(&p, &[(1_000, "release:bad".into())], 600_000);
    let notes = crate::note_texts(&sim);
    for d in ["10 s", "20 s", "40 s", "80 s", "160 s"] {
        assert!(
            notes
                .iter()
                .any(|n| n.contains(&format!("CrashLoopBackOff {d}"))),
            "{d}"
        );
    }
}

#[test]
fn bad_links_name_their_key() {
    for (q, key) in [
        ("lab=cluster&alerts=errors+>+1", "alerts"),
        ("lab=cluster&slo=100", "slo"),
        ("lab=cluster&faults=1000:crash:0", "faults"),
        ("lab=cluster&faults=1000:cmd:0:explode", "faults"),
        ("lab=cluster&min=9&max=3", "min, max"),
        ("lab=cluster&trace=1.x", "trace"),
    ] {
        let d = decode(q);
        assert!(
            d.errors.iter().any(|e| e.param == key),
            "{q}: {:?}",
            d.errors
        );
    }
}

// A bad command is refused by variant, carrying the text or number at fault; its message is the
// banner's.
#[test]
fn bad_commands_are_refused_by_variant() {
    use engine::cluster::ClusterCommandError as E;
    use engine::scenario::keys::KeyError;
    let refused = |t: &str| t.parse::<ClusterCommand>().unwrap_err();
    assert_eq!(
        refused("fail:20"),
        E::Number {
            what: "machine",
            error: KeyError::Outside {
                value: "20".into(),
                lo: 0,
                hi: 19
            }
        }
    );
    assert_eq!(
        refused("fail:20").to_string(),
        "machine: 20 is outside 0–19"
    );
    assert_eq!(
        refused("scale:x"),
        E::Number {
            what: "replicas",
            error: KeyError::NotWhole("x".into())
        }
    );
    assert_eq!(refused("zone-fail:e"), E::NotAZone("e".into()));
    assert_eq!(refused("release:maybe"), E::Release("maybe".into()));
    assert_eq!(refused("boom"), E::Unknown("boom".into()));
    // Through the link reader: the entry is dropped, the fault error holds the variant.
    let s = decode("lab=cluster").scenario;
    match engine::scenario::parse_fault_for(&s, "cmd:0:hang:x") {
        Err(engine::fault::FaultError::Command(e)) => assert!(
            matches!(e.get::<E>(), Some(E::Number { what: "pod", .. })),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
}

// The keys with a syntax of their own refuse by the lab's variant, with the banner's words.
#[test]
fn trace_and_slo_keys_refuse_by_variant() {
    use engine::cluster::params::{TraceError, MAX_TRACE};
    use engine::cluster::NotAnSlo;
    use engine::scenario::keys::KeyError;
    let key = |k, v| crate::lab_key_error::<ClusterLab>(k, v);
    let long = vec!["1"; MAX_TRACE + 1].join(".");
    assert_eq!(
        key("trace", &long).get::<TraceError>(),
        Some(&TraceError::TooLong)
    );
    assert_eq!(
        key("trace", "1.x").get::<TraceError>(),
        Some(&TraceError::Point(KeyError::NotWhole("x".into())))
    );
    let slo = key("slo", "20");
    assert_eq!(slo.get::<NotAnSlo>(), Some(&NotAnSlo("20".into())));
    assert_eq!(slo.to_string(), "20 is not an SLO between 50 and 99.999 %");
}
