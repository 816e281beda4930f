//! The app shell: routes by the `lab` query parameter (works on any static host, under any
//! sub-path), a header, and the error banner for links that name no known lab.

use crate::components::banner::ErrorBanner;
use crate::pages::heartbeat::HeartbeatPage;
use crate::pages::home::Home;
use crate::pages::lb::LbPage;
use crate::pages::raft::RaftPage;
use crate::pages::ring::RingPage;
use crate::web;
use engine::scenario::{decode, Decoded, LabKind};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What the address bar says, decoded, plus a counter so re-opening a page re-initialises it.
#[derive(Clone, PartialEq)]
struct Route {
    decoded: Rc<Decoded>,
    generation: u64,
}

fn read_route(generation: u64) -> Route {
    Route {
        decoded: Rc::new(decode(&web::location_query())),
        generation,
    }
}

/// The root component.
#[component]
pub fn App() -> Html {
    let route = use_state(|| read_route(0));
    // Browser back/forward: re-read the address bar.
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let win = web_sys::window();
            let cb = Closure::wrap(Box::new(move |_: web_sys::Event| {
                route.set(read_route(route.generation + 1));
            }) as Box<dyn FnMut(web_sys::Event)>);
            if let Some(w) = &win {
                let _ = w.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &win {
                    let _ = w.remove_event_listener_with_callback(
                        "popstate",
                        cb.as_ref().unchecked_ref(),
                    );
                }
                drop(cb);
            }
        });
    }
    let navigate = {
        let route = route.clone();
        Callback::from(move |query: String| {
            web::push_query(&query);
            route.set(read_route(route.generation + 1));
            if let Some(w) = web_sys::window() {
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
        })
    };
    let home_click = {
        let navigate = navigate.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            navigate.emit(String::new());
        })
    };
    let d = route.decoded.clone();
    let page = match d.lab {
        Some(LabKind::Lb) => html! { <LbPage key={route.generation} decoded={d.clone()} /> },
        Some(LabKind::Ring) => html! { <RingPage key={route.generation} decoded={d.clone()} /> },
        Some(LabKind::Raft) => html! { <RaftPage key={route.generation} decoded={d.clone()} /> },
        Some(LabKind::Heartbeat) => {
            html! { <HeartbeatPage key={route.generation} decoded={d.clone()} onnavigate={navigate.clone()} /> }
        }
        None => html! {
            <>
                <ErrorBanner errors={d.errors.clone()} />
                <Home onnavigate={navigate.clone()} />
            </>
        },
    };
    html! {
        <>
            <header class="top" data-testid="app-ready">
                <a href="./" class="brand" onclick={home_click} data-testid="home-link">{"HA Playground"}</a>
                <span class="tagline">{"interactive high-availability labs"}</span>
            </header>
            { page }
            <footer class="foot">{"Deterministic simulation: a link replays the same run, event for event, on every machine."}</footer>
        </>
    }
}
