//! How the page is shown, not what it runs (issue 14's classroom modes): presenter mode
//! (`present=1`), embed mode (`embed=1`) and the colour theme. The link's view keys are read once
//! ([`engine::scenario::view`]); they mark the root element (`data-present`, `data-embed`) for the
//! style sheet, and the address bar keeps them ([`crate::web::replace_query`]). The theme is
//! applied before the page draws by the loader in `index.html` (`window.haTheme`: the link's
//! `theme=`, else the reader's choice in localStorage, else `prefers-color-scheme`); the switch
//! here only calls it. The language (`lang=en|zh`) is chosen the same way by the loader
//! ([`crate::i18n`]); the select here keeps the choice and reloads the page in it.

use crate::i18n::{t, tr};
use crate::web;
use engine::scenario::view::{read, View};
use engine::scenario::ParamError;
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

thread_local! {
    static VIEW: Cell<Option<View>> = const { Cell::new(None) };
    /// The open lab's run as a link at this moment (set by each render of a lab page): the
    /// address bar lags behind while the run plays.
    static RUN_LINK: std::cell::RefCell<Option<Callback<(), String>>> = const { std::cell::RefCell::new(None) };
}

/// Registers the open run's link (the language select reloads the page at it).
pub fn set_run_link(link: Callback<(), String>) {
    RUN_LINK.with(|r| *r.borrow_mut() = Some(link));
}

/// The page's view (read from the address bar the first time).
pub fn current() -> View {
    VIEW.with(|v| match v.get() {
        Some(x) => x,
        None => {
            let x = read(&web::location_query()).0;
            v.set(Some(x));
            x
        }
    })
}

/// Problems with the link's view keys (the banner names the key).
pub fn errors() -> Vec<ParamError> {
    read(&web::location_query()).1
}

fn set(v: View) {
    VIEW.with(|c| c.set(Some(v)));
    mark(v);
    // The address bar keeps the run's link and the new view keys.
    web::replace_query(&web::location_query());
}

/// Marks the root element for the style sheet (`html[data-present]`, `html[data-embed]`).
pub fn mark(v: View) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    for (name, on) in [("data-present", v.present), ("data-embed", v.embed)] {
        let _ = if on {
            root.set_attribute(name, "")
        } else {
            root.remove_attribute(name)
        };
    }
}

/// Calls the loader's `haTheme(mode)` (`None`: re-apply); returns the mode in force.
fn theme_call(mode: Option<&str>) -> String {
    let Some(w) = web_sys::window() else {
        return "auto".into();
    };
    js_sys::Reflect::get(&w, &JsValue::from_str("haTheme"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| {
            f.call1(
                &JsValue::NULL,
                &mode.map_or(JsValue::UNDEFINED, JsValue::from_str),
            )
            .ok()
        })
        .and_then(|r| r.as_string())
        .unwrap_or_else(|| "auto".into())
}

/// The presenter-mode toggle (`data-testid=present`, in every lab's head): large type, high
/// contrast, the stage filling the screen, the controls shown when hovered or focused. Kept in
/// the link (`present=1`). Plain functions, not components (each component costs every bundle).
pub fn present_toggle() -> Html {
    let onclick = Callback::from(move |e: MouseEvent| {
        let v = View {
            present: !current().present,
            ..current()
        };
        set(v);
        // The button itself (the target may be its icon; Yew delegates listeners, so
        // `current_target` is not the button).
        if let Some(b) = e
            .target_dyn_into::<web_sys::Element>()
            .and_then(|t| t.closest("button").ok().flatten())
        {
            let _ = b.set_attribute("aria-pressed", if v.present { "true" } else { "false" });
        }
    });
    html! {
        <button class="present-toggle" data-testid="present" aria-pressed={current().present.to_string()} aria-label={tr("Present")} {onclick}
            title={tr("Presenter mode: large type, high contrast, the stage fills the screen; the controls show when hovered or focused (kept in the link as present=1)")}>
            <span aria-hidden="true">{"▣"}</span><span class="present-label">{ t(" Present") }</span>
        </button>
    }
}

/// The theme switch (`data-testid=theme`, in the header of every page): Auto follows the
/// system's `prefers-color-scheme`; Light and Dark are kept in this browser (localStorage). A
/// link's `theme=` wins over it; choosing here drops that key from the address bar.
pub fn theme_switch() -> Html {
    let mode = theme_call(None);
    let onchange = Callback::from(move |e: Event| {
        let value = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        let v = current();
        if v.theme.is_some() {
            set(View { theme: None, ..v });
        }
        theme_call(Some(&value));
    });
    let opt = |value: &'static str, label: &'static str| {
        html! { <option {value} selected={mode == value}>{ label }</option> }
    };
    html! {
        <label class="theme-switch" title={tr("Colours: follow the system, or always light or dark (kept in this browser; a link's theme= wins)")}>
            <span class="sr-only">{ t("Theme") }</span>
            <select data-testid="theme" {onchange}>
                { opt("auto", tr("◐ Auto")) }{ opt("light", tr("☀ Light")) }{ opt("dark", tr("☾ Dark")) }
            </select>
        </label>
    }
}

/// The language select (`data-testid=lang`, in the header of every page): English or 中文. The
/// choice is kept in this browser (localStorage `ha-lang`) and in the link (`lang=`); the page
/// reloads in it at the same run (and step).
pub fn lang_select() -> Html {
    let lang = crate::i18n::lang();
    let onchange = Callback::from(move |e: Event| {
        let value = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        web::call_window("haLangSet", &[&value]);
        let run = RUN_LINK
            .with(|r| r.borrow().as_ref().map(|c| c.emit(())))
            .unwrap_or_else(web::location_query);
        VIEW.with(|c| {
            c.set(Some(View {
                lang: engine::scenario::view::Lang::parse(&value),
                ..current()
            }))
        });
        web::replace_query(&run);
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    let opt = |value: &'static str, label: &'static str| {
        html! { <option {value} lang={value} selected={lang == value}>{ label }</option> }
    };
    html! {
        <label class="theme-switch lang-switch" title={tr("Language (kept in this browser and in the link as lang=)")}>
            <span class="sr-only">{ t("Language") }</span>
            <select data-testid="lang" {onchange}>
                { opt("en", "English") }{ opt("zh", "中文") }
            </select>
        </label>
    }
}

/// The embed mode's way out (`data-testid=open-playground`): the same run, the whole page, in a
/// new tab. The link is taken when it is followed, so it carries the run's position then.
pub fn open_in_playground(query: Callback<(), String>) -> Html {
    let onclick = Callback::from(move |e: MouseEvent| {
        if let Some(a) = e.target_dyn_into::<web_sys::Element>() {
            let v = View {
                embed: false,
                ..current()
            };
            let _ = a.set_attribute("href", &web::full_link_with(&query.emit(()), v));
        }
    });
    html! {
        <a class="open-playground" data-testid="open-playground" target="_blank" rel="noopener"
            href={web::full_link_with(&web::location_query(), View { embed: false, ..current() })} {onclick}>
            { t("Open in the playground ↗") }
        </a>
    }
}
