//! The stage's picture as a file (issue 14's export): a standalone SVG, with the style each
//! element has on the page written into it (so it looks the same opened anywhere: the style
//! sheet's classes, the theme and the stage scale resolved), and a PNG drawn from that SVG on a
//! canvas at twice the on-screen size.

use crate::web;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement, HtmlImageElement};
use yew::prelude::*;

/// The presentation properties an SVG picture needs, each with the value that can be left out
/// (the SVG default).
const PROPS: [(&str, &str); 18] = [
    ("fill", ""),
    ("fill-opacity", "1"),
    ("stroke", "none"),
    ("stroke-width", "1px"),
    ("stroke-dasharray", "none"),
    ("stroke-dashoffset", "0px"),
    ("stroke-linecap", "butt"),
    ("stroke-linejoin", "miter"),
    ("stroke-opacity", "1"),
    ("opacity", "1"),
    ("font-size", ""),
    ("font-weight", "400"),
    ("font-family", ""),
    ("text-anchor", "start"),
    ("dominant-baseline", "auto"),
    ("paint-order", "normal"),
    ("visibility", "visible"),
    ("display", "inline"),
];

/// The stage's first SVG picture.
fn stage_picture() -> Option<Element> {
    web_sys::window()?
        .document()?
        .query_selector("[data-testid=stage] svg")
        .ok()?
}

/// The computed style of `el` as a `style` attribute, defaults left out.
fn inline_style(w: &web_sys::Window, el: &Element) -> String {
    let Ok(Some(cs)) = w.get_computed_style(el) else {
        return String::new();
    };
    let mut out = String::new();
    for (p, default) in PROPS {
        let v = cs.get_property_value(p).unwrap_or_default();
        if !v.is_empty() && v != default {
            out.push_str(p);
            out.push(':');
            out.push_str(&v);
            out.push(';');
        }
    }
    out
}

/// The stage's picture as a standalone SVG document, with its size in CSS pixels.
pub fn stage_svg() -> Option<(String, f64, f64)> {
    let w = web_sys::window()?;
    let svg = stage_picture()?;
    let copy: Element = svg.clone_node_with_deep(true).ok()?.dyn_into().ok()?;
    let (from, to) = (
        svg.query_selector_all("*").ok()?,
        copy.query_selector_all("*").ok()?,
    );
    for i in 0..from.length().min(to.length()) {
        let (Some(a), Some(b)) = (from.item(i), to.item(i)) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (a.dyn_into::<Element>(), b.dyn_into::<Element>()) else {
            continue;
        };
        // Classes stay (names to restyle by); the look no longer depends on them.
        let _ = b.set_attribute("style", &inline_style(&w, &a));
    }
    let r = svg.get_bounding_client_rect();
    // Whole pixels, written as integers: `f64`'s shortest `Display` would link about 10 KB of
    // float formatting into every bundle.
    let (width, height) = (r.width().round().max(1.0), r.height().round().max(1.0));
    let _ = copy.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    let _ = copy.set_attribute("width", &(width as u32).to_string());
    let _ = copy.set_attribute("height", &(height as u32).to_string());
    let _ = copy.set_attribute("style", &inline_style(&w, &svg));
    // The stage's background under the picture (a PNG has no page behind it).
    let doc = w.document()?;
    let bg = svg
        .closest("[data-testid=stage]")
        .ok()
        .flatten()
        .and_then(|s| w.get_computed_style(&s).ok().flatten())
        .and_then(|cs| cs.get_property_value("background-color").ok())
        .unwrap_or_else(|| "#fff".into());
    let vb: Vec<String> = svg
        .get_attribute("viewBox")
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if let (Ok(rect), [x, y, vw, vh]) = (
        doc.create_element_ns(Some("http://www.w3.org/2000/svg"), "rect"),
        vb.as_slice(),
    ) {
        for (k, v) in [("x", x), ("y", y), ("width", vw), ("height", vh)] {
            let _ = rect.set_attribute(k, v);
        }
        let _ = rect.set_attribute("fill", &bg);
        let _ = copy.prepend_with_node_1(&rect);
    }
    let text = web_sys::XmlSerializer::new()
        .ok()?
        .serialize_to_string(&copy)
        .ok()?;
    Some((
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{text}\n"),
        width,
        height,
    ))
}

/// Draws `svg` (`width` × `height` CSS px) on a canvas at twice the size and offers it as a PNG.
fn download_png(name: String, svg: &str, width: f64, height: f64) -> Option<()> {
    let doc = web_sys::window()?.document()?;
    let img = HtmlImageElement::new().ok()?;
    let url = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(svg))
    );
    let img2 = img.clone();
    let onload = Closure::once_into_js(move || {
        let draw = || -> Option<String> {
            let canvas: HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
            canvas.set_width((width * 2.0) as u32);
            canvas.set_height((height * 2.0) as u32);
            let ctx: web_sys::CanvasRenderingContext2d =
                canvas.get_context("2d").ok()??.dyn_into().ok()?;
            ctx.draw_image_with_html_image_element_and_dw_and_dh(
                &img2,
                0.0,
                0.0,
                width * 2.0,
                height * 2.0,
            )
            .ok()?;
            canvas.to_data_url_with_type("image/png").ok()
        };
        if let Some(data) = draw() {
            web::download_url(&name, &data);
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
    Some(())
}

/// The Export menu's picture buttons (`data-testid=export-svg`, `export-png`); files named
/// `<stem>.svg` / `.png`.
pub fn picture_buttons(stem: &str) -> Html {
    let on_svg = {
        let name = format!("{stem}.svg");
        Callback::from(move |_: MouseEvent| {
            if let Some((text, _, _)) = stage_svg() {
                web::download(&name, "image/svg+xml", &text);
            }
        })
    };
    let on_png = {
        let name = format!("{stem}.png");
        Callback::from(move |_: MouseEvent| {
            if let Some((text, w, h)) = stage_svg() {
                download_png(name.clone(), &text, w, h);
            }
        })
    };
    html! {
        <>
            <button data-testid="export-svg" onclick={on_svg} title="The stage's picture as it is now, as an SVG file that looks the same outside the page">{"Picture (SVG)"}</button>
            <button data-testid="export-png" onclick={on_png} title="The stage's picture as it is now, as a PNG image (twice the screen size)">{"Picture (PNG)"}</button>
        </>
    }
}
