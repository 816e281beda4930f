//! Stepping forward *and back*: a run plus snapshots. Stepping back restores the nearest earlier
//! snapshot and replays forward, which is exact because the simulator is deterministic.

use crate::fault::Fault;
use crate::sim::{Node, RunOutcome, Sim};
use crate::time::SimTime;
use crate::trace::TraceEvent;

/// What the player needs from a run, whatever the lab: one event forward or back, play to a
/// time, apply a fault now. `History<N>` implements it for message-passing labs; labs without
/// messages (the hash ring) implement it over their own operation log.
pub trait Run {
    /// Events processed so far.
    fn steps(&self) -> u64;
    /// Current simulated time.
    fn now(&self) -> SimTime;
    /// One event forward; false at the end of the run.
    fn step(&mut self) -> bool;
    /// One event back; false at step 0.
    fn step_back(&mut self) -> bool;
    /// Exactly `k` events from the start (or the end of the run); returns the step reached.
    fn seek_step(&mut self, k: u64) -> u64;
    /// To time `t`, forward or back (at most `budget` events).
    fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome;
    /// The time of the next event, if any.
    fn next_time(&mut self) -> Option<SimTime>;
    /// Forward to time `t` (at most `budget` events), then the clock to `t`.
    fn run_until(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        self.run_until_with(t, budget, false)
    }
    /// [`Run::run_until`], stepping with [`Run::step_quiet`] when `quiet` (a replay's slice):
    /// out of budget, the clock stays at the last event.
    fn run_until_with(&mut self, t: SimTime, budget: u64, quiet: bool) -> RunOutcome {
        let mut steps = 0;
        while self.next_time().is_some_and(|next| next <= t) {
            if steps >= budget {
                return RunOutcome {
                    steps,
                    out_of_budget: true,
                };
            }
            if !(if quiet {
                self.step_quiet()
            } else {
                self.step()
            }) {
                break;
            }
            steps += 1;
        }
        self.advance_idle(t);
        RunOutcome {
            steps,
            out_of_budget: false,
        }
    }
    /// Moves the clock to `t` if nothing is due before it.
    fn advance_idle(&mut self, t: SimTime) -> bool;
    /// Applies a fault now (a click); returns the events it took.
    fn inject(&mut self, fault: Fault) -> u64;
    /// Keeps only the latest `n` trace events (`None`: all); a run without a trace ignores it.
    /// Events and measurements are the same either way; memory stops growing with the run.
    fn keep_trace_tail(&mut self, _n: Option<usize>) {}
    /// One event forward without its trace line, for replaying a long link fast: the trace gets
    /// a gap that [`Run::relog`] fills. Everything else (state, snapshots, measurements) is as
    /// after [`Run::step`]. Default: [`Run::step`].
    fn step_quiet(&mut self) -> bool {
        self.step()
    }
    /// After [`Run::step_quiet`]: rebuilds the kept trace tail by replaying its events (and the
    /// few before them back to a snapshot) with their trace lines; nothing else changes. The
    /// player calls it whenever a replay ends. Default: nothing (no gap to fill).
    fn relog(&mut self) {}
    /// Keeps no snapshots beyond the initial state, for a caller that only ever goes forward
    /// (the CLI): memory is the run's own state. Stepping back still works, replaying from the
    /// start. A run without snapshots ignores it.
    fn forward_only(&mut self) {}
}

impl<N: Node> Run for History<N> {
    fn steps(&self) -> u64 {
        self.current.steps()
    }
    fn now(&self) -> SimTime {
        self.current.now()
    }
    fn step(&mut self) -> bool {
        History::step(self)
    }
    fn step_back(&mut self) -> bool {
        History::step_back(self)
    }
    fn seek_step(&mut self, k: u64) -> u64 {
        History::seek_step(self, k)
    }
    fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        History::seek_time(self, t, budget)
    }
    fn next_time(&mut self) -> Option<SimTime> {
        self.current.next_time()
    }
    fn advance_idle(&mut self, t: SimTime) -> bool {
        self.current.advance_idle(t)
    }
    fn inject(&mut self, fault: Fault) -> u64 {
        History::inject(self, fault)
    }
    fn keep_trace_tail(&mut self, n: Option<usize>) {
        History::keep_trace_tail(self, n)
    }
    fn forward_only(&mut self) {
        History::forward_only(self)
    }
    fn step_quiet(&mut self) -> bool {
        History::step_quiet(self)
    }
    fn relog(&mut self) {
        History::relog(self)
    }
}

/// Take a snapshot every this many steps at first (bounds the replay work of one step back).
/// Once [`MAX_SNAPSHOTS`] are kept, every other one is dropped and the spacing doubles.
pub const SNAPSHOT_EVERY: u64 = 256;

/// The most snapshots a history keeps along the run (plus a few near the last step back). The
/// memory of a history is about this many copies of the simulation state, whatever the length
/// of the run, and the copying work stays a small share of the run's (a snapshot every 256
/// events of a large state took 90 % of the time of a loaded Raft 11 replay).
pub const MAX_SNAPSHOTS: usize = 32;

/// The most bytes ([`Sim::approx_bytes`]) the snapshots of a history may hold together, by
/// default. Past it the snapshots along the run are thinned (every other one dropped, the spacing
/// doubled, so later ones are taken further apart too) as when there are more than
/// [`MAX_SNAPSHOTS`], then the ones near the position are dropped oldest first; the initial
/// state always stays. A run whose state is large keeps fewer, sparser snapshots (a step back
/// replays more events); its memory stays about the budget plus the current state.
pub const SNAPSHOT_BYTES: usize = 64 << 20;

/// Snapshots taken while replaying toward a step back, just before its target, so the next
/// steps back replay at most [`SNAPSHOT_EVERY`] events.
const NEAR_SNAPSHOTS: usize = 4;

/// The steps the near snapshots taken for a step back cover below its target.
const NEAR_REACH: u64 = SNAPSHOT_EVERY * NEAR_SNAPSHOTS as u64;

/// Once the snapshots along the run are further apart than this, one more is kept this many
/// steps at most behind the position, so the first step back replays at most this many events
/// (about a millisecond).
const HEAD_EVERY: u64 = 2_048;

/// The same during a quiet replay ([`History::step_quiet`]: opening a link, a seek in the page),
/// whose near snapshots are mostly dropped before it ends (a copy of the whole state every
/// [`HEAD_EVERY`] events was a tenth of a long load-balancer replay). The replay ends with
/// [`History::relog`], which starts from a snapshot at most this plus the kept tail back and takes
/// the near snapshots at [`HEAD_EVERY`] again on its way to the end.
const QUIET_HEAD_EVERY: u64 = 8 * HEAD_EVERY;

/// While stepping back one event at a time, the snapshots below the near ones are prepared once
/// the position is this many steps above the lowest of them ([`History::prepare_below`]).
const PREP_AHEAD: u64 = 2 * SNAPSHOT_EVERY;

/// The fewest events a step back replays ahead to prepare them.
const PREP_MIN: u64 = 16;

/// Below this spacing of the snapshots along the run, a seek replays little enough (about a
/// tenth of a second in the page) that no trail is kept.
const TRAIL_FROM: u64 = 1 << 17;

/// True if a snapshot at step `k` is on the trail behind the position `head`: among the three
/// latest multiples of `2^i ×` [`HEAD_EVERY`] (i ≥ 1) at or before it, for every such gap
/// shorter than the `spacing` of the snapshots along the run (once that is [`TRAIL_FROM`]).
/// About two per doubling (the levels share most): a seek back by `d` events finds a snapshot
/// at most about `d` further back. It uses only what the byte budget leaves
/// ([`History::fit_budget`] drops it first).
fn on_trail(k: u64, head: u64, spacing: u64) -> bool {
    if spacing < TRAIL_FROM {
        return false;
    }
    let mut gap = 2 * HEAD_EVERY;
    while gap < spacing {
        if k.is_multiple_of(gap) && k <= head && k + 3 * gap > head {
            return true;
        }
        gap *= 2;
    }
    false
}

/// Snapshots being prepared while stepping back ([`History::prepare_below`]): a copy of an older
/// snapshot replaying toward `to`, the lowest of the snapshots kept just below the position,
/// taking a near snapshot at every multiple of [`SNAPSHOT_EVERY`] in the [`NEAR_REACH`] below it.
#[derive(Clone, Debug)]
struct Prep<N: Node> {
    sim: Sim<N>,
    to: u64,
}

/// A simulation with its past: supports `step_back` and `seek_step` in either direction.
///
/// Snapshots hold no trace and no fault schedule: the trace is the current run's prefix, and
/// every snapshot shares the current schedule (a fault injected now is scheduled after
/// everything any snapshot has applied, at the same index in every copy), so restoring one
/// moves the current trace and schedule into it.
#[derive(Clone, Debug)]
pub struct History<N: Node> {
    current: Sim<N>,
    /// Snapshots in increasing step order; `snaps[0]` is the initial state.
    snaps: Vec<Sim<N>>,
    /// Steps between snapshots along the run (doubles each time the list is thinned).
    spacing: u64,
    /// Snapshots just before the target of the latest far step back, in step order.
    near: Vec<Sim<N>>,
    /// Take no snapshots (see [`Run::forward_only`]).
    forward_only: bool,
    /// The byte budget of all snapshots ([`SNAPSHOT_BYTES`] unless set).
    budget: usize,
    /// Estimated bytes of each snapshot in `snaps`, then of each in `near` (same order).
    snap_bytes: Vec<usize>,
    near_bytes: Vec<usize>,
    /// Steps were taken without trace lines ([`History::step_quiet`], or a seek forward that
    /// jumped to a snapshot) since the last [`History::relog`].
    gap: bool,
    /// Events processed so far, replays from snapshots included (steps back, seeks,
    /// [`History::relog`]): what moving around costs, for tests and the perf notes.
    processed: u64,
    /// Snapshots being prepared below the near ones while stepping back.
    prep: Option<Prep<N>>,
}

impl<N: Node> History<N> {
    /// Starts from an initial simulation (step 0).
    pub fn new(initial: Sim<N>) -> Self {
        let snaps = vec![initial.snapshot_unscheduled()];
        let snap_bytes = vec![initial.approx_bytes()];
        History {
            current: initial,
            snaps,
            spacing: SNAPSHOT_EVERY,
            near: Vec::new(),
            forward_only: false,
            budget: SNAPSHOT_BYTES,
            snap_bytes,
            near_bytes: Vec::new(),
            gap: false,
            processed: 0,
            prep: None,
        }
    }

    /// The simulation at the current position.
    pub fn sim(&self) -> &Sim<N> {
        &self.current
    }

    /// Mutable access for read-only queries that prune the queue (`next_time`).
    pub fn sim_mut(&mut self) -> &mut Sim<N> {
        &mut self.current
    }

    /// Takes the snapshots a step forward calls for: along the run, and near the position every
    /// [`HEAD_EVERY`] steps (every [`QUIET_HEAD_EVERY`] in a quiet replay, `quiet`).
    fn after_forward(&mut self, quiet: bool) {
        if self.forward_only {
            return;
        }
        let head_every = if quiet { QUIET_HEAD_EVERY } else { HEAD_EVERY };
        let s = self.current.steps();
        let last = self.snaps.last().map(|x| x.steps()).unwrap_or(0);
        if s.is_multiple_of(self.spacing) && s > last {
            // Counted before the copy: a part shared with older snapshots counts as its share,
            // one the current state alone holds counts whole (the copy will keep it).
            self.snap_bytes.push(self.current.approx_bytes());
            self.snaps.push(self.current.snapshot_unscheduled());
            if self.snaps.len() > MAX_SNAPSHOTS {
                self.thin();
            }
            self.fit_budget();
        } else if self.spacing > HEAD_EVERY
            && s.is_multiple_of(head_every)
            && self.snaps.binary_search_by_key(&s, |x| x.steps()).is_err()
        {
            // Also below the latest snapshot along the run (going forward again after a step
            // back or a seek): the first step back from anywhere replays at most HEAD_EVERY.
            self.retain_near(&|_, x| x.steps() < s);
            self.push_near();
            self.fit_budget();
        }
    }

    /// Keeps a snapshot of the current state near the position: the latest
    /// [`NEAR_SNAPSHOTS`] (or as many as reach back over a kept trace tail at [`HEAD_EVERY`]
    /// apart, so that [`History::relog`] after a long quiet replay starts from one of them),
    /// plus a trail further back ([`on_trail`]), so a seek back by a little in a long run
    /// replays about as much as it moves back, not up to the spacing along the run.
    fn push_near(&mut self) {
        self.near_bytes.push(self.current.approx_bytes());
        self.near.push(self.current.snapshot_unscheduled());
        let recent = self
            .near
            .len()
            .saturating_sub(NEAR_SNAPSHOTS.max(self.near_reach()));
        let (head, spacing) = (self.current.steps(), self.spacing);
        self.retain_near(&|i, x| i >= recent || on_trail(x.steps(), head, spacing));
    }

    /// Near snapshots that reach back over the kept trace tail at [`HEAD_EVERY`] apart.
    fn near_reach(&self) -> usize {
        self.current
            .trace_tail()
            .map_or(0, |n| (n as u64).div_ceil(HEAD_EVERY) as usize + 1)
    }

    // The filters here and in `retain_snaps`, `latest_where` and `jump_ahead` are `&dyn`: one
    // copy of each in a page's bundle instead of one per closure (0.7 KB gzip on the system page).
    fn retain_near(&mut self, f: &dyn Fn(usize, &Sim<N>) -> bool) {
        let keep: Vec<bool> = self.near.iter().enumerate().map(|(i, x)| f(i, x)).collect();
        let mut k = keep.iter();
        self.near_bytes.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.near.retain(|_| *k.next().unwrap_or(&false));
    }

    fn retain_snaps(&mut self, f: &dyn Fn(usize, &Sim<N>) -> bool) {
        let keep: Vec<bool> = self
            .snaps
            .iter()
            .enumerate()
            .map(|(i, x)| f(i, x))
            .collect();
        let mut k = keep.iter();
        self.snap_bytes.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        self.snaps.retain(|_| *k.next().unwrap_or(&false));
    }

    /// Keeps the initial state and every snapshot at a multiple of twice the spacing.
    fn thin(&mut self) {
        self.spacing *= 2;
        let spacing = self.spacing;
        self.retain_snaps(&|i, x| i == 0 || x.steps().is_multiple_of(spacing));
    }

    /// Bytes held by every snapshot (estimated, [`Sim::approx_bytes`]).
    pub fn snapshot_bytes(&self) -> usize {
        self.snap_bytes.iter().chain(&self.near_bytes).sum()
    }

    /// Sets the byte budget of the snapshots (see [`SNAPSHOT_BYTES`]) and applies it.
    pub fn set_snapshot_budget(&mut self, bytes: usize) {
        self.budget = bytes;
        self.fit_budget();
    }

    /// Thins the snapshots until they fit the byte budget: the trail behind the position first
    /// (oldest first: it only uses what the budget leaves), then the ones along the run (each
    /// thinning halves them; the initial state stays), then the rest near the position, oldest
    /// first.
    fn fit_budget(&mut self) {
        let recent = NEAR_SNAPSHOTS.max(self.near_reach());
        while self.snapshot_bytes() > self.budget && self.near.len() > recent {
            self.drop_oldest_near();
        }
        while self.snapshot_bytes() > self.budget && self.snaps.len() > 1 {
            let before = self.snaps.len();
            self.thin();
            if self.snaps.len() == before {
                // Every snapshot sits on the doubled spacing too (left so by a click): keep
                // the initial state only.
                self.retain_snaps(&|i, _| i == 0);
            }
        }
        while self.snapshot_bytes() > self.budget && !self.near.is_empty() {
            self.drop_oldest_near();
        }
    }

    fn drop_oldest_near(&mut self) {
        self.near.remove(0);
        self.near_bytes.remove(0);
    }

    /// Makes `restored` (a copy of a snapshot) the current state: it takes the current fault
    /// schedule and quiet flag, and returns the current trace's lines up to the snapshot for
    /// the caller to put back ([`Sim::set_trace`]), whole or in part.
    fn make_current(&mut self, mut restored: Sim<N>) -> Vec<TraceEvent<N::Shown, N::Timer>> {
        restored.set_schedule(self.current.take_schedule());
        restored.set_quiet(self.current.is_quiet());
        let mut trace = self.current.take_trace();
        let keep = trace.partition_point(|e| e.step <= restored.steps());
        trace.truncate(keep);
        self.current = restored;
        trace
    }

    /// One event forward. Returns false if the run has nothing left to do.
    pub fn step(&mut self) -> bool {
        let ok = self.current.step().is_some();
        if ok {
            self.processed += 1;
            self.after_forward(false);
        }
        ok
    }

    /// One event forward without its trace line ([`Sim::advance`], notes not formatted), when
    /// the run keeps only a trace tail: a long replay then formats only the events whose lines
    /// stay, once [`History::relog`] rebuilds them. A run keeping its whole trace steps loud.
    pub fn step_quiet(&mut self) -> bool {
        if self.current.trace_tail().is_none() {
            return self.step();
        }
        let quiet = self.current.is_quiet();
        self.current.set_quiet(true);
        let ok = self.current.advance();
        self.current.set_quiet(quiet);
        if ok {
            self.processed += 1;
            self.gap = true;
            self.after_forward(true);
        }
        ok
    }

    /// Fills the trace gap left by [`History::step_quiet`]: restores the latest snapshot at
    /// least the kept tail behind the position (one near the position: see
    /// [`History::push_near`]) and replays from it with trace lines, so the tail holds at least
    /// the latest `n` events, as a loud run's does (how many older ones it holds depends on
    /// where trimming fell, as after a step back). The state, the clock and the snapshots along
    /// the run are as before; on its way it takes the near snapshots the quiet replay skipped
    /// ([`QUIET_HEAD_EVERY`]). Nothing to do without a gap.
    pub fn relog(&mut self) {
        if !std::mem::take(&mut self.gap) {
            return;
        }
        let Some(n) = self.current.trace_tail() else {
            return;
        };
        let (end, now) = (self.current.steps(), self.current.now());
        let from = end.saturating_sub(n as u64);
        let restored = self.best_before(from).snapshot_unscheduled();
        let at = restored.steps();
        let mut trace = self.make_current(restored);
        // Only the lines that run on to the snapshot without a hole stay (quiet steps earlier,
        // then loud ones before this relog, leave a hole further back).
        let mut first = trace.len();
        while first > 0 && trace[first - 1].step + (trace.len() - first) as u64 == at {
            first -= 1;
        }
        trace.drain(..first);
        self.current.set_trace(trace);
        while self.current.steps() < end {
            if self.current.step().is_none() {
                break;
            }
            self.processed += 1;
            // The near snapshots the quiet replay skipped (a step back then replays little).
            self.after_forward(false);
        }
        self.current.advance_idle(now);
    }

    /// One event back. Returns false at step 0.
    pub fn step_back(&mut self) -> bool {
        let s = self.current.steps();
        if s == 0 {
            return false;
        }
        self.seek_step(s - 1);
        self.prepare_below();
        true
    }

    /// Steps back one event at a time use the snapshots a far step back took just below its
    /// target ([`NEAR_SNAPSHOTS`], [`SNAPSHOT_EVERY`] apart); the step back past the lowest of
    /// them replays again from an older snapshot, further back (up to thousands of events) and
    /// takes the next ones: one slow click in a thousand (a few ms natively, 10+ in the page).
    /// Instead, once the position is within [`PREP_AHEAD`] steps of that lowest snapshot, each
    /// step back replays a few events of a copy of the older snapshot toward it (quiet, as
    /// [`History::step_quiet`]) and keeps a near snapshot at each multiple of [`SNAPSHOT_EVERY`]
    /// of the [`NEAR_SNAPSHOTS`] below it, finishing halfway: no step back then replays more
    /// than [`SNAPSHOT_EVERY`] events plus this share. The snapshots are the run's own states
    /// (the simulation is deterministic), so where they come from changes nothing else.
    fn prepare_below(&mut self) {
        if self.forward_only {
            return;
        }
        let k = self.current.steps();
        // The lowest snapshot of the chain of them at most SNAPSHOT_EVERY apart below `k`, and
        // the one a step back past it would replay from.
        let mut low = self.best_before(k).steps();
        loop {
            if low == 0 || k - low > PREP_AHEAD {
                // Nothing to prepare yet (or ever: the start of the run).
                self.prep = self.prep.take().filter(|p| p.to == low);
                return;
            }
            let next = self.best_before(low - 1).steps();
            if low - next > SNAPSHOT_EVERY {
                break;
            }
            low = next;
        }
        if self.prep.as_ref().is_none_or(|p| p.to != low) {
            let mut sim = self.best_before(low - 1).snapshot_unscheduled();
            sim.set_schedule(self.current.schedule().to_vec());
            sim.set_quiet(true);
            self.prep = Some(Prep { sim, to: low });
        }
        let Some(mut prep) = self.prep.take() else {
            return;
        };
        // Finish by the time half the steps back to `low` are taken (all of it on the last).
        let left = low - prep.sim.steps();
        let share = left.div_ceil(((k - low) / 2).max(1)).max(PREP_MIN);
        let (from, last) = (
            low.saturating_sub(NEAR_REACH),
            (low - 1) / SNAPSHOT_EVERY * SNAPSHOT_EVERY,
        );
        for _ in 0..share {
            if prep.sim.steps() >= last || !prep.sim.advance() {
                break;
            }
            self.processed += 1;
            let s = prep.sim.steps();
            if s >= from && s.is_multiple_of(SNAPSHOT_EVERY) {
                let at = self.near.partition_point(|x| x.steps() < s);
                if self.near.get(at).is_none_or(|x| x.steps() != s) {
                    self.near_bytes.insert(at, prep.sim.approx_bytes());
                    self.near.insert(at, prep.sim.snapshot_unscheduled());
                }
            }
        }
        if prep.sim.steps() < last && prep.sim.next_time().is_some() {
            self.prep = Some(prep);
            return;
        }
        // Done: the snapshots above the position are for going forward again, which a far step
        // back used to drop too; the memory stays that of a few near snapshots.
        self.retain_near(&|_, x| x.steps() <= k);
        self.fit_budget();
    }

    /// The latest snapshot at or before step `k`.
    fn best_before(&self, k: u64) -> &Sim<N> {
        self.latest_where(&|s| s.steps() <= k)
    }

    /// The latest snapshot (along the run or near the position) for which `at_or_before`
    /// holds; it holds for a prefix of the run (up to a step, up to a time). The initial
    /// state if none.
    fn latest_where(&self, at_or_before: &dyn Fn(&Sim<N>) -> bool) -> &Sim<N> {
        let idx = self.snaps.partition_point(at_or_before).saturating_sub(1);
        let along = &self.snaps[idx];
        let near = self.near.iter().rev().find(|s| at_or_before(s));
        match near {
            Some(n) if n.steps() > along.steps() => n,
            _ => along,
        }
    }

    /// Goes to exactly `k` steps from the start (forward or back). Returns the step reached
    /// (smaller than `k` if the run ends first).
    pub fn seek_step(&mut self, k: u64) -> u64 {
        if k < self.current.steps() {
            self.restore_before(k);
        } else {
            self.jump_ahead(&|s| s.steps() <= k);
            while self.current.steps() < k {
                if !self.step() {
                    break;
                }
            }
        }
        self.current.steps()
    }

    /// Restores the latest snapshot at or before step `k` and replays to `k` (keeping a few
    /// snapshots just before it when that is a long replay).
    fn restore_before(&mut self, k: u64) {
        let restored = self.best_before(k).snapshot_unscheduled();
        let trace = self.make_current(restored);
        self.current.set_trace(trace);
        // A long replay: keep a few snapshots just before `k` for the next steps back.
        let from = self.current.steps();
        if k - from > SNAPSHOT_EVERY {
            let lo = k.saturating_sub(NEAR_REACH);
            let keep_below = lo.max(from);
            self.retain_near(&|_, s| s.steps() < keep_below);
            while self.current.steps() < k {
                if self.current.step().is_none() {
                    break;
                }
                self.processed += 1;
                let s = self.current.steps();
                if s > lo && s < k && s.is_multiple_of(SNAPSHOT_EVERY) {
                    self.push_near();
                }
            }
            self.fit_budget();
        }
        while self.current.steps() < k {
            if !self.step() {
                break;
            }
        }
    }

    /// Going forward to a position past a snapshot taken earlier (after a step back or a seek
    /// back): starts from the latest snapshot for which `at_or_before` holds (up to the target
    /// step or time), when it is ahead, instead of replaying every event up to it — when the
    /// run keeps only a trace tail: the lines it skips are rebuilt by [`History::relog`] like
    /// a quiet replay's. A run keeping its whole trace replays.
    fn jump_ahead(&mut self, at_or_before: &dyn Fn(&Sim<N>) -> bool) {
        let here = self.current.steps();
        let snap = self.latest_where(at_or_before);
        if self.current.trace_tail().is_none()
            || snap.steps() <= here.saturating_add(SNAPSHOT_EVERY)
        {
            return;
        }
        let restored = snap.snapshot_unscheduled();
        // The lines kept end before the jump: a hole, so the log starts again at the jump.
        let mut trace = self.make_current(restored);
        trace.clear();
        self.current.set_trace(trace);
        self.gap = true;
    }

    /// Goes to time `t` (forward or back): the state after every event at or before `t`.
    pub fn seek_time(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        if t < self.current.now() {
            // Also when that snapshot is at the current step: the clock idled on past `t`
            // since, and the snapshot's has not.
            let k = self.latest_where(&|s| s.now() <= t).steps();
            self.restore_before(k);
        } else {
            self.jump_ahead(&|s| s.now() <= t);
        }
        self.run_until(t, budget)
    }

    /// Events processed so far, replays from snapshots included (steps back, seeks,
    /// [`History::relog`]): a move's cost in events.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// Plays forward to time `t` (at most `budget` steps), taking snapshots on the way.
    pub fn run_until(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        Run::run_until(self, t, budget)
    }

    /// Applies a fault now (a click). The future changes, so later snapshots are dropped; the
    /// kept ones share the current schedule, which now holds the fault (after everything they
    /// have applied), so stepping back stays exact.
    pub fn inject(&mut self, fault: Fault) -> u64 {
        // The fault changes the schedule the preparing copy holds a copy of.
        self.prep = None;
        let here = self.current.steps();
        self.retain_snaps(&|_, s| s.steps() <= here);
        self.retain_near(&|_, s| s.steps() <= here);
        let taken = self.current.inject(fault);
        self.after_forward(false);
        taken
    }

    /// Keeps only the latest `n` trace events (see [`Sim::keep_trace_tail`]); `None` keeps the
    /// whole trace (the default). After a step back the tail may hold fewer events: those up to
    /// the restored snapshot that were kept, then the replayed ones.
    pub fn keep_trace_tail(&mut self, n: Option<usize>) {
        // Its snapshots would keep the old setting.
        self.prep = None;
        self.current.keep_trace_tail(n);
        for s in self.snaps.iter_mut().chain(&mut self.near) {
            s.keep_trace_tail(n);
        }
    }

    /// Drops every snapshot but the initial state and takes no more: for a caller that only
    /// goes forward. A step back then replays from the start.
    pub fn forward_only(&mut self) {
        self.forward_only = true;
        self.prep = None;
        self.snaps.truncate(1);
        self.snap_bytes.truncate(1);
        self.near.clear();
        self.near_bytes.clear();
    }

    /// Number of snapshots held (for tests and the perf notes).
    pub fn snapshot_count(&self) -> usize {
        self.snaps.len() + self.near.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The near snapshots a long forward run leaves (one every HEAD_EVERY steps, the latest
    /// four kept, plus the trail), checked at many positions: a seek back by `d` events finds
    /// one at most about `d` further back (or the snapshots along the run do, `spacing` apart),
    /// and only a few are kept.
    #[test]
    fn the_trail_keeps_a_snapshot_about_as_far_back_as_a_seek_goes() {
        let spacing = 1 << 20;
        let mut near: Vec<u64> = Vec::new();
        for head in (1..=3_000u64).map(|j| j * HEAD_EVERY) {
            if head.is_multiple_of(spacing) {
                continue; // a snapshot along the run
            }
            near.push(head);
            let recent = near.len().saturating_sub(NEAR_SNAPSHOTS);
            near = near
                .iter()
                .enumerate()
                .filter(|&(i, &k)| i >= recent || on_trail(k, head, spacing))
                .map(|(_, &k)| k)
                .collect();
            assert!(near.len() <= NEAR_SNAPSHOTS + 20, "{head}: {near:?}");
            assert!(!near.iter().any(|&k| on_trail(k, head, TRAIL_FROM / 2)));
            for d in (0..spacing).step_by(997) {
                let want = head.saturating_sub(d);
                let along = want / spacing * spacing;
                let best = near
                    .iter()
                    .rev()
                    .find(|&&k| k <= want)
                    .map_or(along, |&k| k.max(along));
                assert!(
                    want - best <= d + 2 * HEAD_EVERY,
                    "head {head}, back {d}: nearest snapshot {} further back ({near:?})",
                    want - best
                );
            }
        }
    }
}
