//! The locks section (`sec=locks`): its stage and the measurements.

use super::panels::metric;
use super::stage::{bars, dot, legible, messages, node_circle, text_size, NodeView};
use super::{STRIP_END, STRIP_X, W};
use crate::components::chart::wrap;
use crate::components::hooks::StageScale;
use crate::geometry::{f1, Pt};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::replication::locks::{
    lease_intervals, measure_locks, storage_writes, LockMsg, LockNode, Phase, WriteVerdict,
    LOCK_SERVICE, STORAGE,
};
use engine::sim::Sim;
use engine::time::{fmt_ms, SimTime};
use engine::NodeId;
use yew::prelude::*;

fn lock_msg_kind(m: &LockMsg) -> &'static str {
    match m {
        LockMsg::Acquire { .. } | LockMsg::Granted { .. } | LockMsg::Queued { .. } => "promote",
        LockMsg::KeepAlive { .. } | LockMsg::Renewed { .. } => "hb",
        LockMsg::Expired { .. } | LockMsg::Busy => "demote",
        _ => "write",
    }
}

pub(super) fn locks_stage(
    sim: &Sim<LockNode>,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    // On a narrow screen the text grows (≥ 12.5 CSS px): the storage and its writes go below the
    // clients, at the left, and the timeline's key wraps.
    let font = text_size(sc.text_kw());
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
        <svg class="cluster locks-view" viewBox={format!("0 0 {} {}", trim(W, 1), f1(tl_bottom + 26.0))} style={legible(tl_bottom + 26.0, font, sc)} role="group"
            aria-label={tr("Lock service, clients and storage")} onclick={deselect}>
            <g class="nodes">{ service }{ storage }{ for client_nodes }</g>
            { messages(now, msgs, &pos, 26.0, dispatch, moving) }
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

pub(super) fn locks_metrics(sim: &Sim<LockNode>) -> Html {
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
