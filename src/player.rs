//! The player shared by every lab: play/pause, step, step back, speed, seek, inject a fault,
//! load a link. A `use_reducer` state; the simulation sits behind `Rc<RefCell<..>>` and a
//! version counter so a frame never clones it.

use crate::i18n::{tr, trf};
use engine::fault::TimedFault;
use engine::history::Run;
use engine::lab::Lab as LabDef;
use engine::lesson::{GoalStatus, Lesson, Opened, Value};
use engine::scenario::notes::Note;
use engine::scenario::{
    decode_for, encode_for, parse_fault_for_lab, preset_for_lab, seek_fraction, seek_slice,
    with_param_for, Decoded, ParamError, Position, Preset, Scenario,
};
use engine::{Fault, NodeId, SimTime};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

use crate::geometry::{speed_from_log, MAX_SPEED_LOG, MIN_SPEED_LOG};

/// Most events processed in one animation frame (keeps a frame short on a busy run).
pub const FRAME_BUDGET: u64 = 20_000;
/// Trace events a page keeps (the event log shows the last 200; the Raft sequence diagram reads
/// the last second or so): memory does not grow with the run.
pub const TRACE_TAIL: usize = 4_096;
/// Events replayed at once before the page first draws (a light link opens in one go).
const FIRST_SLICE: u64 = 20_000;
/// Events between two clock checks while replaying a heavy link.
const CHUNK: u64 = 2_000;
/// Real time one frame may spend replaying a heavy link (the page stays responsive).
const REPLAY_MS_PER_FRAME: f64 = 40.0;
/// Real time between two drawings of the page during a long replay. The frames between only
/// replay: drawing the whole page (stage, charts, log) after every 40 ms slice took a third of
/// each frame on the busiest pages.
const REPLAY_DRAW_MS: f64 = 200.0;

/// A long replay in progress (a heavy link, a setting changed late in a run): a slice per frame,
/// with progress shown and a Cancel button.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Replay {
    /// Where it is going.
    pub to: Position,
    /// How far it is, 0–1.
    pub fraction: f64,
    /// Events replayed so far.
    pub events: u64,
    /// Real time (ms) the page last drew the replay's progress (never: −∞).
    pub drawn: f64,
    /// Real time (ms) of the replay's first frame (not yet: −∞).
    started: f64,
    /// [`Replay::fraction`] when it started.
    from: f64,
}

impl Replay {
    /// A replay toward `to` from where `run` is, not drawn yet.
    fn toward<R: Run>(run: &R, to: Position) -> Self {
        let fraction = seek_fraction(run, to);
        Replay {
            to,
            fraction,
            events: run.steps(),
            drawn: f64::NEG_INFINITY,
            started: f64::NEG_INFINITY,
            from: fraction,
        }
    }

    /// The seconds left at the pace so far, as of the last drawing, in whole seconds plus one
    /// (never 0 while it runs): once the replay has run a second and moved 1 % (a long link
    /// replays at an even pace). None before (the start is −∞ until the first frame is drawn).
    pub fn seconds_left(&self) -> Option<u64> {
        let (spent, done) = (self.drawn - self.started, self.fraction - self.from);
        (spent >= 1_000.0 && done >= 0.01)
            .then(|| ((spent * (1.0 - self.fraction) / done / 1_000.0) as u64).saturating_add(1))
    }
}

/// Longest real-time gap one frame may cover (a background tab resumes smoothly).
const MAX_FRAME_MS: f64 = 100.0;

/// What a user can do to a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Play or pause.
    TogglePlay,
    /// Pause.
    Pause,
    /// One event forward.
    Step,
    /// One event back.
    StepBack,
    /// An animation frame: `dt` real milliseconds passed.
    Tick(f64),
    /// Set the speed as log10(sim ms per real ms).
    SetSpeedLog(f64),
    /// Jump to a simulated time.
    SeekTime(SimTime),
    /// Apply a fault now.
    Inject(Fault),
    /// Apply a fault typed in a form (`partition:0.1|2.3`), validated like a link entry.
    InjectText(String),
    /// Load a scenario (a preset or a link), with the problems found reading it.
    Load(Box<Scenario>, Vec<ParamError>),
    /// Back to time zero, same scenario.
    Reset,
    /// Remove every fault from the timeline and restart.
    ClearFaults,
    /// Select a node (its actions appear) or none.
    Select(Option<NodeId>),
    /// Change one link parameter from a form (validated exactly like a link).
    SetParam(String, String),
    /// Hide the error banner.
    DismissErrors,
    /// Hide the preset's lesson caption.
    DismissLesson,
    /// Stop a long replay where it is.
    CancelReplay,
    /// Open step `n` (0-based) of the lesson (another lab's step is a navigation).
    LessonGo(usize),
    /// The next step of the lesson.
    LessonNext,
    /// The previous step of the lesson.
    LessonBack,
    /// Answer the step's question with choice `k` (0-based): the run plays to the reveal.
    Answer(usize),
    /// Open a lesson (a file) at step `n`, with the run of an exported file if given.
    OpenLesson(Rc<Lesson>, usize, Option<Box<Scenario>>),
    /// Close the lesson (the run stays; the link becomes the scenario's).
    CloseLesson,
    /// Add a caption at the current time.
    AddNote(String),
    /// Remove caption `k`.
    RemoveNote(usize),
    /// Show a problem in the banner (a file that could not be imported).
    Report(ParamError),
}

/// An open lesson: which step, and the answer given to its question.
#[derive(Clone, Debug, PartialEq)]
pub struct Course {
    /// The lesson.
    pub lesson: Rc<Lesson>,
    /// The step shown (0-based).
    pub step: usize,
    /// The choice picked for the step's question.
    pub answer: Option<usize>,
    /// The link names the lesson: a built-in one (`lesson=`) or one carried whole
    /// (`lessonfile=`); a lesson from a file too long for a link is not in it.
    pub builtin: bool,
    /// The step's scenario as its link gives it (position aside): while the run's scenario is
    /// still this one the address bar is the lesson link, after a change it is the run's own.
    pub base: Scenario,
}

/// A scenario without its position (what a lesson step fixes).
fn unplaced(s: &Scenario) -> Scenario {
    Scenario {
        pos: Position::default(),
        ..s.clone()
    }
}

impl Course {
    /// The step shown.
    pub fn current(&self) -> &engine::lesson::Step {
        &self.lesson.steps[self.step]
    }
    /// The run is held until the question is answered.
    pub fn held(&self) -> bool {
        self.current().question.is_some() && self.answer.is_none()
    }
}

/// What the player needs of its lab, as plain functions of that one lab (so a page's bundle
/// links its own lab's keys, commands and presets, not every lab's).
pub struct LabFns<R> {
    /// Builds the run of a scenario at step 0.
    pub build: fn(&Scenario) -> R,
    /// Reads a link.
    pub decode: fn(&str) -> Decoded,
    /// Writes a link.
    pub encode: fn(&Scenario) -> String,
    /// A scenario with one parameter changed, validated like a link.
    pub with_param: fn(&Scenario, &str, &str) -> Decoded,
    /// A fault typed in a form, validated like a link entry.
    pub parse_fault: fn(&Scenario, &str) -> Result<Fault, engine::fault::FaultError>,
    /// The preset a scenario is, if any.
    pub preset_for: fn(&Scenario) -> Option<Preset>,
    /// The lab's presets, in menu order.
    pub presets: &'static [Preset],
    /// The lab's title.
    pub title: &'static str,
    /// The lab's link name.
    pub name: &'static str,
    /// Reads `lesson=`/`step=` from a link.
    pub open_lesson: fn(&str) -> Option<Opened>,
    /// The lab's built-in lessons.
    pub lessons: &'static [engine::lesson::Builtin],
    /// The measurements at the run's position, flattened (goals, CSV export).
    pub measure: fn(&R) -> Vec<(String, Value)>,
    /// Checks a lesson step's link (this lab's decoder for its own links).
    pub check_link: fn(&str) -> Result<engine::lab::LabKind, String>,
}

impl<R> Clone for LabFns<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for LabFns<R> {}

impl<R: Run> LabFns<R> {
    /// The functions of lab `L`.
    pub fn of<L: LabDef<Run = R>>() -> Self {
        LabFns {
            build: L::build,
            decode: decode_for::<L>,
            encode: encode_for::<L>,
            with_param: with_param_for::<L>,
            parse_fault: parse_fault_for_lab::<L>,
            preset_for: preset_for_lab::<L>,
            presets: L::PRESETS,
            title: L::INFO.title,
            name: L::INFO.name,
            open_lesson: engine::lesson::open_for::<L>,
            lessons: engine::lesson::builtin_for(L::KIND),
            measure: engine::lesson::measure_flat::<L>,
            check_link: engine::lesson::check_link_for::<L>,
        }
    }
}

/// A run being played.
pub struct Player<R: Run> {
    /// The run and its past.
    pub hist: Rc<RefCell<R>>,
    /// The scenario (its fault timeline includes faults injected by clicks).
    pub scenario: Scenario,
    /// The lab's functions (build, links, presets).
    pub fns: LabFns<R>,
    /// Playing?
    pub playing: bool,
    /// Speed as log10(sim ms per real ms).
    pub speed_log: f64,
    /// Bumped on every change to the run.
    pub version: u64,
    /// The selected node.
    pub selected: Option<NodeId>,
    /// Problems with the link or a form value (the banner).
    pub errors: Vec<ParamError>,
    /// A one-line notice (e.g. a seek that hit its budget).
    pub notice: Option<String>,
    /// The preset this run was opened as: its lesson is the stage's caption until dismissed.
    pub lesson: Option<Preset>,
    /// A long replay in progress.
    pub replay: Option<Replay>,
    /// The open lesson (behind an `Rc`: every action clones the player).
    pub course: Option<Rc<Course>>,
    /// Where the goal of the lesson's step stands.
    pub goal: Option<GoalStatus>,
    /// Play stops at this time (the reveal of an answered question).
    pub stop_at: Option<SimTime>,
    /// The furthest time this run has been at since it was built or last changed by a click:
    /// the timeline reaches at least this far, so after a seek back the user can scrub forward
    /// again (the run there is the same; a click changes the future, so it starts again).
    pub reached: SimTime,
}

impl<R: Run> PartialEq for Player<R> {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.hist, &o.hist)
            && self.version == o.version
            && self.playing == o.playing
            && self.speed_log == o.speed_log
            && self.selected == o.selected
            && self.errors == o.errors
            && self.notice == o.notice
            && self.lesson == o.lesson
            && self.replay == o.replay
            && self.course == o.course
            && self.goal == o.goal
    }
}

/// Default speed: a tenth of real time, so a 12 ms message takes 120 ms on screen.
pub const DEFAULT_SPEED_LOG: f64 = -1.0;

impl<R: Run> Player<R> {
    /// Whether the run moves many events between two renders (playing, or a long replay in
    /// slices) rather than one step at a time (see [`crate::components::lab::keyed_when_still`]).
    pub fn moving(&self) -> bool {
        self.playing || self.replay.is_some()
    }

    /// A player for `scenario`, replayed to its position.
    pub fn new(scenario: Scenario, errors: Vec<ParamError>, fns: LabFns<R>) -> Self {
        let lesson = (fns.preset_for)(&scenario);
        let pos = scenario.pos;
        let mut run = (fns.build)(&scenario);
        run.keep_trace_tail(Some(TRACE_TAIL));
        let mut p = Player {
            hist: Rc::new(RefCell::new(run)),
            scenario,
            lesson,
            fns,
            playing: false,
            speed_log: DEFAULT_SPEED_LOG,
            version: 0,
            selected: None,
            errors,
            notice: None,
            replay: None,
            course: None,
            goal: None,
            stop_at: None,
            reached: SimTime::ZERO,
        };
        p.start_replay(pos);
        p.reached = p.hist.borrow().now();
        p
    }

    /// A player for a link that may open a lesson (`lesson=…&step=…`).
    pub fn from_link(link: &str, decoded: &Decoded, fns: LabFns<R>) -> Self {
        let opened = (fns.open_lesson)(link);
        let mut p = Player::new(decoded.scenario.clone(), decoded.errors.clone(), fns);
        if let Some(Opened {
            lesson: Some(lesson),
            step,
            ..
        }) = opened
        {
            p.lesson = None;
            p.course = Some(Rc::new(Course {
                lesson: Rc::new(lesson),
                step,
                answer: None,
                builtin: true,
                base: unplaced(&decoded.scenario),
            }));
            p.check_goal();
        }
        p
    }

    /// The scenario at the current position: what the link and "Copy link" carry.
    pub fn current(&self) -> Scenario {
        let h = self.hist.borrow();
        let mut s = self.scenario.clone();
        s.pos = Position {
            time: h.now(),
            step: Some(h.steps()),
        };
        s
    }

    /// The current link query: a built-in lesson's step link while one is open, the scenario's
    /// otherwise.
    pub fn query(&self) -> String {
        match &self.course {
            // Compared as links (the same scenario is the same link): a deep comparison of
            // scenarios would carry every lab's settings into the bundle.
            Some(c)
                if c.builtin
                    && (self.fns.encode)(&c.base)
                        == (self.fns.encode)(&unplaced(&self.scenario)) =>
            {
                c.lesson.step_link(c.step + 1)
            }
            _ => (self.fns.encode)(&self.current()),
        }
    }

    /// The scenario's own link (captions included), whatever is open.
    pub fn scenario_query(&self) -> String {
        (self.fns.encode)(&self.current())
    }

    /// Updates the goal status from the run (every frame while paused, every 16th while playing:
    /// measuring a long run is not free).
    fn check_goal(&mut self) {
        let Some(goal) = self.course.as_ref().and_then(|c| c.current().goal.as_ref()) else {
            self.goal = None;
            return;
        };
        if self.playing && !self.version.is_multiple_of(16) && self.goal.is_some() {
            return;
        }
        self.goal = Some(goal.check(&(self.fns.measure)(&self.hist.borrow())));
    }

    /// Opens step `n` of the lesson: its link, exactly (another lab's step navigates there).
    fn go_step(&mut self, n: usize) {
        let Some(c) = self.course.as_mut().map(Rc::make_mut) else {
            return;
        };
        let Some(st) = c.lesson.steps.get(n) else {
            return;
        };
        if st.lab.as_str() != self.fns.name {
            if c.builtin {
                crate::web::navigate(&c.lesson.step_link(n + 1));
            } else {
                self.notice = Some(trf(
                    "Step {} is in the {} lab; a lesson from a file cannot open it there (open its link: ?{}).",
                    &[&(n + 1), &st.lab.as_str(), &st.link],
                ));
            }
            return;
        }
        let dec = (self.fns.decode)(&st.link);
        c.base = unplaced(&dec.scenario);
        c.step = n;
        c.answer = None;
        self.playing = false;
        self.stop_at = None;
        self.selected = None;
        self.errors = dec.errors;
        self.notice = None;
        self.lesson = None;
        let pos = dec.scenario.pos;
        self.restart(dec.scenario, pos);
    }

    /// Refuses to move forward while the step's question is unanswered.
    fn held(&mut self) -> bool {
        if self.course.as_ref().is_some_and(|c| c.held()) {
            self.playing = false;
            self.notice = Some(tr("Answer the question first (or press Next to skip it).").into());
            return true;
        }
        false
    }

    fn with(&self, f: impl FnOnce(&mut Self)) -> Rc<Self> {
        let mut next = self.copy();
        f(&mut next);
        Rc::new(next)
    }

    /// A copy sharing the run. Not inlined: each of the ~30 actions' `with` would otherwise
    /// carry its own copy of this (measurably larger page bundles).
    #[inline(never)]
    fn copy(&self) -> Self {
        Player {
            hist: self.hist.clone(),
            scenario: self.scenario.clone(),
            fns: self.fns,
            playing: self.playing,
            speed_log: self.speed_log,
            version: self.version,
            selected: self.selected,
            errors: self.errors.clone(),
            notice: self.notice.clone(),
            lesson: self.lesson,
            replay: self.replay,
            course: self.course.clone(),
            goal: self.goal.clone(),
            stop_at: self.stop_at,
            reached: self.reached,
        }
    }

    fn changed(&mut self) {
        self.version += 1;
        self.reached = self.reached.max(self.hist.borrow().now());
        self.check_goal();
    }

    fn restart(&mut self, scenario: Scenario, to: Position) {
        let mut run = (self.fns.build)(&scenario);
        run.keep_trace_tail(Some(TRACE_TAIL));
        self.hist = Rc::new(RefCell::new(run));
        self.scenario = scenario;
        self.reached = SimTime::ZERO;
        self.start_replay(to);
        self.changed();
    }

    /// Replays toward `to`: a first slice at once, the rest a slice per frame ([`Action::Tick`]).
    fn start_replay(&mut self, to: Position) {
        self.replay = None;
        let reached = seek_slice(&mut *self.hist.borrow_mut(), to, FIRST_SLICE);
        if !reached {
            self.playing = false;
            self.replay = Some(Replay::toward(&*self.hist.borrow(), to));
        } else {
            // Reached at once (also when the player is made, outside any action).
            self.hist.borrow_mut().relog();
            self.note_past_end(to);
        }
    }

    fn note_past_end(&mut self, to: Position) {
        if to.step.is_some_and(|k| self.hist.borrow().steps() < k) {
            self.notice = Some(
                tr("The link's position is past the end of this run; showing the end.").into(),
            );
        }
    }

    /// One frame of a long replay: slices of events until the frame's time is spent. The page
    /// is drawn (a new state) when the replay ends and every [`REPLAY_DRAW_MS`]; the frames
    /// between only advance the run (shared through its `RefCell`) and keep the state, so
    /// nothing is rendered.
    fn replay_frame(self: Rc<Self>, now_ms: impl Fn() -> f64) -> Rc<Self> {
        let Some(r) = self.replay else {
            return self;
        };
        let start = now_ms();
        let mut reached = false;
        {
            let mut h = self.hist.borrow_mut();
            // No event cap: a link replays whole, a slice per frame, with progress and Cancel.
            while now_ms() - start < REPLAY_MS_PER_FRAME {
                if seek_slice(&mut *h, r.to, CHUNK) {
                    reached = true;
                    break;
                }
            }
        }
        let now = now_ms();
        if !reached && now - r.drawn < REPLAY_DRAW_MS {
            return self;
        }
        self.with(|p| {
            if reached {
                p.replay = None;
                p.note_past_end(r.to);
            } else {
                // The pace is timed from the replay's first frame, which is always drawn
                // (`drawn` starts at −∞).
                let (started, from) = if r.started.is_finite() {
                    (r.started, r.from)
                } else {
                    (start, r.fraction)
                };
                p.replay = Some(Replay {
                    drawn: now,
                    started,
                    from,
                    ..Replay::toward(&*p.hist.borrow(), r.to)
                });
            }
            p.changed();
        })
    }
}

impl<R: Run + 'static> Reducible for Player<R> {
    type Action = Action;

    /// Every action; once no replay is in progress, the trace lines a fast replay skipped are
    /// rebuilt ([`Run::relog`]: nothing to do after loud steps), so whatever ended the replay —
    /// reaching the position, Cancel, Play, a seek — the log shows what a loud run shows.
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let next = Self::act(self, action);
        if next.replay.is_none() {
            next.hist.borrow_mut().relog();
        }
        next
    }
}

impl<R: Run + 'static> Player<R> {
    fn act(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::TogglePlay => self.with(|p| {
                p.replay = None;
                if p.playing || !p.held() {
                    p.playing = !p.playing;
                    p.stop_at = None;
                }
            }),
            Action::Pause if self.playing => self.with(|p| p.playing = false),
            Action::Pause => self,
            Action::Step => self.with(|p| {
                p.playing = false;
                if !p.held() {
                    let mut h = p.hist.borrow_mut();
                    if engine::scenario::has_event_in_time(&mut *h) {
                        h.step();
                    } else if h.next_time().is_some() {
                        // As when playing: a run (and so a link's step) ends at 10 minutes.
                        p.notice = Some(tr("Reached the 10-minute limit of a run.").into());
                    }
                    drop(h);
                    p.changed();
                }
            }),
            Action::StepBack => self.with(|p| {
                p.playing = false;
                p.hist.borrow_mut().step_back();
                p.changed();
            }),
            Action::Tick(dt) if self.playing => self.with(|p| {
                let dt = if dt.is_finite() {
                    dt.clamp(0.0, MAX_FRAME_MS)
                } else {
                    0.0
                };
                let speed = speed_from_log(p.speed_log);
                let advance_us = (dt * speed * 1000.0).round() as u64;
                let mut h = p.hist.borrow_mut();
                let mut target = SimTime(h.now().0.saturating_add(advance_us));
                if let Some(stop) = p.stop_at {
                    if target >= stop {
                        // The reveal of an answered question: play to it and pause there.
                        target = stop;
                        p.playing = false;
                        p.stop_at = None;
                    }
                }
                if target.0 > engine::scenario::MAX_TIME_MS * 1000 {
                    p.playing = false;
                    p.notice = Some(tr("Reached the 10-minute limit of a run.").into());
                } else if h.run_until(target, FRAME_BUDGET).out_of_budget {
                    p.notice = Some(
                        tr("Too many events for one frame: slow the speed down to see them.")
                            .into(),
                    );
                }
                drop(h);
                p.changed();
            }),
            Action::Tick(_) if self.replay.is_some() => self.replay_frame(crate::web::now_ms),
            Action::Tick(_) => self,
            Action::CancelReplay => self.with(|p| {
                if let Some(r) = p.replay.take() {
                    p.notice = Some(trf(
                        "Replay stopped at {} of {}; press Play to go on from here.",
                        &[&p.hist.borrow().now(), &r.to.time],
                    ));
                    p.changed();
                }
            }),
            Action::SetSpeedLog(v) => self.with(|p| {
                p.speed_log = if v.is_finite() {
                    v.clamp(MIN_SPEED_LOG, MAX_SPEED_LOG)
                } else {
                    DEFAULT_SPEED_LOG
                };
            }),
            Action::SeekTime(t) => self.with(|p| {
                p.playing = false;
                p.replay = None;
                let to = Position {
                    time: t,
                    step: None,
                };
                if p.hist.borrow_mut().seek_time(t, FIRST_SLICE).out_of_budget {
                    // The rest a slice per frame, with progress.
                    p.replay = Some(Replay::toward(&*p.hist.borrow(), to));
                }
                p.changed();
            }),
            Action::Inject(fault) => self.with(|p| {
                let at = p.hist.borrow().now();
                let pos = p.scenario.faults.partition_point(|f| f.at <= at);
                p.scenario.faults.insert(
                    pos,
                    TimedFault {
                        at,
                        fault: fault.clone(),
                    },
                );
                p.hist.borrow_mut().inject(fault);
                p.reached = SimTime::ZERO;
                p.changed();
            }),
            Action::InjectText(text) => match (self.fns.parse_fault)(&self.scenario, &text) {
                Ok(f) => self.reduce(Action::Inject(f)),
                Err(message) => self.with(|p| {
                    p.errors = vec![ParamError {
                        param: "fault".into(),
                        message: format!(
                            "'{}': {message}; nothing was changed",
                            engine::clip(&text)
                        ),
                    }]
                }),
            },
            Action::Load(s, errors) => self.with(|p| {
                p.playing = false;
                p.selected = None;
                p.errors = errors;
                p.notice = None;
                p.lesson = (p.fns.preset_for)(&s);
                // A preset or a file leaves the lesson's path.
                p.course = None;
                p.stop_at = None;
                let pos = s.pos;
                p.restart(*s, pos);
            }),
            Action::Reset => self.with(|p| {
                p.playing = false;
                let s = p.scenario.clone();
                p.restart(s, Position::default());
            }),
            Action::ClearFaults => self.with(|p| {
                p.playing = false;
                let mut s = p.scenario.clone();
                s.faults.clear();
                p.restart(s, Position::default());
            }),
            Action::Select(sel) => self.with(|p| p.selected = sel),
            Action::SetParam(key, value) => self.with(|p| {
                let d = (p.fns.with_param)(&p.scenario, &key, &value);
                let (s, errors) = (d.scenario, d.errors);
                let now = p.hist.borrow().now();
                p.errors = errors;
                // Replay the changed scenario to the same simulated time: the context stays.
                p.restart(
                    s,
                    Position {
                        time: now,
                        step: None,
                    },
                );
            }),
            Action::DismissErrors => self.with(|p| p.errors.clear()),
            Action::DismissLesson => self.with(|p| p.lesson = None),
            Action::LessonGo(n) => self.with(|p| p.go_step(n)),
            Action::LessonNext => match &self.course {
                Some(c) if c.step + 1 < c.lesson.steps.len() => {
                    let n = c.step + 1;
                    self.with(|p| p.go_step(n))
                }
                _ => self,
            },
            Action::LessonBack => match &self.course {
                Some(c) if c.step > 0 => {
                    let n = c.step - 1;
                    self.with(|p| p.go_step(n))
                }
                _ => self,
            },
            Action::Answer(k) => self.with(|p| {
                let Some(c) = p.course.as_mut().map(Rc::make_mut) else {
                    return;
                };
                let Some(q) = c.current().question.clone() else {
                    return;
                };
                if c.answer.is_some() || k >= q.choices.len() {
                    return;
                }
                c.answer = Some(k);
                p.notice = None;
                if p.hist.borrow().now() < q.reveal {
                    p.playing = true;
                    p.replay = None;
                    p.stop_at = Some(q.reveal);
                }
                p.changed();
            }),
            Action::OpenLesson(lesson, n, run) => self.with(|p| {
                p.course = Some(Rc::new(Course {
                    // A lesson that fits in a link (`lessonfile=`) is named by the address bar.
                    builtin: lesson.carried.is_some(),
                    lesson,
                    step: 0,
                    answer: None,
                    base: unplaced(&p.scenario),
                }));
                p.go_step(n);
                if let Some(s) = run {
                    let pos = s.pos;
                    p.restart(*s, pos);
                }
                p.changed();
            }),
            Action::CloseLesson => self.with(|p| {
                p.course = None;
                p.goal = None;
                p.stop_at = None;
                p.changed();
            }),
            Action::AddNote(text) => self.with(|p| {
                let at = p.hist.borrow().now();
                let mut notes = p.scenario.notes.clone();
                if let Err(e) = engine::scenario::notes::check_note_text(text.trim()) {
                    p.errors = vec![ParamError {
                        param: "notes".into(),
                        message: format!("caption not added: {e}"),
                    }];
                    return;
                }
                if notes.len() >= engine::scenario::notes::MAX_NOTES {
                    p.errors = vec![ParamError {
                        param: "notes".into(),
                        message: format!(
                            "caption not added: a link carries at most {} captions",
                            engine::scenario::notes::MAX_NOTES
                        ),
                    }];
                    return;
                }
                let k = notes.partition_point(|n| n.at <= at);
                notes.insert(
                    k,
                    Note {
                        at,
                        text: text.trim().to_string(),
                    },
                );
                p.scenario.notes = notes;
                p.changed();
            }),
            Action::Report(e) => self.with(|p| p.errors = vec![e]),
            Action::RemoveNote(k) => self.with(|p| {
                if k < p.scenario.notes.len() {
                    p.scenario.notes.remove(k);
                    p.changed();
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(started: f64, from: f64, drawn: f64, fraction: f64) -> Replay {
        Replay {
            to: Position {
                time: SimTime::from_ms(600_000),
                step: None,
            },
            fraction,
            events: 0,
            drawn,
            started,
            from,
        }
    }

    #[test]
    fn the_time_left_follows_the_pace_so_far() {
        // A quarter of the way in 3 s from the start: three quarters left at that pace, 9 s
        // (shown as 10: whole seconds plus one).
        assert_eq!(at(1_000.0, 0.0, 4_000.0, 0.25).seconds_left(), Some(10));
        // Counted from where this replay started (a seek from a quarter): a quarter in 2 s, half
        // left.
        assert_eq!(at(0.0, 0.25, 2_000.0, 0.5).seconds_left(), Some(5));
        assert_eq!(at(0.0, 0.0, 2_600.0, 0.4).seconds_left(), Some(4));
        assert_eq!(at(0.0, 0.0, 10_000.0, 0.99).seconds_left(), Some(1));
        // Nothing before a second has passed, or before 1 % has been replayed, or before the
        // first frame is drawn (start and drawing both −∞, as a replay begins).
        assert_eq!(at(0.0, 0.0, 999.0, 0.5).seconds_left(), None);
        assert_eq!(at(0.0, 0.2, 5_000.0, 0.205).seconds_left(), None);
        let new = at(f64::NEG_INFINITY, 0.3, f64::NEG_INFINITY, 0.3);
        assert_eq!(new.seconds_left(), None);
    }
}
