//! The Raft stage: the servers, their links and election timers, the messages in flight.

use super::VIEW;
use crate::components::hooks::StageScale;
use crate::components::lab::{click_emit, keyed_when_still, select_handlers};
use crate::geometry::{
    arc_path, between_circles, cross_path, f1, label_spots, lerp, progress, Placer, Pt, Rect,
    RingFit,
};
use crate::i18n::{tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::trim;
use engine::net::LinkState;
use engine::raft::{Msg, RaftNode, Role, Timer};
use engine::sim::Sim;
use engine::{Fault, NodeId};
use yew::prelude::*;

pub(super) fn render_cluster(
    sim: &Sim<RaftNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    let n = sim.nodes().len();
    let k = sc.text_k();
    // A wide stage (a projector, 150 % zoom) gets a wide picture: the servers on an ellipse.
    let view_w = (VIEW * sc.aspect.clamp(1.0, 4.0)).round();
    let center = Pt {
        x: view_w / 2.0,
        y: VIEW / 2.0,
    };
    // Sizes in user units from the stage's scale `k` (units per CSS px): text at least 12.5 px
    // as rendered, nodes big enough to hold "term 10" at that size.
    let (fit, pos) = RingFit::on_ellipse(n, center, VIEW / 2.0, k, 0.9 * (view_w - VIEW) / 2.0);
    let (node_r, font) = (fit.node_r, fit.font);
    let dot_r = (0.47 * font).max(8.0);
    let now = sim.now();
    let lane = |a: NodeId, b: NodeId| -> (Pt, Pt) {
        let (s, e) = between_circles(pos[a], pos[b], node_r, node_r);
        let (dx, dy) = (e.x - s.x, e.y - s.y);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (nx, ny) = (-dy / len * 5.0, dx / len * 5.0);
        (
            Pt {
                x: s.x + nx,
                y: s.y + ny,
            },
            Pt {
                x: e.x + nx,
                y: e.y + ny,
            },
        )
    };
    let links = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).map(|(a, b)| {
        let (ab, ba) = (sim.links().get(a, b), sim.links().get(b, a));
        let state = |s: LinkState| match s {
            LinkState::Up => "up",
            LinkState::Cut => "cut",
            LinkState::Held => "held",
        };
        let all_up = ab == LinkState::Up && ba == LinkState::Up;
        let d = dispatch.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            if all_up {
                d.emit(Action::Inject(Fault::Cut(a, b)));
                d.emit(Action::Inject(Fault::Cut(b, a)));
            } else {
                d.emit(Action::Inject(Fault::Restore(a, b)));
                d.emit(Action::Inject(Fault::Restore(b, a)));
            }
        });
        let (s1, e1) = lane(a, b);
        let (s2, e2) = lane(b, a);
        let (ca, cb) = (pos[a], pos[b]);
        html! {
            <g class="link-pair" data-link={format!("{a}-{b}")} {onclick}>
                <title>{ trf("link {}↔{}: {}→{} {}, {}→{} {} — click to {}", &[&a, &b, &a, &b, &tr(state(ab)), &b, &a, &tr(state(ba)), &if all_up { tr("cut it") } else { tr("restore it") }]) }</title>
                <line class="hit" x1={f1(ca.x)} y1={f1(ca.y)} x2={f1(cb.x)} y2={f1(cb.y)} />
                <line class={classes!("link", state(ab))} data-dir={format!("{a}>{b}")} x1={f1(s1.x)} y1={f1(s1.y)} x2={f1(e1.x)} y2={f1(e1.y)} />
                <line class={classes!("link", state(ba))} data-dir={format!("{b}>{a}")} x1={f1(s2.x)} y1={f1(s2.y)} x2={f1(e2.x)} y2={f1(e2.y)} />
            </g>
        }
    });
    // Node text stays readable: message labels go where nothing is, or are left out (the dot,
    // its colour and its tooltip remain).
    let mut placer = Placer::default();
    // Servers too close for a word under each (many servers on a small stage) name only the
    // roles that matter (leader, candidate, crashed); a follower is told by its plain circle.
    let gap = (0..n)
        .filter(|_| n >= 2)
        .map(|i| {
            let (a, b) = (pos[i], pos[(i + 1) % n]);
            ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min);
    let crowded = gap < 5.6 * font;
    for (i, &c) in pos.iter().enumerate() {
        placer.reserve(Rect::circle(c, node_r + 4.0));
        placer.reserve(Rect::text(
            Pt {
                x: c.x,
                y: c.y + node_r + 1.3 * font,
            },
            9,
            font,
            true,
        ));
        if matches!(sim.nodes()[i].role, Role::Candidate | Role::PreCandidate) {
            placer.reserve(Rect::text(
                Pt {
                    x: c.x,
                    y: c.y - node_r - 0.7 * font,
                },
                10,
                font,
                true,
            ));
        }
    }
    let bounds = Rect {
        l: 0.0,
        t: 0.0,
        r: view_w,
        b: VIEW,
    };
    let label_font = (12.5 * k).max(16.0);
    // Dots go under the nodes (a node's texts stay readable), their labels above everything.
    let mut labels = Vec::new();
    let messages: Html = sim.in_flight().map(|m| {
        let (s, e) = lane(m.from, m.to);
        let f = if m.held { 0.85 } else { progress(now.0, m.sent_at.0, m.deliver_at.0) };
        let at = lerp(s, e, f);
        let kind = match &m.msg {
            Msg::RequestVote { .. } | Msg::RequestVoteResponse { .. } => "rv",
            Msg::AppendEntries { entries, .. } if entries.is_empty() => "hb",
            Msg::AppendEntries { .. } => "ae",
            Msg::AppendEntriesResponse { .. } => "aer",
            Msg::TimeoutNow { .. } => "tn",
        };
        let failed = matches!(m.msg, Msg::RequestVoteResponse { vote_granted: false, .. } | Msg::AppendEntriesResponse { success: false, .. });
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(m.id)));
        let label = m.msg.to_string();
        let chars = label.chars().count();
        let spots = label_spots(at, Pt { x: e.x - s.x, y: e.y - s.y }, dot_r, chars, label_font);
        if let Some(p) = placer.place(&spots, chars, label_font, bounds) {
            labels.push(html! { <text class="msg-label" x={f1(p.x)} y={f1(p.y)}>{ label.clone() }</text> });
        }
        keyed_when_still(
            html! {
                <g class={classes!("msg", kind, failed.then_some("nack"), m.lost.then_some("lost"), m.held.then_some("held"))}
                    data-testid={format!("msg-{}", m.id)} data-msg-id={m.id.to_string()} data-label={label.clone()} {onclick}>
                    <title>{ trf("#{} {}→{} {}{} — click to drop it", &[&m.id, &m.from, &m.to, &label, &if m.lost { tr(" (will be lost)") } else { "" }]) }</title>
                    <circle cx={f1(at.x)} cy={f1(at.y)} r={f1(dot_r)} />
                </g>
            },
            m.id,
            moving,
        )
    }).collect();
    let nodes = (0..n).map(|i| {
        let node = &sim.nodes()[i];
        let c = pos[i];
        let alive = sim.is_up(i);
        let member = node.is_member();
        let (onclick, onkeydown) = select_handlers(dispatch, i);
        let timer = sim.timer(i, &Timer::Election).filter(|_| alive).map(|(armed, due)| {
            let total = due.0.saturating_sub(armed.0).max(1);
            let frac = now.0.saturating_sub(armed.0) as f64 / total as f64;
            html! { <path class="election-timer" d={arc_path(c, node_r + 6.0, frac)} /> }
        });
        let role = node.role;
        let status = if alive { "up" } else { "down" };
        let votes = (matches!(role, Role::Candidate | Role::PreCandidate)).then(|| {
            let need = node.config().len() / 2 + 1;
            trf("votes {}/{}", &[&node.votes.len(), &need])
        });
        let label = tr(match (alive, member) {
            (false, _) => tk("CRASHED"),
            (true, false) => tk("spare"),
            (true, true) => match role {
                Role::Leader => tk("LEADER"),
                Role::Candidate => tk("CANDIDATE"),
                Role::PreCandidate => tk("PRE-CANDIDATE"),
                Role::Follower => tk("FOLLOWER"),
            },
        });
        let aria = trf("Server {}: {}, term {}{}", &[&i, &tr(role.as_str()), &node.current_term, &if alive { "" } else { tr(", crashed") }]);
        html! {
            <g class={classes!("node", "server", alive.then(|| format!("role-{}", role.as_str())), (!alive).then_some("crashed"), (!member).then_some("spare"), (selected == Some(i)).then_some("selected"))}
                data-node-id={i.to_string()} data-status={status} data-role={role.as_str()} data-term={node.current_term.to_string()}
                data-member={member.to_string()} {onclick}>
                { timer.unwrap_or_default() }
                // The keyboard target: the circle and its number (the texts around it are shown,
                // and said by its name).
                <g class="node-hit" role="button" tabindex="0" aria-label={aria.clone()} {onkeydown}>
                    <title>{ aria }</title>
                    <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(node_r + 13.0)} />
                    <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(node_r)} />
                    <text class="label" x={f1(c.x)} y={f1(c.y - 0.05 * node_r)}>{ if role == Role::Leader && alive { format!("★{i}") } else { i.to_string() } }</text>
                </g>
                <text class="term" x={f1(c.x)} y={f1(c.y + 0.9 * font + 1.0)}>{ if node_r < 2.1 * font { format!("t{}", node.current_term) } else { trf("term {}", &[&node.current_term]) } }</text>
                if !(crowded && alive && member && role == Role::Follower) {
                    <text class="status-text" x={f1(c.x)} y={f1(c.y + node_r + 1.3 * font)}>{ label }</text>
                }
                if let Some(v) = votes {
                    <text class="votes" x={f1(c.x)} y={f1(c.y - node_r - 0.7 * font)}>{ v }</text>
                }
                if !alive {
                    <path class="cross" d={cross_path(Pt { x: c.x + 0.8 * node_r, y: c.y - 0.8 * node_r }, 0.3 * node_r)} />
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="cluster" viewBox={format!("0 0 {} {}", trim(view_w, 1), trim(VIEW, 1))} role="group" aria-label={tr("Raft servers")} data-testid="cluster" onclick={deselect}>
            <g class="links">{ for links }</g>
            <g class="messages">{ messages }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="msg-labels">{ for labels }</g>
        </svg>
    }
}
