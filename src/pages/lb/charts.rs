//! The load balancer page's charts over time (and the strategy comparison).

use super::{backend_name, BUCKET_MS, CHART_SPAN_MS};
use crate::components::chart::{chart, top, Axis, Series, PALETTE};
use crate::i18n::{tk, tr, trf};
use engine::lb::{SeriesPoint, FIRST_BACKEND};
use yew::prelude::*;

/// Latency percentiles, throughput/errors, and per-backend routing over the last 20 s, for the
/// strategy and (in compare mode) the other one on one y-scale per chart.
pub(super) fn render_charts(
    main: (&str, &[SeriesPoint]),
    other: Option<(&str, &[SeriesPoint])>,
    now_ms: f64,
) -> Html {
    let from = (now_ms - CHART_SPAN_MS).max(0.0);
    let names: Vec<String> = (0..PALETTE.len() + 4)
        .map(|b| backend_name(b + FIRST_BACKEND))
        .collect();
    let lines = |series: &[SeriesPoint]| {
        let pts: Vec<&SeriesPoint> = series.iter().filter(|p| p.t_ms >= from).collect();
        let col = |f: &dyn Fn(&SeriesPoint) -> Option<f64>| {
            pts.iter()
                .filter_map(|p| f(p).map(|v| ((p.t_ms + BUCKET_MS as f64 / 2.0) / 1000.0, v)))
                .collect::<Vec<_>>()
        };
        let nb = pts.last().map(|p| p.backends.len()).unwrap_or(0);
        [
            vec![
                Series::new("p50", "--up", col(&|p| p.p50_ms)),
                Series::new("p95", "--suspect", col(&|p| p.p95_ms)),
                Series::new("p99", "--oi-vermillion", col(&|p| p.p99_ms)),
            ],
            vec![
                Series::new(tr("ok"), "--up", col(&|p| Some(p.goodput_rps))),
                Series::new(
                    tr("errors"),
                    "--oi-vermillion",
                    col(&|p| {
                        let c = &p.counts;
                        Some(
                            (c.errors + c.rejected + c.no_backend + c.timeouts) as f64 * 1000.0
                                / BUCKET_MS as f64,
                        )
                    }),
                ),
                Series::new(tr("retries"), "--oi-purple", col(&|p| Some(p.retries_rps))).dashed(),
            ],
            (0..nb)
                .map(|b| {
                    Series::new(
                        names.get(b).map_or("", String::as_str),
                        PALETTE[b % PALETTE.len()],
                        col(&|p| p.backends.get(b).map(|x| x.in_flight)),
                    )
                })
                .collect(),
        ]
    };
    let a = lines(main.1);
    let b = other.map(|o| lines(o.1));
    const CHARTS: [(&str, &str, &str); 3] = [
        ("latency", tk("Latency"), "ms"),
        ("throughput", tk("Answers"), "req/s"),
        ("load", tk("In flight per backend"), tk("requests")),
    ];
    let x0 = from / 1000.0;
    let panel = |which: &str, title: &str, set: &[Vec<Series>; 3]| {
        html! {
            <section class={classes!("panel", "charts", which.to_string())} data-testid={format!("charts-{which}")}>
                <h2>{ trf("Strategy {}", &[&title]) }</h2>
                { for CHARTS.iter().enumerate().map(|(k, (id, name, unit))| {
                    let hi = top(&a[k]).max(b.as_ref().map_or(0.0, |b| top(&b[k])));
                    let x = Axis { lo: Some(x0), hi: Some(x0 + CHART_SPAN_MS / 1000.0), ..Axis::new("s") };
                    chart(&format!("chart-{which}-{id}"), tr(name), x, Axis::new(tr(unit)).to(hi), &set[k])
                }) }
            </section>
        }
    };
    html! {
        <>
            { panel("main", main.0, &a) }
            if let (Some((t, _)), Some(b)) = (other, &b) { { panel("compare", t, b) } }
        </>
    }
}
