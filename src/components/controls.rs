//! Player controls shared by every lab: play/pause, step, step back, speed, seed, reset,
//! timeline scrubber, copy link.

use crate::geometry::{speed_from_log, speed_label, MAX_SPEED_LOG, MIN_SPEED_LOG};
use crate::i18n::{t, tr, trf};
use crate::player::Action;
use engine::fmtnum::trim;
use engine::time::fmt_ms;
use engine::SimTime;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`Controls`].
#[derive(Properties, PartialEq, Clone)]
pub struct ControlsProps {
    /// Sends an action to the player.
    pub dispatch: Callback<Action>,
    /// Playing?
    pub playing: bool,
    /// Speed, log10.
    pub speed_log: f64,
    /// Simulated time, µs.
    pub now_us: u64,
    /// Events processed.
    pub steps: u64,
    /// The scrubber's end, ms.
    pub horizon_ms: u64,
    /// The seed.
    pub seed: u64,
    /// Makes the shareable link (full URL) of the current position, when asked.
    pub get_link: Callback<(), String>,
    /// Shown right after the seed field (the New seed button).
    #[prop_or_default]
    pub after_seed: Html,
}

/// The number in a range input (or `default` if it is not a number). The browser parses it
/// (`valueAsNumber`), which keeps Rust's float parser out of every bundle.
fn range_value(e: &InputEvent, default: f64) -> f64 {
    let v = e
        .target_unchecked_into::<HtmlInputElement>()
        .value_as_number();
    if v.is_finite() {
        v
    } else {
        default
    }
}

/// The control bar.
#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let shown_link = use_state(|| None::<String>);
    let d = props.dispatch.clone();
    let act = move |a: Action| {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.emit(a.clone()))
    };
    let on_speed = {
        let d = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            d.emit(Action::SetSpeedLog(range_value(&e, -1.0)));
        })
    };
    let on_seek = {
        let d = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let v = range_value(&e, 0.0);
            let ms = if v.is_finite() { v.max(0.0) } else { 0.0 };
            d.emit(Action::SeekTime(SimTime((ms * 1000.0) as u64)));
        })
    };
    let on_seed = {
        let d = props.dispatch.clone();
        Callback::from(move |v: String| d.emit(Action::SetParam("seed".into(), v)))
    };
    let on_copy = {
        let get_link = props.get_link.clone();
        let shown = shown_link.clone();
        Callback::from(move |_: MouseEvent| {
            let link = get_link.emit(());
            crate::web::copy_to_clipboard(&link);
            shown.set(Some(link));
        })
    };
    let now_ms = fmt_ms(props.now_us);
    let speed = speed_from_log(props.speed_log);
    html! {
        <div class="controls" role="toolbar" aria-label={tr("Player")}>
            <button data-testid="play" aria-pressed={props.playing.to_string()} class="primary"
                onclick={act(Action::TogglePlay)} title={tr("Play / pause (Space)")}>
                { if props.playing { tr("❚❚ Pause") } else { tr("▶ Play") } }
            </button>
            <button data-testid="step-back" onclick={act(Action::StepBack)} disabled={props.steps == 0} title={tr("Step back one event (←)")}>{ t("◀ Back") }</button>
            <button data-testid="step" onclick={act(Action::Step)} title={tr("Step one event (→)")}>{ t("Step ▶") }</button>
            <button data-testid="reset" onclick={act(Action::Reset)} title={tr("Back to time 0 (faults kept)")}>{ t("⟲ Reset") }</button>
            <label class="speed">{ t("Speed ") }
                <input data-testid="speed" type="range" min={trim(MIN_SPEED_LOG, 2).to_string()} max={trim(MAX_SPEED_LOG, 2).to_string()} step="0.05"
                    value={trim(props.speed_log, 4).to_string()} oninput={on_speed} aria-valuetext={speed_label(speed)} />
                <output>{ speed_label(speed) }</output>
            </label>
            <label class="seed">{ t("Seed ") }
                <crate::components::lab::Field testid="seed" inputmode="numeric" size={8} value={props.seed.to_string()} onchange={Some(on_seed)} />
            </label>
            { props.after_seed.clone() }
            <div class="clock">
                <span data-testid="sim-time" data-ms={now_ms.clone()} class="sim-time">{ format!("{now_ms} ms") }</span>
                <span class="muted" data-testid="step-count">{ trf(" · event {}", &[&props.steps]) }</span>
            </div>
            <label class="timeline">{ t("Time ") }
                <input data-testid="timeline" type="range" min="0" max={props.horizon_ms.to_string()} step="1"
                    value={(props.now_us / 1000).to_string()} oninput={on_seek} aria-label={tr("Timeline (ms)")} />
            </label>
            <button data-testid="copy-link" onclick={on_copy} title={tr("Copy a link that replays this exact run")}>{ t("Copy link") }</button>
            if let Some(link) = (*shown_link).clone() {
                <input data-testid="share-url" class="share-url" readonly=true value={link} aria-label={tr("Link to this run")}
                    onfocus={Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select())} />
            }
        </div>
    }
}
