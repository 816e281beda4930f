//! A simulated process and its view of the world: the [`Node`] trait (sans-IO handlers), the
//! effects a handler asks for ([`Effect`]), and its context ([`Ctx`]: time, id, RNG stream).

use crate::rng::Rng;
use crate::time::{Duration, SimTime};
use crate::trace::{Note, NoteRec};
use crate::NodeId;
use std::fmt::{self, Debug, Display};

/// A simulated process: reacts to messages and timers, and tells the simulator what to do
/// through its [`Ctx`]. It never sees the network, the clock or a global RNG directly.
pub trait Node: Clone + Debug {
    /// The messages nodes exchange.
    type Msg: Clone + Debug + Display + 'static;
    /// What a trace line keeps of a message: its `Display` is the message's, word for word. The
    /// message itself where messages are small ([`shows_whole_messages`]); a record without the
    /// payload where messages carry data (Raft's entries), so a traced step neither copies the
    /// payload for its line nor keeps it alive until the line is trimmed.
    type Shown: Clone + Debug + Display + 'static;
    /// The trace's record of `msg` ([`Node::Shown`]).
    fn shown(msg: &Self::Msg) -> Self::Shown;
    /// The node's timers; setting a timer that is already set re-arms it.
    type Timer: Clone + Debug + Display + Ord;
    /// The commands it takes from outside (`cmd:N:…` in a timeline), already parsed when the
    /// link was read; [`crate::command::NoCommand`] for a lab without commands.
    type Command: crate::command::Command;
    /// Called once at time zero and again after every restart.
    fn on_start(&mut self, ctx: &mut Ctx<Self::Msg, Self::Timer>);
    /// A message from `from` arrived.
    fn on_message(&mut self, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<Self::Msg, Self::Timer>);
    /// A timer fired.
    fn on_timer(&mut self, timer: Self::Timer, ctx: &mut Ctx<Self::Msg, Self::Timer>);
    /// The node crashed and is restarting: drop volatile state, keep persistent state
    /// (Raft §5, Figure 2). `on_start` follows.
    fn on_restart(&mut self) {}
    /// Heap bytes a copy of this node allocates beyond its own `size_of` (parts a copy shares,
    /// such as `Arc`-held chunks, not counted): what one more snapshot of it costs. A
    /// [`crate::History`] keeps its snapshots within a byte budget with it. An estimate (see
    /// [`bytes`]); the default counts nothing, and every lab's nodes override it.
    fn heap_bytes(&self) -> usize {
        0
    }
    /// How the lab numbers its timers, if it does: a number per timer, distinct for distinct
    /// timers of a node. The simulator then finds a timer by its number instead of comparing
    /// timers: a small number (below [`crate::sim::MAX_TIMER_SLOT`]) is an index, found without
    /// a search (a heartbeat monitor holds four deadlines per worker and looks one up several
    /// times per event); a larger one is searched in the node's list sorted by number (the load
    /// balancer's clients hold a timeout per request in flight). A constant, so a lab that
    /// numbers none pays nothing for it.
    const TIMER_NUMBER: Option<fn(&Self::Timer) -> u128> = None;
    /// Heap bytes a message in flight holds beyond its own `size_of` (a batch of entries).
    fn msg_heap_bytes(msg: &Self::Msg) -> usize {
        let _ = msg;
        0
    }
    /// Why this node refuses a command ([`Node::on_command`]): the lab's own typed reason (a
    /// `thiserror` enum whose variants carry the values they name), [`NoCommands`] for a node
    /// that takes none. Its `Display` is the reason as the trace shows it; the simulator
    /// formats it only into the note `node N ignored 'TEXT': REASON` ([`Refused`]).
    type Refusal: fmt::Display;
    /// A lab-specific command from outside (`cmd:2:timeout` in a timeline: a client request,
    /// a forced election timeout, …). Returns why not when this node cannot carry it out now
    /// (a command for another kind of node, a key beyond the lab's); the simulator records it
    /// as a note.
    fn on_command(
        &mut self,
        cmd: &Self::Command,
        ctx: &mut Ctx<Self::Msg, Self::Timer>,
    ) -> Result<(), Self::Refusal>;
}

/// `shows_whole_messages!();` in an `impl Node`: a trace line keeps the whole message
/// ([`Node::Shown`] is [`Node::Msg`]), for a lab whose messages hold no heap data.
macro_rules! shows_whole_messages {
    () => {
        type Shown = <Self as $crate::node::Node>::Msg;

        fn shown(msg: &<Self as $crate::node::Node>::Msg) -> <Self as $crate::node::Node>::Msg {
            msg.clone()
        }
    };
}
pub(crate) use shows_whole_messages;

/// The refusal of a node that takes no commands of its own: a lab without commands
/// ([`crate::command::NoCommand`]: there is no value to refuse) or a part of a lab's process
/// that its process's node type answers for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this lab has no command '{0}'")]
pub struct NoCommands<C: crate::command::Command>(pub C);

/// `refuses_commands!();` in an `impl Node`: the [`Node::Refusal`] ([`NoCommands`]) and the
/// [`Node::on_command`] of a node that takes no commands of its own, refusing every one (its
/// `Command` type is `Copy`). A macro, as a trait cannot give an associated type a default.
macro_rules! refuses_commands {
    () => {
        type Refusal = $crate::node::NoCommands<Self::Command>;

        fn on_command(
            &mut self,
            cmd: &Self::Command,
            _ctx: &mut $crate::node::Ctx<Self::Msg, Self::Timer>,
        ) -> Result<(), Self::Refusal> {
            Err($crate::node::NoCommands(*cmd))
        }
    };
}
pub(crate) use refuses_commands;

/// Why the simulator did not carry out a command it delivered to a running node, written only
/// into the trace note `node N ignored 'TEXT': …`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused<R: fmt::Display> {
    /// The node refused it: its lab's reason ([`Node::Refusal`]).
    #[error("{0}")]
    Node(R),
    /// The command is another lab's type (only a test injecting one by hand makes one: the
    /// link reader makes every command of the lab's own type).
    #[error("'{0}' is not a command of this lab")]
    OtherLab(crate::command::Cmd),
}

/// What a handler asks the simulator to do, recorded as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect<M, T> {
    /// Send a message.
    Send(NodeId, M),
    /// Arm (or re-arm) a timer to fire after a delay.
    SetTimer(T, Duration),
    /// Disarm a timer.
    CancelTimer(T),
    /// Explain a decision in the trace ("why"), as the node's note (shown `2: …`).
    Note(Note),
}

/// A handler's view of the world: the time, its own id, its own RNG stream, and an effect list.
pub struct Ctx<'a, M, T> {
    now: SimTime,
    me: NodeId,
    n: usize,
    rng: &'a mut Rng,
    up: &'a [bool],
    effects: Vec<Effect<M, T>>,
    /// Notes are not wanted (a quiet run: experiments, fast replays): `note` does nothing.
    quiet: bool,
}

impl<'a, M: Clone, T> Ctx<'a, M, T> {
    /// A context for calling a handler directly (unit tests of a node without a simulator).
    pub fn new(now: SimTime, me: NodeId, n: usize, rng: &'a mut Rng) -> Self {
        Ctx {
            now,
            me,
            n,
            rng,
            up: &[],
            effects: Vec::new(),
            quiet: false,
        }
    }
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.me
    }
    /// Number of nodes in the simulation.
    pub fn cluster_size(&self) -> usize {
        self.n
    }
    /// Ghost knowledge for measurements only (never for protocol decisions): whether `node` is
    /// running now, as the simulator knows it (true for a context made by [`Ctx::new`]). The load
    /// balancer uses it to keep only the routing decisions its crash reports need.
    pub fn ghost_is_up(&self, node: NodeId) -> bool {
        self.up.get(node).copied().unwrap_or(true)
    }
    /// This node's own random stream.
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }
    /// Sends `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: M) {
        self.effects.push(Effect::Send(to, msg));
    }
    /// Sends `msg` to every other node.
    pub fn broadcast(&mut self, msg: M) {
        for to in 0..self.n {
            if to != self.me {
                self.effects.push(Effect::Send(to, msg.clone()));
            }
        }
    }
    /// Arms `timer` to fire `after` from now (replacing an armed timer of the same value).
    pub fn set_timer(&mut self, timer: T, after: Duration) {
        self.effects.push(Effect::SetTimer(timer, after));
    }
    /// Disarms `timer`.
    pub fn cancel_timer(&mut self, timer: T) {
        self.effects.push(Effect::CancelTimer(timer));
    }
    /// Adds a line of explanation to this step's trace event (nothing in a quiet run).
    pub fn note(&mut self, why: impl Into<String>) {
        if !self.quiet {
            self.effects
                .push(Effect::Note(Note::node(self.me, why.into())));
        }
    }
    /// Like [`Ctx::note`], but the text is only formatted if the run keeps notes: hot paths
    /// write `ctx.note_fmt(format_args!(…))`, so a quiet run formats nothing.
    pub fn note_fmt(&mut self, why: std::fmt::Arguments<'_>) {
        if !self.quiet {
            let mut s = String::with_capacity(48);
            let _ = std::fmt::Write::write_fmt(&mut s, why);
            self.effects.push(Effect::Note(Note::node(self.me, s)));
        }
    }
    /// A note kept as a record and worded only when shown ([`NoteRec`]): for the notes of the
    /// hottest paths, so a traced run formats none of them unless someone reads them.
    pub fn note_rec(&mut self, rec: NoteRec) {
        if !self.quiet {
            self.effects.push(Effect::Note(Note::rec(self.me, rec)));
        }
    }
    /// Whether notes are dropped (a quiet run).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }
    /// This context dropping notes when `quiet`: a node that runs another inside it (a shard
    /// member's Raft) passes its own quietness on, so a quiet run words none of the inner notes.
    pub fn with_quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }
    /// The effects requested so far (for tests).
    pub fn effects(&self) -> &[Effect<M, T>] {
        &self.effects
    }
    /// Takes the effects out.
    pub fn into_effects(self) -> Vec<Effect<M, T>> {
        self.effects
    }
    /// A context that writes into `buf` (emptied first), so the simulator reuses one buffer.
    pub(crate) fn with_buffer(
        now: SimTime,
        me: NodeId,
        n: usize,
        rng: &'a mut Rng,
        up: &'a [bool],
        mut buf: Vec<Effect<M, T>>,
        quiet: bool,
    ) -> Self {
        buf.clear();
        Ctx {
            now,
            me,
            n,
            rng,
            up,
            effects: buf,
            quiet,
        }
    }
}

/// Helpers for [`Node::heap_bytes`]: what a copy of a collection allocates (a clone holds exactly
/// its length), and an `Arc`-shared part's share (its bytes split between its holders, so the
/// snapshots and the current state that share it count it once together).
pub mod bytes {
    use std::mem::size_of;
    use std::sync::Arc;

    /// `n` items of `T`.
    pub fn items<T>(n: usize) -> usize {
        n * size_of::<T>()
    }

    /// A slice's items (a `Vec` or a `VecDeque` half).
    pub fn slice<T>(v: &[T]) -> usize {
        std::mem::size_of_val(v)
    }

    /// A `BTreeMap` or `BTreeSet` of `n` entries of `K` → `V`: the entries and about a third
    /// more for the nodes (B-tree nodes hold up to 11 entries, at least 5 outside the root).
    pub fn btree<K, V>(n: usize) -> usize {
        n * (size_of::<K>() + size_of::<V>()) * 4 / 3
    }

    /// This holder's share of `bytes` held behind `a`.
    pub fn shared<T: ?Sized>(a: &Arc<T>, bytes: usize) -> usize {
        bytes / Arc::strong_count(a).max(1)
    }
}
