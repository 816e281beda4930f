//! The replication and locks lab, part two: a lock service with leases and fencing tokens, a
//! shared storage, and clients that take the lock, write, and release — the setting of
//! Kleppmann's "How to do distributed locking" (2016).
//!
//! Nodes, in id order:
//! - **node 0, the lock service** (one node, as ZooKeeper or etcd look to their clients): grants
//!   the lock with a lease of `ttl`, renewed by keep-alives, and a **fencing token** that grows
//!   with every grant (ZooKeeper's zxid, etcd's revision). Waiters queue in FIFO order and only
//!   the next one is told when the lock is free (the "watch your predecessor" recipe of the
//!   ZooKeeper docs — no herd), or, with `fifo` off, every waiter is told and all of them race
//!   again (the herd effect). With a `lock_delay`, a lock whose lease *expired* (as opposed to
//!   being released) is not granted again for that long (Consul's session lock-delay);
//! - **node 1, the storage**: accepts writes; with `fencing` on it remembers the highest token it
//!   has seen and refuses a write carrying a lower one;
//! - **the clients** (nodes 2..): acquire, work for `work`, write to the storage with their token,
//!   release, think, repeat. A careful client (`check`) looks at its lease — by its own clock,
//!   which may drift — just before writing; a pause (`pause:MS`) or a slow network between
//!   that look and the write's arrival still lets a stale write through, unless the storage
//!   checks the token.
//!
//! Ground truth ([`measure_locks`]): mutual-exclusion violations (two clients believing they hold
//! the lock at once), stale writes accepted (an older token after a newer one: the corruption)
//! and rejected, late writes (an older token arriving after a newer grant but before its holder
//! wrote — still in token order, which is all fencing can promise), acquisitions, waits and
//! messages per acquisition.

use super::chunked::Chunked;
use super::params::{drift, ms_outside, outside, ReplParamsError, MAX_DRIFT_PCT};
use super::pause::Pause;
use super::Clock;
use crate::fault::TimedFault;
use crate::net::{fmt_pct, parse_pct, NetConfig, PctError};
use crate::sim::{Ctx, Node, Sim};
use crate::time::{fmt_ms, parse_ms, Duration, SimTime};
use crate::{clip, NodeId};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

/// The lock service's node id.
pub const LOCK_SERVICE: NodeId = 0;
/// The storage's node id.
pub const STORAGE: NodeId = 1;
/// The first client's node id.
pub const FIRST_CLIENT: NodeId = 2;
/// The most clients.
pub const MAX_LOCK_CLIENTS: usize = 6;
/// The longest lease, work, think time, lock-delay or pause (60 s).
pub const MAX_LOCK_MS: u64 = 60_000;

/// Lock-lab parameters. Defaults in brackets; proposed link keys in `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockParams {
    /// Clients competing for the lock, 2–6 [3] `lc`.
    pub clients: usize,
    /// Lease time-to-live; clients renew every third of it [1000 ms] `lttl`.
    pub ttl: Duration,
    /// How long a holder works before writing [200 ms] `lwork`.
    pub work: Duration,
    /// Mean pause between a release and the next request (exponential) [300 ms] `lthink`.
    pub think: Duration,
    /// The storage refuses tokens below the highest it has seen [on] `lfence`.
    pub fencing: bool,
    /// After a lease *expires*, the lock stays unavailable this long (Consul's lock-delay,
    /// 15 s by default there) [0] `ldelay`.
    pub lock_delay: Duration,
    /// Waiters are served in order and only the next is told (no herd) [on] `lfifo`.
    pub fifo: bool,
    /// A holder checks its lease by its own clock just before writing [on] `lcheck`.
    pub check: bool,
    /// Clients' clocks run slow by this, parts per million (percent in links) [0] `ldrift`.
    pub drift_ppm: u32,
}

impl Default for LockParams {
    fn default() -> Self {
        LockParams {
            clients: 3,
            ttl: Duration::from_ms(1_000),
            work: Duration::from_ms(200),
            think: Duration::from_ms(300),
            fencing: true,
            lock_delay: Duration(0),
            fifo: true,
            check: true,
            drift_ppm: 0,
        }
    }
}

impl LockParams {
    /// Checks every limit; the error names the setting by its link key.
    pub fn validate(&self) -> Result<(), ReplParamsError> {
        outside(
            "lc",
            "clients",
            self.clients as u64,
            2,
            MAX_LOCK_CLIENTS as u64,
        )?;
        for (key, d, lo) in [
            ("lttl", self.ttl, Duration::from_ms(3)),
            ("lwork", self.work, Duration(0)),
            ("lthink", self.think, Duration(0)),
            ("ldelay", self.lock_delay, Duration(0)),
        ] {
            ms_outside(key, d, lo, MAX_LOCK_MS)?;
        }
        drift("ldrift", self.drift_ppm)
    }
}

/// Messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockMsg {
    /// Client → service: I want the lock (request `req`; a retry repeats the number).
    Acquire {
        /// The client's request number.
        req: u32,
    },
    /// Service → client: yours, with this fencing token, for `ttl`.
    Granted {
        /// The fencing token.
        token: u64,
        /// The request it answers.
        req: u32,
    },
    /// Service → client (FIFO): you are queued at this position (1 = next).
    Queued {
        /// Position in the queue.
        position: usize,
    },
    /// Service → client (herd): taken; you will be told when it is free.
    Busy,
    /// Service → every watcher (herd): the lock is free, try again.
    Free,
    /// Client → service: renew my lease.
    KeepAlive {
        /// The holder's token.
        token: u64,
    },
    /// Service → client: renewed, for `ttl` from your keep-alive.
    Renewed {
        /// The token.
        token: u64,
    },
    /// Service → client: your lease expired; the lock is no longer yours.
    Expired {
        /// The token.
        token: u64,
    },
    /// Client → service: I am done.
    Release {
        /// The token.
        token: u64,
    },
    /// Client → storage: write, under this token.
    Write {
        /// The token.
        token: u64,
    },
    /// Storage → client: written.
    Written {
        /// The token.
        token: u64,
    },
    /// Storage → client (fencing): refused, it has seen a higher token.
    Rejected {
        /// The token refused.
        token: u64,
        /// The highest token seen.
        highest: u64,
    },
}

impl fmt::Display for LockMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockMsg::Acquire { .. } => f.write_str("acquire"),
            LockMsg::Granted { token, .. } => write!(f, "granted #{token}"),
            LockMsg::Queued { position } => write!(f, "queued {position}"),
            LockMsg::Busy => f.write_str("busy"),
            LockMsg::Free => f.write_str("free"),
            LockMsg::KeepAlive { token } => write!(f, "keep-alive #{token}"),
            LockMsg::Renewed { token } => write!(f, "renewed #{token}"),
            LockMsg::Expired { token } => write!(f, "expired #{token}"),
            LockMsg::Release { token } => write!(f, "release #{token}"),
            LockMsg::Write { token } => write!(f, "write #{token}"),
            LockMsg::Written { token } => write!(f, "written #{token}"),
            LockMsg::Rejected { token, highest } => write!(f, "rejected #{token} < #{highest}"),
        }
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockTimer {
    /// Service: lease `token` runs out now.
    Expiry {
        /// The token.
        token: u64,
    },
    /// Service: the lock-delay is over.
    DelayOver,
    /// Client: think time over; request the lock (while waiting with no answer at all: ask
    /// again, in case a message was lost).
    Request,
    /// Client: renew the lease.
    KeepAlive,
    /// Client: work done; write.
    Work,
    /// Any node: the pause is over.
    Resume,
}

impl fmt::Display for LockTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockTimer::Expiry { token } => write!(f, "lease #{token} expiry"),
            LockTimer::DelayOver => f.write_str("lock-delay over"),
            LockTimer::Request => f.write_str("request"),
            LockTimer::KeepAlive => f.write_str("keep-alive"),
            LockTimer::Work => f.write_str("work done"),
            LockTimer::Resume => f.write_str("resume"),
        }
    }
}

/// A command to one node of the lock lab (`cmd:NODE:TEXT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockCommand {
    /// Any node: freeze for MS (`pause:MS`), then handle what arrived with stale beliefs.
    Pause(Duration),
    /// Client: its clock runs slow by PCT percent from now on (`drift:PCT`).
    Drift(u32),
    /// Client: work this long per turn from now on (`work:MS`).
    Work(Duration),
}

impl crate::command::Command for LockCommand {}

/// Why a lock-lab command's text was refused (the input quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LockCommandError {
    /// `pause:x`
    #[error("'{0}' is not a time in ms")]
    NotMs(String),
    /// `pause:0`, `work:60001`
    #[error("{0} ms is outside the limits")]
    OutsideLimits(String),
    /// `drift:x`
    #[error("{0}")]
    Percent(#[from] PctError),
    /// `drift:95`
    #[error("drift {0}% is above {MAX_DRIFT_PCT}%")]
    DriftAbove(String),
    /// `nap:5` (the verb)
    #[error("unknown lock command '{0}' (pause:MS, drift:PCT, work:MS)")]
    Unknown(String),
}

/// Why a node of the lock lab refused a command when it ran (the trace's note
/// `node N ignored 'TEXT': …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LockRefusal {
    /// `drift:PCT` or `work:MS` to the lock service.
    #[error("'{0}' is a client command")]
    ClientOnly(LockCommand),
}

impl FromStr for LockCommand {
    type Err = LockCommandError;
    /// Parses `pause:MS`, `drift:PCT`, `work:MS`.
    fn from_str(text: &str) -> Result<LockCommand, LockCommandError> {
        let (verb, arg) = text.split_once(':').unwrap_or((text, ""));
        let ms = |lo: u64| -> Result<Duration, LockCommandError> {
            let us = parse_ms(arg).ok_or_else(|| LockCommandError::NotMs(clip(arg)))?;
            if us < lo || us > MAX_LOCK_MS * 1000 {
                return Err(LockCommandError::OutsideLimits(clip(arg)));
            }
            Ok(Duration(us))
        };
        match verb {
            "pause" => Ok(LockCommand::Pause(ms(1)?)),
            "work" => Ok(LockCommand::Work(ms(0)?)),
            "drift" => {
                let ppm = parse_pct(arg)?;
                if ppm > MAX_DRIFT_PCT * 10_000 {
                    return Err(LockCommandError::DriftAbove(clip(arg)));
                }
                Ok(LockCommand::Drift(ppm))
            }
            _ => Err(LockCommandError::Unknown(clip(verb))),
        }
    }
}

impl fmt::Display for LockCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockCommand::Pause(d) => write!(f, "pause:{}", fmt_ms(d.0)),
            LockCommand::Drift(ppm) => write!(f, "drift:{}", fmt_pct(*ppm)),
            LockCommand::Work(d) => write!(f, "work:{}", fmt_ms(d.0)),
        }
    }
}

/// A grant, an expiry or a release (the service's ghost log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LeaseEvent {
    /// When.
    pub time: SimTime,
    /// The client.
    pub client: NodeId,
    /// The token.
    pub token: u64,
    /// `granted`, `expired` or `released`.
    pub what: &'static str,
}

/// The lock service (node 0).
#[derive(Clone, Debug, PartialEq)]
pub struct LockService {
    /// Parameters.
    pub p: LockParams,
    /// The holder, its token and when its lease runs out.
    pub holder: Option<(NodeId, u64, SimTime)>,
    /// The request the holder's grant answered.
    pub holder_req: u32,
    /// The last token granted (persistent: tokens never go back).
    pub token: u64,
    /// FIFO waiters and their request numbers.
    pub queue: VecDeque<(NodeId, u32)>,
    /// Herd: clients told "busy", to be told "free".
    pub watchers: Vec<NodeId>,
    /// Lock-delay in force until then.
    pub delay_until: Option<SimTime>,
    /// Ghost: every grant, expiry and release.
    pub events: Chunked<LeaseEvent>,
    /// Ghost: `Acquire` messages received.
    pub acquires: u64,
}

/// The storage (node 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Storage {
    /// Parameters.
    pub p: LockParams,
    /// The highest token seen (persistent).
    pub highest: u64,
    /// Ghost: every write `(time, client, token, accepted)`.
    pub writes: Chunked<(SimTime, NodeId, u64, bool)>,
}

/// What a client is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Phase {
    /// Thinking before its next request.
    Idle,
    /// Waiting for the lock.
    Waiting,
    /// Holding it (it believes), working.
    Holding,
    /// Sent its write, waiting for the answer.
    Writing,
}

/// A client.
#[derive(Clone, Debug, PartialEq)]
pub struct LockClient {
    /// Parameters.
    pub p: LockParams,
    /// Its node id.
    pub me: NodeId,
    /// What it is doing.
    pub phase: Phase,
    /// Its token while it holds the lock.
    pub token: u64,
    /// Its lease runs until this local time.
    pub lease_until: u64,
    /// Local time of its last request or keep-alive (a lease counts from there).
    pub asked_at: u64,
    /// Its clock.
    pub clock: Clock,
    /// Work per turn.
    pub work: Duration,
    /// When it asked for the lock (for wait times).
    pub requested: SimTime,
    /// Its current request number.
    pub req: u32,
    /// Ghost: every stretch during which it believed it held the lock `(from, until, token)`.
    pub beliefs: Chunked<(SimTime, Option<SimTime>, u64)>,
    /// Ghost: waits from request to grant, µs.
    pub waits: Chunked<u64>,
    /// Ghost: writes it gave up because its lease had run out by its clock.
    pub abandoned: u64,
}

/// What a node of the lock lab is.
#[derive(Clone, Debug, PartialEq)]
pub enum LockKind {
    /// Node 0.
    Service(LockService),
    /// Node 1.
    Storage(Storage),
    /// Nodes 2…
    Client(LockClient),
}

/// Something that reached a paused node.
#[derive(Clone, Debug, PartialEq)]
pub enum LockStashed {
    /// A message.
    Msg(NodeId, LockMsg),
    /// A timer.
    Timer(LockTimer),
}

/// A node of the lock lab, with its pause.
#[derive(Clone, Debug, PartialEq)]
pub struct LockNode {
    /// The role.
    pub kind: LockKind,
    /// Its pause (`pause:MS`) and what arrived during it.
    pub pause: Pause<LockStashed>,
}

type LCtx<'a> = Ctx<'a, LockMsg, LockTimer>;

impl LockService {
    fn grant(&mut self, to: NodeId, req: u32, ctx: &mut LCtx) {
        self.token += 1;
        let until = ctx.now().plus(self.p.ttl);
        self.holder = Some((to, self.token, until));
        self.holder_req = req;
        self.events.push(LeaseEvent {
            time: ctx.now(),
            client: to,
            token: self.token,
            what: "granted",
        });
        ctx.send(
            to,
            LockMsg::Granted {
                token: self.token,
                req,
            },
        );
        ctx.set_timer(LockTimer::Expiry { token: self.token }, self.p.ttl);
    }

    /// The lock is free: hand it on (unless a lock-delay holds it).
    fn hand_on(&mut self, ctx: &mut LCtx) {
        if self.holder.is_some() || self.delay_until.is_some_and(|d| d > ctx.now()) {
            return;
        }
        if self.p.fifo {
            if let Some((next, req)) = self.queue.pop_front() {
                self.grant(next, req, ctx);
                // Only the new head learns it moved up (it watches its predecessor).
                if let Some(&(w, _)) = self.queue.front() {
                    ctx.send(w, LockMsg::Queued { position: 1 });
                }
            }
        } else {
            for w in std::mem::take(&mut self.watchers) {
                ctx.send(w, LockMsg::Free);
            }
        }
    }

    fn on_message(&mut self, from: NodeId, msg: LockMsg, ctx: &mut LCtx) {
        let now = ctx.now();
        match msg {
            LockMsg::Acquire { req } => {
                self.acquires += 1;
                let free = self.holder.is_none() && self.delay_until.is_none_or(|d| d <= now);
                if let Some((h, token, _)) = self.holder {
                    if h == from && req == self.holder_req {
                        // A retry: the grant was lost; say it again.
                        ctx.send(from, LockMsg::Granted { token, req });
                        return;
                    }
                }
                if self.p.fifo {
                    if free && self.queue.is_empty() {
                        self.grant(from, req, ctx);
                    } else if let Some(q) = self.queue.iter_mut().find(|q| q.0 == from) {
                        q.1 = req;
                    } else {
                        self.queue.push_back((from, req));
                        ctx.send(
                            from,
                            LockMsg::Queued {
                                position: self.queue.len(),
                            },
                        );
                    }
                } else if free {
                    self.grant(from, req, ctx);
                } else {
                    if !self.watchers.contains(&from) {
                        self.watchers.push(from);
                    }
                    ctx.send(from, LockMsg::Busy);
                }
            }
            LockMsg::KeepAlive { token } => match self.holder {
                Some((h, t, _)) if h == from && t == token => {
                    self.holder = Some((h, t, now.plus(self.p.ttl)));
                    ctx.set_timer(LockTimer::Expiry { token }, self.p.ttl);
                    ctx.send(from, LockMsg::Renewed { token });
                }
                _ => ctx.send(from, LockMsg::Expired { token }),
            },
            LockMsg::Release { token } => {
                if let Some((h, t, _)) = self.holder {
                    if h == from && t == token {
                        self.holder = None;
                        ctx.cancel_timer(LockTimer::Expiry { token });
                        self.events.push(LeaseEvent {
                            time: now,
                            client: from,
                            token,
                            what: "released",
                        });
                        self.hand_on(ctx);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, t: LockTimer, ctx: &mut LCtx) {
        let now = ctx.now();
        match t {
            LockTimer::Expiry { token } => {
                let Some((h, tk, _)) = self.holder else {
                    return;
                };
                if tk != token {
                    return;
                }
                self.holder = None;
                self.events.push(LeaseEvent {
                    time: now,
                    client: h,
                    token,
                    what: "expired",
                });
                ctx.note(format!("lease #{token} of client {h} expired"));
                ctx.send(h, LockMsg::Expired { token });
                if self.p.lock_delay.as_us() > 0 {
                    self.delay_until = Some(now.plus(self.p.lock_delay));
                    ctx.note(format!("lock-delay: no grant for {}", self.p.lock_delay));
                    ctx.set_timer(LockTimer::DelayOver, self.p.lock_delay);
                } else {
                    self.hand_on(ctx);
                }
            }
            LockTimer::DelayOver => {
                self.delay_until = None;
                self.hand_on(ctx);
            }
            _ => {}
        }
    }
}

impl Storage {
    fn on_message(&mut self, from: NodeId, msg: LockMsg, ctx: &mut LCtx) {
        let LockMsg::Write { token } = msg else {
            return;
        };
        let accepted = !self.p.fencing || token >= self.highest;
        self.writes.push((ctx.now(), from, token, accepted));
        if accepted {
            self.highest = self.highest.max(token);
            ctx.send(from, LockMsg::Written { token });
        } else {
            ctx.note(format!(
                "fencing: refuses write of client {from} with token #{token} < #{}",
                self.highest
            ));
            ctx.send(
                from,
                LockMsg::Rejected {
                    token,
                    highest: self.highest,
                },
            );
        }
    }
}

impl LockClient {
    fn end_belief(&mut self, now: SimTime) {
        if let Some(b) = self
            .beliefs
            .len()
            .checked_sub(1)
            .and_then(|i| self.beliefs.get_mut(i))
        {
            if b.1.is_none() {
                b.1 = Some(now);
            }
        }
    }

    fn think(&mut self, ctx: &mut LCtx) {
        self.phase = Phase::Idle;
        let d = ctx.rng().exp_u64(self.p.think.as_us()).max(1);
        ctx.set_timer(LockTimer::Request, self.clock.real_after(d));
    }

    fn done(&mut self, ctx: &mut LCtx) {
        let now = ctx.now();
        self.end_belief(now);
        ctx.cancel_timer(LockTimer::KeepAlive);
        ctx.cancel_timer(LockTimer::Work);
        self.think(ctx);
    }

    fn on_message(&mut self, msg: LockMsg, ctx: &mut LCtx) {
        let now = ctx.now();
        match msg {
            LockMsg::Granted { token, req } if self.phase == Phase::Waiting && req == self.req => {
                self.phase = Phase::Holding;
                self.token = token;
                ctx.cancel_timer(LockTimer::Request);
                // Counted from the grant's arrival: the service started it one network delay
                // earlier (renewals below count, safely, from their sending).
                self.asked_at = self.clock.local(now);
                self.lease_until = self.asked_at + self.p.ttl.as_us();
                self.waits.push(now.since(self.requested).as_us());
                self.beliefs.push((now, None, token));
                ctx.set_timer(LockTimer::Work, self.clock.real_after(self.work.as_us()));
                ctx.set_timer(
                    LockTimer::KeepAlive,
                    self.clock.real_after(self.p.ttl.as_us() / 3),
                );
            }
            LockMsg::Granted { token, .. } if token != self.token => {
                // A grant for a request it no longer waits on: hand it straight back.
                ctx.send(LOCK_SERVICE, LockMsg::Release { token });
            }
            LockMsg::Queued { .. } if self.phase == Phase::Waiting => {
                // The service has queued the request: no need to ask again (a herd waiter keeps
                // asking, which is part of the herd).
                ctx.cancel_timer(LockTimer::Request);
            }
            LockMsg::Free if self.phase == Phase::Waiting => {
                ctx.send(LOCK_SERVICE, LockMsg::Acquire { req: self.req });
            }
            LockMsg::Renewed { token } if token == self.token && self.phase != Phase::Idle => {
                self.lease_until = self.asked_at + self.p.ttl.as_us();
            }
            LockMsg::Expired { token } if token == self.token => {
                if matches!(self.phase, Phase::Holding | Phase::Writing) {
                    ctx.note(format!("learns its lease #{token} expired"));
                    // A write already sent is on its way regardless.
                    self.done(ctx);
                }
            }
            LockMsg::Written { token } | LockMsg::Rejected { token, .. }
                if token == self.token && self.phase == Phase::Writing =>
            {
                ctx.send(LOCK_SERVICE, LockMsg::Release { token });
                self.done(ctx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, t: LockTimer, ctx: &mut LCtx) {
        let now = ctx.now();
        match t {
            LockTimer::Request if self.phase == Phase::Idle => {
                self.phase = Phase::Waiting;
                self.requested = now;
                self.req += 1;
                ctx.send(LOCK_SERVICE, LockMsg::Acquire { req: self.req });
                ctx.set_timer(
                    LockTimer::Request,
                    self.clock.real_after(self.p.ttl.as_us()),
                );
            }
            LockTimer::Request if self.phase == Phase::Waiting => {
                // No grant yet: ask again (the service ignores a repeat, or repeats a lost grant).
                ctx.send(LOCK_SERVICE, LockMsg::Acquire { req: self.req });
                ctx.set_timer(
                    LockTimer::Request,
                    self.clock.real_after(self.p.ttl.as_us()),
                );
            }
            LockTimer::KeepAlive if self.phase == Phase::Holding => {
                self.asked_at = self.clock.local(now);
                ctx.send(LOCK_SERVICE, LockMsg::KeepAlive { token: self.token });
                ctx.set_timer(
                    LockTimer::KeepAlive,
                    self.clock.real_after(self.p.ttl.as_us() / 3),
                );
            }
            LockTimer::Work if self.phase == Phase::Holding => {
                if self.p.check && self.clock.local(now) >= self.lease_until {
                    ctx.note(format!(
                        "its lease #{} has run out by its clock: does not write",
                        self.token
                    ));
                    self.abandoned += 1;
                    self.done(ctx);
                    return;
                }
                self.phase = Phase::Writing;
                ctx.send(STORAGE, LockMsg::Write { token: self.token });
            }
            _ => {}
        }
    }
}

impl LockNode {
    fn handle_msg(&mut self, from: NodeId, msg: LockMsg, ctx: &mut LCtx) {
        match &mut self.kind {
            LockKind::Service(s) => s.on_message(from, msg, ctx),
            LockKind::Storage(s) => s.on_message(from, msg, ctx),
            LockKind::Client(c) => c.on_message(msg, ctx),
        }
    }
    fn handle_timer(&mut self, t: LockTimer, ctx: &mut LCtx) {
        match &mut self.kind {
            LockKind::Service(s) => s.on_timer(t, ctx),
            LockKind::Client(c) => c.on_timer(t, ctx),
            LockKind::Storage(_) => {}
        }
    }
    /// The client, if this is one.
    pub fn client(&self) -> Option<&LockClient> {
        match &self.kind {
            LockKind::Client(c) => Some(c),
            _ => None,
        }
    }
    /// The lock service, if this is it.
    pub fn service(&self) -> Option<&LockService> {
        match &self.kind {
            LockKind::Service(s) => Some(s),
            _ => None,
        }
    }
    /// The storage, if this is it.
    pub fn storage(&self) -> Option<&Storage> {
        match &self.kind {
            LockKind::Storage(s) => Some(s),
            _ => None,
        }
    }
}

impl Node for LockNode {
    type Msg = LockMsg;
    crate::node::shows_whole_messages!();
    type Timer = LockTimer;
    type Command = LockCommand;
    type Refusal = LockRefusal;

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{items, slice};
        let own = match &self.kind {
            LockKind::Service(s) => {
                items::<(NodeId, u32)>(s.queue.len())
                    + slice(&s.watchers)
                    + s.events.unshared_bytes()
            }
            LockKind::Storage(s) => s.writes.unshared_bytes(),
            LockKind::Client(c) => c.beliefs.unshared_bytes() + c.waits.unshared_bytes(),
        };
        own + slice(&self.pause.held)
    }

    fn on_start(&mut self, ctx: &mut LCtx) {
        if let LockKind::Client(c) = &mut self.kind {
            let now = ctx.now();
            c.end_belief(now);
            c.think(ctx);
        }
    }

    fn on_message(&mut self, from: NodeId, msg: LockMsg, ctx: &mut LCtx) {
        if let Some(LockStashed::Msg(from, msg)) = self.pause.hold(LockStashed::Msg(from, msg)) {
            self.handle_msg(from, msg, ctx);
        }
    }

    fn on_timer(&mut self, t: LockTimer, ctx: &mut LCtx) {
        if t == LockTimer::Resume {
            let held = self.pause.resume();
            ctx.note(super::resume_note(held.len()));
            for s in held {
                match s {
                    LockStashed::Msg(from, m) => self.handle_msg(from, m, ctx),
                    LockStashed::Timer(t) => self.handle_timer(t, ctx),
                }
            }
            return;
        }
        if let Some(LockStashed::Timer(t)) = self.pause.hold(LockStashed::Timer(t)) {
            self.handle_timer(t, ctx);
        }
    }

    fn on_restart(&mut self) {
        self.pause.clear();
        match &mut self.kind {
            // The service keeps its token counter (persistent) and forgets holder and queue.
            LockKind::Service(s) => {
                s.holder = None;
                s.queue.clear();
                s.watchers.clear();
                s.delay_until = None;
            }
            LockKind::Storage(_) => {}
            LockKind::Client(c) => c.phase = Phase::Idle,
        }
    }

    fn on_command(&mut self, cmd: &LockCommand, ctx: &mut LCtx) -> Result<(), LockRefusal> {
        match (*cmd, &mut self.kind) {
            (LockCommand::Pause(d), _) => {
                let until = self.pause.extend(ctx.now(), d);
                ctx.set_timer(LockTimer::Resume, until.since(ctx.now()));
                ctx.note(format!("paused until {until}"));
                Ok(())
            }
            (LockCommand::Drift(ppm), LockKind::Client(cl)) => {
                cl.clock.set_drift(ctx.now(), ppm);
                Ok(())
            }
            (LockCommand::Work(d), LockKind::Client(cl)) => {
                cl.work = d;
                Ok(())
            }
            (c, _) => Err(LockRefusal::ClientOnly(c)),
        }
    }
}

/// The role a page draws for a node (`data-role`): `lock-service`, `storage` or `client`.
pub fn lock_role_name(n: &LockNode) -> &'static str {
    match n.kind {
        LockKind::Service(_) => "lock-service",
        LockKind::Storage(_) => "storage",
        LockKind::Client(_) => "client",
    }
}

/// Builds the nodes of a lock run (clamped to the limits).
pub fn lock_nodes(p: &LockParams) -> Vec<LockNode> {
    let mut p = *p;
    p.clients = p.clients.clamp(2, MAX_LOCK_CLIENTS);
    let wrap = |kind| LockNode {
        kind,
        pause: Pause::default(),
    };
    let mut v = vec![
        wrap(LockKind::Service(LockService {
            p,
            holder: None,
            holder_req: 0,
            token: 0,
            queue: VecDeque::new(),
            watchers: Vec::new(),
            delay_until: None,
            events: Chunked::new(),
            acquires: 0,
        })),
        wrap(LockKind::Storage(Storage {
            p,
            highest: 0,
            writes: Chunked::new(),
        })),
    ];
    for i in 0..p.clients {
        v.push(wrap(LockKind::Client(LockClient {
            p,
            me: FIRST_CLIENT + i,
            phase: Phase::Idle,
            token: 0,
            lease_until: 0,
            asked_at: 0,
            clock: Clock {
                drift_ppm: p.drift_ppm.min(999_999),
                ..Clock::default()
            },
            work: p.work,
            requested: SimTime::ZERO,
            req: 0,
            beliefs: Chunked::new(),
            waits: Chunked::new(),
            abandoned: 0,
        })));
    }
    v
}

/// A lock-service simulation under `seed`.
pub fn new_lock_sim(
    seed: u64,
    p: &LockParams,
    net: NetConfig,
    faults: Vec<TimedFault>,
) -> Sim<LockNode> {
    Sim::new(seed, lock_nodes(p), net, faults)
}

/// The service's leases as stretches `(client, token, from, until)`: from a grant to its expiry
/// or release; a lease still held ends at the run's current time (the truth the clients' beliefs
/// are drawn against).
pub fn lease_intervals(sim: &Sim<LockNode>) -> Vec<(NodeId, u64, SimTime, SimTime)> {
    let Some(svc) = sim.nodes().get(LOCK_SERVICE).and_then(|n| n.service()) else {
        return Vec::new();
    };
    let mut open: Vec<(NodeId, u64, SimTime)> = Vec::new();
    let mut out = Vec::new();
    for e in &svc.events {
        if e.what == "granted" {
            open.push((e.client, e.token, e.time));
        } else if let Some(k) = open.iter().position(|o| o.1 == e.token) {
            let (c, t, from) = open.remove(k);
            out.push((c, t, from, e.time));
        }
    }
    out.extend(open.into_iter().map(|(c, t, from)| (c, t, from, sim.now())));
    out
}

/// How a write the storage received stands against the truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WriteVerdict {
    /// Accepted, with the newest token so far.
    Accepted,
    /// Accepted, with a token below one the storage had already accepted: an old holder
    /// overwrote a newer one (what fencing prevents).
    Stale,
    /// Accepted, in token order, but below a token already granted (all fencing can promise).
    Late,
    /// Refused by the token check.
    Refused,
}

/// One write at the storage, judged ([`storage_writes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StorageWrite {
    /// When it arrived.
    pub time: SimTime,
    /// The writing client.
    pub client: NodeId,
    /// Its fencing token.
    pub token: u64,
    /// How it stands.
    pub verdict: WriteVerdict,
}

/// Every write the storage received, in order, judged against the grants (the page lists them;
/// [`measure_locks`] counts them).
pub fn storage_writes(sim: &Sim<LockNode>) -> Vec<StorageWrite> {
    let grants: Vec<&LeaseEvent> = sim
        .nodes()
        .get(LOCK_SERVICE)
        .and_then(|n| n.service())
        .map(|s| s.events.iter().filter(|e| e.what == "granted").collect())
        .unwrap_or_default();
    // The highest token granted at or before `t`.
    let granted_by = |t: SimTime| {
        grants
            .iter()
            .take_while(|g| g.time <= t)
            .map(|g| g.token)
            .max()
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    let Some(st) = sim.nodes().get(STORAGE).and_then(|n| n.storage()) else {
        return out;
    };
    let mut highest_accepted = 0;
    for &(time, client, token, accepted) in &st.writes {
        let verdict = if !accepted {
            WriteVerdict::Refused
        } else if token < highest_accepted {
            WriteVerdict::Stale
        } else if token < granted_by(time) {
            WriteVerdict::Late
        } else {
            WriteVerdict::Accepted
        };
        if accepted {
            highest_accepted = highest_accepted.max(token);
        }
        out.push(StorageWrite {
            time,
            client,
            token,
            verdict,
        });
    }
    out
}

/// What the lock lab reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LockMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// Grants.
    pub grants: u64,
    /// Leases that expired (holder paused, slow or gone).
    pub expiries: u64,
    /// Pairs of clients that believed they held the lock at the same time.
    pub exclusion_violations: u64,
    /// Total time two or more clients believed they held it, ms.
    pub overlap_ms: f64,
    /// Writes the storage accepted.
    pub writes_accepted: u64,
    /// Accepted writes whose token was below one the storage had already accepted: an old
    /// holder overwriting a newer holder's work (the corruption fencing prevents).
    pub stale_accepted: u64,
    /// Accepted writes whose token was below one already *granted* but not yet seen by the
    /// storage: late, yet still in token order there — fencing lets them through, harmlessly.
    pub late_accepted: u64,
    /// Writes refused by the storage's token check.
    pub stale_rejected: u64,
    /// Writes clients gave up because their lease had run out by their clock.
    pub abandoned: u64,
    /// `Acquire` messages per grant (1 without a herd).
    pub acquires_per_grant: Option<f64>,
    /// Waits from request to grant, ms: mean and maximum.
    pub wait_mean_ms: Option<f64>,
    /// Longest wait, ms.
    pub wait_max_ms: Option<f64>,
    /// Grants per client, by client (fairness).
    pub grants_per_client: Vec<u64>,
    /// The current holder per the service.
    pub holder: Option<NodeId>,
}

/// Measures a lock run at its current position.
pub fn measure_locks(sim: &Sim<LockNode>) -> LockMetrics {
    let now = sim.now();
    let mut m = LockMetrics {
        time_ms: now.as_ms_f64(),
        ..LockMetrics::default()
    };
    let Some(svc) = sim.nodes().first().and_then(|n| n.service()) else {
        return m;
    };
    let grants: Vec<&LeaseEvent> = svc.events.iter().filter(|e| e.what == "granted").collect();
    m.grants = grants.len() as u64;
    m.expiries = svc.events.iter().filter(|e| e.what == "expired").count() as u64;
    m.holder = svc.holder.map(|h| h.0);
    if m.grants > 0 {
        m.acquires_per_grant = Some(svc.acquires as f64 / m.grants as f64);
    }
    for w in storage_writes(sim) {
        match w.verdict {
            WriteVerdict::Refused => m.stale_rejected += 1,
            WriteVerdict::Stale => m.stale_accepted += 1,
            WriteVerdict::Late => m.late_accepted += 1,
            WriteVerdict::Accepted => {}
        }
        m.writes_accepted += (w.verdict != WriteVerdict::Refused) as u64;
    }
    let mut intervals: Vec<(SimTime, SimTime, NodeId)> = Vec::new();
    let mut waits: Vec<u64> = Vec::new();
    for (i, n) in sim.nodes().iter().enumerate() {
        let Some(c) = n.client() else { continue };
        m.abandoned += c.abandoned;
        waits.extend(&c.waits);
        m.grants_per_client
            .push(grants.iter().filter(|g| g.client == i).count() as u64);
        // A crash ends a belief.
        for &(from, until, _) in &c.beliefs {
            let crash = sim
                .life()
                .iter()
                .find(|e| e.node == i && !e.up && e.time >= from)
                .map(|e| e.time);
            let end = match (until, crash) {
                (Some(u), Some(c)) => u.min(c),
                (Some(u), None) => u,
                (None, Some(c)) => c,
                (None, None) => now,
            };
            intervals.push((from, end, i));
        }
    }
    crate::sort::sort(&mut intervals);
    for (k, a) in intervals.iter().enumerate() {
        for b in &intervals[k + 1..] {
            if b.0 >= a.1 {
                break;
            }
            if b.2 != a.2 && a.1.min(b.1) > b.0 {
                m.exclusion_violations += 1;
            }
        }
    }
    // Overlap time: sweep.
    let mut edges: Vec<(SimTime, i32)> = Vec::new();
    for &(s, e, _) in &intervals {
        if e > s {
            edges.push((s, 1));
            edges.push((e, -1));
        }
    }
    crate::sort::sort(&mut edges);
    let (mut count, mut since, mut total) = (0i32, SimTime::ZERO, 0u64);
    for (t, d) in edges {
        if count >= 2 {
            total += t.since(since).as_us();
        }
        count += d;
        since = t;
    }
    m.overlap_ms = total as f64 / 1000.0;
    if !waits.is_empty() {
        let sum: u128 = waits.iter().map(|&w| w as u128).sum();
        m.wait_mean_ms = Some(sum as f64 / waits.len() as f64 / 1000.0);
        m.wait_max_ms = waits.iter().max().map(|&w| w as f64 / 1000.0);
    }
    m
}
