"""Which scored rows are hard: the cut of a pass, written once for every backend.

A pass over a pool feeds its chunks' scores to a :class:`Selector`, in the
namespace where the scores were computed (NumPy, CuPy, any array-API
library; on Dask, on the worker that holds the block). The selector keeps
only the hard rows: those scoring strictly above the cut's threshold, and,
when the cut has a `k`, a running top-k of them (O(k) memory, pruned by the
k-th best score seen so far). Only they leave the namespace, in
:meth:`Selector.finish`. The NaN error and the tie rule (the higher score
first, ties to the lower row index) live here; a pool that lives on a
device is cut by :class:`skhnm._device_cut.DeviceCut`, which applies them
without a host synchronisation a chunk.
"""

import math
import threading
from dataclasses import dataclass

import numpy as np

from . import _namespace
from ._rows import member

# Scores within this relative distance of each other count as tied.
TIE = 1e-9
# The largest finite float64: the bounds' identity, with no header needed.
_BIG = float(np.finfo(np.float64).max)


@dataclass(frozen=True, eq=False)
class Cut:
    """The rule's part of a pass.

    A row is hard when its score is above `threshold` by more than the tie
    tolerance (:attr:`bar`: a score within floating-point noise of the
    threshold, as a constant model's are, is not above it); with `k`, only
    the `k` hardest of them are kept (ties to the lower row index).
    `joins`: rows kept may join the working set, so a pool that computes
    its rows on demand (Dask) sends their features along rather than
    computing them again to be fetched: every kept row's (the bootstrap's
    rounds), or those `sends(rows, scores)` marks (a bool mask over the
    kept rows: the case-control draw's superset of the rows it will add).
    `watch` (sorted rows) are kept whatever they score, unless in a working
    set, and not counted as hard: rows whose scores the run needs from this
    pass (the last draw's candidates). A pass that cuts on the host
    honours it; a device pass may not, and the run scores those it lacks
    itself.
    `expect` is how many rows the pass is likely to keep: a device pass
    sizes its buffers for them, as a pass that overflows them is run again.
    """

    threshold: float
    k: int | None = None
    joins: bool = False
    watch: np.ndarray | None = None
    sends: object = None
    expect: int | None = None

    def __post_init__(self):
        if self.k is not None and self.watch is not None:
            raise ValueError("a cut keeps the k hardest or watches rows, not both")

    @property
    def bar(self):
        """The score a hard row exceeds: the threshold plus the tie tolerance."""
        return above(self.threshold)


@dataclass
class Selection:
    """What a pass hands back to the mining loop.

    `rows` (sorted ascending) and `scores` are the hard rows kept; `n_hard`
    counts every row above the threshold, kept or not; `n_scored` the rows
    that were scored (those outside the working set); `tie` is the common
    score when every scored row scored alike (a model that cannot rank),
    else None.
    """

    rows: np.ndarray
    scores: np.ndarray
    n_hard: int
    n_scored: int
    tie: float | None = None
    n_nan: int = 0
    compiled: bool = True
    # Features the pass sent along, row by row, and their rows (sorted).
    features: np.ndarray | None = None
    feature_rows: np.ndarray | None = None
    # The pass drew (:class:`~skhnm._draw.PassDraw`):
    # `rows` are the rows it added, `scores` their pilot-scale log-odds,
    # `n_hard` the rows it kept surely.
    drawn: bool = False
    # The working negatives a host pass read with its chunks, sorted, and
    # their scores as the estimator gives them: the run need not score
    # those again.
    working: tuple | None = None

    def checked(self):
        """This selection, or the one error for NaN scores."""
        if self.n_nan:
            raise nan_error(self.n_nan, self.n_scored)
        return self

    @classmethod
    def merge(cls, parts, k=None):
        """One selection from the selections of disjoint parts of a pool.

        The parts' features (rows a pass sent along: the largest arrays it
        returns) are copied only where they must be: one part's are taken
        as they are, and parts in row order need no sorting after joining.
        """
        rows = _joined_host([p.rows for p in parts], _EMPTY_ROWS)
        scores = _joined_host([p.scores for p in parts], _EMPTY)
        features = feature_rows = None
        if parts and all(p.features is not None for p in parts):
            features = _joined_host([p.features for p in parts], None)
            feature_rows = _joined_host([p.feature_rows for p in parts], None)
        if k is not None and rows.size > k:
            keep = hardest_positions(rows, scores, k)
            rows, scores = rows[keep], scores[keep]
            if features is not None:
                sent = member(feature_rows, np.sort(rows))
                features, feature_rows = features[sent], feature_rows[sent]
        if features is not None and not _ascending(feature_rows):
            at = np.argsort(feature_rows, kind="stable")
            features, feature_rows = features[at], feature_rows[at]
        order = slice(None) if _ascending(rows) else np.argsort(rows, kind="stable")
        scored = [p for p in parts if p.n_scored]
        tie = None
        if scored and all(p.tie is not None for p in scored):
            values = [p.tie for p in scored]
            if _tied(min(values), max(values)):
                tie = max(values)
        return cls(
            rows[order],
            scores[order],
            sum(p.n_hard for p in parts),
            sum(p.n_scored for p in parts),
            tie,
            sum(p.n_nan for p in parts),
            all(p.compiled for p in parts),
            features,
            feature_rows,
        )


_EMPTY_ROWS = np.empty(0, dtype=np.intp)
_EMPTY = np.empty(0, dtype=np.float64)


def _joined_host(arrays, empty):
    """`arrays` joined end to end: one of them as it is, no copy."""
    if not arrays:
        return empty
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _ascending(rows):
    return bool(np.all(rows[1:] > rows[:-1]))


def _tied(low, high):
    return high - low <= TIE * (1.0 + abs(high))


def widened(xp, low, high, wide, outside, axis=None):
    """The bounds `low` and `high` widened by a chunk's scores `wide` of the
    rows outside (along `axis`: one bound a detector)."""
    low = xp.minimum(low, xp.min(xp.where(outside, wide, _BIG), axis=axis))
    high = xp.maximum(high, xp.max(xp.where(outside, wide, -_BIG), axis=axis))
    return low, high


def common_score(n_scored, low, high):
    """The score every scored row tied at (a model that cannot rank), else
    None."""
    return high if n_scored and _tied(low, high) else None


def above(reference):
    """The least score that :func:`outranks` `reference` (itself if infinite)."""
    if not math.isfinite(reference):
        return reference
    return reference + TIE * (1.0 + abs(reference))


def outranks(score, reference):
    """`score` is above `reference` by more than the tie tolerance."""
    return score - reference > TIE * (1.0 + abs(reference))


def nan_error(n_nan, n_total):
    """The one error for scores that cannot be ranked."""
    return ValueError(
        f"The estimator returned NaN or infinite scores for {n_nan} of "
        f"{n_total} pool rows; hardness cannot be ranked. Check the pool for "
        "missing or infinite values the estimator does not handle."
    )


def check_scores(scores):
    """Raise if a host array of scores holds a NaN or an infinity (no
    allocation if not)."""
    scores = np.asarray(scores)
    if scores.size and _has_nan(np, scores):
        raise nan_error(int(np.count_nonzero(~np.isfinite(scores))), scores.size)
    return scores


def _and(xp, a, b):
    """``a & b``, into `a` where the namespace allows it (a is a temporary)."""
    if xp is np:
        return np.logical_and(a, b, out=a)
    return a & b


def _has_nan(xp, scores):
    """Whether a score is NaN or infinite: the pass's finiteness check."""
    if xp is np:
        # A sum of squares is finite when every term is (it may overflow for
        # huge finite scores: then the elementwise count decides), and
        # allocates nothing.
        return not np.isfinite(scores @ scores) and not np.isfinite(scores).all()
    return not bool(xp.all(xp.isfinite(scores)))


class Selector:
    """Accumulates one pass's cut, chunk by chunk, where the scores live.

    Parameters
    ----------
    cut : Cut
    xp : array namespace
        The namespace of the chunks' scores.
    """

    def __init__(self, cut, xp):
        self.cut = cut
        self.xp = xp
        self.n_hard = self.n_scored = self.n_nan = 0
        self.low, self.high = math.inf, -math.inf
        self.untied = False
        self._rows, self._scores = [], []
        self._n_held = 0
        self._lock = threading.Lock()
        # Once k rows are held, a row must score at least the k-th of them.
        self._kth = -math.inf

    def add(self, scores, rows, outside=None, n=None):
        """Cut one chunk; safe to call from several threads at once.

        The chunk's own work (its counts, its hard rows, its k hardest)
        runs unlocked; only the update of the running totals and held rows
        is serialised.

        Parameters
        ----------
        scores : 1-D array of namespace `xp`
            The chunk's scores.
        rows : int or 1-D integer array of namespace `xp`
            The rows the scores belong to: an int is the first of a run of
            consecutive rows.
        outside : 1-D bool array of namespace `xp` or None
            Which of them count (rows outside the working set); None: all.
        n : int or None
            How many count, when the caller knows.
        """
        xp, cut = self.xp, self.cut
        if n is None:
            n = scores.shape[0] if outside is None else int(xp.count_nonzero(outside))
        if n == 0:
            return
        n_nan = 0
        if _has_nan(xp, scores):
            nan = ~xp.isfinite(scores)
            if outside is not None:
                nan = nan & outside
            n_nan = int(xp.count_nonzero(nan))
        bounds = None
        if not self.untied:
            # Only until the pass is known to rank: the first chunks, nearly
            # always (a stale read costs only this work).
            counted = scores if outside is None else scores[outside]
            bounds = float(xp.min(counted)), float(xp.max(counted))
        hard = scores > cut.bar
        if outside is not None:
            hard = _and(xp, hard, outside)
        n_hard = None
        if cut.watch is not None and xp is np:
            n_hard = int(np.count_nonzero(hard))
            watched = _watched(cut.watch, rows, scores.shape[0])
            if outside is not None:
                watched &= outside
            hard |= watched
        index = xp.nonzero(hard)[0]
        if n_hard is None:
            n_hard = index.shape[0]
        picked = None
        if index.shape[0]:  # hard rows, or watched ones
            picked = xp.take(scores, index)
            kth = self._kth
            if cut.k is not None and xp is np and n_hard > cut.k:
                # Below this chunk's own k-th score a row cannot be among the
                # pass's k hardest.
                kth = max(kth, float(np.partition(picked, n_hard - cut.k)[-cut.k]))
            if kth > -math.inf:
                # Ties with the k-th stay: they may win on a lower row index.
                keep = picked >= kth
                index, picked = index[keep], picked[keep]
            if index.shape[0]:
                if isinstance(rows, int | np.integer):
                    index = xp.astype(index, xp.int64) + int(rows)
                else:
                    index = xp.take(rows, index)
                picked = xp.astype(picked, xp.float64)
        with self._lock:
            self.n_scored += n
            self.n_nan += n_nan
            self.n_hard += n_hard
            if bounds is not None and not self.untied:
                self.low = min(self.low, bounds[0])
                self.high = max(self.high, bounds[1])
                self.untied = not _tied(self.low, self.high)
            if picked is None or index.shape[0] == 0:
                return
            self._rows.append(index)
            self._scores.append(picked)
            self._n_held += index.shape[0]
            if cut.k is not None and self._n_held > max(2 * cut.k, 1024):
                self._keep_k()

    def _keep_k(self):
        """Shrink the held rows to the k hardest (ties to the lower row)."""
        xp, k = self.xp, self.cut.k
        rows, scores = _joined(xp, self._rows), _joined(xp, self._scores)
        if rows.shape[0] > k and xp is np:
            keep = hardest_positions(rows, scores, k)
            rows, scores = rows[keep], scores[keep]
            self._kth = float(scores[k - 1])
        elif rows.shape[0] > k:
            # Row order first, then a stable sort by descending score.
            order = xp.argsort(rows, stable=True)
            rows, scores = xp.take(rows, order), xp.take(scores, order)
            order = xp.argsort(-scores, stable=True)[:k]
            rows, scores = xp.take(rows, order), xp.take(scores, order)
            self._kth = float(scores[k - 1])
        self._rows, self._scores, self._n_held = [rows], [scores], rows.shape[0]

    def finish(self):
        """The hard rows and their scores, on the host: the only crossing.

        NaN scores are counted, not raised: call :meth:`Selection.checked`
        once the whole pass (every block of it) is in.
        """
        if not self._rows:
            rows, scores = _EMPTY_ROWS, _EMPTY
        else:
            if self.cut.k is not None:
                self._keep_k()
            rows = _joined(self.xp, self._rows)
            scores = _joined(self.xp, self._scores)
            rows = np.asarray(_namespace.to_numpy(rows), dtype=np.intp)
            scores = np.asarray(_namespace.to_numpy(scores), dtype=np.float64)
            order = np.argsort(rows, kind="stable")
            rows, scores = rows[order], scores[order]
        tie = self.high if self.n_scored and not self.untied else None
        return Selection(rows, scores, self.n_hard, self.n_scored, tie, self.n_nan)


def _watched(watch, rows, n):
    """Which of a chunk's `n` rows (`rows`: the first of a run, or the
    rows) are in the sorted array `watch`."""
    if isinstance(rows, int | np.integer):
        lo, hi = np.searchsorted(watch, (int(rows), int(rows) + n))
        mask = np.zeros(n, dtype=bool)
        mask[watch[lo:hi] - int(rows)] = True
        return mask
    return member(np.asarray(rows), watch)


def _joined(xp, parts):
    return parts[0] if len(parts) == 1 else xp.concat(parts)


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

    Examples
    --------
    >>> import numpy as np
    >>> hardest(np.array([7, 3, 5, 9]), np.array([0.5, 0.9, 0.5, 0.1]), 2)
    array([3, 5])
    """
    return rows[hardest_positions(rows, scores, k)]


def hardest_positions(rows, scores, k):
    """Positions in `rows` of :func:`hardest`'s selection, hardest first."""
    n = rows.shape[0]
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    keep = np.arange(n)
    if k < n:
        # The k-th highest score splits the rows into sure keeps (above it) and
        # candidates tied with it; among the tied ones the lowest indices win.
        kth = np.partition(scores, n - k)[n - k]
        tied = np.flatnonzero(scores == kth)
        n_tied_kept = k - int(np.count_nonzero(scores > kth))
        tied_kept = tied[np.argsort(rows[tied], kind="stable")[:n_tied_kept]]
        keep = np.concatenate([np.flatnonzero(scores > kth), tied_kept])
    order = np.lexsort((rows[keep], -scores[keep]))
    return keep[order]
