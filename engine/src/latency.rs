//! Latency statistics shared by the labs' measurements (Raft commit latency, replication write
//! latency per mode, …): nearest-rank percentiles over integer µs samples.

use serde::Serialize;

/// Latency percentiles (nearest rank: the p50 of an even count is the lower middle), ms.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencyStats {
    /// Samples.
    pub count: usize,
    /// Mean.
    pub mean_ms: Option<f64>,
    /// Median.
    pub p50_ms: Option<f64>,
    /// 95th percentile.
    pub p95_ms: Option<f64>,
    /// 99th percentile.
    pub p99_ms: Option<f64>,
    /// Maximum.
    pub max_ms: Option<f64>,
}

impl LatencyStats {
    /// Statistics of samples in µs.
    pub fn of(samples_us: &[u64]) -> LatencyStats {
        if samples_us.is_empty() {
            return LatencyStats::default();
        }
        let mut s = samples_us.to_vec();
        crate::sort::sort_unstable(&mut s);
        let n = s.len();
        let ms = |us: u64| us as f64 / 1000.0;
        let rank = |pm: usize| s[((pm * n).div_ceil(1000)).max(1) - 1];
        let sum: u128 = s.iter().map(|&x| x as u128).sum();
        LatencyStats {
            count: n,
            mean_ms: Some(sum as f64 / n as f64 / 1000.0),
            p50_ms: Some(ms(rank(500))),
            p95_ms: Some(ms(rank(950))),
            p99_ms: Some(ms(rank(990))),
            max_ms: Some(ms(s[n - 1])),
        }
    }

    /// Statistics of binned samples: `(value µs, count)` in increasing value order (a lab
    /// that keeps a histogram instead of every sample; the same nearest rank).
    pub fn of_counts(counts: &[(u64, u64)]) -> LatencyStats {
        let n: u64 = counts.iter().map(|c| c.1).sum();
        if n == 0 {
            return LatencyStats::default();
        }
        let at_rank = |pm: u64| {
            let rank = (pm * n).div_ceil(1000).max(1);
            let mut seen = 0;
            for &(v, c) in counts {
                seen += c;
                if seen >= rank {
                    return v;
                }
            }
            counts[counts.len() - 1].0
        };
        let ms = |us: u64| us as f64 / 1000.0;
        let sum: u128 = counts.iter().map(|&(v, c)| v as u128 * c as u128).sum();
        LatencyStats {
            count: n as usize,
            mean_ms: Some(sum as f64 / n as f64 / 1000.0),
            p50_ms: Some(ms(at_rank(500))),
            p95_ms: Some(ms(at_rank(950))),
            p99_ms: Some(ms(at_rank(990))),
            max_ms: Some(ms(counts[counts.len() - 1].0)),
        }
    }
}
