//! Monte-Carlo years of a system: each component alternates exponential up times (mean MTBF)
//! and exponential repair times (mean MTTR), independently, from one seeded stream; the system
//! is up when its block structure says so. The run is a pure function of (system, years, seed).
//!
//! Every component starts in its steady state (up with probability `A`, the remaining time drawn
//! afresh: exponential times are memoryless), so each simulated year has the formula's
//! availability as its expectation and the years are identically distributed. The estimate is the
//! mean of the per-year availabilities with its standard error and a Student-t interval (years are
//! batch means of one continuous run; with MTBF and MTTR much shorter than a year they are close to
//! independent).
//!
//! A component given only as an availability is simulated with an MTTR of
//! [`AVAIL_ONLY_MTTR_H`] hour and the MTBF that gives its availability (`MTBF = MTTR·A/(1 − A)`):
//! the steady-state availability does not depend on that choice, the spread per year does.

use super::nines::{Avail, YEAR_H};
use super::stats::Estimate;
use super::system::{Block, Leaf};
use crate::detmath;
use crate::rng::{Rng, Stream};
use serde::Serialize;

/// The most simulated years in one run.
pub const MAX_YEARS: u32 = 10_000;
/// The fewest (an interval needs at least 3 samples).
pub const MIN_YEARS: u32 = 3;
/// Work budget: expected transitions × (components + 1). Keeps a run under about a second in
/// the page.
pub const MAX_WORK: f64 = 1.5e7;
/// MTTR assumed for a component given only as an availability, hours.
pub const AVAIL_ONLY_MTTR_H: f64 = 1.0;

/// Validates a number of years to simulate.
pub fn validate_years(years: u64) -> Result<u32, String> {
    if (MIN_YEARS as u64..=MAX_YEARS as u64).contains(&years) {
        Ok(years as u32)
    } else {
        Err(format!(
            "years to simulate must be {MIN_YEARS}–{MAX_YEARS}, got {years}"
        ))
    }
}

/// The result of a Monte-Carlo run next to the formula.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct McResult {
    /// Years simulated.
    pub years: u32,
    /// The seed.
    pub seed: u64,
    /// The formula's availability.
    pub formula_availability: f64,
    /// The formula's expected downtime per year, hours.
    pub formula_downtime_h_per_year: f64,
    /// Mean availability per year with its 95 % interval.
    pub availability: Estimate,
    /// Downtime per year in hours, with its 95 % interval.
    pub downtime_h_per_year: Estimate,
    /// System outages (up → down transitions; a run starting down counts one).
    pub outages: u64,
    /// Mean outage length in hours (total downtime / outages), if any.
    pub mean_outage_h: Option<f64>,
    /// Component failures and repairs simulated.
    pub transitions: u64,
    /// True when some component was given only as an availability (so its MTTR was assumed).
    pub assumed_mttr: bool,
}

/// Fewer system outages than this and the yearly availabilities are mostly exactly 1: the
/// interval is not meaningful (the page says to simulate more years).
pub const MIN_OUTAGES: u64 = 20;

impl McResult {
    /// True when the run saw too few outages for its interval to mean anything.
    pub fn too_few_outages(&self) -> bool {
        self.outages < MIN_OUTAGES
    }

    /// True when the formula's availability lies in the 95 % interval.
    pub fn formula_in_ci(&self) -> bool {
        self.availability.contains(self.formula_availability)
    }
}

enum Node {
    Leaf(usize),
    Series(Vec<Node>),
    Parallel(Vec<Node>),
    KofN(usize, Vec<Node>),
}

struct Comp {
    mtbf: f64,
    mttr: f64,
}

fn flatten(b: &Block, comps: &mut Vec<Comp>, assumed: &mut bool) -> Node {
    match b {
        Block::Leaf(l) => {
            let (mtbf, mttr) = match *l {
                Leaf::Rates { mtbf_h, mttr_h } => (mtbf_h, mttr_h),
                Leaf::Avail(Avail { a, u }) => {
                    *assumed = true;
                    let mttr = AVAIL_ONLY_MTTR_H;
                    let mtbf = if u <= 0.0 {
                        f64::INFINITY
                    } else {
                        mttr * a / u
                    };
                    (mtbf, mttr)
                }
            };
            comps.push(Comp { mtbf, mttr });
            Node::Leaf(comps.len() - 1)
        }
        Block::Series(bs) => Node::Series(bs.iter().map(|b| flatten(b, comps, assumed)).collect()),
        Block::Parallel(bs) => {
            Node::Parallel(bs.iter().map(|b| flatten(b, comps, assumed)).collect())
        }
        Block::KofN { k, of } => {
            Node::KofN(*k, of.iter().map(|b| flatten(b, comps, assumed)).collect())
        }
    }
}

fn is_up(n: &Node, up: &[bool]) -> bool {
    match n {
        Node::Leaf(i) => up[*i],
        Node::Series(ns) => ns.iter().all(|n| is_up(n, up)),
        Node::Parallel(ns) => ns.iter().any(|n| is_up(n, up)),
        Node::KofN(k, ns) => ns.iter().filter(|n| is_up(n, up)).count() >= *k,
    }
}

fn draw(rng: &mut Rng, mean: f64) -> f64 {
    if mean.is_infinite() {
        return f64::INFINITY;
    }
    // 1 − u is in (0, 1], so ln is finite.
    -detmath::ln(1.0 - rng.unit_f64()) * mean
}

/// Expected component transitions in `years` (steady state: 2 per cycle of MTBF + MTTR).
pub fn expected_transitions(b: &Block, years: u32) -> f64 {
    let mut comps = Vec::new();
    flatten(b, &mut comps, &mut false);
    comps
        .iter()
        .map(|c| 2.0 * years as f64 * YEAR_H / (c.mtbf + c.mttr))
        .sum()
}

/// The most years this system can be simulated within the work budget (at least 0).
pub fn max_years_for(b: &Block) -> u32 {
    let per_year = expected_transitions(b, 1) * (b.leaves() as f64 + 1.0);
    if per_year <= 0.0 {
        return MAX_YEARS;
    }
    (MAX_WORK / per_year).floor().min(MAX_YEARS as f64) as u32
}

/// Simulates `years` years of `b` from `seed`.
pub fn run(b: &Block, years: u32, seed: u64) -> Result<McResult, String> {
    let years = validate_years(years as u64)?;
    let limit = max_years_for(b);
    if years > limit {
        return Err(if limit < MIN_YEARS {
            format!(
                "this system fails and recovers too often to simulate {MIN_YEARS} years of it \
                 here; lengthen its MTBF or MTTR, or use fewer components"
            )
        } else {
            format!("this system fails and recovers often: at most {limit} years per run")
        });
    }
    let mut comps = Vec::new();
    let mut assumed = false;
    let tree = flatten(b, &mut comps, &mut assumed);
    let mut rng = Rng::stream(seed, Stream::Faults);
    let mut up = Vec::with_capacity(comps.len());
    let mut next = Vec::with_capacity(comps.len());
    for c in &comps {
        let a = if c.mtbf.is_infinite() {
            1.0
        } else {
            c.mtbf / (c.mtbf + c.mttr)
        };
        let u = rng.unit_f64() < a;
        up.push(u);
        next.push(draw(&mut rng, if u { c.mtbf } else { c.mttr }));
    }
    let horizon = years as f64 * YEAR_H;
    let mut down = vec![0.0f64; years as usize];
    let mut t = 0.0f64;
    let mut sys_up = is_up(&tree, &up);
    let mut outages = u64::from(!sys_up);
    let mut transitions = 0u64;
    // Hard stop far above the budget's expectation, so no draw sequence can run away.
    let cap = (3.0 * MAX_WORK) as u64 + 1_000;
    loop {
        let (i, tn) = next
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |m, (i, x)| if x < m.1 { (i, x) } else { m },
            );
        let end = tn.min(horizon);
        if !sys_up {
            add_down(&mut down, t, end);
        }
        if tn >= horizon || transitions >= cap {
            break;
        }
        t = tn;
        up[i] = !up[i];
        let c = &comps[i];
        next[i] = t + draw(&mut rng, if up[i] { c.mtbf } else { c.mttr });
        transitions += 1;
        let now = is_up(&tree, &up);
        if sys_up && !now {
            outages += 1;
        }
        sys_up = now;
    }
    let per_year: Vec<f64> = down.iter().map(|d| 1.0 - d / YEAR_H).collect();
    let availability = Estimate::of(&per_year, 0.95).ok_or("too few years")?;
    let total_down: f64 = down.iter().sum();
    let f = b.avail();
    Ok(McResult {
        years,
        seed,
        formula_availability: f.a,
        formula_downtime_h_per_year: f.u * YEAR_H,
        downtime_h_per_year: Estimate::of(&down, 0.95).ok_or("too few years")?,
        availability,
        outages,
        mean_outage_h: (outages > 0).then(|| total_down / outages as f64),
        transitions,
        assumed_mttr: assumed,
    })
}

/// Adds the down interval `[a, b)` to the per-year buckets.
fn add_down(down: &mut [f64], a: f64, b: f64) {
    let mut a = a;
    let mut y = (a / YEAR_H).floor() as usize;
    while a < b && y < down.len() {
        let end = b.min((y + 1) as f64 * YEAR_H);
        down[y] += end - a;
        a = end;
        y += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_close_to_the_formula() {
        let b = Block::parse("series(200h/4h, 2of3(100h/10h))").unwrap();
        let r = run(&b, 200, 7).unwrap();
        assert_eq!(r, run(&b, 200, 7).unwrap());
        assert_ne!(
            r.availability.mean,
            run(&b, 200, 8).unwrap().availability.mean
        );
        assert!(
            r.availability
                .at_level(0.99)
                .contains(r.formula_availability),
            "{r:?}"
        );
        assert!(r.outages > 0 && r.transitions > 0 && !r.assumed_mttr);
        assert!((r.downtime_h_per_year.mean - (1.0 - r.availability.mean) * YEAR_H).abs() < 1e-6);
    }

    #[test]
    fn bounded_work_and_years() {
        let b = Block::parse("1s/1s").unwrap();
        assert!(run(&b, 3, 1).unwrap_err().contains("too often"));
        let b = Block::parse("10m/5m").unwrap();
        let max = max_years_for(&b);
        assert!((MIN_YEARS..MAX_YEARS).contains(&max));
        assert!(run(&b, max + 1, 1).unwrap_err().contains("at most"));
        assert!(run(&b, 2, 1).unwrap_err().contains("3–10000"));
        // Never down: zero downtime, no NaN.
        let r = run(&Block::parse("100%").unwrap(), 10, 1).unwrap();
        assert_eq!(r.availability.mean, 1.0);
        assert_eq!(r.outages, 0);
        assert!(r.assumed_mttr);
    }
}
