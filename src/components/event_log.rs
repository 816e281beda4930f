//! The event log: one line per processed event (the engine's trace `Display`), newest last.

use engine::sim::{TraceEvent, What};
use std::collections::VecDeque;
use std::fmt::Display;
use std::rc::Rc;
use yew::prelude::*;

/// Lines shown at most (older ones stay in the trace and the link).
pub const LOG_LINES: usize = 200;

/// One rendered trace line (cheap to clone: the strings are shared).
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// 1-based step number.
    pub step: u64,
    /// The event (time and what happened).
    pub text: AttrValue,
    /// The handler's notes.
    pub notes: Rc<[AttrValue]>,
    /// A class for colouring (fault, drop, deliver, timer).
    pub kind: &'static str,
}

impl LogLine {
    fn of<M: Display, T: Display>(e: &TraceEvent<M, T>) -> LogLine {
        LogLine {
            step: e.step,
            text: e.headline().into(),
            notes: e.notes.iter().map(|n| AttrValue::from(n.clone())).collect(),
            kind: match &e.what {
                What::Fault(_) => "ev-fault",
                What::Drop { .. } => "ev-drop",
                What::Hold { .. } => "ev-hold",
                What::Deliver { .. } => "ev-deliver",
                What::Timer { .. } => "ev-timer",
            },
        }
    }
}

/// The last [`LOG_LINES`] lines of a run, formatted incrementally: a frame that adds 50 events
/// formats 50 lines, not 200. Keep one per page (`use_mut_ref`).
#[derive(Default)]
pub struct LogCache {
    run: usize,
    lines: VecDeque<LogLine>,
}

impl LogCache {
    /// The lines for `trace` of the run identified by `run` (any value that changes when the
    /// run is rebuilt, e.g. the address of its `Rc`).
    pub fn update<M: Display, T: Display>(
        &mut self,
        run: usize,
        trace: &[TraceEvent<M, T>],
    ) -> Rc<Vec<LogLine>> {
        // The run keeps a tail of its trace: lines are matched by step number, not position.
        let tail = &trace[trace.len().saturating_sub(LOG_LINES)..];
        if run != self.run {
            self.run = run;
            self.lines.clear();
        }
        let newest = tail.last().map_or(0, |e| e.step);
        // Stepped back: drop lines past the newest event; the ones before are the same events.
        while self.lines.back().is_some_and(|l| l.step > newest) {
            self.lines.pop_back();
        }
        let have = self.lines.back().map_or(0, |l| l.step);
        for e in tail.iter().filter(|e| e.step > have) {
            self.lines.push_back(LogLine::of(e));
            if self.lines.len() > LOG_LINES {
                self.lines.pop_front();
            }
        }
        if self.lines.len() < tail.len() {
            // Stepped back past the window's start: rebuild it.
            self.lines = tail.iter().map(LogLine::of).collect();
        }
        Rc::new(self.lines.iter().cloned().collect())
    }
}

/// Props of [`EventLog`].
#[derive(Properties, PartialEq, Clone)]
pub struct EventLogProps {
    /// The most recent lines, oldest first.
    pub lines: Rc<Vec<LogLine>>,
    /// Total events so far.
    pub total: u64,
    /// While playing only the newest few lines are drawn (they scroll by too fast to read, and
    /// redrawing 200 lines every frame costs more than the rest of the page).
    #[prop_or_default]
    pub playing: bool,
}

/// Lines drawn while playing.
const PLAYING_LINES: usize = 12;

/// The log, newest line first (so the newest stays in view without scrolling, which would force
/// a layout every frame while playing).
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let shown = if props.playing {
        props.lines.len().min(PLAYING_LINES)
    } else {
        props.lines.len()
    };
    let hidden = props.total.saturating_sub(shown as u64);
    html! {
        <section class="panel log-panel">
            <h2>{"Event log"}<span class="muted">{ format!(" — {} events, newest first", props.total) }</span></h2>
            <ol class="event-log" data-testid="event-log">
                { for props.lines.iter().rev().take(if props.playing { PLAYING_LINES } else { LOG_LINES }).map(|l| html! {
                    <li key={l.step} class={classes!("event", l.kind)} data-testid="event" data-step={l.step.to_string()}>
                        <span class="step">{ format!("#{}", l.step) }</span>{" "}{ l.text.clone() }
                        { for l.notes.iter().map(|n| html! { <div class="note">{ n.clone() }</div> }) }
                    </li>
                }) }
                if hidden > 0 {
                    <li class="muted">{ format!("… {hidden} earlier events (step back or scrub to see them)") }</li>
                }
            </ol>
        </section>
    }
}
