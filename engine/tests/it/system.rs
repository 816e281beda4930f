//! The whole-system lab: every preset's lesson in its numbers; transcripts; the clients' history
//! stays linearizable under random machine, zone and network faults with correct settings, and
//! every buggy read mode produces an anomaly the checker finds; the fast checker (zones) agrees
//! with the exhaustive Wing–Gong search on random small histories.

use crate::cases;
use engine::fault::{Fault, TimedFault};
use engine::history::Run;
use engine::lab::Lab;
use engine::scenario::{decode, encode, Scenario};
use engine::system::linear::{Linearizability, OpKind};
use engine::system::zones::Zones;
use engine::system::{
    MachineCmd, MachineCmdError, SysCommand, SysRefusal, SystemLab, SystemMetrics, SystemParams,
};
use engine::SimTime;
use proptest::prelude::*;

/// Replays a clean link to its position; the run and its measurements.
fn replay(link: &str) -> (engine::system::SystemRun, SystemMetrics) {
    let d = decode(link);
    assert!(d.errors.is_empty(), "{link}: {:?}", d.errors);
    let mut run = SystemLab::build(&d.scenario);
    run.run_until(d.scenario.pos.time, u64::MAX);
    let m = SystemLab::measure(&run);
    (run, m)
}

#[test]
fn every_preset_shows_its_lesson() {
    for p in SystemLab::PRESETS {
        let (_, m) = replay(p.query);
        let id = p.id;
        assert_eq!(m.raft_violations, 0, "{id}: {:?}", m.first_violation);
        match id {
            "system-leader-machine-dies" => {
                // The balancer takes 2 failed checks (fall 2 × 500 ms) to eject app1 …
                assert_eq!(m.lb_ejection_ms, vec![Some(1000.0)], "{id}");
                // … shard 0 elects a new leader within a few election timeouts …
                assert_eq!(m.reelection_ms.len(), 1, "{id}");
                assert!(
                    m.reelection_ms[0].is_some_and(|t| t < 1_000.0),
                    "{id}: {m:?}"
                );
                // … clients see timeouts and retries, but every request is answered.
                assert!(m.timeouts > 10 && m.retries > 10, "{id}: {m:?}");
                assert_eq!(m.failed, 0, "{id}");
                assert!(m.p99_ms.is_some_and(|p| p > 1_000.0), "{id}: {m:?}");
                assert_eq!(m.anomalies, 0, "{id}");
            }
            "system-zone-spread" => {
                assert_eq!(m.failed, 0, "{id}: {m:?}");
                assert!(m.shards.iter().all(|s| s.leader.is_some()), "{id}: {m:?}");
                assert_eq!(m.reelection_ms.len(), 2, "{id}: {m:?}");
                assert_eq!(m.anomalies, 0, "{id}");
            }
            "system-zone-packed" => {
                // Every app in zone a: after the failure nothing is answered.
                assert!(m.success_pct.is_some_and(|s| s < 40.0), "{id}: {m:?}");
                assert_eq!(m.lb_ejection_ms.len(), 3, "{id}");
                assert!(m.shards[0].leader.is_none(), "{id}: {m:?}");
                assert_eq!(m.anomalies, 0, "{id}");
            }
            "system-placement-shared" => {
                // Shard 0 keeps one member of three: no leader, its keys fail; the others serve.
                assert!(m.shards[0].leader.is_none(), "{id}: {m:?}");
                assert!(
                    m.shards[1..].iter().all(|s| s.leader.is_some()),
                    "{id}: {m:?}"
                );
                assert!(m.failed > 100, "{id}: {m:?}");
                assert!(
                    m.success_pct.is_some_and(|s| s > 50.0 && s < 95.0),
                    "{id}: {m:?}"
                );
                assert_eq!(m.anomalies, 0, "{id}");
            }
            "system-stale-reads" => {
                assert!(m.anomalies > 10, "{id}: {m:?}");
                assert!(
                    m.first_anomaly
                        .as_deref()
                        .is_some_and(|a| a.contains("get k")),
                    "{id}: a read is stale: {:?}",
                    m.first_anomaly
                );
            }
            "system-stale-reads-lease" => {
                assert_eq!(m.anomalies, 0, "{id}: {:?}", m.first_anomaly);
                assert!(m.timeouts > 10, "{id}: app0's requests time out: {m:?}");
                assert!(m.success_pct.is_some_and(|s| s > 95.0), "{id}: {m:?}");
            }
            "system-chaos" => {
                assert!(m.reelection_ms.len() >= 2, "{id}: {m:?}");
                assert_eq!(m.anomalies, 0, "{id}: {:?}", m.first_anomaly);
                assert!(m.formula_pct < 100.0 && m.formula_pct > 99.0, "{id}: {m:?}");
                assert!(m.checked > 5_000, "{id}: {m:?}");
            }
            "system-slow-rr" | "system-slow-lc" => {
                // The slow app passes every health check: nobody is ejected, no client sees an
                // anomaly, in either run.
                assert!(m.lb_ejection_ms.is_empty(), "{id}: {m:?}");
                assert_eq!(m.anomalies, 0, "{id}");
                if id == "system-slow-rr" {
                    // A third of the load at a queue that drains 25 a second: timeouts, retries,
                    // a p99 over a second.
                    assert!(m.timeouts > 100 && m.retries > 100, "{id}: {m:?}");
                    assert!(m.p99_ms.is_some_and(|p| p > 1_000.0), "{id}: {m:?}");
                } else {
                    assert_eq!((m.timeouts, m.failed), (0, 0), "{id}: {m:?}");
                    assert!(m.p99_ms.is_some_and(|p| p < 500.0), "{id}: {m:?}");
                }
            }
            "system-add-shard" => {
                // Shard 3 took some keys by a handoff through both logs, within a second,
                // while the apps retried them: nothing lost, nothing stale.
                assert!(m.keys_moved > 0, "{id}: {m:?}");
                assert_eq!(m.shards.len(), 4, "{id}: {m:?}");
                assert!(m.shards[3].leader.is_some(), "{id}: {m:?}");
                assert!(
                    m.rebalance_ms.len() == 1
                        && m.rebalance_ms[0].is_some_and(|t| t > 0.0 && t < 1_000.0),
                    "{id}: {m:?}"
                );
                assert!(m.moved_retries > 0, "{id}: {m:?}");
                assert_eq!(
                    (m.failed, m.moved_failed, m.anomalies),
                    (0, 0, 0),
                    "{id}: {m:?}"
                );
            }
            other => panic!("preset {other} has no check here"),
        }
    }
}

#[test]
fn a_clicked_machine_crash_replays_from_its_link() {
    // Clicking m1 at 5 s in the page, then writing the link, gives the same run as the preset.
    let d = decode("lab=system&seed=1&t=5000");
    let mut live = SystemLab::build(&d.scenario);
    live.run_until(SimTime::from_ms(5_000), u64::MAX);
    live.inject(MachineCmd::Crash(1).fault());
    live.run_until(SimTime::from_ms(8_000), u64::MAX);
    let mut s: Scenario = d.scenario.clone();
    s.faults.push(TimedFault {
        at: SimTime::from_ms(5_000),
        fault: MachineCmd::Crash(1).fault(),
    });
    let link = encode(&s);
    assert!(link.contains("faults=5000:cmd:0:crash-m:1"), "{link}");
    let mut again = SystemLab::build(&decode(&link).scenario);
    again.run_until(SimTime::from_ms(8_000), u64::MAX);
    assert_eq!(
        SystemLab::event_lines(&live),
        SystemLab::event_lines(&again)
    );
}

#[test]
fn chaos_faults_are_in_the_measured_timeline_and_replay_as_written() {
    let link =
        "lab=system&seed=1&chaos=10&faults=3000:cmd:0:crash-m:4;6000:cmd:0:restart-m:4&t=40000";
    let (run, m) = replay(link);
    let chaos: Vec<&String> = m
        .timeline
        .iter()
        .filter(|e| e.ends_with(" (chaos)"))
        .collect();
    assert!(chaos.len() >= 2, "{:?}", m.timeline);
    assert_eq!(
        &m.timeline[..2],
        ["3000:cmd:0:crash-m:4", "6000:cmd:0:restart-m:4"]
    );
    assert_eq!(m.timeline.len(), 2 + chaos.len());
    // Written out as a link's own entries, the chaos faults give the same run.
    let all: Vec<String> = m
        .timeline
        .iter()
        .map(|e| e.trim_end_matches(" (chaos)").to_string())
        .collect();
    let again = format!("lab=system&seed=1&faults={}&t=40000", all.join(";"));
    let (run2, m2) = replay(&again);
    assert_eq!(SystemLab::event_lines(&run), SystemLab::event_lines(&run2));
    assert_eq!((m.ok, m.p99_ms), (m2.ok, m2.p99_ms));
}

#[test]
fn an_added_shard_serves_its_keys_with_the_values_the_old_shards_had() {
    let (run, m) = replay("lab=system&seed=1&faults=5000:cmd:0:add-shard:3&t=10000");
    let p = run.p;
    assert_eq!((p.shards, p.groups(), p.processes()), (3, 4, 1 + 3 + 12));
    let sim = run.sim();
    let member = |s: usize, j: usize| sim.nodes()[p.member_id(s, j)].member().unwrap();
    let leader = |s: usize| {
        (0..p.rf)
            .map(|j| member(s, j))
            .find(|x| x.raft.role == engine::raft::Role::Leader)
            .unwrap()
    };
    let added = leader(3);
    let g = added.grow.clone().unwrap();
    assert_eq!(g.gives.iter().map(Vec::len).sum::<usize>(), m.keys_moved);
    for (s, keys) in g.gives.iter().enumerate() {
        let old = leader(s);
        assert!(
            old.moving_at.is_some(),
            "shard {s} committed 'range moving'"
        );
        for &k in keys {
            // The old shard stopped taking writes for k when the range left: the value it had
            // then is where the new shard started, and the new shard has moved on from it.
            let had = old.kv.get(&u64::from(k)).copied();
            let recent = added.recent.get(&u64::from(k));
            assert!(
                had.is_none() || recent.is_some_and(|r| r.contains(&had.unwrap())),
                "k{k}: shard {s} had {had:?}, shard 3 has {recent:?}"
            );
        }
        assert!(added.installed[s] || keys.is_empty());
    }
    // The members of the added shard are on the chosen machines (m3, m4, m5), drawn there.
    assert_eq!(
        (0..p.rf)
            .map(|j| p.machine_of(p.member_id(3, j)))
            .collect::<Vec<_>>(),
        vec![Some(3), Some(4), Some(5)]
    );
    // Without add-shard in the timeline the run has no such members.
    let (plain, _) = replay("lab=system&seed=1&t=1000");
    assert_eq!(plain.p.processes(), 1 + 3 + 9);
}

#[test]
fn every_buggy_read_mode_produces_an_anomaly() {
    for (bug, link) in [
        (
            "reads=local",
            "lab=system&seed=1&reads=local&cq=0&faults=5000:cmd:0:zone-split:a&t=12000",
        ),
        ("reads=follower", "lab=system&seed=1&reads=follower&t=12000"),
    ] {
        let (_, m) = replay(link);
        assert!(m.anomalies > 0, "{bug}: no anomaly found: {m:?}");
    }
}

#[test]
fn bad_machine_commands_are_refused_with_a_reason() {
    let d = decode("lab=system&faults=1000:cmd:0:crash-m:x");
    assert!(!d.errors.is_empty());
    let refused = |t: &str| t.parse::<MachineCmd>().unwrap_err();
    assert_eq!(
        refused("zone-down:q"),
        MachineCmdError::NotAZone("q".into())
    );
    assert_eq!(refused("slow-m:"), MachineCmdError::NotAMachine("".into()));
    assert_eq!(
        refused("crash-m:12"),
        MachineCmdError::NotAMachine("12".into())
    );
    assert_eq!(
        refused("crash-m:007"),
        MachineCmdError::NotAMachine("007".into())
    );
    assert_eq!(refused("crash:1"), MachineCmdError::Unknown("crash".into()));
    assert_eq!(
        refused("zone-up:e").to_string(),
        "'e' is not a zone (a–d)",
        "the banner's words"
    );
    assert_eq!(
        refused("crash-m:x").to_string(),
        "'x' is not a machine number (0–11)"
    );
    // The link reader drops the entry and keeps the lab's typed error in the fault error.
    match engine::scenario::parse_fault_for(&d.scenario, "cmd:0:isolate-m:99") {
        Err(engine::fault::FaultError::Command(e)) => assert_eq!(
            e.get::<MachineCmdError>(),
            Some(&MachineCmdError::NotAMachine("99".into()))
        ),
        other => panic!("{other:?}"),
    }
    // A slow machine slows its app replicas only; an app refuses commands it does not know.
    let p = SystemParams::default();
    assert_eq!(
        MachineCmd::Slow(1).expand(&p),
        vec![Fault::command(p.app_id(1), SysCommand::App { slow: true })]
    );
    assert!(MachineCmd::Fast(7).expand(&p).is_empty());
    let d = decode("lab=system&faults=1000:cmd:1:slow");
    assert!(
        !d.errors.is_empty(),
        "only the front takes commands from a link"
    );
    // A machine beyond the run's count hits nothing (and says so).
    assert!(MachineCmd::Crash(11).expand(&p).is_empty());
}

// A command to another process than the one that takes it is refused when it runs, by
// variant; the note is its text.
#[test]
fn commands_to_the_wrong_process_are_refused_by_variant() {
    let (run, _) = replay("lab=system&seed=1&faults=500:cmd:1:slow-m:1;600:cmd:0:slow-m:1&t=700");
    let sim = run.sim();
    let slow_m = SysCommand::Machine(MachineCmd::Slow(1));
    let slow = SysCommand::App { slow: true };
    let p = SystemParams::default();
    assert_eq!(
        crate::command(sim, 1, slow_m),
        Err(SysRefusal::NotHere(slow_m))
    );
    assert_eq!(crate::command(sim, 0, slow), Err(SysRefusal::NotHere(slow)));
    assert_eq!(crate::command(sim, p.app_id(1), slow), Ok(()));
    let note = "node 1 ignored 'slow-m:1': the system lab's commands go to process 0 ('slow-m:1')";
    assert_eq!(
        format!("node 1 ignored 'slow-m:1': {}", SysRefusal::NotHere(slow_m)),
        note
    );
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.notes.iter().any(|n| n == note)));
    // The front on its own takes machine commands only.
    let mut front = sim.nodes()[0].front().expect("the front").clone();
    let n = sim.nodes().len();
    assert_eq!(
        crate::command_to(&mut front, 0, n, sim.now(), slow),
        Err(SysRefusal::NotMachine(slow))
    );
}

// `place` refuses by its own variant inside the key's error.
#[test]
fn a_bad_placement_is_refused_by_variant() {
    use engine::system::params::PlaceError;
    let place = |v| {
        crate::lab_key_error::<SystemLab>("place", v)
            .get::<PlaceError>()
            .cloned()
    };
    assert_eq!(place("s0.1"), Some(PlaceError::Form("s0.1".into())));
    assert_eq!(
        place("app1@m1,app1@m2"),
        Some(PlaceError::Twice("app1".into()))
    );
}

#[test]
fn transcripts_match_the_engine() {
    crate::transcript::check_lab("system", 1, |t, _| {
        let d = decode(&t.query);
        let mut run = SystemLab::build(&d.scenario);
        for _ in 0..t.steps {
            if !run.step() {
                break;
            }
        }
        crate::lines(run.sim())
    });
}

fn fault_schedule() -> impl Strategy<Value = Vec<(u64, u8, usize)>> {
    prop::collection::vec((1_000u64..14_000, 0u8..8, 0usize..9), 1..6)
}

fn faults_of(raw: &[(u64, u8, usize)]) -> String {
    let mut v: Vec<String> = Vec::new();
    let mut raw = raw.to_vec();
    raw.sort();
    for &(at, kind, m) in &raw {
        let z = ["a", "b", "c"][m % 3];
        let f = match kind {
            0 => format!("{at}:cmd:0:crash-m:{m};{}:cmd:0:restart-m:{m}", at + 3_000),
            1 => format!("{at}:cmd:0:isolate-m:{m};{}:heal", at + 2_500),
            2 => format!("{at}:cmd:0:zone-split:{z};{}:heal", at + 2_000),
            3 => format!("{at}:cmd:0:zone-down:{z};{}:cmd:0:zone-up:{z}", at + 2_000),
            4 => format!("{at}:crash:{};{}:restart:{}", 4 + m, at + 1_500, 4 + m),
            5 => format!("{at}:cmd:0:slow-m:{m};{}:cmd:0:fast-m:{m}", at + 3_000),
            6 => format!("{at}:cmd:0:add-shard:{m}"),
            _ => format!("{at}:loss:5;{}:loss:0", at + 2_000),
        };
        v.push(f);
    }
    // Entries must be in time order in a link.
    let mut all: Vec<(u64, String)> = v
        .join(";")
        .split(';')
        .map(|e| (e.split(':').next().unwrap().parse().unwrap(), e.to_string()))
        .collect();
    all.sort_by_key(|e| e.0);
    all.into_iter().map(|e| e.1).collect::<Vec<_>>().join(";")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(24)))]

    // With leases or ReadIndex, no schedule of machine crashes, isolations, zone failures and
    // splits, slow machines, a shard added while serving, process crashes or loss lets a client see a non-linearizable history, and every
    // shard keeps Raft's invariants.
    #[test]
    fn random_faults_never_break_linearizability(
        seed in 1u64..1_000,
        raw in fault_schedule(),
        index in any::<bool>(),
    ) {
        let reads = if index { "index" } else { "lease" };
        let link = format!(
            "lab=system&seed={seed}&rps=150&reads={reads}&faults={}&t=18000",
            faults_of(&raw)
        );
        let (_, m) = replay(&link);
        prop_assert_eq!(m.anomalies, 0, "{:?}\nrerun: cargo run -p cli -- run '{}'", m.first_anomaly, link);
        prop_assert_eq!(m.raft_violations, 0, "{:?}\nrerun: cargo run -p cli -- run '{}'", m.first_violation, link);
        prop_assert!(m.checked > 1_000, "{}", link);
    }
}

/// A random history on one key: operations with start and end times (writes may never end),
/// reads returning a random value among those written (or nothing).
fn history() -> impl Strategy<Value = Vec<(u64, u64, Option<i64>, bool)>> {
    // (start, length, read result choice, is write)
    prop::collection::vec(
        (0u64..40, 1u64..20, prop::option::of(0i64..6), any::<bool>()),
        1..7,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2_000)))]

    // The zone checker finds an anomaly at exactly the response where the exhaustive Wing–Gong
    // search first finds no linearization.
    #[test]
    fn zones_agree_with_the_wing_gong_search(h in history(), never in any::<u8>()) {
        // Events: (time, is_response, op index).
        let n = h.len();
        let mut ev: Vec<(u64, bool, usize)> = Vec::new();
        for (i, &(s, len, _, w)) in h.iter().enumerate() {
            ev.push((s * 2, false, i));
            // Some writes never return (given up).
            if !(w && (never as usize >> (i % 8)) & 1 == 1) {
                ev.push(((s + len) * 2 + 1, true, i));
            }
        }
        ev.sort();
        let mut z = Zones::new(1);
        let mut l = Linearizability::new(1);
        let mut first_z = None;
        let mut first_l = None;
        for &(t, resp, i) in &ev {
            let (_, _, r, w) = h[i];
            let id = i as u64 + 1;
            let kind = if w { OpKind::Write(id as i64) } else { OpKind::Read };
            let at = SimTime::from_ms(t);
            if !resp {
                z.invoke(0, id, kind, at);
                l.invoke(0, id, kind, at);
                continue;
            }
            // A read returns a value some op wrote (by id), or nothing.
            let result = if w { None } else { r.map(|v| (v % n as i64) + 1) };
            if z.ok(0, id, result, at).is_some() && first_z.is_none() {
                first_z = Some(id);
            }
            if l.ok(0, id, result, at).is_some() && first_l.is_none() {
                first_l = Some(id);
            }
            if first_z.is_some() || first_l.is_some() {
                break;
            }
        }
        prop_assert_eq!(first_z, first_l, "history {:?}", h);
    }
}

/// `place` moves a process to a machine, reads back, and a link naming a process or machine the
/// run does not have is refused for that key alone.
#[test]
fn placement_by_hand_overrides_the_rule_and_reads_back() {
    use engine::system::params::{fmt_place, parse_place, BY_RULE};
    let p = parse_place("s0.1@m0,app2@m8").unwrap();
    assert_eq!(fmt_place(&p), "app2@m8,s0.1@m0");
    assert_eq!(
        fmt_place(&parse_place(&fmt_place(&p)).unwrap()),
        fmt_place(&p)
    );
    assert!(parse_place("").unwrap().iter().all(|&m| m == BY_RULE));
    for bad in [
        "s0.1",
        "s0.1@4",
        "x@m1",
        "s9.0@m1",
        "s0.9@m1",
        "app1@m12",
        "app1@m1,app1@m2",
    ] {
        assert!(parse_place(bad).is_err(), "{bad}");
    }
    // The machine that hosts it is the one placed (the rule puts s0.1 on m1).
    let d = decode("lab=system&place=s0.1@m0");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let sp = d.scenario.setup::<SystemLab>();
    let q = sp.member_id(0, 1);
    assert_eq!(sp.machine_of(q), Some(0));
    assert!(sp.on_machine(0).contains(&q) && !sp.on_machine(1).contains(&q));
    assert_eq!(
        encode(&d.scenario),
        "lab=system&v=1&seed=1&n=9&lat=10-15&loss=0&place=s0.1@m0"
    );
    // A process or machine the run does not have: only `place` falls back.
    for (link, says) in [
        ("lab=system&apps=2&place=app2@m0", "no process app2"),
        ("lab=system&n=5&zones=1&place=s0.0@m7", "m7 does not exist"),
    ] {
        let d = decode(link);
        assert_eq!(d.errors.len(), 1, "{link}: {:?}", d.errors);
        assert_eq!(d.errors[0].param, "place", "{link}");
        assert!(d.errors[0].message.contains(says), "{link}: {:?}", d.errors);
        assert!(d
            .scenario
            .setup::<SystemLab>()
            .place
            .iter()
            .all(|&m| m == BY_RULE));
    }
}
