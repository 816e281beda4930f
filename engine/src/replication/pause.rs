//! A stop-the-world pause (a long GC pause, a frozen VM) modelled inside a node: while paused the
//! node handles nothing; what reaches it is held, in order, and handled when it resumes — with the
//! beliefs it had before the pause. Shared by the replication and lock nodes (`cmd:N:pause:MS`).

use crate::time::{Duration, SimTime};

/// A node's pause and what arrived during it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pause<E> {
    /// Frozen until then (volatile: a crash ends a pause).
    pub until: Option<SimTime>,
    /// What arrived during the pause, in order.
    pub held: Vec<E>,
}

impl<E> Default for Pause<E> {
    fn default() -> Self {
        Pause {
            until: None,
            held: Vec::new(),
        }
    }
}

impl<E> Pause<E> {
    /// Paused now?
    pub fn is_paused(&self) -> bool {
        self.until.is_some()
    }
    /// Holds `e` while paused (`None`); gives it back to handle now otherwise.
    pub fn hold(&mut self, e: E) -> Option<E> {
        if self.is_paused() {
            self.held.push(e);
            None
        } else {
            Some(e)
        }
    }
    /// Pauses (or lengthens the pause) until at least `now + d`; returns the end.
    pub fn extend(&mut self, now: SimTime, d: Duration) -> SimTime {
        let until = now.plus(d);
        let until = self.until.map_or(until, |u| u.max(until));
        self.until = Some(until);
        until
    }
    /// Ends the pause: what was held, in arrival order.
    pub fn resume(&mut self) -> Vec<E> {
        self.until = None;
        std::mem::take(&mut self.held)
    }
    /// Forgets the pause and what it held (a crash).
    pub fn clear(&mut self) {
        self.until = None;
        self.held.clear();
    }
}
