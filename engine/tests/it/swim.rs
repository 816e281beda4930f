//! SWIM (Das, Gupta, Motivala, DSN 2002) as HashiCorp memberlist runs it, with the Lifeguard
//! extensions (Dadgar et al. 2018): one test per rule (the paper's section or memberlist's
//! function cited), the sweep over group sizes, and the properties issue 16 asks for.

use crate::cases;
use engine::fault::{parse_timeline, parse_timeline_of};
use engine::heartbeat::swim::SwimCommand;
use engine::heartbeat::swim::{
    new_sim, suspicion_min_us, suspicion_timeout_us, MemberState, SwimMsg, SwimMsgKind,
    SwimMsgShown, SwimNode, SwimParams, Update,
};
use engine::heartbeat::swim_metrics::{measure, sweep};
use engine::net::{Latency, NetConfig};
use engine::sim::{Sim, What};
use engine::{Duration, NodeId, SimTime};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn net(loss_ppm: u32) -> NetConfig {
    NetConfig {
        latency: Latency::Uniform(Duration::from_ms(10), Duration::from_ms(15)),
        loss_ppm,
        ..NetConfig::default()
    }
}

fn build(seed: u64, p: &SwimParams, n: usize, loss_ppm: u32, faults: &str) -> Sim<SwimNode> {
    let timeline = parse_timeline_of::<SwimCommand>(faults).expect("timeline");
    new_sim(seed, p, n, net(loss_ppm), timeline)
}

fn run(
    seed: u64,
    p: &SwimParams,
    n: usize,
    loss_ppm: u32,
    faults: &str,
    until_ms: u64,
) -> Sim<SwimNode> {
    let mut sim = build(seed, p, n, loss_ppm, faults);
    sim.run_until(SimTime::from_ms(until_ms), u64::MAX);
    sim
}

fn lifeguard(on: bool) -> SwimParams {
    SwimParams {
        lhm: on,
        dynamic: on,
        buddy: on,
        ..SwimParams::default()
    }
}

/// Messages `from` → `to` delivered, in order, as the trace shows them.
fn delivered(sim: &Sim<SwimNode>, from: NodeId) -> Vec<(NodeId, SwimMsgShown)> {
    sim.trace()
        .iter()
        .filter_map(|e| match e.what {
            What::Deliver {
                from: f, to, msg, ..
            } if f == from => Some((to, msg)),
            _ => None,
        })
        .collect()
}

/// Runs `sim` to `until_ms` as [`run`] does, returning every message delivered, whole, in order:
/// `(from, to, message)`. The trace keeps only what its lines show ([`SwimMsgShown`]), so each
/// message is read from the messages in flight before the step that delivers it.
fn run_delivering(sim: &mut Sim<SwimNode>, until_ms: u64) -> Vec<(NodeId, NodeId, SwimMsg)> {
    let until = SimTime::from_ms(until_ms);
    let mut flying: BTreeMap<u64, SwimMsg> = BTreeMap::new();
    let mut out = Vec::new();
    while sim.next_time().is_some_and(|t| t <= until) {
        for m in sim.in_flight() {
            flying.entry(m.id).or_insert_with(|| m.msg.clone());
        }
        let Some(e) = sim.step() else { break };
        match e.what {
            What::Deliver { id, from, to, .. } => {
                out.push((from, to, flying.remove(&id).expect("in flight before")));
            }
            What::Drop { id, .. } => {
                flying.remove(&id);
            }
            _ => {}
        }
    }
    sim.run_until(until, u64::MAX);
    out
}

// §3.1 + §4.2: a crashed member is probed, suspected, and — unable to refute — declared dead
// by the first suspecter when the suspicion times out; the verdict then reaches every survivor.
#[test]
fn a_crash_is_suspected_then_declared_dead_by_every_survivor() {
    let sim = run(1, &SwimParams::default(), 10, 0, "5000:crash:3", 20_000);
    let m = measure(&sim);
    let c = &m.crashes[0];
    assert_eq!((c.node, c.at_ms), (3, 5000.0));
    let (s, d, full) = (
        c.first_suspect_ms.expect("suspected"),
        c.first_dead_ms.expect("declared dead"),
        c.full_dissemination_ms.expect("everyone knows"),
    );
    // The first suspicion comes within a few periods; dead follows after at least the minimum
    // suspicion timeout (4 × max(1, log10 10) × 200 ms = 800 ms).
    assert!(s < 2_000.0, "{m:?}");
    assert!(d >= s + 800.0, "{m:?}");
    assert!(full >= d && full < d + 2_000.0, "{m:?}");
    for node in sim.nodes().iter().filter(|x| x.me != 3) {
        assert_eq!(node.view[3].state, MemberState::Dead, "member {}", node.me);
    }
    assert_eq!((m.false_suspicions, m.false_positives), (0, 0));
}

// §4.2: a suspected member that is alive refutes by raising its incarnation; the alive update
// overrides the suspicion everywhere, and nobody declares it dead.
#[test]
fn a_suspected_member_refutes_with_a_higher_incarnation() {
    let sim = run(
        2,
        &SwimParams::default(),
        8,
        0,
        "2000:isolate:3;2500:heal",
        8_000,
    );
    let suspected = sim.nodes().iter().any(|x| {
        x.log
            .iter()
            .any(|c| c.node == 3 && c.to == MemberState::Suspect)
    });
    assert!(suspected, "someone suspected 3 while it was cut off");
    let me = &sim.nodes()[3];
    assert!(me.inc >= 1);
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.notes.iter().any(|n| n.starts_with("3: refutes"))));
    for x in sim.nodes() {
        assert_eq!(x.view[3].state, MemberState::Alive, "member {}", x.me);
        assert_eq!(x.view[3].inc, me.inc, "member {}", x.me);
        assert!(!x
            .log
            .iter()
            .any(|c| c.node == 3 && c.to == MemberState::Dead));
    }
}

// §4.3: targets come from a shuffled list, round robin: within 2n − 1 periods a member has
// pinged every other member at least once (here n = 6: 11 periods of 200 ms).
#[test]
fn round_robin_probes_every_member_within_two_passes() {
    let n = 6;
    let sim = run(3, &SwimParams::default(), n, 0, "", 11 * 200 + 200);
    for me in 0..n {
        let mut seen: Vec<NodeId> = delivered(&sim, me)
            .into_iter()
            .filter(|(_, m)| matches!(m.kind, SwimMsgKind::Ping { .. }))
            .map(|(to, _)| to)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), n - 1, "member {me} pinged {seen:?}");
    }
}

// §3.1: when the direct probe gets no ack, k members probe indirectly; their acks keep the
// target alive. Member 0 cannot reach 3 directly (both directions cut), but never suspects it.
#[test]
fn indirect_probes_keep_a_member_reachable_through_others_alive() {
    let sim = run(
        4,
        &SwimParams::default(),
        6,
        0,
        "0:cut:0>3;0:cut:3>0",
        10_000,
    );
    let reqs = delivered(&sim, 0)
        .into_iter()
        .filter(|(_, m)| matches!(m.kind, SwimMsgKind::PingReq { target: 3, .. }))
        .count();
    assert!(
        reqs >= 3,
        "member 0 asked for indirect probes of 3 ({reqs})"
    );
    let m = measure(&sim);
    assert_eq!((m.false_suspicions, m.false_positives), (0, 0), "{m:?}");
}

// §4.1 and memberlist's `retransmitLimit`: an update is piggybacked λ·⌈log10(n + 1)⌉ times by
// each member (λ = 4: 8 times in a group of 10), then dropped from its queue.
#[test]
fn each_update_is_retransmitted_lambda_log_n_times() {
    let mut sim = build(5, &SwimParams::default(), 10, 0, "3000:crash:3");
    let delivered = run_delivering(&mut sim, 15_000);
    // Now 9 believed alive: 4·⌈log10 10⌉ = 4; while 3 was suspected, 10: 4·⌈log10 11⌉ = 8.
    assert_eq!(sim.nodes()[0].retransmit_limit(), 4);
    let dead3 = |u: &Update| matches!(u, Update::Dead { node: 3, .. });
    for me in (0..10).filter(|&i| i != 3) {
        let carried = delivered
            .iter()
            .filter(|(from, _, m)| *from == me && m.updates().iter().any(dead3))
            .count();
        // Delivered copies ≤ transmissions ≤ the limit at the time (≤ 4·⌈log10 11⌉ = 8).
        assert!((1..=8).contains(&carried), "member {me}: {carried}");
        assert_eq!(sim.nodes()[me].pending_updates(), 0);
    }
}

// Lifeguard §IV-B / memberlist `remainingSuspicionTime`: a lone accuser's suspicion lasts the
// maximum (6 × the minimum); each independent confirmation shortens it, logarithmically, to the
// minimum after k = SuspicionMult − 2 = 2. Without Lifeguard it is always the minimum.
#[test]
fn the_dynamic_suspicion_timeout_shrinks_with_confirmations() {
    let p = SwimParams::default();
    let min = suspicion_min_us(&p, 10);
    assert_eq!(min, 800_000); // 4 × max(1, log10 10) × 200 ms
    assert_eq!(suspicion_min_us(&p, 100), 1_600_000);
    assert_eq!(suspicion_min_us(&p, 3), 800_000); // log10 3 < 1
    let max = min * 6;
    let t: Vec<u64> = (0..4)
        .map(|c| suspicion_timeout_us(true, min, max, 2, c))
        .collect();
    assert_eq!(t[0], max);
    // max − (max − min)·ln 2 / ln 3 = 4.8 s − 4 s × 0.6309… = 2 276 280.98… µs (Python)
    assert_eq!(t[1], 2_276_280);
    assert_eq!((t[2], t[3]), (min, min));
    assert_eq!(suspicion_timeout_us(false, min, max, 2, 0), min);
    assert_eq!(suspicion_timeout_us(true, min, max, 0, 0), min);
}

// Lifeguard's local health multiplier. A member that handles its messages 800 ms late (an
// overloaded process) sees every ack too late. Without Lifeguard it suspects healthy members
// over and over and declares them dead; with it, its failed probes without nacks raise its
// local health score, which stretches its probe timeout and period, and it declares nobody dead.
#[test]
fn lifeguard_stops_a_slow_member_from_accusing_healthy_ones() {
    for seed in 1..=3 {
        let count = |lg: bool| {
            let sim = run(seed, &lifeguard(lg), 10, 0, "2000:cmd:3:slow:800", 30_000);
            let by_slow = sim.nodes()[3]
                .log
                .iter()
                .filter(|c| c.to == MemberState::Dead)
                .count();
            (by_slow, measure(&sim))
        };
        let (with_by_slow, with) = count(true);
        let (without_by_slow, without) = count(false);
        assert_eq!(with_by_slow, 0, "seed {seed}");
        assert!(without_by_slow >= 50, "seed {seed}: {without_by_slow}");
        assert!(
            with.false_suspicions * 3 < without.false_suspicions,
            "seed {seed}: {} vs {}",
            with.false_suspicions,
            without.false_suspicions
        );
        assert!(with.max_lhm > 0 && without.max_lhm == 0);
    }
}

// The slow member's note and its command: `cmd:N:slow:MS`; anything else is refused.
#[test]
fn slow_is_a_member_command() {
    let sim = run(1, &SwimParams::default(), 3, 0, "100:cmd:1:slow:250", 300);
    assert_eq!(sim.nodes()[1].slow, Duration::from_ms(250));
    let notes = crate::note_texts(&sim);
    assert!(notes
        .iter()
        .any(|n| n.contains("1: handles messages 250ms late")));
    // Anything else is refused when the link is read, by its entry.
    let d = engine::scenario::decode("lab=swim&faults=100:cmd:1:slow:250;200:cmd:2:fast");
    assert_eq!(d.scenario.faults.len(), 1);
    assert!(
        d.errors[0]
            .to_string()
            .contains("SWIM members understand slow:MS"),
        "{:?}",
        d.errors
    );
    // Refused by variant, with the text at fault.
    use engine::heartbeat::swim::{parse_command, SwimCommandError};
    assert_eq!(
        parse_command("fast"),
        Err(SwimCommandError::Unknown("fast".into()))
    );
    for bad in ["slow:x", "slow:60001", "slow:-1", "slow:"] {
        assert_eq!(
            parse_command(bad),
            Err(SwimCommandError::NotADelay(bad[5..].into())),
            "{bad}"
        );
    }
    assert_eq!(
        parse_command("slow:x").unwrap_err().to_string(),
        "'x' is not a delay of 0–60000 ms"
    );
}

// A restarted member comes back with a higher incarnation, which overrides "dead".
#[test]
fn a_restarted_member_rejoins_alive() {
    let sim = run(
        6,
        &SwimParams::default(),
        6,
        0,
        "1000:crash:2;6000:restart:2",
        10_000,
    );
    let inc = sim.nodes()[2].inc;
    assert!(inc >= 1);
    for x in sim.nodes() {
        assert_eq!(x.view[2].state, MemberState::Alive, "member {}", x.me);
        assert!(
            x.me == 2
                || x.log
                    .iter()
                    .any(|c| c.node == 2 && c.to == MemberState::Dead)
        );
    }
}

// The sweep: per-member load in steady state does not grow with the group (one ping and one
// ack per member per period: 10 messages/s at 200 ms), the first suspicion stays near the
// paper's e/(e − 1) periods, and dissemination grows slowly (the suspicion timeout grows with
// log10 n; gossip adds O(log n) rounds).
#[test]
fn the_sweep_shows_constant_load_and_slow_growth() {
    let rows = sweep(
        &[5, 20, 80],
        1,
        &SwimParams::default(),
        net(0),
        Duration::from_ms(3_000),
    );
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert!(
            (9.0..=11.0).contains(&r.steady_messages_per_member_per_s),
            "{r:?}"
        );
        assert!(
            r.detection_ms.is_some() && r.dissemination_ms.is_some(),
            "{r:?}"
        );
        assert_eq!(r.false_positives, 0, "{r:?}");
        assert!(r.theory_first_suspect_ms > 450.0 && r.theory_first_suspect_ms < 520.0);
    }
    let d: Vec<f64> = rows.iter().filter_map(|r| r.dissemination_ms).collect();
    assert!(d[2] < 3.0 * d[0], "{d:?}");
}

// A partition seen from both sides: each side declares the other dead (in SWIM a partition is
// indistinguishable from crashes). After the heal, anti-entropy (Serf's reconnect to members
// believed dead, memberlist's push/pull merge) lets each member read "you are dead" about itself
// in the other side's list and refute: within one sync interval (6 s) plus dissemination, every
// member sees every other alive again.
#[test]
fn a_healed_partition_merges_again() {
    for seed in 1..=4 {
        let mut sim = new_sim(
            seed,
            &SwimParams::default(),
            10,
            net(0),
            parse_timeline("2000:partition:0.1.2|3.4.5.6.7.8.9;12000:heal").expect("timeline"),
        );
        sim.run_until(SimTime::from_ms(11_900), u64::MAX);
        let side = |i: NodeId| i < 3;
        for m in sim.nodes() {
            for (j, v) in m.view.iter().enumerate() {
                let want = if side(j) == side(m.me) {
                    MemberState::Alive
                } else {
                    MemberState::Dead
                };
                assert_eq!(v.state, want, "seed {seed}: {} about {j}", m.me);
            }
        }
        sim.run_until(SimTime::from_ms(12_000 + 8_000), u64::MAX);
        for m in sim.nodes() {
            assert!(
                m.view.iter().all(|v| v.state == MemberState::Alive),
                "seed {seed}: member {} still sees {:?}",
                m.me,
                m.view
            );
        }
    }
}

// Same seed, same run (the determinism contract).
#[test]
fn swim_runs_replay_exactly() {
    let a = run(
        9,
        &SwimParams::default(),
        12,
        20_000,
        "3000:crash:4;5000:partition:0.1.2|3.5.6.7.8.9.10.11;8000:heal",
        12_000,
    );
    let b = run(
        9,
        &SwimParams::default(),
        12,
        20_000,
        "3000:crash:4;5000:partition:0.1.2|3.5.6.7.8.9.10.11;8000:heal",
        12_000,
    );
    crate::assert_same_trace(&a, &b, "swim");
    assert_eq!(a.nodes(), b.nodes());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(24)))]

    // Completeness (§2): in a connected network (no partition; up to 5 % loss) a crashed member
    // is eventually declared dead by every live member — here within 30 s.
    #[test]
    fn a_crashed_member_is_eventually_dead_to_every_survivor(
        seed in any::<u64>(),
        n in 3usize..=12,
        victim in 0usize..12,
        at in 500u64..5_000,
        loss in 0u32..=50_000,
    ) {
        let victim = victim % n;
        let sim = run(seed, &SwimParams::default(), n, loss, &format!("{at}:crash:{victim}"), at + 30_000);
        let m = measure(&sim);
        prop_assert!(m.crashes[0].full_dissemination_ms.is_some(), "{:?}", m);
        for x in sim.nodes().iter().filter(|x| x.me != victim) {
            prop_assert_eq!(x.view[victim].state, MemberState::Dead);
        }
    }

    // Accuracy: with message loss up to 2 %, no live member that handles its messages on time
    // is ever declared dead. A false death needs a false suspicion — a failed direct probe and
    // k = 3 failed indirect ones, ≈ 2p·(4p)³ ≈ 2·10⁻⁵ per probe at p = 2 %, about one in 30
    // runs of 30 s — *and* an accuser that misses every copy of the refutation for the whole
    // suspicion timeout. SWIM is probabilistic: at 4.7 % loss (seed 16610297357769561412,
    // n = 11) member 1 heard none of the ~90 gossiped copies of "9 alive@1" and declared 9 dead
    // after 4.8 s; memberlist behaves the same (a member ignores stale suspicions of itself).
    #[test]
    fn with_modest_loss_no_live_member_is_declared_dead(
        seed in any::<u64>(),
        n in 3usize..=12,
        loss in 0u32..=20_000,
    ) {
        let sim = run(seed, &SwimParams::default(), n, loss, "", 30_000);
        let m = measure(&sim);
        prop_assert_eq!(m.false_positives, 0, "{:?}", m);
    }
}

/// A preset's run at its link position, measured.
fn preset_run(id: &str) -> engine::History<SwimNode> {
    use engine::lab::Lab;
    let p = engine::scenario::presets()
        .into_iter()
        .find(|p| p.id == id)
        .expect("preset");
    let d = engine::scenario::decode(p.query);
    assert!(d.errors.is_empty(), "{id}: {:?}", d.errors);
    let mut run = engine::heartbeat::SwimLab::build(&d.scenario);
    engine::scenario::seek(&mut run, d.scenario.pos);
    run
}

// The swim-crash preset's lesson: 3 is declared dead by every survivor about 1 s after the
// crash, and the group view (what the page colours) says so.
#[test]
fn the_crash_preset_is_detected_and_disseminated_as_its_lesson_says() {
    use engine::heartbeat::swim_metrics::group_view;
    let run = preset_run("swim-crash");
    let m = measure(run.sim());
    let c = &m.crashes[0];
    assert!((900.0..1100.0).contains(&c.first_dead_ms.unwrap()), "{m:?}");
    assert!(c.full_dissemination_ms.unwrap() - c.first_dead_ms.unwrap() < 100.0);
    assert_eq!(m.false_positives, 0);
    let g = group_view(run.sim());
    assert_eq!(g[3], MemberState::Dead);
    assert!(g
        .iter()
        .enumerate()
        .all(|(i, s)| i == 3 || *s == MemberState::Alive));
}

// Lifeguard (Dadgar et al. §4): the slow member stops declaring healthy members dead; it is
// itself declared dead in both modes (memberlist's behaviour, docs/design.md).
#[test]
fn the_slow_member_presets_show_what_lifeguard_protects() {
    let off = measure(preset_run("swim-slow").sim());
    let on = measure(preset_run("swim-slow-lifeguard").sim());
    assert!(off.false_positives_healthy >= 40, "{off:?}");
    assert_eq!(on.false_positives_healthy, 0, "{on:?}");
    assert!(
        on.false_positives > 0,
        "the slow member is still declared dead: {on:?}"
    );
    assert!(
        on.false_suspicions * 3 < off.false_suspicions,
        "{on:?} {off:?}"
    );
    assert!(on.max_lhm >= 5);
}

// The partition preset: at 7 s each side has the other dead; after the heal at 8 s the
// anti-entropy exchange merges the group again.
#[test]
fn the_partition_preset_splits_then_merges() {
    let mut run = preset_run("swim-partition");
    for m in run.sim().nodes() {
        for (j, v) in m.view.iter().enumerate() {
            let same_side = (m.me < 4) == (j < 4);
            let want = if same_side {
                MemberState::Alive
            } else {
                MemberState::Dead
            };
            assert_eq!(v.state, want, "{} about {j}", m.me);
        }
    }
    run.run_until(SimTime::from_ms(20_000), u64::MAX);
    for m in run.sim().nodes() {
        assert!(
            m.view.iter().all(|v| v.state == MemberState::Alive),
            "member {} after the heal: {:?}",
            m.me,
            m.view
        );
    }
}

// The loss preset's lesson: many refuted suspicions, few false deaths; k=0 doubles suspicions.
#[test]
fn the_loss_preset_shows_what_indirect_probes_save() {
    let m = measure(preset_run("swim-loss").sim());
    assert!(m.false_suspicions > 100 && m.false_positives <= 10, "{m:?}");
    let no_relays = run(
        1,
        &SwimParams {
            indirect: 0,
            ..SwimParams::default()
        },
        8,
        200_000,
        "",
        20_000,
    );
    assert!(measure(&no_relays).false_suspicions > m.false_suspicions * 3 / 2);
}

// Issue 10: SWIM's nodes count their bytes (`Node::heap_bytes`: views, change logs, queues,
// their share of piggybacked payloads), so a history of 200 members keeps its snapshots within
// a byte budget, and stepping back still lands exactly where a run that only went forward is.
#[test]
fn swim_snapshots_fit_a_byte_budget_and_step_back_exactly() {
    use engine::History;
    let p = SwimParams::default();
    let build = || new_sim(3, &p, 200, NetConfig::default(), Vec::new());
    let fresh = build();
    // Every member's view of every member, at least.
    assert!(
        fresh.approx_bytes() > 200 * 200 * std::mem::size_of::<engine::heartbeat::swim::View>(),
        "{} bytes",
        fresh.approx_bytes()
    );
    let budget = 4 << 20;
    let mut h = History::new(build());
    h.set_snapshot_budget(budget);
    for t in (100..=2_000).step_by(100) {
        h.run_until(SimTime::from_ms(t), u64::MAX);
        assert!(
            h.snapshot_bytes() <= budget,
            "{} bytes of snapshots at {t} ms over the budget",
            h.snapshot_bytes()
        );
    }
    let mut unbounded = History::new(build());
    unbounded.run_until(SimTime::from_ms(2_000), u64::MAX);
    assert!(
        unbounded.snapshot_bytes() > 2 * budget,
        "the run is big enough to need thinning ({} bytes)",
        unbounded.snapshot_bytes()
    );
    assert!(h.snapshot_count() < unbounded.snapshot_count());
    let end = h.sim().steps();
    for k in [end - 1, end / 2, 10] {
        h.seek_step(k);
        let mut plain = build();
        while plain.steps() < k {
            plain.step();
        }
        assert_eq!(h.sim().nodes(), plain.nodes(), "seek back to step {k}");
    }
}
