//! The self-healing cluster lab page: machines in zones as boxes holding pods (phase by shape
//! and by text), the service sending requests to the pods in it, the actions that break things,
//! the measurements, charts of load / replicas / latency / error budget, the alert timeline,
//! the settings and the event log of the controllers' decisions with their reasons.
//!
//! Everything shown is computed by the engine (`engine::cluster`); the page draws it and sends
//! clicks back as the lab's commands (`cmd:0:fail:2`, …) on the fault timeline.

mod dots;
mod panels;
mod stage;

use crate::components::event_log::{EventLog, LogLine};
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{fault_timeline, lab_head, lesson_caption, use_lab, LabProps};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use dots::FlowDots;
use engine::cluster::{measure, ClusterCommand, ClusterLab, ClusterNode};
use engine::fmtnum::fixed;
use engine::sim::Sim;
use engine::Fault;
use panels::{
    avail_link, completed, render_actions, render_metrics, span_ms, Alerts, Charts, Settings,
};
use stage::render_cluster;
use std::rc::Rc;
use yew::prelude::*;

/// Width of the cluster picture (viewBox units); phones get a narrower one with the zones
/// stacked, so its text stays legible.
const WIDE: f64 = 760.0;
const NARROW: f64 = 380.0;
/// Height of the service band at the top.
const TOP: f64 = 52.0;
/// A pod's box at least (it grows with the text: see `Layout::of`).
const POD_W: f64 = 58.0;
const POD_H: f64 = 34.0;
/// Event-log lines kept (decisions only; the ticks without one are left out).
const LOG_LINES: usize = 200;

fn cmd(c: ClusterCommand) -> Action {
    Action::Inject(Fault::command(0, c))
}

/// The page.
#[component]
pub fn ClusterPage(props: &LabProps) -> Html {
    let lab = use_lab::<ClusterLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let log_cache = use_mut_ref(|| (usize::MAX, 0u64, Rc::new(Vec::<LogLine>::new())));
    let svg_ref = use_node_ref();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let c = &sim.nodes()[0];
    let m = measure(sim);
    let selected = player
        .selected
        .filter(|&i| i < c.machines.len())
        .unwrap_or(0);
    let log = {
        // Rebuilt only when the newest decision changes (not on every frame).
        // The newest decision's step and text length (a rebuilt run may reuse the address).
        let newest = sim
            .trace()
            .iter()
            .rev()
            .find(|e| !e.notes.is_empty())
            .map_or(0, |e| {
                e.step << 20 ^ e.notes.iter().map(|n| n.text().len() as u64).sum::<u64>()
            });
        let run = Rc::as_ptr(&player.hist) as *const () as usize;
        let mut cache = log_cache.borrow_mut();
        if cache.0 != run || cache.1 != newest {
            *cache = (run, newest, decision_lines(sim));
        }
        cache.2.clone()
    };
    let (svg, mut dots) = render_cluster(c, sim.now(), selected, dispatch, sc, &svg_ref);
    dots.scale = sc;
    html! {
        <main class="lab cluster">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { svg }
                    <FlowDots ..dots />
                    <p class="legend">
                        <span class="key">{ t("● ready") }</span><span class="key">{ t("◌ starting") }</span>
                        <span class="key">{ t("○ not ready") }</span><span class="key">{ t("▲ crash-loop") }</span>
                        <span class="key">{ t("■ terminating") }</span>
                        <span>{ t("Click a machine to choose it for the actions. Dots are requests: red ones go to a pod that cannot answer.") }</span>
                    </p>
                </div>
                <div class="side">
                    { render_actions(c, selected, player.selected.is_some(), dispatch) }
                    { render_metrics(&m) }
                </div>
            </div>
            <Charts buckets={completed(c)} />
            <Alerts alerts={m.alerts.clone()} span_ms={span_ms(c)} />
            // The nines and capacity arithmetic (issue 13) lives on the home page's calculator
            // (its code would put this page over the 250 KB budget); this links there with the
            // run's measured availability filled in.
            <section class="panel avail-link" data-testid="cluster-avail">
                <h2>{ t("Availability and capacity: the formulas") }</h2>
                <p>{ trf("This run measured {} availability. ", &[&m.availability_pct.map(|x| format!("{} %", fixed((x * 1000.0).floor() / 1000.0, 3))).unwrap_or_else(|| tr("no").into())]) }
                    <a data-testid="cluster-avail-link" href={avail_link(m.availability_pct)}>{ t("Compare it with the formulas (nines, redundancy, M/M/c pods for a p99) →") }</a></p>
            </section>
            <Settings scenario={player.scenario.clone()} dispatch={dispatch.clone()} encode={player.fns.encode} />
            <div class="lab-foot">
                <EventLog lines={log} total={sim.steps()} playing={player.playing} />
                { fault_timeline(&player.scenario, dispatch) }
            </div>
        </main>
    }
}

/// The event log: only the events that decided something (the ticks' notes).
fn decision_lines(sim: &Sim<ClusterNode>) -> Rc<Vec<LogLine>> {
    let mut lines: Vec<LogLine> = sim
        .trace()
        .iter()
        .rev()
        .filter(|e| !e.notes.is_empty())
        .take(LOG_LINES)
        .map(|e| LogLine {
            step: e.step,
            text: e.time.to_string().into(),
            notes: e
                .notes
                .iter()
                // The controller (node 0) writes the decisions: shown without its `0: `.
                .map(|n| match n.writer() {
                    Some(0) => AttrValue::from(n.body().into_owned()),
                    _ => AttrValue::from(n.text().into_owned()),
                })
                .collect(),
            kind: if matches!(e.what, engine::sim::What::Fault(_)) {
                "ev-fault"
            } else {
                "ev-timer"
            },
        })
        .collect();
    lines.reverse();
    Rc::new(lines)
}
