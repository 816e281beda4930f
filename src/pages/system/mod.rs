//! The whole-system lab page: the clients and balancer on top, machines in zones below holding
//! the app replicas and the shards' Raft members (placement as the engine computes it), the
//! latest request's path hop by hop, the end-to-end numbers, charts, the settings, the event log
//! and the fault timeline.
//!
//! Everything shown comes from `engine::system`; a click on a machine crashes or restarts it
//! through the lab's own commands (`cmd:0:crash-m:2`), which the run expands into the crash of
//! every process on it.

mod panels;
mod stage;

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{fault_timeline_with, lab_head, lesson_caption, use_lab, LabProps};
use crate::geometry::f1;
use crate::i18n::t;
use crate::player::Action;
use engine::raft::Role;
use engine::system::front::Done;
use engine::system::{measure, MachineCmd, SystemLab, SystemMetrics};
use engine::SimTime;
use panels::{render_actions, render_metrics, Charts, Settings};
use stage::{render_path, render_ring, render_system};
use std::rc::Rc;
use yew::prelude::*;

/// The picture's text size in user units (the stylesheet's `.system-view` rules use it too).
/// The layout is drawn around it and then arranged to suit the stage's shape, so the picture
/// is shown at about one user unit per CSS px or larger and its text stays at least 12 px.
const F: f64 = 12.5;
const TOP: f64 = 3.6 * F;
const CHIP_W: f64 = 5.2 * F + 6.0;
const CHIP_H: f64 = 2.0 * F;
/// A machine's label row, and a zone's.
const ROW: f64 = 1.8 * F;

/// A box of the drawing (one function for every box: the page's code weight).
fn svg_rect(class: &'static str, x: f64, y: f64, w: f64, h: f64, rx: &'static str) -> Html {
    html! { <rect class={class} x={f1(x)} y={f1(y)} width={f1(w)} height={f1(h)} rx={rx} /> }
}

/// A label of the drawing.
fn svg_text(class: &'static str, x: f64, y: f64, text: String) -> Html {
    html! { <text class={class} x={f1(x)} y={f1(y)}>{ text }</text> }
}

fn cmd(c: MachineCmd) -> Action {
    Action::Inject(c.fault())
}

/// The page.
#[component]
pub fn SystemPage(props: &LabProps) -> Html {
    let lab = use_lab::<SystemLab>(props.decoded.clone());
    let sc = use_stage_scale();
    // Measurements sort every latency: recomputed at most every 250 ms of simulated time.
    let cache = use_mut_ref(|| {
        (
            usize::MAX,
            SimTime::ZERO,
            u64::MAX,
            None::<Rc<SystemMetrics>>,
        )
    });
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let hist = player.hist.borrow();
    let sim = hist.sim();
    let p = hist.p;
    let Some(front) = sim.nodes().first().and_then(|n| n.front()) else {
        return html! {};
    };
    let m = {
        let run = Rc::as_ptr(&player.hist) as *const () as usize;
        let mut c = cache.borrow_mut();
        let stale = c.0 != run
            || sim.now() < c.1
            || sim.now().since(c.1).as_us() >= 250_000
            || (!player.playing && c.2 != sim.steps());
        if stale || c.3.is_none() {
            *c = (run, sim.now(), sim.steps(), Some(Rc::new(measure(sim, &p))));
        }
        c.3.clone().unwrap_or_else(|| Rc::new(measure(sim, &p)))
    };
    let selected = player.selected.filter(|&i| i < p.machines).unwrap_or(0);
    let followed = front
        .recent
        .iter()
        .rev()
        .find(|d| !d.hops.is_empty())
        .cloned();
    let log = lab.log_lines(sim.trace());
    html! {
        <main class="lab cluster system">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { render_system(sim, &p, front, selected, followed.as_ref(), dispatch, sc.aspect) }
                    <p class="legend">
                        <span class="key">{ t("L leader · F follower · C candidate") }</span>
                        <span>{ t("Click a machine to crash or restart it (with every process on it). The highlighted path is the latest answered request.") }</span>
                    </p>
                </div>
                <div class="side">
                    { render_actions(sim, &p, selected, player.selected.is_some(), &player.scenario, dispatch) }
                    { render_metrics(&m) }
                </div>
            </div>
            { render_path(&p, followed.as_ref()) }
            { render_ring(&p, sim.now()) }
            <Charts buckets={Rc::new(front.series[..front.series.len().saturating_sub(1)].to_vec())} />
            <Settings scenario={player.scenario.clone()} dispatch={dispatch.clone()} encode={player.fns.encode} />
            <div class="lab-foot">
                <EventLog lines={log} total={sim.steps()} playing={player.playing} />
                { fault_timeline_with(&player.scenario, &hist.chaos, dispatch) }
            </div>
        </main>
    }
}

fn role_letter(r: Role) -> &'static str {
    match r {
        Role::Leader => "L",
        Role::Candidate | Role::PreCandidate => "C",
        Role::Follower => "F",
    }
}

/// The processes on the followed request's path.
fn on_path(d: Option<&Done>, q: usize) -> bool {
    d.is_some_and(|d| d.hops.iter().any(|h| h.node as usize == q))
}
