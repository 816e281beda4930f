//! The Raft lab's commands (`cmd:NODE:TEXT` in a fault timeline): client requests, a forced
//! election timeout, leadership transfer and single-server membership changes.

use super::params::MAX_SERVERS;
use crate::clip;
use crate::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest key of a `put`/`incr` request.
pub const MAX_KEY_LEN: usize = 16;

/// A command given to one server from outside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RaftCommand {
    /// Client request `put:KEY=VALUE`: set KEY to VALUE (a leader appends it, a follower
    /// answers with the leader it knows).
    Put {
        /// The key (1–16 characters of `A-Z a-z 0-9 _ . -`).
        key: String,
        /// The value (a signed 64-bit integer).
        value: i64,
    },
    /// Client request `incr:KEY`: add 1 to KEY (missing keys count as 0).
    Incr {
        /// The key.
        key: String,
    },
    /// `timeout`: the server's election timeout elapses now.
    Timeout,
    /// `transfer:ID`: the leader hands leadership to server ID (thesis §3.10).
    Transfer(NodeId),
    /// `add:ID`: the leader adds server ID to the configuration (thesis §4.1).
    Add(NodeId),
    /// `remove:ID`: the leader removes server ID from the configuration (thesis §4.1).
    Remove(NodeId),
}

impl fmt::Display for RaftCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RaftCommand::Put { key, value } => write!(f, "put:{key}={value}"),
            RaftCommand::Incr { key } => write!(f, "incr:{key}"),
            RaftCommand::Timeout => f.write_str("timeout"),
            RaftCommand::Transfer(id) => write!(f, "transfer:{id}"),
            RaftCommand::Add(id) => write!(f, "add:{id}"),
            RaftCommand::Remove(id) => write!(f, "remove:{id}"),
        }
    }
}

/// Why a Raft command's text was refused (the input quoted at most 40 characters, [`clip`]ped).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RaftCommandError {
    /// `put:a b=1`, `incr:`
    #[error("'{0}' is not a key (1–{MAX_KEY_LEN} characters of A-Z a-z 0-9 _ . -)")]
    NotAKey(String),
    /// `put:x` (the whole text)
    #[error("'{0}' should be put:KEY=VALUE")]
    PutForm(String),
    /// `put:x=1.5`
    #[error("'{0}' is not a whole number")]
    NotWhole(String),
    /// `put:x=9223372036854775808`
    #[error("'{0}' is out of range for a 64-bit integer")]
    OutOfRange(String),
    /// `timeout:now`
    #[error("'timeout' takes no argument")]
    TimeoutArgument,
    /// `transfer:x`
    #[error("'{0}' is not a server number")]
    NotAServer(String),
    /// `transfer:11`
    #[error("server {0} is outside 0–{last}", last = MAX_SERVERS - 1)]
    ServerOutside(NodeId),
    /// `explode` (the verb)
    #[error(
        "unknown Raft command '{0}' (put:KEY=VALUE, incr:KEY, timeout, transfer:ID, add:ID, remove:ID)"
    )]
    Unknown(String),
}

/// Why a server refused a command when it ran (the trace's note `node N ignored 'TEXT': …`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RaftRefusal {
    /// `add:7` in a run of servers 0–4 (spares included).
    #[error("server {id} does not exist (servers 0–{last})")]
    NoServer {
        /// The server named.
        id: NodeId,
        /// The run's last server.
        last: NodeId,
    },
}

fn key(s: &str) -> Result<String, RaftCommandError> {
    let ok = !s.is_empty()
        && s.len() <= MAX_KEY_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if ok {
        Ok(s.to_string())
    } else {
        Err(RaftCommandError::NotAKey(clip(s)))
    }
}

fn server(s: &str) -> Result<NodeId, RaftCommandError> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RaftCommandError::NotAServer(clip(s)));
    }
    // One or two digits: the parse cannot fail.
    let n = s.parse::<NodeId>().unwrap_or(NodeId::MAX);
    if n < MAX_SERVERS {
        Ok(n)
    } else {
        Err(RaftCommandError::ServerOutside(n))
    }
}

/// Parses a command's text form: `put:KEY=VALUE`, `incr:KEY`, `timeout`, `transfer:ID`,
/// `add:ID`, `remove:ID`. Never panics; errors quote at most 40 characters of the input.
/// (Whether ID exists in a given simulation is checked when the command runs.)
pub fn parse_command(text: &str) -> Result<RaftCommand, RaftCommandError> {
    let (verb, arg) = text.split_once(':').unwrap_or((text, ""));
    match verb {
        "put" => {
            let (k, v) = arg
                .split_once('=')
                .ok_or_else(|| RaftCommandError::PutForm(clip(text)))?;
            let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
            if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(RaftCommandError::NotWhole(clip(v)));
            }
            let value = v
                .parse::<i64>()
                .map_err(|_| RaftCommandError::OutOfRange(clip(v)))?;
            Ok(RaftCommand::Put {
                key: key(k)?,
                value,
            })
        }
        "incr" => Ok(RaftCommand::Incr { key: key(arg)? }),
        "timeout" if arg.is_empty() => Ok(RaftCommand::Timeout),
        "timeout" => Err(RaftCommandError::TimeoutArgument),
        "transfer" => Ok(RaftCommand::Transfer(server(arg)?)),
        "add" => Ok(RaftCommand::Add(server(arg)?)),
        "remove" => Ok(RaftCommand::Remove(server(arg)?)),
        _ => Err(RaftCommandError::Unknown(clip(verb))),
    }
}

impl std::str::FromStr for RaftCommand {
    type Err = RaftCommandError;
    fn from_str(text: &str) -> Result<RaftCommand, RaftCommandError> {
        parse_command(text)
    }
}

impl crate::command::Command for RaftCommand {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for s in [
            "put:x=1",
            "put:a.b-c_d=-42",
            "incr:x",
            "timeout",
            "transfer:3",
            "add:10",
            "remove:0",
        ] {
            assert_eq!(parse_command(s).map(|c| c.to_string()), Ok(s.to_string()));
        }
        assert_eq!(
            parse_command("put:x=+7"),
            Ok(RaftCommand::Put {
                key: "x".into(),
                value: 7
            })
        );
    }

    #[test]
    fn junk_is_refused_with_a_short_quote() {
        for bad in [
            "",
            "put",
            "put:x",
            "put:=1",
            "put:x=",
            "put:x=1.5",
            "put:x=99999999999999999999",
            "put:x=9223372036854775808",
            "put:toolongtoolongtoolong=1",
            "put:a b=1",
            "incr:",
            "timeout:now",
            "transfer:",
            "transfer:11",
            "add:-1",
            "remove:x",
            "explode",
        ] {
            assert!(parse_command(bad).is_err(), "{bad}");
        }
        let long = format!("explode{}", "x".repeat(500));
        let e = parse_command(&long).unwrap_err().to_string();
        assert!(e.len() < 200, "{e}");
    }
}
