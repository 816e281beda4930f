//! The lab registry. Each lab describes itself once, in its own folder (`raft/desc.rs`, …), by
//! implementing [`Lab`]; the one list in [`labs!`](crate::labs) below turns those descriptions
//! into [`LabKind`] and [`LabParams`], and everything that used to match on labs by hand — link
//! decoding and encoding, the CLI's `run` and `keys`, the presets, the determinism test, the home
//! page — iterates the registry or visits a lab generically through [`LabVisitor`].
//!
//! Adding a lab: one engine folder with its `desc.rs`, one line in the list below, one page
//! folder and bundle in the app. What the compiler cannot see (the bundle's `[[bin]]`, the loader
//! list in `index.html`, the README's key tables) a test checks (`tests/registry.rs`).

use crate::command::{Cmd, CommandError};
use crate::fault::{fmt_timeline, TimedFault};
use crate::history::Run;
use crate::scenario::keys::{Conflict, Key};
use crate::scenario::Scenario;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// What the home page and the link reader know of a lab before building anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabInfo {
    /// The link name (`lab=raft`).
    pub name: &'static str,
    /// Human title.
    pub title: &'static str,
    /// One-paragraph summary for the home page.
    pub summary: &'static str,
    /// Allowed node counts `n` (for the heartbeat lab: workers, besides the monitor).
    pub nodes: (usize, usize),
    /// Default node count.
    pub default_nodes: usize,
}

/// One lab: its settings and link keys, how to build and measure its run, its commands.
/// Implemented by a unit struct in the lab's folder and listed once in [`labs!`](crate::labs).
pub trait Lab: Registered + 'static {
    /// Name, title, summary, node counts.
    const INFO: LabInfo;
    /// The lab's own settings (the part of a scenario only this lab reads).
    type Setup: Clone + Debug + Default + PartialEq + Eq + Serialize + DeserializeOwned + 'static;
    /// The run the player drives.
    type Run: Run + 'static;
    /// What `cli run` prints and tests compare.
    type Metrics: Serialize + Debug;

    /// Ready-made scenarios with their lessons, in menu order (`<lab>/presets.rs`).
    const PRESETS: &'static [crate::scenario::Preset];
    /// Every link key of [`Lab::Setup`], in link order (one table: decode, encode, forms, docs).
    fn keys() -> &'static [Key<Self::Setup>];
    /// The default of every key given the values of the others: a key the link leaves out takes
    /// its value from here, and a key equal to it is not written. Most labs' defaults stand
    /// alone; the heartbeat lab's φ pause and minimum σ scale with the interval `hb` (Akka's
    /// defaults are given for a 1 s interval).
    fn implied_defaults(_setup: &Self::Setup) -> Self::Setup {
        Self::Setup::default()
    }
    /// Settings that cannot hold together, found after every key is read (each names its keys;
    /// the reader puts back as few of them as it must).
    fn conflicts(_setup: &Self::Setup, _nodes: usize) -> Vec<Conflict> {
        Vec::new()
    }
    /// Fits node-dependent settings to the node count after the keys are read (`be` lists one
    /// entry per backend); may set the count itself when the link gave none (`n_given`).
    fn fit(_setup: &mut Self::Setup, _nodes: &mut usize, _n_given: bool) {}
    /// Simulated processes, by index (fault targets must be below this).
    fn processes(setup: &Self::Setup, nodes: usize) -> usize;
    /// Reads the text of a `cmd:` fault into the lab's typed command (commands are the lab's
    /// own; the replication lab's depend on its section). The one place command text is read:
    /// a link's entry whose command this refuses is reported and dropped when the link is read.
    /// The error is the lab's own typed error, wrapped. Most labs:
    /// `crate::fault::commands_of::<TheirCommand>(text)`.
    fn parse_command(setup: &Self::Setup, text: &str) -> Result<Cmd, CommandError>;
    /// Builds the run at step 0.
    fn build(s: &Scenario) -> Self::Run;
    /// The measurements at the run's position.
    fn measure(run: &Self::Run) -> Self::Metrics;

    /// A second run shown beside this one, as its label and its scenario from step 0: the load
    /// balancer's `cmp=` (the identical request stream under another strategy). The page and
    /// `cli run` replay it to the main run's simulated time and measure it alike.
    fn companion(_s: &Scenario) -> Option<(String, Scenario)> {
        None
    }

    /// The run's events as `(step, line)`, oldest first: the line is what the page's event log
    /// shows for that step (headline, then ` · note` for each note). Tests compare them between
    /// runs, and between the native engine (`cli run --events`) and the page's wasm engine.
    fn event_lines(run: &Self::Run) -> Vec<(u64, String)>;

    /// The link key of the timeline (`faults`; the ring lab's operations are `ops`).
    const TIMELINE_KEY: &'static str = "faults";
    /// Reads the timeline (entry by entry; bad entries are reported and skipped).
    fn decode_timeline(
        v: &str,
        setup: &Self::Setup,
        processes: usize,
        err: &mut dyn FnMut(&str, String),
    ) -> Vec<TimedFault> {
        let command = |t: &str| Self::parse_command(setup, t);
        crate::scenario::decode_faults_with(v, &command, processes, err)
    }
    /// Writes the timeline.
    fn encode_timeline(faults: &[TimedFault]) -> String {
        fmt_timeline(faults)
    }
}

/// The event lines of a message-passing lab's run: each trace event's `Display` line, as the
/// page's event log shows it ([`Lab::event_lines`] of the labs built on [`crate::History`]).
pub fn trace_lines<N: crate::sim::Node>(run: &crate::History<N>) -> Vec<(u64, String)> {
    run.sim()
        .trace()
        .iter()
        .map(|e| (e.step, e.to_string()))
        .collect()
}

/// The registry's side of a lab, implemented by [`labs!`](crate::labs) for each listed lab (so a
/// lab that is not listed cannot implement [`Lab`]).
pub trait Registered: Sized {
    /// Its kind.
    const KIND: LabKind;
    /// Its settings inside a scenario's parameters, if they are this lab's.
    fn setup_of(p: &LabParams) -> Option<&<Self as Lab>::Setup>
    where
        Self: Lab;
    /// Wraps its settings as a scenario's parameters.
    fn wrap(s: <Self as Lab>::Setup) -> LabParams
    where
        Self: Lab;
}

/// Something done with a lab generically (`kind.visit(v)` calls `v.visit::<ThatLab>()`).
pub trait LabVisitor {
    /// The result.
    type Output;
    /// Does it for lab `L`.
    fn visit<L: Lab>(self) -> Self::Output;
}

/// Declares the registry: `Variant => path::To::Descriptor` per lab, in menu order.
#[macro_export]
macro_rules! labs {
    ($( $(#[$doc:meta])* $variant:ident => $def:path ),+ $(,)?) => {
        /// The labs, in menu order (generated from the registry in `lab.rs`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum LabKind { $( $(#[$doc])* $variant ),+ }

        /// Each lab's settings (generated from the registry in `lab.rs`).
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum LabParams { $( $(#[$doc])* $variant(<$def as Lab>::Setup) ),+ }

        impl LabKind {
            /// Every lab, in menu order.
            pub const ALL: &'static [LabKind] = &[ $( LabKind::$variant ),+ ];
            /// Runs `v` for this lab.
            pub fn visit<V: LabVisitor>(self, v: V) -> V::Output {
                match self { $( LabKind::$variant => v.visit::<$def>() ),+ }
            }
            /// Name, title, summary, node counts.
            pub fn info(self) -> &'static LabInfo {
                match self { $( LabKind::$variant => &<$def as Lab>::INFO ),+ }
            }
            /// The link name (`lab=heartbeat`). Read field by field (not through
            /// [`LabKind::info`]) so a lab's bundle does not carry every lab's summary.
            pub fn as_str(self) -> &'static str {
                match self { $( LabKind::$variant => <$def as Lab>::INFO.name ),+ }
            }
            /// Human title.
            pub fn title(self) -> &'static str {
                match self { $( LabKind::$variant => <$def as Lab>::INFO.title ),+ }
            }
        }

        impl LabParams {
            /// The lab these settings belong to.
            pub fn kind(&self) -> LabKind {
                match self { $( LabParams::$variant(_) => LabKind::$variant ),+ }
            }
        }

        $(
            impl Registered for $def {
                const KIND: LabKind = LabKind::$variant;
                fn setup_of(p: &LabParams) -> Option<&<Self as Lab>::Setup> {
                    match p {
                        LabParams::$variant(s) => Some(s),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
                fn wrap(s: <Self as Lab>::Setup) -> LabParams {
                    LabParams::$variant(s)
                }
            }
        )+
    };
}

// The registry: one line per lab, in menu order.
labs! {
    /// Raft: elections, log replication, failover.
    Raft => crate::raft::RaftLab,
    /// Consistent hashing: rings, virtual nodes, rebalancing, alternatives.
    Ring => crate::ring::HashRingLab,
    /// Load balancing: strategies, health checks, retries under live traffic.
    Lb => crate::lb::LbLab,
    /// Heartbeat failure detection and failover.
    Heartbeat => crate::heartbeat::HeartbeatLab,
    /// Replication, split brain, locks and active-active conflicts.
    Replication => crate::replication::ReplicationLab,
    /// SWIM gossip membership with Lifeguard.
    Swim => crate::heartbeat::SwimLab,
    /// A self-healing cluster: replicas, probes, autoscaling, alerts and the SLO.
    Cluster => crate::cluster::ClusterLab,
    /// The whole system: balancer, apps, a sharded Raft store, machines and zones.
    System => crate::system::SystemLab,
}

impl LabKind {
    /// Reads a link name.
    pub fn parse(s: &str) -> Option<LabKind> {
        LabKind::ALL.iter().copied().find(|l| l.as_str() == s)
    }
    /// One-paragraph summary for the home page.
    pub fn summary(self) -> &'static str {
        self.info().summary
    }
    /// Allowed node counts.
    pub fn node_range(self) -> (usize, usize) {
        self.info().nodes
    }
    /// Default node count.
    pub fn default_nodes(self) -> usize {
        self.info().default_nodes
    }
    /// This lab's presets, in menu order.
    pub fn presets(self) -> &'static [crate::scenario::Preset] {
        struct Of;
        impl LabVisitor for Of {
            type Output = &'static [crate::scenario::Preset];
            fn visit<L: Lab>(self) -> Self::Output {
                L::PRESETS
            }
        }
        self.visit(Of)
    }
    /// Reads the text of a `cmd:` fault for this lab with these settings (`params` of another
    /// lab read as this lab's defaults).
    pub fn parse_command(self, params: &LabParams, text: &str) -> Result<Cmd, CommandError> {
        struct Parse<'a>(&'a LabParams, &'a str);
        impl LabVisitor for Parse<'_> {
            type Output = Result<Cmd, CommandError>;
            fn visit<L: Lab>(self) -> Self::Output {
                match L::setup_of(self.0) {
                    Some(setup) => L::parse_command(setup, self.1),
                    None => L::parse_command(&L::Setup::default(), self.1),
                }
            }
        }
        self.visit(Parse(params, text))
    }
    /// The default settings of this lab.
    pub fn default_params(self) -> LabParams {
        struct Defaults;
        impl LabVisitor for Defaults {
            type Output = LabParams;
            fn visit<L: Lab>(self) -> LabParams {
                L::wrap(L::Setup::default())
            }
        }
        self.visit(Defaults)
    }
}
