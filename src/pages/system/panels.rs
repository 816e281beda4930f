//! The whole-system page's panels: actions, measurements, charts and settings.

use super::cmd;
use crate::components::lab::{action_button, param_input, setting};
use crate::i18n::{t, tk, tr, tr_msg, trf};
use crate::player::Action;
use engine::fault::{fmt_timeline, TimedFault};
use engine::fmtnum::{fixed, trim};
use engine::sim::Sim;
use engine::system::front::{Bucket, BUCKET};
use engine::system::params::{zone_name, MAX_SHARDS};
use engine::system::{MachineCmd, SysNode, SystemLab, SystemMetrics, SystemParams};
use engine::Fault;
use std::rc::Rc;
use yew::prelude::*;

#[inline(never)]
pub(super) fn render_actions(
    sim: &Sim<SysNode>,
    p: &SystemParams,
    m: usize,
    picked: bool,
    scenario: &engine::scenario::Scenario,
    dispatch: &Callback<Action>,
) -> Html {
    let procs = p.on_machine(m);
    let alive = procs.is_empty() || procs.iter().any(|&q| sim.is_up(q));
    let zone = p.zone_of(m);
    let z = zone_name(zone);
    let zone_procs: Vec<usize> = p
        .zone_machines(zone)
        .iter()
        .flat_map(|&x| p.on_machine(x))
        .collect();
    let zone_up = zone_procs.iter().any(|&q| sim.is_up(q));
    let zone_down = zone_procs.iter().any(|&q| !sim.is_up(q));
    // Slow (`slow-m:M`): its app replicas work one request at a time.
    let slow = procs.iter().any(|&q| {
        sim.nodes()
            .get(q)
            .and_then(|n| n.app())
            .is_some_and(|a| a.slow)
    });
    // A shard added now: its members exist from the start of a run whose timeline has it, so
    // the click writes it into the timeline and the run replays to now with it.
    let add = {
        let mut f = scenario.faults.clone();
        let at = sim.now();
        let k = f.partition_point(|x| x.at <= at);
        f.insert(
            k,
            TimedFault {
                at,
                fault: MachineCmd::AddShard(m).fault(),
            },
        );
        Action::SetParam("faults".into(), fmt_timeline(&f))
    };
    // Choosing a machine without clicking it (a click crashes it).
    let pick = {
        let d = dispatch.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            d.emit(Action::Select(v.parse().ok()));
        })
    };
    html! {
        <section class={classes!("panel", "actions", picked.then_some("sheet"))} data-testid="actions">
            if picked { { crate::components::sheet::close_button(dispatch) } }
            <h2>{ trf("Break it (m{}, zone {})", &[&m, &z]) }</h2>
            <label>{ t("Machine ") }<select data-testid="machine-pick" onchange={pick}>
                { for (0..p.machines).map(|k| html! { <option value={k.to_string()} selected={k == m}>{ format!("m{k}") }</option> }) }
            </select></label>
            <div class="buttons">
                { action_button(dispatch, "crash-machine", &trf("Crash m{}", &[&m]), cmd(MachineCmd::Crash(m)), alive) }
                { action_button(dispatch, "restart-machine", &trf("Restart m{}", &[&m]), cmd(MachineCmd::Restart(m)), !alive) }
                { action_button(dispatch, "slow-machine", &trf("Slow m{} down", &[&m]), cmd(MachineCmd::Slow(m)), alive && !slow) }
                { action_button(dispatch, "fast-machine", &trf("Make m{} fast", &[&m]), cmd(MachineCmd::Fast(m)), slow) }
                { action_button(dispatch, "add-shard", &trf("Add a shard on m{}…", &[&m]), add, p.grow.is_none() && p.shards < MAX_SHARDS) }
                { action_button(dispatch, "isolate-machine", &trf("Cut m{} off", &[&m]), cmd(MachineCmd::Isolate(m)), alive) }
                { action_button(dispatch, "zone-down", &trf("Fail zone {}", &[&z]), cmd(MachineCmd::ZoneDown(zone)), zone_up) }
                { action_button(dispatch, "zone-up", &trf("Restore zone {}", &[&z]), cmd(MachineCmd::ZoneUp(zone)), zone_down) }
                { action_button(dispatch, "zone-split", &trf("Cut zone {} off", &[&z]), cmd(MachineCmd::ZoneSplit(zone)), true) }
                { action_button(dispatch, "heal", tr("Heal the network"), Action::Inject(Fault::Heal), true) }
            </div>
            // One process of the machine alone (an app replica or a shard member).
            <div class="buttons" data-testid="process-actions">
                { for procs.iter().map(|&q| {
                    let name = p.name(q);
                    if sim.is_up(q) {
                        action_button(dispatch, &format!("crash-{name}"), &trf("Crash {} only", &[&name]), Action::Inject(Fault::Crash(q)), true)
                    } else {
                        action_button(dispatch, &format!("restart-{name}"), &trf("Restart {}", &[&name]), Action::Inject(Fault::Restart(q)), true)
                    }
                }) }
            </div>
        </section>
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |x| format!("{}{unit}", fixed(x, 1)))
}

pub(super) fn list(v: &[Option<f64>]) -> String {
    if v.is_empty() {
        return "–".into();
    }
    v.iter()
        .map(|x| x.map_or("not yet".into(), |x| format!("{} ms", fixed(x, 0))))
        .collect::<Vec<_>>()
        .join(", ")
}

#[inline(never)]
pub(super) fn render_metrics(m: &SystemMetrics) -> Html {
    // The checker's words (`get k3 → 5 at 1.234 s: …`), read by pattern on a Chinese page.
    let anomaly = m.first_anomaly.as_deref().map_or_else(
        || tr("none: every client saw a linearizable history").to_string(),
        tr_msg,
    );
    let most = |v: &[Option<f64>]| v.iter().flatten().copied().fold(0.0, f64::max);
    // (label, shown, test id, data-value): one row each.
    let rows: [(String, String, &str, f64); 12] = [
        (
            tr("success rate").into(),
            opt(m.success_pct.map(|x| (x * 100.0).floor() / 100.0), " %"),
            "success",
            m.success_pct.unwrap_or(100.0),
        ),
        (
            tr("answered / failed").into(),
            format!("{} / {}", m.ok, m.failed),
            "failed",
            m.failed as f64,
        ),
        (
            tr("latency p50 / p99").into(),
            format!("{} / {}", opt(m.p50_ms, " ms"), opt(m.p99_ms, " ms")),
            "p99",
            m.p99_ms.unwrap_or(0.0),
        ),
        (
            tr("timeouts · retries").into(),
            format!("{} · {}", m.timeouts, m.retries),
            "timeouts",
            m.timeouts as f64,
        ),
        (
            tr("availability measured / formula").into(),
            format!(
                "{} / {} %",
                opt(m.availability_pct, " %"),
                fixed(m.formula_pct, 3)
            ),
            "availability",
            m.availability_pct.unwrap_or(100.0),
        ),
        (
            tr("balancer ejected a crashed app after").into(),
            list(&m.lb_ejection_ms),
            "ejection",
            most(&m.lb_ejection_ms),
        ),
        (
            tr("new shard leader after").into(),
            list(&m.reelection_ms),
            "reelection",
            most(&m.reelection_ms),
        ),
        (
            tr("ring rebalanced after (keys moved · retried · failed)").into(),
            format!(
                "{} ({} · {} · {})",
                list(&m.rebalance_ms),
                m.keys_moved,
                m.moved_retries,
                m.moved_failed
            ),
            "rebalance",
            most(&m.rebalance_ms),
        ),
        (
            tr("where the time went (mean ms)").into(),
            trf(
                "retries {} · lb↔app {} · app↔shard {} · leader {}",
                &[
                    &fixed(m.split.client_retries_ms, 1),
                    &fixed(m.split.lb_app_ms, 1),
                    &fixed(m.split.app_shard_ms, 1),
                    &fixed(m.split.leader_ms, 1),
                ],
            ),
            "split",
            m.split.leader_ms,
        ),
        (
            tr("reads: lease or at once · ReadIndex · refused").into(),
            format!("{} · {} · {}", m.reads[0], m.reads[1], m.reads[2]),
            "reads",
            m.reads[1] as f64,
        ),
        (
            tr("Raft invariants").into(),
            m.first_violation
                .clone()
                .unwrap_or_else(|| tr("hold in every shard").into()),
            "raft",
            m.raft_violations as f64,
        ),
        (
            trf("linearizability ({} responses checked)", &[&m.checked]),
            trf("{} anomalies · {}", &[&m.anomalies, &anomaly]),
            "anomalies",
            m.anomalies as f64,
        ),
    ];
    html! {
        <section class="panel metrics" data-testid="metrics">
            <h2>{ t("What the clients saw") }</h2>
            <table>
                { for rows.into_iter().map(|(k, v, id, value)| html! {
                    <tr data-testid={format!("m-{id}")} data-value={trim(value, 6).to_string()}><th>{ k }</th><td>{ v }</td></tr>
                }) }
            </table>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(super) struct ChartsProps {
    pub(super) buckets: Rc<Vec<Bucket>>,
}

/// A chart of one value per second (`lines`: kind, values), drawn by the shared component.
fn chart(id: &str, title: &str, n: usize, lines: Vec<(&str, Vec<f64>)>) -> Html {
    use crate::components::chart::{self, per_bucket, Axis, Series};
    let series: Vec<Series> = lines
        .into_iter()
        .map(|(kind, v)| {
            let (name, color) = match kind {
                "ok-line" => (tr("answered"), "--up"),
                "err-line" => (tr("failed"), "--oi-vermillion"),
                _ => ("p99", "--oi-vermillion"),
            };
            Series::new(name, color, per_bucket(v.into_iter(), 1.0))
        })
        .collect();
    let x = Axis {
        lo: Some(0.0),
        hi: Some((n as f64).max(60.0)),
        ..Axis::new("s")
    };
    chart::chart(&format!("chart-{id}"), title, x, Axis::new(""), &series)
}

#[component]
pub(super) fn Charts(props: &ChartsProps) -> Html {
    let s = &props.buckets[..];
    let per_s = 1e6 / BUCKET.as_us() as f64;
    let col = |f: &dyn Fn(&Bucket) -> f64| s.iter().map(f).collect::<Vec<f64>>();
    html! {
        <section class="charts-row cl-charts" data-testid="charts">
            { chart("answers", tr("Requests per second: answered · failed"), s.len(), vec![
                ("ok-line", col(&|b| b.ok as f64 * per_s)),
                ("err-line", col(&|b| b.failed as f64 * per_s)),
            ]) }
            { chart("latency", tr("Latency p99 per second, ms"), s.len(), vec![
                ("p99", col(&|b| b.p99_ms().unwrap_or(0) as f64)),
            ]) }
        </section>
    }
}

#[component]
pub(super) fn Settings(props: &crate::components::lab::SettingsProps) -> Html {
    let (s, dispatch) = (&props.scenario, &props.dispatch);
    const GROUPS: [(&str, &[(&str, &str)]); 4] = [
        (
            tk("Machines and placement"),
            &[
                ("zones", tk("zones")),
                ("apps", tk("app replicas")),
                ("shards", tk("shards")),
                ("rf", tk("members per shard")),
                ("spread", tk("spread across zones")),
                ("vn", tk("vnodes per shard")),
                ("place", tk("placed by hand")),
            ],
        ),
        (
            tk("Clients and balancer"),
            &[
                ("rps", tk("req/s")),
                ("keys", tk("keys")),
                ("wr", tk("writes %")),
                ("cto", tk("client timeout ms")),
                ("tries", tk("attempts")),
                ("lb", tk("strategy")),
                ("hc", tk("health checks")),
                ("hci", tk("check every ms")),
                ("fall", tk("fall")),
                ("rise", tk("rise")),
            ],
        ),
        (
            tk("Shards (Raft)"),
            &[
                ("reads", tk("reads")),
                ("cq", tk("check-quorum")),
                ("et", tk("election timeout ms")),
                ("hb", tk("heartbeat ms")),
                ("ato", tk("app try timeout ms")),
            ],
        ),
        (
            tk("Chaos"),
            &[
                ("chaos", tk("faults per minute")),
                ("cat", tk("from ms")),
                ("clen", tk("for ms")),
            ],
        ),
    ];
    html! {
        <section class="panel settings" data-testid="settings">
            <h2>{ t("Lab settings") }</h2>
            <p class="muted">{ t("Changing a setting replays the run to the same time with the same requests (the seed).") }</p>
            { for GROUPS.iter().enumerate().map(|(i, (title, keys))| html! {
                <>
                    <h3>{ tr(title) }</h3>
                    <div class="form">
                        if i == 0 {
                            { param_input(dispatch, "n", tr("machines"), s.nodes.to_string(), "1–12") }
                        }
                        { for keys.iter().map(|(key, label)| setting::<SystemLab>(s, dispatch, key, tr(label))) }
                    </div>
                </>
            }) }
        </section>
    }
}
