//! The replication and locks lab in the registry: its settings (one section of three), link
//! keys, builder and measurements.
//!
//! The scenario's `n` is the replica count of the replication section (data nodes are the
//! primary and `n` replicas); the lock and active-active sections are sized by their own keys
//! (`lc` lock clients, `as` sites) and ignore `n`.

use super::active::{measure_active, new_active_sim, AaCommand, ActiveMetrics, ActiveParams, Site};
use super::active::{MAX_SITES, MAX_SKEW_MS};
use super::locks::{
    measure_locks, new_lock_sim, LockCommand, LockMetrics, LockNode, LockParams, MAX_LOCK_CLIENTS,
    MAX_LOCK_MS,
};
use super::params::{
    Mode, Promotion, ReadFrom, ReplParams, WaitPoint, MAX_CLIENTS, MAX_DRIFT_PCT, MAX_KEYS,
    MAX_RATE, MAX_REPLICAS,
};
use super::{measure, new_sim, ReplCommand, ReplMetrics, ReplNode};
use crate::command::{Cmd, CommandError};
use crate::fault::{commands_of, Fault};
use crate::history::{History, Run};
use crate::lab::{Lab, LabInfo};
use crate::net::{fmt_pct, parse_pct, PctError};
use crate::scenario::keys::{Conflict, Key, KeyError, KeyKind};
use crate::scenario::Scenario;
use crate::sim::RunOutcome;
use crate::time::SimTime;
use crate::{choice_key, clip, flag_key, int_key, ms_key};
use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// Which part of the lab a link opens (`sec`).
    pub enum Section {
        /// Primary/backup replication, failover and split brain (the default).
        #[default]
        Repl = "repl" / "primary/backup",
        /// The lock service with leases and fencing tokens.
        Locks = "locks" / "locks",
        /// Active-active sites and conflict resolution.
        Active = "aa" / "active-active",
    }
}

/// The lab's settings: the section shown and each section's parameters (a link writes only the
/// keys that differ from their defaults, so the other sections' keys stay out of it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplSetup {
    /// The section `sec`.
    pub sec: Section,
    /// Replication parameters (`replicas` is the scenario's `n`).
    pub repl: ReplParams,
    /// Lock-service parameters.
    pub locks: LockParams,
    /// Active-active parameters.
    pub aa: ActiveParams,
}

/// The replication and locks lab.
pub struct ReplicationLab;

const MS: u64 = 1_000;
const MAX_MS: u64 = 60_000 * MS;

/// Why a clock setting was refused (`drift`, `ldrift`: a percentage; `askew`: whole ms per
/// site), the value quoted [`clip`]ped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// `drift=x`
    #[error("{0}")]
    Percent(#[from] PctError),
    /// `drift=91`
    #[error("{0}% is above {MAX_DRIFT_PCT}%")]
    DriftAbove(String),
    /// `askew=1.2.3.4.5.6`
    #[error("more than {MAX_SITES} sites")]
    TooManySites,
    /// `askew=x`, `askew=1.5e3`
    #[error("'{0}' is not a whole number of ms")]
    NotWholeMs(String),
    /// `askew=60001`
    #[error("{0} ms is beyond ±{MAX_SKEW_MS} ms")]
    SkewBeyond(i64),
}

/// A percentage of clock slowness, kept in ppm (`12.5` → 125 000), at most [`MAX_DRIFT_PCT`].
pub fn parse_drift(v: &str) -> Result<u32, ClockError> {
    let ppm = parse_pct(v)?;
    if ppm > MAX_DRIFT_PCT * 10_000 {
        return Err(ClockError::DriftAbove(clip(v)));
    }
    Ok(ppm)
}

/// Per-site clock skew, whole ms, `.`-separated (`500.0.-20`; missing sites are 0).
pub fn parse_skew(v: &str) -> Result<[i64; MAX_SITES], ClockError> {
    let mut skew = [0i64; MAX_SITES];
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() > MAX_SITES {
        return Err(ClockError::TooManySites);
    }
    for (i, part) in parts.into_iter().enumerate() {
        let digits = part.strip_prefix('-').unwrap_or(part);
        // At most five digits: the parse cannot fail.
        let x: Option<i64> =
            (!digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten();
        let x = x.ok_or_else(|| ClockError::NotWholeMs(clip(part)))?;
        if x.unsigned_abs() > MAX_SKEW_MS {
            return Err(ClockError::SkewBeyond(x));
        }
        skew[i] = x;
    }
    Ok(skew)
}

/// A clock-slowness key in percent, kept in ppm: `drift_key!("drift", "what", field.path)`.
macro_rules! drift_key {
    ($name:literal, $help:literal, $($f:ident).+) => {
        Key {
            name: $name,
            help: $help,
            kind: KeyKind::Text("0–90"),
            get: |p| fmt_pct(p.$($f).+),
            set: |p, v| {
                p.$($f).+ = parse_drift(v).map_err(KeyError::lab)?;
                Ok(())
            },
        }
    };
}

static KEYS: [Key<ReplSetup>; 37] = [
    choice_key!("sec", "section", sec, Section),
    // Replication (sec=repl); the replica count is `n`.
    int_key!("c", "clients", repl.clients: usize, 1, MAX_CLIENTS),
    choice_key!("mode", "replication mode", repl.mode, Mode),
    int_key!("k", "acknowledgements (semi, quorum)", repl.acks: usize, 1, MAX_REPLICAS),
    ms_key!(
        "fallback",
        "semi-sync degrades to async after (0: never)",
        repl.fallback,
        0,
        MAX_MS
    ),
    choice_key!(
        "wait",
        "when the primary shows a write to readers",
        repl.wait_point,
        WaitPoint
    ),
    flag_key!("fo", "failover", repl.failover),
    choice_key!("promote", "promotion rule", repl.promotion, Promotion),
    flag_key!("witness", "witness (majority) promotion", repl.witness),
    ms_key!("lease", "primary lease (0: off)", repl.lease, 0, MAX_MS),
    drift_key!("drift", "data nodes' clocks slow by %", repl.drift_ppm),
    flag_key!("fence", "replicas check the epoch (fencing)", repl.fencing),
    ms_key!("delay", "replication delay", repl.delay, 0, MAX_MS),
    ms_key!(
        "ttl",
        "clients re-ask who is primary every (0: sticky)",
        repl.ttl,
        0,
        MAX_MS
    ),
    ms_key!("hb", "heartbeat interval", repl.heartbeat, MS, MAX_MS),
    ms_key!(
        "suspect",
        "monitor: suspect after",
        repl.suspect_after,
        MS,
        MAX_MS
    ),
    ms_key!("down", "monitor: down after", repl.down_after, MS, MAX_MS),
    ms_key!("round", "promotion round timeout", repl.round, MS, MAX_MS),
    int_key!("rate", "operations per second per client", repl.rate: u32, 0, MAX_RATE),
    int_key!("reads", "reads %", repl.read_pct: u8, 0, 100),
    choice_key!("rfrom", "reads go to", repl.read_from, ReadFrom),
    int_key!("keys", "keys (a, b, …)", repl.keys: u8, 1, MAX_KEYS),
    ms_key!("cto", "client timeout", repl.client_timeout, MS, MAX_MS),
    // Locks (sec=locks).
    int_key!("lc", "lock clients", locks.clients: usize, 2, MAX_LOCK_CLIENTS),
    ms_key!("lttl", "lock lease", locks.ttl, 3 * MS, MAX_LOCK_MS * MS),
    ms_key!(
        "lwork",
        "work while holding",
        locks.work,
        0,
        MAX_LOCK_MS * MS
    ),
    ms_key!(
        "lthink",
        "mean think time",
        locks.think,
        0,
        MAX_LOCK_MS * MS
    ),
    flag_key!("lfence", "storage checks fencing tokens", locks.fencing),
    ms_key!(
        "ldelay",
        "lock-delay after an expiry",
        locks.lock_delay,
        0,
        MAX_LOCK_MS * MS
    ),
    flag_key!("lfifo", "FIFO waiters (no herd)", locks.fifo),
    flag_key!(
        "lcheck",
        "holder checks its lease before writing",
        locks.check
    ),
    drift_key!("ldrift", "lock clients' clocks slow by %", locks.drift_ppm),
    // Active-active (sec=aa).
    int_key!("as", "active-active sites", aa.sites: usize, 2, MAX_SITES),
    choice_key!(
        "ares",
        "conflict resolution",
        aa.resolve,
        super::active::Resolve
    ),
    int_key!("arate", "operations per second per site", aa.rate: u32, 0, 1_000),
    int_key!("akeys", "keys", aa.keys: u8, 1, 26),
    Key {
        name: "askew",
        help: "clock skew per site, ms",
        kind: KeyKind::Text("MS.MS.MS, ±60000"),
        get: |p| {
            let s: Vec<String> = p.aa.skew_ms.iter().map(|x| x.to_string()).collect();
            s.join(".")
        },
        set: |p, v| {
            p.aa.skew_ms = parse_skew(v).map_err(KeyError::lab)?;
            Ok(())
        },
    },
];

/// The run of one section.
#[derive(Clone)]
pub enum ReplRun {
    /// Primary/backup replication.
    Repl(History<ReplNode>),
    /// The lock service.
    Locks(History<LockNode>),
    /// Active-active sites.
    Active(History<Site>),
}

/// Calls `$e` on whichever history the run holds.
macro_rules! each {
    ($run:expr, $h:ident => $e:expr) => {
        match $run {
            ReplRun::Repl($h) => $e,
            ReplRun::Locks($h) => $e,
            ReplRun::Active($h) => $e,
        }
    };
}

impl Run for ReplRun {
    fn steps(&self) -> u64 {
        each!(self, h => h.steps())
    }
    fn now(&self) -> SimTime {
        each!(self, h => Run::now(h))
    }
    fn step(&mut self) -> bool {
        each!(self, h => Run::step(h))
    }
    fn step_back(&mut self) -> bool {
        each!(self, h => Run::step_back(h))
    }
    fn seek_step(&mut self, k: u64) -> u64 {
        each!(self, h => Run::seek_step(h, k))
    }
    fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        each!(self, h => Run::seek_time(h, t, budget))
    }
    fn next_time(&mut self) -> Option<SimTime> {
        each!(self, h => Run::next_time(h))
    }
    fn advance_idle(&mut self, t: SimTime) -> bool {
        each!(self, h => Run::advance_idle(h, t))
    }
    fn inject(&mut self, fault: Fault) -> u64 {
        each!(self, h => Run::inject(h, fault))
    }
    fn keep_trace_tail(&mut self, n: Option<usize>) {
        each!(self, h => Run::keep_trace_tail(h, n))
    }
    fn step_quiet(&mut self) -> bool {
        each!(self, h => Run::step_quiet(h))
    }
    fn relog(&mut self) {
        each!(self, h => Run::relog(h))
    }
}

/// The measurements of the section that ran (`cli run` prints the section's own fields).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ReplLabMetrics {
    /// Replication: lost writes, stale reads, outages, latency, split brain.
    Repl(Box<ReplMetrics>),
    /// Locks: exclusion violations, stale writes accepted and refused.
    Locks(LockMetrics),
    /// Active-active: lost updates, conflicts, convergence.
    Active(ActiveMetrics),
}

/// Builds the run of section `sec` at step 0 from the scenario's settings (inlined, so a
/// constant section leaves the other sections' simulations out of a bundle).
#[inline(always)]
fn build_section(s: &Scenario, sec: Section) -> ReplRun {
    let p = s.setup::<ReplicationLab>();
    let (seed, net, faults) = (s.seed, s.net, s.faults.clone());
    match sec {
        Section::Repl => ReplRun::Repl(History::new(new_sim(
            seed,
            &p.repl_with(s.nodes),
            net,
            faults,
        ))),
        Section::Locks => ReplRun::Locks(History::new(new_lock_sim(seed, &p.locks, net, faults))),
        Section::Active => ReplRun::Active(History::new(new_active_sim(seed, &p.aa, net, faults))),
    }
}

impl ReplSetup {
    /// The replication parameters with the scenario's replica count `n`.
    pub fn repl_with(&self, nodes: usize) -> ReplParams {
        ReplParams {
            replicas: nodes,
            ..self.repl
        }
    }
}

impl Lab for ReplicationLab {
    const INFO: LabInfo = LabInfo {
        name: "replication",
        title: "Replication, split brain & locks",
        summary: "What happens to data when a primary fails or the network splits: async, \
                  semi-sync, sync and quorum replication with failover (acknowledged writes \
                  lost, rolled back), split brain and its fixes (witness, leases, fencing), a \
                  lock service with fencing tokens against a paused holder, and active-active \
                  sites resolving conflicts (last writer wins, version vectors, a CRDT).",
        nodes: (1, MAX_REPLICAS),
        default_nodes: 2,
    };
    type Setup = ReplSetup;
    type Run = ReplRun;
    type Metrics = ReplLabMetrics;

    const PRESETS: &'static [crate::scenario::Preset] = super::presets::PRESETS;

    fn keys() -> &'static [Key<ReplSetup>] {
        &KEYS
    }
    fn conflicts(p: &ReplSetup, nodes: usize) -> Vec<Conflict> {
        let mut out = Vec::new();
        if p.repl.acks > nodes {
            out.push(Conflict {
                keys: &["k"],
                message: format!(
                    "k={} acknowledgements is more than the n={nodes} replicas",
                    p.repl.acks
                ),
            });
        }
        if p.repl.suspect_after > p.repl.down_after {
            out.push(Conflict {
                keys: &["down", "suspect"],
                message: format!(
                    "down ({}) must not be shorter than suspect ({})",
                    p.repl.down_after, p.repl.suspect_after
                ),
            });
        }
        out
    }
    fn fit(p: &mut ReplSetup, nodes: &mut usize, _n_given: bool) {
        p.repl.replicas = *nodes;
    }
    fn processes(p: &ReplSetup, nodes: usize) -> usize {
        match p.sec {
            Section::Repl => p.repl_with(nodes).node_count(),
            Section::Locks => 2 + p.locks.clients,
            Section::Active => p.aa.sites,
        }
    }
    /// A section's commands are its nodes' own: `write:a` is a client's write in `sec=repl`
    /// and a site's in `sec=aa`, `work:MS` exists only in `sec=locks`.
    fn parse_command(p: &ReplSetup, text: &str) -> Result<Cmd, CommandError> {
        parse_section_command(p.sec, text)
    }
    fn build(s: &Scenario) -> ReplRun {
        build_section(s, s.setup::<ReplicationLab>().sec)
    }
    fn measure(run: &ReplRun) -> ReplLabMetrics {
        match run {
            ReplRun::Repl(h) => ReplLabMetrics::Repl(Box::new(measure(h.sim()))),
            ReplRun::Locks(h) => ReplLabMetrics::Locks(measure_locks(h.sim())),
            ReplRun::Active(h) => ReplLabMetrics::Active(measure_active(h.sim())),
        }
    }
    fn event_lines(run: &ReplRun) -> Vec<(u64, String)> {
        each!(run, h => crate::lab::trace_lines(h))
    }
}

/// [`SectionLab`]'s number of the primary/backup section.
pub const SEC_REPL: u8 = 0;
/// [`SectionLab`]'s number of the locks section.
pub const SEC_LOCKS: u8 = 1;
/// [`SectionLab`]'s number of the active-active section.
pub const SEC_ACTIVE: u8 = 2;

/// The section numbered `s` (see [`SEC_REPL`]).
#[inline(always)]
pub const fn section_of(s: u8) -> Section {
    match s {
        SEC_LOCKS => Section::Locks,
        SEC_ACTIVE => Section::Active,
        _ => Section::Repl,
    }
}

/// One section of the replication lab as a lab of its own: the same keys, presets and link as
/// [`ReplicationLab`], but its run and measurements hold only section `S`, so a page bundle
/// built on it carries one section's simulation instead of three (page weight: each section's
/// page has its own bundle, `ha-replication`, `ha-replication-locks`, `ha-replication-aa`).
/// A link of another section builds section `S` from that link's settings; the page's loader
/// starts the right bundle before that can happen. The CLI and the tests use [`ReplicationLab`].
pub struct SectionLab<const S: u8>;

/// The primary/backup section's lab.
pub type ReplSectionLab = SectionLab<SEC_REPL>;
/// The locks section's lab.
pub type LocksSectionLab = SectionLab<SEC_LOCKS>;
/// The active-active section's lab.
pub type ActiveSectionLab = SectionLab<SEC_ACTIVE>;

/// The run of [`SectionLab`]: a [`ReplRun`] that holds section `S`.
#[derive(Clone)]
pub struct SectionRun<const S: u8>(pub ReplRun);

/// The measurements of [`SectionLab`] (written like [`ReplLabMetrics`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SectionMetrics<const S: u8>(pub ReplLabMetrics);

/// Calls `$e` on the history of section `S` (the other arms are compiled out).
macro_rules! only {
    ($run:expr, $h:ident => $e:expr) => {
        match $run {
            ReplRun::Repl($h) if S == SEC_REPL => $e,
            ReplRun::Locks($h) if S == SEC_LOCKS => $e,
            ReplRun::Active($h) if S == SEC_ACTIVE => $e,
            _ => unreachable!("a section's run holds only that section"),
        }
    };
}

impl<const S: u8> Run for SectionRun<S> {
    fn steps(&self) -> u64 {
        only!(&self.0, h => h.steps())
    }
    fn now(&self) -> SimTime {
        only!(&self.0, h => Run::now(h))
    }
    fn step(&mut self) -> bool {
        only!(&mut self.0, h => Run::step(h))
    }
    fn step_back(&mut self) -> bool {
        only!(&mut self.0, h => Run::step_back(h))
    }
    fn seek_step(&mut self, k: u64) -> u64 {
        only!(&mut self.0, h => Run::seek_step(h, k))
    }
    fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        only!(&mut self.0, h => Run::seek_time(h, t, budget))
    }
    fn next_time(&mut self) -> Option<SimTime> {
        only!(&mut self.0, h => Run::next_time(h))
    }
    fn advance_idle(&mut self, t: SimTime) -> bool {
        only!(&mut self.0, h => Run::advance_idle(h, t))
    }
    fn inject(&mut self, fault: Fault) -> u64 {
        only!(&mut self.0, h => Run::inject(h, fault))
    }
    fn keep_trace_tail(&mut self, n: Option<usize>) {
        only!(&mut self.0, h => Run::keep_trace_tail(h, n))
    }
    fn step_quiet(&mut self) -> bool {
        only!(&mut self.0, h => Run::step_quiet(h))
    }
    fn relog(&mut self) {
        only!(&mut self.0, h => Run::relog(h))
    }
}

impl<const S: u8> Serialize for SectionMetrics<S> {
    fn serialize<Z: serde::Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
        match &self.0 {
            ReplLabMetrics::Repl(m) if S == SEC_REPL => m.serialize(z),
            ReplLabMetrics::Locks(m) if S == SEC_LOCKS => m.serialize(z),
            ReplLabMetrics::Active(m) if S == SEC_ACTIVE => m.serialize(z),
            _ => unreachable!("a section's measurements are that section's"),
        }
    }
}

/// A command of another section than a [`SectionLab`]'s own, kept as its link text: that
/// section's bundle reads it (the page goes to the link's own section before it runs). No node
/// takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherSectionCommand(pub String);

impl std::fmt::Display for OtherSectionCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl crate::command::Command for OtherSectionCommand {}

/// Reads a command of section `sec`'s nodes (inlined, so a constant section links one parser).
#[inline(always)]
fn parse_section_command(sec: Section, text: &str) -> Result<Cmd, CommandError> {
    match sec {
        Section::Repl => commands_of::<ReplCommand>(text),
        Section::Locks => commands_of::<LockCommand>(text),
        Section::Active => commands_of::<AaCommand>(text),
    }
}

// Registered by hand: a section lab is the replication lab's kind, with its settings.
impl<const S: u8> crate::lab::Registered for SectionLab<S> {
    const KIND: crate::lab::LabKind = crate::lab::LabKind::Replication;
    fn setup_of(p: &crate::lab::LabParams) -> Option<&<Self as Lab>::Setup> {
        <ReplicationLab as crate::lab::Registered>::setup_of(p)
    }
    fn wrap(s: <Self as Lab>::Setup) -> crate::lab::LabParams {
        <ReplicationLab as crate::lab::Registered>::wrap(s)
    }
}

impl<const S: u8> Lab for SectionLab<S> {
    const INFO: LabInfo = ReplicationLab::INFO;
    type Setup = ReplSetup;
    type Run = SectionRun<S>;
    type Metrics = SectionMetrics<S>;
    const PRESETS: &'static [crate::scenario::Preset] = ReplicationLab::PRESETS;

    fn keys() -> &'static [Key<ReplSetup>] {
        ReplicationLab::keys()
    }
    fn conflicts(p: &ReplSetup, nodes: usize) -> Vec<Conflict> {
        ReplicationLab::conflicts(p, nodes)
    }
    fn fit(p: &mut ReplSetup, nodes: &mut usize, n_given: bool) {
        ReplicationLab::fit(p, nodes, n_given)
    }
    fn processes(p: &ReplSetup, nodes: usize) -> usize {
        ReplicationLab::processes(p, nodes)
    }
    /// This section's commands only (its bundle links only its own parser): a link of another
    /// section (a preset from this page's menu, a lesson step) keeps its commands as their text,
    /// so the page hands that section's bundle the same link, whose parser reads them.
    fn parse_command(p: &ReplSetup, text: &str) -> Result<Cmd, CommandError> {
        if p.sec == section_of(S) {
            parse_section_command(section_of(S), text)
        } else {
            Ok(Cmd::new(OtherSectionCommand(text.to_string())))
        }
    }
    fn build(s: &Scenario) -> SectionRun<S> {
        SectionRun(build_section(s, section_of(S)))
    }
    fn measure(run: &SectionRun<S>) -> SectionMetrics<S> {
        SectionMetrics(match &run.0 {
            ReplRun::Repl(h) if S == SEC_REPL => ReplLabMetrics::Repl(Box::new(measure(h.sim()))),
            ReplRun::Locks(h) if S == SEC_LOCKS => ReplLabMetrics::Locks(measure_locks(h.sim())),
            ReplRun::Active(h) if S == SEC_ACTIVE => {
                ReplLabMetrics::Active(measure_active(h.sim()))
            }
            _ => unreachable!("a section's run holds only that section"),
        })
    }
    fn event_lines(run: &SectionRun<S>) -> Vec<(u64, String)> {
        only!(&run.0, h => crate::lab::trace_lines(h))
    }
}
