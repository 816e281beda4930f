//! Browser glue: the address bar, the clipboard, keyboard focus, and a visible panel instead of
//! a blank page if the app ever panics.

use wasm_bindgen::{JsCast, JsValue};

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

/// `query` without the view keys (`present`, `embed`, `theme`).
pub fn strip_view(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| {
            !kv.is_empty() && !engine::scenario::view::is_key(kv.split('=').next().unwrap_or(""))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A shareable link for `query` shown as `view`.
pub fn full_link_with(query: &str, view: engine::scenario::view::View) -> String {
    format!("{}?{}", base_url(), view.append_to(&strip_view(query)))
}

/// A shareable link for `query`, shown as this page is (presenter mode, theme: the view keys).
pub fn full_link(query: &str) -> String {
    full_link_with(query, crate::view::current())
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

/// Rewrites the address bar without a new history entry (every change to a run); the page's
/// view keys (`present=1`, …) stay.
pub fn replace_query(query: &str) {
    let query = crate::view::current().append_to(&strip_view(query));
    if location_query() != query {
        history_call(&query, false);
    }
}

/// Navigates to another page of the app (a new history entry).
pub fn push_query(query: &str) {
    history_call(&crate::view::current().append_to(&strip_view(query)), true);
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

/// Loads another page of the app (`?query`): a full navigation, so the loader starts the bundle
/// that page's lab needs.
pub fn navigate(query: &str) {
    if let Some(w) = web_sys::window() {
        // Presenter mode, embed mode and a forced theme follow a lesson into another lab.
        let query = crate::view::current().append_to(&strip_view(query));
        let _ = w.location().assign(&format!("?{query}"));
    }
}

/// Calls the page's global function `window.<name>(args…)` (defined in `index.html`); false
/// when there is none.
pub fn call_window(name: &str, args: &[&str]) -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let Ok(f) = js_sys::Reflect::get(&w, &JsValue::from_str(name)) else {
        return false;
    };
    let Some(f) = f.dyn_ref::<js_sys::Function>() else {
        return false;
    };
    let args: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    f.apply(&JsValue::NULL, &args).is_ok()
}

/// Asks the page's loader (`window.haStart` in `index.html`) to start another bundle of the
/// same page: a lab split into bundles (the replication sections) hands a link of another
/// section to that section's bundle. Returns false when there is no loader to ask.
pub fn start_bundle(name: &str) -> bool {
    call_window("haStart", &[name])
}

/// A fresh seed from the browser's cryptographic randomness (`crypto.getRandomValues`): only
/// the app draws it; the engine is given the number like any other seed in a link.
pub fn random_seed() -> Option<u64> {
    let mut b = [0u8; 4];
    web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut b)
        .ok()?;
    Some(u32::from_le_bytes(b) as u64)
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    download_url(name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Offers the resource at `url` (an object or `data:` URL) as a file download named `name`.
pub fn download_url(name: &str, url: &str) {
    use wasm_bindgen::JsCast;
    if let Some(a) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(url);
        a.set_download(name);
        a.click();
    }
}

/// Reads the first file chosen in a file input as text, then calls `done` (at most 64 KB: a
/// larger file is reported without being read).
pub fn read_file(
    input: &web_sys::HtmlInputElement,
    done: impl FnOnce(Result<String, String>) + 'static,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    let limit = engine::lesson::json::MAX_FILE_BYTES as f64;
    if file.size() > limit {
        done(Err(format!(
            "the file is {} bytes (limit {})",
            engine::fmtnum::fixed(file.size(), 0),
            engine::lesson::json::MAX_FILE_BYTES
        )));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let r2 = reader.clone();
    let cb = Closure::once(move || {
        let text = r2.result().ok().and_then(|v| v.as_string());
        done(text.ok_or_else(|| "the file could not be read as text".to_string()));
    });
    reader.set_onloadend(Some(cb.as_ref().unchecked_ref()));
    cb.forget();
    let _ = reader.read_as_text(&file);
}

/// Calls `f` (a JS function) after the next paint: an animation frame, then a task. Layout and
/// style are clean then, so measuring the page there forces nothing (measuring right after a
/// render would force a synchronous layout inside the frame).
pub fn after_paint(f: JsValue) {
    let next_frame = wasm_bindgen::closure::Closure::once_into_js(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), 0);
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(next_frame.unchecked_ref());
    }
}

/// Where a mouse event happened in the user units of the SVG it happened in, whose viewBox is
/// `view` (width, height) from 0, 0 ([`crate::geometry::fit_view`] places the drawing), and how
/// many user units a CSS pixel is there.
pub fn svg_point(e: &web_sys::MouseEvent, view: (f64, f64)) -> Option<(crate::geometry::Pt, f64)> {
    let el: web_sys::Element = e.target()?.dyn_into().ok()?;
    let svg = el.closest("svg").ok()??;
    let r = svg.get_bounding_client_rect();
    let (s, left, top) = crate::geometry::fit_view((r.width(), r.height()), view);
    if s <= 0.0 {
        return None;
    }
    let at = crate::geometry::Pt {
        x: (f64::from(e.client_x()) - r.left() - left) / s,
        y: (f64::from(e.client_y()) - r.top() - top) / s,
    };
    Some((at, 1.0 / s))
}

/// Whether the screen is a phone's (under 600 CSS px wide: the stylesheet's phone layout, where
/// a stage's picture takes the height its width gives it). The cluster stacks its zones there;
/// the load balancer keeps its narrowest picture.
pub fn narrow_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < 600.0)
}
