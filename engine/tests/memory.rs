//! Issue 10: memory is bounded by design. The heaviest valid links of every lab (Raft, ring,
//! load balancer, heartbeat, replication with its locks and active-active sections, SWIM,
//! cluster, system) are replayed as the page replays them (snapshots for stepping back) with the
//! trace tail the page shows, under a counting global allocator, and the peak of bytes allocated
//! at once must stay under a stated budget (256 MiB for any link; each test states its lab's
//! measured one) — and, for runs that go on, must not grow with the length of the run. Its own
//! test binary, so the counting allocator does not slow the `it` tests. Run it in release:
//! `cargo test -p engine --release --test memory -- --nocapture --test-threads 1` (~30 s).

use engine::history::Run;
use engine::scenario::{decode, seek, Lab, LabVisitor, Position, Scenario};
use engine::SimTime;
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

/// One test at a time (the counters are global).
static ONE: Mutex<()> = Mutex::new(());

/// The trace lines kept, as many as the page's event log shows and more.
const TAIL: usize = 1_000;

/// Replays `link` to `until_ms` as the page does (the lab's run with its snapshots for stepping
/// back) with a trace tail; returns (events, peak bytes above what was allocated before).
fn peak(link: &str, until_ms: u64) -> (u64, usize) {
    let d = decode(link);
    assert!(d.errors.is_empty(), "{link}: {:?}", d.errors);
    let mut s = d.scenario;
    s.pos = Position::default();
    let pos = Position {
        time: SimTime::from_ms(until_ms),
        step: None,
    };
    let base = NOW.load(Relaxed);
    PEAK.store(base, Relaxed);
    let lab = d.lab.expect("a lab");
    let steps = lab.visit(Replay(&s, pos));
    (steps, PEAK.load(Relaxed).saturating_sub(base))
}

/// Builds the lab's run, keeps a trace tail, seeks; returns the events processed.
struct Replay<'a>(&'a Scenario, Position);

impl LabVisitor for Replay<'_> {
    type Output = u64;
    fn visit<L: Lab>(self) -> u64 {
        let mut run = L::build(self.0);
        run.keep_trace_tail(Some(TAIL));
        seek(&mut run, self.1);
        run.steps()
    }
}

const MB: usize = 1 << 20;

/// The promise for any valid link of any length (issue 10); each test states a tighter budget
/// measured for its lab (the comment beside it: the peaks at `t` and at `2t`).
const ANY_LINK_MB: usize = 256;

/// Runs `link` to `t` and to `2t`: the peak stays under `budget_mb`, and doubling the run adds
/// less than half again (no growth with time beyond what the run's own state needs).
fn bounded(link: &str, t: u64, budget_mb: usize) {
    assert!(budget_mb <= ANY_LINK_MB);
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
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
    bounded("lab=raft&n=11&et=1-1&hb=1&dup=100", 150, 64); // 45.1 → 51.7 MiB
}

// Load balancer, 20 backends, 10 000 requests/s (issue 10: 5.5 GB at 20 s before).
#[test]
fn lb_flood_stays_within_budget() {
    bounded("lab=lb&n=20&rate=10000", 1_000, 40); // 22.6 → 30.7 MiB
}

// Heartbeats from 50 workers.
#[test]
fn heartbeat_50_stays_within_budget() {
    bounded("lab=heartbeat&n=50", 30_000, 8); // 2.7 → 2.9 MiB
}

// Load balancer, 20 backends, 1 000 requests/s for 80 s: per-request records are kept only
// for the window and the charts' 30 s, so the run's state stops growing after that.
#[test]
fn lb_long_run_stays_flat() {
    bounded("lab=lb&n=20&rate=1000", 40_000, 12); // 6.1 → 6.5 MiB
}

/// Runs `link` to `t`: the peak stays under `budget_mb` (labs whose runs do not go on with
/// time, such as the ring's operation list).
fn within(link: &str, t: u64, budget_mb: usize) {
    assert!(budget_mb <= ANY_LINK_MB);
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let (e, p) = peak(link, t);
    println!("{link}: {e} events {:.1} MiB", p as f64 / MB as f64);
    assert!(
        p < budget_mb * MB,
        "{link}: {} MiB over {budget_mb}",
        p / MB
    );
}

// The largest valid ring: 1 000 nodes × 1 000 vnodes, a million keys, 5 replicas, and a few
// operations that move keys (each keeps its before/after assignment for the page).
#[test]
fn ring_largest_stays_within_budget() {
    within(
        "lab=ring&n=1000&vn=1000&r=5&keys=rand:1000000&ops=100:fail:n3;200:vnodes:999;300:recover:n3;400:remove:n7;500:add:n7",
        1_000,
        224, // 172.8 MiB
    );
}

// SWIM with 200 members at the fastest protocol period and gossip, the most relays, piggybacked
// updates and retransmissions: ~2 500 messages in flight with up to 64 updates each. Shared
// link table and message payloads: a snapshot is ~3 MB (was 8 MB), the peak 305 → 229 MiB, and
// flat when the run doubles. Session 7: its nodes count their bytes (`Node::heap_bytes`), so the
// snapshots keep to the 64 MiB budget: 229 → 85.1 MiB.
// (The cluster settles into few events after ~250 ms, so only the budget is asserted.)
#[test]
fn swim_200_stays_within_budget() {
    within(
        "lab=swim&n=200&tp=20&pto=10&gint=10&gn=10&k=10&piggy=64&rmult=20",
        500,
        128, // 85.1 MiB
    );
}

// SWIM with 200 members at the default settings, for many protocol periods.
#[test]
fn swim_200_long_run_stays_flat() {
    bounded("lab=swim&n=200", 5_000, 16); // 8.0 → 8.0 MiB
}

// Replication: 8 replicas, 4 clients at 1 000 operations/s each, synchronous, reads from
// replicas, heartbeats every millisecond. The replicas' logs (the protocol's own state) and the
// clients' per-operation records grow with the writes, but their sealed chunks are shared by
// every snapshot (`replication::chunked`): a history holds about one copy of them plus 37 short
// tails. Was 46 → 74 MiB from 2 to 4 s (every snapshot copied them); now 28.7 → 31.5 MiB, and
// 36.8 MiB at 8 s (+1.3 MiB per simulated second: one copy of 9 logs and 4 clients' records).
// Session 7: chunks of 64 instead of 256 (shorter tails in every snapshot): 23.8 → 26.5 MiB.
#[test]
fn replication_repl_stays_within_budget() {
    bounded(
        "lab=replication&sec=repl&n=8&c=4&mode=sync&rate=1000&reads=50&rfrom=replica&keys=26&hb=1",
        2_000,
        32, // 23.8 → 26.5 MiB; session 9 (compaction): 24.3 → 26.9; session 10 (settled): 25.4 → 27.4
    );
}

/// Replays a replication link as [`peak`] does, with log compaction keeping `keep` entries
/// (0: none, the lab before session 9) and settled client operations folded every `fold` steps
/// (0: never, the lab before session 10); returns (events, peak bytes).
fn repl_peak(link: &str, keep: u32, fold: u32, until_ms: u64) -> (u64, usize) {
    use engine::replication::{new_sim, ReplicationLab};
    let s = decode(link).scenario;
    let mut p = s.setup::<ReplicationLab>().repl_with(s.nodes);
    p.keep = keep;
    p.fold = fold;
    let base = NOW.load(Relaxed);
    PEAK.store(base, Relaxed);
    let mut run = engine::History::new(new_sim(s.seed, &p, s.net, s.faults.clone()));
    run.keep_trace_tail(Some(TAIL));
    run.run_until(SimTime::from_ms(until_ms), u64::MAX);
    (run.steps(), PEAK.load(Relaxed).saturating_sub(base))
}

// Session 9 (issue 10): the data nodes compact their logs into snapshots (keeping 256 entries
// behind the primary's commit), so the logs stop growing with the run: at 4 / 8 / 16 s 26.9 /
// 29.0 / 32.9 MiB, against 26.9 / 32.3 / 44.0 MiB with the logs kept whole (keep=0). What still
// grows (≈ 0.5 MiB/s) is the clients' per-operation records. The bound fails if the logs grow
// again: from 8 to 16 s they added 11.7 MiB whole, 3.9 MiB compacted.
#[test]
fn replication_repl_logs_are_compacted() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let link =
        "lab=replication&sec=repl&n=8&c=4&mode=sync&rate=1000&reads=50&rfrom=replica&keys=26&hb=1";
    let keep = engine::replication::DEFAULT_KEEP;
    let (e1, p1) = repl_peak(link, keep, 0, 8_000);
    let (e2, p2) = repl_peak(link, keep, 0, 16_000);
    println!(
        "{link} (keep={keep}): {e1} events {:.1} MiB, {e2} events {:.1} MiB",
        p1 as f64 / MB as f64,
        p2 as f64 / MB as f64
    );
    assert!(e2 > e1 * 3 / 2, "the run goes on ({e1} → {e2} events)");
    assert!(p2 < 40 * MB, "{} MiB over 40", p2 / MB);
    assert!(
        p2 < p1 + 6 * MB,
        "{link}: {:.1} → {:.1} MiB from 8 to 16 s: the logs grow again?",
        p1 as f64 / MB as f64,
        p2 as f64 / MB as f64
    );
}

// Session 10 (issue 10): the clients' settled operations are folded into counters and
// histograms in the monitor's ledger (`replication::settle`), so the last thing that grew with
// the run, ≈ 0.5 MiB per simulated second of per-operation records, no longer does: 28.3 → 29.3
// MiB from 8 to 16 s, 30.0 at 32 s (kept whole: 29.0 → 33.0, 39.3). The bound fails if the
// operations are kept whole again.
#[test]
fn replication_repl_operations_are_settled() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let link =
        "lab=replication&sec=repl&n=8&c=4&mode=sync&rate=1000&reads=50&rfrom=replica&keys=26&hb=1";
    let (keep, fold) = (
        engine::replication::DEFAULT_KEEP,
        engine::replication::settle::EVERY,
    );
    flat(
        link,
        repl_peak(link, keep, fold, 8_000),
        repl_peak(link, keep, fold, 16_000),
        FOLD_BUDGET_MB,
        "the operations grow again?",
    );
}

/// Asserts of a run measured `(events, peak bytes)` at `t` and at `2t`: it went on, stayed
/// under `budget_mb`, and added under 2 MiB (else `why`).
fn flat(link: &str, (e1, p1): (u64, usize), (e2, p2): (u64, usize), budget_mb: usize, why: &str) {
    println!(
        "{link} (folded): {e1} events {:.1} MiB, {e2} events {:.1} MiB",
        p1 as f64 / MB as f64,
        p2 as f64 / MB as f64
    );
    assert!(e2 > e1 * 3 / 2, "the run goes on ({e1} → {e2} events)");
    assert!(p2 < budget_mb * MB, "{} MiB over {budget_mb}", p2 / MB);
    assert!(
        p2 < p1 + 2 * MB,
        "{link}: {:.1} → {:.1} MiB: {why}",
        p1 as f64 / MB as f64,
        p2 as f64 / MB as f64
    );
}

/// The budget of the heaviest replication link with its operations settled, at 16 s.
const FOLD_BUDGET_MB: usize = 40;

// The tables in docs/perf.md (sessions 9 and 10): the same link with the logs kept whole
// (keep=0), 256 and 1 024 entries kept, and with settled operations folded, at 4, 8, 16 and
// 32 s. Prints only (`-- --ignored`).
#[test]
#[ignore]
fn replication_repl_compaction_table() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let link =
        "lab=replication&sec=repl&n=8&c=4&mode=sync&rate=1000&reads=50&rfrom=replica&keys=26&hb=1";
    let every = engine::replication::settle::EVERY;
    for (keep, fold) in [(0, 0), (256, 0), (1_024, 0), (256, every)] {
        let v: Vec<String> = [4_000, 8_000, 16_000, 32_000]
            .iter()
            .map(|&t| {
                let (e, b) = repl_peak(link, keep, fold, t);
                format!("{e} events {:.1} MiB", b as f64 / MB as f64)
            })
            .collect();
        println!("keep={keep} fold={fold}: {}", v.join(", "));
    }
}

// Active-active: 3 sites at 1 000 operations/s each with version vectors. Each site's own
// operations and state digests are shared between snapshots (`Chunked`, session 7): 18.4 → 27.2
// MiB from 2 to 4 s before, 11.5 → 12.5 MiB then; session 11 (folded, version vectors inline):
// 7.7 → 7.8 MiB.
#[test]
fn replication_aa_stays_within_budget() {
    bounded(
        "lab=replication&sec=aa&as=3&ares=vv&arate=1000&akeys=26",
        2_000,
        12,
    );
}

// Session 11 (issue 10): the active-active sites fold what every peer has acknowledged, the
// measurements' share of it (counters, and the real times LWW's newer-lost count can still
// need) and old digests (`active::upkeep`), and an operation carries its version vector inline,
// so a long play stays flat: 8.5 → 8.5 MiB from 15 to 30 s (before: 46.1 MiB at 60 s,
// +0.63 MiB per simulated second). The bound fails if the sites' records grow with the run again.
#[test]
fn replication_aa_long_run_is_folded() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let link = "lab=replication&sec=aa&as=3&ares=vv&arate=1000&akeys=26";
    flat(
        link,
        peak_played(link, 15_000),
        peak_played(link, 30_000),
        AA_BUDGET_MB,
        "the sites' records grow again?",
    );
}

/// The budget of the heaviest active-active link played for 30 s.
const AA_BUDGET_MB: usize = 16;

// Locks: 6 lock clients hammering with no work and no think time. The lease events, storage
// writes, beliefs and waits are kept per grant, shared between snapshots (`Chunked`, session 7):
// 2.8 → 5.2 MiB from 4 to 8 s before, 1.3 → 1.7 MiB now.
#[test]
fn replication_locks_long_run_stays_flat() {
    bounded(
        "lab=replication&sec=locks&lc=6&lttl=3&lwork=0&lthink=0&hb=1",
        4_000,
        6,
    );
}

// Heartbeats from 50 workers every 10 ms (the fastest), φ accrual with the longest window.
#[test]
fn heartbeat_fastest_phi_stays_flat() {
    bounded("lab=heartbeat&n=50&hb=10&det=phi&win=1000", 30_000, 24); // 14.2 → 15.4 MiB
}

// The cluster at its largest: 20 machines × 50 slots, 150 pods, 5 000 requests/s, for 2 minutes
// (a tick every 100 ms: its state is per pod and per 5 s chart bucket, not per request; 3.6 MiB
// at 20 minutes, 1.4 s of replay per simulated minute in a debug build).
#[test]
fn cluster_largest_stays_within_budget() {
    within("lab=cluster&n=20&slots=50&rep=150&rps=5000", 120_000, 8);
}

// The whole system at its largest: 12 machines, 8 apps, 5 shards × 5 Raft members, 1 000
// requests/s on 64 keys, the fastest Raft timers and chaos at 60 faults a minute from the start.
#[test]
fn system_largest_stays_flat() {
    bounded(
        "lab=system&n=12&apps=8&shards=5&rf=5&rps=1000&keys=64&hb=5&et=10&chaos=60&cat=0",
        4_000,
        64, // 35.8 → 41.1 MiB; logs and latencies shared (session 23): 28.7 → 33.3; 24-byte queue entries: 28.1 → 32.8
    );
}

// Load balancer bursts: 20 backends, 10 000 requests/s with bursts of 20× for 99 % of every
// 100 ms (the 24 GB link at 1 000 ms), for 100 and 200 ms (~900 000 events a simulated
// second: 30 s of replay per second). The snapshots' estimate stays at 42–57 MiB of the 64 MiB
// budget; the requests queued at the overloaded backends (the current state, 5–6 MiB and bounded
// by the timeouts) and the allocator's view of B-tree nodes make the rest.
#[test]
fn lb_bursts_stay_within_budget() {
    bounded(
        "lab=lb&n=20&rate=10000&burst=20&bon=99&bperiod=100",
        100,
        96, // 73.7 → 73.7 MiB (76.8 → 77.6 before disarmed timers were left as dead entries)
    );
}

/// Replays `link` to `until_ms` as [`peak`] does, without the replay budget of a link (the page
/// plays on past it, up to the 10-minute limit of a run); returns (events, peak bytes).
fn peak_played(link: &str, until_ms: u64) -> (u64, usize) {
    struct Play<'a>(&'a Scenario, SimTime);
    impl LabVisitor for Play<'_> {
        type Output = u64;
        fn visit<L: Lab>(self) -> u64 {
            let mut run = L::build(self.0);
            run.keep_trace_tail(Some(TAIL));
            run.run_until(self.1, u64::MAX);
            run.steps()
        }
    }
    let d = decode(link);
    assert!(d.errors.is_empty(), "{link}: {:?}", d.errors);
    let mut s = d.scenario;
    s.pos = Position::default();
    let base = NOW.load(Relaxed);
    PEAK.store(base, Relaxed);
    let steps = d
        .lab
        .expect("a lab")
        .visit(Play(&s, SimTime::from_ms(until_ms)));
    (steps, PEAK.load(Relaxed).saturating_sub(base))
}

// The heaviest replication, locks and active-active links played long, toward the 10-minute
// limit of a run (docs/perf.md, session 10). Prints only (`-- --ignored`; minutes in release).
#[test]
#[ignore]
fn replication_long_runs_table() {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    for (link, times) in [
        (
            "lab=replication&sec=locks&lc=6&lttl=3&lwork=0&lthink=0&hb=1",
            &[60_000, 120_000, 600_000][..],
        ),
        (
            "lab=replication&sec=aa&as=3&ares=vv&arate=1000&akeys=26",
            &[60_000, 120_000, 600_000][..],
        ),
        (
            "lab=replication&sec=repl&n=8&c=4&mode=sync&rate=1000&reads=50&rfrom=replica&keys=26&hb=1",
            &[60_000, 120_000][..],
        ),
        // LWW with the largest skews: the folded real times newer_lost may still need span
        // 2 × 60 s of writes (session 11).
        (
            "lab=replication&sec=aa&as=3&ares=lww&arate=1000&akeys=26&askew=60000.-60000.0",
            &[60_000, 120_000, 600_000][..],
        ),
    ] {
        for &t in times {
            let (e, b) = peak_played(link, t);
            println!("{link} at {} s: {e} events {:.1} MiB", t / 1000, b as f64 / MB as f64);
        }
    }
}
