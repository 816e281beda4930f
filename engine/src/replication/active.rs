//! The replication and locks lab, part three: active-active. Two or three sites accept writes to
//! the same keys and replicate to each other asynchronously; how a conflict is resolved is the
//! lesson:
//! - **last writer wins** by the site's wall clock (with a per-site clock skew): the write with the
//!   larger timestamp survives, so a site whose clock runs ahead silently beats newer writes —
//!   Cassandra's and DynamoDB global tables' rule;
//! - **version vectors** (Dynamo, Riak): a write supersedes exactly what its site had seen;
//!   concurrent writes are kept side by side as *siblings* for the application to resolve —
//!   nothing is lost, conflicts are visible;
//! - **a counter CRDT** (a G-counter: one count per site, merged by taking each site's own count):
//!   operations are increments, and every site converges on their exact total;
//! - **a counter in a last-writer-wins register** (`lwwc`), the naive alternative: an increment
//!   reads the site's value and writes value + 1 with the site's clock, so two sites incrementing
//!   through a partition each write their own total and after the heal one total wins — the other
//!   site's increments are lost even with perfect clocks.
//!
//! Each site's local clients are modelled by the site itself: Poisson operations at `rate` per
//! second on `keys` keys. Replication: a site keeps its own operations in order and sends every
//! peer those it has not acknowledged, at once and on a 100 ms tick, so a partition only delays
//! them; a peer applies each origin's operations in sequence (and drops duplicates).
//!
//! Ground truth ([`measure_active`]): newer writes lost (LWW: a write issued later in real time
//! than the one that survived), conflicts (version vectors: siblings created), increments lost
//! (issued minus the converged total), divergent keys now, and the time the sites took to agree
//! after the last heal.

use super::chunked::Chunked;
use super::params::{outside, ReplParamsError};
use crate::clip;
use crate::fault::{Fault, TimedFault};
use crate::net::NetConfig;
use crate::sim::{Ctx, Node, Sim, What};
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most sites.
pub const MAX_SITES: usize = 3;
/// The largest clock skew, ms either way.
pub const MAX_SKEW_MS: u64 = 60_000;
/// Replication retry tick.
pub const TICK: Duration = Duration::from_ms(100);

crate::text_enum! {
    /// How concurrent writes are resolved.
    pub enum Resolve {
        /// Last writer wins by the writing site's clock.
        #[default]
        Lww = "lww" / "last writer wins",
        /// Version vectors; concurrent writes become siblings.
        Vv = "vv" / "version vectors",
        /// Increments on a G-counter CRDT.
        Crdt = "crdt" / "counter CRDT",
        /// Increments as read-modify-write of a last-writer-wins register.
        LwwCounter = "lwwc" / "counter, last writer wins",
    }
}

/// Active-active parameters. Defaults in brackets; proposed link keys in `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveParams {
    /// Sites, 2–3 [2] `as`.
    pub sites: usize,
    /// Conflict resolution [lww] `ares`.
    pub resolve: Resolve,
    /// Operations per second at each site, 0–1000 [10] `arate`.
    pub rate: u32,
    /// Keys, 1–26 [2] `akeys`.
    pub keys: u8,
    /// Clock skew of site 0..3 in ms, ahead (positive) or behind [0, 0, 0] `askew` (`150.0.-20`).
    pub skew_ms: [i64; MAX_SITES],
}

impl Default for ActiveParams {
    fn default() -> Self {
        ActiveParams {
            sites: 2,
            resolve: Resolve::Lww,
            rate: 10,
            keys: 2,
            skew_ms: [0; MAX_SITES],
        }
    }
}

impl ActiveParams {
    /// Checks every limit; the error names the setting by its link key.
    pub fn validate(&self) -> Result<(), ReplParamsError> {
        outside("as", "sites", self.sites as u64, 2, MAX_SITES as u64)?;
        if self.rate > 1_000 {
            return Err(ReplParamsError::SiteRateAbove(self.rate));
        }
        outside("akeys", "", self.keys as u64, 1, 26)?;
        if let Some((site, &skew_ms)) = self
            .skew_ms
            .iter()
            .enumerate()
            .find(|(_, s)| s.unsigned_abs() > MAX_SKEW_MS)
        {
            return Err(ReplParamsError::SkewBeyond { site, skew_ms });
        }
        Ok(())
    }
}

/// A write's identity: its origin site and sequence number there.
pub type OpId = (usize, u32);

/// One operation, as replicated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AaOp {
    /// The site that took it.
    pub origin: usize,
    /// Its sequence number there (1-based, gap-free).
    pub seq: u32,
    /// The key.
    pub key: u8,
    /// LWW: the origin's clock reading, µs (skew included; may be "negative", so signed).
    pub ts: i64,
    /// Ground truth: the real time it was issued (no node reads it for a decision).
    pub real: SimTime,
    /// Version vectors: what the origin had seen of each site, itself included.
    pub vv: Vec<u32>,
    /// LWW counter: the value written (the origin's value of the key + 1).
    pub value: u64,
}

/// One key at one site.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Register {
    /// LWW (and the LWW counter): the surviving write `(ts, origin, id)`.
    pub lww: Option<(i64, usize, OpId)>,
    /// LWW counter: the surviving write's value.
    pub value: u64,
    /// Version vectors: the siblings `(vv, id)`.
    pub siblings: Vec<(Vec<u32>, OpId)>,
    /// CRDT: each site's increments.
    pub counts: Vec<u64>,
}

/// Messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AaMsg {
    /// The sender's own operations from `first` on.
    Ship {
        /// The operations, in sequence.
        ops: Vec<AaOp>,
    },
    /// The receiver has applied the sender's operations up to `upto`.
    ShipAck {
        /// Highest sequence applied.
        upto: u32,
    },
}

impl fmt::Display for AaMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AaMsg::Ship { ops } => write!(f, "ship +{}", ops.len()),
            AaMsg::ShipAck { upto } => write!(f, "ack @{upto}"),
        }
    }
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AaTimer {
    /// A local operation.
    Arrival,
    /// Resend what peers have not acknowledged.
    Tick,
}

impl fmt::Display for AaTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AaTimer::Arrival => "arrival",
            AaTimer::Tick => "replication tick",
        })
    }
}

/// A command to a site (`cmd:N:…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AaCommand {
    /// Write (or increment) KEY now (`write:a`).
    Write(u8),
    /// Operations per second from now on (`rate:N`).
    Rate(u32),
    /// The site's clock jumps to SKEW ms from real time (`skew:-250`).
    Skew(i64),
}

impl crate::command::Command for AaCommand {}

/// Why a site command's text was refused, by the part at fault; every variant quotes the whole
/// text (at most 40 characters) in the same message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AaCommandError {
    /// `write:A`: not a key a–z.
    Key(String),
    /// `rate:1001`: not a rate 0–1000.
    Rate(String),
    /// `skew:60001`: not whole ms within ±[`MAX_SKEW_MS`].
    Skew(String),
    /// `nap`: no such command.
    Unknown(String),
}

impl AaCommandError {
    /// The command's text (clipped).
    pub fn text(&self) -> &str {
        match self {
            AaCommandError::Key(t)
            | AaCommandError::Rate(t)
            | AaCommandError::Skew(t)
            | AaCommandError::Unknown(t) => t,
        }
    }
}

impl fmt::Display for AaCommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a site command (write:KEY, rate:N, skew:MS)",
            self.text()
        )
    }
}

impl std::error::Error for AaCommandError {}

impl FromStr for AaCommand {
    type Err = AaCommandError;
    /// Parses `write:KEY`, `rate:N` (0–1000), `skew:MS` (±60 000, whole ms).
    fn from_str(text: &str) -> Result<AaCommand, AaCommandError> {
        let (verb, arg) = text.split_once(':').unwrap_or((text, ""));
        let t = || clip(text);
        match verb {
            "write" => match arg.as_bytes() {
                [c] if c.is_ascii_lowercase() => Ok(AaCommand::Write(c - b'a')),
                _ => Err(AaCommandError::Key(t())),
            },
            "rate" => {
                let bad = || AaCommandError::Rate(t());
                if arg.is_empty() || arg.len() > 4 || !arg.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let r: u32 = arg.parse().map_err(|_| bad())?;
                if r > 1_000 {
                    return Err(bad());
                }
                Ok(AaCommand::Rate(r))
            }
            "skew" => {
                let bad = || AaCommandError::Skew(t());
                let digits = arg.strip_prefix('-').unwrap_or(arg);
                if digits.is_empty()
                    || digits.len() > 5
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(bad());
                }
                let v: i64 = arg.parse().map_err(|_| bad())?;
                if v.unsigned_abs() > MAX_SKEW_MS {
                    return Err(bad());
                }
                Ok(AaCommand::Skew(v))
            }
            _ => Err(AaCommandError::Unknown(t())),
        }
    }
}

impl fmt::Display for AaCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AaCommand::Write(k) => write!(f, "write:{}", super::key_name(*k)),
            AaCommand::Rate(r) => write!(f, "rate:{r}"),
            AaCommand::Skew(s) => write!(f, "skew:{s}"),
        }
    }
}

/// A site.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// Parameters.
    pub p: ActiveParams,
    /// Its index (= node id).
    pub me: usize,
    /// Operations per second.
    pub rate: u32,
    /// Clock skew, µs.
    pub skew_us: i64,
    /// Its own operations, in sequence (persistent).
    pub own: Chunked<AaOp>,
    /// Per peer: the highest of its own sequence numbers the peer acknowledged.
    pub acked: Vec<u32>,
    /// Per origin: the highest sequence applied here (persistent with the state).
    pub applied: Vec<u32>,
    /// The keys.
    pub regs: Vec<Register>,
    /// Ghost: siblings created here (concurrent writes detected).
    pub conflicts: u64,
    /// Ghost: state digest after every change `(time, digest)`.
    pub digests: Chunked<(SimTime, u64)>,
}

impl Site {
    fn new(p: &ActiveParams, me: usize) -> Site {
        Site {
            p: *p,
            me,
            rate: p.rate,
            skew_us: p.skew_ms[me.min(MAX_SITES - 1)] * 1000,
            own: Chunked::new(),
            acked: vec![0; p.sites],
            applied: vec![0; p.sites],
            regs: vec![
                Register {
                    counts: vec![0; p.sites],
                    ..Register::default()
                };
                p.keys as usize
            ],
            conflicts: 0,
            digests: Chunked::new(),
        }
    }

    /// What a read of `key` returns here: the surviving write (LWW), every sibling (version
    /// vectors), or the count in `.1` (CRDT: the total; LWW counter: the surviving value).
    pub fn read(&self, key: u8) -> (Vec<OpId>, u64) {
        let r = &self.regs[key as usize];
        match self.p.resolve {
            Resolve::Lww => (r.lww.map(|x| x.2).into_iter().collect(), 0),
            Resolve::Vv => (r.siblings.iter().map(|s| s.1).collect(), 0),
            Resolve::Crdt => (Vec::new(), r.counts.iter().sum()),
            Resolve::LwwCounter => (Vec::new(), r.value),
        }
    }

    /// A digest of the whole state (FNV-1a over a fixed encoding; sibling order ignored).
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |x: u64| {
            for b in x.to_le_bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        for k in 0..self.regs.len() {
            let (mut ids, total) = self.read(k as u8);
            crate::sort::sort_unstable(&mut ids);
            mix(k as u64);
            mix(total);
            for (o, s) in ids {
                mix(o as u64);
                mix(s as u64);
            }
        }
        h
    }

    fn record(&mut self, now: SimTime) {
        let d = self.digest();
        if self.digests.last().map(|x| x.1) != Some(d) {
            self.digests.push((now, d));
        }
    }

    fn local_write(&mut self, key: u8, ctx: &mut Ctx<AaMsg, AaTimer>) {
        let now = ctx.now();
        let seq = self.own.len() as u32 + 1;
        let mut vv = vec![0; self.p.sites];
        if self.p.resolve == Resolve::Vv {
            for (s, _) in &self.regs[key as usize].siblings {
                for (a, b) in vv.iter_mut().zip(s) {
                    *a = (*a).max(*b);
                }
            }
            vv[self.me] = seq;
        }
        let op = AaOp {
            origin: self.me,
            seq,
            key,
            ts: now.as_us() as i64 + self.skew_us,
            real: now,
            vv,
            value: self.regs[key as usize].value + 1,
        };
        self.apply(&op);
        self.applied[self.me] = seq;
        self.own.push(op);
        self.record(now);
        for peer in 0..self.p.sites {
            if peer != self.me {
                self.ship(peer, ctx);
            }
        }
    }

    fn apply(&mut self, op: &AaOp) {
        let me = self.me;
        let r = &mut self.regs[op.key as usize];
        let id = (op.origin, op.seq);
        match self.p.resolve {
            Resolve::Lww | Resolve::LwwCounter => {
                let beats = r.lww.is_none_or(|(ts, o, _)| (op.ts, op.origin) > (ts, o));
                if beats {
                    r.lww = Some((op.ts, op.origin, id));
                    r.value = op.value;
                }
            }
            Resolve::Vv => {
                let le = |a: &[u32], b: &[u32]| a.iter().zip(b).all(|(x, y)| x <= y);
                if op.origin == me {
                    // A local write supersedes every sibling it saw.
                    r.siblings = vec![(op.vv.clone(), id)];
                    return;
                }
                if r.siblings.iter().any(|(s, _)| le(&op.vv, s)) {
                    return; // already seen (or older)
                }
                r.siblings.retain(|(s, _)| !le(s, &op.vv));
                r.siblings.push((op.vv.clone(), id));
                if r.siblings.len() > 1 {
                    self.conflicts += 1;
                }
            }
            Resolve::Crdt => r.counts[op.origin] += 1,
        }
    }

    fn ship(&mut self, peer: usize, ctx: &mut Ctx<AaMsg, AaTimer>) {
        let from = self.acked[peer] as usize;
        if from >= self.own.len() {
            return;
        }
        let end = (from + 64).min(self.own.len());
        ctx.send(
            peer,
            AaMsg::Ship {
                ops: self.own.to_vec(from, end),
            },
        );
    }

    fn arm(&mut self, ctx: &mut Ctx<AaMsg, AaTimer>) {
        if self.rate == 0 {
            ctx.cancel_timer(AaTimer::Arrival);
            return;
        }
        let gap = ctx.rng().exp_u64(1_000_000 / self.rate as u64).max(1);
        ctx.set_timer(AaTimer::Arrival, Duration(gap));
    }
}

impl Node for Site {
    type Msg = AaMsg;
    type Timer = AaTimer;
    type Command = AaCommand;
    type Refusal = super::KeyBeyond;

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::slice;
        // The open tail's operations carry their version vectors.
        let vvs: usize = self.own.tail().iter().map(|o| slice(&o.vv)).sum();
        self.own.unshared_bytes()
            + vvs
            + self.digests.unshared_bytes()
            + slice(&self.acked)
            + slice(&self.applied)
            + slice(&self.regs)
            + self
                .regs
                .iter()
                .map(|r| {
                    slice(&r.counts)
                        + slice(&r.siblings)
                        + r.siblings.iter().map(|(v, _)| slice(v)).sum::<usize>()
                })
                .sum::<usize>()
    }

    fn msg_heap_bytes(msg: &AaMsg) -> usize {
        use crate::node::bytes::slice;
        match msg {
            AaMsg::Ship { ops } => slice(ops) + ops.iter().map(|o| slice(&o.vv)).sum::<usize>(),
            AaMsg::ShipAck { .. } => 0,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<AaMsg, AaTimer>) {
        self.arm(ctx);
        ctx.set_timer(AaTimer::Tick, TICK);
        self.record(ctx.now());
    }

    fn on_message(&mut self, from: NodeId, msg: AaMsg, ctx: &mut Ctx<AaMsg, AaTimer>) {
        match msg {
            AaMsg::Ship { ops } => {
                for op in ops {
                    if op.origin < self.applied.len() && op.seq == self.applied[op.origin] + 1 {
                        self.apply(&op);
                        self.applied[op.origin] = op.seq;
                    }
                }
                self.record(ctx.now());
                ctx.send(
                    from,
                    AaMsg::ShipAck {
                        upto: self.applied[from.min(self.applied.len() - 1)],
                    },
                );
            }
            AaMsg::ShipAck { upto } => {
                if from < self.acked.len() && upto > self.acked[from] {
                    self.acked[from] = upto;
                    self.ship(from, ctx);
                }
            }
        }
    }

    fn on_timer(&mut self, t: AaTimer, ctx: &mut Ctx<AaMsg, AaTimer>) {
        match t {
            AaTimer::Arrival => {
                let key = ctx.rng().below(self.p.keys as u64) as u8;
                self.local_write(key, ctx);
                self.arm(ctx);
            }
            AaTimer::Tick => {
                for peer in 0..self.p.sites {
                    if peer != self.me {
                        self.ship(peer, ctx);
                    }
                }
                ctx.set_timer(AaTimer::Tick, TICK);
            }
        }
    }

    fn on_command(
        &mut self,
        cmd: &AaCommand,
        ctx: &mut Ctx<AaMsg, AaTimer>,
    ) -> Result<(), super::KeyBeyond> {
        match *cmd {
            AaCommand::Write(k) if k < self.p.keys => self.local_write(k, ctx),
            AaCommand::Write(key) => {
                return Err(super::KeyBeyond {
                    key,
                    keys: self.p.keys,
                })
            }
            AaCommand::Rate(r) => {
                self.rate = r;
                self.arm(ctx);
            }
            AaCommand::Skew(ms) => {
                self.skew_us = ms * 1000;
                ctx.note(format!("clock now {} ms off real time", ms));
            }
        }
        Ok(())
    }
}

/// An active-active simulation under `seed` (sites clamped to 2–3).
pub fn new_active_sim(
    seed: u64,
    p: &ActiveParams,
    net: NetConfig,
    faults: Vec<TimedFault>,
) -> Sim<Site> {
    let mut p = *p;
    p.sites = p.sites.clamp(2, MAX_SITES);
    p.keys = p.keys.clamp(1, 26);
    Sim::new(
        seed,
        (0..p.sites).map(|i| Site::new(&p, i)).collect(),
        net,
        faults,
    )
}

/// What the active-active section reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActiveMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// Operations issued, all sites.
    pub ops: u64,
    /// LWW: writes issued later (real time) than the write that survived on their key at site 0
    /// — the newer write that lost.
    pub newer_lost: u64,
    /// Version vectors: siblings created (concurrent writes detected), the most at one site.
    pub conflicts: u64,
    /// Version vectors: keys holding more than one sibling at site 0 now.
    pub keys_with_siblings: u64,
    /// Counters (CRDT or LWW counter): increments issued minus the count at site 0 (CRDT: 0 once
    /// converged; LWW counter: the increments its lost writes carried).
    pub increments_missing: i64,
    /// Keys on which the sites disagree now.
    pub divergent_keys: u64,
    /// Time from the last heal until every site's state was the same, ms (`None`: not yet, or
    /// no heal).
    pub convergence_ms: Option<f64>,
    /// Operations waiting to reach some peer.
    pub unshipped: u64,
}

/// Measures an active-active run at its current position.
pub fn measure_active(sim: &Sim<Site>) -> ActiveMetrics {
    let sites = sim.nodes();
    let mut m = ActiveMetrics {
        time_ms: sim.now().as_ms_f64(),
        ..ActiveMetrics::default()
    };
    let Some(s0) = sites.first() else { return m };
    m.ops = sites.iter().map(|s| s.own.len() as u64).sum();
    m.conflicts = sites.iter().map(|s| s.conflicts).max().unwrap_or(0);
    let real = |id: OpId| {
        sites
            .get(id.0)
            .and_then(|s| s.own.get(id.1 as usize - 1))
            .map(|o| o.real)
    };
    for k in 0..s0.p.keys {
        let (ids, total) = s0.read(k);
        match s0.p.resolve {
            Resolve::Lww => {
                if let Some(kept) = ids.first().and_then(|&id| real(id)) {
                    m.newer_lost += sites
                        .iter()
                        .flat_map(|s| &s.own)
                        .filter(|o| o.key == k && o.real > kept)
                        .filter(|o| sites.iter().all(|s| s.applied[o.origin] >= o.seq))
                        .count() as u64;
                }
            }
            Resolve::Vv => m.keys_with_siblings += (ids.len() > 1) as u64,
            Resolve::Crdt | Resolve::LwwCounter => {
                let issued = sites
                    .iter()
                    .flat_map(|s| &s.own)
                    .filter(|o| o.key == k)
                    .count();
                m.increments_missing += issued as i64 - total as i64;
            }
        }
        let sorted = |s: &Site| {
            let (mut v, t) = s.read(k);
            crate::sort::sort_unstable(&mut v);
            (v, t)
        };
        let first = sorted(s0);
        m.divergent_keys += sites.iter().any(|s| sorted(s) != first) as u64;
    }
    for (i, s) in sites.iter().enumerate() {
        for (peer, &a) in s.acked.iter().enumerate() {
            if peer != i {
                m.unshipped += s.own.len() as u64 - a as u64;
            }
        }
    }
    // Convergence: the first instant after the last heal at which every site's digest matched.
    // From the fault schedule (a run may keep only a tail of its trace): heals before now, and
    // one at now only if the trace shows it applied (a fault at T runs after T's other events).
    let now = sim.now();
    let heal_now = sim
        .trace()
        .iter()
        .rev()
        .take_while(|e| e.time == now)
        .any(|e| matches!(e.what, What::Fault(Fault::Heal)));
    let heal = sim
        .schedule()
        .iter()
        .filter(|f| matches!(f.fault, Fault::Heal) && (f.at < now || (f.at == now && heal_now)))
        .map(|f| f.at)
        .next_back();
    if let Some(h) = heal {
        let mut events: Vec<(SimTime, usize, u64)> = Vec::new();
        let mut cur: Vec<u64> = vec![0; sites.len()];
        for (i, s) in sites.iter().enumerate() {
            for &(t, d) in &s.digests {
                if t <= h {
                    cur[i] = d;
                } else {
                    events.push((t, i, d));
                }
            }
        }
        crate::sort::sort(&mut events);
        let same = |c: &[u64]| c.windows(2).all(|w| w[0] == w[1]);
        if same(&cur) {
            m.convergence_ms = Some(0.0);
        } else {
            for (t, i, d) in events {
                cur[i] = d;
                if same(&cur) {
                    m.convergence_ms = Some(t.since(h).as_ms_f64());
                    break;
                }
            }
        }
    }
    m
}
