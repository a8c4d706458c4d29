"""Behaviour of HardNegativeMiningClassifier end to end."""

import re
import warnings
from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import with_ids
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import get_tags

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


def fit_working_set(clf, X, y, **fit_params):
    """Fit the wrapped estimator ourselves on the reported working set."""
    rows = np.union1d(np.flatnonzero(y == clf.pos_label_), clf.negative_indices_)
    rows = np.setdiff1d(rows, clf.validation_indices_)
    base = clone(clf.estimator if clf.estimator is not None else LogisticRegression())
    params = {k: v[rows] for k, v in fit_params.items()}
    return base.fit(X[rows], y[rows], **params)


# ---------------------------------------------------------------- working set


def test_estimator_is_trained_on_the_final_working_set(imbalanced):
    X, y = imbalanced
    # Cold rounds: the model is then exactly a fit of its working set.
    clf = HardNegativeMiningClassifier(
        max_rounds=3, warm_start_rounds=False, random_state=0
    ).fit(X, y)
    assert clf.n_rounds_ >= 1
    expected = fit_working_set(clf, X, y)
    np.testing.assert_allclose(clf.estimator_.coef_, expected.coef_)


def test_only_outside_negatives_are_scored_and_added(imbalanced, recording):
    X, y = imbalanced
    clf = Bootstrap(recording(), threshold=-1.0, max_rounds=4, random_state=0).fit(
        with_ids(X), y
    )
    fits = [rows for kind, rows, _, _ in recording.log if kind == "fit"]
    scores = [rows for kind, rows, _, _ in recording.log if kind == "score"]
    assert len(fits) == len(scores) == clf.n_rounds_ + 1
    negatives = np.flatnonzero(y == 0)
    for rnd, (trained, scored) in enumerate(zip(fits, scores, strict=True)):
        assert np.intersect1d(trained, scored).size == 0
        assert np.all(y[scored] == 0)
        np.testing.assert_array_equal(
            np.sort(np.union1d(trained, scored)), np.arange(y.size)
        )
        if rnd + 1 < len(fits):
            added = np.setdiff1d(fits[rnd + 1], trained)
            assert np.all(np.isin(added, scored))
            np.testing.assert_array_equal(
                added, np.flatnonzero(clf.mined_round_ == rnd + 1)
            )
    np.testing.assert_array_equal(
        np.intersect1d(fits[-1], negatives), clf.negative_indices_
    )


def test_hard_means_strictly_above_threshold(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(max_rounds=1, random_state=0).fit(X, y)
    round0 = Bootstrap(max_rounds=0, random_state=0).fit(X, y)
    outside = np.setdiff1d(np.flatnonzero(y == 0), round0.negative_indices_)
    scores = round0.decision_function(X[outside])
    np.testing.assert_array_equal(
        np.flatnonzero(clf.mined_round_ == 1), np.sort(outside[scores > 0.0])
    )
    assert clf.history_["n_hard"][0] == np.count_nonzero(scores > 0.0)


@pytest.mark.parametrize("cap, expected", [(7, 7), (0.25, None)])
def test_cap_takes_the_hardest_first(imbalanced, cap, expected):
    X, y = imbalanced
    clf = Bootstrap(
        threshold=-2.0, max_rounds=1, max_hard_per_round=cap, random_state=0
    ).fit(X, y)
    n_cap = expected if expected is not None else int(np.floor(cap * y.sum()))
    round0 = Bootstrap(threshold=-2.0, max_rounds=0, random_state=0)
    round0.fit(X, y)
    outside = np.setdiff1d(np.flatnonzero(y == 0), round0.negative_indices_)
    scores = round0.decision_function(X[outside])
    assert np.count_nonzero(scores > -2.0) > n_cap
    hardest = outside[np.lexsort((outside, -scores))[:n_cap]]
    np.testing.assert_array_equal(
        np.flatnonzero(clf.mined_round_ == 1), np.sort(hardest)
    )
    assert clf.history_["n_added"][0] == n_cap


# ------------------------------------------------------------ stop conditions


def test_stops_with_no_hard_negatives(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(max_rounds=50, random_state=0).fit(X, y)
    assert clf.termination_condition_ == "no_hard_negatives"
    assert clf.history_["n_hard"][-1] == 0
    assert clf.n_rounds_ < 50
    outside = np.setdiff1d(np.flatnonzero(y == 0), clf.negative_indices_)
    assert np.all(clf.decision_function(X[outside]) <= 0.0)


def test_stops_at_max_rounds(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(
        threshold=-3.0, max_rounds=2, max_hard_per_round=5, random_state=0
    ).fit(X, y)
    assert clf.termination_condition_ == "max_rounds"
    assert clf.n_rounds_ == 2
    assert clf.history_["round"] == [0, 1, 2]
    assert clf.history_["n_hard"][-1] > 0


def test_pool_exhausted_by_mining(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(threshold=-np.inf, random_state=0).fit(X, y)
    assert clf.termination_condition_ == "pool_exhausted"
    np.testing.assert_array_equal(clf.negative_indices_, np.flatnonzero(y == 0))
    assert clf.n_rounds_ == 1


def test_early_stopping_keeps_the_best_round(imbalanced):
    X, y = imbalanced
    # No improvement can exceed tol=1, so the second fit already stalls; the
    # cap leaves hard negatives for later rounds.
    clf = Bootstrap(
        threshold=-1.0,
        max_hard_per_round=20,
        n_iter_no_change=1,
        tol=1.0,
        warm_start_rounds=False,  # the kept model is exactly a cold fit
        random_state=0,
    ).fit(X, y)
    assert clf.termination_condition_ == "early_stopping"
    assert clf.n_rounds_ == 1
    scores = clf.history_["validation_score"]
    assert clf.best_round_ == int(np.argmax(scores))
    assert not np.isnan(scores).any()
    assert clf.mined_round_.max() <= clf.best_round_
    assert clf.negative_indices_.size == clf.history_["n_negatives"][clf.best_round_]
    expected = fit_working_set(clf, X, y)
    np.testing.assert_allclose(clf.estimator_.coef_, expected.coef_)


def test_early_stopping_validation_rows_are_never_used(imbalanced, recording):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(
        recording(),
        threshold=-1.0,
        n_iter_no_change=2,
        validation_fraction=0.2,
        random_state=0,
    ).fit(with_ids(X), y)
    val = clf.validation_indices_
    assert val.size == pytest.approx(0.2 * y.size, abs=1)
    assert y[val].sum() == pytest.approx(0.2 * y.sum(), abs=1)  # stratified
    # Every call that trains or scores the pool; validation scoring by the
    # scorer goes through decision_function too, so skip those calls.
    for kind, rows, _, _ in recording.log:
        if kind == "fit" or not np.array_equal(rows, val):
            assert np.intersect1d(rows, val).size == 0
    assert np.all(clf.mined_round_[val] == -1)


# -------------------------------------------------------------------- history


@pytest.mark.parametrize("cap", [None, 10])
def test_history_is_consistent_with_the_working_set(imbalanced, cap):
    X, y = imbalanced
    clf = Bootstrap(
        threshold=-1.0, max_rounds=6, max_hard_per_round=cap, random_state=0
    ).fit(X, y)
    h = clf.history_
    n = clf.n_rounds_ + 1
    assert all(len(values) == n for values in h.values())
    assert h["round"] == list(range(n))
    n_pool = int(np.sum(y == 0))
    for r in range(n):
        assert h["n_scored"][r] == n_pool - h["n_negatives"][r]
        assert h["n_added"][r] <= h["n_hard"][r]
        if cap is not None:
            assert h["n_added"][r] <= cap
        assert h["fit_time"][r] >= 0 and h["score_time"][r] >= 0
        if r + 1 < n:
            assert h["n_negatives"][r + 1] == h["n_negatives"][r] + h["n_added"][r]
            negatives = clf.mined_round_[y == 0]
            assert np.count_nonzero(negatives == r + 1) == h["n_added"][r]
    assert h["n_added"][-1] == 0
    assert h["n_negatives"][-1] == clf.negative_indices_.size
    np.testing.assert_array_equal(
        clf.negative_indices_, np.flatnonzero((clf.mined_round_ >= 0) & (y == 0))
    )
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(clf.history_)
    assert list(frame["round"]) == list(range(n))


# --------------------------------------------------------------- determinism


def test_same_random_state_same_working_set_and_model(imbalanced):
    X, y = imbalanced
    est = RandomForestClassifier(n_estimators=10)
    a = HardNegativeMiningClassifier(est, max_rounds=3, random_state=42).fit(X, y)
    b = HardNegativeMiningClassifier(est, max_rounds=3, random_state=42).fit(X, y)
    np.testing.assert_array_equal(a.negative_indices_, b.negative_indices_)
    np.testing.assert_array_equal(a.mined_round_, b.mined_round_)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert est.random_state is None  # the caller's estimator is untouched
    c = HardNegativeMiningClassifier(est, max_rounds=0, random_state=7).fit(X, y)
    assert not np.array_equal(
        a.negative_indices_[a.mined_round_[a.negative_indices_] == 0],
        c.negative_indices_,
    )


def test_random_state_instance_is_accepted(imbalanced):
    X, y = imbalanced
    a = HardNegativeMiningClassifier(random_state=np.random.RandomState(3)).fit(X, y)
    b = HardNegativeMiningClassifier(random_state=np.random.RandomState(3)).fit(X, y)
    np.testing.assert_array_equal(a.negative_indices_, b.negative_indices_)


# ---------------------------------------------------- weights and routing


def test_sample_weight_reaches_the_estimator(imbalanced, recording):
    X, y = imbalanced
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    clf = Bootstrap(recording(), max_rounds=2, random_state=0)
    clf.fit(with_ids(X), y, sample_weight=weights)
    for kind, rows, fit_weights, _ in recording.log:
        if kind == "fit":
            np.testing.assert_array_equal(fit_weights, weights[rows])


def test_sample_weight_changes_the_model_as_a_direct_fit_would(imbalanced):
    X, y = imbalanced
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=y.size)
    clf = HardNegativeMiningClassifier(
        LogisticRegression(), warm_start_rounds=False, random_state=0
    )
    clf.fit(X, y, sample_weight=weights)
    expected = fit_working_set(clf, X, y, sample_weight=weights)
    np.testing.assert_allclose(clf.estimator_.coef_, expected.coef_)


# ------------------------------------------------------------------- inputs


def test_sparse_input_gives_the_dense_result(imbalanced):
    X, y = imbalanced
    est = LogisticRegression(solver="liblinear")
    dense = HardNegativeMiningClassifier(est, random_state=0).fit(X, y)
    sparse = HardNegativeMiningClassifier(est, random_state=0).fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.negative_indices_, sparse.negative_indices_)
    np.testing.assert_allclose(
        dense.estimator_.coef_, sparse.estimator_.coef_, rtol=1e-6
    )
    np.testing.assert_allclose(
        dense.decision_function(X),
        sparse.decision_function(sp.csr_matrix(X)),
        rtol=1e-6,
    )


def test_float32_is_kept(imbalanced, recording):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(recording(), max_rounds=1, random_state=0)
    clf.fit(with_ids(X).astype(np.float32), y)
    assert {dtype for *_, dtype in recording.log} == {np.dtype(np.float32)}


def test_dataframe_with_feature_names_reaches_a_column_transformer(imbalanced):
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    X, y = imbalanced
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["colour"] = np.where(X[:, 0] > 0, "red", "blue")
    pipe = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(), ["colour"]), remainder=StandardScaler()
        ),
        LogisticRegression(),
    )
    clf = HardNegativeMiningClassifier(pipe, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    assert clf.n_features_in_ == 11
    assert clf.predict(frame.iloc[:5]).shape == (5,)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"f0": "other"}))


def test_string_labels_and_pos_label_orientation(imbalanced):
    X, y = imbalanced
    y_pos_last = np.where(y == 1, "pos", "neg")  # positive is classes_[1]
    y_pos_first = np.where(y == 1, "a", "z")  # positive is classes_[0]
    a = HardNegativeMiningClassifier(random_state=0).fit(X, y_pos_last)
    b = HardNegativeMiningClassifier(pos_label="a", random_state=0).fit(X, y_pos_first)
    assert b.pos_label_ == "a"
    np.testing.assert_array_equal(b.classes_, ["a", "z"])
    np.testing.assert_array_equal(a.negative_indices_, b.negative_indices_)
    np.testing.assert_array_equal(a.mined_round_, b.mined_round_)
    assert set(b.predict(X)) <= {"a", "z"}


def test_response_method_and_auto_threshold(imbalanced):
    X, y = imbalanced
    lr = Bootstrap(max_rounds=0).fit(X, y)
    assert (lr.response_method_, lr.threshold_) == ("decision_function", 0.0)
    proba = Bootstrap(response_method="predict_proba", max_rounds=0)
    proba.fit(X, y)
    assert (proba.response_method_, proba.threshold_) == ("predict_proba", 0.5)
    tree = Bootstrap(DecisionTreeClassifier(), max_rounds=0).fit(X, y)
    assert tree.response_method_ == "predict_proba"


def test_probability_threshold_selects_by_positive_probability(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(
        response_method="predict_proba", threshold=0.3, max_rounds=1, random_state=0
    ).fit(X, y)
    round0 = Bootstrap(max_rounds=0, random_state=0).fit(X, y)
    outside = np.setdiff1d(np.flatnonzero(y == 0), round0.negative_indices_)
    proba = round0.predict_proba(X[outside])[:, 1]
    np.testing.assert_array_equal(
        np.flatnonzero(clf.mined_round_ == 1), np.sort(outside[proba > 0.3])
    )


# ------------------------------------------------------------------ samplers


# --------------------------------------------------------------------- errors


def test_response_method_the_estimator_lacks():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (np.arange(60) < 10).astype(int)
    with pytest.raises(ValueError, match=r"response_method='predict_proba'.*SVC"):
        HardNegativeMiningClassifier(SVC(), response_method="predict_proba").fit(X, y)

    class PredictOnly(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            return self

    with pytest.raises(ValueError, match="neither decision_function nor predict_proba"):
        HardNegativeMiningClassifier(PredictOnly()).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"ratio": 0},
        {"ratio": -1.0},
        {"max_rounds": -1},
        {"max_rounds": 1.5},
        {"threshold": "high"},
        {"threshold": np.nan},
        {"max_hard_per_round": 0},
        {"max_hard_per_round": -0.5},
        {"response_method": "predict"},
        {"validation_fraction": 1.0},
        {"n_iter_no_change": 0},
        {"scoring": "no-such-metric"},
        {"tol": -1},
        {"estimator": "LogisticRegression"},
        {"sampler": LogisticRegression()},
    ],
)
def test_invalid_parameters_are_named(imbalanced, params):
    X, y = imbalanced
    (name,) = params
    with pytest.raises(ValueError, match=re.escape(f"'{name}' parameter")):
        HardNegativeMiningClassifier(**params).fit(X, y)


class FailsWhenGrown(ClassifierMixin, BaseEstimator):
    """Fails to fit once the working set is larger than `limit` rows."""

    def __init__(self, limit=200):
        self.limit = limit

    def fit(self, X, y):
        if X.shape[0] > self.limit:
            raise RuntimeError("the learner ran out of patience")
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, X):
        return self.model_.decision_function(X)

    def predict(self, X):
        return self.model_.predict(X)


def test_estimator_error_propagates_with_its_round(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(FailsWhenGrown(limit=300), threshold=-1.0, random_state=0)
    with pytest.raises(RuntimeError, match="ran out of patience") as info:
        clf.fit(X, y)
    assert any("mining round 1" in note for note in info.value.__notes__)


def test_failed_refit_leaves_no_half_fitted_state(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(FailsWhenGrown(limit=10_000), random_state=0)
    clf.fit(X, y)
    clf.predict(X[:3])
    clf.set_params(estimator=FailsWhenGrown(limit=300), threshold=-1.0)
    with pytest.raises(RuntimeError):
        clf.fit(X, y)
    assert not hasattr(clf, "estimator_") and not hasattr(clf, "history_")
    with pytest.raises(NotFittedError):
        clf.predict(X[:3])


# --------------------------------------------------- delegation, tags, clone


def test_delegated_methods_follow_the_estimator(imbalanced):
    X, y = imbalanced
    svc = Bootstrap(SVC(), max_rounds=0)
    assert hasattr(svc, "decision_function") and not hasattr(svc, "predict_proba")
    svc.fit(X, y)
    assert not hasattr(svc, "predict_log_proba")
    tree = Bootstrap(DecisionTreeClassifier(), max_rounds=0)
    assert not hasattr(tree, "decision_function")
    lr = Bootstrap(max_rounds=0).fit(X, y)
    np.testing.assert_allclose(lr.predict_proba(X), lr.estimator_.predict_proba(X))
    np.testing.assert_allclose(
        lr.predict_log_proba(X), lr.estimator_.predict_log_proba(X)
    )
    assert lr.score(X, y) == pytest.approx(np.mean(lr.predict(X) == y))


def test_tags_follow_the_estimator():
    assert get_tags(HardNegativeMiningClassifier()).input_tags.sparse
    assert not get_tags(HardNegativeMiningClassifier()).input_tags.allow_nan
    hgb = HardNegativeMiningClassifier(HistGradientBoostingClassifier())
    assert get_tags(hgb).input_tags.allow_nan
    assert not get_tags(hgb).input_tags.sparse


def test_clone_and_params_do_not_touch_the_estimator(imbalanced):
    X, y = imbalanced
    est = LogisticRegression(C=0.5)
    clf = HardNegativeMiningClassifier(est, ratio=2.0, random_state=0)
    copy = clone(clf)
    assert copy.get_params()["estimator__C"] == 0.5
    clf.fit(X, y)
    assert not hasattr(est, "coef_")
    # The parameter is the user's object, untouched; the fitted one a clone.
    assert clf.get_params()["estimator"] is est
    assert est.get_params() == LogisticRegression(C=0.5).get_params()
    assert hasattr(clf.estimator_, "coef_") and clf.estimator_.C == 0.5


# -------------------------------------------------- pipelines and searches


def test_inside_sklearn_and_imblearn_pipelines(imbalanced):
    X, y = imbalanced
    hnm = HardNegativeMiningClassifier(random_state=0)
    sk = make_pipeline(StandardScaler(), hnm).fit(X, y)
    imb = make_imb_pipeline(StandardScaler(), clone(hnm)).fit(X, y)
    np.testing.assert_allclose(sk.decision_function(X), imb.decision_function(X))


@pytest.mark.slow
def test_grid_search_over_mining_and_estimator_parameters(imbalanced):
    X, y = imbalanced
    # The rounds (weighting=None): on a pool this small the default's pilot
    # takes 500 negatives whatever the ratio.
    search = GridSearchCV(
        Bootstrap(LinearSVC(), random_state=0),
        {
            "ratio": [1.0, 3.0],
            "threshold": [-1.0, 0.0],
            "max_rounds": [0, 3],
            "estimator__C": [0.1, 1.0],
        },
        scoring="average_precision",
        cv=StratifiedKFold(3),
        n_jobs=2,
    ).fit(X, y)
    results = search.cv_results_
    scores = results["mean_test_score"]
    # Each candidate's score is what a fit with its parameters gets.
    for i in (0, 6, 15):
        expected = cross_val_score(
            clone(search.estimator).set_params(**results["params"][i]),
            X,
            y,
            scoring="average_precision",
            cv=StratifiedKFold(3),
        ).mean()
        assert scores[i] == pytest.approx(expected)
    # Every parameter reaches the fits: changing it alone changes a score.
    for name in ("ratio", "threshold", "max_rounds", "estimator__C"):
        others = [
            tuple(v for k, v in sorted(p.items()) if k != name)
            for p in results["params"]
        ]
        pairs = [
            (i, j)
            for i in range(16)
            for j in range(i + 1, 16)
            if others[i] == others[j]
        ]
        assert any(scores[i] != scores[j] for i, j in pairs), name
    assert search.best_params_ == results["params"][int(np.argmax(scores))]


# ------------------------------------------------------- the removed spellings


@pytest.mark.parametrize(
    "old",
    [{"k_best": 25}, {"early_stopping": True}, {"negative_label": 0}],
    ids=str,
)
def test_the_spellings_deprecated_before_a_release_are_gone(imbalanced, old):
    # skhnm was never released: the old spellings went before 0.1, not in 0.3.
    with pytest.raises(TypeError, match="unexpected keyword"):
        HardNegativeMiningClassifier(**old)
    with pytest.raises(ValueError, match="min_hard_per_round"):
        HardNegativeMiningClassifier(min_hard_per_round=None).fit(*imbalanced)


def test_k_best_is_not_stopped_by_the_progress_rule(imbalanced):
    X, y = imbalanced
    # One negative a round is far below 1% of the working negatives: the
    # progress rule would stop at round 0; the k best rule adds it anyway.
    clf = Bootstrap(
        criterion="k_best", max_hard_per_round=1, max_rounds=4, random_state=0
    ).fit(X, y)
    assert clf.history_["n_added"] == [1, 1, 1, 1, 0]
    assert clf.termination_condition_ == "max_rounds"


def test_the_public_parameters_are_at_most_24():
    from skhnm import MulticlassHardNegativeMiningClassifier

    binary = set(HardNegativeMiningClassifier().get_params(deep=False))
    multiclass = set(MulticlassHardNegativeMiningClassifier().get_params(deep=False))
    assert len(binary) == 24 and len(multiclass) == 24
    assert binary ^ multiclass == {"pos_label", "negative_label"}


def test_the_feature_names_warning_shows_once(imbalanced):
    pd = pytest.importorskip("pandas")
    X, y = imbalanced
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = HardNegativeMiningClassifier(random_state=0).fit(frame, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf.predict(X)
    said = [w for w in record if "feature names" in str(w.message)]
    assert len(said) == 1
    assert "HardNegativeMiningClassifier" in str(said[0].message)
