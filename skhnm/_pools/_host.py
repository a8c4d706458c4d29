"""Pools whose rows the process can read: host containers and array namespaces."""

import numpy as np
from sklearn.externals.array_api_compat import is_cupy_namespace

from .. import _frames, _namespace
from .._scoring import score_rows, select_pass
from ._base import Pool, RowCache
from ._codes import OUTSIDE, codes_of, entered_from_codes


class ArrayPool(Pool):
    """A pool in host memory: NumPy array or memmap, SciPy CSR, DataFrame,
    or a 1-D pool of documents.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows; never copied (a pass reads it chunk by chunk).
    scoring : Scoring or None
        None for the pool as given, before :meth:`view` makes one to run on.
    dtype : numpy dtype
        Of the codes (:func:`~skhnm._pools._codes.code_dtype`).
    codes : ndarray or None
        Codes to start from (a Dask block's), else set by :meth:`start`.
    """

    def __init__(self, X, scoring=None, dtype=np.int16, codes=None):
        self.X = X
        self.scoring = scoring
        self.n_rows = _frames.n_rows(X)
        self.code_dtype = np.dtype(dtype) if codes is None else codes.dtype
        self._codes = codes
        if codes is not None:
            self.n_outside = int(np.count_nonzero(codes < 0))
        self.notes = []

    def view(self, scoring, dtype):
        return type(self)(self.X, scoring, dtype)

    # ------------------------------------------------------------- codes

    def start(self, positives, held_out):
        positive, held = codes_of(self.code_dtype)
        codes = np.full(self.n_rows, OUTSIDE, dtype=self.code_dtype)
        codes[held_out] = held
        codes[positives] = positive
        self._codes = codes
        self.n_outside = int(self.n_rows - np.size(positives) - np.size(held_out))

    def enter(self, rows, rnd):
        self._codes[rows] = rnd
        self.n_outside -= np.size(rows)

    def evict(self, rows):
        self._codes[rows] = -2 - self._codes[rows]
        self.n_outside += np.size(rows)

    def is_outside(self, rows):
        return self._codes[rows] < 0

    def outside_rows(self):
        return np.flatnonzero(self._codes < 0)

    def entered_round(self, best_round, dtype):
        return entered_from_codes(self._codes, best_round, dtype)

    def chunk_codes(self, lo, hi):
        """The codes of rows ``lo:hi``, where the pass masks them."""
        return self._codes[lo:hi]

    # ----------------------------------------------------------- scoring

    def rows(self, indices, keep=True):
        return _namespace.rows_to_host(self.X, indices)

    def score(self, model, indices):
        return score_rows(model, self.X, indices, self.scoring)

    @classmethod
    def select_jointly(cls, pools, models, cuts, progress=None):
        selections = cls.select_unchecked(pools, models, cuts, progress)
        for pool, model, selection in zip(pools, models, selections, strict=True):
            if pool.scoring.xp is not None and not selection.compiled:
                note = (
                    f"device asks for a GPU but {type(model).__name__} with "
                    f"response_method={pool.scoring.response_method!r} has no "
                    "compiled scorer; the pool was scored on the CPU by the "
                    "estimator's own method.",
                    UserWarning,
                )
                if note not in pool.notes:
                    pool.notes.append(note)
        return [selection.checked() for selection in selections]

    @staticmethod
    def select_unchecked(pools, models, cuts, progress=None):
        """:meth:`select_jointly` with NaN scores counted, not raised (a
        Dask block's part of a pass)."""
        return select_pass(
            pools[0].X,
            pools[0].scoring,
            [pool.chunk_codes for pool in pools],
            max(pool.n_outside for pool in pools),
            models,
            cuts,
            progress,
        )


class NamespacePool(ArrayPool):
    """A pool that lives in an array-API namespace (CuPy, array-api-strict).

    Its rows never leave the namespace except to be fitted on (and then only
    the rows not fetched before). The codes live on the host and, copied,
    in the namespace, so a pass masks and cuts there: only the hard rows'
    indices and scores come back.
    """

    def __init__(self, X, scoring=None, dtype=np.int16, codes=None):
        super().__init__(X, scoring, dtype, codes)
        self.home = _namespace.namespace_of(X)
        self._cache = RowCache(lambda rows: _namespace.rows_to_host(X, rows))
        self._mirror = None if codes is None else self._upload(codes)

    def _upload(self, codes):
        return self.home.asarray(codes, device=self.X.device)

    def start(self, positives, held_out):
        super().start(positives, held_out)
        self._mirror = self._upload(self._codes)

    def enter(self, rows, rnd):
        super().enter(rows, rnd)
        self._sync(rows)

    def evict(self, rows):
        super().evict(rows)
        self._sync(rows)

    def _sync(self, rows):
        """Copy the changed codes into the namespace: only they travel."""
        xp = self.home
        if is_cupy_namespace(xp):
            index = xp.asarray(np.asarray(rows, dtype=np.int64), device=self.X.device)
            self._mirror[index] = xp.asarray(self._codes[rows], device=self.X.device)
        else:  # the standard has no scatter: copy the codes again
            self._mirror = self._upload(self._codes)

    def chunk_codes(self, lo, hi):
        return self._mirror[lo:hi]

    def rows(self, indices, keep=True):
        return self._cache.get(indices, keep)
