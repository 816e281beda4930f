//! The cluster stage: machines, their pods and the request flow.

use super::dots::Dots;
use super::{NARROW, POD_H, POD_W, TOP, WIDE};
use crate::components::hooks::StageScale;
use crate::geometry::{f1, lerp, text_width, Pt, BOLD};
use crate::i18n::{tk, tr, trf};
use crate::player::Action;
use crate::web::narrow_screen;
use engine::cluster::params::zone_name;
use engine::cluster::{ClusterNode, MachineStatus};
use engine::fmtnum::trim;
use engine::SimTime;
use std::rc::Rc;
use yew::prelude::*;

/// Where each machine's box is: zones are columns (or rows on a phone), machines stack in
/// their zone, in one or more columns.
struct Layout {
    w: f64,
    vertical: bool,
    zone_x: Vec<f64>,
    zone_y: Vec<f64>,
    zone_w: f64,
    zone_h: Vec<f64>,
    /// A zone's label line, and a machine's (its label's baseline is [`Layout::label_y`] down).
    zone_head: f64,
    head: f64,
    label_y: f64,
    /// Columns of machines in a zone.
    mcols: usize,
    machine_w: f64,
    /// A pod's box, its text size (user units) and what it shows ([`PodForm`]).
    pod: PodBox,
    per_row: usize,
    box_h: f64,
    height: f64,
}

/// What the arrangement depends on in the cluster, counted once for all the arrangements tried.
struct Counts {
    /// Pods a machine needs room for: its slots, or more when over-full.
    most: usize,
    /// Machines in each zone.
    in_zone: Vec<usize>,
}

impl Counts {
    fn of(c: &ClusterNode) -> Counts {
        let mut on = vec![0; c.machines.len()];
        for m in c.pods.iter().filter_map(|p| p.machine) {
            if let Some(k) = on.get_mut(m) {
                *k += 1;
            }
        }
        let mut in_zone = vec![0; c.p.zones.max(1)];
        for m in &c.machines {
            if let Some(k) = in_zone.get_mut(m.zone) {
                *k += 1;
            }
        }
        Counts {
            most: on.into_iter().max().unwrap_or(0).max(c.p.slots as usize),
            in_zone,
        }
    }

    /// Machines in the fullest zone.
    fn per_zone(&self) -> usize {
        self.in_zone.iter().copied().max().unwrap_or(1).max(1)
    }
}

/// Widths the picture may take on a wide stage, as multiples of [`WIDE`]: a wider picture at the
/// same text size has room for machines side by side.
const WIDER: [f64; 5] = [1.0, 1.25, 1.5, 2.0, 2.5];

impl Layout {
    /// The arrangement for a stage of scale `sc`. On a phone the picture's height follows its
    /// width: zones stacked, one column of machines, pods in full. On a wide stage, the first
    /// arrangement whose height fits the picture's box, so the text (at least 12.5 CSS px) fits
    /// the boxes sized for it: pods in full, then without their phase word (the shape shows
    /// the phase, the legend and the tooltip name it), then as shapes alone; within each, the
    /// narrowest picture ([`WIDER`]), then one to four columns of machines per zone (while a
    /// machine's label fits its box); if none fits, the one that overflows least. (A 20-machine
    /// cluster one column a zone was twice as tall as a 1280×720 projector's stage: the picture
    /// shrank, its text did not, and the pods' labels ran into each other.)
    fn of(c: &ClusterNode, vertical: bool, sc: StageScale) -> Layout {
        let n = Counts::of(c);
        if vertical || sc.width < 1.0 {
            return Layout::arranged(
                &n,
                vertical,
                if vertical { NARROW } else { WIDE },
                sc.text_kw(),
                1,
                PodForm::Full,
            );
        }
        let per_zone = n.per_zone();
        let longest = format!("m{} · {}", c.machines.len(), tr(tk("NotReady")));
        let mut best: Option<(f64, Layout)> = None;
        for form in [PodForm::Full, PodForm::Name, PodForm::Shape] {
            for x in WIDER {
                let w = WIDE * x;
                let kw = w / sc.width * sc.text_scale();
                for mcols in 1..=per_zone.min(4) {
                    let l = Layout::arranged(&n, false, w, kw, mcols, form);
                    if mcols > 1 && BOLD * text_width(&longest, l.pod.f) + 12.0 > l.machine_w {
                        break;
                    }
                    // How far the picture is height-limited: 1 when it fits.
                    let over = l.height * sc.aspect / w;
                    if over <= 1.0 {
                        return l;
                    }
                    if best.as_ref().is_none_or(|(b, _)| over < *b) {
                        best = Some((over, l));
                    }
                }
            }
        }
        best.map_or_else(
            || Layout::arranged(&n, false, WIDE, sc.text_kw(), 1, PodForm::Full),
            |(_, l)| l,
        )
    }

    fn arranged(
        n: &Counts,
        vertical: bool,
        w: f64,
        kw: f64,
        mcols: usize,
        form: PodForm,
    ) -> Layout {
        let f = (12.5 * kw).max(12.0);
        let (pw, ph) = match form {
            // The widest phase word ("unready", "pending") is 4.1 em in the stage's sans-serif.
            PodForm::Full => ((7.0 + 4.15 * f).max(POD_W), (2.45 * f).max(POD_H)),
            // The shape, then the name ("p100": 2.6 em bold).
            PodForm::Name => (12.0 + 3.7 * f, 1.4 * f + 4.0),
            PodForm::Shape => (f + 6.0, 1.1 * f + 4.0),
        };
        let pod = PodBox {
            w: pw,
            h: ph,
            f,
            form,
        };
        let (zone_head, head, label_y) = (
            (1.45 * f).max(22.0),
            (1.6 * f).max(24.0),
            (1.15 * f).max(16.0),
        );
        let zones = n.in_zone.len();
        let zone_w = if vertical {
            w - 10.0
        } else {
            (w - 10.0) / zones as f64
        };
        let machine_w = (zone_w - 10.0 - 6.0 * (mcols - 1) as f64) / mcols as f64;
        let per_row = (((machine_w - 12.0) / (pod.w + 4.0)).floor() as usize).max(1);
        let rows = n.most.div_ceil(per_row).max(1);
        let box_h = head + rows as f64 * (pod.h + 4.0) + 2.0;
        let per_zone = n.per_zone();
        let mut zone_x = Vec::new();
        let mut zone_y = Vec::new();
        let mut zone_h = Vec::new();
        let mut y = TOP;
        for z in 0..zones {
            let machines = if vertical {
                n.in_zone[z].max(1)
            } else {
                per_zone
            };
            let h = zone_head + machines.div_ceil(mcols) as f64 * (box_h + 6.0) + 2.0;
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
            zone_head,
            head,
            label_y,
            mcols,
            machine_w,
            pod,
            per_row,
            box_h,
            height: y + 4.0,
        }
    }
    fn machine_at(&self, c: &ClusterNode, m: usize) -> Pt {
        let z = c.machines[m].zone.min(self.zone_x.len() - 1);
        let i = (0..m).filter(|&k| c.machines[k].zone == z).count();
        let (col, row) = (i % self.mcols, i / self.mcols);
        Pt {
            x: self.zone_x[z] + 4.0 + col as f64 * (self.machine_w + 6.0),
            y: self.zone_y[z] + self.zone_head + row as f64 * (self.box_h + 6.0),
        }
    }
    fn pod_at(&self, origin: Pt, k: usize) -> Pt {
        Pt {
            x: origin.x + 6.0 + (k % self.per_row) as f64 * (self.pod.w + 4.0),
            y: origin.y + self.head + (k / self.per_row) as f64 * (self.pod.h + 4.0),
        }
    }
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
    form: PodForm,
}

/// What a pod's box shows (a denser stage shows less; the tooltip has it all).
#[derive(Clone, Copy, Debug, PartialEq)]
enum PodForm {
    /// Its shape and name, and its phase word under them.
    Full,
    /// Its shape and name.
    Name,
    /// Its shape.
    Shape,
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
    /// The label's baseline below the box's top.
    label_y: f64,
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
            if b.form != PodForm::Shape {
                <text class="pod-id" x={f1(at.x + b.f + 5.0)} y={f1(at.y + b.f + 1.0)}>{ format!("p{}", p.id) }</text>
            }
            if b.form == PodForm::Full {
                <text class="pod-ph" x={f1(at.x + 4.0)} y={f1(at.y + 2.1 * b.f + 1.5)}>{ word }</text>
            }
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
            <text class="m-label" x={f1(o.x + 6.0)} y={f1(o.y + v.label_y)}>{ label }</text>
            { for v.pods.iter().map(render_pod) }
        </g>
    }
}

/// The cluster drawing, and in a dense cluster the request dots to draw over it on a canvas
/// (`FlowDots`) with the drawing's viewBox size: moving dots inside the big SVG made the browser
/// re-raster the whole picture every frame (docs/perf.md, session 8).
pub(super) fn render_cluster(
    c: &ClusterNode,
    now: SimTime,
    selected: usize,
    dispatch: &Callback<Action>,
    sc: StageScale,
    svg_ref: &NodeRef,
) -> (Html, Dots) {
    let lay = Layout::of(c, narrow_screen(), sc);
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
                <text class="zone-label" x={f1(x + 8.0)} y={f1(y + lay.label_y)}>{ trf("zone {}", &[&zone_name(z)]) }</text>
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
                label_y: lay.label_y,
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
    // The service's box is as wide as its text (drawn at least 14 user units, else at the
    // stage's text size); where the picture is too narrow for it, the short form.
    let f = (12.5 * sc.text_k()).max(14.0);
    let rps = c.p.load_milli_rps(now.0) / 1000;
    let long = trf(
        "service: {} of {} pods ready · {} req/s",
        &[&ready, &c.desired, &rps],
    );
    let label = if text_width(&long, f) + 1.6 * f <= lay.w - 10.0 {
        long
    } else {
        trf(
            "service {}/{} ready · {} req/s",
            &[&ready, &c.desired, &rps],
        )
    };
    // max/min, not `f64::clamp`: its panic message formats floats, 9 KB more in this bundle.
    let half = (text_width(&label, f) / 2.0 + 0.8 * f)
        .max(170.0)
        .min(lay.w / 2.0 - 5.0);
    let svg = html! {
        <svg ref={svg_ref.clone()} class={classes!("cluster-view", lay.vertical.then_some("narrow"))} viewBox={format!("0 0 {} {}", trim(lay.w, 1), f1(lay.height))} data-testid="cluster" role="group"
            aria-label={tr("Machines in zones holding pods, and the service")} onclick={deselect}>
            { for zones }
            <g class="service" data-testid="service">
                <rect x={f1(service.x - half)} y={f1(service.y - 17.0)} width={f1(2.0 * half)} height="30" rx="8" />
                <text x={f1(service.x)} y={f1(service.y + 4.0)} text-anchor="middle">{ label }</text>
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
