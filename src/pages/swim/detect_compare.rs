//! The SWIM page's side-by-side of three failure-detection designs (central heartbeats,
//! all-to-all heartbeats, SWIM) on the link's network and seed, from 5 to 200 members — one design
//! at one size per animation frame; the numbers come from `engine::heartbeat::compare`.

use crate::components::chart::{chart, Axis, Series};
use crate::components::hooks::use_frames;
use crate::i18n::{t, tr};
use engine::fmtnum::fixed;
use engine::heartbeat::compare::{run_design, CompareRow, Design, TIMEOUT_PERIODS};
use engine::heartbeat::swim::SwimParams;
use engine::heartbeat::swim_metrics::SWEEP_SIZES;
use engine::net::{fmt_pct, NetConfig};
use yew::prelude::*;

/// Props of [`DetectCompare`].
#[derive(Properties, PartialEq, Clone)]
pub struct CompareProps {
    /// The SWIM settings (the heartbeat designs beat every SWIM period).
    pub params: SwimParams,
    /// The network every design runs on.
    pub net: NetConfig,
    /// The seed.
    pub seed: u64,
}

#[derive(Default)]
struct State {
    running: bool,
    rows: Vec<CompareRow>,
}

const STEPS: usize = SWEEP_SIZES.len() * Design::ALL.len();

/// Central vs all-to-all heartbeats vs SWIM: a crash of member 1 after 3 s at each size.
#[component]
pub fn DetectCompare(props: &CompareProps) -> Html {
    let state = use_mut_ref(State::default);
    let redraw = use_force_update();
    let running = state.borrow().running;
    {
        let (state, redraw, p) = (state.clone(), redraw.clone(), props.clone());
        use_frames(
            running,
            Callback::from(move |_dt: f64| {
                let mut s = state.borrow_mut();
                let k = s.rows.len();
                if s.running && k < STEPS {
                    let (n, d) = (
                        SWEEP_SIZES[k / Design::ALL.len()],
                        Design::ALL[k % Design::ALL.len()],
                    );
                    match run_design(d, n, p.seed, &p.params, p.net) {
                        Some(row) => s.rows.push(row),
                        None => s.running = false,
                    }
                }
                if s.rows.len() >= STEPS {
                    s.running = false;
                }
                drop(s);
                redraw.force_update();
            }),
        );
    }
    let start = {
        let (state, redraw) = (state.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            *state.borrow_mut() = State {
                running: true,
                rows: Vec::new(),
            };
            redraw.force_update();
        })
    };
    let s = state.borrow();
    let done = s.rows.len();
    let period = props.params.period;
    html! {
        <section class="panel sweep-panel swim-sweep detect-compare" data-testid="compare">
            <h2>{ t("Three designs side by side") }</h2>
            <p class="muted">{ format!(
                "The same crash (member 1 after 3 s), network ({} % loss) and seed for a central monitor every member heartbeats, \
                 all-to-all heartbeats (every member watches every other), and SWIM. The heartbeat designs beat every {} \
                 (the SWIM period) and time a member out after {} silent periods.",
                fmt_pct(props.net.loss_ppm), period, TIMEOUT_PERIODS) }</p>
            <div class="actions">
                <button data-testid="compare-run" onclick={start} disabled={s.running}>{ t("Compare the designs") }</button>
                <progress data-testid="compare-progress" max={STEPS.to_string()} value={done.to_string()}></progress>
                <span class="muted" data-testid="compare-done">{ format!("{done}/{STEPS} runs") }</span>
            </div>
            if !s.rows.is_empty() {
                { charts(&s.rows) }
                { table(&s.rows) }
                if done >= STEPS {
                    <p class="lesson-line" data-testid="compare-lesson">{ lesson(&s.rows) }</p>
                }
            }
        </section>
    }
}

/// What the finished comparison shows, from its own numbers.
fn lesson(rows: &[CompareRow]) -> String {
    let at = |d: Design, n: usize| rows.iter().find(|r| r.design == d && r.members == n);
    let (Some(c), Some(a), Some(w)) = (
        at(Design::Central, 200),
        at(Design::AllToAll, 200),
        at(Design::Swim, 200),
    ) else {
        return String::new();
    };
    format!(
        "At 200 members the monitor receives {} messages/s and each all-to-all member sends {}/s, \
         while a SWIM member sends {}/s; SWIM pays with slower detection ({} vs {}). \
         False alarms: central {}, all-to-all {}, SWIM {}.",
        fixed(c.busiest_in_per_s, 0),
        fixed(a.messages_per_member_per_s, 0),
        fixed(w.messages_per_member_per_s, 0),
        ms(w.detection_ms),
        ms(c.detection_ms),
        c.false_positives,
        a.false_positives,
        w.false_positives
    )
}

fn ms(x: Option<f64>) -> String {
    x.map(|v| format!("{} ms", fixed(v, 0)))
        .unwrap_or_else(|| "not detected".into())
}

fn charts(rows: &[CompareRow]) -> Html {
    let line = |name: &'static str, d: Design, f: fn(&CompareRow) -> Option<f64>| {
        let color = match d {
            Design::Central => "--c9",
            Design::AllToAll => "--oi-vermillion",
            Design::Swim => "--oi-blue",
        };
        let pts = rows
            .iter()
            .filter(|r| r.design == d)
            .filter_map(|r| f(r).map(|v| (r.members as f64, v)))
            .collect();
        let s = Series::new(name, color, pts);
        if d == Design::AllToAll {
            s.dashed()
        } else {
            s
        }
    };
    let x = || Axis::log(tr("members (log scale)"), 5.0, 200.0);
    // Loads span 5 to 1 000 messages/s: a log axis from 1 to 2 000.
    html! {
        <div class="swim-charts">
            { chart("compare-time-chart", tr("Time until all who must know, per design"),
                x(), Axis::new(tr("ms until all who must know")), &[
                line(tr("central (monitor knows)"), Design::Central, |r| r.dissemination_ms),
                line(tr("all-to-all (all know)"), Design::AllToAll, |r| r.dissemination_ms),
                line(tr("SWIM (all know)"), Design::Swim, |r| r.dissemination_ms),
            ]) }
            { chart("compare-load-chart", tr("Messages per second, per design"),
                x(), Axis::log(tr("messages / s (log scale)"), 1.0, 2000.0), &[
                line(tr("central: into the monitor"), Design::Central, |r| Some(r.busiest_in_per_s)),
                line(tr("all-to-all: per member"), Design::AllToAll, |r| Some(r.messages_per_member_per_s)),
                line(tr("SWIM: per member"), Design::Swim, |r| Some(r.messages_per_member_per_s)),
            ]) }
        </div>
    }
}

fn table(rows: &[CompareRow]) -> Html {
    let cell = |r: Option<&CompareRow>, load: fn(&CompareRow) -> f64| match r {
        Some(r) => html! {
            <td>{ ms(r.detection_ms) }<br/>{ format!("{}/s · {} false", fixed(load(r), 0), r.false_positives) }</td>
        },
        None => html! { <td>{"…"}</td> },
    };
    html! {
        <table class="sweep-table" data-testid="compare-table">
            <thead><tr>
                <th>{ t("members") }</th>
                <th title={tr("first detection · messages into the monitor per second · false alarms")}>{ t("central") }</th>
                <th title={tr("first detection · messages each member sends per second · false alarms")}>{ t("all-to-all") }</th>
                <th title={tr("first detection · messages each member sends per second · false alarms")}>{ t("SWIM") }</th>
            </tr></thead>
            <tbody>
                { for SWEEP_SIZES.iter().filter(|&&n| rows.iter().any(|r| r.members == n)).map(|&n| {
                    let at = |d: Design| rows.iter().find(|r| r.design == d && r.members == n);
                    html! {
                        <tr data-members={n.to_string()}>
                            <th>{ n }</th>
                            { cell(at(Design::Central), |r| r.busiest_in_per_s) }
                            { cell(at(Design::AllToAll), |r| r.messages_per_member_per_s) }
                            { cell(at(Design::Swim), |r| r.messages_per_member_per_s) }
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}
