//! The replication and locks lab page: three sections on one stage, switched by `sec`.
//! - **repl**: the monitor, the data nodes (role, epoch, lag, their logs coloured by epoch with
//!   rolled-back entries struck out), the clients, writes in flight, and the "who acted as
//!   primary" timeline whose overlap is the split brain;
//! - **locks**: the lock service, the clients' belief of holding the lock against the service's
//!   leases, and the storage with its token check (refused writes in red);
//! - **aa**: the sites with their value per key and a converged mark.
//!
//! Everything shown is computed by the engine (`engine::replication`); the page draws it and
//! sends clicks back as faults and commands.

use crate::components::chart::wrap;
use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    action_button, fault_timeline, lab_head, lesson_caption, param_input, select_handlers, setting,
    use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::geometry::{f1, lerp, progress, Pt};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::net::fmt_pct;
use engine::replication::active::{measure_active, AaMsg, Resolve, Site};
use engine::replication::locks::{
    lease_intervals, lock_role_name, measure_locks, storage_writes, LockMsg, LockNode, Phase,
    WriteVerdict, LOCK_SERVICE, STORAGE,
};
use engine::replication::{
    acting_intervals, key_name, lag, measure, role_name, section_of, split_brain_intervals,
    ReplCommand, ReplMetrics, ReplMsg, ReplNode, ReplRun, Role, Section, SectionLab, MONITOR,
    SEC_ACTIVE, SEC_LOCKS, SEC_REPL,
};
use engine::scenario::{encode_for, Scenario};
use engine::sim::Sim;
use engine::time::{fmt_ms, SimTime};
use engine::{Fault, NodeId};
use yew::prelude::*;

/// Width of every section's picture (viewBox units); heights follow the node counts.
const W: f64 = 760.0;
/// Left edge of the logs and the timelines.
const STRIP_X: f64 = 262.0;
/// Right edge of the logs and the timelines.
const STRIP_END: f64 = 744.0;

/// The primary/backup section's page (bundle `ha-replication`).
pub type ReplPage = ReplicationPage<SEC_REPL>;
/// The locks section's page (bundle `ha-replication-locks`).
pub type LocksPage = ReplicationPage<SEC_LOCKS>;
/// The active-active section's page (bundle `ha-replication-aa`).
pub type ActivePage = ReplicationPage<SEC_ACTIVE>;

/// The bundle that draws section `sec` (the loader in `index.html` picks it from `sec=`).
pub fn bundle_of(sec: Section) -> &'static str {
    match sec {
        Section::Repl => "ha-replication",
        Section::Locks => "ha-replication-locks",
        Section::Active => "ha-replication-aa",
    }
}

/// The page of section `S` (one bundle per section, so a page carries one section's simulation
/// and drawing; the other sections' arms below are compiled out).
#[component]
pub fn ReplicationPage<const S: u8>(props: &LabProps) -> Html {
    let lab = use_lab::<SectionLab<S>>(props.decoded.clone());
    let sc = use_stage_scale();
    // A scenario of another section (a preset from the menu, a lesson step, a loaded file) is
    // drawn by that section's bundle: go to its link (a lesson's link while one is open) and
    // the loader starts the right bundle.
    {
        let s = &lab.player.scenario;
        let elsewhere = (s.setup::<SectionLab<S>>().sec != section_of(S))
            .then(|| encode_for::<SectionLab<S>>(s));
        use_effect_with(elsewhere, |to| {
            if let Some(q) = to {
                let here = crate::web::location_query();
                crate::web::navigate(if here.contains("lesson=") { &here } else { q });
            }
        });
    }
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let run = player.hist.borrow();
    let s = &player.scenario;
    let sel = player.selected;
    let (stage, side, lines, total) = match &run.0 {
        ReplRun::Repl(h) if S == SEC_REPL => {
            let sim = h.sim();
            let m = measure(sim);
            (
                repl_stage(sim, &m, sel, dispatch, sc.kw),
                html! { <>{ repl_selected(sim, sel, dispatch) }{ repl_metrics(&m) }</> },
                lab.log_lines(sim.trace()),
                sim.steps(),
            )
        }
        ReplRun::Locks(h) if S == SEC_LOCKS => {
            let sim = h.sim();
            (
                locks_stage(sim, sel, dispatch, sc.kw),
                html! { <>{ common_selected(sim.nodes().len(), |i| sim.is_up(i), |i| lock_role_name(&sim.nodes()[i]), sel, dispatch) }{ locks_metrics(sim) }</> },
                lab.log_lines(sim.trace()),
                sim.steps(),
            )
        }
        ReplRun::Active(h) if S == SEC_ACTIVE => {
            let sim = h.sim();
            (
                aa_stage(sim, sel, dispatch, sc.kw),
                html! { <>{ common_selected(sim.nodes().len(), |i| sim.is_up(i), |_| "site", sel, dispatch) }{ aa_metrics(sim) }</> },
                lab.log_lines(sim.trace()),
                sim.steps(),
            )
        }
        _ => unreachable!("a section's page holds only that section"),
    };
    let (cfg, faulty) = match &run.0 {
        ReplRun::Repl(h) if S == SEC_REPL => {
            (*h.sim().net_config(), h.sim().links().faulty().len())
        }
        ReplRun::Locks(h) if S == SEC_LOCKS => {
            (*h.sim().net_config(), h.sim().links().faulty().len())
        }
        ReplRun::Active(h) if S == SEC_ACTIVE => {
            (*h.sim().net_config(), h.sim().links().faulty().len())
        }
        _ => unreachable!("a section's page holds only that section"),
    };
    let example = match section_of(S) {
        Section::Repl => "1.4|0.2.3.5",
        Section::Locks => "0.1.2|3.4",
        Section::Active => "0|1",
    };
    html! {
        <main class="lab replication">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { section_switcher::<S>(s, section_of(S)) }
                    { stage }
                    { legend(section_of(S)) }
                </div>
                <div class="side">
                    { side }
                    <NetworkPanel dispatch={dispatch.clone()} {cfg} {faulty} example_partition={example.to_string()} />
                    { render_settings::<S>(s, section_of(S), dispatch) }
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lines} total={total} playing={player.playing} />
                { fault_timeline(s, dispatch) }
            </div>
        </main>
    }
}

/// The three sections as tabs; a switch opens that section's defaults with the same seed and
/// network (its nodes differ, so the fault timeline starts empty). Each section is its own
/// bundle, so a switch is a navigation.
fn section_switcher<const S: u8>(s: &Scenario, current: Section) -> Html {
    let tabs = Section::ALL.iter().map(|&sec| {
        let base = Scenario {
            faults: Vec::new(),
            pos: Default::default(),
            ..s.clone()
        };
        let onclick = Callback::from(move |_: MouseEvent| {
            let q = format!(
                "{}&sec={}",
                encode_for::<SectionLab<S>>(&Scenario {
                    params: Scenario::default_of::<SectionLab<S>>().params,
                    nodes: Scenario::default_of::<SectionLab<S>>().nodes,
                    ..base.clone()
                }),
                sec.as_str()
            );
            crate::web::navigate(&q);
        });
        let on = sec == current;
        html! {
            <button class={classes!("tab", on.then_some("current"))} role="tab" aria-selected={on.to_string()}
                data-testid={format!("section-{}", sec.as_str())} {onclick}>{ tr(sec.label()) }</button>
        }
    });
    html! { <div class="sections" role="tablist" data-testid="sections">{ for tabs }</div> }
}

/// The colour key under the picture.
fn legend(sec: Section) -> Html {
    match sec {
        Section::Repl => html! {
            <p class="legend">
                <span class="key k-write">{ t("● write") }</span>
                <span class="key k-append">{ t("● replication") }</span>
                <span class="key k-read">{ t("● read") }</span>
                <span class="key k-promote">{ t("● failover") }</span>
                <span class="key">{ t("Log entries coloured by epoch; struck out: rolled back; red: an acknowledged write lost.") }</span>
            </p>
        },
        Section::Locks => html! {
            <p class="legend">
                <span class="key k-promote">{ t("● lock request/grant") }</span>
                <span class="key k-hb">{ t("● keep-alive") }</span>
                <span class="key k-write">{ t("● write") }</span>
                <span class="key">{ t("tN: the fencing token a write carries.") }</span>
            </p>
        },
        Section::Active => html! {
            <p class="legend">
                <span class="key k-write">{ t("● operations shipped") }</span>
                <span class="key k-hb">{ t("● acknowledgements") }</span>
            </p>
        },
    }
}

/// A node's circle with its label, status ring and cross when crashed.
struct NodeView<'a> {
    id: NodeId,
    at: Pt,
    r: f64,
    label: String,
    role: &'a str,
    status: &'a str,
    alive: bool,
    paused: bool,
    selected: bool,
    aria: String,
}

fn node_circle(v: NodeView, extra: Html, dispatch: &Callback<Action>) -> Html {
    let (onclick, onkeydown) = select_handlers(dispatch, v.id);
    let c = v.at;
    let r = v.r;
    // The crash mark sits on the node's upper right, clear of its label.
    let cross = crate::geometry::cross_path(
        crate::geometry::Pt {
            x: c.x + 0.85 * r,
            y: c.y - 0.85 * r,
        },
        0.4 * r.max(12.0),
    );
    html! {
        <g class={classes!("node", format!("st-{}", v.status), format!("role-{}", v.role), (!v.alive).then_some("crashed"),
                v.selected.then_some("selected"), (v.role == "primary" && v.alive).then_some("is-primary"), v.paused.then_some("paused"))}
            data-node-id={v.id.to_string()} data-status={v.status.to_string()} data-role={v.role.to_string()}
            data-alive={v.alive.to_string()} data-paused={v.paused.to_string()}
            {onclick}>
            // The node's row (log, notes, its hit area) under the circle.
            { extra }
            // The keyboard target: the circle and its label; the node's log and notes around it
            // are shown beside it.
            <g class="node-hit" role="button" tabindex="0" aria-label={format!("{}: {}", v.label, v.aria)} {onkeydown}>
                <title>{ v.aria }</title>
                <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + 7.0)} />
                <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
                <text class="label" x={f1(c.x)} y={f1(c.y + 0.37 * r.max(19.0))}>{ v.label }</text>
            </g>
            if !v.alive { <path class="cross" d={cross} /> }
            if v.paused { <text class="pause-mark" x={f1(c.x + r * 0.8)} y={f1(c.y - r * 0.6)}>{"⏸"}</text> }
        </g>
    }
}

/// A message in flight as the stage draws it.
struct Dot {
    id: u64,
    from: NodeId,
    to: NodeId,
    sent: u64,
    deliver: u64,
    held: bool,
    lost: bool,
    kind: &'static str,
    text: String,
}

/// The dot of an in-flight message of any section.
fn dot<M: std::fmt::Display>(m: &engine::sim::InFlight<M>, kind: &'static str) -> Dot {
    Dot {
        id: m.id,
        from: m.from,
        to: m.to,
        sent: m.sent_at.0,
        deliver: m.deliver_at.0,
        held: m.held,
        lost: m.lost,
        kind,
        text: m.msg.to_string(),
    }
}

/// Messages in flight between nodes, each a dot (click to drop it) travelling from the edge of
/// one node to the edge of the other (`clear`: the largest node radius), so a dot never sits on
/// a node's number.
fn messages(
    sim_now: SimTime,
    msgs: impl Iterator<Item = Dot>,
    pos: &dyn Fn(NodeId) -> Option<Pt>,
    clear: f64,
    dispatch: &Callback<Action>,
) -> Html {
    let dots = msgs.filter_map(|Dot { id, from, to, sent, deliver, held, lost, kind, text }| {
        let (a, b) = crate::geometry::between_circles(pos(from)?, pos(to)?, clear, clear);
        let f = if held { 0.85 } else { progress(sim_now.0, sent, deliver) };
        let at = lerp(a, b, f);
        let d = dispatch.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            d.emit(Action::Inject(Fault::DropMsg(id)));
        });
        let title = trf("#{} {}→{} {} — click to drop it", &[&id, &from, &to, &text]);
        Some(html! {
            <g class={classes!("msg", kind, lost.then_some("lost"), held.then_some("held"))} data-msg-id={id.to_string()} data-kind={kind} {onclick}>
                <title>{ title }</title>
                <circle cx={f1(at.x)} cy={f1(at.y)} r="6" />
            </g>
        })
    });
    html! { <g class="messages">{ for dots }</g> }
}

fn repl_msg_kind(m: &ReplMsg) -> &'static str {
    match m {
        ReplMsg::Write { .. } | ReplMsg::Written { .. } => "write",
        ReplMsg::Read { .. } | ReplMsg::Value { .. } => "read",
        ReplMsg::Append { .. } | ReplMsg::AppendReply { .. } | ReplMsg::Snapshot { .. } => "append",
        ReplMsg::Prepare { .. } | ReplMsg::PrepareReply { .. } | ReplMsg::Promote { .. } => {
            "promote"
        }
        ReplMsg::Demote { .. } | ReplMsg::Stale { .. } => "demote",
        _ => "hb",
    }
}

/// The picture's time axis: 0 to the current time (at least one second).
fn time_x(t: SimTime, horizon: SimTime) -> f64 {
    STRIP_X + (STRIP_END - STRIP_X) * (t.0 as f64 / horizon.0.max(1) as f64)
}

/// Bars of a timeline row `(from, until)` at `y`.
fn bars(
    spans: &[(SimTime, SimTime)],
    horizon: SimTime,
    y: f64,
    h: f64,
    class: &'static str,
) -> Html {
    html! {
        { for spans.iter().map(|&(a, b)| {
            let (x0, x1) = (time_x(a, horizon), time_x(b, horizon));
            html! { <rect class={class} x={f1(x0)} y={f1(y)} width={f1((x1 - x0).max(1.5))} height={f1(h)} /> }
        }) }
    }
}

fn repl_stage(
    sim: &Sim<ReplNode>,
    m: &ReplMetrics,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    kw: f64,
) -> Html {
    // On a narrow screen (a phone) the picture keeps its width and grows taller: text at least
    // 12.5 CSS px as rendered (the stylesheet's `max(16px, var(--t))`) with rows and circles
    // spaced `g` times wider to hold it.
    let font = text_size(kw);
    let g = (font / 16.0).clamp(1.0, 2.5);
    let nodes = sim.nodes();
    let data: Vec<NodeId> = (0..nodes.len())
        .filter(|&i| nodes[i].data().is_some())
        .collect();
    let clients: Vec<NodeId> = (0..nodes.len())
        .filter(|&i| nodes[i].client().is_some())
        .collect();
    let Some(mon) = nodes.get(MONITOR).and_then(|n| n.monitor()) else {
        return html! { <p>{ t("No monitor in this run.") }</p> };
    };
    let now = sim.now();
    let rh = g * if data.len() > 5 { 48.0 } else { 64.0 };
    let top = 112.0 * g;
    let row_y = |k: usize| top + rh * k as f64;
    let data_x = 212.0;
    let span = rh * data.len().saturating_sub(1) as f64;
    let client_y = |k: usize| {
        if clients.len() <= 1 {
            top + span / 2.0
        } else {
            top + span * k as f64 / (clients.len() - 1) as f64
        }
    };
    let mon_at = Pt {
        x: 64.0,
        y: 40.0 * g,
    };
    let pos = |i: NodeId| -> Option<Pt> {
        if i == MONITOR {
            return Some(mon_at);
        }
        if let Some(k) = data.iter().position(|&d| d == i) {
            return Some(Pt {
                x: data_x,
                y: row_y(k),
            });
        }
        clients.iter().position(|&c| c == i).map(|k| Pt {
            x: 64.0,
            y: client_y(k),
        })
    };
    let lags = lag(sim);
    let is_lost = |e: &engine::replication::Entry| m.lost.iter().any(|l| l.id == e.id);
    let per_row = ((STRIP_END - STRIP_X) / 14.0) as usize;

    let data_nodes = data.iter().enumerate().map(|(k, &i)| {
        let d = nodes[i].data().expect("a data node");
        let alive = sim.is_up(i);
        let status = if !alive { "crashed" } else { mon.views.get(i).map(|v| v.status.as_str()).unwrap_or("up") };
        let role = role_name(&nodes[i]);
        let y = row_y(k);
        let l = lags.iter().find(|l| l.node == i);
        let head = match (d.role, l) {
            // A crashed node drops its role mark: it acts as nothing while down.
            (Role::Primary, _) if !alive => trf("✕ crashed (was primary) · epoch {}", &[&d.epoch]),
            (Role::Primary, _) => trf("★ primary · epoch {} · {}{}", &[&d.epoch, &tr(d.mode.as_str()), &if d.degraded { tr(" (degraded)") } else { "" }]),
            (_, Some(l)) if l.entries_behind > 0 || l.divergent > 0 => trf(
                "replica · epoch {} · {} behind, {} ms{}",
                &[
                    &d.epoch,
                    &l.entries_behind,
                    &fixed(l.ms_behind, 0).to_string(),
                    &if l.divergent > 0 { trf(" · {} divergent", &[&l.divergent]) } else { String::new() },
                ],
            ),
            _ => trf("replica · epoch {} · up to date", &[&d.epoch]),
        };
        // The log's tail, then the latest rollback struck out.
        let rolled: Vec<&engine::replication::Entry> =
            d.rollbacks.last().map(|r| r.entries.iter().collect()).unwrap_or_default();
        let shown_rb = rolled.len().min(per_row / 3);
        // Drawn from the last index back; a compacted prefix is one block in front.
        let (len, base) = (d.len() as usize, d.base() as usize);
        let block = usize::from(base > 0);
        let keep = per_row - shown_rb - usize::from(shown_rb > 0) - block;
        let start = len.saturating_sub(keep).max(base);
        let x0 = STRIP_X + 14.0 * block as f64;
        let snapshot = (base > 0).then(|| html! {
            <rect class="entry snapshot" data-testid="snapshot-block" x={f1(STRIP_X)} y={f1(y + 4.0)} width="11" height="15">
                <title>{ trf("entries 1–{} compacted into a snapshot", &[&base]) }</title>
            </rect>
        });
        let entries = d.log.iter().skip(start - base).enumerate().map(|(j, e)| {
            let x = x0 + 14.0 * j as f64;
            let idx = start + j + 1;
            let committed = d.role != Role::Primary || idx as u64 <= d.commit;
            html! {
                <rect class={classes!("entry", format!("ep{}", e.epoch % 6), (!committed).then_some("uncommitted"))}
                    x={f1(x)} y={f1(y + 4.0)} width="11" height="15" data-epoch={e.epoch.to_string()}>
                    <title>{ trf("#{} {} by client {} op {} (epoch {})", &[&idx, &key_name(e.key), &e.id.client, &e.id.op, &e.epoch]) }</title>
                </rect>
            }
        });
        let rb_x0 = x0 + 14.0 * (len - start) as f64 + if shown_rb > 0 { 10.0 } else { 0.0 };
        let rb = rolled[rolled.len() - shown_rb..].iter().enumerate().map(|(j, e)| {
            let x = rb_x0 + 14.0 * j as f64;
            let lost = is_lost(e);
            html! {
                <g class={classes!("rolled-back", lost.then_some("lost"))} data-testid="rolled-back" data-lost={lost.to_string()}>
                    <title>{ trf("rolled back: {} by client {} op {} (epoch {}){}", &[&key_name(e.key), &e.id.client, &e.id.op, &e.epoch, &if lost { tr(" — an acknowledged write, lost") } else { "" }]) }</title>
                    <rect class={classes!("entry", format!("ep{}", e.epoch % 6))} x={f1(x)} y={f1(y + 4.0)} width="11" height="15" />
                    <line x1={f1(x - 2.0)} y1={f1(y + 19.0)} x2={f1(x + 13.0)} y2={f1(y + 4.0)} />
                </g>
            }
        });
        let aria = trf("Data node {}: {}, epoch {}, monitor says {}", &[&i, &tr(role), &d.epoch, &tr(status)]);
        let extra = html! {
            <>
                <rect class="hit" x={f1(data_x - 24.0)} y={f1(y - 26.0)} width={f1(STRIP_END - data_x + 24.0)} height={f1(rh - 10.0)} />
                <text class="node-head" x={f1(STRIP_X)} y={f1(y - 7.0)}>{ head }</text>
                <g class="log">{ for snapshot }{ for entries }{ for rb }</g>
            </>
        };
        node_circle(
            NodeView { id: i, at: Pt { x: data_x, y }, r: (0.8 * font).max(19.0), label: i.to_string(), role, status, alive,
                paused: (nodes[i].pause.is_paused() || sim.is_paused(i)), selected: selected == Some(i), aria },
            extra,
            dispatch,
        )
    });

    let client_nodes = clients.iter().enumerate().map(|(k, &i)| {
        let c = nodes[i].client().expect("a client");
        let alive = sim.is_up(i);
        let status = if alive { "up" } else { "crashed" };
        let at = Pt { x: 64.0, y: client_y(k) };
        let aria = trf("Client {}: sends to node {} (epoch {})", &[&i, &c.primary, &c.epoch]);
        let r = (0.75 * font).max(17.0);
        let extra = html! { <text class="node-sub" x={f1(at.x)} y={f1(at.y + r + 1.2 * font)}>{ format!("→ {}", c.primary) }</text> };
        node_circle(
            NodeView { id: i, at, r, label: i.to_string(), role: "client", status, alive,
                paused: (nodes[i].pause.is_paused() || sim.is_paused(i)), selected: selected == Some(i), aria },
            extra,
            dispatch,
        )
    });

    let mon_alive = sim.is_up(MONITOR);
    let monitor = node_circle(
        NodeView {
            id: MONITOR,
            at: mon_at,
            r: (0.85 * font).max(22.0),
            label: "M".into(),
            role: "monitor",
            status: if mon_alive { "up" } else { "crashed" },
            alive: mon_alive,
            paused: (nodes[MONITOR].pause.is_paused() || sim.is_paused(MONITOR)),
            selected: selected == Some(MONITOR),
            aria: trf(
                "Monitor: epoch {}, primary {}",
                &[
                    &mon.epoch,
                    &mon.primary
                        .map(|p| p.to_string())
                        .unwrap_or(tr("none").into()),
                ],
            ),
        },
        html! { <text class="node-head" x={f1(mon_at.x + (0.85 * font).max(22.0) + 10.0)} y={f1(mon_at.y + 0.35 * font)}>{ trf("monitor · epoch {} · primary {}", &[&mon.epoch, &mon.primary.map(|p| trf("node {}", &[&p])).unwrap_or(tr("none").into())]) }</text> },
        dispatch,
    );

    // Who acted as primary, against time; red where two did at once.
    let tl_top = row_y(data.len().saturating_sub(1)) + 58.0 * g;
    let horizon = SimTime(now.0.max(1_000_000));
    let acting = acting_intervals(sim);
    let split = split_brain_intervals(sim);
    let tl_h = 14.0;
    let tl_gap = 18.0 * g;
    let tl_bottom = tl_top + 12.0 + tl_gap * data.len() as f64;
    let rows = acting.iter().enumerate().map(|(k, (i, spans))| {
        let y = tl_top + 12.0 + tl_gap * k as f64;
        html! {
            <g class="tl-row" data-testid="acting-row" data-node={i.to_string()} data-spans={spans.len().to_string()}>
                <text class="tl-label" x={f1(STRIP_X - 8.0)} y={f1(y + tl_h / 2.0 + 0.35 * font)}>{ trf("node {}", &[&i]) }</text>
                <rect class="tl-lane" x={f1(STRIP_X)} y={f1(y)} width={f1(STRIP_END - STRIP_X)} height={f1(tl_h)} />
                { bars(spans, horizon, y, tl_h, "tl-acting") }
            </g>
        }
    });
    let split_bands = split.iter().map(|&(a, b)| {
        let (x0, x1) = (time_x(a, horizon), time_x(b, horizon));
        html! { <rect class="tl-split" data-testid="split-brain-band" x={f1(x0)} y={f1(tl_top + 8.0)} width={f1((x1 - x0).max(2.0))} height={f1(tl_bottom - tl_top - 2.0)} /> }
    });
    let height = tl_bottom + 10.0 + 1.2 * font;
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    let msgs = sim.in_flight().map(|m| dot(m, repl_msg_kind(&m.msg)));
    html! {
        <svg class="cluster repl-view" viewBox={format!("0 0 {} {}", trim(W, 1), f1(height))} role="group"
            aria-label={tr("Monitor, data nodes with their logs, clients, and who acted as primary")} onclick={deselect}>
            <g class="nodes">{ monitor }{ for data_nodes }{ for client_nodes }</g>
            { messages(now, msgs, &pos, (0.85 * font).max(22.0) + 2.0, dispatch) }
            <g class="timeline" data-testid="primary-timeline">
                if g > 1.2 {
                    <text class="tl-title" x="10" y={f1(tl_top)}>{ t("acting primary (red: split brain)") }</text>
                } else {
                    <text class="tl-title" x={f1(STRIP_X)} y={f1(tl_top)}>{ t("acting as primary — red: two at once (split brain)") }</text>
                }
                { for split_bands }
                { for rows }
                <text class="tl-tick" x={f1(STRIP_X)} y={f1(tl_bottom + 1.1 * font)}>{"0"}</text>
                <text class="tl-tick end" x={f1(STRIP_END)} y={f1(tl_bottom + 1.1 * font)}>{ format!("{} ms", fmt_ms(now.0 - now.0 % 1000)) }</text>
            </g>
        </svg>
    }
}

/// The selected node's panel: what it is and its actions (shared by the three sections).
fn node_actions(i: NodeId, alive: bool, extra: Html, dispatch: &Callback<Action>) -> Html {
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

fn empty_selection() -> Html {
    html! { <section class="panel"><h2>{ t("Node") }</h2><p class="muted">{ t("Click a node to act on it.") }</p></section> }
}

fn repl_selected(
    sim: &Sim<ReplNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(i) = selected.filter(|&i| i < sim.nodes().len()) else {
        return empty_selection();
    };
    let n = &sim.nodes()[i];
    let alive = sim.is_up(i);
    let role = tr(role_name(n));
    let extra = match n.data() {
        Some(d) if d.role != Role::Primary => action_button(
            dispatch,
            "action-promote",
            &trf("Promote {}", &[&i]),
            Action::Inject(Fault::command(MONITOR, ReplCommand::Promote(Some(i)))),
            alive,
        ),
        _ => html! {},
    };
    let details = if let Some(d) = n.data() {
        html! {
            <dl>
                <dt>{ t("Role") }</dt><dd>{ trf("{} (epoch {})", &[&role, &d.epoch]) }</dd>
                <dt>{ t("Log") }</dt><dd>{ trf("{} entries, {} acknowledged", &[&d.len(), &d.commit]) }</dd>
                <dt>{ t("Rolled back") }</dt><dd>{ d.rollbacks.iter().map(|r| r.count()).sum::<u64>() }</dd>
            </dl>
        }
    } else if let Some(c) = n.client() {
        html! {
            <dl>
                <dt>{ t("Sends to") }</dt><dd>{ trf("node {} (epoch {})", &[&c.primary, &c.epoch]) }</dd>
                <dt>{ t("Operations") }</dt><dd>{ c.issued() }</dd>
            </dl>
        }
    } else {
        html! { <p class="muted">{ t("The monitor: heartbeat failure detector and failover.") }</p> }
    };
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={i.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Node {} · {}", &[&i, &role]) }</h2>
            { node_actions(i, alive, extra, dispatch) }
            { details }
        </section>
    }
}

fn common_selected(
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
fn metric(label: &str, id: &str, value: String, shown: String, bad: bool) -> Html {
    html! {
        <>
            <dt>{ label.to_string() }</dt>
            <dd class={classes!(bad.then_some("bad"))} data-testid={format!("metric-{id}")} data-value={value}>{ shown }</dd>
        </>
    }
}

fn repl_metrics(m: &ReplMetrics) -> Html {
    let ms = |x: Option<f64>| {
        x.map(|v| fixed(v, 0).to_string())
            .unwrap_or_else(|| "–".into())
    };
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <dl>
                { metric(tr("Acknowledged writes lost"), "acked-lost", m.writes.acked_lost.to_string(),
                    trf("{} of {} acknowledged", &[&m.writes.acked_lost, &m.writes.acked]), m.writes.acked_lost > 0) }
                { metric(tr("Rolled back"), "rolled-back", m.rolled_back.to_string(),
                    trf("{} entries ({} acknowledged)", &[&m.rolled_back, &m.acked_rolled_back]), m.acked_rolled_back > 0) }
                { metric(tr("Phantom reads (of writes later lost)"), "phantom-reads", m.reads.phantom.to_string(), m.reads.phantom.to_string(), m.reads.phantom > 0) }
                { metric(tr("Stale reads"), "stale-reads", m.reads.stale.to_string(),
                    trf("{} of {} answered", &[&m.reads.stale, &m.reads.answered]), m.reads.stale > 0) }
                { metric(tr("Unavailable"), "unavailable", fixed(m.unavailable_ms, 3).to_string(),
                    trf("{} ms (longest {} ms)", &[&fixed(m.unavailable_ms, 0).to_string(), &fixed(m.longest_outage_ms, 0).to_string()]), false) }
                { metric(tr("Split brain"), "split-brain", fixed(m.split_brain_ms, 3).to_string(),
                    trf("{} ms with two primaries", &[&fixed(m.split_brain_ms, 0)]), m.split_brain_ms > 0.0) }
                { metric(tr("Failovers"), "failovers", m.failovers.to_string(), m.failovers.to_string(), false) }
                { metric(tr("Acked by a deposed primary"), "deposed-acks", m.writes.deposed_acks.to_string(),
                    m.writes.deposed_acks.to_string(), m.writes.deposed_acks > 0) }
            </dl>
            <h3>{ t("Write latency by acknowledging mode") }</h3>
            <table>
                <thead><tr><th>{ t("mode") }</th><th>{ t("writes") }</th><th>{"p50"}</th><th>{"p99"}</th><th>{ t("max ms") }</th></tr></thead>
                <tbody>
                    { for m.latency.iter().map(|l| html! {
                        <tr data-testid={format!("metric-latency-{}", l.mode)} data-value={l.latency.p50_ms.map(|v| fixed(v, 3).to_string()).unwrap_or_default()}>
                            <th>{ l.mode }</th><td>{ l.latency.count }</td><td>{ ms(l.latency.p50_ms) }</td>
                            <td>{ ms(l.latency.p99_ms) }</td><td>{ ms(l.latency.max_ms) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if !m.lost.is_empty() {
                <h3>{ t("Lost writes") }</h3>
                <ul class="lost-list">
                    { for m.lost.iter().take(6).map(|l| html! {
                        <li>{ format!("{} from client {} (op {}), acknowledged at {} ms by node {} at {}", l.key, l.id.client, l.id.op, fixed(l.acked_ms, 0), l.primary, l.pos) }</li>
                    }) }
                    if m.lost.len() > 6 { <li class="muted">{ trf("… {} more", &[&(m.lost.len() - 6)]) }</li> }
                </ul>
            }
        </section>
    }
}

/// A stage text's size in user units for `kw` user units per CSS px: at least 12.5 CSS px as
/// drawn (the stylesheet's `max(16px, var(--t))`), so narrow screens lay out for larger text.
fn text_size(kw: f64) -> f64 {
    (12.5 * kw).max(16.0)
}

fn lock_msg_kind(m: &LockMsg) -> &'static str {
    match m {
        LockMsg::Acquire { .. } | LockMsg::Granted { .. } | LockMsg::Queued { .. } => "promote",
        LockMsg::KeepAlive { .. } | LockMsg::Renewed { .. } => "hb",
        LockMsg::Expired { .. } | LockMsg::Busy => "demote",
        _ => "write",
    }
}

fn locks_stage(
    sim: &Sim<LockNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    kw: f64,
) -> Html {
    // On a narrow screen the text grows (≥ 12.5 CSS px): the storage and its writes go below the
    // clients, at the left, and the timeline's key wraps.
    let font = text_size(kw);
    let g = (font / 16.0).clamp(1.0, 2.5);
    let narrow = g > 1.2;
    let nodes = sim.nodes();
    let now = sim.now();
    let clients: Vec<NodeId> = (0..nodes.len())
        .filter(|&i| nodes[i].client().is_some())
        .collect();
    let client_x = if narrow { 330.0 } else { 250.0 };
    let svc_at = Pt {
        x: if narrow { 130.0 } else { 70.0 },
        y: 40.0 + 26.0 * clients.len().saturating_sub(1) as f64,
    };
    let client_y = |k: usize| 40.0 + 52.0 * k as f64;
    let sto_at = if narrow {
        Pt {
            x: 130.0,
            y: client_y(clients.len()) + 40.0,
        }
    } else {
        Pt { x: 600.0, y: 80.0 }
    };
    let pos = |i: NodeId| -> Option<Pt> {
        match i {
            LOCK_SERVICE => Some(svc_at),
            STORAGE => Some(sto_at),
            _ => clients.iter().position(|&c| c == i).map(|k| Pt {
                x: client_x,
                y: client_y(k),
            }),
        }
    };
    let status = |i: NodeId| if sim.is_up(i) { "up" } else { "crashed" };
    let paused = |i: NodeId| nodes[i].pause.is_paused() || sim.is_paused(i);
    let svc = nodes.get(LOCK_SERVICE).and_then(|n| n.service());
    let store = nodes.get(STORAGE).and_then(|n| n.storage());
    let holder = svc.and_then(|s| s.holder);
    let service = node_circle(
        NodeView {
            id: LOCK_SERVICE,
            at: svc_at,
            r: 24.0,
            label: "L".into(),
            role: "lock-service",
            status: status(LOCK_SERVICE),
            alive: sim.is_up(LOCK_SERVICE),
            paused: paused(LOCK_SERVICE),
            selected: selected == Some(LOCK_SERVICE),
            aria: tr("Lock service").into(),
        },
        html! {
            <text class="node-sub" x={f1(svc_at.x)} y={f1(svc_at.y + 44.0)}>
                { holder.map(|(c, t, _)| trf("lock: {}, token {}", &[&c, &t])).unwrap_or_else(|| tr("lock free").into()) }
            </text>
        },
        dispatch,
    );
    let storage = node_circle(
        NodeView {
            id: STORAGE,
            at: sto_at,
            r: 24.0,
            label: "S".into(),
            role: "storage",
            status: status(STORAGE),
            alive: sim.is_up(STORAGE),
            paused: paused(STORAGE),
            selected: selected == Some(STORAGE),
            aria: tr("Storage").into(),
        },
        html! {
            <text class="node-sub" x={f1(sto_at.x)} y={f1(sto_at.y + 44.0)}>
                { trf("highest token {}", &[&store.map(|s| s.highest).unwrap_or(0)]) }
            </text>
        },
        dispatch,
    );
    let client_nodes = clients.iter().enumerate().map(|(k, &i)| {
        let c = nodes[i].client().expect("a client");
        let at = Pt { x: client_x, y: client_y(k) };
        let believes = matches!(c.phase, Phase::Holding | Phase::Writing);
        let text = match c.phase {
            Phase::Idle => tr("idle").to_string(),
            Phase::Waiting => tr("waiting for the lock").to_string(),
            Phase::Holding => trf("thinks it holds t{}", &[&c.token]),
            Phase::Writing => trf("writing with t{}", &[&c.token]),
        };
        let extra = html! {
            <text class={classes!("node-head", believes.then_some("holds"))} x={f1(at.x + 28.0)} y={f1(at.y + 6.0)}
                data-testid="lock-belief" data-holds={believes.to_string()}>{ text }</text>
        };
        node_circle(
            NodeView { id: i, at, r: 17.0, label: i.to_string(), role: "client", status: status(i), alive: sim.is_up(i),
                paused: paused(i), selected: selected == Some(i), aria: trf("Lock client {}", &[&i]) },
            extra,
            dispatch,
        )
    });
    // The storage's writes, newest last.
    let writes = storage_writes(sim);
    let shown = &writes[writes.len().saturating_sub(6)..];
    let (list_x, list_y, row_h) = if narrow {
        (280.0, sto_at.y - 10.0 + 1.6 * font, 1.4 * font)
    } else {
        (520.0, 178.0, 22.0)
    };
    let list = shown.iter().enumerate().map(|(k, w)| {
        let (cls, mark) = match w.verdict {
            WriteVerdict::Accepted => ("accepted", "✔"),
            WriteVerdict::Late => ("late", tr("✔ late")),
            WriteVerdict::Stale => ("stale", tr("⚠ STALE")),
            WriteVerdict::Refused => ("refused", tr("✘ refused")),
        };
        let y = list_y + row_h * k as f64;
        html! {
            <g class={classes!("write-row", cls)} data-testid="storage-write" data-verdict={cls}>
                if w.verdict != WriteVerdict::Accepted {
                    <rect x={f1(list_x - 4.0)} y={f1(y - 0.8 * row_h)} width={f1(STRIP_END - list_x + 8.0)} height={f1(row_h - 1.0)} rx="3" />
                }
                <text x={f1(list_x)} y={f1(y)}>
                    { format!("{}ms c{} t{} {mark}", fmt_ms(w.time.0 - w.time.0 % 1000), w.client, w.token) }
                </text>
            </g>
        }
    });
    // Beliefs against the service's leases.
    let key_x = if narrow { 10.0 } else { STRIP_X };
    let key = wrap(
        tr("grey: the service's lease · blue: the client believes it holds the lock"),
        W - 8.0 - key_x,
        0.55 * font,
    );
    let key_h = 1.2 * font * key.len().saturating_sub(1) as f64;
    let key_gap = if narrow { 0.5 * font } else { 0.0 };
    let tl_top = (client_y(clients.len().saturating_sub(1)) + 50.0)
        .max(list_y + row_h * shown.len() as f64 + 16.0)
        .max(sto_at.y + 44.0 + 1.4 * font)
        + key_h
        + key_gap;
    let horizon = SimTime(now.0.max(1_000_000));
    let leases = lease_intervals(sim);
    let rows = clients.iter().enumerate().map(|(k, &i)| {
        let y = tl_top + 12.0 + 36.0 * k as f64;
        let c = nodes[i].client().expect("a client");
        let beliefs: Vec<(SimTime, SimTime)> = c.beliefs.iter().map(|&(a, b, _)| (a, b.unwrap_or(now))).collect();
        let truth: Vec<(SimTime, SimTime)> = leases.iter().filter(|l| l.0 == i).map(|l| (l.2, l.3)).collect();
        html! {
            <g class="tl-row" data-node={i.to_string()}>
                <text class="tl-label" x={f1(STRIP_X - 8.0)} y={f1(y + 14.0)}>{ trf("client {}", &[&i]) }</text>
                <rect class="tl-lane" x={f1(STRIP_X)} y={f1(y)} width={f1(STRIP_END - STRIP_X)} height="14" />
                { bars(&truth, horizon, y, 14.0, "tl-lease") }
                { bars(&beliefs, horizon, y + 16.0, 10.0, "tl-belief") }
            </g>
        }
    });
    let tl_bottom = tl_top + 12.0 + 36.0 * clients.len() as f64;
    let msgs = sim.in_flight().map(|m| dot(m, lock_msg_kind(&m.msg)));
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="cluster locks-view" viewBox={format!("0 0 {} {}", trim(W, 1), f1(tl_bottom + 26.0))} role="group"
            aria-label={tr("Lock service, clients and storage")} onclick={deselect}>
            <g class="nodes">{ service }{ storage }{ for client_nodes }</g>
            { messages(now, msgs, &pos, 26.0, dispatch) }
            <g class="storage-log" data-testid="storage-log">
                <text class="tl-title" x={f1(list_x)} y={f1(list_y - 1.3 * row_h)}>{ t("writes: time, client, token") }</text>
                { for list }
            </g>
            <g class="timeline">
                { for key.iter().enumerate().map(|(k, t)| html! {
                    <text class="tl-title" x={f1(key_x)} y={f1(tl_top - key_h - key_gap + 1.2 * font * k as f64)}>{ t.clone() }</text>
                }) }
                { for rows }
                <text class="tl-tick" x={f1(STRIP_X)} y={f1(tl_bottom + 18.0)}>{"0"}</text>
                <text class="tl-tick end" x={f1(STRIP_END)} y={f1(tl_bottom + 18.0)}>{ format!("{} ms", fmt_ms(now.0 - now.0 % 1000)) }</text>
            </g>
        </svg>
    }
}

fn locks_metrics(sim: &Sim<LockNode>) -> Html {
    let m = measure_locks(sim);
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measurements") }</h2>
            <dl>
                { metric(tr("Mutual-exclusion violations"), "exclusion", m.exclusion_violations.to_string(),
                    trf("{} ({} ms of overlap)", &[&m.exclusion_violations, &fixed(m.overlap_ms, 0).to_string()]), m.exclusion_violations > 0) }
                { metric(tr("Stale writes accepted"), "stale-accepted", m.stale_accepted.to_string(), m.stale_accepted.to_string(), m.stale_accepted > 0) }
                { metric(tr("Stale writes refused"), "stale-refused", m.stale_rejected.to_string(), m.stale_rejected.to_string(), false) }
                { metric(tr("Late writes accepted"), "late-accepted", m.late_accepted.to_string(), m.late_accepted.to_string(), false) }
                { metric(tr("Writes accepted"), "writes-accepted", m.writes_accepted.to_string(), m.writes_accepted.to_string(), false) }
                { metric(tr("Grants"), "grants", m.grants.to_string(), trf("{} ({} expired)", &[&m.grants, &m.expiries]), false) }
                { metric(tr("Requests per grant"), "acquires-per-grant", m.acquires_per_grant.map(|x| fixed(x, 3).to_string()).unwrap_or_default(),
                    m.acquires_per_grant.map(|x| fixed(x, 2).to_string()).unwrap_or_else(|| "–".into()), false) }
            </dl>
        </section>
    }
}

fn aa_stage(
    sim: &Sim<Site>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    kw: f64,
) -> Html {
    // Rows and gaps follow the text size, which grows on a narrow screen (≥ 12.5 CSS px).
    let font = text_size(kw);
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
        let unshipped: u64 = s.acked.iter().enumerate().filter(|&(p, _)| p != i).map(|(_, &a)| s.own.len() as u64 - a as u64).sum();
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
        <svg class="cluster aa-view" viewBox={format!("0 0 {} {}", trim(W, 1), f1(height))} role="group" aria-label={tr("Active-active sites and their values")} onclick={deselect}>
            { for note.iter().enumerate().map(|(k, t)| html! {
                <text class="tl-title" x="10" y={f1(rows_end + row * (k + 1) as f64)}>{ t.clone() }</text>
            }) }
            <text class={classes!("converged", (!converged).then_some("diverged"))} x="10" y={f1(1.2 * font)}
                data-testid="converged" data-converged={converged.to_string()}>
                { if converged { tr("✔ every site agrees").to_string() } else { trf("✘ sites disagree on {} key(s)", &[&m.divergent_keys]) } }
            </text>
            <g class="nodes">{ for site_nodes }</g>
            { messages(now, msgs, &pos, 28.0, dispatch) }
        </svg>
    }
}

fn aa_metrics(sim: &Sim<Site>) -> Html {
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

fn render_settings<const S: u8>(s: &Scenario, sec: Section, dispatch: &Callback<Action>) -> Html {
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
