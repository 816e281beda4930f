//! The heartbeat page's panels: the selected node, the measurements and the settings.

use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::fixed;
use engine::heartbeat::HeartbeatLab;
use engine::heartbeat::{measure, Detector, HbNode, HbParams, Monitor, Role, MONITOR};
use engine::net::{fmt_pct, LinkState};
use engine::scenario::Scenario;
use engine::sim::Sim;
use engine::time::fmt_ms;
use engine::{Fault, NodeId};
use yew::prelude::*;

pub(super) fn render_selected(
    sim: &Sim<HbNode>,
    mon: &Monitor,
    p: &HbParams,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(i) = selected.filter(|&i| i < sim.nodes().len()) else {
        return html! { <section class="panel"><h2>{ t("Node") }</h2><p class="muted">{ t("Click a node to act on it.") }</p></section> };
    };
    let alive = sim.is_up(i);
    let now = sim.now();
    let actions = html! {
        <div class="actions" data-testid="node-actions">
            { action_button(dispatch, "action-crash", tr("Crash"), Action::Inject(Fault::Crash(i)), alive) }
            { action_button(dispatch, "action-restart", tr("Restart"), Action::Inject(Fault::Restart(i)), !alive) }
            { action_button(dispatch, "action-isolate", tr("Isolate"), Action::Inject(Fault::Isolate(i)), true) }
            if i != MONITOR {
                { action_button(dispatch, "action-cut-out", &trf("Cut {}→M", &[&i]), Action::Inject(Fault::Cut(i, MONITOR)), sim.links().get(i, MONITOR) != LinkState::Cut) }
                { action_button(dispatch, "action-cut-in", &trf("Cut M→{}", &[&i]), Action::Inject(Fault::Cut(MONITOR, i)), sim.links().get(MONITOR, i) != LinkState::Cut) }
                { action_button(dispatch, "action-hold", &trf("Hold {}→M", &[&i]), Action::Inject(Fault::Hold(i, MONITOR)), sim.links().get(i, MONITOR) == LinkState::Up) }
                { action_button(dispatch, "action-release", &trf("Release {}→M", &[&i]), Action::Inject(Fault::Release(i, MONITOR)), sim.links().get(i, MONITOR) == LinkState::Held) }
            }
        </div>
    };
    let details = match &sim.nodes()[i] {
        HbNode::Monitor(m) => html! {
            <dl>
                <dt>{ t("Role") }</dt><dd>{ t("monitor (failure detector + failover)") }</dd>
                <dt>{ t("Designated primary") }</dt><dd>{ m.primary.map(|p| trf("node {}", &[&p])).unwrap_or(tr("none").into()) }</dd>
                <dt>{ t("Epoch") }</dt><dd>{ m.epoch }</dd>
            </dl>
        },
        HbNode::Worker(w) => {
            let v = &mon.views[i];
            html! {
                <dl>
                    <dt>{ t("Actually running") }</dt><dd>{ if alive { tr("yes") } else { tr("no — crashed") } }</dd>
                    <dt>{ t("Believes it is") }</dt><dd>{ trf("{} (epoch {})", &[&if w.role == Role::Primary { tr("primary") } else { tr("backup") }, &w.epoch]) }</dd>
                    <dt>{ t("Monitor: fixed") }</dt><dd data-testid="sel-fixed">{ tr(mon.status(i, Detector::Fixed).as_str()) }</dd>
                    <dt>{ t("Monitor: phi") }</dt><dd data-testid="sel-phi">{ format!("{} (φ = {})", tr(mon.status(i, Detector::Phi).as_str()), fixed(mon.phi(i, now), 2)) }</dd>
                    <dt>{ t("Silent for") }</dt><dd>{ format!("{} ms", fmt_ms(now.since(v.last).0)) }</dd>
                    <dt>{ t("Samples") }</dt><dd>{ format!("{} of {}", v.intervals.len(), p.window) }</dd>
                </dl>
            }
        }
    };
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={i.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ if i == MONITOR { tr("Monitor").to_string() } else { trf("Worker {}", &[&i]) } }</h2>
            { actions }
            { details }
        </section>
    }
}

pub(super) fn render_metrics(sim: &Sim<HbNode>, p: &HbParams) -> Html {
    let m = measure(sim);
    let det_row = |name: &str, key: &str, d: &engine::heartbeat::DetectorMetrics, active: bool| {
        let mean = d
            .mean_detection_ms
            .map(|x| fixed(x, 1).to_string())
            .unwrap_or_else(|| "–".into());
        html! {
            <tr class={classes!(active.then_some("active"))}>
                <th>{ tr(name) }{ if active { " ◀" } else { "" } }</th>
                <td data-testid={format!("metric-detect-{key}")} data-value={d.mean_detection_ms.map(|x| fixed(x, 3).to_string()).unwrap_or_default()}>{ format!("{mean} ms") }</td>
                <td>{ format!("{}/{}", d.detected, d.crashes) }</td>
                <td data-testid={format!("metric-false-{key}")} data-value={d.false_suspicions.to_string()}>{ trf("{} ({} down)", &[&d.false_suspicions, &d.false_downs]) }</td>
            </tr>
        }
    };
    let invariants = sim.invariant_status();
    // The lab's one invariant, for the translation table.
    let _ = tk("one primary per epoch");
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <table>
                <thead><tr><th>{ t("detector") }</th><th>{ t("mean detection") }</th><th>{ t("detected") }</th><th>{ t("false suspicions") }</th></tr></thead>
                <tbody>
                    { det_row(tk("fixed timeout"), "fixed", &m.fixed, p.detector == Detector::Fixed) }
                    { det_row(tk("φ accrual"), "phi", &m.phi, p.detector == Detector::Phi) }
                </tbody>
            </table>
            <dl>
                <dt>{ t("Primary") }</dt><dd data-testid="metric-primary">{ m.primary.map(|x| trf("node {} (epoch {})", &[&x, &m.epoch])).unwrap_or_else(|| tr("none").into()) }</dd>
                <dt>{ t("Failovers") }</dt><dd data-testid="metric-failovers">{ m.failovers }</dd>
                <dt>{ t("Split brain") }</dt><dd data-testid="metric-split-brain" data-value={fixed(m.split_brain_ms, 3).to_string()}>{ trf("{} ms with two live primaries", &[&fixed(m.split_brain_ms, 1)]) }</dd>
                <dt>{ t("Messages") }</dt><dd>{ trf("{} sent, {} lost, {} dropped", &[&m.messages_sent, &m.messages_lost, &m.messages_dropped]) }</dd>
            </dl>
            <h3>{ t("Invariants") }</h3>
            <ul class="invariants" data-testid="invariants">
                { for invariants.iter().map(|(name, ok)| html! {
                    <li class={if *ok { "ok" } else { "broken" }} data-ok={ok.to_string()}>{ if *ok { "✔ " } else { "✘ " } }{ tr(name) }</li>
                }) }
                { for sim.violations().iter().map(|v| html! {
                    <li class="broken">{ trf("violated at event #{} ({}): {}", &[&v.step, &v.time, &v.detail]) }</li>
                }) }
            </ul>
        </section>
    }
}

pub(super) fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time.") }</p>
            <div class="form">
                { param_input(dispatch, "n", tr("workers"), s.nodes.to_string(), tr("number of workers, 1–50")) }
                { param_input(dispatch, "lat", tr("start latency ms"), s.net.latency.to_string(), tr("latency at time 0: 12 (constant), 10-15 (uniform), exp:10-60 (long tail)")) }
                { param_input(dispatch, "loss", tr("start loss %"), fmt_pct(s.net.loss_ppm), tr("percentage of messages lost from time 0")) }
                { param_input(dispatch, "dup", tr("duplicate %"), fmt_pct(s.net.dup_ppm), tr("percentage of messages delivered twice")) }
                { setting::<HeartbeatLab>(s, dispatch, "det", tr("detector")) }
                { setting::<HeartbeatLab>(s, dispatch, "hb", tr("interval ms")) }
                { setting::<HeartbeatLab>(s, dispatch, "suspect", tr("suspect after ms")) }
                { setting::<HeartbeatLab>(s, dispatch, "down", tr("down after ms")) }
                { setting::<HeartbeatLab>(s, dispatch, "phis", tr("φ suspect")) }
                { setting::<HeartbeatLab>(s, dispatch, "phid", tr("φ down")) }
                { setting::<HeartbeatLab>(s, dispatch, "win", tr("φ window")) }
                { setting::<HeartbeatLab>(s, dispatch, "pause", tr("φ pause ms")) }
                { setting::<HeartbeatLab>(s, dispatch, "minsd", tr("φ min σ ms")) }
                { setting::<HeartbeatLab>(s, dispatch, "outage", tr("φ learns outages")) }
                { setting::<HeartbeatLab>(s, dispatch, "fo", tr("failover")) }
            </div>
        </section>
    }
}
