//! The page's language: English (the source text) or 简体中文. Translations live in one static
//! table, `static/i18n/zh.json` (a flat object: English text → Chinese, gettext style), fetched
//! by the loader in `index.html` only when the language is Chinese, in parallel with the wasm;
//! the loader hands it over flattened into one string (`window.haI18n`: key, value, key, value,
//! … separated by NUL), so the bundles carry no JSON reader for it and English pages no table.
//!
//! [`tr`] looks a text up ([`t`]: as a text node) (UI labels, and the engine's teaching text — preset titles and
//! lessons, the built-in lessons — keyed by its English); [`trf`] fills `{}` placeholders, in
//! order, in the looked-up text. A test (`tests/i18n.rs`) keeps the table equal to the texts the
//! code and the engine use.

use std::fmt::Display;
use wasm_bindgen::JsValue;

type Table = &'static [(&'static str, &'static str)];

thread_local! {
    static TABLE: std::cell::Cell<Option<Table>> = const { std::cell::Cell::new(None) };
}

/// The table the loader handed over (read once; empty in English).
fn table() -> Table {
    TABLE.with(|t| match t.get() {
        Some(x) => x,
        None => {
            let x = load();
            t.set(Some(x));
            x
        }
    })
}

fn window_str(name: &str) -> Option<String> {
    // Native builds (the app's unit tests) have no window: English.
    if cfg!(not(target_arch = "wasm32")) {
        return None;
    }
    js_sys::Reflect::get(&web_sys::window()?.into(), &JsValue::from_str(name))
        .ok()?
        .as_string()
}

fn load() -> Table {
    let Some(flat) = window_str("haI18n") else {
        return &[];
    };
    // Kept for the page's life: the entries are borrowed from it.
    let flat: &'static str = Box::leak(flat.into_boxed_str());
    let mut it = flat.split('\0');
    let mut v = Vec::new();
    while let (Some(k), Some(t)) = (it.next(), it.next()) {
        v.push((k, t));
    }
    engine::sort::sort_by(&mut v, |a, b| a.0.cmp(b.0));
    Box::leak(v.into_boxed_slice())
}

/// The page's language, as the loader chose it (`en` or `zh`): the link's `lang=`, else the
/// reader's choice (localStorage `ha-lang`), else the browser's language.
pub fn lang() -> &'static str {
    if window_str("haLang").as_deref() == Some("zh") {
        "zh"
    } else {
        "en"
    }
}

/// Marks a text for translation where it is written (a `const` table) and looked up later with
/// [`tr`] (gettext's `N_`): the test collects these literals like those of `tr`.
pub const fn tk(s: &'static str) -> &'static str {
    s
}

/// `s` in the page's language (itself when there is no translation).
pub fn tr(s: &str) -> &str {
    let t = table();
    match t.binary_search_by(|e| e.0.cmp(s)) {
        Ok(k) => t[k].1,
        Err(_) => s,
    }
}

/// `s` in the page's language as a text node, for a child in `html!`. One out-of-line
/// constructor: an expression child that is a `&str` (a [`tr`] call) would copy the text into a fresh
/// `String` at every call site (Yew's `From<T: ToString> for VNode`); a static text stays static.
#[inline(never)]
pub fn t(s: &'static str) -> yew::Html {
    yew::virtual_dom::VNode::VText(yew::virtual_dom::VText::new(tr(s)))
}

/// A value [`trf`] writes into a template: any `Display` except a float, which goes through
/// [`engine::fmtnum::fixed`] (core's float formatter would add about 14 KB of wasm to the page).
pub trait Arg: Display {}

macro_rules! args {
    ($($t:ty),* $(,)?) => { $(impl Arg for $t {})* };
}

args!(
    u8,
    u16,
    u32,
    u64,
    usize,
    i32,
    i64,
    char,
    str,
    String,
    engine::fmtnum::Fixed,
    engine::SimTime,
    engine::net::Latency,
    engine::raft::Role,
    engine::raft::Cmd,
    engine::replication::Mode,
    engine::ring::Scheme,
    engine::heartbeat::HbMsg,
    engine::heartbeat::swim::SwimMsg,
    engine::system::Op,
);
impl<T: Arg + ?Sized> Arg for &T {}

/// [`tr`] of a template whose `{}` are filled with `args`, in order (both languages have the
/// same placeholders; the test checks it).
pub fn trf(s: &str, args: &[&dyn Arg]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut parts = tr(s).split("{}");
    if let Some(p) = parts.next() {
        out.push_str(p);
    }
    for p in parts {
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        out.push_str(p);
    }
    out
}

/// Words the engine names with `as_str()` (statuses, roles, phases, schemes and their titles)
/// that the pages show through [`tr`], marked here once for the table's test.
pub const WORDS: &[&str] = &[
    tk("up"),
    tk("suspect"),
    tk("down"),
    tk("alive"),
    tk("dead"),
    tk("crashed"),
    tk("failed"),
    tk("removed"),
    tk("cut"),
    tk("held"),
    tk("primary"),
    tk("backup"),
    tk("replica"),
    tk("monitor"),
    tk("client"),
    tk("leader"),
    tk("follower"),
    tk("candidate"),
    tk("pre-candidate"),
    tk("ready"),
    tk("starting"),
    tk("not-ready"),
    tk("crash-loop"),
    tk("terminating"),
    tk("pending"),
    tk("firing"),
    tk("resolved"),
    tk("ring"),
    tk("modn"),
    tk("jump"),
    tk("rendezvous"),
    tk("maglev"),
    tk("bounded"),
    tk("Hash ring (virtual nodes)"),
    tk("hash mod N"),
    tk("Jump consistent hash"),
    tk("Rendezvous (HRW)"),
    tk("Maglev"),
    tk("Bounded loads"),
    tk("async"),
    tk("sync"),
    tk("semi"),
    tk("quorum"),
];

/// The engine's messages of a stable form (a link's or a form's bad value, and what is used
/// instead), as patterns: the engine and the CLI keep their English; a Chinese page reads them
/// through [`tr_msg`]. A `{}` matches any text (itself read the same way).
const MSGS: &[&str] = &[
    // First: its second `{}` is a whole message of its own.
    tk("'{}' ignored: {}"),
    tk("{} is outside {}–{}"),
    tk("'{}' is not a whole number"),
    tk("'{}' is not a time in ms"),
    tk("'{}' is not a percentage"),
    tk("'{}' is not 0 or 1"),
    tk("'{}' is not one of {}"),
    tk("'{}' is not a number"),
    tk("'{}' is not a node number"),
    tk("unknown fault '{}'"),
    tk("{} is after the {} ms limit"),
    tk("using seed {}"),
    tk("using {}"),
    tk("starting at 0"),
    tk("using the time t instead"),
    tk("unknown parameter, ignored"),
    tk("ignored"),
    tk("more than {} entries"),
    tk("more than {} parameters"),
    tk("the rest are ignored"),
    tk("{} more bad entries ignored"),
    tk("value is {} characters long (limit {})"),
    tk("this page is the {} lab"),
    tk("reading the link as one"),
    tk("unknown lab '{}' (known: {})"),
    tk("showing the home page"),
    tk("no built-in lesson '{}'"),
    tk("this lab's timeline is {}=TIME:…;…, not faults"),
    tk("'{}' is not a percentage (write e.g. 99.95)"),
    tk("'{}' is not a number of nines (e.g. 3.5)"),
    tk("'{}' is not a duration (e.g. 4h, 30m, 2d)"),
    tk("unknown arrangement '{}' (series, parallel, 2of3, 2of)"),
    tk("'{}' is not a number ({}, e.g. {})"),
    tk("{} pods (p{} {} ms ≤ {} ms)"),
    tk("impossible: even with no waiting, the p{} of the service time alone is {} ms > {} ms"),
    tk("make requests faster"),
    tk("unstable: utilisation {} % ≥ 100 %, the queue grows without bound (no steady-state wait)"),
    tk("at least {} pods are needed just to keep up"),
    tk("even {} pods cannot keep up"),
    // The system lab's linearizability checker (`engine::system::zones`).
    tk("{} (invoked {}, answered {}): {}"),
    tk("{} at {}: no write wrote {}"),
    tk("{} at {}: returned before its write began at {}"),
    tk("{} was the value from {} to {}, and so was {} from {} to {}: they cannot both be"),
    tk("{} was the value from {} to {}, but {} was written and read entirely within that time ({} to {})"),
    tk("get k{} → {}"),
    tk("put k{}={}"),
    tk("nothing"),
];

/// `args` of `s` read as `pat` (its `{}` matching any text), if it reads so.
fn pattern_args<'a>(pat: &str, s: &'a str) -> Option<Vec<&'a str>> {
    let mut lits = pat.split("{}");
    let mut rest = s.strip_prefix(lits.next()?)?;
    let lits: Vec<&str> = lits.collect();
    let mut args = Vec::new();
    for (k, lit) in lits.iter().enumerate() {
        let at = if k + 1 == lits.len() {
            rest.strip_suffix(lit)?.len()
        } else {
            rest.find(lit)?
        };
        args.push(&rest[..at]);
        rest = &rest[at + lit.len()..];
    }
    rest.is_empty().then_some(args)
}

fn tr_part(p: &str) -> String {
    for pat in MSGS {
        if let Some(args) = pattern_args(pat, p) {
            let args: Vec<String> = args.into_iter().map(tr_part).collect();
            let args: Vec<&dyn Arg> = args.iter().map(|a| a as &dyn Arg).collect();
            return trf(pat, &args);
        }
    }
    tr(p).to_string()
}

/// An engine message (`what is wrong; what is used instead`) in the page's language, part by
/// part through the patterns of `MSGS`; a part of another form stays English.
pub fn tr_msg(m: &str) -> String {
    if lang() != "zh" {
        return m.to_string();
    }
    m.split("; ").map(tr_part).collect::<Vec<_>>().join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_messages_read_by_pattern() {
        assert_eq!(
            pattern_args("{} is outside {}–{}", "999 is outside 1–11"),
            Some(vec!["999", "1", "11"])
        );
        assert_eq!(
            pattern_args("'{}' ignored: {}", "'2000:x' ignored: unknown fault 'x'"),
            Some(vec!["2000:x", "unknown fault 'x'"])
        );
        // Anchored at both ends: a longer message of another form does not match.
        assert_eq!(
            pattern_args(
                "'{}' is not a number",
                "'x' is not a number (load, e.g. 800)"
            ),
            None
        );
        assert_eq!(pattern_args("ignored", "ignored"), Some(vec![]));
        assert_eq!(
            MSGS.iter().find_map(
                |m| pattern_args(m, "'x' ignored: 'y' is not one of a, b").map(|a| (*m, a))
            ),
            Some(("'{}' ignored: {}", vec!["x", "'y' is not one of a, b"]))
        );
        assert_eq!(pattern_args("ignored", "not ignored"), None);
        // The system lab's checker: the whole message, then its parts.
        let read = |s| {
            MSGS.iter()
                .find_map(|m| pattern_args(m, s).map(|a| (*m, a)))
        };
        assert_eq!(
            read("get k3 → 5 (invoked 1.000 s, answered 1.200 s): 5 was the value from 1.100 s to 1.200 s, and so was 7 from 1.150 s to 1.300 s: they cannot both be"),
            Some(("{} (invoked {}, answered {}): {}", vec!["get k3 → 5", "1.000 s", "1.200 s", "5 was the value from 1.100 s to 1.200 s, and so was 7 from 1.150 s to 1.300 s: they cannot both be"]))
        );
        assert_eq!(read("get k3 → 5"), Some(("get k{} → {}", vec!["3", "5"])));
        assert_eq!(
            read("put k2=9 at 0.500 s: no write wrote nothing"),
            Some((
                "{} at {}: no write wrote {}",
                vec!["put k2=9", "0.500 s", "nothing"]
            ))
        );
        // Every pattern has text around its `{}`: no two placeholders touch.
        assert!(MSGS.iter().all(|m| !m.contains("{}{}")));
        // English pages (and native builds) keep the engine's text.
        assert_eq!(
            tr_msg("n: 999 is outside 1–11; using 5"),
            "n: 999 is outside 1–11; using 5"
        );
    }
}
