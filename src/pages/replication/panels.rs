//! The replication page's panels every section uses: the selected node's actions, metric rows, the settings.

use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::net::fmt_pct;
use engine::replication::{Section, SectionLab};
use engine::scenario::Scenario;
use engine::{Fault, NodeId};
use yew::prelude::*;

/// The selected node's panel: what it is and its actions (shared by the three sections).
pub(super) fn node_actions(
    i: NodeId,
    alive: bool,
    extra: Html,
    dispatch: &Callback<Action>,
) -> Html {
    html! {
        <div class="actions" data-testid="node-actions">
            { action_button(dispatch, "action-crash", tr("Crash"), Action::Inject(Fault::Crash(i)), alive) }
            { action_button(dispatch, "action-restart", tr("Restart"), Action::Inject(Fault::Restart(i)), !alive) }
            { action_button(dispatch, "action-isolate", tr("Isolate"), Action::Inject(Fault::Isolate(i)), true) }
            { action_button(dispatch, "action-pause", tr("Pause 1 s"), Action::Inject(Fault::Pause(i, 1_000_000)), alive) }
            { extra }
        </div>
    }
}

pub(super) fn empty_selection() -> Html {
    html! { <section class="panel"><h2>{ t("Node") }</h2><p class="muted">{ t("Click a node to act on it.") }</p></section> }
}

pub(super) fn common_selected(
    count: usize,
    alive: impl Fn(NodeId) -> bool,
    role: impl Fn(NodeId) -> &'static str,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(i) = selected.filter(|&i| i < count) else {
        return empty_selection();
    };
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={i.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Node {} · {}", &[&i, &tr(role(i))]) }</h2>
            { node_actions(i, alive(i), html! {}, dispatch) }
        </section>
    }
}

/// A measurement row with its test hook and exact value.
pub(super) fn metric(label: &str, id: &str, value: String, shown: String, bad: bool) -> Html {
    html! {
        <>
            <dt>{ label.to_string() }</dt>
            <dd class={classes!(bad.then_some("bad"))} data-testid={format!("metric-{id}")} data-value={value}>{ shown }</dd>
        </>
    }
}

pub(super) fn render_settings<const S: u8>(
    s: &Scenario,
    sec: Section,
    dispatch: &Callback<Action>,
) -> Html {
    let set = |key: &'static str, label: &str| setting::<SectionLab<S>>(s, dispatch, key, label);
    let keys: Html = match sec {
        Section::Repl => html! {
            <>
                { param_input(dispatch, "n", tr("replicas"), s.nodes.to_string(), tr("replicas besides the first primary, 1–8")) }
                { set("c", tr("clients")) }
                { set("mode", tr("replication")) }
                { set("k", tr("acks k")) }
                { set("fallback", tr("semi-sync fallback ms")) }
                { set("wait", tr("shown to readers")) }
                { set("promote", tr("promotion")) }
                { set("fo", tr("failover")) }
                { set("witness", tr("witness")) }
                { set("fence", tr("fencing (epochs)")) }
                { set("lease", tr("lease ms")) }
                { set("drift", tr("clock drift %")) }
                { set("delay", tr("replication delay ms")) }
                { set("ttl", tr("re-ask primary ms")) }
                { set("rate", tr("ops/s per client")) }
                { set("reads", tr("reads %")) }
                { set("rfrom", tr("reads from")) }
                { set("keys", tr("keys")) }
                { set("hb", tr("heartbeat ms")) }
                { set("suspect", tr("suspect after ms")) }
                { set("down", tr("down after ms")) }
                { set("round", tr("promotion round ms")) }
                { set("cto", tr("client timeout ms")) }
            </>
        },
        Section::Locks => html! {
            <>
                { set("lc", tr("clients")) }
                { set("lttl", tr("lease ms")) }
                { set("lwork", tr("work ms")) }
                { set("lthink", tr("think ms")) }
                { set("lfence", tr("fencing tokens")) }
                { set("lcheck", tr("check lease")) }
                { set("lfifo", tr("FIFO waiters")) }
                { set("ldelay", tr("lock-delay ms")) }
                { set("ldrift", tr("clock drift %")) }
            </>
        },
        Section::Active => html! {
            <>
                { set("as", tr("sites")) }
                { set("ares", tr("resolution")) }
                { set("arate", tr("ops/s per site")) }
                { set("akeys", tr("keys")) }
                { set("askew", tr("clock skew ms")) }
            </>
        },
    };
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time.") }</p>
            <div class="form">
                { keys }
                { param_input(dispatch, "lat", tr("latency ms"), s.net.latency.to_string(), tr("latency at time 0: 12 (constant), 10-15 (uniform), exp:10-60 (long tail)")) }
                { param_input(dispatch, "loss", tr("loss %"), fmt_pct(s.net.loss_ppm), tr("percentage of messages lost from time 0")) }
            </div>
        </section>
    }
}
