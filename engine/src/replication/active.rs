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

use super::chunked::{Chunked, CHUNK};
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
    /// Steps between two foldings of what no measurement or protocol step needs any more
    /// (acknowledged operations, old digests; see [`upkeep`]); 0 keeps everything (the
    /// reference the tests compare with). Not a link key.
    #[serde(default = "default_fold")]
    pub fold: u32,
}

fn default_fold() -> u32 {
    FOLD_EVERY
}

/// Steps between two upkeeps by default.
pub const FOLD_EVERY: u32 = 8192;

impl Default for ActiveParams {
    fn default() -> Self {
        ActiveParams {
            sites: 2,
            resolve: Resolve::Lww,
            rate: 10,
            keys: 2,
            skew_ms: [0; MAX_SITES],
            fold: FOLD_EVERY,
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

/// A version vector: what a site had seen of each site (unused sites 0).
pub type Vv = [u32; MAX_SITES];

/// One operation, as replicated (48 bytes, no heap: the version vector is inline).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AaOp {
    /// The site that took it.
    pub origin: u8,
    /// The key.
    pub key: u8,
    /// Its sequence number there (1-based, gap-free).
    pub seq: u32,
    /// LWW: the origin's clock reading, µs (skew included; may be "negative", so signed).
    pub ts: i64,
    /// Ground truth: the real time it was issued (no node reads it for a decision).
    pub real: SimTime,
    /// Version vectors: what the origin had seen of each site, itself included (0 in the
    /// other modes).
    pub vv: Vv,
    /// LWW counter: the value written (the origin's value of the key + 1).
    pub value: u64,
}

impl AaOp {
    /// Its identity.
    pub fn id(&self) -> OpId {
        (self.origin as usize, self.seq)
    }
}

/// One key at one site.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Register {
    /// LWW (and the LWW counter): the surviving write `(ts, origin, id)`.
    pub lww: Option<(i64, usize, OpId)>,
    /// Ghost (LWW): the surviving write's real time.
    pub lww_real: SimTime,
    /// Ghost (LWW): the latest real time of a write applied here (see [`upkeep`]).
    pub max_real: SimTime,
    /// LWW counter: the surviving write's value.
    pub value: u64,
    /// Version vectors: the siblings `(vv, id)`.
    pub siblings: Vec<(Vv, OpId)>,
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

impl AaMsg {
    /// The message as a trace line keeps it ([`AaMsgShown`]).
    pub fn shown(&self) -> AaMsgShown {
        match *self {
            AaMsg::Ship { ref ops } => AaMsgShown::Ship { ops: ops.len() },
            AaMsg::ShipAck { upto } => AaMsgShown::ShipAck { upto },
        }
    }
}

impl fmt::Display for AaMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown().fmt(f)
    }
}

/// What a trace line keeps of an [`AaMsg`] (its `Display` is the message's): a `Ship`'s
/// operations counted instead of held, so a traced delivery neither copies them nor keeps them
/// alive until its line is trimmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AaMsgShown {
    /// An [`AaMsg::Ship`].
    Ship {
        /// How many operations it carries.
        ops: usize,
    },
    /// An [`AaMsg::ShipAck`].
    ShipAck {
        /// Highest sequence applied.
        upto: u32,
    },
}

impl fmt::Display for AaMsgShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AaMsgShown::Ship { ops } => write!(f, "ship +{ops}"),
            AaMsgShown::ShipAck { upto } => write!(f, "ack @{upto}"),
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
    /// Its own operations, in sequence (persistent), from sequence number `folded.ops + 1` on
    /// (the ones before were acknowledged by every peer: never shipped again).
    pub own: Chunked<AaOp>,
    /// Per peer: the highest of its own sequence numbers the peer acknowledged.
    pub acked: Vec<u32>,
    /// Per origin: the highest sequence applied here (persistent with the state).
    pub applied: Vec<u32>,
    /// The keys.
    pub regs: Vec<Register>,
    /// Ghost: siblings created here (concurrent writes detected).
    pub conflicts: u64,
    /// Ghost: state digest after every change `(time, digest)`, from `folded.cut` on.
    pub digests: Chunked<(SimTime, u64)>,
    /// Ghost: operations issued here per key.
    pub issued: Vec<u64>,
    /// Ghost: the largest clock skew (either way) an operation issued here carried, µs.
    pub skew_seen: u64,
    /// What [`upkeep`] folded away.
    pub folded: Folded,
}

/// What [`upkeep`] folded out of a site (all ghost but `ops`, which numbers `own`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Folded {
    /// Own operations dropped from the front of `own`.
    pub ops: u32,
    /// LWW, per key: the real times of the folded own operations (ascending) that the newer-
    /// lost count may still need (shared between snapshots).
    pub reals: Vec<Chunked<SimTime>>,
    /// Digests before this time were folded.
    pub cut: SimTime,
    /// The last digest folded (before `cut`).
    pub digest: Option<u64>,
    /// The last heal before `cut` and, if found before `cut`, when every site matched after it.
    pub conv: Option<(SimTime, Option<SimTime>)>,
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
            issued: vec![0; p.keys as usize],
            skew_seen: 0,
            folded: Folded::default(),
        }
    }

    /// Operations issued here so far (the last sequence number).
    pub fn ops(&self) -> u32 {
        self.folded.ops + self.own.len() as u32
    }

    /// Own operations not yet acknowledged by `peer`.
    pub fn unshipped(&self, peer: usize) -> u64 {
        self.acked.get(peer).map_or(0, |&a| (self.ops() - a) as u64)
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
        if self.digests.last().map(|x| x.1).or(self.folded.digest) != Some(d) {
            self.digests.push((now, d));
        }
    }

    fn local_write(&mut self, key: u8, ctx: &mut Ctx<AaMsg, AaTimer>) {
        let now = ctx.now();
        let seq = self.ops() + 1;
        let mut vv = [0; MAX_SITES];
        if self.p.resolve == Resolve::Vv {
            for (s, _) in &self.regs[key as usize].siblings {
                for (a, b) in vv.iter_mut().zip(s) {
                    *a = (*a).max(*b);
                }
            }
            vv[self.me] = seq;
        }
        self.issued[key as usize] += 1;
        self.skew_seen = self.skew_seen.max(self.skew_us.unsigned_abs());
        let op = AaOp {
            origin: self.me as u8,
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
        let id = op.id();
        let origin = op.origin as usize;
        match self.p.resolve {
            Resolve::Lww | Resolve::LwwCounter => {
                let beats = r.lww.is_none_or(|(ts, o, _)| (op.ts, origin) > (ts, o));
                if beats {
                    r.lww = Some((op.ts, origin, id));
                    r.lww_real = op.real;
                    r.value = op.value;
                }
                r.max_real = r.max_real.max(op.real);
            }
            Resolve::Vv => {
                let le = |a: &[u32], b: &[u32]| a.iter().zip(b).all(|(x, y)| x <= y);
                if origin == me {
                    // A local write supersedes every sibling it saw.
                    r.siblings = vec![(op.vv, id)];
                    return;
                }
                if r.siblings.iter().any(|(s, _)| le(&op.vv, s)) {
                    return; // already seen (or older)
                }
                r.siblings.retain(|(s, _)| !le(s, &op.vv));
                r.siblings.push((op.vv, id));
                if r.siblings.len() > 1 {
                    self.conflicts += 1;
                }
            }
            Resolve::Crdt => r.counts[origin] += 1,
        }
    }

    fn ship(&mut self, peer: usize, ctx: &mut Ctx<AaMsg, AaTimer>) {
        // Every peer acknowledged the folded operations: indices into `own` start after them.
        let from = (self.acked[peer] - self.folded.ops) as usize;
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
    type Shown = AaMsgShown;

    fn shown(msg: &AaMsg) -> AaMsgShown {
        msg.shown()
    }
    type Timer = AaTimer;
    type Command = AaCommand;
    type Refusal = super::KeyBeyond;

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::slice;
        self.own.unshared_bytes()
            + self.digests.unshared_bytes()
            + slice(&self.issued)
            + slice(&self.folded.reals)
            + self
                .folded
                .reals
                .iter()
                .map(|r| r.unshared_bytes())
                .sum::<usize>()
            + slice(&self.acked)
            + slice(&self.applied)
            + slice(&self.regs)
            + self
                .regs
                .iter()
                .map(|r| slice(&r.counts) + slice(&r.siblings))
                .sum::<usize>()
    }

    fn msg_heap_bytes(msg: &AaMsg) -> usize {
        use crate::node::bytes::slice;
        match msg {
            AaMsg::Ship { ops } => slice(ops),
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
                    let o = op.origin as usize;
                    if o < self.applied.len() && op.seq == self.applied[o] + 1 {
                        self.apply(&op);
                        self.applied[o] = op.seq;
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

/// An active-active simulation under `seed` (sites clamped to 2–3), folding every `p.fold`
/// steps ([`upkeep`]).
pub fn new_active_sim(
    seed: u64,
    p: &ActiveParams,
    net: NetConfig,
    faults: Vec<TimedFault>,
) -> Sim<Site> {
    let mut p = *p;
    p.sites = p.sites.clamp(2, MAX_SITES);
    p.keys = p.keys.clamp(1, 26);
    let mut sim = Sim::new(
        seed,
        (0..p.sites).map(|i| Site::new(&p, i)).collect(),
        net,
        faults,
    );
    if p.fold > 0 {
        sim.set_upkeep(p.fold as u64, upkeep);
    }
    sim
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
    m.ops = sites.iter().map(|s| s.ops() as u64).sum();
    m.conflicts = sites.iter().map(|s| s.conflicts).max().unwrap_or(0);
    match s0.p.resolve {
        Resolve::Lww => {
            // Per key, the real time of the write that survived at site 0; then the writes
            // issued later and applied everywhere: the folded ones (applied everywhere, real
            // times kept per key in order) and, in one pass, the ones still kept.
            let kept: Vec<Option<SimTime>> =
                s0.regs.iter().map(|r| r.lww.map(|_| r.lww_real)).collect();
            let later = |key: u8, real: SimTime| {
                kept.get(key as usize)
                    .copied()
                    .flatten()
                    .is_some_and(|r| real > r)
            };
            for s in sites {
                for (k, reals) in s.folded.reals.iter().enumerate() {
                    if let Some(r) = kept.get(k).copied().flatten() {
                        m.newer_lost += (reals.len() - reals.partition_point(|&x| x <= r)) as u64;
                    }
                }
                m.newer_lost += s
                    .own
                    .iter()
                    .filter(|o| later(o.key, o.real))
                    .filter(|o| sites.iter().all(|t| t.applied[o.origin as usize] >= o.seq))
                    .count() as u64;
            }
        }
        Resolve::Vv => {
            m.keys_with_siblings = s0.regs.iter().filter(|r| r.siblings.len() > 1).count() as u64
        }
        Resolve::Crdt | Resolve::LwwCounter => {
            for k in 0..s0.p.keys {
                let issued: u64 = sites.iter().map(|s| s.issued[k as usize]).sum();
                m.increments_missing += issued as i64 - s0.read(k).1 as i64;
            }
        }
    }
    for k in 0..s0.p.keys {
        let sorted = |s: &Site| {
            let (mut v, t) = s.read(k);
            crate::sort::sort_unstable(&mut v);
            (v, t)
        };
        let first = sorted(s0);
        m.divergent_keys += sites.iter().any(|s| sorted(s) != first) as u64;
    }
    for (i, s) in sites.iter().enumerate() {
        m.unshipped += (0..s.acked.len())
            .filter(|&p| p != i)
            .map(|p| s.unshipped(p))
            .sum::<u64>();
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
        m.convergence_ms = converged(sites, h).map(|t| t.since(h).as_ms_f64());
    }
    m
}

/// When every site's digest first matched at or after heal `h`, from what was folded and the
/// digests kept.
fn converged(sites: &[Site], h: SimTime) -> Option<SimTime> {
    let f = &sites.first()?.folded;
    if h < f.cut {
        // A heal before the cut is the last one the upkeep saw (heals before now are final):
        // its answer if found before the cut, else the sites' digests at the cut go on below
        // (every digest kept is at or after the cut, so after `h`).
        match f.conv {
            Some((fh, found)) if fh == h => {
                if found.is_some() {
                    return found;
                }
            }
            _ => return None,
        }
    }
    digests_converge(sites, h, |s| s.digests.len())
}

/// The convergence after `h` over each site's folded digest and its first `upto(site)` kept
/// digests: at `h` if they matched then, else at the first change `(time, site, digest)` (in
/// that order) after which they all match.
fn digests_converge(sites: &[Site], h: SimTime, upto: impl Fn(&Site) -> usize) -> Option<SimTime> {
    let mut events: Vec<(SimTime, usize, u64)> = Vec::new();
    let mut cur: Vec<u64> = Vec::with_capacity(sites.len());
    for (i, s) in sites.iter().enumerate() {
        let mut c = s.folded.digest.unwrap_or(0);
        for &(t, d) in s.digests.iter().take(upto(s)) {
            if t <= h {
                c = d;
            } else {
                events.push((t, i, d));
            }
        }
        cur.push(c);
    }
    crate::sort::sort(&mut events);
    let same = |c: &[u64]| c.windows(2).all(|w| w[0] == w[1]);
    if same(&cur) {
        return Some(h);
    }
    for (t, i, d) in events {
        cur[i] = d;
        if same(&cur) {
            return Some(t);
        }
    }
    None
}

/// The upkeep ([`Sim::set_upkeep`], every [`ActiveParams::fold`] steps): folds what no
/// protocol step or measurement can need again, so a site's state stops growing with the run
/// (issue 10; docs/design.md, "Folding active-active operations"). Changes no event:
/// - **own operations** every peer has acknowledged (whole chunks of them): `acked` only grows
///   and a site keeps its state across a crash, so they are never shipped again; `folded.ops`
///   keeps the numbering, `ops` and `unshipped` exact. A peer acknowledges only what it has
///   applied, and `applied` only grows, so a folded operation is applied everywhere for good.
/// - **their measurements**: issued counts per key are counters from the start (`issued`);
///   LWW's newer-lost count needs, per key, the real times of folded writes that may still be
///   later than site 0's survivor (real time `R`, kept beside it in `Register::lww_real`).
///   Bound: let `S` be the largest skew any operation issued so far carried and `M` the latest
///   real time of a write on the key applied at site 0. A later survivor `w` beats (so its
///   timestamp is at least that of) the write at `M`, which stays applied: if `w` was issued
///   by now, `R = ts(w) − skew(w) ≥ ts − S = M + skew − S ≥ M − 2S`; if later, `R ≥ now`.
///   Either way a folded write whose real time is below `M − 2S` (≤ now) is never later than
///   the survivor again, and its real time goes (whole chunks of them).
/// - **digests** before now (a same-time tie stays whole): into each site's last digest, the
///   last heal before now, and the time the sites matched after it if that came before now.
///   [`measure_active`] picks up from there for that heal, or starts from the folded digests
///   for a later heal (any heal added later is at or after now).
pub fn upkeep(sim: &mut Sim<Site>) {
    let now = sim.now();
    let heal = sim
        .schedule()
        .iter()
        .filter(|f| matches!(f.fault, Fault::Heal) && f.at < now)
        .map(|f| f.at)
        .next_back();
    let sites = sim.nodes();
    let Some(s0) = sites.first() else { return };
    let lww = s0.p.resolve == Resolve::Lww;
    let cuts: Vec<usize> = sites
        .iter()
        .map(|s| s.digests.partition_point(|d| d.0 < now))
        .collect();
    let conv = heal.map(|h| match s0.folded.conv {
        Some((fh, Some(t))) if fh == h => (h, Some(t)),
        _ => (
            h,
            digests_converge(sites, h, |s| cuts.get(s.me).copied().unwrap_or(0)),
        ),
    });
    let skew = sites.iter().map(|s| s.skew_seen).max().unwrap_or(0);
    let floor: Vec<u64> = s0
        .regs
        .iter()
        .map(|r| r.max_real.as_us().saturating_sub(2 * skew))
        .collect();
    let n = sites.len();
    for (i, s) in sim.nodes_mut().iter_mut().enumerate() {
        let cut = cuts[i];
        if let Some(&(_, d)) = s.digests.get(cut.wrapping_sub(1)) {
            s.folded.digest = Some(d);
        }
        s.digests.drop_front(cut);
        s.folded.cut = now;
        s.folded.conv = conv;
        let acked = (0..n)
            .filter(|&p| p != i)
            .map(|p| s.acked[p])
            .min()
            .unwrap_or(0);
        let k = (acked - s.folded.ops) as usize / CHUNK * CHUNK;
        if lww && s.folded.reals.is_empty() {
            s.folded.reals = vec![Chunked::new(); s.p.keys as usize];
        }
        if k > 0 {
            if lww {
                for j in 0..k {
                    let o = &s.own[j];
                    let (key, real) = (o.key as usize, o.real);
                    s.folded.reals[key].push(real);
                }
            }
            s.own.drop_front(k);
            s.folded.ops += k as u32;
        }
        for (reals, &floor) in s.folded.reals.iter_mut().zip(&floor) {
            let below = reals.partition_point(|r| r.as_us() < floor);
            if below >= CHUNK {
                reals.drop_front(below / CHUNK * CHUNK);
            }
        }
    }
}
