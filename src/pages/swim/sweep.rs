//! The SWIM page's group-size sweep (detection time and load against the number of members).

use crate::components::chart::{chart, Axis, Series};
use crate::components::hooks::use_frames;
use crate::i18n::tr;
use engine::fmtnum::fixed;
use engine::heartbeat::swim::SwimParams;
use engine::heartbeat::swim_metrics::{sweep_one, SweepRow, SWEEP_SIZES};
use engine::net::NetConfig;
use yew::prelude::*;

/// Props of [`Sweep`].
#[derive(Properties, PartialEq, Clone)]
pub struct SweepProps {
    /// The lab's settings (the sweep uses them at every size).
    pub params: SwimParams,
    /// The network.
    pub net: NetConfig,
    /// The seed.
    pub seed: u64,
}

#[derive(Default)]
struct SweepState {
    running: bool,
    rows: Vec<SweepRow>,
}

/// The sweep: a crash in groups of 5–200 members, one size per frame, plotted against theory.
#[component]
pub fn Sweep(props: &SweepProps) -> Html {
    let state = use_mut_ref(SweepState::default);
    let redraw = use_force_update();
    let running = state.borrow().running;
    {
        let (state, redraw, p) = (state.clone(), redraw.clone(), props.clone());
        use_frames(
            running,
            Callback::from(move |_dt: f64| {
                let mut s = state.borrow_mut();
                match SWEEP_SIZES.get(s.rows.len()) {
                    Some(&n) if s.running => {
                        if let Some(row) = sweep_one(n, p.seed, &p.params, p.net) {
                            s.rows.push(row);
                        }
                        if s.rows.len() >= SWEEP_SIZES.len() {
                            s.running = false;
                        }
                    }
                    _ => s.running = false,
                }
                drop(s);
                redraw.force_update();
            }),
        );
    }
    let start = {
        let (state, redraw) = (state.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            *state.borrow_mut() = SweepState {
                running: true,
                rows: Vec::new(),
            };
            redraw.force_update();
        })
    };
    let s = state.borrow();
    let done = s.rows.len();
    html! {
        <section class="panel sweep-panel swim-sweep" data-testid="sweep">
            <h2>{"Sweep: 5 to 200 members"}</h2>
            <p class="muted">{"Member 1 crashes after 3 s in groups of 5, 10, 20, 50, 100 and 200 (these settings, this seed). Theory: the paper's expected first suspicion plus the suspicion timeout (grows with log n); a ping and an ack per period (the same at every size)."}</p>
            <div class="actions">
                <button data-testid="sweep-run" onclick={start} disabled={s.running}>{"Run the sweep"}</button>
                <progress data-testid="sweep-progress" max={SWEEP_SIZES.len().to_string()} value={done.to_string()}></progress>
                <span class="muted" data-testid="sweep-done">{ format!("{done}/{} sizes", SWEEP_SIZES.len()) }</span>
            </div>
            if !s.rows.is_empty() {
                { sweep_charts(&s.rows) }
                { sweep_table(&s.rows) }
            }
        </section>
    }
}

fn sweep_charts(rows: &[SweepRow]) -> Html {
    let col = |f: &dyn Fn(&SweepRow) -> Option<f64>| {
        rows.iter()
            .filter_map(|r| f(r).map(|v| (r.members as f64, v)))
            .collect::<Vec<_>>()
    };
    let x = || Axis::log(tr("members (log scale)"), 5.0, 200.0);
    html! {
        <div class="swim-charts">
            { chart("sweep-time-chart", tr("Detection time against group size"), x(), Axis::new(tr("ms after the crash")), &[
                Series::new(tr("theory: detection"), "--muted", col(&|r| Some(r.theory_detection_ms))).dashed(),
                Series::new(tr("first suspect"), "--suspect", col(&|r| r.first_suspect_ms)),
                Series::new(tr("first dead"), "--oi-blue", col(&|r| r.detection_ms)),
                Series::new(tr("everyone knows"), "--oi-purple", col(&|r| r.dissemination_ms)),
            ]) }
            { chart("sweep-load-chart", tr("Messages per member per second"), x(), Axis::new(tr("messages / member / s")), &[
                Series::new(tr("theory: constant"), "--muted", col(&|r| Some(r.theory_messages_per_member_per_s))).dashed(),
                Series::new(tr("steady (before the crash)"), "--oi-blue", col(&|r| Some(r.steady_messages_per_member_per_s))),
                Series::new(tr("whole run (with the gossip)"), "--oi-purple", col(&|r| Some(r.messages_per_member_per_s))),
            ]) }
        </div>
    }
}

fn sweep_table(rows: &[SweepRow]) -> Html {
    let ms = |x: Option<f64>| {
        x.map(|v| format!("{} ms", fixed(v, 0)))
            .unwrap_or_else(|| "–".into())
    };
    html! {
        <table class="sweep-table" data-testid="sweep-table">
            <thead><tr><th>{"members"}</th><th>{"first dead"}</th><th>{"everyone"}</th><th>{"theory"}</th><th title="steady (whole run)">{"msgs / member / s"}</th></tr></thead>
            <tbody>
                { for rows.iter().map(|r| html! {
                    <tr data-members={r.members.to_string()}>
                        <th>{ r.members }</th>
                        <td>{ ms(r.detection_ms) }</td>
                        <td>{ ms(r.dissemination_ms) }</td>
                        <td>{ format!("{} ms", fixed(r.theory_detection_ms, 0)) }</td>
                        <td>{ format!("{} ({})", fixed(r.steady_messages_per_member_per_s, 1), fixed(r.messages_per_member_per_s, 1)) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
