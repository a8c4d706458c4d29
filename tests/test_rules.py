"""The hardness rules (threshold, rank, k_best) and the guard, in the classifier."""

import warnings
from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


def _round0_model(clf, X, y):
    rows = np.flatnonzero(clf.mined_round_ == 0)
    return clone(clf.estimator).fit(X[rows], y[rows])


def test_rank_rule_selects_negatives_above_the_positives_quantile(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(
        LogisticRegression(),
        criterion="rank",
        rank_quantile=0.25,
        max_rounds=1,
        random_state=0,
    ).fit(X, y)
    model = _round0_model(clf, X, y)
    pos = model.decision_function(X[y == 1])
    cut = np.quantile(pos, 0.25, method="lower")
    assert clf.history_["cut"][0] == pytest.approx(cut)
    outside = np.flatnonzero((y == 0) & (clf.mined_round_ != 0))
    expected = outside[model.decision_function(X[outside]) > cut]
    np.testing.assert_array_equal(np.flatnonzero(clf.mined_round_ == 1), expected)
    assert clf.history_["n_hard"][0] == expected.size > 0


def test_rank_rule_is_the_same_on_any_score_scale(imbalanced):
    X, y = imbalanced
    fits = [
        HardNegativeMiningClassifier(
            LogisticRegression(),
            criterion="rank",
            response_method=method,
            random_state=0,
        ).fit(X, y)
        for method in ("decision_function", "predict_proba")
    ]
    np.testing.assert_array_equal(fits[0].negative_indices_, fits[1].negative_indices_)
    assert fits[0].history_["n_hard"] == fits[1].history_["n_hard"]


@pytest.mark.parametrize("k_best, per_round", [(25, 25), (0.5, None)])
def test_k_best_adds_the_k_highest_scoring_negatives(imbalanced, k_best, per_round):
    X, y = imbalanced
    n_pos = int(y.sum())
    per_round = per_round or int(0.5 * n_pos)
    clf = Bootstrap(
        LinearSVC(),
        criterion="k_best",
        max_hard_per_round=k_best,
        max_rounds=3,
        threshold=1e6,  # ignored by this rule
        random_state=0,
    ).fit(X, y)
    assert clf.history_["n_added"] == [per_round] * 3 + [0]
    assert clf.termination_condition_ == "max_rounds"
    model = _round0_model(clf, X, y)
    outside = np.flatnonzero((y == 0) & (clf.mined_round_ != 0))
    scores = model.decision_function(X[outside])
    top = outside[np.argsort(-scores, kind="stable")[:per_round]]
    np.testing.assert_array_equal(np.flatnonzero(clf.mined_round_ == 1), np.sort(top))


def test_max_hard_per_round_caps_every_rule(imbalanced):
    X, y = imbalanced
    for criterion in ("threshold", "rank", "k_best"):
        clf = Bootstrap(
            LinearSVC(),
            criterion=criterion,
            threshold=-1.0,
            max_hard_per_round=7,
            max_rounds=2,
            random_state=0,
        ).fit(X, y)
        assert max(clf.history_["n_added"]) <= 7, criterion


@pytest.mark.slow
def test_a_grid_search_chooses_the_rule_and_its_value(imbalanced):
    X, y = imbalanced
    grid = [
        {"criterion": ["threshold"], "threshold": [-1.0, 0.0]},
        {"criterion": ["rank"], "rank_quantile": [0.05, 0.5]},
        {"criterion": ["k_best"], "max_hard_per_round": [0.5, 2.0]},
    ]
    search = GridSearchCV(
        Bootstrap(LinearSVC(), max_rounds=2, random_state=0),
        grid,
        scoring="average_precision",
        cv=3,
    ).fit(X, y)
    results = search.cv_results_
    scores = results["mean_test_score"]
    # Each rule and value reached the fits: a candidate scores what a fit
    # with its parameters scores, and the six candidates do not all agree.
    for i, params in enumerate(results["params"]):
        expected = cross_val_score(
            clone(search.estimator).set_params(**params),
            X,
            y,
            scoring="average_precision",
            cv=3,
        ).mean()
        assert scores[i] == pytest.approx(expected), params
    assert len(set(np.round(scores, 12))) > 1
    assert search.best_params_ == results["params"][int(np.argmax(scores))]


def _few_positives():
    """Eight positives: 1:3 gives 32 rows, too few for a leaf of 20 on each side."""
    X, y = make_classification(
        n_samples=2000,
        n_features=10,
        n_informative=5,
        weights=[0.99],
        flip_y=0.0,
        class_sep=1.0,
        random_state=3,
    )
    keep = np.r_[np.flatnonzero(y == 1)[:8], np.flatnonzero(y == 0)]
    return X[keep], y[keep]


def test_guard_rescues_a_constant_gradient_boosting_model():
    X, y = _few_positives()
    hgb = HistGradientBoostingClassifier(random_state=0)
    # Without the guard's help the seed's loop would stop at round 0:
    # the round-0 model is constant, so nothing scores above any cut.
    clf = Bootstrap(hgb, random_state=0)
    with pytest.warns(UserWarning, match="no ranking information"):
        clf.fit(X, y)
    assert clf.history_["n_hard"][0] == 0
    assert clf.history_["n_random"][0] == 24
    assert clf.termination_condition_ != "uninformative_model"
    scores = clf.decision_function(X)
    assert np.ptp(scores) > 0  # it ranks now
    assert average_precision_score(y, scores) > 0.5


def test_guard_stays_quiet_for_informative_models(imbalanced):
    X, y = imbalanced
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # The rank rule takes most of this small pool, and says so.
        warnings.filterwarnings("ignore", message="Mining round 0 added")
        for criterion in ("threshold", "rank", "k_best"):
            clf = Bootstrap(
                LogisticRegression(), criterion=criterion, random_state=0
            ).fit(X, y)
            assert sum(clf.history_["n_random"]) == 0
