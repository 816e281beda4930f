//! The SWIM lab page: members on a circle coloured by what the group believes about each (or, with
//! a member selected, by that member's own view), pings, acks, ping-reqs and gossip in flight, the
//! measurements against ground truth, and the 5–200 member sweep against theory.

mod detect_compare;
mod panels;
mod stage;
mod sweep;

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{fault_timeline, lab_head, lesson_caption, use_lab, LabProps};
use crate::components::network::NetworkPanel;
use crate::geometry::Pt;
use detect_compare::DetectCompare;
use engine::heartbeat::swim::MemberState;
use engine::heartbeat::SwimLab;
use panels::{render_metrics, render_selected, render_settings};
use stage::{render_legend, render_svg};
use sweep::Sweep;
use yew::prelude::*;

const VIEW: f64 = 500.0;
const CENTER: Pt = Pt { x: 250.0, y: 248.0 };
const RING_R: f64 = 192.0;
/// Members drawn with their number inside (above this, dots only; the tooltip names them).
const LABELLED: usize = 24;
/// Members drawn with a status word under them.
const WORDED: usize = 12;
/// Messages in flight drawn with a label (above this, dots only).
const LABELLED_MSGS: usize = 24;
/// The delay the "Make slow" button gives a member (Lifeguard's motivating case).
const SLOW_MS: u32 = 800;

fn member_radius(n: usize) -> f64 {
    let spacing = std::f64::consts::TAU * RING_R / n.max(1) as f64;
    (spacing * 0.38).clamp(4.0, 28.0)
}

/// The page's word for a member state (`data-status`: up / suspect / down, as in every lab).
fn status_word(s: MemberState) -> &'static str {
    match s {
        MemberState::Alive => "up",
        MemberState::Suspect => "suspect",
        MemberState::Dead => "down",
    }
}

/// The page.
#[component]
pub fn SwimPage(props: &LabProps) -> Html {
    let lab = use_lab::<SwimLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let params = player.scenario.setup::<SwimLab>();
    let selected = player.selected.filter(|&i| i < sim.nodes().len());
    html! {
        <main class="lab swim">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_svg(sim, selected, dispatch, sc, player.moving()) }
                    { render_legend(selected) }
                </div>
                <div class="side">
                    { render_selected(sim, selected, dispatch) }
                    { render_metrics(sim) }
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={"0.1.2.3|4.5.6.7".to_string()} />
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                { fault_timeline(&player.scenario, dispatch) }
            </div>
            <div class="lab-body">
                <div class="sweeps">
                    <Sweep params={params} net={player.scenario.net} seed={player.scenario.seed} />
                    <DetectCompare params={params} net={player.scenario.net} seed={player.scenario.seed} />
                </div>
                { render_settings(&player.scenario, dispatch) }
            </div>
        </main>
    }
}
