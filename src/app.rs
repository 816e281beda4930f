//! The app shell. Each lab is its own wasm bundle (so a page downloads only its lab): a small
//! loader in `index.html` reads `?lab=` and starts the matching bundle, or the home bundle. Links
//! between pages are ordinary navigations; the query stays the whole scenario, so links work on
//! any static host and under any sub-path.

use crate::components::banner::ErrorBanner;
use crate::i18n::t;
use crate::pages::home::Home;
use crate::web;
use engine::scenario::Decoded;
use std::rc::Rc;
use yew::prelude::*;

/// The address bar, decoded for lab `L`'s page (its bundle links only `L`'s keys). A lesson
/// link (`lesson=…&step=…`) is read as its step's link; a bad `lesson`/`step` is reported and
/// the lesson is off / step 1 shown; a step of another lab navigates to that lab's page.
pub fn decoded_location_for<L: engine::lab::Lab>() -> Rc<Decoded> {
    let query = web::location_query();
    match engine::lesson::open_for::<L>(&query) {
        Some(o) => {
            if let Some(q) = &o.elsewhere {
                web::navigate(q);
            }
            let mut d = engine::scenario::decode_for::<L>(&o.link);
            d.errors.splice(0..0, o.errors);
            d.errors.extend(crate::view::errors());
            Rc::new(d)
        }
        None => {
            let mut d = engine::scenario::decode_for::<L>(&query);
            d.errors.extend(crate::view::errors());
            Rc::new(d)
        }
    }
}

/// Props of [`Shell`].
#[derive(Properties, PartialEq)]
pub struct ShellProps {
    /// The page.
    #[prop_or_default]
    pub children: Html,
}

/// The header and footer around every page. The header carries `data-testid=app-ready`.
#[component]
pub fn Shell(props: &ShellProps) -> Html {
    html! {
        <>
            <header class="top" data-testid="app-ready">
                <a href="./" class="brand" data-testid="home-link">{ t("HA Playground") }</a>
                <span class="tagline">{ t("interactive high-availability labs") }</span>
                { crate::view::lang_select() }
                { crate::view::theme_switch() }
            </header>
            { props.children.clone() }
            <footer class="foot">{ t("Deterministic simulation: a link replays the same run, event for event, on every machine.") }</footer>
        </>
    }
}

/// The home bundle's root: the list of labs, and the banner for a link naming no known lab.
#[component]
pub fn HomeApp() -> Html {
    let query = web::location_query();
    let mut errors = engine::scenario::decode_home(&query);
    // `?lesson=ID&step=N` without a lab: that step's page.
    match engine::lesson::route_without_lab(&query) {
        Some(Ok(link)) => web::navigate(&link),
        Some(Err(e)) => {
            errors.retain(|x| {
                x.param != "lesson" && x.param != "step" && x.param != engine::lesson::link::KEY
            });
            errors.push(e);
        }
        None => {}
    }
    errors.extend(crate::view::errors());
    html! {
        <Shell>
            <ErrorBanner {errors} />
            <Home />
        </Shell>
    }
}

/// Starts a bundle: the panic panel, then the root component.
pub fn start<C: BaseComponent<Properties = ()>>() {
    web::install_panic_panel();
    crate::view::mark(crate::view::current());
    yew::Renderer::<C>::new().render();
}

/// Starts the bundle of one replication section (`S`), or hands the link to the bundle of the
/// section it asks for (a lesson step or a link of another section).
pub fn start_replication_section<const S: u8, C: BaseComponent<Properties = ()>>() {
    use engine::replication::{section_of, SectionLab};
    let d = decoded_location_for::<SectionLab<S>>();
    let want = d.scenario.setup::<SectionLab<S>>().sec;
    if want != section_of(S) && web::start_bundle(crate::pages::replication::bundle_of(want)) {
        return;
    }
    start::<C>();
}

/// Defines a lab bundle's root component: the shell around the lab's page, fed the decoded link.
#[macro_export]
macro_rules! lab_root {
    ($root:ident, $page:path, $lab:path) => {
        #[yew::component]
        fn $root() -> yew::Html {
            let decoded = $crate::app::decoded_location_for::<$lab>();
            yew::html! { <$crate::app::Shell><$page {decoded} /></$crate::app::Shell> }
        }
    };
}
