import numpy as np
import pytest

from skhnm._selection import above_threshold, hardest


def test_above_threshold_is_strict():
    rows = np.array([3, 5, 7, 9])
    scores = np.array([0.0, 0.5, 0.50001, 1.0])
    hard, hard_scores = above_threshold(rows, scores, 0.5)
    np.testing.assert_array_equal(hard, [7, 9])
    np.testing.assert_array_equal(hard_scores, [0.50001, 1.0])


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
