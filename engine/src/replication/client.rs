//! The clients: Poisson reads and writes on a few keys, sent to the primary a client believes in
//! over a sticky connection (it asks the monitor again only after a failure), with a timeout.

use super::chunked::Chunked;
use super::command::{KeyBeyond, ReplCommand, ReplRefusal};
use super::params::{ReadFrom, ReplParams};
use super::{data_ids, Pos, ReplMsg, ReplTimer, WriteId, FIRST_PRIMARY, MONITOR};
use crate::sim::Ctx;
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::Serialize;
use std::collections::BTreeMap;

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum OpKind {
    /// A write (its value is its id).
    Write,
    /// A read.
    Read,
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// No answer yet.
    Pending,
    /// Write acknowledged at this position, under this mode.
    Acked {
        /// Where the primary put it.
        pos: Pos,
        /// The mode that acknowledged it.
        mode: super::params::Mode,
    },
    /// Read answered: the write it saw, and where (`None`: never written).
    Read(Option<(WriteId, Pos)>),
    /// Refused: the node was not (or no longer) a serving primary.
    Refused,
    /// No answer within the client timeout (the write may or may not have happened).
    TimedOut,
}

/// One operation as the client saw it (ground truth for the measurements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Op {
    /// Operation number (1-based; [`Client::op`]).
    pub op: u32,
    /// Read or write.
    pub kind: OpKind,
    /// Key.
    pub key: u8,
    /// The data node it was sent to.
    pub to: NodeId,
    /// When it was sent.
    pub start: SimTime,
    /// When it ended (answer or timeout).
    pub end: Option<SimTime>,
    /// How.
    pub outcome: Outcome,
}

/// A client node.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    /// Parameters.
    pub p: ReplParams,
    /// Its node id.
    pub me: NodeId,
    /// Operations per second (the `rate:` command changes it).
    pub rate: u32,
    /// The primary it believes in.
    pub primary: NodeId,
    /// The epoch of that belief.
    pub epoch: u64,
    /// When it last asked the monitor.
    pub asked: Option<SimTime>,
    /// Its operations after the first `folded` (persistent: the record of what the client was
    /// told; its old part is shared between snapshots). The older ones are settled: summarised
    /// in the monitor's [`Settled`](super::settle::Settled) ledger, or kept whole in `pinned`.
    pub ops: Chunked<Op>,
    /// Operations folded out of `ops` (ghost).
    pub folded: u32,
    /// Folded acknowledged writes that are lost for good, kept whole for the list of lost
    /// writes (ghost; in operation order).
    pub pinned: Vec<Op>,
    /// Operations in flight, by number (volatile).
    pub pending: BTreeMap<u32, ()>,
}

impl Client {
    /// Client node `me` of a fresh run.
    pub fn new(p: &ReplParams, me: NodeId) -> Client {
        Client {
            p: *p,
            me,
            rate: p.rate,
            primary: FIRST_PRIMARY,
            epoch: 1,
            asked: None,
            ops: Chunked::new(),
            folded: 0,
            pinned: Vec::new(),
            pending: BTreeMap::new(),
        }
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        // After a restart: what was in flight is lost to it.
        let now = ctx.now();
        for (op, ()) in std::mem::take(&mut self.pending) {
            self.finish(op, Outcome::TimedOut, now);
        }
        self.arm(ctx);
        if self.p.ttl.as_us() > 0 {
            ctx.set_timer(ReplTimer::Refresh, self.p.ttl);
        }
    }

    pub(super) fn on_restart(&mut self) {}

    fn arm(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        if self.rate == 0 {
            ctx.cancel_timer(ReplTimer::Arrival);
            return;
        }
        let mean = 1_000_000 / self.rate as u64;
        let gap = ctx.rng().exp_u64(mean).max(1);
        ctx.set_timer(ReplTimer::Arrival, Duration(gap));
    }

    /// Operations issued so far (folded or not).
    pub fn issued(&self) -> u32 {
        self.folded + self.ops.len() as u32
    }

    /// Operation `op` (1-based), unless it has been folded.
    pub fn op(&self, op: u32) -> Option<&Op> {
        op.checked_sub(self.folded + 1)
            .and_then(|i| self.ops.get(i as usize))
    }

    fn finish(&mut self, op: u32, outcome: Outcome, now: SimTime) {
        // A folded operation has its outcome already (only pending ones change).
        let Some(i) = op.checked_sub(self.folded + 1) else {
            return;
        };
        if let Some(o) = self.ops.get_mut(i as usize) {
            if o.outcome == Outcome::Pending {
                o.outcome = outcome;
                o.end = Some(now);
            }
        }
    }

    fn issue(&mut self, kind: OpKind, key: u8, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let op = self.issued() + 1;
        let to = match (kind, self.p.read_from) {
            (OpKind::Read, ReadFrom::Replica) => {
                let others: Vec<NodeId> =
                    data_ids(&self.p).filter(|&i| i != self.primary).collect();
                if others.is_empty() {
                    self.primary
                } else {
                    others[ctx.rng().below(others.len() as u64) as usize]
                }
            }
            _ => self.primary,
        };
        self.ops.push(Op {
            op,
            kind,
            key,
            to,
            start: ctx.now(),
            end: None,
            outcome: Outcome::Pending,
        });
        self.pending.insert(op, ());
        let msg = match kind {
            OpKind::Write => ReplMsg::Write { op, key },
            OpKind::Read => ReplMsg::Read { op, key },
        };
        ctx.send(to, msg);
        ctx.set_timer(ReplTimer::OpTimeout { op }, self.p.client_timeout);
    }

    fn ask(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        // At most one question per 50 ms: failures come in bursts.
        if self
            .asked
            .is_some_and(|t| now.since(t) < Duration::from_ms(50))
        {
            return;
        }
        self.asked = Some(now);
        ctx.send(MONITOR, ReplMsg::WhoIsPrimary);
    }

    fn done(&mut self, op: u32, outcome: Outcome, ctx: &mut Ctx<ReplMsg, ReplTimer>) -> bool {
        if self.pending.remove(&op).is_none() {
            return false;
        }
        ctx.cancel_timer(ReplTimer::OpTimeout { op });
        self.finish(op, outcome, ctx.now());
        true
    }

    pub(super) fn on_message(
        &mut self,
        from: NodeId,
        msg: ReplMsg,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        match msg {
            ReplMsg::Written { op, pos, mode } => {
                self.done(op, Outcome::Acked { pos, mode }, ctx);
            }
            ReplMsg::Value { op, value } => {
                self.done(op, Outcome::Read(value), ctx);
            }
            ReplMsg::NotPrimary { op, epoch, hint } if self.done(op, Outcome::Refused, ctx) => {
                match hint {
                    Some(h) if epoch > self.epoch && h != from => {
                        self.primary = h;
                        self.epoch = epoch;
                        ctx.note(format!("redirected to node {h} (epoch {epoch})"));
                    }
                    _ => self.ask(ctx),
                }
            }
            ReplMsg::PrimaryIs {
                node: Some(n),
                epoch,
            } => {
                if epoch >= self.epoch && n != self.primary {
                    ctx.note(format!("now sends to node {n} (epoch {epoch})"));
                }
                if epoch >= self.epoch {
                    self.primary = n;
                    self.epoch = epoch;
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_timer(&mut self, t: ReplTimer, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        match t {
            ReplTimer::Arrival => {
                let read = ctx.rng().below(100) < self.p.read_pct as u64;
                let key = ctx.rng().below(self.p.keys as u64) as u8;
                let kind = if read { OpKind::Read } else { OpKind::Write };
                self.issue(kind, key, ctx);
                self.arm(ctx);
            }
            ReplTimer::Refresh => {
                self.asked = Some(ctx.now());
                ctx.send(MONITOR, ReplMsg::WhoIsPrimary);
                ctx.set_timer(ReplTimer::Refresh, self.p.ttl);
            }
            ReplTimer::OpTimeout { op } if self.done(op, Outcome::TimedOut, ctx) => {
                let to = self.op(op).map_or(0, |o| o.to);
                ctx.note(format!("#{op} timed out at node {to}"));
                self.ask(ctx);
            }
            _ => {}
        }
    }

    pub(super) fn on_command(
        &mut self,
        c: ReplCommand,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) -> Result<(), ReplRefusal> {
        let keys = self.p.keys;
        let check = |key: u8| {
            if key < keys {
                Ok(())
            } else {
                Err(KeyBeyond { key, keys })
            }
        };
        match c {
            ReplCommand::Write { key } => {
                check(key)?;
                self.issue(OpKind::Write, key, ctx);
            }
            ReplCommand::Read { key } => {
                check(key)?;
                self.issue(OpKind::Read, key, ctx);
            }
            ReplCommand::Burst(n) => {
                for i in 0..n {
                    self.issue(OpKind::Write, (i % keys as u32) as u8, ctx);
                }
            }
            ReplCommand::Rate(r) => {
                self.rate = r;
                self.arm(ctx);
            }
            other => return Err(ReplRefusal::NotClient(other)),
        }
        Ok(())
    }
}
