//! Measurement storage that stays cheap to clone.
//!
//! [`crate::History`] snapshots the whole simulation every 256 steps, so a node holding a plain
//! growing `Vec` of records would be copied again and again (quadratic memory). [`Log`] keeps
//! sealed chunks behind `Arc`s — a clone copies one pointer plus a short open tail — and drops its
//! oldest chunks past a cap, so memory is bounded too; a log that only a trailing time span is read
//! from also drops its sealed chunks older than that span ([`Log::drop_sealed_while`]), so it holds
//! what the span needs, not the whole run. [`Levels`] integrates a few step functions of time (busy
//! workers, queue length, outstanding requests) into fixed 100 ms buckets, kept for
//! [`LEVELS_KEPT_MS`] of simulated time.

use super::params::BASE_BUCKET_MS;
use crate::time::SimTime;
use std::sync::Arc;

const BUCKET_US: u64 = BASE_BUCKET_MS * 1_000;

/// An append-only log of records in time order, cheap to clone, bounded in size.
#[derive(Clone, Debug)]
pub struct Log<T> {
    chunks: Arc<Vec<Arc<[T]>>>,
    tail: Vec<T>,
    chunk: usize,
    max_chunks: usize,
    dropped: u64,
}

impl<T: Clone> Log<T> {
    /// An empty log sealing `chunk` records at a time and keeping at most `max_chunks` sealed
    /// chunks (older ones are dropped, oldest first).
    pub fn new(chunk: usize, max_chunks: usize) -> Log<T> {
        Log {
            chunks: Arc::new(Vec::new()),
            tail: Vec::new(),
            chunk: chunk.max(1),
            max_chunks: max_chunks.max(1),
            dropped: 0,
        }
    }

    /// Appends a record.
    pub fn push(&mut self, x: T) {
        self.tail.push(x);
        if self.tail.len() >= self.chunk {
            let sealed: Arc<[T]> = std::mem::take(&mut self.tail).into();
            let chunks = Arc::make_mut(&mut self.chunks);
            chunks.push(sealed);
            if chunks.len() > self.max_chunks {
                let old = chunks.remove(0);
                self.dropped += old.len() as u64;
            }
        }
    }

    /// Drops the oldest sealed chunks whose last record is `old` (records assumed in time order,
    /// so every record of such a chunk is old too). Unlike the cap, this is not counted in
    /// [`Log::dropped`]: the owner reads only records that are not old.
    pub fn drop_sealed_while(&mut self, old: impl Fn(&T) -> bool) {
        let k = self
            .chunks
            .iter()
            .take_while(|c| c.last().is_some_and(&old))
            .count();
        if k > 0 {
            Arc::make_mut(&mut self.chunks).drain(..k);
        }
    }

    /// Records kept, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.chunks
            .iter()
            .flat_map(|c| c.iter())
            .chain(self.tail.iter())
    }

    /// Records kept.
    pub fn len(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).sum::<usize>() + self.tail.len()
    }

    /// True when no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes a copy holds ([`crate::Node::heap_bytes`]): its open tail, and its share of
    /// the sealed chunks it shares with other copies.
    pub fn heap_bytes(&self) -> usize {
        use crate::node::bytes::{shared, slice};
        let sealed = slice(&self.chunks)
            + self
                .chunks
                .iter()
                .map(|c| shared(c, slice(c)))
                .sum::<usize>();
        slice(&self.tail) + shared(&self.chunks, sealed)
    }

    /// Records dropped to bound memory (the oldest ones).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The records for which `before(x)` is false, assuming it is true on a prefix (binary
    /// search over chunks, then within one): e.g. everything at or after a time.
    pub fn from_where(&self, before: impl Fn(&T) -> bool) -> impl Iterator<Item = &T> {
        let k = self
            .chunks
            .partition_point(|c| c.last().is_some_and(&before));
        let first = self
            .chunks
            .get(k)
            .map(|c| c.partition_point(&before))
            .unwrap_or(0);
        let tail_first = if k == self.chunks.len() {
            self.tail.partition_point(&before)
        } else {
            0
        };
        self.chunks[k..]
            .iter()
            .enumerate()
            .flat_map(move |(j, c)| c[if j == 0 { first } else { 0 }..].iter())
            .chain(self.tail[tail_first..].iter())
    }
}

/// Summaries of fixed time buckets (chart buckets) of a raw [`Log`], each computed once when its
/// bucket can no longer change, so the raw records behind it can be dropped. Bucket `j` covers
/// `[j × width, (j + 1) × width)` µs; it is sealed once a record later than its end is pushed (a
/// record exactly at its end may still be read into it while the position is that instant, see
/// [`super::metrics::series`]). Only buckets with records get a summary.
#[derive(Clone, Debug)]
pub struct Buckets<S> {
    log: Log<(u64, S)>,
    width: u64,
    sealed_to: u64,
}

impl<S: Clone> Buckets<S> {
    /// Buckets of `width` µs.
    pub fn new(width: u64) -> Buckets<S> {
        Buckets {
            // 32 summaries a chunk; only the charts' span is kept (see `drop_before`).
            log: Log::new(32, usize::MAX),
            width: width.max(1),
            sealed_to: 0,
        }
    }

    /// The first bucket not sealed yet: its records and later ones are still needed raw.
    pub fn sealed_to(&self) -> u64 {
        self.sealed_to
    }

    /// Start (µs) of the first bucket not sealed yet.
    pub fn unsealed_from_us(&self) -> u64 {
        self.sealed_to * self.width
    }

    /// Seals every bucket that ends before `t` µs, summarising its records from `raw` (time
    /// `at(record)`, in time order) with `summarise`; call before pushing a record at `t`.
    pub fn seal<T: Clone>(
        &mut self,
        raw: &Log<T>,
        at: impl Fn(&T) -> u64,
        t: u64,
        summarise: impl Fn(&[&T]) -> S,
    ) {
        let target = t.saturating_sub(1) / self.width;
        if target <= self.sealed_to {
            return;
        }
        let (from, to) = (self.sealed_to * self.width, target * self.width);
        let mut group: Vec<&T> = Vec::new();
        let mut current = None;
        for r in raw.from_where(|r| at(r) < from) {
            let ts = at(r);
            if ts >= to {
                break;
            }
            let j = ts / self.width;
            if current != Some(j) {
                if let Some(c) = current {
                    self.log.push((c, summarise(&group)));
                }
                group.clear();
                current = Some(j);
            }
            group.push(r);
        }
        if let Some(c) = current {
            self.log.push((c, summarise(&group)));
        }
        self.sealed_to = target;
    }

    /// Heap bytes a copy holds (see [`Log::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        self.log.heap_bytes()
    }

    /// Drops sealed summaries of buckets before `bucket` (whole chunks only).
    pub fn drop_before(&mut self, bucket: u64) {
        self.log.drop_sealed_while(|(j, _)| *j < bucket);
    }

    /// The summaries of buckets `lo..hi` that have records, in bucket order.
    pub fn range(&self, lo: u64, hi: u64) -> impl Iterator<Item = &(u64, S)> {
        self.log
            .from_where(move |(j, _)| *j < lo)
            .take_while(move |(j, _)| *j < hi)
    }
}

/// Time integrals of `K` step functions (levels such as "busy workers"), per 100 ms bucket:
/// bucket `b` covers `[b × 100 ms, (b + 1) × 100 ms)` and holds `∫ level dt` in µs.
#[derive(Clone, Debug)]
pub struct Levels<const K: usize> {
    log: Log<[u64; K]>,
    /// Index of the first bucket kept in `log` (older ones were dropped).
    first: u64,
    open: [u64; K],
    /// The current values of the levels.
    level: [u64; K],
    /// Integrated up to here.
    last: u64,
}

/// Levels keep at least this much simulated time of sealed buckets: more than the longest window
/// (60 s) and the charts' span ([`super::metrics::SERIES_SPAN_MS`]).
pub const LEVELS_KEPT_MS: u64 = 64 * BASE_BUCKET_MS * LEVEL_CHUNKS as u64;
const LEVEL_CHUNKS: usize = 16;

impl<const K: usize> Default for Levels<K> {
    fn default() -> Self {
        Levels {
            // 64 buckets (6.4 s) per chunk, 16 chunks: the last ~1.6 minutes of simulated time
            // (at least 15 full chunks, 96 s, are kept: the 60 s window fits).
            log: Log::new(64, LEVEL_CHUNKS),
            first: 0,
            open: [0; K],
            level: [0; K],
            last: 0,
        }
    }
}

impl<const K: usize> Levels<K> {
    /// Heap bytes a copy holds (see [`Log::heap_bytes`]).
    pub fn heap_bytes(&self) -> usize {
        self.log.heap_bytes()
    }

    /// Integrates the current levels up to `now`, sealing every bucket that ends by then.
    pub fn advance(&mut self, now: SimTime) {
        let now = now.as_us();
        while self.last < now {
            let bucket_end = (self.last / BUCKET_US + 1) * BUCKET_US;
            let upto = bucket_end.min(now);
            let dt = upto - self.last;
            for k in 0..K {
                self.open[k] += self.level[k] * dt;
            }
            self.last = upto;
            if upto == bucket_end {
                let before = self.log.dropped();
                self.log.push(self.open);
                self.first += self.log.dropped() - before;
                self.open = [0; K];
            }
        }
    }

    /// Integrates up to `now`, then sets level `k` to `v`.
    pub fn set(&mut self, now: SimTime, k: usize, v: u64) {
        self.advance(now);
        self.level[k] = v;
    }

    /// The current levels.
    pub fn level(&self) -> [u64; K] {
        self.level
    }

    /// Zeroes every level from `now` on (a crashed node's restart).
    pub fn reset(&mut self, now: SimTime) {
        self.advance(now);
        self.level = [0; K];
    }

    /// A copy integrated up to `now` with the current levels (or zero levels when
    /// `running` is false): what the node would have recorded had it been woken at `now`.
    pub fn until(&self, now: SimTime, running: bool) -> Levels<K> {
        let mut c = self.clone();
        if !running {
            c.level = [0; K];
        }
        c.advance(now);
        c
    }

    /// The integral (µs × level) of level `k` per bucket, for sealed buckets `lo..hi` that
    /// are kept (others read as 0), plus the open bucket if it is in range.
    pub fn sum(&self, k: usize, lo: u64, hi: u64) -> u64 {
        let sealed_end = self.first + self.log.len() as u64;
        let mut s: u64 = self
            .log
            .iter()
            .enumerate()
            .map(|(i, v)| (self.first + i as u64, v[k]))
            .filter(|(b, _)| (lo..hi).contains(b))
            .map(|(_, v)| v)
            .sum();
        if (lo..hi).contains(&sealed_end) {
            s += self.open[k];
        }
        s
    }

    /// Per-bucket integrals of level `k` for buckets `lo..hi`, element 0 for bucket `lo`
    /// (buckets no longer kept read as 0).
    pub fn per_bucket(&self, k: usize, lo: u64, hi: u64) -> Vec<u64> {
        let mut out = vec![0u64; hi.saturating_sub(lo) as usize];
        let sealed_end = self.first + self.log.len() as u64;
        // Only the sealed buckets from `lo` on: a sealed chunk is skipped whole.
        let skip = lo.saturating_sub(self.first);
        for (i, v) in self.log.iter().enumerate().skip(skip as usize) {
            let b = self.first + i as u64;
            if b >= hi {
                break;
            }
            out[(b - lo) as usize] = v[k];
        }
        if (lo..hi).contains(&sealed_end) {
            out[(sealed_end - lo) as usize] = self.open[k];
        }
        out
    }
}
