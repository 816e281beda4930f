//! The cluster itself, as one simulated process driven by a 100 ms tick: machines in zones
//! running pods; each machine's kubelet (start-up, probes, restarts with CrashLoopBackOff); the
//! node monitor (NotReady after the grace period, eviction after `evict`); the deployment
//! controller (replica count, rolling update) and the scheduler; the service routing requests to
//! ready pods with the load-balancer lab's [`Picker`]; the metrics scrape, the autoscaler and the
//! alert rules. Every decision is a note of the tick's trace event, with its reason.

use super::alerts::{burn_rules, Alert, Metric};
use super::command::ClusterCommand;
use super::hpa::{Hpa, HpaConfig};
use super::params::{zone_name, ClusterParams, MAX_PODS};
use crate::lb::params::BackendSpec;
use crate::lb::{Picker, Strategy};
use crate::node::{Ctx, Node};
use crate::time::{Duration, SimTime};
use serde::Serialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;

/// The cluster's clock tick: traffic, probes and controllers advance in steps of this.
pub const TICK: Duration = Duration(100_000);
/// Width of one bucket of the time series (charts, `latency_p99` alerts).
pub const BUCKET: Duration = Duration(5_000_000);
/// A deleted pod's graceful termination.
pub const TERMINATION: Duration = Duration(2_000_000);
/// CrashLoopBackOff: the first delay, doubling …
pub const BACKOFF_BASE: Duration = Duration(10_000_000);
/// … up to five minutes …
pub const BACKOFF_CAP: Duration = Duration(300_000_000);
/// … and forgotten after ten minutes of running.
pub const BACKOFF_RESET: Duration = Duration(600_000_000);
/// Latency bins of a series bucket (powers of two of ms).
pub const LAT_BINS: usize = 16;

/// The cluster has no messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoMsg {}

impl fmt::Display for NoMsg {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

/// The cluster's one timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tick {
    /// The next 100 ms.
    Tick,
}

impl fmt::Display for Tick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tick")
    }
}

/// How the control plane sees a machine (the hooks' `data-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MachineStatus {
    /// Ready.
    Up,
    /// NotReady: silent for the grace period; its pods are out of the service.
    Suspect,
    /// NotReady past the eviction timeout: its pods are replaced elsewhere.
    Down,
}

impl MachineStatus {
    /// `up`, `suspect`, `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            MachineStatus::Up => "up",
            MachineStatus::Suspect => "suspect",
            MachineStatus::Down => "down",
        }
    }
}

/// A machine (a Kubernetes node).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    /// Its zone.
    pub zone: usize,
    /// Really running.
    pub alive: bool,
    /// When it failed.
    pub failed_at: Option<SimTime>,
    /// The control plane's view.
    pub status: MachineStatus,
}

/// A pod's lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not on a machine yet.
    Pending,
    /// The container is starting; done at `until`.
    Starting {
        /// When start-up is over.
        until: SimTime,
    },
    /// Running (ready or not).
    Running,
    /// Waiting out its restart back-off.
    CrashLoop {
        /// When it restarts.
        until: SimTime,
    },
    /// Deleted, shutting down (`None`: stuck on a machine that is gone).
    Terminating {
        /// When it is gone.
        until: Option<SimTime>,
    },
}

/// A pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pod {
    /// Its id (`p7`).
    pub id: u32,
    /// The release it runs.
    pub version: u32,
    /// Its machine.
    pub machine: Option<usize>,
    /// Its index in the service's picker.
    pub slot: usize,
    /// Lifecycle.
    pub phase: Phase,
    /// Passes its readiness probe.
    pub ready: bool,
    /// Alive but answering nothing.
    pub hung: bool,
    /// Container restarts.
    pub restarts: u32,
    backoff_level: u32,
    running_since: SimTime,
    busy_until: SimTime,
    busy_us: u64,
    live_next: SimTime,
    live_fails: u32,
    live_result: Option<SimTime>,
    ready_next: SimTime,
    ready_fails: u32,
    ready_result: Option<SimTime>,
    noted_unschedulable: bool,
}

impl Pod {
    /// The phase the page and the hooks show: `pending`, `starting`, `ready`, `not-ready`,
    /// `crash-loop`, `terminating`.
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Pending => "pending",
            Phase::Starting { .. } => "starting",
            Phase::Running if self.ready => "ready",
            Phase::Running => "not-ready",
            Phase::CrashLoop { .. } => "crash-loop",
            Phase::Terminating { .. } => "terminating",
        }
    }
    fn active(&self) -> bool {
        !matches!(self.phase, Phase::Terminating { .. })
    }
}

/// One bucket of the time series.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Requests that arrived.
    pub arrivals: u32,
    /// Answered in time.
    pub good: u32,
    /// Failed (timeout, no pod, dead pod).
    pub failed: u32,
    /// Latency of requests that reached a pod, by powers of two of ms.
    pub lat: [u32; LAT_BINS],
    /// Offered load at the bucket's last tick, requests per second.
    pub load_rps: u32,
    /// Pods in the service.
    pub ready: u32,
    /// Pods on machines (paid for).
    pub pods: u32,
    /// Desired replicas.
    pub desired: u32,
    /// Replicas needed to serve the load at the target utilisation.
    pub needed: u32,
    /// Last scraped CPU utilisation, permille.
    pub cpu_pm: u32,
    /// Error budget left, parts per million (negative: overspent).
    pub budget_left_ppm: i64,
}

impl Bucket {
    /// The 99th percentile of its latency bins, ms (the bin's upper edge).
    pub fn p99_ms(&self) -> Option<u64> {
        p99_of(&self.lat)
    }
}

/// p99 of power-of-two bins (upper edge, ms).
pub fn p99_of(lat: &[u32; LAT_BINS]) -> Option<u64> {
    let n: u64 = lat.iter().map(|&c| c as u64).sum();
    if n == 0 {
        return None;
    }
    let rank = (n * 99).div_ceil(100).max(1);
    let mut seen = 0;
    for (b, &c) in lat.iter().enumerate() {
        seen += c as u64;
        if seen >= rank {
            return Some((1u64 << (b + 1)) - 1);
        }
    }
    None
}

fn lat_bin(us: u64) -> usize {
    let ms = us / 1000 + 1;
    ((63 - ms.leading_zeros()) as usize).min(LAT_BINS - 1)
}

/// Overall latency bins: 1 ms wide below 1 s, then 50 ms wide.
fn fine_bin(us: u64) -> usize {
    let ms = us / 1000;
    if ms < 1000 {
        ms as usize
    } else {
        ((1000 + (ms - 1000) / 50) as usize).min(FINE_BINS - 1)
    }
}
const FINE_BINS: usize = 1000 + 60_000 / 50;

/// The upper edge of an overall latency bin, µs.
fn fine_edge(b: usize) -> u64 {
    if b < 1000 {
        (b as u64 + 1) * 1000
    } else {
        (1000 + (b as u64 - 1000 + 1) * 50) * 1000
    }
}

/// Running totals of the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Requests.
    pub requests: u64,
    /// Answered in time.
    pub good: u64,
    /// Failed.
    pub failed: u64,
    /// Failed because no pod was in the service (503).
    pub no_pod: u64,
    /// Failed by timing out (dead or hung pod, or a queue longer than the timeout).
    pub timeouts: u64,
    /// Time with at least one pod serving, µs.
    pub serving_us: u64,
    /// Time the demanded utilisation was above the target, µs.
    pub over_target_us: u64,
    /// Time with fewer pods in the service than needed, µs.
    pub under_us: u64,
    /// The longest such stretch, µs.
    pub longest_under_us: u64,
    /// Start of the current stretch.
    pub under_since: Option<SimTime>,
    /// Pod-µs on machines.
    pub paid_pod_us: u64,
    /// Needed pod-µs.
    pub needed_pod_us: u64,
    /// Container restarts.
    pub restarts: u64,
    /// Pods created by the controller.
    pub created: u64,
    /// Pods evicted from lost machines.
    pub evicted: u64,
    /// Autoscaler decisions that changed the count.
    pub hpa_changes: u64,
}

/// The whole cluster (process 0 of its simulation).
#[derive(Clone, Debug)]
pub struct ClusterNode {
    /// Settings.
    pub p: ClusterParams,
    /// Machines, by index (`m0` …).
    pub machines: Vec<Machine>,
    /// Pods, in creation order (removed when gone).
    pub pods: Vec<Pod>,
    /// Desired replicas.
    pub desired: u32,
    /// The current release.
    pub version: u32,
    /// Releases that crash on start.
    pub bad_versions: Vec<u32>,
    /// Last scraped CPU utilisation (permille) and how many pods reported it.
    pub cpu: (u32, u32),
    /// Alerts (the link's rules, then the burn-rate alerts).
    pub alerts: Vec<Alert>,
    /// Time series, one bucket per [`BUCKET`].
    pub series: Vec<Bucket>,
    /// Running totals.
    pub totals: Totals,
    /// Latency of every request that reached a pod (fine bins).
    lat: Vec<u64>,
    next_pod: u32,
    picker: Picker,
    hpa: Hpa,
    last_hpa_note: Option<super::hpa::Reason>,
    next_ctl: SimTime,
    next_scrape: SimTime,
    next_sync: SimTime,
    next_eval: SimTime,
    acc: u64,
    /// Running (good, failed) totals after each tick, the newest last, as long as the longest
    /// alert window (a window's counts are two lookups, whatever its length).
    window: VecDeque<(u64, u64)>,
    /// The totals before the oldest entry of `window`.
    window_base: (u64, u64),
    window_len: usize,
    last_fault: Option<SimTime>,
    /// Start of the current stretch of failures (a gap of [`QUIET`] without one ends it).
    errors_since: Option<SimTime>,
    last_error: Option<SimTime>,
    rollout_noted: bool,
}

/// Failures further apart than this belong to different incidents (detection delay's onset).
pub const QUIET: Duration = Duration(10_000_000);

/// `1 pod`, `3 pods`.
fn pods(n: impl Into<u64>) -> String {
    let n = n.into();
    format!("{n} pod{}", if n == 1 { "" } else { "s" })
}

fn fmt_s(d: Duration) -> String {
    let ms = d.0 / 1000;
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
    }
}

impl ClusterNode {
    /// A cluster at time 0 with its initial replicas running and ready.
    pub fn new(p: &ClusterParams) -> ClusterNode {
        let machines = (0..p.machines)
            .map(|m| Machine {
                zone: p.zone_of(m),
                alive: true,
                failed_at: None,
                status: MachineStatus::Up,
            })
            .collect();
        let mut alerts: Vec<Alert> = p
            .rules
            .iter()
            .map(|r| Alert::new(r.to_string(), r.clone()))
            .collect();
        if p.burn {
            for (name, r) in burn_rules(p.slo_period, TICK) {
                alerts.push(Alert::new(format!("{name}: {r}"), r));
            }
        }
        let longest = alerts
            .iter()
            .flat_map(|a| a.rule.conds.iter())
            .filter(|c| c.metric.windowed())
            .map(|c| c.window().0)
            .max()
            .unwrap_or(TICK.0);
        let window_len = longest.div_ceil(TICK.0).max(1) as usize;
        let specs = vec![BackendSpec::default(); MAX_PODS];
        let mut c = ClusterNode {
            p: p.clone(),
            machines,
            pods: Vec::new(),
            desired: if p.hpa {
                p.replicas.clamp(p.min, p.max)
            } else {
                p.replicas
            },
            version: 1,
            bad_versions: Vec::new(),
            cpu: (0, 0),
            alerts,
            series: Vec::new(),
            totals: Totals::default(),
            lat: vec![0; FINE_BINS],
            next_pod: 1,
            picker: Picker::new(p.strategy, &specs, 100, Duration(10_000_000)),
            hpa: Hpa::default(),
            last_hpa_note: None,
            next_ctl: SimTime::ZERO,
            next_scrape: SimTime::ZERO.plus(p.scrape),
            next_sync: SimTime::ZERO.plus(p.sync),
            next_eval: SimTime::ZERO,
            acc: 0,
            window: VecDeque::new(),
            window_base: (0, 0),
            window_len,
            last_fault: None,
            errors_since: None,
            last_error: None,
            rollout_noted: true,
        };
        // The initial replicas were scheduled before the run and are serving.
        for _ in 0..c.desired {
            let Some(i) = c.create_pod() else { break };
            if let Some(m) = c.place(i) {
                let pod = &mut c.pods[i];
                pod.machine = Some(m);
                pod.phase = Phase::Running;
                pod.ready = true;
                pod.live_next = SimTime::ZERO.plus(p.live_period);
                pod.ready_next = SimTime::ZERO.plus(p.ready_period);
            }
        }
        c
    }

    fn create_pod(&mut self) -> Option<usize> {
        if self.pods.len() >= MAX_PODS {
            return None;
        }
        let mut used = [false; MAX_PODS];
        for p in &self.pods {
            used[p.slot] = true;
        }
        let slot = used.iter().position(|u| !u)?;
        let id = self.next_pod;
        self.next_pod += 1;
        self.pods.push(Pod {
            id,
            version: self.version,
            machine: None,
            slot,
            phase: Phase::Pending,
            ready: false,
            hung: false,
            restarts: 0,
            backoff_level: 0,
            running_since: SimTime::ZERO,
            busy_until: SimTime::ZERO,
            busy_us: 0,
            live_next: SimTime::ZERO,
            live_fails: 0,
            live_result: None,
            ready_next: SimTime::ZERO,
            ready_fails: 0,
            ready_result: None,
            noted_unschedulable: false,
        });
        Some(self.pods.len() - 1)
    }

    /// Pods on machine `m` (any phase).
    pub fn pods_on(&self, m: usize) -> usize {
        self.pods.iter().filter(|p| p.machine == Some(m)).count()
    }

    /// The scheduler's choice for pod `i`: a Ready machine with a free slot; with spread, in
    /// the zone holding fewest of the deployment's pods (then the emptiest machine); without,
    /// the fullest machine that still has room (bin-packing, Kubernetes' MostAllocated).
    fn place(&self, _i: usize) -> Option<usize> {
        let mut zone_count = [0usize; 26];
        for p in self.pods.iter().filter(|p| p.active()) {
            if let Some(m) = p.machine {
                zone_count[self.machines[m].zone] += 1;
            }
        }
        (0..self.machines.len())
            .filter(|&m| {
                self.machines[m].status == MachineStatus::Up
                    && self.pods_on(m) < self.p.slots as usize
            })
            .min_by_key(|&m| {
                let on = self.pods_on(m);
                if self.p.spread {
                    (zone_count[self.machines[m].zone], on, m)
                } else {
                    (0, usize::MAX - on, m)
                }
            })
    }

    /// Whether pod `i` is in the service's endpoints.
    pub fn in_service(&self, pod: &Pod) -> bool {
        pod.phase == Phase::Running
            && pod.ready
            && pod
                .machine
                .is_some_and(|m| self.machines[m].status == MachineStatus::Up)
    }

    fn serving(&self, pod: &Pod) -> bool {
        self.in_service(pod) && !pod.hung && pod.machine.is_some_and(|m| self.machines[m].alive)
    }

    /// Pods in the service now.
    pub fn ready_count(&self) -> u32 {
        self.pods.iter().filter(|p| self.in_service(p)).count() as u32
    }

    /// The replicas needed to serve the load at time `t` at the target utilisation.
    pub fn needed_at(&self, t: SimTime) -> u32 {
        let milli = self.p.load_milli_rps(t.0);
        let per_pod = self.p.cap as u64 * self.p.target_pct as u64 * 10; // milli-rps
        if milli == 0 {
            0
        } else {
            milli.div_ceil(per_pod.max(1)) as u32
        }
    }

    /// Error budget spent, parts per million.
    pub fn budget_spent_ppm(&self) -> u64 {
        let allowed =
            (1_000_000 - self.p.slo_ppm.min(999_999)) as u128 * self.totals.requests as u128;
        if allowed == 0 {
            return 0;
        }
        (self.totals.failed as u128 * 1_000_000_000_000 / allowed) as u64
    }

    fn restart(&mut self, i: usize, now: SimTime) -> Duration {
        let pod = &mut self.pods[i];
        if pod.phase == Phase::Running && now.since(pod.running_since) >= BACKOFF_RESET {
            pod.backoff_level = 0;
        }
        let delay = if pod.backoff_level == 0 {
            Duration(0)
        } else {
            let shift = (pod.backoff_level - 1).min(10);
            Duration((BACKOFF_BASE.0 << shift).min(BACKOFF_CAP.0))
        };
        pod.backoff_level += 1;
        pod.restarts += 1;
        pod.ready = false;
        pod.hung = false;
        pod.live_fails = 0;
        pod.ready_fails = 0;
        pod.live_result = None;
        pod.ready_result = None;
        pod.busy_until = now;
        pod.phase = if delay.0 == 0 {
            Phase::Starting {
                until: now.plus(self.p.startup),
            }
        } else {
            Phase::CrashLoop {
                until: now.plus(delay),
            }
        };
        self.totals.restarts += 1;
        delay
    }

    fn node_monitor(&mut self, now: SimTime, notes: &mut Vec<String>) {
        for m in 0..self.machines.len() {
            let mach = &self.machines[m];
            let Some(failed) = mach.failed_at else {
                continue;
            };
            if mach.alive {
                continue;
            }
            if mach.status == MachineStatus::Up && now >= failed.plus(self.p.grace) {
                self.machines[m].status = MachineStatus::Suspect;
                let n = self
                    .pods
                    .iter()
                    .filter(|p| p.machine == Some(m) && p.active())
                    .count();
                notes.push(format!(
                    "node monitor: m{m} silent for {} → NotReady; its {} the service",
                    fmt_s(self.p.grace),
                    if n == 1 {
                        "1 pod leaves".to_string()
                    } else {
                        format!("{n} pods leave")
                    }
                ));
            }
            if self.machines[m].status == MachineStatus::Suspect
                && now >= failed.plus(self.p.grace).plus(self.p.evict)
            {
                self.machines[m].status = MachineStatus::Down;
                let mut n = 0;
                for p in self
                    .pods
                    .iter_mut()
                    .filter(|p| p.machine == Some(m) && p.active())
                {
                    p.phase = Phase::Terminating { until: None };
                    p.ready = false;
                    n += 1;
                }
                self.totals.evicted += n;
                notes.push(format!(
                    "node monitor: m{m} NotReady for {} → its {} evicted and replaced by the controller",
                    fmt_s(self.p.evict),
                    if n == 1 { "1 pod is".to_string() } else { format!("{n} pods are") }
                ));
            }
        }
    }

    fn kubelets(&mut self, now: SimTime, notes: &mut Vec<String>) {
        let p = self.p.clone();
        let mut i = 0;
        while i < self.pods.len() {
            let alive = self.pods[i].machine.is_some_and(|m| self.machines[m].alive);
            if !alive {
                i += 1;
                continue;
            }
            let id = self.pods[i].id;
            match self.pods[i].phase {
                Phase::Pending => {}
                Phase::Starting { until } if now >= until => {
                    let v = self.pods[i].version;
                    if self.bad_versions.contains(&v) {
                        let d = self.restart(i, now);
                        let r = self.pods[i].restarts;
                        notes.push(if d.0 == 0 {
                            format!("p{id} (v{v}) exited with code 1 on start → restarted at once (restart {r})")
                        } else {
                            format!("p{id} (v{v}) exited with code 1 on start → CrashLoopBackOff {} (restart {r})", fmt_s(d))
                        });
                    } else {
                        let pod = &mut self.pods[i];
                        pod.phase = Phase::Running;
                        pod.running_since = now;
                        pod.busy_until = now;
                        pod.live_next = now.plus(p.live_period);
                        pod.ready_next = now;
                        if !p.ready {
                            pod.ready = true;
                            notes.push(format!(
                                "p{id} started → in the service (no readiness probe)"
                            ));
                        }
                    }
                }
                Phase::Running => {
                    self.probe(i, now, notes);
                }
                Phase::CrashLoop { until } if now >= until => {
                    self.pods[i].phase = Phase::Starting {
                        until: now.plus(p.startup),
                    };
                    notes.push(format!("p{id} back-off over → starting again"));
                }
                Phase::Terminating { until: Some(u) } if now >= u => {
                    self.pods.remove(i);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn probe(&mut self, i: usize, now: SimTime, notes: &mut Vec<String>) {
        let p = &self.p;
        let (live, lper, lto, lfail) = (p.live, p.live_period, p.live_timeout, p.live_fail);
        let (rdy, rper, rto, rfail) = (p.ready, p.ready_period, p.ready_timeout, p.ready_fail);
        let id = self.pods[i].id;
        if rdy {
            let pod = &mut self.pods[i];
            if pod.ready_result.is_some_and(|t| now >= t) {
                pod.ready_result = None;
                pod.ready_fails += 1;
                if pod.ready_fails >= rfail && pod.ready {
                    pod.ready = false;
                    notes.push(format!(
                        "p{id} failed its readiness probe {rfail}× (no answer in {}) → out of the service",
                        fmt_s(rto)
                    ));
                }
            }
            if now >= pod.ready_next && pod.ready_result.is_none() {
                pod.ready_next = now.plus(rper);
                if pod.hung {
                    pod.ready_result = Some(now.plus(rto));
                } else {
                    pod.ready_fails = 0;
                    if !pod.ready {
                        pod.ready = true;
                        let m = pod.machine.unwrap_or(0);
                        notes.push(format!(
                            "p{id} passed its readiness probe → in the service on m{m}"
                        ));
                    }
                }
            }
        }
        if live {
            let pod = &mut self.pods[i];
            if pod.live_result.is_some_and(|t| now >= t) {
                pod.live_result = None;
                pod.live_fails += 1;
                if pod.live_fails >= lfail {
                    let d = self.restart(i, now);
                    notes.push(format!(
                        "p{id} failed its liveness probe {lfail}× (no answer in {}) → killed and restarted{}",
                        fmt_s(lto),
                        if d.0 > 0 { format!(" after a {} back-off", fmt_s(d)) } else { String::new() }
                    ));
                    return;
                }
            }
            let pod = &mut self.pods[i];
            if now >= pod.live_next && pod.live_result.is_none() {
                pod.live_next = now.plus(lper);
                if pod.hung {
                    pod.live_result = Some(now.plus(lto));
                } else {
                    pod.live_fails = 0;
                }
            }
        }
    }

    fn traffic(&mut self, t0: SimTime, now: SimTime, rng: &mut crate::rng::Rng) {
        let milli = self.p.load_milli_rps(t0.0);
        self.acc += milli * TICK.0;
        let n = self.acc / 1_000_000_000;
        self.acc %= 1_000_000_000;
        let bucket = (now.0.saturating_sub(1) / BUCKET.0) as usize;
        while self.series.len() <= bucket {
            self.series.push(Bucket::default());
        }
        let mut eligible = vec![false; MAX_PODS];
        let mut by_slot = vec![usize::MAX; MAX_PODS];
        for (i, pod) in self.pods.iter().enumerate() {
            by_slot[pod.slot] = i;
            eligible[pod.slot] = self.in_service(pod);
        }
        let mean = 1_000_000 / self.p.cap.max(1) as u64;
        let cto = self.p.cto.0;
        let (mut good, mut failed) = (0u32, 0u32);
        let mut outstanding = vec![0u32; MAX_PODS];
        let needs_outstanding = matches!(
            self.p.strategy,
            Strategy::LeastConn
                | Strategy::WeightedLeastConn
                | Strategy::LeastResponseTime
                | Strategy::PeakEwma
                | Strategy::P2c
        );
        for k in 0..n {
            let a = SimTime(t0.0 + k * TICK.0 / n.max(1));
            self.totals.requests += 1;
            // Queue lengths, for the strategies that read them.
            for (s, &i) in by_slot.iter().enumerate().filter(|_| needs_outstanding) {
                if i != usize::MAX && eligible[s] {
                    let bu = self.pods[i].busy_until.0;
                    outstanding[s] = (bu.saturating_sub(a.0) / mean.max(1)) as u32;
                }
            }
            let Some(slot) =
                self.picker
                    .pick(&eligible, &outstanding, self.totals.requests as u32, a, rng)
            else {
                failed += 1;
                self.totals.no_pod += 1;
                continue;
            };
            let i = by_slot[slot];
            let pod = &self.pods[i];
            let dead = pod.hung || pod.machine.is_none_or(|m| !self.machines[m].alive);
            let lat = if dead {
                None
            } else {
                let start = pod.busy_until.max(a);
                if start.0 - a.0 > cto {
                    None
                } else {
                    let s = rng.exp_u64(mean).max(1);
                    let pod = &mut self.pods[i];
                    pod.busy_until = SimTime(start.0 + s);
                    pod.busy_us += s;
                    let l = start.0 + s - a.0;
                    (l <= cto).then_some(l)
                }
            };
            match lat {
                Some(l) => {
                    good += 1;
                    self.lat[fine_bin(l)] += 1;
                    self.series[bucket].lat[lat_bin(l)] += 1;
                    self.picker.observe(slot, l, now);
                }
                None => {
                    failed += 1;
                    self.totals.timeouts += 1;
                    self.lat[fine_bin(cto)] += 1;
                    self.series[bucket].lat[lat_bin(cto)] += 1;
                    self.picker.observe(slot, cto, now);
                }
            }
        }
        self.totals.good += good as u64;
        self.totals.failed += failed as u64;
        if failed > 0 {
            if self.last_error.is_none_or(|t| now.since(t) > QUIET) {
                self.errors_since = Some(t0);
            }
            self.last_error = Some(now);
        }
        let b = &mut self.series[bucket];
        b.arrivals += n as u32;
        b.good += good;
        b.failed += failed;
        self.window
            .push_back((self.totals.good, self.totals.failed));
        while self.window.len() > self.window_len {
            if let Some(front) = self.window.pop_front() {
                self.window_base = front;
            }
        }
    }

    fn scrape(&mut self) {
        let span = self.p.scrape.0.max(1);
        let (mut sum, mut n) = (0u64, 0u32);
        let ids: Vec<bool> = self.pods.iter().map(|p| self.in_service(p)).collect();
        for (pod, ok) in self.pods.iter_mut().zip(ids) {
            if ok && pod.machine.is_some() {
                sum += pod.busy_us.min(span) * 1000 / span;
                n += 1;
            }
            pod.busy_us = 0;
        }
        self.cpu = (if n == 0 { 0 } else { (sum / n as u64) as u32 }, n);
    }

    fn autoscale(&mut self, now: SimTime, notes: &mut Vec<String>) {
        let cfg = HpaConfig {
            min: self.p.min,
            max: self.p.max,
            target_pm: self.p.target_pct * 10,
            tol_pct: self.p.tol_pct,
            stab_down: self.p.stab,
            stab_up: Duration(0),
        };
        let d = self
            .hpa
            .decide(&cfg, now, self.desired, self.cpu.1, self.cpu.0);
        if d.desired != self.desired {
            self.totals.hpa_changes += 1;
            notes.push(format!(
                "HPA: {} → {} replicas: {}",
                d.current, d.desired, d.reason
            ));
            self.desired = d.desired;
            self.last_hpa_note = None;
        } else if d.reason.held() && self.last_hpa_note != Some(d.reason) {
            notes.push(format!("HPA: keep {}: {}", d.desired, d.reason));
            self.last_hpa_note = Some(d.reason);
        }
    }

    fn delete_pod(&mut self, i: usize, now: SimTime) {
        let pod = &mut self.pods[i];
        pod.ready = false;
        pod.phase = if pod.machine.is_none() {
            Phase::Terminating { until: Some(now) }
        } else {
            Phase::Terminating {
                until: Some(now.plus(TERMINATION)),
            }
        };
    }

    /// Deletion preference (Kubernetes' `ActivePodsWithRanks`): unscheduled first, then not
    /// ready, then the most restarted, then the newest.
    fn deletion_order(&self, candidates: &mut [usize]) {
        crate::sort::sort_by_key(candidates, |&i| {
            let p = &self.pods[i];
            (
                p.machine.is_some(),
                self.in_service(p),
                std::cmp::Reverse(p.restarts),
                std::cmp::Reverse(p.id),
            )
        });
    }

    fn controller(&mut self, now: SimTime, notes: &mut Vec<String>) {
        let desired = self.desired;
        let active: Vec<usize> = (0..self.pods.len())
            .filter(|&i| self.pods[i].active())
            .collect();
        let old: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| self.pods[i].version != self.version)
            .collect();
        let new_n = (active.len() - old.len()) as u32;
        if old.is_empty() {
            if !self.rollout_noted {
                self.rollout_noted = true;
                notes.push(format!("deployment: rollout of v{} complete", self.version));
            }
            let n = active.len() as u32;
            if n < desired {
                let mut made = Vec::new();
                for _ in n..desired {
                    match self.create_pod() {
                        Some(i) => made.push(format!("p{}", self.pods[i].id)),
                        None => break,
                    }
                }
                self.totals.created += made.len() as u64;
                if !made.is_empty() {
                    notes.push(format!(
                        "controller: {n} of {desired} replicas → create {}",
                        made.join(", ")
                    ));
                }
            } else if n > desired {
                let mut c = active.clone();
                self.deletion_order(&mut c);
                let gone: Vec<usize> = c.into_iter().take((n - desired) as usize).collect();
                let names: Vec<String> = gone
                    .iter()
                    .map(|&i| format!("p{}", self.pods[i].id))
                    .collect();
                for i in gone {
                    self.delete_pod(i, now);
                }
                notes.push(format!(
                    "controller: {n} of {desired} replicas → delete {}",
                    names.join(", ")
                ));
            }
        } else {
            // RollingUpdate with the defaults maxSurge 25 % (up) and maxUnavailable 25 % (down).
            let surge = desired.div_ceil(4);
            let unavailable = desired / 4;
            let max_total = desired + surge;
            let min_avail = desired.saturating_sub(unavailable);
            let total = active.len() as u32;
            let up = max_total
                .saturating_sub(total)
                .min(desired.saturating_sub(new_n));
            let mut made = Vec::new();
            for _ in 0..up {
                match self.create_pod() {
                    Some(i) => made.push(format!("p{}", self.pods[i].id)),
                    None => break,
                }
            }
            self.totals.created += made.len() as u64;
            if !made.is_empty() {
                notes.push(format!(
                    "rolling update to v{}: {} old, {} new of {desired} (surge {surge}) → create {}",
                    self.version,
                    old.len(),
                    new_n,
                    made.join(", ")
                ));
            }
            let all = total + made.len() as u32;
            let new_ready = active
                .iter()
                .filter(|&&i| {
                    self.pods[i].version == self.version && self.in_service(&self.pods[i])
                })
                .count() as u32;
            let new_unavail = new_n + made.len() as u32 - new_ready;
            let mut budget = all as i64 - min_avail as i64 - new_unavail as i64;
            let mut gone = Vec::new();
            let mut o = old.clone();
            self.deletion_order(&mut o);
            let mut available = active
                .iter()
                .filter(|&&i| self.in_service(&self.pods[i]))
                .count() as i64;
            for i in o {
                if budget <= 0 {
                    break;
                }
                let ready = self.in_service(&self.pods[i]);
                if ready {
                    if available <= min_avail as i64 {
                        break;
                    }
                    available -= 1;
                }
                budget -= 1;
                gone.push(i);
            }
            if !gone.is_empty() {
                let names: Vec<String> = gone
                    .iter()
                    .map(|&i| format!("p{}", self.pods[i].id))
                    .collect();
                for &i in &gone {
                    self.delete_pod(i, now);
                }
                notes.push(format!(
                    "rolling update to v{}: {} available, at least {min_avail} must stay → delete old {}",
                    self.version,
                    available + gone.iter().filter(|_| false).count() as i64,
                    names.join(", ")
                ));
            }
        }
        self.schedule(now, notes);
    }

    fn schedule(&mut self, now: SimTime, notes: &mut Vec<String>) {
        for i in 0..self.pods.len() {
            if self.pods[i].phase != Phase::Pending {
                continue;
            }
            match self.place(i) {
                Some(m) => {
                    let zone = zone_name(self.machines[m].zone);
                    let pod = &mut self.pods[i];
                    pod.machine = Some(m);
                    pod.phase = Phase::Starting {
                        until: now.plus(self.p.startup),
                    };
                    notes.push(format!(
                        "scheduler: p{} → m{m} (zone {zone}{})",
                        pod.id,
                        if self.p.spread {
                            ", the zone with fewest replicas"
                        } else {
                            ", packing machines in order"
                        }
                    ));
                }
                None => {
                    if !self.pods[i].noted_unschedulable {
                        self.pods[i].noted_unschedulable = true;
                        notes.push(format!(
                            "scheduler: p{} unschedulable: no Ready machine with a free slot",
                            self.pods[i].id
                        ));
                    }
                }
            }
        }
    }

    fn account(&mut self, now: SimTime) {
        let serving = self.pods.iter().any(|p| self.serving(p));
        if serving {
            self.totals.serving_us += TICK.0;
        }
        let ready = self.ready_count();
        let needed = self.needed_at(now);
        let paid = self.pods.iter().filter(|p| p.machine.is_some()).count() as u64;
        self.totals.paid_pod_us += paid * TICK.0;
        self.totals.needed_pod_us += needed as u64 * TICK.0;
        if ready < needed {
            self.totals.under_us += TICK.0;
            let since = *self.totals.under_since.get_or_insert(now);
            self.totals.longest_under_us = self
                .totals
                .longest_under_us
                .max(now.since(since).0 + TICK.0);
        } else {
            self.totals.under_since = None;
        }
        let milli = self.p.load_milli_rps(now.0);
        let capacity = ready as u64 * self.p.cap as u64 * self.p.target_pct as u64 * 10;
        if milli > capacity {
            self.totals.over_target_us += TICK.0;
        }
        let spent = self.budget_spent_ppm();
        let cpu = self.cpu.0;
        let desired = self.desired;
        if let Some(b) = self.series.last_mut() {
            b.load_rps = (milli / 1000) as u32;
            b.ready = ready;
            b.pods = paid as u32;
            b.desired = desired;
            b.needed = needed;
            b.cpu_pm = cpu;
            b.budget_left_ppm = 1_000_000 - spent as i64;
        }
    }

    /// A metric's value now, in millionths.
    pub fn metric(&self, m: Metric, window: Duration) -> i64 {
        let ticks = (window.0.div_ceil(TICK.0).max(1) as usize).min(self.window.len());
        let newest = self.window.back().copied().unwrap_or(self.window_base);
        let before = if ticks < self.window.len() {
            self.window[self.window.len() - 1 - ticks]
        } else {
            self.window_base
        };
        let (g, f) = (newest.0 - before.0, newest.1 - before.1);
        let err = (f * 1_000_000).checked_div(g + f).unwrap_or(0) as i64;
        match m {
            Metric::ErrorRate => err,
            Metric::BurnRate => {
                let budget = (1_000_000 - self.p.slo_ppm.min(999_999)) as i64;
                err * 1_000_000 / budget
            }
            Metric::Rps => ((g + f) as u128 * 1_000_000_000_000 / window.0.max(1) as u128) as i64,
            Metric::LatencyP99 => {
                let n = (window.0.div_ceil(BUCKET.0).max(1)) as usize;
                let mut lat = [0u32; LAT_BINS];
                for b in self.series.iter().rev().take(n) {
                    for (x, y) in lat.iter_mut().zip(b.lat.iter()) {
                        *x += y;
                    }
                }
                p99_of(&lat).unwrap_or(0) as i64 * 1_000_000
            }
            Metric::Up => {
                if self.pods.iter().any(|p| self.serving(p)) {
                    1_000_000
                } else {
                    0
                }
            }
            Metric::ReadyPods => self.ready_count() as i64 * 1_000_000,
            Metric::Replicas => self.desired as i64 * 1_000_000,
            Metric::Cpu => self.cpu.0 as i64 * 1000,
        }
    }

    fn evaluate_alerts(&mut self, now: SimTime, notes: &mut Vec<String>) {
        let spent = self.budget_spent_ppm();
        // The incident an alert reports began at the latest fault or the start of the current
        // stretch of failures, whichever is later (a load spike has no fault).
        let onset = self.last_fault.max(self.errors_since).unwrap_or(now);
        for a in 0..self.alerts.len() {
            let holds = self.alerts[a]
                .rule
                .conds
                .iter()
                .all(|c| c.op.holds(self.metric(c.metric, c.window()), c.value));
            if let Some(line) = self.alerts[a].evaluate(now, holds, onset, spent) {
                notes.push(line);
            }
        }
    }

    /// Applies a command now.
    pub fn apply(&mut self, cmd: ClusterCommand, now: SimTime, notes: &mut Vec<String>) {
        self.last_fault = Some(now);
        match cmd {
            ClusterCommand::Fail(m) | ClusterCommand::Recover(m) if m >= self.machines.len() => {
                notes.push(format!("there is no machine m{m}"));
            }
            ClusterCommand::Fail(m) => self.fail(m, now, notes),
            ClusterCommand::Recover(m) => self.recover(m, now, notes),
            ClusterCommand::ZoneFail(z) | ClusterCommand::ZoneRecover(z) => {
                let fail = matches!(cmd, ClusterCommand::ZoneFail(_));
                let ms: Vec<usize> = (0..self.machines.len())
                    .filter(|&m| self.machines[m].zone == z)
                    .collect();
                if ms.is_empty() {
                    notes.push(format!("zone {} has no machine", zone_name(z)));
                }
                notes.push(format!(
                    "zone {} {}: {}",
                    zone_name(z),
                    if fail { "fails" } else { "is back" },
                    ms.iter()
                        .map(|m| format!("m{m}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                for m in ms {
                    if fail {
                        self.fail(m, now, notes);
                    } else {
                        self.recover(m, now, notes);
                    }
                }
            }
            ClusterCommand::Hang(id) => {
                let target = match id {
                    Some(id) => self.pods.iter().position(|p| p.id == id),
                    None => self.pods.iter().position(|p| self.serving(p)),
                };
                match target {
                    Some(i) if self.pods[i].phase == Phase::Running => {
                        self.pods[i].hung = true;
                        notes.push(format!(
                            "p{} hangs: alive, answering nothing (a deadlock)",
                            self.pods[i].id
                        ));
                    }
                    _ => notes.push(match id {
                        Some(id) => format!("p{id} is not a running pod"),
                        None => "no running pod to hang".into(),
                    }),
                }
            }
            ClusterCommand::Release { bad } => {
                self.version += 1;
                if bad {
                    self.bad_versions.push(self.version);
                }
                self.rollout_noted = false;
                notes.push(format!(
                    "deployment: release v{}{} → rolling update (maxSurge 25 %, maxUnavailable 25 %)",
                    self.version,
                    if bad { " (it crashes on start)" } else { "" }
                ));
            }
            ClusterCommand::Scale(n) => {
                notes.push(format!("kubectl scale: {} → {n} replicas", self.desired));
                self.desired = n;
            }
        }
    }

    fn fail(&mut self, m: usize, now: SimTime, notes: &mut Vec<String>) {
        if !self.machines[m].alive {
            return;
        }
        self.machines[m].alive = false;
        self.machines[m].failed_at = Some(now);
        let n = self
            .pods
            .iter()
            .filter(|p| p.machine == Some(m) && p.active())
            .count();
        notes.push(format!(
            "m{m} fails with {}; the control plane notices after the {} grace period",
            pods(n as u64),
            fmt_s(self.p.grace)
        ));
    }

    fn recover(&mut self, m: usize, now: SimTime, notes: &mut Vec<String>) {
        if self.machines[m].alive {
            return;
        }
        self.machines[m].alive = true;
        self.machines[m].failed_at = None;
        self.machines[m].status = MachineStatus::Up;
        let startup = self.p.startup;
        let mut gone = 0;
        let mut restarted = 0;
        self.pods.retain_mut(|p| {
            if p.machine != Some(m) {
                return true;
            }
            if matches!(p.phase, Phase::Terminating { until: None }) {
                gone += 1;
                return false;
            }
            if p.active() {
                p.phase = Phase::Starting {
                    until: now.plus(startup),
                };
                p.ready = false;
                p.hung = false;
                p.busy_until = now;
                restarted += 1;
            }
            true
        });
        notes.push(format!(
            "m{m} is back: {gone} evicted pods cleaned up, {restarted} restart"
        ));
    }
}

impl Node for ClusterNode {
    type Msg = NoMsg;
    crate::node::shows_whole_messages!();
    type Timer = Tick;
    type Command = ClusterCommand;
    /// Every command is carried out.
    type Refusal = Infallible;

    fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{items, slice};
        slice(&self.machines)
            + slice(&self.pods)
            + slice(&self.bad_versions)
            + self
                .alerts
                .iter()
                .map(|a| {
                    std::mem::size_of::<Alert>()
                        + a.name.len()
                        + slice(&a.rule.conds)
                        + slice(&a.episodes)
                })
                .sum::<usize>()
            + slice(&self.series)
            + slice(&self.lat)
            + self.picker.heap_bytes()
            + self.hpa.heap_bytes()
            + items::<(u64, u64)>(self.window.len())
    }

    fn on_start(&mut self, ctx: &mut Ctx<NoMsg, Tick>) {
        ctx.set_timer(Tick::Tick, TICK);
    }

    fn on_message(&mut self, _: crate::NodeId, msg: NoMsg, _: &mut Ctx<NoMsg, Tick>) {
        match msg {}
    }

    fn on_timer(&mut self, _: Tick, ctx: &mut Ctx<NoMsg, Tick>) {
        let now = ctx.now();
        let t0 = SimTime(now.0.saturating_sub(TICK.0));
        let mut notes = Vec::new();
        self.node_monitor(now, &mut notes);
        self.kubelets(now, &mut notes);
        self.traffic(t0, now, ctx.rng());
        if now >= self.next_scrape {
            self.scrape();
            self.next_scrape = now.plus(self.p.scrape);
        }
        if self.p.hpa && now >= self.next_sync {
            self.autoscale(now, &mut notes);
            self.next_sync = now.plus(self.p.sync);
        }
        if now >= self.next_ctl {
            self.controller(now, &mut notes);
            self.next_ctl = now.plus(self.p.ctl);
        }
        self.account(now);
        if now >= self.next_eval {
            self.evaluate_alerts(now, &mut notes);
            self.next_eval = now.plus(self.p.eval);
        }
        for n in notes {
            ctx.note(n);
        }
        ctx.set_timer(Tick::Tick, TICK);
    }

    fn on_command(
        &mut self,
        cmd: &ClusterCommand,
        ctx: &mut Ctx<NoMsg, Tick>,
    ) -> Result<(), Infallible> {
        let mut notes = Vec::new();
        self.apply(*cmd, ctx.now(), &mut notes);
        for n in notes {
            ctx.note(n);
        }
        Ok(())
    }
}

/// The overall latency bins as `(upper edge µs, count)` (for [`crate::latency::LatencyStats`]).
pub fn latency_counts(c: &ClusterNode) -> Vec<(u64, u64)> {
    c.lat
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(b, &n)| (fine_edge(b), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins() {
        assert_eq!(lat_bin(0), 0);
        assert_eq!(lat_bin(1_000), 1);
        assert_eq!(lat_bin(20_000), 4);
        assert_eq!(fine_edge(fine_bin(20_500)), 21_000);
        assert_eq!(fine_edge(fine_bin(1_020_000)), 1_050_000);
        let mut lat = [0u32; LAT_BINS];
        lat[4] = 99;
        lat[10] = 1;
        assert_eq!(p99_of(&lat), Some(31));
    }

    #[test]
    fn backoff_doubles_to_five_minutes() {
        let p = ClusterParams::default();
        let mut c = ClusterNode::new(&p);
        let mut delays = Vec::new();
        for k in 0..8 {
            c.pods[0].phase = Phase::Starting { until: SimTime(k) };
            delays.push(c.restart(0, SimTime(k)).0 / 1_000_000);
        }
        assert_eq!(delays, [0, 10, 20, 40, 80, 160, 300, 300]);
        // Ten minutes up resets it.
        c.pods[0].phase = Phase::Running;
        c.pods[0].running_since = SimTime::ZERO;
        assert_eq!(c.restart(0, SimTime(BACKOFF_RESET.0)).0, 0);
    }
}
