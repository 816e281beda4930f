//! What an observer believes about a process: up, suspect, or down. Shared by the failure
//! detectors of the heartbeat lab and the health checks of the load balancer, and shown the same
//! way in every page (`data-status`).

/// An observer's verdict on a process, in increasing order of doubt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Health {
    /// Heard from recently enough (or the last checks succeeded).
    Up,
    /// Late or failing, but not yet declared dead (still routed to by a balancer, as HAProxy does).
    Suspect,
    /// Declared dead.
    Down,
}

impl Health {
    /// The verdicts in increasing order of doubt (`ALL[h.index()] == h`).
    pub const ALL: [Health; 3] = [Health::Up, Health::Suspect, Health::Down];

    /// Position in [`Health::ALL`] (its order: the derived `Ord`).
    pub fn index(self) -> usize {
        match self {
            Health::Up => 0,
            Health::Suspect => 1,
            Health::Down => 2,
        }
    }

    /// The lowercase name used in the UI and links (`up`, `suspect`, `down`).
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Suspect => "suspect",
            Health::Down => "down",
        }
    }
}
