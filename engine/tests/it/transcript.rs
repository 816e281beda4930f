//! Transcript tests (after etcd's `testdata/*.txt`): each file under `testdata/` is
//!
//! ```text
//! # comments (kept when the file is rewritten)
//! run steps=<N> <link query>
//! <the Display line of step 1>
//! …
//! <the Display line of step N>
//! ```
//!
//! The test replays the link's scenario from step 0 for N steps and compares every line: these
//! files are the spec of what the UI's event log shows. `UPDATE_TRANSCRIPTS=1 cargo test -p
//! engine --test it transcript` rewrites them from the engine (review the diff by eye!).
//!
//! Each lab checks the files whose link names it (`lab=heartbeat` here; `lab=raft` in
//! `raft.rs`, which replays with its own builder through [`check_lab`]).

use crate::lines;
use engine::scenario::decode;
use std::fs;
use std::path::{Path, PathBuf};

/// One transcript file: its comments, step count, link query and expected lines.
pub struct Transcript {
    comments: Vec<String>,
    /// Steps to replay.
    pub steps: u64,
    /// The link query of the `run` line.
    pub query: String,
    expected: Vec<String>,
}

fn parse(path: &Path, text: &str) -> Transcript {
    let mut comments = Vec::new();
    let mut rest = text.lines();
    let header = loop {
        match rest.next() {
            Some(l) if l.starts_with('#') || l.trim().is_empty() => comments.push(l.to_string()),
            Some(l) => break l,
            None => panic!("{}: no `run steps=N <link>` line", path.display()),
        }
    };
    let body = header
        .strip_prefix("run steps=")
        .unwrap_or_else(|| panic!("{}: header must be `run steps=N <link>`", path.display()));
    let (n, query) = body
        .split_once(' ')
        .unwrap_or_else(|| panic!("{}: header must be `run steps=N <link>`", path.display()));
    Transcript {
        comments,
        steps: n.parse().expect("step count"),
        query: query.trim().to_string(),
        expected: rest.map(str::to_string).collect(),
    }
}

/// Replays a transcript's link for its number of steps with `build` and returns the trace lines
/// (every lab's transcripts go through this).
pub fn replay_with<N: engine::sim::Node>(
    t: &Transcript,
    path: &Path,
    build: fn(&engine::scenario::Scenario) -> engine::sim::Sim<N>,
) -> Vec<String>
where
    N::Msg: std::fmt::Display,
    N::Timer: std::fmt::Display,
{
    let d = decode(&t.query);
    assert!(
        d.errors.is_empty(),
        "{}: bad link: {:?}",
        path.display(),
        d.errors
    );
    let mut sim = build(&d.scenario);
    for _ in 0..t.steps {
        if sim.step().is_none() {
            break;
        }
    }
    lines(&sim)
}

fn replay(t: &Transcript, path: &Path) -> Vec<String> {
    replay_with(t, path, engine::scenario::Scenario::build_heartbeat)
}

/// The transcript files of `lab` (those whose link has `lab=<lab>`), sorted by name.
fn files(lab: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/testdata");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("testdata directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .filter(|p| {
            // Without panicking: another test may be rewriting a file (UPDATE_TRANSCRIPTS=1).
            let text = fs::read_to_string(p).unwrap_or_default();
            text.lines()
                .find(|l| l.starts_with("run "))
                .is_some_and(|l| l.split(['&', ' ']).any(|kv| kv == format!("lab={lab}")))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn transcripts_match_the_engine() {
    check_lab("heartbeat", 3, replay);
}

/// Replays every transcript of `lab` (at least `min` of them) with `replay` and compares (or
/// rewrites, with `UPDATE_TRANSCRIPTS=1`).
pub fn check_lab(lab: &str, min: usize, replay: impl Fn(&Transcript, &Path) -> Vec<String>) {
    let update = std::env::var("UPDATE_TRANSCRIPTS").is_ok_and(|v| v == "1");
    let files = files(lab);
    assert!(
        files.len() >= min,
        "expected at least {min} {lab} transcripts"
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).expect("readable transcript");
        let t = parse(path, &text);
        let got = replay(&t, path);
        if got == t.expected {
            continue;
        }
        if update {
            let mut out = t.comments.join("\n");
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("run steps={} {}\n", t.steps, t.query));
            for l in &got {
                out.push_str(l);
                out.push('\n');
            }
            fs::write(path, out).expect("writable transcript");
            eprintln!("rewrote {}", path.display());
            continue;
        }
        let i = got
            .iter()
            .zip(&t.expected)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(t.expected.len()));
        failures.push(format!(
            "{} differs at step {}:\n  expected: {}\n  got:      {}",
            path.display(),
            i + 1,
            t.expected.get(i).map_or("<end>", String::as_str),
            got.get(i).map_or("<end>", String::as_str),
        ));
    }
    assert!(
        failures.is_empty(),
        "{}\n(if the change is intended: UPDATE_TRANSCRIPTS=1 cargo test -p engine --test it transcript, then review the diff)",
        failures.join("\n")
    );
}

#[test]
fn a_wrong_line_is_caught() {
    // The comparison is real: corrupt one line of a transcript and it no longer matches.
    let path = files("heartbeat").into_iter().next().expect("a transcript");
    let text = fs::read_to_string(&path).expect("readable");
    let mut t = parse(&path, &text);
    assert_eq!(replay(&t, &path), t.expected);
    let last = t.expected.last_mut().expect("non-empty");
    last.push('!');
    assert_ne!(replay(&t, &path), t.expected);
}
