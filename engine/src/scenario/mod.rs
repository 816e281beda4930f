//! A scenario: everything needed to replay a run exactly — lab, seed, size, network, lab
//! parameters, the fault timeline and the position. It lives in the page's URL query.

mod codec;
pub mod keys;
pub mod notes;
mod presets;
pub mod view;

pub use crate::lab::{Lab, LabInfo, LabKind, LabParams, LabVisitor};
pub use crate::lb::LbSetup;
pub use crate::raft::{RaftSetup, RAFT_BUGS};
pub use codec::{
    check_fault, decode, decode_entries, decode_faults_with, decode_for, decode_home, encode,
    encode_for, parse_fault_for, parse_fault_for_lab, with_param, with_param_for, Decoded,
    ParamError, MAX_PARAM_LEN,
};
pub use presets::{preset_for, preset_for_lab, presets, Preset};

use crate::fault::TimedFault;
use crate::heartbeat::{self, HbNode, HbParams};
use crate::history::{History, Run};
use crate::net::NetConfig;
use crate::raft::{self, RaftNode};
use crate::ring::{RingParams, RingRun};
use crate::sim::Sim;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

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
/// The largest `step` a link may name. A run plays at most [`MAX_TIME_MS`] of simulated time,
/// so a step position replays no further than that (the busiest lab at its largest settings
/// has ≈ 3·10⁷ events in 10 minutes): this only refuses numbers no run reaches.
pub const MAX_STEPS: u64 = 1_000_000_000;

/// True if the run has an event due within its 10 minutes ([`MAX_TIME_MS`]): a step position
/// replays only such events, as the player plays only up to that time.
pub fn has_event_in_time<R: Run>(h: &mut R) -> bool {
    h.next_time()
        .is_some_and(|t| t <= SimTime::from_ms(MAX_TIME_MS))
}

/// A complete, replayable scenario. (Read from its link, [`decode`]: its timeline's commands
/// are typed by its lab, so it has no lab-independent `Deserialize`.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// Captions shown when the replay reaches them (`notes=`); they do not change the run.
    pub notes: Vec<notes::Note>,
}

/// Default seed.
pub const DEFAULT_SEED: u64 = 1;

impl Scenario {
    /// The defaults of `lab`.
    pub fn default_for(lab: LabKind) -> Scenario {
        struct Of;
        impl LabVisitor for Of {
            type Output = Scenario;
            fn visit<L: Lab>(self) -> Scenario {
                Scenario::default_of::<L>()
            }
        }
        lab.visit(Of)
    }

    /// The defaults of lab `L`.
    pub fn default_of<L: Lab>() -> Scenario {
        Scenario {
            lab: L::KIND,
            seed: DEFAULT_SEED,
            nodes: L::INFO.default_nodes,
            net: NetConfig::default(),
            params: L::wrap(L::Setup::default()),
            faults: Vec::new(),
            pos: Position::default(),
            notes: Vec::new(),
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

    /// The settings of lab `L` (its defaults if this scenario is another lab's).
    pub fn setup<L: Lab>(&self) -> L::Setup {
        L::setup_of(&self.params).cloned().unwrap_or_default()
    }

    /// Heartbeat parameters (defaults if this is another lab).
    pub fn hb_params(&self) -> HbParams {
        self.setup::<heartbeat::HeartbeatLab>()
    }

    /// Raft settings (defaults if this is another lab).
    pub fn raft_setup(&self) -> RaftSetup {
        self.setup::<raft::RaftLab>()
    }

    /// Load-balancer settings (defaults for another lab), with one spec per backend.
    pub fn lb_setup(&self) -> LbSetup {
        let mut s = self.setup::<crate::lb::LbLab>();
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
        let mut p = self.setup::<crate::ring::HashRingLab>();
        p.seed = self.seed;
        p.nodes = self.nodes;
        p
    }

    /// Builds the ring run at position 0 (falls back to the defaults if the parameters are
    /// out of range, which a decoded link never is).
    pub fn build_ring(&self) -> RingRun {
        RingRun::new(self.ring_params(), &self.faults)
            .or_else(|_| RingRun::new(RingParams::default(), &[]))
            // Not `expect`: that would link the ring error's `Debug` into the pages.
            .unwrap_or_else(|_| unreachable!("the default ring parameters are valid"))
    }

    /// Total simulated processes (heartbeat: workers + the monitor).
    pub fn process_count(&self) -> usize {
        struct Count<'a>(&'a Scenario);
        impl LabVisitor for Count<'_> {
            type Output = usize;
            fn visit<L: Lab>(self) -> usize {
                L::processes(&self.0.setup::<L>(), self.0.nodes)
            }
        }
        self.lab.visit(Count(self))
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
        heartbeat::add_invariants(&mut sim);
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

/// Moves a run to a link position: exactly `step` events if given (fewer if the run ends, or
/// reaches its 10 minutes, first: "past the end"), then idles the clock to `time` when nothing
/// is due before it; otherwise plays to `time`. No event cap: the whole link, as the page
/// replays it ([`seek_slice`]), with every trace line.
pub fn seek<R: crate::history::Run>(h: &mut R, pos: Position) {
    match pos.step {
        Some(k) => {
            let target = k.min(MAX_STEPS);
            if target < h.steps() {
                h.seek_step(target);
            }
            while h.steps() < target && has_event_in_time(h) && h.step() {}
            h.advance_idle(pos.time);
        }
        None => {
            h.run_until(pos.time, u64::MAX);
        }
    }
}

/// One slice of a long seek (the page replays a heavy link over many frames): at most `slice`
/// more events toward `pos`; true once the position is reached (or the run ends before it).
///
/// Forward, events are taken without trace lines ([`Run::step_quiet`]); the caller rebuilds the
/// kept tail with [`Run::relog`] once the replay ends (the player does after every action that
/// leaves no replay in progress).
pub fn seek_slice<R: Run>(h: &mut R, pos: Position, slice: u64) -> bool {
    match pos.step {
        Some(k) => {
            let target = k.min(MAX_STEPS);
            if target < h.steps() {
                h.seek_step(target);
                h.advance_idle(pos.time);
                return true;
            }
            let next = h.steps().saturating_add(slice).min(target);
            while h.steps() < next {
                if !has_event_in_time(h) || !h.step_quiet() {
                    // The run ended (or reached its 10 minutes) before the target.
                    h.advance_idle(pos.time);
                    return true;
                }
            }
            if next == target {
                h.advance_idle(pos.time);
                return true;
            }
            false
        }
        None => !h.run_until_with(pos.time, slice, true).out_of_budget,
    }
}

/// How far a run is toward a position, 0–1 (by events for a step position, by time otherwise).
pub fn seek_fraction<R: crate::history::Run>(h: &R, pos: Position) -> f64 {
    match pos.step {
        Some(k) if k > 0 => (h.steps() as f64 / k.min(MAX_STEPS) as f64).min(1.0),
        Some(_) => 1.0,
        None if pos.time.0 == 0 => 1.0,
        None => (h.now().0 as f64 / pos.time.0 as f64).min(1.0),
    }
}
