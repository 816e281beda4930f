//! The built binary, run as a user would.

use std::process::Command;

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cli"))
        .args(args)
        .output()
        .expect("the cli binary runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

#[test]
fn runs_a_preset_link_and_prints_json() {
    let (code, out, err) = cli(&[
        "run",
        "https://example.org/?lab=heartbeat&v=1&seed=7&n=5&lat=10-15&loss=0&faults=1500:crash:3",
        "--until",
        "3000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let m: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(m["time_ms"], 3000.0);
    assert_eq!(m["fixed"]["crashes"], 1);
    assert_eq!(m["fixed"]["detected"], 1);
    assert_eq!(m["primary"], 1);
}

#[test]
fn refuses_a_bad_link_with_exit_code_2() {
    let (code, out, err) = cli(&["run", "lab=heartbeat&n=1000000&seed=<script>"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("error: seed: "), "{err}");
    assert!(lines[1].starts_with("error: n: "), "{err}");
}

#[test]
fn lists_presets_and_rejects_unknown_flags() {
    let (code, out, _) = cli(&["presets"]);
    assert_eq!(code, 0);
    assert!(out.contains("hb-split-brain"));
    let (code, _, err) = cli(&["run", "lab=heartbeat", "--fast"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown flag '--fast'"), "{err}");
}

#[test]
fn an_argument_that_is_not_utf8_is_refused_with_status_2() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"lab=raft&n=\xff");
    let out = Command::new(env!("CARGO_BIN_EXE_cli"))
        .arg("run")
        .arg(bad)
        .output()
        .expect("the cli binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("argument 2 is not valid UTF-8"), "{err}");
}

#[test]
fn keys_prints_every_lab_key_table() {
    let (code, out, err) = cli(&["keys"]);
    assert_eq!(code, 0, "{err}");
    for lab in ["raft", "ring", "lb", "heartbeat"] {
        assert!(out.contains(&format!("### `lab={lab}`")), "{out}");
    }
    assert!(out.contains("| `strat` | strategy | `rr` |"), "{out}");
    let (code, out, _) = cli(&["keys", "heartbeat"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("| `det` |") && !out.contains("`strat`"),
        "{out}"
    );
    let (code, _, err) = cli(&["keys", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown lab 'nope'"), "{err}");
}

#[test]
fn experiment_help_and_a_link_after_double_dash() {
    let (code, out, _) = cli(&["experiment", "fig16", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("USAGE"), "{out}");
    // After `--` a link that starts with '-' is a link (a bad one: it names no lab).
    let (code, _, err) = cli(&["run", "--", "-lab=raft"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown parameter") || err.contains("names no lab"),
        "{err}"
    );
}

#[test]
fn avail_prints_the_formula_next_to_the_simulation() {
    let (code, out, err) = cli(&["avail", "nines", "99.9"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("8h 45m 57s"), "{out}");
    let (code, out, err) = cli(&[
        "avail",
        "system",
        "series(99.9%, 99.9%)",
        "--years",
        "50",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert!((v["formula"]["availability"].as_f64().unwrap() - 0.998001).abs() < 1e-12);
    assert_eq!(v["monte_carlo"]["years"], 50);
    let (code, out, err) = cli(&[
        "avail",
        "mmc",
        "--rps",
        "800",
        "--service-ms",
        "20",
        "--p99-ms",
        "100",
        "--requests",
        "20000",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("formula") && out.contains("simulated") && out.contains("pods for p99"),
        "{out}"
    );
    let (code, out, err) = cli(&["avail", "system", "2of3(1000h/0h)"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: ") && err.contains("MTTR must be above 0"),
        "{err}"
    );
}
