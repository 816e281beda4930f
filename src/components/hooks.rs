//! Hooks: the animation-frame loop and the keyboard shortcuts.

use crate::player::Action;
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

/// Space plays/pauses, → steps, ← steps back (unless focus is in a form control).
#[hook]
pub fn use_player_keys(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        let doc = web_sys::window().and_then(|w| w.document());
        let listener = Closure::wrap(Box::new(move |e: web_sys::KeyboardEvent| {
            if e.alt_key() || e.ctrl_key() || e.meta_key() || crate::web::focus_in_control() {
                return;
            }
            let action = match e.key().as_str() {
                " " | "Spacebar" => Action::TogglePlay,
                "ArrowRight" => Action::Step,
                "ArrowLeft" => Action::StepBack,
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
