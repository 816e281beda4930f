//! The cluster lab's commands (`cmd:0:TEXT` in a fault timeline; node 0 is the cluster), as a
//! typed enum whose `FromStr` and `Display` are each other's inverse.

use super::params::{zone_name, MAX_MACHINES, MAX_REPLICAS, MAX_ZONES};
use crate::clip;
use crate::scenario::keys::KeyError;
use std::fmt;
use std::str::FromStr;

/// Something done to the cluster from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterCommand {
    /// Machine M fails (power, kernel panic): its pods stop answering (`fail:M`).
    Fail(usize),
    /// Machine M comes back (`recover:M`).
    Recover(usize),
    /// Every machine of zone Z fails (`zone-fail:Z`, Z = a–d).
    ZoneFail(usize),
    /// Zone Z's machines come back (`zone-recover:Z`).
    ZoneRecover(usize),
    /// A pod hangs: alive, answering nothing (`hang:ID`; `hang` alone: the oldest serving pod).
    Hang(Option<u32>),
    /// Roll out a new version; `bad` crashes on start (`release:bad`, `release:good`).
    Release {
        /// Whether the new version crashes on start.
        bad: bool,
    },
    /// Set the desired replicas, as `kubectl scale` (`scale:N`).
    Scale(u32),
}

/// Why a cluster command's text was refused (the input quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClusterCommandError {
    /// `fail:20`, `scale:x`: a number refused; `what` is `machine`, `pod` or `replicas`.
    #[error("{what}: {error}")]
    Number {
        /// What the number is.
        what: &'static str,
        /// Why it was refused.
        error: KeyError,
    },
    /// `zone-fail:e`
    #[error("'{0}' is not a zone (a–d)")]
    NotAZone(String),
    /// `release:maybe`
    #[error("release takes bad or good, not '{0}'")]
    Release(String),
    /// `boom` (the whole text)
    #[error(
        "'{0}' is not a cluster command (fail:M, recover:M, zone-fail:Z, zone-recover:Z, hang[:ID], release:bad|good, scale:N)"
    )]
    Unknown(String),
}

fn parse_num(s: &str, hi: u64, what: &'static str) -> Result<u64, ClusterCommandError> {
    crate::scenario::keys::parse_int(s, 0, hi)
        .map_err(|error| ClusterCommandError::Number { what, error })
}

fn parse_zone(s: &str) -> Result<usize, ClusterCommandError> {
    match s.as_bytes() {
        [c] if c.is_ascii_lowercase() && ((c - b'a') as usize) < MAX_ZONES => {
            Ok((c - b'a') as usize)
        }
        _ => Err(ClusterCommandError::NotAZone(clip(s))),
    }
}

impl crate::command::Command for ClusterCommand {}

impl FromStr for ClusterCommand {
    type Err = ClusterCommandError;
    /// Parses `fail:M`, `recover:M`, `zone-fail:Z`, `zone-recover:Z`, `hang`, `hang:ID`,
    /// `release:bad`, `release:good`, `scale:N`. Never panics; errors quote at most 40 characters.
    fn from_str(text: &str) -> Result<ClusterCommand, ClusterCommandError> {
        let (verb, arg) = text.split_once(':').unwrap_or((text, ""));
        let machine =
            |a: &str| parse_num(a, MAX_MACHINES as u64 - 1, "machine").map(|m| m as usize);
        match verb {
            "fail" => machine(arg).map(ClusterCommand::Fail),
            "recover" => machine(arg).map(ClusterCommand::Recover),
            "zone-fail" => parse_zone(arg).map(ClusterCommand::ZoneFail),
            "zone-recover" => parse_zone(arg).map(ClusterCommand::ZoneRecover),
            "hang" if arg.is_empty() => Ok(ClusterCommand::Hang(None)),
            "hang" => {
                parse_num(arg, 1_000_000, "pod").map(|p| ClusterCommand::Hang(Some(p as u32)))
            }
            "release" => match arg {
                "bad" => Ok(ClusterCommand::Release { bad: true }),
                "good" => Ok(ClusterCommand::Release { bad: false }),
                _ => Err(ClusterCommandError::Release(clip(arg))),
            },
            "scale" => parse_num(arg, MAX_REPLICAS as u64, "replicas")
                .map(|n| ClusterCommand::Scale(n as u32)),
            _ => Err(ClusterCommandError::Unknown(clip(text))),
        }
    }
}

impl fmt::Display for ClusterCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterCommand::Fail(m) => write!(f, "fail:{m}"),
            ClusterCommand::Recover(m) => write!(f, "recover:{m}"),
            ClusterCommand::ZoneFail(z) => write!(f, "zone-fail:{}", zone_name(*z)),
            ClusterCommand::ZoneRecover(z) => write!(f, "zone-recover:{}", zone_name(*z)),
            ClusterCommand::Hang(None) => f.write_str("hang"),
            ClusterCommand::Hang(Some(p)) => write!(f, "hang:{p}"),
            ClusterCommand::Release { bad } => {
                write!(f, "release:{}", if *bad { "bad" } else { "good" })
            }
            ClusterCommand::Scale(n) => write!(f, "scale:{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_and_reject_junk() {
        for t in [
            "fail:3",
            "recover:0",
            "zone-fail:a",
            "zone-recover:c",
            "hang",
            "hang:7",
            "release:bad",
            "release:good",
            "scale:12",
        ] {
            assert_eq!(t.parse::<ClusterCommand>().unwrap().to_string(), t);
        }
        for t in [
            "fail:20",
            "fail:x",
            "zone-fail:e",
            "release:maybe",
            "scale:151",
            "boom",
        ] {
            assert!(t.parse::<ClusterCommand>().is_err(), "{t}");
        }
    }
}
