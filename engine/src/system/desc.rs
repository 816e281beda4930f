//! The whole-system lab in the registry: its link keys, builder and measurements. The
//! scenario's `n` is the machine count; processes are the front (0), the apps, then each shard's
//! members; machine and zone faults are commands to the front (`cmd:0:crash-m:2`).

use super::faults::{with_chaos, MachineCmd};
use super::metrics::{measure, SystemMetrics};
use super::params::{
    fmt_place, parse_place, ReadMode, SystemParams, MAX_APPS, MAX_KEYS, MAX_MACHINES, MAX_RF,
    MAX_RPS, MAX_SHARDS, MAX_ZONES,
};
use super::run::SystemRun;
use crate::lab::{Lab, LabInfo};
use crate::lb::Strategy;
use crate::scenario::keys::{Conflict, Key, KeyError, KeyKind};
use crate::scenario::Scenario;
use crate::{choice_key, flag_key, int_key, ms_key};

/// The whole-system lab.
pub struct SystemLab;

const MS: u64 = 1_000;
const S: u64 = 1_000_000;

static KEYS: [Key<SystemParams>; 25] = [
    int_key!("zones", "zones (a–d)", zones: usize, 1, MAX_ZONES),
    int_key!("apps", "app replicas", apps: usize, 1, MAX_APPS),
    int_key!("shards", "shards on the ring", shards: usize, 1, MAX_SHARDS),
    int_key!("rf", "Raft members per shard", rf: usize, 1, MAX_RF),
    flag_key!("spread", "spread replicas across zones", spread),
    int_key!("vn", "virtual nodes per shard", vnodes: u32, 1, 1_000),
    choice_key!("lb", "balancer strategy", strategy, Strategy),
    flag_key!("hc", "balancer health checks", hc),
    ms_key!("hci", "health-check interval", hc_interval, 50 * MS, 60 * S),
    int_key!("fall", "failed checks to mark an app down", fall: u32, 1, 10),
    int_key!("rise", "good checks to bring it back", rise: u32, 1, 10),
    int_key!("rps", "requests per second", rps: u32, 0, MAX_RPS),
    int_key!("keys", "keys", keys: u32, 1, MAX_KEYS),
    int_key!("wr", "writes %", write_pct: u32, 0, 100),
    ms_key!("cto", "client timeout per attempt", cto, 10 * MS, 60 * S),
    int_key!("tries", "client attempts", tries: u32, 1, 10),
    ms_key!(
        "ato",
        "app timeout per try at a shard",
        ato,
        10 * MS,
        10 * S
    ),
    choice_key!("reads", "reads served by", reads, ReadMode),
    flag_key!("cq", "Raft check-quorum and leader stickiness", cq),
    ms_key!(
        "et",
        "Raft election timeout (min; max = 2×)",
        et,
        10 * MS,
        5 * S
    ),
    ms_key!("hb", "Raft heartbeat", hb, 5 * MS, 5 * S),
    int_key!("chaos", "chaos: faults per minute (0 = off)", chaos: u32, 0, 60),
    ms_key!("cat", "chaos starts at", chaos_at, 0, 600 * S),
    ms_key!("clen", "chaos lasts", chaos_len, S, 600 * S),
    Key {
        name: "place",
        help: "processes placed by hand, overriding the spread rule",
        kind: KeyKind::Text("PROCESS@mM,… (e.g. s0.1@m4,app2@m0)"),
        get: |p| fmt_place(&p.place),
        set: |p, v| {
            p.place = parse_place(v).map_err(KeyError::lab)?;
            Ok(())
        },
    },
];

impl Lab for SystemLab {
    const INFO: LabInfo = LabInfo {
        name: "system",
        title: "The whole system",
        summary: "The mechanisms meeting: clients, a load balancer with health checks, stateless \
                  app replicas, a consistent-hash ring of shards, each a Raft group — on machines \
                  in zones that crash. Follow a request hop by hop, watch a failure spread \
                  through the layers, and let a linearizability checker tell whether any client \
                  saw a stale read or lost a write.",
        nodes: (1, MAX_MACHINES),
        default_nodes: 9,
    };
    type Setup = SystemParams;
    type Run = SystemRun;
    type Metrics = SystemMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<SystemParams>] {
        &KEYS
    }
    fn conflicts(p: &SystemParams, nodes: usize) -> Vec<Conflict> {
        let mut out = Vec::new();
        if let Some(message) = p.place_problem(nodes) {
            out.push(Conflict {
                keys: &["place"],
                message,
            });
        }
        if p.zones > nodes {
            out.push(Conflict {
                keys: &["zones"],
                message: format!("{} zones need at least {} machines", p.zones, p.zones),
            });
        }
        out
    }
    fn fit(p: &mut SystemParams, nodes: &mut usize, _n_given: bool) {
        p.machines = *nodes;
        p.zones = p.zones.clamp(1, (*nodes).max(1));
    }
    fn processes(p: &SystemParams, _nodes: usize) -> usize {
        p.processes()
    }
    fn parse_command(
        _: &SystemParams,
        text: &str,
    ) -> Result<crate::command::Cmd, crate::command::CommandError> {
        text.parse::<MachineCmd>()
            .map(|c| crate::command::Cmd::new(super::SysCommand::Machine(c)))
            .map_err(crate::command::CommandError::new)
    }
    fn build(s: &Scenario) -> SystemRun {
        let mut p = s.setup::<SystemLab>();
        p.machines = s.nodes;
        SystemRun::new(&p, s.seed, s.net, &s.faults)
    }
    fn measure(run: &SystemRun) -> SystemMetrics {
        let mut m = measure(run.sim(), &run.p);
        let now = run.sim().now();
        m.timeline = with_chaos(&run.faults, &run.chaos)
            .into_iter()
            .filter(|(f, _)| f.at <= now)
            .map(|(f, chaos)| format!("{f}{}", if chaos { " (chaos)" } else { "" }))
            .collect();
        m
    }
    fn event_lines(run: &SystemRun) -> Vec<(u64, String)> {
        crate::lab::trace_lines(&run.hist)
    }
}
