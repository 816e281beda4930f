//! The SWIM page's side-by-side of three failure-detection designs (central heartbeats,
//! all-to-all heartbeats, SWIM) on the link's network and seed, from 5 to 200 members — one design
//! at one size per animation frame; the numbers come from `engine::heartbeat::compare`.

use crate::components::hooks::use_frames;
use crate::geometry::f1;
use crate::i18n::{t, tr};
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
        "At 200 members the monitor receives {:.0} messages/s and each all-to-all member sends {:.0}/s, \
         while a SWIM member sends {:.0}/s; SWIM pays with slower detection ({} vs {}). \
         False alarms: central {}, all-to-all {}, SWIM {}.",
        c.busiest_in_per_s,
        a.messages_per_member_per_s,
        w.messages_per_member_per_s,
        ms(w.detection_ms),
        ms(c.detection_ms),
        c.false_positives,
        a.false_positives,
        w.false_positives
    )
}

fn ms(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "not detected".into())
}

/// x of a group size on a log axis from 5 to 200.
fn size_x(n: usize, w: f64) -> f64 {
    let (lo, hi) = (engine::detmath::log10(5f64), engine::detmath::log10(200f64));
    50.0 + (w - 70.0) * (engine::detmath::log10(n as f64) - lo) / (hi - lo)
}

fn line(
    rows: &[CompareRow],
    d: Design,
    w: f64,
    y: &dyn Fn(f64) -> f64,
    f: fn(&CompareRow) -> Option<f64>,
) -> Html {
    let pts: Vec<String> = rows
        .iter()
        .filter(|r| r.design == d)
        .filter_map(|r| f(r).map(|v| format!("{:.1},{:.1}", size_x(r.members, w), y(v))))
        .collect();
    html! { <polyline class={classes!("design", format!("d-{}", d.as_str()))} points={pts.join(" ")} /> }
}

fn charts(rows: &[CompareRow]) -> Html {
    let (w, h) = (440.0, 240.0);
    let (top, bottom) = (70.0, h - 30.0);
    let time_max = rows
        .iter()
        .filter_map(|r| r.dissemination_ms)
        .fold(1000.0, f64::max)
        * 1.1;
    let ty = |v: f64| bottom - (bottom - top) * v / time_max;
    // Loads span 5 to 1 000 messages/s: a log axis from 1 to 2 000.
    let (llo, lhi) = (0.0, engine::detmath::log10(2000f64));
    let ly =
        |v: f64| bottom - (bottom - top) * (engine::detmath::log10(v.max(1.0)) - llo) / (lhi - llo);
    let xaxis = |unit: &str| {
        html! {
            <>
                <line class="axis" x1="50" y1={f1(bottom)} x2={f1(w - 15.0)} y2={f1(bottom)} />
                <line class="axis" x1="50" y1={f1(top)} x2="50" y2={f1(bottom)} />
                { for SWEEP_SIZES.iter().map(|&n| html! { <text class="tick" x={f1(size_x(n, w))} y={f1(h - 14.0)}>{ n }</text> }) }
                <text class="tick" x={f1(w / 2.0)} y={f1(h - 1.0)}>{ format!("members (log scale) · {unit}") }</text>
            </>
        }
    };
    let keys = |entries: &[(&'static str, &'static str)]| {
        html! {
            { for entries.iter().enumerate().map(|(i, (class, text))| html! {
                <text class={classes!("key", *class)} x={f1(w - 15.0)} y={f1(14.0 + 14.0 * i as f64)}>{ *text }</text>
            }) }
        }
    };
    html! {
        <div class="swim-charts">
            <svg viewBox={format!("0 0 {w} {h}")} class="sweep" data-testid="compare-time-chart" role="img"
                aria-label="Time until everyone who must know has the crashed member down, per design, against group size">
                { xaxis("ms until all who must know") }
                <text class="tick" x="26" y={f1(top + 4.0)}>{ format!("{time_max:.0}") }</text>
                <text class="tick" x="26" y={f1(bottom - 2.0)}>{"0"}</text>
                { for Design::ALL.iter().map(|&d| line(rows, d, w, &ty, |r| r.dissemination_ms)) }
                { keys(&[("d-central", "— central (monitor knows)"), ("d-all", "— all-to-all (all know)"), ("d-swim", "— SWIM (all know)")]) }
            </svg>
            <svg viewBox={format!("0 0 {w} {h}")} class="sweep" data-testid="compare-load-chart" role="img"
                aria-label="Messages per second per member and at the busiest process, per design, against group size (log scale)">
                { xaxis("messages / s (log scale)") }
                { for [1.0, 10.0, 100.0, 1000.0].iter().map(|&v| html! {
                    <text class="tick" x="26" y={f1(ly(v) + 4.0)}>{ format!("{v:.0}") }</text>
                }) }
                { line(rows, Design::Central, w, &ly, |r| Some(r.busiest_in_per_s)) }
                { line(rows, Design::AllToAll, w, &ly, |r| Some(r.messages_per_member_per_s)) }
                { line(rows, Design::Swim, w, &ly, |r| Some(r.messages_per_member_per_s)) }
                { keys(&[("d-central", "— central: into the monitor"), ("d-all", "— all-to-all: per member"), ("d-swim", "— SWIM: per member")]) }
            </svg>
        </div>
    }
}

fn table(rows: &[CompareRow]) -> Html {
    let cell = |r: Option<&CompareRow>, load: fn(&CompareRow) -> f64| match r {
        Some(r) => html! {
            <td>{ ms(r.detection_ms) }<br/>{ format!("{:.0}/s · {} false", load(r), r.false_positives) }</td>
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
