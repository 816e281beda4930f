//! The self-healing cluster lab page: machines in zones as boxes holding pods (phase by shape
//! and by text), the service sending requests to the pods in it, the actions that break things,
//! the measurements, charts of load / replicas / latency / error budget, the alert timeline,
//! the settings and the event log of the controllers' decisions with their reasons.
//!
//! Everything shown is computed by the engine (`engine::cluster`); the page draws it and sends
//! clicks back as the lab's commands (`cmd:0:fail:2`, …) on the fault timeline.

use crate::components::chart::{chart, per_bucket, Axis, Series};
use crate::components::event_log::{EventLog, LogLine};
use crate::components::hooks::{stage_style, use_stage_scale, StageScale};
use crate::components::lab::{
    action_button, fault_timeline, lab_head, lesson_caption, param_input, setting, use_lab,
    LabProps,
};
use crate::geometry::{f1, lerp, Pt};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::cluster::model::{Bucket, BUCKET};
use engine::cluster::params::zone_name;
use engine::cluster::{
    measure, AlertReport, ClusterCommand, ClusterLab, ClusterMetrics, ClusterNode, MachineStatus,
};
use engine::fmtnum::{fixed, trim};
use engine::sim::Sim;
use engine::{Fault, SimTime};
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

/// Whether the screen is a phone's (the picture stacks the zones).
fn narrow_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < 600.0)
}

/// Where each machine's box is: zones are columns (or rows on a phone), machines stack in
/// their zone.
struct Layout {
    w: f64,
    vertical: bool,
    zone_x: Vec<f64>,
    zone_y: Vec<f64>,
    zone_w: f64,
    zone_h: Vec<f64>,
    machine_w: f64,
    /// A pod's box and its text size (user units): two lines, the shape and name, then the
    /// phase word, inside the box at the stage's text size.
    pod: PodBox,
    per_row: usize,
    box_h: f64,
    height: f64,
}

impl Layout {
    /// `kw`: user units per CSS px across the stage's width (text is at least 12.5 CSS px).
    fn of(c: &ClusterNode, vertical: bool, kw: f64) -> Layout {
        let f = (12.5 * kw).max(12.0);
        // The widest phase word ("unready", "pending") is 4.1 em in the stage's sans-serif.
        let pod = PodBox {
            w: (7.0 + 4.15 * f).max(POD_W),
            h: (2.45 * f).max(POD_H),
            f,
        };
        let zones = c.p.zones.max(1);
        let w = if vertical { NARROW } else { WIDE };
        let zone_w = if vertical {
            w - 10.0
        } else {
            (w - 10.0) / zones as f64
        };
        let machine_w = zone_w - 10.0;
        let per_row = (((machine_w - 12.0) / (pod.w + 4.0)).floor() as usize).max(1);
        let most = (0..c.machines.len())
            .map(|m| c.pods_on(m))
            .max()
            .unwrap_or(0);
        let rows = (c.p.slots as usize).max(most).div_ceil(per_row).max(1);
        let box_h = 24.0 + rows as f64 * (pod.h + 4.0) + 2.0;
        let in_zone = |z: usize| c.machines.iter().filter(|m| m.zone == z).count();
        let per_zone = (0..zones).map(in_zone).max().unwrap_or(1).max(1);
        let mut zone_x = Vec::new();
        let mut zone_y = Vec::new();
        let mut zone_h = Vec::new();
        let mut y = TOP;
        for z in 0..zones {
            let n = if vertical {
                in_zone(z).max(1)
            } else {
                per_zone
            };
            let h = 22.0 + n as f64 * (box_h + 6.0) + 2.0;
            zone_x.push(if vertical {
                5.0
            } else {
                5.0 + z as f64 * zone_w
            });
            zone_y.push(if vertical { y } else { TOP });
            zone_h.push(h);
            if vertical {
                y += h + 6.0;
            } else {
                y = TOP + h;
            }
        }
        Layout {
            w,
            vertical,
            zone_x,
            zone_y,
            zone_w,
            zone_h,
            machine_w,
            pod,
            per_row,
            box_h,
            height: y + 4.0,
        }
    }
    fn machine_at(&self, c: &ClusterNode, m: usize) -> Pt {
        let z = c.machines[m].zone.min(self.zone_x.len() - 1);
        let row = (0..m).filter(|&k| c.machines[k].zone == z).count();
        Pt {
            x: self.zone_x[z] + 4.0,
            y: self.zone_y[z] + 22.0 + row as f64 * (self.box_h + 6.0),
        }
    }
    fn pod_at(&self, origin: Pt, k: usize) -> Pt {
        Pt {
            x: origin.x + 6.0 + (k % self.per_row) as f64 * (self.pod.w + 4.0),
            y: origin.y + 24.0 + (k / self.per_row) as f64 * (self.pod.h + 4.0),
        }
    }
}

/// Request dots of a dense cluster, in the drawing's coordinates (x, y, going to a pod that
/// cannot answer), and the drawing's viewBox size.
#[derive(Properties, Clone, PartialEq)]
struct Dots {
    dots: Rc<Vec<(f64, f64, bool)>>,
    view: (f64, f64),
    /// The stage's measured scale: when it changes (a resize) while paused, the dots are drawn
    /// again and their place measured after the paint.
    scale: StageScale,
}

/// Where the drawing is on the stage and the dots' colours, read after a paint (layout and
/// style are clean then, so reading them costs nothing; reading them right after a render would
/// force a layout inside the frame, as `use_stage_scale` explains).
#[derive(Clone, PartialEq)]
struct Place {
    /// The SVG's box relative to the stage's padding box, CSS px: left, top, width, height.
    rect: (f64, f64, f64, f64),
    dpr: f64,
    ok: String,
    lost: String,
}

/// The request dots of a dense cluster on a canvas laid over the drawing (the SVG right before
/// it in the stage): redrawing a small bitmap each frame instead of re-rastering the whole
/// picture. Colours from CSS (`.flow-canvas`: `color` and `--lost`), so themes apply. Each
/// render draws with the place measured last; the place is measured again after the paint that
/// follows, and a change (a resize, a caption above the drawing, a theme) redraws.
#[component]
fn FlowDots(props: &Dots) -> Html {
    let canvas = use_node_ref();
    let place = use_mut_ref(|| None::<Place>);
    let latest = use_mut_ref(|| props.clone());
    let pending = use_mut_ref(|| false);
    {
        let canvas = canvas.clone();
        use_effect_with(props.clone(), move |d| {
            *latest.borrow_mut() = d.clone();
            if place.borrow().is_none() {
                *place.borrow_mut() = measure_place(&canvas); // the first draw only
            }
            draw_dots(&canvas, place.borrow().as_ref(), d);
            if !*pending.borrow() {
                *pending.borrow_mut() = true;
                let after_paint = wasm_bindgen::closure::Closure::once_into_js(move || {
                    *pending.borrow_mut() = false;
                    let now = measure_place(&canvas);
                    if now.is_some() && now != *place.borrow() {
                        *place.borrow_mut() = now;
                        draw_dots(&canvas, place.borrow().as_ref(), &latest.borrow());
                    }
                });
                crate::web::after_paint(after_paint);
            }
        });
    }
    html! { <canvas class="flow-canvas" ref={canvas} aria-hidden="true" /> }
}

fn measure_place(canvas: &NodeRef) -> Option<Place> {
    let canvas = canvas.cast::<web_sys::HtmlCanvasElement>()?;
    let svg = canvas.previous_element_sibling()?;
    let parent = canvas.parent_element()?;
    let (r, p) = (
        svg.get_bounding_client_rect(),
        parent.get_bounding_client_rect(),
    );
    let window = web_sys::window()?;
    let css = window.get_computed_style(&canvas).ok()??;
    let colour = |k: &str| {
        css.get_property_value(k)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    Some(Place {
        rect: (
            r.left() - p.left() - parent.client_left() as f64,
            r.top() - p.top() - parent.client_top() as f64,
            r.width(),
            r.height(),
        ),
        dpr: window.device_pixel_ratio().max(1.0),
        ok: colour("color"),
        lost: colour("--lost"),
    })
}

fn draw_dots(canvas: &NodeRef, place: Option<&Place>, d: &Dots) -> Option<()> {
    use wasm_bindgen::JsCast;
    let canvas = canvas.cast::<web_sys::HtmlCanvasElement>()?;
    let style = canvas.style();
    let Some(pl) = place.filter(|_| !d.dots.is_empty()) else {
        let _ = style.set_property("display", "none");
        return Some(());
    };
    let (left, top, w, h) = pl.rect;
    let px = |v: f64| format!("{}px", v.round() as i64);
    let _ = style.set_property("display", "block");
    let _ = style.set_property("left", &px(left));
    let _ = style.set_property("top", &px(top));
    let _ = style.set_property("width", &px(w));
    let _ = style.set_property("height", &px(h));
    let dpr = pl.dpr;
    let (cw, ch) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != cw || canvas.height() != ch {
        canvas.set_width(cw);
        canvas.set_height(ch);
    }
    let ctx = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    ctx.clear_rect(0.0, 0.0, cw as f64, ch as f64);
    // The SVG's viewBox scaled to fit its box and centred (preserveAspectRatio xMidYMid meet).
    let (vw, vh) = d.view;
    let s = (w / vw).min(h / vh);
    let (ox, oy) = ((w - vw * s) / 2.0, (h - vh * s) / 2.0);
    for lost_now in [false, true] {
        ctx.set_fill_style_str(if lost_now { &pl.lost } else { &pl.ok });
        ctx.begin_path();
        for &(x, y, _) in d.dots.iter().filter(|dot| dot.2 == lost_now) {
            let (cx, cy) = ((ox + x * s) * dpr, (oy + y * s) * dpr);
            ctx.move_to(cx + 4.0 * s * dpr, cy);
            let _ = ctx.arc(cx, cy, 4.0 * s * dpr, 0.0, std::f64::consts::TAU);
        }
        ctx.fill();
    }
    Some(())
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
                e.step << 20 ^ e.notes.iter().map(|n| n.len() as u64).sum::<u64>()
            });
        let run = Rc::as_ptr(&player.hist) as *const () as usize;
        let mut cache = log_cache.borrow_mut();
        if cache.0 != run || cache.1 != newest {
            *cache = (run, newest, decision_lines(sim));
        }
        cache.2.clone()
    };
    let (svg, mut dots) = render_cluster(c, sim.now(), selected, dispatch, sc.kw, &svg_ref);
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
                .map(|n| AttrValue::from(n.trim_start_matches("0: ").to_string()))
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

/// What one pod looks like (compared between frames: a machine redraws only when one changes).
#[derive(Clone, Debug, PartialEq)]
struct PodView {
    bx: PodBox,
    id: u32,
    version: u32,
    machine: usize,
    phase: &'static str,
    hung: bool,
    bad: bool,
    status: &'static str,
    restarts: u32,
    at: Pt,
}

/// A pod's box and text size (user units).
#[derive(Clone, Copy, Debug, PartialEq)]
struct PodBox {
    w: f64,
    h: f64,
    f: f64,
}

impl PodBox {
    /// The centre of the pod's shape (left of its name), from the box's corner.
    fn shape_at(&self, at: Pt) -> Pt {
        Pt {
            x: at.x + 0.5 * self.f + 3.0,
            y: at.y + 0.55 * self.f + 2.0,
        }
    }
}

/// What one machine looks like.
#[derive(Clone, Debug, PartialEq)]
struct MachineView {
    id: usize,
    zone: usize,
    alive: bool,
    status: MachineStatus,
    selected: bool,
    at: Pt,
    w: f64,
    h: f64,
    slots: u32,
    pods: Vec<PodView>,
}

#[derive(Properties, Clone)]
struct MachineProps {
    view: MachineView,
    dispatch: Callback<Action>,
}

impl PartialEq for MachineProps {
    fn eq(&self, o: &Self) -> bool {
        self.view == o.view
    }
}

fn render_pod(p: &PodView) -> Html {
    let (phase, at, b) = (p.phase, p.at, p.bx);
    let Pt { x: cx, y: cy } = b.shape_at(at);
    let r = 0.42 * b.f;
    let shape = match phase {
        "ready" => html! { <circle class="shape" cx={f1(cx)} cy={f1(cy)} r={f1(r)} /> },
        "starting" => html! { <circle class="shape dashed" cx={f1(cx)} cy={f1(cy)} r={f1(r)} /> },
        "not-ready" => html! { <circle class="shape hollow" cx={f1(cx)} cy={f1(cy)} r={f1(r)} /> },
        "crash-loop" => {
            html! { <path class="shape" d={format!("M{} {}L{} {}L{} {}Z", f1(cx), f1(cy - 1.1 * r), f1(cx + 1.1 * r), f1(cy + 0.85 * r), f1(cx - 1.1 * r), f1(cy + 0.85 * r))} /> }
        }
        _ => {
            html! { <rect class="shape" x={f1(cx - 0.85 * r)} y={f1(cy - 0.85 * r)} width={f1(1.7 * r)} height={f1(1.7 * r)} /> }
        }
    };
    let word = tr(match phase {
        "ready" if p.hung => tk("hung"),
        "ready" => "ready",
        "starting" => tk("start"),
        "not-ready" => tk("unready"),
        "crash-loop" => tk("crash"),
        "terminating" => tk("term"),
        _ => "pending",
    });
    let status = p.status;
    let title = trf(
        "p{} v{} on m{}: {}{}{}, {} restarts",
        &[
            &p.id,
            &p.version,
            &p.machine,
            &tr(phase),
            &if p.hung {
                tr(", hung (answers nothing)")
            } else {
                ""
            },
            &if status != "up" {
                trf(", machine {}", &[&tr(status)])
            } else {
                String::new()
            },
            &p.restarts,
        ],
    );
    html! {
        <g class={classes!("pod", format!("ph-{phase}"), p.hung.then_some("hung"), p.bad.then_some("bad"))}
            data-node-id={format!("p{}", p.id)} data-status={status} data-phase={phase} data-hung={p.hung.to_string()}>
            <title>{ title }</title>
            <rect class="pod-box" x={f1(at.x)} y={f1(at.y)} width={f1(b.w)} height={f1(b.h)} rx="4" />
            { shape }
            <text class="pod-id" x={f1(at.x + b.f + 5.0)} y={f1(at.y + b.f + 1.0)}>{ format!("p{}", p.id) }</text>
            <text class="pod-ph" x={f1(at.x + 4.0)} y={f1(at.y + 2.1 * b.f + 1.5)}>{ word }</text>
        </g>
    }
}

/// A machine box with its pods (redrawn only when something in it changes).
#[component]
fn MachineBox(props: &MachineProps) -> Html {
    let v = &props.view;
    let mi = v.id;
    let status = v.status.as_str();
    let (onclick, onkeydown) = crate::components::lab::select_handlers(&props.dispatch, mi);
    let label = format!(
        "m{mi} · {}{}",
        tr(match v.status {
            MachineStatus::Up => tk("Ready"),
            MachineStatus::Suspect => tk("NotReady"),
            MachineStatus::Down => tk("evicted"),
        }),
        if v.alive { "" } else { tr(" · ✕ failed") }
    );
    let o = v.at;
    html! {
        <g class={classes!("machine", format!("st-{status}"), (!v.alive).then_some("dead"), v.selected.then_some("selected"))}
            data-node-id={format!("m{mi}")} data-status={status} data-alive={v.alive.to_string()} role="button" tabindex="0" {onclick} {onkeydown}>
            <title>{ trf("machine m{} in zone {}: {}{}, {} of {} slots used", &[&mi, &zone_name(v.zone), &tr(status), &if v.alive { "" } else { tr(", failed") }, &v.pods.len(), &v.slots]) }</title>
            <rect class="m-box" x={f1(o.x)} y={f1(o.y)} width={f1(v.w)} height={f1(v.h)} rx="5" />
            <text class="m-label" x={f1(o.x + 6.0)} y={f1(o.y + 16.0)}>{ label }</text>
            { for v.pods.iter().map(render_pod) }
        </g>
    }
}

/// The cluster drawing, and in a dense cluster the request dots to draw over it on a canvas
/// (`FlowDots`) with the drawing's viewBox size: moving dots inside the big SVG made the browser
/// re-raster the whole picture every frame (docs/perf.md, session 8).
fn render_cluster(
    c: &ClusterNode,
    now: SimTime,
    selected: usize,
    dispatch: &Callback<Action>,
    kw: f64,
    svg_ref: &NodeRef,
) -> (Html, Dots) {
    let lay = Layout::of(c, narrow_screen(), kw);
    let service = Pt {
        x: lay.w / 2.0,
        y: 24.0,
    };
    let mut pod_pts: Vec<(usize, Pt)> = Vec::new();
    let zones = (0..c.p.zones.max(1)).map(|z| {
        let (x, y) = (lay.zone_x[z], lay.zone_y[z]);
        html! {
            <g class="zone">
                <rect class="zone-box" x={f1(x)} y={f1(y)} width={f1(lay.zone_w - 2.0)} height={f1(lay.zone_h[z])} rx="6" />
                <text class="zone-label" x={f1(x + 8.0)} y={f1(y + 16.0)}>{ trf("zone {}", &[&zone_name(z)]) }</text>
            </g>
        }
    });
    let machines = (0..c.machines.len())
        .map(|mi| {
            let mach = &c.machines[mi];
            let o = lay.machine_at(c, mi);
            let pods: Vec<PodView> = c
                .pods
                .iter()
                .enumerate()
                .filter(|(_, p)| p.machine == Some(mi))
                .enumerate()
                .map(|(k, (i, p))| {
                    let at = lay.pod_at(o, k);
                    pod_pts.push((i, at));
                    PodView {
                        bx: lay.pod,
                        id: p.id,
                        version: p.version,
                        machine: mi,
                        phase: p.phase_name(),
                        hung: p.hung,
                        bad: c.bad_versions.contains(&p.version),
                        status: mach.status.as_str(),
                        restarts: p.restarts,
                        at,
                    }
                })
                .collect();
            let view = MachineView {
                id: mi,
                zone: mach.zone,
                alive: mach.alive,
                status: mach.status,
                selected: selected == mi,
                at: o,
                w: lay.machine_w,
                h: lay.box_h,
                slots: c.p.slots,
                pods,
            };
            html! { <MachineBox key={mi} {view} dispatch={dispatch.clone()} /> }
        })
        .collect::<Html>();
    // Requests: a dot per pod in the service, moving from the service to it.
    let phase = (now.0 % 600_000) as f64 / 600_000.0;
    let dense = pod_pts.len() > 24;
    // In a dense cluster a sample of about 40 pods gets a dot (and every pod that cannot answer).
    let every = (pod_pts.len() / 40).max(1);
    let mut canvas_dots = Vec::new();
    let lost_pod =
        |p: &engine::cluster::Pod| p.hung || p.machine.is_some_and(|m| !c.machines[m].alive);
    let flows = pod_pts.iter().enumerate().filter(|(k, (i, _))| (k % every == 0 || lost_pod(&c.pods[*i])) && c.in_service(&c.pods[*i])).map(|(_, (i, at))| {
        let p = &c.pods[*i];
        let to = lay.pod.shape_at(*at);
        let lost = lost_pod(p);
        let f = (phase + p.slot as f64 * 0.137).fract();
        let dot = lerp(service, to, f);
        if dense {
            canvas_dots.push((dot.x, dot.y, lost));
            // The flow stays in the drawing as a hook (`.flow.lost`); its dot is on the canvas.
            return html! { <g class={classes!("flow", lost.then_some("lost"))} /> };
        }
        html! {
            <g class={classes!("flow", lost.then_some("lost"))}>
                <line class="flow-line" x1={f1(service.x)} y1={f1(service.y + 14.0)} x2={f1(to.x)} y2={f1(to.y)} />
                <circle class="req" cx={f1(dot.x)} cy={f1(dot.y)} r="4" />
            </g>
        }
    }).collect::<Html>();
    let pending = c.pods.iter().filter(|p| p.machine.is_none()).count();
    let ready = c.ready_count();
    let deselect = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::Select(None)))
    };
    let view = (lay.w, lay.height);
    let svg = html! {
        <svg ref={svg_ref.clone()} class={classes!("cluster-view", lay.vertical.then_some("narrow"))} viewBox={format!("0 0 {} {}", trim(lay.w, 1), f1(lay.height))} data-testid="cluster" role="group"
            aria-label={tr("Machines in zones holding pods, and the service")} onclick={deselect}>
            { for zones }
            <g class="service" data-testid="service">
                <rect x={f1(service.x - 170.0)} y={f1(service.y - 17.0)} width="340" height="30" rx="8" />
                <text x={f1(service.x)} y={f1(service.y + 4.0)} text-anchor="middle">
                    { trf("service: {} of {} pods ready · {} req/s", &[&ready, &c.desired, &(c.p.load_milli_rps(now.0) / 1000)]) }
                </text>
            </g>
            if pending > 0 {
                <text class="pending" x={f1(lay.w - 8.0)} y={f1(TOP - 4.0)} text-anchor="end" data-testid="pending">{ trf("{} pending (no machine)", &[&pending]) }</text>
            }
            { machines }
            { flows }
        </svg>
    };
    (
        svg,
        Dots {
            dots: Rc::new(canvas_dots),
            view,
            scale: StageScale::default(),
        },
    )
}

/// The actions on machine `m`; a sheet next to it on a phone while it is `picked` (tapped).
fn render_actions(c: &ClusterNode, m: usize, picked: bool, dispatch: &Callback<Action>) -> Html {
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

fn render_metrics(m: &ClusterMetrics) -> Html {
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
fn completed(c: &ClusterNode) -> Rc<Vec<Bucket>> {
    Rc::new(c.series[..c.series.len().saturating_sub(1)].to_vec())
}

/// The charts' and the alert timeline's time span, ms: the completed buckets, at least 60 s.
fn span_ms(c: &ClusterNode) -> f64 {
    ((c.series.len().saturating_sub(1) as u64 * BUCKET.0) as f64 / 1000.0).max(60_000.0)
}

#[derive(Properties, PartialEq)]
struct ChartsProps {
    buckets: Rc<Vec<Bucket>>,
}

#[component]
fn Charts(props: &ChartsProps) -> Html {
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
struct AlertsProps {
    alerts: Vec<AlertReport>,
    span_ms: f64,
}

#[component]
fn Alerts(props: &AlertsProps) -> Html {
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
fn Settings(props: &crate::components::lab::SettingsProps) -> Html {
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
fn avail_link(availability_pct: Option<f64>) -> String {
    match availability_pct {
        Some(a) if a > 0.0 && a < 100.0 => format!(
            "./?av={}#avail-home-h",
            fixed((a * 10_000.0).floor() / 10_000.0, 4)
        ),
        _ => "./#avail-home-h".to_string(),
    }
}
