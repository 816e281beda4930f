//! The Raft page's §9.3 experiment off the page's thread: a web worker that runs
//! [`Fig16Job`]s. Built as its own small bundle at full optimisation (Trunk's
//! `data-cargo-profile-release="worker"`, the `worker` profile in the workspace's Cargo.toml),
//! fetched only when the experiment starts, so the page's own bundle keeps its size and the
//! experiment runs at about native speed on every core (src/pages/raft/experiment.rs starts one
//! worker per core and folds their answers in seed order).
//!
//! Messages: the worker posts `"ready"` once loaded; then each message in is a job
//! ([`Fig16Job::to_words`] as a `Float64Array`) and each message out its answer, a
//! `Float64Array` of the range, the first seed, and one time per seed (ms, NaN for no leader),
//! or `[NaN]` for a message that is not a job.

use engine::raft::Fig16Job;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_job = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let words = js_sys::Float64Array::new(&e.data()).to_vec();
        let answer = match Fig16Job::from_words(&words) {
            Some(job) => job.answer(),
            None => vec![f64::NAN],
        };
        // Posting can only fail for values that cannot be cloned; a Float64Array always can.
        let _ = reply.post_message(&js_sys::Float64Array::from(answer.as_slice()));
    });
    scope.set_onmessage(Some(on_job.as_ref().unchecked_ref()));
    // The worker lives as long as the page keeps it: the handler is never dropped.
    on_job.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
