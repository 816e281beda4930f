//! The replication page's drawing pieces every section uses: a node's circle, the messages in flight, timeline bars.

use super::{STRIP_END, STRIP_X};
use crate::components::hooks::StageScale;
use crate::components::lab::{keyed_when_still, select_handlers};
use crate::geometry::{f1, lerp, progress, Pt};
use crate::i18n::trf;
use crate::player::Action;
use engine::time::SimTime;
use engine::{Fault, NodeId};
use yew::prelude::*;

/// A node's circle with its label, status ring and cross when crashed.
pub(super) struct NodeView<'a> {
    pub(super) id: NodeId,
    pub(super) at: Pt,
    pub(super) r: f64,
    pub(super) label: String,
    pub(super) role: &'a str,
    pub(super) status: &'a str,
    pub(super) alive: bool,
    pub(super) paused: bool,
    pub(super) selected: bool,
    pub(super) aria: String,
}

pub(super) fn node_circle(v: NodeView, extra: Html, dispatch: &Callback<Action>) -> Html {
    let (onclick, onkeydown) = select_handlers(dispatch, v.id);
    let c = v.at;
    let r = v.r;
    // The crash mark sits on the node's upper right, clear of its label.
    let cross = crate::geometry::cross_path(
        crate::geometry::Pt {
            x: c.x + 0.85 * r,
            y: c.y - 0.85 * r,
        },
        0.4 * r.max(12.0),
    );
    html! {
        <g class={classes!("node", format!("st-{}", v.status), format!("role-{}", v.role), (!v.alive).then_some("crashed"),
                v.selected.then_some("selected"), (v.role == "primary" && v.alive).then_some("is-primary"), v.paused.then_some("paused"))}
            data-node-id={v.id.to_string()} data-status={v.status.to_string()} data-role={v.role.to_string()}
            data-alive={v.alive.to_string()} data-paused={v.paused.to_string()}
            {onclick}>
            // The node's row (log, notes, its hit area) under the circle.
            { extra }
            // The keyboard target: the circle and its label; the node's log and notes around it
            // are shown beside it.
            <g class="node-hit" role="button" tabindex="0" aria-label={format!("{}: {}", v.label, v.aria)} {onkeydown}>
                <title>{ v.aria }</title>
                <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + 7.0)} />
                <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
                <text class="label" x={f1(c.x)} y={f1(c.y + 0.37 * r.max(19.0))}>{ v.label }</text>
            </g>
            if !v.alive { <path class="cross" d={cross} /> }
            if v.paused { <text class="pause-mark" x={f1(c.x + r * 0.8)} y={f1(c.y - r * 0.6)}>{"⏸"}</text> }
        </g>
    }
}

/// A message in flight as the stage draws it.
pub(super) struct Dot {
    id: u64,
    from: NodeId,
    to: NodeId,
    sent: u64,
    deliver: u64,
    held: bool,
    lost: bool,
    kind: &'static str,
    text: String,
}

/// The dot of an in-flight message of any section.
pub(super) fn dot<M: std::fmt::Display>(m: &engine::sim::InFlight<M>, kind: &'static str) -> Dot {
    Dot {
        id: m.id,
        from: m.from,
        to: m.to,
        sent: m.sent_at.0,
        deliver: m.deliver_at.0,
        held: m.held,
        lost: m.lost,
        kind,
        text: m.msg.to_string(),
    }
}

/// Messages in flight between nodes, each a dot (click to drop it) travelling from the edge of
/// one node to the edge of the other (`clear`: the largest node radius), so a dot never sits on
/// a node's number.
pub(super) fn messages(
    sim_now: SimTime,
    msgs: impl Iterator<Item = Dot>,
    pos: &dyn Fn(NodeId) -> Option<Pt>,
    clear: f64,
    dispatch: &Callback<Action>,
    moving: bool,
) -> Html {
    let dots = msgs.filter_map(|Dot { id, from, to, sent, deliver, held, lost, kind, text }| {
        let (a, b) = crate::geometry::between_circles(pos(from)?, pos(to)?, clear, clear);
        let f = if held { 0.85 } else { progress(sim_now.0, sent, deliver) };
        let at = lerp(a, b, f);
        let d = dispatch.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            d.emit(Action::Inject(Fault::DropMsg(id)));
        });
        let title = trf("#{} {}→{} {} — click to drop it", &[&id, &from, &to, &text]);
        Some(keyed_when_still(
            html! {
                <g class={classes!("msg", kind, lost.then_some("lost"), held.then_some("held"))} data-msg-id={id.to_string()} data-kind={kind} {onclick}>
                    <title>{ title }</title>
                    <circle cx={f1(at.x)} cy={f1(at.y)} r="6" />
                </g>
            },
            id,
            moving,
        ))
    });
    html! { <g class="messages">{ for dots }</g> }
}

/// The picture's time axis: 0 to the current time (at least one second).
pub(super) fn time_x(t: SimTime, horizon: SimTime) -> f64 {
    STRIP_X + (STRIP_END - STRIP_X) * (t.0 as f64 / horizon.0.max(1) as f64)
}

/// Bars of a timeline row `(from, until)` at `y`.
pub(super) fn bars(
    spans: &[(SimTime, SimTime)],
    horizon: SimTime,
    y: f64,
    h: f64,
    class: &'static str,
) -> Html {
    html! {
        { for spans.iter().map(|&(a, b)| {
            let (x0, x1) = (time_x(a, horizon), time_x(b, horizon));
            html! { <rect class={class} x={f1(x0)} y={f1(y)} width={f1((x1 - x0).max(1.5))} height={f1(h)} /> }
        }) }
    }
}

/// A stage text's size in user units for `kw` user units per CSS px: at least 12.5 CSS px as
/// drawn (the stylesheet's `max(16px, var(--t))`), so narrow screens lay out for larger text.
pub(super) fn text_size(kw: f64) -> f64 {
    (12.5 * kw).max(16.0)
}

/// The `style` that keeps a picture `height` units tall, laid out for text `font` units tall,
/// from being drawn at more than `font / text_px` units per CSS px: where the stage is short (150 %
/// zoom, a lesson caption above) the picture would shrink to its height and its text, at least
/// `text_px` CSS px, grow past what the layout made room for (labels ran into each other); the
/// stage grows instead.
pub(super) fn legible(height: f64, font: f64, sc: StageScale) -> String {
    format!("min-height:{}px", f1(height * sc.text_px / font))
}
