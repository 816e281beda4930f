//! A stateless app replica: finds the key's shard on the consistent-hash ring (the ring lab's
//! [`Ring`], with virtual nodes), sends the operation to the member it believes leads that shard,
//! follows "not the leader" hints, tries the next member after a timeout, and answers the
//! balancer.

use super::params::SystemParams;
use super::{Hop, KvResult, Op, SysMsg, SysTimer};
use crate::idmap::IdMap;
use crate::node::{Ctx, Node};
use crate::ring::{HashFn, Ring};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use std::collections::VecDeque;
use std::sync::Arc;

type C<'a> = Ctx<'a, SysMsg, SysTimer>;

/// A request the app is working on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Work {
    /// The operation.
    pub op: Op,
    /// Its shard.
    pub shard: usize,
    /// The member asked now (inside the shard).
    pub member: usize,
    /// Tries so far.
    pub tries: u32,
    /// "Moved" answers so far.
    pub moved: u32,
    /// When it arrived from the balancer.
    pub at: SimTime,
    /// The hops so far: the app, then each member tried.
    pub hops: Vec<Hop>,
}

/// The most tries at shard members per request.
pub const MAX_TRIES: u32 = 6;

/// An app replica.
#[derive(Clone, Debug)]
pub struct App {
    /// Its index.
    pub index: usize,
    /// Members per shard.
    pub rf: usize,
    /// Process id of each shard's member 0.
    pub bases: Vec<NodeId>,
    /// Keys to shards (shared, immutable).
    pub ring: Arc<Ring>,
    /// The leader it believes each shard has (inside the shard).
    pub leader: Vec<usize>,
    /// Requests in progress, by (request id, attempt).
    pub work: IdMap<Work>,
    /// Timeout of one try.
    pub ato: Duration,
    /// Requests answered, and redirects followed.
    pub counts: [u64; 2],
    /// Reads go to any member (with the `follower` read mode).
    pub any_member_reads: bool,
    /// On a slow machine (`slow-m:M`): requests wait in `queue` and are worked on one at a
    /// time, [`SLOW`](super::faults::SLOW) each, before the app asks the shard.
    pub slow: bool,
    /// Requests waiting for the slow app (wire id, operation, arrival), oldest first.
    pub queue: VecDeque<(u64, Op, SimTime)>,
    /// Whether the slow app is working on the queue's first request.
    pub busy: bool,
    /// A shard added while serving: from then on keys are routed by its ring.
    pub grow: Option<Arc<super::Grow>>,
    /// "Moved" answers asked again, and requests given up after [`MAX_MOVED`] of them.
    pub moved: [u64; 2],
}

/// The most "moved" answers one request follows (one every [`BACKOFF`]).
pub const MAX_MOVED: u32 = 25;
/// How long an app waits before asking again after a "moved" answer.
pub const BACKOFF: Duration = Duration(20_000);

/// The ring of shards: shard `s` is ring node `s`, with `vnodes` tokens each.
pub fn shard_ring(p: &SystemParams) -> Ring {
    Ring::with_nodes(HashFn::Xxh64, p.vnodes.clamp(1, 1_000), p.shards.max(1))
        .or_else(|_| Ring::with_nodes(HashFn::Xxh64, 16, p.shards.max(1)))
        // Not `expect`: that would link the error's `Debug` (and core's string escaping) into
        // the page for a case that cannot happen.
        .unwrap_or_else(|_| unreachable!("16 tokens for each shard always fit"))
}

/// The shard of `key` on `ring`.
pub fn shard_of(ring: &Ring, key: u32) -> usize {
    // The bytes of `key_name(key)` ("k" and the decimal number), on the stack: every request
    // asks.
    let (digits, i) = crate::ring::ring::decimal(key as u64);
    let mut name = [b'k'; 21];
    let len = 1 + digits.len() - i;
    name[1..len].copy_from_slice(&digits[i..]);
    ring.owner(&name[..len]).unwrap_or(0)
}

impl App {
    /// App replica `index`.
    pub fn new(p: &SystemParams, index: usize, ring: Arc<Ring>) -> App {
        App {
            index,
            rf: p.rf,
            bases: (0..p.groups()).map(|s| p.member_id(s, 0)).collect(),
            ring,
            leader: vec![0; p.groups()],
            work: IdMap::new(),
            ato: p.ato,
            counts: [0; 2],
            any_member_reads: p.reads == super::params::ReadMode::Follower,
            slow: false,
            queue: VecDeque::new(),
            busy: false,
            grow: None,
            moved: [0; 2],
        }
    }

    /// The key's shard on the ring in force at `now`.
    fn shard(&self, key: u32, now: SimTime) -> usize {
        match &self.grow {
            Some(g) if now >= g.at => shard_of(&g.ring, key),
            _ => shard_of(&self.ring, key),
        }
    }

    /// Starts on a request: finds its shard and asks the member it believes leads it.
    fn start(&mut self, id: u64, op: Op, at: SimTime, ctx: &mut C) {
        let shard = self.shard(op.key(), ctx.now());
        // Reading from any replica spreads the load (and, without a check, is stale).
        let member = match op {
            Op::Read(_) if self.any_member_reads => (id >> 4) as usize % self.rf.max(1),
            _ => self.leader[shard],
        };
        self.work.insert(
            id,
            Work {
                op,
                shard,
                member,
                tries: 0,
                moved: 0,
                at,
                hops: vec![Hop {
                    node: ctx.me() as u16,
                    arrive_us: at.as_us(),
                    depart_us: at.as_us(),
                }],
            },
        );
        self.send_try(id, ctx);
    }

    /// The slow app finished working on its oldest request: on to the shard, and the next.
    fn served(&mut self, ctx: &mut C) {
        if let Some((id, op, at)) = self.queue.pop_front() {
            self.start(id, op, at, ctx);
        }
        self.busy = !self.queue.is_empty();
        if self.busy {
            ctx.set_timer(SysTimer::Serve, super::faults::SLOW);
        }
    }

    /// `slow` or `fast` (from a machine's `slow-m:M` / `fast-m:M`).
    pub fn set_slow(&mut self, slow: bool, ctx: &mut C) {
        match slow {
            true => self.slow = true,
            false => {
                self.slow = false;
                // What waited is worked on at full speed now.
                ctx.cancel_timer(SysTimer::Serve);
                self.busy = false;
                while let Some((id, op, at)) = self.queue.pop_front() {
                    self.start(id, op, at, ctx);
                }
            }
        }
    }

    fn send_try(&mut self, id: u64, ctx: &mut C) {
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        w.tries += 1;
        let to = self.bases[w.shard] + w.member;
        let op = w.op;
        let tries = w.tries;
        ctx.send(to, SysMsg::Kv { id, op });
        ctx.set_timer(SysTimer::Try { id, tries }, self.ato);
    }

    fn finish(&mut self, id: u64, result: KvResult, ctx: &mut C) {
        let Some(mut w) = self.work.remove(&id) else {
            return;
        };
        self.counts[0] += 1;
        if let Some(h) = w.hops.first_mut() {
            h.depart_us = ctx.now().as_us();
        }
        ctx.send(
            super::params::FRONT,
            SysMsg::Resp {
                id,
                result,
                hops: w.hops,
            },
        );
    }

    /// Next try at another member (after `hint`, or the next one round the group).
    fn retry(&mut self, id: u64, hint: Option<usize>, ctx: &mut C) {
        let rf = self.rf;
        let Some(w) = self.work.get_mut(&id) else {
            return;
        };
        // Tries after a "moved" answer do not count here (they have their own limit).
        if w.tries.saturating_sub(w.moved) >= MAX_TRIES {
            self.finish(id, KvResult::Unavailable, ctx);
            return;
        }
        w.member = match hint {
            Some(h) if h < rf && h != w.member => h,
            _ => (w.member + 1) % rf,
        };
        self.leader[w.shard] = w.member;
        self.send_try(id, ctx);
    }
}

impl Node for App {
    type Msg = SysMsg;
    crate::node::shows_whole_messages!();
    type Timer = SysTimer;
    type Command = super::SysCommand;
    // A part of a process: its `SysNode` answers for its commands.
    crate::node::refuses_commands!();

    fn on_start(&mut self, _ctx: &mut C) {}

    fn on_message(&mut self, from: NodeId, msg: SysMsg, ctx: &mut C) {
        match msg {
            SysMsg::Check { seq } => ctx.send(from, SysMsg::CheckOk { seq }),
            SysMsg::Req { id, op } => {
                let now = ctx.now();
                if self.slow {
                    self.queue.push_back((id, op, now));
                    if !self.busy {
                        self.busy = true;
                        ctx.set_timer(SysTimer::Serve, super::faults::SLOW);
                    }
                } else {
                    self.start(id, op, now, ctx);
                }
            }
            SysMsg::KvResp { id, result, hop } => {
                let Some(w) = self.work.get_mut(&id) else {
                    return;
                };
                // Only the member asked now answers for the request.
                if self.bases[w.shard] + w.member != from {
                    return;
                }
                w.hops.push(hop);
                ctx.cancel_timer(SysTimer::Try { id, tries: w.tries });
                match result {
                    KvResult::Moved => {
                        // The range moved (or is on its way): ask the shard the ring in force
                        // names, a little later.
                        w.moved += 1;
                        self.moved[0] += 1;
                        if w.moved > MAX_MOVED {
                            self.moved[1] += 1;
                            self.finish(id, KvResult::Unavailable, ctx);
                        } else {
                            ctx.set_timer(SysTimer::Backoff { id }, BACKOFF);
                        }
                    }
                    KvResult::NotLeader(hint) => {
                        self.counts[1] += 1;
                        self.retry(id, hint, ctx);
                    }
                    r => {
                        let shard = w.shard;
                        self.leader[shard] = w.member;
                        self.finish(id, r, ctx);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: SysTimer, ctx: &mut C) {
        if timer == SysTimer::Serve {
            self.served(ctx);
            return;
        }
        if let SysTimer::Backoff { id } = timer {
            let now = ctx.now();
            let Some(w) = self.work.get(&id) else {
                return;
            };
            let shard = self.shard(w.op.key(), now);
            let member = self.leader[shard];
            if let Some(w) = self.work.get_mut(&id) {
                w.shard = shard;
                w.member = member;
            }
            self.send_try(id, ctx);
            return;
        }
        if let SysTimer::Try { id, tries } = timer {
            let Some(w) = self.work.get_mut(&id) else {
                return;
            };
            if w.tries != tries {
                return;
            }
            let now = ctx.now();
            let node = (self.bases[w.shard] + w.member) as u16;
            let sent = now.as_us().saturating_sub(self.ato.as_us());
            w.hops.push(Hop {
                node,
                arrive_us: sent,
                depart_us: u64::MAX,
            });
            // A write that timed out may still be committed: later tries repeat the same put
            // (same value), so the request stays one operation whatever happens.
            self.retry(id, None, ctx);
        }
    }

    fn on_restart(&mut self) {
        // A restart loses what waited; the machine stays as slow as it was.
        self.queue.clear();
        self.busy = false;
        self.work.clear();
        self.leader.iter_mut().for_each(|l| *l = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shard of a key is its name's owner on the ring, for keys of every length.
    #[test]
    fn shard_of_hashes_the_key_name() {
        let ring = Ring::with_nodes(crate::ring::HashFn::Xxh64, 50, 3).expect("ring");
        for key in [0, 1, 9, 10, 99, 12_345, u32::MAX] {
            let name = super::super::key_name(key);
            assert_eq!(
                shard_of(&ring, key),
                ring.owner(name.as_bytes()).unwrap_or(0),
                "{name}"
            );
        }
    }
}
