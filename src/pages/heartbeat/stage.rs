//! The heartbeat stage: the monitor, the workers around it, their links and the heartbeats in flight.

use super::{status_of, CENTER, MONITOR_R, RING_R, VIEW};
use crate::components::hooks::StageScale;
use crate::components::lab::{click_emit, keyed_when_still, lost_key, select_handlers};
use crate::geometry::{arc_path, between_circles, cross_path, ellipse, f1, lerp, progress, Pt};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::trim;
use engine::heartbeat::{HbMsg, HbNode, HbParams, Monitor, Role, MONITOR};
use engine::net::LinkState;
use engine::sim::Sim;
use engine::{Fault, NodeId};
use yew::prelude::*;

fn worker_radius(n: usize, ring_r: f64) -> f64 {
    let spacing = std::f64::consts::TAU * ring_r / n.max(1) as f64;
    (spacing * 0.36).clamp(9.0, 34.0)
}

pub(super) fn render_svg(
    sim: &Sim<HbNode>,
    mon: &Monitor,
    p: &HbParams,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    let k = sc.text_k();
    let workers = sim.nodes().len() - 1;
    // A wide stage gets a wide picture: the workers on an ellipse around the monitor.
    let view_w = (VIEW * sc.aspect.clamp(1.0, 2.0)).round();
    let center = Pt {
        x: view_w / 2.0,
        y: CENTER.y,
    };
    // Text at least 12.5 CSS px as rendered (the stylesheet's `max(17px, var(--t))`); the ring
    // shrinks to leave a line of text above and below each worker.
    let font = (12.5 * k).max(17.0);
    let ring_r = RING_R.min(VIEW / 2.0 - 34.0 - 2.4 * font);
    let pos: Vec<Pt> = std::iter::once(center)
        .chain(ellipse(
            workers,
            center,
            ring_r + 0.9 * (view_w - VIEW) / 2.0,
            ring_r,
        ))
        .collect();
    let wr = worker_radius(workers, ring_r);
    let radius = |i: NodeId| if i == MONITOR { MONITOR_R } else { wr };
    let now = sim.now();
    let det = p.detector;

    // Two lanes per link (worker→monitor outside, monitor→worker inside), styled by state.
    let lane = |from: NodeId, to: NodeId| -> (Pt, Pt) {
        let (a, b) = between_circles(pos[from], pos[to], radius(from), radius(to));
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let off = 4.0;
        let (nx, ny) = (-dy / len * off, dx / len * off);
        (
            Pt {
                x: a.x + nx,
                y: a.y + ny,
            },
            Pt {
                x: b.x + nx,
                y: b.y + ny,
            },
        )
    };
    let links = (1..=workers).flat_map(|w| [(w, MONITOR), (MONITOR, w)]).map(|(a, b)| {
        let (s, e) = lane(a, b);
        let state = sim.links().get(a, b);
        let cls = match state {
            LinkState::Up => "link up",
            LinkState::Cut => "link cut",
            LinkState::Held => "link held",
        };
        html! { <line class={cls} data-link={format!("{a}>{b}")} x1={f1(s.x)} y1={f1(s.y)} x2={f1(e.x)} y2={f1(e.y)} /> }
    });

    let messages = sim.in_flight().map(|m| {
        let (s, e) = lane(m.from, m.to);
        let f = if m.held { 0.85 } else { progress(now.0, m.sent_at.0, m.deliver_at.0) };
        let at = lerp(s, e, f);
        let kind = match m.msg {
            HbMsg::Heartbeat { .. } => "hb",
            HbMsg::Promote { .. } => "promote",
            HbMsg::Demote { .. } => "demote",
        };
        let cls = classes!("msg", kind, m.lost.then_some("lost"), m.held.then_some("held"));
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(m.id)));
        let title = trf("#{} {}→{} {}{} — click to drop it", &[&m.id, &m.from, &m.to, &m.msg, &if m.lost { tr(" (will be lost)") } else { "" }]);
        keyed_when_still(
            html! {
                <g class={cls} data-testid={format!("msg-{}", m.id)} data-msg-id={m.id.to_string()} {onclick}>
                    <title>{ title }</title>
                    <circle cx={f1(at.x)} cy={f1(at.y)} r="7" />
                </g>
            },
            m.id,
            moving,
        )
    });

    let nodes = (0..=workers).map(|i| {
        let c = pos[i];
        let r = radius(i);
        let alive = sim.is_up(i);
        let st = status_of(sim, mon, det, i);
        let (onclick, onkeydown) = select_handlers(dispatch, i);
        let sel = selected == Some(i);
        let (role, epoch) = match &sim.nodes()[i] {
            HbNode::Worker(w) => (if w.role == Role::Primary { "primary" } else { "backup" }, w.epoch),
            HbNode::Monitor(m) => ("monitor", m.epoch),
        };
        let label = if i == MONITOR { "M".to_string() } else { i.to_string() };
        let silence = if i == MONITOR { None } else { mon.views.get(i).map(|v| now.since(v.last)) };
        let arc = silence.map(|s| {
            let frac = s.0 as f64 / p.down_after.0.max(1) as f64;
            let level = if s >= p.down_after { "down" } else if s >= p.suspect_after { "suspect" } else { "up" };
            html! { <path class={classes!("silence", level)} d={arc_path(c, r + 5.0, frac)} /> }
        });
        let aria = format!(
            "{} {}: {}{}, {}",
            if i == MONITOR { tr("M, the monitor") } else { tr("Worker") },
            if i == MONITOR { tr("(node 0)").to_string() } else { i.to_string() },
            tr(st.as_str()),
            if alive { "" } else { tr(" (crashed)") },
            tr(role)
        );
        let small = workers > 16;
        html! {
            <g class={classes!("node", format!("st-{}", st.as_str()), (!alive).then_some("crashed"), sel.then_some("selected"), (role == "primary" && alive).then_some("is-primary"))}
                data-node-id={i.to_string()} data-status={st.as_str()} data-alive={alive.to_string()}
                data-role={role} data-epoch={epoch.to_string()}
                {onclick}>
                { arc.unwrap_or_default() }
                <g class="node-hit" role="button" tabindex="0" aria-label={aria.clone()} {onkeydown}>
                    <title>{ aria }</title>
                    <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + 12.0)} />
                    <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
                    <text class="label" x={f1(c.x)} y={f1(c.y + if small { 4.0 } else { 7.0 })}>{ label }</text>
                </g>
                if !small || i == MONITOR {
                    <text class="status-text" x={f1(c.x)} y={f1(c.y + r + 1.2 * font)}>{ if alive { tr(st.as_str()).to_uppercase() } else { trf("{} · CRASHED", &[&tr(st.as_str()).to_uppercase()]) } }</text>
                }
                // A crashed worker drops its role mark: it acts as nothing while down.
                if role == "primary" && alive {
                    <text class="role-text" x={f1(c.x)} y={f1(c.y - r - 0.6 * font)}>{ trf("★ primary e{}", &[&epoch]) }</text>
                }
                if !alive {
                    <path class="cross" d={cross_path(Pt { x: c.x + 0.8 * r, y: c.y - 0.8 * r }, 0.3 * r.max(20.0))} />
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="cluster" viewBox={format!("0 0 {} {}", trim(view_w, 1), trim(VIEW, 1))} role="group" aria-label={tr("Workers around the monitor")} data-testid="cluster" onclick={deselect}>
            <g class="links">{ for links }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="messages">{ for messages }</g>
        </svg>
    }
}

pub(super) fn render_legend() -> Html {
    html! {
        <p class="legend">
            <span class="key hb">{ t("● heartbeat") }</span>
            <span class="key promote">{ t("● promote") }</span>
            <span class="key demote">{ t("● demote") }</span>
            { lost_key() }
            <span class="key">{ t("Arc around a worker: silence since its last heartbeat, full at the down timeout.") }</span>
        </p>
    }
}
