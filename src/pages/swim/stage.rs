//! The SWIM stage: the members on a ring, their links and the messages in flight.

use super::{member_radius, status_word, CENTER, LABELLED, LABELLED_MSGS, RING_R, VIEW, WORDED};
use crate::components::hooks::StageScale;
use crate::components::lab::{click_emit, keyed_when_still, lost_key, select_handlers};
use crate::geometry::{cross_path, ellipse, f1, label_spots, lerp, progress, Placer, Pt, Rect};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::trim;
use engine::heartbeat::swim::{MemberState, SwimMsg, SwimNode};
use engine::heartbeat::swim_metrics::group_view;
use engine::net::LinkState;
use engine::sim::Sim;
use engine::{Fault, NodeId};
use yew::prelude::*;

/// A message's kind (its CSS class) and its label on the stage.
fn msg_kind(m: &SwimMsg) -> (&'static str, String) {
    let (kind, word) = match m {
        SwimMsg::Ping { .. } => ("ping", "ping".to_string()),
        SwimMsg::Ack { .. } => ("ack", "ack".to_string()),
        SwimMsg::PingReq { target, .. } => ("ping-req", format!("ping-req {target}")),
        SwimMsg::Nack { .. } => ("nack", "nack".to_string()),
        SwimMsg::Gossip { .. } => ("gossip", "gossip".to_string()),
        SwimMsg::Sync { reply, .. } => ("sync", if *reply { "sync reply" } else { "sync" }.into()),
    };
    let u = m.updates().len();
    (kind, if u > 0 { format!("{word} +{u}") } else { word })
}

pub(super) fn render_svg(
    sim: &Sim<SwimNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    let n = sim.nodes().len();
    let k = sc.text_k();
    // A wide stage gets a wide picture: the members on an ellipse.
    let view_w = (VIEW * sc.aspect.clamp(1.0, 2.0)).round();
    let center = Pt {
        x: view_w / 2.0,
        y: CENTER.y,
    };
    // Text at least 12.5 CSS px as rendered (the stylesheet's `max(19px, var(--t))`): the circle
    // shrinks to leave a line of text under the bottom member.
    let font = (12.5 * k).max(19.0);
    let ring_r = RING_R.min(VIEW - CENTER.y - 28.0 - 1.3 * font);
    let pos = ellipse(n, center, ring_r + 0.9 * (view_w - VIEW) / 2.0, ring_r);
    let r = member_radius(n);
    let now = sim.now();
    let group = group_view(sim);
    // With a member selected, the circle shows what it believes.
    let viewer = selected.map(|s| &sim.nodes()[s]);
    let believed = |j: NodeId| match viewer {
        Some(v) if v.me == j => MemberState::Alive,
        Some(v) => v.view[j].state,
        None => group[j],
    };

    // Cut links, one line per pair with a direction cut (small groups only: a partition shows).
    let cuts: Html = if n <= LABELLED {
        sim.links()
            .faulty()
            .into_iter()
            .filter(|&(a, b, _)| a < b || sim.links().get(b, a) == LinkState::Up)
            .map(|(a, b, s)| {
                let cls = if s == LinkState::Held { "link held" } else { "link cut" };
                html! { <line class={cls} data-link={format!("{a}>{b}")} x1={f1(pos[a].x)} y1={f1(pos[a].y)} x2={f1(pos[b].x)} y2={f1(pos[b].y)} /> }
            })
            .collect::<Html>()
    } else {
        Html::default()
    };

    let flying: Vec<_> = sim.in_flight().collect();
    let labelled = flying.len() <= LABELLED_MSGS;
    // Members and their words stay readable: a message label goes where nothing is, or is left
    // out (the dot, its colour and its tooltip remain).
    let mut placer = Placer::default();
    placer.reserve(Rect::text(Pt { x: 6.0, y: 20.0 }, 44, font, false));
    for &c in &pos {
        placer.reserve(Rect::circle(c, r + 3.0));
        if n <= WORDED {
            placer.reserve(Rect::text(
                Pt {
                    x: c.x,
                    y: c.y + r + 1.05 * font,
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
    let messages = flying.iter().map(|m| {
        let f = if m.held { 0.85 } else { progress(now.0, m.sent_at.0, m.deliver_at.0) };
        let at = lerp(pos[m.from], pos[m.to], f);
        let (kind, label) = msg_kind(&m.msg);
        let chars = label.chars().count();
        let dir = Pt { x: pos[m.to].x - pos[m.from].x, y: pos[m.to].y - pos[m.from].y };
        let spot = (labelled && kind != "gossip")
            .then(|| placer.place(&label_spots(at, dir, 7.0, chars, font), chars, font, bounds))
            .flatten();
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(m.id)));
        let title = trf("#{} {}→{} {}{} — click to drop it", &[&m.id, &m.from, &m.to, &m.msg, &if m.lost { tr(" (will be lost)") } else { "" }]);
        keyed_when_still(
            html! {
                <g class={classes!("msg", kind, m.lost.then_some("lost"), m.held.then_some("held"))}
                    data-testid={format!("msg-{}", m.id)} data-msg-id={m.id.to_string()} data-kind={kind}>
                    <title>{ title }</title>
                    <circle cx={f1(at.x)} cy={f1(at.y)} r={if labelled { "7" } else { "5" }} {onclick} />
                    if let Some(p) = spot {
                        <text class="msg-label" x={f1(p.x)} y={f1(p.y)}>{ label }</text>
                    }
                </g>
            },
            m.id,
            moving,
        )
    });

    let nodes = (0..n).map(|i| {
        let c = pos[i];
        let node = &sim.nodes()[i];
        let up = sim.is_up(i);
        let st = believed(i);
        // In a crowd, members that are not simply alive stand out by size too.
        let r = if n > LABELLED && (st != MemberState::Alive || !up) { r * 1.6 } else { r };
        let word = status_word(st);
        let (onclick, onkeydown) = select_handlers(dispatch, i);
        let is_sel = selected == Some(i);
        let slow = node.slow.as_us() > 0;
        let whose = match viewer {
            Some(v) if !is_sel => trf("member {} believes it {}", &[&v.me, &tr(st.as_str())]),
            Some(_) => tr("the selected member").to_string(),
            None => trf("most members believe it {}", &[&tr(st.as_str())]),
        };
        let aria = trf(
            "Member {}: {}{}{}, incarnation {}",
            &[
                &i,
                &whose,
                &if up { "" } else { tr("; actually crashed") },
                &if slow { tr("; slow") } else { "" },
                &node.inc,
            ],
        );
        // The incarnation the viewer heard (its own for the viewer itself).
        let inc = viewer.map(|v| if v.me == i { v.inc } else { v.view[i].inc });
        let word_text = format!(
            "{}{}{}",
            tr(if is_sel { tk("VIEWER") } else { st.as_str() }).to_uppercase(),
            if up { "" } else { " ✗" },
            if slow { tr(" · SLOW") } else { "" }
        );
        html! {
            <g class={classes!("node", "member", format!("st-{word}"), (!up).then_some("crashed"), is_sel.then_some("selected"), slow.then_some("slow"))}
                data-node-id={i.to_string()} data-status={word} data-crashed={(!up).to_string()}
                data-incarnation={node.inc.to_string()} data-slow={slow.to_string()}
                {onclick}>
                <g class="node-hit" role="button" tabindex="0" aria-label={aria.clone()} {onkeydown}>
                    <title>{ aria }</title>
                    <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + 7.0)} />
                    <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
                    if n <= LABELLED {
                        <text class="label" x={f1(c.x)} y={f1(c.y + 7.0)}>{ i }</text>
                    }
                </g>
                if n <= WORDED {
                    <text class="status-text" x={f1(c.x)} y={f1(c.y + r + 1.05 * font)}>{ word_text }</text>
                }
                if let (Some(inc), true) = (inc, n <= LABELLED && !is_sel) {
                    <text class="inc" x={f1(c.x + r * 0.75)} y={f1(c.y - r * 0.75)}>{ format!("i{inc}") }</text>
                }
                if !up {
                    <path class="cross" d={cross_path(c, r * 0.6)} />
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    let caption = match viewer {
        Some(v) => trf(
            "Member {}'s view (incarnation {}, local health {})",
            &[&v.me, &v.inc, &v.lhm],
        ),
        None => tr("What most members believe").to_string(),
    };
    html! {
        <svg class={classes!("cluster", (n > LABELLED).then_some("dense"))} viewBox={format!("0 0 {} {}", trim(view_w, 1), trim(VIEW, 1))} role="group" aria-label={tr("SWIM members")} data-testid="cluster"
            data-viewer={selected.map(|s| s.to_string()).unwrap_or_default()} onclick={deselect}>
            <text class="view-caption" x="6" y="20">{ caption }</text>
            <g class="links">{ cuts }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="messages">{ for messages }</g>
        </svg>
    }
}

pub(super) fn render_legend(selected: Option<NodeId>) -> Html {
    html! {
        <p class="legend">
            <span class="key ping">{ t("● ping") }</span>
            <span class="key ack">{ t("● ack") }</span>
            <span class="key ping-req">{ t("● ping-req") }</span>
            <span class="key gossip">{ t("● gossip / sync") }</span>
            { lost_key() }
            <span class="key">{ if selected.is_some() {
                tr("Colours: the selected member's view, iN the incarnation it heard. Click empty space for the group's view.")
            } else {
                tr("Colours: what most members believe. ✗ actually crashed; a purple ring: slow; gossip dots are unlabelled. Click a member for its own view.")
            } }</span>
        </p>
    }
}
