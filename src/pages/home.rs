//! The home page: every lab, with its presets.

use crate::components::avail::AvailCalculator;
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
                <h1>{"High availability, one event at a time"}</h1>
                <p>{"Deterministic simulations you can pause, step forward and back, break on purpose and share: \
                     the same link replays the same run on every machine."}</p>
            </section>
            <ul class="lab-list">
                { for LabKind::ALL.iter().map(|&lab| html! {
                    <li class="lab-card">
                        <h2>{ link(format!("lab={}", lab.as_str()), format!("lab-link-{}", lab.as_str()), html!{ lab.title() }) }</h2>
                        <p>{ lab.summary() }</p>
                        <p class="presets-inline">{"Start from: "}
                            { for presets().iter().filter(|p| p.lab == lab).map(|p| html! {
                                <span class="chip">{ link(p.query.to_string(), format!("home-preset-{}", p.id), html!{ p.title }) }</span>
                            }) }
                        </p>
                    </li>
                }) }
            </ul>
            // Issue 13: the availability calculator, until the cluster lab mounts it.
            <section class="avail-home" aria-labelledby="avail-home-h" data-testid="avail-home">
                <h2 id="avail-home-h">{"Availability math: the nines"}</h2>
                <p class="muted">{"What 99.9 % allows, what redundancy buys, and how many pods a load needs: each formula next to a seeded simulation that checks it."}</p>
                <AvailCalculator />
            </section>
            <section class="how">
                <h2>{"How to use it"}</h2>
                <ul>
                    <li><kbd>{"Space"}</kbd>{" play / pause, "}<kbd>{"→"}</kbd>{" one event forward, "}<kbd>{"←"}</kbd>{" one event back."}</li>
                    <li>{"Click a node to crash, restart or isolate it; click a message in flight to drop it."}</li>
                    <li>{"Everything you do is recorded in the address bar. “Copy link” shares the exact run."}</li>
                </ul>
            </section>
        </main>
    }
}
