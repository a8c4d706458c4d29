"""The case-control draw's arithmetic, written once for every place it runs.

A negative scoring `q` (a decision value on the pilot's scale) is kept
with probability ``pi(q)`` (:func:`keep_probability`, following the loss's
gradient), and is drawn when its uniform number (:mod:`skhnm._uniform`) is
below it. The same functions run on the host (the run's bookkeeping), on
a Dask worker and on a device (:class:`skhnm._device_cut.DeviceDraw`), in
the namespace of the scores they are given, so that each decides alike.
"""

import math

import numpy as np

from ._selection import above
from ._uniform import row_uniforms

# pi below this is 0: the pass keeps no row that would be drawn so rarely.
EPSILON = 1e-3
# The hinge losses' margin, as a negative's decision value.
MARGIN = -1.0


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


def keep_probability(s, threshold, family="logistic", xp=None):
    """pi(s) of decision values `s` for a round's `threshold`: 1 for the
    hard negatives, falling with the loss's gradient below, 0 under
    EPSILON."""
    if xp is None:
        xp, s = _host(s)
    if family == "hinge" or (family == "squared_hinge" and threshold <= MARGIN):
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
    if family == "hinge" or (family == "squared_hinge" and threshold <= MARGIN):
        return threshold
    if family == "squared_hinge":
        return MARGIN + EPSILON * (threshold - MARGIN) - 1e-12
    return threshold + math.log(EPSILON) - 1e-12


class RowLift:
    """Each row's lift, kept on the device between passes: a device pass
    draws in place (:class:`skhnm._device_cut.DeviceDraw`) and writes the
    lift its draw gives every row outside, so that the last draw's
    candidates never cross to the host. `values` is allocated by the first
    such pass (zeros: the pilot's draw is uniform)."""

    def __init__(self, floor):
        self.floor = floor
        self.values = None


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
    `in_place`: no cap can raise the threshold after the pass, so a device
    pass may make the draw itself and hand back only the rows it adds.
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
