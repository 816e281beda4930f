//! Native tests of the pure geometry behind the SVG views.

use ha_playground::geometry::*;

const C: Pt = Pt { x: 100.0, y: 100.0 };

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn ring_starts_at_top_and_goes_clockwise() {
    let p = ring(4, C, 10.0);
    assert_eq!(p.len(), 4);
    assert!(
        close(p[0].x, 100.0) && close(p[0].y, 90.0),
        "first point at 12 o'clock: {:?}",
        p[0]
    );
    assert!(
        close(p[1].x, 110.0) && close(p[1].y, 100.0),
        "second at 3 o'clock (clockwise on screen): {:?}",
        p[1]
    );
    for q in &p {
        assert!(close(
            ((q.x - C.x).powi(2) + (q.y - C.y).powi(2)).sqrt(),
            10.0
        ));
    }
    assert!(ring(0, C, 10.0).is_empty());
}

#[test]
fn lerp_clamps_and_handles_nan() {
    let a = Pt { x: 0.0, y: 0.0 };
    let b = Pt { x: 10.0, y: 20.0 };
    assert_eq!(lerp(a, b, 0.5), Pt { x: 5.0, y: 10.0 });
    assert_eq!(lerp(a, b, -1.0), a);
    assert_eq!(lerp(a, b, 7.0), b);
    assert_eq!(lerp(a, b, f64::NAN), a);
}

#[test]
fn progress_of_a_message() {
    assert!(close(progress(150, 100, 200), 0.5));
    assert!(close(progress(50, 100, 200), 0.0));
    assert!(close(progress(500, 100, 200), 1.0));
    // Zero-latency message: already there.
    assert!(close(progress(100, 100, 100), 1.0));
}

#[test]
fn segment_between_circles_touches_their_edges() {
    let a = Pt { x: 0.0, y: 0.0 };
    let b = Pt { x: 100.0, y: 0.0 };
    let (s, e) = between_circles(a, b, 10.0, 20.0);
    assert!(close(s.x, 10.0) && close(e.x, 80.0));
    // Overlapping circles: unchanged.
    assert_eq!(between_circles(a, b, 60.0, 60.0), (a, b));
}

#[test]
fn arc_path_covers_the_fraction() {
    let half = arc_path(C, 10.0, 0.5);
    assert!(
        half.starts_with("M 100.00 90.00 A 10.00 10.00 0 0 1 100.00 110.00"),
        "{half}"
    );
    let most = arc_path(C, 10.0, 0.75);
    assert!(
        most.contains(" 0 1 1 "),
        "large-arc flag for > half: {most}"
    );
    // A full turn still draws (clamped just below 1) and NaN draws nothing visible.
    assert!(arc_path(C, 10.0, 5.0).contains(" 0 1 1 "));
    assert!(arc_path(C, 10.0, f64::NAN).ends_with("100.00 90.00"));
}

#[test]
fn speed_slider_is_logarithmic_and_clamped() {
    assert!(close(speed_from_log(0.0), 1.0));
    assert!(close(speed_from_log(-3.0), 0.001));
    assert!(close(speed_from_log(-9.0), 0.001));
    assert!(close(speed_from_log(f64::INFINITY), 1.0));
    assert_eq!(speed_label(1.0), "1×");
    assert_eq!(speed_label(10.0), "10×");
    assert_eq!(speed_label(0.004), "1/250×");
}

#[test]
fn cross_path_draws_both_diagonals_through_the_centre() {
    assert_eq!(
        cross_path(C, 10.0),
        "M 90.0 90.0 L 110.0 110.0 M 110.0 90.0 L 90.0 110.0"
    );
}

#[test]
fn ring_fit_keeps_text_legible_and_nodes_apart() {
    // A projector (k ≈ 1): the design sizes.
    let f = RingFit::new(5, 320.0, 1.0);
    assert_eq!(f.font, 17.0);
    assert_eq!(f.node_r, 40.0);
    // 150 % zoom (k ≈ 2.5): text 12.5 px as rendered, nodes big enough for "term 10".
    let f = RingFit::new(5, 320.0, 2.5);
    assert!(close(f.font / 2.5, 12.5));
    assert!(f.node_r >= 2.0 * f.font);
    // The nodes and their labels stay inside the square.
    assert!(f.ring_r + f.node_r + 2.4 * f.font <= 320.0);
    // Many nodes: neighbours never touch.
    for n in [5, 8, 11] {
        for k in [1.0, 2.0, 3.0, 4.0] {
            let (f, pos) = RingFit::on_ellipse(n, Pt { x: 640.0, y: 320.0 }, 320.0, k, 300.0);
            for i in 0..n {
                let (a, b) = (pos[i], pos[(i + 1) % n]);
                let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                assert!(d > 2.0 * f.node_r, "n={n} k={k}: {d} vs r {}", f.node_r);
            }
        }
    }
    // Hostile scales are clamped, never NaN.
    assert!(RingFit::new(3, 320.0, f64::NAN).font.is_finite());
}

#[test]
fn placer_skips_labels_that_would_collide() {
    let mut p = Placer::default();
    let bounds = Rect {
        l: 0.0,
        t: 0.0,
        r: 640.0,
        b: 640.0,
    };
    p.reserve(Rect::circle(C, 40.0));
    // A label right on the node: every spot around a dot at its centre collides.
    let spots = label_spots(C, Pt { x: 1.0, y: 0.0 }, 8.0, 6, 17.0);
    assert_eq!(p.place(&spots, 6, 17.0, bounds), None);
    // Away from the node: placed, and then taken.
    let far = Pt { x: 300.0, y: 300.0 };
    let spots = label_spots(far, Pt { x: 1.0, y: 0.0 }, 8.0, 6, 17.0);
    let at = p.place(&spots, 6, 17.0, bounds).expect("room");
    assert!(at.x > far.x, "ahead of a dot moving right: {at:?}");
    let second = p.place(&spots, 6, 17.0, bounds).expect("another corner");
    assert_ne!(at, second);
    let box1 = Rect::text(at, 6, 17.0, false);
    assert!(!box1.overlaps(&Rect::text(second, 6, 17.0, false)));
    // Outside the picture: not placed.
    let edge = Pt { x: 639.0, y: 5.0 };
    assert_eq!(Placer::default().place(&[edge], 6, 17.0, bounds), None);
}

#[test]
fn ellipse_is_a_stretched_ring() {
    let e = ellipse(4, C, 20.0, 10.0);
    assert!(close(e[0].x, 100.0) && close(e[0].y, 90.0));
    assert!(close(e[1].x, 120.0) && close(e[1].y, 100.0));
    assert_eq!(ring(4, C, 10.0), ellipse(4, C, 10.0, 10.0));
}

#[test]
fn sin_cos_matches_the_platform_on_every_angle_a_stage_uses() {
    use ha_playground::geometry::sin_cos;
    for k in -4000..=4000 {
        let a = k as f64 * 0.00377;
        let (s, c) = sin_cos(a);
        assert!((s - a.sin()).abs() < 1e-9, "sin {a}: {s} vs {}", a.sin());
        assert!((c - a.cos()).abs() < 1e-9, "cos {a}: {c} vs {}", a.cos());
    }
    assert_eq!(sin_cos(f64::NAN), (0.0, 1.0));
}

#[test]
fn dots_path_draws_one_zero_length_subpath_per_dot() {
    let pts = [Pt { x: 1.0, y: 2.26 }, Pt { x: 10.04, y: 0.0 }];
    assert_eq!(dots_path(pts), "M1.0 2.3h0M10.0 0.0h0");
    assert_eq!(dots_path([]), "");
}

#[test]
fn nearest_picks_the_closest_dot_within_reach() {
    let pts = [
        Pt { x: 0.0, y: 0.0 },
        Pt { x: 10.0, y: 0.0 },
        Pt { x: 10.0, y: 0.0 },
        Pt { x: 20.0, y: 5.0 },
    ];
    assert_eq!(
        nearest(pts, Pt { x: 9.0, y: 1.0 }, 6.0),
        Some(1),
        "the first of two at the same spot"
    );
    assert_eq!(nearest(pts, Pt { x: 2.0, y: 0.0 }, 6.0), Some(0));
    assert_eq!(nearest(pts, Pt { x: 19.0, y: 5.0 }, 6.0), Some(3));
    assert_eq!(
        nearest(pts, Pt { x: 5.0, y: 9.0 }, 6.0),
        None,
        "nothing within reach"
    );
    assert_eq!(nearest([], Pt { x: 0.0, y: 0.0 }, 6.0), None);
}

#[test]
fn fit_view_scales_to_fit_and_centres_as_svg_does() {
    // A 200 × 100 drawing in a 400 × 400 box: scaled 2×, centred vertically.
    assert_eq!(fit_view((400.0, 400.0), (200.0, 100.0)), (2.0, 0.0, 100.0));
    // In a 100 × 100 box: scaled ½, centred vertically.
    assert_eq!(fit_view((100.0, 100.0), (200.0, 100.0)), (0.5, 0.0, 25.0));
    // Centred horizontally in a wide box.
    assert_eq!(fit_view((300.0, 50.0), (200.0, 100.0)), (0.5, 100.0, 0.0));
    // Nothing to fit: no scale.
    assert_eq!(fit_view((0.0, 100.0), (200.0, 100.0)).0, 0.0);
    assert_eq!(fit_view((100.0, 100.0), (0.0, 0.0)).0, 0.0);
}

#[test]
fn text_width_is_a_little_over_the_measured_width() {
    // Measured in Chromium's DejaVu Sans (em): an estimate between the measure and 20 % over it.
    for (s, measured) in [
        ("SUSPECT · busy 10 · q 10", 12.63),
        ("UP · busy 0 · q 0", 8.15),
        ("DOWN (ejected)", 8.08),
        ("可疑 · 忙 1 · 队列 0", 8.80),
    ] {
        let est = text_width(s, 1.0);
        assert!(
            est >= measured && est <= 1.2 * measured,
            "{s}: {est} em for {measured}"
        );
    }
    assert!(close(text_width("AB", 15.0), 2.0 * 0.66 * 15.0));
    assert_eq!(text_width("", 15.0), 0.0);
}
