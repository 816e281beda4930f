//! The load balancer stage: clients, the balancer, the backends and the messages in flight.

use super::{backend_name, Places, CLIENTS_AT, H, LB_AT};
use crate::components::hooks::StageScale;
use crate::components::lab::{click_emit, keyed_when_still};
use crate::geometry::{dots_path, f1, lerp, nearest, progress, text_width, Pt, BOLD};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::lb::{self, LbMsg, LbNode, Reply};
use engine::sim::{InFlight, Sim};
use engine::{Fault, NodeId};
use yew::prelude::*;

/// A backend's first line: its name, crashed, and what the user set (weight, speed, slowness).
fn backend_label(bm: &lb::BackendMetrics) -> String {
    format!(
        "{}{}{}{}{}",
        backend_name(bm.node),
        if bm.alive { "" } else { " ✕" },
        if bm.weight != 1 {
            format!(" w{}", bm.weight)
        } else {
            String::new()
        },
        if bm.speed_pct != 100 {
            format!(" {}%", bm.speed_pct)
        } else {
            String::new()
        },
        if bm.slow > 1 {
            trf(" ×{} slow", &[&bm.slow])
        } else {
            String::new()
        }
    )
}

/// The balancer's view of a live backend, its busy workers and queue.
fn stat_line(status: &str, busy: u32, queue: u32) -> String {
    trf(
        "{} · busy {} · q {}",
        &[&status.to_uppercase(), &busy, &queue],
    )
}

/// The share of requests a backend was told to fail, after its name (the second line is full).
fn error_note(bm: &lb::BackendMetrics) -> String {
    if bm.error_pct > 0.0 {
        trf(" · {}% err", &[&trim(bm.error_pct, 3)])
    } else {
        String::new()
    }
}

/// The balancer's view of a backend as the stage shows it: ejected by outlier detection counts
/// as down (the balancer routes nothing there).
fn shown_status(bm: &lb::BackendMetrics) -> &'static str {
    if bm.ejected && bm.status != "down" {
        "down"
    } else {
        bm.status
    }
}

/// A backend box's text: its name line (the name, then the error rate in another colour) and
/// the line under it.
struct BackendText {
    label: String,
    err: String,
    stat: String,
}

/// A backend's second line.
fn backend_stat(bm: &lb::BackendMetrics) -> String {
    let status = shown_status(bm);
    if !bm.alive {
        tr("✕ CRASHED").to_string()
    } else if bm.ejected {
        // Ejected: the status alone (busy and queue are in the tooltip and the side panel).
        format!("{}{}", tr(status).to_uppercase(), tr(" (ejected)"))
    } else {
        stat_line(tr(status), bm.busy, bm.queue)
    }
}

/// The clients' answered rate under their circle: "N req/s" on one line where it fits between
/// the stage's left edge and the circle's centre mirrored (the label is centred on the circle),
/// else the number and the unit on two lines (a 360 px phone's larger text cut "10017" to ".0017").
fn rate_label(rate: String, client_r: f64, font: f64) -> Html {
    let y = CLIENTS_AT.y + client_r + 1.2 * font;
    // Centred: half of it each side.
    let line = format!("{rate} req/s");
    if text_width(&line, font) <= 2.0 * CLIENTS_AT.x - 8.0 {
        html! { <text class="small" x={f1(CLIENTS_AT.x)} y={f1(y)}>{ line }</text> }
    } else {
        html! {
            <text class="small" x={f1(CLIENTS_AT.x)} y={f1(y)}>
                <tspan>{ rate }</tspan>
                <tspan x={f1(CLIENTS_AT.x)} dy={f1(1.1 * font)}>{ "req/s" }</tspan>
            </text>
        }
    }
}

/// A message in flight, where it is drawn now, and its kind.
struct Flying<'a> {
    f: &'a InFlight<LbMsg>,
    at: Pt,
    /// A position in [`KINDS`].
    kind: usize,
}

/// The messages' kinds, as CSS classes: request, answered, failed, health check.
const KINDS: [&str; 4] = ["req", "ok", "err", "hc"];

/// Above this many messages in flight (a load balancer at thousands of requests a second) the
/// stage draws them as one path per kind instead of an element each: a step or a frame then
/// writes a few attributes instead of hundreds of elements' (the page took 11–14 ms a step back
/// at 10 000 requests/s, most of it rendering and restyling ≈ 470 dots).
const DENSE_DOTS: usize = 150;

/// How far from a dense dot (CSS px, at any scale) a click or a tap still reaches it: a
/// fingertip's reach on a phone, where a dot is under 4 CSS px across.
const TAP_REACH_PX: f64 = 12.0;

/// Many dots, one `<path>` per kind (lost ones as a ring: a red dot with a smaller hole); a click
/// or a tap drops the message whose dot is nearest to it. `k`: user units per CSS px.
fn dense_dots(flying: &[Flying], dispatch: &Callback<Action>, k: f64, w: f64) -> Html {
    // One kind's dots not lost, or (`None`) the lost ones.
    let path = |kind: Option<usize>| {
        dots_path(
            flying
                .iter()
                .filter(|d| kind.map_or(d.f.lost, |k| d.kind == k && !d.f.lost))
                .map(|d| d.at),
        )
    };
    let lost = path(None);
    let onclick = {
        let d = dispatch.clone();
        let spots: Vec<(u64, Pt)> = flying.iter().map(|d| (d.f.id, d.at)).collect();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            // The nearest dot within reach of the click, however the picture is scaled (a CSS
            // pixel spans more user units on a phone), and never less than 8 units (twice a
            // dot's radius).
            let picked = crate::web::svg_point(&e, (w, H)).and_then(|(p, unit)| {
                nearest(spots.iter().map(|s| s.1), p, (TAP_REACH_PX * unit).max(8.0))
            });
            if let Some(i) = picked {
                d.emit(Action::Inject(Fault::DropMsg(spots[i].0)));
            }
        })
    };
    html! {
        <g class="dense" {onclick}>
            <title>{ trf("{} messages in flight: click one to drop it", &[&flying.len()]) }</title>
            // Invisible, wider dots under the drawn ones: what a click or a tap can hit.
            <path class="lbdots-hit" d={dots_path(flying.iter().map(|d| d.at))} stroke-width={f1(2.0 * TAP_REACH_PX * k)} />
            { for (0..KINDS.len()).map(|k| html! { <path class={classes!("lbdots", KINDS[k])} d={path(Some(k))} /> }) }
            <path class="lbdots lost" d={lost.clone()} />
            <path class="lbdots lost-hole" d={lost} />
        </g>
    }
}

pub(super) fn render_view(
    sim: &Sim<LbNode>,
    m: &lb::LbMetrics,
    at: Places,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    sc: StageScale,
    moving: bool,
) -> Html {
    let now = sim.now();
    // Sizes from the stage's text scale `k`: text at least 12.5 CSS px as rendered, 19 in
    // presenter mode (the stylesheet's `max(15px, var(--t))`), boxes that hold it. Backend boxes
    // keep their right edge and grow left.
    let k = sc.text_k();
    let font = (12.5 * k).max(15.0);
    let client_r = (2.2 * font).max(34.0);
    let lb_half = (1.3 * font).max(40.0);
    // Each backend's two lines, then boxes wide enough for the widest of them (and for any
    // backend turning SUSPECT with two-digit counts, so boxes do not change width as health
    // checks come and go), within the room right of the balancer. Where that room is too narrow
    // (a phone, a short stage at 150 %), a second line that does not fit is the status alone.
    let mut texts: Vec<BackendText> = m
        .backends
        .iter()
        .map(|bm| BackendText {
            label: backend_label(bm),
            err: error_note(bm),
            stat: backend_stat(bm),
        })
        .collect();
    let label_font = (12.5 * k).max(16.0);
    let widest = texts
        .iter()
        .map(|t| {
            (BOLD * text_width(&t.label, label_font) + text_width(&t.err, label_font))
                .max(text_width(&t.stat, font))
        })
        .fold(
            text_width(&stat_line(tr("suspect"), 10, 10), font),
            f64::max,
        );
    let box_w = (widest + 12.0)
        .max(9.6 * font)
        .max(150.0)
        .min(at.box_right() - LB_AT.x - lb_half - 40.0);
    let box_left = at.box_right() - box_w;
    for (t, bm) in texts.iter_mut().zip(&m.backends) {
        if text_width(&t.stat, font) + 12.0 > box_w {
            t.stat = tr(shown_status(bm)).to_uppercase();
        }
    }
    let n = at.n;
    let lines = (0..n).map(|b| {
        let p = at.backend_at(b);
        html! { <line class="lb-link" x1={f1(LB_AT.x + lb_half)} y1={f1(LB_AT.y)} x2={f1(box_left)} y2={f1(p.y)} /> }
    });
    // Every message in flight, where it is now, its kind.
    let flying: Vec<Flying> = sim
        .in_flight()
        .map(|f| {
            let (a, b) = (at.node_at(f.from), at.node_at(f.to));
            let at = lerp(
                a,
                b,
                if f.held {
                    0.85
                } else {
                    progress(now.0, f.sent_at.0, f.deliver_at.0)
                },
            );
            let kind = match &f.msg {
                LbMsg::Request { .. } => 0,
                LbMsg::Response {
                    reply: Reply::Ok, ..
                } => 1,
                LbMsg::Response { .. } => 2,
                _ => 3,
            };
            Flying { f, at, kind }
        })
        .collect();
    let msgs = if flying.len() > DENSE_DOTS {
        dense_dots(&flying, dispatch, sc.k, at.w)
    } else {
        flying
            .iter()
            .map(|&Flying { f, at, kind }| {
                let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(f.id)));
                keyed_when_still(html! { <circle class={classes!("lbmsg", KINDS[kind], f.lost.then_some("lost"))} data-msg-id={f.id.to_string()} cx={f1(at.x)} cy={f1(at.y)} r="4" {onclick}><title>{ f.msg.to_string() }</title></circle> }, f.id, moving)
            })
            .collect::<Html>()
    };
    let backends = m.backends.iter().enumerate().map(|(b, bm)| {
        let p = at.backend_at(b);
        let id = bm.node;
        let (onclick, onkeydown) = crate::components::lab::select_handlers(dispatch, id);
        let h = ((H - 60.0) / n.max(1) as f64 - 6.0).clamp(14.0, 70.0);
        let x0 = box_left;
        let load = (bm.utilisation_pct / 100.0).clamp(0.0, 1.0);
        let status = shown_status(bm);
        let BackendText { label, err, stat } = &texts[b];
        html! {
            <g class={classes!("backend", format!("st-{status}"), (!bm.alive).then_some("crashed"), (selected == Some(id)).then_some("selected"), bm.ejected.then_some("ejected"))}
                data-node-id={id.to_string()} data-status={status} data-alive={bm.alive.to_string()} data-inflight={bm.in_flight.to_string()}
                data-routed={bm.routed_total.to_string()} role="button" tabindex="0" {onclick} {onkeydown}>
                <title>{ trf("{}: {}{}, {} in service, {} queued, {}% busy, {} routed", &[&format!("{label}{err}"), &tr(status), &if bm.alive { "" } else { tr(", crashed") }, &bm.busy, &bm.queue, &fixed(bm.utilisation_pct, 0).to_string(), &bm.routed_total]) }</title>
                <rect class="box" x={f1(x0)} y={f1(p.y - h / 2.0)} width={f1(box_w)} height={f1(h)} rx="6" />
                <rect class="load" x={f1(x0)} y={f1(p.y + h / 2.0 - 4.0)} width={f1(box_w * load)} height="4" />
                // Two lines when the box holds them, the name alone when it holds one (the
                // tooltip and the side panel have the rest).
                if h >= 1.1 * font {
                    <text class="b-label" x={f1(x0 + 6.0)} y={f1(p.y - h / 2.0 + 1.05 * font)}>{ label }<tspan class="b-err">{ err }</tspan></text>
                }
                if h >= 2.3 * font {
                    <text class={classes!("b-stat", (!bm.alive).then_some("b-down"))} x={f1(x0 + 6.0)} y={f1(p.y - h / 2.0 + 2.1 * font)}>{ stat }</text>
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="lb-view" viewBox={format!("0 0 {} {}", trim(at.w, 1), trim(H, 1))} data-testid="cluster" role="group" aria-label={tr("Clients, load balancer and backends")} onclick={deselect}>
            <line class="lb-link" x1={f1(CLIENTS_AT.x + client_r)} y1={f1(CLIENTS_AT.y)} x2={f1(LB_AT.x - lb_half)} y2={f1(LB_AT.y)} />
            { for lines }
            // Dots under the nodes: a request never covers "clients" or "LB".
            <g class="messages" data-in-flight={flying.len().to_string()}>{ msgs }</g>
            <g class="lb-node clients" data-node-id="0" data-status={if sim.is_up(0) { "up" } else { "down" }}>
                <circle cx={f1(CLIENTS_AT.x)} cy={f1(CLIENTS_AT.y)} r={f1(client_r)} />
                <text x={f1(CLIENTS_AT.x)} y={f1(CLIENTS_AT.y + 0.35 * font)}>{ t("clients") }</text>
                { rate_label(fixed(m.throughput_rps, 0).to_string(), client_r, font) }
            </g>
            <g class="lb-node balancer" data-node-id="1" data-status={if sim.is_up(1) { "up" } else { "down" }}>
                <rect x={f1(LB_AT.x - lb_half)} y={f1(LB_AT.y - lb_half)} width={f1(2.0 * lb_half)} height={f1(2.0 * lb_half)} rx="10" />
                <text x={f1(LB_AT.x)} y={f1(LB_AT.y + 0.35 * font)}>{ t("LB") }</text>
            </g>
            { for backends }
        </svg>
    }
}
