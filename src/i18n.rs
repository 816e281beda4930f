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
