//! Parameters of the replication lab, with their defaults, sources and limits.

use crate::time::{fmt_ms, Duration};
use serde::{Deserialize, Serialize};

/// The most replicas (data nodes besides the first primary).
pub const MAX_REPLICAS: usize = 8;
/// The most client nodes.
pub const MAX_CLIENTS: usize = 4;
/// The most keys the clients use (`a`..`z`).
pub const MAX_KEYS: u8 = 26;
/// The highest client rate, operations per second per client.
pub const MAX_RATE: u32 = 1_000;
/// The longest timeout, interval, lease or fallback a scenario may ask for (60 s).
pub const MAX_TIMEOUT_MS: u64 = 60_000;
/// The largest clock drift, percent (a clock at 10 % of real speed).
pub const MAX_DRIFT_PCT: u32 = 90;

crate::text_enum! {
    /// When a primary acknowledges a client's write.
    pub enum Mode {
        /// At once, after its own log write; replicas catch up in the background (MySQL's default
        /// asynchronous replication, PostgreSQL without `synchronous_standby_names`).
        #[default]
        Async = "async" / "asynchronous",
        /// After `k` replicas have the entry in their log (MySQL semi-synchronous replication with
        /// `rpl_semi_sync_master_wait_point = AFTER_SYNC` and `wait_for_slave_count = k`); after
        /// `fallback` without enough acknowledgements it degrades to asynchronous, as MySQL does
        /// after `rpl_semi_sync_master_timeout`.
        Semi = "semi" / "semi-synchronous (k acks)",
        /// After every replica has it (synchronous replication to all standbys).
        Sync = "sync" / "synchronous (all)",
        /// After any `k` of the N replicas have it (PostgreSQL `synchronous_standby_names =
        /// 'ANY k (…)'`), never degrading; promotion then needs the positions of N−k+1 replicas, so
        /// the replicas it compares overlap every set that acknowledged a write (Patroni's quorum
        /// commit; Raft's majorities are the case k = ⌈(N+1)/2⌉).
        Quorum = "quorum" / "quorum (any k of N)",
    }
}

impl Mode {
    /// Index into per-mode arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

crate::text_enum! {
    /// When a primary makes a write visible to readers (MySQL's
    /// `rpl_semi_sync_master_wait_point`); it matters for every mode that waits for replicas.
    pub enum WaitPoint {
        /// Only once the write is acknowledged, i.e. after the replicas' acks (AFTER_SYNC, MySQL's
        /// default since 5.7): a reader never sees a write the primary may still lose.
        #[default]
        AfterSync = "sync" / "after the acks (AFTER_SYNC)",
        /// As soon as the primary has it, before the acks (AFTER_COMMIT, MySQL 5.5/5.6): other
        /// clients can read a write that a failover then loses — a phantom read.
        AfterCommit = "commit" / "before the acks (AFTER_COMMIT)",
    }
}

crate::text_enum! {
    /// Which replica the monitor promotes when the primary is declared down.
    pub enum Promotion {
        /// Fence the replicas at the new epoch, collect their log positions and promote the most
        /// up-to-date one (what MHA and orchestrator do; Raft's §5.4.1 "up-to-date" order).
        #[default]
        Best = "best" / "most up-to-date",
        /// Promote the lowest-numbered replica believed up, without looking at its log (the naive
        /// rule of many tutorials — a class should see it lose writes).
        First = "first" / "first replica (naive)",
    }
}

crate::text_enum! {
    /// Where clients send their reads.
    pub enum ReadFrom {
        /// The primary they believe in (sees only acknowledged writes with AFTER_SYNC).
        #[default]
        Primary = "primary" / "the primary",
        /// A random replica (scales reads; may lag behind, so reads can be stale).
        Replica = "replica" / "a replica",
    }
}

/// Replication-lab parameters. Defaults in brackets; proposed link keys in `code`.
///
/// Timing follows the heartbeat lab (heartbeat 100 ms, suspect 250 ms, down 500 ms) so the two
/// labs can be compared; the network default is RaftScope's 10–15 ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplParams {
    /// Replicas besides the first primary, 1–8 [2] `r`.
    pub replicas: usize,
    /// Client nodes, 1–4 [2] `c`.
    pub clients: usize,
    /// Replication mode [async] `mode`.
    pub mode: Mode,
    /// Acknowledgements a semi-sync or quorum primary waits for, 1–replicas [1] `k`.
    pub acks: usize,
    /// Semi-sync only: degrade to async after this long without enough acknowledgements;
    /// zero waits forever [0] `fallback` (MySQL's `rpl_semi_sync_master_timeout` is 10 000 ms).
    pub fallback: Duration,
    /// Where a waiting primary makes a write visible to reads [sync] `wait`.
    pub wait_point: WaitPoint,
    /// Promote a replica when the primary is declared down [on] `fo`.
    pub failover: bool,
    /// The promotion rule [best] `promote`.
    pub promotion: Promotion,
    /// Witness/quorum promotion: the monitor promotes only when a majority of the monitor and
    /// the data nodes agree the primary is gone (Redis Sentinel's quorum, orchestrator's
    /// holistic check) [off] `witness`.
    pub witness: bool,
    /// Primary lease granted by the monitor, renewed by heartbeats; zero is no lease. The
    /// primary stops serving when its lease runs out, and the monitor does not promote before
    /// the lease it granted has expired [0 = off] `lease`.
    pub lease: Duration,
    /// Data nodes' clocks run slow by this much, parts per million of real time (a lease then
    /// lasts longer than its holder believes) [0] `drift` (percent in links).
    pub drift_ppm: u32,
    /// Fencing tokens checked by the storage: the epoch is the token; every replica (the
    /// storage a write must reach) refuses entries from a primary whose epoch is below the highest
    /// it has seen and tells it so, and a primary that learns of a higher epoch steps down
    /// (ZooKeeper/etcd fencing tokens; Kleppmann, "How to do distributed locking", 2016). Off,
    /// replicas follow whichever primary wrote last and primaries ignore one another: only the
    /// monitor can demote a stale primary [on] `fence`.
    pub fencing: bool,
    /// Replication delay: what a primary ships reaches a replica's log this long after it
    /// arrives there — a congested link or a lagging I/O thread, the usual cause of replication
    /// lag. Until then the entry exists only on the primary (and a replica's restart forgets
    /// what it had not stored) [0] `delay`.
    pub delay: Duration,
    /// Clients re-ask the monitor who the primary is this often (a discovery cache's TTL, as
    /// DNS or a service registry); zero keeps a connection until it fails [0] `ttl`.
    pub ttl: Duration,
    /// Data nodes' heartbeat interval (also the primary's replication retry tick) [100 ms] `hb`.
    pub heartbeat: Duration,
    /// Monitor: suspect a data node after this much silence [250 ms] `suspect`.
    pub suspect_after: Duration,
    /// Monitor: declare a data node down after this much silence (the takeover timeout)
    /// [500 ms] `down`.
    pub down_after: Duration,
    /// Monitor: how long a promotion round waits for replies [100 ms] `round`.
    pub round: Duration,
    /// Operations per second per client, Poisson arrivals, 0–1000 [20] `rate`.
    pub rate: u32,
    /// Share of operations that are reads, percent [20] `reads`.
    pub read_pct: u8,
    /// Where reads go [primary] `rfrom`.
    pub read_from: ReadFrom,
    /// Keys the clients use (`a`, `b`, …), 1–26 [4] `keys`.
    pub keys: u8,
    /// A client gives up on an operation after this long and asks the monitor who the primary
    /// is [500 ms] `cto`.
    pub client_timeout: Duration,
    /// Log compaction: each data node keeps at least this many entries behind the point it may
    /// compact to (its primary's commit), and folds older ones into a snapshot, in whole chunks
    /// of 64 [`DEFAULT_KEEP`]. Not a link key (tests set it low to compact often); 0 keeps
    /// every entry.
    #[serde(default = "default_keep")]
    pub keep: u32,
    /// Steps between two foldings of settled client operations into counters (see
    /// `replication::settle`); 0 keeps every operation whole (the reference the tests compare
    /// with). Not a link key.
    #[serde(default = "default_fold")]
    pub fold: u32,
}

fn default_fold() -> u32 {
    super::settle::EVERY
}

/// Entries a data node keeps behind its compaction point by default: more than a row of the
/// page's log strip (34), and more than a replica that is down in any existing link falls
/// behind, so those links run as before compaction existed. Not more: each snapshot of a
/// history holds its own window of the logs once the windows stop overlapping (32 snapshots ×
/// 9 logs × 1 024 entries cost as much as 16 s of whole logs on the heaviest link; 256: a third).
pub const DEFAULT_KEEP: u32 = 256;

fn default_keep() -> u32 {
    DEFAULT_KEEP
}

impl Default for ReplParams {
    fn default() -> Self {
        ReplParams {
            replicas: 2,
            clients: 2,
            mode: Mode::Async,
            acks: 1,
            fallback: Duration(0),
            wait_point: WaitPoint::AfterSync,
            failover: true,
            promotion: Promotion::Best,
            witness: false,
            lease: Duration(0),
            drift_ppm: 0,
            fencing: true,
            delay: Duration(0),
            ttl: Duration(0),
            heartbeat: Duration::from_ms(100),
            suspect_after: Duration::from_ms(250),
            down_after: Duration::from_ms(500),
            round: Duration::from_ms(100),
            rate: 20,
            read_pct: 20,
            read_from: ReadFrom::Primary,
            keys: 4,
            client_timeout: Duration::from_ms(500),
            keep: DEFAULT_KEEP,
            fold: super::settle::EVERY,
        }
    }
}

/// Why the replication lab's settings fail their limits ([`ReplParams::validate`],
/// [`LockParams::validate`](super::locks::LockParams::validate),
/// [`ActiveParams::validate`](super::active::ActiveParams::validate)); each names the setting
/// by its link key ([`ReplParamsError::keys`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplParamsError {
    /// A count outside its range: `r=9 replicas is outside 1–8` (`noun` may be empty).
    #[error("{key}={value}{} is outside {lo}–{hi}", spaced(noun))]
    Outside {
        /// The link key.
        key: &'static str,
        /// What is counted, for the message.
        noun: &'static str,
        /// The value.
        value: u64,
        /// Smallest allowed.
        lo: u64,
        /// Largest allowed.
        hi: u64,
    },
    /// More acknowledgements than replicas, or none (`k`, bounded by `n`).
    #[error("k={acks} acknowledgements is outside 1–{replicas} (the replica count)")]
    Acks {
        /// Acknowledgements asked for.
        acks: usize,
        /// Replicas.
        replicas: usize,
    },
    /// `rate` above [`MAX_RATE`].
    #[error("rate={0} is above {MAX_RATE} per second")]
    RateAbove(u32),
    /// `reads` above 100 %.
    #[error("reads={0} % is above 100")]
    ReadsAbove(u8),
    /// `arate` above 1000.
    #[error("arate={0} is above 1000")]
    SiteRateAbove(u32),
    /// A clock drift (`drift`, `ldrift`) above [`MAX_DRIFT_PCT`].
    #[error("{key} is above {MAX_DRIFT_PCT} %")]
    DriftAbove {
        /// The link key.
        key: &'static str,
        /// The drift, ppm.
        ppm: u32,
    },
    /// A time outside its range: `hb=0 ms is outside 1–60000 ms`.
    #[error("{key}={} ms is outside {}–{hi_ms} ms", fmt_ms(value.as_us()), fmt_ms(lo.as_us()))]
    MsOutside {
        /// The link key.
        key: &'static str,
        /// The value.
        value: Duration,
        /// Shortest allowed.
        lo: Duration,
        /// Longest allowed, ms.
        hi_ms: u64,
    },
    /// The monitor would suspect after it declares down (`suspect`, `down`).
    #[error("suspect={} ms is above down={} ms", fmt_ms(suspect.as_us()), fmt_ms(down.as_us()))]
    SuspectAboveDown {
        /// `suspect`.
        suspect: Duration,
        /// `down`.
        down: Duration,
    },
    /// A site's clock skew beyond ±[`MAX_SKEW_MS`](super::active::MAX_SKEW_MS) (`askew`).
    #[error("askew is beyond ±{} ms", super::active::MAX_SKEW_MS)]
    SkewBeyond {
        /// The site.
        site: usize,
        /// Its skew, ms.
        skew_ms: i64,
    },
}

impl ReplParamsError {
    /// The link keys of the settings involved.
    pub fn keys(&self) -> &[&'static str] {
        match self {
            ReplParamsError::Outside { key, .. }
            | ReplParamsError::DriftAbove { key, .. }
            | ReplParamsError::MsOutside { key, .. } => std::slice::from_ref(key),
            ReplParamsError::Acks { .. } => &["k", "n"],
            ReplParamsError::RateAbove(_) => &["rate"],
            ReplParamsError::ReadsAbove(_) => &["reads"],
            ReplParamsError::SiteRateAbove(_) => &["arate"],
            ReplParamsError::SuspectAboveDown { .. } => &["suspect", "down"],
            ReplParamsError::SkewBeyond { .. } => &["askew"],
        }
    }
}

fn spaced(noun: &str) -> String {
    if noun.is_empty() {
        String::new()
    } else {
        format!(" {noun}")
    }
}

/// `value` within `lo..=hi`, or the error naming `key`.
pub(super) fn outside(
    key: &'static str,
    noun: &'static str,
    value: u64,
    lo: u64,
    hi: u64,
) -> Result<(), ReplParamsError> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(ReplParamsError::Outside {
            key,
            noun,
            value,
            lo,
            hi,
        })
    }
}

/// `d` within `lo..=hi_ms`, or the error naming `key`.
pub(super) fn ms_outside(
    key: &'static str,
    d: Duration,
    lo: Duration,
    hi_ms: u64,
) -> Result<(), ReplParamsError> {
    if d < lo || d > Duration::from_ms(hi_ms) {
        Err(ReplParamsError::MsOutside {
            key,
            value: d,
            lo,
            hi_ms,
        })
    } else {
        Ok(())
    }
}

/// A drift of at most [`MAX_DRIFT_PCT`], or the error naming `key`.
pub(super) fn drift(key: &'static str, ppm: u32) -> Result<(), ReplParamsError> {
    if ppm > MAX_DRIFT_PCT * 10_000 {
        Err(ReplParamsError::DriftAbove { key, ppm })
    } else {
        Ok(())
    }
}

impl ReplParams {
    /// Checks every limit; the error names the setting by its link key.
    pub fn validate(&self) -> Result<(), ReplParamsError> {
        outside(
            "r",
            "replicas",
            self.replicas as u64,
            1,
            MAX_REPLICAS as u64,
        )?;
        outside("c", "clients", self.clients as u64, 1, MAX_CLIENTS as u64)?;
        if !(1..=self.replicas).contains(&self.acks) {
            return Err(ReplParamsError::Acks {
                acks: self.acks,
                replicas: self.replicas,
            });
        }
        if self.rate > MAX_RATE {
            return Err(ReplParamsError::RateAbove(self.rate));
        }
        if self.read_pct > 100 {
            return Err(ReplParamsError::ReadsAbove(self.read_pct));
        }
        outside("keys", "", self.keys as u64, 1, MAX_KEYS as u64)?;
        drift("drift", self.drift_ppm)?;
        let ms1 = Duration::from_ms(1);
        for (key, d, lo) in [
            ("fallback", self.fallback, Duration(0)),
            ("lease", self.lease, Duration(0)),
            ("delay", self.delay, Duration(0)),
            ("ttl", self.ttl, Duration(0)),
            ("hb", self.heartbeat, ms1),
            ("suspect", self.suspect_after, ms1),
            ("down", self.down_after, ms1),
            ("round", self.round, ms1),
            ("cto", self.client_timeout, ms1),
        ] {
            ms_outside(key, d, lo, MAX_TIMEOUT_MS)?;
        }
        if self.suspect_after > self.down_after {
            return Err(ReplParamsError::SuspectAboveDown {
                suspect: self.suspect_after,
                down: self.down_after,
            });
        }
        Ok(())
    }

    /// Number of data nodes (the primary and its replicas).
    pub fn data_nodes(&self) -> usize {
        self.replicas + 1
    }

    /// Total nodes: the monitor, the data nodes and the clients.
    pub fn node_count(&self) -> usize {
        1 + self.data_nodes() + self.clients
    }

    /// Acknowledgements a primary of `replicas` replicas waits for in `mode` with `acks` as k.
    pub fn acks_needed(mode: Mode, acks: usize, replicas: usize) -> usize {
        match mode {
            Mode::Async => 0,
            Mode::Semi | Mode::Quorum => acks.min(replicas),
            Mode::Sync => replicas,
        }
    }
}
