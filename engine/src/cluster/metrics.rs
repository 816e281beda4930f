//! What `cli run` prints for the cluster lab, and what the page shows beside the cluster.

use super::model::{latency_counts, ClusterNode, MachineStatus};
use crate::latency::LatencyStats;
use crate::sim::Sim;
use crate::time::SimTime;
use serde::Serialize;

/// One alert episode, in ms.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EpisodeReport {
    /// `pending`, `firing`, `resolved`.
    pub state: &'static str,
    /// Conditions first held.
    pub pending_ms: f64,
    /// Fired.
    pub fired_ms: Option<f64>,
    /// Stopped holding.
    pub ended_ms: Option<f64>,
    /// When the incident it reports began (the latest fault or the start of the failures).
    pub onset_ms: f64,
    /// Fired minus onset.
    pub detection_delay_ms: Option<f64>,
    /// Error budget already spent when it fired, %.
    pub budget_spent_at_fire_pct: Option<f64>,
}

/// One alert rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertReport {
    /// The rule (or the burn-rate alert's name and rule).
    pub name: String,
    /// `inactive`, `pending`, `firing`.
    pub state: &'static str,
    /// Its episodes that fired or are pending.
    pub episodes: Vec<EpisodeReport>,
}

/// The cluster lab's measurements at the run's position.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// Machines really running / all.
    pub machines_up: usize,
    /// Machines.
    pub machines: usize,
    /// Desired replicas.
    pub desired: u32,
    /// Pods not terminating.
    pub pods: usize,
    /// Pods in the service.
    pub ready: u32,
    /// Requests offered.
    pub requests: u64,
    /// Answered within the client timeout.
    pub good: u64,
    /// Failed.
    pub failed: u64,
    /// Failed with no pod in the service.
    pub failed_no_pod: u64,
    /// Failed by timeout (dead or hung pod, or queue).
    pub failed_timeout: u64,
    /// Measured availability: good ÷ all requests, %.
    pub availability_pct: Option<f64>,
    /// Time with at least one pod serving ÷ elapsed, %.
    pub serving_time_pct: Option<f64>,
    /// Latency of requests that reached a pod (a timeout counts as the timeout).
    pub latency: LatencyStats,
    /// Container restarts.
    pub restarts: u64,
    /// Pods the controller created.
    pub pods_created: u64,
    /// Pods evicted from lost machines.
    pub pods_evicted: u64,
    /// Autoscaler decisions that changed the count.
    pub hpa_changes: u64,
    /// HPA lag: the longest stretch with fewer pods in the service than the load needs, ms.
    pub hpa_lag_ms: f64,
    /// All time with fewer pods in the service than needed, ms.
    pub under_provisioned_ms: f64,
    /// Time the load asked more than the target utilisation of the pods in service, ms.
    pub time_over_target_ms: f64,
    /// Replica-seconds paid for (pods on machines).
    pub replica_seconds_paid: f64,
    /// Replica-seconds needed (load ÷ (capacity × target)).
    pub replica_seconds_needed: f64,
    /// Last scraped CPU utilisation, %.
    pub cpu_pct: f64,
    /// SLO, % good.
    pub slo_pct: f64,
    /// Error budget spent so far, % (above 100: the SLO is missed).
    pub budget_spent_pct: f64,
    /// The alert rules.
    pub alerts: Vec<AlertReport>,
}

fn ms(t: SimTime) -> f64 {
    t.as_ms_f64()
}

/// The measurements of a cluster run.
pub fn measure(sim: &Sim<ClusterNode>) -> ClusterMetrics {
    let c = &sim.nodes()[0];
    measure_node(c, sim.now())
}

/// The measurements of the cluster at `now`.
pub fn measure_node(c: &ClusterNode, now: SimTime) -> ClusterMetrics {
    let t = &c.totals;
    let elapsed = now.0;
    let pct = |a: u64, b: u64| (b > 0).then(|| a as f64 * 100.0 / b as f64);
    ClusterMetrics {
        time_ms: ms(now),
        machines_up: c.machines.iter().filter(|m| m.alive).count(),
        machines: c.machines.len(),
        desired: c.desired,
        pods: c
            .pods
            .iter()
            .filter(|p| p.phase_name() != "terminating")
            .count(),
        ready: c.ready_count(),
        requests: t.requests,
        good: t.good,
        failed: t.failed,
        failed_no_pod: t.no_pod,
        failed_timeout: t.timeouts,
        availability_pct: pct(t.good, t.requests),
        serving_time_pct: pct(t.serving_us, elapsed),
        latency: LatencyStats::of_counts(&latency_counts(c)),
        restarts: t.restarts,
        pods_created: t.created,
        pods_evicted: t.evicted,
        hpa_changes: t.hpa_changes,
        hpa_lag_ms: t.longest_under_us as f64 / 1000.0,
        under_provisioned_ms: t.under_us as f64 / 1000.0,
        time_over_target_ms: t.over_target_us as f64 / 1000.0,
        replica_seconds_paid: t.paid_pod_us as f64 / 1e6,
        replica_seconds_needed: t.needed_pod_us as f64 / 1e6,
        cpu_pct: c.cpu.0 as f64 / 10.0,
        slo_pct: c.p.slo_ppm as f64 / 10_000.0,
        budget_spent_pct: c.budget_spent_ppm() as f64 / 10_000.0,
        alerts: c
            .alerts
            .iter()
            .map(|a| AlertReport {
                name: a.name.clone(),
                state: match a.state {
                    super::alerts::AlertState::Inactive => "inactive",
                    super::alerts::AlertState::Pending => "pending",
                    super::alerts::AlertState::Firing => "firing",
                },
                episodes: a
                    .episodes
                    .iter()
                    .map(|e| EpisodeReport {
                        state: e.state(),
                        pending_ms: ms(e.pending_at),
                        fired_ms: e.fired_at.map(ms),
                        ended_ms: e.ended_at.map(ms),
                        onset_ms: ms(e.onset),
                        detection_delay_ms: e.detection_delay().map(|d| d.0 as f64 / 1000.0),
                        budget_spent_at_fire_pct: e.budget_spent_ppm.map(|p| p as f64 / 10_000.0),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Machines whose control-plane status is not `up`.
pub fn machines_not_up(c: &ClusterNode) -> usize {
    c.machines
        .iter()
        .filter(|m| m.status != MachineStatus::Up)
        .count()
}

#[cfg(test)]
mod tests {
    use crate::latency::LatencyStats;

    #[test]
    fn binned_stats_equal_the_samples_stats() {
        let samples = [1000u64, 1000, 2000, 5000, 5000, 5000, 9000];
        let counts = [(1000, 2), (2000, 1), (5000, 3), (9000, 1)];
        assert_eq!(LatencyStats::of(&samples), LatencyStats::of_counts(&counts));
    }
}
