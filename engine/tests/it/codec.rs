//! Links in and out: round trips, and what every kind of bad link turns into.

use engine::fault::Fault;
use engine::heartbeat::HbParams;
use engine::scenario::{decode, encode, presets, Decoded, LabKind, Scenario};
use engine::{Duration, SimTime};

fn defaults() -> Scenario {
    Scenario::default_for(LabKind::Heartbeat)
}

/// Decodes and checks that exactly the parameters `params` were reported (in that order).
fn decode_bad(link: &str, params: &[&str]) -> Decoded {
    let d = decode(link);
    let got: Vec<&str> = d.errors.iter().map(|e| e.param.as_str()).collect();
    assert_eq!(got, params, "{}: {:?}", short(link), d.errors);
    for e in &d.errors {
        assert_no_long_echo(link, &e.to_string());
    }
    d
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// No run of more than 41 characters of the user's input appears in a message.
fn assert_no_long_echo(input: &str, message: &str) {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() <= 41 {
        return;
    }
    for w in chars.windows(42) {
        let piece: String = w.iter().collect();
        assert!(
            !message.contains(&piece),
            "message echoes too much input: {}",
            short(message)
        );
    }
}

#[test]
fn defaults_round_trip() {
    let s = defaults();
    let q = encode(&s);
    assert_eq!(q, "lab=heartbeat&v=1&seed=1&n=5&lat=10-15&loss=0");
    let d = decode(&q);
    assert!(d.errors.is_empty());
    assert_eq!(d.lab, Some(LabKind::Heartbeat));
    assert_eq!(d.scenario, s);
}

#[test]
fn every_preset_decodes_cleanly_and_round_trips() {
    for p in presets() {
        let d = decode(p.query);
        assert!(d.errors.is_empty(), "{}: {:?}", p.id, d.errors);
        assert_eq!(d.lab, Some(p.lab), "{}", p.id);
        let q = encode(&d.scenario);
        let again = decode(&q);
        assert!(again.errors.is_empty(), "{}: {q}", p.id);
        assert_eq!(again.scenario, d.scenario, "{}", p.id);
        assert_eq!(encode(&again.scenario), q, "{}", p.id);
        // A full URL, or a query with its leading '?', reads the same.
        assert_eq!(
            decode(&format!("https://example.org/ha/?{q}#x")).scenario,
            d.scenario
        );
        assert_eq!(decode(&format!("?{q}")).scenario, d.scenario);
    }
}

#[test]
fn every_parameter_round_trips() {
    let mut s = defaults();
    s.seed = u64::MAX;
    s.nodes = 50;
    s.net.latency = engine::net::Latency::Exponential(Duration(10_500), Duration::from_ms(60));
    s.net.loss_ppm = 25_000;
    s.net.dup_ppm = 1;
    s.params = engine::scenario::LabParams::Heartbeat(HbParams {
        interval: Duration::from_ms(250),
        jitter_pct: 0,
        suspect_after: Duration(700_001),
        down_after: Duration::from_ms(2_000),
        detector: engine::heartbeat::Detector::Phi,
        phi_suspect_milli: 2_500,
        phi_down_milli: 12_000,
        window: 1_000,
        failover: false,
        ..HbParams::default()
    });
    s.faults = engine::fault::parse_timeline(
        "100:crash:3;200.5:partition:0.1|2.3;300:cut:1>2;300:hold:2>1;400:release:2>1;500:heal;\
         600:drop:17;700:loss:2.5;800:lat:exp:10-40;900:restart:3;950:isolate:50",
    )
    .expect("timeline");
    s.pos.time = SimTime(2_300_450);
    s.pos.step = Some(1234);
    let q = encode(&s);
    let d = decode(&q);
    assert!(d.errors.is_empty(), "{q}: {:?}", d.errors);
    assert_eq!(d.scenario, s, "{q}");
}

// Every bad parameter gives a `ParamError` naming it, and the parameter keeps its safe default.

#[test]
fn node_count_out_of_range_keeps_the_default() {
    for bad in [
        "n=1000000",
        "n=-1",
        "n=0",
        "n=51",
        "n=abc",
        "n=",
        "n=99999999999999999999999",
    ] {
        let d = decode_bad(&format!("lab=heartbeat&{bad}"), &["n"]);
        assert_eq!(d.scenario.nodes, 5, "{bad}");
        assert!(d.errors[0].message.contains("using 5"), "{:?}", d.errors);
    }
}

#[test]
fn a_script_in_the_seed_is_refused_and_shown_as_text() {
    let d = decode_bad("lab=heartbeat&seed=<script>alert(1)</script>", &["seed"]);
    assert_eq!(d.scenario.seed, 1);
    assert!(d.errors[0].message.contains("not a whole number"));
    // Percent-encoded the same way.
    let d = decode_bad(
        "lab=heartbeat&seed=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        &["seed"],
    );
    assert_eq!(d.scenario.seed, 1);
}

#[test]
fn the_home_page_reads_only_the_lab_and_the_link_itself() {
    use engine::scenario::decode_home;
    let params =
        |link: &str| -> Vec<String> { decode_home(link).into_iter().map(|e| e.param).collect() };
    // An unknown lab is named; a lab's keys are not read here (its page reads them).
    let e = decode_home("lab=nope&n=abc&hb=soon");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0], decode("lab=nope").errors[0]);
    assert!(params("n=abc&av=99.95&lesson=x").is_empty());
    assert!(params("").is_empty());
    // The link's own problems are still reported.
    assert_eq!(params("lab=nope&x=1&x=2"), ["x", "lab"]);
    let long = format!("x={}", "9".repeat(engine::scenario::MAX_PARAM_LEN + 1));
    assert_eq!(params(&long), ["x"]);
}

#[test]
fn an_unknown_lab_shows_the_home_page() {
    let d = decode_bad("lab=nope&n=3", &["lab"]);
    assert_eq!(d.lab, None);
    assert!(d.errors[0].message.contains("nope"));
    assert!(
        d.errors[0].message.contains("heartbeat"),
        "lists known labs"
    );
    // No lab at all is the home page, without an error.
    let d = decode("");
    assert_eq!((d.lab, d.errors.len()), (None, 0));
}

#[test]
fn a_huge_fault_timeline_is_ignored_with_a_short_message() {
    let huge = "1:crash:1;".repeat(10_000); // 100 KB
    let d = decode_bad(&format!("lab=heartbeat&faults={huge}"), &["faults"]);
    assert!(d.scenario.faults.is_empty());
    assert!(d.errors[0].message.contains("100000 characters"));
    assert!(d.errors[0].to_string().len() < 120);
    // A long key is shortened too.
    let key = "k".repeat(5_000);
    let d = decode_bad(
        &format!("lab=heartbeat&{key}=1"),
        &[&*format!("{}…", "k".repeat(40))],
    );
    assert!(d.errors[0].param.chars().count() <= 41);
}

#[test]
fn a_fault_naming_a_missing_node_is_dropped_and_the_others_kept() {
    let d = decode_bad(
        "lab=heartbeat&n=3&faults=100:crash:1;200:crash:9;300:cut:1>4;400:crash:3",
        &["faults", "faults"],
    );
    let kept: Vec<String> = d.scenario.faults.iter().map(|f| f.to_string()).collect();
    assert_eq!(kept, ["100:crash:1", "400:crash:3"]);
    assert!(
        d.errors[0].message.contains("node 9 does not exist (0–3)"),
        "{:?}",
        d.errors
    );
    assert!(
        d.errors[1].message.contains("node 4 does not exist"),
        "{:?}",
        d.errors
    );
}

#[test]
fn many_bad_fault_entries_are_summarised() {
    let d = decode_bad(
        "lab=heartbeat&faults=1:x;2:y;3:z;4:w;5:v;6:crash:1",
        &["faults", "faults", "faults", "faults"],
    );
    assert_eq!(d.scenario.faults.len(), 1);
    assert!(d.errors[3].message.contains("2 more bad entries"));
}

#[test]
fn a_negative_time_starts_at_zero() {
    let d = decode_bad("lab=heartbeat&t=-5", &["t"]);
    assert_eq!(d.scenario.pos.time, SimTime::ZERO);
    let d = decode_bad("lab=heartbeat&t=600001", &["t"]);
    assert_eq!(d.scenario.pos.time, SimTime::ZERO);
    let d = decode_bad("lab=heartbeat&step=1000000001", &["step"]);
    assert_eq!(d.scenario.pos.step, None);
}

#[test]
fn a_conflict_names_both_keys_and_puts_back_only_one() {
    // down=100 conflicts with suspect=200: putting back `down` alone settles it.
    let d = decode_bad("lab=heartbeat&down=100&suspect=200", &["down, suspect"]);
    let p = d.scenario.hb_params();
    assert_eq!(p.suspect_after, Duration::from_ms(200));
    assert_eq!(p.down_after, Duration::from_ms(500));
    assert!(
        d.errors[0].message.contains("using down=500 ms"),
        "{:?}",
        d.errors
    );
    // phid=8 is the default already, so only putting back phis settles it.
    let d = decode_bad("lab=heartbeat&phis=9&phid=8", &["phid, phis"]);
    let p = d.scenario.hb_params();
    assert_eq!((p.phi_suspect_milli, p.phi_down_milli), (3_000, 8_000));
}

#[test]
fn load_balancer_conflicts_keep_every_other_setting() {
    use engine::lb::Strategy;
    // The window is not a multiple of 100 ms: only `win` takes its default; the strategy stays.
    let d = decode_bad("lab=lb&strat=p2c&win=150", &["win"]);
    let l = d.scenario.lb_setup();
    assert_eq!(l.params.strategy, Strategy::P2c);
    assert_eq!(l.params.window, engine::lb::LbParams::default().window);
    // A backoff base above the default cap: both named, the base put back, the rest kept.
    let d = decode_bad(
        "lab=lb&strat=lc&retry=backoff&bbase=10000",
        &["bbase, bcap"],
    );
    let l = d.scenario.lb_setup();
    assert_eq!(
        (l.params.strategy, l.params.retry),
        (Strategy::LeastConn, engine::lb::RetryPolicy::Backoff)
    );
    assert_eq!(
        l.params.backoff_base,
        engine::lb::LbParams::default().backoff_base
    );
    // A health-check timeout above the default interval.
    let d = decode_bad("lab=lb&rate=300&hct=2000", &["hct, hci"]);
    assert_eq!(d.scenario.lb_setup().params.rate, 300);
    // Zero service time is outside the key's own range.
    decode_bad("lab=lb&svcms=0&rate=300", &["svcms"]);
    // Both keys given: the first whose default settles it alone is put back (the timeout's
    // default 1000 ms is still above 500, the interval's 2000 ms is not).
    let d = decode_bad("lab=lb&hci=500&hct=800", &["hct, hci"]);
    let p = d.scenario.lb_setup().params;
    assert_eq!(p.hc_timeout, engine::Duration::from_ms(800));
    assert_eq!(p.hc_interval, engine::Duration::from_ms(2000));
    assert!(
        d.errors[0].message.contains("using hci=2000 ms"),
        "{:?}",
        d.errors
    );
}

#[test]
fn other_lab_parameters_keep_their_defaults() {
    let d = decode_bad(
        "lab=heartbeat&hb=5&jit=51&det=raft&win=0&fo=yes&lat=15-10&loss=101&dup=x",
        &["lat", "loss", "dup", "hb", "jit", "det", "win", "fo"],
    );
    let mut expect = defaults();
    expect.pos = d.scenario.pos;
    assert_eq!(d.scenario, expect);
}

#[test]
fn an_unknown_key_is_reported_and_ignored() {
    let d = decode_bad("lab=heartbeat&n=3&colour=red", &["colour"]);
    assert_eq!(d.scenario.nodes, 3);
    assert!(d.errors[0].message.contains("unknown parameter"));
}

#[test]
fn a_duplicate_key_keeps_the_first_value() {
    let d = decode_bad("lab=heartbeat&n=3&n=4", &["n"]);
    assert_eq!(d.scenario.nodes, 3);
    assert!(d.errors[0].message.contains("twice"));
}

#[test]
fn another_link_version_is_read_as_version_1() {
    let d = decode_bad("lab=heartbeat&v=2&n=3", &["v"]);
    assert_eq!(d.scenario.nodes, 3);
    assert!(d.errors[0].message.contains("version 2"));
}

#[test]
fn error_messages_never_echo_much_input() {
    let long = "9".repeat(500);
    let junk = "<img src=x onerror=alert(1)>".repeat(20);
    for link in [
        format!("lab=heartbeat&n={long}"),
        format!("lab=heartbeat&seed={junk}"),
        format!("lab={junk}"),
        format!("lab=heartbeat&faults=1:crash:{long}"),
        format!("lab=heartbeat&faults={junk}"),
        format!("lab=heartbeat&lat={long}"),
        format!("lab=heartbeat&det={junk}"),
        format!("lab=heartbeat&{junk}=1"),
        format!("lab=heartbeat&t={long}"),
    ] {
        let d = decode(&link);
        assert!(!d.errors.is_empty(), "{}", short(&link));
        for e in &d.errors {
            assert_no_long_echo(&link, &e.to_string());
            assert!(e.to_string().chars().count() < 200, "{e}");
        }
    }
}

#[test]
fn the_timeline_is_sorted_by_time_keeping_the_order_of_ties() {
    let d = decode("lab=heartbeat&faults=300:heal;100:crash:1;100:crash:2");
    let got: Vec<(u64, Fault)> = d
        .scenario
        .faults
        .iter()
        .map(|f| (f.at.0 / 1000, f.fault.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (100, Fault::Crash(1)),
            (100, Fault::Crash(2)),
            (300, Fault::Heal)
        ]
    );
}

#[test]
fn heartbeat_links_reject_commands_but_keep_other_faults() {
    let d = engine::scenario::decode("lab=heartbeat&faults=100:cmd:1:timeout;200:crash:2");
    assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
    assert_eq!(d.errors[0].param, "faults");
    assert!(
        d.errors[0].message.contains("no commands"),
        "{}",
        d.errors[0].message
    );
    assert_eq!(d.scenario.faults.len(), 1);
}

#[test]
fn validate_names_out_of_range_fields_of_a_scenario_built_in_code() {
    use engine::scenario::{LabKind, Scenario};
    let mut s = Scenario::default_for(LabKind::Heartbeat);
    assert_eq!(s.validate(), Ok(()));
    s.nodes = 1_000_000;
    let errors = s.validate().unwrap_err();
    assert_eq!(errors[0].param, "n", "{errors:?}");
    let mut s = Scenario::default_for(LabKind::Heartbeat);
    s.faults = engine::fault::parse_timeline("100:crash:9").unwrap();
    assert_eq!(s.validate().unwrap_err()[0].param, "faults");
}

#[test]
fn ring_links_round_trip_and_replay_their_ops() {
    use engine::history::Run;
    let link = "lab=ring&v=1&seed=3&n=4&lat=10-15&loss=0&vn=50&hash=md5&r=2&scheme=maglev:251\
                &keys=zipf:5000:100:1.1&ops=1000:add:n4;2000:fail:n1&t=3000";
    let d = engine::scenario::decode(link);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let again = engine::scenario::decode(&engine::scenario::encode(&d.scenario));
    assert_eq!(again.scenario, d.scenario);
    assert!(engine::scenario::encode(&d.scenario).contains("ops=1000:add:n4;2000:fail:n1"));
    let mut run = d.scenario.build_ring();
    engine::scenario::seek(&mut run, d.scenario.pos);
    assert_eq!(run.steps(), 2);
    assert_eq!(
        run.lab().ring().up_nodes().len(),
        4,
        "n0..n4 with n1 failed"
    );
    assert!(run.step_back());
    assert_eq!(run.lab().ring().up_nodes().len(), 5);
}

#[test]
fn bad_ring_links_name_the_parameter() {
    let d = engine::scenario::decode(
        "lab=ring&vn=0&hash=sha9&scheme=maglev:100&ops=5:explode:n1;7:add:n9&faults=1:crash:1",
    );
    let params: Vec<&str> = d.errors.iter().map(|e| e.param.as_str()).collect();
    assert_eq!(
        params,
        ["vn", "hash", "scheme", "ops", "faults"],
        "{:?}",
        d.errors
    );
    assert_eq!(d.scenario.faults.len(), 1, "the good op is kept");
}

/// A link names any step a run reaches (no event cap): `step=` accepts up to 10⁹, and a step
/// past the run's 10 minutes replays to the last event within them — the CLI's `seek` and the
/// page's sliced replay alike — so the page cannot be sent past the time it plays to.
#[test]
fn a_step_position_replays_whole_and_stops_at_the_ten_minutes() {
    use engine::history::Run;
    use engine::scenario::{has_event_in_time, seek, seek_slice, MAX_STEPS, MAX_TIME_MS};
    let d = decode("lab=heartbeat&n=2&step=2000000");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.scenario.pos.step, Some(2_000_000));
    let far = decode(&format!("lab=heartbeat&n=2&step={}", MAX_STEPS + 1));
    assert_eq!(far.errors.len(), 1, "{:?}", far.errors);
    assert_eq!(far.scenario.pos.step, None);

    let s = decode("lab=heartbeat&n=2&step=999999999").scenario;
    let mut whole = s.build_heartbeat();
    let mut all = 0u64;
    while whole
        .next_time()
        .is_some_and(|t| t <= SimTime::from_ms(MAX_TIME_MS))
    {
        whole.step();
        all += 1;
    }
    let mut cli = engine::History::new(s.build_heartbeat());
    seek(&mut cli, s.pos);
    assert_eq!(cli.steps(), all, "the CLI's replay stops at 10 minutes");
    assert!(!has_event_in_time(&mut cli));
    assert!(cli.next_time().is_some(), "the run itself would go on");
    let mut page = engine::History::new(s.build_heartbeat());
    page.keep_trace_tail(Some(100));
    while !seek_slice(&mut page, s.pos, 1_000) {}
    assert_eq!(page.steps(), all, "the page's replay stops at 10 minutes");
}
