//! Systems of components and their steady-state availability.
//!
//! A component ([`Leaf`]) is given either as an availability or as MTBF/MTTR (exponential up and
//! down times: steady-state availability `A = MTBF / (MTBF + MTTR)`). Blocks combine them, with
//! independent failures:
//!
//! - series (all needed): `A = Π Aᵢ`, and `U = 1 − Π(1 − Uᵢ)` accumulated as `u + uᵢ − u·uᵢ`;
//! - parallel (one is enough): `U = Π Uᵢ`;
//! - k-of-n (at least k of the n up): `A = Σ_{j ≥ k} P(exactly j up)`, with the distribution of
//!   the number up computed by dynamic programming over the blocks (the Poisson-binomial
//!   distribution; for n identical blocks it is the binomial `Σ C(n,j) Aʲ (1−A)ⁿ⁻ʲ`). Both tails are
//!   sums of positive terms, so a 99.9999 % system keeps its digits.
//!
//! Written as text (`cli avail system`, the page's builder):
//!
//! ```text
//! block := leaf | series(block, …) | parallel(block, …) | KofN(block) | Kof(block, …)
//! leaf  := 99.95% | 99.95 | MTBF/MTTR        (durations: 30m, 4h, 2d, 1w, 1y; bare numbers are hours)
//! ```
//!
//! `2of3(500h/2h)` is two of three identical copies; `2of(a, b, c)` two of the blocks listed.

use super::nines::{fmt_num, parse_percent, Avail, YEAR_H};
use crate::clip;

/// The longest system text read.
pub const MAX_TEXT: usize = 1_000;
/// The most component instances in one system (after expanding copies).
pub const MAX_LEAVES: usize = 256;
/// The deepest nesting of blocks.
pub const MAX_DEPTH: usize = 6;
/// Shortest MTBF or MTTR accepted, in hours (one second).
pub const MIN_TIME_H: f64 = 1.0 / 3600.0;
/// Longest MTBF or MTTR accepted, in hours (1000 years).
pub const MAX_TIME_H: f64 = 1_000.0 * YEAR_H;

/// One component.
#[derive(Clone, Debug, PartialEq)]
pub enum Leaf {
    /// Given as an availability.
    Avail(Avail),
    /// Given as mean time between failures and mean time to repair, in hours.
    Rates {
        /// Mean up time, hours.
        mtbf_h: f64,
        /// Mean down time, hours.
        mttr_h: f64,
    },
}

impl Leaf {
    /// Steady-state availability.
    pub fn avail(&self) -> Avail {
        match *self {
            Leaf::Avail(a) => a,
            Leaf::Rates { mtbf_h, mttr_h } => Avail {
                a: mtbf_h / (mtbf_h + mttr_h),
                u: mttr_h / (mtbf_h + mttr_h),
            },
        }
    }

    /// Validates MTBF and MTTR in hours.
    pub fn rates(mtbf_h: f64, mttr_h: f64) -> Result<Leaf, String> {
        check_time("MTBF", mtbf_h)?;
        check_time("MTTR", mttr_h)?;
        Ok(Leaf::Rates { mtbf_h, mttr_h })
    }

    /// Reads `99.95%`, `99.95` (percent) or `MTBF/MTTR` (`1000h/4h`, `30d/30m`).
    pub fn parse(s: &str) -> Result<Leaf, String> {
        let t = s.trim();
        if let Some((f, r)) = t.split_once('/') {
            let mtbf = parse_hours(f).map_err(|e| format!("MTBF: {e}"))?;
            let mttr = parse_hours(r).map_err(|e| format!("MTTR: {e}"))?;
            return Leaf::rates(mtbf, mttr);
        }
        parse_percent(t).map(Leaf::Avail).map_err(|e| {
            if t.chars().any(|c| c.is_ascii_alphabetic()) && !t.contains('/') {
                format!("{e}; MTBF/MTTR is written like 1000h/4h")
            } else {
                e
            }
        })
    }

    /// The canonical text (`99.95%`, `1000h/4h`).
    pub fn text(&self) -> String {
        match *self {
            Leaf::Avail(a) => format!("{}%", fmt_exact(100.0 - a.u * 100.0)),
            Leaf::Rates { mtbf_h, mttr_h } => {
                format!("{}h/{}h", fmt_exact(mtbf_h), fmt_exact(mttr_h))
            }
        }
    }
}

/// Ten decimals, trailing zeros trimmed (enough to read back the same availability to 1e-12).
fn fmt_exact(x: f64) -> String {
    let s = crate::fmtnum::fixed(x, 10).to_string();
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn check_time(what: &str, h: f64) -> Result<(), String> {
    if !h.is_finite() || h <= 0.0 {
        return Err(format!("{what} must be above 0, got {}", fmt_num(h)));
    }
    if !(MIN_TIME_H..=MAX_TIME_H).contains(&h) {
        return Err(format!(
            "{what} must be between 1 s and 1000 years, got {} h",
            fmt_num(h)
        ));
    }
    Ok(())
}

/// Reads a duration in hours: `4h`, `30m`, `90s`, `2d`, `1w`, `1y` (365.2425 d); a bare number is
/// hours.
pub fn parse_hours(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let factor = match unit.trim() {
        "" | "h" => 1.0,
        "s" => 1.0 / 3600.0,
        "m" | "min" => 1.0 / 60.0,
        "d" => 24.0,
        "w" => 168.0,
        "y" => YEAR_H,
        other => {
            return Err(format!(
                "unknown unit '{}' (use s, m, h, d, w or y)",
                clip(other)
            ))
        }
    };
    let x: f64 = num
        .trim()
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| format!("'{}' is not a duration (e.g. 4h, 30m, 2d)", clip(s)))?;
    Ok(x * factor)
}

/// A system: a component or a combination of blocks.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// One component.
    Leaf(Leaf),
    /// Every block is needed.
    Series(Vec<Block>),
    /// Any one block is enough.
    Parallel(Vec<Block>),
    /// At least `k` of the blocks are needed.
    KofN {
        /// How many must be up.
        k: usize,
        /// The blocks (n = their count; identical copies are repeated).
        of: Vec<Block>,
    },
}

/// What [`Block::parse`] reads: the block and the text it was read from.
type Parsed = Result<Block, String>;

impl Block {
    /// Steady-state availability with independent failures (formulas in the module doc).
    pub fn avail(&self) -> Avail {
        match self {
            Block::Leaf(l) => l.avail(),
            Block::Series(bs) => {
                let (mut a, mut u) = (1.0, 0.0);
                for b in bs {
                    let x = b.avail();
                    a *= x.a;
                    u = u + x.u - u * x.u;
                }
                Avail { a, u }
            }
            Block::Parallel(bs) => {
                let (mut a, mut u) = (0.0, 1.0);
                for b in bs {
                    let x = b.avail();
                    u *= x.u;
                    a = a + x.a - a * x.a;
                }
                Avail { a, u }
            }
            Block::KofN { k, of } => {
                let xs: Vec<Avail> = of.iter().map(Block::avail).collect();
                k_of_n(*k, &xs)
            }
        }
    }

    /// Number of component instances.
    pub fn leaves(&self) -> usize {
        match self {
            Block::Leaf(_) => 1,
            Block::Series(bs) | Block::Parallel(bs) | Block::KofN { of: bs, .. } => {
                bs.iter().map(Block::leaves).sum()
            }
        }
    }

    /// Reads the text form (grammar in the module doc).
    pub fn parse(s: &str) -> Parsed {
        if s.len() > MAX_TEXT {
            return Err(format!(
                "the system is {} characters long (limit {MAX_TEXT})",
                s.len()
            ));
        }
        let mut p = Parser {
            s: s.as_bytes(),
            text: s,
            i: 0,
            leaves: 0,
        };
        let b = p.block(0)?;
        p.skip_ws();
        if p.i < p.s.len() {
            return Err(format!("unexpected '{}' after the system", clip(&s[p.i..])));
        }
        Ok(b)
    }

    /// The canonical text of the block.
    pub fn text(&self) -> String {
        let list = |bs: &[Block]| bs.iter().map(Block::text).collect::<Vec<_>>().join(", ");
        match self {
            Block::Leaf(l) => l.text(),
            Block::Series(bs) => format!("series({})", list(bs)),
            Block::Parallel(bs) => format!("parallel({})", list(bs)),
            Block::KofN { k, of } => {
                if of.len() > 1 && of.iter().all(|b| *b == of[0]) {
                    format!("{k}of{}({})", of.len(), of[0].text())
                } else {
                    format!("{k}of({})", list(of))
                }
            }
        }
    }
}

/// `P(at least k of the independent blocks are up)`, both tails summed directly.
pub fn k_of_n(k: usize, xs: &[Avail]) -> Avail {
    let n = xs.len();
    // dist[j] = P(exactly j up among the blocks seen so far).
    let mut dist = vec![0.0; n + 1];
    dist[0] = 1.0;
    for (i, x) in xs.iter().enumerate() {
        for j in (0..=i + 1).rev() {
            let up = if j > 0 { dist[j - 1] * x.a } else { 0.0 };
            dist[j] = dist[j] * x.u + up;
        }
    }
    let k = k.min(n + 1);
    Avail {
        a: dist[k..].iter().sum(),
        u: dist[..k].iter().sum(),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    leaves: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn block(&mut self, depth: usize) -> Parsed {
        if depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        self.skip_ws();
        let start = self.i;
        while self.i < self.s.len() && !matches!(self.s[self.i], b'(' | b')' | b',') {
            self.i += 1;
        }
        let atom = self.text[start..self.i].trim();
        if self.i < self.s.len() && self.s[self.i] == b'(' {
            self.i += 1;
            let op = Op::parse(atom)?;
            let mut items = Vec::new();
            loop {
                if items.len() >= MAX_LEAVES {
                    return Err(format!("more than {MAX_LEAVES} blocks in one list"));
                }
                items.push(self.block(depth + 1)?);
                self.skip_ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(format!("'{}(' is not closed with ')'", clip(atom))),
                }
            }
            return op.build(items, self);
        }
        if atom.is_empty() {
            return Err(match self.s.get(self.i) {
                None => "a component is missing (e.g. 99.9% or 1000h/4h)".into(),
                Some(&c) => format!("a component is missing before '{}'", c as char),
            });
        }
        self.count(1)?;
        Leaf::parse(atom)
            .map(Block::Leaf)
            .map_err(|e| format!("component '{}': {e}", clip(atom)))
    }

    fn count(&mut self, n: usize) -> Result<(), String> {
        self.leaves = self.leaves.saturating_add(n);
        if self.leaves > MAX_LEAVES {
            Err(format!("more than {MAX_LEAVES} components in one system"))
        } else {
            Ok(())
        }
    }
}

enum Op {
    Series,
    Parallel,
    /// `k`, and `n` copies when written `KofN`.
    KofN(usize, Option<usize>),
}

impl Op {
    fn parse(name: &str) -> Result<Op, String> {
        match name {
            "series" => return Ok(Op::Series),
            "parallel" => return Ok(Op::Parallel),
            _ => {}
        }
        let bad = || {
            format!(
                "unknown arrangement '{}' (series, parallel, 2of3, 2of)",
                clip(name)
            )
        };
        let (k, n) = name.split_once("of").ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: Option<usize> = match n.trim() {
            "" => None,
            n => Some(n.parse().map_err(|_| bad())?),
        };
        Ok(Op::KofN(k, n))
    }

    fn build(self, mut items: Vec<Block>, p: &mut Parser) -> Parsed {
        match self {
            Op::Series => Ok(Block::Series(items)),
            Op::Parallel => Ok(Block::Parallel(items)),
            Op::KofN(k, copies) => {
                if let Some(n) = copies {
                    if items.len() != 1 {
                        return Err(format!(
                            "{k}of{n}(…) takes one block to copy {n} times; write {k}of(a, b, …) for different ones"
                        ));
                    }
                    if n == 0 || n > MAX_LEAVES {
                        return Err(format!("n must be 1–{MAX_LEAVES}, got {n}"));
                    }
                    let one = items.remove(0);
                    p.count(one.leaves().saturating_mul(n - 1))?;
                    items = vec![one; n];
                }
                let n = items.len();
                if k == 0 || k > n {
                    return Err(format!("k must be 1–n ({n}) in k-of-n, got {k}"));
                }
                Ok(Block::KofN { k, of: items })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Avail {
        Block::parse(s).unwrap().avail()
    }

    #[test]
    fn textbook_combinations() {
        let s = a("series(99.9%, 99.9%)");
        assert!((s.a - 0.998_001).abs() < 1e-12);
        let p = a("parallel(99%, 99%)");
        assert!((p.u - 1e-4).abs() < 1e-16);
        // 2 of 3 at 0.9: 3·0.81·0.1 + 0.729 = 0.972.
        let k = a("2of3(90%)");
        assert!((k.a - 0.972).abs() < 1e-12 && (k.u - 0.028).abs() < 1e-12);
        assert!((a("1000h/1h").a - 1000.0 / 1001.0).abs() < 1e-15);
        assert!((a("30d/12h").a - 720.0 / 732.0).abs() < 1e-15);
        // 1of2 = parallel, 2of2 = series.
        assert!((a("1of2(99%)").u - a("parallel(99%,99%)").u).abs() < 1e-18);
        assert!((a("2of(99%, 98%)").a - 0.99 * 0.98).abs() < 1e-15);
        let nested = Block::parse("series(99.99%, 2of3(500h/2h), parallel(99.9, 99.9))").unwrap();
        assert_eq!(nested.leaves(), 6);
        assert_eq!(
            nested.text(),
            "series(99.99%, 2of3(500h/2h), parallel(99.9%, 99.9%))"
        );
        assert_eq!(Block::parse(&nested.text()).unwrap(), nested);
    }

    #[test]
    fn five_nines_keep_their_digits() {
        let p = a("parallel(99.999%, 99.999%)");
        assert!((p.u - 1e-10).abs() < 1e-19, "{}", p.u);
        let s = a("series(99.999%, 99.999%)");
        assert!((s.u - (2e-5 - 1e-10)).abs() < 1e-15, "{}", s.u);
    }

    #[test]
    fn hostile_systems_get_messages() {
        for (bad, needle) in [
            ("", "missing"),
            ("series(", "missing"),
            ("series(99%", "not closed"),
            ("foo(99%)", "unknown arrangement"),
            ("4of3(99%)", "k must be"),
            ("0of(99%)", "k must be"),
            ("2of3(99%, 98%)", "one block"),
            ("1000h/0h", "MTTR must be above 0"),
            ("1000h/-4h", "MTTR"),
            ("1000x/4h", "unknown unit"),
            ("120%", "at most 100"),
            ("0%", "above 0"),
            ("1of100000(99%)", "n must be"),
            ("1of200(series(99%, 99%))", "more than 256"),
            ("series(99%) x", "unexpected"),
            ("abc", "1000h/4h"),
        ] {
            let e = Block::parse(bad).unwrap_err();
            assert!(e.contains(needle), "{bad}: {e}");
        }
        let deep = "series(".repeat(50) + "99%" + &")".repeat(50);
        assert!(Block::parse(&deep).unwrap_err().contains("nested"));
        assert!(Block::parse(&"9".repeat(2000))
            .unwrap_err()
            .contains("limit"));
    }
}
