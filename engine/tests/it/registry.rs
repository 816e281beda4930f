//! The lab registry: every listed lab declares its keys, presets and commands consistently, and
//! a link made of any keys with any values decodes to settings that hold together.

use engine::lab::{Lab, LabKind, LabVisitor};
use engine::scenario::keys::{key_docs, KeyKind};
use engine::scenario::{decode, encode, presets, Scenario};
use proptest::prelude::*;

/// Keys every lab shares (`lab`, the network, the position).
const CORE_KEYS: [&str; 9] = ["lab", "v", "seed", "n", "lat", "loss", "dup", "t", "step"];

struct KeysHold;

impl LabVisitor for KeysHold {
    type Output = ();
    fn visit<L: Lab>(self) {
        let d = L::Setup::default();
        assert!(
            L::conflicts(&d, L::INFO.default_nodes).is_empty(),
            "{}: defaults conflict",
            L::INFO.name
        );
        let mut names: Vec<&str> = L::keys().iter().map(|k| k.name).collect();
        names.push(L::TIMELINE_KEY);
        for (i, k) in names.iter().enumerate() {
            assert!(
                !CORE_KEYS.contains(k),
                "{}: `{k}` is a core key",
                L::INFO.name
            );
            assert!(!names[..i].contains(k), "{}: `{k}` twice", L::INFO.name);
        }
        for k in L::keys() {
            // Every default reads back as itself (what `reset` relies on).
            let mut p = L::Setup::default();
            let text = (k.get)(&d);
            assert_eq!(
                (k.set)(&mut p, &text),
                Ok(()),
                "{}: {} default '{text}'",
                L::INFO.name,
                k.name
            );
            assert_eq!(p, d, "{}: {}", L::INFO.name, k.name);
            assert!(!k.help.is_empty());
            // The limits of a number key are values the key accepts.
            if let KeyKind::Int { lo, hi } = k.kind {
                for v in [lo, hi] {
                    let mut p = L::Setup::default();
                    assert_eq!(
                        (k.set)(&mut p, &v.to_string()),
                        Ok(()),
                        "{} {}={v}",
                        L::INFO.name,
                        k.name
                    );
                }
                let mut p = L::Setup::default();
                assert!(
                    (k.set)(&mut p, &(hi + 1).to_string()).is_err(),
                    "{} {} above {hi}",
                    L::INFO.name,
                    k.name
                );
            }
        }
        // Presets live with their lab and name it.
        for p in L::PRESETS {
            assert_eq!(p.lab, L::KIND, "{}", p.id);
            assert!(
                p.query.starts_with(&format!("lab={}&", L::INFO.name)),
                "{}",
                p.id
            );
        }
        let (lo, hi) = L::INFO.nodes;
        assert!(lo <= L::INFO.default_nodes && L::INFO.default_nodes <= hi);
    }
}

#[test]
fn every_lab_declares_keys_that_read_back_and_presets_of_its_own() {
    for lab in LabKind::ALL {
        lab.visit(KeysHold);
        assert_eq!(LabKind::parse(lab.as_str()), Some(*lab));
        assert!(!key_docs(*lab).is_empty());
    }
    // Preset ids are unique across labs.
    let ids: std::collections::BTreeSet<&str> = presets().iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), presets().len());
}

#[test]
fn the_default_scenario_of_every_lab_is_valid_and_round_trips() {
    for &lab in LabKind::ALL {
        let s = Scenario::default_for(lab);
        assert_eq!(s.validate(), Ok(()), "{lab:?}");
        assert_eq!(decode(&encode(&s)).scenario, s);
    }
}

/// Values a hostile or careless link might hold for a key of this kind.
fn values_for(kind: KeyKind) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "".into(),
        "0".into(),
        "-1".into(),
        "1e9".into(),
        "18446744073709551616".into(),
        "<b>x</b>".into(),
        "1-".into(),
        "1,,2".into(),
    ];
    match kind {
        KeyKind::Int { lo, hi } => v.extend([lo, hi, (lo + hi) / 2].map(|x| x.to_string())),
        KeyKind::Ms { lo_us, hi_us } => {
            v.extend([lo_us, hi_us, (lo_us + hi_us) / 2, lo_us + 1].map(engine::time::fmt_ms))
        }
        KeyKind::Flag => v.extend(["1".into()]),
        KeyKind::Choice { names, .. } => v.extend(names.iter().map(|s| s.to_string())),
        KeyKind::Text(_) => v.extend(
            [
                "150-300",
                "1,1@50,3",
                "uptodate",
                "maglev:7",
                "zipf:100:10:1.1",
            ]
            .map(String::from),
        ),
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Any soup of a lab's keys with extreme values decodes without panic; each error names a
    /// key of the link (or the conflicting keys), and what is kept holds together.
    #[test]
    fn any_key_soup_decodes_to_settings_that_hold_together(
        lab_i in 0..LabKind::ALL.len(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..12),
        n in prop::option::of(0usize..1200),
    ) {
        let lab = LabKind::ALL[lab_i];
        let docs = key_docs(lab);
        let mut query = format!("lab={}", lab.as_str());
        if let Some(n) = n {
            query.push_str(&format!("&n={n}"));
        }
        let mut used = Vec::new();
        for (ki, vi) in picks {
            let d = ki.get(&docs);
            if used.contains(&d.name) {
                continue;
            }
            used.push(d.name);
            let vals = values_for(d.kind);
            let v = vi.get(&vals);
            query.push_str(&format!("&{}={}", d.name, percent_encode(v)));
        }
        let decoded = decode(&query);
        for e in &decoded.errors {
            // A conflict may also name a key the link left at its default (`bbase, bcap`).
            let named = e.param.split(", ").any(|p| used.contains(&p) || p == "n");
            prop_assert!(named, "{query}: error names '{}' not in the link: {e}", e.param);
        }
        struct Holds<'a>(&'a Scenario);
        impl LabVisitor for Holds<'_> {
            type Output = bool;
            fn visit<L: Lab>(self) -> bool {
                L::conflicts(&self.0.setup::<L>(), self.0.nodes).is_empty()
            }
        }
        prop_assert!(lab.visit(Holds(&decoded.scenario)), "{query}: conflicts left");
        if lab == LabKind::Lb {
            prop_assert_eq!(decoded.scenario.lb_setup().params.validate(), Ok(()), "{}", query);
        }
        prop_assert_eq!(decoded.scenario.validate(), Ok(()), "{}", query);
    }
}

fn percent_encode(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// Builds a decoded scenario's run and plays at most `events` events.
struct RunBounded<'a>(&'a Scenario, u64);

impl LabVisitor for RunBounded<'_> {
    type Output = u64;
    fn visit<L: Lab>(self) -> u64 {
        use engine::history::Run;
        let mut run = L::build(self.0);
        run.keep_trace_tail(Some(64));
        let mut n = 0;
        while n < self.1 && run.step() {
            n += 1;
        }
        let _ = L::measure(&run);
        n
    }
}

/// A fuzzed link: any lab name, then a soup of keys (every key any lab knows, plus junk) with
/// values from a hostile alphabet, extreme numbers and timeline entries.
fn hostile_link() -> impl Strategy<Value = String> {
    let mut keys: Vec<String> = [
        "lab", "v", "seed", "n", "lat", "loss", "dup", "t", "step", "faults", "ops", "zz", "",
    ]
    .map(String::from)
    .to_vec();
    for lab in LabKind::ALL {
        keys.extend(key_docs(*lab).into_iter().map(|d| d.name.to_string()));
    }
    let labs: Vec<String> = LabKind::ALL
        .iter()
        .map(|l| l.as_str().to_string())
        .chain(["", "nope", "RAFT"].map(String::from))
        .collect();
    let value = prop_oneof![
        "[0-9]{1,25}",
        "-?[0-9]{1,6}(\\.[0-9]{0,9})?",
        "[ -~]{0,40}",
        "\\PC{0,20}",
        Just("1e999".to_string()),
        Just("18446744073709551615".to_string()),
        "([0-9]{1,7}:(crash|restart|isolate|heal|loss|lat|cmd):[0-9a-z:=.|>]{0,12};){0,6}",
    ];
    (
        prop::sample::select(labs),
        prop::collection::vec((prop::sample::select(keys), value), 0..14),
    )
        .prop_map(|(lab, kv)| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("lab", &lab);
            for (k, v) in kv {
                q.append_pair(&k, &v);
            }
            q.finish()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The link boundary, fuzzed: any hostile link decodes without panic, every error names a
    /// parameter of the link, the decoded scenario is valid, and its run builds and plays a
    /// bounded number of events without panic.
    #[test]
    fn any_hostile_link_decodes_builds_and_runs(link in hostile_link(), raw in prop::collection::vec(any::<u8>(), 0..200)) {
        for text in [link.clone(), String::from_utf8_lossy(&raw).into_owned()] {
            let d = decode(&text);
            for e in &d.errors {
                prop_assert!(!e.param.is_empty(), "{text}: an error names no parameter: {e}");
            }
            prop_assert_eq!(d.scenario.validate(), Ok(()), "{}", text);
            let played = d.scenario.lab.visit(RunBounded(&d.scenario, 2_000));
            prop_assert!(played <= 2_000);
        }
    }
}

// A preset opens at most 1 s of simulated time before its first fault or operation (10 s of
// waiting at the default 1/10× speed), so a class sees the key event soon after pressing Play.
#[test]
fn every_preset_opens_close_to_its_first_event() {
    for p in presets() {
        let query: String = p.query.split_whitespace().collect();
        let value = |key: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
                .map(str::to_string)
        };
        let first = value("faults").or_else(|| value("ops")).and_then(|tl| {
            tl.split(';')
                .filter_map(|e| e.split(':').next()?.parse::<u64>().ok())
                .min()
        });
        let t: u64 = value("t").and_then(|t| t.parse().ok()).unwrap_or(0);
        if let Some(first) = first {
            assert!(
                t + 1000 >= first,
                "{} opens at {t} ms, its first event is at {first} ms",
                p.id
            );
        }
    }
}

/// One canonical text per command of every lab (and replication section), in link form.
const COMMANDS: &[(&str, &[&str])] = &[
    (
        "lab=raft",
        &[
            "put:x=1",
            "put:a.b-c_d=-42",
            "incr:x",
            "timeout",
            "transfer:3",
            "add:10",
            "remove:0",
        ],
    ),
    (
        "lab=ring",
        &[
            "add:n5",
            "remove:n2",
            "fail:n1",
            "recover:n1",
            "vnodes:160",
            "weight:n3:2",
        ],
    ),
    (
        "lab=lb",
        &[
            "slow:5",
            "errors:12.5",
            "strategy:p2c",
            "strategy:rr",
            "rate:300",
        ],
    ),
    ("lab=swim", &["slow:250", "slow:0.5", "slow:0"]),
    (
        "lab=cluster",
        &[
            "fail:2",
            "recover:2",
            "zone-fail:b",
            "zone-recover:b",
            "hang",
            "hang:7",
            "release:bad",
            "release:good",
            "scale:6",
        ],
    ),
    (
        "lab=system",
        &[
            "crash-m:1",
            "restart-m:1",
            "isolate-m:2",
            "zone-down:a",
            "zone-up:a",
            "zone-split:b",
            "slow-m:1",
            "fast-m:1",
            "add-shard:3",
        ],
    ),
    (
        "lab=replication&sec=repl",
        &[
            "write:a",
            "read:b",
            "burst:5",
            "rate:20",
            "mode:sync",
            "k:2",
            "promote",
            "promote:2",
            "delay:150",
            "drift:10",
            "pause:300",
        ],
    ),
    (
        "lab=replication&sec=locks",
        &["pause:300", "drift:12.5", "work:50"],
    ),
    (
        "lab=replication&sec=aa",
        &["write:a", "rate:5", "skew:-250", "skew:40"],
    ),
    ("lab=heartbeat", &[]),
];

/// Reads `text` as a command of the lab (and section) of `link`.
fn parse_in(link: &str, text: &str) -> Result<engine::Cmd, engine::command::CommandError> {
    let s = decode(link).scenario;
    s.lab.parse_command(&s.params, text)
}

#[test]
fn every_lab_lists_its_commands_and_each_reads_back_as_its_own_text() {
    for kind in LabKind::ALL {
        assert!(
            COMMANDS
                .iter()
                .any(|(l, _)| decode(l).scenario.lab == *kind),
            "{kind:?} has no commands listed here"
        );
    }
    for (link, texts) in COMMANDS {
        for text in *texts {
            let c = parse_in(link, text).unwrap_or_else(|e| panic!("{link} {text}: {e}"));
            // Byte-identical in a link: the typed value writes the text it was read from.
            assert_eq!(c.to_string(), *text, "{link}");
            assert_eq!(parse_in(link, &c.to_string()), Ok(c), "{link} {text}");
            // And through a whole link, as its timeline entry.
            let l = format!("{link}&faults=100:cmd:0:{text}");
            let l = l.replace("lab=ring&faults=100:cmd:0:", "lab=ring&ops=100:");
            let d = decode(&l);
            assert!(d.errors.is_empty(), "{l}: {:?}", d.errors);
            assert!(encode(&d.scenario).contains(text), "{l}");
        }
    }
    assert_eq!(
        parse_in("lab=heartbeat", "slow:5")
            .unwrap_err()
            .get::<engine::command::NoCommandError>(),
        Some(&engine::command::NoCommandError::NoCommands {
            lab: "heartbeat",
            text: "slow:5".into()
        })
    );
}

proptest! {
    /// Every command a lab reads writes a text that reads back equal (and writes the same
    /// text again): `Display` and the lab's parser are each other's inverse.
    #[test]
    fn every_command_display_parses_back_equal(
        lab in 0..COMMANDS.len(),
        pick in 0..64usize,
        arg in "[a-z0-9]{0,3}|[-+]?[0-9]{1,6}(\\.[0-9]{1,5})?|[a-z]{1,3}=[-+]?[0-9]{1,4}|n[0-9]{1,2}(:[0-9]{1,3})?|[a-z]{1,6}",
        with_arg in any::<bool>(),
    ) {
        let (link, texts) = COMMANDS[lab];
        prop_assume!(!texts.is_empty());
        let verb = texts[pick % texts.len()].split(':').next().unwrap();
        let text = if with_arg { format!("{verb}:{arg}") } else { verb.to_string() };
        if let Ok(c) = parse_in(link, &text) {
            let shown = c.to_string();
            let again = parse_in(link, &shown);
            prop_assert_eq!(again.as_ref(), Ok(&c), "{} {} → {}", link, text, shown);
            prop_assert_eq!(again.unwrap().to_string(), shown);
        }
    }
}
