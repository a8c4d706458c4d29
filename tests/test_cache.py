"""The DPM cache: eviction, a bound on the working set, and the guarantee."""

from functools import partial

import numpy as np
import pytest
from conftest import with_ids
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


def svm_objective(svc, X, y):
    """LinearSVC's primal objective on (X, y); liblinear also penalises b."""
    w, b = svc.coef_.ravel(), svc.intercept_[0]
    signed = np.where(y == 1, 1.0, -1.0)
    loss = np.maximum(1.0 - signed * (X @ w + b), 0.0)
    if svc.loss == "squared_hinge":
        loss = loss**2
    return 0.5 * (w @ w + b * b) + svc.C * loss.sum()


@pytest.fixture(scope="module")
def large_pool():
    X, y = make_classification(
        n_samples=26_000,
        n_features=20,
        n_informative=8,
        weights=[0.97],
        class_sep=1.0,
        flip_y=0.0,
        random_state=0,
    )
    assert np.sum(y == 0) >= 20_000
    return X, y


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_margin_mining_with_eviction_reaches_the_full_data_optimum(large_pool, loss):
    X, y = large_pool
    svm = LinearSVC(loss=loss, C=0.1, tol=1e-6, max_iter=100_000, random_state=0)
    full = clone(svm).fit(X, y)
    # The guarantee needs the seed's stop: nothing hard is left.
    mined = Bootstrap(
        svm,
        threshold=-1.0,
        evict_threshold=-1.2,
        max_rounds=50,
        min_hard_per_round=1,
        random_state=0,
    ).fit(X, y)

    assert mined.termination_condition_ == "no_hard_negatives"
    full_objective = svm_objective(full, X, y)
    mined_objective = svm_objective(mined.estimator_, X, y)
    assert abs(mined_objective - full_objective) <= 1e-3 * full_objective
    np.testing.assert_allclose(mined.estimator_.coef_, full.coef_, atol=1e-4)
    np.testing.assert_allclose(mined.estimator_.intercept_, full.intercept_, atol=1e-4)
    assert mined.negative_indices_.size < 0.5 * np.sum(y == 0)
    if loss == "hinge":
        assert sum(mined.history_["n_evicted"]) > 0
    # DPM's convergence condition: every margin violator is in the cache.
    outside = np.setdiff1d(np.flatnonzero(y == 0), mined.negative_indices_)
    assert np.all(mined.decision_function(X[outside]) <= -1.0)


def test_eviction_removes_only_easy_negatives(imbalanced, recording):
    X, y = imbalanced
    clf = Bootstrap(
        recording(),
        threshold=-1.0,
        evict_threshold=-2.0,
        max_hard_per_round=20,
        max_rounds=8,
        random_state=0,
    ).fit(with_ids(X), y)
    fits = [rows for kind, rows, _, _ in recording.log if kind == "fit"]
    total_evicted = 0
    for rnd in range(len(fits) - 1):
        evicted = np.setdiff1d(fits[rnd], fits[rnd + 1])
        assert evicted.size == clf.history_["n_evicted"][rnd]
        total_evicted += evicted.size
        if evicted.size == 0:
            continue
        model = LogisticRegression().fit(X[fits[rnd]], y[fits[rnd]])
        scores = model.decision_function(X[evicted])
        assert np.all(scores < -2.0)  # below evict_threshold, so below threshold
        assert np.all(y[evicted] == 0)
    assert total_evicted > 0
    h = clf.history_
    for r in range(clf.n_rounds_):
        assert h["n_negatives"][r + 1] == (
            h["n_negatives"][r] + h["n_added"][r] - h["n_evicted"][r]
        )
    assert h["n_evicted"][-1] == 0  # the final working set is the one fitted on
    # Evicted rows keep the round they last entered.
    used = np.flatnonzero((clf.mined_round_ >= 0) & (y == 0))
    assert np.setdiff1d(used, clf.negative_indices_).size > 0
    assert np.all(np.isin(clf.negative_indices_, used))


@pytest.mark.parametrize("bound", [150, 3.5])
@pytest.mark.filterwarnings("ignore:max_negatives=150 is below:UserWarning")
def test_working_set_never_exceeds_max_negatives(imbalanced, bound):
    X, y = imbalanced
    clf = Bootstrap(
        threshold=0.0, max_negatives=bound, max_rounds=10, random_state=0
    ).fit(X, y)
    limit = bound if isinstance(bound, int) else int(np.floor(bound * y.sum()))
    assert max(clf.history_["n_negatives"]) <= limit
    assert clf.negative_indices_.size <= limit
    assert sum(clf.history_["n_added"]) > 0
    # Bounds below the ratio's draw cut the initial working set too.
    assert clf.history_["n_negatives"][0] == min(limit, round(3 * y.sum()))


@pytest.mark.filterwarnings("ignore:max_negatives=20 is below:UserWarning")
def test_max_negatives_warns_when_protected_negatives_exceed_it(imbalanced):
    X, y = imbalanced
    # With threshold -50 every working negative is protected (score >= it).
    clf = Bootstrap(
        threshold=-50.0, max_negatives=20, ratio=0.5, max_rounds=2, random_state=0
    )
    with pytest.warns(UserWarning, match="max_negatives=20 could not be held") as rec:
        clf.fit(X, y)
    assert rec[0].filename == __file__
    assert clf.history_["n_evicted"] == [0, 0, 0]
    assert clf.history_["n_added"][:2] == [1, 1]  # mining still progresses


@pytest.fixture(scope="module")
def overlapping():
    """2% positives, 1% of labels flipped: the hinge loss's optimum is w = 0."""
    return make_classification(20_000, 20, weights=[0.98], random_state=0)


def test_a_constant_model_counts_no_hard_negatives_and_says_why(overlapping):
    X, y = overlapping
    svm = LinearSVC(loss="hinge", C=0.01)
    with pytest.warns(UserWarning, match="constant model") as record:
        clf = Bootstrap(
            svm, threshold=-1.0, min_hard_per_round=1, max_rounds=20, random_state=0
        ).fit(X, y)
    assert "fixed class_weight" in str(record[0].message)
    history = clf.history_
    guarded = [r for r, n in enumerate(history["n_random"]) if n > 0]
    assert guarded
    # Scores within rounding of the margin are not margin violators.
    assert all(history["n_hard"][r] == 0 for r in guarded)

    with pytest.warns(UserWarning, match="constant model"):
        default = HardNegativeMiningClassifier(svm, threshold=-1.0, random_state=0).fit(
            X, y
        )
    assert default.termination_condition_ == "uninformative_model"
    assert default.history_["n_hard"][-1] == 0
