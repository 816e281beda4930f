//! Lessons: a teacher's class as data. A lesson is a list of steps; each step has a title, a
//! short narrative, a scenario link (any lab, any position), optionally a "predict, then see"
//! question (the run is held until it is answered, then plays to `reveal`) and a goal checked
//! against the run's measurements by engine code ([`Goal::check`]).
//!
//! The file format is JSON ([`parse_lesson`], [`Lesson::to_json`]); the built-in lessons are
//! JSON files in `lesson/builtin/`, parsed by the same reader and replayed by tests that check
//! every claim their steps make. A page links only the built-ins of its own lab
//! ([`builtin_for`]).

pub mod builtin;
pub mod json;
pub mod link;
pub mod measure;

pub use builtin::{builtin_for, builtins, Builtin};
pub use json::Json;
pub use measure::{flatten, Value};

use crate::lab::{Lab, LabKind};
use crate::scenario::{decode, decode_for, ParamError, MAX_PARAM_LEN, MAX_TIME_MS};
use crate::time::SimTime;

/// The format tag a lesson file carries (`"format": "ha-lesson/1"`).
pub const FORMAT: &str = "ha-lesson/1";
/// The most steps in a lesson.
pub const MAX_STEPS: usize = 40;
/// The most choices in a question.
pub const MAX_CHOICES: usize = 6;
/// The longest id.
const MAX_ID: usize = 40;
/// The longest title (characters).
const MAX_TITLE: usize = 120;
/// The longest narrative, summary or explanation (characters).
const MAX_TEXT: usize = 1_500;

/// A lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// Stable id (`lesson=<id>`): lowercase letters, digits and `-`.
    pub id: String,
    /// Title.
    pub title: String,
    /// One or two sentences for the index.
    pub summary: String,
    /// The steps, in order (1–[`MAX_STEPS`]).
    pub steps: Vec<Step>,
    /// The `lessonfile=` value of a lesson carried in a link ([`link`]); its step links carry it
    /// too. `None` for a built-in lesson (`lesson=<id>`) or one read from a file.
    pub carried: Option<String>,
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Title.
    pub title: String,
    /// What to look at.
    pub text: String,
    /// The scenario, as a link query naming its lab (`lab=raft&…&t=1900`).
    pub link: String,
    /// The lab of the link.
    pub lab: LabKind,
    /// "Predict, then see".
    pub question: Option<Question>,
    /// A goal checked against the run.
    pub goal: Option<Goal>,
}

/// A question asked at the step's position; the run is held until it is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The question.
    pub prompt: String,
    /// The choices (2–[`MAX_CHOICES`]).
    pub choices: Vec<String>,
    /// The index of the correct choice.
    pub answer: usize,
    /// Why, shown after answering.
    pub explanation: String,
    /// The simulated time the run plays to after answering.
    pub reveal: SimTime,
}

/// How a goal compares a measurement with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    const ALL: [(Op, &'static str); 6] = [
        (Op::Ge, ">="),
        (Op::Gt, ">"),
        (Op::Le, "<="),
        (Op::Lt, "<"),
        (Op::Eq, "=="),
        (Op::Ne, "!="),
    ];
    fn as_str(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(o, _)| *o == self)
            .map_or("==", |(_, s)| s)
    }
    fn holds(self, x: f64, v: f64) -> bool {
        match self {
            Op::Ge => x >= v,
            Op::Gt => x > v,
            Op::Le => x <= v,
            Op::Lt => x < v,
            Op::Eq => x == v,
            Op::Ne => x != v,
        }
    }
}

/// A goal: one of the lab's measurements (as `cli run --format csv` names them) compared with a
/// whole number, at the run's current position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    /// What to achieve, in words ("a new leader is elected").
    pub text: String,
    /// The measurement (`elections`, `writes_acked_lost`).
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The value, in thousandths (`"0.1"` in a file is 100).
    pub value: i64,
    /// When the step's own scenario meets it (built-in lessons: a test replays the link to this
    /// time and checks), if it does by itself.
    pub by: Option<SimTime>,
}

/// Where a goal stands at a position.
#[derive(Clone, Debug, PartialEq)]
pub enum GoalStatus {
    /// It holds.
    Met,
    /// Not (yet); the measurement's current value.
    NotYet(String),
    /// The lab has no such measurement.
    Unknown,
}

impl Goal {
    /// Checks the goal against a run's measurements ([`flatten`] of the lab's metrics).
    pub fn check(&self, fields: &[(String, Value)]) -> GoalStatus {
        match fields.iter().find(|(k, _)| *k == self.metric) {
            // A list's last item when the list is still empty (`moved_last_moved_pct`).
            None if fields.iter().any(|(k, _)| {
                k.strip_suffix("_count")
                    .is_some_and(|list| self.metric.starts_with(&format!("{list}_last")))
            }) =>
            {
                GoalStatus::NotYet("none yet".into())
            }
            None => GoalStatus::Unknown,
            Some((_, Value::Num(x))) if self.op.holds(*x, self.value as f64 / 1000.0) => {
                GoalStatus::Met
            }
            Some((_, v)) => GoalStatus::NotYet(match v {
                Value::None => "none yet".into(),
                v => v.to_string(),
            }),
        }
    }

    /// The condition as text (`elections >= 2`).
    pub fn condition(&self) -> String {
        format!(
            "{} {} {}",
            self.metric,
            self.op.as_str(),
            fmt_milli(self.value)
        )
    }
}

/// The measurements of lab `L`'s run, flattened.
pub fn measure_flat<L: Lab>(run: &L::Run) -> Vec<(String, Value)> {
    flatten(&L::measure(run))
}

/// A problem with a lesson file: where (`steps[2].question.answer`) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct LessonError {
    /// The path of the bad field (`file` for the file as a whole).
    pub path: String,
    /// What is wrong.
    pub problem: LessonProblem,
}

/// What is wrong with a field of a lesson file (its words are the message the page shows).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LessonProblem {
    /// A required field is absent.
    #[error("missing")]
    Missing,
    /// A required text is blank.
    #[error("is empty")]
    Empty,
    /// A text over its limit.
    #[error("is {len} characters long (limit {max})")]
    TooLong {
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A text with a control character other than a newline.
    #[error("has a control character")]
    ControlCharacter,
    /// A field of the wrong JSON type.
    #[error("must be {want}, not {got}")]
    WrongType {
        /// What it must be (`a string`).
        want: &'static str,
        /// What it is.
        got: &'static str,
    },
    /// A whole number outside its range.
    #[error("{value} is outside {lo}–{hi}")]
    OutOfRange {
        /// The number.
        value: i64,
        /// Lowest allowed.
        lo: i64,
        /// Highest allowed.
        hi: i64,
    },
    /// A field the format does not have.
    #[error("unknown field \"{field}\" (fields: {known})")]
    UnknownField {
        /// The field (clipped).
        field: String,
        /// The fields allowed, `, `-separated.
        known: String,
    },
    /// The file is not JSON (or too big).
    #[error(transparent)]
    Json(#[from] json::JsonError),
    /// `format` names another format.
    #[error("'{0}' is not {FORMAT}")]
    OtherFormat(String),
    /// `format` is absent.
    #[error("missing (\"format\": \"{FORMAT}\")")]
    NoFormat,
    /// An id with characters other than `a-z 0-9 -`.
    #[error("use lowercase letters, digits and '-' only")]
    BadId,
    /// `steps` is an empty list.
    #[error("a lesson needs a step")]
    NoSteps,
    /// More steps than allowed.
    #[error("{0} steps (limit {MAX_STEPS})")]
    TooManySteps(usize),
    /// A step's link opens a lesson.
    #[error("a step's link cannot open a lesson itself")]
    NestedLesson,
    /// A step's link names no lab or has a problem (the link checker's words).
    #[error("{0}")]
    Link(String),
    /// A choice that is not a short non-empty string.
    #[error("must be a non-empty string of at most {0} characters")]
    BadChoice(usize),
    /// Too few or too many choices.
    #[error("{0} choices (2–{MAX_CHOICES})")]
    ChoiceCount(usize),
    /// `choices` is not a list.
    #[error("must be a list of 2–6 strings")]
    NotChoices,
    /// A goal's metric with characters other than letters, digits and `_`.
    #[error("a measurement name: letters, digits and '_'")]
    BadMetric,
    /// A goal's comparison is not one of the six.
    #[error("one of >=, >, <=, <, ==, !=")]
    BadOp,
    /// A goal's value string that is not a decimal.
    #[error("'{0}' is not a number like 0.25")]
    NotDecimal(String),
    /// A goal's value of another type.
    #[error("a number (a whole number, or a string like \"0.25\")")]
    NotValue,
}

fn bad(path: &str, problem: LessonProblem) -> LessonError {
    LessonError {
        path: path.to_string(),
        problem,
    }
}

/// Checks a step's link and says its lab (the lab decoders do the checking).
pub type LinkCheck<'a> = &'a dyn Fn(&str) -> Result<LabKind, String>;

/// Checks a link with every lab's decoder: it must name a lab and read without a problem.
pub fn check_link_any(link: &str) -> Result<LabKind, String> {
    let d = decode(link);
    let lab = d.lab.ok_or("the link names no lab (lab=…)")?;
    match d.errors.first() {
        Some(e) => Err(format!("the link has a problem: {e}")),
        None => Ok(lab),
    }
}

/// Checks only the lab a link names (the home page's check: it links no lab's decoder; the lab's
/// page checks the rest when the step opens, as [`check_link_for`] does for another lab's step).
pub fn check_link_lab(link: &str) -> Result<LabKind, String> {
    let lab = form_urlencoded::parse(link.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == "lab")
        .map(|(_, v)| v.into_owned())
        .ok_or("the link names no lab (lab=…)")?;
    LabKind::parse(&lab).ok_or_else(|| format!("unknown lab '{}'", crate::clip(&lab)))
}

/// Checks a link in lab `L`'s page: a link of `L` with `L`'s decoder; another lab's link only by
/// its lab's name (its page checks the rest when the step opens).
pub fn check_link_for<L: Lab>(link: &str) -> Result<LabKind, String> {
    let lab = check_link_lab(link)?;
    if lab != L::KIND {
        return Ok(lab);
    }
    match decode_for::<L>(link).errors.first() {
        Some(e) => Err(format!("the link has a problem: {e}")),
        None => Ok(L::KIND),
    }
}

fn text(v: &Json, path: &str, max: usize, required: bool) -> Result<String, LessonError> {
    match v.get(path.rsplit('.').next().unwrap_or(path)) {
        None | Some(Json::Null) if !required => Ok(String::new()),
        None => Err(bad(path, LessonProblem::Missing)),
        Some(Json::Str(s)) => {
            let n = s.chars().count();
            if required && s.trim().is_empty() {
                Err(bad(path, LessonProblem::Empty))
            } else if n > max {
                Err(bad(path, LessonProblem::TooLong { len: n, max }))
            } else if s.chars().any(|c| c.is_control() && c != '\n') {
                Err(bad(path, LessonProblem::ControlCharacter))
            } else {
                Ok(s.clone())
            }
        }
        Some(x) => Err(bad(
            path,
            LessonProblem::WrongType {
                want: "a string",
                got: x.kind(),
            },
        )),
    }
}

fn int(v: Option<&Json>, path: &str, lo: i64, hi: i64) -> Result<i64, LessonError> {
    match v {
        None => Err(bad(path, LessonProblem::Missing)),
        Some(Json::Int(i)) if (lo..=hi).contains(i) => Ok(*i),
        Some(Json::Int(i)) => Err(bad(path, LessonProblem::OutOfRange { value: *i, lo, hi })),
        Some(x) => Err(bad(
            path,
            LessonProblem::WrongType {
                want: "a number",
                got: x.kind(),
            },
        )),
    }
}

fn only_keys(v: &Json, path: &str, keys: &[&str]) -> Result<(), LessonError> {
    let Json::Obj(kv) = v else {
        return Err(bad(
            path,
            LessonProblem::WrongType {
                want: "an object",
                got: v.kind(),
            },
        ));
    };
    match kv.iter().find(|(k, _)| !keys.contains(&k.as_str())) {
        Some((k, _)) => Err(bad(
            path,
            LessonProblem::UnknownField {
                field: crate::clip(k),
                known: keys.join(", "),
            },
        )),
        None => Ok(()),
    }
}

/// Reads a lesson file; every step's link is checked by `check`. The first problem is returned,
/// naming the field.
pub fn parse_lesson(text_in: &str, check: LinkCheck) -> Result<Lesson, LessonError> {
    let v = json::parse(text_in).map_err(|e| bad("file", LessonProblem::Json(e)))?;
    lesson_from_json(&v, check)
}

/// [`parse_lesson`] of an already parsed value (a scenario file may hold a lesson).
pub fn lesson_from_json(v: &Json, check: LinkCheck) -> Result<Lesson, LessonError> {
    only_keys(v, "lesson", &["format", "id", "title", "summary", "steps"])?;
    match v.get("format") {
        Some(Json::Str(f)) if f == FORMAT => {}
        Some(Json::Str(f)) => {
            return Err(bad("format", LessonProblem::OtherFormat(crate::clip(f))))
        }
        _ => return Err(bad("format", LessonProblem::NoFormat)),
    }
    let id = text(v, "id", MAX_ID, true)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad("id", LessonProblem::BadId));
    }
    let title = text(v, "title", MAX_TITLE, true)?;
    let summary = text(v, "summary", MAX_TEXT, false)?;
    let steps = match v.get("steps") {
        Some(Json::Arr(a)) if a.is_empty() => return Err(bad("steps", LessonProblem::NoSteps)),
        Some(Json::Arr(a)) if a.len() > MAX_STEPS => {
            return Err(bad("steps", LessonProblem::TooManySteps(a.len())))
        }
        Some(Json::Arr(a)) => a,
        Some(x) => {
            return Err(bad(
                "steps",
                LessonProblem::WrongType {
                    want: "a list",
                    got: x.kind(),
                },
            ))
        }
        None => return Err(bad("steps", LessonProblem::Missing)),
    };
    let steps = steps
        .iter()
        .enumerate()
        .map(|(i, s)| step_from_json(s, &format!("steps[{}]", i + 1), check))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Lesson {
        id,
        title,
        summary,
        steps,
        carried: None,
    })
}

fn step_from_json(v: &Json, path: &str, check: LinkCheck) -> Result<Step, LessonError> {
    only_keys(v, path, &["title", "text", "link", "question", "goal"])?;
    let p = |k: &str| format!("{path}.{k}");
    let title = text(v, "title", MAX_TITLE, true).map_err(|e| bad(&p("title"), e.problem))?;
    let narrative = text(v, "text", MAX_TEXT, true).map_err(|e| bad(&p("text"), e.problem))?;
    let link = text(v, "link", MAX_PARAM_LEN, true).map_err(|e| bad(&p("link"), e.problem))?;
    let link = link.trim_start_matches('?').to_string();
    let has = |k: &str| form_urlencoded::parse(link.as_bytes()).any(|(key, _)| key == k);
    if has("lesson") {
        return Err(bad(&p("link"), LessonProblem::NestedLesson));
    }
    let lab = check(&link).map_err(|e| bad(&p("link"), LessonProblem::Link(e)))?;
    let question = match v.get("question") {
        None | Some(Json::Null) => None,
        Some(q) => Some(question_from_json(q, &p("question"))?),
    };
    let goal = match v.get("goal") {
        None | Some(Json::Null) => None,
        Some(g) => Some(goal_from_json(g, &p("goal"))?),
    };
    Ok(Step {
        title,
        text: narrative,
        link,
        lab,
        question,
        goal,
    })
}

fn question_from_json(v: &Json, path: &str) -> Result<Question, LessonError> {
    only_keys(
        v,
        path,
        &["prompt", "choices", "answer", "explanation", "reveal"],
    )?;
    let p = |k: &str| format!("{path}.{k}");
    let prompt = text(v, "prompt", MAX_TEXT, true).map_err(|e| bad(&p("prompt"), e.problem))?;
    let choices = match v.get("choices") {
        Some(Json::Arr(a)) if (2..=MAX_CHOICES).contains(&a.len()) => a
            .iter()
            .enumerate()
            .map(|(i, c)| match c {
                Json::Str(s) if !s.trim().is_empty() && s.chars().count() <= MAX_TITLE * 2 => {
                    Ok(s.clone())
                }
                _ => Err(bad(
                    &format!("{}[{}]", p("choices"), i + 1),
                    LessonProblem::BadChoice(MAX_TITLE * 2),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(Json::Arr(a)) => return Err(bad(&p("choices"), LessonProblem::ChoiceCount(a.len()))),
        _ => return Err(bad(&p("choices"), LessonProblem::NotChoices)),
    };
    let answer = int(v.get("answer"), &p("answer"), 1, choices.len() as i64)? as usize - 1;
    let explanation =
        text(v, "explanation", MAX_TEXT, true).map_err(|e| bad(&p("explanation"), e.problem))?;
    let reveal = int(v.get("reveal"), &p("reveal"), 0, MAX_TIME_MS as i64)? as u64;
    Ok(Question {
        prompt,
        choices,
        answer,
        explanation,
        reveal: SimTime(reveal * 1000),
    })
}

fn goal_from_json(v: &Json, path: &str) -> Result<Goal, LessonError> {
    only_keys(v, path, &["text", "metric", "op", "value", "by"])?;
    let p = |k: &str| format!("{path}.{k}");
    let text_ = text(v, "text", MAX_TITLE * 2, true).map_err(|e| bad(&p("text"), e.problem))?;
    let metric = text(v, "metric", 60, true).map_err(|e| bad(&p("metric"), e.problem))?;
    if !metric
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad(&p("metric"), LessonProblem::BadMetric));
    }
    let op = match v.get("op") {
        Some(Json::Str(s)) => Op::ALL
            .iter()
            .find(|(_, t)| t == s)
            .map(|(o, _)| *o)
            .ok_or_else(|| bad(&p("op"), LessonProblem::BadOp))?,
        _ => return Err(bad(&p("op"), LessonProblem::BadOp)),
    };
    let value = match v.get("value") {
        Some(Json::Int(i)) if i.abs() <= 1_000_000_000 => i * 1000,
        Some(Json::Str(t)) => parse_milli(t)
            .filter(|m| m.abs() <= 1_000_000_000_000)
            .ok_or_else(|| bad(&p("value"), LessonProblem::NotDecimal(crate::clip(t))))?,
        _ => return Err(bad(&p("value"), LessonProblem::NotValue)),
    };
    let by = match v.get("by") {
        None | Some(Json::Null) => None,
        b => Some(SimTime(
            int(b, &p("by"), 0, MAX_TIME_MS as i64)? as u64 * 1000,
        )),
    };
    Ok(Goal {
        text: text_,
        metric,
        op,
        value,
        by,
    })
}

/// Reads a decimal with at most three fraction digits as thousandths (`"0.25"` → 250).
fn parse_milli(t: &str) -> Option<i64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 3
        || !whole
            .chars()
            .chain(frac.chars())
            .all(|c| c.is_ascii_digit())
        || whole.len() > 12
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = format!("{frac:0<3}").parse().ok()?;
    let m = w * 1000 + f;
    Some(if neg { -m } else { m })
}

/// Thousandths as a decimal (`250` → `0.25`).
fn fmt_milli(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    let (w, f) = (m.abs() / 1000, m.abs() % 1000);
    if f == 0 {
        format!("{sign}{w}")
    } else {
        format!("{sign}{w}.{}", format!("{f:03}").trim_end_matches('0'))
    }
}

fn s(v: &str) -> Json {
    Json::Str(v.to_string())
}

impl Lesson {
    /// The lesson as a JSON value (the file format [`parse_lesson`] reads).
    pub fn to_json(&self) -> Json {
        let step = |st: &Step| {
            let mut kv = vec![
                ("title".to_string(), s(&st.title)),
                ("text".to_string(), s(&st.text)),
                ("link".to_string(), s(&st.link)),
            ];
            if let Some(q) = &st.question {
                kv.push((
                    "question".into(),
                    Json::Obj(vec![
                        ("prompt".into(), s(&q.prompt)),
                        (
                            "choices".into(),
                            Json::Arr(q.choices.iter().map(|c| s(c)).collect()),
                        ),
                        ("answer".into(), Json::Int(q.answer as i64 + 1)),
                        ("explanation".into(), s(&q.explanation)),
                        ("reveal".into(), Json::Int((q.reveal.0 / 1000) as i64)),
                    ]),
                ));
            }
            if let Some(g) = &st.goal {
                let mut gk = vec![
                    ("text".to_string(), s(&g.text)),
                    ("metric".into(), s(&g.metric)),
                    ("op".into(), s(g.op.as_str())),
                    (
                        "value".into(),
                        if g.value % 1000 == 0 {
                            Json::Int(g.value / 1000)
                        } else {
                            s(&fmt_milli(g.value))
                        },
                    ),
                ];
                if let Some(b) = g.by {
                    gk.push(("by".into(), Json::Int((b.0 / 1000) as i64)));
                }
                kv.push(("goal".into(), Json::Obj(gk)));
            }
            Json::Obj(kv)
        };
        Json::Obj(vec![
            ("format".into(), s(FORMAT)),
            ("id".into(), s(&self.id)),
            ("title".into(), s(&self.title)),
            ("summary".into(), s(&self.summary)),
            (
                "steps".into(),
                Json::Arr(self.steps.iter().map(step).collect()),
            ),
        ])
    }

    /// The link of step `n` (1-based) of a built-in lesson, or of a lesson carried in a link.
    pub fn step_link(&self, n: usize) -> String {
        let lab = self
            .steps
            .get(n.saturating_sub(1))
            .map_or("", |s| s.lab.as_str());
        match &self.carried {
            Some(v) => format!("lab={lab}&{}={v}&step={n}", link::KEY),
            None => format!("lab={lab}&lesson={}&step={n}", self.id),
        }
    }
}

/// A lesson opened from a link (`lesson=<id>&step=<n>`) in lab `L`'s page.
#[derive(Clone, Debug, PartialEq)]
pub struct Opened {
    /// The lesson, if the link names one this page knows.
    pub lesson: Option<Lesson>,
    /// The step shown (0-based).
    pub step: usize,
    /// The link the page reads its scenario from: the step's link, or the given link without
    /// `lesson`/`step` when the lesson is off.
    pub link: String,
    /// Problems with `lesson` or `step` (the banner).
    pub errors: Vec<ParamError>,
    /// The step is another lab's: the page to go to instead.
    pub elsewhere: Option<String>,
}

/// Reads `lesson=` and `step=` from a link in lab `L`'s page; `None` when there is no `lesson=`.
/// A lesson this page does not know turns the lesson off (the rest of the link is read as a
/// scenario); a bad step shows step 1.
pub fn open_for<L: Lab>(link: &str) -> Option<Opened> {
    let query = link.split_once('?').map_or(link, |(_, q)| q);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let carried = pairs.iter().find(|(k, _)| k == link::KEY);
    let id = match carried {
        Some(_) => String::new(),
        None => pairs.iter().find(|(k, _)| k == "lesson")?.1.clone(),
    };
    let step_raw = pairs
        .iter()
        .find(|(k, _)| k == "step")
        .map(|(_, v)| v.clone());
    let mut errors = Vec::new();
    let mut err = |p: &str, m: String| {
        errors.push(ParamError {
            param: p.into(),
            message: m,
        })
    };
    if let Some((_, v)) = carried {
        // This lab's decoder only: a page links only its own lab (`check_link_for`).
        match link::read(v, &check_link_for::<L>) {
            Ok(l) => return Some(open_at::<L>(l, step_raw.as_deref(), errors)),
            Err(e) => {
                err(
                    link::KEY,
                    format!("the lesson in the link does not read: {e}; lesson off"),
                );
                return Some(off(&pairs, errors));
            }
        }
    }
    let found = builtin_for(L::KIND)
        .iter()
        .find(|b| b.id == id)
        .map(|b| parse_lesson(b.json, &check_link_for::<L>));
    let lesson = match found {
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            err(
                "lesson",
                format!("the lesson '{}' does not read: {e}; lesson off", id),
            );
            return Some(off(&pairs, errors));
        }
        None => {
            let known: Vec<&str> = builtin_for(L::KIND).iter().map(|b| b.id).collect();
            err(
                "lesson",
                format!(
                    "no lesson '{}' in this lab (its lessons: {}); lesson off",
                    crate::clip(&id),
                    known.join(", ")
                ),
            );
            return Some(off(&pairs, errors));
        }
    };
    Some(open_at::<L>(lesson, step_raw.as_deref(), errors))
}

/// Lesson `lesson` opened at the link's `step` (1-based; a bad one is reported, step 1 shown).
fn open_at<L: Lab>(lesson: Lesson, step_raw: Option<&str>, mut errors: Vec<ParamError>) -> Opened {
    let mut err = |p: &str, m: String| {
        errors.push(ParamError {
            param: p.into(),
            message: m,
        })
    };
    let n = lesson.steps.len();
    let step = match step_raw.map(str::parse::<usize>) {
        None => 0,
        Some(Ok(k)) if (1..=n).contains(&k) => k - 1,
        Some(_) => {
            err(
                "step",
                format!(
                    "'{}' is not a step of this lesson (1–{n}); showing step 1",
                    crate::clip(step_raw.unwrap_or(""))
                ),
            );
            0
        }
    };
    let st = &lesson.steps[step];
    let elsewhere = (st.lab != L::KIND).then(|| lesson.step_link(step + 1));
    Opened {
        link: st.link.clone(),
        step,
        lesson: Some(lesson),
        errors,
        elsewhere,
    }
}

/// The link without `lesson` and `step` (the lesson is off).
fn off(pairs: &[(String, String)], errors: Vec<ParamError>) -> Opened {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs
        .iter()
        .filter(|(k, _)| k != "lesson" && k != "step" && k != link::KEY)
    {
        out.append_pair(k, v);
    }
    Opened {
        lesson: None,
        step: 0,
        link: out.finish(),
        errors,
        elsewhere: None,
    }
}

/// A lesson link without a lab (`?lesson=raft-election&step=3`, as the home page may get it):
/// the full link of that step, or the problem to show. `None` when the link names a lab or no
/// lesson. Only the labs the steps name are checked here (the home bundle links no lab's
/// decoder); each lab's page checks its step's link when it opens.
pub fn route_without_lab(link: &str) -> Option<Result<String, ParamError>> {
    let query = link.split_once('?').map_or(link, |(_, q)| q);
    let mut id = None;
    let mut step = None;
    let mut carried = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "lab" => return None,
            "lesson" => id = Some(v.into_owned()),
            "step" => step = Some(v.into_owned()),
            link::KEY => carried = Some(v.into_owned()),
            _ => {}
        }
    }
    let at = |l: Lesson| {
        let n = step
            .as_deref()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|k| (1..=l.steps.len()).contains(k))
            .unwrap_or(1);
        l.step_link(n)
    };
    if let Some(v) = carried {
        return Some(
            link::read(&v, &check_link_lab)
                .map(at)
                .map_err(|e| ParamError {
                    param: link::KEY.into(),
                    message: format!(
                        "the lesson in the link does not read: {e}; showing the home page"
                    ),
                }),
        );
    }
    let id = id?;
    let found = builtins()
        .into_iter()
        .find(|(_, b)| b.id == id)
        .and_then(|(_, b)| parse_lesson(b.json, &check_link_lab).ok());
    Some(match found {
        None => Err(ParamError {
            param: "lesson".into(),
            message: format!(
                "no built-in lesson '{}'; showing the home page",
                crate::clip(&id)
            ),
        }),
        Some(l) => Ok(at(l)),
    })
}
