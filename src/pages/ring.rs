//! The consistent-hashing lab page: the ring with every node's tokens and arcs, keys as dots,
//! servers with their loads, keys flying to their new owner after each operation, a lookup walk,
//! load statistics against the known laws, and every scheme compared on the same keys.

use crate::components::chart::{chart, Axis, Series};
use crate::components::event_log::{announcer, LogLine};
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    lab_head, lesson_caption, param_input, setting, use_lab, LabProps, RunProps,
};
use crate::geometry::{f1, Pt};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::history::Run;
use engine::ring::analysis::{compare_schemes, vnode_sweep, SchemeRow};
use engine::ring::{stats::expected_stddev_pct, NodeState, RingLab, RingRun, StepKind, SweepPoint};
use engine::ring::{HashRingLab, RingOp};
use engine::scenario::Scenario;
use engine::time::fmt_ms;
use engine::NodeId;
use std::cell::RefCell;
use std::f64::consts::{FRAC_PI_2, TAU};
use std::rc::Rc;
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
    let k = sc.k;
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

/// Props of the static ring layer: re-rendered only when the run or its position changes, not
/// on every animation frame.
#[derive(Properties, Clone)]
pub struct StaticProps {
    run: Rc<RefCell<RingRun>>,
    steps: u64,
    selected: Option<NodeId>,
    dispatch: Callback<Action>,
    /// The stage's scale (user units per CSS px).
    scale: f64,
}

impl PartialEq for StaticProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.run, &o.run)
            && self.steps == o.steps
            && self.selected == o.selected
            && self.scale == o.scale
    }
}

/// Tokens, ownership arcs, key dots and the server column.
#[component]
pub fn RingStatic(props: &StaticProps) -> Html {
    let run = props.run.borrow();
    let rl = run.lab();
    let ring = rl.ring();
    let tokens = ring.tokens();
    let rows: Vec<NodeId> = ring.nodes();
    let draw_tokens = tokens.len() <= MAX_DRAWN_TOKENS;
    // Ownership: the arc (previous token, this token] belongs to this token's node.
    let arcs = if draw_tokens && !tokens.is_empty() {
        let mut per_node: std::collections::BTreeMap<NodeId, String> = Default::default();
        for (i, t) in tokens.iter().enumerate() {
            let prev = if i == 0 {
                tokens[tokens.len() - 1].turn() - 1.0
            } else {
                tokens[i - 1].turn()
            };
            let (a, b) = (at_turn(prev, R), at_turn(t.turn(), R));
            let large = if t.turn() - prev > 0.5 { 1 } else { 0 };
            per_node.entry(t.node).or_default().push_str(&format!(
                "M{} {}A{} {} 0 {large} 1 {} {}",
                fixed(a.x, 1),
                fixed(a.y, 1),
                trim(R, 1),
                trim(R, 1),
                fixed(b.x, 1),
                fixed(b.y, 1)
            ));
        }
        per_node
            .into_iter()
            .map(|(node, d)| {
                let failed = ring.state(node) == NodeState::Failed;
                html! { <path class={classes!("arc", failed.then_some("failed"))} data-arc-node={node.to_string()} d={d} style={paint("stroke", node)} /> }
            })
            .collect::<Html>()
    } else {
        html! { <text class="muted-svg" x={f1(C.x)} y={f1(C.y - 1.5 * (12.5 * props.scale).max(20.0))}>{ trf("{} tokens: too many to draw", &[&tokens.len()]) }</text> }
    };
    let ticks = (draw_tokens && tokens.len() <= 3000).then(|| {
        tokens
            .iter()
            .map(|t| {
                let (a, b) = (at_turn(t.turn(), R - 7.0), at_turn(t.turn(), R + 7.0));
                html! { <line class="tick" x1={f1(a.x)} y1={f1(a.y)} x2={f1(b.x)} y2={f1(b.y)} style={paint("stroke", t.node)} /> }
            })
            .collect::<Html>()
    });
    let assignment = rl.assignment();
    let n_keys = assignment.len();
    let stride = n_keys.div_ceil(MAX_DOTS).max(1);
    let dots = (0..n_keys).step_by(stride).map(|k| {
        let p = at_turn(
            engine::ring::ring::position_turn(rl.key_position(k)),
            R - 16.0 - (k % 5) as f64 * 3.0,
        );
        let owner = assignment[k];
        let fill = if owner == engine::ring::NO_NODE {
            "#999".to_string()
        } else {
            node_colour(owner)
        };
        html! { <circle class="key-dot" cx={f1(p.x)} cy={f1(p.y)} r="2" style={format!("fill:{fill}")} /> }
    });
    let stats = rl.stats();
    let max_keys = stats
        .per_node
        .iter()
        .map(|l| l.keys)
        .max()
        .unwrap_or(1)
        .max(1);
    // The column: colour swatch, name, bar, count; the bar gives way to text that grew.
    let font = row_font(props.scale);
    let label_w = 1.9 * font;
    let bar_max = (330.0 - 14.0 - label_w - 3.4 * font).clamp(40.0, 200.0);
    let server_rows = rows.iter().enumerate().map(|(k, &id)| {
        let (y, h) = row_y(k, rows.len(), font);
        let state = ring.state(id);
        let keys = stats.per_node.iter().find(|l| l.node == id).map(|l| l.keys).unwrap_or(0);
        let w = bar_max * keys as f64 / max_keys as f64;
        let (onclick, onkeydown) = crate::components::lab::select_handlers(&props.dispatch, id);
        let status = if state == NodeState::Up { "up" } else { "down" };
        html! {
            <g class={classes!("server-row", format!("st-{}", state.as_str()), (props.selected == Some(id)).then_some("selected"))}
                data-node-id={id.to_string()} data-status={status} data-keys={keys.to_string()} role="button" tabindex="0" {onclick} {onkeydown}>
                <title>{ trf("{}: {}, {} keys, weight {}", &[&engine::ring::node_name(id), &tr(state.as_str()), &keys, &ring.weight(id)]) }</title>
                <rect class="row-bg" x={f1(ROWS_X - 4.0)} y={f1(y)} width="336" height={f1(h - 1.0)} />
                <rect x={f1(ROWS_X)} y={f1(y + 2.0)} width="10" height={f1((h - 5.0).max(2.0))} style={paint("fill", id)} />
                <rect class="bar" x={f1(ROWS_X + 14.0 + label_w)} y={f1(y + 3.0)} width={f1(w)} height={f1((h - 7.0).max(2.0))} style={paint("fill", id)} />
                if h >= font {
                    <text class="row-label" x={f1(ROWS_X + 14.0)} y={f1(y + h * 0.5 + 0.35 * font)}>{ engine::ring::node_name(id) }</text>
                    <text class="row-count" x={f1(ROWS_X + 18.0 + label_w + w)} y={f1(y + h * 0.5 + 0.35 * font)}>{ if state == NodeState::Failed { trf("{} · FAILED", &[&keys]) } else { keys.to_string() } }</text>
                }
            </g>
        }
    });
    html! {
        <g class="ring-static">
            <circle class="ring-base" cx={f1(C.x)} cy={f1(C.y)} r={f1(R)} />
            <g class="arcs">{ arcs }</g>
            <g class="ticks">{ ticks.unwrap_or_default() }</g>
            <g class="keys">{ for dots }</g>
            <text class="ring-caption" x={f1(C.x)} y={f1(C.y)}>{ trf("{} keys", &[&n_keys]) }</text>
            <text class="ring-caption small" x={f1(C.x)} y={f1(C.y + 1.2 * (12.5 * props.scale).max(18.0))}>{ trf("{} tokens · {}", &[&tokens.len(), &{ let sc = rl.params().scheme; sc.to_string().replacen(sc.as_str(), tr(sc.as_str()), 1) }]) }</text>
            <g class="servers">{ for server_rows }</g>
        </g>
    }
}

/// Keys that changed owner in the last operation, flying from the old owner's row to the new.
fn render_flights(rl: &RingLab, rows: &[NodeId], frac: f64, scale: f64) -> Html {
    let Some(m) = rl.movement() else {
        return html! {};
    };
    let row_centre = |id: NodeId| {
        rows.iter().position(|&r| r == id).map(|k| {
            let (y, h) = row_y(k, rows.len(), row_font(scale));
            Pt {
                x: ROWS_X + 5.0,
                y: y + h / 2.0,
            }
        })
    };
    let stride = m.moves.len().div_ceil(MAX_FLIGHTS).max(1);
    let e = 1.0 - (1.0 - frac).powi(3); // ease out
    let dots = m.moves.iter().step_by(stride).map(|mv| {
        let ring_pos = at_turn(engine::ring::ring::position_turn(rl.key_position(mv.key)), R - 16.0);
        let from = row_centre(mv.from).unwrap_or(ring_pos);
        let to = row_centre(mv.to).unwrap_or(ring_pos);
        // Arc through the ring's centre side so flights are visible.
        let mid = Pt { x: (from.x + to.x) / 2.0 - 120.0, y: (from.y + to.y) / 2.0 };
        let p = Pt {
            x: (1.0 - e).powi(2) * from.x + 2.0 * (1.0 - e) * e * mid.x + e * e * to.x,
            y: (1.0 - e).powi(2) * from.y + 2.0 * (1.0 - e) * e * mid.y + e * e * to.y,
        };
        html! { <circle class="flight" cx={f1(p.x)} cy={f1(p.y)} r="3.5" style={paint("fill", mv.to)} /> }
    });
    html! {
        <g class="flights" data-testid="flights">
            { for dots }
            <text class="flight-caption" x={f1(C.x)} y={f1(C.y + 2.5 * (12.5 * scale).max(18.0))}>{ trf("{} keys moving ({}%)", &[&m.moved(), &fixed(m.moved_pct(), 1).to_string()]) }</text>
        </g>
    }
}

fn key_walk(rl: &RingLab, key: &str) -> (u64, engine::ring::Walk) {
    let ring = rl.ring();
    let pos = ring.key_position(key.as_bytes());
    (pos, ring.walk_at(pos, rl.params().replicas))
}

/// The lookup: the key's position, then the clockwise path to its owner and replicas (drawn
/// progressively by CSS).
fn render_walk(rl: &RingLab, key: &str) -> Html {
    let (pos, walk) = key_walk(rl, key);
    let tokens = rl.ring().tokens();
    let start = engine::ring::ring::position_turn(pos);
    let k = at_turn(start, R + 26.0);
    let mut d = String::new();
    let mut from = start;
    let marks = walk.steps.iter().enumerate().map(|(i, s)| {
        let t = tokens[s.token].turn();
        let to = if t < from { t + 1.0 } else { t };
        let (a, b) = (at_turn(from, R + 12.0), at_turn(to, R + 12.0));
        let large = if to - from > 0.5 { 1 } else { 0 };
        d.push_str(&format!("M{} {}A{} {} 0 {large} 1 {} {}", fixed(a.x, 1), fixed(a.y, 1), trim(R + 12.0, 1), trim(R + 12.0, 1), fixed(b.x, 1), fixed(b.y, 1)));
        from = t;
        let p = at_turn(t, R + 24.0);
        let label = match s.kind {
            StepKind::Owner => "1".to_string(),
            StepKind::Replica => (walk.replicas.iter().position(|&r| r == s.node).map(|x| x + 1).unwrap_or(0)).to_string(),
            StepKind::Failed => "✕".into(),
            StepKind::Duplicate => "·".into(),
        };
        html! {
            <g class={classes!("walk-step", format!("k-{:?}", s.kind).to_lowercase())} style={format!("animation-delay:{}ms", 300 + i * 250)}>
                <circle cx={f1(p.x)} cy={f1(p.y)} r="9" style={paint("fill", s.node)} />
                <text x={f1(p.x)} y={f1(p.y + 4.0)}>{ label }</text>
            </g>
        }
    }).collect::<Html>();
    html! {
        <g class="walk" data-testid="walk" key={key.to_string()}>
            <path class="walk-path" d={d} />
            <circle class="walk-key" cx={f1(k.x)} cy={f1(k.y)} r="7" />
            <text class="walk-label" x={f1(k.x)} y={f1(k.y - 12.0)}>{ key.to_string() }</text>
            { marks }
        </g>
    }
}

fn render_walk_text(rl: &RingLab, key: &str) -> Html {
    let (pos, walk) = key_walk(rl, key);
    let names: Vec<String> = walk
        .replicas
        .iter()
        .map(|&r| engine::ring::node_name(r))
        .collect();
    let failed: Vec<String> = walk
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Failed)
        .map(|s| engine::ring::node_name(s.node))
        .collect();
    html! {
        <span class="walk-text" data-testid="walk-result" data-owner={walk.replicas.first().map(|&r| engine::ring::node_name(r)).unwrap_or_default()}>
            { trf("{} → {}° → owner {}{}{}", &[&rl.params().hash.as_str(), &fixed(360.0 * engine::ring::ring::position_turn(pos), 2).to_string(),
                &names.first().cloned().unwrap_or(tr("none").into()),
                &if names.len() > 1 { trf(", replicas {}", &[&names[1..].join(", ")]) } else { String::new() },
                &if failed.is_empty() { String::new() } else { trf(" (skipped failed {})", &[&failed.join(", ")]) }]) }
        </span>
    }
}

/// A button applying a ring operation now (`add:n5`, `fail:n1`, …).
/// A ring operation's button; `unavailable` is why it cannot apply now (shown as its tooltip and
/// to screen readers), or `None`.
fn op_button(
    dispatch: &Callback<Action>,
    testid: &str,
    label: String,
    op: RingOp,
    unavailable: Option<String>,
) -> Html {
    let d = dispatch.clone();
    let action = Action::Inject(engine::Fault::command(0, op));
    let onclick = Callback::from(move |_: MouseEvent| d.emit(action.clone()));
    let disabled = unavailable.is_some();
    html! {
        <button data-testid={testid.to_string()} {onclick} {disabled}
            title={unavailable.clone()} aria-description={unavailable}>{ label }</button>
    }
}

fn render_actions(rl: &RingLab, selected: Option<NodeId>, dispatch: &Callback<Action>) -> Html {
    let ring = rl.ring();
    let fresh = ring.fresh_id();
    let vnodes_ref = NodeRef::default();
    let on_vnodes = {
        let d = dispatch.clone();
        let r = vnodes_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "cmd:0:vnodes:{}",
                    i.value().trim()
                )));
            }
        })
    };
    let node_actions = selected.filter(|id| ring.state(*id).on_ring()).map(|id| {
        let name = engine::ring::node_name(id);
        let state = ring.state(id);
        let w = ring.weight(id);
        html! {
            <div class="node-actions sheet" data-testid="node-actions">
                { crate::components::sheet::close_button(dispatch) }
                <h3>{ trf("{} — {}, weight {}", &[&name, &tr(state.as_str()), &w]) }</h3>
                <div class="actions">
                    { op_button(dispatch, "action-fail", tr("Fail (stays on the ring)").into(), RingOp::Fail(id), (state != NodeState::Up).then(|| tr("only a node that is up can fail").into())) }
                    { op_button(dispatch, "action-recover", tr("Recover").into(), RingOp::Recover(id), (state != NodeState::Failed).then(|| tr("only a failed node can recover").into())) }
                    { op_button(dispatch, "action-remove", tr("Remove (decommission)").into(), RingOp::Remove(id), None) }
                    { op_button(dispatch, "action-weight-up", tr("Weight +1").into(), RingOp::SetWeight(id, w + 1), (w >= engine::ring::MAX_WEIGHT).then(|| trf("the weight is at its maximum ({})", &[&engine::ring::MAX_WEIGHT]))) }
                    { op_button(dispatch, "action-weight-down", tr("Weight −1").into(), RingOp::SetWeight(id, w.saturating_sub(1)), (w <= 1).then(|| tr("the weight is at its minimum (1)").into())) }
                </div>
            </div>
        }
    });
    html! {
        <section class="panel">
            <h2>{ t("Operations") }</h2>
            <p class="muted">{ t("Each operation happens at the current time, is recorded in the link, and shows which keys move. Click a server row to act on it.") }</p>
            <div class="actions">
                { op_button(dispatch, "action-add", fresh.map(|f| trf("Add node {}", &[&engine::ring::node_name(f)])).unwrap_or(tr("Add node").into()), RingOp::Add(fresh.unwrap_or_default()), fresh.is_none().then(|| format!("the ring has its maximum of {} nodes", engine::ring::MAX_NODES))) }
            </div>
            <form class="inline" onsubmit={on_vnodes}>
                <label><span>{ t("Virtual nodes per node") }</span><crate::components::lab::Field testid="op-vnodes" node_ref={vnodes_ref} value={ring.vnodes().to_string()} size={5} /></label>
                <button type="submit" data-testid="op-vnodes-apply">{ t("Change") }</button>
            </form>
            { node_actions.unwrap_or_default() }
        </section>
    }
}

fn render_stats(rl: &RingLab) -> Html {
    let st = rl.stats();
    let s = st.summary;
    let moved = rl.movement();
    let (w, h) = (420.0, 160.0);
    let max = st.per_node.iter().map(|l| l.keys).max().unwrap_or(1).max(1) as f64 * 1.1;
    let n = st.per_node.len().max(1) as f64;
    let bw = (w - 40.0) / n;
    let y = |v: f64| h - 20.0 - (h - 30.0) * v / max;
    let bars = st.per_node.iter().enumerate().map(|(k, l)| {
        let x = 30.0 + bw * k as f64;
        html! {
            <g>
                <title>{ trf("{}: {} keys ({}%)", &[&engine::ring::node_name(l.node), &l.keys, &fixed(l.share_pct, 2).to_string()]) }</title>
                <rect x={f1(x)} y={f1(y(l.keys as f64))} width={f1((bw - 1.0).max(0.5))} height={f1(h - 20.0 - y(l.keys as f64))} style={paint("fill", l.node)} />
                if n <= 24.0 { <text class="tick" x={f1(x + bw / 2.0)} y={f1(h - 6.0)}>{ engine::ring::node_name(l.node) }</text> }
            </g>
        }
    });
    let pct = |v: f64| fixed(v, 2).to_string();
    html! {
        <section class="panel stats" data-testid="stats">
            <h2>{ t("Load per node") }</h2>
            <svg viewBox={format!("0 0 {} {}", trim(w, 1), trim(h, 1))} class="bars">
                { for bars }
                <rect class="sd-band" x="30" y={f1(y(s.mean + s.stddev))} width={f1(w - 40.0)} height={f1((y(s.mean - s.stddev) - y(s.mean + s.stddev)).max(0.0))} />
                <line class="mean" x1="30" x2={f1(w - 10.0)} y1={f1(y(s.mean))} y2={f1(y(s.mean))} />
                <text class="tick" x={f1(w - 12.0)} y={f1(y(s.mean) - 4.0)} text-anchor="end">{ t("mean ± σ") }</text>
            </svg>
            <dl>
                <dt>{ t("mean") }</dt><dd data-testid="stat-mean">{ trf("{} keys", &[&fixed(s.mean, 1).to_string()]) }</dd>
                <dt>{ t("std deviation") }</dt><dd><span data-testid="stat-stddev" data-value={fixed(s.stddev, 4).to_string()}>{ fixed(s.stddev, 1).to_string() }</span>{ trf(" keys ({}% of the mean)", &[&fixed(100.0 * s.cv, 2).to_string()]) }</dd>
                <dt>{ t("coefficient of variation") }</dt><dd data-testid="stat-cv" data-value={fixed(s.cv, 6).to_string()}>{ fixed(s.cv, 4).to_string() }</dd>
                <dt>{ t("max / mean") }</dt><dd data-testid="stat-max-mean" data-value={fixed(s.max_over_mean, 6).to_string()}>{ fixed(s.max_over_mean, 3).to_string() }</dd>
                <dt>{ t("expected σ/mean") }</dt><dd>{ trf("≈ {}% for {} nodes × {} vnodes (≈ 1/√V)", &[&pct(expected_stddev_pct(s.nodes, rl.ring().vnodes(), rl.hashes().len())), &s.nodes, &rl.ring().vnodes()]) }</dd>
                <dt>{ t("last operation") }</dt>
                <dd>
                    <span data-testid="stat-moved" data-value={moved.map(|m| m.moved().to_string()).unwrap_or_default()}>{ moved.map(|m| m.moved().to_string()).unwrap_or("–".into()) }</span>
                    { moved.map(|m| trf(" keys moved ({}%; the ideal share is {}%) by {}", &[&fixed(m.moved_pct(), 2).to_string(), &fixed(m.ideal_pct, 2).to_string(), &m.op.map(|o| o.to_string()).unwrap_or_default()])).unwrap_or_default() }
                </dd>
            </dl>
        </section>
    }
}

fn render_ops(run: &RingRun, s: &Scenario, dispatch: &Callback<Action>, playing: bool) -> Html {
    let applied = run.steps() as usize;
    // The applied operations, for the live region (an operation is this lab's event).
    let said: Vec<LogLine> = s
        .faults
        .iter()
        .take(applied)
        .enumerate()
        .map(|(k, f)| LogLine {
            step: k as u64 + 1,
            text: match &f.fault {
                engine::Fault::Command(_, t) => format!("{} {t}", f.at),
                other => format!("{} {other}", f.at),
            }
            .into(),
            notes: Rc::new([]),
            kind: "ev-fault",
        })
        .collect();
    let items = s.faults.iter().enumerate().map(|(k, f)| {
        let text = match &f.fault {
            engine::Fault::Command(_, t) => t.to_string(),
            other => other.to_string(),
        };
        let d = dispatch.clone();
        let rest: Vec<String> = s.faults.iter().enumerate().filter(|(j, _)| *j != k).filter_map(|(_, g)| match &g.fault {
            engine::Fault::Command(_, t) => Some(format!("{}:{t}", fmt_ms(g.at.0))),
            _ => None,
        }).collect();
        let onclick = Callback::from(move |_: MouseEvent| d.emit(Action::SetParam("ops".into(), rest.join(";"))));
        let done = k < applied;
        html! {
            <li class={classes!("event", "chip", done.then_some("done"))} data-testid={if done { "event" } else { "pending-op" }} data-step={(k + 1).to_string()}>
                <code>{ format!("{} ms: {text}", fmt_ms(f.at.0)) }</code>
                <button class="x" title={tr("Remove this operation (the run replays without it)")} aria-label={tr("Remove")} {onclick}>{"✕"}</button>
            </li>
        }
    });
    html! {
        <section class="panel ops">
            <h2>{ t("Operation timeline") }<span class="muted">{ trf(" — {} of {} applied", &[&applied, &s.faults.len()]) }</span></h2>
            if s.faults.is_empty() {
                <p class="muted">{ t("No operations yet: add, remove or fail a node.") }</p>
            }
            <ol class="fault-list event-log" data-testid="event-log">{ for items }</ol>
            { announcer(&said, playing) }
        </section>
    }
}

/// The scheme as a menu of names, and the parameter of the two schemes that take one (Maglev's
/// table size, the bounded loads' factor) as a field beside it.
fn scheme_select(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    use engine::ring::schemes::Scheme;
    let current = s.setup::<HashRingLab>().scheme;
    let d = dispatch.clone();
    let onchange = Callback::from(move |e: Event| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        d.emit(Action::SetParam("scheme".into(), v));
    });
    let param = match current {
        Scheme::Maglev { m } => Some((
            "maglev",
            tr("Maglev table size"),
            m.to_string(),
            tr("a prime, 7–1000003 (65537 by default)"),
        )),
        Scheme::Bounded { c_pct } => Some((
            "bounded",
            tr("load bound c × 100"),
            c_pct.to_string(),
            tr("capacity = c × mean load; 100–1000 (125 by default)"),
        )),
        _ => None,
    };
    html! {
        <>
            <label title={tr("how keys are assigned to nodes (all compared on the same keys in “Compare schemes”)")}><span>{ t("scheme") }</span>
                <select data-testid="param-scheme" {onchange}>
                    { for Scheme::ALL.iter().map(|sc| html! {
                        <option value={sc.to_string()} selected={sc.as_str() == current.as_str()}>{ tr(sc.title()) }</option>
                    }) }
                </select>
            </label>
            if let Some((kind, label, value, help)) = param {
                { crate::components::lab::text_field(dispatch, "param-scheme-arg".into(), label, value, help,
                    move |v| Action::SetParam("scheme".into(), format!("{kind}:{v}"))) }
            }
        </>
    }
}

fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the operations on the new ring.") }</p>
            <div class="form">
                { param_input(dispatch, "n", tr("nodes"), s.nodes.to_string(), tr("initial nodes n0…, 1–1000")) }
                { setting::<HashRingLab>(s, dispatch, "vn", tr("vnodes per node")) }
                { setting::<HashRingLab>(s, dispatch, "hash", tr("hash function")) }
                { setting::<HashRingLab>(s, dispatch, "r", tr("replicas")) }
                { scheme_select(s, dispatch) }
                { setting::<HashRingLab>(s, dispatch, "keys", tr("keys")) }
            </div>
        </section>
    }
}

/// Every scheme on the same keys and the same last operation.
#[component]
pub fn Compare(props: &RunProps<RingRun>) -> Html {
    let rows = use_state(|| None::<(u64, Vec<SchemeRow>)>);
    let onclick = {
        let rows = rows.clone();
        let run = props.run.clone();
        let steps = props.steps;
        Callback::from(move |_: MouseEvent| {
            let out = compare_schemes(run.borrow().lab());
            rows.set(Some((steps, out)));
        })
    };
    let current = (*rows).clone().filter(|(s, _)| *s == props.steps);
    html! {
        <section class="panel compare" data-testid="compare">
            <h2>{ t("Compare schemes") }</h2>
            <p class="muted">{ t("The same keys, the same nodes and the same last operation under every scheme.") }</p>
            <button data-testid="compare-run" {onclick}>{ t("Compare all schemes") }</button>
            if let Some((_, rows)) = current {
                <table>
                    <thead><tr><th>{ t("scheme") }</th><th>{ t("σ / mean") }</th><th>{ t("max / mean") }</th><th>{ t("moved by last op") }</th></tr></thead>
                    <tbody>
                        { for rows.iter().map(|r| html! {
                            <tr data-testid={format!("compare-{}", r.scheme)} data-moved={r.moved_pct.map(|m| fixed(m, 4).to_string()).unwrap_or_default()}>
                                <th>{ r.scheme.clone() }</th>
                                <td>{ format!("{}%", fixed(r.stddev_pct, 2)) }</td>
                                <td>{ fixed(r.max_over_mean, 3).to_string() }</td>
                                <td>{ r.moved_pct.map(|m| format!("{}%", fixed(m, 2))).unwrap_or("–".into()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}

/// Standard deviation of per-node load against virtual nodes per node (≈ 1/√V).
#[component]
pub fn Sweep(props: &RunProps<RingRun>) -> Html {
    let points = use_state(|| None::<Result<Vec<SweepPoint>, String>>);
    let onclick = {
        let points = points.clone();
        let run = props.run.clone();
        Callback::from(move |_: MouseEvent| {
            let r = vnode_sweep(run.borrow().lab()).map_err(|e| e.to_string());
            points.set(Some(r));
        })
    };
    let chart = match &*points {
        Some(Ok(pts)) => {
            let line = |f: &dyn Fn(&SweepPoint) -> f64| {
                pts.iter()
                    .map(|p| (p.vnodes as f64, f(p)))
                    .collect::<Vec<_>>()
            };
            chart(
                "sweep-chart",
                tr("σ against virtual nodes"),
                Axis::log(tr("virtual nodes per node (log scale)"), 1.0, 1000.0),
                Axis::new(tr("σ, % of the mean")),
                &[
                    Series::new(tr("measured"), "--oi-blue", line(&|p| p.stddev_pct)).dotted(),
                    Series::new(tr("expected"), "--muted", line(&|p| p.expected_pct)).dashed(),
                ],
            )
        }
        Some(Err(e)) => html! { <p class="banner error">{ e.clone() }</p> },
        None => html! {},
    };
    html! {
        <section class="panel sweep-panel" data-testid="sweep">
            <h2>{"σ against virtual nodes"}</h2>
            <p class="muted">{"Standard deviation of per-node load (% of the mean) for 1…1000 vnodes per node, on these keys and this many nodes, averaged over 3 rings."}</p>
            <button data-testid="sweep-run" {onclick}>{"Run the sweep"}</button>
            { chart }
        </section>
    }
}
