//! The stage's picture as a file (issue 14's export): the Export menu's two buttons. The work —
//! a standalone SVG with each element's on-page style written into it, and a PNG drawn from it
//! on a canvas at twice the size — is `static/export.js`, which `index.html`'s `haExport`
//! imports on the first click: it is presentation only, and no page downloads it up front
//! (as Rust it cost every bundle about 4 KB gzip).

use crate::i18n::{t, tr};
use crate::web;
use yew::prelude::*;

/// The Export menu's picture buttons (`data-testid=export-svg`, `export-png`); files named
/// `<stem>.svg` / `.png`.
pub fn picture_buttons(stem: &str) -> Html {
    let button = |kind: &'static str| {
        let stem = stem.to_string();
        Callback::from(move |_: MouseEvent| {
            web::call_window("haExport", &[kind, &stem]);
        })
    };
    html! {
        <>
            <button data-testid="export-svg" onclick={button("svg")} title={tr("The stage's picture as it is now, as an SVG file that looks the same outside the page")}>{ t("Picture (SVG)") }</button>
            <button data-testid="export-png" onclick={button("png")} title={tr("The stage's picture as it is now, as a PNG image (twice the screen size)")}>{ t("Picture (PNG)") }</button>
        </>
    }
}
