//! The link format: `?lab=heartbeat&v=1&seed=42&n=5&lat=10-15&loss=0&faults=1500:crash:3;4000:heal&t=2300`.
//!
//! Decoding never fails as a whole and never panics: every bad parameter becomes a
//! [`ParamError`] naming it, and that parameter keeps its safe default. Query syntax is parsed
//! by `form_urlencoded` (the WHATWG algorithm browsers use); the values are our mini-languages.

use super::lb_keys::LB_KEYS;
use super::{LabKind, LabParams, RaftSetup, Scenario, MAX_STEPS, MAX_TIME_MS};
use crate::clip;
use crate::fault::{fmt_timeline, parse_entry, Fault, TimedFault};
use crate::heartbeat::{Detector, HbParams};
use crate::net::{fmt_pct, parse_pct, Latency};
use crate::raft::{RaftParams, MAX_SERVERS, MAX_TIMEOUT_MS};
use crate::ring::{HashFn, KeySpec, RingParams, Scheme};
use crate::time::{fmt_ms, parse_ms, Duration, SimTime};
use std::fmt;

/// The link format version this build writes and reads.
pub const VERSION: u32 = 1;
/// The longest value accepted for one parameter.
pub const MAX_PARAM_LEN: usize = 4_000;
/// The most parameters read from one link.
const MAX_PARAMS: usize = 64;

/// A problem with one parameter of a link. Shown in the page's banner and by the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter's name (`n`, `faults`, …), shortened and cleaned for display.
    pub param: String,
    /// What is wrong and what is used instead.
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.param, self.message)
    }
}

/// The result of reading a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The lab named by the link (`None`: the home page, or an unknown lab).
    pub lab: Option<LabKind>,
    /// The scenario (the heartbeat defaults when no lab is named).
    pub scenario: Scenario,
    /// Every problem found, in link order.
    pub errors: Vec<ParamError>,
}

fn parse_u64_in(v: &str, lo: u64, hi: u64) -> Result<u64, String> {
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{}' is not a whole number", clip(v)));
    }
    match v.parse::<u64>() {
        Ok(x) if (lo..=hi).contains(&x) => Ok(x),
        _ => Err(format!("{} is outside {lo}–{hi}", clip(v))),
    }
}

fn parse_ms_in(v: &str, lo_ms: u64, hi_ms: u64) -> Result<Duration, String> {
    let us = parse_ms(v).ok_or_else(|| format!("'{}' is not a time in ms", clip(v)))?;
    if us < lo_ms * 1000 || us > hi_ms * 1000 {
        return Err(format!("{} ms is outside {lo_ms}–{hi_ms} ms", clip(v)));
    }
    Ok(Duration(us))
}

/// φ thresholds are written with up to three decimals (`8`, `2.5`) and kept ×1000.
fn parse_phi(v: &str) -> Result<u32, String> {
    let us = parse_ms(v).ok_or_else(|| format!("'{}' is not a number", clip(v)))?;
    if !(100..=50_000).contains(&us) {
        return Err(format!("{} is outside 0.1–50", clip(v)));
    }
    Ok(us as u32)
}

/// Reads a link: a full URL, or its query with or without the leading `?`.
pub fn decode(link: &str) -> Decoded {
    let query = match link.split_once('?') {
        Some((_, q)) => q,
        None if link.contains('=') || link.is_empty() => link,
        None => "",
    };
    let query = query.split('#').next().unwrap_or("");
    let mut errors = Vec::new();
    let mut err = |param: &str, message: String| {
        errors.push(ParamError {
            param: clip(param),
            message,
        })
    };

    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if pairs.len() >= MAX_PARAMS {
            err(
                "link",
                format!("more than {MAX_PARAMS} parameters; the rest are ignored"),
            );
            break;
        }
        if k.is_empty() && v.is_empty() {
            continue;
        }
        if v.len() > MAX_PARAM_LEN {
            err(
                &k,
                format!(
                    "value is {} characters long (limit {MAX_PARAM_LEN}); ignored",
                    v.len()
                ),
            );
            continue;
        }
        if pairs.iter().any(|(pk, _)| *pk == k) {
            err(&k, "given twice; the first value is used".into());
            continue;
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    let get = |k: &str| lookup(&pairs, k);

    let lab = match get("lab") {
        None => None,
        Some(name) => match LabKind::parse(name) {
            Some(l) => Some(l),
            None => {
                let known: Vec<&str> = LabKind::ALL.iter().map(|l| l.as_str()).collect();
                err(
                    "lab",
                    format!(
                        "unknown lab '{}' (known: {}); showing the home page",
                        clip(name),
                        known.join(", ")
                    ),
                );
                None
            }
        },
    };
    let kind = lab.unwrap_or(LabKind::Heartbeat);
    let mut s = Scenario::default_for(kind);
    let mut known_keys: Vec<&str> = vec![
        "lab", "v", "seed", "n", "lat", "loss", "dup", "faults", "t", "step",
    ];

    if let Some(v) = get("v") {
        match parse_u64_in(v, 1, u32::MAX as u64) {
            Ok(x) if x as u32 == VERSION => {}
            Ok(x) => err("v", format!("link version {x} is not supported (this app reads version {VERSION}); reading it as version {VERSION}")),
            Err(e) => err("v", format!("{e}; reading it as version {VERSION}")),
        }
    }
    if let Some(v) = get("seed") {
        match parse_u64_in(v, 0, u64::MAX) {
            Ok(x) => s.seed = x,
            Err(e) => err("seed", format!("{e}; using seed {}", s.seed)),
        }
    }
    let (lo, hi) = kind.node_range();
    if let Some(v) = get("n") {
        match parse_u64_in(v, lo as u64, hi as u64) {
            Ok(x) => s.nodes = x as usize,
            Err(e) => err("n", format!("{e}; using {}", s.nodes)),
        }
    }
    if let Some(v) = get("lat") {
        match Latency::parse(v) {
            Ok(l) => s.net.latency = l,
            Err(e) => err("lat", format!("{e}; using {}", s.net.latency)),
        }
    }
    for (key, slot) in [("loss", &mut s.net.loss_ppm), ("dup", &mut s.net.dup_ppm)] {
        if let Some(v) = get(key) {
            match parse_pct(v) {
                Ok(p) => *slot = p,
                Err(e) => err(key, format!("{e}; using {}%", fmt_pct(*slot))),
            }
        }
    }

    match &mut s.params {
        LabParams::Heartbeat(p) => {
            known_keys.extend([
                "hb", "jit", "suspect", "down", "det", "phis", "phid", "win", "fo", "pause",
                "minsd", "outage",
            ]);
            decode_heartbeat(p, &pairs, &mut err);
        }
        LabParams::Raft(r) => {
            known_keys.extend(["et", "hb", "prevote", "cq", "fast", "bugs", "spare"]);
            decode_raft(r, s.nodes, &pairs, &mut err);
        }
        LabParams::Lb(l) => {
            known_keys.extend(LB_KEYS.iter().map(|(k, _, _)| *k));
            known_keys.extend(["be", "cmp"]);
            if let Some(v) = get("cmp").filter(|v| !v.is_empty()) {
                match crate::lb::Strategy::parse(v) {
                    Some(x) => l.compare = Some(x),
                    None => err(
                        "cmp",
                        format!("'{}' is not a strategy; compare mode off", clip(v)),
                    ),
                }
            }
            for (key, field, what) in &LB_KEYS {
                if let Some(v) = get(key) {
                    if let Err(e) = super::lb_keys::set(&mut l.params, field, v) {
                        err(key, format!("{what}: {e}; using the default"));
                    }
                }
            }
            if let Err(e) = l.params.validate() {
                err("lb", format!("{e}; using the default settings"));
                l.params = crate::lb::LbParams::default();
            }
            if let Some(v) = get("be") {
                // `be` lists backends in order; with `n` as well, missing ones get the
                // default weight and speed and extra ones are dropped.
                match crate::lb::parse_backends(v) {
                    Ok(mut specs) => {
                        if get("n").is_none() {
                            s.nodes = specs.len();
                        }
                        specs.resize(s.nodes, crate::lb::BackendSpec::default());
                        l.backends = specs;
                    }
                    Err(e) => err("be", format!("{e}; all weight 1")),
                }
            }
        }
        LabParams::Ring(p) => {
            known_keys.extend(["vn", "hash", "r", "scheme", "keys", "ops"]);
            decode_ring(p, &pairs, &mut err);
            if let Some(v) = get("ops") {
                s.faults = decode_ring_ops(v, &mut err);
            }
            if get("faults").is_some() {
                err(
                    "faults",
                    "the ring lab's timeline is ops=TIME:OP;…, e.g. ops=1000:add:n5; ignored"
                        .into(),
                );
            }
        }
    }

    if let Some(v) = get("faults").filter(|_| kind != LabKind::Ring) {
        s.faults = decode_faults(v, kind, s.process_count(), &mut err);
    }
    if let Some(v) = get("t") {
        match parse_ms_in(v, 0, MAX_TIME_MS) {
            Ok(d) => s.pos.time = SimTime(d.0),
            Err(e) => err("t", format!("{e}; starting at 0")),
        }
    }
    if let Some(v) = get("step") {
        match parse_u64_in(v, 0, MAX_STEPS) {
            Ok(x) => s.pos.step = Some(x),
            Err(e) => err("step", format!("{e}; using the time t instead")),
        }
    }
    for (k, _) in &pairs {
        if !known_keys.contains(&k.as_str()) {
            err(k, "unknown parameter, ignored".into());
        }
    }
    Decoded {
        lab,
        scenario: s,
        errors,
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(pk, _)| pk == k)
        .map(|(_, v)| v.as_str())
}

fn decode_heartbeat(
    p: &mut HbParams,
    pairs: &[(String, String)],
    err: &mut dyn FnMut(&str, String),
) {
    let get = |k: &str| lookup(pairs, k);
    let d = HbParams::default();
    if let Some(v) = get("hb") {
        match parse_ms_in(v, 10, 10_000) {
            Ok(x) => p.interval = x,
            Err(e) => err("hb", format!("{e}; using {}", d.interval)),
        }
    }
    // Akka's pause and minimum σ scale with the interval unless the link sets them.
    let scaled = HbParams::for_interval(p.interval);
    p.acceptable_pause = scaled.acceptable_pause;
    p.min_std = scaled.min_std;
    if let Some(v) = get("jit") {
        match parse_u64_in(v, 0, 50) {
            Ok(x) => p.jitter_pct = x as u8,
            Err(e) => err("jit", format!("{e}; using {}%", d.jitter_pct)),
        }
    }
    if let Some(v) = get("suspect") {
        match parse_ms_in(v, 1, 600_000) {
            Ok(x) => p.suspect_after = x,
            Err(e) => err("suspect", format!("{e}; using {}", d.suspect_after)),
        }
    }
    if let Some(v) = get("down") {
        match parse_ms_in(v, 1, 600_000) {
            Ok(x) => p.down_after = x,
            Err(e) => err("down", format!("{e}; using {}", d.down_after)),
        }
    }
    if p.down_after <= p.suspect_after {
        err(
            "down",
            format!(
                "must be longer than suspect ({}); using {} and {}",
                p.suspect_after, d.suspect_after, d.down_after
            ),
        );
        p.suspect_after = d.suspect_after;
        p.down_after = d.down_after;
    }
    if let Some(v) = get("det") {
        match Detector::parse(v) {
            Some(x) => p.detector = x,
            None => err(
                "det",
                format!(
                    "'{}' is not fixed or phi; using {}",
                    clip(v),
                    d.detector.as_str()
                ),
            ),
        }
    }
    if let Some(v) = get("phis") {
        match parse_phi(v) {
            Ok(x) => p.phi_suspect_milli = x,
            Err(e) => err(
                "phis",
                format!("{e}; using {}", fmt_ms(d.phi_suspect_milli as u64)),
            ),
        }
    }
    if let Some(v) = get("phid") {
        match parse_phi(v) {
            Ok(x) => p.phi_down_milli = x,
            Err(e) => err(
                "phid",
                format!("{e}; using {}", fmt_ms(d.phi_down_milli as u64)),
            ),
        }
    }
    if p.phi_down_milli <= p.phi_suspect_milli {
        err("phid", "must be above phis; using φ 3 and 8".into());
        p.phi_suspect_milli = d.phi_suspect_milli;
        p.phi_down_milli = d.phi_down_milli;
    }
    if let Some(v) = get("win") {
        match parse_u64_in(v, 1, 1000) {
            Ok(x) => p.window = x as usize,
            Err(e) => err("win", format!("{e}; using {}", d.window)),
        }
    }
    if let Some(v) = get("pause") {
        match parse_ms_in(v, 0, 600_000) {
            Ok(x) => p.acceptable_pause = x,
            Err(e) => err("pause", format!("{e}; using {}", scaled.acceptable_pause)),
        }
    }
    if let Some(v) = get("minsd") {
        match parse_ms_in(v, 1, 60_000) {
            Ok(x) => p.min_std = x,
            Err(e) => err("minsd", format!("{e}; using {}", scaled.min_std)),
        }
    }
    if let Some(v) = get("outage") {
        match v {
            "1" => p.learn_outages = true,
            "0" => p.learn_outages = false,
            _ => err(
                "outage",
                format!(
                    "'{}' is not 0 or 1; outage intervals are not learned (Akka)",
                    clip(v)
                ),
            ),
        }
    }
    if let Some(v) = get("fo") {
        match v {
            "1" => p.failover = true,
            "0" => p.failover = false,
            _ => err(
                "fo",
                format!("'{}' is not 0 or 1; failover stays on", clip(v)),
            ),
        }
    }
}

/// Checks a fault against a lab and its process count: every node it names exists, and a
/// command is one the lab understands.
pub fn check_fault(f: &Fault, kind: LabKind, processes: usize) -> Result<(), String> {
    if let Fault::Command(_, text) = f {
        kind.check_command(text)?;
    }
    if let Some(&bad) = f.nodes().iter().find(|&&i| i >= processes) {
        return Err(format!(
            "node {bad} does not exist (0–{})",
            processes.saturating_sub(1)
        ));
    }
    Ok(())
}

/// Parses a fault typed in a form (`partition:0.1|2.3`, `loss:5`) for a scenario, with the same
/// checks as a link.
pub fn parse_fault_for(s: &Scenario, text: &str) -> Result<Fault, String> {
    let f = Fault::parse(text.trim())?;
    check_fault(&f, s.lab, s.process_count())?;
    Ok(f)
}

/// One "buggy Raft" toggle: its link name, how to read it, how to switch it on.
pub type RaftBug = (&'static str, fn(&RaftParams) -> bool, fn(&mut RaftParams));

/// The "buggy Raft" toggles by link name (`bugs=uptodate,oldterm`).
pub const RAFT_BUGS: [RaftBug; 3] = [
    (
        "uptodate",
        |p| p.bug_vote_without_uptodate,
        |p| p.bug_vote_without_uptodate = true,
    ),
    (
        "oldterm",
        |p| p.bug_commit_old_term,
        |p| p.bug_commit_old_term = true,
    ),
    (
        "forgetvote",
        |p| p.bug_forget_vote,
        |p| p.bug_forget_vote = true,
    ),
];

fn parse_flag(v: &str) -> Result<bool, String> {
    match v {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(format!("'{}' is not 0 or 1", clip(v))),
    }
}

fn decode_raft(
    r: &mut RaftSetup,
    servers: usize,
    pairs: &[(String, String)],
    err: &mut dyn FnMut(&str, String),
) {
    let get = |k: &str| lookup(pairs, k);
    let d = RaftParams::default();
    let p = &mut r.params;
    if let Some(v) = get("et") {
        let parsed = v
            .split_once('-')
            .ok_or_else(|| format!("'{}' should be MIN-MAX in ms, e.g. 150-300", clip(v)))
            .and_then(|(a, b)| {
                let lo = parse_ms_in(a, 1, MAX_TIMEOUT_MS)?;
                let hi = parse_ms_in(b, 1, MAX_TIMEOUT_MS)?;
                if hi < lo {
                    return Err(format!("{} is reversed", clip(v)));
                }
                Ok((lo, hi))
            });
        match parsed {
            Ok((lo, hi)) => {
                p.election_timeout_min = lo;
                p.election_timeout_max = hi;
            }
            Err(e) => err("et", format!("{e}; using 150-300")),
        }
    }
    if let Some(v) = get("hb") {
        match parse_ms_in(v, 1, MAX_TIMEOUT_MS) {
            Ok(x) => p.heartbeat = x,
            Err(e) => err("hb", format!("{e}; using {}", d.heartbeat)),
        }
    }
    for (key, slot) in [
        ("prevote", &mut p.pre_vote),
        ("cq", &mut p.check_quorum),
        ("fast", &mut p.fast_backup),
    ] {
        if let Some(v) = get(key) {
            match parse_flag(v) {
                Ok(b) => *slot = b,
                Err(e) => err(key, format!("{e}; off")),
            }
        }
    }
    if let Some(v) = get("bugs") {
        for name in v.split(',').filter(|x| !x.is_empty()) {
            match RAFT_BUGS.iter().find(|(n, _, _)| *n == name) {
                Some((_, _, set)) => set(p),
                None => err(
                    "bugs",
                    format!(
                        "unknown bug '{}' (known: uptodate, oldterm, forgetvote); ignored",
                        clip(name)
                    ),
                ),
            }
        }
    }
    if let Some(v) = get("spare") {
        let room = MAX_SERVERS.saturating_sub(servers) as u64;
        match parse_u64_in(v, 0, room) {
            Ok(x) => r.spare = x as usize,
            Err(e) => err(
                "spare",
                format!("{e} (at most {MAX_SERVERS} servers in all); using 0"),
            ),
        }
    }
}

fn decode_ring(p: &mut RingParams, pairs: &[(String, String)], err: &mut dyn FnMut(&str, String)) {
    let get = |k: &str| lookup(pairs, k);
    let d = RingParams::default();
    if let Some(v) = get("vn") {
        match parse_u64_in(v, 1, crate::ring::MAX_VNODES as u64) {
            Ok(x) => p.vnodes = x as u32,
            Err(e) => err("vn", format!("{e}; using {}", d.vnodes)),
        }
    }
    if let Some(v) = get("hash") {
        match HashFn::parse(v) {
            Some(h) => p.hash = h,
            None => err(
                "hash",
                format!(
                    "'{}' is not xxh64, murmur3, fnv1a or md5; using xxh64",
                    clip(v)
                ),
            ),
        }
    }
    if let Some(v) = get("r") {
        match parse_u64_in(v, 1, crate::ring::MAX_REPLICAS as u64) {
            Ok(x) => p.replicas = x as usize,
            Err(e) => err("r", format!("{e}; using {}", d.replicas)),
        }
    }
    if let Some(v) = get("scheme") {
        match Scheme::parse(v).and_then(|s| s.validate().map(|_| s)) {
            Ok(x) => p.scheme = x,
            Err(e) => err("scheme", format!("{e}; using ring")),
        }
    }
    if let Some(v) = get("keys") {
        match KeySpec::parse(v).and_then(|k| k.validate().map(|_| k)) {
            Ok(k) => p.keys = k,
            Err(e) => err("keys", format!("{e}; using {}", d.keys)),
        }
    }
}

/// The ring's timeline: `TIME:OP` entries (`1000:add:n5`), kept as commands to the ring.
fn decode_ring_ops(v: &str, err: &mut dyn FnMut(&str, String)) -> Vec<TimedFault> {
    let mut out = Vec::new();
    let mut bad = 0;
    for entry in v.split(';').filter(|e| !e.trim().is_empty()) {
        if out.len() >= crate::ring::ops::MAX_OPS {
            err(
                "ops",
                format!(
                    "more than {} entries; the rest are ignored",
                    crate::ring::ops::MAX_OPS
                ),
            );
            break;
        }
        let parsed = entry
            .trim()
            .split_once(':')
            .ok_or_else(|| "should be TIME:OP, e.g. 1000:add:n5".to_string())
            .and_then(|(t, op)| {
                let at = parse_ms(t)
                    .filter(|&us| us <= MAX_TIME_MS * 1000)
                    .ok_or_else(|| {
                        format!("'{}' is not a time in ms (0–{MAX_TIME_MS})", clip(t))
                    })?;
                let op = crate::ring::RingOp::parse(op).map_err(|e| e.to_string())?;
                Ok(TimedFault {
                    at: SimTime(at),
                    fault: Fault::Command(0, op.to_string()),
                })
            });
        match parsed {
            Ok(tf) => out.push(tf),
            Err(e) => {
                bad += 1;
                if bad <= 3 {
                    err("ops", format!("'{}' ignored: {e}", clip(entry)));
                }
            }
        }
    }
    if bad > 3 {
        err("ops", format!("{} more bad entries ignored", bad - 3));
    }
    out.sort_by_key(|f| f.at);
    out
}

/// Parses the timeline entry by entry, keeping the good entries and reporting the bad ones.
fn decode_faults(
    v: &str,
    kind: LabKind,
    processes: usize,
    err: &mut dyn FnMut(&str, String),
) -> Vec<TimedFault> {
    let mut out = Vec::new();
    let mut bad = 0;
    for entry in v.split(';').filter(|e| !e.trim().is_empty()) {
        if out.len() >= crate::fault::MAX_FAULTS {
            err(
                "faults",
                format!(
                    "more than {} entries; the rest are ignored",
                    crate::fault::MAX_FAULTS
                ),
            );
            break;
        }
        let parsed = parse_entry(entry).and_then(|tf| {
            if tf.at.0 > MAX_TIME_MS * 1000 {
                return Err(format!("{} is after the {MAX_TIME_MS} ms limit", tf.at));
            }
            check_fault(&tf.fault, kind, processes)?;
            Ok(tf)
        });
        match parsed {
            Ok(tf) => out.push(tf),
            Err(e) => {
                bad += 1;
                if bad <= 3 {
                    err("faults", format!("'{}' ignored: {e}", clip(entry)));
                }
            }
        }
    }
    if bad > 3 {
        err("faults", format!("{} more bad entries ignored", bad - 3));
    }
    out.sort_by_key(|f| f.at);
    out
}

/// The scenario with one parameter set to `value` (a form field), validated exactly as a link
/// is: a bad value keeps its safe default and comes back in `errors`. The position resets to 0.
pub fn with_param(s: &Scenario, key: &str, value: &str) -> Decoded {
    let mut base = s.clone();
    base.pos = Default::default();
    let query = encode(&base);
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k != key {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair(key, value);
    decode(&out.finish())
}

/// Characters written as they are; everything else is percent-encoded.
fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:;|>,!*'()/@$=".contains(&b)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes the link query (without `?`) for a scenario: core keys always, lab parameters only
/// when they differ from the defaults, so links stay short and readable.
pub fn encode(s: &Scenario) -> String {
    let mut kv: Vec<(&str, String)> = vec![
        ("lab", s.lab.as_str().into()),
        ("v", VERSION.to_string()),
        ("seed", s.seed.to_string()),
        ("n", s.nodes.to_string()),
        ("lat", s.net.latency.to_string()),
        ("loss", fmt_pct(s.net.loss_ppm)),
    ];
    if s.net.dup_ppm != 0 {
        kv.push(("dup", fmt_pct(s.net.dup_ppm)));
    }
    match &s.params {
        LabParams::Heartbeat(p) => {
            let d = HbParams::default();
            if p.interval != d.interval {
                kv.push(("hb", fmt_ms(p.interval.0)));
            }
            if p.jitter_pct != d.jitter_pct {
                kv.push(("jit", p.jitter_pct.to_string()));
            }
            if p.suspect_after != d.suspect_after {
                kv.push(("suspect", fmt_ms(p.suspect_after.0)));
            }
            if p.down_after != d.down_after {
                kv.push(("down", fmt_ms(p.down_after.0)));
            }
            if p.detector != d.detector {
                kv.push(("det", p.detector.as_str().into()));
            }
            if p.phi_suspect_milli != d.phi_suspect_milli {
                kv.push(("phis", fmt_ms(p.phi_suspect_milli as u64)));
            }
            if p.phi_down_milli != d.phi_down_milli {
                kv.push(("phid", fmt_ms(p.phi_down_milli as u64)));
            }
            if p.window != d.window {
                kv.push(("win", p.window.to_string()));
            }
            let scaled = HbParams::for_interval(p.interval);
            if p.acceptable_pause != scaled.acceptable_pause {
                kv.push(("pause", fmt_ms(p.acceptable_pause.0)));
            }
            if p.min_std != scaled.min_std {
                kv.push(("minsd", fmt_ms(p.min_std.0)));
            }
            if p.learn_outages != d.learn_outages {
                kv.push(("outage", if p.learn_outages { "1" } else { "0" }.into()));
            }
            if p.failover != d.failover {
                kv.push(("fo", if p.failover { "1" } else { "0" }.into()));
            }
        }
        LabParams::Raft(r) => {
            let (p, d) = (&r.params, RaftParams::default());
            if (p.election_timeout_min, p.election_timeout_max)
                != (d.election_timeout_min, d.election_timeout_max)
            {
                kv.push((
                    "et",
                    format!(
                        "{}-{}",
                        fmt_ms(p.election_timeout_min.0),
                        fmt_ms(p.election_timeout_max.0)
                    ),
                ));
            }
            if p.heartbeat != d.heartbeat {
                kv.push(("hb", fmt_ms(p.heartbeat.0)));
            }
            for (key, on) in [
                ("prevote", p.pre_vote),
                ("cq", p.check_quorum),
                ("fast", p.fast_backup),
            ] {
                if on {
                    kv.push((key, "1".into()));
                }
            }
            let bugs: Vec<&str> = RAFT_BUGS
                .iter()
                .filter(|(_, get, _)| get(p))
                .map(|(name, _, _)| *name)
                .collect();
            if !bugs.is_empty() {
                kv.push(("bugs", bugs.join(",")));
            }
            if r.spare != 0 {
                kv.push(("spare", r.spare.to_string()));
            }
        }
        LabParams::Lb(l) => {
            let d = crate::lb::LbParams::default();
            for (key, field, _) in &LB_KEYS {
                let v = super::lb_keys::get(&l.params, field);
                if v != super::lb_keys::get(&d, field) {
                    kv.push((key, v));
                }
            }
            if l.backends
                .iter()
                .any(|b| *b != crate::lb::BackendSpec::default())
            {
                kv.push(("be", crate::lb::fmt_backends(&l.backends)));
            }
            if let Some(c) = l.compare {
                kv.push(("cmp", c.as_str().into()));
            }
        }
        LabParams::Ring(p) => {
            let d = RingParams::default();
            if p.vnodes != d.vnodes {
                kv.push(("vn", p.vnodes.to_string()));
            }
            if p.hash != d.hash {
                kv.push(("hash", p.hash.as_str().into()));
            }
            if p.replicas != d.replicas {
                kv.push(("r", p.replicas.to_string()));
            }
            if p.scheme != d.scheme {
                kv.push(("scheme", p.scheme.to_string()));
            }
            if p.keys != d.keys {
                kv.push(("keys", p.keys.to_string()));
            }
        }
    }
    if s.lab == LabKind::Ring && !s.faults.is_empty() {
        let ops: Vec<String> = s
            .faults
            .iter()
            .filter_map(|f| match &f.fault {
                Fault::Command(_, text) => Some(format!("{}:{text}", fmt_ms(f.at.0))),
                _ => None,
            })
            .collect();
        kv.push(("ops", ops.join(";")));
    }
    if !s.faults.is_empty() && s.lab != LabKind::Ring {
        kv.push(("faults", fmt_timeline(&s.faults)));
    }
    if s.pos.time.0 > 0 {
        kv.push(("t", fmt_ms(s.pos.time.0)));
    }
    if let Some(k) = s.pos.step {
        kv.push(("step", k.to_string()));
    }
    kv.iter()
        .map(|(k, v)| format!("{k}={}", escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}
