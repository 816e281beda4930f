//! Exports the engine-speed workloads to JavaScript as plain wasm functions (numbers in, a
//! number out), so no bindings are needed: `WebAssembly.instantiate(bytes)` and call.

#[path = "../../../engine/examples/speed/work.rs"]
pub mod work;

/// Raft under 100 client requests/s with every invariant (see `work::raft_loaded`); events.
#[no_mangle]
pub extern "C" fn raft_loaded(servers: u32, run_ms: u32, tail: u32) -> f64 {
    work::raft_loaded(servers as usize, run_ms as u64, tail != 0) as f64
}

/// The heartbeat lab (see `work::heartbeat`); events.
#[no_mangle]
pub extern "C" fn heartbeat(workers: u32, run_ms: u32, tail: u32) -> f64 {
    work::heartbeat(workers as usize, run_ms as u64, tail != 0) as f64
}

/// The §9.3 experiment, 6 ranges × `runs`; runs done.
#[no_mangle]
pub extern "C" fn fig16_runs(runs: u32) -> f64 {
    work::fig16_runs(runs as u64) as f64
}

/// The heaviest load-balancer link opened as the page does (see `work::lb_open`); events.
#[no_mangle]
pub extern "C" fn lb_open(run_ms: u32) -> f64 {
    work::lb_open(run_ms as u64) as f64
}
