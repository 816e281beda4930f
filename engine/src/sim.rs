//! The discrete-event simulator: nodes as sans-IO state machines, a network, faults, a trace.
//!
//! `Sim::step` processes exactly one event — a message delivery (or its loss), a timer, or a
//! fault — in `(time, sequence)` order, so a run is a pure function of its scenario.

use crate::fault::{Fault, TimedFault};
use crate::net::{LinkState, Links, NetConfig};
use crate::queue::{Armed, Cell, Find, Kind, MsgTable, QKind, Queued, TimerTable};
use crate::rng::{Rng, Stream};
use crate::time::SimTime;
use crate::NodeId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::{self, Debug, Display};

pub(crate) use crate::invariant::Touched;
pub use crate::invariant::{Fingerprint, Invariant, Local, Suspect, Violation};
pub use crate::node::{Ctx, Effect, Node};
pub use crate::queue::MAX_TIMER_SLOT;
pub use crate::trace::{DropReason, InFlight, Note, NoteRec, TraceEvent, What};

/// The fewest trace events [`Sim::keep_trace_tail`] drops at a time.
const TRIM_BATCH: usize = 64;

/// Dead queue entries (and at least half the queue) before the queue is compacted
/// ([`Sim::compact_queue`]).
const COMPACT_AT: usize = 256;

/// A crash or restart, kept for measurements (ground truth the nodes cannot see).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LifeEvent {
    /// When.
    pub time: SimTime,
    /// Which node.
    pub node: NodeId,
    /// True for a restart, false for a crash.
    pub up: bool,
}

/// A pause (`pause:N:MS`), kept for measurements and drawing: ground truth the nodes cannot see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PauseEvent {
    /// Which node.
    pub node: NodeId,
    /// When it froze.
    pub from: SimTime,
    /// When it resumes (earlier than asked if a crash ended the pause; later if another pause
    /// lengthened it).
    pub until: SimTime,
}

/// Message counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages handed to the network.
    pub sent: u64,
    /// Messages delivered to a running receiver.
    pub delivered: u64,
    /// Messages lost at random.
    pub lost: u64,
    /// Messages dropped by a cut link, a down receiver, or a `drop` fault.
    pub dropped: u64,
    /// Extra copies created by duplication.
    pub duplicated: u64,
}

/// A lab's housekeeping of its ghost records, run every n steps ([`Sim::set_upkeep`]).
pub type Upkeep<N> = fn(&mut Sim<N>);

/// The simulator. `Clone` (and the cheaper [`Sim::snapshot`]) make stepping back possible:
/// restore an earlier copy and replay forward, which is exact.
#[derive(Clone, Debug)]
pub struct Sim<N: Node> {
    now: SimTime,
    nodes: Vec<N>,
    up: Vec<bool>,
    queue: BinaryHeap<Reverse<Queued>>,
    /// The head of `queue` is the event being processed, already taken (see `Sim::event`): the
    /// first entry pushed meanwhile replaces it (one sift instead of a pop and a push), or it is
    /// popped when the event ends. Never set between events.
    dead_head: bool,
    /// About how many entries of `queue` stand for nothing any more (timers cancelled since the
    /// last compaction, less dead entries popped since): see [`Sim::compact_queue`].
    dead_entries: usize,
    seq: u64,
    msgs: MsgTable<N::Msg>,
    next_msg: u64,
    /// Armed timers, per node.
    timers: TimerTable<N::Timer>,
    /// One effects buffer, lent to every handler call (no allocation per event).
    fx: Vec<Effect<N::Msg, N::Timer>>,
    cfg: NetConfig,
    links: Links,
    net_rng: Rng,
    node_rng: Vec<Rng>,
    schedule: Vec<TimedFault>,
    next_fault: usize,
    steps: u64,
    trace: Vec<TraceEvent<N::Shown, N::Timer>>,
    /// Keep only (at least) this many of the latest trace events, if set.
    trace_tail: Option<usize>,
    /// Emptied note lists of trimmed trace events, for the next events' notes (a traced run
    /// with a tail allocates no note list per event). Not part of the state: copies start empty.
    spare_notes: Vec<Vec<Note>>,
    /// Trace events carry no notes and handlers format none (see [`Sim::set_quiet`]).
    quiet: bool,
    invariants: Vec<Invariant<N>>,
    /// The incremental form of each invariant, if it has one.
    suspects: Vec<Option<Suspect<N>>>,
    /// Per invariant, its local form (see [`Sim::add_local_invariant`]).
    locals: Vec<Option<Local<N>>>,
    /// What the invariants read of a node (set by labs whose invariants are incremental).
    fingerprint: Option<fn(&N) -> Fingerprint>,
    /// Each node's fingerprint and up state after the last check.
    fps: Vec<(Fingerprint, bool)>,
    /// The touched node's fingerprints before and after the current step, when the step changed
    /// it (what the suspects read; scratch, not part of the state).
    fp_change: [Fingerprint; 2],
    /// Whether every invariant has had a full check (the first check after `new` or after an
    /// invariant is added is always full).
    checked: bool,
    /// What the current step changed.
    touched: Touched,
    broken: Vec<bool>,
    violations: Vec<Violation>,
    life: Vec<LifeEvent>,
    /// Per node, the end of its pause (nothing is paused at or after it).
    paused: Vec<SimTime>,
    /// The latest pause end of any node (no event needs a pause check from then on).
    pause_horizon: SimTime,
    /// Every pause so far.
    pauses: Vec<PauseEvent>,
    stats: NetStats,
    /// Ghost upkeep: every this many steps, this function (see [`Sim::set_upkeep`]).
    upkeep: Option<(u64, Upkeep<N>)>,
}

/// The result of [`Sim::run_until`] with a step budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOutcome {
    /// Steps processed.
    pub steps: u64,
    /// True if the budget ran out before reaching the target time.
    pub out_of_budget: bool,
}

impl<N: Node> Sim<N> {
    /// A simulation of `nodes` under `seed`; every node's `on_start` runs at time zero.
    pub fn new(seed: u64, nodes: Vec<N>, cfg: NetConfig, faults: Vec<TimedFault>) -> Self {
        let n = nodes.len();
        let mut schedule = faults;
        crate::sort::sort_by_key(&mut schedule, |f| f.at);
        let mut sim = Sim {
            now: SimTime::ZERO,
            up: vec![true; n],
            queue: BinaryHeap::new(),
            dead_head: false,
            dead_entries: 0,
            seq: 0,
            msgs: MsgTable::new(),
            next_msg: 1,
            timers: TimerTable::new(n),
            fx: Vec::new(),
            cfg,
            links: Links::new(n),
            net_rng: Rng::stream(seed, Stream::Network),
            node_rng: (0..n).map(|i| Rng::stream(seed, Stream::Node(i))).collect(),
            schedule,
            next_fault: 0,
            steps: 0,
            trace: Vec::new(),
            trace_tail: None,
            spare_notes: Vec::new(),
            quiet: false,
            invariants: Vec::new(),
            suspects: Vec::new(),
            locals: Vec::new(),
            fingerprint: None,
            fps: Vec::new(),
            fp_change: [[0; 10]; 2],
            checked: false,
            touched: Touched::None,
            broken: Vec::new(),
            violations: Vec::new(),
            life: Vec::new(),
            paused: vec![SimTime::ZERO; n],
            pause_horizon: SimTime::ZERO,
            pauses: Vec::new(),
            stats: NetStats::default(),
            upkeep: None,
            nodes,
        };
        let mut notes = Vec::new();
        for i in 0..n {
            sim.start_node(i, &mut notes);
        }
        sim
    }

    /// Adds a safety invariant checked after every step.
    pub fn add_invariant(&mut self, inv: Invariant<N>) {
        self.invariants.push(inv);
        self.suspects.push(None);
        self.locals.push(None);
        self.broken.push(false);
        self.checked = false;
    }

    /// Adds a safety invariant with an incremental form: after a step that changed one node,
    /// `suspect` decides whether the full `inv` check must run (it always runs while the
    /// invariant is broken, after a step whose node changed in a way `suspect` cannot rule
    /// out, and on the first step). Violations are exactly those of [`Sim::add_invariant`],
    /// provided `suspect` is sound and a [`Sim::set_fingerprint`] covers what `inv` reads.
    pub fn add_incremental_invariant(&mut self, inv: Invariant<N>, suspect: Suspect<N>) {
        self.add_invariant(inv);
        if let Some(s) = self.suspects.last_mut() {
            *s = Some(suspect);
        }
    }

    /// Adds a safety invariant with a local form: after a step that changed one node's
    /// fingerprint (or up/down state) while `inv` held, only `local` runs, for that node's part of
    /// the system; `inv` runs on the first step and while the invariant is broken. Violations are
    /// exactly those of [`Sim::add_invariant`], provided `local` finds what `inv` would (every
    /// other part held before and did not change) and a [`Sim::set_fingerprint`] covers what
    /// `inv` reads.
    pub fn add_local_invariant(&mut self, inv: Invariant<N>, local: Local<N>) {
        self.add_incremental_invariant(inv, |_, _, _, _| true);
        if let Some(l) = self.locals.last_mut() {
            *l = Some(local);
        }
    }

    /// Runs `f` after every `every`-th step (by step count, so a replay from a snapshot runs it
    /// at the same steps): a lab's housekeeping of its ghost records (the replication lab
    /// folds settled client operations into counters). `f` may change only what no handler
    /// reads, so no event changes.
    pub fn set_upkeep(&mut self, every: u64, f: Upkeep<N>) {
        self.upkeep = Some((every.max(1), f));
    }

    /// The nodes, to change (only for [`Sim::set_upkeep`]'s ghost records).
    pub(crate) fn nodes_mut(&mut self) -> &mut [N] {
        &mut self.nodes
    }

    /// Sets the fingerprint of what the incremental invariants read of a node. Without one,
    /// every invariant is checked in full after every step.
    pub fn set_fingerprint(&mut self, f: fn(&N) -> Fingerprint) {
        self.fingerprint = Some(f);
        self.checked = false;
    }

    fn start_node(&mut self, i: NodeId, notes: &mut Vec<Note>) {
        self.call(i, notes, |node, ctx| node.on_start(ctx));
    }

    /// Calls one of node `i`'s handlers with a context lent the shared effects buffer, then
    /// carries out the effects it asked for.
    fn call<R>(
        &mut self,
        i: NodeId,
        notes: &mut Vec<Note>,
        handler: impl FnOnce(&mut N, &mut Ctx<'_, N::Msg, N::Timer>) -> R,
    ) -> R {
        let n = self.nodes.len();
        let buf = std::mem::take(&mut self.fx);
        let mut ctx = Ctx::with_buffer(
            self.now,
            i,
            n,
            &mut self.node_rng[i],
            &self.up,
            buf,
            self.quiet,
        );
        let r = handler(&mut self.nodes[i], &mut ctx);
        let effects = ctx.into_effects();
        self.apply(i, effects, notes);
        r
    }

    /// Current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Steps processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// The nodes, by id.
    pub fn nodes(&self) -> &[N] {
        &self.nodes
    }
    /// Whether node `i` is running.
    pub fn is_up(&self, i: NodeId) -> bool {
        self.up.get(i).copied().unwrap_or(false)
    }
    /// The link states.
    pub fn links(&self) -> &Links {
        &self.links
    }
    /// The current network settings.
    pub fn net_config(&self) -> &NetConfig {
        &self.cfg
    }
    /// Messages on the wire or held, in id order, with their send/deliver times for animation.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight<N::Msg>> {
        self.msgs.iter()
    }
    /// Every step so far — or, after [`Sim::keep_trace_tail`], the latest ones (each event
    /// carries its `step` number).
    pub fn trace(&self) -> &[TraceEvent<N::Shown, N::Timer>] {
        &self.trace
    }

    /// Keeps only the latest `n` trace events (at least; and always every event at the latest
    /// event's time, which measurements read), instead of the whole trace: memory stops growing
    /// with the run and the run is faster. `None` (the default) keeps everything. Nothing else
    /// changes: the events, their order and every measurement are the same.
    pub fn keep_trace_tail(&mut self, n: Option<usize>) {
        self.trace_tail = n.map(|n| n.max(1));
        self.trim_trace();
    }

    /// How many trace events [`Sim::keep_trace_tail`] keeps (`None`: all).
    pub fn trace_tail(&self) -> Option<usize> {
        self.trace_tail
    }

    /// A quiet run: trace events carry no notes, and handlers skip formatting them
    /// ([`Ctx::note_with`]). Everything else — events, their order, node states, violations,
    /// measurements — is the same; notes are only ever read by people. For runs whose trace
    /// nobody reads (experiments, batch runs).
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// Whether the run is quiet (see [`Sim::set_quiet`]).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    fn trim_trace(&mut self) {
        let Some(n) = self.trace_tail else { return };
        // Trimmed in batches (at least `TRIM_BATCH` events at a time): a short tail is not cut
        // on every step.
        if self.trace.len() < n.saturating_mul(2).max(n.saturating_add(TRIM_BATCH)) {
            return;
        }
        let last = self.trace.last().map(|e| e.time);
        let mut cut = self.trace.len() - n;
        while cut > 0 && Some(self.trace[cut - 1].time) == last {
            cut -= 1;
        }
        // The emptied note lists are kept (at most as many as the tail: the trace held them).
        for e in &mut self.trace[..cut] {
            if self.spare_notes.len() >= n {
                break;
            }
            if e.notes.capacity() > 0 {
                let mut notes = std::mem::take(&mut e.notes);
                notes.clear();
                self.spare_notes.push(notes);
            }
        }
        self.trace.drain(..cut);
    }
    /// Invariant violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    /// Names of the invariants checked, with whether each holds now.
    pub fn invariant_status(&self) -> Vec<(&'static str, bool)> {
        self.invariants
            .iter()
            .zip(&self.broken)
            .map(|((name, _), b)| (*name, !b))
            .collect()
    }
    /// When `node`'s `timer` was armed and when it is due, if it is armed (for drawing timers).
    pub fn timer(&self, node: NodeId, timer: &N::Timer) -> Option<(SimTime, SimTime)> {
        self.timers
            .get(node, timer, find::<N>(timer))
            .map(|r| (r.armed, self.timers.cell(r.cell).due.0))
    }

    /// Crashes and restarts so far.
    pub fn life(&self) -> &[LifeEvent] {
        &self.life
    }
    /// Whether `node` was running at `t` (ground truth from [`Sim::life`]; a crash or restart
    /// at exactly `t` counts as done).
    pub fn up_at(&self, node: NodeId, t: SimTime) -> bool {
        let mut up = true;
        for e in self.life.iter().filter(|e| e.node == node) {
            if e.time > t {
                break;
            }
            up = e.up;
        }
        up
    }
    /// Whether node `i` is paused now (`pause:N:MS`): it handles nothing until the pause ends.
    pub fn is_paused(&self, i: NodeId) -> bool {
        self.paused.get(i).is_some_and(|&u| u > self.now)
    }
    /// When node `i`'s pause ends, if it is paused now.
    pub fn paused_until(&self, i: NodeId) -> Option<SimTime> {
        self.paused.get(i).copied().filter(|&u| u > self.now)
    }
    /// Every pause so far, in the order they began (ground truth for measurements).
    pub fn pauses(&self) -> &[PauseEvent] {
        &self.pauses
    }
    /// Message counters.
    pub fn stats(&self) -> NetStats {
        self.stats
    }
    /// The fault schedule (timeline plus live injections), sorted by time.
    pub fn schedule(&self) -> &[TimedFault] {
        &self.schedule
    }

    /// A copy without the trace (cheap enough to keep many for stepping back).
    pub fn snapshot(&self) -> Self {
        self.copy(self.schedule.clone())
    }

    /// A copy without the trace and without the fault schedule, for a history that keeps the
    /// one schedule its snapshots share (see [`Sim::set_schedule`]).
    pub(crate) fn snapshot_unscheduled(&self) -> Self {
        self.copy(Vec::new())
    }

    /// Gives a snapshot its schedule back.
    pub(crate) fn set_schedule(&mut self, schedule: Vec<TimedFault>) {
        self.schedule = schedule;
    }
    pub(crate) fn take_schedule(&mut self) -> Vec<TimedFault> {
        std::mem::take(&mut self.schedule)
    }

    /// About how many bytes a snapshot of this simulation allocates (its trace and schedule
    /// excluded: snapshots hold neither): the state of every node ([`Node::heap_bytes`]), the
    /// queue, messages in flight, timers and the ghost records. An estimate for the byte budget
    /// of a [`crate::History`]'s snapshots, not an exact count.
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        let nodes: usize = self
            .nodes
            .iter()
            .map(|n| size_of::<N>() + n.heap_bytes())
            .sum();
        let msgs: usize = self
            .msgs
            .iter()
            .map(|m| N::msg_heap_bytes(&m.msg))
            .sum::<usize>()
            + self.msgs.slots() * size_of::<Option<crate::trace::InFlight<N::Msg>>>();
        size_of::<Self>()
            + nodes
            + self.queue.len() * size_of::<Reverse<Queued>>()
            + msgs
            + self.timers.heap_bytes()
            + self.node_rng.len() * size_of::<Rng>()
            + self.up.len()
            + self.fps.len() * size_of::<(Fingerprint, bool)>()
            + self.violations.len() * (size_of::<Violation>() + 64)
            + self.life.len() * size_of::<LifeEvent>()
            + self.pauses.len() * size_of::<PauseEvent>()
            + self.paused.len() * size_of::<SimTime>()
    }

    fn copy(&self, schedule: Vec<TimedFault>) -> Self {
        Sim {
            now: self.now,
            nodes: self.nodes.clone(),
            up: self.up.clone(),
            queue: self.queue.clone(),
            dead_head: false,
            dead_entries: self.dead_entries,
            seq: self.seq,
            msgs: self.msgs.clone(),
            next_msg: self.next_msg,
            timers: self.timers.clone(),
            fx: Vec::new(),
            cfg: self.cfg,
            links: self.links.clone(),
            net_rng: self.net_rng.clone(),
            node_rng: self.node_rng.clone(),
            schedule,
            next_fault: self.next_fault,
            steps: self.steps,
            trace: Vec::new(),
            trace_tail: self.trace_tail,
            spare_notes: Vec::new(),
            quiet: self.quiet,
            invariants: self.invariants.clone(),
            suspects: self.suspects.clone(),
            locals: self.locals.clone(),
            fingerprint: self.fingerprint,
            fps: self.fps.clone(),
            fp_change: [[0; 10]; 2],
            checked: self.checked,
            touched: self.touched,
            broken: self.broken.clone(),
            violations: self.violations.clone(),
            life: self.life.clone(),
            paused: self.paused.clone(),
            pause_horizon: self.pause_horizon,
            pauses: self.pauses.clone(),
            stats: self.stats,
            upkeep: self.upkeep,
        }
    }

    /// Replaces the trace (used when restoring a snapshot: the prefix is the same run).
    pub(crate) fn set_trace(&mut self, trace: Vec<TraceEvent<N::Shown, N::Timer>>) {
        self.trace = trace;
    }
    pub(crate) fn take_trace(&mut self) -> Vec<TraceEvent<N::Shown, N::Timer>> {
        std::mem::take(&mut self.trace)
    }

    /// Drops queue entries that no longer mean anything (re-armed or cancelled timers,
    /// dropped messages), so the head of the queue is a real event.
    fn prune(&mut self) {
        if self.dead_entries >= COMPACT_AT && self.dead_entries * 2 >= self.queue.len() {
            self.compact_queue();
        }
        while let Some(Reverse(head)) = self.queue.peek() {
            let key = head.key();
            let live = match head.kind.get() {
                Kind::Deliver(id) => self.msgs.get(id).is_some_and(|m| !m.held),
                Kind::Timer(cell) => match self.timers.cell(cell) {
                    c if c.entry == key && c.due == key => true,
                    c if c.entry == key => {
                        // Re-armed later while this entry was queued: move the entry to the
                        // timer's place in the order, `(due, seq)`, as if pushed when re-armed.
                        // Re-keyed in place at the head and sifted down: the same queue as a
                        // pop and a push, in one sift.
                        self.timers.cell_mut(cell).entry = c.due;
                        if let Some(mut head) = self.queue.peek_mut() {
                            let Reverse(q) = &mut *head;
                            (q.time, q.seq) = c.due;
                        }
                        continue;
                    }
                    _ => false,
                },
            };
            if live {
                if head.time < self.pause_horizon && self.defer_if_paused() {
                    continue;
                }
                return;
            }
            self.queue.pop();
            self.dead_entries = self.dead_entries.saturating_sub(1);
        }
    }

    /// Whether queue entry `q` still stands for an event (what `prune` keeps: a message on the
    /// wire, or a timer whose cell names this entry, due now or moved later).
    fn entry_live(&self, q: &Queued) -> bool {
        match q.kind.get() {
            Kind::Deliver(id) => self.msgs.get(id).is_some_and(|m| !m.held),
            Kind::Timer(cell) => self.timers.cell(cell).entry == q.key(),
        }
    }

    /// Drops every dead entry from the queue at once, once they are at least half of it: a
    /// cancelled timer's entry otherwise stays until its time comes (a load balancer's clients
    /// cancel a timeout per request answered, a second or more ahead: tens of thousands of dead
    /// entries deepening every push and pop, and copied into every snapshot). Only between
    /// events (the head is not taken). The entries are ordered by their unique `(time, seq)`, so
    /// the live ones come out in the same order as before.
    #[cold]
    #[inline(never)]
    fn compact_queue(&mut self) {
        debug_assert!(!self.dead_head);
        let mut q = std::mem::take(&mut self.queue).into_vec();
        q.retain(|Reverse(e)| self.entry_live(e));
        self.queue = BinaryHeap::from(q);
        self.dead_entries = 0;
    }

    /// If the live head of the queue is meant for a paused node, moves it to the pause's end
    /// (after what is already there, keeping the arrival order) and returns true: a paused node
    /// handles nothing, and what reaches it waits.
    fn defer_if_paused(&mut self) -> bool {
        let Some(Reverse(head)) = self.queue.peek() else {
            return false;
        };
        let to = match head.kind.get() {
            Kind::Deliver(id) => self.msgs.get(id).map(|m| m.to),
            Kind::Timer(cell) => Some(self.timers.owner(cell).0 as usize),
        };
        let Some(until) = to.map(|i| self.paused[i]).filter(|&u| head.time < u) else {
            return false;
        };
        let Some(Reverse(mut q)) = self.queue.pop() else {
            return false;
        };
        self.seq += 1;
        (q.time, q.seq) = (until, self.seq);
        match q.kind.get() {
            Kind::Deliver(id) => {
                if let Some(m) = self.msgs.get_mut(id) {
                    m.deliver_at = until;
                }
            }
            Kind::Timer(cell) => {
                // The head is live: its cell is its timer's.
                *self.timers.cell_mut(cell) = Cell {
                    due: (until, q.seq),
                    entry: (until, q.seq),
                };
            }
        }
        self.queue.push(Reverse(q));
        true
    }

    /// The time of the next event, if any.
    pub fn next_time(&mut self) -> Option<SimTime> {
        self.prune();
        let q = self.queue.peek().map(|Reverse(q)| q.time);
        let f = self.schedule.get(self.next_fault).map(|f| f.at);
        match (q, f) {
            (Some(q), Some(f)) => Some(q.min(f)),
            (q, f) => q.or(f),
        }
    }

    /// Processes exactly one event and returns its trace line, or `None` if nothing is left.
    pub fn step(&mut self) -> Option<&TraceEvent<N::Shown, N::Timer>> {
        let mut notes = self.spare_notes.pop().unwrap_or_default();
        let what = self.event::<true>(&mut notes);
        if self.quiet {
            notes.clear();
        }
        if notes.is_empty() && notes.capacity() > 0 {
            // Kept for the next event's notes rather than held by a line without any.
            self.spare_notes.push(std::mem::take(&mut notes));
        }
        let what = what??;
        self.trim_trace();
        self.trace.push(TraceEvent {
            step: self.steps,
            time: self.now,
            what,
            notes,
        });
        self.trace.last()
    }

    /// Processes exactly one event as [`Sim::step`] does — the same event, state, violations
    /// and measurements — but writes no trace line for it (nor records the message for one).
    /// For runs that read only the nodes (experiments): the trace misses these events. Returns
    /// false if nothing is left.
    pub fn advance(&mut self) -> bool {
        let mut notes = Vec::new();
        self.event::<false>(&mut notes).is_some()
    }

    /// Processes the next event; `Some(what)` for a trace line when `TRACE`, `Some(None)` when
    /// not, `None` if nothing is left.
    fn event<const TRACE: bool>(
        &mut self,
        notes: &mut Vec<Note>,
    ) -> Option<Option<What<N::Shown, N::Timer>>> {
        self.prune();
        let q_time = self.queue.peek().map(|Reverse(q)| q.time);
        let f_time = self.schedule.get(self.next_fault).map(|f| f.at);
        // A fault at time T happens after every other event at T.
        let take_fault = match (q_time, f_time) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(q), Some(f)) => f < q,
        };
        self.touched = Touched::None;
        let what = if take_fault {
            let tf = self.schedule[self.next_fault].clone();
            self.next_fault += 1;
            self.now = self.now.max(tf.at);
            self.apply_fault(&tf.fault, notes);
            TRACE.then_some(What::Fault(tf.fault))
        } else {
            // The head stays in the heap until the handler's first push replaces it.
            let Reverse(head) = self.queue.peek()?;
            let (time, kind) = (head.time, head.kind);
            self.dead_head = true;
            self.now = time;
            let what = match kind.get() {
                Kind::Deliver(id) => self.deliver::<TRACE>(id, notes),
                Kind::Timer(cell) => {
                    // The head is live: its cell's timer is the one due.
                    let (node, timer) = self.timers.owner(cell).clone();
                    let node = node as usize;
                    self.touched = Touched::One(node);
                    self.timers.remove(node, &timer, find::<N>(&timer));
                    if TRACE {
                        let fired = timer.clone();
                        self.call(node, notes, |n, ctx| n.on_timer(fired, ctx));
                        Some(Some(What::Timer { node, timer }))
                    } else {
                        self.call(node, notes, |n, ctx| n.on_timer(timer, ctx));
                        Some(None)
                    }
                }
            };
            if std::mem::take(&mut self.dead_head) {
                self.queue.pop();
            }
            what?
        };
        self.steps += 1;
        self.check_invariants();
        if let Some((every, f)) = self.upkeep {
            if self.steps.is_multiple_of(every) {
                f(self);
            }
        }
        Some(what)
    }

    /// Delivers (or drops, or holds) message `id`; the trace line's event when `TRACE`.
    fn deliver<const TRACE: bool>(
        &mut self,
        id: u64,
        notes: &mut Vec<Note>,
    ) -> Option<Option<What<N::Shown, N::Timer>>> {
        let m = self.msgs.remove(id)?;
        let (from, to, sent) = (m.from, m.to, m.sent_at);
        let drop = |why, msg: &N::Msg| {
            TRACE.then(|| What::Drop {
                id,
                from,
                to,
                msg: N::shown(msg),
                why,
                sent,
            })
        };
        if m.lost {
            self.stats.lost += 1;
            return Some(drop(DropReason::Lost, &m.msg));
        }
        match self.links.get(from, to) {
            LinkState::Cut => {
                self.stats.dropped += 1;
                return Some(drop(DropReason::LinkCut, &m.msg));
            }
            LinkState::Held => {
                let what = TRACE.then(|| What::Hold {
                    id,
                    from,
                    to,
                    msg: N::shown(&m.msg),
                    sent,
                });
                self.msgs.hold(InFlight { held: true, ..m });
                return Some(what);
            }
            LinkState::Up => {}
        }
        if !self.up[to] {
            self.stats.dropped += 1;
            return Some(drop(DropReason::NodeDown, &m.msg));
        }
        self.stats.delivered += 1;
        self.touched = Touched::One(to);
        let what = TRACE.then(|| What::Deliver {
            id,
            from,
            to,
            msg: N::shown(&m.msg),
            sent,
        });
        self.call(to, notes, |n, ctx| n.on_message(from, m.msg, ctx));
        Some(what)
    }

    fn push(&mut self, time: SimTime, kind: QKind) {
        self.seq += 1;
        self.push_at((time, self.seq), kind);
    }

    fn push_at(&mut self, (time, seq): (SimTime, u64), kind: QKind) {
        let q = Reverse(Queued { time, seq, kind });
        if std::mem::take(&mut self.dead_head) {
            if let Some(mut head) = self.queue.peek_mut() {
                *head = q;
                return;
            }
        }
        self.queue.push(q);
    }

    /// Carries out a handler's effects, then keeps the (emptied) buffer for the next handler.
    fn apply(
        &mut self,
        me: NodeId,
        mut effects: Vec<Effect<N::Msg, N::Timer>>,
        notes: &mut Vec<Note>,
    ) {
        for e in effects.drain(..) {
            match e {
                Effect::Send(to, msg) => self.send(me, to, msg, notes),
                Effect::SetTimer(t, after) => {
                    // Every arming takes the next sequence number, whether or not it pushes a
                    // queue entry, so the event order is that of one entry per arming.
                    self.seq += 1;
                    let due = (self.now.plus(after), self.seq);
                    // Re-armed to a later time, the queued entry stays and moves to `due` when
                    // it reaches the head of the queue (see `prune`).
                    if let Armed::Push(cell) = self.timers.arm(me, &t, find::<N>(&t), self.now, due)
                    {
                        self.push_at(due, QKind::timer(cell));
                    }
                }
                Effect::CancelTimer(t) => {
                    // Its queue entry stays, dead, until it reaches the head or a compaction.
                    self.dead_entries += self.timers.remove(me, &t, find::<N>(&t)) as usize;
                }
                Effect::Note(s) => notes.push(s),
            }
        }
        self.fx = effects;
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Msg, notes: &mut Vec<Note>) {
        if to >= self.nodes.len() || to == from {
            return;
        }
        self.stats.sent += 1;
        if self.links.get(from, to) == LinkState::Cut {
            self.stats.dropped += 1;
            if !self.quiet {
                notes.push(Note::sim_shown(DroppedAtCut {
                    from,
                    to,
                    msg: N::shown(&msg),
                }));
            }
            return;
        }
        // A duplicate goes out first (as a clone), the original last: no clone otherwise.
        if self.net_rng.chance_ppm(self.cfg.dup_ppm) {
            self.stats.duplicated += 1;
            self.put_on_wire(from, to, msg.clone());
        }
        self.put_on_wire(from, to, msg);
    }

    /// One copy of a message onto the wire: its latency and loss are drawn now.
    fn put_on_wire(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        let lat = self.cfg.latency.sample(&mut self.net_rng);
        let lost = self.net_rng.chance_ppm(self.cfg.loss_ppm);
        let id = self.next_msg;
        self.next_msg += 1;
        let deliver_at = self.now.plus(lat);
        self.msgs.insert(InFlight {
            id,
            from,
            to,
            msg,
            sent_at: self.now,
            deliver_at,
            lost,
            held: false,
        });
        self.push(deliver_at, QKind::deliver(id));
    }

    fn apply_fault(&mut self, fault: &Fault, notes: &mut Vec<Note>) {
        let n = self.nodes.len();
        let valid = fault.nodes().all(|i| i < n);
        if !valid {
            notes.push(Note::sim(format!(
                "ignored: names a node outside 0..{}",
                n.saturating_sub(1)
            )));
            return;
        }
        match fault {
            Fault::Crash(i) => {
                let i = *i;
                if !self.up[i] {
                    notes.push(Note::sim(format!("node {i} is already down")));
                    return;
                }
                self.up[i] = false;
                self.touched = Touched::One(i);
                self.timers.clear(i);
                if self.paused[i] > self.now {
                    // A crash ends a pause.
                    self.paused[i] = self.now;
                    if let Some(p) = self.pauses.iter_mut().rev().find(|p| p.node == i) {
                        p.until = self.now;
                    }
                }
                self.life.push(LifeEvent {
                    time: self.now,
                    node: i,
                    up: false,
                });
            }
            Fault::Restart(i) => {
                let i = *i;
                if self.up[i] {
                    notes.push(Note::sim(format!("node {i} is already up")));
                    return;
                }
                self.up[i] = true;
                self.touched = Touched::One(i);
                self.life.push(LifeEvent {
                    time: self.now,
                    node: i,
                    up: true,
                });
                self.nodes[i].on_restart();
                self.start_node(i, notes);
            }
            Fault::Pause(i, us) => {
                let i = *i;
                if !self.up[i] {
                    notes.push(Note::sim(format!("node {i} is down: nothing to pause")));
                    return;
                }
                let until = self.now.plus(crate::time::Duration(*us));
                if self.paused[i] > self.now {
                    // Already paused: the pause lasts until the later end.
                    let until = until.max(self.paused[i]);
                    self.paused[i] = until;
                    if let Some(p) = self.pauses.iter_mut().rev().find(|p| p.node == i) {
                        p.until = until;
                    }
                } else {
                    self.paused[i] = until;
                    self.pauses.push(PauseEvent {
                        node: i,
                        from: self.now,
                        until,
                    });
                }
                self.pause_horizon = self.pause_horizon.max(self.paused[i]);
                notes.push(Note::sim(format!(
                    "node {i} is paused until {} (it handles nothing meanwhile)",
                    self.paused[i]
                )));
            }
            Fault::Isolate(_)
            | Fault::Partition(_)
            | Fault::Cut(..)
            | Fault::Hold(..)
            | Fault::Release(..)
            | Fault::Restore(..)
            | Fault::Heal => {
                if self.links.apply(fault) {
                    // Held messages on links that are no longer held go on their way now.
                    self.release_where(|_, _| true, notes);
                }
            }
            Fault::DropMsg(id) => match self.msgs.remove(*id) {
                Some(m) => {
                    self.stats.dropped += 1;
                    notes.push(Note::sim(format!(
                        "{}→{} {} (#{id}) dropped",
                        m.from, m.to, m.msg
                    )));
                }
                None => notes.push(Note::sim(format!("message #{id} is not in flight"))),
            },
            Fault::SetLoss(ppm) => self.cfg.loss_ppm = *ppm,
            Fault::SetLatency(l) => self.cfg.latency = *l,
            Fault::Command(i, text) => {
                let i = *i;
                if !self.up[i] {
                    notes.push(Note::sim(format!(
                        "node {i} is down: command '{text}' not delivered"
                    )));
                    return;
                }
                if self.is_paused(i) {
                    notes.push(Note::sim(format!(
                        "node {i} is paused: command '{text}' not delivered"
                    )));
                    return;
                }
                self.touched = Touched::One(i);
                // The link reader made every command of this lab's type; one of another type
                // (a test injecting by hand) is refused like a command the node cannot take.
                let result = match text.get::<N::Command>() {
                    Some(c) => self
                        .call(i, notes, |n, ctx| n.on_command(c, ctx))
                        .map_err(crate::node::Refused::Node),
                    None => Err(crate::node::Refused::OtherLab(text.clone())),
                };
                if let Err(e) = result {
                    notes.push(Note::sim(format!("node {i} ignored '{text}': {e}")));
                }
            }
        }
    }

    /// Re-queues held messages on links that are now up (in id order), delivering them now.
    fn release_where(&mut self, pick: impl Fn(NodeId, NodeId) -> bool, notes: &mut Vec<Note>) {
        let ids: Vec<u64> = self
            .msgs
            .off_wire()
            .filter(|m| {
                m.held && pick(m.from, m.to) && self.links.get(m.from, m.to) != LinkState::Held
            })
            .map(|m| m.id)
            .collect();
        if !ids.is_empty() {
            notes.push(Note::sim(format!("released {} held message(s)", ids.len())));
        }
        for id in ids {
            if let Some(m) = self.msgs.get_mut(id) {
                m.held = false;
                m.deliver_at = self.now;
            }
            self.push(self.now, QKind::deliver(id));
        }
    }

    fn check_invariants(&mut self) {
        if self.invariants.is_empty() {
            return;
        }
        // What changed since the last check, for the incremental forms.
        let full = !self.checked || self.fingerprint.is_none();
        // The node the step changed, if one; its fingerprints are in `fp_change` when it changed
        // (nothing is copied when it did not: the usual case).
        let mut before: Option<NodeId> = None;
        let mut unchanged = false;
        if let Some(fp) = self.fingerprint {
            if full {
                self.fps = self
                    .nodes
                    .iter()
                    .zip(&self.up)
                    .map(|(n, &u)| (fp(n), u))
                    .collect();
            } else if let Touched::One(i) = self.touched {
                let now = fp(&self.nodes[i]);
                let up = self.up[i];
                let slot = &mut self.fps[i];
                unchanged = slot.1 == up && same_fingerprint(&slot.0, &now);
                if !unchanged {
                    self.fp_change = [std::mem::replace(&mut slot.0, now), now];
                    slot.1 = up;
                }
                before = Some(i);
            } else {
                unchanged = true;
            }
        }
        self.checked = true;
        for k in 0..self.invariants.len() {
            let (name, check) = self.invariants[k];
            let run_full = match self.suspects[k] {
                Some(_) if full || self.broken[k] => true,
                Some(_) if unchanged => false,
                Some(suspect) => match before {
                    Some(i) => suspect(self, i, &self.fp_change[0], &self.fp_change[1]),
                    None => true,
                },
                None => true,
            };
            if !run_full {
                continue; // held before, and nothing it reads can have broken it
            }
            // Held before and one node changed: its local form, where there is one, checks the
            // part of the system that node belongs to.
            let found = match (self.locals[k], before) {
                (Some(local), Some(i)) if !full && !self.broken[k] => local(self, i),
                _ => check(self),
            };
            match found {
                Some(detail) if !self.broken[k] => {
                    self.broken[k] = true;
                    self.violations.push(Violation {
                        step: self.steps,
                        time: self.now,
                        invariant: name,
                        detail,
                    });
                }
                Some(_) => {}
                None => self.broken[k] = false,
            }
        }
    }

    /// Adds a fault to the schedule at time `at` (after faults already scheduled then).
    pub fn schedule_fault(&mut self, tf: TimedFault) {
        let pos = self.schedule.partition_point(|f| f.at <= tf.at);
        // Never insert before what has already been applied.
        let pos = pos.max(self.next_fault);
        self.schedule.insert(pos, tf);
    }

    /// Processes every event up to and including time `t` (at most `budget` steps), then moves
    /// the clock to `t` if it got there.
    pub fn run_until(&mut self, t: SimTime, budget: u64) -> RunOutcome {
        let mut steps = 0;
        while let Some(next) = self.next_time() {
            if next > t {
                break;
            }
            if steps >= budget {
                return RunOutcome {
                    steps,
                    out_of_budget: true,
                };
            }
            if self.step().is_none() {
                break;
            }
            steps += 1;
        }
        self.now = self.now.max(t);
        RunOutcome {
            steps,
            out_of_budget: false,
        }
    }

    /// Applies `fault` now, as a click in the UI does: it is added to the schedule at the current
    /// time and the run advances until it has been applied (events already due at this same
    /// instant go first, exactly as a replay from the link will order them). Returns the steps taken.
    pub fn inject(&mut self, fault: Fault) -> u64 {
        // The index the fault will take in the schedule (see `schedule_fault`).
        let target = self
            .schedule
            .partition_point(|f| f.at <= self.now)
            .max(self.next_fault);
        self.schedule_fault(TimedFault {
            at: self.now,
            fault,
        });
        let mut steps = 0;
        while self.next_fault <= target {
            if self.step().is_none() {
                break;
            }
            steps += 1;
        }
        steps
    }

    /// Moves the clock forward to `t` without processing anything, if no event is due before
    /// `t` (restores a paused position from a link). Returns whether it moved.
    pub fn advance_idle(&mut self, t: SimTime) -> bool {
        match self.next_time() {
            Some(next) if next <= t => false,
            _ => {
                self.now = self.now.max(t);
                true
            }
        }
    }
}

/// The note on a message sent over a cut link, `FROM→TO MSG dropped: link cut`: it keeps what
/// the trace shows of the message ([`Node::Shown`]) and words it only when the trace is shown.
struct DroppedAtCut<M> {
    from: NodeId,
    to: NodeId,
    msg: M,
}

impl<M: Display> Display for DroppedAtCut<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}→{} {} dropped: link cut",
            self.from, self.to, self.msg
        )
    }
}

/// Where the timer table keeps `t`, from the number the lab gives it ([`Node::TIMER_NUMBER`]):
/// a constant `None` for labs that number no timers, so their lookups compile to the plain
/// search.
#[inline(always)]
fn find<N: Node>(t: &N::Timer) -> Find {
    TimerTable::find_by(N::TIMER_NUMBER, t)
}

/// Whether two fingerprints are equal, word by word without an early exit: `==` on the arrays
/// is a `memcmp` call, which in wasm32 is a byte loop (it was an eighth of the heartbeat lab's
/// time there).
#[inline]
fn same_fingerprint(a: &Fingerprint, b: &Fingerprint) -> bool {
    a.iter().zip(b).fold(0, |d, (x, y)| d | (x ^ y)) == 0
}
