//! Link keys of the load-balancer lab, as one table: each key, how to read and write it, and
//! its limits (the cross-field checks are `LbParams::validate`).

use crate::lb::{LbParams, RetryPolicy, ServiceDist, Strategy};
use crate::time::{fmt_ms, parse_ms, Duration};

/// How one key's value is read and written.
pub enum Field {
    /// A whole number in `lo..=hi`.
    U32(fn(&mut LbParams) -> &mut u32, u32, u32),
    /// A time in ms (decimals allowed) in `lo..=hi` ms.
    Ms(fn(&mut LbParams) -> &mut Duration, u64, u64),
    /// `0` or `1`.
    Flag(fn(&mut LbParams) -> &mut bool),
    /// A strategy name.
    Strategy,
    /// A retry policy name.
    Retry,
    /// A service-time distribution name.
    Service,
}

/// Every key, in link order: (key, field, what it means — for error messages and forms).
pub const LB_KEYS: [(&str, Field, &str); 30] = [
    ("strat", Field::Strategy, "strategy"),
    (
        "rate",
        Field::U32(|p| &mut p.rate, 0, crate::lb::MAX_RATE),
        "requests per second",
    ),
    ("burst", Field::U32(|p| &mut p.burst, 1, 20), "burst factor"),
    (
        "bperiod",
        Field::Ms(|p| &mut p.burst_period, 100, 600_000),
        "burst period ms",
    ),
    (
        "bon",
        Field::U32(|p| &mut p.burst_on_pct, 1, 99),
        "burst on-time %",
    ),
    (
        "clients",
        Field::U32(|p| &mut p.clients, 1, 10_000),
        "client keys",
    ),
    (
        "hot",
        Field::U32(|p| &mut p.hot_pct, 0, 100),
        "hot client %",
    ),
    (
        "timeout",
        Field::Ms(|p| &mut p.timeout, 1, 60_000),
        "request timeout ms",
    ),
    ("retry", Field::Retry, "retry policy"),
    ("tries", Field::U32(|p| &mut p.tries, 1, 10), "attempts"),
    (
        "bbase",
        Field::Ms(|p| &mut p.backoff_base, 1, 10_000),
        "backoff base ms",
    ),
    (
        "bcap",
        Field::Ms(|p| &mut p.backoff_cap, 1, 60_000),
        "backoff cap ms",
    ),
    ("budget", Field::Flag(|p| &mut p.budget), "retry budget"),
    (
        "bpct",
        Field::U32(|p| &mut p.budget_pct, 0, 100),
        "retry budget %",
    ),
    (
        "breserve",
        Field::U32(|p| &mut p.budget_reserve, 0, 1_000),
        "retry reserve",
    ),
    (
        "workers",
        Field::U32(|p| &mut p.workers, 1, 64),
        "workers per backend",
    ),
    (
        "queue",
        Field::U32(|p| &mut p.queue, 0, 10_000),
        "queue limit",
    ),
    ("svc", Field::Service, "service-time distribution"),
    (
        "svcms",
        Field::Ms(|p| &mut p.service_mean, 0, 10_000),
        "mean service time ms",
    ),
    ("hc", Field::Flag(|p| &mut p.hc), "health checks"),
    (
        "hci",
        Field::Ms(|p| &mut p.hc_interval, 100, 60_000),
        "health-check interval ms",
    ),
    (
        "hct",
        Field::Ms(|p| &mut p.hc_timeout, 1, 60_000),
        "health-check timeout ms",
    ),
    ("rise", Field::U32(|p| &mut p.rise, 1, 10), "rise"),
    ("fall", Field::U32(|p| &mut p.fall, 1, 10), "fall"),
    (
        "eject",
        Field::U32(|p| &mut p.eject_after, 0, 100),
        "outlier ejection after N errors",
    ),
    (
        "ejectms",
        Field::Ms(|p| &mut p.eject_time, 100, 600_000),
        "ejection time ms",
    ),
    (
        "ejectpct",
        Field::U32(|p| &mut p.max_eject_pct, 0, 100),
        "most ejected %",
    ),
    (
        "vn",
        Field::U32(|p| &mut p.vnodes, 1, 1_000),
        "vnodes for hash",
    ),
    (
        "decay",
        Field::Ms(|p| &mut p.pewma_decay, 100, 600_000),
        "peak-EWMA decay ms",
    ),
    (
        "win",
        Field::Ms(|p| &mut p.window, 100, 60_000),
        "metrics window ms",
    ),
];

/// Sets one key from its text; the error says why (the caller names the key).
pub fn set(p: &mut LbParams, field: &Field, v: &str) -> Result<(), String> {
    match field {
        Field::U32(get, lo, hi) => match v.parse::<u32>() {
            Ok(x) if (*lo..=*hi).contains(&x) && v.bytes().all(|b| b.is_ascii_digit()) => {
                *get(p) = x;
                Ok(())
            }
            _ => Err(format!(
                "'{}' is not a whole number in {lo}–{hi}",
                crate::clip(v)
            )),
        },
        Field::Ms(get, lo, hi) => match parse_ms(v) {
            Some(us) if (lo * 1000..=hi * 1000).contains(&us) => {
                *get(p) = Duration(us);
                Ok(())
            }
            _ => Err(format!(
                "'{}' is not a time in {lo}–{hi} ms",
                crate::clip(v)
            )),
        },
        Field::Flag(get) => match v {
            "0" | "1" => {
                *get(p) = v == "1";
                Ok(())
            }
            _ => Err(format!("'{}' is not 0 or 1", crate::clip(v))),
        },
        Field::Strategy => {
            p.strategy = Strategy::parse(v).ok_or_else(|| {
                let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.as_str()).collect();
                format!("'{}' is not one of {}", crate::clip(v), names.join(", "))
            })?;
            Ok(())
        }
        Field::Retry => {
            p.retry = RetryPolicy::parse(v)
                .ok_or_else(|| format!("'{}' is not none, fixed or backoff", crate::clip(v)))?;
            Ok(())
        }
        Field::Service => {
            p.service = ServiceDist::parse(v)
                .ok_or_else(|| format!("'{}' is not const, exp or pareto", crate::clip(v)))?;
            Ok(())
        }
    }
}

/// The text of one key's value.
pub fn get(p: &LbParams, field: &Field) -> String {
    let mut q = *p;
    match field {
        Field::U32(get, ..) => get(&mut q).to_string(),
        Field::Ms(get, ..) => fmt_ms(get(&mut q).0),
        Field::Flag(get) => if *get(&mut q) { "1" } else { "0" }.to_string(),
        Field::Strategy => p.strategy.as_str().to_string(),
        Field::Retry => p.retry.as_str().to_string(),
        Field::Service => p.service.as_str().to_string(),
    }
}
