//! The cluster page's panels: actions, measurements, charts, alerts and settings.

use super::cmd;
use crate::components::chart::{chart, per_bucket, Axis, Series};
use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::cluster::model::{Bucket, BUCKET};
use engine::cluster::params::zone_name;
use engine::cluster::{AlertReport, ClusterCommand, ClusterLab, ClusterMetrics, ClusterNode};
use engine::fmtnum::{fixed, trim};
use std::rc::Rc;
use yew::prelude::*;

/// The actions on machine `m`; a sheet next to it on a phone while it is `picked` (tapped).
pub(super) fn render_actions(
    c: &ClusterNode,
    m: usize,
    picked: bool,
    dispatch: &Callback<Action>,
) -> Html {
    let alive = c.machines.get(m).is_some_and(|x| x.alive);
    let zone = c.machines.get(m).map_or(0, |x| x.zone);
    let zone_alive = c.machines.iter().any(|x| x.zone == zone && x.alive);
    let zone_dead = c.machines.iter().any(|x| x.zone == zone && !x.alive);
    let z = zone_name(zone);
    let next = c.version + 1;
    html! {
        <section class={classes!("panel", "actions", picked.then_some("sheet"))} data-testid="actions">
            if picked { { crate::components::sheet::close_button(dispatch) } }
            <h2>{ trf("Break it (m{}, zone {})", &[&m, &z]) }</h2>
            <div class="buttons">
                { action_button(dispatch, "fail-machine", &trf("Fail m{}", &[&m]), cmd(ClusterCommand::Fail(m)), alive) }
                { action_button(dispatch, "recover-machine", &trf("Recover m{}", &[&m]), cmd(ClusterCommand::Recover(m)), !alive) }
                { action_button(dispatch, "fail-zone", &trf("Fail zone {}", &[&z]), cmd(ClusterCommand::ZoneFail(zone)), zone_alive) }
                { action_button(dispatch, "recover-zone", &trf("Recover zone {}", &[&z]), cmd(ClusterCommand::ZoneRecover(zone)), zone_dead) }
                { action_button(dispatch, "hang-pod", tr("Hang a pod"), cmd(ClusterCommand::Hang(None)), c.ready_count() > 0) }
                { action_button(dispatch, "release-bad", &trf("Release v{} (crashes)", &[&next]), cmd(ClusterCommand::Release { bad: true }), true) }
                { action_button(dispatch, "release-good", &trf("Release v{} (good)", &[&next]), cmd(ClusterCommand::Release { bad: false }), true) }
                { action_button(dispatch, "scale-up", tr("Scale +1"), cmd(ClusterCommand::Scale((c.desired + 1).min(150))), c.desired < 150) }
                { action_button(dispatch, "scale-down", tr("Scale −1"), cmd(ClusterCommand::Scale(c.desired.saturating_sub(1))), c.desired > 0) }
            </div>
        </section>
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |x| format!("{}{unit}", fixed(x, 1)))
}

pub(super) fn render_metrics(m: &ClusterMetrics) -> Html {
    let row = |k: &str, v: String, id: &str, value: f64| {
        html! { <tr data-testid={format!("m-{id}")} data-value={trim(value, 6).to_string()}><th>{ k.to_string() }</th><td>{ v }</td></tr> }
    };
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("Measured") }</h2>
            <table>
                { row(tr("availability (good ÷ all)"), opt(m.availability_pct.map(|x| (x * 1000.0).floor() / 1000.0), " %"), "availability", m.availability_pct.unwrap_or(100.0)) }
                { row(tr("time with a pod serving"), opt(m.serving_time_pct, " %"), "serving", m.serving_time_pct.unwrap_or(100.0)) }
                { row(tr("requests good / failed"), format!("{} / {}", m.good, m.failed), "failed", m.failed as f64) }
                { row(tr("latency p50 / p99"), format!("{} / {}", opt(m.latency.p50_ms, " ms"), opt(m.latency.p99_ms, " ms")), "latency", m.latency.p99_ms.unwrap_or(0.0)) }
                { row(tr("replicas desired / ready"), format!("{} / {}", m.desired, m.ready), "ready", m.ready as f64) }
                { row(tr("restarts · pods created · evicted"), format!("{} · {} · {}", m.restarts, m.pods_created, m.pods_evicted), "restarts", m.restarts as f64) }
                { row(tr("CPU (last scrape)"), format!("{} %", fixed(m.cpu_pct, 1)), "cpu", m.cpu_pct) }
                { row(tr("HPA changes"), m.hpa_changes.to_string(), "hpa-changes", m.hpa_changes as f64) }
                { row(tr("HPA lag (longest under-provisioned)"), format!("{} s", fixed(m.hpa_lag_ms / 1000.0, 1)), "lag", m.hpa_lag_ms) }
                { row(tr("time over target"), format!("{} s", fixed(m.time_over_target_ms / 1000.0, 1)), "over", m.time_over_target_ms) }
                { row(tr("replica-seconds paid / needed"), format!("{} / {}", fixed(m.replica_seconds_paid, 0), fixed(m.replica_seconds_needed, 0)), "paid", m.replica_seconds_paid - m.replica_seconds_needed) }
                { row(&trf("error budget spent (SLO {} %)", &[&trim(m.slo_pct, 3)]), format!("{} %", fixed(m.budget_spent_pct, 1)), "budget", m.budget_spent_pct) }
            </table>
        </section>
    }
}

/// The buckets the charts draw: the completed ones (so the charts redraw every 5 s of run).
pub(super) fn completed(c: &ClusterNode) -> Rc<Vec<Bucket>> {
    Rc::new(c.series[..c.series.len().saturating_sub(1)].to_vec())
}

/// The charts' and the alert timeline's time span, ms: the completed buckets, at least 60 s.
pub(super) fn span_ms(c: &ClusterNode) -> f64 {
    ((c.series.len().saturating_sub(1) as u64 * BUCKET.0) as f64 / 1000.0).max(60_000.0)
}

#[derive(Properties, PartialEq)]
pub(super) struct ChartsProps {
    pub(super) buckets: Rc<Vec<Bucket>>,
}

#[component]
pub(super) fn Charts(props: &ChartsProps) -> Html {
    let series = &props.buckets[..];
    let span = (series.len() as f64 * BUCKET.0 as f64 / 1e6).max(60.0);
    let col = |f: &dyn Fn(&Bucket) -> f64| per_bucket(series.iter().map(f), BUCKET.0 as f64 / 1e6);
    let rate = |n: u32| n as f64 * 1e6 / BUCKET.0 as f64;
    let x = || Axis {
        lo: Some(0.0),
        hi: Some(span),
        ..Axis::new("s")
    };
    html! {
        <section class="charts-row cl-charts" data-testid="charts">
            { chart("chart-load", tr("Load and answers"), x(), Axis::new("req/s"), &[
                Series::new(tr("offered"), "--accent", col(&|b| b.load_rps as f64)),
                Series::new(tr("good"), "--up", col(&|b| rate(b.good))),
                Series::new(tr("failed"), "--oi-vermillion", col(&|b| rate(b.failed))),
            ]) }
            { chart("chart-replicas", tr("Replicas"), x(), Axis::new(tr("pods")), &[
                Series::new(tr("desired"), "--oi-purple", col(&|b| b.desired as f64)).dashed(),
                Series::new(tr("ready"), "--up", col(&|b| b.ready as f64)),
                Series::new(tr("needed"), "--suspect", col(&|b| b.needed as f64)),
            ]) }
            { chart("chart-latency", tr("Latency p99 (answered or timed out)"), x(), Axis::new("ms"), &[
                Series::new("p99", "--oi-vermillion", col(&|b| b.p99_ms().unwrap_or(0) as f64)),
            ]) }
            { chart("chart-budget", tr("Error budget left (below 0: SLO missed)"), x(), Axis::new("%"), &[
                Series::new(tr("budget"), "--down", col(&|b| (b.budget_left_ppm as f64 / 10_000.0).max(-500.0))),
            ]) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct AlertsProps {
    pub(super) alerts: Vec<AlertReport>,
    pub(super) span_ms: f64,
}

#[component]
pub(super) fn Alerts(props: &AlertsProps) -> Html {
    let span = props.span_ms;
    let pos = |t: f64| 100.0 * (t / span).min(1.0);
    let rows = props.alerts.iter().map(|a| {
        let eps = a.episodes.iter().map(|e| {
            let end = e.ended_ms.unwrap_or(span);
            let fired = e.fired_ms;
            let s1 = |x: f64| fixed(x / 1000.0, 1).to_string();
            let delay = e.detection_delay_ms.map(|d| trf(" · detected {} s after the incident began, {} % of the budget spent", &[&s1(d), &fixed(e.budget_spent_at_fire_pct.unwrap_or(0.0), 0).to_string()])).unwrap_or_default();
            let title = trf("{}: pending at {} s{}{}{}", &[&tr(e.state), &s1(e.pending_ms),
                &fired.map(|f| trf(", firing at {} s", &[&s1(f)])).unwrap_or_default(),
                &e.ended_ms.map(|f| trf(", resolved at {} s", &[&s1(f)])).unwrap_or_default(), &delay]);
            let pend_end = fired.unwrap_or(end);
            html! {
                <span class={classes!("ep", format!("ep-{}", e.state))} data-testid="alert" data-state={e.state} data-alert={a.name.clone()} title={title}>
                    <span class="seg pend" style={format!("left:{}%;width:{}%", fixed(pos(e.pending_ms), 2), fixed((pos(pend_end) - pos(e.pending_ms)).max(0.4), 2))}></span>
                    if let Some(f) = fired {
                        <span class={classes!("seg", if e.ended_ms.is_some() { "done" } else { "fire" })} style={format!("left:{}%;width:{}%", fixed(pos(f), 2), fixed((pos(end) - pos(f)).max(0.4), 2))}></span>
                    }
                </span>
            }
        });
        let last = a.episodes.iter().rev().find(|e| e.fired_ms.is_some());
        let note = match (a.state, last) {
            (_, Some(e)) => format!("{}{}", tr(e.state), e.detection_delay_ms.map(|d| trf(" · {} s after the incident began, budget {} % spent", &[&fixed(d / 1000.0, 1).to_string(), &fixed(e.budget_spent_at_fire_pct.unwrap_or(0.0), 0).to_string()])).unwrap_or_default()),
            ("pending", None) => tr("pending").into(),
            _ => tr("never fired").into(),
        };
        html! {
            <li class={classes!("alert-row", format!("as-{}", a.state))}>
                <code class="rule">{ a.name.clone() }</code>
                <span class="track">{ for eps }</span>
                <span class="a-note">{ note }</span>
            </li>
        }
    });
    html! {
        <section class="panel alerts" data-testid="alerts">
            <h2>{ t("Alerts") }</h2>
            <p class="muted">{ trf("Pending (amber) → firing (red) → resolved (grey), over 0–{} s. Burn-rate windows are the SRE workbook's for 30 days, scaled to the SLO period the run stands for (slop).", &[&fixed(span / 1000.0, 0).to_string()]) }</p>
            if props.alerts.is_empty() {
                <p class="muted">{ t("No alert rules (alerts=…).") }</p>
            } else {
                <ul class="alert-list">{ for rows }</ul>
            }
        </section>
    }
}

/// The settings form (redrawn only when the scenario changes).
#[component]
pub(super) fn Settings(props: &crate::components::lab::SettingsProps) -> Html {
    let (s, dispatch) = (&props.scenario, &props.dispatch);
    let g = |key: &'static str, label: &str| setting::<ClusterLab>(s, dispatch, key, label);
    html! {
        <section class="panel settings" data-testid="settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time with the same requests (the seed).") }</p>
            <h3>{ t("Cluster") }</h3>
            <div class="form">
                { param_input(dispatch, "n", tr("machines"), s.nodes.to_string(), "1–20") }
                { g("zones", tr("zones")) }{ g("slots", tr("pods per machine")) }{ g("rep", tr("replicas")) }
                { g("spread", tr("spread across zones")) }{ g("start", tr("start-up ms")) }
                { g("ctl", tr("controller every ms")) }{ g("grace", tr("NotReady after ms")) }{ g("evict", tr("evict after ms")) }
            </div>
            <h3>{ t("Probes") }</h3>
            <div class="form">
                { g("live", tr("liveness")) }{ g("lper", tr("period ms")) }{ g("lto", tr("timeout ms")) }{ g("lfail", tr("failures")) }
                { g("rdy", tr("readiness")) }{ g("rper", tr("period ms")) }{ g("rto", tr("timeout ms")) }{ g("rfail", tr("failures")) }
            </div>
            <h3>{ t("Service and load") }</h3>
            <div class="form">
                { g("lb", tr("picks pods by")) }{ g("cap", tr("req/s per pod")) }{ g("cto", tr("client timeout ms")) }
                { g("load", tr("load")) }{ g("rps", tr("base req/s")) }{ g("peak", tr("peak req/s")) }
                { g("at", tr("at ms")) }{ g("len", tr("length ms")) }{ g("period", tr("day ms")) }{ g("trace", tr("trace")) }
            </div>
            <h3>{ t("Autoscaler") }</h3>
            <div class="form">
                { g("hpa", tr("HPA")) }{ g("min", tr("min")) }{ g("max", tr("max")) }{ g("target", tr("target CPU %")) }
                { g("scrape", tr("scrape ms")) }{ g("sync", tr("sync ms")) }{ g("stab", tr("scale-down window ms")) }{ g("tol", tr("tolerance %")) }
            </div>
            <h3>{ t("Alerts and SLO") }</h3>
            <div class="form">
                { g("alerts", tr("rules")) }{ g("slo", tr("SLO %")) }{ g("slop", tr("SLO period ms")) }{ g("burn", tr("burn-rate alerts")) }{ g("eval", tr("evaluate every ms")) }
            </div>
        </section>
    }
}

/// The home page's availability calculator, opened with this run's measured availability (the
/// calculator validates it like any `av=` link).
pub(super) fn avail_link(availability_pct: Option<f64>) -> String {
    match availability_pct {
        Some(a) if a > 0.0 && a < 100.0 => format!(
            "./?av={}#avail-home-h",
            fixed((a * 10_000.0).floor() / 10_000.0, 4)
        ),
        _ => "./#avail-home-h".to_string(),
    }
}
