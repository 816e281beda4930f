//! Hooks: the animation-frame loop and the keyboard shortcuts.

use crate::player::Action;
use engine::fmtnum::fixed;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

type FrameClosure = Closure<dyn FnMut(f64)>;

/// While `active`, calls `on_frame(dt_ms)` once per animation frame with the real time since
/// the previous frame.
#[hook]
pub fn use_frames(active: bool, on_frame: Callback<f64>) {
    use_effect_with(active, move |&active| {
        let slot: Rc<RefCell<Option<FrameClosure>>> = Rc::new(RefCell::new(None));
        let id = Rc::new(Cell::new(0i32));
        let stopped = Rc::new(Cell::new(false));
        if active {
            if let Some(window) = web_sys::window() {
                let last = Rc::new(Cell::new(None::<f64>));
                let (slot2, id2, stopped2) = (slot.clone(), id.clone(), stopped.clone());
                let w2 = window.clone();
                *slot.borrow_mut() = Some(Closure::wrap(Box::new(move |ts: f64| {
                    if stopped2.get() {
                        return;
                    }
                    if let Some(prev) = last.get() {
                        on_frame.emit(ts - prev);
                    }
                    last.set(Some(ts));
                    if let Some(cb) = slot2.borrow().as_ref() {
                        if let Ok(h) = w2.request_animation_frame(cb.as_ref().unchecked_ref()) {
                            id2.set(h);
                        }
                    }
                }) as Box<dyn FnMut(f64)>));
                if let Some(cb) = slot.borrow().as_ref() {
                    if let Ok(h) = window.request_animation_frame(cb.as_ref().unchecked_ref()) {
                        id.set(h);
                    }
                }
            }
        }
        move || {
            stopped.set(true);
            if let Some(w) = web_sys::window() {
                let _ = w.cancel_animation_frame(id.get());
            }
            slot.borrow_mut().take();
        }
    });
}

/// The player's keys on the whole document (unless focus is in a form control): Space
/// plays/pauses, → steps, ← steps back, Escape deselects the node (closing its sheet); while a lesson is open (`lesson`) also N / Page Down for
/// its next step and P / Page Up for the step before.
#[hook]
pub fn use_player_keys(dispatch: Callback<Action>, lesson: bool) {
    use_effect_with(lesson, move |&lesson| {
        let doc = web_sys::window().and_then(|w| w.document());
        let listener = Closure::wrap(Box::new(move |e: web_sys::KeyboardEvent| {
            // Escape closes the selected node's sheet (components/sheet.rs), also from its fields.
            if e.key() == "Escape" {
                dispatch.emit(Action::Select(None));
                return;
            }
            if e.alt_key() || e.ctrl_key() || e.meta_key() || crate::web::focus_in_control() {
                return;
            }
            let action = match e.key().as_str() {
                " " | "Spacebar" => Action::TogglePlay,
                "ArrowRight" => Action::Step,
                "ArrowLeft" => Action::StepBack,
                "n" | "PageDown" if lesson => Action::LessonNext,
                "p" | "PageUp" if lesson => Action::LessonBack,
                _ => return,
            };
            e.prevent_default();
            dispatch.emit(action);
        }) as Box<dyn FnMut(web_sys::KeyboardEvent)>);
        if let Some(d) = &doc {
            let _ =
                d.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(d) = &doc {
                let _ = d.remove_event_listener_with_callback(
                    "keydown",
                    listener.as_ref().unchecked_ref(),
                );
            }
            drop(listener);
        }
    });
}

/// How the stage's picture (the first `svg` in `[data-testid=stage]`, drawn with
/// `preserveAspectRatio` "meet") is shown, measured after every render and on every resize.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageScale {
    /// SVG user units per CSS pixel. Pages put it on the stage as `--k` (see [`stage_style`]) so
    /// the stylesheet keeps every stage text at least 12.5 CSS px as rendered
    /// (`font-size: max(17px, var(--t))`, `--t = --text-px × --k`: 12.5 px, 19 in presenter mode),
    /// and size their drawings with it ([`StageScale::text_k`]).
    pub k: f64,
    /// User units per CSS pixel across the width alone (the scale a picture would have if its
    /// height followed its width, as on a phone).
    pub kw: f64,
    /// Width / height of the picture's box in CSS px.
    pub aspect: f64,
    /// The picture box's width in CSS px (a page that picks its picture's width from the box
    /// computes the scale that width would have).
    pub width: f64,
    /// The least size of stage text in CSS px: the stylesheet's `--text-px`, 12.5, or 19 in
    /// presenter mode.
    pub text_px: f64,
}

impl Default for StageScale {
    fn default() -> Self {
        StageScale {
            k: 1.0,
            kw: 1.0,
            aspect: 1.0,
            width: 0.0,
            text_px: TEXT_PX,
        }
    }
}

/// Stage text's least size outside presenter mode (CSS px).
const TEXT_PX: f64 = 12.5;

impl StageScale {
    /// [`StageScale::k`] in units of the stage's text: pages size their text as 12.5 × this
    /// (user units), which is the text's least size as drawn in presenter mode too.
    pub fn text_k(&self) -> f64 {
        self.k * self.text_scale()
    }

    /// [`StageScale::kw`] likewise.
    pub fn text_kw(&self) -> f64 {
        self.kw * self.text_scale()
    }

    /// How much larger than 12.5 CSS px stage text is at least (1, or 1.52 in presenter mode).
    pub fn text_scale(&self) -> f64 {
        self.text_px / TEXT_PX
    }

    fn near(&self, o: &StageScale) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 0.02 * a.abs().max(b.abs());
        close(self.k, o.k)
            && close(self.kw, o.kw)
            && close(self.aspect, o.aspect)
            && close(self.width, o.width)
            && close(self.text_px, o.text_px)
    }
}

/// The stage's [`StageScale`], re-measured after the paint that follows a render and on every
/// window resize (a re-render only when it changed by more than 2 %).
#[hook]
pub fn use_stage_scale() -> StageScale {
    let sc = use_state_eq(StageScale::default);
    let pending = use_mut_ref(|| false);
    {
        let sc = sc.clone();
        // Measured after the next paint (an animation frame, then a task), when layout is clean:
        // reading it right after a render would force a synchronous layout inside the frame's
        // task (100+ ms on a heavy LB picture while replaying).
        use_effect(move || {
            if !*pending.borrow() {
                *pending.borrow_mut() = true;
                let after_paint = Closure::once_into_js(move || {
                    *pending.borrow_mut() = false;
                    if let Some(v) = measure_stage() {
                        if !v.near(&sc) {
                            sc.set(v);
                        }
                    }
                });
                crate::web::after_paint(after_paint);
            }
        });
    }
    {
        let sc = sc.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window();
            let listener = Closure::wrap(Box::new(move || {
                if let Some(v) = measure_stage() {
                    sc.set(v);
                }
            }) as Box<dyn FnMut()>);
            if let Some(w) = &window {
                let _ =
                    w.add_event_listener_with_callback("resize", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "resize",
                        listener.as_ref().unchecked_ref(),
                    );
                }
                drop(listener);
            }
        });
    }
    *sc
}

/// The stage's `style`: the scale `--k` from [`use_stage_scale`].
pub fn stage_style(sc: StageScale) -> String {
    format!("--k:{}", fixed(sc.k, 2))
}

/// A non-negative decimal as the pages write viewBoxes (`1280`, `412.5`). Hand-made: `str::parse`
/// for `f64` would link the float parser into every bundle (about 10 KB gzip) for this alone.
fn plain_number(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || int.len() + frac.len() > 15 {
        return None;
    }
    let whole = int.parse::<u64>().ok()? as f64;
    let part = if frac.is_empty() {
        0.0
    } else {
        frac.parse::<u64>().ok()? as f64 / 10f64.powi(frac.len() as i32)
    };
    Some(whole + part)
}

/// Measures the stage's first SVG (None before layout).
fn measure_stage() -> Option<StageScale> {
    let doc = web_sys::window()?.document()?;
    let svg = doc.query_selector("[data-testid=stage] svg").ok()??;
    let vb: Vec<f64> = svg
        .get_attribute("viewBox")?
        .split([' ', ','])
        .filter_map(plain_number)
        .collect();
    let (vw, vh) = (*vb.get(2)?, *vb.get(3)?);
    let r = svg.get_bounding_client_rect();
    if r.width() < 1.0 || r.height() < 1.0 || vw <= 0.0 || vh <= 0.0 {
        return None;
    }
    let round = |v: f64| (v.clamp(0.25, 8.0) * 20.0).round() / 20.0;
    let (s, _, _) = crate::geometry::fit_view((r.width(), r.height()), (vw, vh));
    Some(StageScale {
        k: round(1.0 / s),
        kw: round(vw / r.width()),
        aspect: round(r.width() / r.height()),
        width: r.width().round(),
        text_px: text_px(&doc).unwrap_or(TEXT_PX),
    })
}

/// The stylesheet's `--text-px` on the root element (a plain number).
fn text_px(doc: &web_sys::Document) -> Option<f64> {
    let root = doc.document_element()?;
    let css = web_sys::window()?.get_computed_style(&root).ok()??;
    let v = css.get_property_value("--text-px").ok()?;
    plain_number(v.trim()).filter(|&v| v >= 1.0)
}

#[cfg(test)]
mod tests {
    use super::plain_number;

    #[test]
    fn viewbox_numbers_parse_without_the_float_parser() {
        assert_eq!(plain_number("1280"), Some(1280.0));
        assert_eq!(plain_number("412.5"), Some(412.5));
        assert_eq!(plain_number("0"), Some(0.0));
        for bad in ["", "-3", "1e3", "1.2.3", ".5", "12px", "99999999999999999"] {
            assert_eq!(plain_number(bad), None, "{bad}");
        }
    }
}
