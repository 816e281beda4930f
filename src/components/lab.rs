//! What every lab page shares: the player hook (reducer, animation frames, keyboard, address
//! bar), the page head (banner, notice, title, presets, controls), the fault timeline panel and
//! form fields validated like links.

use crate::components::banner::ErrorBanner;
use crate::components::controls::Controls;
use crate::components::event_log::{LogCache, LogLine};
use crate::components::hooks::{use_frames, use_player_keys};
use crate::i18n::{t, tr, trf};
use crate::player::{Action, LabFns, Player, Replay};
use crate::web;
use engine::fault::{fmt_timeline, TimedFault};
use engine::history::Run;
use engine::lab::Lab as LabDef;
use engine::scenario::keys::KeyKind;
use engine::scenario::{Decoded, Scenario};
use engine::sim::TraceEvent;
use engine::NodeId;
use std::cell::RefCell;
use std::fmt::Display;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of every lab page: the link, decoded.
#[derive(Properties, Clone)]
pub struct LabProps {
    /// The link, decoded.
    pub decoded: Rc<Decoded>,
}

/// The same decoded link (the root decodes the address bar once; comparing by pointer spares
/// every bundle a deep comparison of scenarios, about 1 KB gzip).
impl PartialEq for LabProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.decoded, &o.decoded)
    }
}

/// Props of a lab's settings form: the scenario and the player's dispatch; equal (so the form is
/// not redrawn) while the scenario is the same, whatever the run does.
#[derive(Properties, Clone)]
pub struct SettingsProps {
    /// The scenario the form edits.
    pub scenario: Scenario,
    /// Sends the edits.
    pub dispatch: Callback<Action>,
    /// The lab's link encoder ([`crate::player::LabFns::encode`]): two scenarios are the same
    /// when their links are (a deep comparison would carry every lab's settings into the bundle).
    pub encode: fn(&Scenario) -> String,
}

impl PartialEq for SettingsProps {
    fn eq(&self, o: &Self) -> bool {
        (self.encode)(&self.scenario) == (o.encode)(&o.scenario)
    }
}

/// Props of a panel drawn from a run at one position: equal (so not re-rendered) while the run,
/// its step count and whether it is moving are the same, even though frames go by.
#[derive(Properties)]
pub struct RunProps<R: 'static> {
    /// The run.
    pub run: Rc<RefCell<R>>,
    /// Events processed.
    pub steps: u64,
    /// Playing or replaying ([`Player::moving`]; for a panel that keys what it draws only while
    /// the run stands still, see [`keyed_when_still`]).
    #[prop_or_default]
    pub moving: bool,
}

impl<R> PartialEq for RunProps<R> {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.run, &o.run) && self.steps == o.steps && self.moving == o.moving
    }
}

/// A lab page's player and the callbacks built around it.
pub struct Lab<R: Run + 'static> {
    /// The player state.
    pub player: UseReducerHandle<Player<R>>,
    /// Sends an action to the player.
    pub dispatch: Callback<Action>,
    log_cache: Rc<RefCell<LogCache>>,
}

impl<R: Run + 'static> Lab<R> {
    /// The event-log lines of `trace` (formatted incrementally).
    pub fn log_lines<M: Display, T: Display>(
        &self,
        trace: &[TraceEvent<M, T>],
    ) -> Rc<Vec<LogLine>> {
        self.log_cache
            .borrow_mut()
            .update(Rc::as_ptr(&self.player.hist) as usize, trace)
    }
}

/// Sets up a lab page's player from the decoded link: animation frames while playing, the
/// keyboard shortcuts, and the address bar rewritten after every change while paused (browsers
/// throttle history updates during play; pausing writes the position).
#[hook]
pub fn use_lab<L: LabDef>(decoded: Rc<Decoded>) -> Lab<L::Run> {
    let player =
        use_reducer(move || Player::from_link(&web::location_query(), &decoded, LabFns::of::<L>()));
    let dispatch: Callback<Action> = {
        let p = player.dispatcher();
        Callback::from(move |a| p.dispatch(a))
    };
    {
        let d = dispatch.clone();
        use_frames(
            player.playing || player.replay.is_some(),
            Callback::from(move |dt| d.emit(Action::Tick(dt))),
        );
    }
    use_player_keys(dispatch.clone(), player.course.is_some());
    {
        // On a phone the selected node's actions open as a sheet next to it (components/sheet.rs),
        // placed again when a click changes the run (its buttons change).
        let anchor = use_mut_ref(crate::components::sheet::Anchor::default);
        use_effect_with(
            (player.selected, player.scenario.faults.len()),
            move |(sel, _)| crate::components::sheet::place(*sel, &mut anchor.borrow_mut()),
        );
    }
    let log_cache = use_mut_ref(LogCache::default);
    {
        let p = player.clone();
        use_effect_with((player.version, player.playing), move |(_, playing)| {
            if !*playing {
                web::replace_query(&p.query());
            }
        });
        let p = player.clone();
        crate::view::set_run_link(Callback::from(move |_| p.query()));
    }
    Lab {
        player,
        dispatch,
        log_cache,
    }
}

/// Banner, notice, title with the lab's presets, and the player controls.
pub fn lab_head<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let player = &lab.player;
    let (now_us, steps) = {
        let h = player.hist.borrow();
        (h.now().0, h.steps())
    };
    let last_fault_ms = player
        .scenario
        .faults
        .last()
        .map(|f| f.at.0 / 1000)
        .unwrap_or(0);
    // At least as far as the run has been (after a seek back the timeline still reaches there).
    let far_ms = (now_us.max(player.reached.0) / 1000).max(last_fault_ms + 3000);
    let horizon_ms = (far_ms.max(10_000) / 5000 + 1) * 5000;
    let get_link = {
        let p = player.clone();
        Callback::from(move |_: ()| web::full_link(&p.query()))
    };
    let on_dismiss = {
        let d = lab.dispatch.clone();
        Callback::from(move |_| d.emit(Action::DismissErrors))
    };
    html! {
        <>
            <ErrorBanner errors={player.errors.clone()} ondismiss={on_dismiss} />
            if let Some(n) = &player.notice {
                <div class="banner notice" data-testid="notice">{ n.clone() }</div>
            }
            if let Some(r) = player.replay {
                { render_progress(r, &lab.dispatch) }
            }
            <div class="lab-head">
                <h1>{ tr(player.fns.title) }</h1>
                { render_presets(player.fns.presets, player.fns.decode, player.lesson.map(|p| p.id), &lab.dispatch) }
                { crate::components::lesson::lesson_tools(lab) }
                { crate::view::present_toggle() }
                if crate::view::current().embed {
                    { crate::view::open_in_playground(get_link_query(player)) }
                }
            </div>
            <Controls dispatch={lab.dispatch.clone()} playing={player.playing} speed_log={player.speed_log}
                now_us={now_us} steps={steps} horizon_ms={horizon_ms} seed={player.scenario.seed} {get_link}
                after_seed={crate::components::lesson::new_seed(&lab.dispatch)} />
        </>
    }
}

/// The run's link query, taken when asked.
fn get_link_query<R: Run + 'static>(player: &UseReducerHandle<Player<R>>) -> Callback<(), String> {
    let p = player.clone();
    Callback::from(move |_: ()| p.query())
}

/// A long replay's progress bar (`data-testid=progress`) with a Cancel button.
fn render_progress(r: Replay, dispatch: &Callback<Action>) -> Html {
    let d = dispatch.clone();
    let oncancel = Callback::from(move |_: MouseEvent| d.emit(Action::CancelReplay));
    let pct = (r.fraction * 100.0).floor() as u32;
    html! {
        <div class="replay" data-testid="progress" role="status">
            <button data-testid="cancel-replay" onclick={oncancel}>{ t("Cancel") }</button>
            <span>{ match r.to.step {
                Some(k) => trf("Replaying the link to event {} …", &[&k]),
                None => trf("Replaying the link to {} …", &[&r.to.time]),
            } }</span>
            <progress max="100" value={pct.to_string()} aria-label={tr("Replay progress")}></progress>
            <span class="muted">{ match r.seconds_left() {
                Some(s) => trf("{}% · {} events · about {} s left", &[&pct, &r.events, &s]),
                None => trf("{}% · {} events", &[&pct, &r.events]),
            } }</span>
        </div>
    }
}

/// A button that sends one action (a fault, a lab command); `data-testid` as given.
pub fn action_button(
    dispatch: &Callback<Action>,
    testid: &str,
    label: &str,
    action: Action,
    enabled: bool,
) -> Html {
    let d = dispatch.clone();
    let onclick = Callback::from(move |_: MouseEvent| d.emit(action.clone()));
    html! { <button data-testid={testid.to_string()} {onclick} disabled={!enabled}>{ label.to_string() }</button> }
}

/// A click on a stage element that sends `action` without reaching the stage behind it (whose
/// click deselects): dropping a message in flight, selecting a node.
pub fn click_emit(dispatch: &Callback<Action>, action: Action) -> Callback<MouseEvent> {
    let d = dispatch.clone();
    Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.emit(action.clone());
    })
}

/// `node` keyed by `id` (a message, an event) while the run stands still between renders, so a
/// step redraws each moving thing in place (its element keeps its attributes and tooltip); not
/// keyed while it is `moving` (playing, replaying), when most things change from one render to
/// the next: Yew then reuses the elements by position instead of re-creating every one whose key
/// changed (keyed, a load-balancer page at 10 000 requests/s drew a fifth fewer frames).
pub fn keyed_when_still(mut node: Html, id: u64, moving: bool) -> Html {
    if let (false, Html::VTag(tag)) = (moving, &mut node) {
        std::rc::Rc::make_mut(tag).key = Some(id.into());
    }
    node
}

/// The click and the Enter key that select node `i` on a stage.
pub fn select_handlers(
    dispatch: &Callback<Action>,
    i: NodeId,
) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let d = dispatch.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" {
            d.emit(Action::Select(Some(i)));
        }
    });
    (click_emit(dispatch, Action::Select(Some(i))), onkeydown)
}

/// Props of [`Field`].
#[derive(Properties, PartialEq, Clone)]
pub struct FieldProps {
    /// `data-testid` of the input.
    pub testid: AttrValue,
    /// The value the model holds (shown whenever the user is not editing).
    pub value: AttrValue,
    /// Called with the trimmed text when the field is committed (Enter or leaving it). Without
    /// it the field is read through `node_ref` (a form's submit) and keeps what was typed.
    #[prop_or_default]
    pub onchange: Option<Callback<String>>,
    /// A ref to the input, for forms that read it on submit.
    #[prop_or_default]
    pub node_ref: NodeRef,
    /// Width in characters.
    #[prop_or(7)]
    pub size: u32,
    /// The on-screen keyboard a phone shows (`numeric` for numbers).
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
}

/// A text input that keeps what the user is typing across re-renders. Yew writes a bound
/// `value` back into the DOM on every render when the two differ, so a plain `<input value=…>`
/// on a page that re-renders every frame (a playing run) would wipe a half-typed value; this
/// field shows its draft until it is committed, then the model's value again.
#[component]
pub fn Field(props: &FieldProps) -> Html {
    let draft = use_state_eq(|| None::<String>);
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            draft.set(Some(e.target_unchecked_into::<HtmlInputElement>().value()));
        })
    };
    let onchange = props.onchange.clone().map(|on| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            draft.set(None);
            on.emit(v.trim().to_string());
        })
    });
    let value = (*draft).clone().unwrap_or_else(|| props.value.to_string());
    html! {
        <input type="text" data-testid={props.testid.clone()} ref={props.node_ref.clone()} {value}
            {oninput} {onchange} size={props.size.to_string()} inputmode={props.inputmode.clone()} />
    }
}

/// A labelled text field that sends an action built from its value when it changes.
pub fn text_field(
    dispatch: &Callback<Action>,
    testid: String,
    label: &str,
    value: String,
    help: &str,
    to_action: impl Fn(String) -> Action + 'static,
) -> Html {
    let d = dispatch.clone();
    let onchange = Callback::from(move |v: String| d.emit(to_action(v)));
    html! {
        <label title={help.to_string()}>
            <span>{ label.to_string() }</span>
            <Field testid={testid} {value} onchange={Some(onchange)} />
        </label>
    }
}

/// A text field bound to one link parameter (`data-testid=param-<key>`); a change is validated
/// exactly like a link.
pub fn param_input(
    dispatch: &Callback<Action>,
    key: &'static str,
    label: &str,
    value: String,
    help: &str,
) -> Html {
    text_field(
        dispatch,
        format!("param-{key}"),
        label,
        value,
        help,
        move |v| Action::SetParam(key.into(), v),
    )
}

/// A checkbox bound to a 0/1 link parameter (`data-testid=param-<key>`).
pub fn param_toggle(
    dispatch: &Callback<Action>,
    key: &'static str,
    label: &str,
    on: bool,
    help: &str,
) -> Html {
    let d = dispatch.clone();
    let onchange = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<HtmlInputElement>().checked();
        d.emit(Action::SetParam(
            key.into(),
            if v { "1" } else { "0" }.into(),
        ));
    });
    html! {
        <label title={help.to_string()}>
            <span>{ label.to_string() }</span>
            <input type="checkbox" data-testid={format!("param-{key}")} checked={on} {onchange} />
        </label>
    }
}

/// A form field for one of lab `L`'s link keys, drawn from its key table: a checkbox for a 0/1
/// key, a menu of human names for a choice, a text field otherwise; the tooltip gives the meaning,
/// the range and the default (`data-testid=param-<key>`). A change is validated like a link.
pub fn setting<L: LabDef>(
    s: &Scenario,
    dispatch: &Callback<Action>,
    key: &'static str,
    label: &str,
) -> Html {
    let Some(k) = L::keys().iter().find(|k| k.name == key) else {
        // A page naming a key its lab lacks: visible, and caught by the browser tests.
        return html! { <span class="error" data-testid="unknown-setting">{ format!("no setting '{key}'") }</span> };
    };
    let value = (k.get)(&s.setup::<L>());
    let default = k.default_text();
    let help = trf(
        "{} — {}; default {}",
        &[
            &tr(k.help),
            &k.range_text(),
            &if default.is_empty() {
                tr("none")
            } else {
                default.as_str()
            },
        ],
    );
    match k.kind {
        KeyKind::Flag => param_toggle(dispatch, key, label, value == "1", &help),
        KeyKind::Choice { names, labels } => {
            let d = dispatch.clone();
            let onchange = Callback::from(move |e: Event| {
                d.emit(Action::SetParam(
                    key.into(),
                    e.target_unchecked_into::<HtmlSelectElement>().value(),
                ))
            });
            html! {
                <label title={help}><span>{ label.to_string() }</span>
                    <select data-testid={format!("param-{key}")} {onchange}>
                        if default.is_empty() {
                            <option value="" selected={value.is_empty()}>{ t("(none)") }</option>
                        }
                        { for names.iter().zip(labels).map(|(n, l)| html! {
                            <option value={*n} selected={*n == value}>{ tr(l) }</option>
                        }) }
                    </select>
                </label>
            }
        }
        _ => param_input(dispatch, key, label, value, &help),
    }
}

/// The presets as a menu (one line on the page; each entry shows its title and its lesson).
fn render_presets(
    presets: &'static [engine::scenario::Preset],
    decode: fn(&str) -> Decoded,
    current: Option<&str>,
    dispatch: &Callback<Action>,
) -> Html {
    html! {
        <details class="preset-menu" data-testid="presets">
            <summary>{ t("Presets ▾") }</summary>
            <ul role="list">
                { for presets.iter().map(|p| {
                    let d = dispatch.clone();
                    let q = p.query;
                    let onclick = Callback::from(move |e: MouseEvent| {
                        let dec = decode(q);
                        d.emit(Action::Load(Box::new(dec.scenario), dec.errors));
                        // Close the menu: the lesson now shows on the stage.
                        if let Some(menu) = e
                            .target_dyn_into::<web_sys::Element>()
                            .and_then(|t| t.closest("details").ok().flatten())
                        {
                            let _ = menu.remove_attribute("open");
                        }
                    });
                    html! {
                        <li>
                            <button class={classes!("preset", (current == Some(p.id)).then_some("current"))}
                                data-testid={format!("preset-{}", p.id)} {onclick}>
                                <strong>{ tr(p.title) }</strong>
                                <span class="muted">{ tr(p.lesson) }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </details>
    }
}

/// The legend's key for a message the network will lose: every stage that draws messages in
/// flight draws such a one as a ring (the message's own kind no longer matters).
pub fn lost_key() -> Html {
    html! { <span class="key lost">{ t("○ will be lost") }</span> }
}

/// What the stage shows above its drawing: the open lesson's panel, the preset's lesson as a
/// caption (`data-testid=preset-lesson`) until dismissed, and the link caption the replay has
/// reached (`data-testid=caption`).
pub fn lesson_caption<R: Run + 'static>(lab: &Lab<R>) -> Html {
    html! {
        <>
            { crate::components::lesson::lesson_panel(lab) }
            { preset_caption(lab) }
            { crate::components::lesson::caption(lab) }
        </>
    }
}

fn preset_caption<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let Some(p) = lab.player.lesson else {
        return html! {};
    };
    let d = lab.dispatch.clone();
    let ondismiss = Callback::from(move |_: MouseEvent| d.emit(Action::DismissLesson));
    html! {
        <div class="lesson" data-testid="preset-lesson" role="note">
            <strong>{ tr(p.title) }</strong>{" — "}{ tr(p.lesson) }
            <button class="x" data-testid="dismiss-lesson" title={tr("Hide the lesson")} aria-label={tr("Hide the lesson")} onclick={ondismiss}>{"✕"}</button>
        </div>
    }
}

/// The fault timeline: every fault of the run, each removable (the run replays without it).
pub fn fault_timeline(s: &Scenario, dispatch: &Callback<Action>) -> Html {
    fault_timeline_with(s, &[], dispatch)
}

/// The fault timeline with `drawn` faults besides the link's own (the system lab's chaos mode
/// draws them from the seed; the link's `chaos=` stands for them, so they are marked and cannot
/// be removed one by one): one list by time, the link's entries first at equal times.
pub fn fault_timeline_with(
    s: &Scenario,
    drawn: &[TimedFault],
    dispatch: &Callback<Action>,
) -> Html {
    let mut items = Vec::with_capacity(s.faults.len() + drawn.len());
    // One copy of the link's faults shared by every ✕ (each leaves out its own entry on click).
    let faults = std::rc::Rc::new(s.faults.clone());
    let (mut k, mut j) = (0, 0);
    while k < s.faults.len() || j < drawn.len() {
        let own = j == drawn.len() || (k < s.faults.len() && s.faults[k].at <= drawn[j].at);
        let (f, end) = if own {
            let (d, all, at) = (dispatch.clone(), faults.clone(), k);
            let onclick = Callback::from(move |_: MouseEvent| {
                let mut rest = (*all).clone();
                rest.remove(at);
                d.emit(Action::SetParam("faults".into(), fmt_timeline(&rest)))
            });
            k += 1;
            (
                &s.faults[k - 1],
                html! { <button class="x" title={tr("Remove this fault (the run replays without it)")} aria-label={tr("Remove")} {onclick}>{"✕"}</button> },
            )
        } else {
            j += 1;
            (
                &drawn[j - 1],
                html! { <span class="tag">{ t("chaos") }</span> },
            )
        };
        items.push(html! {
            <li class={if own { "chip" } else { "chip chaos" }} data-testid="fault-entry" data-chaos={(!own).then_some("1")}
                title={(!own).then(|| tr("drawn by the chaos mode from the seed (chaos= in the link)"))}>
                <code>{ f.to_string() }</code>{ end }
            </li>
        });
    }
    let clear = {
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::ClearFaults))
    };
    html! {
        <section class="panel faults" data-testid="fault-timeline">
            <h2>{ t("Fault timeline") }</h2>
            if items.is_empty() {
                <p class="muted">{ t("No faults yet. Click a node to crash or isolate it; every click is recorded here and in the link.") }</p>
            } else {
                <ul class="fault-list">{ for items }</ul>
            }
            if !s.faults.is_empty() {
                <button data-testid="clear-faults" onclick={clear}>{ if drawn.is_empty() { t("Clear all faults") } else { t("Clear the link's faults") } }</button>
            }
        </section>
    }
}
