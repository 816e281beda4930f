//! The simulator core, on a toy ping-pong node whose handlers log every call.

use crate::{assert_same_trace, lines};
use engine::net::{Latency, LinkState, NetConfig};
use engine::node::{NoCommands, Refused};
use engine::sim::{Ctx, DropReason, Node, Sim, What};
use engine::{Duration, Fault, History, NodeId, SimTime, TimedFault};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Ping(u32),
    Pong(u32),
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Ping(k) => write!(f, "ping {k}"),
            Msg::Pong(k) => write!(f, "pong {k}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tm {
    /// Send a ping to every target, then re-arm.
    Tick,
    /// A one-shot timer with a label.
    Once(u8),
}

impl fmt::Display for Tm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tm::Tick => f.write_str("tick"),
            Tm::Once(l) => write!(f, "once {l}"),
        }
    }
}

/// Pings `targets` every `every_ms` (first at `every_ms`), answers pings with pongs, and logs
/// every handler call so a test can see exactly what ran.
#[derive(Clone, Debug, Default)]
pub struct Toy {
    pub targets: Vec<NodeId>,
    pub every_ms: u64,
    /// One-shot timers armed at start: (label, after ms).
    pub once: Vec<(u8, u64)>,
    /// Pings sent since the last start (volatile).
    pub sent: u32,
    /// Every handler call (kept across restarts so the test can read it).
    pub log: Vec<String>,
}

impl Toy {
    fn pinger(targets: &[NodeId], every_ms: u64) -> Toy {
        Toy {
            targets: targets.to_vec(),
            every_ms,
            ..Toy::default()
        }
    }
}

/// The toy's commands: any text.
#[derive(Clone, Debug, PartialEq)]
pub struct Text(String);
impl engine::Command for Text {}
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::str::FromStr for Text {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Text, Self::Err> {
        Ok(Text(s.into()))
    }
}

impl Node for Toy {
    type Msg = Msg;
    type Shown = Msg;
    fn shown(msg: &Msg) -> Msg {
        msg.clone()
    }
    type Timer = Tm;
    type Command = Text;
    /// The toy takes no command: it refuses every text.
    type Refusal = NoCommands<Text>;

    fn on_command(&mut self, cmd: &Text, _ctx: &mut Ctx<Msg, Tm>) -> Result<(), NoCommands<Text>> {
        Err(NoCommands(cmd.clone()))
    }

    fn on_start(&mut self, ctx: &mut Ctx<Msg, Tm>) {
        self.log.push(format!("start@{}", ctx.now()));
        if !self.targets.is_empty() {
            ctx.set_timer(Tm::Tick, Duration::from_ms(self.every_ms));
        }
        for &(l, after) in &self.once {
            ctx.set_timer(Tm::Once(l), Duration::from_ms(after));
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Msg, Tm>) {
        self.log.push(format!("{msg} from {from}@{}", ctx.now()));
        if let Msg::Ping(k) = msg {
            ctx.send(from, Msg::Pong(k));
        }
    }

    fn on_timer(&mut self, timer: Tm, ctx: &mut Ctx<Msg, Tm>) {
        self.log.push(format!("{timer}@{}", ctx.now()));
        if timer == Tm::Tick {
            self.sent += 1;
            for &to in &self.targets {
                ctx.send(to, Msg::Ping(self.sent));
            }
            ctx.set_timer(Tm::Tick, Duration::from_ms(self.every_ms));
        }
    }

    fn on_restart(&mut self) {
        self.log.push("restart".into());
        self.sent = 0;
    }
}

/// Constant 10 ms latency, no loss: every time in these tests is predictable.
fn net10() -> NetConfig {
    NetConfig {
        latency: Latency::Constant(Duration::from_ms(10)),
        loss_ppm: 0,
        dup_ppm: 0,
    }
}

fn at(ms: u64, f: &str) -> TimedFault {
    TimedFault {
        at: SimTime::from_ms(ms),
        fault: Fault::parse_with(f, &engine::fault::commands_of::<Text>).expect("test fault"),
    }
}

fn faults(spec: &[(u64, &str)]) -> Vec<TimedFault> {
    spec.iter().map(|&(t, f)| at(t, f)).collect()
}

/// Runs to `ms` and returns the trace lines.
fn run_lines(sim: &mut Sim<Toy>, ms: u64) -> Vec<String> {
    let out = sim.run_until(SimTime::from_ms(ms), 1_000_000);
    assert!(!out.out_of_budget);
    lines(sim)
}

/// The trace lines from `from_ms` on (inclusive).
fn lines_from(sim: &Sim<Toy>, from_ms: u64) -> Vec<String> {
    sim.trace()
        .iter()
        .filter(|e| e.time >= SimTime::from_ms(from_ms))
        .map(|e| e.to_string())
        .collect()
}

/// Four nodes that all ping each other every 100 ms: many events share an instant.
fn busy(faults: Vec<TimedFault>) -> Sim<Toy> {
    let nodes = (0..4)
        .map(|i| Toy::pinger(&(0..4).filter(|&j| j != i).collect::<Vec<_>>(), 100))
        .collect();
    Sim::new(9, nodes, net10(), faults)
}

#[test]
fn step_processes_exactly_one_event() {
    let mut sim = busy(vec![]);
    let handler_calls = |s: &Sim<Toy>| s.nodes().iter().map(|n| n.log.len()).sum::<usize>();
    for k in 1..=300u64 {
        let before = handler_calls(&sim);
        let ev = sim.step().expect("the pingers never stop").clone();
        assert_eq!(ev.step, k);
        assert_eq!(sim.steps(), k);
        assert_eq!(sim.trace().len() as u64, k);
        // A delivery or a timer runs exactly one handler, once.
        assert!(matches!(ev.what, What::Deliver { .. } | What::Timer { .. }));
        assert_eq!(handler_calls(&sim), before + 1, "step {k}: {ev}");
    }
}

#[test]
fn events_run_in_time_then_sequence_order() {
    // Timers due at the same instant fire in the order they were armed, not in `Ord` order.
    let node = Toy {
        once: vec![(3, 5), (1, 5), (2, 5), (0, 2)],
        ..Toy::default()
    };
    let mut sim = Sim::new(1, vec![node], net10(), vec![]);
    assert_eq!(
        run_lines(&mut sim, 10),
        [
            "2ms node 0: once 0 timer",
            "5ms node 0: once 3 timer",
            "5ms node 0: once 1 timer",
            "5ms node 0: once 2 timer",
        ]
    );
    // And a busy run never goes back in time.
    let mut sim = busy(vec![]);
    sim.run_until(SimTime::from_ms(2_000), 1_000_000);
    assert!(sim.trace().windows(2).all(|w| w[0].time <= w[1].time));
    assert!(sim.trace().len() > 200);
}

#[test]
fn a_fault_at_time_t_follows_every_other_event_at_t() {
    // Node 0 pings node 1 at 100 ms (arrives at 110 ms). Crashes scheduled at exactly those
    // instants take effect after the tick and after the delivery.
    let nodes = vec![Toy::pinger(&[1], 100), Toy::default()];
    let mut sim = Sim::new(
        1,
        nodes,
        net10(),
        faults(&[(100, "crash:0"), (110, "crash:1")]),
    );
    assert_eq!(
        run_lines(&mut sim, 200),
        [
            "100ms node 0: tick timer",
            "100ms fault crash:0",
            "110ms 0→1 ping 1 (#1)",
            "110ms fault crash:1",
            "120ms 1→0 pong 1 (#2) dropped: receiver down",
        ]
    );
}

#[test]
fn a_crash_drops_messages_to_the_node_and_cancels_its_timers() {
    let mut pinged = Toy::pinger(&[0], 100);
    pinged.once = vec![(7, 300)];
    let nodes = vec![Toy::pinger(&[1], 100), pinged];
    let mut sim = Sim::new(1, nodes, net10(), faults(&[(250, "crash:1")]));
    sim.run_until(SimTime::from_ms(1_000), 1_000_000);
    assert!(!sim.is_up(1));
    let log_at_crash = sim.nodes()[1].log.clone();
    assert_eq!(
        log_at_crash.last().map(String::as_str),
        Some("pong 2 from 0@220ms")
    );
    let after: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| e.time > SimTime::from_ms(250))
        .collect();
    // No timer of node 1 ever fires again (its tick at 300 ms and its one-shot are cancelled).
    assert!(!after
        .iter()
        .any(|e| matches!(e.what, What::Timer { node: 1, .. })));
    // Every ping to node 1 after the crash is dropped on arrival, none delivered.
    let to_1: Vec<_> = after
        .iter()
        .filter_map(|e| match &e.what {
            What::Drop { to: 1, why, .. } => Some(*why),
            What::Deliver { to: 1, .. } => panic!("delivered to a crashed node: {e}"),
            _ => None,
        })
        .collect();
    assert_eq!(to_1, vec![DropReason::NodeDown; 7]); // pings 3..=9 (the 10th is on the wire)
    assert_eq!(sim.stats().dropped, 7);
    assert_eq!(sim.nodes()[1].log, log_at_crash);
}

#[test]
fn a_restart_calls_on_restart_then_on_start() {
    let nodes = vec![Toy::default(), Toy::pinger(&[0], 100)];
    let mut sim = Sim::new(
        1,
        nodes,
        net10(),
        faults(&[(250, "crash:1"), (420, "restart:1"), (430, "restart:1")]),
    );
    sim.run_until(SimTime::from_ms(600), 1_000_000);
    let log = &sim.nodes()[1].log;
    let k = log.iter().position(|l| l == "restart").expect("restarted");
    assert_eq!(log[k + 1], "start@420ms");
    // on_restart dropped the volatile counter: the pings start again from 1, 100 ms later.
    assert_eq!(log[k + 2], "tick@520ms");
    assert_eq!(log.iter().filter(|l| *l == "restart").count(), 1);
    let ls = lines_from(&sim, 420);
    assert_eq!(ls[0], "420ms fault restart:1");
    assert_eq!(
        ls[1], "430ms fault restart:1 · node 1 is already up",
        "{ls:#?}"
    );
    assert!(ls.contains(&"530ms 1→0 ping 1 (#5)".to_string()), "{ls:#?}");
    let life: Vec<_> = sim.life().iter().map(|e| (e.time, e.node, e.up)).collect();
    assert_eq!(
        life,
        [
            (SimTime::from_ms(250), 1, false),
            (SimTime::from_ms(420), 1, true)
        ]
    );
}

#[test]
fn a_partition_cuts_across_groups_and_heal_restores() {
    // Node 0 pings 1, 2 and 3. At 105 ms: {0,1} | {2}; node 3 is in no group, so it forms a
    // group of its own. Pings already on the wire across the cut are dropped on arrival; pings
    // sent across it are dropped at once; a heal at 305 ms lets everything through again.
    let nodes = vec![
        Toy::pinger(&[1, 2, 3], 100),
        Toy::default(),
        Toy::default(),
        Toy::default(),
    ];
    let mut sim = Sim::new(
        1,
        nodes,
        net10(),
        faults(&[(105, "partition:0.1|2"), (305, "heal")]),
    );
    sim.run_until(SimTime::from_ms(250), 1_000_000);
    let l = sim.links();
    for (a, b, s) in [
        (0, 1, LinkState::Up),
        (1, 0, LinkState::Up),
        (0, 2, LinkState::Cut),
        (2, 0, LinkState::Cut),
        (0, 3, LinkState::Cut),
        (2, 3, LinkState::Cut),
        (3, 2, LinkState::Cut),
    ] {
        assert_eq!(l.get(a, b), s, "{a}→{b}");
    }
    sim.run_until(SimTime::from_ms(420), 1_000_000);
    assert_eq!(
        lines_from(&sim, 100),
        [
            "100ms node 0: tick timer",
            "105ms fault partition:0.1|2",
            "110ms 0→1 ping 1 (#1)",
            "110ms 0→2 ping 1 (#2) dropped: link cut",
            "110ms 0→3 ping 1 (#3) dropped: link cut",
            "120ms 1→0 pong 1 (#4)",
            "200ms node 0: tick timer · 0→2 ping 2 dropped: link cut · 0→3 ping 2 dropped: link cut",
            "210ms 0→1 ping 2 (#5)",
            "220ms 1→0 pong 2 (#6)",
            "300ms node 0: tick timer · 0→2 ping 3 dropped: link cut · 0→3 ping 3 dropped: link cut",
            "305ms fault heal",
            "310ms 0→1 ping 3 (#7)",
            "320ms 1→0 pong 3 (#8)",
            "400ms node 0: tick timer",
            "410ms 0→1 ping 4 (#9)",
            "410ms 0→2 ping 4 (#10)",
            "410ms 0→3 ping 4 (#11)",
            "420ms 1→0 pong 4 (#12)",
            "420ms 2→0 pong 4 (#13)",
            "420ms 3→0 pong 4 (#14)",
        ]
    );
    assert!(sim.links().faulty().is_empty());
}

#[test]
fn nodes_left_out_of_a_partition_form_one_group() {
    let nodes = vec![Toy::default(); 5];
    let mut sim = Sim::new(1, nodes, net10(), faults(&[(1, "partition:0.1|2")]));
    sim.run_until(SimTime::from_ms(2), 10);
    let l = sim.links();
    assert_eq!(l.get(3, 4), LinkState::Up);
    assert_eq!(l.get(4, 3), LinkState::Up);
    for other in [0, 1, 2] {
        assert_eq!(l.get(3, other), LinkState::Cut);
        assert_eq!(l.get(other, 4), LinkState::Cut);
    }
    assert_eq!(l.get(2, 0), LinkState::Cut);
    assert_eq!(l.get(1, 0), LinkState::Up);
}

#[test]
fn isolate_cuts_every_link_of_one_node() {
    let nodes = vec![Toy::default(); 4];
    let mut sim = Sim::new(1, nodes, net10(), faults(&[(1, "isolate:2")]));
    sim.run_until(SimTime::from_ms(2), 10);
    let faulty = sim.links().faulty();
    let expect: Vec<_> = (0..4)
        .filter(|&j| j != 2)
        .flat_map(|j| [(2, j), (j, 2)])
        .collect();
    let mut got: Vec<_> = faulty
        .iter()
        .map(|&(a, b, s)| {
            assert_eq!(s, LinkState::Cut);
            (a, b)
        })
        .collect();
    got.sort_unstable();
    let mut expect = expect;
    expect.sort_unstable();
    assert_eq!(got, expect);
}

#[test]
fn cut_is_one_way() {
    // Both nodes ping each other; only 0→1 is cut.
    let nodes = vec![Toy::pinger(&[1], 100), Toy::pinger(&[0], 100)];
    let mut sim = Sim::new(1, nodes, net10(), faults(&[(50, "cut:0>1")]));
    sim.run_until(SimTime::from_ms(350), 1_000_000);
    let n0 = &sim.nodes()[0].log;
    let n1 = &sim.nodes()[1].log;
    // Node 0 hears node 1's pings; node 1 never hears node 0 (neither pings nor pongs).
    assert_eq!(n0.iter().filter(|l| l.starts_with("ping")).count(), 3);
    assert!(!n1
        .iter()
        .any(|l| l.starts_with("ping") || l.starts_with("pong")));
    assert_eq!(sim.links().get(0, 1), LinkState::Cut);
    assert_eq!(sim.links().get(1, 0), LinkState::Up);
    // 3 pings from 0 and 3 pongs from 0 were dropped at send.
    assert_eq!(sim.stats().dropped, 6);
}

#[test]
fn hold_parks_messages_until_release() {
    let nodes = vec![Toy::pinger(&[1], 100), Toy::default()];
    let mut sim = Sim::new(
        1,
        nodes,
        net10(),
        faults(&[(50, "hold:0>1"), (250, "release:0>1")]),
    );
    sim.run_until(SimTime::from_ms(240), 1_000_000);
    let held: Vec<_> = sim.in_flight().filter(|m| m.held).map(|m| m.id).collect();
    assert_eq!(held, [1, 2]);
    assert_eq!(sim.nodes()[1].log, ["start@0ms"]);
    sim.run_until(SimTime::from_ms(270), 1_000_000);
    assert_eq!(
        lines(&sim),
        [
            "50ms fault hold:0>1",
            "100ms node 0: tick timer",
            "110ms 0→1 ping 1 (#1) held at the link",
            "200ms node 0: tick timer",
            "210ms 0→1 ping 2 (#2) held at the link",
            "250ms fault release:0>1 · released 2 held message(s)",
            "250ms 0→1 ping 1 (#1)",
            "250ms 0→1 ping 2 (#2)",
            "260ms 1→0 pong 1 (#3)",
            "260ms 1→0 pong 2 (#4)",
        ]
    );
    assert_eq!(sim.links().get(0, 1), LinkState::Up);
}

#[test]
fn heal_releases_held_messages_too() {
    let nodes = vec![Toy::pinger(&[1], 100), Toy::default()];
    let mut sim = Sim::new(
        1,
        nodes,
        net10(),
        faults(&[(50, "hold:0>1"), (150, "heal")]),
    );
    let ls = run_lines(&mut sim, 150);
    assert_eq!(
        &ls[ls.len() - 2..],
        [
            "150ms fault heal · released 1 held message(s)",
            "150ms 0→1 ping 1 (#1)"
        ]
    );
}

// A held message parks off the wire while older messages are still on it (random latency);
// released, it is delivered like any other, and `in_flight` stays in id order throughout.
#[test]
fn released_messages_are_delivered_even_behind_older_ones_still_on_the_wire() {
    let net = NetConfig {
        latency: Latency::Uniform(Duration::from_ms(1), Duration::from_ms(30)),
        loss_ppm: 0,
        dup_ppm: 0,
    };
    let nodes = vec![
        Toy::pinger(&[1, 2, 3], 10),
        Toy::default(),
        Toy::default(),
        Toy::default(),
    ];
    let mut sim = Sim::new(3, nodes, net, faults(&[(100, "hold:0>1"), (200, "heal")]));
    while sim.now() < SimTime::from_ms(400) && sim.step().is_some() {
        let ids: Vec<u64> = sim.in_flight().map(|m| m.id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }
    let held: Vec<u64> = sim
        .trace()
        .iter()
        .filter_map(|e| match e.what {
            What::Hold { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert!(held.len() > 5);
    for id in held {
        let delivered = sim
            .trace()
            .iter()
            .any(|e| matches!(e.what, What::Deliver { id: d, .. } if d == id));
        assert!(delivered, "held message #{id} never delivered");
    }
}

#[test]
fn drop_removes_one_message_in_flight() {
    let nodes = vec![Toy::pinger(&[1], 100), Toy::default()];
    let mut sim = Sim::new(
        1,
        nodes,
        net10(),
        faults(&[(105, "drop:1"), (106, "drop:99")]),
    );
    assert_eq!(
        run_lines(&mut sim, 199),
        [
            "100ms node 0: tick timer",
            "105ms fault drop:1 · 0→1 ping 1 (#1) dropped",
            "106ms fault drop:99 · message #99 is not in flight",
        ]
    );
    assert_eq!(sim.stats().dropped, 1);
    assert_eq!(sim.in_flight().count(), 0);
}

#[test]
fn loss_and_duplication_follow_their_ppm() {
    // Node 0 pings node 1 every millisecond for 5 s: ~10 000 messages with the pongs.
    let run = |loss_ppm: u32, dup_ppm: u32| {
        let nodes = vec![Toy::pinger(&[1], 1), Toy::default()];
        let cfg = NetConfig {
            loss_ppm,
            dup_ppm,
            ..net10()
        };
        let mut sim = Sim::new(4, nodes, cfg, vec![]);
        sim.run_until(SimTime::from_ms(5_000), 1_000_000);
        sim.stats()
    };
    let s = run(300_000, 0);
    let lost = s.lost as f64 / s.sent as f64;
    assert!(s.sent > 7_000, "{s:?}");
    // 30 % ± 2 points (several standard deviations at this sample size).
    assert!((0.28..=0.32).contains(&lost), "lost {lost}: {s:?}");
    assert_eq!(s.duplicated, 0);

    let s = run(0, 200_000);
    let dup = s.duplicated as f64 / s.sent as f64;
    assert!((0.18..=0.22).contains(&dup), "dup {dup}: {s:?}");
    assert_eq!(s.lost, 0);
    // Copies that have arrived: every original and every duplicate, minus those still on the wire.
    let s_on_wire = {
        let nodes = vec![Toy::pinger(&[1], 1), Toy::default()];
        let cfg = NetConfig {
            dup_ppm: 200_000,
            ..net10()
        };
        let mut sim = Sim::new(4, nodes, cfg, vec![]);
        sim.run_until(SimTime::from_ms(5_000), 1_000_000);
        sim.in_flight().count() as u64
    };
    assert_eq!(s.delivered + s_on_wire, s.sent + s.duplicated);

    let s = run(0, 0);
    assert_eq!((s.lost, s.duplicated), (0, 0));
}

#[test]
fn run_until_respects_its_step_budget() {
    let mut sim = busy(vec![]);
    let out = sim.run_until(SimTime::from_ms(1_000), 5);
    assert_eq!(out.steps, 5);
    assert!(out.out_of_budget);
    assert_eq!(sim.steps(), 5);
    assert!(sim.now() < SimTime::from_ms(1_000));
    let out = sim.run_until(SimTime::from_ms(1_000), 1_000_000);
    assert!(!out.out_of_budget);
    assert!(out.steps > 100);
    // It reached the target: the clock is there, and nothing due at or before it is left.
    assert_eq!(sim.now(), SimTime::from_ms(1_000));
    assert!(sim.next_time().expect("more to come") > SimTime::from_ms(1_000));
    assert!(sim
        .trace()
        .iter()
        .any(|e| e.time == SimTime::from_ms(1_000)));
}

/// Live injection at every step position of a busy run equals a replay with the same fault in
/// the timeline at the same time — including in the middle of a group of same-instant events
/// and next to a timeline fault at that same instant.
#[test]
fn inject_equals_a_replay_of_the_same_fault_from_the_timeline() {
    let timeline = faults(&[(200, "heal")]);
    let mut mid_instant = 0;
    for k in 0..90u64 {
        let mut live = busy(timeline.clone());
        for _ in 0..k {
            live.step();
        }
        if live.next_time() == Some(live.now()) {
            mid_instant += 1;
        }
        let when = live.now();
        live.inject(Fault::Crash(2));
        assert!(
            live.trace()
                .last()
                .is_some_and(|e| e.what == What::Fault(Fault::Crash(2))),
            "k={k}: inject must end on the fault"
        );
        live.run_until(SimTime::from_ms(600), 1_000_000);

        let mut tl = timeline.clone();
        tl.push(TimedFault {
            at: when,
            fault: Fault::Crash(2),
        });
        tl.sort_by_key(|f| f.at);
        let mut replay = busy(tl);
        replay.run_until(SimTime::from_ms(600), 1_000_000);
        assert_same_trace(&live, &replay, &format!("k={k}"));
    }
    assert!(
        mid_instant > 10,
        "the sweep must cover same-instant positions"
    );
}

/// Everything a test can observe about a run, as text.
fn fingerprint(sim: &Sim<engine::heartbeat::HbNode>) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        sim.now(),
        sim.steps(),
        sim.nodes(),
        sim.in_flight().collect::<Vec<_>>(),
        sim.stats(),
        sim.life(),
        sim.violations(),
        sim.links().faulty(),
        sim.schedule(),
    )
}

fn hb_scenario() -> engine::scenario::Scenario {
    crate::scenario(
        "lab=heartbeat&v=1&seed=5&n=4&lat=10-15&loss=10&faults=700:crash:2;1500:restart:2;1800:partition:0.1|2.3.4;2600:heal",
    )
}

/// Stepping back (to a snapshot, then forward) lands on exactly the state of a fresh replay to
/// that step, on both sides of the 256-step snapshot boundaries.
#[test]
fn history_seek_and_step_back_equal_a_fresh_replay() {
    let s = hb_scenario();
    let mut h = History::new(s.build_heartbeat());
    assert_eq!(h.seek_step(800), 800);
    assert!(h.snapshot_count() >= 4, "snapshots at 0, 256, 512, 768");
    let fresh_at = |k: u64| {
        let mut sim = s.build_heartbeat();
        for _ in 0..k {
            sim.step().expect("the run goes on");
        }
        sim
    };
    for k in [799, 700, 513, 512, 511, 257, 256, 255, 1, 0, 300, 768, 767] {
        h.seek_step(k);
        let f = fresh_at(k);
        assert_same_trace(h.sim(), &f, &format!("seek {k}"));
        assert_eq!(fingerprint(h.sim()), fingerprint(&f), "seek {k}");
    }
    // step_back across a boundary, one event at a time.
    h.seek_step(258);
    for k in (250..258).rev() {
        assert!(h.step_back());
        let f = fresh_at(k);
        assert_eq!(fingerprint(h.sim()), fingerprint(&f), "step back to {k}");
        assert_same_trace(h.sim(), &f, &format!("step back to {k}"));
    }
    // And the future from a restored position is the same future.
    h.seek_step(255);
    h.seek_step(900);
    assert_same_trace(h.sim(), &fresh_at(900), "forward again to 900");
    h.seek_step(0);
    assert!(!h.step_back());
    assert_eq!(h.sim().steps(), 0);
}

/// Steps back in a row where the snapshots along the run are sparse (a small byte budget thins
/// them, and drops near snapshots first): each lands on a fresh replay's state and trace, the
/// snapshots prepared on the way (history.rs `prepare_below`) included, and none replays the
/// whole distance to an older snapshot at once.
#[test]
fn steps_back_in_a_row_under_a_small_budget_equal_a_fresh_replay() {
    let s = hb_scenario();
    for snaps in [6, 12] {
        let mut h = History::new(s.build_heartbeat());
        let one = h.sim().approx_bytes();
        h.set_snapshot_budget(one * snaps);
        let end = h.seek_step(3_000);
        assert_eq!(end, 3_000, "the run goes on");
        let mut fresh = s.build_heartbeat();
        let mut at = Vec::new();
        for k in 1..=end {
            fresh.step().expect("the run goes on");
            if k % 97 == 0 {
                at.push((k, fingerprint(&fresh)));
            }
        }
        // The first step back from the end replays from the latest snapshot, however far; the
        // next ones at most 256 events from a near one plus a share of preparing the next.
        assert!(h.step_back());
        let mut worst = 0;
        while let Some((k, want)) = at.pop() {
            while h.sim().steps() > k {
                let before = h.processed();
                assert!(h.step_back());
                worst = worst.max(h.processed() - before);
            }
            assert_eq!(
                fingerprint(h.sim()),
                want,
                "budget of {snaps} states: step back to {k}"
            );
        }
        let mut f = s.build_heartbeat();
        for _ in 0..h.sim().steps() {
            f.step().expect("the run goes on");
        }
        assert_same_trace(h.sim(), &f, &format!("budget of {snaps} states"));
        assert!(
            worst <= 512,
            "budget of {snaps} states: a step back in a row replayed {worst} events"
        );
    }
}

/// A seek back to a time after the current step's event, with the clock idled on past it (a
/// paused player), lands on that time — also when a snapshot sits exactly at the current step
/// (its clock is the event's, not the idled one).
#[test]
fn a_seek_back_into_the_idle_time_after_a_snapshot_moves_the_clock() {
    let s = hb_scenario();
    let mut h = History::new(s.build_heartbeat());
    assert_eq!(h.seek_step(512), 512, "a snapshot is taken at 512");
    let at = h.sim().now();
    let next = h.sim_mut().next_time().expect("the run goes on");
    assert!(next.0 > at.0 + 2, "an idle gap after event 512");
    let late = SimTime(next.0 - 1);
    assert!(h.sim_mut().advance_idle(late));
    assert_eq!(h.sim().now(), late);
    let mid = SimTime(at.0 + (next.0 - at.0) / 2);
    h.seek_time(mid, u64::MAX);
    assert_eq!((h.sim().steps(), h.sim().now()), (512, mid));
}

/// `History::inject` at step k equals rebuilding from a timeline that holds the fault at the
/// same time, and stepping back over the injection stays exact.
#[test]
fn history_inject_equals_a_rebuild_with_the_fault_in_the_timeline() {
    for k in [3u64, 255, 256, 400, 600] {
        let s = hb_scenario();
        let mut h = History::new(s.build_heartbeat());
        h.seek_step(k);
        let when = h.sim().now();
        h.inject(Fault::Isolate(3));
        let at_inject = h.sim().steps();
        let end = when.plus(engine::Duration::from_ms(1_500));
        h.run_until(end, 1_000_000);

        let mut s2 = s.clone();
        s2.faults.push(TimedFault {
            at: when,
            fault: Fault::Isolate(3),
        });
        s2.faults.sort_by_key(|f| f.at);
        let mut rebuilt = History::new(s2.build_heartbeat());
        rebuilt.run_until(end, 1_000_000);
        assert_same_trace(h.sim(), rebuilt.sim(), &format!("inject at step {k}"));
        assert_eq!(fingerprint(h.sim()), fingerprint(rebuilt.sim()));

        // Back over the injection and forward again: the kept snapshots know the fault.
        let last = h.sim().steps();
        h.seek_step(at_inject.saturating_sub(300));
        h.seek_step(at_inject - 1);
        h.seek_step(last);
        assert_same_trace(h.sim(), rebuilt.sim(), &format!("re-played {k}"));
    }
}

// `pause:N:MS` (a GC pause, SIGSTOP): the node handles nothing while paused — no message, no
// timer, so it sends nothing — and keeps its state; at the end it handles what came due, in
// arrival order, then goes on as before. Unlike a crash it loses nothing.
#[test]
fn a_paused_node_handles_nothing_then_everything_in_order_with_its_state() {
    let mut pinged = Toy::pinger(&[0], 100);
    pinged.once = vec![(7, 300)];
    let nodes = vec![Toy::pinger(&[1], 100), pinged];
    let mut sim = Sim::new(1, nodes, net10(), faults(&[(250, "pause:1:300")]));
    sim.run_until(SimTime::from_ms(549), 1_000_000);
    assert!(sim.is_paused(1));
    assert_eq!(sim.paused_until(1), Some(SimTime::from_ms(550)));
    let before = sim.nodes()[1].log.clone();
    assert_eq!(
        before.last().map(String::as_str),
        Some("pong 2 from 0@220ms")
    );
    // Nothing handled, nothing sent by node 1 during the pause; node 0 went on pinging.
    let during: Vec<_> = sim
        .trace()
        .iter()
        .filter(|e| e.time > SimTime::from_ms(250))
        .collect();
    assert!(!during.iter().any(|e| matches!(
        e.what,
        What::Timer { node: 1, .. } | What::Deliver { to: 1, .. } | What::Deliver { from: 1, .. }
    )));
    assert!(during
        .iter()
        .any(|e| matches!(e.what, What::Timer { node: 0, .. })));
    sim.run_until(SimTime::from_ms(560), 1_000_000);
    assert!(!sim.is_paused(1));
    // At 550 ms, in the order they came due: its one-shot (due at 300, armed at start), its tick
    // (due at 300, armed at 200), pings 3–5 (arrived at 310, 410, 510).
    let resumed: Vec<&str> = sim.nodes()[1].log[before.len()..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        resumed,
        [
            "once 7@550ms",
            "tick@550ms",
            "ping 3 from 0@550ms",
            "ping 4 from 0@550ms",
            "ping 5 from 0@550ms",
        ]
    );
    // Its state survived (a crash would have reset `sent` and logged a restart).
    assert_eq!(sim.nodes()[1].sent, 3);
    assert_eq!(sim.life(), &[]);
    assert_eq!(sim.pauses().len(), 1);
    assert_eq!(sim.pauses()[0].until, SimTime::from_ms(550));
}

// A command the node refuses, and one of another lab's type (only a test can inject one), are
// noted as refused with the reason's text; the reasons are typed values.
#[test]
fn refused_commands_are_noted_with_their_reason() {
    #[derive(Debug, PartialEq)]
    struct Other;
    impl engine::Command for Other {}
    impl fmt::Display for Other {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("other")
        }
    }
    let mut tl = faults(&[(100, "cmd:1:hello")]);
    tl.push(TimedFault {
        at: SimTime::from_ms(200),
        fault: Fault::command(0, Other),
    });
    let nodes = vec![Toy::default(), Toy::default()];
    let mut sim = Sim::new(1, nodes, net10(), tl);
    sim.run_until(SimTime::from_ms(300), 1_000_000);
    let notes = crate::note_texts(&sim);
    assert!(notes.contains(&"node 1 ignored 'hello': this lab has no command 'hello'".to_string()));
    assert!(
        notes.contains(&"node 0 ignored 'other': 'other' is not a command of this lab".to_string())
    );
    // The same words come from the typed values.
    let hello = Text("hello".into());
    assert_eq!(
        Toy::default().on_command(
            &hello,
            &mut Ctx::new(SimTime::ZERO, 1, 2, &mut engine::rng::Rng::new(1))
        ),
        Err(NoCommands(hello.clone()))
    );
    let refused: Refused<NoCommands<Text>> = Refused::OtherLab(engine::Cmd::new(Other));
    assert_eq!(refused.to_string(), "'other' is not a command of this lab");
}

#[test]
fn a_crash_ends_a_pause_and_a_second_pause_lengthens_it() {
    let nodes = vec![Toy::pinger(&[1], 100), Toy::pinger(&[0], 100)];
    let tl = faults(&[
        (150, "pause:1:200"),
        (200, "pause:1:50"),
        (250, "pause:1:300"),
        (300, "cmd:1:hello"),
        (400, "crash:1"),
        (450, "restart:1"),
    ]);
    let mut sim = Sim::new(1, nodes, net10(), tl);
    sim.run_until(SimTime::from_ms(399), 1_000_000);
    assert_eq!(sim.paused_until(1), Some(SimTime::from_ms(550)));
    assert_eq!(sim.pauses().len(), 1, "one pause, lengthened");
    let cmd = sim
        .trace()
        .iter()
        .find(|e| matches!(e.what, What::Fault(Fault::Command(..))))
        .expect("the command step");
    assert!(
        cmd.notes.iter().any(|n| n.contains("paused")),
        "{:?}",
        cmd.notes
    );
    sim.run_until(SimTime::from_ms(449), 1_000_000);
    assert!(!sim.is_paused(1) && !sim.is_up(1));
    assert_eq!(sim.pauses()[0].until, SimTime::from_ms(400));
    sim.run_until(SimTime::from_ms(600), 1_000_000);
    let log = &sim.nodes()[1].log;
    let restart = log.iter().position(|l| l == "restart").expect("restarted");
    // Before the crash it handled nothing after 150 ms; after the restart it runs normally.
    assert!(log[..restart].iter().all(|l| !l.ends_with("@400ms")));
    assert!(log[restart..].iter().any(|l| l.starts_with("tick@")));
}

// Pausing a down node does nothing; a pause replays exactly from a history (snapshots, step back).
#[test]
fn a_pause_replays_exactly_through_history() {
    let tl = faults(&[
        (120, "pause:2:333.5"),
        (130, "crash:3"),
        (140, "pause:3:10"),
    ]);
    let mut h = History::new(busy(tl.clone()));
    h.run_until(SimTime::from_ms(900), 1_000_000);
    let end = h.sim().steps();
    h.seek_step(end / 3);
    h.seek_step(end);
    let mut fresh = busy(tl);
    fresh.run_until(SimTime::from_ms(900), 1_000_000);
    assert_same_trace(h.sim(), &fresh, "pause through history");
    assert!(fresh.trace().iter().any(|e| e
        .notes
        .iter()
        .any(|n| n == "node 3 is down: nothing to pause")));
    assert_eq!(fresh.pauses().len(), 1);
}

// An invariant's local form (`Sim::add_local_invariant`) finds exactly the violations of its full
// check: two groups, {0, 1} and {2, 3}, with one pinger each (1 and 2); a group is broken while a
// member of it has sent 3 pings or more since it last started (a restart resets the count). Node 2
// breaks group 1, a restart mends it, node 1 then breaks group 0, and so on; the local form checks
// only the changed node's group.
#[test]
fn a_local_invariant_finds_what_the_full_check_finds() {
    fn group_of(i: NodeId) -> usize {
        i / 2
    }
    fn group_broken(sim: &Sim<Toy>, g: usize) -> Option<String> {
        (2 * g..2 * g + 2)
            .find(|&i| sim.nodes()[i].sent >= 3)
            .map(|i| format!("group {g}: node {i} sent {}", sim.nodes()[i].sent))
    }
    let full: engine::sim::Invariant<Toy> =
        ("few pings", |sim| (0..2).find_map(|g| group_broken(sim, g)));
    let build = |local: Option<engine::sim::Local<Toy>>| {
        let nodes = vec![
            Toy::default(),
            Toy::pinger(&[0], 25),
            Toy::pinger(&[3], 20),
            Toy::default(),
        ];
        let timeline = faults(&[
            (65, "crash:2"),
            (70, "restart:2"),
            (80, "crash:1"),
            (85, "restart:1"),
        ]);
        let mut sim = Sim::new(1, nodes, net10(), timeline);
        sim.set_fingerprint(|n| [n.sent as u64, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        match local {
            Some(l) => sim.add_local_invariant(full, l),
            None => sim.add_invariant(full),
        }
        sim
    };
    let run = |local| {
        let mut sim = build(local);
        let mut seen = Vec::new();
        while sim.now() < SimTime::from_ms(300) && sim.step().is_some() {
            seen.push((sim.violations().to_vec(), sim.invariant_status()));
        }
        seen
    };
    let reference = run(None);
    let found = reference.last().map_or(0, |(v, _)| v.len());
    assert!(
        found >= 3,
        "the groups break in turn: {:?}",
        reference.last()
    );
    assert_eq!(
        run(Some(|sim, i| group_broken(sim, group_of(i)))),
        reference
    );
    // A local form that looks at the wrong group misses violations: the test can fail.
    assert_ne!(
        run(Some(|sim, i| group_broken(sim, 1 - group_of(i)))),
        reference
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any mix of moves on a history that keeps a trace tail — loud and quiet steps, steps
    /// back, seeks by step and by time in either direction (a seek forward may start from a
    /// snapshot ahead), relogs — lands on a fresh replay's state and clock, and a relog then
    /// leaves a kept log that is the end of a fresh replay's, at least the tail long. (The tail
    /// is longer than the snapshots' spacing, so a seek forward that starts from a snapshot
    /// always leaves lines to rebuild.)
    #[test]
    fn moving_around_a_history_with_a_trace_tail_equals_a_fresh_replay(
        moves in proptest::collection::vec((0u8..6, 0u64..4_000), 1..14)
    ) {
        const TAIL: usize = 300;
        let s = hb_scenario();
        let mut h = History::new(s.build_heartbeat());
        h.keep_trace_tail(Some(TAIL));
        // Lines are missing since the last relog: quiet steps, or a seek forward that started
        // from a snapshot (it processed fewer events than it moved over).
        let mut gap = false;
        for (kind, arg) in moves {
            let (steps0, processed0) = (h.sim().steps(), h.processed());
            match kind {
                0 => { for _ in 0..arg % 700 { h.step(); } }
                1 => { for _ in 0..arg % 700 { h.step_quiet(); } }
                2 => { h.step_back(); }
                3 => { h.seek_step(arg % 2_500); }
                4 => { h.seek_time(SimTime::from_ms(arg), u64::MAX); }
                _ => h.relog(),
            }
            let mut fresh = s.build_heartbeat();
            for _ in 0..h.sim().steps() {
                fresh.step().expect("the run goes on");
            }
            fresh.advance_idle(h.sim().now());
            proptest::prop_assert_eq!(fingerprint(h.sim()), fingerprint(&fresh), "after move {} {}", kind, arg);
            let (steps1, moved) = (h.sim().steps(), h.processed() - processed0);
            gap |= steps1 > steps0 && (kind == 1 || moved < steps1 - steps0);
            let line = |e: &engine::sim::TraceEvent<_, _>| format!("#{} {e}", e.step);
            let all: Vec<String> = fresh.trace().iter().map(line).collect();
            let mut relogged = h.clone();
            relogged.relog();
            let mine: Vec<String> = relogged.sim().trace().iter().map(line).collect();
            proptest::prop_assert!(all.ends_with(&mine), "the kept log after move {} {}", kind, arg);
            if gap {
                // A relog rebuilds at least the tail (fewer lines are kept only after a step
                // back, by design).
                proptest::prop_assert!(
                    mine.len() >= TAIL.min(all.len()),
                    "after move {} {}: {} lines kept", kind, arg, mine.len()
                );
            }
            if kind == 5 {
                gap = false;
            }
        }
    }
}

/// Timers of [`Script`]: `Some(i)` one-shot, `None` the driver's tick.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tk(Option<u32>);

impl fmt::Display for Tk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

fn due_ms(i: u32) -> u64 {
    2 + (i as u64 * 7_919) % 500
}

/// One scripted timer operation: arm (or re-arm) timer `id` to fire after `ms`, or cancel it.
type Op = (bool, u16, u64);

/// Runs a script of timer operations, one batch per 1 ms tick of its driver timer (`Tk(None)`),
/// and logs every other timer that fires; `NUM` numbers its timers (a third in slots, the rest in
/// the numbered list) so both timer lists are exercised.
#[derive(Clone, Debug)]
struct Script<const NUM: bool> {
    ticks: Vec<Vec<Op>>,
    tick: usize,
    fired: Vec<(SimTime, u32)>,
}

fn script_number(t: &Tk) -> u128 {
    match t.0 {
        None => 0,
        Some(i) if i % 3 == 0 => 1 + i as u128,
        Some(i) => (1 << 80) + i as u128,
    }
}

impl<const NUM: bool> Node for Script<NUM> {
    type Msg = Msg;
    type Shown = Msg;
    fn shown(msg: &Msg) -> Msg {
        msg.clone()
    }
    type Timer = Tk;
    type Command = Text;
    type Refusal = NoCommands<Text>;
    const TIMER_NUMBER: Option<fn(&Tk) -> u128> = if NUM { Some(script_number) } else { None };

    fn on_command(&mut self, cmd: &Text, _ctx: &mut Ctx<Msg, Tk>) -> Result<(), NoCommands<Text>> {
        Err(NoCommands(cmd.clone()))
    }
    fn on_start(&mut self, ctx: &mut Ctx<Msg, Tk>) {
        ctx.set_timer(Tk(None), Duration::from_ms(1));
    }
    fn on_message(&mut self, _: NodeId, _: Msg, _: &mut Ctx<Msg, Tk>) {}
    fn on_timer(&mut self, timer: Tk, ctx: &mut Ctx<Msg, Tk>) {
        if let Some(i) = timer.0 {
            self.fired.push((ctx.now(), i));
            return;
        }
        for &(arm, id, ms) in &self.ticks[self.tick] {
            let t = Tk(Some(id as u32));
            if arm {
                ctx.set_timer(t, Duration::from_ms(ms));
            } else {
                ctx.cancel_timer(t);
            }
        }
        self.tick += 1;
        if self.tick < self.ticks.len() {
            ctx.set_timer(Tk(None), Duration::from_ms(1));
        }
    }
}

/// The script's firings by a plain model: every arming takes the next sequence number, and the
/// armed timer with the least `(due, seq)` fires next.
fn script_model(ticks: &[Vec<Op>]) -> Vec<(SimTime, u32)> {
    use std::collections::BTreeMap;
    let mut armed: BTreeMap<Option<u32>, (u64, u64)> = BTreeMap::new();
    let mut seq = 1;
    armed.insert(None, (1_000, seq));
    let (mut tick, mut fired) = (0, Vec::new());
    while let Some((&id, &(now, _))) = armed.iter().min_by_key(|(_, due)| **due) {
        armed.remove(&id);
        if let Some(i) = id {
            fired.push((SimTime(now), i));
            continue;
        }
        for &(arm, i, ms) in &ticks[tick] {
            if arm {
                seq += 1;
                armed.insert(Some(i as u32), (now + ms * 1_000, seq));
            } else {
                armed.remove(&Some(i as u32));
            }
        }
        tick += 1;
        if tick < ticks.len() {
            seq += 1;
            armed.insert(None, (now + 1_000, seq));
        }
    }
    fired
}

fn run_script<const NUM: bool>(ticks: &[Vec<Op>]) -> Vec<(SimTime, u32)> {
    let node = Script::<NUM> {
        ticks: ticks.to_vec(),
        tick: 0,
        fired: Vec::new(),
    };
    let mut sim = Sim::new(1, vec![node], net10(), Vec::new());
    while sim.advance() {}
    sim.nodes()[0].fired.clone()
}

/// Dropping the dead entries of cancelled timers from the queue all at once (once they are half
/// of it) changes nothing: 3 000 timers armed at the first tick, three in four cancelled and one
/// in eight re-armed later (its queued entry moves) at the second; the rest fire as the plain
/// model says, and the queue shrinks.
#[test]
fn cancelled_timers_leave_the_queue_and_the_rest_fire_in_order() {
    let n = 3_000u16;
    let arm: Vec<Op> = (0..n).map(|i| (true, i, due_ms(i as u32))).collect();
    let cancel: Vec<Op> = (0..n)
        .filter(|i| i % 4 != 0 || i % 8 == 0)
        .map(|i| (i % 8 == 0, i, due_ms(i as u32) + 3))
        .collect();
    let ticks = vec![arm, cancel];
    let node = Script::<false> {
        ticks: ticks.clone(),
        tick: 0,
        fired: Vec::new(),
    };
    let mut sim = Sim::new(1, vec![node], net10(), Vec::new());
    sim.step().expect("the arming tick");
    sim.step().expect("the cancelling tick");
    let full = sim.approx_bytes();
    sim.step().expect("a timer");
    assert!(
        sim.approx_bytes() + 2_000 * 16 < full,
        "the queue was compacted: {} → {} bytes",
        full,
        sim.approx_bytes()
    );
    while sim.step().is_some() {}
    assert_eq!(sim.nodes()[0].fired, script_model(&ticks));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::cases(48)))]

    /// Timers armed, re-armed (earlier or later) and cancelled at random, hundreds at a time —
    /// so re-armed entries move, cancelled ones pile up and the queue is compacted — fire exactly
    /// as a plain model says, whether the lab numbers its timers or not.
    #[test]
    fn timers_fire_as_a_plain_model_says(
        ticks in proptest::collection::vec(
            proptest::collection::vec((proptest::bool::weighted(0.45), 1..400u16, 1..400u64), 10..60),
            1..60,
        )
    ) {
        let want = script_model(&ticks);
        proptest::prop_assert_eq!(&run_script::<false>(&ticks), &want);
        proptest::prop_assert_eq!(&run_script::<true>(&ticks), &want);
    }
}
