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
/// Processes whose machine a link can set (`place`): every app, then every member of the ring's
/// shards, each at a fixed slot ([`place_slot`]).
pub const MAX_PLACED: usize = MAX_APPS + MAX_SHARDS * MAX_RF;
/// "Placed by the rule" in [`SystemParams::place`].
pub const BY_RULE: u8 = u8::MAX;
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
    /// Placement set by hand (`place=s0.1@m4,app2@m0`): the machine of each process by its
    /// [`place_slot`], [`BY_RULE`] where the `spread` rule places it [all by rule].
    #[serde(skip, default = "by_rule")]
    pub place: [u8; MAX_PLACED],
}

fn by_rule() -> [u8; MAX_PLACED] {
    [BY_RULE; MAX_PLACED]
}

/// The slot of a process in [`SystemParams::place`]: app `i` → `i`, member `j` of shard `s` →
/// after all apps (`None`: not placeable — beyond the limits).
pub fn place_slot(role: Role) -> Option<usize> {
    match role {
        Role::App(i) if i < MAX_APPS => Some(i),
        Role::Member(s, j) if s < MAX_SHARDS && j < MAX_RF => Some(MAX_APPS + s * MAX_RF + j),
        _ => None,
    }
}

/// The process of a slot (the inverse of [`place_slot`]).
fn slot_role(k: usize) -> Role {
    if k < MAX_APPS {
        Role::App(k)
    } else {
        Role::Member((k - MAX_APPS) / MAX_RF, (k - MAX_APPS) % MAX_RF)
    }
}

/// Why `place` was refused (entries quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    /// `s0.1m4`, `app9@m0`, `s0.1@m99`: not an existing process slot at a machine number.
    #[error("'{0}' should be PROCESS@mMACHINE, e.g. s0.1@m4 or app2@m0")]
    Form(String),
    /// `app1@m0,app1@m2`
    #[error("'{0}' is placed twice")]
    Twice(String),
}

/// Reads `place`: `NAME@mM` entries, `,`-separated (`s0.1@m4,app2@m0`); NAME is `appI` or
/// `sS.J`. Empty: everything by rule. Whether the process and machine exist in a given run is
/// checked with the other keys ([`SystemParams::place_problem`]).
pub fn parse_place(v: &str) -> Result<[u8; MAX_PLACED], PlaceError> {
    let mut out = by_rule();
    if v.is_empty() {
        return Ok(out);
    }
    for entry in v.split(',') {
        let bad = || PlaceError::Form(crate::clip(entry));
        let (name, m) = entry.split_once('@').ok_or_else(bad)?;
        let num = |t: &str, hi: usize| {
            (!t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<usize>().ok())
                .flatten()
                .filter(|&x| x < hi)
        };
        let m = m
            .strip_prefix('m')
            .and_then(|t| num(t, MAX_MACHINES))
            .ok_or_else(bad)?;
        let role = if let Some(i) = name.strip_prefix("app") {
            Role::App(num(i, MAX_APPS).ok_or_else(bad)?)
        } else {
            let (s, j) = name
                .strip_prefix('s')
                .and_then(|t| t.split_once('.'))
                .ok_or_else(bad)?;
            Role::Member(
                num(s, MAX_SHARDS).ok_or_else(bad)?,
                num(j, MAX_RF).ok_or_else(bad)?,
            )
        };
        let k = place_slot(role).ok_or_else(bad)?;
        if out[k] != BY_RULE {
            return Err(PlaceError::Twice(crate::clip(name)));
        }
        out[k] = m as u8;
    }
    Ok(out)
}

/// The text of `place` (slot order: apps, then shards' members).
pub fn fmt_place(place: &[u8; MAX_PLACED]) -> String {
    place
        .iter()
        .enumerate()
        .filter(|(_, &m)| m != BY_RULE)
        .map(|(k, m)| format!("{}@m{m}", slot_role(k)))
        .collect::<Vec<_>>()
        .join(",")
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
            place: by_rule(),
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

/// A process's short name, as links (`place`, `crash-…`) and the page write it: `lb`, `app1`,
/// `s0.2` (shard 0, member 2).
impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Role::Front => f.write_str("lb"),
            Role::App(i) => write!(f, "app{i}"),
            Role::Member(s, j) => write!(f, "s{s}.{j}"),
        }
    }
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
        if let Some(&by_hand) = self.placed_slot(p).and_then(|k| self.place.get(k)) {
            if (by_hand as usize) < m {
                return Some(by_hand as usize);
            }
        }
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
    /// The `place` slot of process `p` if it is an app or a member of one of the ring's shards
    /// (a shard added while serving is placed by `add-shard:M`).
    fn placed_slot(&self, p: NodeId) -> Option<usize> {
        match self.role(p) {
            Role::Member(s, _) if s >= self.shards => None,
            Role::Front => None,
            r => place_slot(r),
        }
    }
    /// What is wrong with `place` given the other settings: a process the run does not have, or
    /// a machine beyond the `machines` (`n`) of the run.
    pub fn place_problem(&self, machines: usize) -> Option<String> {
        self.place.iter().enumerate().find_map(|(k, &m)| {
            if m == BY_RULE {
                return None;
            }
            let name = match slot_role(k) {
                r @ Role::App(i) if i >= self.apps => r,
                r @ Role::Member(s, j) if s >= self.shards || j >= self.rf => r,
                _ if m as usize >= machines => {
                    return Some(format!(
                        "m{m} does not exist (machines m0–m{})",
                        machines.saturating_sub(1)
                    ))
                }
                _ => return None,
            };
            Some(format!(
                "there is no process {name} (apps {}, shards {} × {} members)",
                self.apps, self.shards, self.rf
            ))
        })
    }
    /// The processes on machine `m`, in id order.
    pub fn on_machine(&self, m: usize) -> Vec<NodeId> {
        (1..self.processes())
            .filter(|&p| self.machine_of(p) == Some(m))
            .collect()
    }
    /// A process's short name: `lb`, `app1`, `s0.2` (shard 0, member 2).
    pub fn name(&self, p: NodeId) -> String {
        self.role(p).to_string()
    }
}

/// Zone letter (`a` …).
pub fn zone_name(z: usize) -> char {
    (b'a' + (z as u8).min(25)) as char
}
