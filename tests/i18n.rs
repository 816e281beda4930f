//! The translation table (`static/i18n/zh.json`, read by `src/i18n.rs`) stays complete: every
//! text the page looks up — each `tr("…")`/`trf("…")` literal in `src/`, and the engine's
//! teaching text the page shows through `tr` (lab titles and summaries, preset titles and
//! lessons, the settings' help and choice labels, every built-in lesson's text, the availability
//! calculator's periods) — has a
//! translation with the same `{}` placeholders, and the table holds nothing else.
//!
//! A failure lists the missing texts as JSON lines ready to paste into the table.

use engine::lab::{Lab, LabKind, LabVisitor};
use engine::lesson::Json;
use engine::scenario::keys::KeyKind;
use std::collections::BTreeSet;
use std::path::Path;

/// Reads the Rust string literal starting at `s[0] == '"'`; returns it and the bytes consumed.
fn literal(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Some((out, i + 1)),
            b'\\' => {
                let n = *b.get(i + 1)?;
                i += 2;
                match n {
                    b'n' => out.push('\n'),
                    b't' => out.push('\t'),
                    b'0' => out.push('\0'),
                    b'"' | b'\\' | b'\'' => out.push(n as char),
                    b'\n' => {
                        while i < b.len() && b[i].is_ascii_whitespace() {
                            i += 1;
                        }
                    }
                    b'u' => {
                        let end = s[i..].find('}')? + i;
                        let code = u32::from_str_radix(&s[i + 1..end], 16).ok()?;
                        out.push(char::from_u32(code)?);
                        i = end + 1;
                    }
                    _ => return None,
                }
            }
            _ => {
                let c = s[i..].chars().next()?;
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    None
}

/// Every `tr("…")` / `trf("…"` / `tk("…")` / `t("…")` literal in the Rust files under `dir`.
fn code_texts(dir: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            code_texts(&p, out);
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&p).unwrap();
        for call in ["tr(", "trf(", "tk(", "t("] {
            for (at, _) in src.match_indices(call) {
                let before = src[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = src[at + call.len()..].trim_start();
                if !rest.starts_with('"') {
                    continue; // a text looked up from elsewhere (the engine's), collected below
                }
                let (text, _) = literal(rest)
                    .unwrap_or_else(|| panic!("{}: unreadable literal at {at}", p.display()));
                out.insert(text);
            }
        }
    }
}

struct Texts<'a>(&'a mut BTreeSet<String>);

impl LabVisitor for Texts<'_> {
    type Output = ();
    fn visit<L: Lab>(self) {
        self.0.insert(L::INFO.title.into());
        self.0.insert(L::INFO.summary.into());
        for p in L::PRESETS {
            self.0.insert(p.title.into());
            self.0.insert(p.lesson.into());
        }
        for k in L::keys() {
            self.0.insert(k.help.into());
            if let KeyKind::Choice { labels, .. } = k.kind {
                self.0.extend(labels.iter().map(|l| l.to_string()));
            }
        }
    }
}

/// The texts of a lesson file a page shows.
fn lesson_texts(v: &Json, out: &mut BTreeSet<String>) {
    let mut s = |j: Option<&Json>| {
        if let Some(Json::Str(t)) = j {
            out.insert(t.clone());
        }
    };
    s(v.get("title"));
    s(v.get("summary"));
    let Some(Json::Arr(steps)) = v.get("steps") else {
        panic!("a lesson without steps")
    };
    for st in steps {
        s(st.get("title"));
        s(st.get("text"));
        if let Some(q) = st.get("question") {
            s(q.get("prompt"));
            s(q.get("explanation"));
            if let Some(Json::Arr(cs)) = q.get("choices") {
                for c in cs {
                    s(Some(c));
                }
            }
        }
        if let Some(g) = st.get("goal") {
            s(g.get("text"));
        }
    }
}

fn placeholders(s: &str) -> usize {
    s.matches("{}").count()
}

#[test]
fn the_chinese_table_translates_every_text_and_nothing_else() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut want = BTreeSet::new();
    code_texts(&root.join("src"), &mut want);
    for lab in LabKind::ALL {
        lab.visit(Texts(&mut want));
    }
    // The availability calculator's periods (`tr(p.label())`).
    want.extend(
        engine::avail::nines::PERIODS
            .iter()
            .map(|p| p.label().to_string()),
    );
    for (_, b) in engine::lesson::builtins() {
        lesson_texts(&engine::lesson::json::parse(b.json).unwrap(), &mut want);
    }

    let text = std::fs::read_to_string(root.join("static/i18n/zh.json")).unwrap();
    let table: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("zh.json: a JSON object");
    let mut problems = Vec::new();
    let mut have = BTreeSet::new();
    for (k, v) in &table {
        let Some(v) = v.as_str() else {
            problems.push(format!("{k:?}: the translation is not a string"));
            continue;
        };
        if v.trim().is_empty() {
            problems.push(format!("{k:?}: empty translation"));
        }
        if placeholders(k) != placeholders(v) {
            problems.push(format!("{k:?} → {v:?}: the {{}} placeholders differ"));
        }
        if k.contains('\0') || v.contains('\0') {
            problems.push(format!("{k:?}: NUL (the loader's separator)"));
        }
        if !want.contains(k) {
            problems.push(format!("{k:?}: no longer used (remove it)"));
        }
        have.insert(k.clone());
    }
    let missing: Vec<String> = want
        .difference(&have)
        .map(|k| format!("  {}: \"\",", Json::Str(k.clone()).compact()))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "{} texts have no translation:\n{}",
            missing.len(),
            missing.join("\n")
        ));
    }
    assert!(
        problems.is_empty(),
        "static/i18n/zh.json:\n{}",
        problems.join("\n")
    );
}

#[test]
fn literals_are_read_like_rust() {
    assert_eq!(literal(r#""a \"b\" \u{3c6}""#).unwrap().0, "a \"b\" φ");
    assert_eq!(literal("\"one \\\n      two\" rest").unwrap().0, "one two");
}
