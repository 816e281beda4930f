//! The whole-system lab's settings, their defaults and limits, and the placement of processes
//! on machines in zones.

use crate::lb::Strategy;
use crate::time::{Duration, SimTime};
use crate::NodeId;
use serde::{Deserialize, Serialize};

/// The most machines (`n`).
pub const MAX_MACHINES: usize = 12;
/// The most zones.
pub const MAX_ZONES: usize = 4;
/// The most app replicas.
pub const MAX_APPS: usize = 8;
/// The most shards.
pub const MAX_SHARDS: usize = 5;
/// The most members of a shard's Raft group.
pub const MAX_RF: usize = 5;
/// The highest offered load, requests per second.
pub const MAX_RPS: u32 = 1_000;
/// The most keys.
pub const MAX_KEYS: u32 = 64;

crate::text_enum! {
    /// How a shard's leader serves a read.
    pub enum ReadMode {
        /// `lease`: from its state while it holds a leader lease (a majority acknowledged it within
        /// the minimum election timeout, and with check-quorum no follower votes for another
        /// candidate within that time: thesis §6.4.1), else as `index`.
        #[default]
        Lease = "lease" / "leader lease, else ReadIndex",
        /// `index`: ReadIndex (thesis §6.4): note the commit index, confirm leadership with a
        /// round of heartbeats acknowledged by a majority after the read arrived, then answer.
        Index = "index" / "ReadIndex (confirm with a majority)",
        /// `local` (a bug): whoever believes it is the leader answers from its own state at once.
        Local = "local" / "BUG: leader answers at once, no lease",
        /// `follower` (a bug): any member answers from its own applied state.
        Follower = "follower" / "BUG: any member answers",
    }
}

/// Whole-system lab settings. Defaults in brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemParams {
    /// Machines (the scenario's `n`) [9].
    pub machines: usize,
    /// Zones `a`, `b`, … (machine `m` is in zone `m mod zones`) [3].
    pub zones: usize,
    /// App replicas behind the balancer [3].
    pub apps: usize,
    /// Shards on the ring [3].
    pub shards: usize,
    /// Raft members per shard [3].
    pub rf: usize,
    /// Spread each shard's members (and the apps) across zones [on]; off packs them in one zone.
    pub spread: bool,
    /// Virtual nodes per shard on the ring [100].
    pub vnodes: u32,
    /// The balancer's strategy [`rr`].
    pub strategy: Strategy,
    /// Active health checks [on].
    pub hc: bool,
    /// Health-check interval (and timeout) [500 ms].
    pub hc_interval: Duration,
    /// Failed checks in a row to mark an app down [2].
    pub fall: u32,
    /// Good checks in a row to bring it back [2].
    pub rise: u32,
    /// Offered load, requests per second (Poisson) [100].
    pub rps: u32,
    /// Keys the clients use [12].
    pub keys: u32,
    /// Share of writes, percent [30].
    pub write_pct: u32,
    /// Client per-attempt timeout [1 000 ms].
    pub cto: Duration,
    /// Attempts per request in all [3].
    pub tries: u32,
    /// The app's timeout for one try at a shard member [250 ms].
    pub ato: Duration,
    /// How reads are served [`lease`].
    pub reads: ReadMode,
    /// Raft check-quorum and leader stickiness (thesis §6.2, §4.2.3) [on].
    pub cq: bool,
    /// Raft minimum election timeout [150 ms] (the maximum is twice it).
    pub et: Duration,
    /// Raft heartbeat interval [50 ms].
    pub hb: Duration,
    /// Chaos: random faults per minute (0 = off) [0].
    pub chaos: u32,
    /// Chaos starts at [10 000 ms] …
    pub chaos_at: Duration,
    /// … and lasts [60 000 ms].
    pub chaos_len: Duration,
    /// A shard added while serving (the timeline's first `add-shard:M`, not a link key): when,
    /// and the machine of its member 0 (member `j` on machine `M + j`). Its members exist from
    /// the start, idle until then.
    #[serde(skip)]
    pub grow: Option<(SimTime, usize)>,
}

impl Default for SystemParams {
    fn default() -> Self {
        SystemParams {
            machines: 9,
            zones: 3,
            apps: 3,
            shards: 3,
            rf: 3,
            spread: true,
            vnodes: 100,
            strategy: Strategy::RoundRobin,
            hc: true,
            hc_interval: Duration::from_ms(500),
            fall: 2,
            rise: 2,
            rps: 100,
            keys: 12,
            write_pct: 30,
            cto: Duration::from_ms(1_000),
            tries: 3,
            ato: Duration::from_ms(250),
            reads: ReadMode::Lease,
            cq: true,
            et: Duration::from_ms(150),
            hb: Duration::from_ms(50),
            chaos: 0,
            chaos_at: Duration::from_ms(10_000),
            chaos_len: Duration::from_ms(60_000),
            grow: None,
        }
    }
}

/// Process 0: the clients and the load balancer in front of the system.
pub const FRONT: NodeId = 0;

/// What a process is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The clients and the balancer (process 0, on no machine).
    Front,
    /// App replica `i`.
    App(usize),
    /// Member `j` of shard `s`.
    Member(usize, usize),
}

impl SystemParams {
    /// Number of processes: the front, the apps, every shard's members.
    pub fn processes(&self) -> usize {
        1 + self.apps + self.groups() * self.rf
    }
    /// Shards with members: the ring's, and the one added while serving (`add-shard`).
    pub fn groups(&self) -> usize {
        self.shards + usize::from(self.grow.is_some())
    }
    /// The shards on the ring at `now` (one more once a shard was added).
    pub fn shards_at(&self, now: SimTime) -> usize {
        match self.grow {
            Some((at, _)) if now >= at => self.shards + 1,
            _ => self.shards,
        }
    }
    /// Process id of app `i`.
    pub fn app_id(&self, i: usize) -> NodeId {
        1 + i
    }
    /// Process id of member `j` of shard `s`.
    pub fn member_id(&self, s: usize, j: usize) -> NodeId {
        1 + self.apps + s * self.rf + j
    }
    /// What process `p` is.
    pub fn role(&self, p: NodeId) -> Role {
        if p == FRONT {
            Role::Front
        } else if p <= self.apps {
            Role::App(p - 1)
        } else {
            let k = p - 1 - self.apps;
            Role::Member(k / self.rf.max(1), k % self.rf.max(1))
        }
    }
    /// Zone of machine `m`.
    pub fn zone_of(&self, m: usize) -> usize {
        m % self.zones.max(1)
    }
    /// The machines of zone `z`, in order.
    pub fn zone_machines(&self, z: usize) -> Vec<usize> {
        (0..self.machines)
            .filter(|&m| self.zone_of(m) == z)
            .collect()
    }
    /// The machine hosting process `p` (`None` for the front). Spread: app `i` on machine `i`,
    /// member `j` of shard `s` on machine `s·rf + j` (consecutive machines are in consecutive
    /// zones). Packed: the apps on zone a's machines, each shard's members on the machines of
    /// one zone (shard `s` in zone `s mod zones`).
    pub fn machine_of(&self, p: NodeId) -> Option<usize> {
        let m = self.machines.max(1);
        match self.role(p) {
            Role::Front => None,
            Role::Member(s, j) if s >= self.shards => self.grow.map(|(_, first)| (first + j) % m),
            Role::App(i) if self.spread => Some(i % m),
            Role::Member(s, j) if self.spread => Some((s * self.rf + j) % m),
            Role::App(i) => {
                let z = self.zone_machines(0);
                Some(z[i % z.len().max(1)])
            }
            Role::Member(s, j) => {
                let z = self.zone_machines(s % self.zones.max(1));
                Some(z[(j + s) % z.len().max(1)])
            }
        }
    }
    /// The processes on machine `m`, in id order.
    pub fn on_machine(&self, m: usize) -> Vec<NodeId> {
        (1..self.processes())
            .filter(|&p| self.machine_of(p) == Some(m))
            .collect()
    }
    /// A process's short name: `lb`, `app1`, `s0.2` (shard 0, member 2).
    pub fn name(&self, p: NodeId) -> String {
        match self.role(p) {
            Role::Front => "lb".into(),
            Role::App(i) => format!("app{i}"),
            Role::Member(s, j) => format!("s{s}.{j}"),
        }
    }
}

/// Zone letter (`a` …).
pub fn zone_name(z: usize) -> char {
    (b'a' + (z as u8).min(25)) as char
}
