//! The hash ring stage: the ring with its nodes and keys, keys moving after an operation, a key's walk.

use super::{
    at_turn, node_colour, paint, row_font, row_y, C, MAX_DOTS, MAX_DRAWN_TOKENS, MAX_FLIGHTS, R,
    ROWS_X,
};
use crate::geometry::{f1, Pt};
use crate::i18n::{tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::ring::{NodeState, RingLab, RingRun, StepKind};
use engine::NodeId;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Props of the static ring layer: re-rendered only when the run or its position changes, not
/// on every animation frame.
#[derive(Properties, Clone)]
pub struct StaticProps {
    pub(super) run: Rc<RefCell<RingRun>>,
    pub(super) steps: u64,
    pub(super) selected: Option<NodeId>,
    pub(super) dispatch: Callback<Action>,
    /// The stage's scale (user units per CSS px).
    pub(super) scale: f64,
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
pub(super) fn render_flights(rl: &RingLab, rows: &[NodeId], frac: f64, scale: f64) -> Html {
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
pub(super) fn render_walk(rl: &RingLab, key: &str) -> Html {
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

pub(super) fn render_walk_text(rl: &RingLab, key: &str) -> Html {
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
