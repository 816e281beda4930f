//! The cluster stage's request dots, drawn on a canvas over the SVG.

use crate::components::hooks::StageScale;
use std::rc::Rc;
use yew::prelude::*;

/// Request dots of a dense cluster, in the drawing's coordinates (x, y, going to a pod that
/// cannot answer), and the drawing's viewBox size.
#[derive(Properties, Clone, PartialEq)]
pub(super) struct Dots {
    pub(super) dots: Rc<Vec<(f64, f64, bool)>>,
    pub(super) view: (f64, f64),
    /// The stage's measured scale: when it changes (a resize) while paused, the dots are drawn
    /// again and their place measured after the paint.
    pub(super) scale: StageScale,
}

/// Where the drawing is on the stage and the dots' colours, read after a paint (layout and
/// style are clean then, so reading them costs nothing; reading them right after a render would
/// force a layout inside the frame, as `use_stage_scale` explains).
#[derive(Clone, PartialEq)]
struct Place {
    /// The SVG's box relative to the stage's padding box, CSS px: left, top, width, height.
    rect: (f64, f64, f64, f64),
    dpr: f64,
    ok: String,
    lost: String,
}

/// The request dots of a dense cluster on a canvas laid over the drawing (the SVG right before
/// it in the stage): redrawing a small bitmap each frame instead of re-rastering the whole
/// picture. Colours from CSS (`.flow-canvas`: `color` and `--lost`), so themes apply. Each
/// render draws with the place measured last; the place is measured again after the paint that
/// follows, and a change (a resize, a caption above the drawing, a theme) redraws.
#[component]
pub(super) fn FlowDots(props: &Dots) -> Html {
    let canvas = use_node_ref();
    let place = use_mut_ref(|| None::<Place>);
    let latest = use_mut_ref(|| props.clone());
    let pending = use_mut_ref(|| false);
    {
        let canvas = canvas.clone();
        use_effect_with(props.clone(), move |d| {
            *latest.borrow_mut() = d.clone();
            if place.borrow().is_none() {
                *place.borrow_mut() = measure_place(&canvas); // the first draw only
            }
            draw_dots(&canvas, place.borrow().as_ref(), d);
            if !*pending.borrow() {
                *pending.borrow_mut() = true;
                let after_paint = wasm_bindgen::closure::Closure::once_into_js(move || {
                    *pending.borrow_mut() = false;
                    let now = measure_place(&canvas);
                    if now.is_some() && now != *place.borrow() {
                        *place.borrow_mut() = now;
                        draw_dots(&canvas, place.borrow().as_ref(), &latest.borrow());
                    }
                });
                crate::web::after_paint(after_paint);
            }
        });
    }
    html! { <canvas class="flow-canvas" ref={canvas} aria-hidden="true" /> }
}

fn measure_place(canvas: &NodeRef) -> Option<Place> {
    let canvas = canvas.cast::<web_sys::HtmlCanvasElement>()?;
    let svg = canvas.previous_element_sibling()?;
    let parent = canvas.parent_element()?;
    let (r, p) = (
        svg.get_bounding_client_rect(),
        parent.get_bounding_client_rect(),
    );
    let window = web_sys::window()?;
    let css = window.get_computed_style(&canvas).ok()??;
    let colour = |k: &str| {
        css.get_property_value(k)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    Some(Place {
        rect: (
            r.left() - p.left() - parent.client_left() as f64,
            r.top() - p.top() - parent.client_top() as f64,
            r.width(),
            r.height(),
        ),
        dpr: window.device_pixel_ratio().max(1.0),
        ok: colour("color"),
        lost: colour("--lost"),
    })
}

fn draw_dots(canvas: &NodeRef, place: Option<&Place>, d: &Dots) -> Option<()> {
    use wasm_bindgen::JsCast;
    let canvas = canvas.cast::<web_sys::HtmlCanvasElement>()?;
    let style = canvas.style();
    let Some(pl) = place.filter(|_| !d.dots.is_empty()) else {
        let _ = style.set_property("display", "none");
        return Some(());
    };
    let (left, top, w, h) = pl.rect;
    let px = |v: f64| format!("{}px", v.round() as i64);
    let _ = style.set_property("display", "block");
    let _ = style.set_property("left", &px(left));
    let _ = style.set_property("top", &px(top));
    let _ = style.set_property("width", &px(w));
    let _ = style.set_property("height", &px(h));
    let dpr = pl.dpr;
    let (cw, ch) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != cw || canvas.height() != ch {
        canvas.set_width(cw);
        canvas.set_height(ch);
    }
    let ctx = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<web_sys::CanvasRenderingContext2d>()
        .ok()?;
    ctx.clear_rect(0.0, 0.0, cw as f64, ch as f64);
    // The SVG's viewBox scaled to fit its box and centred (preserveAspectRatio xMidYMid meet).
    let (s, ox, oy) = crate::geometry::fit_view((w, h), d.view);
    for lost_now in [false, true] {
        ctx.set_fill_style_str(if lost_now { &pl.lost } else { &pl.ok });
        ctx.begin_path();
        for &(x, y, _) in d.dots.iter().filter(|dot| dot.2 == lost_now) {
            let (cx, cy) = ((ox + x * s) * dpr, (oy + y * s) * dpr);
            ctx.move_to(cx + 4.0 * s * dpr, cy);
            let _ = ctx.arc(cx, cy, 4.0 * s * dpr, 0.0, std::f64::consts::TAU);
        }
        ctx.fill();
    }
    Some(())
}
