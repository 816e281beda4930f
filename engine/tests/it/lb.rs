//! The load-balancer lab: picker properties against simple references, nginx's smooth WRR
//! sequence, balls into bins, percentiles by hand, determinism, and the scenarios the page
//! teaches (a slow backend, a crash with and without health checks, a retry storm).

use crate::{assert_same_trace, cases, command, lab_key_error};
use engine::fault::parse_timeline_of;
use engine::lb::{
    balancer, measure, new_sim, parse_backends, parse_command, percentile, series, BackendSpec,
    BackendsError, LbCommand, LbCommandError, LbLab, LbMsg, LbNode, LbParams, LbParamsError,
    LbRefusal, Picker, Reply, RetryPolicy, Strategy, FIRST_BACKEND,
};
use engine::net::{Latency, NetConfig, PctError};
use engine::rng::Rng;
use engine::sim::{Sim, What};
use engine::{Duration, History, SimTime};
use proptest::prelude::*;

/// The LAN hop: 0.2–0.5 ms.
fn lan() -> NetConfig {
    NetConfig {
        latency: Latency::Uniform(Duration::from_us(200), Duration::from_us(500)),
        ..NetConfig::default()
    }
}

fn run(
    seed: u64,
    p: &LbParams,
    specs: &[BackendSpec],
    timeline: &str,
    until_ms: u64,
) -> Sim<LbNode> {
    let faults = if timeline.is_empty() {
        vec![]
    } else {
        parse_timeline_of::<LbCommand>(timeline).expect("timeline")
    };
    let mut sim = new_sim(seed, p, specs, lan(), faults);
    let out = sim.run_until(SimTime::from_ms(until_ms), 5_000_000);
    assert!(!out.out_of_budget);
    sim
}

/// Attempts the balancer sent to backend `b` (0-based), with their times.
fn routed_to(sim: &Sim<LbNode>, b: usize) -> Vec<SimTime> {
    sim.trace()
        .iter()
        .filter_map(|e| match &e.what {
            What::Deliver { from: 1, to, .. } | What::Drop { from: 1, to, .. }
                if *to == FIRST_BACKEND + b =>
            {
                match &e.what {
                    What::Deliver { msg, sent, .. } | What::Drop { msg, sent, .. } => {
                        matches!(msg, LbMsg::Request { .. }).then_some(*sent)
                    }
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Picker

/// A picker as the balancer builds one (100 vnodes for `hash`, 1 ms peak-EWMA decay).
fn picker(s: Strategy, specs: &[BackendSpec]) -> Picker {
    Picker::new(s, specs, 100, Duration::from_ms(1))
}

// nginx ngx_http_upstream_round_robin.c: "weights 5, 1, 1 … { a, a, b, a, c, a, a }".
#[test]
fn smooth_wrr_hands_out_nginx_sequence_and_exact_weights() {
    let specs = BackendSpec::weighted(&[5, 1, 1]);
    let mut p = picker(Strategy::WeightedRoundRobin, &specs);
    let mut rng = Rng::new(1);
    let all = [true; 3];
    let seq: Vec<usize> = (0..7)
        .map(|_| p.pick(&all, &[0; 3], 0, SimTime::ZERO, &mut rng).unwrap())
        .collect();
    assert_eq!(seq, [0, 0, 1, 0, 2, 0, 0]);
    // Every full cycle hands out exactly the weights, and the state returns to zero.
    assert_eq!(p.current, [0, 0, 0]);
    let specs = BackendSpec::weighted(&[3, 7, 2, 1]);
    let mut p = picker(Strategy::WeightedRoundRobin, &specs);
    let mut count = [0u32; 4];
    for _ in 0..13 * 5 {
        count[p
            .pick(&[true; 4], &[0; 4], 0, SimTime::ZERO, &mut rng)
            .unwrap()] += 1;
    }
    assert_eq!(count, [15, 35, 10, 5]);
}

#[test]
fn smooth_wrr_skips_ineligible_peers() {
    let specs = BackendSpec::weighted(&[5, 1, 1]);
    let mut p = picker(Strategy::WeightedRoundRobin, &specs);
    let mut rng = Rng::new(1);
    let e = [false, true, true];
    let seq: Vec<usize> = (0..4)
        .map(|_| p.pick(&e, &[0; 3], 0, SimTime::ZERO, &mut rng).unwrap())
        .collect();
    assert_eq!(seq, [1, 2, 1, 2]);
}

#[test]
fn round_robin_cycles_over_eligible() {
    let specs = BackendSpec::uniform(4);
    let mut p = picker(Strategy::RoundRobin, &specs);
    let mut rng = Rng::new(1);
    let e = [true, false, true, true];
    let seq: Vec<usize> = (0..6)
        .map(|_| p.pick(&e, &[0; 4], 0, SimTime::ZERO, &mut rng).unwrap())
        .collect();
    assert_eq!(seq, [0, 2, 3, 0, 2, 3]);
}

fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
    proptest::sample::select(Strategy::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    // The safety property of every strategy: never a backend believed down; None only when
    // every backend is.
    #[test]
    fn picker_never_returns_an_ineligible_backend(
        s in strategy(),
        cfg in proptest::collection::vec((1u32..=10, any::<bool>(), 0u32..20), 1..=20),
        seed in any::<u64>(),
        keys in proptest::collection::vec(any::<u32>(), 1..40),
    ) {
        let specs: Vec<BackendSpec> =
            cfg.iter().map(|c| BackendSpec { weight: c.0, speed_pct: 100 }).collect();
        let eligible: Vec<bool> = cfg.iter().map(|c| c.1).collect();
        let mut out: Vec<u32> = cfg.iter().map(|c| c.2).collect();
        let mut p = Picker::new(s, &specs, 20, Duration::from_ms(1_000));
        let mut rng = Rng::new(seed);
        for (i, &k) in keys.iter().enumerate() {
            let now = SimTime::from_ms(i as u64);
            p.observe(i % specs.len(), 1_000 + (k as u64 % 5_000), now);
            match p.pick(&eligible, &out, k, now, &mut rng) {
                Some(b) => { prop_assert!(eligible[b], "{s}: picked ineligible {b}"); out[b] += 1; }
                None => prop_assert!(eligible.iter().all(|e| !e), "{s}: None with eligible backends"),
            }
        }
    }

    // Least connections against a linear scan: the choice has the minimum outstanding count.
    #[test]
    fn least_conn_picks_a_minimum(
        cfg in proptest::collection::vec((any::<bool>(), 0u32..8), 1..=20),
        picks in 1usize..30,
    ) {
        let specs = BackendSpec::uniform(cfg.len());
        let eligible: Vec<bool> = cfg.iter().map(|c| c.0).collect();
        let mut out: Vec<u32> = cfg.iter().map(|c| c.1).collect();
        let mut p = picker(Strategy::LeastConn, &specs);
        let mut rng = Rng::new(0);
        for _ in 0..picks {
            let min = (0..cfg.len()).filter(|&b| eligible[b]).map(|b| out[b]).min();
            let got = p.pick(&eligible, &out, 0, SimTime::ZERO, &mut rng);
            prop_assert_eq!(got.map(|b| out[b]), min);
            if let Some(b) = got { out[b] += 1; }
        }
    }

    // Weighted least connections: (out + 1) / weight is minimal.
    #[test]
    fn weighted_least_conn_picks_a_minimum_ratio(
        cfg in proptest::collection::vec((any::<bool>(), 0u32..8, 1u32..=10), 1..=20),
    ) {
        let specs: Vec<BackendSpec> =
            cfg.iter().map(|c| BackendSpec { weight: c.2, speed_pct: 100 }).collect();
        let eligible: Vec<bool> = cfg.iter().map(|c| c.0).collect();
        let out: Vec<u32> = cfg.iter().map(|c| c.1).collect();
        let mut p = picker(Strategy::WeightedLeastConn, &specs);
        if let Some(b) = p.pick(&eligible, &out, 0, SimTime::ZERO, &mut Rng::new(0)) {
            for x in (0..cfg.len()).filter(|&x| eligible[x]) {
                prop_assert!((out[b] as u64 + 1) * cfg[x].2 as u64 <= (out[x] as u64 + 1) * cfg[b].2 as u64);
            }
        }
    }

    // parse_command never panics, and what it accepts prints back to itself.
    #[test]
    fn parse_command_never_panics(text in ".{0,80}") {
        if let Ok(c) = parse_command(&text) {
            prop_assert_eq!(parse_command(&c.to_string()), Ok(c));
        }
    }
}

// Balls into bins (Azar, Broder, Karlin & Upfal 1994; Mitzenmacher 2001): with two choices the
// maximum load drops from Θ(log n / log log n) to Θ(log log n).
#[test]
fn p2c_max_load_is_well_below_random() {
    let n = 200;
    let specs = BackendSpec::uniform(n);
    let all = vec![true; n];
    let (mut worst_random, mut worst_p2c) = (0, 0);
    for seed in 1..=5u64 {
        for (s, worst) in [
            (Strategy::Random, &mut worst_random),
            (Strategy::P2c, &mut worst_p2c),
        ] {
            let mut p = picker(s, &specs);
            let mut rng = Rng::new(seed);
            let mut load = vec![0u32; n];
            for _ in 0..n {
                let b = p.pick(&all, &load, 0, SimTime::ZERO, &mut rng).unwrap();
                load[b] += 1;
            }
            *worst = (*worst).max(*load.iter().max().unwrap());
        }
    }
    assert!(worst_p2c <= 3, "p2c max load {worst_p2c}");
    assert!(
        worst_random >= worst_p2c + 2,
        "random {worst_random} vs p2c {worst_p2c}"
    );
}

#[test]
fn hash_is_sticky_and_moves_only_the_failed_backends_keys() {
    let specs = BackendSpec::uniform(5);
    let mut p = picker(Strategy::Hash, &specs);
    let mut rng = Rng::new(0);
    let all = [true; 5];
    let before: Vec<usize> = (0..500)
        .map(|k| p.pick(&all, &[0; 5], k, SimTime::ZERO, &mut rng).unwrap())
        .collect();
    assert!((0..5).all(|b| before.iter().filter(|&&x| x == b).count() > 50));
    let again: Vec<usize> = (0..500)
        .map(|k| p.pick(&all, &[9; 5], k, SimTime::ZERO, &mut rng).unwrap())
        .collect();
    assert_eq!(before, again, "the same key goes to the same backend");
    let e = [true, true, false, true, true];
    for k in 0..500u32 {
        let b = p.pick(&e, &[0; 5], k, SimTime::ZERO, &mut rng).unwrap();
        if before[k as usize] != 2 {
            assert_eq!(
                b, before[k as usize],
                "key {k} moved although its backend is up"
            );
        } else {
            assert_ne!(b, 2);
        }
    }
    // Recovery brings back exactly the old assignment.
    let back: Vec<usize> = (0..500)
        .map(|k| p.pick(&all, &[0; 5], k, SimTime::ZERO, &mut rng).unwrap())
        .collect();
    assert_eq!(before, back);
}

#[test]
fn peak_ewma_jumps_on_a_slow_sample_and_decays() {
    let mut e = engine::lb::PeakEwma::default();
    let tau = Duration::from_ms(10_000);
    e.observe(10_000, SimTime::from_ms(0), tau);
    assert_eq!(e.cost_us, 10_000);
    e.observe(500_000, SimTime::from_ms(1), tau);
    assert_eq!(
        e.cost_us, 500_000,
        "a slow sample is taken at once (the peak)"
    );
    // One τ later a fast sample moves the cost most of the way: 500 ms · e⁻¹ + 10 ms · (1 − e⁻¹).
    e.observe(10_000, SimTime::from_ms(10_001), tau);
    let want = 500_000.0 / std::f64::consts::E + 10_000.0 * (1.0 - 1.0 / std::f64::consts::E);
    assert!(
        (e.cost_us as f64 - want).abs() < 2.0,
        "{} vs {want}",
        e.cost_us
    );
    assert!(e.cost_at(SimTime::from_ms(20_001), tau) < e.cost_us);
}

// ---------------------------------------------------------------------------------------------
// Percentiles, parsing, labels

// Nearest rank, the worked example of the Wikipedia article "Percentile":
// {15, 20, 35, 40, 50}: p5 = 15, p30 = 20, p40 = 20, p50 = 35, p100 = 50.
#[test]
fn percentiles_by_nearest_rank_match_the_hand_computed_case() {
    let s = [15, 20, 35, 40, 50];
    let got: Vec<u64> = [50, 300, 400, 500, 1000]
        .iter()
        .map(|&pm| percentile(&s, pm).unwrap())
        .collect();
    assert_eq!(got, [15, 20, 20, 35, 50]);
    let hundred: Vec<u64> = (1..=100).collect();
    assert_eq!(percentile(&hundred, 990), Some(99));
    assert_eq!(percentile(&hundred, 995), Some(100));
    assert_eq!(percentile(&[], 500), None);
}

#[test]
fn commands_parse_and_reject_junk_with_clipped_quotes() {
    assert_eq!(parse_command("slow:10"), Ok(LbCommand::Slow(10)));
    assert_eq!(parse_command("slow:1"), Ok(LbCommand::Slow(1)));
    assert_eq!(parse_command("errors:12.5"), Ok(LbCommand::Errors(125_000)));
    assert_eq!(parse_command("errors:0"), Ok(LbCommand::Errors(0)));
    assert_eq!(
        parse_command("strategy:p2c"),
        Ok(LbCommand::Strategy(Strategy::P2c))
    );
    assert_eq!(parse_command("rate:500"), Ok(LbCommand::Rate(500)));
    let outside = |verb, value, lo, hi| LbCommandError::Outside {
        verb,
        value,
        lo,
        hi,
    };
    for (bad, e) in [
        ("slow:0", outside("slow", 0, 1, 100)),
        ("slow:101", outside("slow", 101, 1, 100)),
        ("slow:x", LbCommandError::NotACommand("slow:x".into())),
        (
            "errors:101",
            LbCommandError::Percent(PctError::Above100("101".into())),
        ),
        (
            "errors:x",
            LbCommandError::Percent(PctError::NotAPercentage("x".into())),
        ),
        ("strategy:best", LbCommandError::NotAStrategy("best".into())),
        ("rate:10001", outside("rate", 10_001, 0, 10_000)),
        ("", LbCommandError::NotACommand("".into())),
        ("x", LbCommandError::NotACommand("x".into())),
        ("stop:1", LbCommandError::NotACommand("stop:1".into())),
    ] {
        assert_eq!(parse_command(bad), Err(e), "{bad}");
    }
    // The banner's words.
    assert_eq!(
        parse_command("slow:101").unwrap_err().to_string(),
        "slow 101 is outside 1–100"
    );
    assert_eq!(
        parse_command("x").unwrap_err().to_string(),
        "'x' is not a command (slow:K, errors:PCT, strategy:NAME, rate:N)"
    );
    let long = format!("slow:{}", "9".repeat(200));
    let e = parse_command(&long).unwrap_err().to_string();
    assert!(e.chars().count() < 120, "{e}");
    for s in Strategy::ALL {
        assert_eq!(Strategy::parse(s.as_str()), Some(s));
    }
}

#[test]
fn params_and_backend_lists_validate() {
    assert_eq!(LbParams::default().validate(), Ok(()));
    let bad = [
        LbParams {
            rate: 10_001,
            ..LbParams::default()
        },
        LbParams {
            hc_timeout: Duration::from_ms(2_000),
            ..LbParams::default()
        },
        LbParams {
            window: Duration::from_ms(150),
            ..LbParams::default()
        },
        LbParams {
            workers: 0,
            ..LbParams::default()
        },
        LbParams {
            backoff_cap: Duration::from_ms(10),
            ..LbParams::default()
        },
    ];
    for p in bad {
        assert!(p.validate().is_err(), "{p:?}");
    }
    let specs = parse_backends("5,1,1@50").unwrap();
    assert_eq!(
        specs[2],
        BackendSpec {
            weight: 1,
            speed_pct: 50
        }
    );
    assert_eq!(engine::lb::fmt_backends(&specs), "5,1,1@50");
    let not_whole = |what, text: &str| BackendsError::NotWhole {
        what,
        text: text.into(),
    };
    let outside = |what, value, lo, hi| {
        BackendsError::Limit(LbParamsError::Outside {
            key: "be",
            what,
            value,
            lo,
            hi,
        })
    };
    for (bad, why) in [
        ("", not_whole("weight", "")),
        ("0", outside("weight", 0, 1, 10)),
        ("11", outside("weight", 11, 1, 10)),
        ("1@5", outside("speed %", 5, 10, 1000)),
        ("1@x", not_whole("speed", "x")),
        ("1,,2", not_whole("weight", "")),
        (&"1,".repeat(21), BackendsError::TooMany),
    ] {
        assert_eq!(parse_backends(bad), Err(why), "{bad}");
    }
}

#[test]
fn messages_have_short_labels() {
    let req = LbMsg::Request {
        id: 12,
        key: 3,
        attempt: 1,
    };
    assert_eq!(req.to_string(), "req #12");
    let retry = LbMsg::Request {
        id: 12,
        key: 3,
        attempt: 2,
    };
    assert_eq!(retry.to_string(), "req #12 try 2");
    let resp = |reply| LbMsg::Response {
        id: 12,
        attempt: 1,
        reply,
        server: 2,
    };
    assert_eq!(resp(Reply::Ok).to_string(), "200 #12");
    assert_eq!(resp(Reply::Error).to_string(), "500 #12");
    assert_eq!(resp(Reply::Rejected).to_string(), "503 #12");
    assert_eq!(LbMsg::HealthCheck { seq: 1 }.to_string(), "hc");
    assert_eq!(LbMsg::HealthReply { seq: 1 }.to_string(), "hc✓");
}

// ---------------------------------------------------------------------------------------------
// Runs

#[test]
fn same_seed_same_trace_and_step_back_is_exact() {
    let p = LbParams {
        strategy: Strategy::PeakEwma,
        retry: RetryPolicy::Backoff,
        burst: 3,
        burst_period: Duration::from_ms(1_000),
        service: engine::lb::ServiceDist::Pareto,
        ..LbParams::default()
    };
    let tl = "500:crash:3;800:cmd:4:slow:5;1200:cmd:2:errors:30;1500:restart:3";
    let a = run(9, &p, &BackendSpec::uniform(4), tl, 2_000);
    let b = run(9, &p, &BackendSpec::uniform(4), tl, 2_000);
    assert_same_trace(&a, &b, "lb run");
    assert_eq!(measure(&a), measure(&b));
    let c = run(10, &p, &BackendSpec::uniform(4), tl, 2_000);
    assert_ne!(
        a.trace().len(),
        c.trace().len(),
        "another seed, another run"
    );
    // History: step back from deep in the run and forward again lands on the same state.
    let faults = parse_timeline_of::<LbCommand>(tl).unwrap();
    let mut h = History::new(new_sim(9, &p, &BackendSpec::uniform(4), lan(), faults));
    h.run_until(SimTime::from_ms(2_000), u64::MAX);
    let k = h.sim().steps();
    assert!(h.step_back());
    assert!(h.step());
    assert_eq!(h.sim().steps(), k);
    assert_eq!(measure(h.sim()), measure(&a));
}

// A slow backend (×10) behind round-robin gets its full share and its queue grows; least
// connections and P2C see its outstanding requests pile up and send it less.
#[test]
fn least_conn_and_p2c_beat_round_robin_on_p99_with_a_slow_backend() {
    let mut p99 = Vec::new();
    for s in [
        Strategy::RoundRobin,
        Strategy::LeastConn,
        Strategy::P2c,
        Strategy::PeakEwma,
        Strategy::LeastResponseTime,
    ] {
        let p = LbParams {
            strategy: s,
            rate: 300,
            eject_after: 0,
            window: Duration::from_ms(5_000),
            ..LbParams::default()
        };
        let sim = run(3, &p, &BackendSpec::uniform(5), "1000:cmd:2:slow:10", 6_000);
        let m = measure(&sim);
        assert!(m.window.finished > 1_000, "{s}: {m:?}");
        p99.push((s, m.p99_ms.unwrap()));
    }
    let rr = p99[0].1;
    for &(s, v) in &p99[1..] {
        assert!(v * 2.0 < rr, "{s} p99 {v} ms vs rr {rr} ms ({p99:?})");
    }
}

fn crash_run(hc: bool) -> Sim<LbNode> {
    let p = LbParams {
        hc,
        eject_after: 0,
        rate: 100,
        ..LbParams::default()
    };
    run(5, &p, &BackendSpec::uniform(4), "3000:crash:3", 20_000)
}

// Health checks bound a crash's damage: nothing is routed to the crashed backend later than
// fall × interval + timeout after the crash; without them, round-robin feeds it forever.
#[test]
fn health_checks_bound_a_crash_and_report_time_to_detect() {
    let on = crash_run(true);
    let p = LbParams::default();
    let crash = SimTime::from_ms(3_000);
    let last = *routed_to(&on, 1).last().unwrap();
    assert!(
        last <= crash.plus(p.detection_bound()),
        "routed at {last}, bound {}",
        crash.plus(p.detection_bound())
    );
    let m = measure(&on);
    let r = &m.crashes[0];
    assert_eq!(r.node, 3);
    let after = r.detect_after_ms.unwrap();
    assert!(after <= p.detection_bound().as_ms_f64(), "{r:?}");
    assert!(
        after >= (p.fall as f64 - 1.0) * p.hc_interval.as_ms_f64(),
        "{r:?}"
    );
    // Matches the trace: routes after the crash, up to detection.
    let lost = routed_to(&on, 1).iter().filter(|&&t| t > crash).count() as u64;
    assert_eq!(r.routed_while_down, lost);
    assert!(m.backends[1].status == "down" && !m.backends[1].alive);

    let off = crash_run(false);
    let m_off = measure(&off);
    let r_off = &m_off.crashes[0];
    assert_eq!(r_off.detected_ms, None);
    // Without checks the loss only grows: round-robin feeds the dead backend to the end.
    assert!(
        r_off.routed_while_down > 2 * r.routed_while_down,
        "{r_off:?} vs {r:?}"
    );
    assert!(*routed_to(&off, 1).last().unwrap() > SimTime::from_ms(19_500));
    assert!(m_off.totals.timeouts > 2 * m.totals.timeouts);
}

#[test]
fn a_restarted_backend_rises_after_rise_checks() {
    let p = LbParams {
        eject_after: 0,
        rate: 50,
        ..LbParams::default()
    };
    let sim = run(
        2,
        &p,
        &BackendSpec::uniform(3),
        "1000:crash:2;12000:restart:2",
        20_000,
    );
    let lb = balancer(&sim).unwrap();
    let t: Vec<_> = lb
        .transitions
        .iter()
        .filter(|t| t.backend == 0)
        .map(|t| t.status.as_str())
        .collect();
    assert_eq!(t, ["suspect", "down", "up"]);
    let up_at = lb
        .transitions
        .iter()
        .rfind(|t| t.backend == 0)
        .unwrap()
        .time;
    // Two successful checks after the restart at 12 s, 2 s apart.
    assert!(
        up_at > SimTime::from_ms(14_000) && up_at <= SimTime::from_ms(16_001),
        "{up_at}"
    );
    assert!(routed_to(&sim, 0).iter().any(|&x| x > up_at));
}

// Passive outlier ejection: a backend answering 500 to everything is ejected after 5 in a
// row, far sooner than a health check (which it still passes) would notice anything.
#[test]
fn outlier_ejection_removes_a_failing_backend() {
    let p = LbParams {
        rate: 200,
        ..LbParams::default()
    };
    let sim = run(
        4,
        &p,
        &BackendSpec::uniform(4),
        "1000:cmd:3:errors:100",
        3_000,
    );
    let m = measure(&sim);
    assert!(m.backends[1].ejected, "{:?}", m.backends[1]);
    assert_eq!(m.backends[1].status, "up");
    assert!(
        m.backends[1].errors >= 5 && m.backends[1].errors < 20,
        "{:?}",
        m.backends[1]
    );
    assert_eq!(m.crashes, vec![]);
}

// Retry storm: when backends are overloaded, every failure becomes more load. Without a budget
// retries multiply the attempts; a 20 % budget caps retries at 20 % of requests plus the reserve.
#[test]
fn retry_budget_stops_a_retry_storm() {
    let go = |budget: bool| {
        let p = LbParams {
            strategy: Strategy::LeastConn,
            rate: 400,
            retry: RetryPolicy::Fixed,
            tries: 5,
            budget,
            timeout: Duration::from_ms(300),
            queue: 16,
            eject_after: 0,
            hc: false,
            ..LbParams::default()
        };
        // At 2 s three of four backends turn 5× slower: capacity falls below the offered load.
        let tl = "2000:cmd:2:slow:5;2000:cmd:3:slow:5;2000:cmd:4:slow:5";
        measure(&run(8, &p, &BackendSpec::uniform(4), tl, 5_000))
    };
    let (off, on) = (go(false), go(true));
    let amp = |m: &engine::lb::LbMetrics| m.attempts_total as f64 / m.requests as f64;
    assert!(
        amp(&off) > 1.8,
        "no budget: {} attempts per request",
        amp(&off)
    );
    assert!(off.retries_denied == 0);
    assert!(
        on.retries_total <= on.requests / 5 + 10,
        "{} retries",
        on.retries_total
    );
    assert!(on.retries_denied > 0);
    assert!(amp(&on) < 1.25);
}

// The backend list's reader refuses by its own variant inside the key's error.
#[test]
fn the_backend_key_refuses_by_variant() {
    let e = lab_key_error::<LbLab>("be", "5,1,x@50");
    assert_eq!(
        e.get::<BackendsError>(),
        Some(&BackendsError::NotWhole {
            what: "weight",
            text: "x".into()
        })
    );
    assert_eq!(e.to_string(), "weight 'x' is not a whole number");
}

#[test]
fn commands_reach_the_right_nodes() {
    let p = LbParams {
        rate: 100,
        ..LbParams::default()
    };
    let tl = "100:cmd:1:strategy:lc;200:cmd:0:rate:20;300:cmd:2:strategy:rr;300:cmd:1:slow:3";
    let sim = run(1, &p, &BackendSpec::uniform(2), tl, 2_000);
    assert_eq!(balancer(&sim).unwrap().p.strategy, Strategy::LeastConn);
    let notes = crate::note_texts(&sim);
    let strategy = LbCommand::Strategy(Strategy::RoundRobin);
    let refused = LbRefusal::ToBalancer(strategy);
    assert_eq!(command(&sim, 2, strategy), Err(refused));
    assert!(notes.contains(&format!("node 2 ignored 'strategy:rr': {refused}")));
    assert_eq!(
        command(&sim, 1, LbCommand::Slow(3)),
        Err(LbRefusal::ToBackend(LbCommand::Slow(3)))
    );
    assert!(notes.contains(
        &"node 1 ignored 'slow:3': 'slow:3' goes to a backend (node 2 or above)".to_string()
    ));
    assert_eq!(
        command(&sim, 0, LbCommand::Errors(5)),
        Err(LbRefusal::ToBackend(LbCommand::Errors(5)))
    );
    assert_eq!(
        command(&sim, 3, LbCommand::Rate(9)),
        Err(LbRefusal::ToClients(LbCommand::Rate(9)))
    );
    assert_eq!(command(&sim, 3, LbCommand::Slow(2)), Ok(()));
    // 20 req/s after 200 ms: far fewer than the 100 req/s would give.
    assert!(measure(&sim).requests < 80);
}

#[test]
fn series_adds_up_to_the_totals() {
    let p = LbParams {
        burst: 4,
        burst_period: Duration::from_ms(2_000),
        ..LbParams::default()
    };
    let sim = run(6, &p, &BackendSpec::uniform(3), "2500:crash:4", 5_050);
    let m = measure(&sim);
    let pts = series(&sim);
    assert_eq!(pts.len(), 11);
    let finished: u64 = pts.iter().map(|p| p.counts.finished).sum();
    assert_eq!(finished, m.totals.finished);
    let routed: u64 = pts.iter().flat_map(|p| &p.backends).map(|b| b.routed).sum();
    let total: u64 = m.backends.iter().map(|b| b.routed_total).sum();
    assert_eq!(routed, total);
    // Bursts: the first 400 ms of every 2 s carry 4× the load.
    assert!(
        pts[0].attempts_rps > 2.0 * pts[2].attempts_rps,
        "{:?}",
        (pts[0].attempts_rps, pts[2].attempts_rps)
    );
    for pt in &pts {
        for b in &pt.backends {
            assert!((0.0..=100.0001).contains(&b.utilisation_pct), "{b:?}");
        }
    }
    // The crashed backend does no work after the crash.
    assert_eq!(pts[10].backends[2].utilisation_pct, 0.0);
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"p99_ms\""));
}

#[test]
fn a_crashed_balancer_answers_nothing_and_recovers() {
    let p = LbParams {
        rate: 100,
        ..LbParams::default()
    };
    let tl = "1000:crash:1;2000:restart:1";
    let sim = run(3, &p, &BackendSpec::uniform(2), tl, 4_000);
    let m = measure(&sim);
    assert!(m.totals.timeouts > 50, "{m:?}");
    assert!(m.window.ok > 50);
    assert_eq!(m.window.timeouts, 0);
}

/// The charts' sealed bucket summaries give exactly what the raw records give: with a 60 s
/// window every finished request and routing decision of a 40 s run is still kept raw, so each
/// bucket's counts and nearest-rank percentiles can be recomputed here, at many positions
/// (bucket boundaries included) of a run with crashes, retries and bursts.
#[test]
fn chart_summaries_match_the_raw_records() {
    let p = LbParams {
        rate: 400,
        burst: 3,
        burst_period: Duration::from_ms(1_700),
        retry: RetryPolicy::Fixed,
        tries: 3,
        timeout: Duration::from_ms(80),
        window: Duration::from_ms(60_000),
        ..LbParams::default()
    };
    let faults = parse_timeline_of::<LbCommand>("3000:crash:3;9000:restart:3;20000:cmd:4:slow:20")
        .expect("ok");
    let mut sim = new_sim(3, &p, &BackendSpec::uniform(4), lan(), faults);
    for t in [250, 500, 1_000, 7_777, 12_500, 30_000, 31_234, 40_000] {
        sim.run_until(SimTime::from_ms(t), 5_000_000);
        let now = sim.now().as_us();
        let c = engine::lb::clients(&sim).expect("clients");
        let lb = balancer(&sim).expect("balancer");
        assert_eq!(c.done.dropped(), 0);
        let pts = series(&sim);
        let width = engine::lb::SERIES_BUCKET_MS * 1_000;
        let n = now.div_ceil(width).max(1);
        let first = now
            .saturating_sub(engine::lb::SERIES_SPAN_MS * 1_000)
            .div_ceil(width)
            .min(n - 1);
        assert_eq!(pts.len() as u64, n - first, "at {t}");
        let idx = |x: u64| (x / width).min(n - 1);
        for (k, pt) in pts.iter().enumerate() {
            let j = first + k as u64;
            let mut lat: Vec<u64> = c
                .done
                .iter()
                .filter(|d| idx(d.end_us) == j)
                .map(|d| d.latency_us as u64)
                .collect();
            lat.sort_unstable();
            assert_eq!(pt.counts.finished, lat.len() as u64, "at {t}, bucket {j}");
            let ok = c
                .done
                .iter()
                .filter(|d| idx(d.end_us) == j && d.outcome == engine::lb::Outcome::Ok)
                .count();
            assert_eq!(pt.counts.ok, ok as u64);
            let ms = |v: Option<u64>| v.map(|x| x as f64 / 1_000.0);
            assert_eq!(pt.p50_ms, ms(percentile(&lat, 500)), "at {t}, bucket {j}");
            assert_eq!(pt.p95_ms, ms(percentile(&lat, 950)));
            assert_eq!(pt.p99_ms, ms(percentile(&lat, 990)));
            let routed: Vec<u64> = (0..4)
                .map(|b| {
                    lb.routes
                        .iter()
                        .filter(|r| idx(r.at_us) == j && r.backend == b)
                        .count() as u64
                })
                .collect();
            let got: Vec<u64> = pt.backends.iter().map(|b| b.routed).collect();
            assert_eq!(got, routed, "at {t}, bucket {j}");
        }
    }
}

/// Issue 10: a long run keeps per-request records only for the window and the open chart
/// bucket, chart summaries only for the charts' span, and exact whole-run totals.
#[test]
fn long_runs_keep_bounded_records_and_exact_totals() {
    let p = LbParams {
        rate: 1_000,
        ..LbParams::default()
    };
    let sim = run(5, &p, &BackendSpec::uniform(4), "", 100_000);
    let c = engine::lb::clients(&sim).expect("clients");
    let lb = balancer(&sim).expect("balancer");
    // 1 s window + one 500 ms bucket at ~1 000 req/s, plus a partly filled 256-record chunk.
    assert!(c.done.len() < 2_200, "{}", c.done.len());
    assert!(lb.routes.len() < 2_200, "{}", lb.routes.len());
    assert_eq!(c.done.dropped(), 0);
    let m = measure(&sim);
    assert!(m.totals.finished > 95_000, "{:?}", m.totals);
    assert!(m.totals.finished + m.in_progress <= m.requests);
    let routed: u64 = m.backends.iter().map(|b| b.routed_total).sum();
    // Attempts still on their way to the balancer are not routed yet.
    assert!(routed <= m.attempts_total && routed + 100 > m.attempts_total);
    assert_eq!(series(&sim).len(), 60);
}

/// A long run (the snapshots along it far apart): wherever the position is — at the end of a
/// quiet replay, after a seek back, after a seek forward again (by step or by time) — a step
/// back replays at most 2 048 events (at most 512 in a row of them), a seek forward starts from
/// a snapshot ahead rather than replaying every event up to it, and the state and the kept log
/// equal a fresh loud replay's.
#[test]
fn a_step_back_replays_little_anywhere_in_a_long_run() {
    const TAIL: usize = 4_096; // as the page keeps
    let s = crate::scenario("lab=lb&v=1&seed=3&n=20&rate=10000&t=2000");
    let fresh = |k: u64| {
        let mut h = History::new(s.build_lb());
        h.keep_trace_tail(Some(TAIL));
        h.forward_only();
        h.seek_step(k);
        h
    };
    let tail = |h: &History<LbNode>| -> Vec<String> {
        let t = h.sim().trace();
        t[t.len().saturating_sub(TAIL)..]
            .iter()
            .map(|e| format!("#{} {e}", e.step))
            .collect()
    };
    let same = |h: &mut History<LbNode>, what: &str| {
        h.relog();
        let f = fresh(h.sim().steps());
        assert_eq!(h.sim().now(), f.sim().now(), "{what}: time");
        assert_eq!(measure(h.sim()), measure(f.sim()), "{what}: measurements");
        // After a move back the log may hold fewer lines (those replayed since the snapshot),
        // never other ones.
        let (mine, loud) = (tail(h), tail(&f));
        assert!(
            !mine.is_empty() && loud.ends_with(&mine),
            "{what}: the kept log differs"
        );
    };
    let step_back = |h: &mut History<LbNode>, what: &str| {
        let (k, before) = (h.sim().steps(), h.processed());
        assert!(h.step_back());
        assert_eq!(h.sim().steps(), k - 1);
        let replayed = h.processed() - before;
        assert!(
            replayed <= 2_048,
            "{what}: a step back replayed {replayed} events"
        );
    };

    let mut h = History::new(s.build_lb());
    h.keep_trace_tail(Some(TAIL));
    while !engine::scenario::seek_slice(&mut h, s.pos, 5_000) {}
    let before = h.processed();
    h.relog();
    let end = h.sim().steps();
    assert!(end > 70_000, "long enough for sparse snapshots: {end}");
    // A quiet replay keeps a snapshot near the position every 16 384 events (history.rs
    // QUIET_HEAD_EVERY); relog starts from one and takes them every 2 048 again on its way.
    let relog = h.processed() - before;
    assert!(
        relog <= TAIL as u64 + 16_384,
        "relog replayed {relog} events"
    );
    same(&mut h, "after the replay");
    step_back(&mut h, "at the end");
    step_back(&mut h, "again");
    same(&mut h, "two steps back from the end");

    // Many steps back in a row: each replays at most 256 events from the snapshots kept just
    // below the position, plus a share of preparing the next ones (history.rs prepare_below),
    // never again the thousands of a step past the lowest of them.
    let mut worst = 0;
    for i in 0..2_300 {
        let before = h.processed();
        assert!(h.step_back());
        worst = worst.max(h.processed() - before);
        if i == 1_300 {
            // Halfway through preparing the next snapshots below.
            same(&mut h, "1 300 steps back in a row");
        }
    }
    assert!(worst <= 512, "a step back in a row replayed {worst} events");
    same(&mut h, "2 300 steps back in a row");

    let back = end * 3 / 10;
    h.seek_step(back);
    step_back(&mut h, "after a seek back");
    same(&mut h, "after a seek back");

    let ahead = end * 8 / 10;
    let before = h.processed();
    h.seek_step(ahead);
    let run = h.processed() - before;
    assert!(
        run < (ahead - back) / 4,
        "a seek forward from {back} to {ahead} starts from a snapshot near it ({run} events)"
    );
    step_back(&mut h, "after a seek forward");
    same(&mut h, "after a seek forward");

    let t_back = SimTime::from_ms(500);
    h.seek_time(t_back, u64::MAX);
    step_back(&mut h, "after a seek back in time");
    same(&mut h, "after a seek back in time");
    h.seek_time(SimTime::from_ms(1_700), u64::MAX);
    step_back(&mut h, "after a seek forward in time");
    same(&mut h, "after a seek forward in time");
}
