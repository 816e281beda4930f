//! Process 0: the clients and the load balancer. Clients invoke operations as a Poisson stream
//! (a share of them writes), with a per-attempt timeout and retries; the balancer picks an app
//! replica with the load-balancer lab's [`Picker`] among those its health checks (HAProxy's
//! rise/fall, the lab's [`BackendView`]) believe up. Every invocation and response goes to the
//! linearizability checker as it happens.

use super::linear::OpKind;
use super::params::SystemParams;
use super::zones::Zones;
use super::{Hop, KvResult, Op, SysMsg, SysRefusal, SysTimer};
use crate::cluster::model::p99_of;
use crate::health::Health;
use crate::idmap::IdMap;
use crate::lb::balancer::{pick_among, BackendView};
use crate::lb::params::BackendSpec;
use crate::lb::Picker;
use crate::node::{Ctx, Node};
use crate::shared_vec::SharedVec;
use crate::time::{Duration, SimTime};
use crate::NodeId;
use std::collections::VecDeque;

type C<'a> = Ctx<'a, SysMsg, SysTimer>;

/// Width of a chart bucket.
pub const BUCKET: Duration = Duration(1_000_000);
/// Latency bins of a bucket (powers of two of ms).
pub const LAT_BINS: usize = 16;
/// Finished requests kept for the page (the followed request is one of them).
pub const RECENT: usize = 24;

/// A client operation in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOp {
    /// The operation.
    pub op: Op,
    /// When the client invoked it.
    pub invoked: SimTime,
    /// Current attempt (1-based).
    pub attempt: u32,
    /// The app the current attempt went to (`None`: no app was up).
    pub app: Option<usize>,
    /// When the current attempt was sent.
    pub sent: SimTime,
}

/// A finished request, with the path of its last attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// Operation id.
    pub id: u64,
    /// The operation.
    pub op: Op,
    /// Answered (else failed after its attempts).
    pub ok: bool,
    /// What a read returned.
    pub result: Option<i64>,
    /// Invoked at.
    pub invoked: SimTime,
    /// Last attempt sent at.
    pub sent: SimTime,
    /// Finished at.
    pub finished: SimTime,
    /// Attempts.
    pub attempts: u32,
    /// The app of the last attempt.
    pub app: Option<usize>,
    /// The last attempt's hops: the app, then each shard member tried.
    pub hops: Vec<Hop>,
}

/// One chart bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Answered.
    pub ok: u32,
    /// Failed after every attempt.
    pub failed: u32,
    /// Latency of answered requests, by powers of two of ms.
    pub lat: [u32; LAT_BINS],
}

impl Bucket {
    /// p99 latency, ms (the bin's upper edge).
    pub fn p99_ms(&self) -> Option<u64> {
        p99_of(&self.lat)
    }
}

/// Running totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Operations invoked.
    pub requests: u64,
    /// Answered.
    pub ok: u64,
    /// Failed after every attempt.
    pub failed: u64,
    /// Attempts that timed out at the client.
    pub timeouts: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Attempts with no app believed up.
    pub no_app: u64,
    /// Attempts the app answered with an error (unknown outcome or no shard leader).
    pub errors: u64,
}

/// A change of the balancer's view of an app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewChange {
    /// When.
    pub time: SimTime,
    /// Which app.
    pub app: usize,
    /// Its status after.
    pub status: Health,
}

/// The clients and the balancer.
#[derive(Clone, Debug)]
pub struct Front {
    /// Settings.
    pub p: SystemParams,
    next_op: u64,
    /// Operations in progress.
    pub ops: IdMap<ClientOp>,
    /// The balancer's view of each app.
    pub views: Vec<BackendView>,
    /// The balancer's strategy state.
    pub picker: Picker,
    check_seq: u64,
    /// The checker of the clients' history.
    pub checker: Zones,
    /// Totals.
    pub totals: Totals,
    /// Latency of every answered request, µs, in chunks that snapshots share (a plain list was
    /// copied whole into every snapshot: 600 000 numbers after 10 minutes at 1 000 requests a
    /// second). Read only for percentiles: each full chunk is sorted when it fills, so they
    /// are found without copying the whole run's latencies (`metrics::measure`).
    pub lat_us: SharedVec<u64, 4096>,
    /// One bucket per second.
    pub series: Vec<Bucket>,
    /// The latest finished requests, newest last.
    pub recent: VecDeque<Done>,
    /// Every change of the balancer's view.
    pub changes: Vec<ViewChange>,
}

fn lat_bin(us: u64) -> usize {
    let ms = us / 1000 + 1;
    ((63 - ms.leading_zeros()) as usize).min(LAT_BINS - 1)
}

impl Front {
    /// The front of a system with these settings.
    pub fn new(p: &SystemParams) -> Front {
        let specs = vec![BackendSpec::default(); p.apps];
        Front {
            p: *p,
            next_op: 1,
            ops: IdMap::new(),
            views: vec![BackendView::default(); p.apps],
            picker: Picker::new(p.strategy, &specs, 100, Duration::from_ms(10_000)),
            check_seq: 0,
            checker: Zones::new(p.keys),
            totals: Totals::default(),
            lat_us: SharedVec::new(),
            series: Vec::new(),
            recent: VecDeque::new(),
            changes: Vec::new(),
        }
    }

    fn bucket(&mut self, now: SimTime) -> &mut Bucket {
        let i = (now.as_us() / BUCKET.as_us()) as usize;
        if self.series.len() <= i {
            self.series.resize(i + 1, Bucket::default());
        }
        &mut self.series[i]
    }

    fn schedule_arrival(&mut self, ctx: &mut C) {
        if self.p.rps == 0 {
            return;
        }
        let gap = ctx.rng().exp_u64(1_000_000 / self.p.rps as u64).max(1);
        ctx.set_timer(SysTimer::Arrival, Duration(gap));
    }

    fn arrival(&mut self, ctx: &mut C) {
        self.schedule_arrival(ctx);
        let id = self.next_op;
        self.next_op += 1;
        let key = ctx.rng().below(self.p.keys.max(1) as u64) as u32;
        let write = ctx.rng().below(100) < self.p.write_pct as u64;
        // Every write writes its own id: a read names the write it saw.
        let op = if write {
            Op::Write(key, id as i64)
        } else {
            Op::Read(key)
        };
        let now = ctx.now();
        let kind = match op {
            Op::Write(_, v) => OpKind::Write(v),
            Op::Read(_) => OpKind::Read,
        };
        self.checker.invoke(key, id, kind, now);
        self.totals.requests += 1;
        self.ops.insert(
            id,
            ClientOp {
                op,
                invoked: now,
                attempt: 1,
                app: None,
                sent: now,
            },
        );
        self.route(id, ctx);
    }

    fn route(&mut self, id: u64, ctx: &mut C) {
        let now = ctx.now();
        let key = self.ops.get(&id).map_or(0, |o| o.op.key());
        let pick = pick_among(&mut self.picker, &self.views, key, now, ctx.rng());
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        op.app = pick;
        op.sent = now;
        let attempt = op.attempt;
        let o = op.op;
        ctx.set_timer(SysTimer::Attempt { id, attempt }, self.p.cto);
        match pick {
            Some(b) => {
                self.views[b].outstanding += 1;
                ctx.send(
                    self.p.app_id(b),
                    SysMsg::Req {
                        id: wire(id, attempt),
                        op: o,
                    },
                );
            }
            None => {
                self.totals.no_app += 1;
                self.attempt_failed(id, ctx);
            }
        }
    }

    fn attempt_failed(&mut self, id: u64, ctx: &mut C) {
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        ctx.cancel_timer(SysTimer::Attempt {
            id,
            attempt: op.attempt,
        });
        if op.attempt < self.p.tries.clamp(1, 15) {
            op.attempt += 1;
            self.totals.retries += 1;
            self.route(id, ctx);
            return;
        }
        let Some(op) = self.ops.remove(&id) else {
            return;
        };
        let now = ctx.now();
        self.totals.failed += 1;
        self.bucket(now).failed += 1;
        // A read is forgotten; a write's outcome is unknown (it may still take effect).
        self.checker.failed(op.op.key(), id);
        self.push_recent(Done {
            id,
            op: op.op,
            ok: false,
            result: None,
            invoked: op.invoked,
            sent: op.sent,
            finished: now,
            attempts: op.attempt,
            app: op.app,
            hops: Vec::new(),
        });
    }

    fn push_recent(&mut self, d: Done) {
        if self.recent.len() >= RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(d);
    }

    fn answered(&mut self, id: u64, value: Option<i64>, hops: Vec<Hop>, ctx: &mut C) {
        let Some(op) = self.ops.remove(&id) else {
            return;
        };
        ctx.cancel_timer(SysTimer::Attempt {
            id,
            attempt: op.attempt,
        });
        let now = ctx.now();
        let result = match op.op {
            Op::Read(_) => value,
            Op::Write(..) => None,
        };
        if let Some(a) = self.checker.ok(op.op.key(), id, result, now) {
            ctx.note(format!("LINEARIZABILITY: {}", a.detail));
        }
        let us = now.since(op.invoked).as_us();
        self.totals.ok += 1;
        self.lat_us.push_sorting_chunks(us);
        let b = self.bucket(now);
        b.ok += 1;
        b.lat[lat_bin(us)] += 1;
        self.push_recent(Done {
            id,
            op: op.op,
            ok: true,
            result,
            invoked: op.invoked,
            sent: op.sent,
            finished: now,
            attempts: op.attempt,
            app: op.app,
            hops,
        });
    }

    fn check_round(&mut self, ctx: &mut C) {
        self.check_seq += 1;
        let now = ctx.now();
        for b in 0..self.views.len() {
            if self.views[b].awaiting.is_some() {
                self.check_result(b, false, now, ctx);
            }
            self.views[b].awaiting = Some(self.check_seq);
            ctx.send(
                self.p.app_id(b),
                SysMsg::Check {
                    seq: self.check_seq,
                },
            );
        }
        ctx.set_timer(SysTimer::Check, self.p.hc_interval);
    }

    fn check_result(&mut self, b: usize, ok: bool, now: SimTime, ctx: &mut C) {
        let before = self.views[b].status;
        self.views[b].on_check(ok, self.p.rise, self.p.fall);
        let after = self.views[b].status;
        if before != after {
            ctx.note(format!(
                "balancer: app{b} {} → {}",
                before.as_str(),
                after.as_str()
            ));
            self.changes.push(ViewChange {
                time: now,
                app: b,
                status: after,
            });
        }
    }
}

/// The id on the wire: the operation's id and its attempt.
pub fn wire(id: u64, attempt: u32) -> u64 {
    (id << 4) | (attempt as u64 & 15)
}

impl Front {
    /// A machine or zone fault: the front notes what it hits (the run applies the process
    /// faults it stands for).
    pub fn on_machine(&mut self, cmd: super::faults::MachineCmd, ctx: &mut C) {
        ctx.note(cmd.describe(&self.p));
    }
}

impl Node for Front {
    type Msg = SysMsg;
    crate::node::shows_whole_messages!();
    type Timer = SysTimer;
    type Command = super::SysCommand;
    type Refusal = SysRefusal;

    fn on_start(&mut self, ctx: &mut C) {
        self.schedule_arrival(ctx);
        if self.p.hc {
            ctx.set_timer(SysTimer::Check, self.p.hc_interval);
        }
    }

    fn on_message(&mut self, from: NodeId, msg: SysMsg, ctx: &mut C) {
        match msg {
            SysMsg::Resp { id, result, hops } => {
                let (op_id, attempt) = (id >> 4, (id & 15) as u32);
                if let Some(b) = from.checked_sub(1).filter(|&b| b < self.views.len()) {
                    let v = &mut self.views[b];
                    v.outstanding = v.outstanding.saturating_sub(1);
                }
                let Some(op) = self.ops.get(&op_id) else {
                    return;
                };
                match result {
                    // Any attempt's answer answers the operation.
                    KvResult::Ok(v) => self.answered(op_id, v, hops, ctx),
                    _ if op.attempt == attempt => {
                        self.totals.errors += 1;
                        self.attempt_failed(op_id, ctx);
                    }
                    _ => {}
                }
            }
            SysMsg::CheckOk { seq } => {
                if let Some(b) = from.checked_sub(1).filter(|&b| b < self.views.len()) {
                    if self.views[b].awaiting == Some(seq) {
                        let now = ctx.now();
                        self.check_result(b, true, now, ctx);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: SysTimer, ctx: &mut C) {
        match timer {
            SysTimer::Arrival => self.arrival(ctx),
            SysTimer::Check => self.check_round(ctx),
            SysTimer::Attempt { id, attempt }
                if self.ops.get(&id).is_some_and(|o| o.attempt == attempt) =>
            {
                self.totals.timeouts += 1;
                if let Some(b) = self.ops.get(&id).and_then(|o| o.app) {
                    let v = &mut self.views[b];
                    v.outstanding = v.outstanding.saturating_sub(1);
                }
                self.attempt_failed(id, ctx);
            }
            _ => {}
        }
    }

    fn on_restart(&mut self) {
        // The clients' operations in progress end with the process: writes stay pending in the
        // checker (their outcome is unknown); reads are forgotten.
        for (id, op) in std::mem::take(&mut self.ops).into_pairs() {
            self.checker.failed(op.op.key(), id);
            self.totals.failed += 1;
        }
        for v in &mut self.views {
            *v = BackendView::default();
        }
    }

    fn on_command(&mut self, cmd: &super::SysCommand, ctx: &mut C) -> Result<(), SysRefusal> {
        match *cmd {
            super::SysCommand::Machine(m) => self.on_machine(m, ctx),
            _ => return Err(SysRefusal::NotMachine(*cmd)),
        }
        Ok(())
    }
}
