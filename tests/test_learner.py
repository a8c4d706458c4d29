"""The model side of a run (skhnm._learner): warm starts between rounds,
protected support vectors, the validation scorer."""

from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from threadpoolctl import threadpool_info, threadpool_limits

from skhnm import HardNegativeMiningClassifier
from skhnm._learner import support_rows

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


@pytest.fixture
def starts(monkeypatch):
    """For every LogisticRegression fit: was it warm, and from what coef_."""
    seen = []
    real = LogisticRegression.fit

    def spy(self, X, y, sample_weight=None):
        coef = getattr(self, "coef_", None)
        seen.append((self.warm_start, None if coef is None else coef.copy()))
        return real(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(LogisticRegression, "fit", spy)
    return seen


def _cold_fit_on_working_set(clf, X, y):
    rows = np.flatnonzero(clf.mined_round_ >= 0)
    rows = rows[np.isin(rows, clf.negative_indices_) | (y[rows] == clf.pos_label_)]
    return clone(clf.estimator).fit(X[rows], y[rows])


@pytest.mark.parametrize(
    "solver", ["lbfgs", "newton-cg", "newton-cholesky", "sag", "saga"]
)
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_warm_rounds_start_from_the_last_solution_and_end_at_the_cold_fit(
    task, starts, solver, in_pipeline
):
    X, y = task
    lr = LogisticRegression(solver=solver, tol=1e-10, max_iter=100_000)
    est = make_pipeline(StandardScaler(), lr) if in_pipeline else lr
    clf = Bootstrap(est, max_hard_per_round=50, random_state=0)
    clf.fit(X, y)
    assert clf.n_rounds_ >= 2
    fits = starts[: clf.n_rounds_ + 1]
    assert fits[0] == (False, None)  # round 0 is cold
    for warm, coef in fits[1:]:
        assert warm and coef is not None  # later rounds start warm
    # The user's parameter is what estimator_ keeps.
    final = clf.estimator_[-1] if in_pipeline else clf.estimator_
    assert final.warm_start is False
    starts.clear()
    cold = _cold_fit_on_working_set(clf, X, y)
    cold_final = cold[-1] if in_pipeline else cold
    # lbfgs stops on scipy's relative objective change (64 machine epsilons)
    # before a gradient of 1e-10: its solutions agree to about 1e-6.
    atol = 1e-6 if solver == "lbfgs" else 1e-7
    np.testing.assert_allclose(final.coef_, cold_final.coef_, rtol=1e-5, atol=atol)
    np.testing.assert_allclose(
        clf.decision_function(X), cold.decision_function(X), rtol=1e-5, atol=10 * atol
    )


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg"])
def test_warm_rounds_save_solver_iterations(task, monkeypatch, solver):
    X, y = task
    params = dict(max_hard_per_round=50, max_rounds=4, random_state=0)
    iters = []
    real = LogisticRegression.fit

    def count(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        iters.append(int(self.n_iter_[0]))
        return out

    monkeypatch.setattr(LogisticRegression, "fit", count)
    n_iter = {}
    for warm in (True, False):
        iters.clear()
        Bootstrap(
            LogisticRegression(solver=solver, tol=1e-8),
            warm_start_rounds=warm,
            **params,
        ).fit(X, y)
        n_iter[warm] = list(iters)
    assert n_iter[True][0] == n_iter[False][0]  # round 0 is cold either way
    assert sum(n_iter[True][1:]) < sum(n_iter[False][1:])


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression(solver="liblinear"),
        LogisticRegression(C=np.inf),
        LinearSVC(),
        SGDClassifier(random_state=0),
    ],
    ids=["liblinear", "unpenalised", "linearsvc", "sgd"],
)
def test_solvers_without_a_safe_start_stay_cold(task, estimator, monkeypatch):
    X, y = task
    seen = []
    real = type(estimator).fit

    def spy(self, *args, **kwargs):
        seen.append(hasattr(self, "coef_"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(estimator), "fit", spy)
    clf = Bootstrap(
        estimator, threshold=-1.0, max_hard_per_round=50, random_state=0
    ).fit(X, y)
    assert clf.n_rounds_ >= 1 and not any(seen)


def test_warm_start_rounds_off_fits_every_round_cold(task, starts):
    X, y = task
    HardNegativeMiningClassifier(
        LogisticRegression(solver="newton-cg"), warm_start_rounds=False,
        max_hard_per_round=50, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert len(starts) >= 2 and all(s == (False, None) for s in starts)


def _blas_threads():
    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


class BlasRecordingLR(LogisticRegression):
    """Records how many threads BLAS had while each of its fits ran."""

    seen = []

    def fit(self, X, y, sample_weight=None):
        BlasRecordingLR.seen.append(_blas_threads())
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "solver, in_pipeline, held",
    [("lbfgs", False, True), ("lbfgs", True, True), ("newton-cg", False, False)],
)
def test_lbfgs_fits_hold_blas_to_one_thread_and_give_it_back(
    task, solver, in_pipeline, held
):
    # lbfgs's OpenMP loss and BLAS products contend (scikit-learn#28883):
    # its fits run with BLAS on one thread; other solvers keep BLAS's threads.
    X, y = task
    lr = BlasRecordingLR(solver=solver)
    est = make_pipeline(StandardScaler(), lr) if in_pipeline else lr
    BlasRecordingLR.seen.clear()
    with threadpool_limits(2, "blas"):
        clf = HardNegativeMiningClassifier(est, max_rounds=2, random_state=0)
        clf.fit(X, y)
        after = _blas_threads()
    assert len(BlasRecordingLR.seen) == clf.n_rounds_ + 1
    assert set(BlasRecordingLR.seen) == ({1} if held else {2})
    assert after == 2


def test_support_vectors_are_protected(imbalanced):
    X, y = imbalanced
    train = np.sort(
        np.concatenate([np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:300]])
    )
    for model in (
        SVC().fit(X[train], y[train]),
        make_pipeline(StandardScaler(), SVC()).fit(X[train], y[train]),
    ):
        final = model[-1] if hasattr(model, "steps") else model
        rows = np.flatnonzero(y == 0)[:300]
        mask = support_rows(model, train, rows)
        np.testing.assert_array_equal(
            np.sort(rows[mask]), np.sort(np.intersect1d(train[final.support_], rows))
        )
        assert mask.any() and not mask.all()
    lr = LogisticRegression().fit(X[train], y[train])
    assert not support_rows(lr, train, train).any()


def test_early_stopping_scores_the_positive_class_with_string_labels(imbalanced):
    from sklearn.metrics import average_precision_score

    X, y = imbalanced
    labels = np.where(y == 1, "a", "z")  # the positive class is classes_[0]
    clf = HardNegativeMiningClassifier(
        pos_label="a", n_iter_no_change=2, max_rounds=2, random_state=0
    ).fit(X, labels)
    val = clf.validation_indices_
    # estimator_ is the best round's model: its validation score is the
    # average precision of class "a", whose scores are the negated decisions.
    expected = average_precision_score(
        labels[val] == "a", -clf.estimator_.decision_function(X[val])
    )
    assert clf.history_["validation_score"][clf.best_round_] == pytest.approx(expected)
    assert all(0.0 < s <= 1.0 for s in clf.history_["validation_score"])
