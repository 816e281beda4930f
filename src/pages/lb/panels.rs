//! The load balancer page's panels: the selected node, the measurements and the settings.

use super::backend_name;
use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::fixed;
use engine::lb::LbLab;
use engine::lb::{self, LbNode, Strategy};
use engine::scenario::Scenario;
use engine::sim::Sim;
use engine::{Fault, NodeId};
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub(super) fn render_selected(
    sim: &Sim<LbNode>,
    m: &lb::LbMetrics,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(bm) = selected.and_then(|id| m.backends.iter().find(|b| b.node == id)) else {
        return html! { <section class="panel"><h2>{ t("Backend") }</h2><p class="muted">{ t("Click a backend to crash it, slow it down or make it fail requests.") }</p></section> };
    };
    let id = bm.node;
    let alive = sim.is_up(id);
    let slow_ref = NodeRef::default();
    let on_slow = {
        let d = dispatch.clone();
        let r = slow_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "cmd:{id}:slow:{}",
                    i.value().trim()
                )));
            }
        })
    };
    let err_ref = NodeRef::default();
    let on_err = {
        let d = dispatch.clone();
        let r = err_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "cmd:{id}:errors:{}",
                    i.value().trim()
                )));
            }
        })
    };
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={id.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Backend {}", &[&backend_name(id)]) }<span class="muted">{
                if bm.ejected {
                    trf(" — health checks: {}; ejected as an outlier (no traffic)", &[&tr(bm.status)])
                } else {
                    trf(" — balancer sees it {}", &[&tr(bm.status)])
                }
            }</span></h2>
            <div class="actions">
                { action_button(dispatch, "action-crash", tr("Crash"), Action::Inject(Fault::Crash(id)), alive) }
                { action_button(dispatch, "action-restart", tr("Restore"), Action::Inject(Fault::Restart(id)), !alive) }
                { action_button(dispatch, "action-fast", tr("Normal speed"), Action::Inject(Fault::command(id, lb::LbCommand::Slow(1))), bm.slow > 1) }
                { action_button(dispatch, "action-noerrors", tr("No errors"), Action::Inject(Fault::command(id, lb::LbCommand::Errors(0))), bm.error_pct > 0.0) }
            </div>
            <form class="inline" onsubmit={on_slow}>
                <label><span>{ t("slow down ×") }</span><crate::components::lab::Field testid="slow-input" node_ref={slow_ref} value="5" size={4} /></label>
                <button type="submit" data-testid="action-slow">{ t("Slow") }</button>
            </form>
            <form class="inline" onsubmit={on_err}>
                <label><span>{ t("error rate %") }</span><crate::components::lab::Field testid="errors-input" node_ref={err_ref} value="50" size={4} /></label>
                <button type="submit" data-testid="action-errors">{ t("Fail requests") }</button>
            </form>
            <dl>
                <dt>{ t("weight / speed") }</dt><dd>{ format!("{} / {}%{}", bm.weight, bm.speed_pct, if bm.slow > 1 { trf(", slowed ×{}", &[&bm.slow]) } else { String::new() }) }</dd>
                <dt>{ t("in service / queued") }</dt><dd>{ format!("{} / {}", bm.busy, bm.queue) }</dd>
                <dt>{ t("utilisation") }</dt><dd>{ format!("{}%", fixed(bm.utilisation_pct, 0)) }</dd>
                <dt>{ t("routed (window / total)") }</dt><dd>{ format!("{} / {}", bm.routed, bm.routed_total) }</dd>
                <dt>{ t("served / errors / rejected") }</dt><dd>{ format!("{} / {} / {}", bm.served, bm.errors, bm.rejected) }</dd>
            </dl>
        </section>
    }
}

pub(super) fn ms(v: Option<f64>) -> String {
    v.map(|x| format!("{} ms", fixed(x, 1)))
        .unwrap_or_else(|| "–".into())
}

pub(super) fn render_metrics(
    m: &lb::LbMetrics,
    strategy: Strategy,
    other: Option<(Strategy, &lb::LbMetrics)>,
) -> Html {
    let val = |v: Option<f64>| v.map(|x| fixed(x, 3).to_string()).unwrap_or_default();
    let errors = m.window.errors + m.window.rejected + m.window.no_backend + m.window.timeouts;
    let row = |name: String, mm: &lb::LbMetrics| {
        let e = mm.window.errors + mm.window.rejected + mm.window.no_backend + mm.window.timeouts;
        html! { <tr><th>{ name }</th><td>{ ms(mm.p50_ms) }</td><td>{ ms(mm.p95_ms) }</td><td>{ ms(mm.p99_ms) }</td><td>{ format!("{}/s", fixed(mm.goodput_rps, 0)) }</td><td>{ e }</td></tr> }
    };
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Live metrics") }<span class="muted">{ trf(" — last {} ms", &[&fixed(m.window_ms, 0).to_string()]) }</span></h2>
            <dl>
                <dt>{ t("latency p50") }</dt><dd data-testid="metric-p50" data-value={val(m.p50_ms)}>{ ms(m.p50_ms) }</dd>
                <dt>{"p95"}</dt><dd data-testid="metric-p95" data-value={val(m.p95_ms)}>{ ms(m.p95_ms) }</dd>
                <dt>{"p99"}</dt><dd data-testid="metric-p99" data-value={val(m.p99_ms)}>{ ms(m.p99_ms) }</dd>
                <dt>{ t("throughput") }</dt><dd data-testid="metric-throughput" data-value={fixed(m.throughput_rps, 3).to_string()}>{ trf("{} req/s ({} ok)", &[&fixed(m.throughput_rps, 0).to_string(), &fixed(m.goodput_rps, 0).to_string()]) }</dd>
                <dt>{ t("errors") }</dt><dd data-testid="metric-errors" data-value={errors.to_string()}>{ trf("{} 500, {} rejected, {} no backend, {} timed out", &[&m.window.errors, &m.window.rejected, &m.window.no_backend, &m.window.timeouts]) }</dd>
                <dt>{ t("retries") }</dt><dd>{ trf("{} in the window, {} in all, {} denied by the budget", &[&m.retries, &m.retries_total, &m.retries_denied]) }</dd>
            </dl>
            { for m.crashes.iter().map(|c| html! {
                <p class="crash-report" data-testid="crash-report">{ trf("{} crashed at {} ms: {}; {} requests routed to it while down.",
                    &[&backend_name(c.node), &fixed(c.crash_ms, 0).to_string(),
                    &c.detect_after_ms.map(|d| trf("marked down {} ms later", &[&fixed(d, 0).to_string()])).unwrap_or_else(|| tr("not marked down (yet)").into()),
                    &c.routed_while_down]) }</p>
            }) }
            if let Some((s, om)) = other {
                <table class="compare-table" data-testid="compare-table">
                    <thead><tr><th>{ t("strategy") }</th><th>{"p50"}</th><th>{"p95"}</th><th>{"p99"}</th><th>{ t("ok") }</th><th>{ t("errors") }</th></tr></thead>
                    <tbody>{ row(strategy.to_string(), m) }{ row(s.to_string(), om) }</tbody>
                </table>
            }
        </section>
    }
}

pub(super) fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time on the same request stream (the seed).") }</p>
            <div class="form">
                { setting::<LbLab>(s, dispatch, "strat", tr("strategy")) }
                { setting::<LbLab>(s, dispatch, "cmp", tr("compare with")) }
                { param_input(dispatch, "n", tr("backends"), s.nodes.to_string(), "1–20") }
                { setting::<LbLab>(s, dispatch, "be", tr("weights@speed%")) }
                { setting::<LbLab>(s, dispatch, "rate", tr("requests/s")) }
                { setting::<LbLab>(s, dispatch, "burst", tr("burst ×")) }
                { setting::<LbLab>(s, dispatch, "svc", tr("service time")) }
                { setting::<LbLab>(s, dispatch, "svcms", tr("service mean ms")) }
                { setting::<LbLab>(s, dispatch, "workers", tr("workers")) }
                { setting::<LbLab>(s, dispatch, "timeout", tr("timeout ms")) }
                { setting::<LbLab>(s, dispatch, "hc", tr("health checks")) }
                { setting::<LbLab>(s, dispatch, "hci", tr("check interval ms")) }
                { setting::<LbLab>(s, dispatch, "rise", tr("rise")) }
                { setting::<LbLab>(s, dispatch, "fall", tr("fall")) }
                { setting::<LbLab>(s, dispatch, "eject", tr("eject after errors")) }
                { setting::<LbLab>(s, dispatch, "retry", tr("retries")) }
                { setting::<LbLab>(s, dispatch, "tries", tr("attempts")) }
                { setting::<LbLab>(s, dispatch, "budget", tr("retry budget")) }
                { setting::<LbLab>(s, dispatch, "hot", tr("hot client %")) }
            </div>
        </section>
    }
}
