"""The Dask backend: a pool that stays on a cluster and is scored there.

Each round the model goes to the workers, every block of the pool is scored
where it lies (``map_blocks``, with the compiled scorer when the model has
one), the hard rows are selected there (a threshold mask, and ``topk`` when
the round is capped), and only the selected rows' indices and scores come
back. Rows themselves travel only to be fitted on: the working set lives in
local memory and each round fetches just the rows that joined it.

Dask is imported only when a Dask array is given.
"""

import numpy as np

from . import _namespace
from ._compiled import compile_scorer
from ._scoring import positive_scores, score_rows


def is_dask_array(X):
    return type(X).__module__.startswith("dask.array") and hasattr(X, "dask")


def _whole_rows(X):
    """`X` with each block holding whole rows (column chunks merged)."""
    return X if X.numblocks[1] == 1 else X.rechunk({1: -1})


def _score_block(block, scorer, model, response_method, pos_label):
    """Scores of one block, on the worker that holds it."""
    xp = _namespace.namespace_of(block)
    if scorer is not None and not hasattr(block, "tocsr"):
        out = scorer(block, np if xp is None else xp)
        return out if xp is None else xp.astype(out, xp.float64)
    host = block if xp is None else _namespace.to_numpy(block)
    return positive_scores(model, host, response_method, pos_label).astype(np.float64)


class DaskPool:
    """A Dask array of rows, with the local copies of the working set's rows.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked along rows; chunks along columns are merged into whole rows.
    """

    def __init__(self, X):
        if X.ndim != 2:
            raise ValueError(
                f"Expected a 2-D Dask array for X, got shape {tuple(X.shape)}."
            )
        if any(np.isnan(c) for c in X.chunks[0]):
            raise ValueError(
                "The Dask array X has unknown chunk sizes; call "
                "X.compute_chunk_sizes() first so rows can be addressed."
            )
        if X.dtype.kind not in "fiu":
            raise ValueError(
                f"X must have a real numeric dtype to be scored; got {X.dtype}."
            )
        self.X = _whole_rows(X)
        self.shape = self.X.shape
        self.dtype = self.X.dtype
        self.ndim = 2
        self._rows = np.empty(0, dtype=np.intp)  # sorted, fetched already
        self._data = None

    def __len__(self):
        return self.shape[0]

    def take(self, rows, keep=True):
        """`X[rows]` as NumPy; rows fetched before are not fetched again.

        With `keep`, the local copy then holds exactly `rows` (the working
        set), so it never grows beyond what a fit needs anyway.
        """
        rows = np.asarray(rows, dtype=np.intp)
        missing = np.setdiff1d(rows, self._rows)
        fetched = self.X[missing].compute() if missing.size else None
        if fetched is not None:
            fetched = _namespace.to_numpy(fetched)
        if self._data is None:
            have_rows, have = missing, fetched
        elif fetched is None:
            have_rows, have = self._rows, self._data
        else:
            have_rows = np.concatenate([self._rows, missing])
            have = np.concatenate([self._data, fetched])
            order = np.argsort(have_rows, kind="stable")
            have_rows, have = have_rows[order], have[order]
        out = have[np.searchsorted(have_rows, rows)]
        if keep:
            self._rows, self._data = np.sort(rows), out[np.argsort(rows)]
        return out

    def scores(self, model, response_method, pos_label):
        """Lazy hardness scores of every row (a 1-D Dask array)."""
        import dask

        scorer = compile_scorer(model, response_method, pos_label)
        # One graph key for the model: not copied into every task.
        args = dask.delayed((scorer, model), pure=True)
        return self.X.map_blocks(
            lambda block, a: _score_block(block, *a, response_method, pos_label),
            args,
            drop_axis=1,
            dtype=np.float64,
            meta=np.empty((0,), dtype=np.float64),  # no trial call on the model
        )

    def score_rows(self, model, rows, response_method, pos_label):
        """Scores of a few rows (the working set's), by the local engine."""
        if rows.size == 0:
            return np.empty(0)
        local = self.take(rows, keep=False)
        return score_rows(
            model,
            local,
            np.arange(local.shape[0]),
            response_method=response_method,
            pos_label=pos_label,
        )

    def find_hard(self, model, rows, threshold, k, response_method, pos_label):
        """The hard rows among `rows`, selected on the cluster.

        Returns the rows above `threshold`, or when more than `k` are, the
        rows scoring at least the k-th highest score (ties included, so the
        local hardest-first cut picks exactly what a NumPy pass would);
        their scores; the number of hard rows; and the lowest and highest
        score among `rows`.
        """
        import dask
        import dask.array as da

        n = self.shape[0]
        wanted = np.zeros(n, dtype=bool)
        wanted[rows] = True
        # One byte per row crosses to the cluster: which rows are outside the
        # working set. Scores stay there; only the hard rows come back.
        mask = da.from_array(wanted, chunks=(self.X.chunks[0],))
        xp = _namespace.namespace_of(getattr(self.X, "_meta", None))
        if xp is not None:  # blocks on GPUs (CuPy): the mask goes there too
            mask = mask.map_blocks(xp.asarray, dtype=bool)
        raw = self.scores(model, response_method, pos_label)
        scores = da.where(mask, raw, -np.inf).persist()
        above = scores > threshold
        n_hard, low, high = dask.compute(
            above.sum(), da.where(mask, scores, np.inf).min(), scores.max()
        )
        n_hard = int(n_hard)
        spread = (float(_namespace.to_numpy(low)), float(_namespace.to_numpy(high)))
        if k is not None and n_hard > k:
            kth = float(_namespace.to_numpy(da.topk(scores, k).min().compute()))
            above = scores >= kth
        index, values = dask.compute(da.flatnonzero(above), scores[above])
        index = _namespace.to_numpy(index).astype(np.intp)
        values = _namespace.to_numpy(values).astype(np.float64)
        return index, values, n_hard, spread


def predict_lazily(estimator, method, X, classes):
    """`estimator.method` over a Dask array, block by block (lazy)."""
    import dask

    X = _whole_rows(X)
    fitted = dask.delayed(estimator, pure=True)

    def call(block, est):
        host = _namespace.to_numpy(block)
        return getattr(est, method)(host)

    if method in ("predict_proba", "predict_log_proba"):
        return X.map_blocks(
            call,
            fitted,
            chunks=(X.chunks[0], (len(classes),)),
            dtype=np.float64,
            meta=np.empty((0, 0), dtype=np.float64),
        )
    dtype = classes.dtype if method == "predict" else np.float64
    return X.map_blocks(
        call, fitted, drop_axis=1, dtype=dtype, meta=np.empty((0,), dtype=dtype)
    )
