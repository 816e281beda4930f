//! A scenario: everything needed to replay a run exactly — lab, seed, size, network, lab
//! parameters, the fault timeline and the position. It lives in the page's URL query.

mod codec;
pub mod lb_keys;
mod presets;

pub use codec::{
    check_fault, decode, encode, parse_fault_for, with_param, Decoded, ParamError, MAX_PARAM_LEN,
    RAFT_BUGS,
};
pub use presets::{presets, Preset};

use crate::fault::TimedFault;
use crate::heartbeat::{self, HbNode, HbParams};
use crate::history::History;
use crate::net::NetConfig;
use crate::raft::{self, RaftNode, RaftParams};
use crate::ring::{RingParams, RingRun};
use crate::sim::Sim;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// The labs. Each has a page, a link form and a headless runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LabKind {
    /// Heartbeat failure detection and failover.
    Heartbeat,
    /// Raft: elections, log replication, failover.
    Raft,
    /// Consistent hashing: rings, virtual nodes, rebalancing, alternatives.
    Ring,
    /// Load balancing: strategies, health checks, retries under live traffic.
    Lb,
}

impl LabKind {
    /// Every lab, in menu order.
    pub const ALL: [LabKind; 4] = [
        LabKind::Raft,
        LabKind::Ring,
        LabKind::Lb,
        LabKind::Heartbeat,
    ];

    /// The link name (`lab=heartbeat`).
    pub fn as_str(self) -> &'static str {
        match self {
            LabKind::Heartbeat => "heartbeat",
            LabKind::Raft => "raft",
            LabKind::Ring => "ring",
            LabKind::Lb => "lb",
        }
    }
    /// Parses a link name.
    pub fn parse(s: &str) -> Option<LabKind> {
        LabKind::ALL.into_iter().find(|l| l.as_str() == s)
    }
    /// Human title.
    pub fn title(self) -> &'static str {
        match self {
            LabKind::Heartbeat => "Heartbeats, failure detection & failover",
            LabKind::Raft => "Raft: leader election & log replication",
            LabKind::Ring => "Consistent hashing: rings, virtual nodes & rebalancing",
            LabKind::Lb => "Load balancing: strategies, health checks & retries",
        }
    }
    /// One-paragraph summary for the home page.
    pub fn summary(self) -> &'static str {
        match self {
            LabKind::Raft => {
                "Raft exactly as in the paper's Figure 2: randomized election timeouts, votes with the \
                 up-to-date check, log replication and repair, the commit rule of §5.4.2. Crash the \
                 leader, split the cluster, send client requests, and watch the five safety \
                 invariants hold — or trip them with a buggy Raft."
            }
            LabKind::Ring => {
                "Place nodes and keys on a hash ring with virtual nodes, then add, remove or fail \
                 nodes and watch exactly which keys move. Live load statistics against the known \
                 laws, and the alternatives — mod-N, jump hash, rendezvous, Maglev, bounded loads — \
                 on the same keys."
            }
            LabKind::Lb => {
                "Poisson traffic through a load balancer to backends with queues. Slow one down and \
                 see why least-connections and power-of-two-choices beat round-robin; crash one and \
                 see how health checks bound the damage; switch retries on and watch a retry storm. \
                 Live latency percentiles, and two strategies compared on identical traffic."
            }
            LabKind::Heartbeat => {
                "Workers heartbeat a monitor. Compare a fixed-timeout detector with phi accrual: \
                 how fast a crash is detected, how often a live node is wrongly suspected under \
                 loss and latency, and how failover promotes a backup — with epochs fencing a \
                 stale primary."
            }
        }
    }
    /// Allowed node counts (for the heartbeat lab: workers, besides the monitor).
    pub fn node_range(self) -> (usize, usize) {
        match self {
            LabKind::Heartbeat => (1, 50),
            LabKind::Raft => (1, crate::raft::MAX_SERVERS),
            LabKind::Ring => (1, crate::ring::MAX_NODES),
            LabKind::Lb => (1, crate::lb::MAX_BACKENDS),
        }
    }
    /// Checks the text of a `cmd:` fault for this lab (commands are lab-specific).
    pub fn check_command(self, text: &str) -> Result<(), String> {
        match self {
            LabKind::Raft => crate::raft::parse_command(text).map(|_| ()),
            LabKind::Lb => crate::lb::parse_command(text).map(|_| ()),
            LabKind::Ring => crate::ring::RingOp::parse(text)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            LabKind::Heartbeat => Err(format!(
                "the heartbeat lab has no commands ('{}')",
                crate::clip(text)
            )),
        }
    }
    /// Default node count.
    pub fn default_nodes(self) -> usize {
        match self {
            LabKind::Heartbeat => 5,
            LabKind::Raft => 5,
            LabKind::Ring => 5,
            LabKind::Lb => 5,
        }
    }
}

/// Lab-specific parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabParams {
    /// Heartbeat lab.
    Heartbeat(HbParams),
    /// Raft lab.
    Raft(RaftSetup),
    /// Ring lab (its `seed` and `nodes` are the scenario's).
    Ring(RingParams),
    /// Load-balancer lab.
    Lb(LbSetup),
}

/// Load-balancer settings: the lab's parameters and each backend's weight and speed (`be=2@50,1,1`;
/// empty = all weight 1, speed 100 %).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbSetup {
    /// Parameters.
    pub params: crate::lb::LbParams,
    /// Per-backend weight and speed (as many as the scenario's backends, or empty).
    pub backends: Vec<crate::lb::BackendSpec>,
    /// Compare mode: a second strategy fed the identical request stream (`cmp=p2c`).
    pub compare: Option<crate::lb::Strategy>,
}

/// Raft-lab settings: the protocol's parameters and the spare servers available to `add:ID`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftSetup {
    /// Protocol parameters.
    pub params: RaftParams,
    /// Server slots beyond the initial members (they can join with `add:ID`) [0].
    pub spare: usize,
}

/// Where in the run the link points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Simulated time (`t`, ms in the link).
    pub time: SimTime,
    /// Exact number of processed events (`step`); takes precedence over `time` for replay.
    pub step: Option<u64>,
}

/// The largest position a link may ask for (10 minutes of simulated time).
pub const MAX_TIME_MS: u64 = 600_000;
/// The most events a link may ask to replay.
pub const MAX_STEPS: u64 = 1_000_000;

/// A complete, replayable scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Which lab.
    pub lab: LabKind,
    /// The run's seed [1].
    pub seed: u64,
    /// Number of nodes (heartbeat: workers) [5].
    pub nodes: usize,
    /// Network settings.
    pub net: NetConfig,
    /// Lab parameters.
    pub params: LabParams,
    /// The fault timeline (sorted by time).
    pub faults: Vec<TimedFault>,
    /// The position in the run.
    pub pos: Position,
}

/// Default seed.
pub const DEFAULT_SEED: u64 = 1;

impl Scenario {
    /// The defaults of `lab`.
    pub fn default_for(lab: LabKind) -> Scenario {
        Scenario {
            lab,
            seed: DEFAULT_SEED,
            nodes: lab.default_nodes(),
            net: NetConfig::default(),
            params: match lab {
                LabKind::Heartbeat => LabParams::Heartbeat(HbParams::default()),
                LabKind::Raft => LabParams::Raft(RaftSetup::default()),
                LabKind::Ring => LabParams::Ring(RingParams::default()),
                LabKind::Lb => LabParams::Lb(LbSetup::default()),
            },
            faults: Vec::new(),
            pos: Position::default(),
        }
    }

    /// Checks every field against the limits a link must respect (a scenario built in code or
    /// read from JSON has not been through [`decode`]). The errors are the ones a link with these
    /// values would show.
    pub fn validate(&self) -> Result<(), Vec<ParamError>> {
        let d = decode(&encode(self));
        if d.errors.is_empty() && d.scenario == *self {
            return Ok(());
        }
        let mut errors = d.errors;
        if errors.is_empty() {
            errors.push(ParamError {
                param: "scenario".into(),
                message: "has values a link cannot express (e.g. unsorted faults)".into(),
            });
        }
        Err(errors)
    }

    /// Heartbeat parameters (defaults if this is another lab).
    pub fn hb_params(&self) -> HbParams {
        match &self.params {
            LabParams::Heartbeat(p) => *p,
            _ => HbParams::default(),
        }
    }

    /// Raft settings (defaults if this is another lab).
    pub fn raft_setup(&self) -> RaftSetup {
        match &self.params {
            LabParams::Raft(r) => *r,
            _ => RaftSetup::default(),
        }
    }

    /// Load-balancer settings (defaults for another lab), with one spec per backend.
    pub fn lb_setup(&self) -> LbSetup {
        let mut s = match &self.params {
            LabParams::Lb(s) => s.clone(),
            _ => LbSetup::default(),
        };
        if s.backends.len() != self.nodes {
            s.backends = crate::lb::BackendSpec::uniform(self.nodes);
        }
        s
    }

    /// Builds the load-balancer simulation at step 0.
    pub fn build_lb(&self) -> Sim<crate::lb::LbNode> {
        let s = self.lb_setup();
        crate::lb::new_sim(
            self.seed,
            &s.params,
            &s.backends,
            self.net,
            self.faults.clone(),
        )
    }

    /// Ring parameters with the scenario's seed and node count (defaults for another lab).
    pub fn ring_params(&self) -> RingParams {
        let mut p = match &self.params {
            LabParams::Ring(p) => p.clone(),
            _ => RingParams::default(),
        };
        p.seed = self.seed;
        p.nodes = self.nodes;
        p
    }

    /// Builds the ring run at position 0 (falls back to the defaults if the parameters are
    /// out of range, which a decoded link never is).
    pub fn build_ring(&self) -> RingRun {
        RingRun::new(self.ring_params(), &self.faults)
            .or_else(|_| RingRun::new(RingParams::default(), &[]))
            .expect("the default ring parameters are valid")
    }

    /// Total simulated processes (heartbeat: workers + the monitor).
    pub fn process_count(&self) -> usize {
        match self.lab {
            LabKind::Heartbeat => self.nodes + 1,
            LabKind::Raft => (self.nodes + self.raft_setup().spare).min(crate::raft::MAX_SERVERS),
            // Ring operations are commands to the ring itself, "process" 0.
            LabKind::Ring => 1,
            // The clients, the balancer, then the backends.
            LabKind::Lb => self.nodes + 2,
        }
    }

    /// Builds the heartbeat simulation at step 0.
    pub fn build_heartbeat(&self) -> Sim<HbNode> {
        let p = self.hb_params();
        let mut sim = Sim::new(
            self.seed,
            heartbeat::nodes(&p, self.nodes),
            self.net,
            self.faults.clone(),
        );
        sim.add_invariant(("one primary per epoch", heartbeat::one_primary_per_epoch));
        sim
    }

    /// Builds the Raft simulation at step 0.
    pub fn build_raft(&self) -> Sim<RaftNode> {
        let r = self.raft_setup();
        raft::new_sim(
            self.seed,
            &r.params,
            self.nodes,
            self.process_count(),
            self.net,
            self.faults.clone(),
        )
    }

    /// Builds the Raft run and replays it to the scenario's position.
    pub fn replay_raft(&self) -> History<RaftNode> {
        let mut h = History::new(self.build_raft());
        seek(&mut h, self.pos);
        h
    }

    /// Builds the heartbeat run and replays it to the scenario's position.
    pub fn replay_heartbeat(&self) -> History<HbNode> {
        let mut h = History::new(self.build_heartbeat());
        seek(&mut h, self.pos);
        h
    }
}

/// Moves a run to a link position: exactly `step` events if given, then idles the clock to
/// `time` when nothing is due before it; otherwise plays to `time`.
pub fn seek<R: crate::history::Run>(h: &mut R, pos: Position) {
    seek_within(h, pos, MAX_STEPS);
}

/// [`seek`] processing at most `budget` events; returns false if it stopped short of the
/// position (the page uses a smaller budget than the CLI, so a hostile link cannot freeze it).
pub fn seek_within<R: crate::history::Run>(h: &mut R, pos: Position, budget: u64) -> bool {
    match pos.step {
        Some(k) => {
            let target = k.min(MAX_STEPS);
            if target > budget {
                h.seek_step(budget);
                return false;
            }
            // A run that ends before `target` stops there: "past the end", not over budget.
            h.seek_step(target);
            h.advance_idle(pos.time);
            true
        }
        None => !h.run_until(pos.time, budget).out_of_budget,
    }
}
