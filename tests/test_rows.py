"""Sorted arrays of distinct rows (skhnm._rows): merge, member, distinct."""

import numpy as np

from skhnm._rows import distinct, member, merge


def test_merge_member_and_distinct_agree_with_numpy_on_random_sets():
    rng = np.random.default_rng(0)
    for _ in range(20):
        rows = rng.permutation(1000)
        a = np.sort(rows[: rng.integers(0, 400)])
        b = np.sort(rows[400 : 400 + rng.integers(0, 400)])  # disjoint from a
        np.testing.assert_array_equal(merge(a, b), np.union1d(a, b))
        probe = rng.integers(0, 1000, size=50)
        np.testing.assert_array_equal(member(probe, a), np.isin(probe, a))
        np.testing.assert_array_equal(distinct(probe), np.unique(probe))


def test_empty_sets():
    empty = np.empty(0, dtype=np.intp)
    assert member(np.array([1, 2]), empty).tolist() == [False, False]
    assert merge(empty, empty).size == 0 and distinct(empty).size == 0
