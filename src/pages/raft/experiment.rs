//! The Raft page's §9.3 election-time experiment (Figure 16).

use crate::components::chart::{chart, Axis, Series};
use crate::components::hooks::use_frames;
use crate::i18n::{t, tr, trf};
use engine::fmtnum::fixed;
use engine::raft::{self, Fig16Job, Fig16Progress};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlInputElement, MessageEvent, Worker, WorkerOptions, WorkerType};
use yew::prelude::*;

/// Props of [`Experiment`].
#[derive(Properties, PartialEq, Clone)]
pub struct ExperimentProps {
    /// Protocol parameters (timing comes from each range).
    pub params: raft::RaftParams,
}

/// Real time one frame may spend on experiment runs when they run on the page's thread (the
/// rest of the frame draws).
const EXP_MS_PER_FRAME: f64 = 12.0;
/// Runs per range by default: the paper's 1 000 (6 000 elections). Any count from 1 to 10 000
/// can be typed in.
const EXP_DEFAULT_RUNS: u64 = 1_000;
/// The experiment's web worker (worker/, index.html), relative to the page.
const WORKER_URL: &str = "./ha-exp_loader.js";
/// Runs per job handed to a worker: a few milliseconds of work, so the curves fill in evenly and
/// every core stays busy to the end.
const JOB_RUNS: u64 = 25;
/// How often the curves take in the workers' answers and redraw (ms): the page's thread only
/// draws while the workers compute, and drawing less often leaves the cores to them.
const DRAW_EVERY_MS: f64 = 100.0;

/// How long the workers may stay silent (no answer from any of them, counted from Run) before
/// the page stops waiting and runs the rest itself: a worker that loads but never answers (a
/// broken or hostile script, a stalled fetch) must not leave the experiment hanging. A job takes
/// milliseconds; the first answer also waits for the worker's bundle to load.
const WORKER_PATIENCE_MS: f64 = 8_000.0;
/// Most workers started (one per core the browser reports).
const MAX_WORKERS: usize = 4;

/// The experiment as the page shows it: its progress (the engine's [`Fig16Progress`], which
/// folds runs in seed order whichever thread ran them), whether it runs, and where.
#[derive(Clone, Default)]
struct ExpState {
    running: bool,
    params: raft::RaftParams,
    progress: Fig16Progress,
    /// Runs on the page's own thread: no web worker could start, or one failed.
    here: bool,
}

enum ExpAction {
    Start {
        runs: u64,
        params: raft::RaftParams,
        here: bool,
    },
    Stop,
    /// Workers' answers ([`Fig16Job::answer`]).
    Answers(Vec<Vec<f64>>),
    /// A worker failed: the rest runs on the page's thread.
    Fallback,
    /// One frame's slice of runs on the page's thread.
    RunHere,
}

impl Reducible for ExpState {
    type Action = ExpAction;

    fn reduce(self: Rc<Self>, action: ExpAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            ExpAction::Start { runs, params, here } => {
                s = ExpState {
                    running: true,
                    params,
                    progress: Fig16Progress::new(runs),
                    here,
                };
            }
            ExpAction::Stop => s.running = false,
            ExpAction::Answers(answers) if s.running => {
                for words in &answers {
                    if !s.progress.answer(words) {
                        // Not an answer: the rest runs here.
                        s.here = true;
                    }
                }
            }
            // A stopped run's late answers.
            ExpAction::Answers(_) => {}
            ExpAction::Fallback => s.here = true,
            ExpAction::RunHere => {
                // Runs until the frame's slice of time is spent (at least one run), so the
                // page stays responsive and the experiment goes as fast as the engine allows.
                let start = crate::web::now_ms();
                while crate::web::now_ms() - start < EXP_MS_PER_FRAME
                    && s.progress.run_next(&s.params)
                {}
            }
        }
        if s.here {
            s.progress.forget_ahead();
        }
        if s.running && s.progress.finished() {
            s.running = false;
        }
        Rc::new(s)
    }
}

/// What the workers posted since the page last drew.
#[derive(Default)]
struct Inbox {
    answers: Vec<Vec<f64>>,
    failed: bool,
}

/// A worker's event handler (one closure type for messages and errors: each type adds glue).
type Handler = Closure<dyn FnMut(JsValue)>;

/// One run's web workers and their handlers; dropping it stops them.
struct Pool {
    workers: Vec<Worker>,
    _handlers: Vec<(Handler, Handler)>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        for w in &self.workers {
            w.set_onmessage(None);
            w.set_onerror(None);
            w.set_onmessageerror(None);
            w.terminate();
        }
    }
}

impl Pool {
    /// Starts one worker per core on `jobs`; each takes the next job when it is ready and after
    /// each answer. `None` if the browser cannot start a worker (the page then runs them itself).
    fn start(jobs: Vec<Fig16Job>, inbox: &Rc<RefCell<Inbox>>) -> Option<Pool> {
        let cores = web_sys::window()?.navigator().hardware_concurrency();
        let count = (cores as usize).clamp(1, MAX_WORKERS);
        let jobs = Rc::new(RefCell::new(jobs));
        let opts = WorkerOptions::new();
        opts.set_type(WorkerType::Module);
        let mut pool = Pool {
            workers: Vec::new(),
            _handlers: Vec::new(),
        };
        for _ in 0..count {
            let w = Worker::new_with_options(WORKER_URL, &opts).ok()?;
            let (jobs, inbox_m, inbox_e, me) =
                (jobs.clone(), inbox.clone(), inbox.clone(), w.clone());
            let on_message = Handler::new(move |e: JsValue| {
                let data = e.unchecked_into::<MessageEvent>().data();
                if let Some(a) = data.dyn_ref::<js_sys::Float64Array>() {
                    inbox_m.borrow_mut().answers.push(a.to_vec());
                }
                // "ready", or an answer: the next job, if any.
                if let Some(job) = jobs.borrow_mut().pop() {
                    let words = js_sys::Float64Array::from(job.to_words().as_slice());
                    if me.post_message(&words).is_err() {
                        inbox_m.borrow_mut().failed = true;
                    }
                }
            });
            let on_error = Handler::new(move |_: JsValue| {
                inbox_e.borrow_mut().failed = true;
            });
            w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            w.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            w.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
            pool.workers.push(w);
            pool._handlers.push((on_message, on_error));
        }
        Some(pool)
    }
}

/// The §9.3 experiment: time to elect a new leader after the leader crashes, for six election
/// timeout ranges, as cumulative distributions (Figure 16, top). The runs go to web workers
/// (one per core, `worker/`); the page folds their answers in and redraws every
/// [`DRAW_EVERY_MS`]. Without workers (or if one fails) the page runs the rest itself, a slice
/// per frame.
#[component]
pub fn Experiment(props: &ExperimentProps) -> Html {
    let ranges = raft::FIG16_RANGES_MS;
    let st = use_reducer(ExpState::default);
    let runs_ref = use_node_ref();
    let pool = use_mut_ref(|| None::<Pool>);
    let inbox = use_mut_ref(Inbox::default);
    let since_draw = use_mut_ref(|| 0.0f64);
    let silent = use_mut_ref(|| 0.0f64);
    {
        let (st, pool, inbox, since_draw, silent) = (
            st.clone(),
            pool.clone(),
            inbox.clone(),
            since_draw.clone(),
            silent.clone(),
        );
        use_frames(
            st.running,
            Callback::from(move |dt: f64| {
                if st.here {
                    st.dispatch(ExpAction::RunHere);
                    return;
                }
                *since_draw.borrow_mut() += dt;
                *silent.borrow_mut() += dt;
                if *since_draw.borrow() < DRAW_EVERY_MS {
                    return;
                }
                *since_draw.borrow_mut() = 0.0;
                let Inbox { answers, failed } = std::mem::take(&mut *inbox.borrow_mut());
                if !answers.is_empty() {
                    *silent.borrow_mut() = 0.0;
                    st.dispatch(ExpAction::Answers(answers));
                }
                if failed || *silent.borrow() > WORKER_PATIENCE_MS {
                    pool.borrow_mut().take();
                    st.dispatch(ExpAction::Fallback);
                }
            }),
        );
    }
    {
        // The workers stop when the run ends (finished or stopped) and when the page goes (not
        // as the cleanup of the first: that would run as soon as `running` turns true).
        let (pool, pool2) = (pool.clone(), pool.clone());
        use_effect_with(st.running, move |&running| {
            if !running {
                pool.borrow_mut().take();
            }
        });
        use_effect_with((), move |_| {
            move || {
                pool2.borrow_mut().take();
            }
        });
    }
    let start = {
        let st = st.clone();
        let r = runs_ref.clone();
        let params = props.params;
        Callback::from(move |_: MouseEvent| {
            let runs = r
                .cast::<HtmlInputElement>()
                .and_then(|i| i.value().trim().parse::<u64>().ok())
                .unwrap_or(EXP_DEFAULT_RUNS)
                .clamp(1, raft::FIG16_JOB_MAX_RUNS);
            pool.borrow_mut().take();
            *inbox.borrow_mut() = Inbox::default();
            *silent.borrow_mut() = 0.0;
            let jobs = Fig16Progress::new(runs).jobs(JOB_RUNS, &params);
            let started = Pool::start(jobs, &inbox);
            let here = started.is_none();
            *pool.borrow_mut() = started;
            st.dispatch(ExpAction::Start { runs, params, here });
        })
    };
    let stop = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| st.dispatch(ExpAction::Stop))
    };
    let progress = &st.progress;
    let total = progress.runs * ranges.len() as u64;
    let done = progress.done_total();
    let pct = if total == 0 {
        0.0
    } else {
        100.0 * done as f64 / total as f64
    };
    // CDF plot, log x from 100 ms to 10 000 ms as in Figure 16.
    let cdfs: Vec<(String, Vec<(f64, f64)>)> = progress
        .samples
        .iter()
        .enumerate()
        .map(|(k, samples)| {
            let mut sorted = samples.clone();
            engine::sort::sort_by(&mut sorted, f64::total_cmp);
            let count =
                (sorted.len() + progress.missing.get(k).copied().unwrap_or(0)).max(1) as f64;
            let (lo, hi) = ranges[k];
            let name = trf(
                "{}–{} ms: median {}",
                &[
                    &lo,
                    &hi,
                    &median(&sorted)
                        .map(|m| format!("{} ms", fixed(m, 0)))
                        .unwrap_or("–".into()),
                ],
            );
            let pts = sorted
                .iter()
                .enumerate()
                .map(|(j, &ms)| (ms.clamp(100.0, 10_000.0), 100.0 * (j + 1) as f64 / count))
                .collect();
            (name, pts)
        })
        .collect();
    const COLORS: [&str; 6] = [
        "--oi-vermillion",
        "--suspect",
        "--c14",
        "--up",
        "--oi-blue",
        "--oi-purple",
    ];
    let lines: Vec<Series> = cdfs
        .iter()
        .enumerate()
        .map(|(k, (name, pts))| Series::new(name, COLORS[k % 6], pts.clone()))
        .collect();
    html! {
        <section class="panel experiment" data-testid="experiment">
            <h2>{ t("Experiment: time to elect a new leader (Raft §9.3, Figure 16)") }</h2>
            <p class="muted">{ t("Five servers elect a leader; it crashes; how long until a new leader? Each timeout range runs with the seeds 0…N−1. Narrow ranges cause split votes and long tails.") }</p>
            <div class="actions">
                <label>{ t("runs per range ") }<crate::components::lab::Field testid="exp-runs" node_ref={runs_ref} value={EXP_DEFAULT_RUNS.to_string()} size={5} /></label>
                <button data-testid="exp-run" onclick={start} disabled={st.running}>{ t("Run") }</button>
                <button data-testid="exp-stop" onclick={stop} disabled={!st.running}>{ t("Stop") }</button>
            </div>
            <progress data-testid="exp-progress" max="100" value={fixed(pct, 0).to_string()}></progress>
            <span class="muted exp-count" data-testid="exp-done">{ trf(" {}/{} runs", &[&done, &total]) }</span>
            if st.running && st.here {
                <span class="muted" data-testid="exp-here">{ t(" · on this page (no background worker answered)") }</span>
            }
            { chart("exp-plot", tr("Time without a leader, cumulative"), Axis::log(tr("ms (log scale)"), 100.0, 10_000.0), Axis::new(tr("% of runs")).to(100.0), &lines) }
        </section>
    }
}

fn median(sorted: &[f64]) -> Option<f64> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}
