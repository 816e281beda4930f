//! The hash ring page's analyses: the scheme comparison and the vnode sweep.

use crate::components::chart::{chart, Axis, Series};
use crate::components::lab::RunProps;
use crate::i18n::{t, tr};
use engine::fmtnum::fixed;
use engine::ring::analysis::{compare_schemes, vnode_sweep, SchemeRow};
use engine::ring::{RingRun, SweepPoint};
use yew::prelude::*;

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
