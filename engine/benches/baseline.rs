//! The yardstick: a bare discrete-event loop with the same shape of work as the Raft bench
//! (a binary heap ordered by `(time, seq)`, 5 nodes, randomized election-like timers, a leader
//! heartbeating every 50 ms, 10–15 ms message latency, a response to every message, and a client
//! request every 10 ms), but no protocol, no trace, no invariants. Issue 11 measures the engine
//! against it: "within 2.5× of a bare event loop".
//!
//! Beside it, the same shape of work run through the simulator as a tiny lab ([`floor`]: queue,
//! timer table, effects and trace, no protocol, no invariants): the simulator's own floor, what
//! no lab can beat.
//!
//! `cargo bench -p engine --bench baseline`; the Raft bench (`--bench raft`) runs the same group
//! in its own criterion run (group `baseline`) so the numbers are taken side by side.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::rng::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

/// Simulated time of one run, in µs (the Raft bench's 5 s).
pub const RUN_US: u64 = 5_000_000;
/// Nodes in the loop.
pub const NODES: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A message `(from, to, is_response)`.
    Msg(u8, u8, bool),
    /// A node's timer: election (followers) or heartbeat (the leader), with its generation.
    Timer(u8, u32),
    /// A client request at the leader.
    Client,
}

/// Runs the bare loop for [`RUN_US`] of simulated time; returns the events processed.
pub fn bare_loop(seed: u64) -> u64 {
    let mut rng = Rng::new(seed);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut gen = [0u32; NODES];
    let mut state = [0u64; NODES];
    let leader = 0u8;
    let mut push = |heap: &mut BinaryHeap<Reverse<(u64, u64, Ev)>>, t: u64, e: Ev| {
        seq += 1;
        heap.push(Reverse((t, seq, e)));
    };
    for i in 0..NODES as u8 {
        let d = if i == leader {
            50_000
        } else {
            rng.range_inclusive(150_000, 300_000)
        };
        push(&mut heap, d, Ev::Timer(i, 0));
    }
    push(&mut heap, 10_000, Ev::Client);
    let mut events = 0u64;
    while let Some(Reverse((now, _, ev))) = heap.pop() {
        if now > RUN_US {
            break;
        }
        events += 1;
        match ev {
            Ev::Msg(from, to, resp) => {
                state[to as usize] = state[to as usize].wrapping_mul(31).wrapping_add(now);
                if !resp {
                    // A follower answers and resets its election timer.
                    let lat = rng.range_inclusive(10_000, 15_000);
                    push(&mut heap, now + lat, Ev::Msg(to, from, true));
                    let g = &mut gen[to as usize];
                    *g += 1;
                    let d = rng.range_inclusive(150_000, 300_000);
                    let g = *g;
                    push(&mut heap, now + d, Ev::Timer(to, g));
                }
            }
            Ev::Timer(node, g) => {
                if g != gen[node as usize] {
                    continue; // re-armed: a stale entry
                }
                if node == leader {
                    for to in 0..NODES as u8 {
                        if to != leader {
                            let lat = rng.range_inclusive(10_000, 15_000);
                            push(&mut heap, now + lat, Ev::Msg(leader, to, false));
                        }
                    }
                    gen[node as usize] += 1;
                    let g = gen[node as usize];
                    push(&mut heap, now + 50_000, Ev::Timer(node, g));
                }
            }
            Ev::Client => {
                for to in 0..NODES as u8 {
                    if to != leader {
                        let lat = rng.range_inclusive(10_000, 15_000);
                        push(&mut heap, now + lat, Ev::Msg(leader, to, false));
                    }
                }
                push(&mut heap, now + 10_000, Ev::Client);
            }
        }
    }
    black_box(state);
    events
}

/// The baseline group: bare-loop events per second, and the same shape of work through the
/// simulator ([`floor`]; its own event count: the bare loop also counts the stale timer entries
/// it pops, which the simulator drops unseen).
pub fn baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    g.throughput(Throughput::Elements(bare_loop(7)));
    g.bench_function("bare_event_loop_5_nodes", |b| {
        b.iter(|| black_box(bare_loop(black_box(7))))
    });
    g.throughput(Throughput::Elements(floor(RUN_US / 1000, false)));
    g.bench_function("sim_floor_5_nodes", |b| {
        b.iter(|| black_box(floor(black_box(RUN_US / 1000), false)))
    });
    g.finish();
}

/// The bare loop's shape as a lab: 5 nodes, node 0 heartbeating the
/// others every 50 ms and sending them a client request's message every 10 ms, each follower
/// answering every message and re-arming a 150–300 ms election timer, 10–15 ms latency — through
/// the simulator (the queue, the timer table, the trace, effects), with no protocol and no
/// invariants: the engine's floor, to set the labs' speeds against.
pub fn floor(run_ms: u64, tail: bool) -> u64 {
    use engine::net::NetConfig;
    use engine::sim::Sim;
    let nodes = (0..NODES).map(|id| shape::Shape { id, state: 0 }).collect();
    let mut sim = Sim::new(7, nodes, NetConfig::default(), Vec::new());
    if tail {
        sim.keep_trace_tail(Some(1_000));
    }
    sim.run_until(engine::SimTime::from_ms(run_ms), u64::MAX);
    sim.steps()
}

mod shape {
    use super::NODES;
    use engine::command::NoCommand;
    use engine::sim::{Ctx, Node};
    use engine::{Duration, NodeId};
    use std::fmt;

    #[derive(Clone, Debug)]
    pub struct Shape {
        pub id: NodeId,
        pub state: u64,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Msg {
        Beat,
        Reply,
    }

    impl fmt::Display for Msg {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                Msg::Beat => "beat",
                Msg::Reply => "reply",
            })
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Timer {
        Election,
        Heartbeat,
        Client,
    }

    impl fmt::Display for Timer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{self:?}")
        }
    }

    impl Shape {
        fn to_followers(&self, ctx: &mut Ctx<Msg, Timer>) {
            for to in 1..NODES {
                ctx.send(to, Msg::Beat);
            }
        }
    }

    impl Node for Shape {
        type Msg = Msg;
        type Shown = Msg;
        fn shown(msg: &Msg) -> Msg {
            *msg
        }
        type Timer = Timer;
        type Command = NoCommand;
        type Refusal = NoCommand;

        fn on_start(&mut self, ctx: &mut Ctx<Msg, Timer>) {
            if self.id == 0 {
                ctx.set_timer(Timer::Heartbeat, Duration::from_ms(50));
                ctx.set_timer(Timer::Client, Duration::from_ms(10));
            } else {
                let d = ctx.rng().range_inclusive(150_000, 300_000);
                ctx.set_timer(Timer::Election, Duration(d));
            }
        }

        fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Msg, Timer>) {
            self.state = self.state.wrapping_mul(31).wrapping_add(ctx.now().0);
            if msg == Msg::Beat {
                ctx.send(from, Msg::Reply);
                let d = ctx.rng().range_inclusive(150_000, 300_000);
                ctx.set_timer(Timer::Election, Duration(d));
            }
        }

        fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Msg, Timer>) {
            match timer {
                Timer::Heartbeat => {
                    self.to_followers(ctx);
                    ctx.set_timer(Timer::Heartbeat, Duration::from_ms(50));
                }
                Timer::Client => {
                    self.to_followers(ctx);
                    ctx.set_timer(Timer::Client, Duration::from_ms(10));
                }
                Timer::Election => {}
            }
        }

        fn on_command(
            &mut self,
            cmd: &NoCommand,
            _: &mut Ctx<Msg, Timer>,
        ) -> Result<(), NoCommand> {
            match *cmd {}
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = baseline
}
criterion_main!(benches);
