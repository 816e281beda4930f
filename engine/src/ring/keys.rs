//! Key sets: generated uniform keys, a Zipf hot-key request stream, and keys a user types.
//!
//! Text forms (for links): `seq:10000`, `rand:10000`, `zipf:100000:1000:1.1`
//! (samples : distinct keys : exponent s), `named:alice,bob,cart:42`.
//!
//! - `seq`: the strings `key-0`, `key-1`, … (the default, 10 000 keys).
//! - `rand`: random 64-bit ids from the seeded workload stream; a key's bytes are the id's
//!   8 little-endian bytes; its label is the id in hex.
//! - `zipf`: `count` requests over `distinct` keys `key-0` (hottest) … `key-(K-1)`, rank `k`
//!   drawn with probability ∝ 1/k^s. Sampling is exact inverse-CDF over a precomputed table:
//!   weights `k^-s` (via [`crate::detmath`], so identical on every platform) are summed in rank
//!   order and quantised to 53-bit integer thresholds; a draw takes 53 bits `u` from the
//!   workload stream and picks the first rank whose threshold exceeds `u` (binary search).
//!   Each request is one item of the set, so a hot key appears many times.
//! - `named`: 1–64 keys of 1–32 characters from `A–Z a–z 0–9 _ . : @ / -`.

use super::hash::HashFn;
use super::{check_range, parse_uint, RingError, MAX_KEYS};
use crate::clip;
use crate::detmath;
use crate::rng::{Rng, Stream};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The most keys a `named` set may hold.
pub const MAX_NAMED_KEYS: usize = 64;
/// The longest named key.
pub const MAX_KEY_LEN: usize = 32;
/// The largest Zipf exponent, ×1000.
pub const MAX_ZIPF_S_MILLI: u32 = 4_000;

/// How to build a key set. Default: `seq:10000`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeySpec {
    /// `key-0 … key-(count-1)`. `seq:COUNT`
    Sequential {
        /// Number of keys (1–1 000 000).
        count: usize,
    },
    /// Random 64-bit ids from the seeded workload stream. `rand:COUNT`
    Random {
        /// Number of keys (1–1 000 000).
        count: usize,
    },
    /// A Zipf-distributed request stream. `zipf:COUNT:DISTINCT:S`
    Zipf {
        /// Requests drawn (1–1 000 000).
        count: usize,
        /// Distinct keys (1–1 000 000).
        distinct: usize,
        /// Exponent s × 1000 (0–4000; 1000 is classic Zipf).
        s_milli: u32,
    },
    /// Keys the user typed. `named:a,b,c`
    Named(Vec<String>),
}

impl Default for KeySpec {
    fn default() -> Self {
        KeySpec::Sequential { count: 10_000 }
    }
}

fn valid_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.:@/-".contains(c)
}

/// Writes a ×1000 fixed-point number with up to three decimals (`1100` → `1.1`).
fn fmt_milli(x: u32) -> String {
    let (int, frac) = (x / 1000, x % 1000);
    if frac == 0 {
        int.to_string()
    } else {
        format!("{int}.{:03}", frac)
            .trim_end_matches('0')
            .to_string()
    }
}

/// Reads a decimal with up to three decimals into ×1000 (`1.1` → `1100`).
fn parse_milli(what: &'static str, s: &str) -> Result<u32, RingError> {
    let bad = || RingError::NotDecimal {
        what,
        text: clip(s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 4
        || frac.len() > 3
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let int: u32 = int.parse().map_err(|_| bad())?;
    let mut f: u32 = 0;
    for (i, b) in frac.bytes().enumerate() {
        f += (b - b'0') as u32 * [100, 10, 1][i];
    }
    Ok(int * 1000 + f)
}

impl KeySpec {
    /// Number of items the set will hold.
    pub fn len(&self) -> usize {
        match self {
            KeySpec::Sequential { count } | KeySpec::Random { count } => *count,
            KeySpec::Zipf { count, .. } => *count,
            KeySpec::Named(v) => v.len(),
        }
    }

    /// True if the set would be empty (never, for a valid spec).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the limits listed on each variant.
    pub fn validate(&self) -> Result<(), RingError> {
        match self {
            KeySpec::Sequential { count } | KeySpec::Random { count } => {
                check_range("key count", *count as u64, 1, MAX_KEYS as u64)
            }
            KeySpec::Zipf {
                count,
                distinct,
                s_milli,
            } => {
                check_range("key count", *count as u64, 1, MAX_KEYS as u64)?;
                check_range("distinct keys", *distinct as u64, 1, MAX_KEYS as u64)?;
                check_range("zipf s×1000", *s_milli as u64, 0, MAX_ZIPF_S_MILLI as u64)
            }
            KeySpec::Named(keys) => {
                check_range("named keys", keys.len() as u64, 1, MAX_NAMED_KEYS as u64)?;
                for k in keys {
                    if k.is_empty()
                        || k.chars().count() > MAX_KEY_LEN
                        || !k.chars().all(valid_key_char)
                    {
                        return Err(RingError::BadKey(clip(k)));
                    }
                }
                Ok(())
            }
        }
    }

    /// Parses the text form (see the module docs). Never panics.
    pub fn parse(s: &str) -> Result<KeySpec, RingError> {
        let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
        let spec = match kind {
            "seq" => KeySpec::Sequential {
                count: parse_uint("key count", arg)? as usize,
            },
            "rand" => KeySpec::Random {
                count: parse_uint("key count", arg)? as usize,
            },
            "zipf" => {
                let parts: Vec<&str> = arg.splitn(3, ':').collect();
                if parts.len() != 3 {
                    return Err(RingError::ZipfForm);
                }
                KeySpec::Zipf {
                    count: parse_uint("key count", parts[0])? as usize,
                    distinct: parse_uint("distinct keys", parts[1])? as usize,
                    s_milli: parse_milli("zipf s", parts[2])?,
                }
            }
            "named" => KeySpec::Named(arg.split(',').map(str::to_string).collect()),
            _ => return Err(RingError::UnknownKeySet(clip(kind))),
        };
        spec.validate()?;
        Ok(spec)
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySpec::Sequential { count } => write!(f, "seq:{count}"),
            KeySpec::Random { count } => write!(f, "rand:{count}"),
            KeySpec::Zipf {
                count,
                distinct,
                s_milli,
            } => write!(f, "zipf:{count}:{distinct}:{}", fmt_milli(*s_milli)),
            KeySpec::Named(keys) => write!(f, "named:{}", keys.join(",")),
        }
    }
}

/// A Zipf sampler: exact inverse CDF over a quantised table (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipfTable {
    /// `thresholds[k]`: 2^53 × P(rank ≤ k + 1), rounded down; the last is exactly 2^53.
    thresholds: Vec<u64>,
}

impl ZipfTable {
    /// The table for ranks `1..=distinct` with exponent `s_milli / 1000`.
    pub fn new(distinct: usize, s_milli: u32) -> ZipfTable {
        let s = s_milli as f64 / 1000.0;
        let mut cum = Vec::with_capacity(distinct);
        let mut sum = 0.0f64;
        for k in 1..=distinct {
            sum += if s_milli == 0 {
                1.0
            } else {
                detmath::exp(-s * detmath::ln(k as f64))
            };
            cum.push(sum);
        }
        let scale = (1u64 << 53) as f64;
        let mut thresholds: Vec<u64> = cum.iter().map(|c| (c / sum * scale) as u64).collect();
        if let Some(last) = thresholds.last_mut() {
            *last = 1u64 << 53;
        }
        ZipfTable { thresholds }
    }

    /// Draws a rank in `0..distinct` (0 = hottest) from 53 bits of `rng`.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.next_u64() >> 11;
        self.thresholds
            .partition_point(|&t| t <= u)
            .min(self.thresholds.len().saturating_sub(1))
    }

    /// The probability of rank `k` (0-based), from the quantised table.
    pub fn probability(&self, k: usize) -> f64 {
        let hi = self.thresholds.get(k).copied().unwrap_or(0);
        let lo = if k == 0 { 0 } else { self.thresholds[k - 1] };
        hi.saturating_sub(lo) as f64 / (1u64 << 53) as f64
    }
}

/// A generated key set: the items (keys or requests) a scheme assigns, in a fixed order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySet {
    spec: KeySpec,
    /// `rand`: the ids; `zipf`: each request's rank (0-based); otherwise empty.
    ids: Vec<u64>,
}

/// Writes `key-<n>`.
fn write_seq(buf: &mut Vec<u8>, n: u64) {
    buf.extend_from_slice(b"key-");
    super::ring::push_decimal(buf, n);
}

impl KeySet {
    /// Builds the set; random parts come from `Rng::stream(seed, Stream::Workload)`.
    pub fn generate(spec: &KeySpec, seed: u64) -> Result<KeySet, RingError> {
        spec.validate()?;
        let ids = match spec {
            KeySpec::Random { count } => {
                let mut rng = Rng::stream(seed, Stream::Workload);
                (0..*count).map(|_| rng.next_u64()).collect()
            }
            KeySpec::Zipf {
                count,
                distinct,
                s_milli,
            } => {
                let table = ZipfTable::new(*distinct, *s_milli);
                let mut rng = Rng::stream(seed, Stream::Workload);
                (0..*count).map(|_| table.sample(&mut rng) as u64).collect()
            }
            KeySpec::Sequential { .. } | KeySpec::Named(_) => Vec::new(),
        };
        Ok(KeySet {
            spec: spec.clone(),
            ids,
        })
    }

    /// The spec this set was built from.
    pub fn spec(&self) -> &KeySpec {
        &self.spec
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.spec.len()
    }

    /// True if there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends item `i`'s bytes (what gets hashed) to `buf`.
    pub fn write_key(&self, i: usize, buf: &mut Vec<u8>) {
        match &self.spec {
            KeySpec::Sequential { .. } => write_seq(buf, i as u64),
            KeySpec::Random { .. } => buf.extend_from_slice(&self.ids[i].to_le_bytes()),
            KeySpec::Zipf { .. } => write_seq(buf, self.ids[i]),
            KeySpec::Named(keys) => buf.extend_from_slice(keys[i].as_bytes()),
        }
    }

    /// Item `i`'s bytes.
    pub fn key_bytes(&self, i: usize) -> Vec<u8> {
        let mut b = Vec::new();
        self.write_key(i, &mut b);
        b
    }

    /// Item `i` for display (`key-7`, `9f3c…` for random ids, the typed text).
    pub fn label(&self, i: usize) -> String {
        match &self.spec {
            KeySpec::Sequential { .. } => format!("key-{i}"),
            KeySpec::Random { .. } => format!("{:016x}", self.ids[i]),
            KeySpec::Zipf { .. } => format!("key-{}", self.ids[i]),
            KeySpec::Named(keys) => keys[i].clone(),
        }
    }

    /// For a Zipf set, item `i`'s rank (0 = hottest key).
    pub fn zipf_rank(&self, i: usize) -> Option<usize> {
        match self.spec {
            KeySpec::Zipf { .. } => Some(self.ids[i] as usize),
            _ => None,
        }
    }

    /// Every item's 64-bit hash under `hash` (computed once per distinct Zipf key).
    pub fn hashes(&self, hash: HashFn) -> Vec<u64> {
        let mut buf = Vec::with_capacity(32);
        let mut one = |write: &dyn Fn(&mut Vec<u8>)| {
            buf.clear();
            write(&mut buf);
            hash.hash(&buf)
        };
        match &self.spec {
            KeySpec::Zipf { distinct, .. } => {
                let per_rank: Vec<u64> = (0..*distinct as u64)
                    .map(|r| one(&|b| write_seq(b, r)))
                    .collect();
                self.ids.iter().map(|&r| per_rank[r as usize]).collect()
            }
            _ => (0..self.len())
                .map(|i| one(&|b| self.write_key(i, b)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milli_round_trips() {
        for (s, m) in [("1", 1000), ("1.1", 1100), ("0.05", 50), ("2.125", 2125)] {
            assert_eq!(parse_milli("s", s), Ok(m));
            assert_eq!(fmt_milli(m), s);
        }
        for bad in ["", "1.", ".5", "1.2345", "-1", "1e3", "12345"] {
            assert!(parse_milli("s", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn zipf_table_is_a_distribution() {
        let t = ZipfTable::new(5, 1000);
        let total: f64 = (0..5).map(|k| t.probability(k)).sum();
        assert!((total - 1.0).abs() < 1e-12);
        // H(5) = 137/60: P(rank 1) = 60/137.
        assert!((t.probability(0) - 60.0 / 137.0).abs() < 1e-12);
    }
}
