//! The simulator's tables: the event queue entry, the messages in flight and the armed timers.
//!
//! Cheap on purpose (they are touched several times per event): messages in flight sit in a deque
//! indexed by id (ids are handed out in order and most messages leave the network within one
//! latency), with the few that leave that order — held at a link, then released — in a small map;
//! timers are a short list per node, each with a cell saying which queue entry stands for it.
//! Nothing here decides anything: the order of events is the queue's `(time, seq)` order, exactly
//! as before.

use crate::idmap::IdMap;
use crate::sim::InFlight;
use crate::time::SimTime;
use crate::NodeId;
use std::cmp::Ordering;

/// What a queue entry stands for, in one word: the arrival of message `id` (below 2^63), or
/// the timer of cell `c` ([`TimerRec::cell`]; `TIMER | c`). The entry is live only while the
/// cell names this entry's key ([`Cell::entry`]); a re-armed timer moves its entry instead of
/// adding one. The timer and its node are the cell's ([`TimerTable::owner`]), not the entry's:
/// an entry is 24 bytes whatever a lab's timers weigh, and the heap's sifts move less.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QKind(u64);

/// The tag of a timer's entry.
const TIMER: u64 = 1 << 63;

/// [`QKind`], read.
pub(crate) enum Kind {
    /// The arrival of message `id`.
    Deliver(u64),
    /// The timer of this cell.
    Timer(u32),
}

impl QKind {
    /// Message `id` arrives (ids count up from 1, far below 2^63).
    #[inline(always)]
    pub fn deliver(id: u64) -> QKind {
        debug_assert!(id < TIMER);
        QKind(id)
    }
    /// The timer of `cell` fires.
    #[inline(always)]
    pub fn timer(cell: u32) -> QKind {
        QKind(TIMER | cell as u64)
    }
    /// Which.
    #[inline(always)]
    pub fn get(self) -> Kind {
        if self.0 & TIMER == 0 {
            Kind::Deliver(self.0)
        } else {
            Kind::Timer(self.0 as u32)
        }
    }
}

/// A queue entry, ordered by `(time, seq)`; `seq` is unique, so the order is total.
#[derive(Clone, Debug)]
pub(crate) struct Queued {
    pub time: SimTime,
    pub seq: u64,
    pub kind: QKind,
}

impl Queued {
    /// The ordering key.
    pub fn key(&self) -> (SimTime, u64) {
        (self.time, self.seq)
    }
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Queued {}
impl Queued {
    /// The ordering key as one number: natively one branch-free compare in the heap's sifts
    /// (+4 to +6 % events/s); in wasm32, which has no 128-bit compare, the pair compares
    /// faster (−3 % with the number in the page's opt-level "z" build).
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    fn rank(&self) -> u128 {
        (self.time.as_us() as u128) << 64 | self.seq as u128
    }
    /// See above.
    #[cfg(target_arch = "wasm32")]
    #[inline(always)]
    fn rank(&self) -> (SimTime, u64) {
        self.key()
    }
}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
    #[inline(always)]
    fn lt(&self, o: &Self) -> bool {
        self.rank() < o.rank()
    }
    #[inline(always)]
    fn le(&self, o: &Self) -> bool {
        self.rank() <= o.rank()
    }
    #[inline(always)]
    fn gt(&self, o: &Self) -> bool {
        self.rank() > o.rank()
    }
    #[inline(always)]
    fn ge(&self, o: &Self) -> bool {
        self.rank() >= o.rank()
    }
}
impl Ord for Queued {
    fn cmp(&self, o: &Self) -> Ordering {
        self.rank().cmp(&o.rank())
    }
}

/// Messages in flight (on the wire or held), by id.
#[derive(Debug)]
pub(crate) struct MsgTable<M> {
    /// Id of `wire[head]`.
    base: u64,
    /// Messages in id order from `base` at `wire[head]`; `None` once delivered, dropped or
    /// moved to `off`. The slots before `head` are empty and dropped in batches (a delivered
    /// slot is not moved out to be dropped, as a deque's `pop_front` would).
    wire: Vec<Option<InFlight<M>>>,
    /// The first slot in use (`wire[head]` is `Some` unless the table is empty).
    head: usize,
    /// Messages that were held at a link (and possibly released since), by id.
    off: IdMap<InFlight<M>>,
}

/// A copy (a snapshot's) holds only the slots in use, not the empty prefix.
impl<M: Clone> Clone for MsgTable<M> {
    fn clone(&self) -> Self {
        MsgTable {
            base: self.base,
            wire: self.wire[self.head..].to_vec(),
            head: 0,
            off: self.off.clone(),
        }
    }
}

impl<M> MsgTable<M> {
    pub fn new() -> Self {
        MsgTable {
            base: 1,
            wire: Vec::new(),
            head: 0,
            off: IdMap::new(),
        }
    }

    /// The index in `wire` of message `id`, if it is there (a held message's old slot is
    /// empty: it lives in `off`).
    fn slot(&self, id: u64) -> Option<usize> {
        let i = id.checked_sub(self.base)?;
        let i = usize::try_from(i).ok()?.checked_add(self.head)?;
        self.wire.get(i)?.as_ref().map(|_| i)
    }

    /// Adds a message just sent (ids increase from one send to the next).
    pub fn insert(&mut self, m: InFlight<M>) {
        if self.head == self.wire.len() {
            self.wire.clear();
            self.head = 0;
            self.base = m.id;
        }
        debug_assert_eq!(m.id, self.base + (self.wire.len() - self.head) as u64);
        self.wire.push(Some(m));
    }

    /// The message with this id, if in flight.
    #[inline(always)]
    pub fn get(&self, id: u64) -> Option<&InFlight<M>> {
        match self.slot(id) {
            Some(i) => self.wire[i].as_ref(),
            None => self.off.get(&id),
        }
    }

    /// Mutable access to a message in flight.
    pub fn get_mut(&mut self, id: u64) -> Option<&mut InFlight<M>> {
        match self.slot(id) {
            Some(i) => self.wire[i].as_mut(),
            None => self.off.get_mut(&id),
        }
    }

    /// Takes a message out of the network.
    pub fn remove(&mut self, id: u64) -> Option<InFlight<M>> {
        match self.slot(id) {
            Some(i) => {
                let m = self.wire[i].take();
                if i == self.head {
                    while self.wire.get(self.head).is_some_and(Option::is_none) {
                        self.head += 1;
                        self.base += 1;
                    }
                    // Drop the empty prefix once it is half the table (amortised: each slot
                    // is moved at most once per halving).
                    if self.head >= 64 && self.head * 2 >= self.wire.len() {
                        self.wire.drain(..self.head);
                        self.head = 0;
                    }
                }
                m
            }
            None => self.off.remove(&id),
        }
    }

    /// Parks a message (just taken out with `remove`) at a held link.
    pub fn hold(&mut self, m: InFlight<M>) {
        self.off.insert(m.id, m);
    }

    /// Held messages (and released ones not yet delivered), in id order.
    pub fn off_wire(&self) -> impl Iterator<Item = &InFlight<M>> {
        self.off.values()
    }

    /// Slots held (delivered ones not yet popped included) and held messages: the table's
    /// size in entries.
    pub fn slots(&self) -> usize {
        self.wire.len() - self.head + self.off.len()
    }

    /// Every message in flight, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &InFlight<M>> {
        let mut wire = self.wire[self.head..].iter().flatten().peekable();
        let mut off = self.off.values().peekable();
        std::iter::from_fn(move || match (wire.peek(), off.peek()) {
            (Some(a), Some(b)) if b.id < a.id => off.next(),
            (Some(_), _) => wire.next(),
            (None, _) => off.next(),
        })
    }
}

/// An armed timer.
#[derive(Clone, Debug)]
pub(crate) struct TimerRec<T> {
    pub timer: T,
    /// When it was (last) armed.
    pub armed: SimTime,
    /// Its cell in [`TimerTable::cell`]: where it stands in the event order.
    pub cell: u32,
}

/// Where an armed timer stands in the event order. Each armed timer has a cell, handed out when
/// it is armed and taken back when it fires or is disarmed (a slot's timers share the slot's
/// cell for good); its queue entry carries the cell's index, so whether an entry still stands
/// for its timer is one array read ([`Cell::entry`]) instead of a search of the node's timers
/// (a load balancer's clients hold thousands: natively that search, in the queue's compaction,
/// was an eighth of a heavy replay).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cell {
    /// When the timer fires, and the sequence number it was armed with: its place in the order.
    pub due: (SimTime, u64),
    /// The key of the queue entry that stands for the timer. Equal to `due`, or earlier when the
    /// timer was re-armed to a later time and kept its old entry (which moves to `due` when it
    /// reaches the head of the queue). An entry with another key is dead: its timer was disarmed
    /// (the cell is then free, or another timer's, with other keys: sequence numbers are never
    /// reused) or re-armed earlier under a new entry.
    pub entry: (SimTime, u64),
}

/// A free cell: no queue entry has this key (sequence numbers start at 1).
const FREE: Cell = Cell {
    due: (SimTime(u64::MAX), 0),
    entry: (SimTime(u64::MAX), 0),
};

/// What [`TimerTable::arm`] asks of the queue.
pub(crate) enum Armed {
    /// Push an entry for the timer, with this cell, at its due key.
    Push(u32),
    /// Nothing: the timer's entry is at or before its new due key and moves there at the head.
    Kept,
}

/// Disarmed entries a node's list may hold (and at least half of it) before it is compacted.
const DEAD_SLACK: usize = 32;

/// How a timer is found ([`TimerTable::find_by`], from the lab's [`crate::Node::TIMER_NUMBER`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Find {
    /// At this index of the node's slots (a number below [`MAX_TIMER_SLOT`]).
    Slot(usize),
    /// In the node's numbered list, sorted by this number (a larger number).
    Number(u128),
    /// In the node's list, sorted by the timer's own order (a lab that numbers no timers).
    Order,
}

/// A sorted list of timer records with dead entries (see [`NodeTimers`]), by key `K`: the
/// timer's number, or nothing (`()`, no bytes) when the list is sorted by the timers themselves.
#[derive(Clone, Debug)]
struct Sorted<K, T> {
    /// `(key, record, live)`; `live` false for a dead entry.
    items: Vec<(K, TimerRec<T>, bool)>,
    /// Dead entries in `items`.
    dead: usize,
}

type Item<K, T> = (K, TimerRec<T>, bool);

impl<K, T> Sorted<K, T> {
    fn new() -> Self {
        Sorted {
            items: Vec::new(),
            dead: 0,
        }
    }

    fn get(&self, at: impl FnMut(&Item<K, T>) -> Ordering) -> Option<&TimerRec<T>> {
        let e = &self.items[self.items.binary_search_by(at).ok()?];
        e.2.then_some(&e.1)
    }

    fn get_mut(&mut self, at: impl FnMut(&Item<K, T>) -> Ordering) -> Option<&mut TimerRec<T>> {
        let i = self.items.binary_search_by(at).ok()?;
        let e = &mut self.items[i];
        e.2.then_some(&mut e.1)
    }

    /// Adds `rec` under `key`, placed by `at(entry, rec)`.
    fn insert(
        &mut self,
        at: impl Fn(&Item<K, T>, &TimerRec<T>) -> Ordering,
        key: K,
        rec: TimerRec<T>,
    ) {
        match self.items.binary_search_by(|e| at(e, &rec)) {
            Ok(i) => {
                self.dead -= !self.items[i].2 as usize;
                self.items[i] = (key, rec, true);
            }
            Err(i) => self.items.insert(i, (key, rec, true)),
        }
    }

    /// Disarms the timer `at` finds; its cell, if it was armed.
    fn remove(&mut self, at: impl FnMut(&Item<K, T>) -> Ordering) -> Option<u32> {
        let i = self.items.binary_search_by(at).ok()?;
        if !self.items[i].2 {
            return None;
        }
        let cell = self.items[i].1.cell;
        if self.dead == 0 && self.items.len() <= DEAD_SLACK {
            // A short list: remove it outright.
            self.items.remove(i);
            return Some(cell);
        }
        self.items[i].2 = false;
        self.dead += 1;
        if self.dead >= DEAD_SLACK && self.dead * 2 >= self.items.len() {
            self.items.retain(|e| e.2);
            self.dead = 0;
        }
        Some(cell)
    }

    /// The cells of the armed timers.
    fn cells(&self) -> impl Iterator<Item = u32> + '_ {
        self.items.iter().filter(|e| e.2).map(|e| e.1.cell)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.items.len() - self.dead
    }

    fn clear(&mut self) {
        self.items.clear();
        self.dead = 0;
    }

    fn heap_bytes(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<Item<K, T>>()
    }
}

/// One node's armed timers: sorted lists (binary search; a monitor with one timer per
/// peer has dozens, a load-balancer client one per request in flight, thousands). A disarmed
/// timer stays as a dead entry (its key keeps the list sorted) until
/// the dead make up half of a long list, then the list is compacted in one pass: the load
/// balancer's clients hold a timeout per request in flight, thousands, disarmed mostly from the
/// front, and removing each one shifted the rest (that `memmove` was 88 % of the instructions of
/// a heavy load-balancer replay). Nothing iterates the lists, so their order decides nothing.
/// (A B-tree did the same for the instructions but added 6–16 KB to every page bundle.)
///
/// A lab that numbers its timers ([`crate::Node::TIMER_NUMBER`]) keeps a timer with a small
/// number at that index of `slots`, found without a search, and the others in `numbered`, sorted
/// by number (comparing two numbers instead of two timers: a fifth of a heavy load-balancer
/// replay went to comparing its timers). A lab that numbers none uses `list` only, whose
/// entries hold no number.
#[derive(Clone, Debug)]
struct NodeTimers<T> {
    /// Sorted by timer.
    list: Sorted<(), T>,
    /// Sorted by number.
    numbered: Sorted<u128, T>,
    /// Numbered timers, at their number (grown on demand; `None` until first used).
    slots: Vec<Option<Slot<T>>>,
}

/// A numbered timer's slot. Its record stays when the timer is disarmed (`live` false), and
/// with it the slot's cell, for good: a timer that fires and is armed again (a heartbeat, an
/// election timeout) takes no cell from the free list, and finds it in the same place as the
/// rest of its record.
#[derive(Clone, Debug)]
struct Slot<T> {
    rec: TimerRec<T>,
    live: bool,
}

/// Timer numbers at or above this are kept in the sorted list (a bound on `slots`' length).
pub const MAX_TIMER_SLOT: usize = 1 << 14;

/// A cell for `t` of `node`, new at the end of [`TimerTable`]'s `cells` and `owners` (the
/// fields, not the table: a caller may hold one of the table's slots).
fn new_cell<T: Clone>(
    cells: &mut Vec<Cell>,
    owners: &mut Vec<(u32, T)>,
    node: NodeId,
    t: &T,
) -> u32 {
    cells.push(FREE);
    owners.push((node as u32, t.clone()));
    (cells.len() - 1) as u32
}

/// Armed timers, per node ([`NodeTimers`]), and their cells ([`Cell`]).
#[derive(Clone, Debug)]
pub(crate) struct TimerTable<T> {
    nodes: Vec<NodeTimers<T>>,
    /// By cell index; a free one is [`FREE`]. Never shrinks: a queue entry's cell index stays
    /// valid for as long as the entry is queued.
    cells: Vec<Cell>,
    /// Free cells, reused last freed first.
    free: Vec<u32>,
    /// By cell index: the node and timer the cell was last handed to (a queue entry names only
    /// its cell; a live entry's timer is its cell's).
    owners: Vec<(u32, T)>,
}

impl<T: Ord> TimerTable<T> {
    pub fn new(n: usize) -> Self {
        TimerTable {
            nodes: (0..n)
                .map(|_| NodeTimers {
                    list: Sorted::new(),
                    numbered: Sorted::new(),
                    slots: Vec::new(),
                })
                .collect(),
            cells: Vec::new(),
            free: Vec::new(),
            owners: Vec::new(),
        }
    }

    /// Where `t` is kept, given the lab's numbering `number_of`: the `at` every method below
    /// takes. (Computed by the caller from the lab's constant, so a lab that numbers no
    /// timers compiles to the plain search.)
    #[inline]
    pub fn find_by(number_of: Option<fn(&T) -> u128>, t: &T) -> Find {
        match number_of.map(|f| f(t)) {
            None => Find::Order,
            Some(k) if k < MAX_TIMER_SLOT as u128 => Find::Slot(k as usize),
            Some(k) => Find::Number(k),
        }
    }

    #[inline(always)]
    pub fn get(&self, node: NodeId, t: &T, at: Find) -> Option<&TimerRec<T>> {
        let n = self.nodes.get(node)?;
        match at {
            Find::Slot(i) => n.slots.get(i)?.as_ref().filter(|s| s.live).map(|s| &s.rec),
            Find::Number(k) => n.numbered.get(|e| e.0.cmp(&k)),
            Find::Order => n.list.get(|e| e.1.timer.cmp(t)),
        }
    }

    /// Arms `t` of `node` at `now` to fire at `due` (its place in the event order): re-armed if
    /// it is armed, with a new cell if not.
    #[inline]
    pub fn arm(&mut self, node: NodeId, t: &T, at: Find, now: SimTime, due: (SimTime, u64)) -> Armed
    where
        T: Clone,
    {
        let n = &mut self.nodes[node];
        let armed = match at {
            Find::Slot(i) => return self.arm_slot(node, i, t, now, due),
            Find::Number(k) => n.numbered.get_mut(|e| e.0.cmp(&k)),
            Find::Order => n.list.get_mut(|e| e.1.timer.cmp(t)),
        };
        if let Some(r) = armed {
            r.armed = now;
            let cell = r.cell;
            return self.rearm(cell, due);
        }
        let cell = match self.free.pop() {
            Some(c) => {
                self.owners[c as usize] = (node as u32, t.clone());
                c
            }
            None => new_cell(&mut self.cells, &mut self.owners, node, t),
        };
        self.cells[cell as usize] = Cell { due, entry: due };
        let rec = TimerRec {
            timer: t.clone(),
            armed: now,
            cell,
        };
        // Not armed (a re-armed timer was updated above), and not in a slot.
        let n = &mut self.nodes[node];
        if let Find::Number(k) = at {
            n.numbered.insert(|e, _| e.0.cmp(&k), k, rec);
        } else {
            n.list.insert(|e, r| e.1.timer.cmp(&r.timer), (), rec);
        }
        Armed::Push(cell)
    }

    /// The node and timer of cell `i` (of a live queue entry: its timer).
    #[inline(always)]
    pub fn owner(&self, i: u32) -> &(u32, T) {
        &self.owners[i as usize]
    }

    /// Cell `i` (see [`Cell`]).
    #[inline(always)]
    pub fn cell(&self, i: u32) -> Cell {
        self.cells[i as usize]
    }

    /// Cell `i`, to move its entry.
    #[inline(always)]
    pub fn cell_mut(&mut self, i: u32) -> &mut Cell {
        &mut self.cells[i as usize]
    }

    /// Moves an armed timer's cell to `due`.
    #[inline(always)]
    fn rearm(&mut self, cell: u32, due: (SimTime, u64)) -> Armed {
        let c = &mut self.cells[cell as usize];
        c.due = due;
        if c.entry <= due {
            return Armed::Kept;
        }
        // Re-armed earlier: a new entry (the old one is dead from now on).
        c.entry = due;
        Armed::Push(cell)
    }

    /// [`TimerTable::arm`] for slot `i` of `node`: re-armed if armed, else armed with the slot's
    /// cell (made on first use).
    #[inline]
    fn arm_slot(
        &mut self,
        node: NodeId,
        i: usize,
        t: &T,
        now: SimTime,
        due: (SimTime, u64),
    ) -> Armed
    where
        T: Clone,
    {
        let slots = &mut self.nodes[node].slots;
        if slots.len() <= i {
            slots.resize_with(i + 1, || None);
        }
        let cell = match &mut slots[i] {
            Some(s) if s.live => {
                s.rec.armed = now;
                let cell = s.rec.cell;
                return self.rearm(cell, due);
            }
            Some(s) => {
                s.rec.timer = t.clone();
                s.rec.armed = now;
                s.live = true;
                self.owners[s.rec.cell as usize].1 = t.clone();
                s.rec.cell
            }
            empty => {
                let cell = new_cell(&mut self.cells, &mut self.owners, node, t);
                *empty = Some(Slot {
                    rec: TimerRec {
                        timer: t.clone(),
                        armed: now,
                        cell,
                    },
                    live: true,
                });
                cell
            }
        };
        self.cells[cell as usize] = Cell { due, entry: due };
        Armed::Push(cell)
    }

    /// Disarms a timer (its cell is free again); false if it was not armed.
    pub fn remove(&mut self, node: NodeId, t: &T, at: Find) -> bool {
        let Some(n) = self.nodes.get_mut(node) else {
            return false;
        };
        let (cell, slot) = match at {
            Find::Slot(i) => (
                n.slots
                    .get_mut(i)
                    .and_then(Option::as_mut)
                    .filter(|s| s.live)
                    .map(|s| {
                        s.live = false;
                        s.rec.cell
                    }),
                true,
            ),
            Find::Number(k) => (n.numbered.remove(|e| e.0.cmp(&k)), false),
            Find::Order => (n.list.remove(|e| e.1.timer.cmp(t)), false),
        };
        let Some(cell) = cell else {
            return false;
        };
        self.cells[cell as usize] = FREE;
        if !slot {
            // A slot keeps its cell.
            self.free.push(cell);
        }
        true
    }

    /// Armed timers, all nodes.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| {
                n.list.len()
                    + n.numbered.len()
                    + n.slots.iter().flatten().filter(|s| s.live).count()
            })
            .sum()
    }

    /// Heap bytes of the table (for [`crate::Sim::approx_bytes`]): the lists' capacity.
    pub fn heap_bytes(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| {
                n.list.heap_bytes()
                    + n.numbered.heap_bytes()
                    + n.slots.capacity() * std::mem::size_of::<Option<Slot<T>>>()
            })
            .sum::<usize>()
            + self.nodes.len() * std::mem::size_of::<NodeTimers<T>>()
            + self.cells.capacity() * std::mem::size_of::<Cell>()
            + self.free.capacity() * std::mem::size_of::<u32>()
            + self.owners.capacity() * std::mem::size_of::<(u32, T)>()
    }

    /// Disarms every timer of `node` (its slots keep their cells).
    pub fn clear(&mut self, node: NodeId) {
        let TimerTable {
            nodes, cells, free, ..
        } = self;
        let n = &mut nodes[node];
        for c in n.list.cells().chain(n.numbered.cells()) {
            cells[c as usize] = FREE;
            free.push(c);
        }
        for s in n.slots.iter_mut().flatten() {
            if s.live {
                cells[s.rec.cell as usize] = FREE;
                s.live = false;
            }
        }
        n.list.clear();
        n.numbered.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u64) -> InFlight<u64> {
        InFlight {
            id,
            from: 0,
            to: 1,
            msg: id * 10,
            sent_at: SimTime::ZERO,
            deliver_at: SimTime::ZERO,
            lost: false,
            held: false,
        }
    }

    /// The timer table against a plain sorted map, through growing to hundreds of timers,
    /// re-arming, removing out of order (dead entries, then compaction), re-arming a dead key,
    /// shrinking and clearing; with no timer numbered, and with a third of them numbered (kept
    /// in slots) and the others numbered past [`MAX_TIMER_SLOT`] (kept in the list, sorted by
    /// a number whose order is not the timers': a reversed one, far above 64 bits).
    #[test]
    fn timer_table_matches_a_plain_map_with_dead_entries() {
        timer_table_against_a_map(None);
        // Keys 0, 3, 6, … in slots; the others numbered past MAX_TIMER_SLOT, so in the list.
        timer_table_against_a_map(Some(|k| match k % 3 {
            0 => *k as u128,
            _ => (1 << 100) - *k as u128,
        }));
    }

    fn timer_table_against_a_map(number_of: Option<fn(&u32) -> u128>) {
        let mut t = TimerTable::<u32>::new(2);
        let s = |k: &u32| TimerTable::find_by(number_of, k);
        let mut model = std::collections::BTreeMap::new();
        let (mut with_dead, mut compacted, mut dead_before) = (0, 0, 0);
        let mut x: u64 = 7;
        for round in 0..4_000u32 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let k = ((x >> 33) % 300) as u32;
            // Grow for a while, then shrink, then grow again.
            let grow = (round / 1_000) % 2 == 0;
            if grow || model.is_empty() {
                let at = SimTime(k as u64);
                t.arm(1, &k, s(&k), at, (at, k as u64));
                model.insert(k, k as u64);
            } else {
                assert_eq!(
                    t.remove(1, &k, s(&k)),
                    model.remove(&k).is_some(),
                    "remove {k}"
                );
            }
            let dead = t.nodes[1].list.dead + t.nodes[1].numbered.dead;
            with_dead += (dead > 0) as u32;
            compacted += (dead < dead_before && !grow) as u32;
            dead_before = dead;
            assert_eq!(t.len(), model.len());
            for probe in [k, k + 1, 0, 299] {
                assert_eq!(
                    t.get(1, &probe, s(&probe)).map(|r| t.cell(r.cell).due.1),
                    model.get(&probe).copied()
                );
            }
            // One cell per armed timer, and no two timers share one; the free list holds only
            // free cells, the others belong to an armed timer or to a slot.
            let slot_cells = t.nodes[1].slots.iter().flatten().count();
            let in_slots = t.nodes[1].slots.iter().flatten().filter(|s| s.live).count();
            assert_eq!(
                t.cells.len() - t.free.len(),
                model.len() - in_slots + slot_cells
            );
            let mut used: Vec<u32> = model
                .keys()
                .filter_map(|k| t.get(1, k, s(k)).map(|r| r.cell))
                .collect();
            used.sort_unstable();
            used.dedup();
            assert_eq!(used.len(), model.len());
            // An armed timer's cell names it (a queue entry reads its timer there), also when
            // the cell was someone else's before.
            for k in model.keys() {
                let cell = t.get(1, k, s(k)).map(|r| r.cell).expect("armed");
                assert_eq!(t.owner(cell), &(1, *k), "owner of {k}'s cell");
            }
            assert!(t.free.iter().all(|&c| t.cell(c) == FREE));
            let copy = t.clone();
            assert_eq!(copy.len(), t.len());
        }
        assert!(
            with_dead > 0 && compacted > 0,
            "dead entries, then compaction"
        );
        t.clear(1);
        assert_eq!(t.len(), 0);
        // Clearing frees every cell (slots keep theirs, free).
        let slot_cells = t.nodes[1].slots.iter().flatten().count();
        assert_eq!(t.free.len() + slot_cells, t.cells.len());
        assert!(
            t.cells.iter().all(|&c| c == FREE),
            "clearing frees every cell"
        );
        assert!(t.get(0, &1, s(&1)).is_none() && !t.remove(0, &1, s(&1)));
    }

    /// A queue entry's word reads back as what it was made from, at the edges of both kinds.
    #[test]
    fn queue_entry_kind_round_trips() {
        for id in [1, 2, u32::MAX as u64 + 1, (1 << 63) - 1] {
            assert!(
                matches!(QKind::deliver(id).get(), Kind::Deliver(x) if x == id),
                "{id}"
            );
        }
        for cell in [0, 1, u32::MAX] {
            assert!(
                matches!(QKind::timer(cell).get(), Kind::Timer(c) if c == cell),
                "{cell}"
            );
        }
    }

    /// The in-flight table against a plain list of ids, through removals in and out of order,
    /// holds, the batched drop of the empty prefix, emptying and copies.
    #[test]
    fn msg_table_matches_a_plain_list() {
        let mut t = MsgTable::new();
        let mut model: Vec<u64> = Vec::new();
        let mut next = 1;
        let mut dropped_prefix = 0;
        let mut rng = crate::rng::Rng::stream(7, crate::rng::Stream::Network);
        for round in 0..4_000 {
            for _ in 0..rng.range_inclusive(0, 3) {
                t.insert(msg(next));
                model.push(next);
                next += 1;
            }
            if !model.is_empty() && rng.chance_ppm(900_000) {
                // Mostly the oldest, sometimes one further on (out-of-order delivery).
                let k = if rng.chance_ppm(800_000) {
                    0
                } else {
                    rng.range_inclusive(0, model.len() as u64 - 1) as usize
                };
                let id = model.remove(k);
                let head = t.head;
                let m = t.remove(id).expect("in flight");
                if t.head < head {
                    dropped_prefix += 1;
                }
                assert_eq!((m.id, m.msg), (id, id * 10));
                if rng.chance_ppm(50_000) {
                    t.hold(InFlight { held: true, ..m });
                    model.push(id);
                    model.sort_unstable();
                }
            }
            if round % 997 == 0 {
                // Empty it now and then: the next insert starts a fresh table.
                for id in std::mem::take(&mut model) {
                    assert!(t.remove(id).is_some());
                }
            }
            let ids: Vec<u64> = t.iter().map(|m| m.id).collect();
            assert_eq!(ids, model);
            let copy = t.clone();
            assert_eq!(copy.iter().map(|m| m.id).collect::<Vec<_>>(), model);
            assert_eq!(copy.slots(), t.slots());
            for &id in &model {
                assert_eq!(t.get(id).map(|m| m.msg), Some(id * 10));
            }
            assert!(t.get(next).is_none() && t.get(0).is_none());
        }
        assert!(
            dropped_prefix > 5,
            "the empty prefix was dropped {dropped_prefix} times"
        );
    }
}
