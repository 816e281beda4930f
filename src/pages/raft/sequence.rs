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
    // Each arrow is drawn at its own times, from a base that moves every 10 s (SVG coordinates
    // are single floats: the numbers stay small), and the window slides by one transform: a step
    // back rewrites one attribute instead of three of every arrow on the way (230 writes at 11
    // servers). The arrows are clipped to the window (one sent before it enters from the top).
    const BASE_US: u64 = 10_000_000;
    let n = sim.nodes().len();
    let now = sim.trace().last().map(|e| e.time.0).unwrap_or(0);
    let from_t = now.saturating_sub(SPAN_US);
    let (w, h) = (360.0, 260.0);
    let x = |i: NodeId| 20.0 + (w - 40.0) * i as f64 / (n.max(2) - 1) as f64;
    let base = from_t / BASE_US * BASE_US;
    let k = (h - 30.0) / SPAN_US as f64;
    let y = |t: u64| k * (t as f64 - base as f64);
    let shift = 20.0 - y(from_t);
    let arrows = sim.trace().iter().rev().take_while(|e| e.time.0 >= from_t).filter_map(|e| match &e.what {
        What::Deliver { from, to, msg, sent, .. } => Some((e.step, *from, *to, msg, *sent, e.time, false)),
        What::Drop { from, to, msg, sent, .. } => Some((e.step, *from, *to, msg, *sent, e.time, true)),
        _ => None,
    }).take(80).map(|(step, a, b, msg, sent, at, dropped)| {
        let (x1, y1, x2, y2) = (x(a), y(sent.0), x(b), y(at.0));
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
                <clipPath id="seq-window">
                    <rect x="0" y="20" width={f1(w)} height={f1(h - 20.0)} />
                </clipPath>
                // In a group of their own: Yew diffs a list that mixes keyed and unkeyed
                // children by position, which would replace every arrow on every step.
                <g class="arrows" clip-path="url(#seq-window)">
                    <g transform={format!("translate(0 {})", f1(shift))}>{ for arrows }</g>
                </g>
            </svg>
            <p class="muted">{ format!("{} → {}", fmt_ms(from_t), fmt_ms(now)) }{ t(" ms. Dropped messages end in red.") }</p>
        </section>
    }
}
