//! The Raft paper's §9.3 experiment (Figure 16): how long it takes to detect a crashed leader and
//! elect a new one, for several ranges of randomized election timeouts. Pure functions, one run
//! per seed, so the page can run them in chunks behind a progress bar.
//!
//! Method, after §9.3: a cluster of five servers elects a leader; once that leader has committed
//! its no-op (the cluster is stable), it is crashed at a uniformly random moment within one
//! heartbeat interval, and the time until some server becomes leader is measured. As in the
//! paper, the heartbeat interval is half the minimum election timeout.
//!
//! The network: the paper reports a broadcast time of about 15 ms for its cluster. The simulator
//! has no disks or processing delays, only link latency, so the one-way latency here
//! ([`FIG16_LATENCY`], uniform 2–3 ms) was calibrated on the paper's headline numbers instead.
//! Over seeds 0..1000 it gives: 150–155 ms, median 288 ms (paper: 287 ms); 150–200 ms, worst
//! case 491 ms (paper: 513 ms); 12–24 ms, mean 24 ms and worst 106 ms (paper: 35 ms and 152 ms);
//! 150–150 ms, no leader within [`FIG16_CAP`] in any run (paper: "consistently took longer than
//! 10 seconds"). With a 6–9 ms one-way latency (a 15 ms round trip) split votes are far more
//! frequent: median 1.8 s for 150–155 ms.

use super::{nodes, RaftNode, RaftParams, Role};
use crate::fault::{Fault, TimedFault};
use crate::net::{Latency, NetConfig};
use crate::rng::{Rng, Stream};
use crate::sim::Sim;
use crate::time::{Duration, SimTime};
use std::ops::Range;

/// Cluster size of the experiment.
pub const FIG16_SERVERS: usize = 5;

/// One-way latency of the experiment (uniform 2–3 ms, calibrated: see the module docs).
pub const FIG16_LATENCY: Latency = Latency::Uniform(Duration::from_ms(2), Duration::from_ms(3));

/// Give up on a run after this much simulated time without a new leader (the paper's plot
/// reaches 10 s; the 150–150 ms line has runs that long).
pub const FIG16_CAP: Duration = Duration::from_ms(20_000);

/// The timeout ranges of Figure 16 (top): 150–150, 150–151, 150–155, 150–175, 150–200,
/// 150–300 ms.
pub const FIG16_RANGES_MS: [(u64, u64); 6] = [
    (150, 150),
    (150, 151),
    (150, 155),
    (150, 175),
    (150, 200),
    (150, 300),
];

/// The timeout ranges of Figure 16 (bottom): scaling the minimum with the range's width.
pub const FIG16_SCALE_RANGES_MS: [(u64, u64); 5] =
    [(12, 24), (25, 50), (50, 100), (100, 200), (150, 300)];

/// Results for one timeout range.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Fig16Series {
    /// Smallest election timeout, ms.
    pub lo_ms: u64,
    /// Largest election timeout, ms.
    pub hi_ms: u64,
    /// Times to elect a new leader, ms, sorted (for a CDF).
    pub samples_ms: Vec<f64>,
    /// Runs with no new leader within [`FIG16_CAP`].
    pub no_leader: usize,
}

fn running_leader(sim: &Sim<RaftNode>) -> Option<usize> {
    sim.nodes()
        .iter()
        .find(|n| n.role == Role::Leader && sim.is_up(n.id))
        .map(|n| n.id)
}

/// One run of the §9.3 experiment under `seed`: the time from crashing a stable leader until a
/// new leader is elected, or `None` if none is elected within [`FIG16_CAP`] (or the first
/// leader never settles). `params` supplies everything but the timing, which is the election
/// timeout `lo_ms`–`hi_ms` and a heartbeat of `lo_ms / 2`.
pub fn time_to_elect(seed: u64, lo_ms: u64, hi_ms: u64, params: &RaftParams) -> Option<Duration> {
    let net = NetConfig {
        latency: FIG16_LATENCY,
        loss_ppm: 0,
        dup_ppm: 0,
    };
    time_to_elect_on(seed, lo_ms, hi_ms, params, net)
}

/// [`time_to_elect`] on another network (latency, loss).
pub fn time_to_elect_on(
    seed: u64,
    lo_ms: u64,
    hi_ms: u64,
    params: &RaftParams,
    net: NetConfig,
) -> Option<Duration> {
    let mut p = *params;
    p.election_timeout_min = Duration::from_ms(lo_ms.max(1));
    p.election_timeout_max = Duration::from_ms(hi_ms.max(lo_ms).max(1));
    p.heartbeat = Duration(p.election_timeout_min.as_us() / 2).max(Duration::from_us(1));
    let mut sim = Sim::new(
        seed,
        nodes(&p, FIG16_SERVERS, FIG16_SERVERS),
        net,
        Vec::new(),
    );
    // Nobody reads this run's trace: no notes, and no trace lines (`advance`, not `step`).
    sim.set_quiet(true);
    // Phase 1: a stable leader (it has committed an entry of its own term).
    let settle_by = SimTime::ZERO.plus(FIG16_CAP);
    let leader = loop {
        if let Some(l) = running_leader(&sim) {
            let n = &sim.nodes()[l];
            if n.term_at(n.commit_index) == Some(n.current_term) {
                break l;
            }
        }
        if sim.now() > settle_by || !sim.advance() {
            return None;
        }
    };
    // Phase 2: crash it uniformly within a heartbeat interval.
    let mut rng = Rng::stream(seed, Stream::Faults);
    let crash_at = sim
        .now()
        .plus(Duration(rng.below(p.heartbeat.as_us().max(1))));
    sim.schedule_fault(TimedFault {
        at: crash_at,
        fault: Fault::Crash(leader),
    });
    while sim.is_up(leader) {
        if !sim.advance() {
            return None;
        }
    }
    // Phase 3: time until a new leader.
    let give_up = crash_at.plus(FIG16_CAP);
    loop {
        if running_leader(&sim).is_some() {
            return Some(sim.now().since(crash_at));
        }
        match sim.next_time() {
            Some(t) if t <= give_up => {
                sim.advance();
            }
            _ => return None,
        }
    }
}

/// Runs `seeds` for one timeout range (a chunk of work for a progress bar).
pub fn time_to_elect_batch(
    lo_ms: u64,
    hi_ms: u64,
    seeds: Range<u64>,
    params: &RaftParams,
) -> Vec<Option<Duration>> {
    seeds
        .map(|s| time_to_elect(s, lo_ms, hi_ms, params))
        .collect()
}

/// Most runs one [`Fig16Job`] may carry (the page's largest experiment: 10 000 runs per range).
pub const FIG16_JOB_MAX_RUNS: u64 = 10_000;

/// A slice of the §9.3 experiment as plain numbers, so the page can hand it to a web worker
/// (`worker/`) and read the answer back: the page posts [`Fig16Job::to_words`], the worker reads
/// it with [`Fig16Job::from_words`] and posts [`Fig16Job::run`]'s answer. The same seeds give the
/// same times on every thread and machine: the page's curves do not depend on where they ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fig16Job {
    /// Which range of the page's list this is (echoed back, so answers can come in any order).
    pub range: usize,
    /// Smallest election timeout, ms.
    pub lo_ms: u64,
    /// Largest election timeout, ms.
    pub hi_ms: u64,
    /// The first seed.
    pub first: u64,
    /// How many seeds, from `first` on.
    pub count: u64,
    /// The protocol's switches (its timing comes from the range, see [`time_to_elect`]).
    pub params: RaftParams,
}

impl Fig16Job {
    /// The job as numbers: range, lo, hi, first seed, count, the parameters' switches as bits.
    pub fn to_words(&self) -> [f64; 6] {
        [
            self.range as f64,
            self.lo_ms as f64,
            self.hi_ms as f64,
            self.first as f64,
            self.count as f64,
            f64::from(switches(&self.params)),
        ]
    }

    /// Reads [`Fig16Job::to_words`]; `None` for anything else (wrong length, a value that is
    /// not a whole number in range, an unknown switch), so a bad message never runs.
    pub fn from_words(w: &[f64]) -> Option<Fig16Job> {
        let &[range, lo, hi, first, count, bits] = w else {
            return None;
        };
        let whole = |x: f64, max: u64| {
            (x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= max as f64).then_some(x as u64)
        };
        let lo_ms = whole(lo, super::MAX_TIMEOUT_MS)?;
        let hi_ms = whole(hi, super::MAX_TIMEOUT_MS)?;
        let first = whole(first, u32::MAX.into())?;
        let count = whole(count, FIG16_JOB_MAX_RUNS)?;
        let bits = u32::try_from(whole(bits, u32::MAX.into())?).ok()?;
        (lo_ms <= hi_ms).then_some(())?;
        Some(Fig16Job {
            range: usize::try_from(whole(range, 1 << 16)?).ok()?,
            lo_ms,
            hi_ms,
            first,
            count,
            params: with_switches(bits)?,
        })
    }

    /// Runs the job and words its answer for [`Fig16Progress::answer`]: the range, the first
    /// seed, then each seed's time to elect (ms, NaN for no leader).
    pub fn answer(&self) -> Vec<f64> {
        [vec![self.range as f64, self.first as f64], self.run()].concat()
    }

    /// Runs the job: each seed's time to elect, ms, or NaN where no leader was elected.
    pub fn run(&self) -> Vec<f64> {
        time_to_elect_batch(
            self.lo_ms,
            self.hi_ms,
            self.first..self.first + self.count,
            &self.params,
        )
        .into_iter()
        .map(|d| d.map_or(f64::NAN, Duration::as_ms_f64))
        .collect()
    }
}

/// The page's §9.3 experiment under way: the six ranges of [`FIG16_RANGES_MS`], seeds
/// `0..runs` each, whichever thread runs them. Answers ([`Fig16Job::answer`]) may come back in any
/// order; they are folded in seed order per range, so the curves at the end are the same on
/// every machine and equal to [`fig16`]'s.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fig16Progress {
    /// Runs per range.
    pub runs: u64,
    /// Runs folded in, per range (seeds `0..done[k]`).
    pub done: Vec<u64>,
    /// Times to elect, ms, per range, in seed order.
    pub samples: Vec<Vec<f64>>,
    /// Runs without a leader within [`FIG16_CAP`], per range.
    pub missing: Vec<usize>,
    /// Answers that came in ahead of an earlier seed of their range: range, first seed, times.
    ahead: Vec<(usize, u64, Vec<f64>)>,
}

impl Fig16Progress {
    /// Nothing done yet, `runs` per range (1 to [`FIG16_JOB_MAX_RUNS`]).
    pub fn new(runs: u64) -> Fig16Progress {
        let n = FIG16_RANGES_MS.len();
        Fig16Progress {
            runs: runs.clamp(1, FIG16_JOB_MAX_RUNS),
            done: vec![0; n],
            samples: vec![Vec::new(); n],
            missing: vec![0; n],
            ahead: Vec::new(),
        }
    }

    /// The whole experiment as jobs of at most `per_job` seeds, ranges interleaved (every curve
    /// fills in at the same pace), the first job last (so workers `pop` them in order).
    pub fn jobs(&self, per_job: u64, params: &RaftParams) -> Vec<Fig16Job> {
        let per_job = per_job.max(1);
        let mut out = Vec::new();
        for first in (0..self.runs).step_by(per_job as usize) {
            for (range, &(lo_ms, hi_ms)) in FIG16_RANGES_MS.iter().enumerate() {
                out.push(Fig16Job {
                    range,
                    lo_ms,
                    hi_ms,
                    first,
                    count: per_job.min(self.runs - first),
                    params: *params,
                });
            }
        }
        out.reverse();
        out
    }

    /// Takes a worker's answer ([`Fig16Job::answer`]) and folds in every answer that is next in
    /// its range. False for words that are no answer (nothing taken); an answer already folded
    /// in is ignored.
    pub fn answer(&mut self, words: &[f64]) -> bool {
        let [k, first, times @ ..] = words else {
            return false;
        };
        let whole = |x: f64| x.is_finite() && x >= 0.0 && x.fract() == 0.0;
        if !whole(*k) || !whole(*first) || *k as usize >= self.done.len() {
            return false;
        }
        let (k, first) = (*k as usize, *first as u64);
        if first >= self.done[k] {
            self.ahead.push((k, first, times.to_vec()));
        }
        while let Some(i) = self.ahead.iter().position(|a| a.1 == self.done[a.0]) {
            let (k, _, times) = self.ahead.swap_remove(i);
            let left = self.runs - self.done[k];
            for &ms in times.iter().take(left as usize) {
                self.fold(k, ms);
            }
        }
        true
    }

    /// Drops the answers waiting for an earlier seed (their runs are run again, in order, by
    /// [`Fig16Progress::run_next`]).
    pub fn forget_ahead(&mut self) {
        self.ahead.clear();
    }

    /// Runs the next seed of the range with the fewest runs done, on this thread. False when
    /// every run is done.
    pub fn run_next(&mut self, params: &RaftParams) -> bool {
        let Some(k) = self.next_range() else {
            return false;
        };
        let (lo, hi) = FIG16_RANGES_MS[k];
        let ms = time_to_elect(self.done[k], lo, hi, params).map_or(f64::NAN, Duration::as_ms_f64);
        self.fold(k, ms);
        true
    }

    /// Every run is folded in.
    pub fn finished(&self) -> bool {
        self.next_range().is_none()
    }

    /// Runs folded in, over all ranges.
    pub fn done_total(&self) -> u64 {
        self.done.iter().sum()
    }

    fn fold(&mut self, k: usize, ms: f64) {
        if ms.is_nan() {
            self.missing[k] += 1;
        } else {
            self.samples[k].push(ms);
        }
        self.done[k] += 1;
    }

    fn next_range(&self) -> Option<usize> {
        (0..self.done.len())
            .filter(|&k| self.done[k] < self.runs)
            .min_by_key(|&k| self.done[k])
    }
}

/// `p`'s switches as bits (timing is not carried: a job's range sets it). Destructured whole,
/// so a new parameter cannot be forgotten here.
fn switches(p: &RaftParams) -> u32 {
    let RaftParams {
        election_timeout_min: _,
        election_timeout_max: _,
        heartbeat: _,
        pre_vote: b0,
        check_quorum: b1,
        fast_backup: b2,
        bug_vote_without_uptodate: b3,
        bug_commit_old_term: b4,
        bug_forget_vote: b5,
    } = *p;
    [b0, b1, b2, b3, b4, b5]
        .iter()
        .enumerate()
        .map(|(i, &on)| u32::from(on) << i)
        .sum()
}

/// The parameters [`switches`] wrote (default timing); `None` for an unknown bit.
fn with_switches(bits: u32) -> Option<RaftParams> {
    let on = |i: u32| bits & (1 << i) != 0;
    (bits < 1 << 6).then(|| RaftParams {
        pre_vote: on(0),
        check_quorum: on(1),
        fast_backup: on(2),
        bug_vote_without_uptodate: on(3),
        bug_commit_old_term: on(4),
        bug_forget_vote: on(5),
        ..RaftParams::default()
    })
}

/// The whole experiment: for each range, every seed in `seeds`, samples sorted.
/// `fig16(&FIG16_RANGES_MS, 0..1000, &RaftParams::default())` reproduces Figure 16 (top).
pub fn fig16(ranges: &[(u64, u64)], seeds: Range<u64>, params: &RaftParams) -> Vec<Fig16Series> {
    ranges
        .iter()
        .map(|&(lo, hi)| {
            let runs = time_to_elect_batch(lo, hi, seeds.clone(), params);
            let mut samples_ms: Vec<f64> = runs.iter().flatten().map(|d| d.as_ms_f64()).collect();
            crate::sort::sort_by(&mut samples_ms, f64::total_cmp);
            Fig16Series {
                lo_ms: lo,
                hi_ms: hi,
                no_leader: runs.iter().filter(|r| r.is_none()).count(),
                samples_ms,
            }
        })
        .collect()
}
