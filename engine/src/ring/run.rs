//! The ring lab as a replayable run: its operations sit on the same timeline as faults in the
//! other labs (`ops=1000:add:n5;2500:fail:n1`), so the shared player can step, play, step back
//! and apply a click at the current time.

use super::lab::RingLab;
use super::ops::RingOp;
use super::{RingError, RingParams};
use crate::fault::{Fault, TimedFault};
use crate::history::Run;
use crate::sim::RunOutcome;
use crate::time::SimTime;

/// A ring lab with a time for each operation.
#[derive(Clone, Debug)]
pub struct RingRun {
    params: RingParams,
    /// Every scheduled operation with its time, sorted by time (ops that could not apply
    /// included: they are skipped, and listed in `skipped`).
    schedule: Vec<(SimTime, RingOp)>,
    /// For each op the lab kept, its index in `schedule`.
    kept: Vec<usize>,
    lab: RingLab,
    now: SimTime,
    skipped: Vec<String>,
}

/// Reads the ring operations of a timeline (its `Fault::Command` entries holding a [`RingOp`]).
pub fn ops_of(faults: &[TimedFault]) -> Vec<(SimTime, RingOp)> {
    faults
        .iter()
        .filter_map(|f| f.fault.command_as::<RingOp>().map(|&op| (f.at, op)))
        .collect()
}

impl RingRun {
    /// A run of `params` with the operations of `faults`, at position 0.
    pub fn new(params: RingParams, faults: &[TimedFault]) -> Result<RingRun, RingError> {
        let schedule = ops_of(faults);
        // One lab, built with its operations (not an empty one replaced at once: with a million
        // keys each holds ~100 MB).
        let (lab, kept, skipped) = Self::build(&params, &schedule, 0)?;
        Ok(RingRun {
            lab,
            params,
            schedule,
            kept,
            now: SimTime::ZERO,
            skipped,
        })
    }

    /// Rebuilds the lab from the schedule and seeks to `pos` kept ops.
    fn rebuild(&mut self, pos: usize) -> Result<(), RingError> {
        let (lab, kept, skipped) = Self::build(&self.params, &self.schedule, pos)?;
        (self.lab, self.kept, self.skipped) = (lab, kept, skipped);
        Ok(())
    }

    /// The lab with every scheduled op that applies, at `pos`; the kept ops' schedule indices
    /// and the skipped ones' messages.
    fn build(
        params: &RingParams,
        schedule: &[(SimTime, RingOp)],
        pos: usize,
    ) -> Result<(RingLab, Vec<usize>, Vec<String>), RingError> {
        let ops: Vec<RingOp> = schedule.iter().map(|(_, op)| *op).collect();
        let (mut lab, errors) = RingLab::with_ops(params.clone(), &ops)?;
        let kept: Vec<usize> = (0..ops.len())
            .filter(|i| !errors.iter().any(|(e, _)| e == i))
            .collect();
        let skipped = errors
            .iter()
            .map(|(i, e)| format!("{} {} skipped: {e}", schedule[*i].0, schedule[*i].1))
            .collect();
        lab.seek(pos.min(kept.len()));
        Ok((lab, kept, skipped))
    }

    /// The lab at the current position.
    pub fn lab(&self) -> &RingLab {
        &self.lab
    }

    /// When the most recent applied operation happened (keys fly for a while after it).
    pub fn last_op_time(&self) -> Option<SimTime> {
        let pos = self.lab.position();
        (pos > 0).then(|| self.time_of(pos - 1))
    }

    /// Operations of the timeline that could not apply (e.g. failing a node that is not on the
    /// ring), as readable lines.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    fn time_of(&self, kept_index: usize) -> SimTime {
        self.kept
            .get(kept_index)
            .map(|&i| self.schedule[i].0)
            .unwrap_or(SimTime::ZERO)
    }

    fn next_time(&self) -> Option<SimTime> {
        let pos = self.lab.position();
        (pos < self.kept.len()).then(|| self.time_of(pos))
    }
}

impl Run for RingRun {
    fn steps(&self) -> u64 {
        self.lab.position() as u64
    }
    fn now(&self) -> SimTime {
        self.now
    }
    fn step(&mut self) -> bool {
        let Some(t) = self.next_time() else {
            return false;
        };
        if !self.lab.step() {
            return false;
        }
        self.now = self.now.max(t);
        true
    }
    fn step_back(&mut self) -> bool {
        let pos = self.lab.position();
        if pos == 0 {
            return false;
        }
        self.lab.seek(pos - 1);
        self.now = if pos >= 2 {
            self.time_of(pos - 2)
        } else {
            SimTime::ZERO
        };
        true
    }
    fn seek_step(&mut self, k: u64) -> u64 {
        let k = (k as usize).min(self.kept.len());
        self.lab.seek(k);
        self.now = if k > 0 {
            self.time_of(k - 1)
        } else {
            SimTime::ZERO
        };
        k as u64
    }
    fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        if t < self.now {
            let k = (0..self.kept.len())
                .take_while(|&i| self.time_of(i) <= t)
                .count();
            self.seek_step(k as u64);
        }
        self.run_until(t, budget)
    }
    fn next_time(&mut self) -> Option<SimTime> {
        RingRun::next_time(self)
    }
    fn advance_idle(&mut self, t: SimTime) -> bool {
        if self.next_time().is_some_and(|n| n <= t) {
            return false;
        }
        self.now = self.now.max(t);
        true
    }
    /// Applies a ring operation now (`Fault::Command` holding a [`RingOp`]); it goes after
    /// every operation already scheduled at or before now, as in the other labs.
    fn inject(&mut self, fault: Fault) -> u64 {
        let Some(&op) = fault.command_as::<RingOp>() else {
            return 0;
        };
        let at = self.now;
        let idx = self.schedule.partition_point(|(t, _)| *t <= at);
        self.schedule.insert(idx, (at, op));
        let pos = self.lab.position();
        if idx + 1 == self.schedule.len() && pos == self.kept.len() {
            // A click after everything scheduled, with all of it applied (the usual case):
            // what a rebuild and replay would do is to apply this one op, so apply it in place.
            return match self.lab.push(op) {
                Ok(_) => {
                    self.kept.push(idx);
                    self.now = self.now.max(at);
                    1
                }
                Err(e) => {
                    self.skipped.push(format!("{at} {op} skipped: {e}"));
                    0
                }
            };
        }
        if self.rebuild(pos).is_err() {
            return 0;
        }
        // Apply everything due now (the new op, unless it could not apply).
        self.run_until(at, u64::MAX).steps
    }
}

/// One operation's movement, for the measurements.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OpMovement {
    /// When, ms.
    pub time_ms: f64,
    /// The operation (`add:n5`).
    pub op: String,
    /// Keys that changed owner.
    pub moved: usize,
    /// Moved, % of all keys.
    pub moved_pct: f64,
    /// The least any scheme could move, %.
    pub ideal_pct: f64,
}

/// What `cli run` prints for a ring link.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RingMetrics {
    /// Simulated time, ms.
    pub time_ms: f64,
    /// The scheme (`ring`, `maglev:65537`, …).
    pub scheme: String,
    /// Keys in the set.
    pub keys: usize,
    /// Operations applied so far.
    pub ops_applied: usize,
    /// Loads per up node and their summary (mean, stddev, CV, max/mean).
    pub load: super::LoadStats,
    /// Every applied operation's movement, in order.
    pub moved: Vec<OpMovement>,
    /// Operations of the timeline that could not apply.
    pub skipped: Vec<String>,
}

/// Measures a ring run at its current position (replays the ops from the start to collect
/// each one's movement).
pub fn measure(run: &RingRun) -> RingMetrics {
    let lab = run.lab();
    let mut replay = lab.clone();
    replay.seek(0);
    let mut moved = Vec::new();
    for k in 0..lab.position() {
        replay.step();
        if let Some(m) = replay.movement() {
            moved.push(OpMovement {
                time_ms: run.time_of(k).as_ms_f64(),
                op: m.op.map(|o| o.to_string()).unwrap_or_default(),
                moved: m.moved(),
                moved_pct: m.moved_pct(),
                ideal_pct: m.ideal_pct,
            });
        }
    }
    RingMetrics {
        time_ms: run.now.as_ms_f64(),
        scheme: lab.params().scheme.to_string(),
        keys: lab.hashes().len(),
        ops_applied: lab.position(),
        load: lab.stats(),
        moved,
        skipped: run.skipped.clone(),
    }
}
