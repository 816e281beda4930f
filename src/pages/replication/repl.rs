//! The primary/backup section (`sec=repl`): its stage, the selected node and the measurements.

use super::panels::{empty_selection, metric, node_actions};
use super::stage::{bars, dot, legible, messages, node_circle, text_size, time_x, NodeView};
use super::{STRIP_END, STRIP_X, W};
use crate::components::hooks::StageScale;
use crate::components::lab::action_button;
use crate::geometry::{f1, text_width, Pt};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::replication::{
    acting_intervals, key_name, lag, role_name, split_brain_intervals, ReplCommand, ReplMetrics,
    ReplMsg, ReplNode, Role, MONITOR,
};
use engine::sim::Sim;
use engine::time::{fmt_ms, SimTime};
use engine::{Fault, NodeId};
use yew::prelude::*;

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

pub(super) fn repl_stage(
    sim: &Sim<ReplNode>,
    m: &ReplMetrics,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    // On a narrow screen (a phone) the picture keeps its width and grows taller: text at least
    // 12.5 CSS px as rendered (the stylesheet's `max(16px, var(--t))`) with rows and circles
    // spaced `g` times wider to hold it.
    let font = text_size(sc.text_kw());
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
    // Rows as close as their line and log allow (the picture must fit a short stage at 150 %
    // zoom with its text at the size laid out for: see `legible`).
    let rh = g * if data.len() > 5 { 48.0 } else { 56.0 };
    let top = 80.0 * g;
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
    // A client's circle, and the baseline of its "→ N" under it.
    let client_r = (0.75 * font).max(17.0);
    let client_label_y = |k: usize| client_y(k) + client_r + 1.2 * font;
    let mon_at = Pt {
        x: 64.0,
        y: 30.0 * g,
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
    // A log entry's height: most of the row under its node's line, at any spacing.
    let eh = 0.375 * rh;

    let data_nodes = data.iter().enumerate().map(|(k, &i)| {
        let d = nodes[i].data().expect("a data node");
        let alive = sim.is_up(i);
        let status = if !alive { "crashed" } else { mon.views.get(i).map(|v| v.status.as_str()).unwrap_or("up") };
        let role = role_name(&nodes[i]);
        let y = row_y(k);
        let l = lags.iter().find(|l| l.node == i);
        // The node's line in full, or without its epoch where the picture is too narrow for it
        // (a phone: "replica · epoch 2 · 26 behind, 1066 ms" ran past the picture's edge).
        let heads = match (d.role, l) {
            // A crashed node drops its role mark: it acts as nothing while down.
            (Role::Primary, _) if !alive => [trf("✕ crashed (was primary) · epoch {}", &[&d.epoch]), tr("✕ crashed (was primary)").to_string()],
            (Role::Primary, _) => {
                let (mode, degraded) = (tr(d.mode.as_str()), if d.degraded { tr(" (degraded)") } else { "" });
                [trf("★ primary · epoch {} · {}{}", &[&d.epoch, &mode, &degraded]), trf("★ primary · {}{}", &[&mode, &degraded])]
            }
            (_, Some(l)) if l.entries_behind > 0 || l.divergent > 0 => {
                let ms = fixed(l.ms_behind, 0).to_string();
                let div = if l.divergent > 0 { trf(" · {} divergent", &[&l.divergent]) } else { String::new() };
                [
                    trf("replica · epoch {} · {} behind, {} ms{}", &[&d.epoch, &l.entries_behind, &ms, &div]),
                    trf("replica · {} behind, {} ms{}", &[&l.entries_behind, &ms, &div]),
                ]
            }
            _ => [trf("replica · epoch {} · up to date", &[&d.epoch]), tr("replica · up to date").to_string()],
        };
        let [full, short] = heads;
        let head = if text_width(&full, font) <= W - STRIP_X - 4.0 { full } else { short };
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
            <rect class="entry snapshot" data-testid="snapshot-block" x={f1(STRIP_X)} y={f1(y + 4.0)} width="11" height={f1(eh)}>
                <title>{ trf("entries 1–{} compacted into a snapshot", &[&base]) }</title>
            </rect>
        });
        let entries = d.log.iter().skip(start - base).enumerate().map(|(j, e)| {
            let x = x0 + 14.0 * j as f64;
            let idx = start + j + 1;
            let committed = d.role != Role::Primary || idx as u64 <= d.commit;
            html! {
                <rect class={classes!("entry", format!("ep{}", e.epoch % 6), (!committed).then_some("uncommitted"))}
                    x={f1(x)} y={f1(y + 4.0)} width="11" height={f1(eh)} data-epoch={e.epoch.to_string()}>
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
                    <rect class={classes!("entry", format!("ep{}", e.epoch % 6))} x={f1(x)} y={f1(y + 4.0)} width="11" height={f1(eh)} />
                    <line x1={f1(x - 2.0)} y1={f1(y + 4.0 + eh)} x2={f1(x + 13.0)} y2={f1(y + 4.0)} />
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
        let extra = html! { <text class="node-sub" x={f1(at.x)} y={f1(client_label_y(k))}>{ format!("→ {}", c.primary) }</text> };
        node_circle(
            NodeView { id: i, at, r: client_r, label: i.to_string(), role: "client", status, alive,
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
    // Under the last row; where its title is short and at the left (a narrow picture), under the
    // clients' "→ N" labels too.
    let short_title = g > 1.2;
    let under_clients = (0..clients.len())
        .map(|k| client_label_y(k) + 1.4 * font)
        .fold(0.0, f64::max);
    let tl_top = (row_y(data.len().saturating_sub(1)) + 42.0 * g).max(if short_title {
        under_clients
    } else {
        0.0
    });
    let horizon = SimTime(now.0.max(1_000_000));
    let acting = acting_intervals(sim);
    let split = split_brain_intervals(sim);
    let tl_h = 14.0;
    // Rows far enough apart for their labels (a Chinese label's ink is a whole em tall).
    let tl_gap = 1.3 * font;
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
    // The ticks' baseline is 1.1 em under the rows; room for their descenders under it.
    let height = tl_bottom + 1.4 * font;
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    let msgs = sim.in_flight().map(|m| dot(m, repl_msg_kind(&m.msg)));
    html! {
        <svg class="cluster repl-view" viewBox={format!("0 0 {} {}", trim(W, 1), f1(height))} style={legible(height, font, sc)} role="group"
            aria-label={tr("Monitor, data nodes with their logs, clients, and who acted as primary")} onclick={deselect}>
            <g class="nodes">{ monitor }{ for data_nodes }{ for client_nodes }</g>
            { messages(now, msgs, &pos, (0.85 * font).max(22.0) + 2.0, dispatch, moving) }
            <g class="timeline" data-testid="primary-timeline">
                if short_title {
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

pub(super) fn repl_selected(
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

pub(super) fn repl_metrics(m: &ReplMetrics) -> Html {
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
