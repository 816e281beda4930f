//! The heartbeat lab page: workers around the monitor, heartbeats in flight, each worker's
//! silence growing towards its timeout, both detectors' verdicts, failover and fencing.

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale, StageScale};
use crate::components::lab::{
    action_button, click_emit, fault_timeline, lab_head, lesson_caption, param_input,
    select_handlers, setting, use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::geometry::{arc_path, between_circles, cross_path, ellipse, f1, lerp, progress, Pt};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::heartbeat::HeartbeatLab;
use engine::heartbeat::{
    measure, Detector, HbMsg, HbNode, HbParams, Monitor, Role, Status, MONITOR,
};
use engine::net::{fmt_pct, LinkState};
use engine::scenario::Scenario;
use engine::sim::Sim;
use engine::time::fmt_ms;
use engine::{Fault, NodeId};
use yew::prelude::*;

const VIEW: f64 = 640.0;
const CENTER: Pt = Pt { x: 320.0, y: 320.0 };
const RING_R: f64 = 240.0;
const MONITOR_R: f64 = 48.0;

fn worker_radius(n: usize, ring_r: f64) -> f64 {
    let spacing = std::f64::consts::TAU * ring_r / n.max(1) as f64;
    (spacing * 0.36).clamp(9.0, 34.0)
}

/// The page.
#[component]
pub fn HeartbeatPage(props: &LabProps) -> Html {
    let lab = use_lab::<HeartbeatLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let params = player.scenario.hb_params();
    let Some(HbNode::Monitor(mon)) = sim.nodes().first() else {
        return html! { <p>{ t("No monitor in this run.") }</p> };
    };
    html! {
        <main class="lab heartbeat">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_svg(sim, mon, &params, player.selected, dispatch, sc) }
                    { render_legend() }
                </div>
                <div class="side">
                    { render_selected(sim, mon, &params, player.selected, dispatch) }
                    { render_metrics(sim, &params) }
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={"0.2.3|1".to_string()} />
                    { render_settings(&player.scenario, dispatch) }
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                { fault_timeline(&player.scenario, dispatch) }
            </div>
        </main>
    }
}

fn status_of(sim: &Sim<HbNode>, mon: &Monitor, det: Detector, i: NodeId) -> Status {
    if i == MONITOR {
        return if sim.is_up(MONITOR) {
            Status::Up
        } else {
            Status::Down
        };
    }
    mon.status(i, det)
}

fn render_svg(
    sim: &Sim<HbNode>,
    mon: &Monitor,
    p: &HbParams,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
) -> Html {
    let k = sc.k;
    let workers = sim.nodes().len() - 1;
    // A wide stage gets a wide picture: the workers on an ellipse around the monitor.
    let view_w = (VIEW * sc.aspect.clamp(1.0, 2.0)).round();
    let center = Pt {
        x: view_w / 2.0,
        y: CENTER.y,
    };
    // Text at least 12.5 CSS px as rendered (the stylesheet's `max(17px, var(--t))`); the ring
    // shrinks to leave a line of text above and below each worker.
    let font = (12.5 * k).max(17.0);
    let ring_r = RING_R.min(VIEW / 2.0 - 34.0 - 2.4 * font);
    let pos: Vec<Pt> = std::iter::once(center)
        .chain(ellipse(
            workers,
            center,
            ring_r + 0.9 * (view_w - VIEW) / 2.0,
            ring_r,
        ))
        .collect();
    let wr = worker_radius(workers, ring_r);
    let radius = |i: NodeId| if i == MONITOR { MONITOR_R } else { wr };
    let now = sim.now();
    let det = p.detector;

    // Two lanes per link (worker→monitor outside, monitor→worker inside), styled by state.
    let lane = |from: NodeId, to: NodeId| -> (Pt, Pt) {
        let (a, b) = between_circles(pos[from], pos[to], radius(from), radius(to));
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let off = 4.0;
        let (nx, ny) = (-dy / len * off, dx / len * off);
        (
            Pt {
                x: a.x + nx,
                y: a.y + ny,
            },
            Pt {
                x: b.x + nx,
                y: b.y + ny,
            },
        )
    };
    let links = (1..=workers).flat_map(|w| [(w, MONITOR), (MONITOR, w)]).map(|(a, b)| {
        let (s, e) = lane(a, b);
        let state = sim.links().get(a, b);
        let cls = match state {
            LinkState::Up => "link up",
            LinkState::Cut => "link cut",
            LinkState::Held => "link held",
        };
        html! { <line class={cls} data-link={format!("{a}>{b}")} x1={f1(s.x)} y1={f1(s.y)} x2={f1(e.x)} y2={f1(e.y)} /> }
    });

    let messages = sim.in_flight().map(|m| {
        let (s, e) = lane(m.from, m.to);
        let f = if m.held { 0.85 } else { progress(now.0, m.sent_at.0, m.deliver_at.0) };
        let at = lerp(s, e, f);
        let kind = match m.msg {
            HbMsg::Heartbeat { .. } => "hb",
            HbMsg::Promote { .. } => "promote",
            HbMsg::Demote { .. } => "demote",
        };
        let cls = classes!("msg", kind, m.lost.then_some("lost"), m.held.then_some("held"));
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(m.id)));
        let title = trf("#{} {}→{} {}{} — click to drop it", &[&m.id, &m.from, &m.to, &m.msg, &if m.lost { tr(" (will be lost)") } else { "" }]);
        html! {
            <g class={cls} data-testid={format!("msg-{}", m.id)} data-msg-id={m.id.to_string()} {onclick}>
                <title>{ title }</title>
                <circle cx={f1(at.x)} cy={f1(at.y)} r="7" />
            </g>
        }
    });

    let nodes = (0..=workers).map(|i| {
        let c = pos[i];
        let r = radius(i);
        let alive = sim.is_up(i);
        let st = status_of(sim, mon, det, i);
        let (onclick, onkeydown) = select_handlers(dispatch, i);
        let sel = selected == Some(i);
        let (role, epoch) = match &sim.nodes()[i] {
            HbNode::Worker(w) => (if w.role == Role::Primary { "primary" } else { "backup" }, w.epoch),
            HbNode::Monitor(m) => ("monitor", m.epoch),
        };
        let label = if i == MONITOR { "M".to_string() } else { i.to_string() };
        let silence = if i == MONITOR { None } else { mon.views.get(i).map(|v| now.since(v.last)) };
        let arc = silence.map(|s| {
            let frac = s.0 as f64 / p.down_after.0.max(1) as f64;
            let level = if s >= p.down_after { "down" } else if s >= p.suspect_after { "suspect" } else { "up" };
            html! { <path class={classes!("silence", level)} d={arc_path(c, r + 5.0, frac)} /> }
        });
        let aria = format!(
            "{} {}: {}{}, {}",
            if i == MONITOR { tr("M, the monitor") } else { tr("Worker") },
            if i == MONITOR { tr("(node 0)").to_string() } else { i.to_string() },
            tr(st.as_str()),
            if alive { "" } else { tr(" (crashed)") },
            tr(role)
        );
        let small = workers > 16;
        html! {
            <g class={classes!("node", format!("st-{}", st.as_str()), (!alive).then_some("crashed"), sel.then_some("selected"), (role == "primary" && alive).then_some("is-primary"))}
                data-node-id={i.to_string()} data-status={st.as_str()} data-alive={alive.to_string()}
                data-role={role} data-epoch={epoch.to_string()}
                {onclick}>
                { arc.unwrap_or_default() }
                <g class="node-hit" role="button" tabindex="0" aria-label={aria.clone()} {onkeydown}>
                    <title>{ aria }</title>
                    <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + 12.0)} />
                    <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
                    <text class="label" x={f1(c.x)} y={f1(c.y + if small { 4.0 } else { 7.0 })}>{ label }</text>
                </g>
                if !small || i == MONITOR {
                    <text class="status-text" x={f1(c.x)} y={f1(c.y + r + 1.2 * font)}>{ if alive { tr(st.as_str()).to_uppercase() } else { trf("{} · CRASHED", &[&tr(st.as_str()).to_uppercase()]) } }</text>
                }
                // A crashed worker drops its role mark: it acts as nothing while down.
                if role == "primary" && alive {
                    <text class="role-text" x={f1(c.x)} y={f1(c.y - r - 0.6 * font)}>{ trf("★ primary e{}", &[&epoch]) }</text>
                }
                if !alive {
                    <path class="cross" d={cross_path(Pt { x: c.x + 0.8 * r, y: c.y - 0.8 * r }, 0.3 * r.max(20.0))} />
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="cluster" viewBox={format!("0 0 {} {}", trim(view_w, 1), trim(VIEW, 1))} role="group" aria-label={tr("Workers around the monitor")} data-testid="cluster" onclick={deselect}>
            <g class="links">{ for links }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="messages">{ for messages }</g>
        </svg>
    }
}

fn render_legend() -> Html {
    html! {
        <p class="legend">
            <span class="key hb">{ t("● heartbeat") }</span>
            <span class="key promote">{ t("● promote") }</span>
            <span class="key demote">{ t("● demote") }</span>
            <span class="key lost">{ t("○ will be lost") }</span>
            <span class="key">{ t("Arc around a worker: silence since its last heartbeat, full at the down timeout.") }</span>
        </p>
    }
}

fn render_selected(
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

fn render_metrics(sim: &Sim<HbNode>, p: &HbParams) -> Html {
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

fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
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
