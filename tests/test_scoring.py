import math
import threading

import array_api_strict
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from skhnm._pools import Scoring, as_pool
from skhnm._scoring import (
    auto_batch_size,
    positive_scores,
    reads_slice,
    resolve_response_method,
    score_rows,
)
from skhnm._selection import Cut
from skhnm._threads import blas_thread_count


@pytest.fixture
def fitted(imbalanced):
    X, y = imbalanced
    return LogisticRegression().fit(X, y), X, y


@pytest.mark.parametrize("batch_size", [None, 1, 7, 256, 10_000])
def test_score_rows_matches_estimator_in_any_chunking(fitted, batch_size):
    model, X, _ = fitted
    rows = np.sort(np.random.default_rng(0).choice(X.shape[0], 777, replace=False))
    scores = score_rows(
        model,
        X,
        rows,
        response_method="decision_function",
        pos_label=1,
        batch_size=batch_size,
    )
    np.testing.assert_allclose(scores, model.decision_function(X[rows]), rtol=1e-12)


def test_score_rows_on_sparse_and_contiguous_rows(fitted):
    model, X, _ = fitted
    rows = np.arange(100, 900)
    dense = score_rows(model, X, rows, response_method="decision_function", pos_label=1)
    sparse = score_rows(
        model, sp.csr_matrix(X), rows, response_method="decision_function", pos_label=1
    )
    np.testing.assert_allclose(dense, sparse, rtol=1e-10)


def test_positive_scores_orientation(fitted):
    model, X, _ = fitted
    decision = model.decision_function(X[:20])
    proba = model.predict_proba(X[:20])
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "decision_function", 1), decision
    )
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "decision_function", 0), -decision
    )
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "predict_proba", 0), proba[:, 0]
    )
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "predict_proba", 1), proba[:, 1]
    )


def test_resolve_response_method():
    assert resolve_response_method(LogisticRegression(), "auto") == "decision_function"
    assert resolve_response_method(DecisionTreeClassifier(), "auto") == "predict_proba"
    with pytest.raises(ValueError, match="response_method='predict_proba'"):
        resolve_response_method(SVC(), "predict_proba")


def test_nan_scores_raise(fitted):
    _, X, _ = fitted

    class NaNModel(ClassifierMixin, BaseEstimator):
        def __init__(self):
            self.classes_ = np.array([0, 1])

        def fit(self, X, y):
            return self

        def decision_function(self, X):
            out = np.zeros(X.shape[0])
            out[::2] = np.nan
            return out

    with pytest.raises(ValueError, match="infinite scores for 5 of 10 pool rows"):
        score_rows(
            NaNModel(),
            X,
            np.arange(10),
            response_method="decision_function",
            pos_label=1,
        )


def test_auto_batch_size_bounds_chunk_bytes():
    assert auto_batch_size(np.empty((10, 8), dtype=np.float64)) == 65_536
    wide = np.empty((10, 100_000), dtype=np.float64)
    assert auto_batch_size(wide) == 256
    mid = np.empty((10, 512), dtype=np.float32)
    assert auto_batch_size(mid) * 512 * 4 <= 8 * 2**20


def test_auto_batch_size_of_a_sparse_pool_follows_its_entries_when_kept_sparse():
    # 10,000 columns but about 10 entries a row: 12 bytes an entry.
    X = sp.random(2000, 10_000, density=0.001, format="csr", random_state=0)
    by_width = auto_batch_size(X)
    assert by_width == 256  # an estimator's own method may densify a chunk
    kept = auto_batch_size(X, keeps_sparse=True)
    per_row = X.nnz / X.shape[0] * 12 + 4
    assert kept == min(65_536, int(8 * 2**20 // math.ceil(per_row)))
    assert kept > 100 * by_width


# ---------------------------------------------------------------- the engine


def _layouts(X, tmp_path):
    path = tmp_path / "pool.dat"
    mm = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    pd = pytest.importorskip("pandas")
    return {
        "dense": X,
        "memmap": np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape),
        "csr": sp.csr_matrix(X),
        "frame": pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])]),
    }


def test_rows_close_together_are_read_as_one_slice_by_compiled_scorers():
    # Consecutive rows: a slice for any scorer.
    assert reads_slice(4, 4, compiled=True) and reads_slice(4, 4, compiled=False)
    # Rows 10, 11, 13, 14 span 5: a compiled scorer reads the span, an
    # estimator's own method sees only the wanted rows (gathered).
    assert reads_slice(4, 5, compiled=True) and not reads_slice(4, 5, compiled=False)
    # Rows 100 and 200: gathered.
    assert not reads_slice(2, 101, compiled=True)


@pytest.mark.parametrize(
    "est",
    [LogisticRegression(), SVC(), DecisionTreeClassifier(random_state=0)],
    ids=["compiled_linear", "compiled_kernel", "estimator_method"],
)
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
def test_chunking_threads_and_layouts_never_change_scores(imbalanced, tmp_path, est):
    X, y = imbalanced
    model = est.fit(X, y)
    method = resolve_response_method(model, "auto")
    rng = np.random.default_rng(0)
    # Runs of consecutive rows, close rows and far-apart rows: every read.
    rows = np.unique(
        np.concatenate(
            [np.arange(50, 400), rng.choice(2000, 300, replace=False), [1999]]
        )
    )
    reference = score_rows(model, X, rows, response_method=method, pos_label=1)
    expected = positive_scores(model, X[rows], method, 1)
    np.testing.assert_allclose(reference, expected, rtol=1e-6, atol=1e-10)
    for name, pool in _layouts(X, tmp_path).items():
        if name == "csr" and isinstance(est, SVC):
            continue  # an SVC fitted on dense rows refuses sparse ones
        for batch_size, n_jobs in [(None, None), (1, 1), (37, 2), (500, -1)]:
            got = score_rows(
                model,
                pool,
                rows,
                response_method=method,
                pos_label=1,
                batch_size=batch_size,
                n_jobs=n_jobs,
            )
            np.testing.assert_allclose(
                got, reference, rtol=1e-9, atol=1e-12, err_msg=name
            )
            if name != "csr":
                assert np.array_equal(np.argsort(got), np.argsort(reference))


def test_a_host_pool_streams_to_another_namespace(imbalanced):
    """The code path of device='cuda', run with array-api-strict on the CPU."""
    X, y = imbalanced
    model = SVC().fit(X, y)
    rows = np.arange(3, 1900, 2)
    host = score_rows(model, X, rows, response_method="decision_function", pos_label=1)
    streamed = score_rows(
        model,
        X,
        rows,
        response_method="decision_function",
        pos_label=1,
        xp=array_api_strict,
        batch_size=100,
    )
    np.testing.assert_allclose(streamed, host, rtol=1e-9, atol=1e-12)


def test_a_namespace_pool_is_scored_where_it_lives(imbalanced, crossings):
    X, y = imbalanced
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    rows = np.flatnonzero(y == 0)
    left = crossings
    pool = array_api_strict.asarray(X)
    got = score_rows(
        model, pool, rows, response_method="predict_proba", pos_label=1, batch_size=64
    )
    np.testing.assert_allclose(
        got, model.predict_proba(X[rows])[:, 1], rtol=1e-6, atol=1e-12
    )
    # Only scores (1-D) crossed; no row of the pool did.
    assert left and all(len(shape) == 1 for shape in left)

    # Without a compiled scorer the chunks go to the host for the estimator.
    left.clear()
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    got = score_rows(
        tree, pool, rows, response_method="predict_proba", pos_label=1, batch_size=500
    )
    np.testing.assert_array_equal(got, tree.predict_proba(X[rows])[:, 1])
    assert any(len(shape) == 2 for shape in left)


def test_a_pass_reports_its_progress_after_every_chunk(fitted):
    model, X, _ = fitted
    pool = as_pool(X[:1000]).view(Scoring("decision_function", 1, batch_size=300), "i2")
    pool.start(np.empty(0, dtype=int), np.empty(0, dtype=int))
    seen = []
    pool.select(model, Cut(0.0), lambda done, total: seen.append((done, total)))
    # Chunks may finish out of order on the pass's threads: one report each,
    # counting up by a chunk's rows to the whole pool.
    done = [d for d, _ in seen]
    assert {total for _, total in seen} == {1000}
    assert sorted(np.diff([0, *done])) == [100, 300, 300, 300]
    assert done[-1] == 1000


def test_an_error_in_a_thread_stops_the_pass_and_its_threads(fitted):
    _, X, _ = fitted

    class Failing(ClassifierMixin, BaseEstimator):
        def __init__(self):
            self.classes_ = np.array([0, 1])

        def fit(self, X, y):
            return self

        def decision_function(self, X):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_rows(
            Failing(),
            X,
            np.arange(2000),
            response_method="decision_function",
            pos_label=1,
            batch_size=10,
            n_jobs=2,
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("skhnm-score")]


_PRODUCTS = []  # (thread, BLAS threads) of each product of a recording pool


class _RecordingArray(np.ndarray):
    """A dense pool that notes where each matrix product runs (slices and
    gathers of it are recording arrays too)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.matmul:
            _PRODUCTS.append((threading.current_thread().name, blas_thread_count()))
        inputs = [
            np.asarray(a) if isinstance(a, _RecordingArray) else a for a in inputs
        ]
        if "out" in kwargs:
            kwargs["out"] = tuple(
                np.asarray(a) if isinstance(a, _RecordingArray) else a
                for a in kwargs["out"]
            )
        return getattr(ufunc, method)(*inputs, **kwargs)


class _RecordingCSR(sp.csr_matrix):
    """A CSR pool that notes where each product runs."""

    def __matmul__(self, other):
        _PRODUCTS.append((threading.current_thread().name, blas_thread_count()))
        return super().__matmul__(other)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("cut", [Cut(0.0), Cut(-4.0, k=40)], ids=["threshold", "k"])
def test_a_binary_pass_on_its_own_threads_cuts_as_one_thread(fitted, layout, cut):
    # A compiled product on the host runs its chunks on as many threads as
    # BLAS would use, each holding BLAS to one thread; the cut is the same
    # whatever the threads and the order in which chunks finish.
    model, X, _ = fitted
    data = X.view(_RecordingArray) if layout == "dense" else _RecordingCSR(X)
    working = np.arange(0, X.shape[0], 7)

    def select(n_blas, batch_size):
        pool = as_pool(data).view(Scoring("decision_function", 1, batch_size), "i2")
        pool.start(np.empty(0, dtype=int), np.empty(0, dtype=int))
        pool.enter(working, 0)
        with threadpool_limits(n_blas, user_api="blas"):
            return pool.select(model, cut)

    reference = select(1, None)
    _PRODUCTS.clear()
    threaded = select(4, 37)
    assert any(name.startswith("skhnm-score") for name, _ in _PRODUCTS)
    assert {n for _, n in _PRODUCTS} == {1}
    np.testing.assert_array_equal(threaded.rows, reference.rows)
    np.testing.assert_allclose(threaded.scores, reference.scores, rtol=1e-12)
    assert (threaded.n_hard, threaded.n_scored) == (
        reference.n_hard,
        reference.n_scored,
    )
    assert threaded.n_scored == X.shape[0] - working.size
    if cut.k is not None:
        assert threaded.rows.size == cut.k < threaded.n_hard
