//! The replication and locks lab page: three sections on one stage, switched by `sec`.
//! - **repl**: the monitor, the data nodes (role, epoch, lag, their logs coloured by epoch with
//!   rolled-back entries struck out), the clients, writes in flight, and the "who acted as
//!   primary" timeline whose overlap is the split brain;
//! - **locks**: the lock service, the clients' belief of holding the lock against the service's
//!   leases, and the storage with its token check (refused writes in red);
//! - **aa**: the sites with their value per key and a converged mark.
//!
//! Everything shown is computed by the engine (`engine::replication`); the page draws it and
//! sends clicks back as faults and commands.

mod aa;
mod locks;
mod panels;
mod repl;
mod stage;

use crate::components::event_log::EventLog;
use crate::components::hooks::{stage_style, use_stage_scale};
use crate::components::lab::{
    fault_timeline, lab_head, lesson_caption, lost_key, use_lab, LabProps,
};
use crate::components::network::NetworkPanel;
use crate::i18n::{t, tr};
use aa::{aa_metrics, aa_stage};
use engine::replication::locks::lock_role_name;
use engine::replication::{
    measure, section_of, ReplRun, Section, SectionLab, SEC_ACTIVE, SEC_LOCKS, SEC_REPL,
};
use engine::scenario::{encode_for, Scenario};
use locks::{locks_metrics, locks_stage};
use panels::{common_selected, render_settings};
use repl::{repl_metrics, repl_selected, repl_stage};
use yew::prelude::*;

/// Width of every section's picture (viewBox units); heights follow the node counts.
const W: f64 = 760.0;
/// Left edge of the logs and the timelines.
const STRIP_X: f64 = 262.0;
/// Right edge of the logs and the timelines.
const STRIP_END: f64 = 744.0;

/// The primary/backup section's page (bundle `ha-replication`).
pub type ReplPage = ReplicationPage<SEC_REPL>;
/// The locks section's page (bundle `ha-replication-locks`).
pub type LocksPage = ReplicationPage<SEC_LOCKS>;
/// The active-active section's page (bundle `ha-replication-aa`).
pub type ActivePage = ReplicationPage<SEC_ACTIVE>;

/// The bundle that draws section `sec` (the loader in `index.html` picks it from `sec=`).
pub fn bundle_of(sec: Section) -> &'static str {
    match sec {
        Section::Repl => "ha-replication",
        Section::Locks => "ha-replication-locks",
        Section::Active => "ha-replication-aa",
    }
}

/// The page of section `S` (one bundle per section, so a page carries one section's simulation
/// and drawing; the other sections' arms below are compiled out).
#[component]
pub fn ReplicationPage<const S: u8>(props: &LabProps) -> Html {
    let lab = use_lab::<SectionLab<S>>(props.decoded.clone());
    let sc = use_stage_scale();
    // A scenario of another section (a preset from the menu, a lesson step, a loaded file) is
    // drawn by that section's bundle: go to its link (a lesson's link while one is open) and
    // the loader starts the right bundle.
    {
        let s = &lab.player.scenario;
        let elsewhere = (s.setup::<SectionLab<S>>().sec != section_of(S))
            .then(|| encode_for::<SectionLab<S>>(s));
        use_effect_with(elsewhere, |to| {
            if let Some(q) = to {
                let here = crate::web::location_query();
                crate::web::navigate(if here.contains("lesson=") { &here } else { q });
            }
        });
    }
    let player = &lab.player;
    let dispatch = &lab.dispatch;
    let run = player.hist.borrow();
    let s = &player.scenario;
    let sel = player.selected;
    let moving = player.moving();
    let (stage, side, lines, total) = match &run.0 {
        ReplRun::Repl(h) if S == SEC_REPL => {
            let sim = h.sim();
            let m = measure(sim);
            (
                repl_stage(sim, &m, sel, dispatch, sc, moving),
                html! { <>{ repl_selected(sim, sel, dispatch) }{ repl_metrics(&m) }</> },
                lab.log_lines(sim.trace()),
                sim.steps(),
            )
        }
        ReplRun::Locks(h) if S == SEC_LOCKS => {
            let sim = h.sim();
            (
                locks_stage(sim, sel, dispatch, sc, moving),
                html! { <>{ common_selected(sim.nodes().len(), |i| sim.is_up(i), |i| lock_role_name(&sim.nodes()[i]), sel, dispatch) }{ locks_metrics(sim) }</> },
                lab.log_lines(sim.trace()),
                sim.steps(),
            )
        }
        ReplRun::Active(h) if S == SEC_ACTIVE => {
            let sim = h.sim();
            (
                aa_stage(sim, sel, dispatch, sc, moving),
                html! { <>{ common_selected(sim.nodes().len(), |i| sim.is_up(i), |_| "site", sel, dispatch) }{ aa_metrics(sim) }</> },
                lab.log_lines(sim.trace()),
                sim.steps(),
            )
        }
        _ => unreachable!("a section's page holds only that section"),
    };
    let (cfg, faulty) = match &run.0 {
        ReplRun::Repl(h) if S == SEC_REPL => {
            (*h.sim().net_config(), h.sim().links().faulty().len())
        }
        ReplRun::Locks(h) if S == SEC_LOCKS => {
            (*h.sim().net_config(), h.sim().links().faulty().len())
        }
        ReplRun::Active(h) if S == SEC_ACTIVE => {
            (*h.sim().net_config(), h.sim().links().faulty().len())
        }
        _ => unreachable!("a section's page holds only that section"),
    };
    let example = match section_of(S) {
        Section::Repl => "1.4|0.2.3.5",
        Section::Locks => "0.1.2|3.4",
        Section::Active => "0|1",
    };
    html! {
        <main class="lab replication">
            { lab_head(&lab) }
            <div class="lab-body">
                <div class="stage" data-testid="stage" style={stage_style(sc)}>
                    { lesson_caption(&lab) }
                    { section_switcher::<S>(s, section_of(S)) }
                    { stage }
                    { legend(section_of(S)) }
                </div>
                <div class="side">
                    { side }
                    <NetworkPanel dispatch={dispatch.clone()} {cfg} {faulty} example_partition={example.to_string()} />
                    { render_settings::<S>(s, section_of(S), dispatch) }
                </div>
            </div>
            <div class="lab-foot">
                <EventLog lines={lines} total={total} playing={player.playing} />
                { fault_timeline(s, dispatch) }
            </div>
        </main>
    }
}

/// The three sections as tabs; a switch opens that section's defaults with the same seed and
/// network (its nodes differ, so the fault timeline starts empty). Each section is its own
/// bundle, so a switch is a navigation.
fn section_switcher<const S: u8>(s: &Scenario, current: Section) -> Html {
    let tabs = Section::ALL.iter().map(|&sec| {
        let base = Scenario {
            faults: Vec::new(),
            pos: Default::default(),
            ..s.clone()
        };
        let onclick = Callback::from(move |_: MouseEvent| {
            let q = format!(
                "{}&sec={}",
                encode_for::<SectionLab<S>>(&Scenario {
                    params: Scenario::default_of::<SectionLab<S>>().params,
                    nodes: Scenario::default_of::<SectionLab<S>>().nodes,
                    ..base.clone()
                }),
                sec.as_str()
            );
            crate::web::navigate(&q);
        });
        let on = sec == current;
        html! {
            <button class={classes!("tab", on.then_some("current"))} role="tab" aria-selected={on.to_string()}
                data-testid={format!("section-{}", sec.as_str())} {onclick}>{ tr(sec.label()) }</button>
        }
    });
    html! { <div class="sections" role="tablist" data-testid="sections">{ for tabs }</div> }
}

/// The colour key under the picture.
fn legend(sec: Section) -> Html {
    match sec {
        Section::Repl => html! {
            <p class="legend">
                <span class="key k-write">{ t("● write") }</span>
                <span class="key k-append">{ t("● replication") }</span>
                <span class="key k-read">{ t("● read") }</span>
                <span class="key k-promote">{ t("● failover") }</span>
                { lost_key() }
                <span class="key">{ t("Log entries coloured by epoch; struck out: rolled back; red: an acknowledged write lost.") }</span>
            </p>
        },
        Section::Locks => html! {
            <p class="legend">
                <span class="key k-promote">{ t("● lock request/grant") }</span>
                <span class="key k-hb">{ t("● keep-alive") }</span>
                <span class="key k-write">{ t("● write") }</span>
                { lost_key() }
                <span class="key">{ t("tN: the fencing token a write carries.") }</span>
            </p>
        },
        Section::Active => html! {
            <p class="legend">
                <span class="key k-write">{ t("● operations shipped") }</span>
                <span class="key k-hb">{ t("● acknowledgements") }</span>
                { lost_key() }
            </p>
        },
    }
}
