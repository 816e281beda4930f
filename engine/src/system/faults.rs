//! Faults of machines and zones, written as commands to the front (`cmd:0:crash-m:2`) and
//! expanded into the crash, restart or isolation of every process placed there; and the chaos
//! mode (Jepsen's nemesis): random faults at a chosen rate, drawn from the seed's fault stream.

use super::params::{zone_name, Role, SystemParams, FRONT, MAX_MACHINES, MAX_SHARDS, MAX_ZONES};
use crate::clip;
use crate::fault::{Fault, TimedFault};
use crate::rng::{Rng, Stream};
use crate::time::{Duration, SimTime};
use std::fmt;
use std::str::FromStr;

/// A fault of a machine or a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineCmd {
    /// `crash-m:M`: machine M stops with every process on it.
    Crash(usize),
    /// `restart-m:M`: it starts again (processes from their persistent state).
    Restart(usize),
    /// `isolate-m:M`: every link to and from its processes is cut (`heal` mends it).
    Isolate(usize),
    /// `zone-down:Z`: every machine of zone Z crashes.
    ZoneDown(usize),
    /// `zone-up:Z`: they start again.
    ZoneUp(usize),
    /// `zone-split:Z`: the network between zone Z and the other zones is cut (the front still
    /// reaches every zone; `heal` mends it).
    ZoneSplit(usize),
    /// `slow-m:M`: machine M becomes slow (a starved CPU, a noisy neighbour): its app replicas
    /// serve one request at a time, [`SLOW`] each, while their health checks still pass.
    Slow(usize),
    /// `fast-m:M`: it is fast again.
    Fast(usize),
    /// `add-shard:M`: a new shard's Raft group starts on machines M, M+1, … and its virtual
    /// nodes join the ring; the keys it now owns move to it from their old shards by a handoff
    /// through both groups' logs while clients keep sending. Once per run: the group's members
    /// exist (idle) from the start of a run whose timeline has it.
    AddShard(usize),
}

/// A command to one of the system's processes: a machine or zone fault to the front (the only
/// commands a link has, `cmd:0:crash-m:2`), or what such a fault tells an app replica on a
/// slowed machine (`cmd:5:slow`, made by the run when it expands the timeline).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysCommand {
    /// To the front: a machine or zone fault (it notes what it hits).
    Machine(MachineCmd),
    /// To an app replica: its machine turns slow (`slow`) or fast again (`fast`).
    App {
        /// Slow (`slow`) or fast again (`fast`).
        slow: bool,
    },
}

impl crate::command::Command for SysCommand {}

impl fmt::Display for SysCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SysCommand::Machine(c) => c.fmt(f),
            SysCommand::App { slow: true } => f.write_str("slow"),
            SysCommand::App { slow: false } => f.write_str("fast"),
        }
    }
}

/// Why a process of the system lab refused a command when it ran (the trace's note
/// `node N ignored 'TEXT': …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SysRefusal {
    /// A command to a process that does not take it (a link's commands all go to the front).
    #[error("the system lab's commands go to process 0 ('{0}')")]
    NotHere(SysCommand),
    /// An app's command to the front as a node of its own.
    #[error("the front takes machine commands, not '{0}'")]
    NotMachine(SysCommand),
}

impl From<MachineCmd> for SysCommand {
    fn from(c: MachineCmd) -> SysCommand {
        SysCommand::Machine(c)
    }
}

impl MachineCmd {
    /// As a timeline fault: a command to the front.
    pub fn fault(self) -> Fault {
        Fault::command(FRONT, SysCommand::Machine(self))
    }
}

/// How long an app replica on a slow machine works on one request (one at a time).
pub const SLOW: Duration = Duration(40_000);

impl fmt::Display for MachineCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MachineCmd::Crash(m) => write!(f, "crash-m:{m}"),
            MachineCmd::Restart(m) => write!(f, "restart-m:{m}"),
            MachineCmd::Isolate(m) => write!(f, "isolate-m:{m}"),
            MachineCmd::ZoneDown(z) => write!(f, "zone-down:{}", zone_name(*z)),
            MachineCmd::ZoneUp(z) => write!(f, "zone-up:{}", zone_name(*z)),
            MachineCmd::ZoneSplit(z) => write!(f, "zone-split:{}", zone_name(*z)),
            MachineCmd::Slow(m) => write!(f, "slow-m:{m}"),
            MachineCmd::Fast(m) => write!(f, "fast-m:{m}"),
            MachineCmd::AddShard(m) => write!(f, "add-shard:{m}"),
        }
    }
}

/// Why a machine or zone command's text was refused (the input quoted at most 40 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MachineCmdError {
    /// `crash-m:x`, `crash-m:12`
    #[error("'{0}' is not a machine number (0–{last})", last = MAX_MACHINES - 1)]
    NotAMachine(String),
    /// `zone-down:q`
    #[error("'{0}' is not a zone (a–{last})", last = zone_name(MAX_ZONES - 1))]
    NotAZone(String),
    /// `explode:1` (the verb)
    #[error(
        "unknown system command '{0}' (crash-m:M, restart-m:M, isolate-m:M, slow-m:M, fast-m:M, zone-down:Z, zone-up:Z, zone-split:Z, add-shard:M)"
    )]
    Unknown(String),
}

impl FromStr for MachineCmd {
    type Err = MachineCmdError;
    fn from_str(s: &str) -> Result<Self, MachineCmdError> {
        let (verb, arg) = s.split_once(':').unwrap_or((s, ""));
        let machine = || -> Result<usize, MachineCmdError> {
            arg.parse::<usize>()
                .ok()
                .filter(|&m| m < MAX_MACHINES && arg.len() <= 2)
                .ok_or_else(|| MachineCmdError::NotAMachine(clip(arg)))
        };
        let zone = || -> Result<usize, MachineCmdError> {
            let b = arg.as_bytes();
            if b.len() == 1 && (b'a'..b'a' + MAX_ZONES as u8).contains(&b[0]) {
                Ok((b[0] - b'a') as usize)
            } else {
                Err(MachineCmdError::NotAZone(clip(arg)))
            }
        };
        match verb {
            "crash-m" => Ok(MachineCmd::Crash(machine()?)),
            "restart-m" => Ok(MachineCmd::Restart(machine()?)),
            "isolate-m" => Ok(MachineCmd::Isolate(machine()?)),
            "zone-down" => Ok(MachineCmd::ZoneDown(zone()?)),
            "zone-up" => Ok(MachineCmd::ZoneUp(zone()?)),
            "zone-split" => Ok(MachineCmd::ZoneSplit(zone()?)),
            "slow-m" => Ok(MachineCmd::Slow(machine()?)),
            "fast-m" => Ok(MachineCmd::Fast(machine()?)),
            "add-shard" => Ok(MachineCmd::AddShard(machine()?)),
            _ => Err(MachineCmdError::Unknown(clip(verb))),
        }
    }
}

impl MachineCmd {
    /// The machines it hits.
    pub fn machines(self, p: &SystemParams) -> Vec<usize> {
        match self {
            MachineCmd::Crash(m)
            | MachineCmd::Restart(m)
            | MachineCmd::Isolate(m)
            | MachineCmd::Slow(m)
            | MachineCmd::Fast(m) => {
                if m < p.machines {
                    vec![m]
                } else {
                    vec![]
                }
            }
            MachineCmd::ZoneDown(z) | MachineCmd::ZoneUp(z) | MachineCmd::ZoneSplit(z) => {
                p.zone_machines(z)
            }
            // Its processes are started by their own timers (they know when from the start).
            MachineCmd::AddShard(_) => vec![],
        }
    }

    /// The process faults it stands for, in process order.
    pub fn expand(self, p: &SystemParams) -> Vec<Fault> {
        if let MachineCmd::ZoneSplit(z) = self {
            let (inside, outside): (Vec<usize>, Vec<usize>) = (1..p.processes())
                .partition(|&q| p.machine_of(q).is_some_and(|m| p.zone_of(m) == z));
            let mut out = Vec::new();
            for &a in &inside {
                for &b in &outside {
                    out.push(Fault::Cut(a, b));
                    out.push(Fault::Cut(b, a));
                }
            }
            return out;
        }
        let procs: Vec<usize> = self
            .machines(p)
            .into_iter()
            .flat_map(|m| p.on_machine(m))
            .collect();
        procs
            .into_iter()
            .filter_map(|q| match self {
                MachineCmd::Crash(_) | MachineCmd::ZoneDown(_) => Some(Fault::Crash(q)),
                MachineCmd::Restart(_) | MachineCmd::ZoneUp(_) => Some(Fault::Restart(q)),
                MachineCmd::Isolate(_) | MachineCmd::ZoneSplit(_) => Some(Fault::Isolate(q)),
                MachineCmd::AddShard(_) => None,
                // Only the app replicas do per-request work that a slow CPU stretches.
                MachineCmd::Slow(_) | MachineCmd::Fast(_) => matches!(p.role(q), Role::App(_))
                    .then(|| {
                        let slow = matches!(self, MachineCmd::Slow(_));
                        Fault::command(q, SysCommand::App { slow })
                    }),
            })
            .collect()
    }

    /// The front's note: what it hits.
    pub fn describe(self, p: &SystemParams) -> String {
        if let MachineCmd::AddShard(m) = self {
            return match p.grow {
                Some((_, first)) if first == m => {
                    let s = p.shards;
                    let names: Vec<String> = (0..p.rf)
                        .map(|j| {
                            format!(
                                "s{s}.{j} on m{}",
                                p.machine_of(p.member_id(s, j)).unwrap_or(0)
                            )
                        })
                        .collect();
                    format!(
                        "shard {s} is added ({}): its virtual nodes join the ring, the keys it now owns move to it",
                        names.join(", ")
                    )
                }
                Some(_) => "add-shard: this run already adds a shard (once per run)".into(),
                None => format!("add-shard: no room for another shard (at most {MAX_SHARDS})"),
            };
        }
        let ms = self.machines(p);
        if ms.is_empty() {
            return format!("{self}: no such machine or zone here");
        }
        let names: Vec<String> = ms
            .iter()
            .flat_map(|&m| p.on_machine(m))
            .map(|q| p.name(q))
            .collect();
        let what = match self {
            MachineCmd::Crash(m) => format!("machine m{m} crashes"),
            MachineCmd::Restart(m) => format!("machine m{m} restarts"),
            MachineCmd::Isolate(m) => format!("machine m{m} is cut off the network"),
            MachineCmd::Slow(m) => format!(
                "machine m{m} turns slow ({} ms per request, one at a time; health checks still pass)",
                SLOW.as_us() / 1000
            ),
            MachineCmd::Fast(m) => format!("machine m{m} is fast again"),
            MachineCmd::AddShard(_) => String::new(),
            MachineCmd::ZoneDown(z) => format!("zone {} fails", zone_name(z)),
            MachineCmd::ZoneUp(z) => format!("zone {} is back", zone_name(z)),
            MachineCmd::ZoneSplit(z) => format!(
                "zone {} is cut off the other zones (the balancer still reaches it)",
                zone_name(z)
            ),
        };
        if names.is_empty() {
            format!("{what} (it hosts nothing)")
        } else {
            format!("{what}: {}", names.join(", "))
        }
    }
}

/// The machine command of a timeline entry, if it is one.
pub fn machine_cmd(f: &Fault) -> Option<MachineCmd> {
    match f {
        Fault::Command(FRONT, c) => match c.get::<SysCommand>() {
            Some(SysCommand::Machine(m)) => Some(*m),
            _ => None,
        },
        _ => None,
    }
}

/// The timeline with every machine command followed by the process faults it stands for.
pub fn expand(p: &SystemParams, faults: &[TimedFault]) -> Vec<TimedFault> {
    let mut out = Vec::with_capacity(faults.len());
    for tf in faults {
        out.push(tf.clone());
        if let Some(c) = machine_cmd(&tf.fault) {
            out.extend(
                c.expand(p)
                    .into_iter()
                    .map(|fault| TimedFault { at: tf.at, fault }),
            );
        }
    }
    out
}

/// The settings with the shard the timeline adds (its first `add-shard:M`, if there is room).
pub fn grown(p: &SystemParams, faults: &[TimedFault]) -> SystemParams {
    let mut p = *p;
    p.grow = None;
    if p.shards < MAX_SHARDS && p.machines > 0 {
        p.grow = faults.iter().find_map(|f| match machine_cmd(&f.fault) {
            Some(MachineCmd::AddShard(m)) => Some((f.at, m % p.machines)),
            _ => None,
        });
    }
    p
}

/// The run's whole timeline: the link's own entries and the chaos mode's, in time order (the
/// link's first at equal times, as the run applies them), each with whether chaos drew it.
pub fn with_chaos<'a>(
    faults: &'a [TimedFault],
    chaos: &'a [TimedFault],
) -> Vec<(&'a TimedFault, bool)> {
    let mut all: Vec<(&TimedFault, bool)> = faults.iter().map(|f| (f, false)).collect();
    all.extend(chaos.iter().map(|f| (f, true)));
    crate::sort::sort_by_key(&mut all, |e| e.0.at);
    all
}

/// The chaos mode's faults (Jepsen's nemesis): from `chaos_at`, for `chaos_len`, one fault at a
/// time — a machine crash, a machine cut off the network, or a zone failure — each lasting 2 to
/// 8 s, separated by exponential gaps of mean 60 s / `chaos` (the rate is of faults per
/// minute). Drawn from the seed's fault stream, so the same link has the same chaos.
pub fn chaos_faults(p: &SystemParams, seed: u64) -> Vec<TimedFault> {
    let mut out = Vec::new();
    if p.chaos == 0 || p.machines == 0 {
        return out;
    }
    let mut rng = Rng::stream(seed, Stream::Faults);
    let end = SimTime::ZERO.plus(p.chaos_at).plus(p.chaos_len);
    let mean_gap = 60_000_000 / p.chaos as u64;
    let mut t = SimTime::ZERO.plus(p.chaos_at);
    let cmd = |at: SimTime, c: MachineCmd| TimedFault {
        at,
        fault: c.fault(),
    };
    loop {
        t = t.plus(Duration(rng.exp_u64(mean_gap).max(1_000)));
        if t >= end {
            break;
        }
        let hold = Duration(rng.range_inclusive(2_000_000, 8_000_000));
        let stop = t.plus(hold);
        let kind = rng.below(10);
        let m = rng.below(p.machines as u64) as usize;
        if kind < 6 {
            out.push(cmd(t, MachineCmd::Crash(m)));
            out.push(cmd(stop, MachineCmd::Restart(m)));
        } else if kind < 9 {
            out.push(cmd(t, MachineCmd::Isolate(m)));
            out.push(TimedFault {
                at: stop,
                fault: Fault::Heal,
            });
        } else {
            let z = p.zone_of(m);
            out.push(cmd(t, MachineCmd::ZoneDown(z)));
            out.push(cmd(stop, MachineCmd::ZoneUp(z)));
        }
        t = stop;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_and_bad_ones_say_why() {
        for s in [
            "crash-m:3",
            "restart-m:0",
            "isolate-m:11",
            "zone-down:a",
            "zone-up:c",
            "zone-split:b",
            "slow-m:4",
            "fast-m:10",
            "add-shard:3",
        ] {
            assert_eq!(
                s.parse::<MachineCmd>().map(|c| c.to_string()),
                Ok(s.to_string())
            );
        }
        assert!("crash-m:99".parse::<MachineCmd>().is_err());
        assert!("zone-down:z".parse::<MachineCmd>().is_err());
        assert!("explode".parse::<MachineCmd>().is_err());
    }

    #[test]
    fn a_machine_crash_crashes_what_it_hosts() {
        let p = SystemParams::default();
        let f = MachineCmd::Crash(0).expand(&p);
        assert_eq!(
            f,
            vec![Fault::Crash(p.app_id(0)), Fault::Crash(p.member_id(0, 0))]
        );
        // Spread: a zone holds one member of each shard.
        let z = MachineCmd::ZoneDown(0).expand(&p);
        assert_eq!(z.len(), 1 + p.shards);
    }

    #[test]
    fn chaos_is_a_function_of_the_seed() {
        let p = SystemParams {
            chaos: 6,
            ..Default::default()
        };
        let a = chaos_faults(&p, 1);
        assert_eq!(a, chaos_faults(&p, 1));
        assert_ne!(a, chaos_faults(&p, 2));
        assert!(!a.is_empty());
        assert!(a.iter().all(|f| f.at >= SimTime::ZERO.plus(p.chaos_at)));
    }
}
