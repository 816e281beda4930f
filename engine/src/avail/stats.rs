//! Mean, standard error and a Student-t confidence interval of a sample.

use crate::detmath;

/// An estimate of a mean from independent (or batch-mean) samples.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Number of samples.
    pub n: u64,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator).
    pub std_dev: f64,
    /// Standard error of the mean, `std_dev / √n`.
    pub std_err: f64,
    /// Confidence level of the interval (0.95 …).
    pub level: f64,
    /// Lower end of the interval, `mean − t·std_err`.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
}

impl Estimate {
    /// The estimate of `samples` at two-sided `level` (e.g. 0.95), with the Student t quantile of
    /// `n − 1` degrees of freedom. `None` with fewer than 3 samples (no usable interval).
    pub fn of(samples: &[f64], level: f64) -> Option<Estimate> {
        let n = samples.len();
        if n < 3 || !(level > 0.0 && level < 1.0) {
            return None;
        }
        let nf = n as f64;
        let mean = samples.iter().sum::<f64>() / nf;
        let ss: f64 = samples.iter().map(|x| (x - mean) * (x - mean)).sum();
        let std_dev = (ss / (nf - 1.0)).sqrt();
        let std_err = std_dev / nf.sqrt();
        let t = detmath::t_quantile(0.5 + level / 2.0, n as u64 - 1);
        Some(Estimate {
            n: n as u64,
            mean,
            std_dev,
            std_err,
            level,
            lo: mean - t * std_err,
            hi: mean + t * std_err,
        })
    }

    /// The same samples' interval at another level.
    pub fn at_level(&self, level: f64) -> Estimate {
        let t = detmath::t_quantile(0.5 + level / 2.0, self.n - 1);
        Estimate {
            level,
            lo: self.mean - t * self.std_err,
            hi: self.mean + t * self.std_err,
            ..*self
        }
    }

    /// True when `x` lies in the interval (inclusive).
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// The estimate scaled by `k` (units: fraction → hours …).
    pub fn scaled(&self, k: f64) -> Estimate {
        let (lo, hi) = if k >= 0.0 {
            (self.lo * k, self.hi * k)
        } else {
            (self.hi * k, self.lo * k)
        };
        Estimate {
            mean: self.mean * k,
            std_dev: self.std_dev * k.abs(),
            std_err: self.std_err * k.abs(),
            lo,
            hi,
            ..*self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sample() {
        // 1..=10: mean 5.5, s = 3.02765, se = 0.957427, t(0.975, 9) = 2.262.
        let xs: Vec<f64> = (1..=10).map(|x| x as f64).collect();
        let e = Estimate::of(&xs, 0.95).unwrap();
        assert_eq!(e.mean, 5.5);
        assert!((e.std_dev - 3.027_65).abs() < 1e-5);
        assert!((e.std_err - 0.957_427).abs() < 1e-6);
        assert!((e.hi - (5.5 + 2.262 * 0.957_427)).abs() < 3e-3, "{}", e.hi);
        assert!(Estimate::of(&[1.0, 2.0], 0.95).is_none());
        assert!(e.at_level(0.99).hi > e.hi);
    }
}
