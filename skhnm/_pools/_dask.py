"""The Dask backend: a pool that stays on a cluster and is scored there.

Each round the model goes to the workers once (one graph key), every block
of the pool is scored and cut where it lies by the same code as a local
pool (:class:`~skhnm._pools._host.ArrayPool` over the block, or
:class:`~skhnm._pools._host.NamespacePool` for CuPy blocks), and only the hard
rows' indices and scores come back. The per-row codes are a Dask array on
the workers, updated by sending the changed rows only. Rows themselves
travel only to be fitted on: the working set lives in local memory and each
round fetches just the rows that joined it. The client holds O(working set),
never O(pool).

Dask is imported only when a Dask array is given.
"""

from dataclasses import replace

import numpy as np

from .. import _namespace
from .._scoring import score_rows
from .._selection import Selection
from ._base import Pool, RowCache
from ._codes import OUTSIDE, codes_of, entered_from_codes
from ._host import ArrayPool, NamespacePool


def is_dask_array(X):
    return type(X).__module__.startswith("dask.array") and hasattr(X, "dask")


def _whole_rows(X):
    """`X` with each block holding whole rows (column chunks merged)."""
    return X if X.numblocks[1] == 1 else X.rechunk({1: -1})


def _set_block(block, rows, value, block_info=None):
    """A block of codes with `rows` (global, sorted) set: `value`, or evicted."""
    lo, hi = block_info[0]["array-location"][0]
    i, j = np.searchsorted(rows, (lo, hi))
    if i == j:
        return block
    part = rows[i:j] - lo
    out = block.copy()  # persisted blocks may be shared: never written to
    out[part] = -2 - out[part] if value is None else value
    return out


def _select_block(block, codes, args, offset):
    """One block's hard rows for every model, on the worker that holds it,
    and how many of its rows were scored."""
    models, scoring, cuts = args
    kind = ArrayPool if _namespace.namespace_of(block) is None else NamespacePool
    pools = [kind(block, scoring, codes=c) for c in codes]
    scored = [0]

    def count(done, total):
        scored[0] = done

    local = [_local_cut(cut, offset, block.shape[0]) for cut in cuts]
    # NaN scores are counted here and raised once, for the whole pool.
    selections = ArrayPool.select_unchecked(pools, models, local, count)
    for selection, cut in zip(selections, cuts, strict=True):
        rows = selection.rows + offset
        if cut.joins:
            # Computed here already: sent along, not computed again to be
            # fetched when they join the working set.
            sent = slice(None)  # every row a block drew joins
            if cut.sends is not None and not selection.drawn:
                sent = cut.sends(rows, selection.scores)
            selection.features = _namespace.rows_to_host(block, selection.rows[sent])
            selection.feature_rows = rows[sent]
        selection.rows = rows
    return selections, scored[0]


def _local_cut(cut, offset, n):
    """`cut` for a block of `n` rows from `offset`: its watched rows there,
    in the block's own numbering. A block's pass draws in place only where
    the draw keeps no lifts (a weighted fit's): they would stay on its
    worker. Else it hands back its candidates, and the run draws."""
    sends = cut.sends
    if getattr(sends, "in_place", False):
        local = sends.on_host() if sends.store is not None else sends.from_row(offset)
        cut = replace(cut, sends=local)
    if cut.watch is None:
        return cut
    lo, hi = np.searchsorted(cut.watch, (offset, offset + n))
    return replace(cut, watch=cut.watch[lo:hi] - offset)


class DaskPool(Pool):
    distributed = True

    """A Dask array of rows, with the local copies of the working set's rows.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked along rows; chunks along columns are merged into whole rows.
    scoring : Scoring or None
        None for the pool as given, before :meth:`view` makes one to run on.
    """

    def __init__(self, X, scoring=None, dtype=np.int16):
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
        self.n_rows = self.X.shape[0]
        self._cache = RowCache(self._fetch)
        self._codes = None
        self.notes = []
        # Workers score with their own threads; device pools are refused.
        self.scoring = None
        if scoring is not None:
            self.scoring = replace(scoring, n_jobs=None, xp=None)
        self.code_dtype = np.dtype(dtype)

    def _fetch(self, rows):
        """`X[rows]` from the cluster, as NumPy."""
        return _namespace.to_numpy(self.X[rows].compute())

    def view(self, scoring, dtype):
        return type(self)(self.X, scoring, dtype)

    # ------------------------------------------------------------- codes

    def _set(self, rows, value):
        import dask

        rows = dask.delayed(np.asarray(rows, dtype=np.intp), pure=True)
        self._codes = self._codes.map_blocks(
            _set_block, rows, value, dtype=self.code_dtype
        ).persist()

    def start(self, positives, held_out):
        import dask.array as da

        positive, held = codes_of(self.code_dtype)
        self._codes = da.full(
            self.n_rows, OUTSIDE, dtype=self.code_dtype, chunks=(self.X.chunks[0],)
        )
        self._set(np.sort(held_out), held)
        self._set(np.sort(positives), positive)
        self.n_outside = int(self.n_rows - np.size(positives) - np.size(held_out))

    def enter(self, rows, rnd):
        self._set(rows, rnd)
        self.n_outside -= np.size(rows)

    def evict(self, rows):
        self._set(rows, None)
        self.n_outside += np.size(rows)

    def is_outside(self, rows):
        unique, inverse = np.unique(rows, return_inverse=True)
        codes = np.asarray(self._codes[unique].compute())
        return (codes < 0)[inverse]

    def outside_rows(self):
        import dask.array as da

        return np.asarray(da.flatnonzero(self._codes < 0).compute(), dtype=np.intp)

    def entered_round(self, best_round, dtype):
        """The rounds, as a Dask array persisted on the workers beside the
        codes: one byte a row on the client would make its memory grow with
        the pool."""

        def block_rounds(codes):
            return entered_from_codes(codes, best_round, dtype)

        return self._codes.map_blocks(block_rounds, dtype=dtype).persist()

    # ----------------------------------------------------------- scoring

    def rows(self, indices, keep=True):
        """`X[indices]` as NumPy; rows fetched before are not fetched again."""
        return self._cache.get(indices, keep)

    def score(self, model, indices):
        """Scores of a few rows (the working set's), by the local engine."""
        if np.size(indices) == 0:
            return np.empty(0)
        local = self.rows(indices, keep=False)
        return score_rows(model, local, np.arange(local.shape[0]), self.scoring)

    @classmethod
    def select_jointly(cls, pools, models, cuts, progress=None):
        """Every view's hard rows, in one pass over the cluster's blocks."""
        import dask

        first = pools[0]
        args = (list(models), first.scoring, list(cuts))
        client = _active_client()
        if client is not None:
            # Sent to the workers beside the graph: the cuts may carry the
            # last draw's candidates, O(candidates), which a graph would push
            # through the scheduler at every pass ("Sending large graph").
            args = client.scatter([args], hash=False)[0]
        else:
            # One graph key for the models: not copied into every task.
            args = dask.delayed(args, pure=True)
        blocks = first.X.to_delayed().ravel()
        codes = [pool._codes.to_delayed().ravel() for pool in pools]
        offsets = np.cumsum((0, *first.X.chunks[0]))[:-1]
        tasks = [
            dask.delayed(_select_block)(b, [c[i] for c in codes], args, int(o))
            for i, (b, o) in enumerate(zip(blocks, offsets, strict=True))
        ]
        ks = [cut.k for cut in cuts]
        if progress is None:
            # Merged on the workers, a few blocks at a time: the client gets
            # one selection, not one per block (with a cap k, that would be
            # O(blocks x k), growing with the pool).
            while len(tasks) > 1:
                tasks = [
                    dask.delayed(_merge_blocks)(tasks[i : i + _FAN_IN], ks)
                    for i in range(0, len(tasks), _FAN_IN)
                ]
            parts = [part for part, _ in dask.compute(*tasks)]
        else:
            total = max(pool.n_outside for pool in pools)
            parts = [part for part, _ in _compute(tasks, progress, total)]
        selections = [
            Selection.merge([part[k] for part in parts], cut.k).checked()
            for k, cut in enumerate(cuts)
        ]
        for pool, selection in zip(pools, selections, strict=True):
            if selection.features is not None:
                pool._cache.offer(selection.feature_rows, selection.features)
                selection.features = selection.feature_rows = None
        return selections


# Block selections merged per task on the workers.
_FAN_IN = 8


def _merge_blocks(parts, ks):
    """Several blocks' selections as one, for each model (a worker's task).

    Merging keeps each cut's k hardest (ties to the lower row), so a tree
    of merges selects exactly what one merge of every block would.
    """
    merged = [
        Selection.merge([selections[k] for selections, _ in parts], ks[k])
        for k in range(len(ks))
    ]
    return merged, sum(n for _, n in parts)


def _compute(tasks, progress, total):
    """``dask.compute(*tasks)`` of ``(result, n_rows)`` tasks, calling
    `progress(n_done, total)` as each finishes: on a distributed client's
    futures when there is one, else by a local scheduler's callback."""
    import dask

    if progress is None:
        return dask.compute(*tasks)
    client = _active_client()
    done = [0]

    def report(part):
        done[0] += part[1]
        if part[1]:
            progress(done[0], total)

    if client is not None:
        from distributed import as_completed

        futures = client.compute(tasks)
        for future in as_completed(futures):
            report(future.result())
        return [future.result() for future in futures]
    from dask.callbacks import Callback

    keys = {task.key for task in tasks}

    class _Report(Callback):
        def _posttask(self, key, result, dsk, state, worker_id):
            if key in keys:
                report(result)

    with _Report():
        return dask.compute(*tasks)


def _active_client():
    """The distributed client that computes Dask graphs now, or None where
    a local scheduler does (none exists, or ``dask.config`` names one)."""
    try:
        from distributed import Client
    except ImportError:
        return None
    from dask.base import get_scheduler

    owner = getattr(get_scheduler(), "__self__", None)
    return owner if isinstance(owner, Client) else None


def predict_lazily(estimator, method, X, classes):
    """`estimator.method` over a Dask array, block by block (lazy)."""
    import dask

    X = _whole_rows(X)
    fitted = dask.delayed(estimator, pure=True)

    def call(block, est):
        host = _namespace.to_numpy(block)
        return getattr(est, method)(host)

    if method in ("predict_proba", "predict_log_proba") or (
        method == "decision_function" and len(classes) > 2
    ):
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
