//! The whole-system stage: zones, machines and processes, a request's path, the shard ring.

use super::{cmd, on_path, role_letter, svg_rect, svg_text, CHIP_H, CHIP_W, F, ROW, TOP};
use crate::geometry::{f1, Pt};
use crate::i18n::{t, tk, tr, trf};
use crate::player::Action;
use engine::fmtnum::fixed;
use engine::health::Health;
use engine::raft::Role;
use engine::sim::Sim;
use engine::system::front::{Done, Front};
use engine::system::params::{zone_name, Role as Proc};
use engine::system::{app, MachineCmd, SysNode, SystemParams};
use engine::SimTime;
use yew::prelude::*;

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

#[inline(never)]
pub(super) fn render_system(
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

/// The followed request, hop by hop, with where its time went.
#[inline(never)]
pub(super) fn render_path(p: &SystemParams, d: Option<&Done>) -> Html {
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
pub(super) fn render_ring(p: &SystemParams, now: SimTime) -> Html {
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
