import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skhnm._namespace import cuda_namespace


def pytest_collection_modifyitems(config, items):
    """Tests marked `gpu` run only where CuPy finds a CUDA device."""
    if not any("gpu" in item.keywords for item in items):
        return
    if cuda_namespace() is not None:
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def imbalanced():
    """2,000 rows, about 3% positives, hard enough that mining finds work."""
    X, y = make_classification(
        n_samples=2000,
        n_features=10,
        n_informative=5,
        weights=[0.97],
        class_sep=0.8,
        flip_y=0.0,
        random_state=0,
    )
    return X, y


@pytest.fixture
def detection():
    """3,000 rows: a background (0) of 91% and three object classes."""
    X, y = make_classification(
        n_samples=3000,
        n_features=8,
        n_informative=6,
        n_redundant=0,
        n_classes=4,
        n_clusters_per_class=1,
        weights=[0.91, 0.03, 0.03, 0.03],
        class_sep=1.0,
        random_state=0,
    )
    return X, y


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """LogisticRegression on all but column 0, which holds each row's id.

    Every call records the row ids it saw in the class-level `log`, so a test
    can tell which rows were trained on and which were scored.
    """

    log: list = []

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y, sample_weight=None):
        self.model_ = LogisticRegression(C=self.C).fit(
            X[:, 1:], y, sample_weight=sample_weight
        )
        self.classes_ = self.model_.classes_
        weights = None if sample_weight is None else np.asarray(sample_weight)
        self.log.append(("fit", X[:, 0].astype(int), weights, X.dtype))
        return self

    def decision_function(self, X):
        self.log.append(("score", X[:, 0].astype(int), None, X.dtype))
        return self.model_.decision_function(X[:, 1:])

    def predict(self, X):
        return self.model_.predict(X[:, 1:])


@pytest.fixture
def recording():
    RecordingClassifier.log = []
    yield RecordingClassifier
    RecordingClassifier.log = []


def with_ids(X):
    """Prepend a column of row ids (for RecordingClassifier)."""
    return np.column_stack([np.arange(X.shape[0]), X])


def _assert_same_fit(a, b):
    """Two fitted classifiers mined the same working set in the same rounds."""
    np.testing.assert_array_equal(a.negative_indices_, b.negative_indices_)
    np.testing.assert_array_equal(a.mined_round_, b.mined_round_)
    for key in (
        "n_negatives",
        "n_scored",
        "n_hard",
        "n_added",
        "n_random",
    ):
        assert a.history_[key] == b.history_[key], key
    # The case-control weights come from scores, equal to rounding.
    np.testing.assert_allclose(
        a.history_["random_weight"], b.history_["random_weight"], rtol=1e-9
    )
    assert a.history_["n_evicted"] == b.history_["n_evicted"]
    assert a.termination_condition_ == b.termination_condition_


@pytest.fixture
def same_fit():
    """The assertion that two fits are the same run (layouts, engines, devices)."""
    return _assert_same_fit


@pytest.fixture
def crossings(monkeypatch):
    """Shapes of the arrays that leave an array namespace, in order.

    Every crossing goes through ``skhnm._namespace.to_numpy``; this fixture
    watches it.
    """
    from skhnm import _namespace

    seen = []
    real = _namespace.to_numpy

    def spy(a):
        seen.append(tuple(a.shape))
        return real(a)

    monkeypatch.setattr(_namespace, "to_numpy", spy)
    return seen


class ScriptedModel(ClassifierMixin, BaseEstimator):
    """A fitted binary "model" whose scores are a function of the row ids
    (column 0).

    `tag` is whatever the scripted fit returned (its round, by default);
    `score(tag, rows, round)` gives the scores of `rows`.
    """

    def __init__(self, tag, score, rnd):
        self.tag, self.score, self.rnd = tag, score, rnd
        self.classes_ = np.array([0, 1])

    def fit(self, X, y):  # fitted by construction
        return self

    def decision_function(self, X):
        return np.asarray(self.score(self.tag, X[:, 0].astype(int), self.rnd), float)


def mine_scripted(
    score,
    *,
    n_rows,
    positives,
    initial,
    fit=None,
    validate=None,
    protected=None,
    rng=None,
    batch_size=None,
    **settings,
):
    """Run skhnm's loop over a real pool whose scores a script decides.

    The pool is an ArrayPool of row ids; `fit(rows, round)` returns a tag
    (the round by default) and `score(tag, rows, round)` scores rows. Returns
    the result, with `entered_round` (per row) and `fits` (each fit's rows
    and weights) attached.
    """
    from skhnm._mining import Learner, Settings, Task, mine_jointly
    from skhnm._pools import Scoring, round_dtype
    from skhnm._pools._host import ArrayPool

    X = np.arange(n_rows, dtype=float).reshape(-1, 1)
    pool = ArrayPool(X, Scoring("decision_function", 1, batch_size=batch_size))
    pool.start(np.asarray(positives), np.empty(0, dtype=int))
    fit = fit or (lambda rows, rnd: rnd)
    fits = []

    def fit_scripted(rows, rnd, weights):
        fits.append((rows.copy(), None if weights is None else weights.copy()))
        return ScriptedModel(fit(rows, rnd), score, rnd)

    learner = Learner(
        fit=fit_scripted,
        protected=protected,
        validate=None if validate is None else (lambda model: validate(model.tag)),
    )
    task = Task(
        pool, np.asarray(positives), initial, learner, Settings(**settings), rng
    )
    (result,) = mine_jointly([task])
    result.entered_round = pool.entered_round(
        result.best_round, round_dtype(settings["max_rounds"])
    )
    result.fits = fits
    return result


@pytest.fixture
def task():
    """6,000 rows, 3% positives, several rounds of mining (rounds, warm starts)."""
    X, y = make_classification(
        n_samples=6000,
        n_features=12,
        n_informative=6,
        weights=[0.97],
        class_sep=0.8,
        flip_y=0.0,
        random_state=1,
    )
    return X, y


def counted_lazy_pool(X, rows_per_block):
    """`X` as a Dask array computed block by block on demand (as a pool of
    features computed from images is), and the list its blocks' computations
    are counted in."""
    import dask
    import dask.array as da

    computed = []

    def block(lo, hi):
        computed.append(lo)
        return X[lo:hi]

    parts = [
        da.from_delayed(
            dask.delayed(block, pure=False)(lo, min(lo + rows_per_block, len(X))),
            (min(rows_per_block, len(X) - lo), X.shape[1]),
            dtype=X.dtype,
        )
        for lo in range(0, len(X), rows_per_block)
    ]
    return da.concatenate(parts), computed
