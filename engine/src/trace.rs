//! What a run records: messages on the wire ([`InFlight`]) and one [`TraceEvent`] per step,
//! whose `Display` line is the transcript and event-log format.

use crate::fault::Fault;
use crate::time::SimTime;
use crate::NodeId;
use std::borrow::Cow;
use std::fmt::{self, Display};
use std::sync::Arc;

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

/// What one step did. `M` is what a trace line keeps of a message (the lab's
/// [`crate::node::Node::Shown`]), `T` the lab's timer.
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
    pub notes: Vec<Note>,
}

/// One explanation in a trace event. Its `Display` is the text the trace shows: `{node}: …`
/// for a node's note, the text alone for the simulator's. A hot note is kept as a record
/// ([`NoteRec`]: its values and the function that words them) and worded only when shown, so a
/// run pays for the text of the notes someone reads, not of every note.
#[derive(Clone)]
pub struct Note {
    /// The node that wrote it (shown as the `{node}: ` prefix), if a node did.
    me: Option<NodeId>,
    body: NoteBody,
}

#[derive(Clone)]
enum NoteBody {
    /// Worded when written.
    Text(String),
    /// Worded when shown.
    Rec(NoteRec),
    /// Worded when shown by a value that words itself (it holds what it names, such as a
    /// message dropped at send, which it took instead of being dropped).
    Shown(Arc<dyn Display>),
}

/// A note's values, worded when shown by `say` (which writes exactly what the note's
/// `format!` wrote when notes were text: the trace and every transcript are unchanged).
#[derive(Clone)]
pub struct NoteRec {
    /// Numbers (their meaning is `say`'s).
    pub n: [u64; 3],
    /// A shared string (a key), if the note names one.
    pub s: Option<Arc<str>>,
    /// Words the note (without the node prefix).
    pub say: fn(&NoteRec, &mut fmt::Formatter<'_>) -> fmt::Result,
}

impl Note {
    /// A note of `me` (shown as `{me}: {text}`).
    pub fn node(me: NodeId, text: String) -> Note {
        Note {
            me: Some(me),
            body: NoteBody::Text(text),
        }
    }

    /// A record of `me`, worded when shown.
    pub fn rec(me: NodeId, rec: NoteRec) -> Note {
        Note {
            me: Some(me),
            body: NoteBody::Rec(rec),
        }
    }

    /// The simulator's own note (no node prefix).
    pub fn sim(text: String) -> Note {
        Note {
            me: None,
            body: NoteBody::Text(text),
        }
    }

    /// The simulator's note worded when shown by `d`'s `Display`.
    pub fn sim_shown(d: impl Display + 'static) -> Note {
        Note {
            me: None,
            body: NoteBody::Shown(Arc::new(d)),
        }
    }

    /// The node that wrote it, if a node did.
    pub fn writer(&self) -> Option<NodeId> {
        self.me
    }

    /// The text without its `{node}: ` prefix.
    pub fn body(&self) -> Cow<'_, str> {
        match &self.body {
            NoteBody::Text(s) => Cow::Borrowed(s),
            NoteBody::Rec(r) => Cow::Owned(r.to_string()),
            NoteBody::Shown(d) => Cow::Owned(d.to_string()),
        }
    }

    /// The text as the trace shows it.
    pub fn text(&self) -> Cow<'_, str> {
        match (&self.me, &self.body) {
            (None, NoteBody::Text(s)) => Cow::Borrowed(s),
            _ => Cow::Owned(self.to_string()),
        }
    }

    /// Whether the shown text contains `pat`.
    pub fn contains(&self, pat: &str) -> bool {
        self.text().contains(pat)
    }

    /// Whether the shown text starts with `pat`.
    pub fn starts_with(&self, pat: &str) -> bool {
        self.text().starts_with(pat)
    }
}

impl Display for NoteRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.say)(self, f)
    }
}

impl Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(me) = self.me {
            write!(f, "{me}: ")?;
        }
        match &self.body {
            NoteBody::Text(s) => f.write_str(s),
            NoteBody::Rec(r) => (r.say)(r, f),
            NoteBody::Shown(d) => d.fmt(f),
        }
    }
}

impl fmt::Debug for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text(), f)
    }
}

/// Notes are equal when they read the same.
impl PartialEq for Note {
    fn eq(&self, other: &Note) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Note {}

impl PartialEq<str> for Note {
    fn eq(&self, other: &str) -> bool {
        self.text() == other
    }
}

impl PartialEq<&str> for Note {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl PartialEq<String> for Note {
    fn eq(&self, other: &String) -> bool {
        self.text() == other.as_str()
    }
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
