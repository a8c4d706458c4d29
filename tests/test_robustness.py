"""Every input either fits consistently or raises a clear ValueError/TypeError.

Property-based (Hypothesis) over shapes, dtypes, class balance, label types,
parameters and pool layouts, plus the degenerate cases named one by one.
"""

import warnings
from functools import partial

import array_api_strict
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import HardNegativeMiningClassifier, MulticlassHardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)

LABELS = {
    "int": (0, 1),
    "str": ("background", "face"),
    "bool": (False, True),
    "float": (-1.0, 2.5),
}
ESTIMATORS = {
    "logistic": lambda: LogisticRegression(max_iter=200),
    "linear_svc": lambda: LinearSVC(),
    "svc": lambda: SVC(),
    "tree": lambda: DecisionTreeClassifier(max_depth=3),
    "constant": lambda: DummyClassifier(strategy="most_frequent"),
}


@st.composite
def problems(draw):
    n_pos = draw(st.integers(1, 12))
    n_neg = draw(st.integers(1, 80))
    n_features = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(["float64", "float32", "int64"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=(n_pos + n_neg, n_features))
    X[:n_pos] += draw(st.floats(0.0, 3.0))  # class separation
    if draw(st.booleans()):
        X[:, 0] = 7.0  # a constant feature
    if draw(st.booleans()):
        X[n_pos + n_neg // 2 :] = X[n_pos]  # duplicated rows
    X = (X * 10).astype(dtype) if dtype == "int64" else X.astype(dtype)
    neg_label, pos_label = LABELS[draw(st.sampled_from(sorted(LABELS)))]
    y = np.array([pos_label] * n_pos + [neg_label] * n_neg, dtype=object)
    if not isinstance(pos_label, str):
        y = y.astype(type(pos_label))
    order = rng.permutation(y.size)
    return X[order], y[order], pos_label


@st.composite
def parameters(draw):
    return dict(
        ratio=draw(st.sampled_from([0.05, 0.5, 1.0, 3.0, 20.0])),
        threshold=draw(st.sampled_from(["auto", -1e9, -1.0, 0.0, 0.9])),
        max_rounds=draw(st.integers(0, 4)),
        max_hard_per_round=draw(st.sampled_from([None, 1, 5, 0.5, 2.0])),
        evict_threshold=draw(st.sampled_from([None, -1.2, 0.3])),
        max_negatives=draw(st.sampled_from([None, 1, 10, 0.5, 3.0])),
        response_method=draw(
            st.sampled_from(["auto", "decision_function", "predict_proba"])
        ),
        n_iter_no_change=draw(st.sampled_from([None, 2])),
        batch_size=draw(st.sampled_from(["auto", 1, 7])),
        n_jobs=draw(st.sampled_from([None, 2])),
    )


def _layout(X, name):
    if name == "csr":
        return sp.csr_matrix(X)
    if name == "array_api":
        return array_api_strict.asarray(X)
    if name == "frame":
        import pandas as pd

        return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    return X


def _check_fitted(clf, X, y, pos_label):
    n = y.shape[0]
    negatives = np.flatnonzero(y != pos_label)
    assert set(clf.classes_.tolist()) == set(np.unique(y).tolist())
    assert clf.pos_label_ == pos_label
    assert np.all(np.diff(clf.negative_indices_) > 0)
    assert np.all(np.isin(clf.negative_indices_, negatives))
    assert clf.mined_round_.shape == (n,)
    assert np.all(clf.mined_round_[clf.negative_indices_] >= 0)
    assert np.all(clf.mined_round_[clf.validation_indices_] == -1)
    for values in clf.history_.values():
        assert len(values) == clf.n_rounds_ + 1
    assert 0 <= clf.best_round_ <= clf.n_rounds_
    assert clf.termination_condition_ in (
        "no_hard_negatives",
        "max_rounds",
        "early_stopping",
        "pool_exhausted",
        "uninformative_model",
    )
    pred = clf.predict(X)
    assert pred.shape == (n,)
    assert np.all(np.isin(pred, clf.classes_))
    for method in ("decision_function", "predict_proba"):
        if hasattr(clf, method):
            out = np.asarray(getattr(clf, method)(X), dtype=float)
            assert np.all(np.isfinite(out))


def _fits_or_raises_clearly(clf, pool, y, fitted_attribute):
    """Fit, warnings silenced; True if it fitted. An error must be a
    ValueError or TypeError that says what is wrong and leaves `clf`
    without `fitted_attribute`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            clf.fit(pool, y)
        except (ValueError, TypeError) as exc:
            assert str(exc), "an error must say what is wrong"
            assert not hasattr(clf, fitted_attribute)
            return False
    return True


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    problem=problems(),
    params=parameters(),
    estimator=st.sampled_from(sorted(ESTIMATORS)),
    layout=st.sampled_from(["dense", "csr", "array_api", "frame"]),
)
def _binary_examples(problem, params, estimator, layout):
    X, y, pos_label = problem
    clf = HardNegativeMiningClassifier(
        ESTIMATORS[estimator](), pos_label=pos_label, random_state=0, **params
    )
    pool = _layout(X, layout)
    fitted = _fits_or_raises_clearly(clf, pool, y, "estimator_")
    _FITTED.append(fitted)
    if fitted:
        _check_fitted(clf, pool if layout != "array_api" else X, y, pos_label)


# Whether each drawn example fitted: a property that held because every fit
# raised would say nothing about fitted estimators. The draws are small and
# often degenerate on purpose (one positive, no negative outside a
# validation split, a class missing from the validation rows); a fifth of
# them must fit.
_FITTED = []


def test_fits_consistently_or_raises_a_clear_error():
    _FITTED.clear()
    _binary_examples()
    assert sum(_FITTED) >= 0.2 * len(_FITTED), (sum(_FITTED), len(_FITTED))


@st.composite
def multiclass_problems(draw):
    """A background and 2 to 4 object classes of 1 to 8 rows each."""
    n_classes = draw(st.integers(2, 4))
    counts = [draw(st.integers(1, 8)) for _ in range(n_classes)]
    n_background = draw(st.integers(1, 60))
    n_features = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=(n_background + sum(counts), n_features))
    labels = [0] * n_background
    start = n_background
    for k, count in enumerate(counts, start=1):
        X[start : start + count, (k - 1) % n_features] += draw(st.floats(0.0, 3.0))
        labels += [k] * count
        start += count
    y = np.array(labels)
    if draw(st.booleans()):
        y = np.array(["background", "car", "dog", "face", "person"])[y]
    order = rng.permutation(y.size)
    return X[order], y[order], y.dtype.type("background" if y.dtype.kind == "U" else 0)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    problem=multiclass_problems(),
    params=parameters(),
    estimator=st.sampled_from(sorted(ESTIMATORS)),
    layout=st.sampled_from(["dense", "csr", "array_api", "frame"]),
)
def _multiclass_examples(problem, params, estimator, layout):
    X, y, background = problem
    clf = MulticlassHardNegativeMiningClassifier(
        ESTIMATORS[estimator](), negative_label=background, random_state=0, **params
    )
    pool = _layout(X, layout)
    fitted = _fits_or_raises_clearly(clf, pool, y, "estimators_")
    _FITTED.append(fitted)
    if not fitted:
        return
    classes = np.unique(y)
    np.testing.assert_array_equal(clf.classes_, classes)
    assert list(clf.estimators_) == [c for c in classes.tolist() if c != background]
    for k in clf.estimators_:
        negatives = clf.negative_indices_[k]
        assert np.all(np.diff(negatives) > 0)
        assert not np.isin(negatives, np.flatnonzero(y == k)).any()
        assert len(clf.history_[k]["n_hard"]) == clf.n_rounds_[k] + 1
        assert clf.mined_round_[k].shape == (y.size,)
    data = pool if layout != "array_api" else X
    pred = clf.predict(data)
    assert pred.shape == y.shape and np.all(np.isin(pred, classes))
    for method in ("decision_function", "predict_proba"):
        if hasattr(clf, method):
            out = np.asarray(getattr(clf, method)(data), dtype=float)
            assert out.shape == (y.size, classes.size) and np.all(np.isfinite(out))


def test_multiclass_fits_consistently_or_raises_a_clear_error():
    _FITTED.clear()
    _multiclass_examples()
    assert sum(_FITTED) >= 0.2 * len(_FITTED), (sum(_FITTED), len(_FITTED))


# ------------------------------------------------------ degenerate cases


def _data(n_pos=5, n_neg=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_pos + n_neg, 3))
    X[:n_pos] += 2.0
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    return X, y


def test_one_positive():
    X, y = _data(n_pos=1)
    clf = Bootstrap(LinearSVC(), random_state=0).fit(X, y)
    assert clf.history_["n_negatives"][0] == 3
    _check_fitted(clf, X, y, 1)
    with pytest.raises(ValueError, match="validation split"):
        Bootstrap(n_iter_no_change=2).fit(X, y)


def test_pool_smaller_than_ratio_times_positives():
    X, y = _data(n_pos=10, n_neg=12)
    with pytest.warns(UserWarning, match="more initial negatives than"):
        clf = HardNegativeMiningClassifier(random_state=0).fit(X, y)
    assert clf.history_["n_negatives"][0] == 12
    assert clf.termination_condition_ == "pool_exhausted"
    assert clf.negative_indices_.size == 12


def test_all_negatives_hard_in_round_0():
    X, y = _data()
    clf = Bootstrap(threshold=-1e9, random_state=0).fit(X, y)
    assert clf.history_["n_hard"][0] == clf.history_["n_scored"][0] == 60 - 15
    assert clf.termination_condition_ == "pool_exhausted"
    assert clf.n_rounds_ == 1


def test_duplicated_rows_and_constant_features():
    X, y = _data()
    X[:, 0] = 3.0
    X[30:] = X[29]
    clf = HardNegativeMiningClassifier(LinearSVC(), threshold=-1.0, random_state=0)
    clf.fit(X, y)
    _check_fitted(clf, X, y, 1)
    # Every duplicate of a row scores alike: all of them are hard, or none.
    dup = np.arange(29, X.shape[0])
    dup = dup[clf.mined_round_[dup] != 0]  # not positives, nor drawn at random
    chosen = np.isin(dup, clf.negative_indices_) & (clf.mined_round_[dup] > 0)
    assert chosen.all() or not chosen.any()


def test_all_features_constant_the_guard_grows_then_gives_up():
    X, y = _data(n_neg=200)
    X[:] = 1.0
    with pytest.warns(UserWarning, match="no ranking information"):
        clf = Bootstrap(max_rounds=2, random_state=0).fit(X, y)
    # Every score ties: nothing is called hard, the guard adds 15 random
    # negatives, then twice as many, and the model never learns to rank.
    assert clf.history_["n_hard"] == [0, 0, 0]
    assert clf.history_["n_random"] == [15, 30, 0]
    assert clf.termination_condition_ == "uninformative_model"


def test_an_estimator_that_predicts_one_class():
    X, y = _data()
    with pytest.warns(UserWarning, match="no ranking information"):
        clf = Bootstrap(DummyClassifier(), random_state=0)
        clf.fit(X, y)
    assert clf.response_method_ == "predict_proba"
    assert clf.termination_condition_ == "pool_exhausted"
    assert sum(clf.history_["n_random"]) == 60 - 15
    np.testing.assert_array_equal(clf.predict(X), np.zeros(y.size, int))


def test_infinite_values_are_refused():
    X, y = _data()
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        HardNegativeMiningClassifier().fit(X, y)
