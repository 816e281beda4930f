//! Node 1: the load balancer — routing with a [`Picker`], outstanding-request tracking, active
//! health checks (HAProxy's rise/fall) and passive outlier ejection (Envoy's consecutive 5xx).

use super::log::Buckets;
use super::log::{Levels, Log};
use super::metrics::{record_route, route_buckets, RouteSummary};
use super::params::{BackendSpec, LbParams, Strategy, MAX_BACKENDS};
use super::picker::Picker;
use super::{LbMsg, LbTimer, Reply, CLIENTS, FIRST_BACKEND, LB};
use crate::idmap::IdMap;
use crate::sim::Ctx;
use crate::time::{Duration, SimTime};
use crate::NodeId;

/// What the balancer believes about a backend from its active checks: up (the last check
/// succeeded, or `rise` in a row did), suspect (some failed in a row, fewer than `fall`: still routed
/// to, as HAProxy does), down (`fall` failed in a row: not routed to until `rise` succeed).
pub use crate::health::Health as Status;

/// The balancer's view of one backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendView {
    /// Health-check status.
    pub status: Status,
    /// Consecutive failed checks.
    pub fails: u32,
    /// Consecutive successful checks while down.
    pub oks: u32,
    /// The check awaiting an answer.
    pub awaiting: Option<u64>,
    /// Ejected by outlier detection until then.
    pub ejected_until: Option<SimTime>,
    /// Ejections so far (the k-th lasts k × `eject_time`).
    pub ejections: u32,
    /// Consecutive failed answers (500, 503 or upstream timeout).
    pub consecutive_errors: u32,
    /// Requests sent and not yet answered or timed out.
    pub outstanding: u32,
}

impl Default for BackendView {
    fn default() -> Self {
        BackendView {
            status: Status::Up,
            fails: 0,
            oks: 0,
            awaiting: None,
            ejected_until: None,
            ejections: 0,
            consecutive_errors: 0,
            outstanding: 0,
        }
    }
}

impl BackendView {
    /// Routed to: not down and not ejected.
    pub fn eligible(&self) -> bool {
        self.status != Status::Down && self.ejected_until.is_none()
    }

    /// A health check's result, HAProxy's rise/fall: a failure makes the backend suspect, `fall`
    /// in a row down; a success brings a suspect one straight back up and a down one after
    /// `rise` in a row.
    pub fn on_check(&mut self, ok: bool, rise: u32, fall: u32) {
        self.awaiting = None;
        if ok {
            self.fails = 0;
            match self.status {
                Status::Down => {
                    self.oks += 1;
                    if self.oks >= rise {
                        self.status = Status::Up;
                        self.oks = 0;
                    }
                }
                _ => self.status = Status::Up,
            }
        } else {
            self.oks = 0;
            self.fails += 1;
            if self.status != Status::Down {
                self.status = if self.fails >= fall {
                    Status::Down
                } else {
                    Status::Suspect
                };
            }
        }
    }
}

/// A change in the balancer's view of a backend (kept for measurements and the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// When.
    pub time: SimTime,
    /// Backend (0-based).
    pub backend: usize,
    /// Health status after the change.
    pub status: Status,
    /// Ejected after the change.
    pub ejected: bool,
}

/// One routing decision (16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// When, µs.
    pub at_us: u64,
    /// Backend (0-based), `u16::MAX` when none was eligible.
    pub backend: u16,
    /// Attempt number of the request.
    pub attempt: u16,
}

/// An attempt sent to a backend and not yet answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    /// Backend (0-based).
    pub backend: usize,
    /// When it was sent.
    pub sent: SimTime,
}

/// The load balancer (node 1).
#[derive(Clone, Debug)]
pub struct Balancer {
    /// Parameters (the `strategy:NAME` command changes `p.strategy`).
    pub p: LbParams,
    /// Backend settings.
    pub specs: Vec<BackendSpec>,
    /// Its view of each backend.
    pub views: Vec<BackendView>,
    /// The picking strategy's state.
    pub picker: Picker,
    /// Attempts in flight at backends, by (request id, attempt).
    pub outstanding: IdMap<Out>,
    /// Last health-check round number.
    pub seq: u64,
    /// Every change of view, in time order.
    pub transitions: Vec<Transition>,
    /// The routing decisions the window or the open chart bucket still needs (older sealed chunks
    /// are dropped), also bounded in count.
    pub routes: Log<Route>,
    /// Sealed chart buckets of routing decisions, for the charts' span.
    pub chart: Buckets<RouteSummary>,
    /// Ghost data for the crash reports: the routing decisions to a backend that was down at the
    /// time (bounded log; empty unless a crashed backend is routed to).
    pub down_routes: Log<Route>,
    /// Attempts routed to each backend in the whole run (running counts).
    pub routed_total: Vec<u64>,
    /// Outstanding requests per backend integrated per 100 ms.
    pub inflight: Vec<Levels<1>>,
    /// Answers relayed (all backends).
    pub answered: u64,
    /// Attempts given up at the upstream timeout.
    pub upstream_timeouts: u64,
    restarted: bool,
}

/// `Route::backend` when no backend was eligible.
pub const NO_BACKEND: u16 = u16::MAX;

impl Balancer {
    /// A balancer for these backends.
    pub fn new(p: LbParams, specs: &[BackendSpec]) -> Balancer {
        Balancer {
            p,
            specs: specs.to_vec(),
            views: vec![BackendView::default(); specs.len()],
            picker: Picker::new(p.strategy, specs, p.vnodes, p.pewma_decay),
            outstanding: IdMap::new(),
            seq: 0,
            transitions: Vec::new(),
            // 256 records a chunk, at most 2 048 chunks (~524 000 decisions) of the kept span.
            routes: Log::new(256, 2_048),
            chart: route_buckets(),
            down_routes: Log::new(1_024, 512),
            routed_total: vec![0; specs.len()],
            inflight: vec![Levels::default(); specs.len()],
            answered: 0,
            upstream_timeouts: 0,
            restarted: false,
        }
    }

    /// Switches strategy; the picker starts afresh.
    pub fn set_strategy(&mut self, s: Strategy) {
        self.p.strategy = s;
        self.picker = Picker::new(s, &self.specs, self.p.vnodes, self.p.pewma_decay);
    }

    /// Applies `f` to backend `b`'s view and logs a transition if status or ejection changed.
    fn update(
        &mut self,
        b: usize,
        now: SimTime,
        ctx: &mut Ctx<LbMsg, LbTimer>,
        f: impl FnOnce(&mut BackendView),
    ) {
        let before = self.views[b];
        f(&mut self.views[b]);
        let after = self.views[b];
        let (ej0, ej1) = (
            before.ejected_until.is_some(),
            after.ejected_until.is_some(),
        );
        if before.status != after.status || ej0 != ej1 {
            self.transitions.push(Transition {
                time: now,
                backend: b,
                status: after.status,
                ejected: ej1,
            });
            let node = FIRST_BACKEND + b;
            if before.status != after.status {
                ctx.note(format!(
                    "node {node} {} → {}",
                    before.status.as_str(),
                    after.status.as_str()
                ));
            }
            if ej1 && !ej0 {
                ctx.note(format!(
                    "node {node} ejected after {} failures in a row",
                    before.consecutive_errors + 1
                ));
            } else if ej0 && !ej1 {
                ctx.note(format!("node {node} back from ejection"));
            }
        }
    }

    fn check_result(&mut self, b: usize, ok: bool, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let (rise, fall) = (self.p.rise, self.p.fall);
        self.update(b, ctx.now(), ctx, |v| v.on_check(ok, rise, fall));
    }

    /// An answer (or upstream timeout) from backend `b`: outlier-detection bookkeeping.
    fn passive(&mut self, b: usize, ok: bool, ctx: &mut Ctx<LbMsg, LbTimer>) {
        if ok {
            self.views[b].consecutive_errors = 0;
            return;
        }
        let after = self.p.eject_after;
        let v = self.views[b];
        if after == 0 || v.ejected_until.is_some() || v.consecutive_errors + 1 < after {
            self.views[b].consecutive_errors += 1;
            return;
        }
        let n = self.views.len();
        let ejected = self
            .views
            .iter()
            .filter(|v| v.ejected_until.is_some())
            .count();
        let max = (n * self.p.max_eject_pct as usize / 100).max(1);
        if ejected >= max {
            self.views[b].consecutive_errors += 1;
            return;
        }
        let now = ctx.now();
        let k = (v.ejections + 1).min(10) as u64;
        let until = now.plus(Duration(self.p.eject_time.as_us() * k));
        self.update(b, now, ctx, |v| {
            v.ejections += 1;
            v.ejected_until = Some(until);
            v.consecutive_errors = 0;
        });
        ctx.set_timer(LbTimer::EjectEnd { backend: b }, until.since(now));
    }

    fn set_outstanding(&mut self, b: usize, now: SimTime, delta: i64) {
        let v = &mut self.views[b];
        v.outstanding = (v.outstanding as i64 + delta).max(0) as u32;
        let o = v.outstanding as u64;
        self.inflight[b].set(now, 0, o);
    }

    fn route(&mut self, id: u64, key: u32, attempt: u32, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let now = ctx.now();
        let pick = pick_among(&mut self.picker, &self.views, key, now, ctx.rng());
        let route = Route {
            at_us: now.as_us(),
            backend: pick.map_or(NO_BACKEND, |b| b as u16),
            attempt: attempt.min(u16::MAX as u32) as u16,
        };
        record_route(self, route);
        if let Some(b) = pick {
            if let Some(t) = self.routed_total.get_mut(b) {
                *t += 1;
            }
            if !ctx.ghost_is_up(FIRST_BACKEND + b) {
                self.down_routes.push(route);
            }
        }
        let Some(b) = pick else {
            ctx.send(
                CLIENTS,
                LbMsg::Response {
                    id,
                    attempt,
                    reply: Reply::NoBackend,
                    server: LB,
                },
            );
            return;
        };
        self.outstanding.insert(
            out_key(id, attempt),
            Out {
                backend: b,
                sent: now,
            },
        );
        self.set_outstanding(b, now, 1);
        ctx.send(FIRST_BACKEND + b, LbMsg::Request { id, key, attempt });
        ctx.set_timer(LbTimer::Upstream { id, attempt }, self.p.timeout);
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let now = ctx.now();
        if self.restarted {
            self.restarted = false;
            for b in 0..self.views.len() {
                self.update(b, now, ctx, |v| *v = BackendView::default());
                self.inflight[b].reset(now);
            }
        }
        if self.p.hc {
            // The first round goes out at once (HAProxy checks at start-up).
            ctx.set_timer(LbTimer::Check, Duration(0));
        }
    }

    pub(super) fn on_restart(&mut self) {
        // Volatile: outstanding requests, health views, the picker's state.
        self.outstanding.clear();
        self.picker = Picker::new(
            self.p.strategy,
            &self.specs,
            self.p.vnodes,
            self.p.pewma_decay,
        );
        for v in &mut self.views {
            v.outstanding = 0;
            v.awaiting = None;
        }
        self.restarted = true;
    }

    pub(super) fn on_message(&mut self, from: NodeId, msg: LbMsg, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let now = ctx.now();
        match msg {
            LbMsg::Request { id, key, attempt } if from == CLIENTS => {
                self.route(id, key, attempt, ctx)
            }
            LbMsg::Response {
                id,
                attempt,
                reply,
                server,
            } => {
                let Some(out) = self.outstanding.remove(&out_key(id, attempt)) else {
                    return; // late: the attempt already timed out here
                };
                ctx.cancel_timer(LbTimer::Upstream { id, attempt });
                let b = out.backend;
                self.set_outstanding(b, now, -1);
                self.picker.observe(b, now.since(out.sent).as_us(), now);
                self.answered += 1;
                self.passive(b, reply == Reply::Ok, ctx);
                ctx.send(
                    CLIENTS,
                    LbMsg::Response {
                        id,
                        attempt,
                        reply,
                        server,
                    },
                );
            }
            LbMsg::HealthReply { seq } => {
                let Some(b) = from.checked_sub(FIRST_BACKEND) else {
                    return;
                };
                if b < self.views.len() && self.views[b].awaiting == Some(seq) {
                    ctx.cancel_timer(LbTimer::CheckTimeout { backend: b });
                    self.check_result(b, true, ctx);
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_timer(&mut self, timer: LbTimer, ctx: &mut Ctx<LbMsg, LbTimer>) {
        let now = ctx.now();
        match timer {
            LbTimer::Check => {
                self.seq += 1;
                for b in 0..self.views.len() {
                    if self.views[b].awaiting.is_some() {
                        // Unanswered by the next round (cannot happen with timeout < interval).
                        self.check_result(b, false, ctx);
                    }
                    self.views[b].awaiting = Some(self.seq);
                    ctx.send(FIRST_BACKEND + b, LbMsg::HealthCheck { seq: self.seq });
                    ctx.set_timer(LbTimer::CheckTimeout { backend: b }, self.p.hc_timeout);
                }
                ctx.set_timer(LbTimer::Check, self.p.hc_interval);
            }
            LbTimer::CheckTimeout { backend }
                if self
                    .views
                    .get(backend)
                    .is_some_and(|v| v.awaiting.is_some()) =>
            {
                self.check_result(backend, false, ctx);
            }
            LbTimer::Upstream { id, attempt } => {
                if let Some(out) = self.outstanding.remove(&out_key(id, attempt)) {
                    let b = out.backend;
                    self.set_outstanding(b, now, -1);
                    self.picker.observe(b, self.p.timeout.as_us(), now);
                    self.upstream_timeouts += 1;
                    self.passive(b, false, ctx);
                }
            }
            LbTimer::EjectEnd { backend } if backend < self.views.len() => {
                self.update(backend, now, ctx, |v| {
                    v.ejected_until = None;
                    v.consecutive_errors = 0;
                });
            }
            _ => {}
        }
    }
}

/// The key of attempt `attempt` of request `id` in [`Balancer::outstanding`]: both packed in one
/// number. Ids stay below 2³² (a run issues at most `MAX_RATE` × 20 (a burst) = 200 000 requests
/// a second for 10 minutes: 1.2·10⁸) and attempts are at most the validated `tries`, 10.
fn out_key(id: u64, attempt: u32) -> u64 {
    debug_assert!(id < 1 << 32, "request id {id}");
    id << 32 | attempt as u64
}

/// `picker`'s choice among `views` (those eligible, by their outstanding requests), for the
/// balancer's route and the system lab's front: built on the stack, as a pick happens for every
/// request (views are at most [`MAX_BACKENDS`]; any beyond are not considered).
pub(crate) fn pick_among(
    picker: &mut Picker,
    views: &[BackendView],
    key: u32,
    now: SimTime,
    rng: &mut crate::rng::Rng,
) -> Option<usize> {
    let n = views.len().min(MAX_BACKENDS);
    let (mut eligible, mut out) = ([false; MAX_BACKENDS], [0u32; MAX_BACKENDS]);
    for (b, v) in views.iter().take(n).enumerate() {
        (eligible[b], out[b]) = (v.eligible(), v.outstanding);
    }
    picker.pick(&eligible[..n], &out[..n], key, now, rng)
}
