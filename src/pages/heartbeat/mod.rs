//! The heartbeat lab page: workers around the monitor, heartbeats in flight, each worker's
//! silence growing towards its timeout, both detectors' verdicts, failover and fencing.

mod panels;
mod stage;

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{fault_timeline, lab_head, lesson_caption, use_lab, LabProps};
use crate::components::network::NetworkPanel;
use crate::geometry::Pt;
use crate::i18n::t;
use engine::heartbeat::HeartbeatLab;
use engine::heartbeat::{Detector, HbNode, Monitor, Status, MONITOR};
use engine::sim::Sim;
use engine::NodeId;
use panels::{render_metrics, render_selected, render_settings};
use stage::{render_legend, render_svg};
use yew::prelude::*;

const VIEW: f64 = 640.0;
const CENTER: Pt = Pt { x: 320.0, y: 320.0 };
const RING_R: f64 = 240.0;
const MONITOR_R: f64 = 48.0;

/// The page.
#[component]
pub fn HeartbeatPage(props: &LabProps) -> Html {
    let lab = use_lab::<HeartbeatLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let params = player.scenario.hb_params();
    let Some(HbNode::Monitor(mon)) = sim.nodes().first() else {
        return html! { <p>{ t("No monitor in this run.") }</p> };
    };
    html! {
        <main class="lab heartbeat">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_svg(sim, mon, &params, player.selected, dispatch, sc, player.moving()) }
                    { render_legend() }
                </div>
                <div class="side">
                    { render_selected(sim, mon, &params, player.selected, dispatch) }
                    { render_metrics(sim, &params) }
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={"0.2.3|1".to_string()} />
                    { render_settings(&player.scenario, dispatch) }
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                { fault_timeline(&player.scenario, dispatch) }
            </div>
        </main>
    }
}

fn status_of(sim: &Sim<HbNode>, mon: &Monitor, det: Detector, i: NodeId) -> Status {
    if i == MONITOR {
        return if sim.is_up(MONITOR) {
            Status::Up
        } else {
            Status::Down
        };
    }
    mon.status(i, det)
}
