//! The Raft lab page: servers on a circle with their role, term and election timer, labelled
//! messages in flight, one log row per server, the safety invariants, a sequence diagram of recent
//! messages, and the paper's §9.3 election-time experiment.

use crate::components::chart::{chart, Axis, Series};
use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_frames, use_stage_scale, StageScale};
use crate::components::lab::{
    action_button, click_emit, fault_timeline, lab_head, lesson_caption, param_input,
    select_handlers, setting, use_lab, LabProps, RunProps,
};
use crate::components::network::NetworkPanel;
use crate::geometry::{
    arc_path, between_circles, cross_path, f1, label_spots, lerp, progress, Placer, Pt, Rect,
    RingFit,
};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::history::History;
use engine::net::LinkState;
use engine::raft::RaftLab;
use engine::raft::{self, Msg, RaftCommand, RaftNode, Role, Timer};
use engine::scenario::Scenario;
use engine::sim::{Sim, What};
use engine::time::fmt_ms;
use engine::{Fault, NodeId, SimTime};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Height of the picture (viewBox units); its width follows the stage's shape (1–2× as wide).
const VIEW: f64 = 640.0;

/// A colour per term (not the only cue: entries also print their term).
fn term_colour(term: u64) -> String {
    const HUES: [u32; 8] = [210, 30, 130, 280, 0, 180, 60, 320];
    format!("hsl({}, 65%, 80%)", HUES[(term as usize) % HUES.len()])
}

/// The page.
#[component]
pub fn RaftPage(props: &LabProps) -> Html {
    let lab = use_lab::<RaftLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let setup = player.scenario.raft_setup();
    let n = sim.nodes().len();
    html! {
        <main class="lab raft">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_cluster(sim, player.selected, dispatch, sc) }
                    <p class="legend">
                        <span>{ t("Shape and label give the role: ○ follower, ◌ candidate (dashed), ★ leader. The arc is the election timer.") }</span>
                        <span>{ t("Click a message to drop it, a link to cut or restore it.") }</span>
                    </p>
                </div>
                <div class="side">
                    { render_selected(sim, player.selected, dispatch) }
                    { render_metrics(sim) }
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={if n >= 5 { "0.1|2.3.4".to_string() } else { "0|1.2".to_string() }} />
                </div>
            </div>
            { render_logs(sim) }
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                <div class="side">
                    <Sequence run={player.hist.clone()} steps={sim.steps()} />
                    { fault_timeline(&player.scenario, dispatch) }
                </div>
            </div>
            <div class="lab-body">
                { render_settings(&player.scenario, &setup, dispatch) }
                <Experiment params={setup.params} />
            </div>
        </main>
    }
}

fn render_cluster(
    sim: &Sim<RaftNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
) -> Html {
    let n = sim.nodes().len();
    let k = sc.k;
    // A wide stage (a projector, 150 % zoom) gets a wide picture: the servers on an ellipse.
    let view_w = (VIEW * sc.aspect.clamp(1.0, 4.0)).round();
    let center = Pt {
        x: view_w / 2.0,
        y: VIEW / 2.0,
    };
    // Sizes in user units from the stage's scale `k` (units per CSS px): text at least 12.5 px
    // as rendered, nodes big enough to hold "term 10" at that size.
    let (fit, pos) = RingFit::on_ellipse(n, center, VIEW / 2.0, k, 0.9 * (view_w - VIEW) / 2.0);
    let (node_r, font) = (fit.node_r, fit.font);
    let dot_r = (0.47 * font).max(8.0);
    let now = sim.now();
    let lane = |a: NodeId, b: NodeId| -> (Pt, Pt) {
        let (s, e) = between_circles(pos[a], pos[b], node_r, node_r);
        let (dx, dy) = (e.x - s.x, e.y - s.y);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (nx, ny) = (-dy / len * 5.0, dx / len * 5.0);
        (
            Pt {
                x: s.x + nx,
                y: s.y + ny,
            },
            Pt {
                x: e.x + nx,
                y: e.y + ny,
            },
        )
    };
    let links = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).map(|(a, b)| {
        let (ab, ba) = (sim.links().get(a, b), sim.links().get(b, a));
        let state = |s: LinkState| match s {
            LinkState::Up => "up",
            LinkState::Cut => "cut",
            LinkState::Held => "held",
        };
        let all_up = ab == LinkState::Up && ba == LinkState::Up;
        let d = dispatch.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            if all_up {
                d.emit(Action::Inject(Fault::Cut(a, b)));
                d.emit(Action::Inject(Fault::Cut(b, a)));
            } else {
                d.emit(Action::Inject(Fault::Restore(a, b)));
                d.emit(Action::Inject(Fault::Restore(b, a)));
            }
        });
        let (s1, e1) = lane(a, b);
        let (s2, e2) = lane(b, a);
        let (ca, cb) = (pos[a], pos[b]);
        html! {
            <g class="link-pair" data-link={format!("{a}-{b}")} {onclick}>
                <title>{ trf("link {}↔{}: {}→{} {}, {}→{} {} — click to {}", &[&a, &b, &a, &b, &tr(state(ab)), &b, &a, &tr(state(ba)), &if all_up { tr("cut it") } else { tr("restore it") }]) }</title>
                <line class="hit" x1={f1(ca.x)} y1={f1(ca.y)} x2={f1(cb.x)} y2={f1(cb.y)} />
                <line class={classes!("link", state(ab))} data-dir={format!("{a}>{b}")} x1={f1(s1.x)} y1={f1(s1.y)} x2={f1(e1.x)} y2={f1(e1.y)} />
                <line class={classes!("link", state(ba))} data-dir={format!("{b}>{a}")} x1={f1(s2.x)} y1={f1(s2.y)} x2={f1(e2.x)} y2={f1(e2.y)} />
            </g>
        }
    });
    // Node text stays readable: message labels go where nothing is, or are left out (the dot,
    // its colour and its tooltip remain).
    let mut placer = Placer::default();
    // Servers too close for a word under each (many servers on a small stage) name only the
    // roles that matter (leader, candidate, crashed); a follower is told by its plain circle.
    let gap = (0..n)
        .filter(|_| n >= 2)
        .map(|i| {
            let (a, b) = (pos[i], pos[(i + 1) % n]);
            ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min);
    let crowded = gap < 5.6 * font;
    for (i, &c) in pos.iter().enumerate() {
        placer.reserve(Rect::circle(c, node_r + 4.0));
        placer.reserve(Rect::text(
            Pt {
                x: c.x,
                y: c.y + node_r + 1.3 * font,
            },
            9,
            font,
            true,
        ));
        if matches!(sim.nodes()[i].role, Role::Candidate | Role::PreCandidate) {
            placer.reserve(Rect::text(
                Pt {
                    x: c.x,
                    y: c.y - node_r - 0.7 * font,
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
    let label_font = (12.5 * k).max(16.0);
    // Dots go under the nodes (a node's texts stay readable), their labels above everything.
    let mut labels = Vec::new();
    let messages: Html = sim.in_flight().map(|m| {
        let (s, e) = lane(m.from, m.to);
        let f = if m.held { 0.85 } else { progress(now.0, m.sent_at.0, m.deliver_at.0) };
        let at = lerp(s, e, f);
        let kind = match &m.msg {
            Msg::RequestVote { .. } | Msg::RequestVoteResponse { .. } => "rv",
            Msg::AppendEntries { entries, .. } if entries.is_empty() => "hb",
            Msg::AppendEntries { .. } => "ae",
            Msg::AppendEntriesResponse { .. } => "aer",
            Msg::TimeoutNow { .. } => "tn",
        };
        let failed = matches!(m.msg, Msg::RequestVoteResponse { vote_granted: false, .. } | Msg::AppendEntriesResponse { success: false, .. });
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(m.id)));
        let label = m.msg.to_string();
        let chars = label.chars().count();
        let spots = label_spots(at, Pt { x: e.x - s.x, y: e.y - s.y }, dot_r, chars, label_font);
        if let Some(p) = placer.place(&spots, chars, label_font, bounds) {
            labels.push(html! { <text class="msg-label" x={f1(p.x)} y={f1(p.y)}>{ label.clone() }</text> });
        }
        html! {
            <g class={classes!("msg", kind, failed.then_some("nack"), m.lost.then_some("lost"), m.held.then_some("held"))}
                data-testid={format!("msg-{}", m.id)} data-msg-id={m.id.to_string()} data-label={label.clone()} {onclick}>
                <title>{ trf("#{} {}→{} {}{} — click to drop it", &[&m.id, &m.from, &m.to, &label, &if m.lost { tr(" (will be lost)") } else { "" }]) }</title>
                <circle cx={f1(at.x)} cy={f1(at.y)} r={f1(dot_r)} />
            </g>
        }
    }).collect();
    let nodes = (0..n).map(|i| {
        let node = &sim.nodes()[i];
        let c = pos[i];
        let alive = sim.is_up(i);
        let member = node.is_member();
        let (onclick, onkeydown) = select_handlers(dispatch, i);
        let timer = sim.timer(i, &Timer::Election).filter(|_| alive).map(|(armed, due)| {
            let total = due.0.saturating_sub(armed.0).max(1);
            let frac = now.0.saturating_sub(armed.0) as f64 / total as f64;
            html! { <path class="election-timer" d={arc_path(c, node_r + 6.0, frac)} /> }
        });
        let role = node.role;
        let status = if alive { "up" } else { "down" };
        let votes = (matches!(role, Role::Candidate | Role::PreCandidate)).then(|| {
            let need = node.config().len() / 2 + 1;
            trf("votes {}/{}", &[&node.votes.len(), &need])
        });
        let label = tr(match (alive, member) {
            (false, _) => tk("CRASHED"),
            (true, false) => tk("spare"),
            (true, true) => match role {
                Role::Leader => tk("LEADER"),
                Role::Candidate => tk("CANDIDATE"),
                Role::PreCandidate => tk("PRE-CANDIDATE"),
                Role::Follower => tk("FOLLOWER"),
            },
        });
        let aria = trf("Server {}: {}, term {}{}", &[&i, &tr(role.as_str()), &node.current_term, &if alive { "" } else { tr(", crashed") }]);
        html! {
            <g class={classes!("node", "server", alive.then(|| format!("role-{}", role.as_str())), (!alive).then_some("crashed"), (!member).then_some("spare"), (selected == Some(i)).then_some("selected"))}
                data-node-id={i.to_string()} data-status={status} data-role={role.as_str()} data-term={node.current_term.to_string()}
                data-member={member.to_string()} {onclick}>
                { timer.unwrap_or_default() }
                // The keyboard target: the circle and its number (the texts around it are shown,
                // and said by its name).
                <g class="node-hit" role="button" tabindex="0" aria-label={aria.clone()} {onkeydown}>
                    <title>{ aria }</title>
                    <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(node_r + 13.0)} />
                    <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(node_r)} />
                    <text class="label" x={f1(c.x)} y={f1(c.y - 0.05 * node_r)}>{ if role == Role::Leader && alive { format!("★{i}") } else { i.to_string() } }</text>
                </g>
                <text class="term" x={f1(c.x)} y={f1(c.y + 0.9 * font + 1.0)}>{ if node_r < 2.1 * font { format!("t{}", node.current_term) } else { trf("term {}", &[&node.current_term]) } }</text>
                if !(crowded && alive && member && role == Role::Follower) {
                    <text class="status-text" x={f1(c.x)} y={f1(c.y + node_r + 1.3 * font)}>{ label }</text>
                }
                if let Some(v) = votes {
                    <text class="votes" x={f1(c.x)} y={f1(c.y - node_r - 0.7 * font)}>{ v }</text>
                }
                if !alive {
                    <path class="cross" d={cross_path(Pt { x: c.x + 0.8 * node_r, y: c.y - 0.8 * node_r }, 0.3 * node_r)} />
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="cluster" viewBox={format!("0 0 {} {}", trim(view_w, 1), trim(VIEW, 1))} role="group" aria-label={tr("Raft servers")} data-testid="cluster" onclick={deselect}>
            <g class="links">{ for links }</g>
            <g class="messages">{ messages }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="msg-labels">{ for labels }</g>
        </svg>
    }
}

fn render_selected(
    sim: &Sim<RaftNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(i) = selected.filter(|&i| i < sim.nodes().len()) else {
        return html! { <section class="panel"><h2>{ t("Server") }</h2><p class="muted">{ t("Click a server to crash it, time it out, send it a client request or move leadership.") }</p></section> };
    };
    let node = &sim.nodes()[i];
    let alive = sim.is_up(i);
    let n = sim.nodes().len();
    let is_leader = alive && node.role == Role::Leader;
    // A plain render function cannot call hooks; a fresh ref works because only this render's
    // submit handler reads it.
    let request_ref = NodeRef::default();
    let on_request = {
        let d = dispatch.clone();
        let r = request_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(input) = r.cast::<HtmlInputElement>() {
                let v = input.value();
                let v = v.trim();
                let text = if v.contains('=') {
                    format!("put:{v}")
                } else {
                    format!("incr:{v}")
                };
                d.emit(Action::InjectText(format!("cmd:{i}:{text}")));
            }
        })
    };
    let members = node.config().to_vec();
    let others: Vec<NodeId> = (0..n).filter(|&j| j != i).collect();
    let state: Vec<String> = node
        .applied()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={i.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Server {}", &[&i]) }<span class="muted">{ trf(" — {}, term {}", &[&if alive { tr(node.role.as_str()) } else { tr("crashed") }, &node.current_term]) }</span></h2>
            <div class="actions">
                { cmd_button(dispatch, "action-crash".into(), tr("Crash").into(), Fault::Crash(i), alive) }
                { cmd_button(dispatch, "action-restart".into(), tr("Restart").into(), Fault::Restart(i), !alive) }
                { cmd_button(dispatch, "action-timeout".into(), tr("Force timeout").into(), Fault::command(i, RaftCommand::Timeout), alive) }
                { cmd_button(dispatch, "action-isolate".into(), tr("Isolate").into(), Fault::Isolate(i), true) }
            </div>
            <form class="inline" onsubmit={on_request}>
                <label title={tr("key=value sets a key; a bare key adds 1 to it")}>
                    <span>{ t("Client request") }</span>
                    <crate::components::lab::Field testid="request-input" node_ref={request_ref} value="x=1" size={8} />
                </label>
                <button type="submit" data-testid="action-request" disabled={!alive}>{ t("Send to this server") }</button>
            </form>
            if is_leader {
                <div class="actions">
                    <span class="muted">{ t("Transfer leadership to:") }</span>
                    { for members.iter().filter(|&&j| j != i).map(|&j| cmd_button(dispatch, format!("action-transfer-{j}"), j.to_string(), Fault::command(i, RaftCommand::Transfer(j)), true)) }
                </div>
                <div class="actions">
                    <span class="muted">{ t("Membership:") }</span>
                    { for (0..n).filter(|j| !members.contains(j)).map(|j| cmd_button(dispatch, format!("action-add-{j}"), trf("add {}", &[&j]), Fault::command(i, RaftCommand::Add(j)), true)) }
                    { for members.iter().map(|&j| cmd_button(dispatch, format!("action-remove-{j}"), trf("remove {}", &[&j]), Fault::command(i, RaftCommand::Remove(j)), members.len() > 1)) }
                </div>
            }
            <div class="actions">
                <span class="muted">{ t("Cut one way, from this server to:") }</span>
                { for others.iter().map(|&j| {
                    let up = sim.links().get(i, j) == LinkState::Up;
                    let (verb, fault) = if up { ("cut", Fault::Cut(i, j)) } else { ("restore", Fault::Restore(i, j)) };
                    cmd_button(dispatch, format!("action-{verb}-{j}"), format!("{}{j}", if up { "✂" } else { "↺" }), fault, true)
                }) }
            </div>
            <dl>
                <dt>{ t("votedFor") }</dt><dd>{ node.voted_for.map(|v| v.to_string()).unwrap_or("–".into()) }</dd>
                <dt>{ t("log") }</dt><dd>{ trf("{} entries, last term {}", &[&node.last_log_index(), &node.last_log_term()]) }</dd>
                <dt>{ t("commitIndex") }</dt><dd data-testid="sel-commit">{ node.commit_index }</dd>
                <dt>{ t("lastApplied") }</dt><dd>{ node.last_applied }</dd>
                <dt>{ t("leader known") }</dt><dd>{ node.leader_id.map(|v| v.to_string()).unwrap_or("–".into()) }</dd>
                <dt>{ t("configuration") }</dt><dd>{ raft::fmt_ids(node.config()) }</dd>
                <dt>{ t("state machine") }</dt><dd data-testid="sel-state">{ if state.is_empty() { tr("(empty)").to_string() } else { state.join(", ") } }</dd>
            </dl>
        </section>
    }
}

fn render_metrics(sim: &Sim<RaftNode>) -> Html {
    let m = raft::measure(sim);
    let ms = |x: Option<f64>| {
        x.map(|v| format!("{} ms", fixed(v, 1)))
            .unwrap_or("–".into())
    };
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <dl>
                <dt>{ t("Leader") }</dt><dd data-testid="metric-leader" data-value={m.leader.map(|l| l.to_string()).unwrap_or_default()}>{ m.leader.map(|l| trf("server {} (term {})", &[&l, &m.term])).unwrap_or_else(|| tr("none").into()) }</dd>
                <dt>{ t("Time without a leader") }</dt><dd data-testid="metric-leaderless" data-value={fixed(m.leaderless_ms, 3).to_string()}>{ trf("{} ms in {} outage(s)", &[&fixed(m.leaderless_ms, 1).to_string(), &m.outages.len()]) }</dd>
                <dt>{ t("Elections") }</dt><dd data-testid="metric-elections">{ trf("{} ({} split votes, {} lone campaigns without a majority, {} pre-vote rounds)", &[&m.elections, &m.split_votes, &m.lone_campaigns, &m.pre_vote_rounds]) }</dd>
                <dt>{ t("Client requests") }</dt><dd>{ trf("{} appended; commit latency mean {}, p50 {}, max {}", &[&m.client_requests, &ms(m.commit_latency.mean_ms), &ms(m.commit_latency.p50_ms), &ms(m.commit_latency.max_ms)]) }</dd>
                <dt>{ t("Messages") }</dt><dd>{ trf("RV {} · RV✓✗ {} · AE {} · heartbeats {} · AE✓✗ {} · preRV {} · lost {} · dropped {}",
                    &[&m.messages.request_vote, &m.messages.request_vote_response, &m.messages.append_entries, &m.messages.heartbeat,
                    &m.messages.append_entries_response, &m.messages.pre_vote, &m.messages_lost, &m.messages_dropped]) }</dd>
            </dl>
            if let Some(o) = m.outages.last() {
                <p class="muted">{ trf("Last outage: {} at {} ms, {}", &[&o.cause, &fixed(o.start_ms, 1).to_string(), &o.end_ms.map(|e| trf("leader back after {} ms", &[&fixed(e - o.start_ms, 1).to_string()])).unwrap_or_else(|| tr("still without a leader").into())]) }</p>
            }
            <h3>{ t("Safety invariants (Figure 3)") }</h3>
            <ul class="invariants" data-testid="invariants">
                { for m.invariants.iter().map(|inv| html! {
                    <li class={if inv.holds { "ok" } else { "broken" }} data-ok={inv.holds.to_string()} data-invariant={inv.name}>{ if inv.holds { "✔ " } else { "✘ " } }{ inv.name }</li>
                }) }
            </ul>
            if !m.violations.is_empty() {
                <ul class="violations" data-testid="violations">
                    { for m.violations.iter().map(|v| html! { <li class="broken">{ v.clone() }</li> }) }
                </ul>
            }
        </section>
    }
}

fn render_logs(sim: &Sim<RaftNode>) -> Html {
    let leader = raft::leader(sim).map(|l| &sim.nodes()[l]);
    let max_len = sim
        .nodes()
        .iter()
        .map(|n| n.last_log_index())
        .max()
        .unwrap_or(0);
    // Show the newest 30 indices so long runs stay readable.
    let first = max_len.saturating_sub(29).max(1);
    let rows = sim.nodes().iter().map(|node| {
        let i = node.id;
        let marks = leader.filter(|l| l.id != i && l.config().contains(&i)).map(|l| l.progress.get(i).map_or((0, 0), |p| (p.next_index, p.match_index)));
        let cells = (first..=max_len).map(|idx| {
            let next = marks.is_some_and(|(n, _)| n == idx);
            let matched = marks.is_some_and(|(_, m)| m == idx);
            match node.entry(idx) {
                Some(e) => {
                    let committed = idx <= node.commit_index;
                    html! {
                        <span class={classes!("entry", committed.then_some("committed"), next.then_some("next"), matched.then_some("match"))}
                            data-index={idx.to_string()} data-term={e.term.to_string()} data-committed={committed.to_string()}
                            style={format!("background:{}", term_colour(e.term))} title={trf("index {}, term {}: {}{}", &[&idx, &e.term, &e.cmd, &if committed { tr(" (committed)") } else { tr(" (not committed)") }])}>
                            <b>{ e.term }</b><small>{ e.cmd.to_string() }</small>
                        </span>
                    }
                }
                None => html! { <span class={classes!("entry", "empty", next.then_some("next"))}></span> },
            }
        });
        html! {
            <div class={classes!("log-row", (!sim.is_up(i)).then_some("crashed"), (node.role == Role::Leader).then_some("leader"))} data-testid={format!("log-{i}")}>
                <span class="who">{ format!("{}{i}", if node.role == Role::Leader && sim.is_up(i) { "★" } else { "" }) }<small>{ format!(" c{}", node.commit_index) }</small></span>
                { for cells }
            </div>
        }
    });
    html! {
        <section class="panel logs" data-testid="logs">
            <h2>{ t("Logs") }<span class="muted">{ trf(" — indices {}…{}; solid = committed on that server, dashed = not yet; ▲ leader's nextIndex, ● matchIndex", &[&first, &max_len]) }</span></h2>
            <div class="index-row"><span class="who"></span>{ for (first..=max_len).map(|i| html!{ <span class="idx">{ i }</span> }) }</div>
            { for rows }
        </section>
    }
}

/// A sequence (Lamport) diagram of the messages delivered or dropped in the 400 ms up to the
/// latest event.
#[component]
pub fn Sequence(props: &RunProps<History<RaftNode>>) -> Html {
    let h = props.run.borrow();
    render_sequence(h.sim())
}

fn render_sequence(sim: &Sim<RaftNode>) -> Html {
    const SPAN_US: u64 = 400_000;
    let n = sim.nodes().len();
    let now = sim.trace().last().map(|e| e.time.0).unwrap_or(0);
    let from_t = now.saturating_sub(SPAN_US);
    let (w, h) = (360.0, 260.0);
    let x = |i: NodeId| 20.0 + (w - 40.0) * i as f64 / (n.max(2) - 1) as f64;
    let y = |t: u64| 20.0 + (h - 30.0) * (t.saturating_sub(from_t)) as f64 / SPAN_US as f64;
    let arrows = sim.trace().iter().rev().take_while(|e| e.time.0 >= from_t).filter_map(|e| match &e.what {
        What::Deliver { from, to, msg, sent, .. } => Some((*from, *to, msg, *sent, e.time, false)),
        What::Drop { from, to, msg, sent, .. } => Some((*from, *to, msg, *sent, e.time, true)),
        _ => None,
    }).take(80).map(|(a, b, msg, sent, at, dropped)| {
        let (x1, y1, x2, y2) = (x(a), y(sent.0.max(from_t)), x(b), y(at.0));
        html! {
            <g class={classes!("seq-msg", dropped.then_some("dropped"))}>
                <title>{ format!("{a}→{b} {msg} sent {} arrived {}", SimTime(sent.0), at) }</title>
                <line x1={f1(x1)} y1={f1(y1)} x2={f1(x2)} y2={f1(y2)} />
                <circle cx={f1(x2)} cy={f1(y2)} r="2.5" />
            </g>
        }
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
                { for arrows }
            </svg>
            <p class="muted">{ format!("{} → {}", fmt_ms(from_t), fmt_ms(now)) }{ t(" ms. Dropped messages end in red.") }</p>
        </section>
    }
}

fn render_settings(
    s: &Scenario,
    setup: &engine::scenario::RaftSetup,
    dispatch: &Callback<Action>,
) -> Html {
    let p = &setup.params;
    let bugs = |name: &'static str, on: bool| {
        let d = dispatch.clone();
        let current: Vec<&str> = engine::scenario::RAFT_BUGS
            .iter()
            .filter(|(_, get, _)| get(p))
            .map(|(n, _, _)| *n)
            .collect();
        let onchange = Callback::from(move |e: Event| {
            let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
            let mut list: Vec<&str> = current.iter().copied().filter(|n| *n != name).collect();
            if checked {
                list.push(name);
            }
            d.emit(Action::SetParam("bugs".into(), list.join(",")));
        });
        html! {
            <label class="bug"><span>{ trf("bug: {}", &[&name]) }</span>
                <input type="checkbox" data-testid={format!("param-bug-{name}")} checked={on} {onchange} />
            </label>
        }
    };
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time.") }</p>
            <div class="form">
                { param_input(dispatch, "n", tr("servers"), s.nodes.to_string(), tr("cluster size, 1–11")) }
                { setting::<RaftLab>(s, dispatch, "spare", tr("spare servers")) }
                { setting::<RaftLab>(s, dispatch, "et", tr("election timeout ms")) }
                { setting::<RaftLab>(s, dispatch, "hb", tr("heartbeat ms")) }
                { param_input(dispatch, "lat", tr("start latency ms"), s.net.latency.to_string(), tr("12, 10-15 or exp:10-60")) }
                { setting::<RaftLab>(s, dispatch, "prevote", tr("PreVote")) }
                { setting::<RaftLab>(s, dispatch, "cq", tr("CheckQuorum")) }
                { setting::<RaftLab>(s, dispatch, "fast", tr("fast log backup")) }
                { bugs("uptodate", p.bug_vote_without_uptodate) }
                { bugs("oldterm", p.bug_commit_old_term) }
                { bugs("forgetvote", p.bug_forget_vote) }
            </div>
        </section>
    }
}

/// Props of [`Experiment`].
#[derive(Properties, PartialEq, Clone)]
pub struct ExperimentProps {
    /// Protocol parameters (timing comes from each range).
    pub params: raft::RaftParams,
}

#[derive(Clone, PartialEq, Default)]
struct ExpState {
    running: bool,
    runs: u64,
    done: Vec<u64>,
    samples: Vec<Vec<f64>>,
    missing: Vec<usize>,
}

/// Real time one frame may spend on experiment runs (the rest of the frame draws).
const EXP_MS_PER_FRAME: f64 = 12.0;
/// Runs per range by default. The paper used 1 000: that takes 5.4 s in the page on the shared
/// 2-core machine (docs/perf.md, session 5), over the 2 s aimed for, so the default stays 100;
/// any count up to 10 000 can be typed in.
const EXP_DEFAULT_RUNS: u64 = 100;

/// The §9.3 experiment: time to elect a new leader after the leader crashes, for six election
/// timeout ranges, as cumulative distributions (Figure 16, top). Runs seeds in time slices, one
/// slice per frame.
#[component]
pub fn Experiment(props: &ExperimentProps) -> Html {
    let ranges = raft::FIG16_RANGES_MS;
    let st = use_state(ExpState::default);
    let runs_ref = use_node_ref();
    {
        let st = st.clone();
        let params = props.params;
        use_frames(
            st.running,
            Callback::from(move |_dt: f64| {
                let mut s = (*st).clone();
                if !s.running {
                    return;
                }
                // Runs until the frame's slice of time is spent (at least one run), so the
                // page stays responsive and the experiment goes as fast as the engine allows.
                let start = crate::web::now_ms();
                while crate::web::now_ms() - start < EXP_MS_PER_FRAME {
                    let Some(k) = (0..ranges.len()).find(|&k| s.done[k] < s.runs) else {
                        s.running = false;
                        break;
                    };
                    let (lo, hi) = ranges[k];
                    match raft::time_to_elect(s.done[k], lo, hi, &params) {
                        Some(d) => s.samples[k].push(d.as_ms_f64()),
                        None => s.missing[k] += 1,
                    }
                    s.done[k] += 1;
                }
                st.set(s);
            }),
        );
    }
    let start = {
        let st = st.clone();
        let r = runs_ref.clone();
        Callback::from(move |_: MouseEvent| {
            let runs = r
                .cast::<HtmlInputElement>()
                .and_then(|i| i.value().trim().parse::<u64>().ok())
                .unwrap_or(EXP_DEFAULT_RUNS)
                .clamp(1, 10_000);
            st.set(ExpState {
                running: true,
                runs,
                done: vec![0; ranges.len()],
                samples: vec![Vec::new(); ranges.len()],
                missing: vec![0; ranges.len()],
            });
        })
    };
    let stop = {
        let st = st.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*st).clone();
            s.running = false;
            st.set(s);
        })
    };
    let total = st.runs * ranges.len() as u64;
    let done: u64 = st.done.iter().sum();
    let pct = if total == 0 {
        0.0
    } else {
        100.0 * done as f64 / total as f64
    };
    // CDF plot, log x from 100 ms to 10 000 ms as in Figure 16.
    let cdfs: Vec<(String, Vec<(f64, f64)>)> = st
        .samples
        .iter()
        .enumerate()
        .map(|(k, samples)| {
            let mut sorted = samples.clone();
            engine::sort::sort_by(&mut sorted, f64::total_cmp);
            let count = (sorted.len() + st.missing.get(k).copied().unwrap_or(0)).max(1) as f64;
            let (lo, hi) = ranges[k];
            let name = trf(
                "{}–{} ms: median {}",
                &[
                    &lo,
                    &hi,
                    &median(&sorted)
                        .map(|m| format!("{} ms", fixed(m, 0)))
                        .unwrap_or("–".into()),
                ],
            );
            let pts = sorted
                .iter()
                .enumerate()
                .map(|(j, &ms)| (ms.clamp(100.0, 10_000.0), 100.0 * (j + 1) as f64 / count))
                .collect();
            (name, pts)
        })
        .collect();
    const COLORS: [&str; 6] = [
        "--oi-vermillion",
        "--suspect",
        "--c14",
        "--up",
        "--oi-blue",
        "--oi-purple",
    ];
    let lines: Vec<Series> = cdfs
        .iter()
        .enumerate()
        .map(|(k, (name, pts))| Series::new(name, COLORS[k % 6], pts.clone()))
        .collect();
    html! {
        <section class="panel experiment" data-testid="experiment">
            <h2>{ t("Experiment: time to elect a new leader (Raft §9.3, Figure 16)") }</h2>
            <p class="muted">{ t("Five servers elect a leader; it crashes; how long until a new leader? Each timeout range runs with the seeds 0…N−1. Narrow ranges cause split votes and long tails.") }</p>
            <div class="actions">
                <label>{ t("runs per range ") }<crate::components::lab::Field testid="exp-runs" node_ref={runs_ref} value={EXP_DEFAULT_RUNS.to_string()} size={5} /></label>
                <button data-testid="exp-run" onclick={start} disabled={st.running}>{ t("Run") }</button>
                <button data-testid="exp-stop" onclick={stop} disabled={!st.running}>{ t("Stop") }</button>
            </div>
            <progress data-testid="exp-progress" max="100" value={fixed(pct, 0).to_string()}></progress>
            <span class="muted" data-testid="exp-done">{ trf(" {}/{} runs", &[&done, &total]) }</span>
            { chart("exp-plot", tr("Time without a leader, cumulative"), Axis::log(tr("ms (log scale)"), 100.0, 10_000.0), Axis::new(tr("% of runs")).to(100.0), &lines) }
        </section>
    }
}

fn median(sorted: &[f64]) -> Option<f64> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}

/// A button injecting a fault or a typed command.
fn cmd_button(
    dispatch: &Callback<Action>,
    testid: String,
    label: String,
    fault: Fault,
    enabled: bool,
) -> Html {
    action_button(dispatch, &testid, &label, Action::Inject(fault), enabled)
}
