//! The self-healing cluster lab (issue 13): machines in zones running pods, the controllers
//! that keep a service up without a person — the deployment controller and scheduler, the
//! kubelet's probes and CrashLoopBackOff, the node monitor's eviction, the horizontal pod
//! autoscaler — and the monitoring that tells people when they did not: alert rules in a small
//! PromQL-like form, an SLO with its error budget, multi-window burn-rate alerts.
//!
//! The whole cluster is one simulated process ([`ClusterNode`]) advanced by a 100 ms tick
//! ([`model::TICK`]); each tick's decisions are the notes of its trace event, so the event log
//! says why ("HPA: 4 → 6 replicas: desired 6 = ceil(4 × 87 % / 60 %)"). Requests are
//! aggregated per tick but each one is routed by the load-balancer lab's [`crate::lb::Picker`]
//! and queued at its pod (exponential service times, seeded): latency and errors come from the
//! queues, not from a formula.
//!
//! ```
//! use engine::cluster::{ClusterNode, ClusterParams, ClusterCommand};
//! use engine::time::SimTime;
//!
//! let mut c = ClusterNode::new(&ClusterParams::default());
//! assert_eq!(c.ready_count(), 4);
//! let mut notes = Vec::new();
//! c.apply(ClusterCommand::Fail(0), SimTime::ZERO, &mut notes);
//! assert!(notes[0].starts_with("m0 fails"));
//! ```

pub mod alerts;
pub mod command;
mod desc;
pub mod hpa;
pub mod metrics;
pub mod model;
pub mod params;
mod presets;

pub use command::{ClusterCommand, ClusterCommandError};
pub use desc::{ClusterLab, NotAnSlo};
pub use metrics::{measure, measure_node, AlertReport, ClusterMetrics, EpisodeReport};
pub use model::{Bucket, ClusterNode, Machine, MachineStatus, Phase, Pod, TICK};
pub use params::{ClusterParams, LoadShape};
