//! Safety properties checked after every step, their incremental forms and the violations found.

use crate::sim::Sim;
use crate::time::SimTime;
use crate::NodeId;

/// A safety property checked after every step. Returns a description when it is violated.
pub type Invariant<N> = (&'static str, fn(&Sim<N>) -> Option<String>);

/// What of a node the invariants read, compared exactly between steps (see
/// [`Sim::set_fingerprint`]): a step that leaves it (and the node's up/down state) unchanged
/// cannot change any invariant that has an incremental form.
pub type Fingerprint = [u64; 10];

/// The incremental form of an invariant: called after a step that changed only node `i`, while
/// the invariant held before that step, with `i`'s fingerprints from before and after the step
/// (the simulator has both at hand). Returns whether the property *may* now be violated; `false`
/// means it certainly still holds, `true` makes the simulator run the full check (which also
/// words the violation).
pub type Suspect<N> = fn(&Sim<N>, NodeId, &Fingerprint, &Fingerprint) -> bool;

/// The local form of an invariant: after a step that changed only node `i`, while the invariant
/// held before that step, checks only the part of the system `i` belongs to (one shard's Raft
/// group in the whole-system lab) instead of all of it. It must find exactly what the full check
/// would then find: every other part held and did not change.
pub type Local<N> = fn(&Sim<N>, NodeId) -> Option<String>;

/// Which nodes a step may have changed (for incremental invariant checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Touched {
    /// No node state and no up/down state changed (a drop, a hold, a link fault, …).
    None,
    /// Only this node's state or up/down state.
    One(NodeId),
}

/// A recorded invariant violation (recorded when the property goes from holding to broken).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The step after which it was found.
    pub step: u64,
    /// When.
    pub time: SimTime,
    /// Which invariant.
    pub invariant: &'static str,
    /// What is wrong.
    pub detail: String,
}
