//! Lessons: the file format (round trips, hostile files), every built-in lesson's claims
//! replayed from its step links, lesson links, and link captions (`notes=`).

use engine::lab::{Lab, LabKind, LabVisitor};
use engine::lesson::{
    builtin_for, builtins, check_link_any, json, measure_flat, open_for, parse_lesson, Goal,
    GoalStatus, Lesson, Op, Question, Step, Value,
};
use engine::scenario::notes::{decode_notes, encode_notes, note_at, Note, MAX_NOTES};
use engine::scenario::{decode, decode_for, encode, seek, Position};
use engine::SimTime;
use proptest::prelude::*;

/// The lab's measurements after replaying `link` to `at` (or to the link's own position).
fn measure_at(link: &str, at: Option<SimTime>) -> Vec<(String, Value)> {
    struct M<'a>(&'a str, Option<SimTime>);
    impl LabVisitor for M<'_> {
        type Output = Vec<(String, Value)>;
        fn visit<L: Lab>(self) -> Self::Output {
            let d = decode_for::<L>(self.0);
            assert!(d.errors.is_empty(), "{}: {:?}", self.0, d.errors);
            let mut run = L::build(&d.scenario);
            let pos = match self.1 {
                Some(t) => Position {
                    time: t,
                    step: None,
                },
                None => d.scenario.pos,
            };
            seek(&mut run, pos);
            measure_flat::<L>(&run)
        }
    }
    decode(link).lab.expect("a lab").visit(M(link, at))
}

fn all_builtin() -> Vec<Lesson> {
    builtins()
        .iter()
        .map(|(_, b)| {
            let l = parse_lesson(b.json, &check_link_any)
                .unwrap_or_else(|e| panic!("built-in lesson {}: {e}", b.id));
            assert_eq!(l.id, b.id, "the file's id is its listed id");
            l
        })
        .collect()
}

#[test]
fn every_lab_has_a_builtin_lesson_and_each_lists_only_its_lab() {
    for &lab in LabKind::ALL {
        assert!(!builtin_for(lab).is_empty(), "{lab:?} has no lesson");
        for b in builtin_for(lab) {
            let l = parse_lesson(b.json, &check_link_any).unwrap();
            assert!(
                l.steps.iter().any(|s| s.lab == lab),
                "{} listed under {lab:?}",
                b.id
            );
        }
    }
    assert!(all_builtin().len() >= 10);
}

/// Every claim a built-in step makes is a goal with a time, and the step's link meets it then;
/// a question's answer is backed by the step's goal at the reveal time, and (unless the goal is
/// that something never happens) the goal does not already hold where the question is asked.
#[test]
fn builtin_lessons_claims_hold_when_their_links_are_replayed() {
    for l in all_builtin() {
        for (i, st) in l.steps.iter().enumerate() {
            let at = format!("{} step {}", l.id, i + 1);
            if let Some(q) = &st.question {
                let g = st
                    .goal
                    .as_ref()
                    .unwrap_or_else(|| panic!("{at}: a question needs a goal"));
                assert_eq!(
                    g.by,
                    Some(q.reveal),
                    "{at}: the goal is checked at the reveal"
                );
                // A "nothing bad happens" goal (`… == 0`) holds throughout; any other one is
                // reached only after the question is asked.
                let always = g.op == Op::Eq && g.value == 0;
                if q.reveal > decode(&st.link).scenario.pos.time && !always {
                    let before = g.check(&measure_at(&st.link, None));
                    assert!(
                        matches!(before, GoalStatus::NotYet(_)),
                        "{at}: the goal already holds when the question is asked ({before:?})"
                    );
                }
            }
            if let Some(g) = &st.goal {
                let by =
                    g.by.unwrap_or_else(|| panic!("{at}: a built-in goal says when"));
                let m = measure_at(&st.link, Some(by));
                assert_eq!(
                    g.check(&m),
                    GoalStatus::Met,
                    "{at}: {} at {by}",
                    g.condition()
                );
            }
        }
    }
}

#[test]
fn a_lesson_link_opens_its_step_and_bad_parameters_fall_back() {
    use engine::raft::RaftLab;
    let o = open_for::<RaftLab>("lab=raft&lesson=raft-election&step=2").unwrap();
    assert_eq!(o.step, 1);
    assert!(o.errors.is_empty());
    assert_eq!(o.link, o.lesson.as_ref().unwrap().steps[1].link);
    assert!(open_for::<RaftLab>("lab=raft&seed=3").is_none());

    let o = open_for::<RaftLab>("lab=raft&lesson=raft-election&step=99").unwrap();
    assert_eq!(o.step, 0);
    assert_eq!(o.errors[0].param, "step");
    assert!(
        o.errors[0].message.contains("showing step 1"),
        "{}",
        o.errors[0]
    );
    let o = open_for::<RaftLab>("lab=raft&lesson=raft-election&step=x").unwrap();
    assert_eq!((o.step, o.errors[0].param.as_str()), (0, "step"));

    // Another lab's lesson (or an unknown one): lesson off, the rest of the link kept.
    let o = open_for::<RaftLab>("lab=raft&lesson=ring-vnodes&step=2&seed=9").unwrap();
    assert!(o.lesson.is_none());
    assert_eq!(o.errors[0].param, "lesson");
    assert!(o.errors[0].message.contains("lesson off"));
    assert_eq!(o.link, "lab=raft&seed=9");
    assert!(decode(&o.link).errors.is_empty());
    let step_link =
        engine::lesson::Lesson::step_link(o.lesson.as_ref().unwrap_or(&all_builtin()[0]), 3);
    assert_eq!(step_link, "lab=raft&lesson=raft-election&step=3");
}

fn sample() -> Lesson {
    Lesson {
        id: "my-class".into(),
        title: "A \"quoted\" title — ünïcode ✓".into(),
        summary: "line one\nline two".into(),
        carried: None,
        steps: vec![
            Step {
                title: "one".into(),
                text: "back\\slash and tab".into(),
                link: "lab=raft&seed=2&n=3&t=100".into(),
                lab: LabKind::Raft,
                question: Some(Question {
                    prompt: "?".into(),
                    choices: vec!["a".into(), "b".into(), "c".into()],
                    answer: 2,
                    explanation: "because".into(),
                    reveal: SimTime(900_000),
                }),
                goal: Some(Goal {
                    text: "spread".into(),
                    metric: "load_summary_cv".into(),
                    op: Op::Lt,
                    value: 125,
                    by: Some(SimTime(3_000_000)),
                }),
            },
            Step {
                title: "two".into(),
                text: "other lab".into(),
                link: "lab=ring&seed=1&vn=10".into(),
                lab: LabKind::Ring,
                question: None,
                goal: None,
            },
        ],
    }
}

#[test]
fn a_lesson_round_trips_through_its_json() {
    let l = sample();
    let text = l.to_json().pretty();
    assert_eq!(parse_lesson(&text, &check_link_any), Ok(l));
    for l in all_builtin() {
        let text = l.to_json().pretty();
        assert_eq!(parse_lesson(&text, &check_link_any), Ok(l));
    }
}

/// Hostile or broken files: each is refused with a message naming the field.
#[test]
fn hostile_lesson_files_are_refused_with_clear_messages() {
    let good = sample().to_json().pretty();
    use engine::lesson::json::JsonError;
    use engine::lesson::LessonProblem as P;
    // A syntax error whose words say `what`.
    fn syntax(p: &P, what: &str) -> bool {
        matches!(p, P::Json(JsonError::Syntax { what: w, .. }) if w.contains(what))
    }
    type Is = fn(&P) -> bool;
    let cases: Vec<(String, &str, Is)> = vec![
        ("x".repeat(70_000), "file", |p| {
            matches!(p, P::Json(JsonError::TooBig { bytes: 70_000 }))
        }),
        ("[".repeat(100) + &"]".repeat(100), "file", |p| {
            syntax(p, "nested")
        }),
        ("{\"a\": 1,}".into(), "file", |p| {
            matches!(p, P::Json(JsonError::Syntax { line: 1, .. }))
        }),
        (
            "{\"format\": \"ha-lesson/1\", \"format\": 2}".into(),
            "file",
            |p| syntax(p, "twice"),
        ),
        ("{\"n\": 1.5}".into(), "file", |p| syntax(p, "whole")),
        ("\"\\ud800x\"".into(), "file", |p| syntax(p, "")),
        ("{}".into(), "format", |p| *p == P::NoFormat),
        (good.replace("ha-lesson/1", "ha-lesson/9"), "format", |p| {
            *p == P::OtherFormat("ha-lesson/9".into())
        }),
        (good.replace("\"my-class\"", "\"My Class!\""), "id", |p| {
            *p == P::BadId
        }),
        (
            good.replace("\"summary\"", "\"sumary\""),
            "lesson",
            |p| matches!(p, P::UnknownField { field, .. } if field == "sumary"),
        ),
        (
            good.replace("\"answer\": 3", "\"answer\": 4"),
            "steps[1].question.answer",
            |p| {
                *p == P::OutOfRange {
                    value: 4,
                    lo: 1,
                    hi: 3,
                }
            },
        ),
        (
            good.replace("\"answer\": 3", "\"answer\": \"3\""),
            "steps[1].question.answer",
            |p| {
                *p == P::WrongType {
                    want: "a number",
                    got: "a string",
                }
            },
        ),
        (
            good.replace("lab=raft&seed=2", "lab=nope&seed=2"),
            "steps[1].link",
            |p| matches!(p, P::Link(m) if m.contains("lab")),
        ),
        (
            good.replace("n=3&t=100", "n=300&t=100"),
            "steps[1].link",
            |p| matches!(p, P::Link(m) if m.contains("n")),
        ),
        (
            good.replace("lab=ring&seed=1", "lab=ring&lesson=x&seed=1"),
            "steps[2].link",
            |p| *p == P::NestedLesson,
        ),
        (
            good.replace("\"op\": \"<\"", "\"op\": \"=~\""),
            "steps[1].goal.op",
            |p| *p == P::BadOp,
        ),
        (
            good.replace("\"value\": \"0.125\"", "\"value\": \"1e9\""),
            "steps[1].goal.value",
            |p| *p == P::NotDecimal("1e9".into()),
        ),
        (
            good.replace("\"reveal\": 900", "\"reveal\": 9000000"),
            "steps[1].question.reveal",
            |p| {
                matches!(
                    p,
                    P::OutOfRange {
                        value: 9_000_000,
                        ..
                    }
                )
            },
        ),
        (
            good.replace("\"title\": \"one\"", "\"title\": \"\""),
            "steps[1].title",
            |p| *p == P::Empty,
        ),
        (
            good.replace("\"title\": \"one\"", "\"title\": \"a\\u0007b\""),
            "steps[1].title",
            |p| *p == P::ControlCharacter,
        ),
        (
            good.replace(
                "\"title\": \"one\"",
                &format!("\"title\": \"{}\"", "t".repeat(200)),
            ),
            "steps[1].title",
            |p| matches!(p, P::TooLong { len: 200, .. }),
        ),
        (
            good.replace("\"a\",", ""),
            "steps[1].question.answer",
            |p| {
                matches!(
                    p,
                    P::OutOfRange {
                        value: 3,
                        lo: 1,
                        hi: 2
                    }
                )
            },
        ),
    ];
    for (text, path, is) in cases {
        let e = parse_lesson(&text, &check_link_any).expect_err(&text[..text.len().min(80)]);
        assert_eq!(e.path, path, "{e}");
        assert!(is(&e.problem), "{e}");
    }
    // Too many steps, and none.
    let step = r#"{"title":"s","text":"t","link":"lab=raft"}"#;
    let many = format!(
        r#"{{"format":"ha-lesson/1","id":"x","title":"x","steps":[{}]}}"#,
        vec![step; 41].join(",")
    );
    assert_eq!(
        parse_lesson(&many, &check_link_any).unwrap_err().problem,
        P::TooManySteps(41)
    );
    let none = r#"{"format":"ha-lesson/1","id":"x","title":"x","steps":[]}"#;
    let e = parse_lesson(none, &check_link_any).unwrap_err();
    assert_eq!((e.path.as_str(), e.problem), ("steps", P::NoSteps));
}

#[test]
fn goals_compare_measurements_and_lists_expose_their_last_item() {
    let m = measure_at(
        "lab=ring&seed=1&n=10&vn=160&ops=1000:add:n10",
        Some(SimTime(1_100_000)),
    );
    let get = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("moved_count"), Some(Value::Num(1.0)));
    assert_eq!(get("moved_last_moved"), Some(Value::Num(901.0)));
    let before = measure_at(
        "lab=ring&seed=1&n=10&vn=160&ops=1000:add:n10",
        Some(SimTime(900_000)),
    );
    let g = Goal {
        text: String::new(),
        metric: "moved_last_moved".into(),
        op: Op::Ge,
        value: 1000,
        by: None,
    };
    assert_eq!(g.check(&before), GoalStatus::NotYet("none yet".into()));
    assert_eq!(g.check(&m), GoalStatus::Met);
    let unknown = Goal {
        metric: "nope".into(),
        ..g
    };
    assert_eq!(unknown.check(&m), GoalStatus::Unknown);
    let csv = engine::lesson::measure::csv(&m);
    assert!(csv.starts_with("time_ms,scheme,keys,"), "{csv}");
    assert_eq!(csv.lines().count(), 2);
}

#[test]
fn notes_read_write_and_report_bad_entries() {
    let d = decode("lab=raft&notes=2000:Leader%20crashes;500:start%20\\;%20look;x:bad;3000:");
    assert_eq!(
        d.scenario.notes,
        vec![
            Note {
                at: SimTime(500_000),
                text: "start ; look".into()
            },
            Note {
                at: SimTime(2_000_000),
                text: "Leader crashes".into()
            },
        ]
    );
    let errs: Vec<String> = d.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter().all(|e| e.starts_with("notes: caption")),
        "{errs:?}"
    );
    assert!(errs[0].contains("time"), "{errs:?}");
    assert!(errs[1].contains("empty"), "{errs:?}");
    // Round trip through the link; the run is the same with or without captions.
    let again = decode(&encode(&d.scenario));
    assert!(again.errors.is_empty());
    assert_eq!(again.scenario, d.scenario);
    assert_eq!(
        note_at(&d.scenario.notes, SimTime(1_000_000)).unwrap().text,
        "start ; look"
    );
    assert!(note_at(&d.scenario.notes, SimTime(100)).is_none());
    let too_many = (0..30)
        .map(|i| format!("{i}:n{i}"))
        .collect::<Vec<_>>()
        .join(";");
    let d = decode(&format!("lab=raft&notes={too_many}"));
    assert_eq!(d.scenario.notes.len(), MAX_NOTES);
    assert!(d.errors[0].message.contains("more than 20"));
    let long = format!("lab=raft&notes=1:{}", "y".repeat(201));
    assert!(decode(&long).errors[0].message.contains("limit 200"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn notes_round_trip_through_the_link(
        notes in proptest::collection::vec((0u64..600_000_000, "[a-zA-Z0-9 ;:\\\\&=%é✓]{1,40}"), 0..8)
    ) {
        let mut notes: Vec<Note> = notes
            .into_iter()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(at, text)| Note { at: SimTime(at), text: text.trim().to_string() })
            .collect();
        notes.sort();
        let mut errs = Vec::new();
        let back = decode_notes(&encode_notes(&notes), 600_000, &mut |k, m| errs.push(format!("{k}: {m}")));
        prop_assert!(errs.is_empty(), "{errs:?}");
        // Same times keep their order (a stable sort of already sorted captions).
        prop_assert_eq!(back, notes.clone());
        let mut s = decode("lab=ring").scenario;
        s.notes = notes;
        let d = decode(&encode(&s));
        prop_assert!(d.errors.is_empty(), "{:?}", d.errors);
        prop_assert_eq!(d.scenario, s);
    }

    #[test]
    fn json_strings_round_trip(text in "\\PC{0,60}", ctl in "[\\x00-\\x1f\"\\\\]{0,5}") {
        let v = json::Json::Arr(vec![json::Json::Str(text.clone() + &ctl), json::Json::Int(-5)]);
        prop_assert_eq!(json::parse(&v.pretty()), Ok(v));
    }

    #[test]
    fn the_json_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = json::parse(&s);
        let _ = parse_lesson(&s, &check_link_any);
    }
}

#[test]
fn a_lesson_link_without_a_lab_routes_to_its_step() {
    use engine::lesson::route_without_lab;
    assert_eq!(
        route_without_lab("?lesson=ring-vs-modn&step=2"),
        Some(Ok("lab=ring&lesson=ring-vs-modn&step=2".into()))
    );
    assert_eq!(
        route_without_lab("lesson=raft-election&step=0"),
        Some(Ok("lab=raft&lesson=raft-election&step=1".into()))
    );
    assert_eq!(route_without_lab("lab=raft&lesson=raft-election"), None);
    assert_eq!(route_without_lab("seed=3"), None);
    let e = route_without_lab("lesson=nope").unwrap().unwrap_err();
    assert_eq!(e.param, "lesson");
}

#[test]
fn the_home_page_lists_the_same_lessons_checking_only_their_labs() {
    use engine::lesson::check_link_lab;
    // The home bundle checks a step's lab name only (its page checks the rest when it opens).
    assert_eq!(check_link_lab("?lab=raft&n=abc"), Ok(LabKind::Raft));
    assert!(check_link_lab("lab=nope")
        .unwrap_err()
        .contains("unknown lab 'nope'"));
    assert!(check_link_lab("n=3").unwrap_err().contains("names no lab"));
    // Every built-in lesson reads the same either way (the deep check runs here, natively).
    for (_, b) in builtins() {
        assert_eq!(
            parse_lesson(b.json, &check_link_lab),
            parse_lesson(b.json, &check_link_any),
            "{}",
            b.id
        );
    }
}
