//! The home page: every lab, with its presets.

use crate::components::avail::AvailCalculator;
use crate::i18n::{t, tr, trf};
use engine::scenario::{presets, LabKind};
use yew::prelude::*;

/// The list of labs. Links are ordinary navigations: each lab is its own bundle.
#[component]
pub fn Home() -> Html {
    let link = |query: String, testid: String, body: Html| {
        html! { <a href={format!("?{query}")} data-testid={testid}>{ body }</a> }
    };
    html! {
        <main class="home">
            <section class="intro">
                <h1>{ t("High availability, one event at a time") }</h1>
                <p>{ t("Deterministic simulations you can pause, step forward and back, break on purpose and share: \
                     the same link replays the same run on every machine.") }</p>
            </section>
            <ul class="lab-list">
                { for LabKind::ALL.iter().map(|&lab| html! {
                    <li class="lab-card">
                        <h2>{ link(format!("lab={}", lab.as_str()), format!("lab-link-{}", lab.as_str()), html!{ tr(lab.title()) }) }</h2>
                        <p>{ tr(lab.summary()) }</p>
                        <p class="presets-inline">{ t("Start from: ") }
                            { for presets().iter().filter(|p| p.lab == lab).map(|p| html! {
                                <span class="chip">{ link(p.query.to_string(), format!("home-preset-{}", p.id), html!{ tr(p.title) }) }</span>
                            }) }
                        </p>
                    </li>
                }) }
            </ul>
            { lessons_index() }
            // Issue 13: the availability calculator (also on the cluster lab's page).
            <section class="avail-home" aria-labelledby="avail-home-h" data-testid="avail-home">
                <h2 id="avail-home-h">{ t("Availability math: the nines") }</h2>
                <p class="muted">{ t("What 99.9 % allows, what redundancy buys, and how many pods a load needs: each formula next to a seeded simulation that checks it.") }</p>
                <AvailCalculator />
            </section>
            <section class="how">
                <h2>{ t("How to use it") }</h2>
                <ul>
                    <li><kbd>{ t("Space") }</kbd>{ t(" play / pause, ") }<kbd>{"→"}</kbd>{ t(" one event forward, ") }<kbd>{"←"}</kbd>{ t(" one event back.") }</li>
                    <li>{ t("Click a node to crash, restart or isolate it; click a message in flight to drop it.") }</li>
                    <li>{ t("Everything you do is recorded in the address bar. “Copy link” shares the exact run.") }</li>
                </ul>
            </section>
        </main>
    }
}

/// The lessons index (`data-testid=lesson-link-<id>`): every built-in lesson with its lab, its
/// number of steps and its summary; a link opens step 1.
fn lessons_index() -> Html {
    let lessons = engine::lesson::builtins()
        .into_iter()
        .filter_map(|(lab, b)| {
            engine::lesson::parse_lesson(b.json, &engine::lesson::check_link_lab)
                .ok()
                .map(|l| (lab, l))
        });
    html! {
        <section class="lessons-index" data-testid="lessons" aria-labelledby="lessons-h">
            <h2 id="lessons-h">{ t("Lessons") }</h2>
            <p class="muted">{ t("Guided steps through each lab: every step is a link, Back and Next work both ways \
                (n / p or PageDown / PageUp), some ask you to predict what happens before the run shows it.") }</p>
            <ul class="lesson-list">
                { for lessons.map(|(lab, l)| html! {
                    <li class="lesson-card">
                        <a href={format!("?{}", l.step_link(1))} data-testid={format!("lesson-link-{}", l.id)}>
                            <strong>{ tr(&l.title).to_string() }</strong>
                        </a>
                        <span class="muted">{ trf(" · {} · {} steps", &[&tr(lab.title()), &l.steps.len()]) }</span>
                        <p>{ tr(&l.summary).to_string() }</p>
                    </li>
                }) }
            </ul>
        </section>
    }
}
