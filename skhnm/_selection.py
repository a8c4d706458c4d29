"""Which scored rows are hard: a threshold cut and a deterministic top-k.

Both work on plain arrays of row indices and scores. Neither sorts the whole
pool: the cut is a mask, and the top-k partitions before it sorts the k rows
it keeps.
"""

import numpy as np


def above_threshold(rows, scores, threshold):
    """Return the rows whose score is strictly above `threshold`.

    Parameters
    ----------
    rows : ndarray of shape (n,), dtype int
        Row indices, in the order of `scores`.
    scores : ndarray of shape (n,)
        Hardness scores (higher means more positive-looking).
    threshold : float
        The cut.

    Returns
    -------
    hard_rows : ndarray of int
        The selected rows, in the order they had in `rows`.
    hard_scores : ndarray
        Their scores.
    """
    mask = scores > threshold
    return rows[mask], scores[mask]


def hardest(rows, scores, k):
    """Return the `k` highest-scoring rows, ties broken by the lower row index.

    The result does not depend on the order of `rows`, so a pass scored in
    any chunking or order selects the same rows. Cost is O(n) for the
    partition plus O(k log k) to order the selection.

    Parameters
    ----------
    rows : ndarray of shape (n,), dtype int
        Distinct row indices.
    scores : ndarray of shape (n,)
        Their scores.
    k : int
        How many to keep (non-negative).

    Returns
    -------
    selected : ndarray of int
        The chosen rows, hardest first (highest score, then lowest index).
    """
    n = rows.shape[0]
    if k <= 0:
        return rows[:0]
    if k < n:
        # The k-th highest score splits the rows into sure keeps (above it) and
        # candidates tied with it; among the tied ones the lowest indices win.
        kth = np.partition(scores, n - k)[n - k]
        above = scores > kth
        tied = np.flatnonzero(scores == kth)
        n_tied_kept = k - int(np.count_nonzero(above))
        tied_kept = tied[np.argsort(rows[tied], kind="stable")[:n_tied_kept]]
        keep = np.concatenate([np.flatnonzero(above), tied_kept])
        rows, scores = rows[keep], scores[keep]
    order = np.lexsort((rows, -scores))
    return rows[order]
