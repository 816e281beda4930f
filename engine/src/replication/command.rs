//! The replication lab's commands (`cmd:NODE:TEXT` in a fault timeline), as a typed enum whose
//! `FromStr` and `Display` are each other's inverse: the link text is parsed once, here.

use super::params::{Mode, MAX_DRIFT_PCT, MAX_KEYS, MAX_RATE, MAX_TIMEOUT_MS};
use crate::net::{fmt_pct, parse_pct, PctError};
use crate::scenario::keys::KeyError;
use crate::time::{fmt_ms, parse_ms, Duration};
use crate::{clip, NodeId};
use std::fmt;
use std::str::FromStr;

/// The most writes one `burst` issues.
pub const MAX_BURST: u32 = 100;

/// A command given to one node from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplCommand {
    /// Client: write key KEY now (`write:a`).
    Write {
        /// Key index (`a` = 0).
        key: u8,
    },
    /// Client: read key KEY now (`read:a`).
    Read {
        /// Key index (`a` = 0).
        key: u8,
    },
    /// Client: issue N writes at once, to keys in turn (`burst:N`, 1–100).
    Burst(u32),
    /// Client: change its rate, operations per second (`rate:N`, 0–1000).
    Rate(u32),
    /// Data node: replicate in this mode from now on when primary (`mode:sync`).
    Mode(Mode),
    /// Data node: acknowledgements a semi-sync or quorum primary waits for (`k:N`).
    Acks(usize),
    /// Monitor: fail over now — by the configured rule (`promote`), or to node ID regardless of
    /// its log (`promote:ID`, a manual switchover).
    Promote(Option<NodeId>),
    /// Data node: store replicated entries MS after they arrive (`delay:MS`, 0–60 000; a slow
    /// disk or apply thread — replication lag).
    Delay(Duration),
    /// Data node: its clock runs slow by PCT percent from now on (`drift:PCT`, 0–90).
    Drift(u32),
    /// Any node: freeze for MS milliseconds — a long GC pause or a VM migration — then resume
    /// and handle everything that arrived meanwhile with the beliefs it had (`pause:MS`).
    Pause(Duration),
}

/// The key's letter (`0 → a`).
pub fn key_name(key: u8) -> char {
    (b'a' + key.min(25)) as char
}

/// A client's or a site's command names a key the run does not use (`write:z` with 4 keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("key {} is beyond the {keys} keys", key_name(*key))]
pub struct KeyBeyond {
    /// The key named (`a` = 0).
    pub key: u8,
    /// The keys the run uses.
    pub keys: u8,
}

/// Why a node of the replication section refused a command when it ran (the trace's note
/// `node N ignored 'TEXT': …`): a command for another kind of node, or one it cannot carry out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplRefusal {
    /// A client or data-node command to the monitor.
    #[error("'{0}' is not a monitor command")]
    NotMonitor(ReplCommand),
    /// A client or monitor command to a data node.
    #[error("'{0}' is not a data-node command")]
    NotData(ReplCommand),
    /// A data-node or monitor command to a client.
    #[error("'{0}' is not a client command")]
    NotClient(ReplCommand),
    /// `promote` while a promotion round is running.
    #[error("a promotion round is already under way")]
    RoundUnderWay,
    /// `promote:ID` to the monitor or a client.
    #[error("node {0} is not a data node")]
    NotADataNode(NodeId),
    /// `k:N` above the replicas there are.
    #[error("k={k} is above the {replicas} replicas")]
    AcksAbove {
        /// The acknowledgements asked for.
        k: usize,
        /// The replicas of the run.
        replicas: usize,
    },
    /// `write:KEY`, `read:KEY` beyond the run's keys.
    #[error("{0}")]
    Key(#[from] KeyBeyond),
}

/// Why a replication command's text was refused (the input quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplCommandError {
    /// `write:A`
    #[error("'{0}' is not a key (a–z)")]
    NotAKey(String),
    /// `burst:x`: `what` is `burst size`, `rate`, `ack count` or `node number`.
    #[error("'{value}' is not a {what}")]
    NotANumber {
        /// What the number is.
        what: &'static str,
        /// The text given (clipped).
        value: String,
    },
    /// `burst:101`
    #[error("{what} {value} is outside {lo}–{hi}")]
    Outside {
        /// What the number is.
        what: &'static str,
        /// The value given.
        value: u64,
        /// Smallest allowed.
        lo: u64,
        /// Largest allowed.
        hi: u64,
    },
    /// `mode:fast`
    #[error("{0}")]
    Mode(#[from] KeyError),
    /// `drift:x`
    #[error("{0}")]
    Percent(#[from] PctError),
    /// `drift:91`
    #[error("drift {0}% is above {MAX_DRIFT_PCT}%")]
    DriftAbove(String),
    /// `delay:x`, `pause:x`
    #[error("'{0}' is not a time in ms")]
    NotMs(String),
    /// `delay:60001`
    #[error("delay {0} ms is above {MAX_TIMEOUT_MS} ms")]
    DelayAbove(String),
    /// `pause:0`
    #[error("pause {0} ms is outside 0–{MAX_TIMEOUT_MS} ms")]
    PauseOutside(String),
    /// `nap:3` (the verb)
    #[error(
        "unknown replication command '{0}' (write:KEY, read:KEY, burst:N, rate:N, mode:MODE, k:N, promote, promote:ID, delay:MS, drift:PCT, pause:MS)"
    )]
    Unknown(String),
}

fn parse_key(s: &str) -> Result<u8, ReplCommandError> {
    match s.as_bytes() {
        [c] if c.is_ascii_lowercase() && c - b'a' < MAX_KEYS => Ok(c - b'a'),
        _ => Err(ReplCommandError::NotAKey(clip(s))),
    }
}

fn parse_uint(s: &str, lo: u64, hi: u64, what: &'static str) -> Result<u64, ReplCommandError> {
    let bad = || ReplCommandError::NotANumber {
        what,
        value: clip(s),
    };
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let v: u64 = s.parse().map_err(|_| bad())?;
    if !(lo..=hi).contains(&v) {
        return Err(ReplCommandError::Outside {
            what,
            value: v,
            lo,
            hi,
        });
    }
    Ok(v)
}

impl crate::command::Command for ReplCommand {}

impl FromStr for ReplCommand {
    type Err = ReplCommandError;
    /// Parses `write:KEY`, `read:KEY`, `burst:N`, `rate:N`, `mode:MODE`, `k:N`, `promote`,
    /// `promote:ID`, `delay:MS`, `drift:PCT`, `pause:MS`. Never panics; errors quote at most 40 characters.
    fn from_str(text: &str) -> Result<ReplCommand, ReplCommandError> {
        let (verb, arg) = text.split_once(':').unwrap_or((text, ""));
        let ms = || parse_ms(arg).ok_or_else(|| ReplCommandError::NotMs(clip(arg)));
        match verb {
            "write" => Ok(ReplCommand::Write {
                key: parse_key(arg)?,
            }),
            "read" => Ok(ReplCommand::Read {
                key: parse_key(arg)?,
            }),
            "burst" => Ok(ReplCommand::Burst(
                parse_uint(arg, 1, MAX_BURST as u64, "burst size")? as u32,
            )),
            "rate" => Ok(ReplCommand::Rate(
                parse_uint(arg, 0, MAX_RATE as u64, "rate")? as u32,
            )),
            "mode" => Ok(ReplCommand::Mode(arg.parse()?)),
            "k" => Ok(ReplCommand::Acks(parse_uint(
                arg,
                1,
                super::params::MAX_REPLICAS as u64,
                "ack count",
            )? as usize)),
            "promote" if !text.contains(':') => Ok(ReplCommand::Promote(None)),
            "promote" => Ok(ReplCommand::Promote(Some(
                parse_uint(arg, 1, 99, "node number")? as NodeId,
            ))),
            "drift" => {
                let ppm = parse_pct(arg)?;
                if ppm > MAX_DRIFT_PCT * 10_000 {
                    return Err(ReplCommandError::DriftAbove(clip(arg)));
                }
                Ok(ReplCommand::Drift(ppm))
            }
            "delay" => {
                let us = ms()?;
                if us > MAX_TIMEOUT_MS * 1000 {
                    return Err(ReplCommandError::DelayAbove(clip(arg)));
                }
                Ok(ReplCommand::Delay(Duration(us)))
            }
            "pause" => {
                let us = ms()?;
                if us == 0 || us > MAX_TIMEOUT_MS * 1000 {
                    return Err(ReplCommandError::PauseOutside(clip(arg)));
                }
                Ok(ReplCommand::Pause(Duration(us)))
            }
            _ => Err(ReplCommandError::Unknown(clip(verb))),
        }
    }
}

impl fmt::Display for ReplCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplCommand::Write { key } => write!(f, "write:{}", key_name(*key)),
            ReplCommand::Read { key } => write!(f, "read:{}", key_name(*key)),
            ReplCommand::Burst(n) => write!(f, "burst:{n}"),
            ReplCommand::Rate(n) => write!(f, "rate:{n}"),
            ReplCommand::Mode(m) => write!(f, "mode:{m}"),
            ReplCommand::Acks(k) => write!(f, "k:{k}"),
            ReplCommand::Promote(None) => f.write_str("promote"),
            ReplCommand::Promote(Some(id)) => write!(f, "promote:{id}"),
            ReplCommand::Delay(d) => write!(f, "delay:{}", fmt_ms(d.0)),
            ReplCommand::Drift(ppm) => write!(f, "drift:{}", fmt_pct(*ppm)),
            ReplCommand::Pause(d) => write!(f, "pause:{}", fmt_ms(d.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_round_trips() {
        for s in [
            "write:a",
            "read:z",
            "burst:10",
            "rate:0",
            "mode:async",
            "mode:semi",
            "mode:sync",
            "mode:quorum",
            "k:2",
            "promote",
            "promote:3",
            "delay:0",
            "delay:250",
            "drift:50",
            "drift:0.5",
            "pause:1500",
            "pause:2.5",
        ] {
            let c: ReplCommand = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(c.to_string(), s);
        }
    }

    #[test]
    fn junk_is_refused_with_a_short_quote() {
        for bad in [
            "",
            "write",
            "write:",
            "write:A",
            "write:ab",
            "read:1",
            "burst:0",
            "burst:101",
            "rate:1001",
            "rate:-1",
            "mode:fast",
            "k:0",
            "k:9",
            "promote:",
            "promote:x",
            "drift:91",
            "drift:x",
            "pause:0",
            "pause:60001",
            "pause:-5",
            "delay:60001",
            "delay:x",
            "explode",
        ] {
            assert!(bad.parse::<ReplCommand>().is_err(), "{bad}");
        }
        let long = format!("explode{}", "x".repeat(500));
        assert!(long.parse::<ReplCommand>().unwrap_err().to_string().len() < 300);
    }
}
