//! The Raft lab page: servers on a circle with their role, term and election timer, labelled
//! messages in flight, one log row per server, the safety invariants, a sequence diagram of recent
//! messages, and the paper's §9.3 election-time experiment.

mod experiment;
mod panels;
mod sequence;
mod stage;

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    fault_timeline, lab_head, lesson_caption, lost_key, use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::i18n::t;
use engine::raft::RaftLab;
use experiment::Experiment;
use panels::{render_logs, render_metrics, render_selected, render_settings};
use sequence::Sequence;
use stage::render_cluster;
use yew::prelude::*;

/// Height of the picture (viewBox units); its width follows the stage's shape (1–2× as wide).
const VIEW: f64 = 640.0;

/// A colour per term (not the only cue: entries also print their term).
fn term_colour(term: u64) -> String {
    const HUES: [u32; 8] = [210, 30, 130, 280, 0, 180, 60, 320];
    format!("hsl({}, 65%, 80%)", HUES[(term as usize) % HUES.len()])
}

/// The page.
#[component]
pub fn RaftPage(props: &LabProps) -> Html {
    let lab = use_lab::<RaftLab>(props.decoded.clone());
    let sc = use_stage_scale();
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let setup = player.scenario.raft_setup();
    let n = sim.nodes().len();
    html! {
        <main class="lab raft">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_cluster(sim, player.selected, dispatch, sc, player.moving()) }
                    <p class="legend">
                        { lost_key() }
                        <span>{ t("Shape and label give the role: ○ follower, ◌ candidate (dashed), ★ leader. The arc is the election timer.") }</span>
                        <span>{ t("Click a message to drop it, a link to cut or restore it.") }</span>
                    </p>
                </div>
                <div class="side">
                    { render_selected(sim, player.selected, dispatch) }
                    { render_metrics(sim) }
                    <NetworkPanel dispatch={dispatch.clone()} cfg={*sim.net_config()} faulty={sim.links().faulty().len()}
                        example_partition={if n >= 5 { "0.1|2.3.4".to_string() } else { "0|1.2".to_string() }} />
                </div>
            </div>
            { render_logs(sim) }
            <div class="lab-foot">
                <EventLog lines={lab.log_lines(sim.trace())} total={sim.steps()} playing={player.playing} />
                <div class="side">
                    <Sequence run={player.hist.clone()} steps={sim.steps()} moving={player.moving()} />
                    { fault_timeline(&player.scenario, dispatch) }
                </div>
            </div>
            <div class="lab-body">
                { render_settings(&player.scenario, &setup, dispatch) }
                <Experiment params={setup.params} />
            </div>
        </main>
    }
}
