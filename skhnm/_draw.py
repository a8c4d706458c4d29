"""The case-control draw's arithmetic, written once for every place it runs.

A negative scoring `q` (a decision value on the pilot's scale) is kept
with probability ``pi(q)`` (:func:`keep_probability`, following the loss's
gradient), and is drawn when its uniform number (:mod:`skhnm._uniform`) is
below it. The same functions run in a pass over a host or device pool
(:class:`PassDraw`), on a Dask worker and in the run's bookkeeping, in the
namespace of the scores they are given, so that each decides alike.
"""

import math
import threading

import numpy as np

from . import _namespace
from ._selection import _BIG, Selection, _ascending, above, common_score, widened
from ._uniform import row_uniforms, shifted_key

# pi below this is 0: the pass keeps no row that would be drawn so rarely.
EPSILON = 1e-3
# The hinge losses' margin, as a negative's decision value.
MARGIN = -1.0
# Rows a host pass draws from at a time.
_HOST_DRAW_ROWS = 2**14


def _host(values):
    return np, np.asarray(values, dtype=np.float64)


def log_odds(scores, response_method, xp=None):
    """Decision values as they are; probabilities as their log-odds."""
    if xp is None:
        xp, scores = _host(scores)
    if response_method != "predict_proba":
        return scores
    p = xp.clip(scores, 1e-300, 1.0 - 1e-16)
    return xp.log(p) - xp.log1p(-p)


def all_or_nothing(threshold, family):
    """Whether pi is 1 above `threshold` and 0 below (the hinge, and the
    squared hinge with no margin left to ramp over)."""
    return family == "hinge" or (family == "squared_hinge" and threshold <= MARGIN)


def keep_probability(s, threshold, family="logistic", xp=None):
    """pi(s) of decision values `s` for a round's `threshold`: 1 for the
    hard negatives, falling with the loss's gradient below, 0 under
    EPSILON."""
    if xp is None:
        xp, s = _host(s)
    if all_or_nothing(threshold, family):
        # Above the margin by more than noise: a constant model's scores,
        # all within rounding of it, violate nothing.
        hard = s > above(threshold)
        return hard.astype(np.float64) if xp is np else xp.astype(hard, xp.float64)
    if family == "squared_hinge":
        pi = xp.clip((s - MARGIN) / (threshold - MARGIN), 0.0, 1.0)
    else:
        pi = xp.exp(xp.minimum(s - threshold, 0.0))
    return xp.where(pi < EPSILON, 0.0, pi)


def kept(q, threshold, evict_below=None, family="logistic", xp=None):
    """A round's keep probability: pi of scores `q` at `threshold`, 0 below
    `evict_below` (the floor's uniform share keeps P above 0)."""
    if xp is None:
        xp, q = _host(q)
    pi = keep_probability(q, threshold, family, xp)
    if evict_below is not None:
        pi = xp.where(q < evict_below, 0.0, pi)
    return pi


def lift_of(pi, floor, xp=None):
    """``log P - log floor`` of keep probabilities `pi`: what a drawn row's
    correction adds to a later model's log-odds on the pilot's scale (0
    where pi is 0, exactly)."""
    if xp is None:
        xp, pi = _host(pi)
    return inclusion_lift(floor + (1.0 - floor) * pi, floor, xp)


def inclusion_lift(P, floor, xp=np):
    """:func:`lift_of` from the inclusion probabilities ``P = floor + (1 -
    floor) * pi`` themselves (0 where P is the floor)."""
    return xp.where(P > floor, xp.log(P) - math.log(floor), 0.0)


def candidate_cut(threshold, family="logistic"):
    """The decision value a row must beat to have pi > 0."""
    if all_or_nothing(threshold, family):
        return threshold
    if family == "squared_hinge":
        return MARGIN + EPSILON * (threshold - MARGIN) - 1e-12
    return threshold + math.log(EPSILON) - 1e-12


class RowLift:
    """Each row's lift, kept beside the pool between passes: a pass draws
    in place (:class:`PassDraw`) and writes the lift its draw gives every
    row outside, so that the last draw's candidates are never held (nor,
    from a device, moved to the host). `values` is allocated by the first
    such pass (zeros: the pilot's draw is uniform), in the pool's
    namespace: 8 bytes a row, less than the candidates' index and lift."""

    def __init__(self, floor):
        self.floor = floor
        self.values = None

    def raise_threshold(self, by):
        """The lifts a logistic keep probability `by` higher would have
        given: ``pi = exp(q - t)`` scales by ``exp(-by)`` wherever it was
        under 1. Where it was 1 the row was drawn, and its own score says
        what it is now: the caller hands it to the next pass (`watch`)."""
        values, f = self.values, self.floor
        xp = _namespace.namespace_of(values) or np
        scale, step, n = math.exp(-by), 4 * _HOST_DRAW_ROWS, values.shape[0]
        for lo in range(0, n, step):
            hi = min(lo + step, n)  # the standard has no slice past the end
            pi = xp.expm1(values[lo:hi]) * (f / (1.0 - f)) * scale
            values[lo:hi] = lift_of(xp.where(pi < EPSILON, 0.0, pi), f, xp)


class DrawFilter:
    """Which rows of a pass the coming draw may add, decided where the
    scores are: a superset of the draw, at the round's threshold before
    any cap (caps only raise it), with the same uniforms. A pool that
    computes its rows on demand sends these rows' features along with the
    pass, so that the rows the draw adds are never computed again.

    `watch` (sorted) and `lift` are rows whose correction, ``log P(x) -
    log floor``, the pass adds to their raw log-odds: the last draw's
    candidates, or, for a pass that draws in place, the rows that left the
    working set since the last pass (the others' lifts are in `store`).
    `in_place`: no budget (`max_negatives`) can raise the threshold after
    the pass, so the pass may make the draw itself and hand back only the
    rows it adds (a Dask block's does not: :meth:`on_host`). A cap on the
    hard rows raises it only to a score among them, and every hard row is
    drawn: the run draws again from the rows handed back.
    """

    def __init__(self, key, threshold, family, evict_below, response_method,
                 watch=None, lift=None, store=None, in_place=False):  # fmt: skip
        self.key, self.threshold, self.family = key, threshold, family
        self.evict_below, self.response_method = evict_below, response_method
        self.watch, self.lift = watch, lift
        self.store, self.in_place = store, in_place

    def on_host(self):
        """This filter, for a pass whose draw the host makes."""
        return DrawFilter(
            self.key, self.threshold, self.family, self.evict_below,
            self.response_method, self.watch, self.lift,
        )  # fmt: skip

    def from_row(self, offset):
        """This filter for a pass over rows numbered from `offset` (a Dask
        block's), drawing their uniforms as the pool's rows."""
        return DrawFilter(
            shifted_key(self.key, offset), self.threshold, self.family,
            self.evict_below, self.response_method, self.watch, self.lift,
            self.store, self.in_place,
        )  # fmt: skip

    def scores(self, rows, scores):
        """Pilot-scale scores of the pass's `rows` (sorted)."""
        q = log_odds(scores, self.response_method)
        if self.watch is not None and self.watch.size:
            at = np.minimum(np.searchsorted(self.watch, rows), self.watch.size - 1)
            hit = self.watch[at] == rows
            q = q.copy()  # the pass's own scores stay raw
            q[hit] += self.lift[at[hit]]
        return q

    def keep(self, q, xp=None):
        """The keep probability of pilot-scale scores `q`."""
        return kept(q, self.threshold, self.evict_below, self.family, xp)

    def __call__(self, rows, scores):
        return row_uniforms(rows, self.key) < self.keep(self.scores(rows, scores))


def draws_in_place(cut):
    """Whether a pass makes `cut`'s case-control draw itself."""
    return cut.sends is not None and getattr(cut.sends, "in_place", False)


def _in_row_order(rows, values):
    """`rows` and their `values` sorted by row: a host pass's chunks end in
    any order."""
    if _ascending(rows):
        return rows, values
    order = np.argsort(rows, kind="stable")
    return rows[order], values[order]


class PassDraw:
    """One detector's case-control draw, made in the pass that scores it.

    Each chunk's scores become pilot-scale log-odds q where they are (the
    lifts of the last draw read from the draw's :class:`RowLift`, or from
    its `watch` for the rows that left the working set since), then keep
    probabilities, uniforms and the draw itself. Only the rows drawn and
    their q leave the pass, with the counts; the lift this draw gives each
    row outside is written back for the next pass. The pass of a device
    pool runs it in the pool's namespace, so that only the rows drawn cross
    to the host; a host pass runs it on its chunks' threads (each chunk
    writes its own rows' lifts), so that it never holds the candidates.
    Every row's decision is its own, so the draw does not depend on the
    chunks, their order or the threads.

    Parameters
    ----------
    cut : :class:`~skhnm._selection.Cut`
        Its `sends` is the round's :class:`DrawFilter`.
    xp : array namespace
    device : the arrays' device
    n_rows : int
        The pool's rows.
    """

    def __init__(self, cut, xp, device, n_rows):
        self.draw, self.xp, self.device = cut.sends, xp, device
        store = self.draw.store
        if store is not None and store.values is None:  # the pilot's: uniform
            store.values = xp.zeros((n_rows,), dtype=xp.float64, device=device)
        self.watch = None
        if self.draw.watch is not None and self.draw.watch.size:
            self.watch = xp.asarray(
                np.asarray(self.draw.watch, dtype=np.int64), device=device
            )
            self.watch_lift = xp.asarray(
                np.asarray(self.draw.lift, dtype=np.float64), device=device
            )
        zero = xp.zeros((), dtype=xp.int64, device=device)
        self.n_scored = self.n_nan = self.n_hard = zero
        self.low = xp.asarray(_BIG, dtype=xp.float64, device=device)
        self.high = -self.low
        self._rows, self._q = [], []
        # A host pass also keeps the working negatives' scores of the chunks
        # it read whole: the run's next step needs them (their P is known),
        # and would gather and score those rows again.
        self._working = [] if xp is np else None
        self._lock = threading.Lock()

    def add(self, scores, first, codes):
        """Draw from one chunk of consecutive rows (`scores`, `codes`: 1-D;
        the working negatives' scores are kept, on the host, where read)."""
        n, step = scores.shape[0], scores.shape[0]
        if self.xp is np:
            # A dozen temporaries a row: on the host, in pieces that stay
            # in cache and that the threads' heaps reuse (whole chunks of a
            # scan left tens of MiB resident in them after the pass).
            step = _HOST_DRAW_ROWS
        for lo in range(0, n, step):
            hi = min(lo + step, n)
            self._add(scores[lo:hi], first + lo, codes[lo:hi])

    def _add(self, scores, first, codes):
        xp, draw = self.xp, self.draw
        n = scores.shape[0]
        outside = codes < 0
        wide = xp.astype(scores, xp.float64)
        count = xp.sum(xp.astype(outside, xp.int64))
        n_nan = xp.sum(xp.astype(outside & ~xp.isfinite(wide), xp.int64))
        rows = xp.arange(first, first + n, dtype=xp.int64, device=self.device)
        q = log_odds(wide, draw.response_method, xp)
        store = draw.store
        if store is not None:
            before = store.values[first : first + n]
            lift = before
            if self.watch is not None and xp is np:
                # The watched rows of these consecutive rows are a slice of
                # the sorted watch: O(watched) where a search a row costs
                # O(n log watched).
                lo, hi = np.searchsorted(self.watch, (first, first + n))
                if hi > lo:
                    lift = lift.copy()  # `before` stays the store's
                    lift[self.watch[lo:hi] - first] = self.watch_lift[lo:hi]
            elif self.watch is not None:  # no scatter in the standard
                at = xp.minimum(
                    xp.searchsorted(self.watch, rows), self.watch.shape[0] - 1
                )
                hit = xp.take(self.watch, at) == rows
                lift = xp.where(hit, xp.take(self.watch_lift, at), lift)
            q = q + lift
        pi = draw.keep(q, xp)
        joins = outside & (row_uniforms(rows, draw.key, xp) < pi)
        n_hard = xp.sum(xp.astype(outside & (pi == 1.0), xp.int64))
        index = xp.nonzero(joins)[0]
        if store is not None:
            store.values[first : first + n] = xp.where(
                outside, lift_of(pi, store.floor, xp), before
            )
        if self._working is not None:
            # Working negatives (codes 0 .. HELD - 1, below the positives'
            # and held-out rows' top codes); NaN where a gathered chunk
            # left them unread.
            held = np.iinfo(codes.dtype).max - 1
            at = np.flatnonzero((codes >= 0) & (codes < held) & ~np.isnan(wide))
            self._working.append((at + first, wide[at]))  # list.append: atomic
        with self._lock:  # a host pass's chunks run on threads
            self.n_scored = self.n_scored + count
            self.n_nan = self.n_nan + n_nan
            self.n_hard = self.n_hard + n_hard
            self.low, self.high = widened(xp, self.low, self.high, wide, outside)
            self._rows.append(xp.take(rows, index))
            self._q.append(xp.take(q, index))

    def finish(self):
        """The draw, on the host: its counts and bounds, then the rows drawn
        (in row order, whatever order the chunks came in)."""
        xp = self.xp
        totals = _namespace.to_numpy(xp.stack([self.n_scored, self.n_nan, self.n_hard]))
        bounds = _namespace.to_numpy(xp.stack([self.low, self.high]))
        rows, q = np.empty(0, dtype=np.intp), np.empty(0)
        if self._rows:  # a pass whose chunks were all in working sets has none
            rows = np.asarray(_namespace.to_numpy(xp.concat(self._rows)), dtype=np.intp)
            q = np.asarray(_namespace.to_numpy(xp.concat(self._q)), dtype=np.float64)
        rows, q = _in_row_order(rows, q)
        n_scored, n_nan, n_hard = (int(v) for v in totals)
        low, high = float(bounds[0]), float(bounds[1])
        tie = common_score(n_scored, low, high)
        working = None
        if self._working:
            parts = zip(*self._working, strict=True)
            working = _in_row_order(*(np.concatenate(p) for p in parts))
        return Selection(
            rows, q, n_hard, n_scored, tie, n_nan, drawn=True, working=working
        )
