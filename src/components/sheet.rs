//! The selected node's actions as a sheet next to the node on a phone. Every lab page marks the
//! panel of its selected node (or machine) with the class `sheet` and puts [`close_button`] in
//! it; beside the stage (wider than 600 px) it stays an ordinary panel of the side column. On a
//! phone the stylesheet lifts it out of the column and [`place`] (run by `use_lab` when the
//! selection changes) sets it just below the tapped node, or above it when there is more room
//! there, within the screen: no scrolling to find the actions. The × button and Escape close it
//! (`use_player_keys`); the sheet takes the keyboard focus when it opens and gives it back to the
//! node when it closes.

use crate::i18n::tr;
use crate::player::Action;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// The sheet's × (shown on a phone only): deselects the node.
pub fn close_button(dispatch: &Callback<Action>) -> Html {
    let d = dispatch.clone();
    let onclick = Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        d.emit(Action::Select(None));
    });
    html! {
        <button class="x sheet-x" data-testid="sheet-close" title={tr("Close (Esc)")} aria-label={tr("Close (Esc)")} {onclick}>{"✕"}</button>
    }
}

/// The node the sheet was opened at (its focus comes back there on close).
#[derive(Default)]
pub struct Anchor {
    node: Option<Element>,
    selected: Option<usize>,
}

/// Places the sheet for selection `selected` (see the module's comment).
pub fn place(selected: Option<usize>, last: &mut Anchor) {
    let Some(w) = web_sys::window() else { return };
    let Some(doc) = w.document() else { return };
    let changed = last.selected != selected;
    last.selected = selected;
    if selected.is_none() {
        // The sheet went with the focus in it: back to the node it belonged to.
        if let Some(node) = last.node.take() {
            let lost = doc.active_element().is_none_or(|a| a.tag_name() == "BODY");
            if lost {
                focus(&node);
            }
        }
        return;
    }
    let sheet = doc
        .query_selector(".sheet")
        .ok()
        .flatten()
        .map(|e| e.unchecked_into::<HtmlElement>());
    let anchor = doc
        .query_selector("[data-testid=stage] .selected")
        .ok()
        .flatten();
    let (Some(sheet), Some(anchor)) = (sheet, anchor) else {
        return;
    };
    let num = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let (vw, vh) = (num(w.inner_width()), num(w.inner_height()));
    if vw > 600.0 {
        let _ = sheet.remove_attribute("style");
        return;
    }
    let a = anchor.get_bounding_client_rect();
    let parent_top = sheet
        .offset_parent()
        .map_or(-w.scroll_y().unwrap_or(0.0), |p| {
            p.get_bounding_client_rect().top()
        });
    let gap = 6.0;
    // At most 55 % of the screen (a longer sheet scrolls inside): most of the stage stays in sight.
    let want = (f64::from(sheet.scroll_height()) + 4.0).min(0.55 * vh);
    let (below, above) = (vh - a.bottom() - 2.0 * gap, a.top() - 2.0 * gap);
    // Viewport coordinates: below the node, above it, or (the node scrolled out of sight, or no
    // room either side) along the bottom of the screen.
    let (top, max_h) = if a.bottom() < 0.0 || a.top() > vh || below.max(above) < 140.0 {
        (vh - gap - want, want)
    } else if want <= below || below >= above {
        (a.bottom() + gap, want.min(below))
    } else {
        (a.top() - gap - want.min(above), want.min(above))
    };
    let _ = sheet.set_attribute(
        "style",
        &format!(
            "top:{}px;max-height:{}px",
            (top - parent_top).round() as i32,
            max_h.floor() as i32
        ),
    );
    if changed {
        last.node = Some(anchor);
        let _ = sheet.set_attribute("tabindex", "-1");
        let _ = sheet.focus();
    }
}

/// Focuses `node`, or the first focusable element in it.
fn focus(node: &Element) {
    let target = if node.has_attribute("tabindex") {
        Some(node.clone())
    } else {
        node.query_selector("[tabindex]").ok().flatten()
    };
    // `focus` is the same call on an SVG element (no type check in the binding).
    if let Some(t) = target {
        let _ = t.unchecked_ref::<HtmlElement>().focus();
    }
}
