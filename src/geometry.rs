//! Pure geometry for the SVG views (unit-tested natively in `tests/geometry.rs`).

use engine::fmtnum::{fixed, trim};

/// A point in SVG user units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pt {
    /// x (right).
    pub x: f64,
    /// y (down).
    pub y: f64,
}

/// `n` points evenly spaced on a circle, the first at the top, going clockwise.
pub fn ring(n: usize, center: Pt, r: f64) -> Vec<Pt> {
    ellipse(n, center, r, r)
}

/// `(sin a, cos a)` for an angle in radians, without the platform's `sin`/`cos` (in wasm those
/// are libm's, whose argument reduction alone is 5 KB of every page's bundle; positions on a
/// stage need no more than a millionth of a pixel): reduced to [−π, π], then the Taylor series
/// to the 25th power (error below 1e-11 there).
pub fn sin_cos(a: f64) -> (f64, f64) {
    use std::f64::consts::TAU;
    if !a.is_finite() {
        return (0.0, 1.0);
    }
    let x = a - TAU * (a / TAU).round();
    let x2 = x * x;
    let (mut s, mut c) = (x, 1.0);
    let (mut ts, mut tc) = (x, 1.0);
    for k in 1..=12u32 {
        let k = f64::from(k);
        ts *= -x2 / ((2.0 * k) * (2.0 * k + 1.0));
        tc *= -x2 / ((2.0 * k - 1.0) * (2.0 * k));
        s += ts;
        c += tc;
    }
    (s, c)
}

/// `n` points at even angles on an ellipse of radii `rx`, `ry`, the first at the top, going
/// clockwise (a circle stretched to a wide stage).
pub fn ellipse(n: usize, center: Pt, rx: f64, ry: f64) -> Vec<Pt> {
    (0..n)
        .map(|i| {
            let a =
                -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n.max(1) as f64;
            let (sin, cos) = sin_cos(a);
            Pt {
                x: center.x + rx * cos,
                y: center.y + ry * sin,
            }
        })
        .collect()
}

/// Sizes for `n` nodes on a circle that keep their text legible at the stage's scale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RingFit {
    /// Text size in user units: at least 17 and at least 12.5 CSS px as rendered (the stylesheet's
    /// `max(17px, var(--t))`).
    pub font: f64,
    /// Node radius: holds about four characters of `font` ("term 10"), unless neighbours would touch.
    pub node_r: f64,
    /// Radius of the circle the nodes sit on: leaves a line of text above and two below a node.
    pub ring_r: f64,
}

impl RingFit {
    /// `n` nodes inside a square of half-size `half` (user units) drawn at `k` user units per
    /// CSS pixel (see `use_stage_scale`).
    pub fn new(n: usize, half: f64, k: f64) -> Self {
        let k = if k.is_finite() {
            k.clamp(0.25, 8.0)
        } else {
            1.0
        };
        let font = (12.5 * k).max(17.0);
        let wanted = (2.3 * font).max(40.0);
        if n <= 1 {
            return RingFit {
                font,
                node_r: wanted,
                ring_r: 0.0,
            };
        }
        let ring_r = (half - wanted - 2.4 * font - 6.0).max(half * 0.3);
        let chord = 2.0 * ring_r * sin_cos(std::f64::consts::PI / n as f64).0;
        RingFit {
            font,
            node_r: wanted.min(0.45 * chord).max(12.0),
            ring_r,
        }
    }

    /// The same fit with the circle stretched sideways by `widen` (a wide stage): the nodes on
    /// an ellipse around `center`, and the node radius checked against their real spacing.
    pub fn on_ellipse(n: usize, center: Pt, half: f64, k: f64, widen: f64) -> (Self, Vec<Pt>) {
        let mut fit = RingFit::new(n, half, k);
        let rx = fit.ring_r + widen.max(0.0);
        let pos = ellipse(n, center, rx, fit.ring_r);
        if n >= 2 {
            let wanted = (2.3 * fit.font).max(40.0);
            let gap = (0..n)
                .map(|i| {
                    let (a, b) = (pos[i], pos[(i + 1) % n]);
                    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min);
            fit.node_r = wanted.min(0.45 * gap).max(12.0);
        }
        (fit, pos)
    }
}

/// Linear interpolation from `a` to `b`; `f` is clamped to `[0, 1]`.
pub fn lerp(a: Pt, b: Pt, f: f64) -> Pt {
    let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
    Pt {
        x: a.x + (b.x - a.x) * f,
        y: a.y + (b.y - a.y) * f,
    }
}

/// How far along its flight a message is at `now` (all in µs), in `[0, 1]`.
pub fn progress(now: u64, sent: u64, deliver: u64) -> f64 {
    if deliver <= sent {
        return 1.0;
    }
    (now.saturating_sub(sent) as f64 / (deliver - sent) as f64).clamp(0.0, 1.0)
}

/// The segment from `a` to `b` shortened by `ra` at the start and `rb` at the end (so a line
/// between two circles starts and ends at their edges). Degenerate input returns `(a, b)`.
pub fn between_circles(a: Pt, b: Pt, ra: f64, rb: f64) -> (Pt, Pt) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    if len <= ra + rb || len == 0.0 {
        return (a, b);
    }
    let (ux, uy) = (dx / len, dy / len);
    (
        Pt {
            x: a.x + ux * ra,
            y: a.y + uy * ra,
        },
        Pt {
            x: b.x - ux * rb,
            y: b.y - uy * rb,
        },
    )
}

/// An SVG path for an arc of a circle from 12 o'clock clockwise covering `frac` of the turn
/// (clamped to `[0, 0.9999]` so a full turn still draws).
pub fn arc_path(c: Pt, r: f64, frac: f64) -> String {
    let f = if frac.is_nan() {
        0.0
    } else {
        frac.clamp(0.0, 0.9999)
    };
    let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * f;
    let (x0, y0) = (c.x, c.y - r);
    let (sin, cos) = sin_cos(a);
    let (x1, y1) = (c.x + r * cos, c.y + r * sin);
    let large = if f > 0.5 { 1 } else { 0 };
    format!(
        "M {} {} A {} {} 0 {large} 1 {} {}",
        fixed(x0, 2),
        fixed(y0, 2),
        fixed(r, 2),
        fixed(r, 2),
        fixed(x1, 2),
        fixed(y1, 2)
    )
}

/// An SVG path for an ✗ centred on `c`, each stroke reaching `half` from the centre along both
/// axes (the mark of a crashed node).
pub fn cross_path(c: Pt, half: f64) -> String {
    let (l, r, t, b) = (c.x - half, c.x + half, c.y - half, c.y + half);
    format!(
        "M {} {} L {} {} M {} {} L {} {}",
        f1(l),
        f1(t),
        f1(r),
        f1(b),
        f1(r),
        f1(t),
        f1(l),
        f1(b)
    )
}

/// Maps a log-scale slider value to a speed factor: `10^v`.
pub fn speed_from_log(v: f64) -> f64 {
    let v = if v.is_finite() {
        v.clamp(MIN_SPEED_LOG, MAX_SPEED_LOG)
    } else {
        0.0
    };
    engine::detmath::pow10(v)
}

/// Slowest speed: 1/1000 of real time.
pub const MIN_SPEED_LOG: f64 = -3.0;
/// Fastest speed: 10× real time.
pub const MAX_SPEED_LOG: f64 = 1.0;

/// A speed factor as people read it: `1×`, `10×`, `1/250×`.
pub fn speed_label(speed: f64) -> String {
    if speed >= 0.995 {
        format!("{}×", trim(speed, 1))
    } else {
        format!("1/{}×", fixed(1.0 / speed, 0))
    }
}

/// A coordinate for an SVG attribute, one decimal (`12.3`).
pub fn f1(v: f64) -> String {
    fixed(v, 1).to_string()
}

/// Where an SVG's drawing lands in its box, as SVG's default `preserveAspectRatio` (xMidYMid
/// meet) places it: the viewBox `view` (width, height, from 0, 0) scaled by `s` to fit the box
/// `size` (width, height) and centred. Returns `(s, left, top)`, the offsets from the box's
/// corner (`s` 0 for an empty box or view).
pub fn fit_view(size: (f64, f64), view: (f64, f64)) -> (f64, f64, f64) {
    let s = (size.0 / view.0).min(size.1 / view.1);
    if !s.is_finite() || s <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (s, (size.0 - view.0 * s) / 2.0, (size.1 - view.1 * s) / 2.0)
}

/// Round dots at `pts` as one SVG path: a zero-length subpath per dot (`M x y h0`), which a
/// round line cap draws as a circle of the stroke's width. Many dots in one element cost the
/// page one attribute per frame instead of an element each.
pub fn dots_path(pts: impl IntoIterator<Item = Pt>) -> String {
    use std::fmt::Write;
    let mut d = String::new();
    for p in pts {
        let _ = write!(d, "M{} {}h0", fixed(p.x, 1), fixed(p.y, 1));
    }
    d
}

/// The position in `pts` of the point nearest to `p`, if one lies within `within` (the first of
/// equally near ones): which of many dots drawn as one path a click meant.
pub fn nearest(pts: impl IntoIterator<Item = Pt>, p: Pt, within: f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, q) in pts.into_iter().enumerate() {
        let d2 = (q.x - p.x).powi(2) + (q.y - p.y).powi(2);
        if d2 <= within * within && best.is_none_or(|(_, b)| d2 < b) {
            best = Some((i, d2));
        }
    }
    best.map(|(i, _)| i)
}

/// An axis-aligned box in user units: left, top, right, bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub l: f64,
    /// Top edge.
    pub t: f64,
    /// Right edge.
    pub r: f64,
    /// Bottom edge.
    pub b: f64,
}

impl Rect {
    /// The box around a circle.
    pub fn circle(c: Pt, r: f64) -> Self {
        Rect {
            l: c.x - r,
            t: c.y - r,
            r: c.x + r,
            b: c.y + r,
        }
    }

    /// A generous box around `chars` characters of text at `font` (user units) whose baseline
    /// starts at `at` (`start` anchor) or is centred on it (`middle`): wide enough for bold
    /// sans-serif digits and capitals.
    pub fn text(at: Pt, chars: usize, font: f64, middle: bool) -> Self {
        let w = chars as f64 * 0.64 * font;
        let l = if middle { at.x - w / 2.0 } else { at.x };
        Rect {
            l,
            t: at.y - 0.92 * font,
            r: l + w,
            b: at.y + 0.25 * font,
        }
    }

    /// Whether the two boxes share any area.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.l < o.r && o.l < self.r && self.t < o.b && o.t < self.b
    }
}

/// Labels that never collide: reserve the boxes that must stay readable (node text), then
/// offer each optional label (a message's) at a few positions; it is drawn at the first free
/// one, or not at all when the stage is crowded.
#[derive(Default, Debug)]
pub struct Placer {
    taken: Vec<Rect>,
}

impl Placer {
    /// Marks `r` as taken.
    pub fn reserve(&mut self, r: Rect) {
        self.taken.push(r);
    }

    /// The first of `candidates` (text baseline starts) where `chars` characters at `font` fit
    /// inside `bounds` without touching anything placed so far; it is taken.
    pub fn place(
        &mut self,
        candidates: &[Pt],
        chars: usize,
        font: f64,
        bounds: Rect,
    ) -> Option<Pt> {
        for &at in candidates {
            let r = Rect::text(at, chars, font, false);
            let inside = r.l >= bounds.l && r.r <= bounds.r && r.t >= bounds.t && r.b <= bounds.b;
            if inside && !self.taken.iter().any(|t| t.overlaps(&r)) {
                self.taken.push(r);
                return Some(at);
            }
        }
        None
    }
}

/// How much wider bold text is than [`text_width`]'s estimate for regular text.
pub const BOLD: f64 = 1.08;

/// About how wide `s` is at `font` (user units) in the stage's sans-serif, at or a little over
/// the real width: capitals and digits 0.66 em, spaces and "·" 0.32 em, other Latin text and
/// punctuation 0.6 em, CJK (any character from U+2E80 on) a whole em. Measured in Chromium's
/// DejaVu Sans, "SUSPECT · busy 10 · q 10" is 12.6 em (estimated 13.5), "UP · busy 0 · q 0" 8.2
/// (8.2), "可疑 · 忙 1 · 队列 0" 8.8 (8.9).
pub fn text_width(s: &str, font: f64) -> f64 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'A'..='Z' | '0'..='9' => 0.66,
            ' ' | '·' => 0.32,
            c if c >= '\u{2E80}' => 1.0,
            _ => 0.6,
        })
        .sum();
    em * font
}

/// Where a label (its baseline start) may sit beside a dot at `at`: the four corners around it,
/// starting on the side away from where it came from along `dir`, so labels of messages leaving
/// the same node spread out along their paths instead of piling on the node.
pub fn label_spots(at: Pt, dir: Pt, dot_r: f64, chars: usize, font: f64) -> [Pt; 4] {
    let w = chars as f64 * 0.64 * font;
    let gap = dot_r + 2.0;
    let (right, left) = (at.x + gap, at.x - gap - w);
    let (above, below) = (at.y - gap, at.y + gap + 0.92 * font);
    let ahead_x = if dir.x >= 0.0 { right } else { left };
    let behind_x = if dir.x >= 0.0 { left } else { right };
    let (ahead_y, behind_y) = if dir.y >= 0.0 {
        (below, above)
    } else {
        (above, below)
    };
    [
        Pt {
            x: ahead_x,
            y: behind_y,
        },
        Pt {
            x: behind_x,
            y: ahead_y,
        },
        Pt {
            x: ahead_x,
            y: ahead_y,
        },
        Pt {
            x: behind_x,
            y: behind_y,
        },
    ]
}
