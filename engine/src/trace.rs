//! What a run records: messages on the wire ([`InFlight`]) and one [`TraceEvent`] per step,
//! whose `Display` line is the transcript and event-log format.

use crate::fault::Fault;
use crate::time::SimTime;
use crate::NodeId;
use std::fmt::{self, Display};

/// A message on the wire (or parked at a held link).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight<M> {
    /// Message id, unique in the run (used by the `drop:ID` fault and the UI).
    pub id: u64,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// The payload.
    pub msg: M,
    /// When it left the sender.
    pub sent_at: SimTime,
    /// When it reaches the receiver's end of the link.
    pub deliver_at: SimTime,
    /// Decided lost at send time; it vanishes on arrival instead of being delivered.
    pub lost: bool,
    /// Parked at a held link, waiting to be released.
    pub held: bool,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What<M, T> {
    /// A message reached its receiver, which handled it.
    Deliver {
        id: u64,
        from: NodeId,
        to: NodeId,
        msg: M,
        /// When it was sent (for sequence diagrams).
        sent: SimTime,
    },
    /// A message did not arrive: lost on the wire, link cut, or receiver down.
    Drop {
        id: u64,
        from: NodeId,
        to: NodeId,
        msg: M,
        why: DropReason,
        /// When it was sent.
        sent: SimTime,
    },
    /// A message reached a held link and waits there.
    Hold {
        id: u64,
        from: NodeId,
        to: NodeId,
        msg: M,
        /// When it was sent.
        sent: SimTime,
    },
    /// A node's timer fired.
    Timer { node: NodeId, timer: T },
    /// A fault was applied.
    Fault(Fault),
}

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Random loss (the `loss` setting).
    Lost,
    /// The link was cut when it arrived.
    LinkCut,
    /// The receiver was down.
    NodeDown,
}

impl Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Lost => "lost on the wire",
            DropReason::LinkCut => "link cut",
            DropReason::NodeDown => "receiver down",
        })
    }
}

/// One line of the trace: the event a step processed, and the notes its handler wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent<M, T> {
    /// 1-based step number.
    pub step: u64,
    /// When it happened.
    pub time: SimTime,
    /// What happened.
    pub what: What<M, T>,
    /// Explanations (node decisions, messages dropped at send on a cut link, …).
    pub notes: Vec<String>,
}

impl<M: Display, T: Display> Display for What<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Deliver {
                id, from, to, msg, ..
            } => write!(f, "{from}→{to} {msg} (#{id})"),
            What::Drop {
                id,
                from,
                to,
                msg,
                why,
                ..
            } => write!(f, "{from}→{to} {msg} (#{id}) dropped: {why}"),
            What::Hold {
                id, from, to, msg, ..
            } => {
                write!(f, "{from}→{to} {msg} (#{id}) held at the link")
            }
            What::Timer { node, timer } => write!(f, "node {node}: {timer} timer"),
            What::Fault(fault) => write!(f, "fault {fault}"),
        }
    }
}

impl<M: Display, T: Display> TraceEvent<M, T> {
    /// The line without its notes: time and what happened (the event log shows notes below it).
    pub fn headline(&self) -> String {
        format!("{} {}", self.time, self.what)
    }
}

/// One trace line: `time what · note · note` (the transcript and event-log format).
impl<M: Display, T: Display> Display for TraceEvent<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.time, self.what)?;
        for n in &self.notes {
            write!(f, " · {n}")?;
        }
        Ok(())
    }
}
