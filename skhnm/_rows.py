"""Sorted arrays of distinct row indices: merge, membership, distinct values.

The mining loop keeps its sets of rows (positives, the working set) as
sorted index arrays. These helpers keep them sorted in O(n) or O(n log n)
without ``np.union1d``, ``np.isin`` or ``np.unique``, whose hashing made
them the slowest step of a round on large working sets.
"""

import numpy as np


def merge(a, b):
    """The sorted union of two disjoint sorted arrays of rows.

    Examples
    --------
    >>> merge(np.array([1, 5, 9]), np.array([2, 3]))
    array([1, 2, 3, 5, 9])
    """
    out = np.concatenate([a, b])
    out.sort(kind="stable")  # timsort: two runs, one merge
    return out


def member(a, b):
    """Which of `a` are in the sorted array `b` (a bool mask over `a`).

    Examples
    --------
    >>> member(np.array([4, 2, 7]), np.array([2, 3, 4]))
    array([ True,  True, False])
    """
    a = np.asarray(a)
    if b.size == 0 or a.size == 0:
        return np.zeros(a.shape, dtype=bool)
    span = max(int(a.max()), int(b[-1])) + 1
    if span <= _DENSE * (a.size + b.size):
        # Dense sets of rows: a byte per row of the span, scattered and
        # gathered in O(n), where a binary search is O(n log n) of cache
        # misses (17 times slower at a million rows).
        mask = np.zeros(span, dtype=bool)
        mask[b] = True
        return mask[a]
    at = np.minimum(np.searchsorted(b, a), b.size - 1)
    return b[at] == a


# A mask of the rows' span is used when it is at most this many bytes a row
# looked up or in the set.
_DENSE = 8


def distinct(a):
    """The distinct values of `a`, sorted.

    Examples
    --------
    >>> distinct(np.array([3, 1, 3, 2]))
    array([1, 2, 3])
    """
    a = np.sort(a)
    if a.size < 2:
        return a
    keep = np.empty(a.size, dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]
