//! The consistent-hashing lab page: the ring with every node's tokens and arcs, keys as dots,
//! servers with their loads, keys flying to their new owner after each operation, a lookup walk,
//! load statistics against the known laws, and every scheme compared on the same keys.

mod analysis;
mod panels;
mod stage;

use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{lab_head, lesson_caption, use_lab, LabProps};
use crate::geometry::Pt;
use crate::i18n::{t, tr};
use analysis::{Compare, Sweep};
use engine::fmtnum::trim;
use engine::history::Run;
use engine::ring::HashRingLab;
use engine::NodeId;
use panels::{render_actions, render_ops, render_settings, render_stats};
use stage::{render_flights, render_walk, render_walk_text, RingStatic, StaticProps};
use std::f64::consts::{FRAC_PI_2, TAU};
use web_sys::HtmlInputElement;
use yew::prelude::*;

const C: Pt = Pt { x: 300.0, y: 320.0 };
const R: f64 = 250.0;
const ROWS_X: f64 = 620.0;
const VIEW_W: f64 = 960.0;
const VIEW_H: f64 = 640.0;
/// How long keys fly to their new owner after an operation (simulated ms).
const FLIGHT_MS: f64 = 1200.0;
/// The most keys drawn as dots, and the most moved keys animated.
const MAX_DOTS: usize = 5000;
const MAX_FLIGHTS: usize = 300;
/// Above this many tokens arcs and ticks are not drawn (the statistics still are).
const MAX_DRAWN_TOKENS: usize = 20_000;

/// A node's colour from the page's 16-colour palette (`--c0`…`--c15` in style.css; its name is
/// always printed next to it: colour is never the only cue), for a `style` attribute.
pub fn node_colour(id: NodeId) -> String {
    format!("var(--c{})", id % 16)
}

/// `style` painting with a node's colour (`fill` or `stroke`).
fn paint(what: &str, id: NodeId) -> String {
    format!("{what}:{}", node_colour(id))
}

fn at_turn(turn: f64, r: f64) -> Pt {
    let a = -FRAC_PI_2 + TAU * turn;
    let (sin, cos) = crate::geometry::sin_cos(a);
    Pt {
        x: C.x + r * cos,
        y: C.y + r * sin,
    }
}

/// Row geometry of the server column: y of row k and its height.
/// Row `k` of `rows` in the server column: its top and height. Rows grow to hold their text at
/// `font` (user units) when they all still fit; otherwise the text is left out (see `labelled`).
fn row_y(k: usize, rows: usize, font: f64) -> (f64, f64) {
    let h = (600.0 / rows.max(1) as f64).clamp(6.0, 30.0);
    let roomy = (1.3 * font).max(h);
    let h = if roomy * rows as f64 <= 620.0 {
        roomy
    } else {
        h
    };
    (20.0 + h * k as f64, h)
}

/// The text size of the server column at stage scale `k` (the stylesheet's `max(19px, var(--t))`).
fn row_font(k: f64) -> f64 {
    (12.5 * k).max(19.0)
}

/// The page.
#[component]
pub fn RingPage(props: &LabProps) -> Html {
    let lab = use_lab::<HashRingLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let k = sc.text_k();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let lookup = use_state(|| None::<String>);
    let selected_node = player.selected;
    let run = player.hist.borrow();
    let rl = run.lab();
    let now_ms = run.now().as_ms_f64();
    let rows: Vec<NodeId> = rl.ring().nodes();
    let flights = run
        .last_op_time()
        .filter(|t| now_ms - t.as_ms_f64() < FLIGHT_MS)
        .map(|t| {
            let frac = ((now_ms - t.as_ms_f64()) / FLIGHT_MS).clamp(0.0, 1.0);
            render_flights(rl, &rows, frac, k)
        });
    let lookup_ref = use_node_ref();
    let on_lookup = {
        let lookup = lookup.clone();
        let r = lookup_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = r.cast::<HtmlInputElement>() {
                let v: String = input.value().trim().chars().take(64).collect();
                lookup.set((!v.is_empty()).then_some(v));
            }
        })
    };
    let static_props = StaticProps {
        run: player.hist.clone(),
        steps: run.steps(),
        selected: selected_node,
        dispatch: dispatch.clone(),
        scale: k,
    };
    html! {
        <main class="lab ring">
            { lab_head(&lab) }
            if !run.skipped().is_empty() {
                <div class="banner notice" data-testid="skipped">{ format!("Skipped operations: {}", run.skipped().join("; ")) }</div>
            }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    <svg class="ring-view" viewBox={format!("0 0 {} {}", trim(VIEW_W, 1), trim(VIEW_H, 1))} role="group" aria-label={tr("Hash ring")} data-testid="ring">
                        <RingStatic ..static_props />
                        if let Some(f) = flights { { f } }
                        if let Some(k) = (*lookup).clone() { { render_walk(rl, &k) } }
                    </svg>
                    <form class="inline" onsubmit={on_lookup}>
                        <label><span>{ t("Look up a key") }</span><crate::components::lab::Field node_ref={lookup_ref} testid="lookup-input" value={(*lookup).clone().unwrap_or_else(|| "user:42".into())} size={14} /></label>
                        <button type="submit" data-testid="lookup">{ t("Look up") }</button>
                        if let Some(k) = (*lookup).clone() { { render_walk_text(rl, &k) } }
                    </form>
                </div>
                <div class="side">
                    { render_actions(rl, selected_node, dispatch) }
                    { render_stats(rl) }
                </div>
            </div>
            <div class="lab-body">
                { render_ops(&run, &player.scenario, dispatch, player.playing) }
                <div class="side">
                    <Compare run={player.hist.clone()} steps={run.steps()} />
                    <Sweep run={player.hist.clone()} steps={run.steps()} />
                </div>
            </div>
            { render_settings(&player.scenario, dispatch) }
        </main>
    }
}
