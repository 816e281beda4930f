//! Pure geometry for the SVG views (unit-tested natively in `tests/geometry.rs`).

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
    (0..n)
        .map(|i| {
            let a =
                -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n.max(1) as f64;
            Pt {
                x: center.x + r * a.cos(),
                y: center.y + r * a.sin(),
            }
        })
        .collect()
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
    let (x1, y1) = (c.x + r * a.cos(), c.y + r * a.sin());
    let large = if f > 0.5 { 1 } else { 0 };
    format!("M {x0:.2} {y0:.2} A {r:.2} {r:.2} 0 {large} 1 {x1:.2} {y1:.2}")
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
    10f64.powf(v)
}

/// Slowest speed: 1/1000 of real time.
pub const MIN_SPEED_LOG: f64 = -3.0;
/// Fastest speed: 10× real time.
pub const MAX_SPEED_LOG: f64 = 1.0;

/// A speed factor as people read it: `1×`, `10×`, `1/250×`.
pub fn speed_label(speed: f64) -> String {
    if speed >= 0.995 {
        format!("{}×", (speed * 10.0).round() / 10.0)
    } else {
        format!("1/{}×", (1.0 / speed).round())
    }
}

/// A coordinate for an SVG attribute, one decimal (`12.3`).
pub fn f1(v: f64) -> String {
    format!("{v:.1}")
}
