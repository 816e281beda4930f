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
    /// The lowercase name used in the UI and links (`up`, `suspect`, `down`).
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Suspect => "suspect",
            Health::Down => "down",
        }
    }
}
