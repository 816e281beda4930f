//! The teaching layer of every lab page: the lesson panel on the stage (steps, "predict, then
//! see", the goal), link captions (`notes=`) on the stage and their editor, a lab's lessons
//! menu, a fresh random seed, and export/import of the run (JSON, CSV).

use crate::components::lab::Lab;
use crate::i18n::{t, tr, trf};
use crate::player::{Action, Course};
use crate::web;
use engine::history::Run;
use engine::lesson::{json, lesson_from_json, GoalStatus, Json};
use engine::scenario::notes::note_at;
use engine::scenario::ParamError;
use engine::time::fmt_ms;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The format tag of an exported run (`"format": "ha-playground/1"`).
pub const RUN_FORMAT: &str = "ha-playground/1";

fn emit(d: &Callback<Action>, a: Action) -> Callback<MouseEvent> {
    let d = d.clone();
    Callback::from(move |_: MouseEvent| d.emit(a.clone()))
}

/// The open lesson's panel (`data-testid=lesson-panel`), on the stage.
pub fn lesson_panel<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let Some(c) = &lab.player.course else {
        return html! {};
    };
    let d = &lab.dispatch;
    let st = c.current();
    let n = c.lesson.steps.len();
    html! {
        <section class="lesson-panel" data-testid="lesson-panel" aria-label={tr("Lesson")}>
            <div class="lesson-top">
                <strong class="lesson-title">{ tr(&c.lesson.title).to_string() }</strong>
                <span class="lesson-nav">
                    <button data-testid="lesson-back" onclick={emit(d, Action::LessonBack)} disabled={c.step == 0}
                        title={tr("Previous step (p or PageUp)")}>{ t("◀ Back") }</button>
                    <span data-testid="lesson-step" class="lesson-step" aria-live="polite">{ format!("{} / {n}", c.step + 1) }</span>
                    <button data-testid="lesson-next" onclick={emit(d, Action::LessonNext)} disabled={c.step + 1 >= n}
                        title={tr("Next step (n or PageDown)")}>{ t("Next ▶") }</button>
                    <button class="x" data-testid="lesson-close" onclick={emit(d, Action::CloseLesson)}
                        title={tr("Close the lesson (the run stays)")} aria-label={tr("Close the lesson")}>{"✕"}</button>
                </span>
            </div>
            <p class="lesson-text"><strong data-testid="lesson-step-title">{ tr(&st.title).to_string() }</strong>{" — "}
                <span data-testid="lesson-text">{ tr(&st.text).to_string() }</span></p>
            { question(c, d) }
            { goal(c, lab.player.goal.as_ref()) }
        </section>
    }
}

fn question(c: &Course, d: &Callback<Action>) -> Html {
    let Some(q) = &c.current().question else {
        return html! {};
    };
    let choices = q.choices.iter().enumerate().map(|(k, text)| {
        let mark = match c.answer {
            Some(_) if k == q.answer => Some(("correct", "✓ ")),
            Some(a) if a == k => Some(("wrong", "✗ ")),
            _ => None,
        };
        html! {
            <button class={classes!("lesson-choice", mark.map(|m| m.0))} data-testid="lesson-choice"
                onclick={emit(d, Action::Answer(k))} disabled={c.answer.is_some()}
                aria-pressed={(c.answer == Some(k)).to_string()}>
                { mark.map(|m| m.1).unwrap_or("") }{ tr(text).to_string() }
            </button>
        }
    });
    html! {
        <div class="lesson-question" data-testid="lesson-question" role="group" aria-label={tr("Predict, then see")}>
            <p><strong>{ t("Predict: ") }</strong>{ tr(&q.prompt).to_string() }
                if c.answer.is_none() { <span class="muted">{ t(" (the run waits for your answer)") }</span> }</p>
            <div class="lesson-choices">{ for choices }</div>
            if let Some(a) = c.answer {
                <p class="lesson-explanation" data-testid="lesson-explanation" role="status">
                    <strong>{ if a == q.answer { tr("Right. ") } else { tr("Not quite. ") } }</strong>{ tr(&q.explanation).to_string() }
                    <span class="muted">{ trf(" (the run plays to {} ms)", &[&fmt_ms(q.reveal.0)]) }</span>
                </p>
            }
        </div>
    }
}

fn goal(c: &Course, status: Option<&GoalStatus>) -> Html {
    let Some(g) = &c.current().goal else {
        return html! {};
    };
    let (met, shown) = match status {
        Some(GoalStatus::Met) => (true, tr("✓ done").to_string()),
        Some(GoalStatus::NotYet(v)) => (false, trf("○ not yet ({} = {})", &[&g.metric, &v])),
        Some(GoalStatus::Unknown) => (false, trf("? this lab does not measure {}", &[&g.metric])),
        None => (false, String::new()),
    };
    html! {
        <p class={classes!("lesson-goal", met.then_some("met"))} data-testid="lesson-goal" data-met={met.to_string()}
            title={g.condition()}>
            <strong>{ t("Goal: ") }</strong>{ tr(&g.text).to_string() }{" — "}<span>{ shown }</span>
        </p>
    }
}

/// The link caption the replay has reached (`data-testid=caption`), on the stage.
pub fn caption<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let now = lab.player.hist.borrow().now();
    match note_at(&lab.player.scenario.notes, now) {
        Some(n) => html! {
            <div class="caption" data-testid="caption" role="status" aria-live="polite"
                data-at={fmt_ms(n.at.0)}>{ n.text.clone() }</div>
        },
        None => html! {},
    }
}

/// The head's teaching tools: this lab's lessons, the captions editor, export and import.
pub fn lesson_tools<R: Run + 'static>(lab: &Lab<R>) -> Html {
    html! {
        <>
            { lessons_menu(lab) }
            { captions_menu(lab) }
            { file_menu(lab) }
        </>
    }
}

/// The page's lessons as `(id, title)`.
type Titles = Rc<Vec<(&'static str, String)>>;

thread_local! {
    /// The titles of the page's lessons (read once).
    static TITLES: std::cell::RefCell<Option<Titles>> = const { std::cell::RefCell::new(None) };
}

fn titles(lessons: &'static [engine::lesson::Builtin]) -> Titles {
    TITLES.with(|t| {
        t.borrow_mut()
            .get_or_insert_with(|| {
                Rc::new(
                    lessons
                        .iter()
                        .map(|b| {
                            let title = json::parse(b.json)
                                .ok()
                                .and_then(|v| match v.get("title") {
                                    Some(Json::Str(s)) => Some(s.clone()),
                                    _ => None,
                                })
                                .unwrap_or_else(|| b.id.to_string());
                            (b.id, title)
                        })
                        .collect(),
                )
            })
            .clone()
    })
}

fn lessons_menu<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let fns = &lab.player.fns;
    if fns.lessons.is_empty() {
        return html! {};
    }
    let name = fns.name;
    html! {
        <details class="preset-menu lessons-menu" data-testid="lessons-menu">
            <summary>{ t("Lessons ▾") }</summary>
            <ul role="list">
                { for titles(fns.lessons).iter().map(|(id, title)| html! {
                    <li><a class="preset" href={format!("?lab={name}&lesson={id}&step=1")}
                        data-testid={format!("lab-lesson-{id}")}>{ tr(title).to_string() }</a></li>
                }) }
            </ul>
        </details>
    }
}

fn captions_menu<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let p = &lab.player;
    let now = p.hist.borrow().now();
    let d = lab.dispatch.clone();
    let input = NodeRef::default();
    let add = {
        let input = input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<HtmlInputElement>() {
                d.emit(Action::AddNote(i.value()));
                i.set_value("");
            }
        })
    };
    let notes = &p.scenario.notes;
    html! {
        <details class="preset-menu captions-menu" data-testid="captions">
            <summary>{ trf("Captions ({}) ▾", &[&notes.len()]) }</summary>
            <div class="menu-body">
                <ul role="list">
                    { for notes.iter().enumerate().map(|(k, n)| html! {
                        <li class="caption-entry" data-testid="caption-entry">
                            <code>{ format!("{} ms", fmt_ms(n.at.0)) }</code>{" "}{ n.text.clone() }
                            <button class="x" data-testid="caption-remove" aria-label={tr("Remove this caption")}
                                onclick={emit(&lab.dispatch, Action::RemoveNote(k))}>{"✕"}</button>
                        </li>
                    }) }
                </ul>
                <form onsubmit={add}>
                    <label>{ trf("A caption at {} ms (shown from then on, kept in the link)", &[&fmt_ms(now.0)]) }
                        <input type="text" ref={input} data-testid="caption-text" maxlength="200" />
                    </label>
                    <button type="submit" data-testid="caption-add">{ t("Add") }</button>
                </form>
            </div>
        </details>
    }
}

/// The New seed button (beside the seed field): the same scenario with a fresh random seed.
pub fn new_seed(d: &Callback<Action>) -> Html {
    let d = d.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        if let Some(seed) = web::random_seed() {
            d.emit(Action::SetParam("seed".into(), seed.to_string()));
        }
    });
    html! {
        <button data-testid="new-seed" {onclick} title={tr("The same scenario with a fresh random seed (a new run, still a replayable link)")}>
            { t("New seed") }
        </button>
    }
}

/// The run (and the open lesson) as a JSON file that loads back to the same run.
fn run_json<R: Run + 'static>(lab: &Lab<R>) -> String {
    let p = &lab.player;
    let mut kv = vec![
        ("format".to_string(), Json::Str(RUN_FORMAT.into())),
        ("link".to_string(), Json::Str(p.scenario_query())),
    ];
    if let Some(c) = &p.course {
        kv.push(("lesson".into(), c.lesson.to_json()));
        kv.push(("step".into(), Json::Int(c.step as i64 + 1)));
    }
    Json::Obj(kv).pretty()
}

/// Loads an exported run or a lesson file.
fn import<R: Run + 'static>(
    text: &str,
    fns: crate::player::LabFns<R>,
    d: &Callback<Action>,
) -> Result<(), String> {
    let v = json::parse(text).map_err(|e| e.to_string())?;
    match v.get("format") {
        Some(Json::Str(f)) if f == engine::lesson::FORMAT => {
            let mut l = lesson_from_json(&v, &fns.check_link).map_err(|e| e.to_string())?;
            l.carried = engine::lesson::link::carry(&l);
            d.emit(Action::OpenLesson(Rc::new(l), 0, None));
            Ok(())
        }
        Some(Json::Str(f)) if f == RUN_FORMAT => {
            let Some(Json::Str(link)) = v.get("link") else {
                return Err("link: missing".into());
            };
            let lab = form_urlencoded_lab(link);
            if lab.as_deref() != Some(fns.name) {
                // Another lab's run: its own page (an ordinary navigation).
                web::navigate(link);
                return Ok(());
            }
            let lesson = match v.get("lesson") {
                Some(l) => {
                    Some(lesson_from_json(l, &fns.check_link).map_err(|e| format!("lesson: {e}"))?)
                }
                None => None,
            };
            let dec = (fns.decode)(link);
            match lesson {
                Some(l) => {
                    let step = match v.get("step") {
                        Some(Json::Int(k)) if *k >= 1 && (*k as usize) <= l.steps.len() => {
                            *k as usize - 1
                        }
                        _ => 0,
                    };
                    // The lesson at its step, with the exported run (it may have moved on).
                    d.emit(Action::OpenLesson(
                        Rc::new(l),
                        step,
                        Some(Box::new(dec.scenario)),
                    ));
                }
                None => d.emit(Action::Load(Box::new(dec.scenario), dec.errors)),
            }
            Ok(())
        }
        _ => Err(format!(
            "format: expected \"{RUN_FORMAT}\" (an exported run) or \"{}\" (a lesson)",
            engine::lesson::FORMAT
        )),
    }
}

fn form_urlencoded_lab(link: &str) -> Option<String> {
    link.trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("lab=").map(str::to_string))
}

fn file_menu<R: Run + 'static>(lab: &Lab<R>) -> Html {
    let p = lab.player.clone();
    let fns = p.fns;
    let stem = {
        let now = p.hist.borrow().now();
        format!("ha-{}-seed{}-t{}", fns.name, p.scenario.seed, fmt_ms(now.0))
    };
    let on_json = {
        let text = run_json(lab);
        let name = format!("{stem}.json");
        Callback::from(move |_: MouseEvent| web::download(&name, "application/json", &text))
    };
    let on_csv = {
        let p = p.clone();
        let name = format!("{stem}.csv");
        Callback::from(move |_: MouseEvent| {
            let fields = (p.fns.measure)(&p.hist.borrow());
            web::download(&name, "text/csv", &engine::lesson::measure::csv(&fields));
        })
    };
    let on_import = {
        let d = lab.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let d = d.clone();
            web::read_file(&input, move |r| {
                if let Err(m) = r.and_then(|text| import(&text, fns, &d)) {
                    d.emit(Action::Report(ParamError {
                        param: "import".into(),
                        message: trf("{}; nothing was loaded", &[&m]),
                    }));
                }
            });
            input.set_value("");
        })
    };
    html! {
        <details class="preset-menu file-menu" data-testid="file-menu">
            <summary>{ t("Export ▾") }</summary>
            <div class="menu-body">
                <button data-testid="export-json" onclick={on_json}
                    title={tr("The scenario (and the open lesson) as JSON; Import loads it back to the same run")}>{ t("Download run (JSON)") }</button>
                <button data-testid="export-csv" onclick={on_csv} title={tr("The run's measurements at this moment")}>{ t("Measurements (CSV)") }</button>
                { crate::components::export::picture_buttons(&stem) }
                <label class="import">{ t("Import a run or a lesson (JSON): ") }
                    <input type="file" accept=".json,application/json" data-testid="import-json" onchange={on_import} />
                </label>
            </div>
        </details>
    }
}
