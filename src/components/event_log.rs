//! The event log: one line per processed event (the engine's trace `Display`), newest last.

use std::rc::Rc;
use yew::prelude::*;

/// Lines shown at most (older ones stay in the trace and the link).
pub const LOG_LINES: usize = 200;

/// One rendered trace line.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// 1-based step number.
    pub step: u64,
    /// The event (time and what happened).
    pub text: String,
    /// The handler's notes.
    pub notes: Vec<String>,
    /// A class for colouring (fault, drop, deliver, timer).
    pub kind: &'static str,
}

/// Props of [`EventLog`].
#[derive(Properties, PartialEq, Clone)]
pub struct EventLogProps {
    /// The most recent lines, oldest first.
    pub lines: Rc<Vec<LogLine>>,
    /// Total events so far.
    pub total: u64,
}

/// The scrolling log; it keeps the newest line in view.
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let list_ref = use_node_ref();
    {
        let list_ref = list_ref.clone();
        use_effect_with(props.total, move |_| {
            if let Some(el) = list_ref.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let hidden = props.total.saturating_sub(props.lines.len() as u64);
    html! {
        <section class="panel log-panel">
            <h2>{"Event log"}<span class="muted">{ format!(" — {} events", props.total) }</span></h2>
            <ol class="event-log" data-testid="event-log" ref={list_ref}>
                if hidden > 0 {
                    <li class="muted">{ format!("… {hidden} earlier events (step back or scrub to see them)") }</li>
                }
                { for props.lines.iter().map(|l| html! {
                    <li key={l.step} class={classes!("event", l.kind)} data-testid="event" data-step={l.step.to_string()}>
                        <span class="step">{ format!("#{}", l.step) }</span>{" "}{ l.text.clone() }
                        { for l.notes.iter().map(|n| html! { <div class="note">{ n.clone() }</div> }) }
                    </li>
                }) }
            </ol>
        </section>
    }
}
