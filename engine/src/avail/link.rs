//! The availability calculator's state in the address bar, so a teacher can share it. Its keys
//! all start with `av` and no lab uses them (the link decoder skips them, see
//! [`crate::scenario::decode`]); they can sit next to any lab's keys.
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `av` | availability for the nines table, percent | `99.9` |
//! | `avn` | the same as a number of nines (used when `av` is absent) | — |
//! | `avarr` | arrangement of the components: `series`, `parallel`, `kofn` | `series` |
//! | `avk` | k of k-of-n | `2` |
//! | `avc` | components, `;`-separated: `99.9` (percent) or `MTBF/MTTR` (`1000h/4h`) | `99.9;99.9` |
//! | `avy` | years per Monte-Carlo run (3–10 000) | `100` |
//! | `avseed` | seed of the Monte-Carlo and queue simulations | `1` |
//! | `avrps` | load, requests per second | `800` |
//! | `avsvc` | mean service time per request, ms | `20` |
//! | `avpods` | pods (servers) | `20` |
//! | `avslo` | p99 response-time target, ms | `100` |
//!
//! Values are kept as typed (so the page shows a bad one next to its field, with its message);
//! each has a checker that the page and [`read`] share, and the results use the default instead.

use super::mmc::{self, Mmc};
use super::montecarlo;
use super::nines::{parse_nines, parse_percent, Avail};
use super::system::{Block, Leaf};
use crate::clip;

/// Every key of the calculator.
pub const KEYS: [&str; 11] = [
    "av", "avn", "avarr", "avk", "avc", "avy", "avseed", "avrps", "avsvc", "avpods", "avslo",
];
/// The most components in the page's builder.
pub const MAX_COMPONENTS: usize = 12;
/// Longest value kept for one field.
const MAX_FIELD: usize = 64;

/// True for a key of the calculator.
pub fn is_key(k: &str) -> bool {
    KEYS.contains(&k)
}

/// How the builder's components are arranged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrangement {
    /// All needed.
    Series,
    /// One enough.
    Parallel,
    /// At least k.
    KofN,
}

impl Arrangement {
    /// The link value.
    pub fn as_str(self) -> &'static str {
        match self {
            Arrangement::Series => "series",
            Arrangement::Parallel => "parallel",
            Arrangement::KofN => "kofn",
        }
    }

    /// Reads a link value.
    pub fn parse(s: &str) -> Option<Arrangement> {
        [
            Arrangement::Series,
            Arrangement::Parallel,
            Arrangement::KofN,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// The calculator's inputs, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct CalcLink {
    /// Availability in percent (`av`).
    pub av: String,
    /// Or a number of nines (`avn`), when `nines_mode`.
    pub nines: String,
    /// The table's input is the nines field.
    pub nines_mode: bool,
    /// Arrangement.
    pub arr: Arrangement,
    /// k of k-of-n.
    pub k: String,
    /// Components.
    pub comps: Vec<String>,
    /// Years per Monte-Carlo run.
    pub years: String,
    /// Seed.
    pub seed: String,
    /// Load, requests/s.
    pub rps: String,
    /// Service time, ms.
    pub svc: String,
    /// Pods.
    pub pods: String,
    /// p99 target, ms.
    pub slo: String,
}

impl Default for CalcLink {
    fn default() -> Self {
        CalcLink {
            av: "99.9".into(),
            nines: "3".into(),
            nines_mode: false,
            arr: Arrangement::Series,
            k: "2".into(),
            comps: vec!["99.9".into(), "99.9".into()],
            years: "100".into(),
            seed: "1".into(),
            rps: "800".into(),
            svc: "20".into(),
            pods: "20".into(),
            slo: "100".into(),
        }
    }
}

/// Default inputs as numbers (what a bad field falls back to).
pub mod defaults {
    /// Availability of the table.
    pub const AVAIL_PCT: f64 = 99.9;
    /// Years.
    pub const YEARS: u32 = 100;
    /// Seed.
    pub const SEED: u64 = 1;
    /// Load.
    pub const RPS: f64 = 800.0;
    /// Service time.
    pub const SVC_MS: f64 = 20.0;
    /// Pods.
    pub const PODS: u32 = 20;
    /// Target.
    pub const SLO_MS: f64 = 100.0;
}

impl CalcLink {
    /// The table's availability.
    pub fn availability(&self) -> Result<Avail, String> {
        if self.nines_mode {
            parse_nines(&self.nines)
        } else {
            parse_percent(&self.av)
        }
    }

    /// Each component, read.
    pub fn leaves(&self) -> Vec<Result<Leaf, String>> {
        self.comps.iter().map(|c| Leaf::parse(c)).collect()
    }

    /// k of k-of-n, checked against the number of components.
    pub fn k_value(&self) -> Result<usize, String> {
        let n = self.comps.len();
        match self.k.trim().parse::<usize>() {
            Ok(k) if (1..=n).contains(&k) => Ok(k),
            _ => Err(format!(
                "k must be a whole number 1–{n} (the number of components), got '{}'",
                clip(&self.k)
            )),
        }
    }

    /// The system the builder describes; `Err` names the first bad component or k.
    pub fn system(&self) -> Result<Block, String> {
        if self.comps.is_empty() {
            return Err("add at least one component".into());
        }
        let mut leaves = Vec::new();
        for (i, l) in self.leaves().into_iter().enumerate() {
            leaves.push(Block::Leaf(
                l.map_err(|e| format!("component {}: {e}", i + 1))?,
            ));
        }
        Ok(match self.arr {
            Arrangement::Series => Block::Series(leaves),
            Arrangement::Parallel => Block::Parallel(leaves),
            Arrangement::KofN => Block::KofN {
                k: self.k_value()?,
                of: leaves,
            },
        })
    }

    /// Years per run.
    pub fn years_value(&self) -> Result<u32, String> {
        let y = self.years.trim().parse::<u64>().map_err(|_| {
            format!(
                "years must be a whole number {}–{}, got '{}'",
                montecarlo::MIN_YEARS,
                montecarlo::MAX_YEARS,
                clip(&self.years)
            )
        })?;
        montecarlo::validate_years(y)
    }

    /// The seed.
    pub fn seed_value(&self) -> Result<u64, String> {
        self.seed.trim().parse::<u64>().map_err(|_| {
            format!(
                "seed must be a whole number 0–18446744073709551615, got '{}'",
                clip(&self.seed)
            )
        })
    }

    /// Load.
    pub fn rps_value(&self) -> Result<f64, String> {
        mmc::parse_rate(&self.rps)
    }

    /// Service time.
    pub fn svc_value(&self) -> Result<f64, String> {
        mmc::parse_service_ms(&self.svc)
    }

    /// Pods.
    pub fn pods_value(&self) -> Result<u32, String> {
        mmc::parse_pods(&self.pods)
    }

    /// Target.
    pub fn slo_value(&self) -> Result<f64, String> {
        mmc::parse_target_ms(&self.slo)
    }

    /// The queue, with the default for each bad field.
    pub fn queue(&self) -> Mmc {
        Mmc {
            rate: self.rps_value().unwrap_or(defaults::RPS),
            service_ms: self.svc_value().unwrap_or(defaults::SVC_MS),
            pods: self.pods_value().unwrap_or(defaults::PODS),
        }
    }

    /// Every problem, as (key, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut note = |k: &'static str, r: Result<(), String>| {
            if let Err(e) = r {
                out.push((k, e));
            }
        };
        note(
            if self.nines_mode { "avn" } else { "av" },
            self.availability().map(drop),
        );
        note("avc", self.system().map(drop));
        note("avy", self.years_value().map(drop));
        note("avseed", self.seed_value().map(drop));
        note("avrps", self.rps_value().map(drop));
        note("avsvc", self.svc_value().map(drop));
        note("avpods", self.pods_value().map(drop));
        note("avslo", self.slo_value().map(drop));
        out
    }

    /// The link pairs (only values that differ from the defaults).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let d = CalcLink::default();
        let mut out = Vec::new();
        if self.nines_mode {
            out.push(("avn", self.nines.clone()));
        } else if self.av != d.av {
            out.push(("av", self.av.clone()));
        }
        if self.arr != d.arr {
            out.push(("avarr", self.arr.as_str().to_string()));
        }
        let comps = self.comps.join(";");
        if comps != d.comps.join(";") {
            out.push(("avc", comps));
        }
        let fields: [(&'static str, &String, &String); 7] = [
            ("avk", &self.k, &d.k),
            ("avy", &self.years, &d.years),
            ("avseed", &self.seed, &d.seed),
            ("avrps", &self.rps, &d.rps),
            ("avsvc", &self.svc, &d.svc),
            ("avpods", &self.pods, &d.pods),
            ("avslo", &self.slo, &d.slo),
        ];
        for (k, v, dv) in fields {
            if v != dv {
                out.push((k, v.clone()));
            }
        }
        out
    }
}

/// Reads the calculator's keys from a query (other keys are left alone); problems are returned
/// as (key, message) and the page shows them next to the fields.
pub fn read(query: &str) -> (CalcLink, Vec<(&'static str, String)>) {
    let q = query.split_once('?').map_or(query, |(_, q)| q);
    let q = q.split('#').next().unwrap_or("");
    let mut c = CalcLink::default();
    let mut errs = Vec::new();
    let mut seen: Vec<&'static str> = Vec::new();
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        let Some(&key) = KEYS.iter().find(|x| **x == k) else {
            continue;
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let short: String = v.chars().take(MAX_FIELD).collect();
        match key {
            "av" => c.av = short,
            "avn" => {
                if !seen.contains(&"av") {
                    c.nines = short;
                    c.nines_mode = true;
                }
            }
            "avarr" => match Arrangement::parse(&v) {
                Some(a) => c.arr = a,
                None => errs.push((
                    key,
                    format!(
                        "'{}' is not series, parallel or kofn; using series",
                        clip(&v)
                    ),
                )),
            },
            "avk" => c.k = short,
            "avc" => {
                let mut comps: Vec<String> = v
                    .split(';')
                    .map(|s| s.chars().take(MAX_FIELD).collect())
                    .collect();
                if comps.len() > MAX_COMPONENTS {
                    errs.push((
                        key,
                        format!(
                            "{} components (at most {MAX_COMPONENTS}); the rest are ignored",
                            comps.len()
                        ),
                    ));
                    comps.truncate(MAX_COMPONENTS);
                }
                c.comps = comps;
            }
            "avy" => c.years = short,
            "avseed" => c.seed = short,
            "avrps" => c.rps = short,
            "avsvc" => c.svc = short,
            "avpods" => c.pods = short,
            _ => c.slo = short,
        }
    }
    if seen.contains(&"av") {
        c.nines_mode = false;
    }
    errs.extend(c.problems());
    (c, errs)
}

/// `query` with the calculator's keys replaced by `c`'s (other keys kept, in order).
pub fn merge(query: &str, c: &CalcLink) -> String {
    let q = query.trim_start_matches('?');
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        if !is_key(&k) {
            ser.append_pair(&k, &v);
        }
    }
    for (k, v) in c.pairs() {
        ser.append_pair(k, &v);
    }
    ser.finish()
}

// The tests compare against the platform's libm on purpose.
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_other_keys() {
        let c = CalcLink {
            av: "99.95".into(),
            arr: Arrangement::KofN,
            comps: vec!["1000h/4h".into(), "99.9".into(), "99%".into()],
            rps: "1200".into(),
            ..CalcLink::default()
        };
        let q = merge("lab=cluster&seed=3&av=1", &c);
        assert!(q.starts_with("lab=cluster&seed=3&"), "{q}");
        let (back, errs) = read(&q);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(back, c);
        assert_eq!(merge("", &CalcLink::default()), "");
    }

    #[test]
    fn hostile_links_get_messages_and_defaults() {
        let (c, errs) = read("av=250&avarr=zigzag&avc=1000h/0h;x&avk=9&avy=1e9&avpods=99999&avrps=-3&avsvc=abc&avslo=0&avseed=-1");
        let keys: Vec<&str> = errs.iter().map(|e| e.0).collect();
        for k in [
            "av", "avarr", "avc", "avy", "avpods", "avrps", "avsvc", "avslo", "avseed",
        ] {
            assert!(keys.contains(&k), "{k} not reported: {errs:?}");
        }
        assert_eq!(c.arr, Arrangement::Series);
        assert_eq!(
            c.queue(),
            Mmc {
                rate: 800.0,
                service_ms: 20.0,
                pods: 20
            }
        );
        let long = format!("avc={}", vec!["99"; 40].join(";"));
        let (c, errs) = read(&long);
        assert_eq!(c.comps.len(), MAX_COMPONENTS);
        assert!(errs[0].1.contains("at most 12"));
        let (c, errs) = read("avn=3.3");
        assert!(c.nines_mode && errs.is_empty());
        assert!((c.availability().unwrap().u - 10f64.powf(-3.3)).abs() < 1e-12);
        let (c, _) = read(&format!("av={}", "9".repeat(5000)));
        assert!(c.av.len() <= 64 && c.availability().is_err());
    }

    #[test]
    fn no_lab_uses_these_keys_and_links_decode_clean() {
        use crate::lab::LabKind;
        for &lab in LabKind::ALL.iter() {
            for d in crate::scenario::keys::key_docs(lab) {
                assert!(!is_key(d.name), "{} uses {}", lab.as_str(), d.name);
            }
            let link = format!("lab={}&av=99.95&avc=99.9;1000h/4h&avpods=3", lab.as_str());
            let d = crate::scenario::decode(&link);
            assert!(d.errors.is_empty(), "{link}: {:?}", d.errors);
        }
        assert!(crate::scenario::decode("av=99.9&avn=3").errors.is_empty());
    }
}
