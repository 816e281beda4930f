//! Nodes 2..: a backend — `workers` concurrent requests, a bounded FIFO queue, a service-time
//! distribution, a speed, and the `slow:K` / `errors:PCT` commands.

use super::log::Levels;
use super::params::{BackendSpec, LbParams, ServiceDist};
use super::{LbMsg, LbTimer, Reply, FIRST_BACKEND, LB};
use crate::detmath;
use crate::rng::Rng;
use crate::sim::Ctx;
use crate::time::{Duration, SimTime};
use std::collections::VecDeque;

/// A request at a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    /// Request id.
    pub id: u64,
    /// Attempt number.
    pub attempt: u32,
    /// When it arrived.
    pub arrived: SimTime,
}

/// Level indices in [`Backend::levels`].
pub const BUSY: usize = 0;
/// Queue-length level index in [`Backend::levels`].
pub const QUEUED: usize = 1;

/// A backend.
#[derive(Clone, Debug)]
pub struct Backend {
    /// Parameters.
    pub p: LbParams,
    /// Backend number (0-based; node `FIRST_BACKEND + index`).
    pub index: usize,
    /// Weight and speed.
    pub spec: BackendSpec,
    /// Requests in service.
    pub busy: Vec<Job>,
    /// Requests waiting, oldest first.
    pub queue: VecDeque<Job>,
    /// Service time multiplier from `slow:K` (1 = normal).
    pub slow: u32,
    /// Share of requests answered with 500, ppm, from `errors:PCT`.
    pub error_ppm: u32,
    /// Requests served (200) so far.
    pub served: u64,
    /// Requests answered 500 so far.
    pub errors: u64,
    /// Requests rejected (queue full) so far.
    pub rejected: u64,
    /// Busy workers and queue length integrated per 100 ms (ghost data for utilisation).
    pub levels: Levels<2>,
}

/// Draws one service time in µs with mean `mean_us`.
pub fn sample_service(dist: ServiceDist, mean_us: u64, rng: &mut Rng) -> u64 {
    match dist {
        ServiceDist::Constant => mean_us,
        ServiceDist::Exponential => rng.exp_u64(mean_us),
        ServiceDist::Pareto => {
            // x = x_m · U^(−1/α), α = 1.5, x_m = mean (α−1)/α = mean/3; capped at 50 means.
            let u = 1.0 - rng.unit_f64(); // (0, 1]
            let x = (mean_us as f64 / 3.0) * detmath::exp(-detmath::ln(u) / 1.5);
            let cap = mean_us.saturating_mul(50) as f64;
            (if x > cap { cap } else { x }) as u64
        }
    }
}

impl Backend {
    /// Backend `index` with `spec`.
    pub fn new(p: LbParams, index: usize, spec: BackendSpec) -> Backend {
        Backend {
            p,
            index,
            spec,
            busy: Vec::new(),
            queue: VecDeque::new(),
            slow: 1,
            error_ppm: 0,
            served: 0,
            errors: 0,
            rejected: 0,
            levels: Levels::default(),
        }
    }

    /// This backend's node id.
    pub fn node(&self) -> usize {
        FIRST_BACKEND + self.index
    }

    fn record(&mut self, now: SimTime) {
        self.levels.set(now, BUSY, self.busy.len() as u64);
        self.levels.set(now, QUEUED, self.queue.len() as u64);
    }

    fn start(&mut self, job: Job, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let mean = self.p.service_mean.as_us() * 100 / self.spec.speed_pct.max(1) as u64;
        let t = sample_service(self.p.service, mean, ctx.rng()).saturating_mul(self.slow as u64);
        self.busy.push(job);
        ctx.set_timer(
            LbTimer::Done {
                id: job.id,
                attempt: job.attempt,
            },
            Duration(t),
        );
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx<LbMsg, LbTimer>) {
        // Also after a restart: the time down counts as idle.
        self.levels.reset(ctx.now());
    }

    pub(super) fn on_restart(&mut self) {
        // Queue and requests in service are lost; `slow`/`errors` model the machine, they stay.
        self.busy.clear();
        self.queue.clear();
    }

    pub(super) fn on_message(&mut self, msg: LbMsg, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let now = ctx.now();
        match msg {
            LbMsg::HealthCheck { seq } => ctx.send(LB, LbMsg::HealthReply { seq }),
            LbMsg::Request { id, attempt, .. } => {
                let reply = |reply| LbMsg::Response {
                    id,
                    attempt,
                    reply,
                    server: FIRST_BACKEND + self.index,
                };
                if ctx.rng().chance_ppm(self.error_ppm) {
                    self.errors += 1;
                    ctx.send(LB, reply(Reply::Error));
                    return;
                }
                let job = Job {
                    id,
                    attempt,
                    arrived: now,
                };
                if self.busy.len() < self.p.workers as usize {
                    self.start(job, ctx);
                } else if self.queue.len() < self.p.queue as usize {
                    self.queue.push_back(job);
                } else {
                    self.rejected += 1;
                    ctx.send(LB, reply(Reply::Rejected));
                    return;
                }
                self.record(now);
            }
            _ => {}
        }
    }

    pub(super) fn on_timer(&mut self, timer: LbTimer, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let LbTimer::Done { id, attempt } = timer else {
            return;
        };
        let Some(k) = self
            .busy
            .iter()
            .position(|j| j.id == id && j.attempt == attempt)
        else {
            return;
        };
        self.busy.swap_remove(k);
        self.served += 1;
        ctx.send(
            LB,
            LbMsg::Response {
                id,
                attempt,
                reply: Reply::Ok,
                server: self.node(),
            },
        );
        if let Some(next) = self.queue.pop_front() {
            self.start(next, ctx);
        }
        self.record(ctx.now());
    }
}
