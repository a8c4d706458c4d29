"""The cut of a pass: threshold, streaming top-k, NaN check and tie rule."""

import math

import numpy as np
import pytest

from skhnm._selection import Cut, Selection, Selector, hardest


def select(scores, cut, chunk, xp=np, outside=None, order=None):
    """One pass of a Selector over `scores` in chunks (in `order` if given)."""
    selector = Selector(cut, xp)
    starts = list(range(0, scores.size, chunk))
    for lo in order(starts) if order else starts:
        hi = min(lo + chunk, scores.size)
        mask = None if outside is None else xp.asarray(outside[lo:hi])
        selector.add(xp.asarray(scores[lo:hi]), lo, mask)
    return selector.finish().checked()


@pytest.mark.parametrize("chunk", [2, 3, 100])
def test_watched_rows_come_back_with_their_scores_but_are_not_hard(chunk):
    scores = np.array([0.0, 0.9, -1.0, 0.1, 2.0, -3.0, 0.7, -0.5])
    outside = np.array([True, True, True, True, True, False, True, True])
    # Rows 2 and 7 score below the cut, some in chunks with no hard row;
    # row 5 is watched but in a working set.
    sel = select(scores, Cut(0.5, watch=np.array([2, 5, 7])), chunk, outside=outside)
    np.testing.assert_array_equal(sel.rows, [1, 2, 4, 6, 7])
    np.testing.assert_array_equal(sel.scores, scores[[1, 2, 4, 6, 7]])
    assert sel.n_hard == 3
    with pytest.raises(ValueError, match="not both"):
        Cut(0.5, k=2, watch=np.array([1]))


def test_the_threshold_is_strict_and_masked_rows_never_count():
    scores = np.array([0.0, 0.5, 0.50001, 1.0, 2.0, 0.7])
    outside = np.array([True, True, True, True, False, True])
    sel = select(scores, Cut(0.5), chunk=4, outside=outside)
    np.testing.assert_array_equal(sel.rows, [2, 3, 5])
    np.testing.assert_array_equal(sel.scores, [0.50001, 1.0, 0.7])
    assert (sel.n_hard, sel.n_scored, sel.tie) == (3, 5, None)


@pytest.mark.parametrize("chunk", [1, 7, 64, 5000])
@pytest.mark.parametrize("k", [1, 10, 600, 3000])
def test_a_streaming_top_k_keeps_what_a_full_sort_keeps(chunk, k):
    rng = np.random.default_rng(k)
    scores = rng.integers(0, 50, size=4000).astype(float)  # many ties
    outside = rng.random(4000) < 0.8
    rows = np.flatnonzero(outside)
    above = rows[scores[rows] > 10]
    expected = np.sort(hardest(above, scores[above], k))
    for order in (None, lambda s: s[::-1], lambda s: list(rng.permutation(s))):
        sel = select(scores, Cut(10.0, k), chunk, outside=outside, order=order)
        np.testing.assert_array_equal(sel.rows, expected)
        np.testing.assert_array_equal(sel.scores, scores[expected])
        assert sel.n_hard == above.size  # every hard row counts, kept or not
        assert sel.n_scored == rows.size


def test_nan_scores_of_counted_rows_raise_and_masked_ones_do_not():
    scores = np.array([0.1, math.nan, 0.3, math.nan])
    with pytest.raises(ValueError, match="NaN or infinite scores for 2 of 4 pool rows"):
        select(scores, Cut(0.0), chunk=2)
    sel = select(scores, Cut(0.0), 2, outside=np.array([1, 0, 1, 0], dtype=bool))
    np.testing.assert_array_equal(sel.rows, [0, 2])


def test_a_pass_where_every_score_ties_reports_the_tie():
    assert select(np.full(10, 0.25), Cut(0.5), chunk=3).tie == 0.25
    assert select(np.array([0.25, 0.25, 0.3]), Cut(0.5), chunk=3).tie is None


def test_merged_parts_select_what_one_pass_selects():
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 30, size=1000).astype(float)
    whole = select(scores, Cut(5.0, 40), chunk=64)
    parts = []
    for lo in range(0, 1000, 300):
        part = select(scores[lo : lo + 300], Cut(5.0, 40), chunk=64)
        part.rows += lo
        parts.append(part)
    merged = Selection.merge(parts, 40)
    np.testing.assert_array_equal(merged.rows, whole.rows)
    np.testing.assert_array_equal(merged.scores, whole.scores)
    assert (merged.n_hard, merged.n_scored) == (whole.n_hard, whole.n_scored)


def _with_features(rows, scores, n_scored):
    rows = np.asarray(rows)
    features = np.column_stack([rows, -rows]).astype(np.float32)
    return Selection(rows, np.asarray(scores, float), rows.size, n_scored,
                     features=features, feature_rows=rows)  # fmt: skip


def test_merging_sent_features_copies_only_what_it_must():
    # The features a pass sent along are its largest arrays: one part's are
    # taken as they are, and parts in any order come out sorted by row.
    one = _with_features([2, 5, 9], [0.1, 0.5, 0.2], 10)
    merged = Selection.merge([one])
    assert merged.features is one.features
    np.testing.assert_array_equal(merged.rows, one.rows)
    low, high = _with_features([1, 4], [0.3, 0.4], 5), one
    for parts in ([low, high], [high, low]):
        merged = Selection.merge(parts)
        np.testing.assert_array_equal(merged.feature_rows, [1, 2, 4, 5, 9])
        np.testing.assert_array_equal(merged.features[:, 0], merged.feature_rows)
        np.testing.assert_array_equal(merged.rows, [1, 2, 4, 5, 9])
        np.testing.assert_allclose(merged.scores, [0.3, 0.1, 0.4, 0.5, 0.2])
        assert (merged.n_hard, merged.n_scored) == (5, 15)
    # A cap keeps the features of the k hardest rows only.
    capped = Selection.merge([high, low], k=2)
    np.testing.assert_array_equal(capped.feature_rows, [4, 5])
    np.testing.assert_array_equal(capped.features[:, 0], [4, 5])


def test_an_array_api_namespace_selects_what_numpy_selects(crossings):
    xp = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(2)
    scores = rng.integers(0, 30, size=3000).astype(float)
    outside = rng.random(3000) < 0.9
    for cut in (Cut(20.0), Cut(-math.inf, 50)):
        expected = select(scores, cut, 256, outside=outside)
        crossings.clear()
        got = select(scores, cut, 256, xp=xp, outside=outside)
        np.testing.assert_array_equal(got.rows, expected.rows)
        np.testing.assert_array_equal(got.scores, expected.scores)
        assert got.n_hard == expected.n_hard
        # Only the kept rows' indices and scores leave the namespace.
        assert crossings == [(expected.rows.size,), (expected.rows.size,)]


def test_hardest_takes_highest_scores_first():
    rows = np.array([10, 11, 12, 13, 14])
    scores = np.array([0.1, 0.9, 0.5, 0.7, 0.3])
    np.testing.assert_array_equal(hardest(rows, scores, 3), [11, 13, 12])


def test_hardest_breaks_ties_by_lower_row_index():
    rows = np.array([8, 2, 6, 4, 0])
    scores = np.array([1.0, 1.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(hardest(rows, scores, 3), [4, 0, 2])


@pytest.mark.parametrize("k", [0, 1, 7, 50, 200, 1000])
def test_hardest_does_not_depend_on_input_order(k):
    rng = np.random.default_rng(0)
    rows = rng.permutation(1000)[:500]
    scores = rng.integers(0, 20, size=500).astype(float)  # many ties
    expected = hardest(rows, scores, k)
    assert expected.size == min(k, 500)
    perm = rng.permutation(500)
    np.testing.assert_array_equal(hardest(rows[perm], scores[perm], k), expected)
    # Same as a full sort by (-score, row).
    order = np.lexsort((rows, -scores))[:k]
    np.testing.assert_array_equal(expected, rows[order])
