//! The whole-system lab page: the clients and balancer on top, machines in zones below holding
//! the app replicas and the shards' Raft members (placement as the engine computes it), the
//! latest request's path hop by hop, the end-to-end numbers, charts, the settings, the event log
//! and the fault timeline.
//!
//! Everything shown comes from `engine::system`; a click on a machine crashes or restarts it
//! through the lab's own commands (`cmd:0:crash-m:2`), which the run expands into the crash of
//! every process on it.

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    action_button, fault_timeline_with, lab_head, lesson_caption, param_input, setting, use_lab,
    LabProps,
};
use crate::geometry::{f1, Pt};
use crate::i18n::{t, tk, tr, tr_msg, trf};
use crate::player::Action;
use engine::fault::{fmt_timeline, TimedFault};
use engine::fmtnum::{fixed, trim};
use engine::health::Health;
use engine::raft::Role;
use engine::sim::Sim;
use engine::system::front::{Bucket, Done, Front, BUCKET};
use engine::system::params::{zone_name, Role as Proc, MAX_SHARDS};
use engine::system::{app, measure, MachineCmd, SysNode, SystemLab, SystemMetrics, SystemParams};
use engine::{Fault, SimTime};
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

/// Where zones, machines and process chips are: zones side by side or stacked, machines of a
/// zone in `mcols` columns, chips of a machine in `cpr` columns — whichever arrangement the
/// stage (of width / height `aspect`) shows largest.
struct Layout {
    w: f64,
    vertical: bool,
    zone_w: f64,
    machine_w: f64,
    mcols: usize,
    per_row: usize,
    box_h: f64,
    zone_at: Vec<Pt>,
    zone_h: Vec<f64>,
    height: f64,
}

impl Layout {
    fn of(p: &SystemParams, aspect: f64) -> Layout {
        let most = (0..p.machines)
            .map(|m| p.on_machine(m).len())
            .max()
            .unwrap_or(1)
            .max(1);
        let per_zone = (0..p.zones.max(1))
            .map(|z| p.zone_machines(z).len())
            .max()
            .unwrap_or(1)
            .max(1);
        let mut best: Option<(f64, Layout)> = None;
        for vertical in [false, true] {
            for cpr in 1..=most.min(3) {
                for mcols in 1..=per_zone.min(4) {
                    let l = Layout::arranged(p, vertical, cpr, mcols, most);
                    let score = (l.w / aspect.max(0.1)).max(l.height);
                    if best.as_ref().is_none_or(|(b, _)| score < *b - 0.5) {
                        best = Some((score, l));
                    }
                }
            }
        }
        best.map(|(_, l)| l)
            .unwrap_or_else(|| Layout::arranged(p, false, 1, 1, most))
    }
    fn arranged(p: &SystemParams, vertical: bool, cpr: usize, mcols: usize, most: usize) -> Layout {
        let zones = p.zones.max(1);
        let machine_w = (8.0 + cpr as f64 * (CHIP_W + 4.0)).max(7.6 * F);
        let box_h = ROW + most.div_ceil(cpr) as f64 * (CHIP_H + 4.0) + 4.0;
        let zone_w = 8.0 + mcols as f64 * (machine_w + 6.0);
        let zone_h = |z: usize| {
            let n = if vertical {
                p.zone_machines(z).len().max(1)
            } else {
                (0..zones)
                    .map(|z| p.zone_machines(z).len())
                    .max()
                    .unwrap_or(1)
                    .max(1)
            };
            ROW + n.div_ceil(mcols) as f64 * (box_h + 6.0) + 2.0
        };
        let mut zone_at = Vec::new();
        let mut heights = Vec::new();
        let mut y = TOP;
        for z in 0..zones {
            let h = zone_h(z);
            zone_at.push(Pt {
                x: if vertical {
                    5.0
                } else {
                    5.0 + z as f64 * zone_w
                },
                y: if vertical { y } else { TOP },
            });
            heights.push(h);
            y = if vertical { y + h + 6.0 } else { TOP + h };
        }
        let w = 10.0
            + if vertical {
                zone_w
            } else {
                zones as f64 * zone_w
            };
        Layout {
            // Room for the balancer's short label at least.
            w: w.max(24.0 * F),
            vertical,
            zone_w,
            machine_w,
            mcols,
            per_row: cpr,
            box_h,
            zone_at,
            zone_h: heights,
            height: y + 4.0,
        }
    }
    fn machine_at(&self, p: &SystemParams, m: usize) -> Pt {
        let z = p.zone_of(m).min(self.zone_at.len() - 1);
        let k = p.zone_machines(z).iter().position(|&x| x == m).unwrap_or(0);
        Pt {
            x: self.zone_at[z].x + 4.0 + (k % self.mcols) as f64 * (self.machine_w + 6.0),
            y: self.zone_at[z].y + ROW + (k / self.mcols) as f64 * (self.box_h + 6.0),
        }
    }
    fn chip_at(&self, origin: Pt, k: usize) -> Pt {
        Pt {
            x: origin.x + 6.0 + (k % self.per_row) as f64 * (CHIP_W + 4.0),
            y: origin.y + ROW + (k / self.per_row) as f64 * (CHIP_H + 4.0),
        }
    }
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

#[inline(never)]
fn render_system(
    sim: &Sim<SysNode>,
    p: &SystemParams,
    front: &Front,
    selected: usize,
    followed: Option<&Done>,
    dispatch: &Callback<Action>,
    aspect: f64,
) -> Html {
    let lay = Layout::of(p, aspect);
    let lb = Pt {
        x: lay.w / 2.0,
        y: 6.0 + 1.2 * F,
    };
    let mut chips_at: Vec<(usize, Pt)> = Vec::new();
    let zones = (0..p.zones.max(1)).map(|z| {
        let o = lay.zone_at[z];
        html! {
            <g class="zone">
                { svg_rect("zone-box", o.x, o.y, lay.zone_w - 2.0, lay.zone_h[z], "6") }
                { svg_text("zone-label", o.x + 8.0, o.y + 1.3 * F, trf("zone {}", &[&zone_name(z)])) }
            </g>
        }
    });
    let machines = (0..p.machines).map(|mi| {
        let o = lay.machine_at(p, mi);
        let procs = p.on_machine(mi);
        let up = procs.iter().filter(|&&q| sim.is_up(q)).count();
        let status = if procs.is_empty() || up == procs.len() { "up" } else if up == 0 { "down" } else { "suspect" };
        let alive = status != "down";
        // A slow machine (`slow-m:M`): its app replicas work one request at a time.
        let slow = procs.iter().any(|&q| sim.nodes().get(q).and_then(|n| n.app()).is_some_and(|a| a.slow));
        let action = if alive { cmd(MachineCmd::Crash(mi)) } else { cmd(MachineCmd::Restart(mi)) };
        let onclick = {
            let (d, action) = (dispatch.clone(), action.clone());
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                d.emit(Action::Select(Some(mi)));
                d.emit(action.clone());
            })
        };
        // Enter does what a click does (a machine is a button).
        let onkeydown = {
            let d = dispatch.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" {
                    d.emit(Action::Select(Some(mi)));
                    d.emit(action.clone());
                }
            })
        };
        let chips = procs.iter().enumerate().map(|(k, &q)| {
            let at = lay.chip_at(o, k);
            chips_at.push((q, at));
            let is_up = sim.is_up(q);
            let st = if is_up { "up" } else { "down" };
            let path = on_path(followed, q);
            // (class, id, title, label, the balancer's view of an app, a member's role and term)
            let (class, id, title, label, lb, rt) = match p.role(q) {
                Proc::App(i) => {
                    let view = front.views.get(i).map_or(Health::Up, |v| v.status);
                    (
                        "app".to_string(),
                        format!("app{i}"),
                        trf("app replica {} on m{}: {}; the balancer believes it {}", &[&i, &mi, &tr(st), &tr(view.as_str())]),
                        format!("app{i}{}", if view == Health::Up { "" } else { " ⊘" }),
                        Some(view.as_str()),
                        None,
                    )
                }
                Proc::Member(s, j) => {
                    let mem = sim.nodes().get(q).and_then(|n| n.member());
                    let (role, term) = mem.map_or((Role::Follower, 0), |m| (m.raft.role, m.raft.current_term));
                    (
                        format!("member r-{}", role.as_str()),
                        format!("s{s}.{j}"),
                        trf("shard {}, Raft member {} on m{}: {}, {} in term {}", &[&s, &j, &mi, &tr(st), &tr(role.as_str()), &term]),
                        format!("s{s}.{j} {} t{term}", role_letter(role)),
                        None,
                        Some((role.as_str(), term.to_string())),
                    )
                }
                Proc::Front => return html! {},
            };
            html! {
                <g class={format!("chip {class} st-{st}{}", if path { " on-path" } else { "" })}
                    data-node-id={id} data-status={st} data-lb={lb} data-role={rt.as_ref().map(|r| r.0)} data-term={rt.map(|r| r.1)}>
                    <title>{ title }</title>
                    { svg_rect("chip-box", at.x, at.y, CHIP_W, CHIP_H, "4") }
                    { svg_text("chip-t", at.x + 5.0, at.y + 1.36 * F, label) }
                </g>
            }
        }).collect::<Html>();
        html! {
            <g class={format!("machine st-{status}{}{}", if alive { "" } else { " dead" }, if selected == mi { " selected" } else { "" })}
                data-node-id={format!("m{mi}")} data-status={status} data-slow={slow.to_string()} role="button" tabindex="0" {onclick} {onkeydown}>
                <title>{ trf(if alive { tk("machine m{} in zone {}: {}. Click to crash it.") } else { tk("machine m{} in zone {}: {}. Click to restart it.") }, &[&mi, &zone_name(p.zone_of(mi)), &tr(status)]) }</title>
                { svg_rect("m-box", o.x, o.y, lay.machine_w, lay.box_h, "5") }
                { svg_text("m-label", o.x + 6.0, o.y + 1.3 * F, format!("m{mi}{}", if !alive { tr(" ✕ down") } else if slow { tr(" · slow") } else { "" })) }
                { chips }
            </g>
        }
    }).collect::<Html>();
    // The followed request's path: balancer → app → each member tried.
    let centre = |q: usize| {
        chips_at.iter().find(|(x, _)| *x == q).map(|(_, a)| Pt {
            x: a.x + CHIP_W / 2.0,
            y: a.y + CHIP_H / 2.0,
        })
    };
    let path = followed.map(|d| {
        let mut pts = vec![Pt { x: lb.x, y: lb.y + 1.2 * F }];
        pts.extend(d.hops.iter().filter_map(|h| centre(h.node as usize)));
        let segs = pts.windows(2).map(|w| {
            html! { <line class="path-line" x1={f1(w[0].x)} y1={f1(w[0].y)} x2={f1(w[1].x)} y2={f1(w[1].y)} /> }
        });
        html! { <g class="path" data-testid="path">{ for segs }</g> }
    });
    let up_apps = front.views.iter().filter(|v| v.eligible()).count();
    // The long label if it fits the picture's width (about 0.55 em a character), else the short.
    // Its width: about 0.55 em a Latin character, 1 em a Chinese one.
    let width = |s: &str| {
        s.chars()
            .map(|c| if c > '\u{2e80}' { 1.0 } else { 0.55 })
            .sum::<f64>()
            * F
            + 24.0
    };
    let long = trf(
        "clients → balancer ({}) · {} of {} apps in rotation · {} req/s",
        &[&p.strategy.as_str(), &up_apps, &p.apps, &p.rps],
    );
    let label = if width(&long) <= lay.w - 10.0 {
        long
    } else {
        trf(
            "balancer ({}) · {}/{} apps · {} req/s",
            &[&p.strategy.as_str(), &up_apps, &p.apps, &p.rps],
        )
    };
    let half = (width(&label) / 2.0).min(lay.w / 2.0 - 5.0);
    html! {
        <svg class={if lay.vertical { "cluster-view system-view narrow" } else { "cluster-view system-view" }}
            viewBox={format!("0 0 {} {}", f1(lay.w), f1(lay.height))} data-testid="system" role="group"
            // Never drawn smaller than 0.96 CSS px per user unit, so the text stays at least 12
            // px where a lesson caption leaves the picture little height: the stage grows.
            style={format!("min-height:{}px", f1(lay.height * 0.96))}
            aria-label={tr("The balancer, and machines in zones holding app replicas and shard members")}>
            { for zones }
            <g class="service lb" data-node-id="lb" data-status={if sim.is_up(0) { "up" } else { "down" }} data-testid="balancer">
                { svg_rect("lb-box", lb.x - half, lb.y - 1.2 * F, 2.0 * half, 2.4 * F, "8") }
                <text x={f1(lb.x)} y={f1(lb.y + 0.36 * F)} text-anchor="middle">{ label }</text>
            </g>
            { machines }
            { path }
        </svg>
    }
}

#[inline(never)]
fn render_actions(
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

fn list(v: &[Option<f64>]) -> String {
    if v.is_empty() {
        return "–".into();
    }
    v.iter()
        .map(|x| x.map_or("not yet".into(), |x| format!("{} ms", fixed(x, 0))))
        .collect::<Vec<_>>()
        .join(", ")
}

#[inline(never)]
fn render_metrics(m: &SystemMetrics) -> Html {
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

/// The followed request, hop by hop, with where its time went.
#[inline(never)]
fn render_path(p: &SystemParams, d: Option<&Done>) -> Html {
    let Some(d) = d else {
        return html! { <section class="panel hops" data-testid="hops"><h2>{ t("Follow a request") }</h2><p class="muted">{ t("No request answered yet.") }</p></section> };
    };
    let ms = |us: u64| us as f64 / 1000.0;
    let t0 = d.invoked.as_us();
    // The operation in words of the page's language (the event log keeps `put k3=5`).
    let op = match d.op {
        engine::system::Op::Read(k) => trf("get k{}", &[&k]),
        engine::system::Op::Write(k, v) => trf("put k{}={}", &[&k, &v]),
    };
    // (where, what): one list item each.
    let mut items = vec![(
        "lb".to_string(),
        trf(
            "0.0 ms · client → balancer: {} (attempt {} of this operation{})",
            &[
                &op,
                &d.attempts,
                &if d.attempts > 1 {
                    trf(
                        ", {} ms lost to earlier attempts",
                        &[&f1(ms(d.sent.as_us() - t0))],
                    )
                } else {
                    String::new()
                },
            ],
        ),
    )];
    for (k, h) in d.hops.iter().enumerate() {
        let name = p.name(h.node as usize);
        let what = if k == 0 {
            trf(
                "{}: finds the key's shard on the ring, asks its leader; left after {} ms",
                &[&name, &f1(ms(h.depart_us.saturating_sub(h.arrive_us)))],
            )
        } else if h.depart_us == u64::MAX {
            trf("{}: no answer, the app gave up after its timeout", &[&name])
        } else if k + 1 == d.hops.len() {
            trf(
                if matches!(d.op, engine::system::Op::Write(..)) {
                    tk("{}: committed by Raft in {} ms")
                } else {
                    tk("{}: read served in {} ms")
                },
                &[&name, &f1(ms(h.depart_us - h.arrive_us))],
            )
        } else {
            trf(
                "{}: not the leader, redirected ({} ms)",
                &[&name, &f1(ms(h.depart_us.saturating_sub(h.arrive_us)))],
            )
        };
        let at = format!(
            "{} ms · {what}",
            fixed(ms(h.arrive_us.saturating_sub(t0)), 1)
        );
        items.push((name, at));
    }
    items.push((
        "client".into(),
        trf(
            "{} ms · answer at the client{}",
            &[
                &f1(ms(d.finished.as_us() - t0)),
                &d.result.map(|v| format!(": {v}")).unwrap_or_default(),
            ],
        ),
    ));
    html! {
        <section class="panel hops" data-testid="hops">
            <h2>{ trf("Follow a request: #{} {}", &[&d.id, &op]) }</h2>
            <ol class="hop-list">{ for items.into_iter().map(|(at, text)| html! { <li data-testid="hop" data-at={at}>{ text }</li> }) }</ol>
        </section>
    }
}

#[inline(never)]
fn render_ring(p: &SystemParams, now: SimTime) -> Html {
    // The ring in force: with the shard added while serving once it is.
    let q = SystemParams {
        shards: p.shards_at(now),
        ..*p
    };
    let ring = app::shard_ring(&q);
    let rows = (0..q.shards).map(|s| {
        let keys: Vec<String> = (0..p.keys).filter(|&k| app::shard_of(&ring, k) == s).map(|k| format!("k{k}")).collect();
        html! { <li data-testid="shard-keys">{ trf("shard {} ({} members): {}", &[&s, &p.rf, &if keys.is_empty() { tr("no key").into() } else { keys.join(" ") }]) }</li> }
    });
    html! {
        <section class="panel ring-keys" data-testid="ring">
            <h2>{ trf("The ring: {} virtual nodes per shard", &[&p.vnodes]) }</h2>
            <ul>{ for rows }</ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ChartsProps {
    buckets: Rc<Vec<Bucket>>,
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
fn Charts(props: &ChartsProps) -> Html {
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
fn Settings(props: &crate::components::lab::SettingsProps) -> Html {
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
