//! Node 0, the monitor: a fixed-timeout heartbeat detector (as in the heartbeat lab) that drives
//! failover with epochs, answers "who is primary?", and optionally grants leases and consults
//! witnesses before promoting.

use super::command::{ReplCommand, ReplRefusal};
use super::params::{Mode, Promotion, ReplParams};
use super::{data_ids, Pos, ReplMsg, ReplTimer};
use crate::health::Health;
use crate::sim::Ctx;
use crate::time::SimTime;
use crate::NodeId;
use serde::Serialize;

/// The monitor's view of one data node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// Last heartbeat arrival (the start of the run counts as one).
    pub last: SimTime,
    /// What the monitor believes.
    pub status: Health,
    /// Highest heartbeat number seen.
    pub last_seq: u64,
    /// The node's last log position, as its last heartbeat said.
    pub pos: Pos,
    /// The node said it is primary.
    pub claims_primary: bool,
    /// The node's epoch, as its last heartbeat said.
    pub epoch: u64,
}

/// A status change (kept for the page and measurements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// When.
    pub time: SimTime,
    /// Which data node.
    pub node: NodeId,
    /// Old status.
    pub from: &'static str,
    /// New status.
    pub to: &'static str,
}

/// A promotion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failover {
    /// When the monitor sent `Promote`.
    pub time: SimTime,
    /// The primary it replaced, if one was designated.
    pub from: Option<NodeId>,
    /// The promoted node.
    pub to: NodeId,
    /// The new epoch.
    pub epoch: u64,
    /// `best`, `first` or `manual`.
    pub rule: &'static str,
    /// The positions it compared (`best` only), in node order.
    pub candidates: Vec<(NodeId, Pos)>,
}

/// Which question a promotion round asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RoundKind {
    /// Witness promotion: do you still hear the primary?
    Probe,
    /// Adopt the new epoch and report your log position.
    Prepare,
}

/// A promotion round in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// The question.
    pub kind: RoundKind,
    /// Probe number, or the new epoch for a prepare.
    pub id: u64,
    /// The primary being replaced.
    pub old: Option<NodeId>,
    /// Nodes asked.
    pub asked: Vec<NodeId>,
    /// Answers: node, position (prepare), still hears the primary (probe).
    pub replies: Vec<(NodeId, Pos, bool)>,
    /// Answers needed (prepare: N−k+1 in quorum and sync modes, else 1; probe: votes).
    pub needed: usize,
}

/// The monitor (node 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    /// Parameters.
    pub p: ReplParams,
    /// Views by node id (only data nodes are used).
    pub views: Vec<View>,
    /// The designated primary (`None` during a promotion round or when none could be chosen).
    pub primary: Option<NodeId>,
    /// Current epoch (persistent).
    pub epoch: u64,
    /// The designated primary's replication settings, from its heartbeats.
    pub primary_cfg: (Mode, usize),
    /// With leases: the lease it granted has surely run out by then (monitor time).
    pub lease_until: Option<SimTime>,
    /// A round in progress.
    pub round: Option<Round>,
    /// Probe rounds started (persistent).
    pub probes: u64,
    /// Status changes.
    pub transitions: Vec<Transition>,
    /// Promotions.
    pub failovers: Vec<Failover>,
    /// Ghost: the clients' settled operations, summarised (see [`super::settle`]); boxed, as
    /// only node 0 has one.
    pub settled: Box<super::settle::Settled>,
}

impl Monitor {
    /// The monitor of a fresh run: node 1 is primary at epoch 1.
    pub fn new(p: &ReplParams) -> Monitor {
        let view = View {
            last: SimTime::ZERO,
            status: Health::Up,
            last_seq: 0,
            pos: Pos::default(),
            claims_primary: false,
            epoch: 1,
        };
        Monitor {
            p: *p,
            views: vec![view; p.node_count()],
            primary: Some(super::FIRST_PRIMARY),
            epoch: 1,
            primary_cfg: (p.mode, p.acks),
            lease_until: None,
            round: None,
            probes: 0,
            transitions: Vec::new(),
            failovers: Vec::new(),
            settled: Box::default(),
        }
    }

    /// What the monitor believes about data node `n`.
    pub fn status(&self, n: NodeId) -> Health {
        self.views.get(n).map_or(Health::Up, |v| v.status)
    }

    pub(super) fn on_start(&mut self, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        if self.p.lease.as_us() > 0 && now > SimTime::ZERO {
            // After a restart it no longer knows what it granted: assume a full lease.
            self.lease_until = Some(now.plus(self.p.lease));
        }
        for n in data_ids(&self.p) {
            self.views[n].last = now;
            self.arm(n, ctx);
        }
        if self.primary.is_none() && self.p.failover {
            // A failover was under way (or impossible) when it stopped: hear the data nodes
            // for a while, then try again.
            ctx.set_timer(ReplTimer::Retry, self.p.down_after);
        }
    }

    pub(super) fn on_restart(&mut self) {
        for v in &mut self.views {
            v.status = Health::Up;
            v.last_seq = 0;
        }
        self.round = None;
    }

    fn arm(&self, n: NodeId, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let last = self.views[n].last;
        for (level, after) in [
            (Health::Suspect, self.p.suspect_after),
            (Health::Down, self.p.down_after),
        ] {
            let at = last.plus(after);
            ctx.set_timer(ReplTimer::Deadline { node: n, level }, at.since(ctx.now()));
        }
    }

    fn set_status(&mut self, n: NodeId, to: Health, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let now = ctx.now();
        let from = self.views[n].status;
        if from == to {
            return;
        }
        self.views[n].status = to;
        self.transitions.push(Transition {
            time: now,
            node: n,
            from: from.as_str(),
            to: to.as_str(),
        });
        ctx.note(format!(
            "node {n} {} → {} (silent {})",
            from.as_str(),
            to.as_str(),
            now.since(self.views[n].last)
        ));
        if to == Health::Down && self.primary == Some(n) && self.p.failover {
            self.start_failover(Some(n), ctx);
        }
    }

    /// Starts a failover away from `old` (waiting out a lease, consulting witnesses first).
    fn start_failover(&mut self, old: Option<NodeId>, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        if self.round.is_some() {
            return;
        }
        let now = ctx.now();
        if let Some(until) = self.lease_until.filter(|&u| u > now) {
            ctx.note(format!(
                "waits until {until} for the primary's lease to run out before promoting"
            ));
            ctx.set_timer(ReplTimer::Retry, until.since(now));
            return;
        }
        if self.p.witness {
            self.probes += 1;
            let asked: Vec<NodeId> = data_ids(&self.p).filter(|&i| Some(i) != old).collect();
            for &i in &asked {
                ctx.send(i, ReplMsg::Probe { round: self.probes });
            }
            ctx.note(format!(
                "asks {} witness(es) whether they still hear the primary",
                asked.len()
            ));
            self.round = Some(Round {
                kind: RoundKind::Probe,
                id: self.probes,
                old,
                asked,
                replies: Vec::new(),
                // A strict majority of the D + 1 voters (the monitor and every data node):
                // ⌊(D + 1) / 2⌋ + 1 = ⌈D / 2⌉ + 1.
                needed: self.p.data_nodes().div_ceil(2) + 1,
            });
            ctx.set_timer(ReplTimer::Round, self.p.round);
            return;
        }
        self.start_promotion(old, ctx);
    }

    fn start_promotion(&mut self, old: Option<NodeId>, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        match self.p.promotion {
            Promotion::First => {
                let to = data_ids(&self.p)
                    .find(|&i| Some(i) != old && self.views[i].status == Health::Up);
                match to {
                    Some(to) => {
                        self.epoch += 1;
                        self.promote(old, to, "first", Vec::new(), ctx);
                    }
                    None => self.give_up(old, "no replica believed up", ctx),
                }
            }
            Promotion::Best => {
                self.epoch += 1;
                self.primary = None;
                let asked: Vec<NodeId> = data_ids(&self.p).filter(|&i| Some(i) != old).collect();
                let (mode, acks) = self.primary_cfg;
                let need = ReplParams::acks_needed(mode, acks, self.p.replicas);
                // Quorum and sync: N−k+1 positions, so they include one of every k that
                // acknowledged a write. Async and semi-sync promise nothing of the kind.
                let needed = match mode {
                    Mode::Sync | Mode::Quorum => self.p.replicas + 1 - need,
                    Mode::Async | Mode::Semi => 1,
                };
                for &i in &asked {
                    ctx.send(i, ReplMsg::Prepare { epoch: self.epoch });
                }
                ctx.note(format!(
                    "failover: epoch {}; asks {} replica(s) for their position (needs {needed})",
                    self.epoch,
                    asked.len()
                ));
                self.round = Some(Round {
                    kind: RoundKind::Prepare,
                    id: self.epoch,
                    old,
                    asked,
                    replies: Vec::new(),
                    needed,
                });
                ctx.set_timer(ReplTimer::Round, self.p.round);
            }
        }
    }

    fn give_up(&mut self, old: Option<NodeId>, why: &str, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        ctx.note(format!(
            "no failover: {why}; retries in {}",
            self.p.down_after
        ));
        if old.is_some() && self.p.promotion == Promotion::First {
            self.primary = old;
        }
        self.round = None;
        ctx.set_timer(ReplTimer::Retry, self.p.down_after);
    }

    fn promote(
        &mut self,
        old: Option<NodeId>,
        to: NodeId,
        rule: &'static str,
        candidates: Vec<(NodeId, Pos)>,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        self.primary = Some(to);
        self.lease_until = None;
        self.round = None;
        self.failovers.push(Failover {
            time: ctx.now(),
            from: old,
            to,
            epoch: self.epoch,
            rule,
            candidates,
        });
        ctx.note(format!(
            "failover ({rule}): promote node {to} to primary at epoch {}",
            self.epoch
        ));
        ctx.send(to, ReplMsg::Promote { epoch: self.epoch });
    }

    /// Decides a round: at its deadline, or as soon as the answer is certain.
    fn decide(&mut self, at_deadline: bool, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        let Some(r) = self.round.clone() else { return };
        let all_in = r.replies.len() == r.asked.len();
        match r.kind {
            RoundKind::Probe => {
                let votes = 1 + r.replies.iter().filter(|x| !x.2).count();
                if votes >= r.needed {
                    ctx.note(format!(
                        "{votes} of {} agree the primary is gone: promote",
                        self.p.data_nodes() + 1
                    ));
                    self.round = None;
                    ctx.cancel_timer(ReplTimer::Round);
                    self.start_promotion(r.old, ctx);
                } else if all_in || at_deadline {
                    ctx.cancel_timer(ReplTimer::Round);
                    let alive = r.replies.iter().filter(|x| x.2).count();
                    self.round = None;
                    self.give_up(
                        r.old,
                        &format!(
                            "only {votes} of {} votes, {alive} witness(es) still hear the primary",
                            self.p.data_nodes() + 1
                        ),
                        ctx,
                    );
                    // The designated primary stays; witnesses vouch for it.
                    self.primary = r.old.or(self.primary);
                }
            }
            RoundKind::Prepare => {
                if !(all_in || at_deadline) {
                    return;
                }
                ctx.cancel_timer(ReplTimer::Round);
                if r.replies.len() < r.needed {
                    self.give_up(
                        r.old,
                        &format!(
                            "{} of the {} positions needed answered",
                            r.replies.len(),
                            r.needed
                        ),
                        ctx,
                    );
                    return;
                }
                let mut c: Vec<(NodeId, Pos)> = r.replies.iter().map(|x| (x.0, x.1)).collect();
                crate::sort::sort_unstable(&mut c);
                // The most up-to-date (later epoch, then longer log); the lowest id on a tie.
                let best = c
                    .iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|x| x.0);
                if let Some(to) = best {
                    self.promote(r.old, to, "best", c, ctx);
                }
            }
        }
    }

    fn on_heartbeat(
        &mut self,
        n: NodeId,
        msg: (u64, bool, u64, Pos, Mode, usize),
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        let (seq, primary, epoch, last, mode, acks) = msg;
        if !data_ids(&self.p).contains(&n) || seq <= self.views[n].last_seq {
            return;
        }
        let now = ctx.now();
        self.set_status(n, Health::Up, ctx);
        let v = &mut self.views[n];
        v.last = now;
        v.last_seq = seq;
        v.pos = last;
        v.claims_primary = primary;
        v.epoch = epoch;
        self.arm(n, ctx);
        if !self.p.failover {
            return;
        }
        if self.primary == Some(n) {
            self.primary_cfg = (mode, acks);
            if primary && epoch == self.epoch {
                if self.p.lease.as_us() > 0 {
                    self.lease_until = Some(now.plus(self.p.lease));
                    ctx.send(n, ReplMsg::Lease { seq, epoch });
                }
            } else if epoch <= self.epoch {
                // A lost promotion, or a primary that restarted before it was declared down.
                ctx.send(n, ReplMsg::Promote { epoch: self.epoch });
            }
        } else if primary && epoch < self.epoch {
            ctx.note(format!(
                "node {n} still acts as primary at epoch {epoch} < {}: demote it",
                self.epoch
            ));
            ctx.send(n, ReplMsg::Demote { epoch: self.epoch });
        }
    }

    pub(super) fn on_message(
        &mut self,
        from: NodeId,
        msg: ReplMsg,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) {
        match msg {
            ReplMsg::Heartbeat {
                seq,
                primary,
                epoch,
                last,
                mode,
                acks,
            } => self.on_heartbeat(from, (seq, primary, epoch, last, mode, acks), ctx),
            ReplMsg::WhoIsPrimary => ctx.send(
                from,
                ReplMsg::PrimaryIs {
                    node: self.primary,
                    epoch: self.epoch,
                },
            ),
            ReplMsg::ProbeReply {
                round,
                sees_primary,
            } => {
                let Some(r) = self.round.as_mut() else { return };
                if r.kind != RoundKind::Probe
                    || r.id != round
                    || r.replies.iter().any(|x| x.0 == from)
                {
                    return;
                }
                r.replies.push((from, Pos::default(), sees_primary));
                self.decide(false, ctx);
            }
            ReplMsg::PrepareReply { epoch, last } => {
                let Some(r) = self.round.as_mut() else { return };
                if r.kind != RoundKind::Prepare
                    || r.id != epoch
                    || r.replies.iter().any(|x| x.0 == from)
                {
                    return;
                }
                r.replies.push((from, last, false));
                self.decide(false, ctx);
            }
            _ => {}
        }
    }

    pub(super) fn on_timer(&mut self, t: ReplTimer, ctx: &mut Ctx<ReplMsg, ReplTimer>) {
        match t {
            ReplTimer::Deadline { node, level } if self.status(node) < level => {
                self.set_status(node, level, ctx);
            }
            ReplTimer::Round => self.decide(true, ctx),
            ReplTimer::Retry => {
                let needed = match self.primary {
                    None => true,
                    Some(p) => self.views[p].status == Health::Down,
                };
                if needed && self.p.failover {
                    let old = self.primary;
                    self.start_failover(old, ctx);
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_command(
        &mut self,
        c: ReplCommand,
        ctx: &mut Ctx<ReplMsg, ReplTimer>,
    ) -> Result<(), ReplRefusal> {
        match c {
            ReplCommand::Promote(None) => {
                if self.round.is_some() {
                    return Err(ReplRefusal::RoundUnderWay);
                }
                let old = self.primary;
                // A switchover runs the same rule, ignoring any lease (an operator's decision).
                self.lease_until = None;
                self.start_failover(old, ctx);
                Ok(())
            }
            ReplCommand::Promote(Some(to)) => {
                if !data_ids(&self.p).contains(&to) {
                    return Err(ReplRefusal::NotADataNode(to));
                }
                self.round = None;
                ctx.cancel_timer(ReplTimer::Round);
                self.epoch += 1;
                let old = self.primary;
                self.promote(old, to, "manual", Vec::new(), ctx);
                Ok(())
            }
            other => Err(ReplRefusal::NotMonitor(other)),
        }
    }
}
