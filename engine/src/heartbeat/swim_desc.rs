//! The SWIM lab in the registry (`lab=swim`): its settings, link keys, builder, measurements
//! and presets. The protocol is [`super::swim`]; the measurements [`super::swim_metrics`].

use super::swim::{new_sim, parse_command, SwimNode, SwimParams};
use super::swim_metrics::{measure, SwimMetrics};
use crate::history::History;
use crate::lab::{Lab, LabInfo, LabKind};
use crate::scenario::keys::{Conflict, Key};
use crate::scenario::{Preset, Scenario};
use crate::{flag_key, int_key, ms_key};

/// The SWIM gossip-membership lab.
pub struct SwimLab;

/// The longest time a key takes, µs (10 s: fifty default protocol periods).
const MAX_US: u64 = 10_000_000;

static KEYS: [Key<SwimParams>; 14] = [
    ms_key!("tp", "protocol period T′", period, 20_000, MAX_US),
    ms_key!(
        "pto",
        "probe timeout (direct ack) before ping-req",
        probe_timeout,
        1000,
        MAX_US
    ),
    int_key!("k", "indirect probes (ping-req relays)", indirect: usize, 0, 10),
    int_key!(
        "smult",
        "suspicion timeout = smult × max(1, log10 n) × T′",
        suspicion_mult: u32,
        1,
        20
    ),
    int_key!(
        "smax",
        "Lifeguard: longest suspicion = smax × the shortest",
        suspicion_max_mult: u32,
        1,
        20
    ),
    int_key!(
        "rmult",
        "each update is sent rmult × ⌈log10(n + 1)⌉ times (λ)",
        retransmit_mult: u32,
        1,
        20
    ),
    int_key!("piggy", "updates per message at most", max_piggyback: usize, 1, 64),
    ms_key!(
        "gint",
        "gossip round interval",
        gossip_interval,
        10_000,
        MAX_US
    ),
    int_key!(
        "gn",
        "members per gossip round (0: piggyback only, as in the paper)",
        gossip_nodes: usize,
        0,
        10
    ),
    ms_key!(
        "sync",
        "anti-entropy exchange interval (0: never)",
        sync_interval,
        0,
        60_000_000
    ),
    int_key!("amax", "Lifeguard: local health ceiling", awareness_max: u32, 1, 20),
    flag_key!("lhm", "Lifeguard: local health multiplier and nacks", lhm),
    flag_key!("dyn", "Lifeguard: dynamic suspicion timeout", dynamic),
    flag_key!(
        "buddy",
        "Lifeguard: buddy system (a probe tells the suspect)",
        buddy
    ),
];

impl Lab for SwimLab {
    const INFO: LabInfo = LabInfo {
        name: "swim",
        title: "SWIM gossip membership",
        summary: "No monitor: every member pings a random member each protocol period, asks \
                  others to ping it indirectly when it stays silent, suspects it, and gossips \
                  the verdict (as Consul and Serf do with HashiCorp memberlist). See how a \
                  crash is detected and spread, how a slow member accuses healthy ones, and \
                  how Lifeguard's local health stops it.",
        nodes: (2, 200),
        default_nodes: 8,
    };
    type Setup = SwimParams;
    type Run = History<SwimNode>;
    type Metrics = SwimMetrics;

    const PRESETS: &'static [Preset] = PRESETS;

    fn keys() -> &'static [Key<SwimParams>] {
        &KEYS
    }
    fn conflicts(p: &SwimParams, _nodes: usize) -> Vec<Conflict> {
        let mut out = Vec::new();
        if p.probe_timeout >= p.period {
            out.push(Conflict {
                keys: &["pto", "tp"],
                message: format!(
                    "the probe timeout {} must be shorter than the protocol period {}",
                    p.probe_timeout, p.period
                ),
            });
        }
        if p.sync_interval.as_us() > 0 && p.sync_interval < p.period {
            out.push(Conflict {
                keys: &["sync", "tp"],
                message: format!(
                    "the anti-entropy interval {} must be 0 (never) or at least the protocol \
                     period {}",
                    p.sync_interval, p.period
                ),
            });
        }
        out
    }
    fn processes(_p: &SwimParams, nodes: usize) -> usize {
        nodes
    }
    fn parse_command(
        _: &SwimParams,
        text: &str,
    ) -> Result<crate::command::Cmd, crate::command::CommandError> {
        parse_command(text)
            .map(crate::command::Cmd::new)
            .map_err(crate::command::CommandError::new)
    }
    fn build(s: &Scenario) -> Self::Run {
        History::new(new_sim(
            s.seed,
            &s.setup::<SwimLab>(),
            s.nodes,
            s.net,
            s.faults.clone(),
        ))
    }
    fn event_lines(run: &Self::Run) -> Vec<(u64, String)> {
        crate::lab::trace_lines(run)
    }
    fn measure(run: &Self::Run) -> SwimMetrics {
        measure(run.sim())
    }
}

/// The SWIM lab's presets, in menu order (tests/it/swim.rs checks what each lesson says).
pub const PRESETS: &[Preset] = &[
    Preset {
        id: "swim-crash",
        lab: LabKind::Swim,
        title: "A member crashes: detected, then gossiped",
        lesson: "Member 3 crashes at 2 s. About 200 ms later a member's ping gets no ack, nor do \
                 its three ping-reqs: it suspects 3 and gossips the suspicion. Nobody can refute \
                 it, so 1 s after the crash 3 is declared dead, and 45 ms later every survivor \
                 has it dead (full dissemination). Click a member to see its view.",
        query: "lab=swim&v=1&seed=1&n=8&faults=2000:crash:3&t=5000",
    },
    Preset {
        id: "swim-slow",
        lab: LabKind::Swim,
        title: "A slow member, without Lifeguard",
        lesson: "Member 4 handles every message 800 ms late (an overloaded process) from 1 s. \
                 Its own probes time out, so it suspects healthy members and declares them dead: \
                 60 false positives about healthy members by 15 s, and about 620 false \
                 suspicions. Member 4 itself is declared dead again and again (it cannot ack in \
                 time) and refutes each time.",
        query: "lab=swim&v=1&seed=1&n=10&lhm=0&dyn=0&buddy=0&faults=1000:cmd:4:slow:800&t=15000",
    },
    Preset {
        id: "swim-slow-lifeguard",
        lab: LabKind::Swim,
        title: "A slow member, with Lifeguard",
        lesson: "The same slow member with Lifeguard on. Missing nacks and refutations raise its \
                 local health score to 6–7, stretching its probe timeout and period: it stops \
                 accusing others and no healthy member is declared dead (about 130 false \
                 suspicions). Member 4 itself is still declared dead: Lifeguard protects the \
                 members a slow one accuses, not the slow one.",
        query: "lab=swim&v=1&seed=1&n=10&faults=1000:cmd:4:slow:800&t=15000",
    },
    Preset {
        id: "swim-partition",
        lab: LabKind::Swim,
        title: "A partition seen from both sides",
        lesson: "At 1 s the group splits into 0–3 and 4–7 and each side declares the other dead, \
                 so by majority every member shows dead (four of its seven peers say so). Click 0, \
                 then 5: each sees its own half alive. Play on: after the heal at 8 s nobody probes \
                 the dead; the anti-entropy exchange (every 6 s) carries 'you are dead' across, the \
                 accused refute with a higher incarnation and the group merges.",
        query: "lab=swim&v=1&seed=1&n=8&faults=1000:partition:0.1.2.3|4.5.6.7;8000:heal&t=7000",
    },
    Preset {
        id: "swim-loss",
        lab: LabKind::Swim,
        title: "20 % message loss",
        lesson:
            "One message in five is lost. A ping or its ack goes missing now and then, but the \
                 ping-reqs through three other members usually get through: by 20 s there are \
                 about 240 suspicions of live members, each refuted by a higher incarnation, and \
                 only 3 false deaths. Set k=0 (no indirect probes): the suspicions about double.",
        query: "lab=swim&v=1&seed=1&n=8&loss=20&t=20000",
    },
    Preset {
        id: "swim-large",
        lab: LabKind::Swim,
        title: "100 members: dissemination grows like log n",
        lesson: "Member 3 of 100 crashes at 2 s. It is suspected as fast as in a group of 8, but \
                 the suspicion lasts longer (4 × log10 100 × T′ = 1.6 s) and the verdict takes \
                 about 130 ms to reach all 99 survivors. Before the crash each member sent about \
                 10 messages a second, as in a group of 8. The sweep below goes to 200.",
        query: "lab=swim&v=1&seed=1&n=100&faults=2000:crash:3&t=6000",
    },
];
