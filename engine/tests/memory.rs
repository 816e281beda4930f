//! Issue 10: memory is bounded by design. The heaviest valid links of the message-passing labs
//! are replayed through `History` (snapshots for stepping back, as the page and the CLI keep
//! them) with the trace tail the page shows, under a counting global allocator, and the peak of
//! bytes allocated at once must stay under a stated budget — and must not grow with the length
//! of the run. Its own test binary, so the counting allocator does not slow the `it` tests.

use engine::scenario::{decode, seek, LabKind, Position};
use engine::{History, SimTime};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// Counts the bytes allocated now and the peak since the last reset.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = NOW.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        NOW.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                grew(new - l.size());
            } else {
                NOW.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// One measurement at a time (the counters are global).
static ONE: Mutex<()> = Mutex::new(());

/// The trace lines kept, as many as the page's event log shows and more.
const TAIL: usize = 1_000;

/// Replays `link` to `until_ms` through `History` with a trace tail; returns (events, peak bytes
/// above what was allocated before).
fn peak(link: &str, until_ms: u64) -> (u64, usize) {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let d = decode(link);
    assert!(d.errors.is_empty(), "{link}: {:?}", d.errors);
    let mut s = d.scenario;
    let pos = Position {
        time: SimTime::from_ms(until_ms),
        step: None,
    };
    s.pos = Position::default();
    let base = NOW.load(Relaxed);
    PEAK.store(base, Relaxed);
    let steps = match d.lab {
        Some(LabKind::Raft) => {
            let mut h = History::new(s.build_raft());
            h.keep_trace_tail(Some(TAIL));
            seek(&mut h, pos);
            h.sim().steps()
        }
        Some(LabKind::Lb) => {
            let mut h = History::new(s.build_lb());
            h.keep_trace_tail(Some(TAIL));
            seek(&mut h, pos);
            h.sim().steps()
        }
        Some(LabKind::Heartbeat) => {
            let mut h = History::new(s.build_heartbeat());
            h.keep_trace_tail(Some(TAIL));
            seek(&mut h, pos);
            h.sim().steps()
        }
        other => panic!("{other:?}: not a message-passing lab"),
    };
    (steps, PEAK.load(Relaxed).saturating_sub(base))
}

const MB: usize = 1 << 20;

/// Runs `link` to `t` and to `2t`: the peak stays under `budget_mb`, and doubling the run adds
/// less than half again (no growth with time beyond what the run's own state needs).
fn bounded(link: &str, t: u64, budget_mb: usize) {
    let (e1, p1) = peak(link, t);
    let (e2, p2) = peak(link, 2 * t);
    println!(
        "{link}: {e1} events {:.1} MiB, {e2} events {:.1} MiB",
        p1 as f64 / MB as f64,
        p2 as f64 / MB as f64
    );
    assert!(
        e2 > e1 * 3 / 2,
        "{link}: the run goes on ({e1} → {e2} events)"
    );
    assert!(
        p2 < budget_mb * MB,
        "{link}: {} MiB over {budget_mb}",
        p2 / MB
    );
    assert!(
        p2 < p1 * 3 / 2,
        "{link}: {p1} → {p2} bytes from {e1} to {e2} events"
    );
}

// Raft, 11 servers, elections every millisecond, heartbeats every millisecond, every message
// duplicated (issue 10: 6 GB at 1 000 ms before).
#[test]
fn raft_storm_stays_within_budget() {
    bounded("lab=raft&n=11&et=1-1&hb=1&dup=100", 150, 64);
}

// Load balancer, 20 backends, 10 000 requests/s (issue 10: 5.5 GB at 20 s before).
#[test]
fn lb_flood_stays_within_budget() {
    bounded("lab=lb&n=20&rate=10000", 1_000, 64);
}

// Heartbeats from 50 workers.
#[test]
fn heartbeat_50_stays_within_budget() {
    bounded("lab=heartbeat&n=50", 30_000, 64);
}
