//! The load-balancer lab (issue 5): clients, one load balancer and 1–20 backends as a
//! discrete-event model on [`Sim`], so crashes, partitions, latency, step back and links apply
//! unchanged.
//!
//! - **Node 0, the clients**: Poisson arrivals at `rate` req/s (optionally × `burst` during the
//!   first `burst_on_pct` % of every `burst_period`), each carrying one of `clients` client keys
//!   (client 0 takes `hot_pct` % of them). Every attempt has a `timeout`; failed attempts may be
//!   retried (`none`, `fixed`, or `backoff` with full jitter) within a token-bucket retry budget.
//! - **Node 1, the balancer**: picks a backend with one of ten [`Strategy`]s among those it
//!   believes up, forwards, tracks outstanding requests, and relays the answer. It runs active
//!   health checks (HAProxy's interval / timeout / rise / fall: up → suspect → down) and passive
//!   outlier ejection (Envoy's consecutive-5xx). Without an eligible backend it answers 503 itself.
//! - **Nodes 2.., the backends**: `workers` concurrent requests, a FIFO queue of `queue` (beyond it:
//!   reject with 503), service time `const`/`exp`/`pareto` with mean `service_mean` divided by the
//!   backend's speed. Commands `slow:K` and `errors:PCT` (see [`parse_command`]); a failing backend
//!   answers its errors at once — fast failures, which least-connections then favours.
//!
//! Measurements ([`measure`], [`series`]) are ghost data kept in the nodes in compact logs
//! ([`log`]): the client records every finished request, the balancer every routing decision and
//! status change, each backend its busy workers and queue per 100 ms.
//!
//! ```
//! use engine::lb::{measure, new_sim, BackendSpec, LbParams, Strategy};
//! use engine::{net::NetConfig, SimTime};
//!
//! let p = LbParams { strategy: Strategy::P2c, ..LbParams::default() };
//! let mut sim = new_sim(7, &p, &BackendSpec::uniform(4), NetConfig::default(), vec![]);
//! sim.run_until(SimTime::from_ms(3_000), u64::MAX);
//! let m = measure(&sim);
//! assert!(m.window.ok > 100);
//! assert_eq!(m.backends.len(), 4);
//! ```

pub mod backend;
pub mod balancer;
pub mod client;
mod desc;
pub mod log;
pub mod metrics;
pub mod params;
pub mod picker;
mod presets;

pub use backend::Backend;
pub use balancer::{BackendView, Balancer, Status, Transition};
pub use client::{Clients, Done, Outcome};
pub use desc::{LbLab, LbSetup};
pub use metrics::{
    measure, percentile, series, BackendMetrics, BackendPoint, Counts, CrashReport, DoneSummary,
    LbMetrics, RouteSummary, SeriesPoint, SERIES_BUCKET_MS, SERIES_SPAN_MS,
};
pub use params::{
    fmt_backends, parse_backends, BackendSpec, BackendsError, LbParams, LbParamsError, RetryPolicy,
    ServiceDist, Strategy, BASE_BUCKET_MS, MAX_BACKENDS, MAX_RATE, MAX_SLOW, MAX_WEIGHT, SPEED_PCT,
};
pub use picker::{PeakEwma, Picker};

use crate::fault::TimedFault;
use crate::net::{fmt_pct, parse_pct, NetConfig, PctError};
use crate::sim::{Ctx, Node, Sim};
use crate::{clip, NodeId};
use std::fmt;

/// The clients' node id.
pub const CLIENTS: NodeId = 0;
/// The load balancer's node id.
pub const LB: NodeId = 1;
/// The node id of backend 0 (backend `b` is node `FIRST_BACKEND + b`).
pub const FIRST_BACKEND: NodeId = 2;

/// How an attempt was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reply {
    /// 200: served.
    Ok,
    /// 500: the backend answered with an error (`errors:PCT`).
    Error,
    /// 503: the backend's queue was full.
    Rejected,
    /// 503 from the balancer: no backend believed up.
    NoBackend,
}

impl Reply {
    /// The HTTP status shown on the wire.
    pub fn code(self) -> u16 {
        match self {
            Reply::Ok => 200,
            Reply::Error => 500,
            Reply::Rejected | Reply::NoBackend => 503,
        }
    }
}

/// Messages. Client ↔ balancer ↔ backend requests and responses, balancer ↔ backend checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LbMsg {
    /// A request attempt: request `id`, client `key`, attempt number (1 = first try).
    Request { id: u64, key: u32, attempt: u32 },
    /// The answer to attempt `attempt` of request `id`, from backend node `server`
    /// (the balancer's id for [`Reply::NoBackend`]).
    Response {
        id: u64,
        attempt: u32,
        reply: Reply,
        server: NodeId,
    },
    /// Active health check number `seq`.
    HealthCheck { seq: u64 },
    /// A backend's answer to check `seq`.
    HealthReply { seq: u64 },
}

/// Short labels for the animation: `req #12` (`req #12 try 2`), `200 #12`, `500 #12`,
/// `503 #12`, `hc`, `hc✓`.
impl fmt::Display for LbMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LbMsg::Request { id, attempt: 1, .. } => write!(f, "req #{id}"),
            LbMsg::Request { id, attempt, .. } => write!(f, "req #{id} try {attempt}"),
            LbMsg::Response { id, reply, .. } => write!(f, "{} #{id}", reply.code()),
            LbMsg::HealthCheck { .. } => f.write_str("hc"),
            LbMsg::HealthReply { .. } => f.write_str("hc✓"),
        }
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LbTimer {
    /// Clients: the next arrival (or a burst phase boundary, where the rate changes).
    Arrival,
    /// Clients: attempt `attempt` of request `id` times out.
    Timeout { id: u64, attempt: u32 },
    /// Clients: request `id`'s backoff is over; retry.
    Backoff { id: u64 },
    /// Balancer: send the next round of health checks.
    Check,
    /// Balancer: the check to backend `backend` (0-based) is overdue.
    CheckTimeout { backend: usize },
    /// Balancer: give up on attempt `attempt` of request `id` at its backend.
    Upstream { id: u64, attempt: u32 },
    /// Balancer: backend `backend`'s ejection is over.
    EjectEnd { backend: usize },
    /// Backend: request `id` (attempt `attempt`) is served.
    Done { id: u64, attempt: u32 },
}

impl LbTimer {
    /// A number per timer, distinct for distinct timers ([`Node::TIMER_NUMBER`]): the
    /// one-of-a-kind timers and those of a backend small (an index), those of a request its
    /// variant, id and attempt packed above bit 100.
    fn number(&self) -> u128 {
        let per_request =
            |tag: u128, id: u64, attempt: u32| tag << 100 | (id as u128) << 32 | attempt as u128;
        // Backends are at most a few dozen; a larger number (never made) is still distinct.
        let per_backend = |odd: u128, b: usize| match b < 4_096 {
            true => 2 + 2 * b as u128 + odd,
            false => per_request(5 + odd, b as u64, 0),
        };
        match *self {
            LbTimer::Arrival => 0,
            LbTimer::Check => 1,
            LbTimer::CheckTimeout { backend } => per_backend(0, backend),
            LbTimer::EjectEnd { backend } => per_backend(1, backend),
            LbTimer::Timeout { id, attempt } => per_request(1, id, attempt),
            LbTimer::Backoff { id } => per_request(2, id, 0),
            LbTimer::Upstream { id, attempt } => per_request(3, id, attempt),
            LbTimer::Done { id, attempt } => per_request(4, id, attempt),
        }
    }
}

impl fmt::Display for LbTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LbTimer::Arrival => f.write_str("arrival"),
            LbTimer::Timeout { id, .. } => write!(f, "timeout #{id}"),
            LbTimer::Backoff { id } => write!(f, "backoff #{id}"),
            LbTimer::Check => f.write_str("health check"),
            LbTimer::CheckTimeout { backend } => {
                write!(f, "check timeout of {}", FIRST_BACKEND + backend)
            }
            LbTimer::Upstream { id, .. } => write!(f, "upstream timeout #{id}"),
            LbTimer::EjectEnd { backend } => {
                write!(f, "ejection of {} ends", FIRST_BACKEND + backend)
            }
            LbTimer::Done { id, .. } => write!(f, "done #{id}"),
        }
    }
}

/// A lab command, in its link text form (`cmd:NODE:TEXT` in a timeline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LbCommand {
    /// Backend: service time × K (`slow:K`, `1..=MAX_SLOW`; `slow:1` restores).
    Slow(u32),
    /// Backend: this share of requests (ppm) answer 500 (`errors:PCT`, e.g. `errors:12.5`;
    /// `errors:0` restores).
    Errors(u32),
    /// Balancer: switch strategy (`strategy:p2c`); the picker's state starts afresh.
    Strategy(Strategy),
    /// Clients: change the offered load (`rate:N` req/s, `0..=MAX_RATE`).
    Rate(u32),
}

impl fmt::Display for LbCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LbCommand::Slow(k) => write!(f, "slow:{k}"),
            LbCommand::Errors(ppm) => write!(f, "errors:{}", fmt_pct(*ppm)),
            LbCommand::Strategy(s) => write!(f, "strategy:{s}"),
            LbCommand::Rate(r) => write!(f, "rate:{r}"),
        }
    }
}

impl std::str::FromStr for LbCommand {
    type Err = LbCommandError;
    fn from_str(text: &str) -> Result<LbCommand, LbCommandError> {
        parse_command(text)
    }
}

impl crate::command::Command for LbCommand {}

/// Why a load-balancer command's text was refused (the input quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LbCommandError {
    /// `x`, `slow:x`: not of a command's form (the whole text).
    #[error("'{0}' is not a command (slow:K, errors:PCT, strategy:NAME, rate:N)")]
    NotACommand(String),
    /// `slow:101`
    #[error("{verb} {value} is outside {lo}–{hi}")]
    Outside {
        /// The command (`slow`, `rate`).
        verb: &'static str,
        /// The value given.
        value: u32,
        /// Smallest allowed.
        lo: u32,
        /// Largest allowed.
        hi: u32,
    },
    /// `errors:101`
    #[error("{0}")]
    Percent(#[from] PctError),
    /// `strategy:best`
    #[error("'{0}' is not a strategy")]
    NotAStrategy(String),
}

/// Why a load-balancer node refused a command (the trace's note `node N ignored 'TEXT': …`):
/// it goes to another kind of node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LbRefusal {
    /// `slow:K` or `errors:PCT` to the clients or the balancer.
    #[error("'{0}' goes to a backend (node 2 or above)")]
    ToBackend(LbCommand),
    /// `strategy:NAME` to another node than the balancer.
    #[error("'{0}' goes to the balancer (node 1)")]
    ToBalancer(LbCommand),
    /// `rate:N` to another node than the clients.
    #[error("'{0}' goes to the clients (node 0)")]
    ToClients(LbCommand),
}

/// Parses a lab command: `slow:K` (1..=100), `errors:PCT` (0..=100, up to 4 decimals),
/// `strategy:NAME`, `rate:N` (0..=10 000). Never panics; errors quote at most 40 characters.
pub fn parse_command(text: &str) -> Result<LbCommand, LbCommandError> {
    let bad = || LbCommandError::NotACommand(clip(text));
    let (verb, arg) = text.split_once(':').ok_or_else(bad)?;
    let uint = |verb: &'static str, lo: u32, hi: u32| -> Result<u32, LbCommandError> {
        let ok = !arg.is_empty() && arg.len() <= 6 && arg.bytes().all(|b| b.is_ascii_digit());
        let v: u32 = if ok {
            arg.parse().map_err(|_| bad())?
        } else {
            return Err(bad());
        };
        if (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(LbCommandError::Outside {
                verb,
                value: v,
                lo,
                hi,
            })
        }
    };
    match verb {
        "slow" => Ok(LbCommand::Slow(uint("slow", 1, MAX_SLOW)?)),
        "errors" => Ok(LbCommand::Errors(parse_pct(arg)?)),
        "strategy" => Strategy::parse(arg)
            .map(LbCommand::Strategy)
            .ok_or_else(|| LbCommandError::NotAStrategy(clip(arg))),
        "rate" => Ok(LbCommand::Rate(uint("rate", 0, MAX_RATE)?)),
        _ => Err(bad()),
    }
}

/// A node of the load-balancer lab.
#[derive(Clone, Debug)]
pub enum LbNode {
    /// Node 0.
    Clients(Box<Clients>),
    /// Node 1.
    Balancer(Box<Balancer>),
    /// Nodes 2...
    Backend(Box<Backend>),
}

impl Node for LbNode {
    type Msg = LbMsg;
    crate::node::shows_whole_messages!();
    type Timer = LbTimer;
    type Command = LbCommand;
    type Refusal = LbRefusal;

    /// Clients and the balancer hold a timer per request in flight (thousands at a high rate),
    /// looked up several times per event: numbered, they are found by comparing numbers.
    const TIMER_NUMBER: Option<fn(&LbTimer) -> u128> = Some(LbTimer::number);

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{btree, items, slice};
        use std::mem::size_of;
        match self {
            LbNode::Clients(c) => {
                size_of::<Clients>()
                    + btree::<u64, client::Pending>(c.pending.len())
                    + c.done.heap_bytes()
                    + c.chart.heap_bytes()
            }
            LbNode::Balancer(b) => {
                size_of::<Balancer>()
                    + slice(&b.specs)
                    + slice(&b.views)
                    + b.picker.heap_bytes()
                    + btree::<(u64, u32), balancer::Out>(b.outstanding.len())
                    + slice(&b.transitions)
                    + b.routes.heap_bytes()
                    + b.chart.heap_bytes()
                    + b.down_routes.heap_bytes()
                    + slice(&b.routed_total)
                    + b.inflight
                        .iter()
                        .map(|l| size_of::<log::Levels<1>>() + l.heap_bytes())
                        .sum::<usize>()
            }
            LbNode::Backend(b) => {
                size_of::<Backend>()
                    + slice(&b.busy)
                    + items::<backend::Job>(b.queue.len())
                    + b.levels.heap_bytes()
            }
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<LbMsg, LbTimer>) {
        match self {
            LbNode::Clients(c) => c.on_start(ctx),
            LbNode::Balancer(b) => b.on_start(ctx),
            LbNode::Backend(b) => b.on_start(ctx),
        }
    }

    fn on_message(&mut self, from: NodeId, msg: LbMsg, ctx: &mut Ctx<LbMsg, LbTimer>) {
        match self {
            LbNode::Clients(c) => c.on_message(msg, ctx),
            LbNode::Balancer(b) => b.on_message(from, msg, ctx),
            LbNode::Backend(b) => b.on_message(msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: LbTimer, ctx: &mut Ctx<LbMsg, LbTimer>) {
        match self {
            LbNode::Clients(c) => c.on_timer(timer, ctx),
            LbNode::Balancer(b) => b.on_timer(timer, ctx),
            LbNode::Backend(b) => b.on_timer(timer, ctx),
        }
    }

    fn on_restart(&mut self) {
        match self {
            LbNode::Clients(c) => c.on_restart(),
            LbNode::Balancer(b) => b.on_restart(),
            LbNode::Backend(b) => b.on_restart(),
        }
    }

    fn on_command(
        &mut self,
        cmd: &LbCommand,
        ctx: &mut Ctx<LbMsg, LbTimer>,
    ) -> Result<(), LbRefusal> {
        match (self, *cmd) {
            (LbNode::Backend(b), LbCommand::Slow(k)) => {
                b.slow = k;
                ctx.note(format!("service time ×{k}"));
                Ok(())
            }
            (LbNode::Backend(b), LbCommand::Errors(ppm)) => {
                b.error_ppm = ppm;
                ctx.note(format!("{} % of requests now fail", fmt_pct(ppm)));
                Ok(())
            }
            (LbNode::Balancer(b), LbCommand::Strategy(s)) => {
                b.set_strategy(s);
                ctx.note(format!("strategy {s}"));
                Ok(())
            }
            (LbNode::Clients(c), LbCommand::Rate(r)) => {
                c.p.rate = r;
                c.reschedule(ctx);
                ctx.note(format!("offered load {r} req/s"));
                Ok(())
            }
            (_, cmd) => Err(match cmd {
                LbCommand::Slow(_) | LbCommand::Errors(_) => LbRefusal::ToBackend(cmd),
                LbCommand::Strategy(_) => LbRefusal::ToBalancer(cmd),
                LbCommand::Rate(_) => LbRefusal::ToClients(cmd),
            }),
        }
    }
}

/// Builds the nodes: clients, balancer, then one backend per spec (clamped to
/// `1..=MAX_BACKENDS`; an empty list gives one default backend).
pub fn nodes(p: &LbParams, backends: &[BackendSpec]) -> Vec<LbNode> {
    let mut specs: Vec<BackendSpec> = backends.iter().take(MAX_BACKENDS).copied().collect();
    if specs.is_empty() {
        specs.push(BackendSpec::default());
    }
    let mut v = vec![
        LbNode::Clients(Box::new(Clients::new(*p))),
        LbNode::Balancer(Box::new(Balancer::new(*p, &specs))),
    ];
    for (i, s) in specs.iter().enumerate() {
        v.push(LbNode::Backend(Box::new(Backend::new(*p, i, *s))));
    }
    v
}

/// A load-balancer run: `seed`, parameters (call [`LbParams::validate`] first on user input),
/// backends, network (the LAN hop) and the fault timeline.
pub fn new_sim(
    seed: u64,
    p: &LbParams,
    backends: &[BackendSpec],
    net: NetConfig,
    faults: Vec<TimedFault>,
) -> Sim<LbNode> {
    Sim::new(seed, nodes(p, backends), net, faults)
}

/// The clients node of a run.
pub fn clients(sim: &Sim<LbNode>) -> Option<&Clients> {
    match sim.nodes().get(CLIENTS) {
        Some(LbNode::Clients(c)) => Some(c),
        _ => None,
    }
}

/// The balancer of a run.
pub fn balancer(sim: &Sim<LbNode>) -> Option<&Balancer> {
    match sim.nodes().get(LB) {
        Some(LbNode::Balancer(b)) => Some(b),
        _ => None,
    }
}

/// Backend `b` (0-based; node `FIRST_BACKEND + b`) of a run.
pub fn backend(sim: &Sim<LbNode>, b: usize) -> Option<&Backend> {
    match sim.nodes().get(FIRST_BACKEND + b) {
        Some(LbNode::Backend(x)) => Some(x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct timers get distinct numbers (the timer table finds a timer by its number), the
    /// per-request ones above the slot range whatever their id and attempt.
    #[test]
    fn timer_numbers_are_distinct() {
        let mut all = vec![LbTimer::Arrival, LbTimer::Check];
        for backend in [0, 1, 19, 4_095, 4_096, usize::MAX] {
            all.push(LbTimer::CheckTimeout { backend });
            all.push(LbTimer::EjectEnd { backend });
        }
        for id in [0, 1, 2, 1 << 40, u64::MAX] {
            all.push(LbTimer::Backoff { id });
            for attempt in [0, 1, 7, u32::MAX] {
                all.push(LbTimer::Timeout { id, attempt });
                all.push(LbTimer::Upstream { id, attempt });
                all.push(LbTimer::Done { id, attempt });
            }
        }
        let mut numbers: Vec<u128> = all.iter().map(LbTimer::number).collect();
        for (t, n) in all.iter().zip(&numbers) {
            let per_request = matches!(
                t,
                LbTimer::Timeout { .. }
                    | LbTimer::Backoff { .. }
                    | LbTimer::Upstream { .. }
                    | LbTimer::Done { .. }
            );
            assert!(
                !per_request || *n >= crate::sim::MAX_TIMER_SLOT as u128,
                "{t:?}"
            );
        }
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), all.len());
    }
}
