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

/// The picture's narrowest width (a phone's, and the stage's at its squarest) and widest.
const W: f64 = 720.0;
const MAX_W: f64 = 1040.0;
const H: f64 = 520.0;
const CLIENTS_AT: Pt = Pt { x: 70.0, y: 260.0 };
const LB_AT: Pt = Pt { x: 280.0, y: 260.0 };
/// Seconds of history the charts show.
const CHART_SPAN_MS: f64 = 20_000.0;
const BUCKET_MS: u64 = lb::SERIES_BUCKET_MS;

/// Where the stage's parts are: the clients and the balancer on the left, the `n` backends
/// stacked at the right of a picture `w` wide. A wide, short stage (a projector, 150 % zoom)
/// gets a wider picture, up to [`MAX_W`], at the same scale (its height decides the scale): the
/// room goes to the links and the backends' boxes instead of empty margins. On a phone the
/// picture's height follows its width, so a wider one would only be smaller: it stays [`W`].
#[derive(Clone, Copy, Debug, PartialEq)]
struct Places {
    w: f64,
    n: usize,
}

impl Places {
    fn new(n: usize, aspect: f64) -> Places {
        let w = if crate::web::narrow_screen() {
            W
        } else {
            // In steps of 40 units, so a small change of the stage does not move everything.
            ((H * aspect / 40.0).floor() * 40.0).clamp(W, MAX_W)
        };
        Places { w, n }
    }

    /// Where backend `b`'s messages go: 100 units left of its box's right edge (see
    /// [`Places::box_right`]).
    fn backend_at(&self, b: usize) -> Pt {
        let step = (H - 60.0) / self.n.max(1) as f64;
        Pt {
            x: self.box_right() - 100.0,
            y: 30.0 + step * (b as f64 + 0.5),
        }
    }

    /// The right edge of the backends' boxes (they grow left from it), a margin from the picture's.
    fn box_right(&self) -> f64 {
        self.w - 12.0
    }

    fn node_at(&self, id: NodeId) -> Pt {
        match id {
            lb::CLIENTS => CLIENTS_AT,
            lb::LB => LB_AT,
            b => self.backend_at(b - FIRST_BACKEND),
        }
    }
}

/// A backend's name in the page: b1…bn (its node id, used by links such as `crash:N`, is one
/// more: the clients are node 0 and the balancer node 1).
fn backend_name(id: NodeId) -> String {
    format!("b{}", id + 1 - FIRST_BACKEND)
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
                    { render_view(sim, &m, Places::new(n, sc.aspect), player.selected, dispatch, sc, player.moving()) }
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
