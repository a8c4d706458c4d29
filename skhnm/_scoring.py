"""The scoring engine: (fitted estimator, chunk of a pool) -> hardness scores.

:class:`ChunkScorer` scores one chunk with one model, oriented towards
`pos_label`: by a compiled scorer (:mod:`skhnm._compiled`) where the model
has one, in the chunk's own namespace (NumPy, CuPy, any array-API library;
a dense host chunk can be streamed to a device namespace), else by the
estimator's own method on the host. :class:`JointScorer` scores a chunk
with several models (one product when their scorers stack).

One chunk engine serves the two kinds of pass, whatever the pool's home
(:mod:`skhnm._pools` hands it the rows and their codes):

- :func:`select_pass`, a round's selecting pass: every row outside the
  working sets, cut where the scores live, only the hard rows kept (a
  pool that lives on a device is cut by one fused
  :class:`~skhnm._device_cut.DeviceCut` a pass; host chunks run on
  threads of skhnm's own where the product is BLAS's);
- :func:`score_rows`, the scores of a few given rows (the working set's, the
  positives'), one float64 per row on the host, NaN-checked.

Both size their chunks the same way, read a chunk as one slice of the pool
(a view) when its wanted rows lie close together and gather them otherwise
(:func:`reads_slice`), and run chunks on threads with progress reports
(:func:`skhnm._threads.run_chunks`).
"""

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from sklearn.utils._response import _get_response_values_binary

from . import _frames, _namespace
from ._compiled import Scratch, compile_scorer, stack_scorers
from ._device_cut import DeviceCut, initial_capacity
from ._draw import PassDraw, draws_in_place
from ._selection import Selector, check_scores
from ._threads import blas_thread_count, blas_threads, run_chunks


@dataclass(frozen=True)
class Scoring:
    """How a pool's rows are scored: the same for every call of a run."""

    response_method: str
    pos_label: Any
    batch_size: int | None = None
    n_jobs: int | None = None
    xp: Any = None  # device namespace a host pool is streamed to (CuPy)


# Target size of one chunk of the pool, in bytes of its dense rows.
_CHUNK_BYTES = 8 * 2**20
_MIN_BATCH, _MAX_BATCH = 256, 65_536
_DEVICE_CHUNK_BYTES = 128 * 2**20
# Chunks an estimator's own method scores: each call costs it a fixed
# overhead (validation, a thread pool's dispatch for forests, OpenMP's
# start for HGB), so they are longer than a compiled scorer's.
_OWN_METHOD_CHUNK_BYTES = 64 * 2**20
_OWN_METHOD_MAX_BATCH = 2**20
# A pool living on a device is cut in chunks whose temporaries take at most
# this share of the device's free memory, at about this many bytes a row and
# detector.
_DEVICE_MEMORY_SHARE = 0.25
_DEVICE_BYTES_PER_SCORE = 96
# A chunk is read as one slice when its rows span at most this many times
# their number; further apart they are gathered (copied).
_MAX_SPAN = 1.5
# A compiled linear pass over a dense host pool reads views this many
# batches long.
_SCAN_BATCHES = 8


def resolve_response_method(estimator, response_method):
    """Name the method that gives hardness scores for `estimator`.

    `"auto"` prefers `decision_function` (a margin, as in the seed papers)
    and falls back to `predict_proba`.
    """
    if response_method == "auto":
        for name in ("decision_function", "predict_proba"):
            if hasattr(estimator, name):
                return name
        raise ValueError(
            f"The estimator {estimator!r} has neither decision_function nor "
            "predict_proba; hard negative mining needs one of them to score "
            "the pool (response_method='auto')."
        )
    if not hasattr(estimator, response_method):
        raise ValueError(
            f"response_method={response_method!r} but the estimator "
            f"{estimator!r} has no {response_method} method."
        )
    return response_method


def positive_scores(estimator, X, response_method, pos_label):
    """Score `X` with a fitted binary `estimator`: higher means more positive.

    The positive-class column of `predict_proba`, or the `decision_function`
    value oriented so that `pos_label` is the positive side: scikit-learn's
    own reading of a binary classifier's response.
    """
    return _get_response_values_binary(estimator, X, response_method, pos_label)[0]


def auto_batch_size(X, device=False, keeps_sparse=False, own_method=False):
    """Rows per chunk so that a chunk holds about `_CHUNK_BYTES` of data.

    On a device (`device=True`) chunks are `_DEVICE_CHUNK_BYTES`: a chunk
    costs kernel launches and a synchronisation, which small chunks of a
    fast memory would not amortise. A sparse pool whose chunks stay sparse
    (`keeps_sparse`: a compiled scorer takes them as they are) is measured
    by its stored entries per row, not its width: sized by width, a wide
    pool with few entries a row would be cut into chunks so short that
    slicing them costs more than their products. Chunks that an
    estimator's own method may densify keep the width's bound. Chunks an
    estimator's own method scores (`own_method`) hold about
    `_OWN_METHOD_CHUNK_BYTES`: its per-call overhead then vanishes (a 1-D
    pool of documents, whose rows' sizes are unknown, keeps `_MAX_BATCH`).
    """
    # A 1-D pool (documents) counts as one column: its rows' sizes are the
    # estimator's business, and its own transform makes each chunk anew.
    shape = getattr(X, "shape", None) or (_frames.n_rows(X),)
    n_features = shape[1] if len(shape) > 1 else 1
    itemsize = getattr(getattr(X, "dtype", None), "itemsize", 8) or 8
    row_bytes = max(1, n_features * itemsize)
    if keeps_sparse and sp.issparse(X) and X.format == "csr" and X.shape[0]:
        index_bytes = X.indices.dtype.itemsize
        per_row = X.nnz / X.shape[0] * (itemsize + index_bytes) + index_bytes
        row_bytes = max(1, math.ceil(per_row))
    if device:
        return int(np.clip(_DEVICE_CHUNK_BYTES // row_bytes, _MIN_BATCH, 2**22))
    if own_method and len(shape) > 1:
        return int(
            np.clip(
                _OWN_METHOD_CHUNK_BYTES // row_bytes, _MIN_BATCH, _OWN_METHOD_MAX_BATCH
            )
        )
    return int(np.clip(_CHUNK_BYTES // row_bytes, _MIN_BATCH, _MAX_BATCH))


class _Chunking:
    """How a scorer's chunks are sized and spread over threads.

    Needs ``xp`` (the scores' namespace), ``compiled`` and ``threads_help``.
    """

    def batch_size(self, X, batch_size=None):
        """Rows per chunk: `batch_size`, else :func:`auto_batch_size`'s."""
        return batch_size or auto_batch_size(
            X,
            device=self.xp is not np,
            keeps_sparse=self.compiled,
            own_method=not self.compiled,
        )

    def n_threads(self, n_jobs):
        """Threads for the chunks: `n_jobs` where threads pay off, else 1."""
        return effective_n_jobs(n_jobs) if self.threads_help else 1


class ChunkScorer(_Chunking):
    """Scores chunks of one pool with one fitted model, oriented to `pos_label`.

    A compiled scorer runs where the chunk is (the pool's namespace, or the
    device namespace `xp` a dense host pool is streamed to); anything else
    is scored by the estimator's own method on the host. :attr:`xp` is the
    namespace of the scores it returns.
    """

    def __init__(
        self,
        estimator,
        X,
        response_method,
        pos_label,
        xp=None,
        compiled=True,
        scorer=None,
    ):
        self.estimator = estimator
        self.response_method = response_method
        self.pos_label = pos_label
        self.home = _namespace.namespace_of(X)
        if scorer is None and compiled:
            scorer = compile_scorer(estimator, response_method, pos_label)
        self.scorer = scorer
        if sp.issparse(X) and self.scorer and not self.scorer.accepts_sparse:
            self.scorer = None
        self.frame_dtype = None
        if _frames.passes_through(X) and self.scorer is not None:
            self.frame_dtype = _frames.numeric_dtype(X)
            if self.frame_dtype is None:
                self.scorer = None
        # Where the compiled scorer runs: the pool's own namespace, else the
        # requested device namespace for dense host pools, else NumPy.
        self.xp = np
        if self.scorer is not None:
            self.xp = self.home
            if self.xp is None:
                self.xp = xp if xp is not None and not sp.issparse(X) else np

    @property
    def compiled(self):
        return self.scorer is not None

    @property
    def threads_help(self):
        """Chunks on threads pay off: the estimator's own method or a kernel.

        A linear or MLP scorer is matrix products that BLAS already spreads
        over the cores: more threads only fight it for memory bandwidth
        (benchmarks/bench_scoring.py). A pool on a device, or scored
        on one, is parallel there.
        """
        if self.home is not None or self.xp is not np:
            return False
        return self.scorer is None or self.scorer.elementwise_bound

    def __call__(self, block):
        """Scores of a chunk (rows of the pool), in namespace :attr:`xp`."""
        if self.scorer is None:
            if self.home is not None:
                block = _namespace.to_numpy(block)
            return positive_scores(
                self.estimator, block, self.response_method, self.pos_label
            )
        return self.scorer(*self._prepared(block))

    def by_model(self, block, scratch=None):
        """A stacked compiled scorer's scores: one contiguous row per model."""
        return self.scorer.by_model(*self._prepared(block), scratch)

    def _prepared(self, block):
        """The chunk as the compiled scorer takes it, and its namespace."""
        if self.frame_dtype is not None:
            block = _frames.to_numpy(block, self.frame_dtype)
        if sp.issparse(block):
            return block, np
        if self.home is None and self.xp is not np:
            block = self.xp.asarray(block)  # streamed to the device
        return block, self.xp


class JointScorer(_Chunking):
    """Scores chunks of one pool with several models: a list of score arrays.

    When every model's compiled scorer stacks into one
    (:func:`skhnm._compiled.stack_scorers`: linear models into one matrix
    product, SVMs of one kernel into one expansion over the union of their
    support vectors), a chunk costs one product; otherwise each model scores
    the same chunk, read once.
    """

    def __init__(self, models, X, response_method, pos_label, xp=None):
        self.n_models = len(models)
        parts = [ChunkScorer(m, X, response_method, pos_label, xp) for m in models]
        stacked = None
        if len(parts) > 1 and all(p.compiled for p in parts):
            stacked = stack_scorers([p.scorer for p in parts])
        if stacked is not None:
            parts = [
                ChunkScorer(None, X, response_method, pos_label, xp, scorer=stacked)
            ]
        self.parts, self.stacked = parts, stacked is not None
        # Temporaries of a stacked dense product are reused, one set a thread.
        self._reuse = self.stacked and not self.threads_help
        self._local = threading.local()
        kinds = {id(p.xp) for p in parts}
        # Mixed namespaces (some compiled, some not): scores meet on the host.
        self.xp = parts[0].xp if len(kinds) == 1 else np

    @property
    def compiled(self):
        return all(p.compiled for p in self.parts)

    @property
    def compiled_models(self):
        """Whether each model is scored by a compiled scorer."""
        if self.stacked:
            return [True] * self.n_models
        return [p.compiled for p in self.parts]

    @property
    def scratch(self):
        """This thread's reused temporaries (None: none are reused)."""
        if not self._reuse:
            return None
        if not hasattr(self._local, "scratch"):
            self._local.scratch = Scratch()
        return self._local.scratch

    @property
    def chunk_threads(self):
        """Threads of skhnm's own for a compiled product on the host CPU, one
        BLAS thread each; 0 where the chunks run as :attr:`threads_help` says.

        Right after a fit, BLAS's own threads (and those of the second BLAS
        that SciPy loads) still spin on every core: a product split over them
        is slower than chunks on threads of our own, which also spread the
        cut (benchmarks/bench_fit.py, bench_multiclass.py). One model's
        product takes as many threads as BLAS would; a stacked product of
        several, half as many (its temporaries then stay in cache).
        """
        if len(self.parts) > 1 or self.xp is not np or not self.compiled:
            return 0
        if self.parts[0].scorer.elementwise_bound:
            return 0
        n_blas = blas_thread_count()
        return max(1, n_blas // 2) if self.n_models > 1 else n_blas

    @property
    def threads_help(self):
        return any(p.threads_help for p in self.parts)

    def __call__(self, block):
        """One 1-D score array per model, in namespace :attr:`xp`."""
        if self.stacked:
            # One row per model: the selectors then read contiguous scores.
            scores = self.parts[0].by_model(block, self.scratch)
            return [scores[k, ...] for k in range(self.n_models)]
        out = [p(block) for p in self.parts]
        if self.xp is np:
            out = [
                a if isinstance(a, np.ndarray) else _namespace.to_numpy(a) for a in out
            ]
        return out

    def score_matrix(self, block):
        """The chunk's scores as one (models x rows) array of namespace
        :attr:`xp` (compiled models only)."""
        if self.stacked:
            return self.parts[0].by_model(block, self.scratch)
        scores = [p(block) for p in self.parts]
        if len(scores) == 1:
            return self.xp.expand_dims(scores[0], axis=0)
        return self.xp.stack(scores)


def read_block(X, lo, hi, rows=None):
    """A chunk of the pool to score, in `X`'s own container (never moved):
    `X[lo:hi]` as a view, or `X[rows]` (a copy)."""
    home = _namespace.namespace_of(X)
    if rows is not None:
        if home is not None:
            return _namespace.take(home, X, rows)
        if isinstance(X, np.ndarray) or sp.issparse(X):
            return X[rows]
        return _frames.take(X, rows)
    if home is not None:
        return X[lo:hi, ...]
    return _frames.row_slice(X, lo, hi)


def score_rows(estimator, X, rows, scoring=None, *, compiled=True, **scoring_params):
    """Hardness scores of `X[rows]`, computed chunk by chunk.

    Parameters
    ----------
    estimator : fitted classifier
    X : array-like, sparse matrix, DataFrame or array-API array
        The pool, of shape (n_samples, n_features); only `rows` are read.
    rows : ndarray of int, sorted ascending
        The rows to score.
    scoring : skhnm._pools.Scoring or None
        The response method, positive class, batch size, threads and device
        namespace; None builds one from `scoring_params`.
    compiled : bool, default=True
        Use a compiled scorer when the estimator has one (False: the
        estimator's own method, for the benchmarks' comparisons).
    **scoring_params
        The fields of a :class:`~skhnm._pools.Scoring`, when `scoring` is None:
        `response_method` and `pos_label`, and optionally `batch_size` (rows
        per chunk; None picks one from the row size), `n_jobs` (threads
        scoring host chunks with the estimator's own method; BLAS is held to
        one thread each meanwhile) and `xp` (where a dense host pool is
        scored by a compiled scorer: CuPy streams it to the GPU).

    Returns
    -------
    scores : ndarray of shape (len(rows),), dtype float64

    Raises
    ------
    ValueError
        If any score is NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> model = LogisticRegression().fit(X, [0] * 5 + [1] * 5)
    >>> rows = np.array([0, 1, 2, 7, 9])
    >>> scores = score_rows(model, X, rows, response_method="predict_proba",
    ...                     pos_label=1, batch_size=2)
    >>> bool(np.allclose(scores, model.predict_proba(X[rows])[:, 1]))
    True
    """
    if scoring is None:
        scoring = Scoring(**scoring_params)
    rows = np.asarray(rows)
    scores = np.empty(rows.shape[0], dtype=np.float64)
    if rows.size == 0:
        return scores
    s = scoring
    scorer = ChunkScorer(estimator, X, s.response_method, s.pos_label, s.xp, compiled)
    step = scorer.batch_size(X, s.batch_size)

    def run(start, stop):
        chunk = rows[start:stop]
        lo, hi = int(chunk[0]), int(chunk[-1]) + 1
        if reads_slice(chunk.shape[0], hi - lo, scorer.compiled):
            block_scores = scorer(read_block(X, lo, hi))
            if hi - lo > chunk.shape[0]:
                xp = scorer.xp
                at = xp.asarray(chunk - lo, device=_namespace.device_of(block_scores))
                block_scores = xp.take(block_scores, at)
        else:
            block_scores = scorer(read_block(X, None, None, chunk))
        if not isinstance(block_scores, np.ndarray):  # only device scores cross
            block_scores = _namespace.to_numpy(block_scores)
        scores[start:stop] = block_scores
        return stop - start

    chunks = [
        (lo, min(lo + step, rows.shape[0])) for lo in range(0, rows.shape[0], step)
    ]
    run_chunks(run, chunks, scorer.n_threads(s.n_jobs))
    return check_scores(scores)


def reads_slice(n_wanted, span, compiled):
    """Whether `n_wanted` rows spread over `span` are read as one slice.

    Reading a few extra rows (their scores dropped) costs a compiled scorer
    less than copying the wanted ones; an estimator's own method sees
    exactly the rows that need scores.
    """
    return n_wanted == span or (compiled and n_wanted * _MAX_SPAN >= span)


def select_pass(X, scoring, chunk_codes, n_total, models, cuts, progress=None):
    """One pass over the rows of `X` outside any working set: the cuts.

    Parameters
    ----------
    X : the pool's rows (host container or array-API array)
    scoring : skhnm._pools.Scoring
    chunk_codes : list of callables ``codes(lo, hi)``
        One per model: the codes (:mod:`skhnm._pools._codes`) of rows
        ``lo:hi``, in the namespace where the pass masks them; a row is
        scored for a model when its code is negative.
    n_total : int
        Rows the pass reads for progress reports.
    models, cuts : lists of fitted models and their :class:`Cut`
    progress : callable ``progress(n_done, n_total)`` or None

    Returns one :class:`~skhnm._selection.Selection` per model, NaN
    unchecked: the rows a case-control draw added (`drawn`), where the cut
    carries one that no cap can change (:class:`~skhnm._draw.PassDraw`),
    else the rows kept. A chunk is read once for every model: as a slice
    when its rows outside any working set are dense (:func:`reads_slice`),
    else gathered. Each selector or draw sees the scores of its own rows
    outside.
    """
    s = scoring
    scorer = JointScorer(models, X, s.response_method, s.pos_label, s.xp)
    xp = scorer.xp
    if scorer.compiled and xp is not np and scorer.parts[0].home is not None:
        return _device_pass(X, scorer, chunk_codes, cuts, s, progress, n_total)
    n_rows = _frames.n_rows(X)
    # A case-control draw that no cap can change is made in the pass, where
    # the scores are: the pass then holds the rows drawn, not every
    # candidate. The other cuts keep their rows for the host to cut.
    selectors = [
        PassDraw(cut, xp, None, n_rows) if draws_in_place(cut) else Selector(cut, xp)
        for cut in cuts
    ]
    draws = any(isinstance(selector, PassDraw) for selector in selectors)
    single = len(chunk_codes) == 1
    step = gather_step = scorer.batch_size(X, s.batch_size)
    if (
        s.batch_size is None
        and single
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

    def run(lo, hi):
        codes = [chunk(lo, hi) for chunk in chunk_codes]
        masks = [c < 0 for c in codes]
        counts = [_namespace.count_nonzero(mask) for mask in masks]
        outside = masks[0] if single else _any(masks)
        n_out = counts[0] if single else _namespace.count_nonzero(outside)
        if n_out == 0:
            return 0
        # A draw in a device namespace reads whole slices: it could not
        # scatter gathered rows' scores there (the standard has no scatter).
        if reads_slice(n_out, hi - lo, scorer.compiled) or (draws and xp is not np):
            # Rows inside a working set are read too; their scores are
            # masked off, and no mask at all where every row counts.
            parts = [(read_block(X, lo, hi), lo, masks)]
            keep_mask = [n_k != hi - lo for n_k in counts]
        else:
            wanted = _namespace.flat_nonzero(outside)
            parts = (
                (
                    read_block(X, None, None, at + lo),
                    at + lo,
                    [_namespace.pick(m, at) for m in masks],
                )
                for at in (
                    wanted[i : min(i + gather_step, n_out)]
                    for i in range(0, n_out, gather_step)
                )
            )
            # The gathered rows of the only view all count.
            keep_mask = [not single] * len(masks)
            counts = [None] * len(masks)
        drawn = {}  # a draw's scores of the chunk's rows, however read
        for block, rows, block_masks in parts:
            scores = scorer(block)
            rows = rows if isinstance(rows, int) else _into(xp, rows)
            for k, selector in enumerate(selectors):
                if isinstance(selector, PassDraw):
                    if isinstance(rows, int):
                        drawn[k] = scores[k]
                    else:  # rows in a working set are left unread: NaN
                        if k not in drawn:
                            drawn[k] = xp.full((hi - lo,), math.nan, dtype=xp.float64)
                        drawn[k][rows - lo] = scores[k]
                    continue
                mask = _into(xp, block_masks[k]) if keep_mask[k] else None
                n_k = counts[k] if keep_mask[k] else None
                selector.add(scores[k], rows, mask, n_k)
        for k, scores in drawn.items():
            selectors[k].add(scores, lo, _into(xp, codes[k]))
        return n_out

    ranges = [(lo, min(lo + step, n_rows)) for lo in range(0, n_rows, step)]
    n_threads = scorer.chunk_threads
    if n_threads and draws:
        # A draw is a dozen elementwise passes over a chunk's rows a
        # detector: it keeps every core busy where a stacked product alone
        # would be bound by memory.
        n_threads = max(n_threads, blas_thread_count())
    if n_threads:
        with blas_threads(1):
            run_chunks(run, ranges, n_threads, progress, n_total)
    else:
        run_chunks(run, ranges, scorer.n_threads(s.n_jobs), progress, n_total)
    selections = [selector.finish() for selector in selectors]
    for selection, compiled in zip(selections, scorer.compiled_models, strict=True):
        selection.compiled = compiled
    return selections


def _device_pass(X, scorer, chunk_codes, cuts, scoring, progress, n_total):
    """:func:`select_pass` of a pool that lives where it is scored (a device).

    Chunks are slices as long as the device's free memory allows (the whole
    pool, often), their rows in a working set masked off rather than
    gathered out, and every detector is cut at once by a
    :class:`~skhnm._device_cut.DeviceCut`: nothing waits for the device
    until the pass ends. A case-control draw that no cap can change is made
    in the pass (:class:`~skhnm._draw.PassDraw`): only the rows it
    adds cross. Progress is reported by rows read, scaled to `n_total`.
    """
    xp, n_rows = scorer.xp, X.shape[0]
    n_models = len(chunk_codes)
    step = scoring.batch_size or device_batch_size(
        X, n_models, _namespace.free_device_bytes(xp)
    )
    device = _namespace.device_of(X)
    # Case-control draws are made in the pass; the other cuts, fused.
    draws = {
        d: PassDraw(c, xp, device, n_rows)
        for d, c in enumerate(cuts)
        if draws_in_place(c)
    }
    plain = [d for d in range(n_models) if d not in draws]
    at = xp.asarray(plain, dtype=xp.int64, device=device)
    expected = max((cuts[d].expect or 0 for d in plain), default=0)
    capacity = max(initial_capacity(n_rows), min(n_rows, expected))
    selections = [None] * n_models
    while True:
        cut = DeviceCut([cuts[d] for d in plain], xp, device, capacity)
        for lo in range(0, n_rows, step):
            hi = min(lo + step, n_rows)
            scores = scorer.score_matrix(read_block(X, lo, hi))
            codes = xp.stack([chunk(lo, hi) for chunk in chunk_codes])
            for d, draw in draws.items():
                draw.add(scores[d, :], lo, codes[d, :])
            if plain and draws:  # the fused cut's detectors alone
                scores, codes = xp.take(scores, at, axis=0), xp.take(codes, at, axis=0)
            if plain:
                cut.add(scores, lo, codes)
            if progress is not None:
                progress(n_total * hi // n_rows, n_total)
        for d in list(draws):  # drawn once: a draw rewrites the lifts it read
            selections[d] = draws.pop(d).finish()
        found = cut.finish() if plain else []
        if found is not None:
            break
        # More hard rows than the buffers held: again, with room for all.
        capacity = cut.needed
    for d, selection in zip(plain, found, strict=True):
        selections[d] = selection
    return selections  # compiled, every model: a Selection's default


def device_batch_size(X, n_models, free):
    """Rows per chunk of a pool that lives on a device with `free` bytes
    free (:func:`skhnm._namespace.free_device_bytes`; None: unknown).

    A chunk is a view of the pool; what it allocates is a dozen numbers a
    row and detector at most (scores, their float64 copy, codes; a draw's
    log-odds, lifts, keep probabilities and uniforms), so chunks take a
    share of the device's free memory: on a GPU, often the whole pool.
    Without a reading of free memory, :func:`auto_batch_size`'s device size.
    """
    if free is None:
        return auto_batch_size(X, device=True)
    per_row = n_models * _DEVICE_BYTES_PER_SCORE
    return max(_MIN_BATCH, int(free * _DEVICE_MEMORY_SHARE) // per_row)


def _any(masks):
    """Rows outside at least one working set."""
    out = masks[0] | masks[1]
    for mask in masks[2:]:
        out |= mask
    return out


def _into(xp, a):
    """`a` (a mask or row indices) in namespace `xp`, where the scores are."""
    if xp is np:
        return a if isinstance(a, np.ndarray) else _namespace.to_numpy(a)
    return xp.asarray(a)
