"""The Pool interface the mining loop talks to, and what every pool shares."""

import numpy as np

from .._rows import distinct, member, merge
from .._selection import _ascending


class Pool:
    """The mining loop's view of a pool (see :mod:`skhnm._pools`).

    Subclasses keep the codes (:mod:`skhnm._pools._codes`) where the rows
    are; this base class keeps counts and what follows from the calls
    alone: the uniform draw and the single-view selection.
    """

    n_rows: int
    n_outside: int = 0
    # Rows live on other machines: whatever reads every row's features on
    # the client (an imbalanced-learn sampler) would gather the pool.
    distributed = False

    # What the pool has to tell the user after a run, ``(message, category)``
    # pairs (set per instance).
    notes: list

    def view(self, scoring, dtype):
        """A fresh view of these rows for one run: its own codes and cache.

        Several views of one pool (a detector each, in multiclass mining)
        are scored together by :meth:`select_jointly`.
        """
        raise NotImplementedError

    def start(self, positives, held_out):
        """Codes for a new run: `positives` and `held_out` marked, rest outside."""
        raise NotImplementedError

    def enter(self, rows, rnd):
        """`rows` (sorted, outside) join the working set at round `rnd`."""
        raise NotImplementedError

    def evict(self, rows):
        """`rows` (sorted, working negatives) go back outside."""
        raise NotImplementedError

    def is_outside(self, rows):
        """Which of `rows` are negatives outside the working set (bool mask)."""
        raise NotImplementedError

    def outside_rows(self):
        """Every negative outside the working set (sorted; for small draws)."""
        raise NotImplementedError

    def rows(self, indices, keep=True):
        """`X[indices]` on the host, to fit on.

        With `keep`, a backend may keep them, so that the next call fetches
        only the rows not already fetched.
        """
        raise NotImplementedError

    def score(self, model, indices):
        """Scores of a few rows (sorted), float64 on the host, NaN-checked."""
        raise NotImplementedError

    def entered_round(self, best_round, dtype):
        """The round each row last entered (-1 never), as a host array."""
        raise NotImplementedError

    @classmethod
    def select_jointly(cls, pools, models, cuts, progress=None):
        """One pass over the rows outside any of `pools`' working sets.

        `pools` are views of the same rows (:meth:`view`), one per model,
        each with its own codes. Each row is read once and scored by every
        model; each model's :class:`~skhnm._selection.Selection` is cut from
        its own rows outside. Returns the selections, NaN-checked, in order.
        `progress(n_done, n_total)` is called as the pass advances.
        """
        raise NotImplementedError

    def select(self, model, cut, progress=None):
        """:meth:`select_jointly` of this one view."""
        return self.select_jointly([self], [model], [cut], progress)[0]

    def draw(self, rng, n):
        """`n` distinct negatives drawn uniformly from those outside.

        Rows are drawn by rejection (uniform row indices, kept when outside
        and new), so nothing of the pool's size is built; when few rows are
        outside, they are listed and drawn from. Which way is taken depends
        only on counts, so every backend draws the same rows. Returns them
        sorted.
        """
        n = min(int(n), self.n_outside)
        if n <= 0:
            return np.empty(0, dtype=np.intp)
        if 4 * n >= self.n_outside or 64 * self.n_outside < self.n_rows:
            return np.sort(rng.choice(self.outside_rows(), n, replace=False))
        chosen = np.empty(0, dtype=np.intp)
        while chosen.size < n:
            need = n - chosen.size
            draws = int(1.25 * need * self.n_rows / (self.n_outside - chosen.size))
            candidates = rng.randint(0, self.n_rows, size=draws + 64).astype(np.intp)
            candidates = distinct(candidates[self.is_outside(candidates)])
            if chosen.size:
                candidates = candidates[~member(candidates, chosen)]
            if candidates.size > need:
                # A uniform subset of a uniform sample is a uniform sample.
                keep = np.zeros(candidates.size, dtype=bool)
                keep[rng.choice(candidates.size, need, replace=False)] = True
                candidates = candidates[keep]
            chosen = merge(chosen, candidates)
        return chosen


def _column_sums(data):
    """float64 column sums of dense or sparse rows."""
    return np.asarray(data.sum(axis=0, dtype=np.float64)).ravel()


class RowCache:
    """Host copies of the rows last fitted on: a round fetches only new rows.

    Parameters
    ----------
    fetch : callable ``fetch(rows) -> ndarray``
        Copies sorted rows to the host.
    """

    def __init__(self, fetch):
        self.fetch = fetch
        self._rows = np.empty(0, dtype=np.intp)  # sorted, fetched already
        self._data = None
        self._sums = None  # the held data's column sums, as handed out
        self._offered = None

    def _intact(self):
        """Whether the held data is as it was handed out. A fit may change
        its X in place (``StandardScaler(copy=False)`` in a Pipeline): then
        the held rows are no longer the pool's, and are fetched again.
        Column sums (one read of the rows, no copy) change with any
        rescaling a fit makes."""
        return np.array_equal(_column_sums(self._data), self._sums, equal_nan=True)

    def offer(self, rows, data):
        """Rows a pass sent along (sorted) and their data, for the next
        :meth:`get` to take instead of fetching them; they replace the rows
        offered before."""
        self._offered = (np.asarray(rows, dtype=np.intp), data)

    def _fetch(self, rows):
        """`rows` (sorted) from the offered rows where there, else fetched."""
        if self._offered is None:
            return self.fetch(rows)
        offered, data = self._offered
        there = member(rows, offered)
        if not there.any():
            return self.fetch(rows)
        at = np.searchsorted(offered, rows[there])
        if there.all():
            return data[at]
        # Offered and fetched rows are rows of the same pool: one dtype.
        out = np.empty((rows.size, *data.shape[1:]), dtype=data.dtype)
        out[there] = data[at]
        out[~there] = self.fetch(rows[~there])
        return out

    def get(self, rows, keep=True):
        """`X[rows]` as NumPy; rows fetched before are not fetched again.

        With `keep`, the cache then holds exactly `rows` (the working set),
        so it never grows beyond what a fit needs anyway. The result is
        built in one array: old rows copied from the cache, new ones in.
        """
        rows = np.asarray(rows, dtype=np.intp)
        if self._data is not None and not self._intact():
            self._rows, self._data = np.empty(0, dtype=np.intp), None
        order = None
        if not _ascending(rows):
            order = np.argsort(rows, kind="stable")
            rows = rows[order]
        held = member(rows, self._rows)
        fetched = None if held.all() else self._fetch(rows[~held])
        if self._data is None:
            out = fetched
        else:
            sample = self._data if fetched is None else fetched
            out = np.empty((rows.size, *sample.shape[1:]), dtype=sample.dtype)
            out[held] = self._data[np.searchsorted(self._rows, rows[held])]
            if fetched is not None:
                out[~held] = fetched
        if keep:
            self._rows, self._data = rows, out
            self._sums = None if out is None else _column_sums(out)
            self._offered = None
        if order is not None:
            out = out[np.argsort(order, kind="stable")]
        return out
