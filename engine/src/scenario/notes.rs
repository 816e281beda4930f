//! Captions carried in a link: `notes=TIME:text;TIME:text` (time in ms, as `t`). They do not
//! change the run; the page shows the latest caption the replay has reached. Inside a caption's
//! text `\;` is a literal `;` and `\\` a backslash (the value as a whole is percent-encoded).

use crate::time::{fmt_ms, SimTime};
use serde::{Deserialize, Serialize};

/// The most captions one link carries.
pub const MAX_NOTES: usize = 20;
/// The longest caption text, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// One caption: shown from `at` until the next caption's time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Note {
    /// When it appears (simulated time).
    pub at: SimTime,
    /// What it says (one line, no control characters).
    pub text: String,
}

/// Checks one caption's text: non-empty, at most [`MAX_NOTE_CHARS`], no control characters.
pub fn check_note_text(text: &str) -> Result<(), String> {
    let n = text.chars().count();
    if text.trim().is_empty() {
        return Err("the text is empty".into());
    }
    if n > MAX_NOTE_CHARS {
        return Err(format!(
            "the text is {n} characters long (limit {MAX_NOTE_CHARS})"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("the text has a control character (one line only)".into());
    }
    Ok(())
}

/// Splits at `;` not preceded by a backslash escape, undoing `\;` and `\\`.
fn split_entries(v: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => out.last_mut().expect("never empty").push(n),
                None => out.last_mut().expect("never empty").push('\\'),
            },
            ';' => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    out
}

/// Reads `notes=`: every good entry is kept (at most [`MAX_NOTES`], sorted by time), each bad
/// one is reported through `err` and skipped.
pub fn decode_notes(v: &str, max_ms: u64, err: &mut dyn FnMut(&str, String)) -> Vec<Note> {
    let mut out: Vec<Note> = Vec::new();
    for entry in split_entries(v)
        .into_iter()
        .filter(|e| !e.trim().is_empty())
    {
        if out.len() >= MAX_NOTES {
            err(
                "notes",
                format!("more than {MAX_NOTES} captions; the rest are ignored"),
            );
            break;
        }
        match parse_note(&entry, max_ms) {
            // Kept sorted by time as read (equal times in link order): no sort routine needed.
            Ok(n) => {
                let k = out.partition_point(|o| o.at <= n.at);
                out.insert(k, n);
            }
            Err(e) => err(
                "notes",
                format!("caption '{}' ignored: {e}", crate::clip(&entry)),
            ),
        }
    }
    out
}

fn parse_note(entry: &str, max_ms: u64) -> Result<Note, String> {
    let (t, text) = entry
        .split_once(':')
        .ok_or("expected TIME:text (time in ms)")?;
    let at = crate::scenario::keys::parse_ms_in(t.trim(), 0, max_ms * 1000)
        .map_err(|e| format!("time: {e}"))?;
    let text = text.trim();
    check_note_text(text)?;
    Ok(Note {
        at: SimTime(at.0),
        text: text.to_string(),
    })
}

/// Writes `notes=` (the inverse of [`decode_notes`] for valid captions).
pub fn encode_notes(notes: &[Note]) -> String {
    notes
        .iter()
        .map(|n| {
            let text = n.text.replace('\\', "\\\\").replace(';', "\\;");
            format!("{}:{text}", fmt_ms(n.at.0))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The caption showing at `now`: the latest one whose time has been reached.
pub fn note_at(notes: &[Note], now: SimTime) -> Option<&Note> {
    notes.iter().rev().find(|n| n.at <= now)
}
