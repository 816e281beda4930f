//! The active-active section (`sec=aa`): its stage and the measurements.

use super::panels::metric;
use super::stage::{dot, legible, messages, node_circle, text_size, NodeView};
use super::W;
use crate::components::chart::wrap;
use crate::components::hooks::StageScale;
use crate::geometry::{f1, Pt};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::replication::active::{measure_active, AaMsg, Resolve, Site};
use engine::replication::key_name;
use engine::sim::Sim;
use engine::NodeId;
use yew::prelude::*;

pub(super) fn aa_stage(
    sim: &Sim<Site>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    // Rows and gaps follow the text size, which grows on a narrow screen (≥ 12.5 CSS px).
    let font = text_size(sc.text_kw());
    let row = 1.35 * font;
    let sites = sim.nodes();
    let now = sim.now();
    let m = measure_active(sim);
    let col = W / sites.len().max(1) as f64;
    let pos = |i: NodeId| {
        (i < sites.len()).then_some(Pt {
            x: col * (i as f64 + 0.5),
            y: 2.6 * font + 40.0,
        })
    };
    let keys = sites.first().map(|s| s.p.keys).unwrap_or(0).min(10);
    let site_nodes = sites.iter().enumerate().map(|(i, s)| {
        let at = pos(i).expect("a site");
        let alive = sim.is_up(i);
        let unshipped: u64 = (0..s.acked.len()).filter(|&p| p != i).map(|p| s.unshipped(p)).sum();
        let rows = (0..keys).map(|k| {
            let (mut ops, total) = s.read(k);
            engine::sort::sort(&mut ops);
            let value = match s.p.resolve {
                Resolve::Crdt | Resolve::LwwCounter => total.to_string(),
                _ if ops.is_empty() => "–".into(),
                _ if ops.len() == 1 => format!("s{}#{}", ops[0].0, ops[0].1),
                _ => format!("{{{}}}", ops.iter().map(|(o, q)| format!("s{o}#{q}")).collect::<Vec<_>>().join(", ")),
            };
            let siblings = ops.len() > 1;
            html! {
                <text class={classes!("site-key", siblings.then_some("siblings"))} x={f1(at.x - 70.0)} y={f1(at.y + 30.0 + row * (k + 1) as f64)}
                    data-testid="site-value" data-key={key_name(k).to_string()}>{ format!("{} = {value}", key_name(k)) }</text>
            }
        });
        let extra = html! {
            <>
                <text class="node-head centered" x={f1(at.x)} y={f1(at.y - 36.0)}>
                    { trf("clock {} ms · to ship {}", &[&format!("{:+}", s.skew_us / 1000), &unshipped]) }
                </text>
                { for rows }
            </>
        };
        node_circle(
            NodeView { id: i, at, r: 26.0, label: format!("S{i}"), role: "site", status: if alive { "up" } else { "crashed" },
                alive, paused: sim.is_paused(i), selected: selected == Some(i), aria: trf("Site {}", &[&i]) },
            extra,
            dispatch,
        )
    });
    let converged = m.divergent_keys == 0;
    let note = wrap(
        tr(match sites.first().map(|s| s.p.resolve) {
            Some(Resolve::Crdt) => tk("key = the counter's total at that site"),
            Some(Resolve::LwwCounter) => {
                tk("key = the counter's value at that site (the last write by the writer's clock)")
            }
            Some(Resolve::Vv) => {
                tk("key = the surviving write (s SITE # SEQ); {…} siblings kept side by side")
            }
            _ => tk("key = the surviving write (s SITE # SEQ), chosen by the writer's clock"),
        }),
        W - 20.0,
        0.55 * font,
    );
    let rows_end = 2.6 * font + 40.0 + 30.0 + row * keys as f64;
    let height = rows_end + row * (note.len() as f64 + 0.5);
    let kind = |msg: &AaMsg| match msg {
        AaMsg::Ship { .. } => "write",
        _ => "hb",
    };
    let msgs = sim.in_flight().map(|mm| dot(mm, kind(&mm.msg)));
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="cluster aa-view" viewBox={format!("0 0 {} {}", trim(W, 1), f1(height))} style={legible(height, font, sc)} role="group" aria-label={tr("Active-active sites and their values")} onclick={deselect}>
            { for note.iter().enumerate().map(|(k, t)| html! {
                <text class="tl-title" x="10" y={f1(rows_end + row * (k + 1) as f64)}>{ t.clone() }</text>
            }) }
            <text class={classes!("converged", (!converged).then_some("diverged"))} x="10" y={f1(1.2 * font)}
                data-testid="converged" data-converged={converged.to_string()}>
                { if converged { tr("✔ every site agrees").to_string() } else { trf("✘ sites disagree on {} key(s)", &[&m.divergent_keys]) } }
            </text>
            <g class="nodes">{ for site_nodes }</g>
            { messages(now, msgs, &pos, 28.0, dispatch, moving) }
        </svg>
    }
}

pub(super) fn aa_metrics(sim: &Sim<Site>) -> Html {
    let m = measure_active(sim);
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <dl>
                { metric(tr("Newer writes lost (LWW)"), "newer-lost", m.newer_lost.to_string(), m.newer_lost.to_string(), m.newer_lost > 0) }
                { metric(tr("Conflicts (siblings)"), "conflicts", m.conflicts.to_string(),
                    trf("{} ({} keys now)", &[&m.conflicts, &m.keys_with_siblings]), false) }
                { metric(tr("Increments missing (counters)"), "increments-missing", m.increments_missing.to_string(), m.increments_missing.to_string(), m.increments_missing > 0) }
                { metric(tr("Keys the sites disagree on"), "divergent", m.divergent_keys.to_string(), m.divergent_keys.to_string(), false) }
                { metric(tr("Converged after the heal"), "convergence", m.convergence_ms.map(|x| fixed(x, 3).to_string()).unwrap_or_default(),
                    m.convergence_ms.map(|x| format!("{} ms", fixed(x, 0))).unwrap_or_else(|| "–".into()), false) }
                { metric(tr("Operations"), "ops", m.ops.to_string(), m.ops.to_string(), false) }
            </dl>
        </section>
    }
}
