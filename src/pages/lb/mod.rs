//! The load-balancer lab page: clients, the balancer and its backends with queues and health,
//! requests animated as dots, live latency/throughput/load charts, and a second strategy fed the
//! identical request stream for comparison.

mod charts;
mod panels;
mod stage;

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    fault_timeline, lab_head, lesson_caption, lost_key, use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::geometry::Pt;
use crate::i18n::{t, trf};
use charts::render_charts;
use engine::history::History;
use engine::lab::Lab;
use engine::lb::LbLab;
use engine::lb::{self, LbNode, FIRST_BACKEND};
use engine::scenario::encode_for;
use engine::NodeId;
use panels::{render_metrics, render_selected, render_settings};
use stage::render_view;
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
                    { render_view(sim, &m, n, player.selected, dispatch, k, player.moving()) }
                    <p class="legend">
                        <span class="key req">{ t("● request") }</span><span class="key ok">{"● 200"}</span>
                        <span class="key err">{"● 500/503"}</span><span class="key hc">{ t("● health check") }</span>{ lost_key() }
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
