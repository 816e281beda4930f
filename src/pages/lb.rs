//! The load-balancer lab page: clients, the balancer and its backends with queues and health,
//! requests animated as dots, live latency/throughput/load charts, and a second strategy fed the
//! identical request stream for comparison.

use crate::components::chart::{chart, top, Axis, Series, PALETTE};
use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    action_button, click_emit, fault_timeline, lab_head, lesson_caption, param_input, setting,
    use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::geometry::{f1, lerp, progress, Pt};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::{fixed, trim};
use engine::history::History;
use engine::lab::Lab;
use engine::lb::LbLab;
use engine::lb::{self, LbMsg, LbNode, Reply, SeriesPoint, Strategy, FIRST_BACKEND};
use engine::scenario::{encode_for, Scenario};
use engine::sim::Sim;
use engine::{Fault, NodeId};
use web_sys::HtmlInputElement;
use yew::prelude::*;

const W: f64 = 720.0;
const H: f64 = 520.0;
const CLIENTS_AT: Pt = Pt { x: 70.0, y: 260.0 };
const LB_AT: Pt = Pt { x: 280.0, y: 260.0 };
/// Seconds of history the charts show.
const CHART_SPAN_MS: f64 = 20_000.0;
const BUCKET_MS: u64 = lb::SERIES_BUCKET_MS;

fn backend_at(b: usize, n: usize) -> Pt {
    let step = (H - 60.0) / n.max(1) as f64;
    Pt {
        x: 560.0,
        y: 30.0 + step * (b as f64 + 0.5),
    }
}

/// A backend's name in the page: b1…bn (its node id, used by links such as `crash:N`, is one
/// more: the clients are node 0 and the balancer node 1).
fn backend_name(id: NodeId) -> String {
    format!("b{}", id + 1 - FIRST_BACKEND)
}

fn node_at(id: NodeId, n: usize) -> Pt {
    match id {
        lb::CLIENTS => CLIENTS_AT,
        lb::LB => LB_AT,
        b => backend_at(b - FIRST_BACKEND, n),
    }
}

/// The second run of the compare mode: the same scenario with another strategy, kept at the
/// main run's time.
#[derive(Default)]
struct CompareRun {
    key: String,
    hist: Option<History<LbNode>>,
}

/// The page.
#[component]
pub fn LbPage(props: &LabProps) -> Html {
    let lab = use_lab::<LbLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let k = sc.k;
    let compare = use_mut_ref(CompareRun::default);
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let setup = player.scenario.lb_setup();
    let n = setup.backends.len();
    let m = lb::measure(sim);
    let series = lb::series(sim);
    let other = setup.compare.and_then(|strategy| {
        let (_, s) = LbLab::companion(&player.scenario)?;
        let mut c = compare.borrow_mut();
        let key = encode_for::<LbLab>(&s);
        if c.key != key || c.hist.is_none() {
            c.key = key;
            c.hist = Some(History::new(s.build_lb()));
        }
        let h = c.hist.as_mut().expect("just set");
        h.seek_time(sim.now(), 2_000_000);
        Some((strategy, lb::measure(h.sim()), lb::series(h.sim())))
    });
    html! {
        <main class="lab lb">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_view(sim, &m, n, player.selected, dispatch, k) }
                    <p class="legend">
                        <span class="key req">{ t("● request") }</span><span class="key ok">{"● 200"}</span>
                        <span class="key err">{"● 500/503"}</span><span class="key hc">{ t("● health check") }</span>
                        <span>{ trf("Backends b1…b{} are nodes {}…{} in links (crash:{} crashes b1).", &[&n, &FIRST_BACKEND, &(n + FIRST_BACKEND - 1), &FIRST_BACKEND]) }{ t(" Each shows the balancer's view (UP / SUSPECT / DOWN), busy workers, queue and load.") }</span>
                    </p>
                </div>
                <div class="side">
                    { render_selected(sim, &m, player.selected, dispatch) }
                    { render_metrics(&m, setup.params.strategy, other.as_ref().map(|(s, om, _)| (*s, om))) }
                </div>
            </div>
            <div class="charts-row">
                { render_charts((setup.params.strategy.as_str(), &series), other.as_ref().map(|(s, _, os)| (s.as_str(), &os[..])), sim.now().as_ms_f64()) }
            </div>
            <div class="lab-body">
                { render_settings(&player.scenario, dispatch) }
                <div class="side">
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={"0.1.2|3".to_string()} />
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                { fault_timeline(&player.scenario, dispatch) }
            </div>
        </main>
    }
}

fn render_view(
    sim: &Sim<LbNode>,
    m: &lb::LbMetrics,
    n: usize,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
    k: f64,
) -> Html {
    let now = sim.now();
    // Sizes from the stage's scale `k`: text at least 12.5 CSS px as rendered (the stylesheet's
    // `max(15px, var(--t))`), boxes that hold it. Backend boxes keep their right edge and grow left.
    let font = (12.5 * k).max(15.0);
    let client_r = (2.2 * font).max(34.0);
    let lb_half = (1.3 * font).max(40.0);
    let box_w = (9.6 * font)
        .max(150.0)
        .min(660.0 - LB_AT.x - lb_half - 40.0);
    let box_left = |p: Pt| p.x + 100.0 - box_w;
    let lines = (0..n).map(|b| {
        let p = backend_at(b, n);
        html! { <line class="lb-link" x1={f1(LB_AT.x + lb_half)} y1={f1(LB_AT.y)} x2={f1(box_left(p))} y2={f1(p.y)} /> }
    });
    let msgs = sim.in_flight().map(|f| {
        let (a, b) = (node_at(f.from, n), node_at(f.to, n));
        let at = lerp(a, b, if f.held { 0.85 } else { progress(now.0, f.sent_at.0, f.deliver_at.0) });
        let cls = match &f.msg {
            LbMsg::Request { .. } => "req",
            LbMsg::Response { reply: Reply::Ok, .. } => "ok",
            LbMsg::Response { .. } => "err",
            _ => "hc",
        };
        let onclick = click_emit(dispatch, Action::Inject(Fault::DropMsg(f.id)));
        html! { <circle class={classes!("lbmsg", cls, f.lost.then_some("lost"))} data-msg-id={f.id.to_string()} cx={f1(at.x)} cy={f1(at.y)} r="4" {onclick}><title>{ f.msg.to_string() }</title></circle> }
    });
    let backends = m.backends.iter().enumerate().map(|(b, bm)| {
        let p = backend_at(b, n);
        let id = bm.node;
        let (onclick, onkeydown) = crate::components::lab::select_handlers(dispatch, id);
        let h = ((H - 60.0) / n.max(1) as f64 - 6.0).clamp(14.0, 70.0);
        let x0 = box_left(p);
        let load = (bm.utilisation_pct / 100.0).clamp(0.0, 1.0);
        // Ejected by outlier detection counts as down: the balancer routes nothing there.
        let status = if bm.ejected && bm.status != "down" { "down" } else { bm.status };
        let _ = b;
        let label = format!(
            "{}{}{}{}{}",
            backend_name(id),
            if bm.alive { "" } else { " ✕" },
            if bm.weight != 1 { format!(" w{}", bm.weight) } else { String::new() },
            if bm.speed_pct != 100 { format!(" {}%", bm.speed_pct) } else { String::new() },
            if bm.slow > 1 { trf(" ×{} slow", &[&bm.slow]) } else { String::new() }
        );
        html! {
            <g class={classes!("backend", format!("st-{status}"), (!bm.alive).then_some("crashed"), (selected == Some(id)).then_some("selected"), bm.ejected.then_some("ejected"))}
                data-node-id={id.to_string()} data-status={status} data-alive={bm.alive.to_string()} data-inflight={bm.in_flight.to_string()}
                data-routed={bm.routed_total.to_string()} role="button" tabindex="0" {onclick} {onkeydown}>
                <title>{ trf("{}: {}{}, {} in service, {} queued, {}% busy, {} routed", &[&label, &tr(status), &if bm.alive { "" } else { tr(", crashed") }, &bm.busy, &bm.queue, &fixed(bm.utilisation_pct, 0).to_string(), &bm.routed_total]) }</title>
                <rect class="box" x={f1(x0)} y={f1(p.y - h / 2.0)} width={f1(box_w)} height={f1(h)} rx="6" />
                <rect class="load" x={f1(x0)} y={f1(p.y + h / 2.0 - 4.0)} width={f1(box_w * load)} height="4" />
                // Two lines when the box holds them, the name alone when it holds one (the
                // tooltip and the side panel have the rest).
                if h >= 1.1 * font {
                    <text class="b-label" x={f1(x0 + 6.0)} y={f1(p.y - h / 2.0 + 1.05 * font)}>{ label }</text>
                }
                if h >= 2.3 * font {
                    <text class={classes!("b-stat", (!bm.alive).then_some("b-down"))} x={f1(x0 + 6.0)} y={f1(p.y - h / 2.0 + 2.1 * font)}>{
                        if bm.alive && bm.ejected {
                            // Ejected: the status alone fits the box (busy and queue are in the
                            // tooltip and the side panel).
                            format!("{}{}", tr(status).to_uppercase(), tr(" (ejected)"))
                        } else if bm.alive {
                            trf("{} · busy {} · q {}{}", &[&tr(status).to_uppercase(), &bm.busy, &bm.queue, &if bm.error_pct > 0.0 { trf(" · {}% err", &[&trim(bm.error_pct, 3)]) } else { String::new() }])
                        } else {
                            tr("✕ CRASHED").to_string()
                        }
                    }</text>
                }
            </g>
        }
    });
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    html! {
        <svg class="lb-view" viewBox={format!("0 0 {} {}", trim(W, 1), trim(H, 1))} data-testid="cluster" role="group" aria-label={tr("Clients, load balancer and backends")} onclick={deselect}>
            <line class="lb-link" x1={f1(CLIENTS_AT.x + client_r)} y1={f1(CLIENTS_AT.y)} x2={f1(LB_AT.x - lb_half)} y2={f1(LB_AT.y)} />
            { for lines }
            // Dots under the nodes: a request never covers "clients" or "LB".
            <g class="messages">{ for msgs }</g>
            <g class="lb-node clients" data-node-id="0" data-status={if sim.is_up(0) { "up" } else { "down" }}>
                <circle cx={f1(CLIENTS_AT.x)} cy={f1(CLIENTS_AT.y)} r={f1(client_r)} />
                <text x={f1(CLIENTS_AT.x)} y={f1(CLIENTS_AT.y + 0.35 * font)}>{ t("clients") }</text>
                <text class="small" x={f1(CLIENTS_AT.x)} y={f1(CLIENTS_AT.y + client_r + 1.2 * font)}>{ format!("{} req/s", fixed(m.throughput_rps, 0)) }</text>
            </g>
            <g class="lb-node balancer" data-node-id="1" data-status={if sim.is_up(1) { "up" } else { "down" }}>
                <rect x={f1(LB_AT.x - lb_half)} y={f1(LB_AT.y - lb_half)} width={f1(2.0 * lb_half)} height={f1(2.0 * lb_half)} rx="10" />
                <text x={f1(LB_AT.x)} y={f1(LB_AT.y + 0.35 * font)}>{ t("LB") }</text>
            </g>
            { for backends }
        </svg>
    }
}

fn render_selected(
    sim: &Sim<LbNode>,
    m: &lb::LbMetrics,
    selected: Option<NodeId>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(bm) = selected.and_then(|id| m.backends.iter().find(|b| b.node == id)) else {
        return html! { <section class="panel"><h2>{ t("Backend") }</h2><p class="muted">{ t("Click a backend to crash it, slow it down or make it fail requests.") }</p></section> };
    };
    let id = bm.node;
    let alive = sim.is_up(id);
    let slow_ref = NodeRef::default();
    let on_slow = {
        let d = dispatch.clone();
        let r = slow_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "cmd:{id}:slow:{}",
                    i.value().trim()
                )));
            }
        })
    };
    let err_ref = NodeRef::default();
    let on_err = {
        let d = dispatch.clone();
        let r = err_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = r.cast::<HtmlInputElement>() {
                d.emit(Action::InjectText(format!(
                    "cmd:{id}:errors:{}",
                    i.value().trim()
                )));
            }
        })
    };
    html! {
        <section class="panel selected sheet" data-testid="selected-node" data-node={id.to_string()}>
            { crate::components::sheet::close_button(dispatch) }
            <h2>{ trf("Backend {}", &[&backend_name(id)]) }<span class="muted">{
                if bm.ejected {
                    trf(" — health checks: {}; ejected as an outlier (no traffic)", &[&tr(bm.status)])
                } else {
                    trf(" — balancer sees it {}", &[&tr(bm.status)])
                }
            }</span></h2>
            <div class="actions">
                { action_button(dispatch, "action-crash", tr("Crash"), Action::Inject(Fault::Crash(id)), alive) }
                { action_button(dispatch, "action-restart", tr("Restore"), Action::Inject(Fault::Restart(id)), !alive) }
                { action_button(dispatch, "action-fast", tr("Normal speed"), Action::Inject(Fault::command(id, lb::LbCommand::Slow(1))), bm.slow > 1) }
                { action_button(dispatch, "action-noerrors", tr("No errors"), Action::Inject(Fault::command(id, lb::LbCommand::Errors(0))), bm.error_pct > 0.0) }
            </div>
            <form class="inline" onsubmit={on_slow}>
                <label><span>{ t("slow down ×") }</span><crate::components::lab::Field testid="slow-input" node_ref={slow_ref} value="5" size={4} /></label>
                <button type="submit" data-testid="action-slow">{ t("Slow") }</button>
            </form>
            <form class="inline" onsubmit={on_err}>
                <label><span>{ t("error rate %") }</span><crate::components::lab::Field testid="errors-input" node_ref={err_ref} value="50" size={4} /></label>
                <button type="submit" data-testid="action-errors">{ t("Fail requests") }</button>
            </form>
            <dl>
                <dt>{ t("weight / speed") }</dt><dd>{ format!("{} / {}%{}", bm.weight, bm.speed_pct, if bm.slow > 1 { trf(", slowed ×{}", &[&bm.slow]) } else { String::new() }) }</dd>
                <dt>{ t("in service / queued") }</dt><dd>{ format!("{} / {}", bm.busy, bm.queue) }</dd>
                <dt>{ t("utilisation") }</dt><dd>{ format!("{}%", fixed(bm.utilisation_pct, 0)) }</dd>
                <dt>{ t("routed (window / total)") }</dt><dd>{ format!("{} / {}", bm.routed, bm.routed_total) }</dd>
                <dt>{ t("served / errors / rejected") }</dt><dd>{ format!("{} / {} / {}", bm.served, bm.errors, bm.rejected) }</dd>
            </dl>
        </section>
    }
}

fn ms(v: Option<f64>) -> String {
    v.map(|x| format!("{} ms", fixed(x, 1)))
        .unwrap_or_else(|| "–".into())
}

fn render_metrics(
    m: &lb::LbMetrics,
    strategy: Strategy,
    other: Option<(Strategy, &lb::LbMetrics)>,
) -> Html {
    let val = |v: Option<f64>| v.map(|x| fixed(x, 3).to_string()).unwrap_or_default();
    let errors = m.window.errors + m.window.rejected + m.window.no_backend + m.window.timeouts;
    let row = |name: String, mm: &lb::LbMetrics| {
        let e = mm.window.errors + mm.window.rejected + mm.window.no_backend + mm.window.timeouts;
        html! { <tr><th>{ name }</th><td>{ ms(mm.p50_ms) }</td><td>{ ms(mm.p95_ms) }</td><td>{ ms(mm.p99_ms) }</td><td>{ format!("{}/s", fixed(mm.goodput_rps, 0)) }</td><td>{ e }</td></tr> }
    };
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Live metrics") }<span class="muted">{ trf(" — last {} ms", &[&fixed(m.window_ms, 0).to_string()]) }</span></h2>
            <dl>
                <dt>{ t("latency p50") }</dt><dd data-testid="metric-p50" data-value={val(m.p50_ms)}>{ ms(m.p50_ms) }</dd>
                <dt>{"p95"}</dt><dd data-testid="metric-p95" data-value={val(m.p95_ms)}>{ ms(m.p95_ms) }</dd>
                <dt>{"p99"}</dt><dd data-testid="metric-p99" data-value={val(m.p99_ms)}>{ ms(m.p99_ms) }</dd>
                <dt>{ t("throughput") }</dt><dd data-testid="metric-throughput" data-value={fixed(m.throughput_rps, 3).to_string()}>{ trf("{} req/s ({} ok)", &[&fixed(m.throughput_rps, 0).to_string(), &fixed(m.goodput_rps, 0).to_string()]) }</dd>
                <dt>{ t("errors") }</dt><dd data-testid="metric-errors" data-value={errors.to_string()}>{ trf("{} 500, {} rejected, {} no backend, {} timed out", &[&m.window.errors, &m.window.rejected, &m.window.no_backend, &m.window.timeouts]) }</dd>
                <dt>{ t("retries") }</dt><dd>{ trf("{} in the window, {} in all, {} denied by the budget", &[&m.retries, &m.retries_total, &m.retries_denied]) }</dd>
            </dl>
            { for m.crashes.iter().map(|c| html! {
                <p class="crash-report" data-testid="crash-report">{ trf("{} crashed at {} ms: {}; {} requests routed to it while down.",
                    &[&backend_name(c.node), &fixed(c.crash_ms, 0).to_string(),
                    &c.detect_after_ms.map(|d| trf("marked down {} ms later", &[&fixed(d, 0).to_string()])).unwrap_or_else(|| tr("not marked down (yet)").into()),
                    &c.routed_while_down]) }</p>
            }) }
            if let Some((s, om)) = other {
                <table class="compare-table" data-testid="compare-table">
                    <thead><tr><th>{ t("strategy") }</th><th>{"p50"}</th><th>{"p95"}</th><th>{"p99"}</th><th>{ t("ok") }</th><th>{ t("errors") }</th></tr></thead>
                    <tbody>{ row(strategy.to_string(), m) }{ row(s.to_string(), om) }</tbody>
                </table>
            }
        </section>
    }
}

/// Latency percentiles, throughput/errors, and per-backend routing over the last 20 s, for the
/// strategy and (in compare mode) the other one on one y-scale per chart.
fn render_charts(
    main: (&str, &[SeriesPoint]),
    other: Option<(&str, &[SeriesPoint])>,
    now_ms: f64,
) -> Html {
    let from = (now_ms - CHART_SPAN_MS).max(0.0);
    let names: Vec<String> = (0..PALETTE.len() + 4)
        .map(|b| backend_name(b + FIRST_BACKEND))
        .collect();
    let lines = |series: &[SeriesPoint]| {
        let pts: Vec<&SeriesPoint> = series.iter().filter(|p| p.t_ms >= from).collect();
        let col = |f: &dyn Fn(&SeriesPoint) -> Option<f64>| {
            pts.iter()
                .filter_map(|p| f(p).map(|v| ((p.t_ms + BUCKET_MS as f64 / 2.0) / 1000.0, v)))
                .collect::<Vec<_>>()
        };
        let nb = pts.last().map(|p| p.backends.len()).unwrap_or(0);
        [
            vec![
                Series::new("p50", "--up", col(&|p| p.p50_ms)),
                Series::new("p95", "--suspect", col(&|p| p.p95_ms)),
                Series::new("p99", "--oi-vermillion", col(&|p| p.p99_ms)),
            ],
            vec![
                Series::new(tr("ok"), "--up", col(&|p| Some(p.goodput_rps))),
                Series::new(
                    tr("errors"),
                    "--oi-vermillion",
                    col(&|p| {
                        let c = &p.counts;
                        Some(
                            (c.errors + c.rejected + c.no_backend + c.timeouts) as f64 * 1000.0
                                / BUCKET_MS as f64,
                        )
                    }),
                ),
                Series::new(tr("retries"), "--oi-purple", col(&|p| Some(p.retries_rps))).dashed(),
            ],
            (0..nb)
                .map(|b| {
                    Series::new(
                        names.get(b).map_or("", String::as_str),
                        PALETTE[b % PALETTE.len()],
                        col(&|p| p.backends.get(b).map(|x| x.in_flight)),
                    )
                })
                .collect(),
        ]
    };
    let a = lines(main.1);
    let b = other.map(|o| lines(o.1));
    const CHARTS: [(&str, &str, &str); 3] = [
        ("latency", tk("Latency"), "ms"),
        ("throughput", tk("Answers"), "req/s"),
        ("load", tk("In flight per backend"), tk("requests")),
    ];
    let x0 = from / 1000.0;
    let panel = |which: &str, title: &str, set: &[Vec<Series>; 3]| {
        html! {
            <section class={classes!("panel", "charts", which.to_string())} data-testid={format!("charts-{which}")}>
                <h2>{ trf("Strategy {}", &[&title]) }</h2>
                { for CHARTS.iter().enumerate().map(|(k, (id, name, unit))| {
                    let hi = top(&a[k]).max(b.as_ref().map_or(0.0, |b| top(&b[k])));
                    let x = Axis { lo: Some(x0), hi: Some(x0 + CHART_SPAN_MS / 1000.0), ..Axis::new("s") };
                    chart(&format!("chart-{which}-{id}"), tr(name), x, Axis::new(tr(unit)).to(hi), &set[k])
                }) }
            </section>
        }
    };
    html! {
        <>
            { panel("main", main.0, &a) }
            if let (Some((t, _)), Some(b)) = (other, &b) { { panel("compare", t, b) } }
        </>
    }
}

fn render_settings(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    html! {
        <section class="panel settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time on the same request stream (the seed).") }</p>
            <div class="form">
                { setting::<LbLab>(s, dispatch, "strat", tr("strategy")) }
                { setting::<LbLab>(s, dispatch, "cmp", tr("compare with")) }
                { param_input(dispatch, "n", tr("backends"), s.nodes.to_string(), "1–20") }
                { setting::<LbLab>(s, dispatch, "be", tr("weights@speed%")) }
                { setting::<LbLab>(s, dispatch, "rate", tr("requests/s")) }
                { setting::<LbLab>(s, dispatch, "burst", tr("burst ×")) }
                { setting::<LbLab>(s, dispatch, "svc", tr("service time")) }
                { setting::<LbLab>(s, dispatch, "svcms", tr("service mean ms")) }
                { setting::<LbLab>(s, dispatch, "workers", tr("workers")) }
                { setting::<LbLab>(s, dispatch, "timeout", tr("timeout ms")) }
                { setting::<LbLab>(s, dispatch, "hc", tr("health checks")) }
                { setting::<LbLab>(s, dispatch, "hci", tr("check interval ms")) }
                { setting::<LbLab>(s, dispatch, "rise", tr("rise")) }
                { setting::<LbLab>(s, dispatch, "fall", tr("fall")) }
                { setting::<LbLab>(s, dispatch, "eject", tr("eject after errors")) }
                { setting::<LbLab>(s, dispatch, "retry", tr("retries")) }
                { setting::<LbLab>(s, dispatch, "tries", tr("attempts")) }
                { setting::<LbLab>(s, dispatch, "budget", tr("retry budget")) }
                { setting::<LbLab>(s, dispatch, "hot", tr("hot client %")) }
            </div>
        </section>
    }
}
