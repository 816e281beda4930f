//! The hash ring page's panels: actions, statistics, the operations list and the settings.

use super::paint;
use crate::components::event_log::{announcer, LogLine};
use crate::components::lab::{param_input, setting};
use crate::geometry::f1;
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::history::Run;
use engine::ring::{stats::expected_stddev_pct, NodeState, RingLab, RingRun};
use engine::ring::{HashRingLab, RingOp};
use engine::scenario::Scenario;
use engine::time::fmt_ms;
use engine::NodeId;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// A button applying a ring operation now (`add:n5`, `fail:n1`, …).
/// A ring operation's button; `unavailable` is why it cannot apply now (shown as its tooltip and
/// to screen readers), or `None`.
fn op_button(
    dispatch: &Callback<Action>,
    testid: &str,
    label: String,
    op: RingOp,
    unavailable: Option<String>,
) -> Html {
    let d = dispatch.clone();
    let action = Action::Inject(engine::Fault::command(0, op));
    let onclick = Callback::from(move |_: MouseEvent| d.emit(action.clone()));
    let disabled = unavailable.is_some();
    html! {
        <button data-testid={testid.to_string()} {onclick} {disabled}
            title={unavailable.clone()} aria-description={unavailable}>{ label }</button>
    }
}

pub(super) fn render_actions(
    rl: &RingLab,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let ring = rl.ring();
    let fresh = ring.fresh_id();
    let vnodes_ref = NodeRef::default();
    let on_vnodes = {
        let d = dispatch.clone();
        let r = vnodes_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "cmd:0:vnodes:{}",
                    i.value().trim()
                )));
            }
        })
    };
    let node_actions = selected.filter(|id| ring.state(*id).on_ring()).map(|id| {
        let name = engine::ring::node_name(id);
        let state = ring.state(id);
        let w = ring.weight(id);
        html! {
            <div class="node-actions sheet" data-testid="node-actions">
                { crate::components::sheet::close_button(dispatch) }
                <h3>{ trf("{} — {}, weight {}", &[&name, &tr(state.as_str()), &w]) }</h3>
                <div class="actions">
                    { op_button(dispatch, "action-fail", tr("Fail (stays on the ring)").into(), RingOp::Fail(id), (state != NodeState::Up).then(|| tr("only a node that is up can fail").into())) }
                    { op_button(dispatch, "action-recover", tr("Recover").into(), RingOp::Recover(id), (state != NodeState::Failed).then(|| tr("only a failed node can recover").into())) }
                    { op_button(dispatch, "action-remove", tr("Remove (decommission)").into(), RingOp::Remove(id), None) }
                    { op_button(dispatch, "action-weight-up", tr("Weight +1").into(), RingOp::SetWeight(id, w + 1), (w >= engine::ring::MAX_WEIGHT).then(|| trf("the weight is at its maximum ({})", &[&engine::ring::MAX_WEIGHT]))) }
                    { op_button(dispatch, "action-weight-down", tr("Weight −1").into(), RingOp::SetWeight(id, w.saturating_sub(1)), (w <= 1).then(|| tr("the weight is at its minimum (1)").into())) }
                </div>
            </div>
        }
    });
    html! {
        <section class="panel">
            <h2>{ t("Operations") }</h2>
            <p class="muted">{ t("Each operation happens at the current time, is recorded in the link, and shows which keys move. Click a server row to act on it.") }</p>
            <div class="actions">
                { op_button(dispatch, "action-add", fresh.map(|f| trf("Add node {}", &[&engine::ring::node_name(f)])).unwrap_or(tr("Add node").into()), RingOp::Add(fresh.unwrap_or_default()), fresh.is_none().then(|| format!("the ring has its maximum of {} nodes", engine::ring::MAX_NODES))) }
            </div>
            <form class="inline" onsubmit={on_vnodes}>
                <label><span>{ t("Virtual nodes per node") }</span><crate::components::lab::Field testid="op-vnodes" node_ref={vnodes_ref} value={ring.vnodes().to_string()} size={5} /></label>
                <button type="submit" data-testid="op-vnodes-apply">{ t("Change") }</button>
            </form>
            { node_actions.unwrap_or_default() }
        </section>
    }
}

pub(super) fn render_stats(rl: &RingLab) -> Html {
    let st = rl.stats();
    let s = st.summary;
    let moved = rl.movement();
    let (w, h) = (420.0, 160.0);
    let max = st.per_node.iter().map(|l| l.keys).max().unwrap_or(1).max(1) as f64 * 1.1;
    let n = st.per_node.len().max(1) as f64;
    let bw = (w - 40.0) / n;
    let y = |v: f64| h - 20.0 - (h - 30.0) * v / max;
    let bars = st.per_node.iter().enumerate().map(|(k, l)| {
        let x = 30.0 + bw * k as f64;
        html! {
            <g>
                <title>{ trf("{}: {} keys ({}%)", &[&engine::ring::node_name(l.node), &l.keys, &fixed(l.share_pct, 2).to_string()]) }</title>
                <rect x={f1(x)} y={f1(y(l.keys as f64))} width={f1((bw - 1.0).max(0.5))} height={f1(h - 20.0 - y(l.keys as f64))} style={paint("fill", l.node)} />
                if n <= 24.0 { <text class="tick" x={f1(x + bw / 2.0)} y={f1(h - 6.0)}>{ engine::ring::node_name(l.node) }</text> }
            </g>
        }
    });
    let pct = |v: f64| fixed(v, 2).to_string();
    html! {
        <section class="panel stats" data-testid="stats">
            <h2>{ t("Load per node") }</h2>
            <svg viewBox={format!("0 0 {} {}", trim(w, 1), trim(h, 1))} class="bars">
                { for bars }
                <rect class="sd-band" x="30" y={f1(y(s.mean + s.stddev))} width={f1(w - 40.0)} height={f1((y(s.mean - s.stddev) - y(s.mean + s.stddev)).max(0.0))} />
                <line class="mean" x1="30" x2={f1(w - 10.0)} y1={f1(y(s.mean))} y2={f1(y(s.mean))} />
                <text class="tick" x={f1(w - 12.0)} y={f1(y(s.mean) - 4.0)} text-anchor="end">{ t("mean ± σ") }</text>
            </svg>
            <dl>
                <dt>{ t("mean") }</dt><dd data-testid="stat-mean">{ trf("{} keys", &[&fixed(s.mean, 1).to_string()]) }</dd>
                <dt>{ t("std deviation") }</dt><dd><span data-testid="stat-stddev" data-value={fixed(s.stddev, 4).to_string()}>{ fixed(s.stddev, 1).to_string() }</span>{ trf(" keys ({}% of the mean)", &[&fixed(100.0 * s.cv, 2).to_string()]) }</dd>
                <dt>{ t("coefficient of variation") }</dt><dd data-testid="stat-cv" data-value={fixed(s.cv, 6).to_string()}>{ fixed(s.cv, 4).to_string() }</dd>
                <dt>{ t("max / mean") }</dt><dd data-testid="stat-max-mean" data-value={fixed(s.max_over_mean, 6).to_string()}>{ fixed(s.max_over_mean, 3).to_string() }</dd>
                <dt>{ t("expected σ/mean") }</dt><dd>{ trf("≈ {}% for {} nodes × {} vnodes (≈ 1/√V)", &[&pct(expected_stddev_pct(s.nodes, rl.ring().vnodes(), rl.hashes().len())), &s.nodes, &rl.ring().vnodes()]) }</dd>
                <dt>{ t("last operation") }</dt>
                <dd>
                    <span data-testid="stat-moved" data-value={moved.map(|m| m.moved().to_string()).unwrap_or_default()}>{ moved.map(|m| m.moved().to_string()).unwrap_or("–".into()) }</span>
                    { moved.map(|m| trf(" keys moved ({}%; the ideal share is {}%) by {}", &[&fixed(m.moved_pct(), 2).to_string(), &fixed(m.ideal_pct, 2).to_string(), &m.op.map(|o| o.to_string()).unwrap_or_default()])).unwrap_or_default() }
                </dd>
            </dl>
        </section>
    }
}

pub(super) fn render_ops(
    run: &RingRun,
    s: &Scenario,
    dispatch: &Callback<Action>,
    playing: bool,
) -> Html {
    let applied = run.steps() as usize;
    // The applied operations, for the live region (an operation is this lab's event).
    let said: Vec<LogLine> = s
        .faults
        .iter()
        .take(applied)
        .enumerate()
        .map(|(k, f)| LogLine {
            step: k as u64 + 1,
            text: match &f.fault {
                engine::Fault::Command(_, t) => format!("{} {t}", f.at),
                other => format!("{} {other}", f.at),
            }
            .into(),
            notes: Rc::new([]),
            kind: "ev-fault",
        })
        .collect();
    let items = s.faults.iter().enumerate().map(|(k, f)| {
        let text = match &f.fault {
            engine::Fault::Command(_, t) => t.to_string(),
            other => other.to_string(),
        };
        let d = dispatch.clone();
        let rest: Vec<String> = s.faults.iter().enumerate().filter(|(j, _)| *j != k).filter_map(|(_, g)| match &g.fault {
            engine::Fault::Command(_, t) => Some(format!("{}:{t}", fmt_ms(g.at.0))),
            _ => None,
        }).collect();
        let onclick = Callback::from(move |_: MouseEvent| d.emit(Action::SetParam("ops".into(), rest.join(";"))));
        let done = k < applied;
        html! {
            <li class={classes!("event", "chip", done.then_some("done"))} data-testid={if done { "event" } else { "pending-op" }} data-step={(k + 1).to_string()}>
                <code>{ format!("{} ms: {text}", fmt_ms(f.at.0)) }</code>
                <button class="x" title={tr("Remove this operation (the run replays without it)")} aria-label={tr("Remove")} {onclick}>{"✕"}</button>
            </li>
        }
    });
    html! {
        <section class="panel ops">
            <h2>{ t("Operation timeline") }<span class="muted">{ trf(" — {} of {} applied", &[&applied, &s.faults.len()]) }</span></h2>
            if s.faults.is_empty() {
                <p class="muted">{ t("No operations yet: add, remove or fail a node.") }</p>
            }
            <ol class="fault-list event-log" data-testid="event-log">{ for items }</ol>
            { announcer(&said, playing) }
        </section>
    }
}

/// The scheme as a menu of names, and the parameter of the two schemes that take one (Maglev's
/// table size, the bounded loads' factor) as a field beside it.
fn scheme_select(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    use engine::ring::schemes::Scheme;
    let current = s.setup::<HashRingLab>().scheme;
    let d = dispatch.clone();
    let onchange = Callback::from(move |e: Event| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        d.emit(Action::SetParam("scheme".into(), v));
    });
    let param = match current {
        Scheme::Maglev { m } => Some((
            "maglev",
            tr("Maglev table size"),
            m.to_string(),
            tr("a prime, 7–1000003 (65537 by default)"),
        )),
        Scheme::Bounded { c_pct } => Some((
            "bounded",
            tr("load bound c × 100"),
            c_pct.to_string(),
            tr("capacity = c × mean load; 100–1000 (125 by default)"),
        )),
        _ => None,
    };
    html! {
        <>
            <label title={tr("how keys are assigned to nodes (all compared on the same keys in “Compare schemes”)")}><span>{ t("scheme") }</span>
                <select data-testid="param-scheme" {onchange}>
                    { for Scheme::ALL.iter().map(|sc| html! {
                        <option value={sc.to_string()} selected={sc.as_str() == current.as_str()}>{ tr(sc.title()) }</option>
                    }) }
                </select>
            </label>
            if let Some((kind, label, value, help)) = param {
                { crate::components::lab::text_field(dispatch, "param-scheme-arg".into(), label, value, help,
                    move |v| Action::SetParam("scheme".into(), format!("{kind}:{v}"))) }
            }
        </>
    }
}

pub(super) fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the operations on the new ring.") }</p>
            <div class="form">
                { param_input(dispatch, "n", tr("nodes"), s.nodes.to_string(), tr("initial nodes n0…, 1–1000")) }
                { setting::<HashRingLab>(s, dispatch, "vn", tr("vnodes per node")) }
                { setting::<HashRingLab>(s, dispatch, "hash", tr("hash function")) }
                { setting::<HashRingLab>(s, dispatch, "r", tr("replicas")) }
                { scheme_select(s, dispatch) }
                { setting::<HashRingLab>(s, dispatch, "keys", tr("keys")) }
            </div>
        </section>
    }
}
