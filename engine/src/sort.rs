//! Sorting for the engine and the pages, small in the wasm bundles.
//!
//! Every `sort`/`sort_by`/`sort_unstable` call site instantiates the standard library's driftsort
//! or ipnsort for its element type and comparator: 3–6 KB of wasm each, about 20 of them in a lab
//! bundle. Native builds (the CLI, the benches, the tests) keep the standard sorts; the wasm build
//! uses one merge sort over indices that is compiled once ([`stable_order`], monomorphic), plus a
//! few lines per element type that apply the permutation.
//!
//! The results are the same on both: a stable sort has exactly one output, so `sort`/`sort_by`
//! agree with the standard library's; `sort_unstable*` here is stable too, which agrees with the
//! standard unstable sort wherever equal elements are indistinguishable (integers, tuples of them,
//! `f64::total_cmp`) — the only way the engine uses it. The tests compare [`stable_order`] with the
//! standard sort on native builds.

use std::cmp::Ordering;

/// Sorts `v` (stable), like `<[T]>::sort`.
#[inline]
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp)
}

/// Sorts `v` where equal elements are indistinguishable, like `<[T]>::sort_unstable`.
#[inline]
pub fn sort_unstable<T: Ord>(v: &mut [T]) {
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_unstable();
    #[cfg(target_arch = "wasm32")]
    sort_by(v, T::cmp);
}

/// Sorts `v` by `cmp` where elements that compare equal are indistinguishable, like
/// `<[T]>::sort_unstable_by`.
#[inline]
pub fn sort_unstable_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_unstable_by(cmp);
    #[cfg(target_arch = "wasm32")]
    sort_by(v, cmp);
}

/// Sorts `v` by the key `f` (stable), like `<[T]>::sort_by_key`.
#[inline]
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)))
}

/// Sorts `v` by `cmp` (stable), like `<[T]>::sort_by`.
#[inline]
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_mut))]
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(cmp);
    #[cfg(target_arch = "wasm32")]
    {
        let order = stable_order(v.len(), &mut |i, j| cmp(&v[i], &v[j]));
        permute(v, order);
    }
}

/// The stable sorted order of `n` items compared by index: `order[k]` is the index of the item
/// that belongs at position `k`. A bottom-up merge sort (insertion-sorted runs of 8), O(n log n).
pub fn stable_order(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    const RUN: usize = 8;
    let mut a: Vec<usize> = (0..n).collect();
    for lo in (0..n).step_by(RUN) {
        let hi = (lo + RUN).min(n);
        for i in lo + 1..hi {
            let mut j = i;
            while j > lo && cmp(a[j - 1], a[j]) == Ordering::Greater {
                a.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    let mut b = vec![0; n];
    let mut w = RUN;
    while w < n {
        for lo in (0..n).step_by(2 * w) {
            let mid = (lo + w).min(n);
            let hi = (lo + 2 * w).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in &mut b[lo..hi] {
                // Take from the left run unless the right item is strictly smaller (stable).
                let left = i < mid && (j >= hi || cmp(a[i], a[j]) != Ordering::Greater);
                if left {
                    *slot = a[i];
                    i += 1;
                } else {
                    *slot = a[j];
                    j += 1;
                }
            }
        }
        std::mem::swap(&mut a, &mut b);
        w *= 2;
    }
    a
}

/// Rearranges `v` so that `v'[k] = v[order[k]]` (cycle by cycle, in place; `order` is consumed).
pub fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut cur = start;
        while order[cur] != DONE {
            let src = std::mem::replace(&mut order[cur], DONE);
            if src == start {
                break;
            }
            v.swap(cur, src);
            cur = src;
        }
    }
}

/// The `k`-th smallest of `v` (0-based; `None` past the end), reordering `v` (quickselect with a
/// median-of-three pivot, O(n) expected): a percentile of a few thousand samples without sorting
/// them. The value is the one a sort would put at `k`, whatever the order `v` is left in.
pub fn select_nth(v: &mut [u64], k: usize) -> Option<u64> {
    if k >= v.len() {
        return None;
    }
    let (mut lo, mut hi) = (0, v.len() - 1);
    while lo < hi {
        // Median of three to v[mid], then Hoare's partition around its value.
        let mid = lo + (hi - lo) / 2;
        if v[mid] < v[lo] {
            v.swap(mid, lo);
        }
        if v[hi] < v[lo] {
            v.swap(hi, lo);
        }
        if v[hi] < v[mid] {
            v.swap(hi, mid);
        }
        let pivot = v[mid];
        let (mut i, mut j) = (lo, hi);
        loop {
            while v[i] < pivot {
                i += 1;
            }
            while v[j] > pivot {
                j -= 1;
            }
            if i >= j {
                break;
            }
            v.swap(i, j);
            i += 1;
            j -= 1;
        }
        // Now v[lo..=j] ≤ pivot ≤ v[j + 1..=hi].
        if k <= j {
            hi = j;
        } else {
            lo = j + 1;
        }
    }
    Some(v[k])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact_sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
        let order = stable_order(v.len(), &mut |i, j| cmp(&v[i], &v[j]));
        permute(v, order);
    }

    #[test]
    fn select_nth_is_the_sorted_value() {
        let mut rng = crate::rng::Rng::new(11);
        for n in [1usize, 2, 3, 5, 8, 31, 100, 1000] {
            for spread in [2, 50, 1 << 40] {
                let v: Vec<u64> = (0..n).map(|_| rng.below(spread)).collect();
                let mut sorted = v.clone();
                sorted.sort_unstable();
                for (k, &want) in sorted.iter().enumerate() {
                    let mut w = v.clone();
                    assert_eq!(select_nth(&mut w, k), Some(want), "n {n} k {k}");
                }
                assert_eq!(select_nth(&mut v.clone(), n), None);
            }
        }
        // Already sorted, reversed, all equal.
        let up: Vec<u64> = (0..500).collect();
        let mut down = up.clone();
        down.reverse();
        for k in [0, 1, 249, 498, 499] {
            assert_eq!(select_nth(&mut up.clone(), k), Some(k as u64));
            assert_eq!(select_nth(&mut down.clone(), k), Some(k as u64));
            assert_eq!(select_nth(&mut vec![7; 500], k), Some(7));
        }
    }

    #[test]
    fn the_compact_sort_equals_the_standard_stable_sort() {
        // Pairs sorted by their first half only: stability decides where equal keys go.
        let mut rng = crate::rng::Rng::new(7);
        for n in [0usize, 1, 2, 7, 8, 9, 16, 17, 63, 64, 65, 200, 1000] {
            for _ in 0..20 {
                let v: Vec<(u64, usize)> = (0..n).map(|i| (rng.below(10), i)).collect();
                let mut want = v.clone();
                want.sort_by_key(|p| p.0);
                let mut got = v.clone();
                compact_sort_by(&mut got, |a, b| a.0.cmp(&b.0));
                assert_eq!(got, want, "n = {n}");
            }
        }
    }

    #[test]
    fn permute_applies_any_permutation() {
        let v: Vec<u32> = (0..50).collect();
        let mut rng = crate::rng::Rng::new(3);
        for _ in 0..50 {
            let mut order: Vec<usize> = (0..50).collect();
            for i in (1..50).rev() {
                order.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let mut got = v.clone();
            permute(&mut got, order.clone());
            let want: Vec<u32> = order.iter().map(|&i| v[i]).collect();
            assert_eq!(got, want);
        }
    }
}
