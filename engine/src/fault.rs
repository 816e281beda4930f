//! The fault vocabulary (after turmoil and Jepsen) and its text form, which is also the
//! fault-timeline mini-language of shareable links: `1500:crash:3;4000:heal`.

pub use crate::command::{Cmd, Command, CommandError, NoCommand, NoCommandError};
use crate::net::{fmt_pct, parse_pct, Latency, LatencyError, PctError};
use crate::time::{fmt_ms, parse_ms, SimTime};
use crate::{clip, NodeId};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Something that happens to the system from outside: a click in the UI or a timeline entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Fault {
    /// Stop a node; it loses its volatile state. `crash:3`
    Crash(NodeId),
    /// Start a crashed node again from its persistent state. `restart:3`
    Restart(NodeId),
    /// Freeze a node for a while, keeping all its state (a long GC pause, SIGSTOP, a frozen VM):
    /// it handles nothing and so sends nothing, its timers do not fire, and the messages that
    /// reach it wait; when the pause is over it handles them (and the timers that came due) in
    /// arrival order, with the beliefs it had before — a stale view of time and leases. A crash
    /// ends a pause. `pause:3:1500` (node, then milliseconds, up to three decimals)
    Pause(NodeId, u64),
    /// Cut every link to and from a node. `isolate:3`
    Isolate(NodeId),
    /// Split the nodes into groups that cannot talk across. `partition:0.1|2.3.4`
    /// (nodes left out of every group form one more group together).
    Partition(Vec<Vec<NodeId>>),
    /// Cut one direction of one link. `cut:1>2`
    Cut(NodeId, NodeId),
    /// Hold one direction: messages wait until released. `hold:1>2`
    Hold(NodeId, NodeId),
    /// Release a held link (its waiting messages are delivered). `release:1>2`
    Release(NodeId, NodeId),
    /// Bring one direction of one link back up (cut or held). `restore:1>2`
    Restore(NodeId, NodeId),
    /// All links up, held messages released. `heal`
    Heal,
    /// Drop one message in flight, by its id. `drop:17`
    DropMsg(u64),
    /// Change the loss probability (percent). `loss:2.5`
    SetLoss(u32),
    /// Change the latency distribution. `lat:10-15`, `lat:exp:10-40`
    SetLatency(Latency),
    /// A lab-specific command to one node, e.g. a client request. `cmd:2:put:x=1`
    /// (the text after the node is the lab's own, parsed by the lab when the link is read; at
    /// most 64 characters of `[A-Za-z0-9=_.+-:]`).
    Command(NodeId, Cmd),
}

/// Why a fault, a timeline entry or a timeline could not be read (the messages quote at most
/// 40 characters of the input, [`clip`]ped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// `crash:x`
    #[error("'{0}' is not a node number")]
    NotANode(String),
    /// `cut:12`
    #[error("'{0}' should be FROM>TO, e.g. 1>2")]
    NotALink(String),
    /// `cut:1>1`
    #[error("'{0}' names the same node twice")]
    SameNodeTwice(String),
    /// `heal:now`
    #[error("'{0}' takes no argument")]
    TakesNoArgument(String),
    /// `pause:2`
    #[error("pause needs NODE:MS, e.g. pause:2:1500")]
    PauseForm,
    /// `pause:2:0`
    #[error("'{0}' is not a pause length in ms (0 < MS ≤ {MAX_PAUSE_MS})")]
    PauseLength(String),
    /// `partition:1.2|2`
    #[error("partition '{0}' lists a node twice")]
    PartitionNodeTwice(String),
    /// `drop:x`
    #[error("'{0}' is not a message number")]
    NotAMessage(String),
    /// `cmd:2`
    #[error("cmd needs NODE:COMMAND, e.g. cmd:2:timeout")]
    CommandForm,
    /// `cmd:2:<b>`: outside the command alphabet or too long.
    #[error("'{0}' is not a valid command")]
    CommandText(String),
    /// The lab's parser refused the command: its own typed error (see [`CommandError::get`]).
    #[error("{0}")]
    Command(CommandError),
    /// A bad `loss:` value.
    #[error("{0}")]
    Percent(PctError),
    /// A bad `lat:` value.
    #[error("{0}")]
    Latency(LatencyError),
    /// `explode:1`
    #[error("unknown fault '{0}'")]
    Unknown(String),
    /// An entry without `TIME:`.
    #[error("should be TIME:FAULT, e.g. 1500:crash:3")]
    EntryForm,
    /// `abc:crash:1`
    #[error("'{0}' is not a time in ms")]
    NotATime(String),
    /// An entry after the link's time limit (`t` in µs).
    #[error("{0} is after the {limit} ms limit", limit = crate::scenario::MAX_TIME_MS)]
    AfterLimit(SimTime),
    /// The fault names a node the lab does not have.
    #[error("node {node} does not exist (0–{last})")]
    NoSuchNode {
        /// The node named.
        node: NodeId,
        /// The lab's last process.
        last: usize,
    },
    /// More than [`MAX_FAULTS`] entries.
    #[error("more than {MAX_FAULTS} faults")]
    TooMany,
    /// Entry `number` (from 1) of a timeline is bad.
    #[error("entry {number} '{entry}': {error}")]
    Entry {
        /// Its number, from 1.
        number: usize,
        /// Its text (clipped).
        entry: String,
        /// What is wrong with it.
        error: Box<FaultError>,
    },
}

/// A lab's reader of command text (`cmd:N:TEXT`'s TEXT).
pub type CommandParser<'a> = dyn Fn(&str) -> Result<Cmd, CommandError> + 'a;

/// The command parser outside any lab: every command is refused.
pub fn no_commands(text: &str) -> Result<Cmd, CommandError> {
    Err(CommandError::new(NoCommandError::NoLab(clip(text))))
}

/// A lab command type whose `FromStr` refuses text with a typed error.
pub trait ParsedCommand: Command + FromStr<Err = Self::Error> {
    /// The lab's parse error (its `FromStr::Err`).
    type Error: std::error::Error + PartialEq + Send + Sync + 'static;
}

impl<C, E> ParsedCommand for C
where
    C: Command + FromStr<Err = E>,
    E: std::error::Error + PartialEq + Send + Sync + 'static,
{
    type Error = E;
}

/// The command parser of command type `C` (its `FromStr`).
pub fn commands_of<C: ParsedCommand>(text: &str) -> Result<Cmd, CommandError> {
    text.parse::<C>().map(Cmd::new).map_err(CommandError::new)
}

/// A fault at a point in simulated time, as in the link's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimedFault {
    /// When it happens (after every other event at the same instant).
    pub at: SimTime,
    /// What happens.
    pub fault: Fault,
}

impl Fault {
    /// The nodes this fault names (for validation against the node count; no allocation, as
    /// every fault applied is checked).
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        let (named, groups): ([Option<NodeId>; 2], &[Vec<NodeId>]) = match self {
            Fault::Crash(n) | Fault::Restart(n) | Fault::Isolate(n) | Fault::Pause(n, _) => {
                ([Some(*n), None], &[])
            }
            Fault::Partition(g) => ([None, None], g),
            Fault::Cut(a, b) | Fault::Hold(a, b) | Fault::Release(a, b) | Fault::Restore(a, b) => {
                ([Some(*a), Some(*b)], &[])
            }
            Fault::Command(n, _) => ([Some(*n), None], &[]),
            Fault::Heal | Fault::DropMsg(_) | Fault::SetLoss(_) | Fault::SetLatency(_) => {
                ([None, None], &[])
            }
        };
        named
            .into_iter()
            .flatten()
            .chain(groups.iter().flatten().copied())
    }

    /// A command to node `n`.
    pub fn command<C: Command>(n: NodeId, c: C) -> Fault {
        Fault::Command(n, Cmd::new(c))
    }

    /// The command of a `Command` fault, as type `C`.
    pub fn command_as<C: Command>(&self) -> Option<&C> {
        match self {
            Fault::Command(_, c) => c.get(),
            _ => None,
        }
    }

    /// Parses one fault in text form (`crash:3`, `cut:1>2`, …) outside any lab: a `cmd:` fault
    /// is refused (only a lab reads its commands; see [`Fault::parse_with`]).
    pub fn parse(s: &str) -> Result<Fault, FaultError> {
        Fault::parse_with(s, &no_commands)
    }

    /// Parses one fault in text form, reading a `cmd:N:TEXT` fault's text with `command` (the
    /// lab's parser, [`crate::lab::Lab::parse_command`]).
    pub fn parse_with(s: &str, command: &CommandParser) -> Result<Fault, FaultError> {
        let (verb, arg) = s.split_once(':').unwrap_or((s, ""));
        let node = |t: &str| -> Result<NodeId, FaultError> {
            if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FaultError::NotANode(clip(t)));
            }
            t.parse().map_err(|_| FaultError::NotANode(clip(t)))
        };
        let pair = |t: &str| -> Result<(NodeId, NodeId), FaultError> {
            let (a, b) = t
                .split_once('>')
                .ok_or_else(|| FaultError::NotALink(clip(t)))?;
            let (a, b) = (node(a)?, node(b)?);
            if a == b {
                return Err(FaultError::SameNodeTwice(clip(t)));
            }
            Ok((a, b))
        };
        let no_arg = |f: Fault| {
            if arg.is_empty() {
                Ok(f)
            } else {
                Err(FaultError::TakesNoArgument(clip(verb)))
            }
        };
        match verb {
            "crash" => Ok(Fault::Crash(node(arg)?)),
            "restart" => Ok(Fault::Restart(node(arg)?)),
            "isolate" => Ok(Fault::Isolate(node(arg)?)),
            "pause" => {
                let (n, ms) = arg.split_once(':').ok_or(FaultError::PauseForm)?;
                let us = parse_ms(ms)
                    .filter(|&us| us > 0 && us <= MAX_PAUSE_MS * 1_000)
                    .ok_or_else(|| FaultError::PauseLength(clip(ms)))?;
                Ok(Fault::Pause(node(n)?, us))
            }
            "partition" => {
                let mut groups = Vec::new();
                for g in arg.split('|') {
                    let group = g.split('.').map(node).collect::<Result<Vec<_>, _>>()?;
                    groups.push(group);
                }
                let mut all: Vec<NodeId> = groups.iter().flatten().copied().collect();
                crate::sort::sort_unstable(&mut all);
                if all.windows(2).any(|w| w[0] == w[1]) {
                    return Err(FaultError::PartitionNodeTwice(clip(arg)));
                }
                Ok(Fault::Partition(groups))
            }
            "cut" => pair(arg).map(|(a, b)| Fault::Cut(a, b)),
            "hold" => pair(arg).map(|(a, b)| Fault::Hold(a, b)),
            "release" => pair(arg).map(|(a, b)| Fault::Release(a, b)),
            "restore" => pair(arg).map(|(a, b)| Fault::Restore(a, b)),
            "heal" => no_arg(Fault::Heal),
            "drop" => {
                if arg.is_empty() || arg.len() > 12 || !arg.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(FaultError::NotAMessage(clip(arg)));
                }
                arg.parse()
                    .map(Fault::DropMsg)
                    .map_err(|_| FaultError::NotAMessage(clip(arg)))
            }
            "cmd" => {
                let (n, text) = arg.split_once(':').ok_or(FaultError::CommandForm)?;
                let ok = !text.is_empty()
                    && text.len() <= 64
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"=_.+-:".contains(&b));
                if !ok {
                    return Err(FaultError::CommandText(clip(text)));
                }
                let n = node(n)?;
                Ok(Fault::Command(
                    n,
                    command(text).map_err(FaultError::Command)?,
                ))
            }
            "loss" => parse_pct(arg)
                .map(Fault::SetLoss)
                .map_err(FaultError::Percent),
            "lat" => Latency::parse(arg)
                .map(Fault::SetLatency)
                .map_err(FaultError::Latency),
            _ => Err(FaultError::Unknown(clip(verb))),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Crash(n) => write!(f, "crash:{n}"),
            Fault::Restart(n) => write!(f, "restart:{n}"),
            Fault::Isolate(n) => write!(f, "isolate:{n}"),
            Fault::Pause(n, us) => write!(f, "pause:{n}:{}", fmt_ms(*us)),
            Fault::Partition(groups) => {
                let g: Vec<String> = groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .collect();
                write!(f, "partition:{}", g.join("|"))
            }
            Fault::Cut(a, b) => write!(f, "cut:{a}>{b}"),
            Fault::Hold(a, b) => write!(f, "hold:{a}>{b}"),
            Fault::Release(a, b) => write!(f, "release:{a}>{b}"),
            Fault::Restore(a, b) => write!(f, "restore:{a}>{b}"),
            Fault::Heal => write!(f, "heal"),
            Fault::DropMsg(id) => write!(f, "drop:{id}"),
            Fault::SetLoss(ppm) => write!(f, "loss:{}", fmt_pct(*ppm)),
            Fault::SetLatency(l) => write!(f, "lat:{l}"),
            Fault::Command(n, text) => write!(f, "cmd:{n}:{text}"),
        }
    }
}

impl fmt::Display for TimedFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", fmt_ms(self.at.0), self.fault)
    }
}

/// The longest pause one `pause:N:MS` fault may ask for, in ms (an hour).
pub const MAX_PAUSE_MS: u64 = 3_600_000;

/// The most faults one timeline may hold.
pub const MAX_FAULTS: usize = 500;

/// Parses a timeline `1500:crash:3;4000:heal` (entries separated by `;`, each `TIME_MS:FAULT`)
/// that has no commands. Never panics; the error names the first bad entry. The result is
/// sorted by time (stable).
pub fn parse_timeline(s: &str) -> Result<Vec<TimedFault>, FaultError> {
    parse_timeline_with(s, &no_commands)
}

/// [`parse_timeline`] with commands of type `C` (`parse_timeline_of::<RaftCommand>(…)`).
pub fn parse_timeline_of<C: ParsedCommand>(s: &str) -> Result<Vec<TimedFault>, FaultError> {
    parse_timeline_with(s, &commands_of::<C>)
}

/// [`parse_timeline`] with a lab's command parser.
pub fn parse_timeline_with(
    s: &str,
    command: &CommandParser,
) -> Result<Vec<TimedFault>, FaultError> {
    let mut out = Vec::new();
    if s.trim().is_empty() {
        return Ok(out);
    }
    for (i, entry) in s.split(';').enumerate() {
        if i >= MAX_FAULTS {
            return Err(FaultError::TooMany);
        }
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let tf = parse_entry_with(entry, command).map_err(|e| FaultError::Entry {
            number: i + 1,
            entry: clip(entry),
            error: Box::new(e),
        })?;
        out.push(tf);
    }
    crate::sort::sort_by_key(&mut out, |tf| tf.at);
    Ok(out)
}

/// Parses one timeline entry `TIME_MS:FAULT` without commands (the error does not repeat the
/// entry).
pub fn parse_entry(entry: &str) -> Result<TimedFault, FaultError> {
    parse_entry_with(entry, &no_commands)
}

/// [`parse_entry`] with a lab's command parser.
pub fn parse_entry_with(entry: &str, command: &CommandParser) -> Result<TimedFault, FaultError> {
    let (t, f) = entry.trim().split_once(':').ok_or(FaultError::EntryForm)?;
    let at = parse_ms(t).ok_or_else(|| FaultError::NotATime(clip(t)))?;
    let fault = Fault::parse_with(f, command)?;
    Ok(TimedFault {
        at: SimTime(at),
        fault,
    })
}

/// Formats a timeline in the form [`parse_timeline`] reads.
pub fn fmt_timeline(faults: &[TimedFault]) -> String {
    faults
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lab whose commands are any text the link grammar allows.
    #[derive(Debug, PartialEq)]
    struct Text(String);
    impl Command for Text {}
    impl fmt::Display for Text {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl FromStr for Text {
        type Err = std::convert::Infallible;
        fn from_str(s: &str) -> Result<Text, Self::Err> {
            Ok(Text(s.into()))
        }
    }

    #[test]
    fn every_fault_round_trips() {
        let s = "100:crash:3;200:restart:3;300:isolate:1;400:partition:0.1|2.3.4;500:cut:1>2;\
                 600:hold:2>1;700:release:2>1;750:restore:1>2;800:heal;900:drop:17;1000:loss:2.5;1100:lat:exp:10-40;1200.5:lat:12;1300:cmd:2:put:x=1;\
                 1400:pause:2:1500;1500:pause:0:0.25";
        let t = parse_timeline_of::<Text>(s).unwrap();
        assert_eq!(t.len(), 16);
        assert_eq!(
            t[13].fault.command_as::<Text>(),
            Some(&Text("put:x=1".into()))
        );
        assert!(matches!(
            parse_timeline(s),
            Err(FaultError::Entry { number: 14, ref error, .. })
                if matches!(&**error, FaultError::Command(e)
                    if e.get() == Some(&NoCommandError::NoLab("put:x=1".into())))
        ));
        assert_eq!(t[14].fault, Fault::Pause(2, 1_500_000));
        assert_eq!(fmt_timeline(&t), s.replace(char::is_whitespace, ""));
    }

    #[test]
    fn bad_entries_name_themselves() {
        /// The error of a one-entry timeline, inside its `Entry` wrapper.
        fn inner(t: &str) -> FaultError {
            match parse_timeline_of::<Text>(t) {
                Err(FaultError::Entry {
                    number: 1, error, ..
                }) => *error,
                other => panic!("{t}: {other:?}"),
            }
        }
        let e = parse_timeline("100:crash:3;abc").unwrap_err();
        assert_eq!(
            e.to_string(),
            "entry 2 'abc': should be TIME:FAULT, e.g. 1500:crash:3"
        );
        assert!(
            matches!(e, FaultError::Entry { number: 2, ref error, .. } if **error == FaultError::EntryForm)
        );
        assert_eq!(
            inner("100:explode:1"),
            FaultError::Unknown("explode".into())
        );
        assert_eq!(
            inner("100:explode:1").to_string(),
            "unknown fault 'explode'"
        );
        assert_eq!(inner("-5:crash:1"), FaultError::NotATime("-5".into()));
        assert_eq!(inner("5:cut:1>1"), FaultError::SameNodeTwice("1>1".into()));
        assert_eq!(
            inner("5:partition:1.2|2"),
            FaultError::PartitionNodeTwice("1.2|2".into())
        );
        assert_eq!(
            inner("5:heal:now"),
            FaultError::TakesNoArgument("heal".into())
        );
        assert_eq!(
            inner("5:cmd:1"),
            FaultError::CommandForm,
            "a command needs text"
        );
        assert_eq!(inner("5:pause:1"), FaultError::PauseForm);
        for bad in ["5:pause:1:0", "5:pause:1:-3", "5:pause:1:1e3"] {
            assert!(matches!(inner(bad), FaultError::PauseLength(_)), "{bad}");
        }
        assert_eq!(inner("5:pause:x:10"), FaultError::NotANode("x".into()));
        assert_eq!(
            inner("5:pause:1:3600001").to_string(),
            "'3600001' is not a pause length in ms (0 < MS ≤ 3600000)"
        );
        assert_eq!(
            inner("5:cmd:1:<b>"),
            FaultError::CommandText("<b>".into()),
            "command text is restricted"
        );
        assert_eq!(
            inner("5:loss:x"),
            FaultError::Percent(PctError::NotAPercentage("x".into()))
        );
        assert_eq!(
            inner("5:loss:101"),
            FaultError::Percent(PctError::Above100("101".into()))
        );
        assert!(matches!(
            inner("5:lat:9-1"),
            FaultError::Latency(LatencyError::Reversed(r)) if r == "9-1"
        ));
        assert_eq!(
            parse_timeline("5:cmd:1:hello").unwrap_err().to_string(),
            "entry 1 '5:cmd:1:hello': no lab reads the command 'hello' here"
        );
    }

    #[test]
    fn timeline_is_sorted_stably() {
        let t = parse_timeline("300:heal;100:crash:1;100:crash:2").unwrap();
        assert_eq!(fmt_timeline(&t), "100:crash:1;100:crash:2;300:heal");
    }
}
