//! The event log: one line per processed event (the engine's trace `Display`), newest last.

use crate::i18n::{t, tr, trf};
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
            notes: e
                .notes
                .iter()
                .map(|n| AttrValue::from(n.to_string()))
                .collect(),
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
        // Stepped back: the window has room for older lines; format only those (a step back
        // formats one line, not 200).
        let oldest = self.lines.front().map_or(u64::MAX, |l| l.step);
        for e in tail.iter().rev().filter(|e| e.step < oldest) {
            if self.lines.len() >= tail.len() {
                break;
            }
            self.lines.push_front(LogLine::of(e));
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
        <>
        { announcer(&props.lines, props.playing) }
        <section class="panel log-panel">
            <h2>{ t("Event log") }<span class="muted">{ trf(" — {} events, newest first", &[&props.total]) }</span></h2>
            <ol class="event-log" data-testid="event-log" tabindex="0" aria-label={tr("Event log")}>
                // The lines in a fragment of their own, so it is a fully keyed list (the "earlier
                // events" line after it has no key): a step adds and removes one line instead of
                // Yew redrawing all 200 (children of the `<ol>` itself are diffed by position).
                <>{ for props.lines.iter().rev().take(if props.playing { PLAYING_LINES } else { LOG_LINES }).map(|l| html! {
                    <li key={l.step} class={classes!("event", l.kind)} data-testid="event" data-step={l.step.to_string()}>
                        <span class="step">{ format!("#{}", l.step) }</span>{" "}{ l.text.clone() }
                        { for l.notes.iter().map(|n| html! { <div class="note">{ n.clone() }</div> }) }
                    </li>
                }) }</>
                if hidden > 0 {
                    <li class="muted">{ trf("… {} earlier events (step back or scrub to see them)", &[&hidden]) }</li>
                }
            </ol>
        </section>
        </>
    }
}

/// Words of a note that tell a change a listener wants to hear about (a role, a verdict, a
/// failover); other notes (a vote granted, an entry appended) are heard only when nothing
/// better happened.
const NEWS: [&str; 18] = [
    "leader",
    "wins",
    "candidate",
    "elect",
    "promot",
    "demot",
    "down",
    "dead",
    "suspect",
    "crash",
    "restart",
    "fenc",
    "eject",
    "failover",
    "split",
    "refut",
    "firing",
    "evict",
];

/// True when note `n` names a change ([`NEWS`]). A byte-window search: `str::contains` would
/// link the general substring searcher into every bundle for this alone.
fn is_news(n: &str) -> bool {
    NEWS.iter()
        .any(|w| n.as_bytes().windows(w.len()).any(|x| x == w.as_bytes()))
}

/// How much a line is worth announcing: a fault 3, a note with news 2, another note 1.
fn weight(l: &LogLine) -> u8 {
    if l.kind == "ev-fault" {
        3
    } else if l.notes.iter().any(|n| is_news(n)) {
        2
    } else {
        u8::from(!l.notes.is_empty())
    }
}

/// One line as a sentence: `1350ms: node 3: wins the election for term 2 (votes 1, 3, 4)`.
fn sentence(l: &LogLine) -> String {
    let text = l.text.as_str();
    let (time, what) = text.split_once(' ').unwrap_or((text, ""));
    // The node that acted: a timer's node, or a message's receiver.
    let who = what
        .strip_prefix("node ")
        .or_else(|| what.split_once('→').map(|(_, r)| r))
        .map(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty());
    let note = l
        .notes
        .iter()
        .find(|n| is_news(n))
        .or_else(|| l.notes.first());
    match (l.kind, who, note) {
        ("ev-fault", _, _) | (_, _, None) => format!("{time}: {what}"),
        (_, Some(w), Some(n)) => format!("{time}: node {w}: {n}"),
        (_, None, Some(n)) => format!("{time}: {n}"),
    }
}

/// Least real time between two announcements while playing.
const ANNOUNCE_EVERY_MS: f64 = 1000.0;

#[derive(Default)]
struct Said {
    at_ms: f64,
    step: u64,
    text: String,
}

thread_local! {
    /// What the page's live region said last (one region per page).
    static SAID: std::cell::RefCell<Said> = std::cell::RefCell::new(Said::default());
}

/// An ARIA live region (`data-testid=announce`, visually hidden) telling a screen reader what
/// the run does at a readable rate: while playing, at most one sentence a second, the most
/// telling event since the last one (a fault, then a role or verdict change) and how many
/// events went by; one step forward or back says that event; scrubbing and jumps stay quiet.
/// `lines`: the most recent lines, oldest first. A plain function over a page-wide state (a
/// component would cost every bundle its own machinery).
pub fn announcer(lines: &[LogLine], playing: bool) -> Html {
    SAID.with(|said| announce(&mut said.borrow_mut(), lines, playing))
}

fn announce(s: &mut Said, lines: &[LogLine], playing: bool) -> Html {
    let newest = lines.last().map_or(0, |l| l.step);
    let now = crate::web::now_ms();
    if playing {
        if newest > s.step && now - s.at_ms >= ANNOUNCE_EVERY_MS {
            let fresh: Vec<&LogLine> = lines.iter().filter(|l| l.step > s.step).collect();
            // The most telling line; the latest of equals (the state now).
            if let Some(best) = fresh
                .iter()
                .max_by_key(|l| weight(l))
                .filter(|l| weight(l) > 0)
            {
                let more = newest - s.step - 1;
                s.text = if more > 0 {
                    trf("{} (and {} more events)", &[&sentence(best), &more])
                } else {
                    sentence(best)
                };
                s.at_ms = now;
            }
            s.step = newest;
        } else if newest < s.step {
            s.step = newest;
        }
    } else if newest == s.step + 1 {
        s.text = lines.last().map(sentence).unwrap_or_default();
        s.step = newest;
    } else if newest + 1 == s.step {
        s.text = format!("back to event {newest}");
        s.step = newest;
    } else {
        s.step = newest;
    }
    html! {
        <div class="sr-only live" data-testid="announce" role="status" aria-live="polite" aria-atomic="true">
            { s.text.clone() }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::SimTime;

    fn trace(steps: std::ops::RangeInclusive<u64>) -> Vec<TraceEvent<String, String>> {
        steps
            .map(|step| TraceEvent {
                step,
                time: SimTime(step * 1_000),
                what: What::Timer {
                    node: (step % 3) as usize,
                    timer: format!("tick {step}"),
                },
                notes: Vec::new(),
            })
            .collect()
    }

    fn steps(lines: &[LogLine]) -> Vec<u64> {
        lines.iter().map(|l| l.step).collect()
    }

    /// Forward, back one, back far, forward again, a tail with fewer lines than the window:
    /// the incremental lines always end with a fresh cache's lines of the same tail, and are
    /// the newest lines of the whole run (a step number is the same event), without a hole.
    #[test]
    fn incremental_lines_equal_a_fresh_format() {
        let mut cache = LogCache::default();
        for (from, to) in [
            (1, 300),
            (1, 301),
            (1, 300),
            (1, 299),
            (1, 150),
            (40, 420),
            (400, 410),
            (380, 409),
            (1, 3),
            (1, 0),
        ] {
            let t = trace(from..=to);
            let lines = cache.update(1, &t);
            let fresh = LogCache::default().update(1, &t);
            let whole = LogCache::default().update(1, &trace(1..=to));
            assert!(
                lines.ends_with(&fresh),
                "{from}..={to}: {:?}",
                steps(&lines)
            );
            assert!(
                whole.ends_with(&lines),
                "{from}..={to}: {:?}",
                steps(&lines)
            );
            assert!(lines.len() >= fresh.len().min(LOG_LINES));
        }
    }
}
