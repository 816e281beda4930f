//! Node 0: the clients — a Poisson traffic generator with timeouts, retries and a retry budget.

use super::log::Buckets;
use super::log::Log;
use super::metrics::{done_buckets, record_done, Counts, DoneSummary};
use super::params::{LbParams, RetryPolicy};
use super::{LbMsg, LbTimer, Reply, LB};
use crate::idmap::IdMap;
use crate::sim::Ctx;
use crate::time::{Duration, SimTime};
use crate::NodeId;

/// How a request ended, after its retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// 200.
    Ok,
    /// 500 from a backend.
    Error,
    /// 503: a backend's queue was full.
    Rejected,
    /// 503: the balancer had no backend believed up.
    NoBackend,
    /// No answer within the timeout.
    Timeout,
}

impl Outcome {
    /// Every outcome, in display order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Rejected,
        Outcome::NoBackend,
        Outcome::Timeout,
    ];
    /// The lowercase name (`ok`, `error`, `rejected`, `no_backend`, `timeout`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Rejected => "rejected",
            Outcome::NoBackend => "no_backend",
            Outcome::Timeout => "timeout",
        }
    }
    fn of(reply: Reply) -> Outcome {
        match reply {
            Reply::Ok => Outcome::Ok,
            Reply::Error => Outcome::Error,
            Reply::Rejected => Outcome::Rejected,
            Reply::NoBackend => Outcome::NoBackend,
        }
    }
}

/// A finished request (16 bytes: the per-request record behind every latency figure).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    /// When it finished, µs.
    pub end_us: u64,
    /// First send to final answer (or final timeout), µs (saturates at ~71 minutes).
    pub latency_us: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// Attempts made.
    pub attempts: u8,
    /// The backend (0-based) that gave the final answer; `u16::MAX` for none.
    pub backend: u16,
}

/// A request in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Client key.
    pub key: u32,
    /// First send.
    pub start: SimTime,
    /// Current attempt number.
    pub attempt: u32,
    /// Waiting out a backoff (no attempt in flight).
    pub backing_off: bool,
}

/// Running totals since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientTotals {
    /// Requests issued.
    pub requests: u64,
    /// Attempts sent (first tries and retries).
    pub attempts: u64,
    /// Retries sent.
    pub retries: u64,
    /// Retries the budget refused.
    pub retries_denied: u64,
}

/// The clients (node 0).
#[derive(Clone, Debug)]
pub struct Clients {
    /// Parameters (the `rate:N` command changes `p.rate`).
    pub p: LbParams,
    /// Next request id.
    pub next_id: u64,
    /// Requests in progress, by id.
    pub pending: IdMap<Pending>,
    /// Retry budget balance, thousandths of a token.
    pub budget_milli: u64,
    /// True when the armed `Arrival` timer is a real arrival, false for a phase boundary.
    pub arrival_due: bool,
    /// Totals.
    pub totals: ClientTotals,
    /// Finished requests of the whole run, by outcome (running counts).
    pub finished: Counts,
    /// Finished requests the window or the open chart bucket still needs (older sealed chunks are
    /// dropped), also bounded in count.
    pub done: Log<Done>,
    /// Sealed chart buckets of finished requests, for the charts' span.
    pub chart: Buckets<DoneSummary>,
}

const NONE_BACKEND: u16 = u16::MAX;

impl Clients {
    /// Clients with these parameters.
    pub fn new(p: LbParams) -> Clients {
        Clients {
            p,
            next_id: 1,
            pending: IdMap::new(),
            budget_milli: p.budget_reserve as u64 * 1_000,
            arrival_due: false,
            totals: ClientTotals::default(),
            finished: Counts::default(),
            // 256 records a chunk, at most 2 048 chunks (~524 000 requests) of the kept span.
            done: Log::new(256, 2_048),
            chart: done_buckets(),
        }
    }

    fn budget_cap_milli(&self) -> u64 {
        (self.p.budget_reserve.max(100) as u64) * 1_000
    }

    /// The offered rate at `now` (req/s) and when it next changes.
    fn rate_at(&self, now: SimTime) -> (u64, SimTime) {
        let base = self.p.rate as u64;
        if self.p.burst <= 1 {
            return (base, SimTime::MAX);
        }
        let period = self.p.burst_period.as_us().max(1);
        let on = period * self.p.burst_on_pct as u64 / 100;
        let start = now.as_us() / period * period;
        let into = now.as_us() - start;
        if into < on {
            (base * self.p.burst as u64, SimTime(start + on))
        } else {
            (base, SimTime(start + period))
        }
    }

    /// Arms the next arrival from now. Exponential gaps are memoryless, so stopping at a phase
    /// boundary and drawing again there gives an exact piecewise-constant-rate Poisson process.
    pub fn reschedule(&mut self, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let now = ctx.now();
        let (rate, change) = self.rate_at(now);
        let gap = match 1_000_000u64.checked_div(rate) {
            None => u64::MAX,
            Some(mean) => ctx.rng().exp_u64(mean).max(1),
        };
        let at = now.as_us().saturating_add(gap);
        if at < change.as_us() {
            self.arrival_due = true;
            ctx.set_timer(LbTimer::Arrival, Duration(gap));
        } else if change < SimTime::MAX {
            self.arrival_due = false;
            ctx.set_timer(LbTimer::Arrival, change.since(now));
        } else {
            self.arrival_due = false;
            ctx.cancel_timer(LbTimer::Arrival);
        }
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx<LbMsg, LbTimer>) {
        self.reschedule(ctx);
    }

    pub(super) fn on_restart(&mut self) {
        // Requests in progress are lost with the process (they never finish).
        self.pending.clear();
        self.budget_milli = self.p.budget_reserve as u64 * 1_000;
    }

    fn send(&mut self, id: u64, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let Some(p) = self.pending.get(&id).copied() else {
            return;
        };
        self.totals.attempts += 1;
        ctx.send(
            LB,
            LbMsg::Request {
                id,
                key: p.key,
                attempt: p.attempt,
            },
        );
        ctx.set_timer(
            LbTimer::Timeout {
                id,
                attempt: p.attempt,
            },
            self.p.timeout,
        );
    }

    fn issue(&mut self, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let id = self.next_id;
        self.next_id += 1;
        let hot = self.p.hot_pct > 0 && ctx.rng().below(100) < self.p.hot_pct as u64;
        let key = if hot {
            0
        } else {
            ctx.rng().below(self.p.clients.max(1) as u64) as u32
        };
        self.pending.insert(
            id,
            Pending {
                key,
                start: ctx.now(),
                attempt: 1,
                backing_off: false,
            },
        );
        self.totals.requests += 1;
        let cap = self.budget_cap_milli();
        self.budget_milli = (self.budget_milli + self.p.budget_pct as u64 * 10).min(cap);
        self.send(id, ctx);
    }

    fn finish(&mut self, id: u64, outcome: Outcome, server: Option<NodeId>, now: SimTime) {
        let Some(p) = self.pending.remove(&id) else {
            return;
        };
        record_done(
            self,
            Done {
                end_us: now.as_us(),
                latency_us: now.since(p.start).as_us().min(u32::MAX as u64) as u32,
                outcome,
                attempts: p.attempt.min(255) as u8,
                backend: server
                    .and_then(|s| s.checked_sub(super::FIRST_BACKEND))
                    .map_or(NONE_BACKEND, |b| b as u16),
            },
        );
    }

    /// Attempt failed with `outcome`: retry within policy and budget, or finish.
    fn failed(
        &mut self,
        id: u64,
        outcome: Outcome,
        server: Option<NodeId>,
        ctx: &mut Ctx<LbMsg, LbTimer>,
    ) {
        let Some(p) = self.pending.get(&id).copied() else {
            return;
        };
        if self.p.retry == RetryPolicy::None || p.attempt >= self.p.tries {
            return self.finish(id, outcome, server, ctx.now());
        }
        if self.p.budget {
            if self.budget_milli < 1_000 {
                self.totals.retries_denied += 1;
                return self.finish(id, outcome, server, ctx.now());
            }
            self.budget_milli -= 1_000;
        }
        self.totals.retries += 1;
        let next = p.attempt + 1;
        match self.p.retry {
            RetryPolicy::Backoff => {
                let exp = self
                    .p
                    .backoff_base
                    .as_us()
                    .saturating_mul(1u64 << (p.attempt - 1).min(30));
                let ceiling = exp.min(self.p.backoff_cap.as_us());
                let delay = ctx.rng().range_inclusive(0, ceiling);
                if let Some(q) = self.pending.get_mut(&id) {
                    q.attempt = next;
                    q.backing_off = true;
                }
                ctx.set_timer(LbTimer::Backoff { id }, Duration(delay));
            }
            _ => {
                if let Some(q) = self.pending.get_mut(&id) {
                    q.attempt = next;
                }
                self.send(id, ctx);
            }
        }
    }

    pub(super) fn on_message(&mut self, msg: LbMsg, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let LbMsg::Response {
            id,
            attempt,
            reply,
            server,
        } = msg
        else {
            return;
        };
        let current = self
            .pending
            .get(&id)
            .is_some_and(|p| p.attempt == attempt && !p.backing_off);
        if !current {
            // A late answer to an attempt already given up on.
            return;
        }
        ctx.cancel_timer(LbTimer::Timeout { id, attempt });
        let server = (reply != Reply::NoBackend).then_some(server);
        match reply {
            Reply::Ok => self.finish(id, Outcome::Ok, server, ctx.now()),
            r => self.failed(id, Outcome::of(r), server, ctx),
        }
    }

    pub(super) fn on_timer(&mut self, timer: LbTimer, ctx: &mut Ctx<LbMsg, LbTimer>) {
        match timer {
            LbTimer::Arrival => {
                if self.arrival_due {
                    self.issue(ctx);
                }
                self.reschedule(ctx);
            }
            LbTimer::Timeout { id, attempt } => {
                let current = self
                    .pending
                    .get(&id)
                    .is_some_and(|p| p.attempt == attempt && !p.backing_off);
                if current {
                    self.failed(id, Outcome::Timeout, None, ctx);
                }
            }
            LbTimer::Backoff { id } => {
                if let Some(p) = self.pending.get_mut(&id) {
                    p.backing_off = false;
                    self.send(id, ctx);
                }
            }
            _ => {}
        }
    }
}
