//! The SWIM lab page: members on a circle coloured by what the group believes about each (or, with
//! a member selected, by that member's own view), pings, acks, ping-reqs and gossip in flight, the
//! measurements against ground truth, and the 5–200 member sweep against theory.

use super::detect_compare::DetectCompare;
use crate::components::chart::{chart, Axis, Series};
use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_frames, use_stage_scale, StageScale};
use crate::components::lab::{
    action_button, click_emit, fault_timeline, lab_head, lesson_caption, param_input,
    select_handlers, setting, use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::geometry::{cross_path, ellipse, f1, label_spots, lerp, progress, Placer, Pt, Rect};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::heartbeat::swim::{MemberState, SwimMsg, SwimNode, SwimParams};
use engine::heartbeat::swim_metrics::{group_view, measure, sweep_one, SweepRow, SWEEP_SIZES};
use engine::heartbeat::SwimLab;
use engine::net::{fmt_pct, LinkState, NetConfig};
use engine::scenario::Scenario;
use engine::sim::Sim;
use engine::{Fault, NodeId};
use yew::prelude::*;

const VIEW: f64 = 500.0;
const CENTER: Pt = Pt { x: 250.0, y: 248.0 };
const RING_R: f64 = 192.0;
/// Members drawn with their number inside (above this, dots only; the tooltip names them).
const LABELLED: usize = 24;
/// Members drawn with a status word under them.
const WORDED: usize = 12;
/// Messages in flight drawn with a label (above this, dots only).
const LABELLED_MSGS: usize = 24;
/// The delay the "Make slow" button gives a member (Lifeguard's motivating case).
const SLOW_MS: u32 = 800;

fn member_radius(n: usize) -> f64 {
    let spacing = std::f64::consts::TAU * RING_R / n.max(1) as f64;
    (spacing * 0.38).clamp(4.0, 28.0)
}

/// The page's word for a member state (`data-status`: up / suspect / down, as in every lab).
fn status_word(s: MemberState) -> &'static str {
    match s {
        MemberState::Alive => "up",
        MemberState::Suspect => "suspect",
        MemberState::Dead => "down",
    }
}

/// The page.
#[component]
pub fn SwimPage(props: &LabProps) -> Html {
    let lab = use_lab::<SwimLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let params = player.scenario.setup::<SwimLab>();
    let selected = player.selected.filter(|&i| i < sim.nodes().len());
    html! {
        <main class="lab swim">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_svg(sim, selected, dispatch, sc) }
                    { render_legend(selected) }
                </div>
                <div class="side">
                    { render_selected(sim, selected, dispatch) }
                    { render_metrics(sim) }
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={"0.1.2.3|4.5.6.7".to_string()} />
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                { fault_timeline(&player.scenario, dispatch) }
            </div>
            <div class="lab-body">
                <div class="sweeps">
                    <Sweep params={params} net={player.scenario.net} seed={player.scenario.seed} />
                    <DetectCompare params={params} net={player.scenario.net} seed={player.scenario.seed} />
                </div>
                { render_settings(&player.scenario, dispatch) }
            </div>
        </main>
    }
}

/// A message's kind (its CSS class) and its label on the stage.
fn msg_kind(m: &SwimMsg) -> (&'static str, String) {
    let (kind, word) = match m {
        SwimMsg::Ping { .. } => ("ping", "ping".to_string()),
        SwimMsg::Ack { .. } => ("ack", "ack".to_string()),
        SwimMsg::PingReq { target, .. } => ("ping-req", format!("ping-req {target}")),
        SwimMsg::Nack { .. } => ("nack", "nack".to_string()),
        SwimMsg::Gossip { .. } => ("gossip", "gossip".to_string()),
        SwimMsg::Sync { reply, .. } => ("sync", if *reply { "sync reply" } else { "sync" }.into()),
    };
    let u = m.updates().len();
    (kind, if u > 0 { format!("{word} +{u}") } else { word })
}

fn render_svg(
    sim: &Sim<SwimNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
) -> Html {
    let n = sim.nodes().len();
    let k = sc.k;
    // A wide stage gets a wide picture: the members on an ellipse.
    let view_w = (VIEW * sc.aspect.clamp(1.0, 2.0)).round();
    let center = Pt {
        x: view_w / 2.0,
        y: CENTER.y,
    };
    // Text at least 12.5 CSS px as rendered (the stylesheet's `max(19px, var(--t))`): the circle
    // shrinks to leave a line of text under the bottom member.
    let font = (12.5 * k).max(19.0);
    let ring_r = RING_R.min(VIEW - CENTER.y - 28.0 - 1.3 * font);
    let pos = ellipse(n, center, ring_r + 0.9 * (view_w - VIEW) / 2.0, ring_r);
    let r = member_radius(n);
    let now = sim.now();
    let group = group_view(sim);
    // With a member selected, the circle shows what it believes.
    let viewer = selected.map(|s| &sim.nodes()[s]);
    let believed = |j: NodeId| match viewer {
        Some(v) if v.me == j => MemberState::Alive,
        Some(v) => v.view[j].state,
        None => group[j],
    };

    // Cut links, one line per pair with a direction cut (small groups only: a partition shows).
    let cuts: Html = if n <= LABELLED {
        sim.links()
            .faulty()
            .into_iter()
            .filter(|&(a, b, _)| a < b || sim.links().get(b, a) == LinkState::Up)
            .map(|(a, b, s)| {
                let cls = if s == LinkState::Held { "link held" } else { "link cut" };
                html! { <line class={cls} data-link={format!("{a}>{b}")} x1={f1(pos[a].x)} y1={f1(pos[a].y)} x2={f1(pos[b].x)} y2={f1(pos[b].y)} /> }
            })
            .collect::<Html>()
    } else {
        Html::default()
    };

    let flying: Vec<_> = sim.in_flight().collect();
    let labelled = flying.len() <= LABELLED_MSGS;
    // Members and their words stay readable: a message label goes where nothing is, or is left
    // out (the dot, its colour and its tooltip remain).
    let mut placer = Placer::default();
    placer.reserve(Rect::text(Pt { x: 6.0, y: 20.0 }, 44, font, false));
    for &c in &pos {
        placer.reserve(Rect::circle(c, r + 3.0));
        if n <= WORDED {
            placer.reserve(Rect::text(
                Pt {
                    x: c.x,
                    y: c.y + r + 1.05 * font,
                },
                10,
                font,
                true,
            ));
        }
    }
    let bounds = Rect {
        l: 0.0,
        t: 0.0,
        r: view_w,
        b: VIEW,
    };
    let messages = flying.iter().map(|m| {
        let f = if m.held { 0.85 } else { progress(now.0, m.sent_at.0, m.deliver_at.0) };
        let at = lerp(pos[m.from], pos[m.to], f);
        let (kind, label) = msg_kind(&m.msg);
        let chars = label.chars().count();
        let dir = Pt { x: pos[m.to].x - pos[m.from].x, y: pos[m.to].y - pos[m.from].y };
        let spot = (labelled && kind != "gossip")
            .then(|| placer.place(&label_spots(at, dir, 7.0, chars, font), chars, font, bounds))
            .flatten();
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(m.id)));
        let title = trf("#{} {}→{} {}{} — click to drop it", &[&m.id, &m.from, &m.to, &m.msg, &if m.lost { tr(" (will be lost)") } else { "" }]);
        html! {
            <g class={classes!("msg", kind, m.lost.then_some("lost"), m.held.then_some("held"))}
                data-testid={format!("msg-{}", m.id)} data-msg-id={m.id.to_string()} data-kind={kind}>
                <title>{ title }</title>
                <circle cx={f1(at.x)} cy={f1(at.y)} r={if labelled { "7" } else { "5" }} {onclick} />
                if let Some(p) = spot {
                    <text class="msg-label" x={f1(p.x)} y={f1(p.y)}>{ label }</text>
                }
            </g>
        }
    });

    let nodes = (0..n).map(|i| {
        let c = pos[i];
        let node = &sim.nodes()[i];
        let up = sim.is_up(i);
        let st = believed(i);
        // In a crowd, members that are not simply alive stand out by size too.
        let r = if n > LABELLED && (st != MemberState::Alive || !up) { r * 1.6 } else { r };
        let word = status_word(st);
        let (onclick, onkeydown) = select_handlers(dispatch, i);
        let is_sel = selected == Some(i);
        let slow = node.slow.as_us() > 0;
        let whose = match viewer {
            Some(v) if !is_sel => trf("member {} believes it {}", &[&v.me, &tr(st.as_str())]),
            Some(_) => tr("the selected member").to_string(),
            None => trf("most members believe it {}", &[&tr(st.as_str())]),
        };
        let aria = trf(
            "Member {}: {}{}{}, incarnation {}",
            &[
                &i,
                &whose,
                &if up { "" } else { tr("; actually crashed") },
                &if slow { tr("; slow") } else { "" },
                &node.inc,
            ],
        );
        // The incarnation the viewer heard (its own for the viewer itself).
        let inc = viewer.map(|v| if v.me == i { v.inc } else { v.view[i].inc });
        let word_text = format!(
            "{}{}{}",
            tr(if is_sel { tk("VIEWER") } else { st.as_str() }).to_uppercase(),
            if up { "" } else { " ✗" },
            if slow { tr(" · SLOW") } else { "" }
        );
        html! {
            <g class={classes!("node", "member", format!("st-{word}"), (!up).then_some("crashed"), is_sel.then_some("selected"), slow.then_some("slow"))}
                data-node-id={i.to_string()} data-status={word} data-crashed={(!up).to_string()}
                data-incarnation={node.inc.to_string()} data-slow={slow.to_string()}
                {onclick}>
                <g class="node-hit" role="button" tabindex="0" aria-label={aria.clone()} {onkeydown}>
                    <title>{ aria }</title>
                    <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + 7.0)} />
                    <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
                    if n <= LABELLED {
                        <text class="label" x={f1(c.x)} y={f1(c.y + 7.0)}>{ i }</text>
                    }
                </g>
                if n <= WORDED {
                    <text class="status-text" x={f1(c.x)} y={f1(c.y + r + 1.05 * font)}>{ word_text }</text>
                }
                if let (Some(inc), true) = (inc, n <= LABELLED && !is_sel) {
                    <text class="inc" x={f1(c.x + r * 0.75)} y={f1(c.y - r * 0.75)}>{ format!("i{inc}") }</text>
                }
                if !up {
                    <path class="cross" d={cross_path(c, r * 0.6)} />
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    let caption = match viewer {
        Some(v) => trf(
            "Member {}'s view (incarnation {}, local health {})",
            &[&v.me, &v.inc, &v.lhm],
        ),
        None => tr("What most members believe").to_string(),
    };
    html! {
        <svg class={classes!("cluster", (n > LABELLED).then_some("dense"))} viewBox={format!("0 0 {} {}", trim(view_w, 1), trim(VIEW, 1))} role="group" aria-label={tr("SWIM members")} data-testid="cluster"
            data-viewer={selected.map(|s| s.to_string()).unwrap_or_default()} onclick={deselect}>
            <text class="view-caption" x="6" y="20">{ caption }</text>
            <g class="links">{ cuts }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="messages">{ for messages }</g>
        </svg>
    }
}

fn render_legend(selected: Option<NodeId>) -> Html {
    html! {
        <p class="legend">
            <span class="key ping">{ t("● ping") }</span>
            <span class="key ack">{ t("● ack") }</span>
            <span class="key ping-req">{ t("● ping-req") }</span>
            <span class="key gossip">{ t("● gossip / sync") }</span>
            <span class="key lost">{ t("○ will be lost") }</span>
            <span class="key">{ if selected.is_some() {
                tr("Colours: the selected member's view, iN the incarnation it heard. Click empty space for the group's view.")
            } else {
                tr("Colours: what most members believe. ✗ actually crashed; a purple ring: slow; gossip dots are unlabelled. Click a member for its own view.")
            } }</span>
        </p>
    }
}

fn render_selected(
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

fn render_metrics(sim: &Sim<SwimNode>) -> Html {
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

fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
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

/// Props of [`Sweep`].
#[derive(Properties, PartialEq, Clone)]
pub struct SweepProps {
    /// The lab's settings (the sweep uses them at every size).
    pub params: SwimParams,
    /// The network.
    pub net: NetConfig,
    /// The seed.
    pub seed: u64,
}

#[derive(Default)]
struct SweepState {
    running: bool,
    rows: Vec<SweepRow>,
}

/// The sweep: a crash in groups of 5–200 members, one size per frame, plotted against theory.
#[component]
pub fn Sweep(props: &SweepProps) -> Html {
    let state = use_mut_ref(SweepState::default);
    let redraw = use_force_update();
    let running = state.borrow().running;
    {
        let (state, redraw, p) = (state.clone(), redraw.clone(), props.clone());
        use_frames(
            running,
            Callback::from(move |_dt: f64| {
                let mut s = state.borrow_mut();
                match SWEEP_SIZES.get(s.rows.len()) {
                    Some(&n) if s.running => {
                        if let Some(row) = sweep_one(n, p.seed, &p.params, p.net) {
                            s.rows.push(row);
                        }
                        if s.rows.len() >= SWEEP_SIZES.len() {
                            s.running = false;
                        }
                    }
                    _ => s.running = false,
                }
                drop(s);
                redraw.force_update();
            }),
        );
    }
    let start = {
        let (state, redraw) = (state.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            *state.borrow_mut() = SweepState {
                running: true,
                rows: Vec::new(),
            };
            redraw.force_update();
        })
    };
    let s = state.borrow();
    let done = s.rows.len();
    html! {
        <section class="panel sweep-panel swim-sweep" data-testid="sweep">
            <h2>{"Sweep: 5 to 200 members"}</h2>
            <p class="muted">{"Member 1 crashes after 3 s in groups of 5, 10, 20, 50, 100 and 200 (these settings, this seed). Theory: the paper's expected first suspicion plus the suspicion timeout (grows with log n); a ping and an ack per period (the same at every size)."}</p>
            <div class="actions">
                <button data-testid="sweep-run" onclick={start} disabled={s.running}>{"Run the sweep"}</button>
                <progress data-testid="sweep-progress" max={SWEEP_SIZES.len().to_string()} value={done.to_string()}></progress>
                <span class="muted" data-testid="sweep-done">{ format!("{done}/{} sizes", SWEEP_SIZES.len()) }</span>
            </div>
            if !s.rows.is_empty() {
                { sweep_charts(&s.rows) }
                { sweep_table(&s.rows) }
            }
        </section>
    }
}

fn sweep_charts(rows: &[SweepRow]) -> Html {
    let col = |f: &dyn Fn(&SweepRow) -> Option<f64>| {
        rows.iter()
            .filter_map(|r| f(r).map(|v| (r.members as f64, v)))
            .collect::<Vec<_>>()
    };
    let x = || Axis::log(tr("members (log scale)"), 5.0, 200.0);
    html! {
        <div class="swim-charts">
            { chart("sweep-time-chart", tr("Detection time against group size"), x(), Axis::new(tr("ms after the crash")), &[
                Series::new(tr("theory: detection"), "--muted", col(&|r| Some(r.theory_detection_ms))).dashed(),
                Series::new(tr("first suspect"), "--suspect", col(&|r| r.first_suspect_ms)),
                Series::new(tr("first dead"), "--oi-blue", col(&|r| r.detection_ms)),
                Series::new(tr("everyone knows"), "--oi-purple", col(&|r| r.dissemination_ms)),
            ]) }
            { chart("sweep-load-chart", tr("Messages per member per second"), x(), Axis::new(tr("messages / member / s")), &[
                Series::new(tr("theory: constant"), "--muted", col(&|r| Some(r.theory_messages_per_member_per_s))).dashed(),
                Series::new(tr("steady (before the crash)"), "--oi-blue", col(&|r| Some(r.steady_messages_per_member_per_s))),
                Series::new(tr("whole run (with the gossip)"), "--oi-purple", col(&|r| Some(r.messages_per_member_per_s))),
            ]) }
        </div>
    }
}

fn sweep_table(rows: &[SweepRow]) -> Html {
    let ms = |x: Option<f64>| {
        x.map(|v| format!("{} ms", fixed(v, 0)))
            .unwrap_or_else(|| "–".into())
    };
    html! {
        <table class="sweep-table" data-testid="sweep-table">
            <thead><tr><th>{"members"}</th><th>{"first dead"}</th><th>{"everyone"}</th><th>{"theory"}</th><th title="steady (whole run)">{"msgs / member / s"}</th></tr></thead>
            <tbody>
                { for rows.iter().map(|r| html! {
                    <tr data-members={r.members.to_string()}>
                        <th>{ r.members }</th>
                        <td>{ ms(r.detection_ms) }</td>
                        <td>{ ms(r.dissemination_ms) }</td>
                        <td>{ format!("{} ms", fixed(r.theory_detection_ms, 0)) }</td>
                        <td>{ format!("{} ({})", fixed(r.steady_messages_per_member_per_s, 1), fixed(r.messages_per_member_per_s, 1)) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
