"""Rounds that pay for themselves: warm starts and the progress stop rule."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier


@pytest.fixture
def task():
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
    clf = HardNegativeMiningClassifier(est, max_hard_per_round=50, random_state=0)
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
        HardNegativeMiningClassifier(
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
    clf = HardNegativeMiningClassifier(
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


@pytest.mark.parametrize("min_hard", [40, 0.2])
def test_a_round_with_too_few_hard_negatives_ends_the_run(task, min_hard):
    X, y = task
    params = dict(max_hard_per_round=100, random_state=0)
    ref = HardNegativeMiningClassifier(
        LogisticRegression(), min_hard_per_round=1, **params
    ).fit(X, y)
    h = ref.history_
    bound = [
        min_hard if isinstance(min_hard, int) else min_hard * n
        for n in h["n_negatives"]
    ]
    first = next(
        r for r, (n, b) in enumerate(zip(h["n_hard"], bound, strict=True)) if n < b
    )
    assert 0 < h["n_hard"][first]  # the rule, not "no_hard_negatives", stops it
    clf = HardNegativeMiningClassifier(
        LogisticRegression(), min_hard_per_round=min_hard, **params
    ).fit(X, y)
    assert clf.termination_condition_ == "few_hard_negatives"
    assert clf.n_rounds_ == first
    assert clf.history_["n_added"][-1] == 0  # they were not added
    assert clf.history_["n_hard"] == h["n_hard"][: first + 1]
    np.testing.assert_array_equal(
        clf.negative_indices_,
        np.flatnonzero(
            (ref.mined_round_ >= 0) & (ref.mined_round_ <= first) & (y == 0)
        ),
    )


def test_min_hard_per_round_is_validated(task):
    X, y = task
    for bad in (0, 1.0, -0.5):
        with pytest.raises(ValueError, match="min_hard_per_round"):
            HardNegativeMiningClassifier(min_hard_per_round=bad).fit(X, y)
