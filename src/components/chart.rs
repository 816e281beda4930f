//! One chart for every lab: a titled line chart (CDFs are lines too) with axes whose ticks are
//! chosen from the pixel space so that no two labels overlap, a legend that wraps below the plot,
//! and text in the page's type scale. The chart is drawn at a natural width of [`W`] CSS px (it
//! only shrinks, never grows, so its text stays at the page's small size); colours are CSS
//! variables, so the dark theme works. It holds no words of its own: titles, axis and legend
//! names come from the caller. Side-by-side comparisons pass one y maximum ([`top`]) to every
//! chart so they share a scale.

use engine::fmtnum::fixed;
use std::fmt::Write;
use yew::prelude::*;

/// Natural width of a chart, user units = CSS px (written literally in the SVG head, as is `FS`).
pub const W: f64 = 360.0;
/// Height of the plot area.
const PH: f64 = 130.0;
/// Text size (the page's .85 rem) and a generous estimate of one character's width.
const FS: f64 = 13.6;
const CW: f64 = FS * 0.6;
/// Line height.
const LH: f64 = FS * 1.35;

/// The node palette (CSS variables), for one line per node.
pub const PALETTE: [&str; 16] = [
    "--c0", "--c1", "--c2", "--c3", "--c4", "--c5", "--c6", "--c7", "--c8", "--c9", "--c10",
    "--c11", "--c12", "--c13", "--c14", "--c15",
];

/// One axis: its name (with the unit), its range (`None`: from the data) and its kind.
pub struct Axis<'a> {
    pub name: &'a str,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    /// A log axis: its tick chooser ([`log_ticks`]; a pointer, so pages without log axes do
    /// not carry it).
    pub log: Option<Ticks>,
}

type Ticks = fn(f64, f64, f64, &dyn Fn(&str) -> f64) -> Vec<(f64, String)>;

impl<'a> Axis<'a> {
    /// A linear axis from 0 (or the data's minimum, if below) to the data's maximum.
    pub fn new(name: &'a str) -> Self {
        Axis {
            name,
            lo: None,
            hi: None,
            log: None,
        }
    }
    /// A log axis over `lo..=hi`.
    pub fn log(name: &'a str, lo: f64, hi: f64) -> Self {
        Axis {
            name,
            lo: Some(lo),
            hi: Some(hi),
            log: Some(log_ticks),
        }
    }
    pub fn to(mut self, hi: f64) -> Self {
        self.hi = Some(hi);
        self
    }
}

/// One line: its legend name (empty: no legend entry), its colour (a CSS variable such as
/// `--up`), dashed or not, dots at its points or not, and its points (x, y).
pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub dash: bool,
    pub dots: bool,
    pub points: Vec<(f64, f64)>,
}

impl<'a> Series<'a> {
    pub fn new(name: &'a str, color: &'a str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name,
            color,
            dash: false,
            dots: false,
            points,
        }
    }
    pub fn dashed(mut self) -> Self {
        self.dash = true;
        self
    }
    pub fn dotted(mut self) -> Self {
        self.dots = true;
        self
    }
}

/// The largest y of some series (for a scale shared by several charts).
pub fn top(series: &[Series]) -> f64 {
    series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0, f64::max)
}

/// `10^k` for a whole `k`, exact.
fn p10(k: f64) -> f64 {
    let p = engine::detmath::pow10(k.abs()).round();
    if k < 0.0 {
        1.0 / p
    } else {
        p
    }
}

/// Points of one value per time bucket of `dt`, each at its bucket's end.
pub fn per_bucket(values: impl Iterator<Item = f64>, dt: f64) -> Vec<(f64, f64)> {
    values
        .enumerate()
        .map(|(k, v)| ((k + 1) as f64 * dt, v))
        .collect()
}

/// The smallest "nice" step (1, 2 or 5 × 10^k) at least `raw`.
fn nice(raw: f64) -> f64 {
    let p = p10(engine::detmath::log10(raw.max(1e-9)).floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&s| s >= raw * 0.999)
        .unwrap_or(10.0 * p)
}

/// A tick label: as many decimals as the step needs; thousands as "k".
fn label(v: f64, step: f64) -> String {
    if v.abs() >= 10_000.0 && (v / 1000.0).fract() == 0.0 {
        return format!("{}k", fixed(v / 1000.0, 0));
    }
    let d = (-engine::detmath::log10(step) - 1e-6)
        .ceil()
        .clamp(0.0, 4.0) as usize;
    fixed(v, d as u8).to_string()
}

/// Ticks of a linear axis over `lo..hi` (`hi` rounded up to a step unless `fixed`), at most one
/// every `gap(label)` pixels of `len`.
fn lin_ticks(
    lo: f64,
    hi: f64,
    len: f64,
    fixed: bool,
    gap: &dyn Fn(&str) -> f64,
) -> (f64, Vec<(f64, String)>) {
    let span = (hi - lo).max(1e-9);
    let mut n = 10.0f64;
    loop {
        let step = nice(span / n);
        let top = if fixed {
            hi
        } else {
            (hi / step - 1e-9).ceil() * step
        };
        let first = (lo / step - 1e-9).ceil() * step;
        let ticks: Vec<(f64, String)> = (0..)
            .map(|k| first + k as f64 * step)
            .take_while(|&v| v <= top + step * 1e-6)
            .map(|v| (v, label(v, step)))
            .collect();
        let px = len * step / (top - lo).max(1e-9);
        if n <= 1.0 || ticks.iter().all(|(_, t)| gap(t) <= px) {
            return (top, ticks);
        }
        n -= 1.0;
    }
}

/// Ticks of a log axis: 1-2-5, then 1-3, then every decade, whichever fits first.
fn log_ticks(lo: f64, hi: f64, len: f64, gap: &dyn Fn(&str) -> f64) -> Vec<(f64, String)> {
    let (a, b) = (engine::detmath::log10(lo), engine::detmath::log10(hi));
    let at = |v: f64| len * (engine::detmath::log10(v) - a) / (b - a);
    for set in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0], &[1.0]] {
        let mut ticks = Vec::new();
        for k in a.floor() as i32..=b.ceil() as i32 {
            for m in set {
                let v = m * p10(k as f64);
                if v >= lo * 0.999 && v <= hi * 1.001 {
                    ticks.push((v, label(v, 1.0)));
                }
            }
        }
        if ticks
            .windows(2)
            .all(|p| at(p[1].0) - at(p[0].0) >= (gap(&p[0].1) + gap(&p[1].1)) / 2.0)
        {
            return ticks;
        }
    }
    vec![(lo, label(lo, 1.0)), (hi, label(hi, 1.0))]
}

/// Words of `text` in lines at most `width` wide, a character taken as `cw` wide (a CJK one as
/// two): lines break at spaces, and inside a run of Chinese text between any two characters.
pub fn wrap(text: &str, width: f64, cw: f64) -> Vec<String> {
    let wide = |c: char| c >= '\u{2e80}';
    let w = |t: &str| {
        t.chars()
            .map(|c| if wide(c) { 2.0 } else { 1.0 })
            .sum::<f64>()
            * cw
    };
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(l) if w(l) + cw + w(word) <= width => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
        // A word wider than the line (Chinese has no spaces) is cut between wide characters.
        while lines
            .last()
            .is_some_and(|l| w(l) > width && l.chars().any(wide))
        {
            let l = lines.pop().unwrap_or_default();
            let (mut head, mut used, mut cut) = (String::new(), 0.0, l.len());
            for (i, c) in l.char_indices() {
                let cwid = if wide(c) { 2.0 * cw } else { cw };
                if used + cwid > width && !head.is_empty() {
                    cut = i;
                    break;
                }
                used += cwid;
                head.push(c);
            }
            let rest = l[cut..].to_string();
            lines.push(head);
            if rest.is_empty() {
                break;
            }
            lines.push(rest);
        }
    }
    lines
}

fn width(t: &str) -> f64 {
    t.chars()
        .map(|c| if c >= '\u{2e80}' { 2.0 } else { 1.0 })
        .sum::<f64>()
        * CW
}

/// A chart: `id` is its test id, `title` its visible and accessible title.
pub fn chart(id: &str, title: &str, x: Axis, y: Axis, series: &[Series]) -> Html {
    let pts = || series.iter().flat_map(|s| s.points.iter());
    let (xlo, xhi) = (
        x.lo.unwrap_or_else(|| pts().map(|p| p.0).fold(f64::INFINITY, f64::min)),
        x.hi.unwrap_or_else(|| pts().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max)),
    );
    let (xlo, xhi) = if xlo < xhi { (xlo, xhi) } else { (0.0, 1.0) };
    let ylo =
        y.lo.unwrap_or_else(|| pts().map(|p| p.1).fold(0.0, f64::min));
    let yhi = y.hi.unwrap_or_else(|| top(series)).max(ylo + 1.0);
    // y ticks: one every two lines of text.
    let (yhi, yt) = if let Some(log) = y.log {
        (yhi, log(ylo, yhi, PH, &|_| 2.0 * FS))
    } else {
        lin_ticks(ylo, yhi, PH, false, &|_| 2.0 * FS)
    };
    let left = 8.0 + yt.iter().map(|t| width(&t.1)).fold(0.0, f64::max);
    // Room at the right for half of the last x label (centred on the plot's edge).
    let pw = W - left - (width(&label(xhi, 1.0)) / 2.0 + 4.0).max(10.0);
    let xgap = |t: &str| width(t) + FS;
    let xt = if let Some(log) = x.log {
        log(xlo, xhi, pw, &xgap)
    } else {
        lin_ticks(xlo, xhi, pw, true, &xgap).1
    };
    let map = |v: f64, lo: f64, hi: f64, log: bool| {
        if log {
            let l = |v: f64| engine::detmath::log10(v.max(lo));
            (l(v) - l(lo)) / (l(hi) - l(lo))
        } else {
            (v - lo) / (hi - lo)
        }
    };
    let px = |v: f64| left + pw * map(v.max(xlo).min(xhi), xlo, xhi, x.log.is_some());
    let title_lines = wrap(title, W - 8.0, CW * 1.12);
    // The y name sits above the plot, clear of the title and of the top tick.
    let y0 = LH * title_lines.len() as f64 + 2.3 * FS + 2.0;
    let y1 = y0 + PH;
    let py = |v: f64| y1 - PH * map(v, ylo, yhi, y.log.is_some());
    // Legend rows below the x axis name.
    let mut rows: Vec<Vec<(f64, &Series)>> = vec![Vec::new()];
    let mut cx = 0.0;
    for s in series.iter().filter(|s| !s.name.is_empty()) {
        let w = 26.0 + width(s.name) + FS;
        if cx > 0.0 && cx + w > W - 8.0 {
            rows.push(Vec::new());
            cx = 0.0;
        }
        rows.last_mut().unwrap().push((cx + 4.0, s));
        cx += w;
    }
    // Baseline of the legend's first row: below the x ticks and the x name.
    let legend_top = y1 + 3.2 * LH + 3.0;
    let h = legend_top + LH * (rows.iter().filter(|r| !r.is_empty()).count() as f64 - 0.6);
    // Built as one SVG string (a raw node): far less code in every page than a tree of elements.
    let mut o = format!(
        r#"<svg class="ch" width="360" viewBox="0 0 360 {}" data-testid="{}" role="img" aria-label="{}" font-size="13.6" data-ymax="{}">"#,
        fixed(h, 1),
        esc(id),
        esc(title),
        fixed(yhi, 2)
    );
    let text = |o: &mut String, class: &str, x: f64, y: f64, anchor: &str, t: &str| {
        let _ = write!(
            o,
            r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
            fixed(x, 1),
            fixed(y, 1),
            esc(t)
        );
    };
    for (k, t) in title_lines.iter().enumerate() {
        text(&mut o, "ch-title", 4.0, LH * (k + 1) as f64, "start", t);
    }
    text(&mut o, "", 4.0, y0 - 1.1 * FS, "start", y.name);
    for (v, t) in &yt {
        let at = py(*v);
        let _ = write!(
            o,
            r#"<path class="grid" d="M{} {}H{}"/>"#,
            fixed(left, 1),
            fixed(at, 1),
            fixed(left + pw, 1)
        );
        text(&mut o, "tick", left - 5.0, at + FS * 0.35, "end", t);
    }
    let _ = write!(
        o,
        r#"<path class="axis" d="M{} {}V{}H{}"/>"#,
        fixed(left, 1),
        fixed(y0, 1),
        fixed(y1, 1),
        fixed(left + pw, 1)
    );
    for (v, t) in &xt {
        text(&mut o, "tick", px(*v), y1 + LH + 3.0, "middle", t);
    }
    text(
        &mut o,
        "",
        left + pw / 2.0,
        y1 + 2.0 * LH + 3.0,
        "middle",
        x.name,
    );
    let dash = |s: &Series| if s.dash { " dash" } else { "" };
    for s in series {
        let _ = write!(
            o,
            r#"<g class="s{}" style="stroke:var({c});fill:var({c})"><polyline points=""#,
            dash(s),
            c = s.color
        );
        for &(a, b) in s.points.iter().filter(|p| p.1.is_finite()) {
            let _ = write!(o, "{},{} ", fixed(px(a), 1), fixed(py(b), 1));
        }
        o.push_str(r#""/>"#);
        if s.dots {
            for &(a, b) in &s.points {
                let _ = write!(
                    o,
                    r#"<circle cx="{}" cy="{}" r="3"/>"#,
                    fixed(px(a), 1),
                    fixed(py(b), 1)
                );
            }
        }
        o.push_str("</g>");
    }
    for (r, row) in rows.iter().enumerate() {
        let ly = legend_top + LH * r as f64;
        for (lx, s) in row {
            let _ = write!(
                o,
                r#"<g class="key"><path class="s{}" style="stroke:var({})" d="M{} {}h20"/>"#,
                dash(s),
                s.color,
                fixed(*lx, 1),
                fixed(ly - FS * 0.35, 1)
            );
            text(&mut o, "", lx + 26.0, ly, "start", s.name);
            o.push_str("</g>");
        }
    }
    o.push_str("</svg>");
    Html::from_html_unchecked(o.into())
}

/// `t` safe inside an SVG text or attribute.
fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice(0.7), 1.0);
        assert_eq!(nice(1.2), 2.0);
        assert_eq!(nice(3.0), 5.0);
        assert_eq!(nice(17.0), 20.0);
        assert_eq!(nice(0.03), 0.05);
    }

    #[test]
    fn linear_ticks_fit_and_round_up() {
        let (top, t) = lin_ticks(0.0, 93.0, PH, false, &|_| 2.0 * FS);
        assert_eq!(top, 100.0);
        assert!(t.len() <= 6 && t.len() >= 3, "{t:?}");
        // x ticks of wide labels thin out
        let (_, t) = lin_ticks(0.0, 1_000_000.0, 300.0, true, &|s| width(s) + FS);
        let gap = 300.0 / (t.len() - 1) as f64;
        assert!(t.iter().all(|(_, s)| width(s) + FS <= gap), "{t:?}");
    }

    #[test]
    fn log_ticks_thin_out() {
        let wide = log_ticks(5.0, 200.0, 300.0, &|s| width(s) + FS);
        assert_eq!(
            wide.iter().map(|t| t.0).collect::<Vec<_>>(),
            [5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
        );
        let narrow = log_ticks(1.0, 1000.0, 60.0, &|s| width(s) + FS);
        assert!(narrow.len() < wide.len());
    }

    #[test]
    fn wraps_words() {
        assert_eq!(wrap("a bb ccc", 4.0 * CW, CW), ["a bb", "ccc"]);
        // Chinese breaks between characters, each two wide.
        assert_eq!(
            wrap("灰色：服务的租约", 6.0 * CW, CW),
            ["灰色：", "服务的", "租约"]
        );
        assert_eq!(wrap("p99 延迟", 4.0 * CW, CW), ["p99", "延迟"]);
    }
}
