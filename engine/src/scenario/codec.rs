//! The link format: `?lab=heartbeat&v=1&seed=42&n=5&lat=10-15&loss=0&faults=1500:crash:3;4000:heal&t=2300`.
//!
//! Decoding never fails as a whole and never panics: every bad parameter becomes a
//! [`ParamError`] naming it, and that parameter keeps its safe default. Query syntax is parsed
//! by `form_urlencoded` (the WHATWG algorithm browsers use); the values are our mini-languages.

use super::keys::{parse_int, parse_ms_in, Key};
use super::{Lab, LabKind, LabParams, LabVisitor, Scenario, MAX_STEPS, MAX_TIME_MS};
use crate::clip;
use crate::fault::{parse_entry_with, CommandParser, Fault, FaultError, TimedFault};
use crate::net::{fmt_pct, parse_pct, Latency};
use crate::time::{fmt_ms, SimTime};
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

/// The parameters of a link (each once, in order), the problems found reading them, and the name
/// of the lab it names.
type Pairs = Vec<(String, String)>;

fn read_link(link: &str) -> (Pairs, Vec<ParamError>, Option<String>) {
    let query = match link.split_once('?') {
        Some((_, q)) => q,
        None if link.contains('=') || link.is_empty() => link,
        None => "",
    };
    let query = query.split('#').next().unwrap_or("");
    let mut errors = Vec::new();
    let mut err = |param: &str, message: String| {
        // A parameter with no printable name (`&=0`) is still named in the banner.
        let param = match clip(param) {
            p if p.trim().is_empty() => "(unnamed)".to_string(),
            p => p,
        };
        errors.push(ParamError { param, message })
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

    let lab = get("lab").map(str::to_string);
    (pairs, errors, lab)
}

/// The lab a link names, among every lab (an unknown one is reported).
fn known_lab(name: Option<&str>, errors: &mut Vec<ParamError>) -> Option<LabKind> {
    let name = name?;
    let lab = LabKind::parse(name);
    if lab.is_none() {
        let known: Vec<&str> = LabKind::ALL.iter().map(|l| l.as_str()).collect();
        reporter(errors)(
            "lab",
            format!(
                "unknown lab '{}' (known: {}); showing the home page",
                clip(name),
                known.join(", ")
            ),
        );
    }
    lab
}

/// A reporter of problems with a link's parameters: a parameter with no printable name (`&=0`)
/// is still named in the banner.
fn reporter(errors: &mut Vec<ParamError>) -> impl FnMut(&str, String) + '_ {
    move |param: &str, message: String| {
        let param = match clip(param) {
            p if p.trim().is_empty() => "(unnamed)".to_string(),
            p => p,
        };
        errors.push(ParamError { param, message })
    }
}

/// Reads a link: a full URL, or its query with or without the leading `?`. Any lab.
pub fn decode(link: &str) -> Decoded {
    let (pairs, mut errors, name) = read_link(link);
    let lab = known_lab(name.as_deref(), &mut errors);
    struct As<'a>(&'a [(String, String)], &'a mut Vec<ParamError>);
    impl LabVisitor for As<'_> {
        type Output = Scenario;
        fn visit<L: Lab>(self) -> Scenario {
            decode_scenario::<L>(self.0, self.1)
        }
    }
    let scenario = lab
        .unwrap_or(LabKind::Heartbeat)
        .visit(As(&pairs, &mut errors));
    Decoded {
        lab,
        scenario,
        errors,
    }
}

/// Reads a link for the home page (it names no lab, or one the loader does not know): the link's
/// own problems (too long, a key given twice, …) and an unknown lab's name. The other keys belong
/// to a lab's page, which reads them; the home bundle links no lab's decoder.
pub fn decode_home(link: &str) -> Vec<ParamError> {
    let (_, mut errors, name) = read_link(link);
    known_lab(name.as_deref(), &mut errors);
    errors
}

/// Reads a link for lab `L`'s page (its bundle links only `L`'s keys): a link naming another lab
/// is reported and read as `L`'s.
pub fn decode_for<L: Lab>(link: &str) -> Decoded {
    let (pairs, mut errors, name) = read_link(link);
    if name.is_some_and(|n| n != L::INFO.name) {
        errors.push(ParamError {
            param: "lab".into(),
            message: format!(
                "this page is the {} lab; reading the link as one",
                L::INFO.name
            ),
        });
    }
    let scenario = decode_scenario::<L>(&pairs, &mut errors);
    Decoded {
        lab: Some(L::KIND),
        scenario,
        errors,
    }
}

/// The scenario of lab `L` from a link's parameters.
fn decode_scenario<L: Lab>(pairs: &[(String, String)], errors: &mut Vec<ParamError>) -> Scenario {
    let get = |k: &str| lookup(pairs, k);
    let mut err = reporter(errors);
    let mut s = Scenario::default_of::<L>();
    let mut known_keys: Vec<&str> = vec![
        "lab", "v", "seed", "n", "lat", "loss", "dup", "t", "step", "notes",
    ];

    if let Some(v) = get("v") {
        match parse_int(v, 1, u32::MAX as u64) {
            Ok(x) if x as u32 == VERSION => {}
            Ok(x) => err("v", format!("link version {x} is not supported (this app reads version {VERSION}); reading it as version {VERSION}")),
            Err(e) => err("v", format!("{e}; reading it as version {VERSION}")),
        }
    }
    if let Some(v) = get("seed") {
        match parse_int(v, 0, u64::MAX) {
            Ok(x) => s.seed = x,
            Err(e) => err("seed", format!("{e}; using seed {}", s.seed)),
        }
    }
    let (lo, hi) = L::INFO.nodes;
    if let Some(v) = get("n") {
        match parse_int(v, lo as u64, hi as u64) {
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

    let n_given = get("n").is_some();
    s.params = decode_lab::<L>(
        pairs,
        &mut s.nodes,
        n_given,
        &mut s.faults,
        &mut known_keys,
        &mut err,
    );
    if let Some(v) = get("t") {
        match parse_ms_in(v, 0, MAX_TIME_MS * 1000) {
            Ok(d) => s.pos.time = SimTime(d.0),
            Err(e) => err("t", format!("{e}; starting at 0")),
        }
    }
    if let Some(v) = get("step") {
        match parse_int(v, 0, MAX_STEPS) {
            Ok(x) => s.pos.step = Some(x),
            Err(e) => err("step", format!("{e}; using the time t instead")),
        }
    }
    if let Some(v) = get("notes") {
        s.notes = super::notes::decode_notes(v, MAX_TIME_MS, &mut err);
    }
    for (k, _) in pairs {
        // The availability calculator's keys (`av…`) and the view keys (`present`, `embed`,
        // `theme`) may sit next to any lab's.
        if known_keys.contains(&k.as_str())
            || crate::avail::link::is_key(k)
            || super::view::is_key(k)
        {
            continue;
        }
        match L::TIMELINE_KEY {
            tl if k == "faults" => err(
                k,
                format!("this lab's timeline is {tl}=TIME:…;…, not faults; ignored"),
            ),
            _ => err(k, "unknown parameter, ignored".into()),
        }
    }
    s
}

fn lookup<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(pk, _)| pk == k)
        .map(|(_, v)| v.as_str())
}

/// Checks a fault against a lab's process count: every node it names exists (its command, if
/// any, was read by the lab when the fault was parsed).
pub fn check_fault(f: &Fault, processes: usize) -> Result<(), FaultError> {
    if let Some(node) = f.nodes().find(|&i| i >= processes) {
        return Err(FaultError::NoSuchNode {
            node,
            last: processes.saturating_sub(1),
        });
    }
    Ok(())
}

/// Parses a fault typed in a form (`partition:0.1|2.3`, `loss:5`) for a scenario, with the same
/// checks as a link.
pub fn parse_fault_for(s: &Scenario, text: &str) -> Result<Fault, FaultError> {
    let command = |t: &str| s.lab.parse_command(&s.params, t);
    let f = Fault::parse_with(text.trim(), &command)?;
    check_fault(&f, s.process_count())?;
    Ok(f)
}

/// [`parse_fault_for`] in lab `L`'s page (links only `L`'s command parser).
pub fn parse_fault_for_lab<L: Lab>(s: &Scenario, text: &str) -> Result<Fault, FaultError> {
    let setup = s.setup::<L>();
    let command = |t: &str| L::parse_command(&setup, t);
    let f = Fault::parse_with(text.trim(), &command)?;
    check_fault(&f, L::processes(&setup, s.nodes))?;
    Ok(f)
}

/// Reads a `;`-separated timeline entry by entry: keeps the good entries (at most `max`), reports
/// the first three bad ones under `key` and counts the rest; sorted by time.
pub fn decode_entries<E: fmt::Display>(
    v: &str,
    key: &str,
    max: usize,
    err: &mut dyn FnMut(&str, String),
    parse: impl Fn(&str) -> Result<TimedFault, E>,
) -> Vec<TimedFault> {
    let mut out = Vec::new();
    let mut bad = 0;
    for entry in v.split(';').filter(|e| !e.trim().is_empty()) {
        if out.len() >= max {
            err(
                key,
                format!("more than {max} entries; the rest are ignored"),
            );
            break;
        }
        match parse(entry.trim()) {
            Ok(tf) => out.push(tf),
            Err(e) => {
                bad += 1;
                if bad <= 3 {
                    err(key, format!("'{}' ignored: {e}", clip(entry)));
                }
            }
        }
    }
    if bad > 3 {
        err(key, format!("{} more bad entries ignored", bad - 3));
    }
    crate::sort::sort_by_key(&mut out, |f| f.at);
    out
}

/// Reads a fault timeline (`faults=1500:crash:3;4000:heal`) for a lab with `processes`
/// processes, its commands with the lab's `command` parser. A bad entry (a bad command too) is
/// reported and only it is dropped.
pub fn decode_faults_with(
    v: &str,
    command: &CommandParser,
    processes: usize,
    err: &mut dyn FnMut(&str, String),
) -> Vec<TimedFault> {
    decode_entries(v, "faults", crate::fault::MAX_FAULTS, err, |entry| {
        let tf = parse_entry_with(entry, command)?;
        if tf.at.0 > MAX_TIME_MS * 1000 {
            return Err(FaultError::AfterLimit(tf.at));
        }
        check_fault(&tf.fault, processes)?;
        Ok(tf)
    })
}

/// Reads lab `L`'s own keys, fits them to the node count, settles conflicts, reads the timeline.
fn decode_lab<L: Lab>(
    pairs: &[(String, String)],
    nodes: &mut usize,
    n_given: bool,
    faults: &mut Vec<TimedFault>,
    known: &mut Vec<&'static str>,
    err: &mut dyn FnMut(&str, String),
) -> LabParams {
    let get = |k: &str| lookup(pairs, k);
    let mut setup = L::Setup::default();
    let mut given: Vec<&'static str> = Vec::new();
    let mut bad: Vec<(&Key<L::Setup>, String)> = Vec::new();
    for key in L::keys() {
        known.push(key.name);
        if let Some(v) = get(key.name) {
            match (key.set)(&mut setup, v) {
                Ok(()) => given.push(key.name),
                Err(e) => bad.push((key, e.to_string())),
            }
        }
    }
    // Keys the link left out (or gave badly) take their defaults given the others.
    let implied = L::implied_defaults(&setup);
    for key in L::keys().iter().filter(|k| !given.contains(&k.name)) {
        key.reset_to(&mut setup, &implied);
    }
    for (key, e) in bad {
        err(key.name, format!("{e}; using {}", shown_value(key, &setup)));
    }
    L::fit(&mut setup, nodes, n_given);
    settle_conflicts::<L>(&mut setup, *nodes, &given, err);
    known.push(L::TIMELINE_KEY);
    if let Some(v) = get(L::TIMELINE_KEY) {
        *faults = L::decode_timeline(v, &setup, L::processes(&setup, *nodes), err);
    }
    L::wrap(setup)
}

/// The value of a key as a banner shows it.
fn shown_value<P>(key: &Key<P>, p: &P) -> String {
    match (key.get)(p) {
        d if d.is_empty() => "none".into(),
        d => format!(
            "{d}{}",
            if matches!(key.kind, super::keys::KeyKind::Ms { .. }) {
                " ms"
            } else {
                ""
            }
        ),
    }
}

/// Puts back to their defaults as few keys as it takes to settle each conflict: first each key
/// the link gave alone (in the conflict's order), else all of the conflict's keys. Each conflict
/// is reported once, naming all its keys and what was put back.
fn settle_conflicts<L: Lab>(
    setup: &mut L::Setup,
    nodes: usize,
    given: &[&str],
    err: &mut dyn FnMut(&str, String),
) {
    let key = |name: &str| L::keys().iter().find(|k| k.name == name);
    // Each pass settles the first conflict left; a conflict's keys are reset at most once each,
    // so this ends.
    for _ in 0..L::keys().len() + 1 {
        let Some(c) = L::conflicts(setup, nodes).into_iter().next() else {
            return;
        };
        let still = |s: &L::Setup| L::conflicts(s, nodes).iter().any(|x| x.keys == c.keys);
        let implied = L::implied_defaults(setup);
        let mut fixed = None;
        for name in c.keys.iter().filter(|k| given.contains(k)) {
            let mut trial = setup.clone();
            if let Some(k) = key(name) {
                k.reset_to(&mut trial, &implied);
            }
            if !still(&trial) {
                fixed = Some((trial, vec![*name]));
                break;
            }
        }
        let (next, reset) = fixed.unwrap_or_else(|| {
            let mut all = setup.clone();
            for k in c.keys.iter().filter_map(|n| key(n)) {
                k.reset_to(&mut all, &implied);
            }
            (all, c.keys.to_vec())
        });
        *setup = next;
        let using: Vec<String> = reset
            .iter()
            .filter_map(|n| key(n))
            .map(|k| format!("{}={}", k.name, shown_value(k, setup)))
            .collect();
        err(
            &c.keys.join(", "),
            format!("{}; using {}", c.message, using.join(", ")),
        );
    }
}

/// Lab `L`'s own keys (those that differ from their implied defaults) and its timeline.
fn encode_lab<L: Lab>(s: &Scenario) -> Vec<(&'static str, String)> {
    let setup = L::setup_of(&s.params).cloned().unwrap_or_default();
    let d = L::implied_defaults(&setup);
    let mut kv: Vec<(&'static str, String)> = L::keys()
        .iter()
        .filter_map(|k| {
            let v = (k.get)(&setup);
            (v != (k.get)(&d)).then_some((k.name, v))
        })
        .collect();
    if !s.faults.is_empty() {
        kv.push((L::TIMELINE_KEY, L::encode_timeline(&s.faults)));
    }
    kv
}

/// The scenario with one parameter set to `value` (a form field), validated exactly as a link
/// is: a bad value keeps its safe default and comes back in `errors`. The position resets to 0.
pub fn with_param(s: &Scenario, key: &str, value: &str) -> Decoded {
    struct As<'a>(&'a Scenario, &'a str, &'a str);
    impl LabVisitor for As<'_> {
        type Output = Decoded;
        fn visit<L: Lab>(self) -> Decoded {
            with_param_for::<L>(self.0, self.1, self.2)
        }
    }
    s.lab.visit(As(s, key, value))
}

/// [`with_param`] in lab `L`'s page.
pub fn with_param_for<L: Lab>(s: &Scenario, key: &str, value: &str) -> Decoded {
    let mut base = s.clone();
    base.pos = Default::default();
    let query = encode_for::<L>(&base);
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k != key {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair(key, value);
    decode_for::<L>(&out.finish())
}

/// Characters written as they are (readable links); everything else is percent-encoded.
const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b';')
    .remove(b'|')
    .remove(b'>')
    .remove(b',')
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'/')
    .remove(b'@')
    .remove(b'$')
    .remove(b'=');

fn escape(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, ESCAPED).to_string()
}

/// Writes the link query (without `?`) for a scenario: core keys always, lab parameters only
/// when they differ from the defaults, so links stay short and readable.
pub fn encode(s: &Scenario) -> String {
    struct As<'a>(&'a Scenario);
    impl LabVisitor for As<'_> {
        type Output = String;
        fn visit<L: Lab>(self) -> String {
            encode_for::<L>(self.0)
        }
    }
    s.lab.visit(As(s))
}

/// [`encode`] of a scenario of lab `L` (in `L`'s page).
pub fn encode_for<L: Lab>(s: &Scenario) -> String {
    let mut kv: Vec<(&str, String)> = vec![
        ("lab", L::INFO.name.into()),
        ("v", VERSION.to_string()),
        ("seed", s.seed.to_string()),
        ("n", s.nodes.to_string()),
        ("lat", s.net.latency.to_string()),
        ("loss", fmt_pct(s.net.loss_ppm)),
    ];
    if s.net.dup_ppm != 0 {
        kv.push(("dup", fmt_pct(s.net.dup_ppm)));
    }
    kv.extend(encode_lab::<L>(s));
    if s.pos.time.0 > 0 {
        kv.push(("t", fmt_ms(s.pos.time.0)));
    }
    if let Some(k) = s.pos.step {
        kv.push(("step", k.to_string()));
    }
    if !s.notes.is_empty() {
        kv.push(("notes", super::notes::encode_notes(&s.notes)));
    }
    kv.iter()
        .map(|(k, v)| format!("{k}={}", escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}
