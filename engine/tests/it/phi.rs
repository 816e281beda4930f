//! φ accrual against Akka's published behaviour, and its properties.
//!
//! The reference cases are those of Akka's `AccrualFailureDetectorSpec` (akka-remote), driven
//! through the engine's own window ([`Intervals`]), learning rule ([`Intervals::learn`]) and
//! crossing solver, in µs. The expected φ values were not taken from the engine: they come from
//! `testdata/akka_phi.py`, a line-by-line Python transcription of Akka's
//! `PhiAccrualFailureDetector` in Akka's own units (ms), run with CPython's libm. detmath and
//! libm differ in the last bits, so values are compared to a relative 1e-9; availability
//! verdicts must match exactly.

use crate::{cases, monitor, run};
use engine::heartbeat::{
    measure, Detector, HbParams, Intervals, PhiStats, PhiThreshold, Status, Transition,
};
use engine::{Duration, SimTime};
use proptest::prelude::*;

/// Akka's detector as the monitor runs it for one worker: the window, the last arrival and the
/// down crossing armed at that arrival.
struct Akka {
    p: HbParams,
    threshold: f64,
    window: Intervals,
    last: Option<u64>,
    down_cross: u64,
}

impl Akka {
    /// Akka's `createFailureDetector` in the spec, in ms: threshold 8, 1000 samples, min σ 100,
    /// no pause, first estimate 1 s.
    fn new(threshold: f64, window: usize, pause_ms: u64, learn_outages: bool) -> Akka {
        let p = HbParams {
            interval: Duration::from_ms(1_000),
            window,
            min_std: Duration::from_ms(100),
            acceptable_pause: Duration::from_ms(pause_ms),
            learn_outages,
            ..HbParams::default()
        };
        Akka {
            window: Intervals::bootstrap(&p),
            p,
            threshold,
            last: None,
            down_cross: u64::MAX,
        }
    }

    fn stats(&self) -> PhiStats {
        self.window.stats(&self.p)
    }

    fn heartbeat(&mut self, now_ms: u64) {
        let now = now_ms * 1000;
        match self.last {
            // Akka: a heartbeat from a new resource starts from the first-heartbeat history.
            None => self.window = Intervals::bootstrap(&self.p),
            Some(last) => {
                // Akka's rule is `isAvailable(timestamp)`, φ < threshold, with the old history.
                let available = self.available(now_ms);
                let learned = self.window.learn(&self.p, now - last, self.down_cross);
                assert_eq!(learned, available || self.p.learn_outages);
            }
        }
        self.last = Some(now);
        self.down_cross = self.stats().crossing(&PhiThreshold::new(self.threshold));
    }

    fn phi(&self, now_ms: u64) -> f64 {
        match self.last {
            None => 0.0,
            Some(last) => self.stats().phi(now_ms * 1000 - last),
        }
    }

    fn available(&self, now_ms: u64) -> bool {
        let avail = self.phi(now_ms) < self.threshold;
        // The armed deadline says the same thing as φ itself.
        if let Some(last) = self.last {
            assert_eq!(avail, now_ms * 1000 - last < self.down_cross, "at {now_ms}");
        }
        avail
    }
}

/// Runs a spec script: the clock advances by `steps[i]` before operation `ops[i]` (`h`
/// heartbeat, `p` read φ); returns (time, φ) for each read.
fn script(fd: &mut Akka, steps: &[u64], ops: &str) -> Vec<(u64, f64)> {
    assert_eq!(steps.len(), ops.len());
    let mut now = 0;
    let mut got = Vec::new();
    for (i, (&d, op)) in steps.iter().zip(ops.chars()).enumerate() {
        now = if i == 0 { d } else { now + d };
        match op {
            'h' => fd.heartbeat(now),
            _ => got.push((now, fd.phi(now))),
        }
    }
    got
}

/// φ at the mean: −log10(1/2) = log10 2 (Python prints 0.3010299956639812).
const AT_MEAN: f64 = std::f64::consts::LOG10_2;

fn close(got: f64, want: f64) -> bool {
    if want.is_infinite() || got.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= 1e-9 * want.abs().max(1e-12) || (got - want).abs() < 1e-15
}

fn assert_table(name: &str, got: &[(u64, f64)], want: &[(u64, f64)]) {
    assert_eq!(got.len(), want.len(), "{name}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.0, w.0, "{name}: read times");
        assert!(close(g.1, w.1), "{name} at {} ms: φ {} ≠ {}", g.0, g.1, w.1);
    }
}

// Akka spec "return realistic phi values": φ(timeDiff; mean 1000 ms, σ 100 ms) ≈ 0.0, 0.1,
// 0.3, 1.6, 4.7, 10.8, 15.3 (±0.1); here to 1e-9 against the Python transcription.
#[test]
fn akka_realistic_phi_values() {
    let s = PhiStats {
        mean: 1_000_000.0,
        std: 100_000.0,
    };
    let want = [
        (0, 0.0),
        (500, 2.1768922219645073e-08),
        (1000, AT_MEAN),
        (1200, 1.6428278854871123),
        (1400, 4.736694582705181),
        (1600, 10.782600858295707),
        (1700, 15.368525622645256),
    ];
    let got: Vec<(u64, f64)> = want.iter().map(|&(t, _)| (t, s.phi(t * 1000))).collect();
    assert_table("realistic", &got, &want);
    // Akka's published tolerances hold too.
    for ((_, g), spec) in got.iter().zip([0.0, 0.1, 0.3, 1.6, 4.7, 10.8, 15.3]) {
        assert!((g - spec).abs() <= 0.1, "{g} vs Akka's {spec}");
    }
    // "larger stdDeviation results => lower phi"
    let wide = PhiStats {
        std: 500_000.0,
        ..s
    };
    assert!(wide.phi(1_100_000) < s.phi(1_100_000));
    // "handle outliers without losing precision or hitting exceptions": φ(10; 0, 1) ≈ 38 ± 1
    // (37.58471305287122), φ(−25; 0, 1) = 0 — here as φ(10 µs) with μ = σ-shifted units.
    let unit = PhiStats {
        mean: 100.0,
        std: 1.0,
    };
    assert!(close(unit.phi(110), 37.58471305287122), "{}", unit.phi(110));
    assert_eq!(unit.phi(75), 0.0);
}

// Akka spec "return phi based on guess when only one heartbeat" (first estimate 1 s: the
// history is 750 and 1250 ms): φ ≈ 0.3 ± 0.2, 4.5 ± 0.3, > 15.
#[test]
fn akka_phi_from_the_first_heartbeat_estimate() {
    let mut fd = Akka::new(8.0, 1000, 0, false);
    let got = script(&mut fd, &[0, 1000, 1000, 1000], "hppp");
    assert_table(
        "guess",
        &got,
        &[
            (1000, AT_MEAN),
            (2000, 4.736694582705181),
            (3000, 21.241600212221336),
        ],
    );
}

// Akka spec "mark node as available if it starts heartbeat again after being marked dead due
// to detection of failure" — the outage case. 1000 regular 1 s heartbeats, a 5-minute pause,
// then 100/900/100 ms, a 7 s pause, 100/900/100/900 ms; threshold 8, pause 3 s. Akka's rule
// keeps the 5-minute interval out of the history, so the 7 s pause is caught again (φ = ∞ ≥ 8).
// Learning it (outage=1) makes σ ≈ 9.5 s and the 7 s pause goes unnoticed (φ = 0.41).
#[test]
fn akka_outage_interval_is_not_learned() {
    let mut steps = vec![0u64];
    steps.extend([1000u64; 999]);
    let ops_regular = "h".repeat(1000);
    let tail_steps = [300_000u64, 100, 900, 100, 7000, 100, 900, 100, 900];
    steps.extend(tail_steps);
    let ops = format!("{ops_regular}phphphphp");
    let reads = [1_299_000, 1_300_000, 1_307_100, 1_308_100, 1_309_100];

    let mut akka = Akka::new(8.0, 1000, 3000, false);
    let got = script(&mut akka, &steps, &ops);
    let want = [f64::INFINITY, 0.0, f64::INFINITY, 0.0, 0.0];
    assert_table(
        "outage, Akka's rule",
        &got,
        &reads.iter().copied().zip(want).collect::<Vec<_>>(),
    );
    // isAvailable: false, true, false, true, true — as the spec asserts.
    let avail: Vec<bool> = got.iter().map(|g| g.1 < 8.0).collect();
    assert_eq!(avail, [false, true, false, true, true]);
    assert_eq!(akka.window.len(), 1000);
    assert!(
        akka.window.iter().all(|&x| x <= 7_000_000),
        "5 min not learned"
    );

    let mut learned = Akka::new(8.0, 1000, 3000, true);
    let got = script(&mut learned, &steps, &ops);
    let want = [
        f64::INFINITY,
        0.19345440042128012,
        0.41179370311578456,
        0.19330788722964307,
        0.19330788722964307,
    ];
    assert_table(
        "outage, interval learned",
        &got,
        &reads.iter().copied().zip(want).collect::<Vec<_>>(),
    );
    assert!(got[2].1 < 8.0, "the 7 s pause goes unnoticed");
}

// Akka spec "accept some configured missing heartbeats" (pause 3 s: a 4 s gap is fine) and
// "fail after configured acceptable missing heartbeats" (a 5 s gap is not).
#[test]
fn akka_acceptable_heartbeat_pause() {
    let mut fd = Akka::new(8.0, 1000, 3000, false);
    let got = script(&mut fd, &[0, 1000, 1000, 1000, 4000, 1000, 1000], "hhhhphp");
    assert_table("accept", &got, &[(7000, AT_MEAN), (9000, 0.0)]);
    assert!(got.iter().all(|g| g.1 < 8.0));

    let mut fd = Akka::new(8.0, 1000, 3000, false);
    let got = script(
        &mut fd,
        &[0, 1000, 1000, 1000, 1000, 1000, 500, 500, 5000],
        "hhhhhhphp",
    );
    assert!(got[0].1 < 8.0 && got[1].1 >= 8.0, "{got:?}");
}

// Akka spec "use maxSampleSize heartbeats": with a window of 3, φ 100 ms after steady 100 ms
// heartbeats equals φ 500 ms after steady 500 ms heartbeats once the old ones are dropped.
#[test]
fn akka_max_sample_size() {
    let mut fd = Akka::new(8.0, 3, 0, false);
    let got = script(
        &mut fd,
        &[0, 100, 100, 100, 100, 600, 500, 500, 500, 500],
        "hhhhphhhhp",
    );
    assert_table("window", &got, &[(400, AT_MEAN), (3000, AT_MEAN)]);
    // Akka's "Statistics for heartbeats": mean 179, variance 7584 for 100, 200, 125, 340, 130.
    let p = HbParams {
        min_std: Duration(1),
        acceptable_pause: Duration(0),
        window: 20,
        ..HbParams::default()
    };
    let w = Intervals::from_samples(&[100, 200, 125, 340, 130], 20);
    let s = w.stats(&p);
    assert_eq!(s.mean, 179.0);
    assert!((s.std * s.std - 7584.0).abs() < 1e-9);
}

/// Detection time of worker 3's crash under phi, ms.
fn phi_detection(link: &str) -> f64 {
    let m = measure(run(link).sim());
    assert_eq!(m.phi.detected, 1, "{link}: {m:?}");
    m.phi.detection_ms[0]
}

// Issue 16's reproducer: `cli run 'lab=heartbeat&seed=7&n=3&det=phi&faults=1000:isolate:3;
// 6000:heal;10000:crash:3' --until 20000` detected the crash after 3 794 ms, against 157 ms
// without the isolation, because the 5 s interval spanning the outage entered the window. With
// Akka's rule it is detected within the same bound as without the isolation: the window holds
// the same kind of intervals, so the down crossing is the same to within one heartbeat's
// latency spread (5 ms).
#[test]
fn an_earlier_outage_does_not_slow_down_detection() {
    let base = "lab=heartbeat&seed=7&n=3&det=phi";
    let iso = format!("{base}&faults=1000:isolate:3;6000:heal;10000:crash:3&t=20000");
    let plain = format!("{base}&faults=10000:crash:3&t=20000");
    let (d_iso, d_plain) = (phi_detection(&iso), phi_detection(&plain));
    // The bound: the down crossing of the window at the last arrival (pause 300 ms + μ + y*σ),
    // counted from that arrival; the last heartbeat may still have been on the wire at the
    // crash, up to the 15 ms maximum latency.
    let h = run(&plain);
    let v = &monitor(h.sim()).views[3];
    let bound = v.phi_cross[1] as f64 / 1000.0 + 15.0;
    assert!(
        d_plain <= bound && d_iso <= bound,
        "{d_iso} / {d_plain} vs {bound}"
    );
    assert!((d_iso - d_plain).abs() < 5.0, "{d_iso} vs {d_plain}");
    // The 5 s interval was not learned, and the run says so.
    let h = run(&iso);
    let v = &monitor(h.sim()).views[3];
    assert!(v.intervals.iter().all(|&x| x < 1_000_000), "{v:?}");
    assert!(h.sim().trace().iter().any(|e| e
        .notes
        .iter()
        .any(|n| n.contains("not learned: φ had reached 8"))));

    // Rule off: the numbers come back (with the old settings: no pause).
    let old = |f: &str| phi_detection(&format!("{base}&pause=0&outage=1&faults={f}&t=20000"));
    assert_eq!(
        old("1000:isolate:3;6000:heal;10000:crash:3").round(),
        3794.0
    );
    assert_eq!(old("10000:crash:3").round(), 157.0);
    // Rule off with the default pause: still about nine times slower.
    let learned = phi_detection(&format!(
        "{base}&outage=1&faults=1000:isolate:3;6000:heal;10000:crash:3&t=20000"
    ));
    assert!(learned > 8.0 * d_iso, "{learned} vs {d_iso}");
}

// The two outage presets tell the same story as the test above.
#[test]
fn the_outage_presets_show_the_rule_on_and_off() {
    let link = |id: &str| {
        engine::scenario::presets()
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.query)
            .expect("preset")
    };
    let on = phi_detection(link("hb-phi-outage"));
    let off = phi_detection(link("hb-phi-outage-learned"));
    assert!((400.0..=500.0).contains(&on), "{on}");
    assert!((3_500.0..=4_500.0).contains(&off), "{off}");
}

// Akka's pause scales with the interval unless the link sets it: hb=1000 → pause 3 s, min σ
// 100 ms (Akka's cluster defaults exactly).
#[test]
fn pause_and_min_std_scale_with_the_interval() {
    let d = crate::scenario("lab=heartbeat&hb=1000");
    let p = d.hb_params();
    assert_eq!(p.acceptable_pause, Duration::from_ms(3_000));
    assert_eq!(p.min_std, Duration::from_ms(100));
    let d = crate::scenario("lab=heartbeat&hb=1000&pause=500&minsd=20");
    let p = d.hb_params();
    assert_eq!(p.acceptable_pause, Duration::from_ms(500));
    assert_eq!(p.min_std, Duration::from_ms(20));
    assert_eq!(
        engine::scenario::encode(&d),
        "lab=heartbeat&v=1&seed=1&n=5&lat=10-15&loss=0&hb=1000&pause=500&minsd=20"
    );
    let bad = engine::scenario::decode("lab=heartbeat&pause=-1&minsd=0&outage=2");
    let names: Vec<&str> = bad.errors.iter().map(|e| e.param.as_str()).collect();
    assert_eq!(names, ["pause", "minsd", "outage"]);
}

// A larger pause delays phi's verdict by exactly that much on the same arrivals (μ + pause).
#[test]
fn the_pause_shifts_phi_deadlines_by_its_length() {
    let at = |pause: u64| {
        let h = run(&format!(
            "lab=heartbeat&seed=5&n=2&pause={pause}&faults=2000:crash:2&t=4000"
        ));
        monitor(h.sim())
            .transitions
            .iter()
            .filter(|t: &&Transition| t.worker == 2 && t.det == Detector::Phi)
            .map(|t| (t.time, t.to))
            .collect::<Vec<_>>()
    };
    let (a, b) = (at(300), at(700));
    assert_eq!(a.len(), 2);
    assert_eq!(a[1].1, Status::Down);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(y.0, x.0.plus(Duration::from_ms(400)));
    }
}

fn samples() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(1_000u64..3_000_000, 1..120)
}

/// The smallest silence with φ ≥ threshold, by bisection over all of [0, 2⁴⁰] µs with no
/// starting guess (the crossing's definition, checked only where φ changes monotonically).
fn bisect(s: &PhiStats, th: f64) -> u64 {
    let (mut lo, mut hi) = (0u64, 1u64 << 40);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if s.phi(mid) >= th {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    // μ and σ from the window's running sums are exactly those of the plain u128 formula
    // (population variance from n·Σx² − (Σx)²), for windows of 1 to 1 000 samples of usual
    // intervals (the sums fit 64 bits) or of intervals up to the longest stored (2⁴⁰ µs, where
    // Σx² needs more than 64 bits).
    #[test]
    fn window_stats_are_the_exact_formula(
        xs in prop_oneof![
            prop::collection::vec(0u64..3_000_000, 1..1_200),
            prop::collection::vec(
                prop_oneof![0u64..3_000_000, 0u64..=engine::heartbeat::phi::MAX_INTERVAL_US],
                1..1_200,
            ),
        ],
        window in prop_oneof![1usize..=20, 1usize..=1_000],
    ) {
        let p = HbParams::default();
        let w = Intervals::from_samples(&xs, window);
        let kept: Vec<u128> = xs[xs.len().saturating_sub(window)..].iter().map(|&x| x as u128).collect();
        let n = kept.len() as u128;
        let (sum, sum_sq) = (kept.iter().sum::<u128>(), kept.iter().map(|x| x * x).sum::<u128>());
        let var_num = (n * sum_sq).saturating_sub(sum * sum) as f64;
        let want = PhiStats {
            mean: sum as f64 / n as f64 + p.acceptable_pause.as_us() as f64,
            std: (var_num.sqrt() / n as f64).max(p.min_std.as_us() as f64),
        };
        let got = w.stats(&p);
        prop_assert_eq!(got.mean.to_bits(), want.mean.to_bits());
        prop_assert_eq!(got.std.to_bits(), want.std.to_bits());
    }

    // The crossing solved from y* equals a search over all silences, and it is exact: φ is below
    // the threshold one µs earlier, at or above it at the crossing; nothing in the 2 ms before it
    // reaches the threshold.
    #[test]
    fn the_solved_crossing_equals_a_brute_force_search(
        xs in samples(),
        pause_us in 0u64..5_000_000,
        min_std_us in 1u64..200_000,
        th_milli in 100u32..=50_000,
    ) {
        let p = HbParams {
            acceptable_pause: Duration(pause_us),
            min_std: Duration(min_std_us),
            ..HbParams::default()
        };
        let s = Intervals::from_samples(&xs, 1000).stats(&p);
        let th = th_milli as f64 / 1000.0;
        let c = s.crossing(&PhiThreshold::new(th));
        prop_assert_eq!(c, bisect(&s, th));
        prop_assert!(s.phi(c) >= th);
        if c > 0 {
            prop_assert!(s.phi(c - 1) < th);
        }
        for t in c.saturating_sub(2_000)..c {
            prop_assert!(s.phi(t) < th, "φ({}) ≥ {} before the crossing {}", t, th, c);
        }
    }

    // Deciding φ ≥ threshold from y alone (outside the band around y*) never disagrees with the
    // exact φ: every silence within 1 500 µs of the crossing, and a spread of silences around it
    // in steps of 1 µs to 1 s, over thresholds from 0.001 to 300 and σ up to 2 000 s (where one
    // µs moves y by less than the band, so probes fall inside it).
    #[test]
    fn phi_decided_from_y_agrees_with_the_exact_phi(
        mean_us in 0u64..10_000_000,
        std_us in 1u64..2_000_000_000,
        th_milli in 1u32..=300_000,
        coarse in 0u32..7,
    ) {
        let s = PhiStats { mean: mean_us as f64, std: std_us as f64 };
        let th = PhiThreshold::new(th_milli as f64 / 1000.0);
        let c = s.crossing(&th);
        prop_assert_eq!(c, bisect(&s, th.value));
        let step = 10u64.pow(coarse);
        let near = c.saturating_sub(1_500)..c.saturating_add(1_500);
        let spread = (0..400u64).map(|k| (c + k * step).saturating_sub(200 * step));
        for t in near.chain(spread) {
            let exact = s.phi(t) >= th.value;
            if let Some(d) = th.decides((t as f64 - s.mean) / s.std) {
                prop_assert_eq!(d, exact, "t = {} µs, crossing {}", t, c);
            }
        }
    }

    // Running sums are the sums of the window, whatever was pushed and dropped.
    #[test]
    fn running_sums_match_the_window(xs in samples(), window in 1usize..50) {
        let p = HbParams { window, ..HbParams::default() };
        let w = Intervals::from_samples(&xs, window);
        let kept: Vec<u64> = xs[xs.len().saturating_sub(window)..].to_vec();
        prop_assert_eq!(w.iter().copied().collect::<Vec<_>>(), kept.clone());
        let n = kept.len() as f64;
        let mean = kept.iter().sum::<u64>() as f64 / n;
        let s = w.stats(&p);
        prop_assert!((s.mean - p.acceptable_pause.as_us() as f64 - mean).abs() < 1e-6);
    }

}

/// For each φ down verdict on a live worker of `h`'s run: the worker, the verdict's time, and
/// how many of its heartbeats were lost on the wire after the last one that arrived before the
/// verdict and were sent before it (the burst of losses the verdict sits in).
fn losses_before_phi_downs(
    h: &engine::History<engine::heartbeat::HbNode>,
) -> Vec<(usize, SimTime, usize)> {
    use engine::heartbeat::HbMsg;
    use engine::trace::{DropReason, What};
    let sim = h.sim();
    let mut out = Vec::new();
    for t in &monitor(sim).transitions {
        if t.det != Detector::Phi || t.to != Status::Down || !sim.up_at(t.worker, t.time) {
            continue;
        }
        let w = t.worker;
        let last_arrived = sim
            .trace()
            .iter()
            .take_while(|e| e.time < t.time)
            .filter_map(|e| match &e.what {
                What::Deliver {
                    from,
                    msg: HbMsg::Heartbeat { seq, .. },
                    ..
                } if *from == w => Some(*seq),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let lost = sim
            .trace()
            .iter()
            .filter(|e| match &e.what {
                What::Drop {
                    from,
                    msg: HbMsg::Heartbeat { seq, .. },
                    why: DropReason::Lost,
                    sent,
                    ..
                } => *from == w && *seq > last_arrived && *sent < t.time,
                _ => false,
            })
            .count();
        out.push((w, t.time, lost));
    }
    out
}

// The seed that broke the old property "φ never declares a live worker down at ≤ 5 % loss".
// Worker 4's heartbeats #558–#561 are lost on the wire (4 in a row at 2.7 % loss). Its window
// then holds 97 one-heartbeat intervals (mean 101.1 ms, σ 6.0 ms) and 3 intervals spanning a
// single lost heartbeat (187, 199, 208 ms): μ = 104.0 ms, σ = 17.6 ms, so φ reaches 8 after
// μ + pause + 5.22σ = 104.0 + 300 + 92.2 = 496.175 ms of silence. Heartbeat #562 arrives after
// 514.063 ms: the verdict is 17.9 ms early for it, and its interval is not learned (Akka's
// rule). This is the detector working as designed — the 300 ms pause absorbs 3 lost heartbeats
// (Akka: "the number of lost or delayed heartbeats accepted"), the 4th is an anomaly — not a
// bug; the test pins the numbers so a change in them is noticed.
#[test]
fn four_heartbeats_lost_in_a_row_are_a_phi_down_at_low_loss() {
    let link = "lab=heartbeat&seed=17530355061259439789&n=5&loss=2.7&det=phi";
    let h = run(&format!("{link}&t=60000"));
    let m = measure(h.sim());
    assert_eq!((m.phi.false_suspicions, m.phi.false_downs), (1, 1), "{m:?}");
    assert_eq!(
        losses_before_phi_downs(&h),
        [(4, SimTime::from_us(56_227_848), 4)]
    );
    let phi: Vec<(u64, usize, Status)> = monitor(h.sim())
        .transitions
        .iter()
        .filter(|t| t.det == Detector::Phi)
        .map(|t| (t.time.as_us(), t.worker, t.to))
        .collect();
    assert_eq!(
        phi,
        [
            (56_189_612, 4, Status::Suspect),
            (56_227_848, 4, Status::Down),
            (56_245_736, 4, Status::Up),
        ]
    );
    // The window just before the verdict.
    let before = run(&format!("{link}&t=56227"));
    let mon = monitor(before.sim());
    let v = &mon.views[4];
    assert_eq!(v.last, SimTime::from_us(55_731_673));
    assert_eq!(v.phi_cross, [457_939, 496_175]);
    let s = v.intervals.stats(&mon.p);
    assert_eq!(v.intervals.len(), 100);
    assert_eq!((s.mean / 100.0).round(), 4040.0, "μ + pause = {}", s.mean);
    assert_eq!((s.std / 100.0).round(), 176.0, "σ = {}", s.std);
    let spans: Vec<u64> = v
        .intervals
        .iter()
        .copied()
        .filter(|&x| x > 150_000)
        .collect();
    assert_eq!(
        spans,
        [199_455, 208_269, 186_715],
        "the single-loss intervals"
    );
    // The heartbeat that ends the verdict is 514 ms after the last one and is not learned.
    assert!(h.sim().trace().iter().any(|e| e
        .notes
        .iter()
        .any(|n| n.contains("interval 514.063ms not learned"))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(24)))]

    // What is true of φ with the default settings on a lossy network: it declares a live worker
    // down only after at least 4 of its heartbeats in a row were lost. The down crossing is
    // μ + pause + y*·σ with y* = 5.22 for φ = 8, μ ≈ 100 ms, pause 300 ms and σ ≥ min σ = 10 ms,
    // so at least ≈ 452 ms, while 3 lost heartbeats are a silence of at most 4 × 110 ms send
    // interval + 5 ms latency spread = 445 ms. 4 lost heartbeats (≈ 500 ms) are a down or not
    // depending on σ, i.e. on how many lost-heartbeat intervals the window holds. This test used
    // to claim "never down at ≤ 5 % loss: a down needs 5 losses in a row, ~10⁻³ per run"; 4
    // suffice, and seeds 1–20 000 (`--example phi_false_downs`) give 16 runs with a false down at
    // 2.7 % loss (8·10⁻⁴ per run) and 100 at 5 % (5·10⁻³); over its 0–5 % grid about 6 % of
    // 24-case runs failed. Loss here goes to 20 %, where some 5–15 % of runs have a false down,
    // so the rule is exercised. See docs/design.md, "False downs under random loss".
    #[test]
    fn phi_declares_a_live_worker_down_only_after_four_heartbeats_lost_in_a_row(
        seed in any::<u64>(),
        loss_tenths in 0u32..=200,
    ) {
        let link = format!(
            "lab=heartbeat&seed={seed}&n=5&loss={}.{}&det=phi&t=60000",
            loss_tenths / 10,
            loss_tenths % 10
        );
        let h = run(&link);
        let downs = losses_before_phi_downs(&h);
        prop_assert_eq!(downs.len() as u32, measure(h.sim()).phi.false_downs);
        for (w, at, lost) in downs {
            prop_assert!(lost >= 4, "{}: worker {} down at {} after {} lost", link, w, at, lost);
        }
    }
}

// Ten minutes on a network with a long latency tail: phi never suspects a live worker.
#[test]
fn phi_never_downs_a_live_worker_on_a_clean_network_for_ten_minutes() {
    let h = run("lab=heartbeat&seed=3&n=5&det=phi&lat=exp:10-30&t=600000");
    let m = measure(h.sim());
    assert_eq!(m.phi.false_suspicions, 0, "{:?}", m.phi);
    assert!(h.sim().now() >= SimTime::from_ms(600_000));
}
