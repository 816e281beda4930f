//! The Raft page's sequence (Lamport) diagram of recent messages.

use crate::components::lab::{keyed_when_still, RunProps};
use crate::geometry::f1;
use crate::i18n::t;
use engine::fmtnum::trim;
use engine::history::History;
use engine::raft::RaftNode;
use engine::sim::{Sim, What};
use engine::time::fmt_ms;
use engine::{NodeId, SimTime};
use yew::prelude::*;

/// A sequence (Lamport) diagram of the messages delivered or dropped in the 400 ms up to the
/// latest event.
#[component]
pub fn Sequence(props: &RunProps<History<RaftNode>>) -> Html {
    let h = props.run.borrow();
    render_sequence(h.sim(), props.moving)
}

fn render_sequence(sim: &Sim<RaftNode>, moving: bool) -> Html {
    const SPAN_US: u64 = 400_000;
    let n = sim.nodes().len();
    let now = sim.trace().last().map(|e| e.time.0).unwrap_or(0);
    let from_t = now.saturating_sub(SPAN_US);
    let (w, h) = (360.0, 260.0);
    let x = |i: NodeId| 20.0 + (w - 40.0) * i as f64 / (n.max(2) - 1) as f64;
    let y = |t: u64| 20.0 + (h - 30.0) * (t.saturating_sub(from_t)) as f64 / SPAN_US as f64;
    let arrows = sim.trace().iter().rev().take_while(|e| e.time.0 >= from_t).filter_map(|e| match &e.what {
        What::Deliver { from, to, msg, sent, .. } => Some((e.step, *from, *to, msg, *sent, e.time, false)),
        What::Drop { from, to, msg, sent, .. } => Some((e.step, *from, *to, msg, *sent, e.time, true)),
        _ => None,
    }).take(80).map(|(step, a, b, msg, sent, at, dropped)| {
        let (x1, y1, x2, y2) = (x(a), y(sent.0.max(from_t)), x(b), y(at.0));
        // Keyed by the event's step while stepping: a step adds an arrow at the head of the
        // list and drops one at its end, and each arrow keeps its element (and its tooltip).
        keyed_when_still(
            html! {
                <g class={classes!("seq-msg", dropped.then_some("dropped"))}>
                    <title>{ format!("{a}→{b} {msg} sent {} arrived {}", SimTime(sent.0), at) }</title>
                    <line x1={f1(x1)} y1={f1(y1)} x2={f1(x2)} y2={f1(y2)} />
                    <circle cx={f1(x2)} cy={f1(y2)} r="2.5" />
                </g>
            },
            step,
            moving,
        )
    });
    html! {
        <section class="panel sequence">
            <h2>{ t("Sequence diagram") }<span class="muted">{ t(" — last 400 ms, time flows down") }</span></h2>
            <svg viewBox={format!("0 0 {} {}", trim(w, 1), trim(h, 1))} class="seq" data-testid="sequence">
                { for (0..n).map(|i| html! {
                    <g class="lifeline">
                        <text x={f1(x(i))} y="12">{ i }</text>
                        <line x1={f1(x(i))} y1="16" x2={f1(x(i))} y2={f1(h - 6.0)} />
                    </g>
                }) }
                // In a group of their own: Yew diffs a list that mixes keyed and unkeyed
                // children by position, which would replace every arrow on every step.
                <g class="arrows">{ for arrows }</g>
            </svg>
            <p class="muted">{ format!("{} → {}", fmt_ms(from_t), fmt_ms(now)) }{ t(" ms. Dropped messages end in red.") }</p>
        </section>
    }
}
