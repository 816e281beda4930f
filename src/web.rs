//! Browser glue: the address bar, the clipboard, keyboard focus, and a visible panel instead of
//! a blank page if the app ever panics.

use wasm_bindgen::JsValue;

/// The current query string without `?` (empty outside a browser).
pub fn location_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .map(|s| s.trim_start_matches('?').to_string())
        .unwrap_or_default()
}

/// The page's address without query or fragment.
pub fn base_url() -> String {
    let Some(w) = web_sys::window() else {
        return String::new();
    };
    let l = w.location();
    let origin = l.origin().unwrap_or_default();
    let path = l.pathname().unwrap_or_default();
    format!("{origin}{path}")
}

/// A shareable link for `query`.
pub fn full_link(query: &str) -> String {
    format!("{}?{query}", base_url())
}

fn history_call(query: &str, push: bool) {
    let Some(w) = web_sys::window() else { return };
    let Ok(h) = w.history() else { return };
    let url = if query.is_empty() {
        base_url()
    } else {
        format!("?{query}")
    };
    let _ = if push {
        h.push_state_with_url(&JsValue::NULL, "", Some(&url))
    } else {
        h.replace_state_with_url(&JsValue::NULL, "", Some(&url))
    };
}

/// Rewrites the address bar without a new history entry (every change to a run).
pub fn replace_query(query: &str) {
    if location_query() != query {
        history_call(query, false);
    }
}

/// Navigates to another page of the app (a new history entry).
pub fn push_query(query: &str) {
    history_call(query, true);
}

/// Copies text to the clipboard (best effort: the page also shows the link to copy by hand).
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        // A denied clipboard rejects the promise; swallow it (the link is also shown to copy).
        let ignore = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
        let _ = w.navigator().clipboard().write_text(text).catch(&ignore);
        ignore.forget();
    }
}

/// True when keyboard focus is in a control that uses the keys itself (so Space and the
/// arrows are not taken over by the player shortcuts).
pub fn focus_in_control() -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    match doc.active_element() {
        Some(el) => matches!(
            el.tag_name().to_ascii_lowercase().as_str(),
            "input" | "select" | "textarea" | "button" | "a"
        ),
        None => false,
    }
}

/// Installs a panic hook that logs to the console and shows an error panel with the link, so
/// the user never faces a blank page and never loses the scenario.
pub fn install_panic_panel() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(panel) = doc.create_element("div") else {
            return;
        };
        panel.set_class_name("panic-panel");
        let _ = panel.set_attribute("data-testid", "panic-panel");
        let _ = panel.set_attribute("role", "alert");
        let msg = format!(
            "Something went wrong inside HA Playground and the page stopped. Your scenario is still in the \
             address bar: reload to replay it, or open the home page. Please report this message: {info}"
        );
        panel.set_text_content(Some(&msg));
        if let Some(body) = doc.body() {
            let _ = body.prepend_with_node_1(&panel);
        }
    }));
}

/// Milliseconds from the page's time origin (`performance.now()`), or 0 outside a browser.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
