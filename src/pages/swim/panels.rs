//! The SWIM page's panels: the selected member, the measurements and the settings.

use super::{status_word, SLOW_MS};
use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::fixed;
use engine::heartbeat::swim::SwimNode;
use engine::heartbeat::swim_metrics::measure;
use engine::heartbeat::SwimLab;
use engine::net::fmt_pct;
use engine::scenario::Scenario;
use engine::sim::Sim;
use engine::{Fault, NodeId};
use yew::prelude::*;

pub(super) fn render_selected(
    sim: &Sim<SwimNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(i) = selected else {
        return html! { <section class="panel"><h2>{ t("Member") }</h2><p class="muted">{ t("Click a member to see its membership view and to crash, isolate or slow it.") }</p></section> };
    };
    let node = &sim.nodes()[i];
    let up = sim.is_up(i);
    let slow = node.slow.as_us() > 0;
    let cmd = |ms: u32| Action::InjectText(format!("cmd:{i}:slow:{ms}"));
    let rows = node.view.iter().enumerate().filter(|&(j, _)| j != i).map(|(j, v)| {
        html! {
            <li class={classes!("view-row", format!("st-{}", status_word(v.state)))} data-member={j.to_string()} data-state={v.state.as_str()}>
                { trf("{}: {} (incarnation {}){}", &[&j, &tr(v.state.as_str()), &v.inc, &if sim.is_up(j) { "" } else { tr(" — actually crashed") }]) }
            </li>
        }
    });
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={i.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Member {}", &[&i]) }</h2>
            <div class="actions" data-testid="node-actions">
                { action_button(dispatch, "action-crash", tr("Crash"), Action::Inject(Fault::Crash(i)), up) }
                { action_button(dispatch, "action-restart", tr("Restart"), Action::Inject(Fault::Restart(i)), !up) }
                { action_button(dispatch, "action-isolate", tr("Isolate"), Action::Inject(Fault::Isolate(i)), true) }
                { action_button(dispatch, "action-slow", &trf("Make slow ({} ms)", &[&SLOW_MS]), cmd(SLOW_MS), up && !slow) }
                { action_button(dispatch, "action-well", tr("Make well"), cmd(0), up && slow) }
            </div>
            <dl>
                <dt>{ t("Actually running") }</dt><dd>{ if up { tr("yes") } else { tr("no — crashed (its view is frozen)") } }</dd>
                <dt>{ t("Incarnation") }</dt><dd data-testid="sel-incarnation">{ node.inc }</dd>
                <dt>{ t("Local health") }</dt><dd data-testid="sel-lhm">{ format!("{} (timeouts ×{})", node.lhm, node.lhm + 1) }</dd>
                <dt>{ t("Slow") }</dt><dd>{ if slow { format!("handles messages {} late", node.slow) } else { "no".into() } }</dd>
                <dt>{ t("Updates to gossip") }</dt><dd>{ node.pending_updates() }</dd>
            </dl>
            <h3>{ t("Its view") }</h3>
            <ul class="member-view" data-testid="member-view">{ for rows }</ul>
        </section>
    }
}

fn opt_ms(x: Option<f64>) -> (String, String) {
    match x {
        Some(v) => (format!("{} ms", fixed(v, 0)), fixed(v, 3).to_string()),
        None => ("–".into(), String::new()),
    }
}

pub(super) fn render_metrics(sim: &Sim<SwimNode>) -> Html {
    let m = measure(sim);
    let (det, det_v) = opt_ms(m.detection_ms);
    let (dis, dis_v) = opt_ms(m.dissemination_ms);
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <dl>
                <dt title={tr("crash → the first member declares it dead (mean over crashes)")}>{ t("First detection") }</dt>
                <dd data-testid="metric-detection" data-value={det_v}>{ det }</dd>
                <dt title={tr("crash → the last surviving member declares it dead (mean)")}>{ t("Full dissemination") }</dt>
                <dd data-testid="metric-dissemination" data-value={dis_v}>{ dis }</dd>
                <dt title={tr("a running member declared dead, by anyone")}>{ t("False positives") }</dt>
                <dd data-testid="metric-false-positives" data-value={m.false_positives.to_string()} data-healthy={m.false_positives_healthy.to_string()}>
                    { trf("{} ({} of healthy members)", &[&m.false_positives, &m.false_positives_healthy]) }
                </dd>
                <dt title={tr("a running member suspected, by anyone")}>{ t("False suspicions") }</dt>
                <dd data-testid="metric-false-suspicions" data-value={m.false_suspicions.to_string()}>{ m.false_suspicions }</dd>
                <dt>{ t("Messages / member / s") }</dt>
                <dd data-testid="metric-msgs-per-member" data-value={fixed(m.messages_per_member_per_s, 3).to_string()}>{ fixed(m.messages_per_member_per_s, 1).to_string() }</dd>
                <dt>{ t("Highest local health") }</dt><dd>{ m.max_lhm }</dd>
            </dl>
            if !m.crashes.is_empty() {
                <table class="crashes">
                    <thead><tr><th>{ t("crash") }</th><th>{ t("suspected") }</th><th>{ t("dead") }</th><th>{ t("everyone") }</th></tr></thead>
                    <tbody>
                        { for m.crashes.iter().map(|c| html! {
                            <tr>
                                <th>{ format!("{} at {} ms", c.node, fixed(c.at_ms, 0)) }</th>
                                <td>{ opt_ms(c.first_suspect_ms).0 }</td>
                                <td>{ opt_ms(c.first_dead_ms).0 }</td>
                                <td>{ opt_ms(c.full_dissemination_ms).0 }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}

pub(super) fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    let st = |key, label| setting::<SwimLab>(s, dispatch, key, label);
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time.") }</p>
            <div class="form">
                { param_input(dispatch, "n", tr("members"), s.nodes.to_string(), tr("number of members, 2–200")) }
                { param_input(dispatch, "lat", tr("start latency ms"), s.net.latency.to_string(), tr("latency at time 0: 12 (constant), 10-15 (uniform), exp:10-60 (long tail)")) }
                { param_input(dispatch, "loss", tr("start loss %"), fmt_pct(s.net.loss_ppm), tr("percentage of messages lost from time 0")) }
                { st("tp", tr("period T′ ms")) }
                { st("pto", tr("probe timeout ms")) }
                { st("k", tr("indirect probes k")) }
                { st("smult", tr("suspicion ×")) }
                { st("smax", tr("max suspicion ×")) }
                { st("rmult", tr("retransmit λ")) }
                { st("piggy", tr("updates / message")) }
                { st("gint", tr("gossip interval ms")) }
                { st("gn", tr("gossip fan-out")) }
                { st("sync", tr("anti-entropy ms")) }
                { st("amax", tr("health ceiling")) }
                { st("lhm", tr("Lifeguard: local health")) }
                { st("dyn", tr("Lifeguard: dynamic suspicion")) }
                { st("buddy", tr("Lifeguard: buddy system")) }
            </div>
        </section>
    }
}
