"""Pools: where the rows live, behind the one interface the mining loop uses.

A pool holds every training row (positives, negatives that may be mined,
held-out validation rows) and one small integer code per row, its place in
the run:

=====================  ==================================================
code                   the row is
=====================  ==================================================
``0 <= code < HELD``   a working negative that entered at round ``code``
``OUTSIDE`` (-1)       a negative never in the working set
``<= -2``              an evicted negative, last entered at ``-2 - code``
``POSITIVE``           a training positive (always in the working set)
``HELD``               a held-out row: never trained on, never mined
=====================  ==================================================

so the rows a pass scores are exactly those with ``code < 0``: one
comparison masks a chunk. The codes are int16 (int32 past 32,000 rounds):
two bytes a row for the whole run, and the only per-row state.

Every pool answers the same calls (:class:`Pool`): `rows` (host rows to fit
on), `score` (scores of a few rows), `select` (one streaming pass over the
rows outside the working set that returns only the hard ones, cut where the
scores live), `enter` and `evict` (update the codes), `is_outside` (for
random draws) and `entered_round` (the per-row record left at the end).

- :class:`ArrayPool`: host containers (NumPy arrays, memmaps, SciPy CSR,
  DataFrames), scored with NumPy, or streamed chunk by chunk to a device
  namespace (CuPy) when one is asked for;
- :class:`NamespacePool`: an array of another array-API namespace (CuPy on
  a GPU, ``array-api-strict`` in tests), scored and cut where it lives,
  with a copy of the codes there;
- :class:`skhnm._dask.DaskPool`: a Dask array, scored and cut on the
  workers, its codes a Dask array on the workers.
"""

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import effective_n_jobs
from sklearn.externals.array_api_compat import (
    is_cupy_namespace,
    is_numpy_namespace,
    is_torch_namespace,
)

from . import _namespace
from ._rows import member
from ._scoring import (
    _MAX_SPAN,
    JointScorer,
    auto_batch_size,
    blas_thread_count,
    blas_threads,
    read_rows,
    run_chunks,
    score_rows,
)
from ._selection import Selector

OUTSIDE = -1
# A compiled linear pass reads views this many batches long.
_SCAN_BATCHES = 8


def code_dtype(max_rounds):
    """The smallest signed type holding every code of a run."""
    return np.int16 if max_rounds + 3 < np.iinfo(np.int16).max - 1 else np.int32


def codes_of(dtype):
    """The codes ``(POSITIVE, HELD)`` of a code dtype: the top of its range."""
    top = int(np.iinfo(dtype).max)
    return top, top - 1


def round_dtype(max_rounds):
    """The smallest signed type holding the rounds -1 .. `max_rounds`."""
    for dtype in (np.int8, np.int16, np.int32):
        if max_rounds <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def entered_from_codes(codes, best_round, dtype, step=1 << 16):
    """The round each row last entered the working set (-1: never).

    Rounds after `best_round` (the kept model's) count as never. int16 codes
    are read through a table of every code's round (one gather a row);
    wider ones are computed a slice at a time. Temporaries are O(step).
    """
    out = np.empty(codes.shape[0], dtype=dtype)
    if codes.dtype == np.int16:
        every = np.arange(-(2**15), 2**15, dtype=np.int32)
        table = _rounds_of(every, best_round, np.int16).astype(dtype)
        table = np.roll(table, -(2**15))  # indexed by the codes' uint16 view
        for lo in range(0, codes.shape[0], step):
            part = codes[lo : lo + step].view(np.uint16)
            np.take(table, part, out=out[lo : lo + step])
        return out
    for lo in range(0, codes.shape[0], step):
        out[lo : lo + step] = _rounds_of(codes[lo : lo + step], best_round, codes.dtype)
    return out


def _rounds_of(codes, best_round, code_type):
    """:func:`entered_from_codes` of some codes of type `code_type`."""
    positive, held = codes_of(code_type)
    r = np.where(codes < 0, -2 - codes, codes)  # evicted rows: their last round
    r[codes == OUTSIDE] = -1
    r[codes == positive] = 0
    r[(codes == held) | (r > best_round)] = -1
    return r


@dataclass(frozen=True)
class Scoring:
    """How a pool's rows are scored: the same for every call of a run."""

    response_method: str
    pos_label: Any
    batch_size: int | None = None
    n_jobs: int | None = None
    xp: Any = None  # device namespace a host pool is streamed to (CuPy)


class Pool:
    """The mining loop's view of a pool (see the module docstring).

    Subclasses keep the codes where the rows are; this base class keeps
    only counts.
    """

    n_rows: int
    n_outside: int = 0

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

    def select(self, model, cut, progress=None):
        """One pass over the rows outside the working set: a `Selection`."""
        raise NotImplementedError

    def entered_round(self, best_round, dtype):
        """The round each row last entered (-1 never), as a host array."""
        raise NotImplementedError


class ArrayPool(Pool):
    """A pool in host memory: NumPy array or memmap, SciPy CSR, DataFrame.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows; never copied (a pass reads it chunk by chunk).
    scoring : Scoring
    dtype : numpy dtype
        Of the codes (:func:`code_dtype`).
    codes : ndarray or None
        Codes to start from (a Dask block's), else set by :meth:`start`.
    """

    def __init__(self, X, scoring, dtype=np.int16, codes=None):
        self.X = X
        self.scoring = scoring
        self.n_rows = X.shape[0]
        self.code_dtype = np.dtype(dtype) if codes is None else codes.dtype
        self._codes = codes
        if codes is not None:
            self.n_outside = int(np.count_nonzero(codes < 0))

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

    def _chunk_codes(self, lo, hi):
        return self._codes[lo:hi]

    @staticmethod
    def select_jointly(pools, models, cuts, progress=None):
        """:func:`select_jointly` for pools of this kind."""
        selections = joint_pass(pools, models, cuts, progress)
        return [selection.checked() for selection in selections]

    # ----------------------------------------------------------- scoring

    def rows(self, indices, keep=True):
        return _namespace.take_rows(self.X, indices)

    def score(self, model, indices):
        s = self.scoring
        return score_rows(
            model,
            self.X,
            indices,
            response_method=s.response_method,
            pos_label=s.pos_label,
            batch_size=s.batch_size,
            n_jobs=s.n_jobs,
            xp=s.xp,
        )

    def select(self, model, cut, progress=None):
        return self.select_unchecked(model, cut, progress).checked()

    def select_unchecked(self, model, cut, progress=None):
        """:meth:`select`, with NaN scores counted instead of raised."""
        return joint_pass([self], [model], [cut], progress)[0]


def select_jointly(pools, models, cuts, progress=None):
    """One pass over the rows outside any of `pools`' working sets.

    `pools` are views of the same rows, one per model (a detector each, in
    multiclass mining), with their own codes. Each row is read once and
    scored by every model (one product when their compiled scorers stack);
    each model's :class:`~skhnm._selection.Selection` is cut from its own
    rows outside. Returns the selections, NaN-checked, in order.
    """
    if len(pools) == 1:
        return [pools[0].select(models[0], cuts[0], progress)]
    return type(pools[0]).select_jointly(pools, models, cuts, progress)


def joint_pass(pools, models, cuts, progress=None):
    """:func:`select_jointly` over host or namespace pools, NaN unchecked.

    A chunk is read once for every pool: as a slice when its rows outside
    any working set are dense enough, else gathered. Each pool's selector
    sees the scores of the rows outside its own working set.
    """
    first = pools[0]
    X, s = first.X, first.scoring
    scorer = JointScorer(models, X, s.response_method, s.pos_label, s.xp)
    xp = scorer.xp
    selectors = [Selector(cut, xp) for cut in cuts]
    step = s.batch_size or auto_batch_size(
        X, device=xp is not np, keeps_sparse=scorer.compiled
    )
    gather_step = step
    if (
        s.batch_size is None
        and len(pools) == 1
        and isinstance(X, np.ndarray)
        and scorer.compiled
        and xp is np
        and not scorer.threads_help
    ):
        # A product over a view of a dense array allocates only its
        # scores: longer views cost fewer calls. Copies (gathers) stay
        # one batch at a time, and so does a joint pass, whose (rows x
        # models) temporaries stay in cache that way.
        step *= _SCAN_BATCHES
    lock, done = threading.Lock(), [0]
    total = max(pool.n_outside for pool in pools)

    def run(lo, hi):
        masks = [pool._chunk_codes(lo, hi) < 0 for pool in pools]
        counts = [_count(mask) for mask in masks]
        outside = masks[0] if len(masks) == 1 else _any(masks)
        n_out = counts[0] if len(masks) == 1 else _count(outside)
        if n_out == 0:
            return
        if n_out == hi - lo or (scorer.compiled and n_out * _MAX_SPAN >= hi - lo):
            # Reading a few extra rows costs less than copying the wanted
            # ones; their scores are masked off.
            parts = [(read_rows(X, lo, hi), lo, masks)]
            full = hi - lo
        else:
            wanted = _nonzero(outside)
            spans = [
                wanted[i : min(i + gather_step, n_out)]
                for i in range(0, n_out, gather_step)
            ]
            parts = (
                (
                    read_rows(X, None, None, at + lo),
                    at + lo,
                    [_pick(m, at) for m in masks],
                )
                for at in spans
            )
            full = None
        for block, rows, block_masks in parts:
            scores = scorer(block)
            rows = rows if isinstance(rows, int) else _into(xp, rows)
            for k, selector in enumerate(selectors):
                # No mask where every row of the block counts: a whole chunk
                # outside the pool's working set, or the rows gathered for
                # the only pool.
                mask, n_k = _into(xp, block_masks[k]), None
                if full is not None:
                    n_k = counts[k]
                    if n_k == full:
                        mask, n_k = None, None
                elif len(masks) == 1:
                    mask = None
                with lock:
                    selector.add(scores[k], rows, mask, n_k)
        with lock:
            done[0] += n_out
            if progress is not None:
                progress(done[0], total)

    ranges = [(lo, min(lo + step, first.n_rows)) for lo in range(0, first.n_rows, step)]
    n_threads = effective_n_jobs(s.n_jobs) if scorer.threads_help else 1
    if scorer.chunks_on_threads:
        # Right after the detectors' fits, BLAS's own threads (and those of
        # the second BLAS that SciPy loads) still spin on every core, and a
        # multi-column product split over them ran 2 to 7 times slower than
        # when idle. Chunks on half as many threads of our own, one BLAS
        # thread each, were the fastest measured after fits: on 2 cores
        # (1 thread) 1.1 times a binary pass, on 16 cores (8 threads) 1.0.
        n_threads = max(1, blas_thread_count() // 2)
        with blas_threads(1):
            run_chunks(run, ranges, n_threads)
    else:
        run_chunks(run, ranges, n_threads)
    return [selector.finish() for selector in selectors]


class NamespacePool(ArrayPool):
    """A pool that lives in an array-API namespace (CuPy, array-api-strict).

    Its rows never leave the namespace except to be fitted on (and then only
    the rows not fetched before). The codes live on the host and, copied,
    in the namespace, so a pass masks and cuts there: only the hard rows'
    indices and scores come back.
    """

    def __init__(self, X, scoring, dtype=np.int16, codes=None):
        super().__init__(X, scoring, dtype, codes)
        self.home = _namespace.namespace_of(X)
        self._cache = RowCache(lambda rows: _namespace.take_rows(X, rows))
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
        if _can_scatter(xp):
            index = xp.asarray(np.asarray(rows, dtype=np.int64), device=self.X.device)
            self._mirror[index] = xp.asarray(self._codes[rows], device=self.X.device)
        else:  # the standard has no scatter: copy the codes again
            self._mirror = self._upload(self._codes)

    def _chunk_codes(self, lo, hi):
        return self._mirror[lo:hi]

    def rows(self, indices, keep=True):
        return self._cache.get(indices, keep)


def _can_scatter(xp):
    return is_cupy_namespace(xp) or is_numpy_namespace(xp) or is_torch_namespace(xp)


def _pick(mask, at):
    """`mask[at]` for a NumPy or any array-API mask."""
    if isinstance(mask, np.ndarray):
        return mask[at]
    return _namespace.namespace_of(mask).take(mask, at)


def _any(masks):
    """Rows outside at least one working set."""
    out = masks[0] | masks[1]
    for mask in masks[2:]:
        out |= mask
    return out


def _count(mask):
    if isinstance(mask, np.ndarray):
        return int(np.count_nonzero(mask))
    xp = _namespace.namespace_of(mask)
    return int(xp.count_nonzero(mask))


def _nonzero(mask):
    if isinstance(mask, np.ndarray):
        return np.flatnonzero(mask)
    xp = _namespace.namespace_of(mask)
    return xp.nonzero(mask)[0]


def _into(xp, a):
    """`a` (a mask or row indices) in namespace `xp`, where the scores are."""
    if xp is np:
        return a if isinstance(a, np.ndarray) else _namespace.to_numpy(a)
    return xp.asarray(a)


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

    def get(self, rows, keep=True):
        """`X[rows]` as NumPy; rows fetched before are not fetched again.

        With `keep`, the cache then holds exactly `rows` (the working set),
        so it never grows beyond what a fit needs anyway. The result is
        built in one array: old rows copied from the cache, new ones in.
        """
        rows = np.asarray(rows, dtype=np.intp)
        order = None
        if rows.size > 1 and not np.all(rows[1:] > rows[:-1]):
            order = np.argsort(rows, kind="stable")
            rows = rows[order]
        held = member(rows, self._rows)
        fetched = None if held.all() else self.fetch(rows[~held])
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
        if order is not None:
            out = out[np.argsort(order, kind="stable")]
        return out

    @property
    def rows_held(self):
        return self._rows


def make_pool(X, scoring, dtype=np.int16, codes=None):
    """The pool for `X`'s home: a Dask array, an array namespace, or the host."""
    from . import _dask

    if isinstance(X, _dask.DaskPool):
        return X.bind(scoring, dtype)
    if _namespace.namespace_of(X) is not None:
        return NamespacePool(X, scoring, dtype, codes)
    return ArrayPool(X, scoring, dtype, codes)
