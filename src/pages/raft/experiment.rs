//! The Raft page's §9.3 election-time experiment (Figure 16).

use crate::components::chart::{chart, Axis, Series};
use crate::components::hooks::use_frames;
use crate::i18n::{t, tr, trf};
use engine::fmtnum::fixed;
use engine::raft::{self};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`Experiment`].
#[derive(Properties, PartialEq, Clone)]
pub struct ExperimentProps {
    /// Protocol parameters (timing comes from each range).
    pub params: raft::RaftParams,
}

#[derive(Clone, PartialEq, Default)]
struct ExpState {
    running: bool,
    runs: u64,
    done: Vec<u64>,
    samples: Vec<Vec<f64>>,
    missing: Vec<usize>,
}

/// Real time one frame may spend on experiment runs (the rest of the frame draws).
const EXP_MS_PER_FRAME: f64 = 12.0;
/// Runs per range by default: the paper's 1 000 (6 000 elections, 2.9 s in the page on the
/// shared 2-core machine under load, docs/perf.md "Session 11"; the curves fill in as it runs).
/// Any count from 1 to 10 000 can be typed in.
const EXP_DEFAULT_RUNS: u64 = 1_000;

/// The §9.3 experiment: time to elect a new leader after the leader crashes, for six election
/// timeout ranges, as cumulative distributions (Figure 16, top). Runs seeds in time slices, one
/// slice per frame.
#[component]
pub fn Experiment(props: &ExperimentProps) -> Html {
    let ranges = raft::FIG16_RANGES_MS;
    let st = use_state(ExpState::default);
    let runs_ref = use_node_ref();
    {
        let st = st.clone();
        let params = props.params;
        use_frames(
            st.running,
            Callback::from(move |_dt: f64| {
                let mut s = (*st).clone();
                if !s.running {
                    return;
                }
                // Runs until the frame's slice of time is spent (at least one run), so the
                // page stays responsive and the experiment goes as fast as the engine allows.
                let start = crate::web::now_ms();
                while crate::web::now_ms() - start < EXP_MS_PER_FRAME {
                    let Some(k) = (0..ranges.len()).find(|&k| s.done[k] < s.runs) else {
                        s.running = false;
                        break;
                    };
                    let (lo, hi) = ranges[k];
                    match raft::time_to_elect(s.done[k], lo, hi, &params) {
                        Some(d) => s.samples[k].push(d.as_ms_f64()),
                        None => s.missing[k] += 1,
                    }
                    s.done[k] += 1;
                }
                st.set(s);
            }),
        );
    }
    let start = {
        let st = st.clone();
        let r = runs_ref.clone();
        Callback::from(move |_: MouseEvent| {
            let runs = r
                .cast::<HtmlInputElement>()
                .and_then(|i| i.value().trim().parse::<u64>().ok())
                .unwrap_or(EXP_DEFAULT_RUNS)
                .clamp(1, 10_000);
            st.set(ExpState {
                running: true,
                runs,
                done: vec![0; ranges.len()],
                samples: vec![Vec::new(); ranges.len()],
                missing: vec![0; ranges.len()],
            });
        })
    };
    let stop = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*st).clone();
            s.running = false;
            st.set(s);
        })
    };
    let total = st.runs * ranges.len() as u64;
    let done: u64 = st.done.iter().sum();
    let pct = if total == 0 {
        0.0
    } else {
        100.0 * done as f64 / total as f64
    };
    // CDF plot, log x from 100 ms to 10 000 ms as in Figure 16.
    let cdfs: Vec<(String, Vec<(f64, f64)>)> = st
        .samples
        .iter()
        .enumerate()
        .map(|(k, samples)| {
            let mut sorted = samples.clone();
            engine::sort::sort_by(&mut sorted, f64::total_cmp);
            let count = (sorted.len() + st.missing.get(k).copied().unwrap_or(0)).max(1) as f64;
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
            <span class="muted" data-testid="exp-done">{ trf(" {}/{} runs", &[&done, &total]) }</span>
            { chart("exp-plot", tr("Time without a leader, cumulative"), Axis::log(tr("ms (log scale)"), 100.0, 10_000.0), Axis::new(tr("% of runs")).to(100.0), &lines) }
        </section>
    }
}

fn median(sorted: &[f64]) -> Option<f64> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}
