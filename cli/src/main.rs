//! `cli`: the headless runner. It replays any HA Playground link on the same engine the page
//! uses and prints the lab's measurements, for batch experiments and for checking a shared link.
//!
//! ```text
//! cli run '<link or query>' [--until <ms>] [--format json|csv]
//! cli experiment fig16 [--runs N] [--seed S]
//! cli experiment swim-sweep [--runs N] [--seed S]
//! cli experiment detect-compare [--runs N] [--seed S] [--loss P]
//! cli avail nines|system|mmc …
//! cli keys [<lab>]
//! cli presets
//! cli help
//! ```
//!
//! A link with problems is refused: every problem is printed as `error: <param>: <message>`
//! (the same messages the page shows in its banner) and the exit code is 2.

mod avail;

use engine::history::Run;
use engine::lab::{Lab, LabKind, LabVisitor};
use engine::ring::HashRingLab;
use engine::scenario::keys::key_table_markdown;
use engine::scenario::{decode, presets, seek, Position, Scenario, MAX_TIME_MS};
use engine::time::parse_ms;
use engine::{clip, SimTime};
use std::io::Write;

const USAGE: &str = "\
HA Playground headless runner

USAGE:
    cli run [--until <ms>] [--format json|csv | --events N] [--] '<link or query>'
        Replays the link (a full URL or its query, e.g. 'lab=heartbeat&seed=7&faults=1500:crash:3')
        and prints the lab's measurements. --until <ms> replays to that simulated time instead of
        the link's own position (t= or step=; a link without one stops at 0 ms). --format picks
        pretty JSON (default) or CSV (header + one row); --events N prints instead the last N
        event lines as the page's event log shows them (`STEP<tab>LINE`). After --, every
        argument is the link (for a link that starts with -).
    cli experiment fig16 [--runs N] [--seed S]
        The Raft paper's §9.3 experiment (Figure 16): for each election-timeout range 150-150 …
        150-300 ms, N runs (default 100, at most 10000) of crashing a stable leader of 5 servers
        with a uniform 2-3 ms one-way latency (calibrated on the paper's medians, see
        engine/src/raft/experiment.rs); prints CSV (range, seed, time to elect a new leader in
        ms; empty if none within 20 s).
    cli experiment swim-sweep [--runs N] [--seed S]
        SWIM at 5, 10, 20, 50, 100 and 200 members (default settings, 10-15 ms latency): member 1
        crashes after 3 s; N seeds (default 1, at most 100) per size; prints CSV (members, seed,
        first suspicion, first detection and full dissemination in ms, steady and whole-run
        messages per member per second, false positives, and the theory next to them).
    cli experiment detect-compare [--runs N] [--seed S] [--loss P]
        Central heartbeats (one monitor), all-to-all heartbeats and SWIM on the same network and
        the same crash (member 1 after 3 s) at 5-200 members; the heartbeat designs beat every
        SWIM period (200 ms) with a 1 000 ms timeout; --loss P loses P % of all messages (0-50,
        default 0). N seeds (default 1, at most 100) per size;
        prints CSV (design, members, seed, first detection and full dissemination in ms, messages
        each member sends per second, messages the busiest process receives per second, false
        positives, and the expected loads).
    cli experiment schemes '<ring link>'
        The ring lab's “Compare schemes” for the link's run at its position: ring, mod-N, jump,
        rendezvous, Maglev (251 and 65537) and bounded loads (c = 1.25) on the same keys and
        nodes; prints CSV (scheme, σ/mean of per-node keys in %, max/mean, % of keys moved by the
        run's last operation, empty before any).
    cli experiment vnode-sweep '<ring link>'
        The ring lab's vnode sweep for the link's run: σ/mean of per-node load for 1…1000 virtual
        nodes per node (3 rings each, the run's hash and up-node count, at most 100 000 of its
        keys); prints CSV (vnodes, σ/mean %, max/mean, the expected σ/mean ≈ 1/√V in %).
{AVAIL}
    cli keys [<lab>]
        The link keys of one lab (or of every lab) as a Markdown table: key, meaning, default,
        range. The README's key tables are this output.
    cli presets
        Lists the ready-made scenarios: id and link.
    cli help
        Shows this text.

EXIT CODES:
    0 success, 2 bad arguments or a link with errors (each printed as `error: <param>: <message>`).";

/// Output format of `cli run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    /// The last N event lines.
    Events(usize),
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Command {
    Run {
        link: String,
        /// Replay to this simulated time (µs) instead of the link's position.
        until: Option<u64>,
        format: Format,
    },
    Presets,
    Help,
    /// The key reference of these labs.
    Keys(Vec<LabKind>),
    /// The §9.3 experiment: runs per timeout range, first seed.
    Experiment {
        runs: u64,
        seed: u64,
    },
    /// The SWIM sweep over group sizes: seeds per size, first seed.
    SwimSweep {
        runs: u64,
        seed: u64,
    },
    /// Central vs all-to-all heartbeats vs SWIM over group sizes: seeds per size, first seed.
    DetectCompare {
        runs: u64,
        seed: u64,
        loss_pct: u64,
    },
    /// The availability calculator (`cli avail …`), its arguments.
    Avail(Vec<String>),
    /// A ring link's scheme comparison (`schemes`) or vnode sweep (`vnode-sweep`).
    RingAnalysis {
        sweep: bool,
        link: String,
    },
}

/// Parses the arguments after the program name. Errors are one line, ready for `error: `.
fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Err("no command given (try `cli help`)".into());
    };
    match cmd.as_str() {
        "help" | "--help" | "-h" => {
            if let Some(extra) = rest.first() {
                return Err(format!("`help` takes no arguments, got '{}'", clip(extra)));
            }
            Ok(Command::Help)
        }
        "presets" => {
            if let Some(extra) = rest.first() {
                return Err(format!(
                    "`presets` takes no arguments, got '{}'",
                    clip(extra)
                ));
            }
            Ok(Command::Presets)
        }
        "run" => parse_run(rest),
        "experiment" => parse_experiment(rest),
        "avail" => Ok(Command::Avail(rest.to_vec())),
        "keys" => match rest {
            [] => Ok(Command::Keys(LabKind::ALL.to_vec())),
            [name] => LabKind::parse(name)
                .map(|l| Command::Keys(vec![l]))
                .ok_or_else(|| format!("unknown lab '{}' (labs: {})", clip(name), lab_names())),
            [_, extra, ..] => Err(format!("`keys` takes one lab, got also '{}'", clip(extra))),
        },
        other => Err(format!(
            "unknown command '{}' (commands: run, experiment, avail, keys, presets, help)",
            clip(other)
        )),
    }
}

fn parse_experiment(args: &[String]) -> Result<Command, String> {
    let mut it = args.iter();
    const NAMES: &str = "fig16, swim-sweep, detect-compare, schemes, vnode-sweep";
    let name = match it.next().map(String::as_str) {
        Some(n @ ("fig16" | "swim-sweep" | "detect-compare")) => n,
        Some(n @ ("schemes" | "vnode-sweep")) => {
            let rest: Vec<&String> = it.collect();
            return match rest.as_slice() {
                [h] if matches!(h.as_str(), "--help" | "-h") => Ok(Command::Help),
                [link] => Ok(Command::RingAnalysis {
                    sweep: n == "vnode-sweep",
                    link: link.to_string(),
                }),
                [] => Err(format!("`experiment {n}` needs a ring link ('lab=ring&…')")),
                [_, extra, ..] => Err(format!(
                    "`experiment {n}` takes one link, got also '{}'",
                    clip(extra)
                )),
            };
        }
        Some(other) => {
            return Err(format!(
                "unknown experiment '{}' (experiments: {NAMES})",
                clip(other)
            ))
        }
        None => return Err(format!("`experiment` needs a name: {NAMES}")),
    };
    let fig16 = name == "fig16";
    let (mut runs, mut seed) = if fig16 { (100u64, 0u64) } else { (1u64, 1u64) };
    let max_runs = if fig16 { 10_000 } else { 100 };
    let mut loss_pct = 0u64;
    while let Some(flag) = it.next() {
        if matches!(flag.as_str(), "--help" | "-h") {
            return Ok(Command::Help);
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{} needs a value", clip(flag)))?;
        let n: u64 = value
            .parse()
            .map_err(|_| format!("{} '{}' is not a whole number", clip(flag), clip(value)))?;
        match flag.as_str() {
            "--runs" if (1..=max_runs).contains(&n) => runs = n,
            "--runs" => return Err(format!("--runs must be 1–{max_runs}")),
            "--seed" => seed = n,
            "--loss" if name == "detect-compare" && n <= 50 => loss_pct = n,
            "--loss" if name == "detect-compare" => return Err("--loss must be 0–50 (%)".into()),
            _ => {
                let flags = if name == "detect-compare" {
                    "--runs N, --seed S, --loss P"
                } else {
                    "--runs N, --seed S"
                };
                return Err(format!("unknown flag '{}' (flags: {flags})", clip(flag)));
            }
        }
    }
    Ok(match name {
        "swim-sweep" => Command::SwimSweep { runs, seed },
        "detect-compare" => Command::DetectCompare {
            runs,
            seed,
            loss_pct,
        },
        _ => Command::Experiment { runs, seed },
    })
}

fn parse_run(args: &[String]) -> Result<Command, String> {
    let mut link: Option<String> = None;
    let mut until: Option<u64> = None;
    let mut format: Option<Format> = None;
    let mut i = 0;
    let mut flags_done = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" && !flags_done {
            flags_done = true;
        } else if a.starts_with("--") && !flags_done {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (a.as_str(), None),
            };
            if !["--until", "--format", "--events"].contains(&flag) {
                return Err(format!(
                    "unknown flag '{}' (flags: --until <ms>, --format json|csv, --events N)",
                    clip(flag)
                ));
            }
            let value = match inline {
                Some(v) => v,
                None => {
                    let v = args.get(i).ok_or_else(|| format!("{flag} needs a value"))?;
                    i += 1;
                    v.clone()
                }
            };
            if flag == "--until" {
                if until.is_some() {
                    return Err("--until given twice".into());
                }
                let us = parse_ms(&value).filter(|&us| us <= MAX_TIME_MS * 1000);
                until = Some(us.ok_or_else(|| {
                    format!(
                        "--until '{}' is not a time in ms between 0 and {MAX_TIME_MS}",
                        clip(&value)
                    )
                })?);
            } else if flag == "--events" {
                if format.is_some() {
                    return Err("--events goes without --format, once".into());
                }
                let n: usize = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| format!("--events '{}' is not 1–1000000", clip(&value)))?;
                format = Some(Format::Events(n));
            } else {
                if format.is_some() {
                    return Err("--format given twice (or with --events)".into());
                }
                format = Some(match value.as_str() {
                    "json" => Format::Json,
                    "csv" => Format::Csv,
                    _ => return Err(format!("--format '{}' is not json or csv", clip(&value))),
                });
            }
        } else if a.starts_with('-') && a.len() > 1 && !flags_done {
            return Err(format!("unknown flag '{}'", clip(a)));
        } else if link.is_some() {
            return Err(format!(
                "unexpected argument '{}' (quote the link: & and ; are special to the shell)",
                clip(a)
            ));
        } else {
            link = Some(a.clone());
        }
    }
    Ok(Command::Run {
        link: link.ok_or("`run` needs a link or query, e.g. cli run 'lab=heartbeat&n=3'")?,
        until,
        format: format.unwrap_or(Format::Json),
    })
}

/// What `cli run` prints: the measurements, and maybe a note for stderr.
#[derive(Debug)]
struct RunOutput {
    text: String,
    note: Option<String>,
}

/// Replays a link and renders its measurements; `Err` holds the `error:` lines.
fn run_link(link: &str, until: Option<u64>, format: Format) -> Result<RunOutput, Vec<String>> {
    let d = decode(link);
    let mut errors: Vec<String> = d.errors.iter().map(|e| format!("error: {e}")).collect();
    if d.lab.is_none() && errors.is_empty() {
        let known: Vec<&str> = LabKind::ALL.iter().map(|l| l.as_str()).collect();
        errors.push(format!(
            "error: lab: the link names no lab (add lab={})",
            known.join(" or lab=")
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(lab) = d.lab else {
        return Err(errors);
    };
    let mut s = d.scenario;
    let note = (until.is_none() && s.pos == Position::default()).then(|| {
        "note: the link has no position (t= or step=), so this measures time 0; \
         pass --until <ms> to play it"
            .to_string()
    });
    if let Some(t) = until {
        s.pos = Position {
            time: SimTime(t),
            step: None,
        };
    }
    let text = match format {
        Format::Events(n) => lab.visit(Events(&s, n)),
        Format::Json => {
            let metrics = lab.visit(Measure(&s));
            let mut j = serde_json::to_string_pretty(&metrics).expect("metrics serialise");
            j.push('\n');
            j
        }
        Format::Csv => {
            let metrics = lab.visit(Measure(&s));
            let mut fields = Vec::new();
            flatten("", &metrics, &mut fields);
            let (head, row): (Vec<String>, Vec<String>) = fields.into_iter().unzip();
            format!("{}\n{}\n", head.join(","), row.join(","))
        }
    };
    Ok(RunOutput { text, note })
}

/// Replays a scenario to its position and measures it, whatever the lab.
struct Measure<'a>(&'a Scenario);

impl LabVisitor for Measure<'_> {
    type Output = serde_json::Value;
    fn visit<L: Lab>(self) -> serde_json::Value {
        let mut run = L::build(self.0);
        // Measurements do not read old trace events, and the CLI never steps back: memory stays
        // flat on long links.
        run.keep_trace_tail(Some(1_000));
        run.forward_only();
        seek(&mut run, self.0.pos);
        let mut metrics = serde_json::to_value(L::measure(&run)).expect("metrics serialise");
        // A lab's second run (the load balancer's `cmp=`) at the same simulated time, under
        // `compare` (its `label` first).
        if let (Some((label, c)), Some(obj)) = (L::companion(self.0), metrics.as_object_mut()) {
            let mut other = L::build(&c);
            other.keep_trace_tail(Some(1_000));
            other.forward_only();
            other.seek_time(run.now(), u64::MAX);
            let mut m = serde_json::Map::new();
            m.insert("label".into(), label.into());
            if let serde_json::Value::Object(o) =
                serde_json::to_value(L::measure(&other)).expect("metrics serialise")
            {
                m.extend(o);
            }
            obj.insert("compare".into(), m.into());
        }
        metrics
    }
}

/// Replays a scenario to its position and writes its last `n` event lines, `STEP<tab>LINE`.
struct Events<'a>(&'a Scenario, usize);

impl LabVisitor for Events<'_> {
    type Output = String;
    fn visit<L: Lab>(self) -> String {
        let mut run = L::build(self.0);
        run.keep_trace_tail(Some(self.1.max(1_000)));
        run.forward_only();
        seek(&mut run, self.0.pos);
        let lines = L::event_lines(&run);
        let skip = lines.len().saturating_sub(self.1);
        lines[skip..]
            .iter()
            .map(|(step, line)| format!("{step}\t{line}\n"))
            .collect()
    }
}

fn lab_names() -> String {
    LabKind::ALL
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key reference of some labs, as Markdown.
fn keys_text(labs: &[LabKind]) -> String {
    labs.iter()
        .map(|l| format!("### `lab={}`\n\n{}", l.as_str(), key_table_markdown(*l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One CSV cell (RFC 4180: quoted when it holds a comma, a quote or a line break).
fn cell(v: String) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// Flattens measurements into `(column, value)` pairs: nested records get a `parent_` prefix,
/// lists of numbers are joined with spaces, other lists are written as JSON, null is empty.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let name = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}_{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::Object(_) => flatten(&name(k), x, out),
                    _ => out.push((name(k), cell(scalar(x)))),
                }
            }
        }
        other => out.push((prefix.to_string(), cell(scalar(other)))),
    }
}

fn scalar(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.iter().all(|x| x.is_number()) => a
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// A ring link's scheme comparison or vnode sweep as CSV, for its run at its position (the
/// page's "Compare schemes" and vnode sweep: `engine::ring::analysis`).
fn ring_analysis_csv(link: &str, sweep: bool) -> Result<String, Vec<String>> {
    use engine::ring::analysis::{compare_schemes, vnode_sweep};
    let d = decode(link);
    let mut errors: Vec<String> = d.errors.iter().map(|e| format!("error: {e}")).collect();
    if errors.is_empty() && d.lab != Some(LabKind::Ring) {
        errors.push("error: lab: this experiment reads a ring link (lab=ring&…)".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let s = d.scenario;
    let mut run = HashRingLab::build(&s);
    run.forward_only();
    seek(&mut run, s.pos);
    let rl = run.lab();
    let mut out = String::new();
    if sweep {
        let pts = vnode_sweep(rl).map_err(|e| vec![format!("error: keys: {e}")])?;
        out.push_str("vnodes,stddev_pct,max_over_mean,expected_stddev_pct\n");
        for p in pts {
            out.push_str(&format!(
                "{},{:.4},{:.4},{:.4}\n",
                p.vnodes, p.stddev_pct, p.max_over_mean, p.expected_pct
            ));
        }
    } else {
        out.push_str("scheme,stddev_pct,max_over_mean,moved_pct\n");
        for r in compare_schemes(rl) {
            out.push_str(&format!(
                "{},{:.4},{:.4},{}\n",
                r.scheme,
                r.stddev_pct,
                r.max_over_mean,
                r.moved_pct.map(|m| format!("{m:.4}")).unwrap_or_default()
            ));
        }
    }
    Ok(out)
}

/// The Raft paper's §9.3 experiment as CSV: one row per run (range, seed, time to elect).
fn experiment_csv(runs: u64, seed: u64) -> String {
    let params = engine::raft::RaftParams::default();
    let mut out = String::from("timeout_range_ms,seed,time_to_elect_ms\n");
    for &(lo, hi) in &engine::raft::FIG16_RANGES_MS {
        let results = parallel_batch(lo, hi, seed, runs, &params);
        for (k, r) in results.iter().enumerate() {
            let ms = r.map(|d| d.as_ms_f64().to_string()).unwrap_or_default();
            out.push_str(&format!("{lo}-{hi},{},{ms}\n", seed + k as u64));
        }
    }
    out
}

/// One range's runs, the seeds split into contiguous chunks run on every core (each run is a
/// pure function of its seed, so the results, joined in seed order, are those of one thread).
fn parallel_batch(
    lo: u64,
    hi: u64,
    seed: u64,
    runs: u64,
    params: &engine::raft::RaftParams,
) -> Vec<Option<engine::Duration>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let chunk = runs.div_ceil(threads.clamp(1, runs.max(1)));
    if chunk >= runs {
        return engine::raft::time_to_elect_batch(lo, hi, seed..seed + runs, params);
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (seed..seed + runs)
            .step_by(chunk as usize)
            .map(|a| {
                let b = (a + chunk).min(seed + runs);
                s.spawn(move || engine::raft::time_to_elect_batch(lo, hi, a..b, params))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The SWIM sweep as CSV: one row per group size and seed.
fn swim_sweep_csv(runs: u64, seed: u64) -> String {
    use engine::heartbeat::swim_metrics::{sweep, SWEEP_SIZES, SWEEP_WARMUP};
    let params = engine::heartbeat::swim::SwimParams::default();
    let net = engine::net::NetConfig::default();
    let mut out = String::from(
        "members,seed,first_suspect_ms,detection_ms,dissemination_ms,\
         steady_messages_per_member_per_s,messages_per_member_per_s,false_positives,\
         theory_first_suspect_ms,theory_detection_ms,theory_messages_per_member_per_s\n",
    );
    let opt = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    for s in seed..seed + runs {
        for r in sweep(&SWEEP_SIZES, s, &params, net, SWEEP_WARMUP) {
            out.push_str(&format!(
                "{},{s},{},{},{},{:.3},{:.3},{},{:.3},{:.3},{:.3}\n",
                r.members,
                opt(r.first_suspect_ms),
                opt(r.detection_ms),
                opt(r.dissemination_ms),
                r.steady_messages_per_member_per_s,
                r.messages_per_member_per_s,
                r.false_positives,
                r.theory_first_suspect_ms,
                r.theory_detection_ms,
                r.theory_messages_per_member_per_s,
            ));
        }
    }
    out
}

/// The three failure-detection designs as CSV: one row per design, group size and seed.
fn detect_compare_csv(runs: u64, seed: u64, loss_pct: u64) -> String {
    use engine::heartbeat::compare::compare;
    use engine::heartbeat::swim_metrics::SWEEP_SIZES;
    let params = engine::heartbeat::swim::SwimParams::default();
    let net = engine::net::NetConfig {
        loss_ppm: loss_pct.min(50) as u32 * 10_000,
        ..engine::net::NetConfig::default()
    };
    let mut out = String::from(
        "design,members,seed,detection_ms,dissemination_ms,messages_per_member_per_s,\
         busiest_in_per_s,false_positives,theory_messages_per_member_per_s,theory_busiest_in_per_s\n",
    );
    let opt = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    for s in seed..seed + runs {
        for r in compare(&SWEEP_SIZES, s, &params, net) {
            out.push_str(&format!(
                "{},{},{s},{},{},{:.3},{:.3},{},{:.3},{:.3}\n",
                r.design.as_str(),
                r.members,
                opt(r.detection_ms),
                opt(r.dissemination_ms),
                r.messages_per_member_per_s,
                r.busiest_in_per_s,
                r.false_positives,
                r.theory_messages_per_member_per_s,
                r.theory_busiest_in_per_s,
            ));
        }
    }
    out
}

fn presets_text() -> String {
    let width = presets().iter().map(|p| p.id.len()).max().unwrap_or(0);
    presets()
        .iter()
        .map(|p| format!("{:width$}  {}\n", p.id, p.query))
        .collect()
}

/// Runs a command line; returns the exit code.
fn main_with(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cmd = match parse_args(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let text = match cmd {
        Command::Help => format!("{}\n", USAGE.replace("{AVAIL}", avail::USAGE)),
        Command::Avail(a) => match avail::run(&a) {
            Ok(text) => text,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        },
        Command::RingAnalysis { sweep, link } => match ring_analysis_csv(&link, sweep) {
            Ok(text) => text,
            Err(lines) => {
                for l in lines {
                    let _ = writeln!(err, "{l}");
                }
                return 2;
            }
        },
        Command::Presets => presets_text(),
        Command::Keys(labs) => keys_text(&labs),
        Command::Experiment { runs, seed } => experiment_csv(runs, seed),
        Command::SwimSweep { runs, seed } => swim_sweep_csv(runs, seed),
        Command::DetectCompare {
            runs,
            seed,
            loss_pct,
        } => detect_compare_csv(runs, seed, loss_pct),
        Command::Run {
            link,
            until,
            format,
        } => match run_link(&link, until, format) {
            Ok(RunOutput { text, note }) => {
                if let Some(n) = note {
                    let _ = writeln!(err, "{n}");
                }
                text
            }
            Err(lines) => {
                for l in lines {
                    let _ = writeln!(err, "{l}");
                }
                return 2;
            }
        },
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// The arguments as text: an argument that is not valid UTF-8 is refused (exit status 2).
fn utf8_args(raw: impl Iterator<Item = std::ffi::OsString>) -> Result<Vec<String>, String> {
    raw.enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|bad| {
                format!(
                    "argument {} is not valid UTF-8 ('{}')",
                    i + 1,
                    clip(&bad.to_string_lossy())
                )
            })
        })
        .collect()
}

fn main() {
    let code = match utf8_args(std::env::args_os().skip(1)) {
        Ok(args) => main_with(&args, &mut std::io::stdout(), &mut std::io::stderr()),
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn run_cmd(link: &str, until: Option<u64>, format: Format) -> Command {
        Command::Run {
            link: link.into(),
            until,
            format,
        }
    }

    #[test]
    fn parses_run_with_and_without_flags() {
        assert_eq!(
            parse_args(&args(&["run", "lab=heartbeat"])),
            Ok(run_cmd("lab=heartbeat", None, Format::Json))
        );
        assert_eq!(
            parse_args(&args(&[
                "run",
                "--until",
                "2500.5",
                "lab=heartbeat",
                "--format",
                "csv"
            ])),
            Ok(run_cmd("lab=heartbeat", Some(2_500_500), Format::Csv))
        );
        assert_eq!(
            parse_args(&args(&[
                "run",
                "lab=heartbeat",
                "--until=100",
                "--format=json"
            ])),
            Ok(run_cmd("lab=heartbeat", Some(100_000), Format::Json))
        );
        assert_eq!(parse_args(&args(&["help"])), Ok(Command::Help));
        assert_eq!(parse_args(&args(&["--help"])), Ok(Command::Help));
        assert_eq!(parse_args(&args(&["presets"])), Ok(Command::Presets));
    }

    #[test]
    fn rejects_bad_command_lines_clearly() {
        let err = |a: &[&str]| parse_args(&args(a)).unwrap_err();
        assert!(err(&[]).contains("no command"));
        assert!(err(&["fly"]).contains("unknown command 'fly'"));
        assert!(err(&["run"]).contains("needs a link"));
        assert!(err(&["run", "x=1", "--speed", "3"]).contains("unknown flag '--speed'"));
        assert!(err(&["run", "x=1", "-v"]).contains("unknown flag '-v'"));
        assert!(err(&["run", "x=1", "--until"]).contains("--until needs a value"));
        assert!(err(&["run", "x=1", "--until", "-5"]).contains("not a time"));
        assert!(err(&["run", "x=1", "--until", "600001"]).contains("not a time"));
        assert!(err(&["run", "x=1", "--format", "xml"]).contains("not json or csv"));
        assert!(err(&["run", "x=1", "--until", "1", "--until", "2"]).contains("twice"));
        assert!(err(&["run", "a=1", "b=2"]).contains("unexpected argument 'b=2'"));
        assert!(err(&["presets", "all"]).contains("takes no arguments"));
        // Long junk is shortened in the message.
        let long = "z".repeat(500);
        assert!(err(&["run", "x=1", &format!("--{long}")]).len() < 120);
    }

    #[test]
    fn a_bad_link_gives_the_page_messages() {
        let e = run_link("lab=heartbeat&n=0&colour=red", None, Format::Json).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("error: n: "), "{e:?}");
        assert!(
            e[1].starts_with("error: colour: unknown parameter"),
            "{e:?}"
        );
        let e = run_link("seed=3", None, Format::Json).unwrap_err();
        // Every registered lab is offered, in menu order.
        let offered: Vec<String> = engine::lab::LabKind::ALL
            .iter()
            .map(|l| format!("lab={}", l.as_str()))
            .collect();
        assert_eq!(
            e,
            [format!(
                "error: lab: the link names no lab (add {})",
                offered.join(" or ")
            )]
        );
        assert!(e[0].contains("lab=system"), "{e:?}");
        let e = run_link("lab=nope", None, Format::Json).unwrap_err();
        assert!(e[0].starts_with("error: lab: unknown lab 'nope'"), "{e:?}");
    }

    #[test]
    fn until_overrides_the_link_position() {
        let link = "lab=heartbeat&seed=7&n=3&faults=1500:crash:3&t=1000";
        let before = run_link(link, None, Format::Json).unwrap();
        let after = run_link(link, Some(3_000_000), Format::Json).unwrap();
        assert!(before.note.is_none() && after.note.is_none());
        let (before, after) = (before.text, after.text);
        let b: serde_json::Value = serde_json::from_str(&before).unwrap();
        let a: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(b["time_ms"], 1000.0);
        assert_eq!(b["fixed"]["crashes"], 0);
        assert_eq!(a["time_ms"], 3000.0);
        assert_eq!(a["fixed"]["detected"], 1);
    }

    #[test]
    fn raft_links_run_and_csv_quotes_cells_with_commas() {
        let out = run_link(
            "lab=raft&seed=3&faults=1000:crash:0&t=3000",
            None,
            Format::Json,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out.text).unwrap();
        assert!(v["leader"].is_number(), "a leader after 3 s: {}", out.text);
        let csv = run_link("lab=raft&seed=3&t=3000", None, Format::Csv)
            .unwrap()
            .text;
        let head = csv.lines().next().unwrap();
        assert!(
            head.starts_with("time_ms,") || head.contains("leader"),
            "{head}"
        );
        assert_eq!(cell("a,b".into()), "\"a,b\"");
        assert_eq!(cell("say \"hi\"".into()), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn parallel_fig16_batch_equals_one_thread() {
        let p = engine::raft::RaftParams::default();
        for (seed, runs) in [(0, 1), (3, 7), (10, 16)] {
            assert_eq!(
                parallel_batch(150, 175, seed, runs, &p),
                engine::raft::time_to_elect_batch(150, 175, seed..seed + runs, &p)
            );
        }
    }

    #[test]
    fn experiment_fig16_prints_one_row_per_run_and_range() {
        assert_eq!(
            parse_args(&args(&["experiment", "fig16", "--runs", "2"])),
            Ok(Command::Experiment { runs: 2, seed: 0 })
        );
        assert!(parse_args(&args(&["experiment", "nope"])).is_err());
        assert!(parse_args(&args(&["experiment", "fig16", "--runs", "0"])).is_err());
        let csv = experiment_csv(2, 0);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "timeout_range_ms,seed,time_to_elect_ms");
        assert_eq!(lines.len(), 1 + 6 * 2);
        assert!(lines[1].starts_with("150-150,0,"));
    }

    #[test]
    fn experiment_swim_sweep_prints_one_row_per_size_and_seed() {
        assert_eq!(
            parse_args(&args(&["experiment", "swim-sweep"])),
            Ok(Command::SwimSweep { runs: 1, seed: 1 })
        );
        assert!(parse_args(&args(&["experiment", "swim-sweep", "--runs", "101"])).is_err());
        let csv = swim_sweep_csv(1, 1);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 6);
        let head: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(head[..3], ["members", "seed", "first_suspect_ms"]);
        for (line, n) in lines[1..].iter().zip([5, 10, 20, 50, 100, 200]) {
            let row: Vec<&str> = line.split(',').collect();
            assert_eq!(row.len(), head.len(), "{line}");
            assert_eq!(row[0], n.to_string());
            assert!(
                !row[4].is_empty(),
                "the crash reaches every survivor: {line}"
            );
        }
    }

    #[test]
    fn experiment_detect_compare_prints_three_designs_per_size() {
        assert_eq!(
            parse_args(&args(&["experiment", "detect-compare", "--seed", "4"])),
            Ok(Command::DetectCompare {
                runs: 1,
                seed: 4,
                loss_pct: 0
            })
        );
        assert!(parse_args(&args(&["experiment", "detect-compare", "--runs", "0"])).is_err());
        assert!(parse_args(&args(&["experiment", "detect-compare", "--loss", "51"])).is_err());
        assert!(parse_args(&args(&["experiment", "swim-sweep", "--loss", "5"])).is_err());
        let csv = detect_compare_csv(1, 1, 0);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 3 * 6);
        let width = lines[0].split(',').count();
        for line in &lines[1..] {
            let row: Vec<&str> = line.split(',').collect();
            assert_eq!(row.len(), width, "{line}");
            assert!(["central", "all", "swim"].contains(&row[0]), "{line}");
            assert!(!row[4].is_empty(), "every design detects the crash: {line}");
        }
    }

    #[test]
    fn ring_links_give_the_scheme_comparison_and_the_vnode_sweep() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let a = |c: &[&str], out: &mut Vec<u8>, err: &mut Vec<u8>| {
            out.clear();
            err.clear();
            main_with(&args(c), out, err)
        };
        assert_eq!(
            a(
                &[
                    "experiment",
                    "schemes",
                    "lab=ring&n=8&keys=rand:20000&ops=100:add:n8&t=200"
                ],
                &mut out,
                &mut err
            ),
            0,
            "{}",
            String::from_utf8_lossy(&err)
        );
        let text = String::from_utf8(out.clone()).unwrap();
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
        assert_eq!(
            rows[0],
            ["scheme", "stddev_pct", "max_over_mean", "moved_pct"]
        );
        assert_eq!(rows.len(), 1 + 7, "{text}");
        // After an add, mod-N moves most keys and the ring about 1/(N+1).
        let moved =
            |s: &str| -> f64 { rows.iter().find(|r| r[0] == s).unwrap()[3].parse().unwrap() };
        assert!(moved("modn") > 70.0, "{text}");
        assert!(moved("ring") < 25.0, "{text}");
        assert_eq!(
            a(
                &["experiment", "vnode-sweep", "lab=ring&n=5"],
                &mut out,
                &mut err
            ),
            0
        );
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("vnodes,stddev_pct,max_over_mean,expected_stddev_pct\n"));
        assert_eq!(text.lines().count(), 1 + 11);
        // A link of another lab, or none, is refused with status 2.
        assert_eq!(
            a(&["experiment", "schemes", "lab=raft"], &mut out, &mut err),
            2
        );
        assert!(String::from_utf8_lossy(&err).contains("ring link"));
        assert_eq!(a(&["experiment", "vnode-sweep"], &mut out, &mut err), 2);
    }

    #[test]
    fn a_load_balancer_compare_link_measures_both_strategies_at_the_same_time() {
        let link = "lab=lb&seed=3&n=4&strat=rr&cmp=p2c&faults=1000:cmd:2:slow:10&t=6000";
        let out = run_link(link, None, Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out.text).unwrap();
        let c = &v["compare"];
        assert_eq!(c["label"], "p2c", "{}", out.text);
        assert_eq!(c["time_ms"], v["time_ms"]);
        // The compare run is the same link under the other strategy, measured alone.
        let alone = run_link(
            "lab=lb&seed=3&n=4&strat=p2c&faults=1000:cmd:2:slow:10&t=6000",
            None,
            Format::Json,
        )
        .unwrap();
        let mut a: serde_json::Value = serde_json::from_str(&alone.text).unwrap();
        a.as_object_mut()
            .unwrap()
            .insert("label".into(), "p2c".into());
        assert_eq!(c, &a);
        assert_ne!(c, &v, "the strategies differ on this link");
        // CSV columns follow with a `compare_` prefix.
        let csv = run_link(link, None, Format::Csv).unwrap();
        assert!(csv.text.lines().next().unwrap().contains("compare_label"));
        // Without cmp= there is no compare record.
        let plain = run_link("lab=lb&seed=3&n=4&t=6000", None, Format::Json).unwrap();
        let p: serde_json::Value = serde_json::from_str(&plain.text).unwrap();
        assert!(p.get("compare").is_none());
    }

    #[test]
    fn swim_links_report_the_issue_s_measurements() {
        let out = run_link(
            "lab=swim&seed=1&n=8&faults=2000:crash:3&t=5000",
            None,
            Format::Json,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out.text).unwrap();
        assert!(v["detection_ms"].as_f64().unwrap() > 0.0, "{}", out.text);
        assert_eq!(v["false_positives"], 0);
        assert!(v["messages_per_member_per_s"].as_f64().unwrap() > 5.0);
    }

    #[test]
    fn csv_has_one_header_and_one_row_of_the_same_width() {
        let out = run_link(
            "lab=heartbeat&seed=7&n=3&faults=1500:crash:3;1600:crash:2&t=3000",
            None,
            Format::Csv,
        )
        .unwrap()
        .text;
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        let head: Vec<&str> = lines[0].split(',').collect();
        let row: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(head.len(), row.len());
        assert_eq!(head[0], "time_ms");
        assert_eq!(row[0], "3000.0");
        let col = |name: &str| row[head.iter().position(|h| *h == name).unwrap()];
        assert_eq!(col("fixed_crashes"), "2");
        assert_eq!(col("fixed_detection_ms").split(' ').count(), 2);
        assert_eq!(col("primary"), "1");
    }

    #[test]
    fn main_with_reports_exit_codes() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(main_with(&args(&["presets"]), &mut out, &mut err), 0);
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().count() == presets().len());
        assert!(text.contains("hb-crash"));
        // A link without a position measures time 0, and says so on stderr.
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            main_with(&args(&["run", "lab=heartbeat"]), &mut out, &mut err),
            0
        );
        assert!(String::from_utf8(err).unwrap().starts_with("note: "));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            main_with(&args(&["run", "lab=heartbeat&n=-1"]), &mut out, &mut err),
            2
        );
        assert!(out.is_empty());
        assert!(String::from_utf8(err).unwrap().starts_with("error: n: "));
    }
}
