//! What the load-balancer lab measures, over a sliding window ([`measure`]) and as time series
//! for charts ([`series`]).
//!
//! **Percentiles** are exact, by the nearest-rank method over the window's samples, in
//! integers: sort the latencies (µs) ascending; the p-th percentile is the value at 1-based
//! rank `⌈p × n / 100⌉` (at least 1). A latency sample is one finished request, whatever its
//! outcome: first send to final answer, retries included (a timeout counts as its timeout).
//!
//! Utilisation, queue length and in-flight requests are time averages over the 100 ms buckets
//! overlapping the window (or the chart bucket). Crash reports compare the balancer's view with
//! ground truth ([`Sim::life`]).
//!
//! **Memory.** The nodes keep per-request records (finished requests, routing decisions) only for
//! the window and the chart bucket still open; each 500 ms chart bucket is summarised once it is
//! over (counts and its exact percentiles, [`DoneSummary`], [`RouteSummary`]) and summaries are
//! kept for the charts' [`SERIES_SPAN_MS`]; whole-run figures are running counts. So a run's state
//! does not grow with its length, and every figure is computed from exactly the records it needs:
//! nothing is bucketed or approximated, percentiles stay exact (nearest rank).

use super::backend::{BUSY, QUEUED};
use super::balancer::{Balancer, Route};
use super::balancer::{Status, NO_BACKEND};
use super::client::Outcome;
use super::client::{Clients, Done};
use super::log::Buckets;
use super::params::BASE_BUCKET_MS;
use super::{backend as backend_of, balancer, clients, LbNode, FIRST_BACKEND, LB};
use crate::sim::Sim;
use crate::time::SimTime;
use crate::NodeId;
use serde::Serialize;

const BUCKET_US: u64 = BASE_BUCKET_MS * 1_000;

/// Finished requests by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Finished requests.
    pub finished: u64,
    /// 200.
    pub ok: u64,
    /// 500 from a backend.
    pub errors: u64,
    /// 503: queue full.
    pub rejected: u64,
    /// 503: no backend believed up.
    pub no_backend: u64,
    /// Timed out at the client.
    pub timeouts: u64,
}

/// The charts ([`series`]) cover the last 30 s of simulated time...
pub const SERIES_SPAN_MS: u64 = 30_000;
/// ...in buckets of 500 ms.
pub const SERIES_BUCKET_MS: u64 = 500;
const SERIES_BUCKET_US: u64 = SERIES_BUCKET_MS * 1_000;

/// A sealed chart bucket of finished requests: counts by outcome and exact latency percentiles
/// (nearest rank, µs) of its requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DoneSummary {
    /// Finished requests by outcome.
    pub counts: Counts,
    /// p50, p95, p99 latency, µs.
    pub pct_us: [u32; 3],
}

/// A sealed chart bucket of routing decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteSummary {
    /// Attempts routed (or answered 503 by the balancer).
    pub attempts: u32,
    /// Of which retries.
    pub retries: u32,
    /// Attempts routed to each backend.
    pub routed: Vec<u32>,
}

/// Chart buckets of finished requests.
pub(crate) fn done_buckets() -> Buckets<DoneSummary> {
    Buckets::new(SERIES_BUCKET_US)
}

/// Records a finished request at the clients: seals the chart buckets it closes, drops the raw
/// records neither the window nor an unsealed bucket needs, then appends it.
pub(crate) fn record_done(c: &mut Clients, d: Done) {
    let t = d.end_us;
    c.finished.add(d.outcome);
    c.chart.seal(
        &c.done,
        |d| d.end_us,
        t,
        |g| {
            let mut counts = Counts::default();
            let mut lat: Vec<u64> = Vec::with_capacity(g.len());
            for d in g {
                counts.add(d.outcome);
                lat.push(d.latency_us as u64);
            }
            // Selections, not a sort: a bucket is sealed every 100 ms of a run.
            let (p, _) = percentiles_and_max(&mut lat, PERCENTILES);
            DoneSummary {
                counts,
                pct_us: p.map(|x| x.unwrap_or(0) as u32),
            }
        },
    );
    let cutoff = t
        .saturating_sub(c.p.window.as_us())
        .min(c.chart.unsealed_from_us());
    c.done.drop_sealed_while(|d| d.end_us < cutoff);
    c.chart
        .drop_before(t.saturating_sub(SERIES_SPAN_MS * 1_000) / SERIES_BUCKET_US);
    c.done.push(d);
}

/// Chart buckets of routing decisions.
pub(crate) fn route_buckets() -> Buckets<RouteSummary> {
    Buckets::new(SERIES_BUCKET_US)
}

/// Records a routing decision at the balancer (as [`record_done`]).
pub(crate) fn record_route(lb: &mut Balancer, r: Route) {
    let t = r.at_us;
    let nb = lb.views.len();
    lb.chart.seal(
        &lb.routes,
        |r| r.at_us,
        t,
        |g| {
            let mut s = RouteSummary {
                routed: vec![0; nb],
                ..RouteSummary::default()
            };
            for r in g {
                s.attempts += 1;
                if r.attempt > 1 {
                    s.retries += 1;
                }
                if (r.backend as usize) < nb {
                    s.routed[r.backend as usize] += 1;
                }
            }
            s
        },
    );
    let cutoff = t
        .saturating_sub(lb.p.window.as_us())
        .min(lb.chart.unsealed_from_us());
    lb.routes.drop_sealed_while(|r| r.at_us < cutoff);
    lb.chart
        .drop_before(t.saturating_sub(SERIES_SPAN_MS * 1_000) / SERIES_BUCKET_US);
    lb.routes.push(r);
}

impl Counts {
    pub(crate) fn add(&mut self, o: Outcome) {
        self.finished += 1;
        match o {
            Outcome::Ok => self.ok += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Rejected => self.rejected += 1,
            Outcome::NoBackend => self.no_backend += 1,
            Outcome::Timeout => self.timeouts += 1,
        }
    }
}

/// One backend's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackendMetrics {
    /// Node id.
    pub node: NodeId,
    /// Running (ground truth).
    pub alive: bool,
    /// Health status as the balancer sees it (`up`, `suspect`, `down`).
    pub status: &'static str,
    /// Ejected by outlier detection.
    pub ejected: bool,
    /// Weight.
    pub weight: u32,
    /// Speed, percent.
    pub speed_pct: u32,
    /// `slow:K` factor.
    pub slow: u32,
    /// `errors:PCT` share, percent.
    pub error_pct: f64,
    /// Requests outstanding at the balancer now.
    pub in_flight: u32,
    /// Requests in service now.
    pub busy: u32,
    /// Requests queued now.
    pub queue: u32,
    /// Busy workers / workers over the window, percent.
    pub utilisation_pct: f64,
    /// Mean queue length over the window.
    pub mean_queue: f64,
    /// Attempts routed to it in the window.
    pub routed: u64,
    /// Attempts routed to it in the whole run.
    pub routed_total: u64,
    /// Served (200) so far.
    pub served: u64,
    /// Answered 500 so far.
    pub errors: u64,
    /// Rejected (queue full) so far.
    pub rejected: u64,
}

/// A backend crash against the balancer's view of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CrashReport {
    /// Node id.
    pub node: NodeId,
    /// When it crashed, ms.
    pub crash_ms: f64,
    /// When it restarted, ms (None: still down).
    pub restart_ms: Option<f64>,
    /// When the balancer stopped routing to it (down or ejected), ms; None if it did not
    /// before the restart (or yet).
    pub detected_ms: Option<f64>,
    /// Time to detect, ms.
    pub detect_after_ms: Option<f64>,
    /// Attempts routed to it after the crash and before detection (or restart, or now): all lost.
    pub routed_while_down: u64,
}

/// Everything [`measure`] reports (`cli run` can print it as JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LbMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// Window length, ms.
    pub window_ms: f64,
    /// Requests finished in the window, by outcome.
    pub window: Counts,
    /// Finished requests per second over the window.
    pub throughput_rps: f64,
    /// Successful requests per second over the window.
    pub goodput_rps: f64,
    /// Latency percentiles over the window, ms (nearest rank; None without samples).
    pub p50_ms: Option<f64>,
    /// 95th percentile, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Largest latency in the window, ms.
    pub max_ms: Option<f64>,
    /// Attempts the balancer routed (or answered 503 itself) in the window.
    pub attempts: u64,
    /// Of which retries.
    pub retries: u64,
    /// Requests finished in the whole run, by outcome.
    pub totals: Counts,
    /// Requests issued so far.
    pub requests: u64,
    /// Attempts sent so far.
    pub attempts_total: u64,
    /// Retries sent so far.
    pub retries_total: u64,
    /// Retries the budget refused so far.
    pub retries_denied: u64,
    /// Requests in progress at the client.
    pub in_progress: u64,
    /// Per backend.
    pub backends: Vec<BackendMetrics>,
    /// Backend crashes and how long the balancer took to notice.
    pub crashes: Vec<CrashReport>,
    /// Finished-request records dropped by the count bound (0 unless more than ~524 000 requests
    /// finish within the kept span: then the window's figures miss the oldest of them).
    pub records_dropped: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages dropped (down receiver, cut link).
    pub messages_dropped: u64,
}

/// The nearest-rank percentile of ascending `sorted` samples, `per_mille` in 1..=1000
/// (e.g. 990 for p99): the sample at 1-based rank `⌈per_mille × n / 1000⌉`.
pub fn percentile(sorted: &[u64], per_mille: u32) -> Option<u64> {
    sorted.get(rank_index(sorted.len(), per_mille)).copied()
}

/// The 0-based index of the nearest-rank `per_mille` percentile among `n` sorted samples.
fn rank_index(n: usize, per_mille: u32) -> usize {
    let rank = (per_mille.min(1_000) as u64 * n as u64)
        .div_ceil(1_000)
        .max(1);
    (rank - 1) as usize
}

/// The percentiles the metrics and the chart show: p50, p95, p99 (per mille).
const PERCENTILES: [u32; 3] = [500, 950, 990];

/// The nearest-rank percentiles `per_mille` (ascending) of `samples` in any order, and the
/// largest sample, as [`percentile`] of the sorted samples and their last would give: each one
/// selected in the part of `samples` above the one before (a selection leaves the samples
/// partitioned around the value it finds), so the three cost about one and a half selections.
pub fn percentiles_and_max<const K: usize>(
    samples: &mut [u64],
    per_mille: [u32; K],
) -> ([Option<u64>; K], Option<u64>) {
    let mut out = [None; K];
    let mut from = 0;
    for (o, pm) in out.iter_mut().zip(per_mille) {
        let i = rank_index(samples.len(), pm).max(from);
        *o = crate::sort::select_nth(&mut samples[from..], i - from);
        if o.is_none() {
            return (out, None);
        }
        from = i;
    }
    let max = samples[from..].iter().copied().max();
    (out, max)
}

/// The nearest-rank percentiles `per_mille` of the samples of `runs`, each run sorted: what
/// [`percentiles_and_max`] finds in them as one list, without copying them (a whole run's
/// latencies, kept in sorted chunks, are hundreds of thousands). Each percentile is the smallest
/// value with more samples at or below it than its rank's index, found by bisecting the range
/// of values; a count is one binary search per run.
pub fn percentiles_of_sorted<const K: usize>(
    runs: &[&[u64]],
    per_mille: [u32; K],
) -> [Option<u64>; K] {
    let n: usize = runs.iter().map(|r| r.len()).sum();
    let lowest = runs.iter().filter_map(|r| r.first()).min();
    let highest = runs.iter().filter_map(|r| r.last()).max();
    let (Some(&lowest), Some(&highest)) = (lowest, highest) else {
        return [None; K];
    };
    per_mille.map(|pm| {
        let k = rank_index(n, pm);
        let (mut lo, mut hi) = (lowest, highest);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at_or_below: usize = runs.iter().map(|r| r.partition_point(|&x| x <= mid)).sum();
            if at_or_below > k {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    })
}

fn ms(us: u64) -> f64 {
    us as f64 / 1_000.0
}

/// Buckets `[lo, hi)` of 100 ms overlapping `[from, to)` µs, and the covered span in µs
/// (clipped at `to`).
fn bucket_span(from: u64, to: u64) -> (u64, u64, u64) {
    let lo = from / BUCKET_US;
    let hi = to.div_ceil(BUCKET_US).max(lo + 1);
    let span = to.min(hi * BUCKET_US).saturating_sub(lo * BUCKET_US);
    (lo, hi, span)
}

fn crash_reports(sim: &Sim<LbNode>) -> Vec<CrashReport> {
    let Some(lb) = balancer(sim) else {
        return Vec::new();
    };
    let life = sim.life();
    let mut out = Vec::new();
    for (k, crash) in life.iter().enumerate() {
        if crash.up || crash.node < FIRST_BACKEND {
            continue;
        }
        let b = crash.node - FIRST_BACKEND;
        let restart = life[k + 1..]
            .iter()
            .find(|e| e.node == crash.node && e.up)
            .map(|e| e.time);
        let end = restart.unwrap_or(SimTime::MAX);
        // Ineligible already at the crash, or the first change to ineligible after it.
        let before = lb
            .transitions
            .iter()
            .rfind(|t| t.backend == b && t.time <= crash.time)
            .is_some_and(|t| t.status == Status::Down || t.ejected);
        let detected = if before {
            Some(crash.time)
        } else {
            lb.transitions
                .iter()
                .find(|t| {
                    t.backend == b
                        && t.time >= crash.time
                        && t.time < end
                        && (t.status == Status::Down || t.ejected)
                })
                .map(|t| t.time)
        };
        // The crash applies after every other event at its instant, and nothing is routed to
        // an ineligible backend, so routes at `until` itself still count.
        let until = detected.or(restart).unwrap_or(sim.now()).as_us();
        // Every route in (crash, until] went to a backend that was down (until ≤ the restart), so
        // the balancer's ghost log of routes to down backends holds them all.
        let routed_while_down = lb
            .down_routes
            .from_where(|r| r.at_us <= crash.time.as_us())
            .take_while(|r| r.at_us <= until)
            .filter(|r| r.backend as usize == b)
            .count() as u64;
        out.push(CrashReport {
            node: crash.node,
            crash_ms: crash.time.as_ms_f64(),
            restart_ms: restart.map(|t| t.as_ms_f64()),
            detected_ms: detected.map(|t| t.as_ms_f64()),
            detect_after_ms: detected.map(|t| t.since(crash.time).as_ms_f64()),
            routed_while_down,
        });
    }
    out
}

/// Measures a load-balancer run at its current position over the window `p.window`.
pub fn measure(sim: &Sim<LbNode>) -> LbMetrics {
    let now = sim.now().as_us();
    let (Some(c), Some(lb)) = (clients(sim), balancer(sim)) else {
        return LbMetrics {
            time_ms: ms(now),
            window_ms: 0.0,
            window: Counts::default(),
            throughput_rps: 0.0,
            goodput_rps: 0.0,
            p50_ms: None,
            p95_ms: None,
            p99_ms: None,
            max_ms: None,
            attempts: 0,
            retries: 0,
            totals: Counts::default(),
            requests: 0,
            attempts_total: 0,
            retries_total: 0,
            retries_denied: 0,
            in_progress: 0,
            backends: Vec::new(),
            crashes: Vec::new(),
            records_dropped: 0,
            messages_sent: 0,
            messages_dropped: 0,
        };
    };
    let w = c.p.window.as_us().max(1);
    let from = now.saturating_sub(w);
    // A request finished exactly `window` ago is outside: the window is (now − w, now].
    let in_window = |t: u64| t > from || (from == 0 && t == 0);
    let mut window = Counts::default();
    let mut lat: Vec<u64> = Vec::new();
    for d in c.done.from_where(|d| d.end_us <= from && from > 0) {
        if in_window(d.end_us) {
            window.add(d.outcome);
            lat.push(d.latency_us as u64);
        }
    }
    // The page asks for these after every step: selections, not a sort (a window holds up to
    // ten thousand latencies at the highest rate).
    let ([p50, p95, p99], max) = percentiles_and_max(&mut lat, PERCENTILES);
    let totals = c.finished;
    let span_s = (now.min(w)).max(1) as f64 / 1e6;
    let nb = lb.views.len();
    let mut routed = vec![0u64; nb];
    let (mut attempts, mut retries) = (0u64, 0u64);
    for r in lb.routes.from_where(|r| r.at_us <= from && from > 0) {
        if !in_window(r.at_us) {
            continue;
        }
        attempts += 1;
        if r.attempt > 1 {
            retries += 1;
        }
        if r.backend != NO_BACKEND && (r.backend as usize) < nb {
            routed[r.backend as usize] += 1;
        }
    }
    let (lo, hi, span) = bucket_span(from, now);
    let lb_up = sim.is_up(LB);
    let backends = (0..nb)
        .filter_map(|b| {
            let be = backend_of(sim, b)?;
            let alive = sim.is_up(be.node());
            let lv = be.levels.until(sim.now(), alive);
            let workers = be.p.workers.max(1) as f64;
            let span = span.max(1) as f64;
            let v = lb.views[b];
            Some(BackendMetrics {
                node: be.node(),
                alive,
                status: v.status.as_str(),
                ejected: v.ejected_until.is_some(),
                weight: be.spec.weight,
                speed_pct: be.spec.speed_pct,
                slow: be.slow,
                error_pct: be.error_ppm as f64 / 10_000.0,
                in_flight: if lb_up { v.outstanding } else { 0 },
                busy: if alive { be.busy.len() as u32 } else { 0 },
                queue: if alive { be.queue.len() as u32 } else { 0 },
                utilisation_pct: lv.sum(BUSY, lo, hi) as f64 / span / workers * 100.0,
                mean_queue: lv.sum(QUEUED, lo, hi) as f64 / span,
                routed: routed[b],
                routed_total: lb.routed_total.get(b).copied().unwrap_or(0),
                served: be.served,
                errors: be.errors,
                rejected: be.rejected,
            })
        })
        .collect();
    let stats = sim.stats();
    LbMetrics {
        time_ms: ms(now),
        window_ms: ms(w),
        window,
        throughput_rps: window.finished as f64 / span_s,
        goodput_rps: window.ok as f64 / span_s,
        p50_ms: p50.map(ms),
        p95_ms: p95.map(ms),
        p99_ms: p99.map(ms),
        max_ms: max.map(ms),
        attempts,
        retries,
        totals,
        requests: c.totals.requests,
        attempts_total: c.totals.attempts,
        retries_total: c.totals.retries,
        retries_denied: c.totals.retries_denied,
        in_progress: if sim.is_up(super::CLIENTS) {
            c.pending.len() as u64
        } else {
            0
        },
        backends,
        crashes: crash_reports(sim),
        records_dropped: c.done.dropped(),
        messages_sent: stats.sent,
        messages_dropped: stats.dropped + stats.lost,
    }
}

/// One backend in one chart bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BackendPoint {
    /// Attempts routed to it.
    pub routed: u64,
    /// Mean requests outstanding at the balancer.
    pub in_flight: f64,
    /// Mean queue length.
    pub queue: f64,
    /// Busy workers / workers, percent.
    pub utilisation_pct: f64,
}

/// One chart bucket `[t_ms, t_ms + bucket)`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// Bucket start, ms.
    pub t_ms: f64,
    /// Requests finished in the bucket, by outcome.
    pub counts: Counts,
    /// Finished requests per second.
    pub throughput_rps: f64,
    /// Successful requests per second.
    pub goodput_rps: f64,
    /// Attempts routed (or answered 503 by the balancer) per second.
    pub attempts_rps: f64,
    /// Retries per second.
    pub retries_rps: f64,
    /// Latency percentiles of the requests finished in the bucket, ms (nearest rank).
    pub p50_ms: Option<f64>,
    /// 95th percentile.
    pub p95_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
    /// Per backend.
    pub backends: Vec<BackendPoint>,
}

/// Chart data for the last [`SERIES_SPAN_MS`] in buckets of [`SERIES_BUCKET_MS`]: the buckets
/// that start at or after `now − SERIES_SPAN_MS`, through the one holding `now` (every bucket
/// from time 0 while the run is shorter than the span). The last bucket may be partial and its
/// rates use its elapsed part; a request finished exactly at `now` on a bucket boundary counts
/// in the bucket before. The cost depends on the span, not on the run's length.
pub fn series(sim: &Sim<LbNode>) -> Vec<SeriesPoint> {
    let (Some(c), Some(lb)) = (clients(sim), balancer(sim)) else {
        return Vec::new();
    };
    let now = sim.now().as_us();
    let per = SERIES_BUCKET_MS / BASE_BUCKET_MS;
    let width = SERIES_BUCKET_US;
    let n = now.div_ceil(width).max(1) as usize;
    let first = (now.saturating_sub(SERIES_SPAN_MS * 1_000).div_ceil(width) as usize).min(n - 1);
    let m = n - first;
    let nb = lb.views.len();
    let mut points: Vec<SeriesPoint> = (first..n)
        .map(|i| SeriesPoint {
            t_ms: ms(i as u64 * width),
            backends: vec![BackendPoint::default(); nb],
            ..SeriesPoint::default()
        })
        .collect();
    let idx = |t: u64| ((t / width) as usize).min(n - 1) - first;
    // Finished requests: sealed buckets from their summaries, the rest from the raw records.
    let mut pct: Vec<Option<[u64; 3]>> = vec![None; m];
    let sealed = (c.chart.sealed_to() as usize).clamp(first, n);
    for (j, sm) in c.chart.range(first as u64, sealed as u64) {
        let i = *j as usize - first;
        points[i].counts = sm.counts;
        pct[i] = Some(sm.pct_us.map(u64::from));
    }
    let mut lat: Vec<Vec<u64>> = vec![Vec::new(); m];
    let raw_from = sealed as u64 * width;
    for d in c.done.from_where(|d| d.end_us < raw_from) {
        let i = idx(d.end_us);
        points[i].counts.add(d.outcome);
        lat[i].push(d.latency_us as u64);
    }
    for (i, l) in lat.iter_mut().enumerate() {
        if !l.is_empty() {
            let (p, _) = percentiles_and_max(l, PERCENTILES);
            pct[i] = Some(p.map(|x| x.unwrap_or(0)));
        }
    }
    let mut attempts = vec![0u64; m];
    let mut retries = vec![0u64; m];
    let sealed = (lb.chart.sealed_to() as usize).clamp(first, n);
    for (j, sm) in lb.chart.range(first as u64, sealed as u64) {
        let i = *j as usize - first;
        attempts[i] = sm.attempts as u64;
        retries[i] = sm.retries as u64;
        for (b, &k) in sm.routed.iter().enumerate().take(nb) {
            points[i].backends[b].routed = k as u64;
        }
    }
    let raw_from = sealed as u64 * width;
    for r in lb.routes.from_where(|r| r.at_us < raw_from) {
        let i = idx(r.at_us);
        attempts[i] += 1;
        if r.attempt > 1 {
            retries[i] += 1;
        }
        if (r.backend as usize) < nb {
            points[i].backends[r.backend as usize].routed += 1;
        }
    }
    let (lo, hi) = (first as u64 * per, n as u64 * per);
    let lb_up = sim.is_up(LB);
    let mut levels = Vec::new();
    for b in 0..nb {
        let infl = lb.inflight[b].until(sim.now(), lb_up).per_bucket(0, lo, hi);
        let (busy, queue, workers) = match backend_of(sim, b) {
            Some(be) => {
                let lv = be.levels.until(sim.now(), sim.is_up(be.node()));
                (
                    lv.per_bucket(BUSY, lo, hi),
                    lv.per_bucket(QUEUED, lo, hi),
                    be.p.workers.max(1),
                )
            }
            None => (vec![0; (hi - lo) as usize], vec![0; (hi - lo) as usize], 1),
        };
        levels.push((infl, busy, queue, workers));
    }
    for (i, p) in points.iter_mut().enumerate() {
        let start = (first + i) as u64 * width;
        let span = (now.min(start + width) - start.min(now)).max(1);
        let secs = span as f64 / 1e6;
        p.throughput_rps = p.counts.finished as f64 / secs;
        p.goodput_rps = p.counts.ok as f64 / secs;
        p.attempts_rps = attempts[i] as f64 / secs;
        p.retries_rps = retries[i] as f64 / secs;
        if let Some([p50, p95, p99]) = pct[i] {
            (p.p50_ms, p.p95_ms, p.p99_ms) = (Some(ms(p50)), Some(ms(p95)), Some(ms(p99)));
        }
        let base = i * per as usize..(i + 1) * per as usize;
        for (b, (infl, busy, queue, workers)) in levels.iter().enumerate() {
            let sum = |v: &Vec<u64>| v[base.clone()].iter().sum::<u64>() as f64 / span as f64;
            let bp = &mut p.backends[b];
            bp.in_flight = sum(infl);
            bp.queue = sum(queue);
            bp.utilisation_pct = sum(busy) / *workers as f64 * 100.0;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The selections give exactly what the sorted samples give (ties, one sample, none).
        #[test]
        fn percentiles_and_max_are_those_of_the_sorted_samples(
            mut v in proptest::collection::vec(prop_oneof![0u64..20, any::<u64>()], 0..400),
            a in 1u32..=1000, b in 1u32..=1000, c in 1u32..=1000,
        ) {
            let mut pm = [a, b, c];
            pm.sort_unstable();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let (got, max) = percentiles_and_max(&mut v, pm);
            prop_assert_eq!(got, pm.map(|p| percentile(&sorted, p)));
            prop_assert_eq!(max, sorted.last().copied());
        }

        /// Samples in sorted runs of any lengths (empty ones too) give the percentiles of all
        /// of them sorted together (ties across runs, extreme values, no samples).
        #[test]
        fn percentiles_of_sorted_runs_are_those_of_all_the_samples(
            runs in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![0u64..20, any::<u64>()], 0..30),
                0..8,
            ),
            a in 1u32..=1000, b in 1u32..=1000,
        ) {
            let runs: Vec<Vec<u64>> = runs
                .into_iter()
                .map(|mut r| {
                    r.sort_unstable();
                    r
                })
                .collect();
            let mut all: Vec<u64> = runs.concat();
            all.sort_unstable();
            let pm = [a.min(b), a.max(b)];
            let slices: Vec<&[u64]> = runs.iter().map(|r| &r[..]).collect();
            prop_assert_eq!(percentiles_of_sorted(&slices, pm), pm.map(|p| percentile(&all, p)));
        }
    }
}
