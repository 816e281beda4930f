//! SVG pieces several lab stages draw the same way, as plain render functions: a node's disc
//! (halo and body) and a message in flight (its group, tooltip and dot; a click drops it).
//!
//! It lives beside the pages rather than in `components/`: `scripts/page-css.mjs` counts the
//! classes named here (`halo`, `body`) for the pages that use this module, where a component's
//! would count for every page. Inlined: one call site per page, and a call costs more wasm than
//! the markup it writes.

use crate::geometry::{f1, Pt};
use yew::prelude::*;

/// A node's disc centred on `c`: the halo (`halo` units wider; shown when the node is selected
/// or focused) under the body of radius `r`.
#[inline(always)]
pub fn node_disc(c: Pt, r: f64, halo: f64) -> Html {
    html! {
        <>
            <circle class="halo" cx={f1(c.x)} cy={f1(c.y)} r={f1(r + halo)} />
            <circle class="body" cx={f1(c.x)} cy={f1(c.y)} r={f1(r)} />
        </>
    }
}

/// A message in flight as a stage draws it (see [`message_dot`]).
pub struct MessageDot {
    /// The message's id (`data-msg-id`, and the test id `msg-<id>` when `testid`).
    pub id: u64,
    /// The group's classes (`msg`, its kind, `lost`, `held`, …).
    pub class: Classes,
    /// Where the dot is.
    pub at: Pt,
    /// The dot's radius, as the `r` attribute reads.
    pub r: AttrValue,
    /// The tooltip.
    pub title: String,
    /// Whether the group carries the test id `msg-<id>`.
    pub testid: bool,
    /// `data-kind`, when the page sets it.
    pub kind: Option<&'static str>,
    /// `data-label`, when the page sets it.
    pub label: Option<String>,
}

/// A message in flight: a group with its classes and ids, its tooltip and its dot, then `extra`
/// (a label beside the dot); a click on the group runs `onclick` (dropping the message).
#[inline(always)]
pub fn message_dot(d: MessageDot, onclick: Callback<MouseEvent>, extra: Html) -> Html {
    html! {
        <g class={d.class} data-testid={d.testid.then(|| format!("msg-{}", d.id))} data-msg-id={d.id.to_string()}
            data-kind={d.kind} data-label={d.label} {onclick}>
            <title>{ d.title }</title>
            <circle cx={f1(d.at.x)} cy={f1(d.at.y)} r={d.r} />
            { extra }
        </g>
    }
}
