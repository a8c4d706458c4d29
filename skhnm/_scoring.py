"""The scoring engine: (fitted estimator, chunk of a pool) -> hardness scores.

:class:`ChunkScorer` scores one chunk with one model, oriented towards
`pos_label`: by a compiled scorer (:mod:`skhnm._compiled`) where the model
has one, in the chunk's own namespace (NumPy, CuPy, any array-API library;
a dense host chunk can be streamed to a device namespace), else by the
estimator's own method on the host. Every pool (:mod:`skhnm._pool`) scores
its chunks with it: a round's selecting pass, which keeps only hard rows,
lives there.

:func:`score_rows` scores a few given rows (the working set's, the
positives'), chunk by chunk, and returns one float64 per row on the host,
NaN-checked. A chunk whose rows lie close together is read as one slice of
the pool (a view) and the unwanted rows' scores are dropped: reading a few
extra rows costs less than copying scattered ones.
"""

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from joblib import effective_n_jobs
from threadpoolctl import ThreadpoolController

from . import _namespace
from ._compiled import Scratch, compile_scorer, stack_scorers
from ._selection import check_scores

# Target size of one chunk of the pool, in bytes of its dense rows.
_CHUNK_BYTES = 8 * 2**20
_MIN_BATCH, _MAX_BATCH = 256, 65_536
_DEVICE_CHUNK_BYTES = 128 * 2**20
# A chunk is read as one slice when its rows span at most this many times
# their number; further apart they are gathered (copied).
_MAX_SPAN = 1.5


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
    value oriented so that `pos_label` is the positive side.
    """
    classes = estimator.classes_
    if response_method == "predict_proba":
        proba = estimator.predict_proba(X)
        return np.asarray(proba)[:, np.flatnonzero(classes == pos_label)[0]]
    decision = np.asarray(estimator.decision_function(X))
    if decision.ndim == 2:
        decision = decision[:, -1] if decision.shape[1] == 1 else decision[:, 1]
    # Binary decision functions are oriented towards classes_[1].
    return decision if pos_label == classes[1] else -decision


_controller = []


def _blas_controller():
    # Inspecting the loaded BLAS libraries takes milliseconds: do it once.
    if not _controller:
        _controller.append(ThreadpoolController())
    return _controller[0]


def auto_batch_size(X, device=False, keeps_sparse=False):
    """Rows per chunk so that a chunk holds about `_CHUNK_BYTES` of data.

    On a device (`device=True`) chunks are `_DEVICE_CHUNK_BYTES`: a chunk
    costs kernel launches and a synchronisation, which small chunks of a
    fast memory would not amortise. A sparse pool whose chunks stay sparse
    (`keeps_sparse`: a compiled scorer takes them as they are) is measured
    by its stored entries per row, not its width: sized by width, a
    10,000-column pool with 10 entries a row was cut into 256-row chunks
    whose slicing cost about 18 times the products. Chunks that an
    estimator's own method may densify keep the width's bound.
    """
    n_features = X.shape[1] if len(X.shape) > 1 else 1
    itemsize = getattr(getattr(X, "dtype", None), "itemsize", 8) or 8
    row_bytes = max(1, n_features * itemsize)
    if keeps_sparse and sp.issparse(X) and X.format == "csr" and X.shape[0]:
        index_bytes = X.indices.dtype.itemsize
        per_row = X.nnz / X.shape[0] * (itemsize + index_bytes) + index_bytes
        row_bytes = max(1, math.ceil(per_row))
    if device:
        return int(np.clip(_DEVICE_CHUNK_BYTES // row_bytes, _MIN_BATCH, 2**22))
    return int(np.clip(_CHUNK_BYTES // row_bytes, _MIN_BATCH, _MAX_BATCH))


def plan_chunks(rows, step, max_span=_MAX_SPAN):
    """Split sorted `rows` into chunks of `step` and decide how to read each.

    Yields ``(start, stop, how)``: the chunk is ``rows[start:stop]``, and
    `how` is "slice" when those rows are consecutive (read as a view),
    "span" when they span at most `max_span` times their number (the span is
    read as a view and the wanted scores are picked from its scores), else
    "gather" (the rows are copied out). Only integers are held, so a plan
    costs O(number of chunks).
    """
    n = rows.shape[0]
    for start in range(0, n, step):
        stop = min(start + step, n)
        span = int(rows[stop - 1]) - int(rows[start]) + 1
        if span == stop - start:
            how = "slice"
        elif span <= max_span * (stop - start):
            how = "span"
        else:
            how = "gather"
        yield start, stop, how


class ChunkScorer:
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
        if hasattr(X, "iloc") and self.scorer is not None:
            self.frame_dtype = _frame_dtype(X)
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
        (measured: 1.5x slower on two cores). A pool on a device, or scored
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
            block = block.to_numpy(dtype=self.frame_dtype)
        if sp.issparse(block):
            return block, np
        if self.home is None and self.xp is not np:
            block = self.xp.asarray(block)  # streamed to the device
        return block, self.xp


class JointScorer:
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
    def scratch(self):
        """This thread's reused temporaries (None: none are reused)."""
        if not self._reuse:
            return None
        if not hasattr(self._local, "scratch"):
            self._local.scratch = Scratch()
        return self._local.scratch

    @property
    def chunks_on_threads(self):
        """A stacked dense product of several models, on the host CPU: its
        chunks go on threads of their own, one BLAS thread each."""
        return (
            self.stacked
            and self.n_models > 1
            and self.xp is np
            and not self.parts[0].scorer.elementwise_bound
        )

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


def read_rows(X, lo, hi, rows=None):
    """`X[lo:hi]` as a view, or `X[rows]` (a copy), in `X`'s own container."""
    home = _namespace.namespace_of(X)
    if rows is not None:
        if home is not None:
            return _namespace.take(home, X, rows)
        return X.iloc[rows] if hasattr(X, "iloc") else X[rows]
    if home is not None:
        return X[lo:hi, ...]
    return X.iloc[lo:hi] if hasattr(X, "iloc") else X[lo:hi]


def _frame_dtype(frame):
    """A NumPy dtype for a DataFrame of plain numeric columns, else None."""
    dtypes = list(frame.dtypes)
    if not all(isinstance(d, np.dtype) and d.kind in "fiu" for d in dtypes):
        return None
    dtype = np.result_type(*dtypes)
    return dtype if dtype.kind == "f" else np.float64


def score_rows(
    estimator,
    X,
    rows,
    *,
    response_method,
    pos_label,
    batch_size=None,
    n_jobs=None,
    xp=None,
    compiled=True,
    progress=None,
):
    """Hardness scores of `X[rows]`, computed chunk by chunk.

    Parameters
    ----------
    estimator : fitted classifier
    X : array-like, sparse matrix, DataFrame or array-API array
        The pool, of shape (n_samples, n_features); only `rows` are read.
    rows : ndarray of int, sorted ascending
        The rows to score.
    response_method : {"predict_proba", "decision_function"}
    pos_label : object
        The positive class.
    batch_size : int, default=None
        Rows per chunk; None picks one from the row size.
    n_jobs : int, default=None
        Threads scoring host chunks in parallel with the estimator's own
        method (BLAS is held to one thread each meanwhile); compiled scorers
        leave the cores to BLAS. None or 1: one chunk at a time.
    xp : array namespace, default=None
        Where a dense host pool is scored by a compiled scorer (CuPy streams
        it to the GPU). None: NumPy. A pool living in a namespace is always
        scored there.
    compiled : bool, default=True
        Use a compiled scorer when the estimator has one.
    progress : callable ``progress(n_done, n_total)``, default=None
        Called after each chunk.

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
    rows = np.asarray(rows)
    scores = np.empty(rows.shape[0], dtype=np.float64)
    if rows.size == 0:
        return scores
    scorer = ChunkScorer(estimator, X, response_method, pos_label, xp, compiled)
    step = batch_size or auto_batch_size(
        X, device=scorer.xp is not np, keeps_sparse=scorer.compiled
    )
    lock, done = threading.Lock(), [0]

    def run(start, stop, how):
        chunk = rows[start:stop]
        if how == "gather":
            block_scores = scorer(read_rows(X, None, None, chunk))
        else:
            lo, hi = int(chunk[0]), int(chunk[-1]) + 1
            block_scores = scorer(read_rows(X, lo, hi))
            if how == "span":
                xp = scorer.xp
                block_scores = xp.take(
                    block_scores,
                    xp.asarray(chunk - lo, device=_namespace.device_of(block_scores)),
                )
        if not isinstance(block_scores, np.ndarray):
            block_scores = _namespace.to_numpy(block_scores)
        scores[start:stop] = block_scores
        with lock:
            done[0] += stop - start
            if progress is not None:
                progress(done[0], rows.shape[0])

    # Extra rows are read only for a compiled scorer, whose cost is reading;
    # an estimator's own method sees exactly the rows that need scores.
    chunks = list(plan_chunks(rows, step, _MAX_SPAN if scorer.compiled else 1.0))
    n_threads = effective_n_jobs(n_jobs) if scorer.threads_help else 1
    run_chunks(run, chunks, n_threads)
    return check_scores(scores)


def run_chunks(run, chunks, n_threads):
    """``run(*chunk)`` for every chunk, on `n_threads` threads when above 1."""
    if n_threads == 1 or len(chunks) == 1:
        for chunk in chunks:
            run(*chunk)
    else:
        _run_threaded(run, chunks, n_threads)


def blas_thread_count():
    """The threads BLAS would use now (the most of any BLAS loaded)."""
    libs = _blas_controller().select(user_api="blas").lib_controllers
    return max((lib.num_threads for lib in libs), default=1)


def blas_threads(n):
    """A context in which BLAS runs on `n` threads."""
    return _blas_controller().limit(limits=n, user_api="blas")


def _run_threaded(run, chunks, n_threads):
    """Run the chunks on threads: NumPy, BLAS and libsvm release the GIL.

    The pool is shared, never pickled, and BLAS is held to one thread per
    chunk so the threads do not oversubscribe the cores. A plain executor:
    joblib's dispatch costs milliseconds a pass, as much as a linear pass
    over millions of rows. An exception (KeyboardInterrupt included) cancels
    the chunks not yet started and waits for the running ones, so no thread
    outlives the pass.
    """
    with blas_threads(1):
        executor = ThreadPoolExecutor(n_threads, thread_name_prefix="skhnm-score")
        try:
            for future in [executor.submit(run, *chunk) for chunk in chunks]:
                future.result()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
