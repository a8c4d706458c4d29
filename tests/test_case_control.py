"""weighting="case_control", the default: every round a draw of known
inclusion probabilities, and fits that stand for the pool."""

import math
import warnings

import numpy as np
import pytest
from conftest import with_ids
from imblearn.under_sampling import NearMiss, RandomUnderSampler
from scipy.special import expit, logit
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import HardNegativeMiningClassifier
from skhnm._case_control import MIN_NEGATIVES, inclusion
from skhnm._draw import (
    EPSILON,
    DrawFilter,
    RowLift,
    candidate_cut,
    keep_probability,
    kept,
    lift_of,
    log_odds,
)
from skhnm._pools import Scoring, as_pool, select_jointly
from skhnm._selection import Cut
from skhnm._uniform import row_uniforms, stream_key


@pytest.fixture(scope="module")
def noisy():
    """20,000 rows, 2% positives, 2% of the labels flipped."""
    X, y = make_classification(
        n_samples=20_000,
        n_features=10,
        n_informative=5,
        weights=[0.98],
        flip_y=0.02,
        class_sep=1.0,
        random_state=0,
    )
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def test_keep_probability_follows_the_loss():
    s = np.array([3.0, 1.0, 0.0, -2.0, 1.0 + math.log(EPSILON) - 0.1])
    pi = keep_probability(s, 1.0)
    np.testing.assert_allclose(pi[:4], [1.0, 1.0, math.exp(-1.0), math.exp(-3.0)])
    assert pi[4] == 0.0  # under EPSILON: never drawn
    np.testing.assert_allclose(inclusion(s, 1.0, 0.25), 0.25 + 0.75 * pi)
    # The hinge: the margin violators, surely; nothing else.
    margins = np.array([0.5, -0.5, -0.99, -1.0, -3.0])
    np.testing.assert_array_equal(
        keep_probability(margins, -1.0, "hinge"), [1, 1, 1, 0, 0]
    )
    # The squared hinge: a line from the margin up to the threshold.
    np.testing.assert_allclose(
        keep_probability(margins, 1.0, "squared_hinge"), [0.75, 0.25, 0.005, 0, 0]
    )
    p = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(log_odds(p, "predict_proba"), logit(p))
    np.testing.assert_array_equal(log_odds(p, "decision_function"), p)


def test_one_round_draws_from_the_pilot_and_corrects_the_log_odds(noisy):
    X_train, X_test, y_train, _y_test = noisy
    clf = HardNegativeMiningClassifier(max_rounds=1, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.weighting_ == "case_control"
    assert clf.termination_condition_ == "max_rounds"
    assert clf.n_rounds_ == 1 and len(clf.history_["round"]) == 2
    assert clf.threshold_ == 1.0  # "auto": one unit of log-odds
    n_neg = int((y_train == 0).sum())
    n_pos = int(y_train.sum())
    n_initial = clf.history_["n_negatives"][0]
    assert n_initial == max(3 * n_pos, MIN_NEGATIVES)
    assert clf.inclusion_floor_ == pytest.approx(n_initial / n_neg)
    assert clf.negative_indices_.size == n_initial + clf.history_["n_added"][0]
    assert (clf.mined_round_ == 1).sum() == clf.history_["n_added"][0]

    # The population's log-odds: the model's, plus log P(x) from the pilot.
    s_model = clf.estimator_.decision_function(X_test)
    s_pilot = clf.pilot_.decision_function(X_test)
    P = inclusion(s_pilot, 1.0, clf.inclusion_floor_)
    expected = s_model + np.log(P)
    np.testing.assert_allclose(clf.decision_function(X_test), expected)
    np.testing.assert_allclose(clf.predict_proba(X_test)[:, 1], expit(expected))
    np.testing.assert_allclose(
        clf.predict_log_proba(X_test), np.log(clf.predict_proba(X_test))
    )
    np.testing.assert_array_equal(clf.predict(X_test), (expected > 0).astype(int))

    # The sample is drawn by the pilot: hard negatives all kept, easy ones
    # rarely, and the kept share follows pi.
    mined = clf.mined_round_ == 1
    s = clf.pilot_.decision_function(X_train)
    outside = (y_train == 0) & (clf.mined_round_ != 0)
    assert np.all(mined[outside & (s >= 1.0)])
    easy = outside & (s < 1.0 + math.log(EPSILON))
    assert not mined[easy].any()
    middle = outside & ~easy & (s < 1.0)
    expected_kept = keep_probability(s[middle], 1.0).sum()
    assert abs(mined[middle].sum() - expected_kept) < 4 * math.sqrt(expected_kept)


def test_each_round_draws_from_the_last_corrected_model(noisy):
    X_train, X_test, y_train, _ = noisy
    clf = HardNegativeMiningClassifier(
        max_rounds=3, min_hard_per_round=1, random_state=0
    ).fit(X_train, y_train)
    h, f = clf.history_, clf.inclusion_floor_
    assert clf.n_rounds_ == 3
    # The set follows the model: rows join and leave, and the counts add up.
    for r in range(clf.n_rounds_):
        assert h["n_negatives"][r + 1] == (
            h["n_negatives"][r] + h["n_added"][r] - h["n_evicted"][r]
        )
    assert sum(h["n_evicted"]) > 0
    # Prediction: the model's log-odds plus log P(x), where P follows the
    # keep probability of the previous round's corrected log-odds (on the
    # pilot's scale, minus log f), and so on down to the pilot.
    corrected = clf._corrected  # the predictor, kept as fitted
    chain = corrected.rounds()
    assert len(chain) == clf.n_rounds_ + 1
    assert chain[0].estimator is clf.pilot_ and chain[-1] is corrected
    z = chain[0].estimator.decision_function(X_test) + math.log(f)
    for model in chain[1:]:
        P = inclusion(z - math.log(f), model.threshold, f)
        z = model.estimator.decision_function(X_test) + np.log(P)
    np.testing.assert_allclose(clf.decision_function(X_test), z)
    # A rerun is the same run, and more rounds start as fewer did.
    again = HardNegativeMiningClassifier(
        max_rounds=3, min_hard_per_round=1, random_state=0
    ).fit(X_train, y_train)
    np.testing.assert_array_equal(again.negative_indices_, clf.negative_indices_)
    one = HardNegativeMiningClassifier(max_rounds=1, random_state=0)
    one.fit(X_train, y_train)
    assert one.history_["n_negatives"] == h["n_negatives"][:2]


def test_the_corrected_model_is_close_to_the_full_fit_on_noisy_labels(noisy):
    X_train, X_test, y_train, y_test = noisy
    full = LogisticRegression().fit(X_train, y_train)
    ap_full = average_precision_score(y_test, full.decision_function(X_test))
    clf = HardNegativeMiningClassifier(random_state=0).fit(X_train, y_train)
    ap = average_precision_score(y_test, clf.decision_function(X_test))
    uncorrected = average_precision_score(
        y_test, clf.estimator_.decision_function(X_test)
    )
    share = clf.negative_indices_.size / (y_train == 0).sum()
    assert share < 0.5
    assert ap > ap_full - 0.01
    # The correction is what makes the sample stand for the pool: the
    # model alone ranks the easy negatives too high.
    assert ap > uncorrected
    # Probabilities on the population's scale: their mean is near the
    # positive rate, where the uncorrected model's is far above it.
    rate = y_test.mean()
    assert abs(clf.predict_proba(X_test)[:, 1].mean() - rate) < 0.3 * rate
    assert clf.estimator_.predict_proba(X_test)[:, 1].mean() > 2 * rate


def test_a_margin_classifier_is_fitted_with_bounded_weights(noisy, recording):
    X_train, X_test, y_train, _y_test = noisy
    clf = HardNegativeMiningClassifier(LinearSVC(), random_state=0)
    clf.fit(X_train, y_train)
    assert clf.weighting_ == "case_control"
    assert clf.pilot_ is None and clf.inclusion_floor_ is None
    assert clf.threshold_ == 0.0  # the squared hinge's "auto": the boundary
    # No correction: the fitted estimator predicts as it is.
    np.testing.assert_array_equal(
        clf.decision_function(X_test), clf.estimator_.decision_function(X_test)
    )
    # Weights are bounded by 1 / floor, the uniform draw's.
    floor = clf.history_["n_negatives"][0] / (y_train == 0).sum()
    assert 1.0 < clf.history_["random_weight"][1] <= 1.0 / floor + 1e-9

    # Every fit's weights are 1 / P(x): the pilot's negatives 1 / floor
    # (a uniform sample, so the pilot's margins are the population's).
    Xi = with_ids(X_train)
    rec = HardNegativeMiningClassifier(recording(), max_rounds=1, random_state=0)
    rec.fit(Xi, y_train)
    assert rec.weighting_ == "case_control"
    fits = [(rows, w) for kind, rows, w, _ in recording.log if kind == "fit"]
    rows, w = fits[0]
    positives = y_train[rows] == 1
    np.testing.assert_array_equal(w[positives], 1.0)
    np.testing.assert_allclose(w[~positives], 1.0 / floor)
    rows, w = fits[1]
    assert rows.size == y_train.sum() + rec.negative_indices_.size
    positives = y_train[rows] == 1
    np.testing.assert_array_equal(w[positives], 1.0)
    assert np.all((w[~positives] >= 1.0) & (w[~positives] <= 1.0 / floor + 1e-9))
    # A negative's weight falls as its pilot score rises: the hard ones,
    # kept surely, weigh 1.
    assert np.any(w[~positives] == 1.0) and w[~positives].max() > 2.0
    assert rec.history_["effective_size"][1] < rows.size


class _WeightsSeen(SGDClassifier):
    """SGDClassifier that keeps the sample weights of its fits."""

    seen = []

    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        self.seen.append(np.asarray(sample_weight, dtype=float))
        return super().fit(X, y, coef_init, intercept_init, sample_weight)


def test_an_estimator_averaging_its_loss_gets_weights_of_mean_one(noisy):
    # SGD minimises the weights' mean loss plus alpha * penalty: weights
    # 1 / P, which sum to about the pool's size, would weaken alpha by the
    # pool's size over the set's. Scaled to mean 1, the objective is the
    # full fit's, and the weights keep their ratios.
    X_train, _, y_train, _ = noisy
    _WeightsSeen.seen = []
    clf = HardNegativeMiningClassifier(
        _WeightsSeen(random_state=0), max_rounds=1, random_state=0
    ).fit(X_train, y_train)
    floor = clf.history_["n_negatives"][0] / (y_train == 0).sum()
    pilot, later = _WeightsSeen.seen
    for w in (pilot, later):
        assert w.mean() == pytest.approx(1.0)
    # The pilot's negatives weigh 1 / floor times its positives.
    assert np.unique(pilot.round(9)).size == 2
    assert pilot.max() / pilot.min() == pytest.approx(1.0 / floor)
    # A sum-of-losses estimator gets 1 / P as it is (tested above).
    assert later.max() / later.min() <= 1.0 / floor + 1e-9
    assert later.max() / later.min() > 2.0


def test_the_hinge_keeps_the_margin_violators(noisy, recording):
    X_train, _, y_train, _ = noisy
    clf = HardNegativeMiningClassifier(
        LinearSVC(loss="hinge", max_iter=5000), max_rounds=1, random_state=0
    ).fit(X_train, y_train)
    assert clf.threshold_ == -1.0  # the hinge's "auto": the margin
    # The rows the pilot put inside its margin joined, and nothing else.
    # The pilot is refitted from the same seed to read its margins.
    pilot = HardNegativeMiningClassifier(
        LinearSVC(loss="hinge", max_iter=5000), max_rounds=0, random_state=0
    ).fit(X_train, y_train)
    s = pilot.estimator_.decision_function(X_train)
    outside = (y_train == 0) & (clf.mined_round_ != 0)
    np.testing.assert_array_equal(clf.mined_round_[outside] == 1, s[outside] > -1.0)


@pytest.mark.parametrize("estimator", ["lr", "svc", "tree"])
def test_batch_size_and_n_jobs_never_change_the_sample(noisy, same_fit, estimator):
    # The pass draws in place, on its chunks' threads: a tree's own method
    # scores the rows it gathers, a compiled scorer whole slices.
    X_train, X_test, y_train, _ = noisy
    est = {
        "lr": LogisticRegression(),
        "svc": LinearSVC(),
        "tree": DecisionTreeClassifier(max_depth=5, random_state=0),
    }[estimator]
    ref = HardNegativeMiningClassifier(est, random_state=0).fit(X_train, y_train)
    for batch_size, n_jobs in [(97, 1), (1000, 2)]:
        clf = HardNegativeMiningClassifier(
            est, batch_size=batch_size, n_jobs=n_jobs, random_state=0
        ).fit(X_train, y_train)
        same_fit(clf, ref)
        method = "predict_proba" if estimator == "tree" else "decision_function"
        np.testing.assert_allclose(
            getattr(clf, method)(X_test), getattr(ref, method)(X_test), rtol=1e-6
        )


def test_a_small_pool_is_fitted_whole():
    X, y = make_classification(n_samples=400, weights=[0.9], flip_y=0.0, random_state=0)
    clf = HardNegativeMiningClassifier(random_state=0).fit(X, y)
    n_neg = int((y == 0).sum())
    assert n_neg < MIN_NEGATIVES
    assert clf.negative_indices_.size == n_neg
    assert clf.termination_condition_ == "pool_exhausted"
    # P = 1 everywhere: no correction, the full-data fit.
    assert clf.inclusion_floor_ == 1.0
    full = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(
        clf.decision_function(X), full.decision_function(X), rtol=1e-6
    )


def test_a_sample_of_more_than_half_the_pool_warns_naming_threshold(noisy):
    X_train, _, y_train, _ = noisy
    with pytest.warns(UserWarning, match="Raise threshold"):
        clf = HardNegativeMiningClassifier(threshold=-8.0, random_state=0)
        clf.fit(X_train, y_train)
    assert clf.negative_indices_.size > 0.5 * (y_train == 0).sum()


def test_max_rounds_zero_is_the_pilot_on_the_population_scale(noisy):
    X_train, X_test, y_train, _ = noisy
    clf = HardNegativeMiningClassifier(max_rounds=0, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.termination_condition_ == "max_rounds"
    assert clf.pilot_ is None
    np.testing.assert_allclose(
        clf.decision_function(X_test),
        clf.estimator_.decision_function(X_test) + math.log(clf.inclusion_floor_),
    )


def test_predict_proba_only_estimators_and_pipelines_are_corrected(noisy):
    X_train, X_test, y_train, y_test = noisy
    hgb = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    knn = make_pipeline(StandardScaler(), KNeighborsClassifier(30))
    for est, method in [(hgb, "decision_function"), (knn, "predict_proba")]:
        clf = HardNegativeMiningClassifier(est, random_state=0).fit(X_train, y_train)
        assert clf.weighting_ == "case_control"
        assert clf.response_method_ == method
        assert clf.pilot_ is not None
        proba = clf.predict_proba(X_test)
        assert np.all(np.isfinite(proba))
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        assert average_precision_score(y_test, proba[:, 1]) > 0.3


@pytest.fixture(scope="module")
def parameter_task():
    """The one-loop issue's task: 30,000 rows, 1.5% positives, 1% noise."""
    X, y = make_classification(
        n_samples=30_000, n_features=10, n_informative=5, weights=[0.985],
        flip_y=0.01, random_state=0,
    )  # fmt: skip
    return X, y


def _fit_quietly(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no parameter is silently set aside
        return HardNegativeMiningClassifier(random_state=0, **params).fit(X, y)


# (parameters, the parameters they are compared with): each acts under the
# default weighting where it is meant to.
ACTING = [
    ({"ratio": 10.0}, {}),
    ({"threshold": 2.0}, {}),
    ({"criterion": "rank", "rank_quantile": 0.5}, {}),
    (
        {"criterion": "rank", "rank_quantile": 0.3},
        {"criterion": "rank", "rank_quantile": 0.5},
    ),
    ({"max_rounds": 1}, {"max_rounds": 3, "min_hard_per_round": 1}),
    ({"max_rounds": 3, "min_hard_per_round": 1}, {"max_rounds": 1}),
    ({"max_hard_per_round": 50}, {}),
    ({"min_hard_per_round": 0.5}, {"min_hard_per_round": 1}),
    ({"evict_threshold": -2.0, "max_rounds": 5}, {"max_rounds": 5}),
    ({"max_negatives": 2000}, {}),
    ({"sampler": RandomUnderSampler()}, {}),
    ({"n_iter_no_change": 2}, {}),
    (
        {"n_iter_no_change": 2, "min_hard_per_round": 1, "tol": 0.5},
        {"n_iter_no_change": 2, "min_hard_per_round": 1},
    ),
    ({"n_iter_no_change": 2, "validation_fraction": 0.3}, {"n_iter_no_change": 2}),
    (
        {"n_iter_no_change": 1, "min_hard_per_round": 1, "scoring": "roc_auc"},
        {"n_iter_no_change": 1, "min_hard_per_round": 1},
    ),
    (
        {"warm_start_rounds": False, "max_rounds": 3, "min_hard_per_round": 1},
        {"max_rounds": 3, "min_hard_per_round": 1},
    ),
]


@pytest.mark.parametrize(("params", "reference"), ACTING, ids=str)
def test_every_mining_parameter_acts_under_the_default(
    parameter_task, params, reference
):
    X, y = parameter_task
    clf = _fit_quietly(X, y, **params)
    ref = _fit_quietly(X, y, **reference)
    assert clf.weighting_ == ref.weighting_ == "case_control"
    # The model changes, or (tol: when early stopping ends) the run does.
    same_model = np.allclose(
        clf.decision_function(X[:3000]), ref.decision_function(X[:3000]), atol=1e-9
    )
    same_run = clf.history_["n_negatives"] == ref.history_["n_negatives"]
    assert not (same_model and same_run)


def test_the_caps_hold_under_the_default(parameter_task):
    X, y = parameter_task
    capped = _fit_quietly(X, y, max_negatives=2000)
    # An expected size: each round's draw is within a few standard
    # deviations of the bound.
    assert max(capped.history_["n_negatives"]) < 2000 + 4 * math.sqrt(2000)
    hard = _fit_quietly(X, y, max_hard_per_round=50)
    assert max(hard.history_["n_hard"]) <= 50
    ranked = _fit_quietly(X, y, criterion="rank", rank_quantile=0.5)
    # The rank rule's threshold is a positive's own score, round by round.
    assert len(set(ranked.history_["cut"][:-1])) == len(ranked.history_["cut"]) - 1


def test_a_grid_search_over_the_rounds_has_something_to_choose(noisy):
    from sklearn.model_selection import GridSearchCV

    X_train, _, y_train, _ = noisy
    search = GridSearchCV(
        HardNegativeMiningClassifier(min_hard_per_round=1, random_state=0),
        {"max_rounds": [0, 1, 3]},
        scoring="average_precision",
        cv=3,
    ).fit(X_train, y_train)
    scores = search.cv_results_["mean_test_score"]
    assert len(set(np.round(scores, 12))) == 3


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"criterion": "k_best"}, ValueError, "criterion='k_best'"),
        ({"sampler": NearMiss()}, ValueError, "inclusion probability is not known"),
        (
            {"estimator": make_pipeline(StandardScaler(), KNeighborsClassifier())},
            None,
            None,
        ),
    ],
)
def test_what_the_draw_cannot_hold_is_refused_naming_it(noisy, params, error, match):
    X_train, _, y_train, _ = noisy
    clf = HardNegativeMiningClassifier(max_rounds=1, random_state=0, **params)
    if error is None:  # predict_proba alone: corrected, no weights needed
        clf.fit(X_train[:4000], y_train[:4000])
        assert clf.weighting_ == "case_control"
        return
    with pytest.raises(error, match=match):
        clf.fit(X_train[:4000], y_train[:4000])


def test_a_margin_estimator_without_sample_weight_is_refused(noisy):
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.utils.validation import has_fit_parameter

    X_train, _, y_train, _ = noisy

    class NoWeights(RidgeClassifierCV):
        def fit(self, X, y):
            return super().fit(X, y)

    assert not has_fit_parameter(NoWeights(), "sample_weight")
    with pytest.raises(TypeError, match="weighting='case_control'"):
        HardNegativeMiningClassifier(NoWeights()).fit(X_train, y_train)
    clf = HardNegativeMiningClassifier(NoWeights(), weighting=None, random_state=0)
    assert clf.fit(X_train, y_train).weighting_ is None


def test_early_stopping_keeps_the_better_corrected_round(noisy):
    X_train, _X_test, y_train, _ = noisy
    clf = HardNegativeMiningClassifier(
        n_iter_no_change=1, min_hard_per_round=1, random_state=0
    ).fit(X_train, y_train)
    scores = clf.history_["validation_score"]
    assert len(scores) >= 2 and np.all(np.isfinite(scores))
    assert clf.best_round_ == int(np.argmax(scores))
    assert clf.termination_condition_ in ("early_stopping", "no_hard_negatives")
    if clf.best_round_ == 0:
        assert clf.pilot_ is None
    else:
        assert clf.pilot_ is not None
        assert len(clf._corrected.rounds()) == clf.best_round_ + 1


_ESTIMATORS = {
    "lr": LogisticRegression(),
    "svc": LinearSVC(),
    # Scored by predict_proba: the log-odds are taken where the pool lives.
    "mlp": MLPClassifier((4,), max_iter=40, random_state=0),
}


def _fit_on_array_api(estimator, X, y, **params):
    """The classifier fitted on array-api-strict copies of `X` and `y`: the
    GPU path's code, run on the CPU."""
    xp = pytest.importorskip("array_api_strict")
    clf = HardNegativeMiningClassifier(estimator, **params)
    return clf.fit(xp.asarray(X), xp.asarray(y))


def _pass_starts(crossings):
    """Where each pass's crossings begin: its counts (3,), then bounds (2,)."""
    return [
        i for i, shape in enumerate(crossings[:-1])
        if shape == (3,) and crossings[i + 1] == (2,)
    ]  # fmt: skip


@pytest.mark.parametrize("estimator", list(_ESTIMATORS))
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_array_api_pool_draws_the_numpy_sample(
    noisy, same_fit, estimator, crossings
):
    # The GPU path's code, run on the CPU through array-api-strict: the pass
    # cuts where the pool lives and the draw is the same.
    X_train, X_test, y_train, _ = noisy
    X_train = X_train.astype(np.float32)
    est = _ESTIMATORS[estimator]
    ref = HardNegativeMiningClassifier(est, random_state=0).fit(X_train, y_train)
    crossings.clear()
    clf = _fit_on_array_api(est, X_train, y_train, random_state=0)
    assert clf.weighting_ == ref.weighting_ == "case_control"
    same_fit(clf, ref)
    # The draw is made where the pool lives: each pass crosses its counts
    # and bounds, then the rows its draw added and their scores, never its
    # candidates (most of the pool, under a logistic loss). Then the
    # working rows' scores (the host holds those rows) and the added rows'
    # features, to fit on.
    h = clf.history_
    passes = _pass_starts(crossings)
    assert len(passes) == sum(n > 0 for n in h["n_scored"]) >= 2
    for rnd, at in enumerate(passes):
        rows, scores, work = crossings[at + 2 : at + 5]
        assert rows == scores and work == (h["n_negatives"][rnd],)
        if rnd < len(passes) - 1:  # the last pass's draw ended the run
            assert rows == (h["n_added"][rnd],)
            assert crossings[at + 5] == (h["n_added"][rnd], X_train.shape[1])
    method = "decision_function" if estimator != "mlp" else "predict_proba"
    np.testing.assert_allclose(
        getattr(clf, method)(X_test), getattr(ref, method)(X_test), rtol=1e-5
    )


def test_an_array_api_pool_under_a_budget_draws_on_the_host(noisy, same_fit):
    # A budget raises the threshold once the pass is in, by the sum of every
    # candidate's keep probability, so the pass cannot draw: its candidates
    # cross and the host draws, as from NumPy.
    X_train, _, y_train, _ = noisy
    X_train = X_train.astype(np.float32)
    params = dict(max_negatives=1500, max_rounds=3, random_state=0)
    ref = HardNegativeMiningClassifier(LogisticRegression(), **params)
    ref.fit(X_train, y_train)
    clf = _fit_on_array_api(LogisticRegression(), X_train, y_train, **params)
    same_fit(clf, ref)
    assert clf.negative_indices_.size <= 1.2 * 1500


def test_a_cap_on_the_hard_rows_draws_in_place_then_again_on_the_host(
    noisy, same_fit, crossings
):
    # max_hard_per_round raises the threshold only to a score among the
    # hard rows, all of which the pass draws: the pass draws at the round's
    # threshold where the pool lives, only those rows cross, and the host
    # draws again from them at the cap's; the lifts beside the pool are
    # rescaled there, so that later rounds correct as NumPy's do.
    X_train, _, y_train, _ = noisy
    X_train = X_train.astype(np.float32)
    params = dict(max_hard_per_round=10, max_rounds=4, min_hard_per_round=1)
    ref = HardNegativeMiningClassifier(LogisticRegression(), random_state=0, **params)
    ref.fit(X_train, y_train)
    # The cap held at the pilot's pass: the next pass read the rescaled lifts.
    assert ref.history_["cut"][0] > 1.0
    crossings.clear()
    clf = _fit_on_array_api(
        LogisticRegression(), X_train, y_train, random_state=0, **params
    )
    same_fit(clf, ref)
    h = clf.history_
    passes = _pass_starts(crossings)
    assert len(passes) == sum(n > 0 for n in h["n_scored"]) >= 2
    for rnd, at in enumerate(passes):
        (n_rows,), (n_scores,) = crossings[at + 2 : at + 4]
        # The rows the draw at the round's threshold kept, a few more than
        # the cap's draw adds; not its candidates, most of the rows outside.
        assert n_rows == n_scores >= h["n_added"][rnd]
        assert n_rows < 0.25 * h["n_scored"][rnd]


def test_under_the_hinge_a_cap_keeps_the_k_hardest_where_the_pool_lives(
    noisy, same_fit, crossings
):
    # Under the hinge a row's keep probability is 1 or 0 at any threshold,
    # so a capped draw takes from the k hardest alone: the pass keeps a
    # running top k + 1 where the pool lives and hands back no candidates
    # (every margin violator). What crosses: the labels, then each round's
    # working rows' scores (and the small top k, stacked with its counts).
    X_train, _, y_train, _ = noisy
    X_train = X_train.astype(np.float32)
    params = dict(max_hard_per_round=20, max_rounds=3, random_state=0)
    est = SGDClassifier(random_state=0)  # the hinge loss
    ref = HardNegativeMiningClassifier(est, **params).fit(X_train, y_train)
    assert ref.history_["n_added"][:3] == [19, 19, 19]  # the cap held
    crossings.clear()
    clf = _fit_on_array_api(est, X_train, y_train, **params)
    same_fit(clf, ref)
    work = set(clf.history_["n_negatives"])
    vectors = [shape[0] for shape in crossings if len(shape) == 1]
    assert vectors[0] == y_train.size
    assert all(n in work for n in vectors[1:]), vectors


def test_an_array_api_pool_fits_on_its_own_rows_when_a_fit_scales_in_place(
    noisy, same_fit
):
    # The host keeps the rows fetched for the fits: a StandardScaler(copy=
    # False) scales them in place, and they are fetched again.
    X_train, _, y_train, _ = noisy
    X_train = X_train * 5.0 + 3.0
    est = make_pipeline(StandardScaler(copy=False), LogisticRegression())
    params = dict(max_rounds=4, min_hard_per_round=1, random_state=0)
    ref = HardNegativeMiningClassifier(est, **params).fit(X_train.copy(), y_train)
    assert ref.n_rounds_ >= 2
    clf = _fit_on_array_api(est, X_train, y_train, **params)
    same_fit(clf, ref)


def test_an_array_api_pool_keeps_the_lifts_through_the_rounds(noisy, same_fit):
    # Five draws, each corrected by the last: the lifts of the rows outside
    # stay where the pool lives between passes, those of the rows that left
    # the working set travel back from the host, and every draw is NumPy's.
    X_train, X_test, y_train, _ = noisy
    X_train = X_train.astype(np.float32)
    params = dict(threshold=0.0, max_rounds=5, min_hard_per_round=1, random_state=0)
    ref = HardNegativeMiningClassifier(LogisticRegression(), **params)
    ref.fit(X_train, y_train)
    assert ref.n_rounds_ == 5 and sum(ref.history_["n_evicted"]) > 0
    clf = _fit_on_array_api(LogisticRegression(), X_train, y_train, **params)
    same_fit(clf, ref)
    np.testing.assert_allclose(
        clf.predict_proba(X_test), ref.predict_proba(X_test), rtol=1e-9
    )


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("estimator", ["compiled", "own_method"])
def test_a_host_pass_draws_in_place_and_hands_back_only_the_rows_drawn(
    noisy, estimator, n_jobs
):
    # The pass over a NumPy pool makes the draw itself (as a device pass
    # does): it hands back the rows drawn, not every candidate, writes each
    # row's lift beside the pool, and decides every row as the draw's own
    # functions do, whatever the chunks, threads or rows it gathers.
    X, _, y, _ = noisy
    model = (
        LogisticRegression()
        if estimator == "compiled"
        else DecisionTreeClassifier(max_depth=5, random_state=0)
    ).fit(X, y)
    positives, work = np.flatnonzero(y == 1), np.flatnonzero(y == 0)[::7]
    floor, key = 0.05, stream_key(3)
    # The last draw's lifts of some rows outside, and rows that left since.
    store = RowLift(floor)
    store.values = np.zeros(X.shape[0])
    store.values[5::11] = lift_of(np.full(X[5::11].shape[0], 0.4), floor)
    watch = np.setdiff1d(np.arange(2, X.shape[0], 13), work)
    watch_lift = lift_of(np.full(watch.size, 0.7), floor)
    lifts_before = store.values.copy()
    draw = DrawFilter(key, 1.0, "logistic", None, "predict_proba",
                      watch, watch_lift, store, in_place=True)  # fmt: skip
    cut = Cut(candidate_cut(1.0), joins=True, watch=watch, sends=draw)
    pool = as_pool(X).view(Scoring("predict_proba", 1, 97, n_jobs), "i2")
    pool.start(positives, np.empty(0, dtype=int))
    pool.enter(work, 0)
    (got,) = select_jointly([pool], [model], [cut])

    outside = np.setdiff1d(np.flatnonzero(y == 0), work)
    lift = lifts_before[outside]
    lift[np.isin(outside, watch)] = watch_lift[np.isin(watch, outside)]
    q = log_odds(model.predict_proba(X[outside])[:, 1], "predict_proba") + lift
    pi = kept(q, 1.0)
    drawn = row_uniforms(outside, key) < pi
    assert got.drawn and got.n_scored == outside.size
    assert got.n_hard == np.count_nonzero(pi == 1.0)
    np.testing.assert_array_equal(got.rows, outside[drawn])
    np.testing.assert_allclose(got.scores, q[drawn], rtol=1e-12)
    # Each row outside now carries its lift; the working rows keep theirs.
    np.testing.assert_allclose(store.values[outside], lift_of(pi, floor), rtol=1e-12)
    np.testing.assert_array_equal(store.values[work], lifts_before[work])
    # The working negatives it read come back with their own scores (the
    # run's step needs them), the positives' do not. A compiled pass reads
    # these dense chunks whole; the estimator's own method, only the rows
    # outside.
    read, read_scores = got.working
    assert np.isin(read, work).all()
    if estimator == "own_method":
        assert read.size == 0
        return
    assert read.size >= work.size // 2
    np.testing.assert_allclose(
        read_scores, model.predict_proba(X[read])[:, 1], rtol=1e-9, atol=1e-12
    )
