//! Scripted transcripts (after etcd's `interaction_env` testdata): every lab, with clicks and
//! step-back, through the registry. Each file under `testdata/scripts/` is
//!
//! ```text
//! # comments (kept when the file is rewritten)
//! script <link query>
//! > step 20          # 20 events; prints each new event line as `#STEP LINE`
//! > inject crash:3   # a fault (or `cmd:…`) now, as a click; prints the events it took
//! > back 5           # 5 events back; prints `at event K, T`
//! > seek 2000        # to a simulated time in ms; prints the new lines (forward), `at event K, T`
//! ```
//!
//! with the expected output after each command. `UPDATE_TRANSCRIPTS=1 cargo test -p engine
//! --test it script` rewrites the outputs (review the diff by eye).

use engine::history::Run;
use engine::lab::{Lab, LabKind, LabVisitor};
use engine::scenario::{decode, parse_fault_for, Scenario};
use engine::SimTime;
use std::fs;
use std::path::{Path, PathBuf};

/// Runs a script's commands on lab `L`; returns the file's new text (comments, header,
/// commands, outputs).
struct Play<'a> {
    scenario: &'a Scenario,
    comments: &'a [String],
    header: &'a str,
    commands: &'a [String],
}

impl LabVisitor for Play<'_> {
    type Output = String;
    fn visit<L: Lab>(self) -> String {
        let mut run = L::build(self.scenario);
        let mut out: Vec<String> = self.comments.to_vec();
        out.push(self.header.to_string());
        let mut seen = 0u64;
        let new_lines = |run: &L::Run, seen: &mut u64, out: &mut Vec<String>| {
            for (step, line) in L::event_lines(run) {
                if step > *seen {
                    out.push(format!("#{step} {line}"));
                }
            }
            *seen = run.steps();
        };
        for c in self.commands {
            out.push(format!("> {c}"));
            let (verb, arg) = c.split_once(' ').unwrap_or((c.as_str(), ""));
            match verb {
                "step" => {
                    for _ in 0..arg.parse::<u64>().expect("step N") {
                        if !run.step() {
                            break;
                        }
                    }
                    new_lines(&run, &mut seen, &mut out);
                }
                "inject" => {
                    let f = parse_fault_for(self.scenario, arg)
                        .unwrap_or_else(|e| panic!("inject {arg}: {e}"));
                    run.inject(f);
                    new_lines(&run, &mut seen, &mut out);
                }
                "back" => {
                    for _ in 0..arg.parse::<u64>().expect("back N") {
                        run.step_back();
                    }
                    seen = run.steps();
                    out.push(format!("at event {}, {}", run.steps(), run.now()));
                }
                "seek" => {
                    let ms: u64 = arg.parse().expect("seek MS");
                    let forward = SimTime::from_ms(ms) >= run.now();
                    run.seek_time(SimTime::from_ms(ms), 1_000_000);
                    if forward {
                        new_lines(&run, &mut seen, &mut out);
                    }
                    seen = run.steps();
                    out.push(format!("at event {}, {}", run.steps(), run.now()));
                }
                other => panic!("unknown command '{other}'"),
            }
        }
        out.join("\n") + "\n"
    }
}

fn files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/testdata/scripts");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("testdata/scripts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

/// Replays a script file; returns (its text, the text the engine gives).
fn replay(path: &Path) -> (String, String, LabKind) {
    let text = fs::read_to_string(path).expect("readable script");
    let mut comments = Vec::new();
    let mut header = None;
    let mut commands = Vec::new();
    for l in text.lines() {
        if header.is_none() {
            if l.starts_with('#') || l.trim().is_empty() {
                comments.push(l.to_string());
            } else {
                header = Some(l.to_string());
            }
        } else if let Some(c) = l.strip_prefix("> ") {
            commands.push(c.trim().to_string());
        }
    }
    let header = header.unwrap_or_else(|| panic!("{}: no `script <link>` line", path.display()));
    let query = header
        .strip_prefix("script ")
        .unwrap_or_else(|| panic!("{}: header must be `script <link>`", path.display()));
    let d = decode(query);
    assert!(d.errors.is_empty(), "{}: {:?}", path.display(), d.errors);
    let lab = d.lab.expect("a lab");
    let got = lab.visit(Play {
        scenario: &d.scenario,
        comments: &comments,
        header: &header,
        commands: &commands,
    });
    (text, got, lab)
}

#[test]
fn scripted_transcripts_of_every_lab_match_the_engine() {
    let update = std::env::var("UPDATE_TRANSCRIPTS").is_ok_and(|v| v == "1");
    let mut labs = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for path in files() {
        let (text, got, lab) = replay(&path);
        labs.insert(lab);
        if text == got {
            continue;
        }
        if update {
            fs::write(&path, &got).expect("writable");
            eprintln!("rewrote {}", path.display());
            continue;
        }
        let i = text
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        failures.push(format!(
            "{} differs at line {}:\n  expected: {}\n  got:      {}",
            path.display(),
            i + 1,
            text.lines().nth(i).unwrap_or("<end>"),
            got.lines().nth(i).unwrap_or("<end>")
        ));
    }
    assert!(
        failures.is_empty(),
        "{}\n(if intended: UPDATE_TRANSCRIPTS=1 cargo test -p engine --test it script, then review)",
        failures.join("\n")
    );
    // Every registered lab has at least one script.
    for lab in LabKind::ALL {
        assert!(
            labs.contains(lab),
            "no script in testdata/scripts for lab={}",
            lab.as_str()
        );
    }
}
