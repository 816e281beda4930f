//! `cli avail …`: the availability calculator of the page, from a terminal. Each command prints
//! the formula next to the seeded simulation that checks it, as text or `--format json`.
//!
//! ```text
//! cli avail nines <percent | Nn>                       e.g. 99.95, 99.95%, 3.3n
//! cli avail system '<system>' [--years N] [--seed S] [--format text|json]
//! cli avail mmc --rps L --service-ms S [--pods C] [--p99-ms X] [--requests N] [--seed S] [--format text|json]
//! ```

use engine::avail::mmc::{self, Mmc};
use engine::avail::montecarlo;
use engine::avail::nines::{
    fmt_duration, fmt_nines, fmt_num, fmt_percent, fmt_percent_ci, parse_nines, parse_percent,
    PERIODS, YEAR_H,
};
use engine::avail::stats::Estimate;
use engine::avail::system::Block;
use engine::clip;
use serde_json::json;

/// The `avail` part of `cli help`.
pub const USAGE: &str = "    cli avail nines <percent | Nn>
        Allowed downtime per year (365.2425 d), month (1/12 year and 30 d), week and day for an
        availability in percent (99.95) or a number of nines (3.3n), and its number of nines.
    cli avail system '<system>' [--years N] [--seed S] [--format text|json]
        Steady-state availability of a system written as in the page: a component is 99.95% or
        MTBF/MTTR (1000h/4h, 30d/30m); series(…), parallel(…), 2of3(x) (two of three copies),
        2of(a, b, c). Next to it, N simulated years (default 100, 3-10000) from seed S (default 1)
        with exponential failures and repairs: mean availability and downtime per year with 95 %
        intervals.
    cli avail mmc --rps L --service-ms S [--pods C] [--p99-ms X] [--requests N] [--seed S] [--format text|json]
        The M/M/c queue (Erlang C): utilisation, probability of waiting, mean wait, p50/p95/p99
        response time at C pods (default: the fewest that keep up); with --p99-ms, the fewest pods
        whose p99 meets X; and a seeded simulation of N requests (default 200000) that checks the
        mean wait against the formula.";

struct Flags {
    positional: Vec<String>,
    pairs: Vec<(String, String)>,
    json: bool,
}

fn flags(args: &[String], allowed: &[&str]) -> Result<Flags, String> {
    let mut f = Flags {
        positional: Vec::new(),
        pairs: Vec::new(),
        json: false,
    };
    let mut format_seen = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if let Some(name) = a.strip_prefix("--") {
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if name != "format" && !allowed.contains(&name) {
                let mut list: Vec<String> = allowed.iter().map(|a| format!("--{a}")).collect();
                list.push("--format".into());
                return Err(format!(
                    "unknown flag '--{}' (flags: {})",
                    clip(name),
                    list.join(", ")
                ));
            }
            let value = match inline {
                Some(v) => v,
                None => {
                    let v = args
                        .get(i)
                        .ok_or_else(|| format!("--{name} needs a value"))?;
                    i += 1;
                    v.clone()
                }
            };
            if name == "format" {
                if format_seen {
                    return Err("--format given twice".into());
                }
                format_seen = true;
                f.json = match value.as_str() {
                    "json" => true,
                    "text" => false,
                    _ => return Err(format!("--format '{}' is not text or json", clip(&value))),
                };
            } else if f.pairs.iter().any(|(k, _)| k == name) {
                return Err(format!("--{name} given twice"));
            } else {
                f.pairs.push((name.to_string(), value));
            }
        } else {
            f.positional.push(a.clone());
        }
    }
    Ok(f)
}

impl Flags {
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn whole(&self, name: &str, default: u64) -> Result<u64, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| format!("--{name} '{}' is not a whole number", clip(v))),
        }
    }

    fn one_positional(&self, what: &str) -> Result<&str, String> {
        match self.positional.as_slice() {
            [one] => Ok(one),
            [] => Err(format!("{what} is missing")),
            [_, extra, ..] => Err(format!(
                "unexpected argument '{}' (quote the system: ( and , are special to the shell)",
                clip(extra)
            )),
        }
    }
}

/// Runs `cli avail <args>`: the text to print, or the one-line error.
pub fn run(args: &[String]) -> Result<String, String> {
    let Some((what, rest)) = args.split_first() else {
        return Err("`avail` needs a calculation: nines, system or mmc".into());
    };
    match what.as_str() {
        "nines" => nines(rest),
        "system" => system(rest),
        "mmc" => queue(rest),
        other => Err(format!(
            "unknown calculation '{}' (nines, system, mmc)",
            clip(other)
        )),
    }
}

fn nines(args: &[String]) -> Result<String, String> {
    let f = flags(args, &[])?;
    let v = f.one_positional("an availability (e.g. 99.95) or a number of nines (e.g. 3.3n)")?;
    let av = match v.trim().strip_suffix('n') {
        Some(n) => parse_nines(n),
        None => parse_percent(v),
    }?;
    let nines = av.nines();
    if f.json {
        let downtime: serde_json::Map<String, serde_json::Value> = PERIODS
            .iter()
            .map(|p| (format!("{}_s", p.id()), json!(av.downtime_s(*p))))
            .collect();
        return Ok(pretty(json!({
            "availability": av.a,
            "unavailability": av.u,
            "nines": nines,
            "downtime": downtime,
        })));
    }
    let mut out = format!(
        "availability {} %  =  {} nines  (U = 1 − A = {})\nallowed downtime:\n",
        fmt_percent(av),
        fmt_nines(av),
        fmt_num(av.u)
    );
    for p in PERIODS {
        out.push_str(&format!(
            "  {:<32} {}\n",
            p.label(),
            fmt_duration(av.downtime_s(p))
        ));
    }
    Ok(out)
}

fn est_json(e: &Estimate) -> serde_json::Value {
    json!({"mean": e.mean, "std_err": e.std_err, "ci95": [e.lo, e.hi], "n": e.n})
}

fn system(args: &[String]) -> Result<String, String> {
    let f = flags(args, &["years", "seed"])?;
    let text = f.one_positional("a system (e.g. 'series(99.9%, 2of3(1000h/4h))')")?;
    let b = Block::parse(text)?;
    let years =
        montecarlo::validate_years(f.whole("years", 100)?).map_err(|e| format!("--years: {e}"))?;
    let seed = f.whole("seed", 1)?;
    let formula = b.avail();
    let mc = montecarlo::run(&b, years, seed)?;
    if f.json {
        return Ok(pretty(json!({
            "system": b.text(),
            "formula": {
                "availability": formula.a,
                "unavailability": formula.u,
                "nines": formula.nines(),
                "downtime_h_per_year": formula.u * YEAR_H,
            },
            "monte_carlo": {
                "years": mc.years,
                "seed": mc.seed,
                "availability": est_json(&mc.availability),
                "downtime_h_per_year": est_json(&mc.downtime_h_per_year),
                "outages": mc.outages,
                "mean_outage_h": mc.mean_outage_h,
                "transitions": mc.transitions,
                "assumed_mttr_h": mc.assumed_mttr.then_some(montecarlo::AVAIL_ONLY_MTTR_H),
                "formula_in_ci95": mc.formula_in_ci(),
                "too_few_outages": mc.too_few_outages(),
            },
        })));
    }
    let a = &mc.availability;
    let d = &mc.downtime_h_per_year;
    let ci = fmt_percent_ci(a.mean, a.lo, a.hi);
    let mut out = format!(
        "system   {}\n\
         formula  availability {} % ({} nines), downtime {} per year\n\
         simulated {} years (seed {}): availability {} % (standard error {} points; 95 % CI {} – {} %)\n\
         \x20         downtime {} per year (95 % CI {} – {}), {} outages{}\n\
         \x20         the formula is {}inside the 95 % interval\n",
        b.text(),
        fmt_percent(formula),
        fmt_nines(formula),
        fmt_duration(formula.u * YEAR_H * 3600.0),
        mc.years,
        mc.seed,
        ci[0],
        fmt_num(a.std_err * 100.0),
        ci[1],
        ci[2],
        fmt_duration(d.mean * 3600.0),
        fmt_duration(d.lo.max(0.0) * 3600.0),
        fmt_duration(d.hi * 3600.0),
        mc.outages,
        mc.mean_outage_h
            .map(|h| format!(" of {} on average", fmt_duration(h * 3600.0)))
            .unwrap_or_default(),
        if mc.formula_in_ci() { "" } else { "NOT " },
    );
    if mc.too_few_outages() {
        out.push_str(&format!(
            "note: fewer than {} outages: the interval is not meaningful; simulate more years\n",
            montecarlo::MIN_OUTAGES
        ));
    }
    if mc.assumed_mttr {
        out.push_str(&format!(
            "note: components given as an availability were simulated with MTTR {} h\n",
            montecarlo::AVAIL_ONLY_MTTR_H
        ));
    }
    Ok(out)
}

fn queue(args: &[String]) -> Result<String, String> {
    let f = flags(
        args,
        &["rps", "service-ms", "pods", "p99-ms", "requests", "seed"],
    )?;
    if let Some(extra) = f.positional.first() {
        return Err(format!("unexpected argument '{}'", clip(extra)));
    }
    let need = |k: &str| {
        f.get(k)
            .ok_or_else(|| format!("--{k} is required (e.g. --rps 800 --service-ms 20)"))
    };
    let rate = mmc::parse_rate(need("rps")?).map_err(|e| format!("--rps: {e}"))?;
    let svc =
        mmc::parse_service_ms(need("service-ms")?).map_err(|e| format!("--service-ms: {e}"))?;
    let offered = rate * svc / 1000.0;
    let pods = match f.get("pods") {
        Some(p) => mmc::parse_pods(p).map_err(|e| format!("--pods: {e}"))?,
        None if offered.floor() + 1.0 <= mmc::MAX_PODS as f64 => offered.floor() as u32 + 1,
        None => return Err(format!("the load needs more than {} pods", mmc::MAX_PODS)),
    };
    let target = f
        .get("p99-ms")
        .map(|t| mmc::parse_target_ms(t).map_err(|e| format!("--p99-ms: {e}")))
        .transpose()?;
    let requests = mmc::validate_requests(f.whole("requests", 200_000)?)
        .map_err(|e| format!("--requests: {e}"))?;
    let seed = f.whole("seed", 1)?;
    let m = Mmc::new(rate, svc, pods)?;
    let solved = m.solve();
    let sim = solved
        .as_ref()
        .ok()
        .map(|_| mmc::simulate(&m, requests, seed))
        .transpose()?;
    let needed = target.map(|t| (t, mmc::pods_needed(rate, svc, t, 0.99)));
    if f.json {
        return Ok(pretty(json!({
            "input": m,
            "capacity_per_pod_rps": m.mu(),
            "formula": match &solved { Ok(r) => json!(r), Err(u) => json!({"unstable": u, "message": u.message()}) },
            "simulation": sim.as_ref().map(|s| json!({
                "requests": s.requests,
                "measured": s.measured,
                "seed": s.seed,
                "mean_wait_ms": est_json(&s.mean_wait_ms),
                "p_wait": s.p_wait,
                "mean_response_ms": s.mean_response_ms,
                "p99_response_ms": s.p99_response_ms,
                "formula_in_ci95": s.formula_in_ci(),
                "too_few_waits": s.too_few_waits(),
            })),
            "pods_needed": needed.map(|(t, n)| json!({"p99_target_ms": t, "result": n, "message": n.message(0.99, t)})),
        })));
    }
    let mut out = format!(
        "M/M/c: λ = {} req/s, mean service {} ms (one pod serves {} req/s), c = {} pods\n",
        fmt_num(rate),
        fmt_num(svc),
        fmt_num(m.mu()),
        pods
    );
    match &solved {
        Err(u) => out.push_str(&format!("formula  {}\n", u.message())),
        Ok(r) => {
            out.push_str(&format!(
                "formula  utilisation ρ = {} %, P(wait) = {} %, mean wait {} ms, mean response {} ms\n\
                 \x20        response p50 {} ms, p95 {} ms, p99 {} ms\n",
                fmt_num(r.utilisation * 100.0),
                fmt_num(r.p_wait * 100.0),
                fmt_num(r.mean_wait_ms),
                fmt_num(r.mean_response_ms),
                fmt_num(r.p50_response_ms),
                fmt_num(r.p95_response_ms),
                fmt_num(r.p99_response_ms),
            ));
        }
    }
    if let Some(s) = &sim {
        let w = &s.mean_wait_ms;
        out.push_str(&format!(
            "simulated {} requests (seed {}, first 10 % discarded): P(wait) = {} %, mean wait {} ms \
             (95 % CI {} – {} ms), p99 response {} ms\n\
             \x20        the formula's mean wait is {}inside the interval\n",
            s.requests,
            s.seed,
            fmt_num(s.p_wait * 100.0),
            fmt_num(w.mean),
            fmt_num(w.lo),
            fmt_num(w.hi),
            fmt_num(s.p99_response_ms),
            if s.formula_in_ci() { "" } else { "NOT " },
        ));
        if s.too_few_waits() {
            out.push_str(&format!(
                "note: only {} requests waited: the interval is not meaningful\n",
                s.waited
            ));
        }
    }
    if let Some((t, n)) = needed {
        out.push_str(&format!(
            "pods for p99 ≤ {} ms: {}\n",
            fmt_num(t),
            n.message(0.99, t)
        ));
    }
    Ok(out)
}

fn pretty(v: serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(a: &[&str]) -> Result<String, String> {
        run(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn nines_table() {
        let t = go(&["nines", "99.9"]).unwrap();
        assert!(t.contains("8h 45m 57s"), "{t}");
        assert!(go(&["nines", "3.3n"]).unwrap().contains("3.3 nines"));
        let j: serde_json::Value =
            serde_json::from_str(&go(&["nines", "99.999", "--format", "json"]).unwrap()).unwrap();
        assert!((j["downtime"]["year_s"].as_f64().unwrap() / 60.0 - 5.26).abs() < 0.01);
        assert!(go(&["nines", "101"]).unwrap_err().contains("at most 100"));
    }

    #[test]
    fn system_formula_next_to_monte_carlo() {
        let j: serde_json::Value = serde_json::from_str(
            &go(&[
                "system",
                "series(500h/5h, 2of3(200h/10h))",
                "--years",
                "200",
                "--format=json",
            ])
            .unwrap(),
        )
        .unwrap();
        let f = j["formula"]["availability"].as_f64().unwrap();
        let ci = &j["monte_carlo"]["availability"]["ci95"];
        assert!(ci[0].as_f64().unwrap() < ci[1].as_f64().unwrap());
        assert!((j["monte_carlo"]["availability"]["mean"].as_f64().unwrap() - f).abs() < 0.002);
        assert!(go(&["system", "series(99%"])
            .unwrap_err()
            .contains("not closed"));
        assert!(go(&["system", "99%", "--years", "0"])
            .unwrap_err()
            .contains("--years"));
        assert!(go(&["system", "99%", "--bogus", "1"])
            .unwrap_err()
            .contains("unknown flag"));
    }

    #[test]
    fn mmc_formula_simulation_and_pods() {
        let t = go(&[
            "mmc",
            "--rps",
            "800",
            "--service-ms",
            "20",
            "--pods",
            "20",
            "--p99-ms",
            "100",
            "--requests",
            "50000",
        ])
        .unwrap();
        assert!(t.contains("utilisation ρ = 80 %"), "{t}");
        assert!(t.contains("pods for p99 ≤ 100 ms: "), "{t}");
        let t = go(&["mmc", "--rps", "800", "--service-ms", "20", "--pods", "10"]).unwrap();
        assert!(t.contains("unstable") && !t.contains("simulated"), "{t}");
        assert!(go(&["mmc", "--rps", "800"])
            .unwrap_err()
            .contains("--service-ms is required"));
        assert!(go(&[
            "mmc",
            "--rps",
            "800",
            "--service-ms",
            "20",
            "--pods",
            "100000"
        ])
        .unwrap_err()
        .contains("1–10000"));
    }
}
