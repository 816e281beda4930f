//! Link keys of the replication lab (both sections), as one table per parameter struct: each
//! key, how to read and write it, its limits and its meaning (the cross-field checks are
//! [`ReplParams::validate`] and [`LockParams::validate`]). The proposed link is
//! `lab=replication&sec=repl|locks&KEY=VALUE…` with the usual `seed`, `faults` and `t`.

use super::locks::{LockParams, MAX_LOCK_CLIENTS, MAX_LOCK_MS};
use super::params::{
    ReplParams, MAX_CLIENTS, MAX_DRIFT_PCT, MAX_KEYS, MAX_RATE, MAX_REPLICAS, MAX_TIMEOUT_MS,
};
use crate::clip;
use crate::net::{fmt_pct, parse_pct};
use crate::time::{fmt_ms, parse_ms, Duration};

/// How one key's value is read and written, for parameters `P`.
pub enum Field<P> {
    /// A count in `lo..=hi`.
    Count(fn(&mut P) -> &mut usize, usize, usize),
    /// A whole number in `lo..=hi`.
    U32(fn(&mut P) -> &mut u32, u32, u32),
    /// A small whole number in `lo..=hi`.
    U8(fn(&mut P) -> &mut u8, u8, u8),
    /// A time in ms (decimals allowed) in `lo..=hi` ms.
    Ms(fn(&mut P) -> &mut Duration, u64, u64),
    /// A percentage (up to four decimals) stored in ppm, at most `hi` percent.
    Pct(fn(&mut P) -> &mut u32, u32),
    /// `0` or `1`.
    Flag(fn(&mut P) -> &mut bool),
    /// The replication mode (`async`, `semi`, `sync`, `quorum`).
    Mode,
    /// The promotion rule (`best`, `first`).
    Promotion,
    /// Where reads go (`primary`, `replica`).
    ReadFrom,
}

/// The replication section's keys: (key, field, meaning).
pub const REPL_KEYS: [(&str, Field<ReplParams>, &str); 22] = [
    (
        "r",
        Field::Count(|p| &mut p.replicas, 1, MAX_REPLICAS),
        "replicas",
    ),
    (
        "c",
        Field::Count(|p| &mut p.clients, 1, MAX_CLIENTS),
        "clients",
    ),
    ("mode", Field::Mode, "replication mode"),
    (
        "k",
        Field::Count(|p| &mut p.acks, 1, MAX_REPLICAS),
        "acknowledgements",
    ),
    (
        "fallback",
        Field::Ms(|p| &mut p.fallback, 0, MAX_TIMEOUT_MS),
        "semi-sync fallback ms",
    ),
    ("fo", Field::Flag(|p| &mut p.failover), "failover"),
    ("promote", Field::Promotion, "promotion rule"),
    (
        "witness",
        Field::Flag(|p| &mut p.witness),
        "witness promotion",
    ),
    (
        "lease",
        Field::Ms(|p| &mut p.lease, 0, MAX_TIMEOUT_MS),
        "primary lease ms",
    ),
    (
        "drift",
        Field::Pct(|p| &mut p.drift_ppm, MAX_DRIFT_PCT),
        "clock drift %",
    ),
    ("fence", Field::Flag(|p| &mut p.fencing), "fencing"),
    (
        "delay",
        Field::Ms(|p| &mut p.delay, 0, MAX_TIMEOUT_MS),
        "replication delay ms",
    ),
    (
        "ttl",
        Field::Ms(|p| &mut p.ttl, 0, MAX_TIMEOUT_MS),
        "discovery TTL ms",
    ),
    (
        "hb",
        Field::Ms(|p| &mut p.heartbeat, 1, MAX_TIMEOUT_MS),
        "heartbeat ms",
    ),
    (
        "suspect",
        Field::Ms(|p| &mut p.suspect_after, 1, MAX_TIMEOUT_MS),
        "suspect after ms",
    ),
    (
        "down",
        Field::Ms(|p| &mut p.down_after, 1, MAX_TIMEOUT_MS),
        "down after ms",
    ),
    (
        "round",
        Field::Ms(|p| &mut p.round, 1, MAX_TIMEOUT_MS),
        "promotion round ms",
    ),
    (
        "rate",
        Field::U32(|p| &mut p.rate, 0, MAX_RATE),
        "operations per second per client",
    ),
    ("reads", Field::U8(|p| &mut p.read_pct, 0, 100), "reads %"),
    ("rfrom", Field::ReadFrom, "read from"),
    ("keys", Field::U8(|p| &mut p.keys, 1, MAX_KEYS), "keys"),
    (
        "cto",
        Field::Ms(|p| &mut p.client_timeout, 1, MAX_TIMEOUT_MS),
        "client timeout ms",
    ),
];

/// The lock section's keys: (key, field, meaning).
pub const LOCK_KEYS: [(&str, Field<LockParams>, &str); 9] = [
    (
        "lc",
        Field::Count(|p| &mut p.clients, 2, MAX_LOCK_CLIENTS),
        "lock clients",
    ),
    (
        "lttl",
        Field::Ms(|p| &mut p.ttl, 3, MAX_LOCK_MS),
        "lock lease ms",
    ),
    (
        "lwork",
        Field::Ms(|p| &mut p.work, 0, MAX_LOCK_MS),
        "work ms",
    ),
    (
        "lthink",
        Field::Ms(|p| &mut p.think, 0, MAX_LOCK_MS),
        "think ms",
    ),
    (
        "lfence",
        Field::Flag(|p| &mut p.fencing),
        "storage checks tokens",
    ),
    (
        "ldelay",
        Field::Ms(|p| &mut p.lock_delay, 0, MAX_LOCK_MS),
        "lock-delay ms",
    ),
    ("lfifo", Field::Flag(|p| &mut p.fifo), "FIFO waiters"),
    (
        "lcheck",
        Field::Flag(|p| &mut p.check),
        "check the lease before writing",
    ),
    (
        "ldrift",
        Field::Pct(|p| &mut p.drift_ppm, MAX_DRIFT_PCT),
        "client clock drift %",
    ),
];

fn set_field<P>(p: &mut P, field: &Field<P>, what: &str, v: &str) -> Result<(), String> {
    let bad = || format!("{what}: '{}' is not valid", clip(v));
    let uint = |lo: u64, hi: u64| -> Result<u64, String> {
        if v.is_empty() || v.len() > 6 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let x: u64 = v.parse().map_err(|_| bad())?;
        if (lo..=hi).contains(&x) {
            Ok(x)
        } else {
            Err(format!("{what}: {x} is outside {lo}–{hi}"))
        }
    };
    match field {
        Field::Count(f, lo, hi) => *f(p) = uint(*lo as u64, *hi as u64)? as usize,
        Field::U32(f, lo, hi) => *f(p) = uint(*lo as u64, *hi as u64)? as u32,
        Field::U8(f, lo, hi) => *f(p) = uint(*lo as u64, *hi as u64)? as u8,
        Field::Ms(f, lo, hi) => {
            let us = parse_ms(v).ok_or_else(bad)?;
            if us < lo * 1000 || us > hi * 1000 {
                return Err(format!("{what}: {} ms is outside {lo}–{hi} ms", clip(v)));
            }
            *f(p) = Duration(us);
        }
        Field::Pct(f, hi) => {
            let ppm = parse_pct(v).map_err(|_| bad())?;
            if ppm > hi * 10_000 {
                return Err(format!("{what}: {}% is above {hi}%", clip(v)));
            }
            *f(p) = ppm;
        }
        Field::Flag(f) => {
            *f(p) = match v {
                "1" => true,
                "0" => false,
                _ => return Err(format!("{what}: '{}' should be 0 or 1", clip(v))),
            }
        }
        Field::Mode | Field::Promotion | Field::ReadFrom => return Err(bad()),
    }
    Ok(())
}

fn get_field<P: Clone>(p: &P, field: &Field<P>) -> String {
    let mut q = p.clone();
    match field {
        Field::Count(f, ..) => f(&mut q).to_string(),
        Field::U32(f, ..) => f(&mut q).to_string(),
        Field::U8(f, ..) => f(&mut q).to_string(),
        Field::Ms(f, ..) => fmt_ms(f(&mut q).0),
        Field::Pct(f, _) => fmt_pct(*f(&mut q)),
        Field::Flag(f) => (if *f(&mut q) { "1" } else { "0" }).to_string(),
        Field::Mode | Field::Promotion | Field::ReadFrom => String::new(),
    }
}

impl ReplParams {
    /// Sets one link key. `Ok(false)` for a key this section does not have.
    pub fn set_key(&mut self, key: &str, v: &str) -> Result<bool, String> {
        let Some((_, field, what)) = REPL_KEYS.iter().find(|k| k.0 == key) else {
            return Ok(false);
        };
        match field {
            Field::Mode => self.mode = v.parse()?,
            Field::Promotion => self.promotion = v.parse()?,
            Field::ReadFrom => self.read_from = v.parse()?,
            f => set_field(self, f, what, v)?,
        }
        Ok(true)
    }

    /// The keys whose value differs from the default, in table order (the link's form).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let d = ReplParams::default();
        let get = |p: &ReplParams, f: &Field<ReplParams>| match f {
            Field::Mode => p.mode.to_string(),
            Field::Promotion => p.promotion.to_string(),
            Field::ReadFrom => p.read_from.to_string(),
            f => get_field(p, f),
        };
        REPL_KEYS
            .iter()
            .filter(|(_, f, _)| get(self, f) != get(&d, f))
            .map(|(k, f, _)| (*k, get(self, f)))
            .collect()
    }
}

impl LockParams {
    /// Sets one link key. `Ok(false)` for a key this section does not have.
    pub fn set_key(&mut self, key: &str, v: &str) -> Result<bool, String> {
        let Some((_, field, what)) = LOCK_KEYS.iter().find(|k| k.0 == key) else {
            return Ok(false);
        };
        set_field(self, field, what, v)?;
        Ok(true)
    }

    /// The keys whose value differs from the default, in table order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let d = LockParams::default();
        LOCK_KEYS
            .iter()
            .filter(|(_, f, _)| get_field(self, f) != get_field(&d, f))
            .map(|(k, f, _)| (*k, get_field(self, f)))
            .collect()
    }
}
