"""weighting="inverse_probability": a mined working set that stands for the pool."""

import math
from functools import partial

import array_api_strict
import numpy as np
import pytest
import scipy.sparse
import sklearn
from conftest import mine_scripted, with_ids
from imblearn.under_sampling import NearMiss, RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)

IPW = "inverse_probability"


def _fits(log):
    return [(rows, w) for kind, rows, w, _ in log if kind == "fit"]


def _check_weights(rows, w, positives, n_negatives, mined):
    """One fit's weights are Horvitz-Thompson's for its strata."""
    is_pos = np.isin(rows, positives)
    np.testing.assert_array_equal(w[is_pos], 1.0)
    neg_w = w[~is_pos]
    # Mined rows are a census (weight 1); the rest share one weight.
    np.testing.assert_array_equal(neg_w[np.isin(rows[~is_pos], mined)], 1.0)
    # The estimate of the number of negatives is exact: sum of weights.
    assert math.isclose(neg_w.sum(), n_negatives, rel_tol=1e-12)
    return np.unique(neg_w)


def test_each_fit_gets_horvitz_thompson_weights(imbalanced, recording):
    X, y = imbalanced
    clf = Bootstrap(
        recording(), weighting=IPW, min_hard_per_round=1, random_state=0
    ).fit(with_ids(X), y)
    positives = np.flatnonzero(y == 1)
    n_negatives = int((y == 0).sum())
    fits = _fits(recording.log)
    assert len(fits) == clf.n_rounds_ + 1 >= 3
    mined = np.flatnonzero(clf.mined_round_ > 0)
    for rnd, (rows, w) in enumerate(fits):
        values = _check_weights(rows, w, positives, n_negatives, mined)
        assert values.max() == clf.history_["random_weight"][rnd]
        assert math.isclose(
            clf.history_["effective_size"][rnd], w.sum() ** 2 / np.dot(w, w)
        )
    # The first fit's negatives are all random: each stands for N / n.
    rows, w = fits[0]
    n_initial = clf.history_["n_negatives"][0]
    assert clf.history_["random_weight"][0] == n_negatives / n_initial
    # Weighting changes what is fitted; without it the fit gets no weights.
    recording.log = []
    Bootstrap(recording(), random_state=0).fit(with_ids(X), y)
    assert all(w is None for _, w in _fits(recording.log))


def test_random_negatives_that_score_hard_join_the_census():
    # Rows 10-109 are negatives; the initial draw is rows 10-29, of which
    # 10-14 score hard after round 0: they move to the census, weight 1.
    hard = {10, 11, 12, 13, 14, 100, 101}

    def score(model, rows, rnd):
        return np.array([1.0 if r in hard else -1.0 for r in rows])

    result = mine_scripted(
        score,
        n_rows=110,
        positives=np.arange(10),
        initial=np.arange(10, 30),
        threshold=0.0,
        max_rounds=3,
        weighting=True,
    )
    rows1, w1 = result.fits[1]
    assert result.history["random_weight"][:2] == [100 / 20, (100 - 7) / 15]
    np.testing.assert_array_equal(w1[np.isin(rows1, sorted(hard))], 1.0)
    assert w1[rows1 == 20][0] == (100 - 7) / 15
    assert math.isclose(w1[rows1 >= 10].sum(), 100)


# With a cache (one that evicts nothing here), the random negatives' scores
# are read from the working set's, not from a pass of their own.
@pytest.mark.parametrize("evict_threshold", [None, -10.0])
def test_the_census_follows_rows_mined_between_random_ones(evict_threshold):
    # The random draw is rows 10-14 and 60-74; 10-14 score hard, as do the
    # outside rows 40 and 41 (round 0) and 42 (round 1). The mined rows sit
    # between random ones in the working set, so the random rows' scores
    # must be read at their own places.
    def score(model, rows, rnd):
        hard = {10, 11, 12, 13, 14, 40, 41} | ({42} if rnd >= 1 else set())
        return np.array([1.0 if r in hard else -1.0 for r in rows])

    result = mine_scripted(
        score,
        n_rows=110,
        positives=np.arange(10),
        initial=np.r_[10:15, 60:75],
        threshold=0.0,
        max_rounds=2,
        evict_threshold=evict_threshold,
        weighting=True,
    )
    # Round 2: 60-74 are still random; 10-14, 40, 41 and 42 are mined.
    assert result.history["n_negatives"] == [20, 22, 23]
    assert result.history["random_weight"] == [100 / 20, 93 / 15, 92 / 15]
    rows, w = result.fits[2]
    np.testing.assert_array_equal(w[np.isin(rows, np.r_[10:15, 40:43])], 1.0)
    np.testing.assert_array_equal(w[np.isin(rows, np.r_[60:75])], 92 / 15)


@pytest.mark.parametrize("weighting", [True, False])
def test_the_cache_never_evicts_the_random_sample(weighting):
    # Every working negative scores -5, below evict_threshold; only the
    # weighted run keeps its initial (random) negatives.
    def score(model, rows, rnd):
        return np.where(rows >= 100, 1.0, -5.0)

    result = mine_scripted(
        score,
        n_rows=110,
        positives=np.arange(10),
        initial=np.arange(10, 30),
        threshold=0.0,
        evict_threshold=-1.0,
        max_rounds=2,
        weighting=weighting,
    )
    kept_initial = np.intersect1d(result.negatives, np.arange(10, 30))
    assert kept_initial.size == (20 if weighting else 0)
    assert result.history["n_evicted"][0] == (0 if weighting else 20)


def test_user_weights_multiply_the_mining_weights(imbalanced, recording):
    X, y = imbalanced
    sw = np.random.RandomState(0).uniform(0.5, 2.0, y.size)
    params = dict(weighting=IPW, random_state=0)
    HardNegativeMiningClassifier(recording(), **params).fit(
        with_ids(X), y, sample_weight=sw
    )
    weighted = _fits(recording.log)
    recording.log = []
    ref = HardNegativeMiningClassifier(recording(), **params)
    ref.fit(with_ids(X), y, sample_weight=np.ones_like(sw))
    unit = _fits(recording.log)
    rows, w = weighted[0]
    rows_ref, w_ref = unit[0]
    np.testing.assert_array_equal(rows, rows_ref)
    np.testing.assert_allclose(w, w_ref * sw[rows])
    # The positive rate that places threshold="auto" is weighted too.
    rate = sw[y == 1].sum() / sw.sum()
    clf = HardNegativeMiningClassifier(LogisticRegression(), **params)
    clf.fit(X, y, sample_weight=sw)
    assert math.isclose(clf.threshold_, math.log(3.0 * rate / (1.0 - rate)))


def test_auto_threshold_is_the_working_boundary_on_the_population_scale(imbalanced):
    X, y = imbalanced
    rate = y.mean()
    odds = 2.0 * rate / (1.0 - rate)
    params = dict(weighting=IPW, ratio=2.0, random_state=0)
    clf = HardNegativeMiningClassifier(LogisticRegression(), **params).fit(X, y)
    assert math.isclose(clf.threshold_, math.log(odds))
    clf.set_params(response_method="predict_proba").fit(X, y)
    assert math.isclose(clf.threshold_, odds / (1.0 + odds))
    # A threshold set by hand is used as it is.
    assert clf.set_params(threshold=0.3).fit(X, y).threshold_ == 0.3


def test_weights_reach_a_pipelines_final_step(imbalanced, recording):
    X, y = imbalanced
    pipe = make_pipeline(StandardScaler(), recording())
    HardNegativeMiningClassifier(pipe, weighting=IPW, random_state=0).fit(
        with_ids(X), y
    )
    fits = _fits(recording.log)
    assert fits and all(w is not None and w.max() > 1.0 for _, w in fits)


def test_weights_reach_a_pipeline_with_metadata_routing(imbalanced, recording):
    X, y = imbalanced
    with sklearn.config_context(enable_metadata_routing=True):
        # Routing asks every step to say whether it takes the weights.
        asked = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=True),
            recording().set_fit_request(sample_weight=True),
        )
        HardNegativeMiningClassifier(asked, weighting=IPW, random_state=0).fit(
            with_ids(X), y
        )
        fits = _fits(recording.log)
        assert fits and all(w is not None and w.max() > 1.0 for _, w in fits)
        # A bare estimator is called by the classifier itself: no request
        # is needed for the mining weights.
        recording.log = []
        HardNegativeMiningClassifier(recording(), weighting=IPW, random_state=0).fit(
            with_ids(X), y
        )
        fits = _fits(recording.log)
        assert fits and all(w is not None and w.max() > 1.0 for _, w in fits)
        # Not requested: weights that would never arrive are a clear error.
        silent = make_pipeline(StandardScaler(), LogisticRegression())
        clf = HardNegativeMiningClassifier(silent, weighting=IPW)
        with pytest.raises(TypeError, match=r"set_fit_request\(sample_weight=True\)"):
            clf.fit(X, y)
        assert not hasattr(clf, "estimator_")


@pytest.mark.parametrize(
    "estimator",
    [KNeighborsClassifier(), make_pipeline(StandardScaler(), KNeighborsClassifier())],
)
def test_an_estimator_without_sample_weight_is_refused(imbalanced, estimator):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(estimator, weighting=IPW)
    with pytest.raises(TypeError, match="weighting='inverse_probability' needs"):
        clf.fit(X, y)


def test_only_a_uniform_sampler_goes_with_weighting(imbalanced):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(sampler=NearMiss(), weighting=IPW)
    with pytest.raises(ValueError, match="uniform random sample"):
        clf.fit(X, y)
    clf.set_params(sampler=RandomUnderSampler(replacement=True))
    with pytest.raises(ValueError, match="uniform random sample"):
        clf.fit(X, y)
    clf.set_params(sampler=RandomUnderSampler(), random_state=0).fit(X, y)
    assert clf.history_["random_weight"][0] > 1.0


def test_a_guard_that_doubles_reaches_the_whole_pool():
    # A model that can never rank: a fixed draw of ratio x positives a round
    # would reach 11 x 90 of the 9,970 negatives; doubling reaches them all.
    X = np.random.RandomState(0).normal(size=(10_000, 3))
    y = np.zeros(10_000, dtype=int)
    y[:30] = 1
    clf = Bootstrap(DummyClassifier(), response_method="predict_proba", random_state=0)
    with pytest.warns(UserWarning, match="no ranking information"):
        clf.fit(X, y)
    assert clf.history_["n_random"][:4] == [90, 180, 360, 720]
    assert clf.termination_condition_ == "pool_exhausted"
    assert clf.negative_indices_.size == 9_970


@pytest.mark.slow
def test_weighted_mining_estimates_the_populations_probability():
    X, y = make_classification(
        200_000,
        20,
        n_informative=8,
        weights=[0.99],
        class_sep=0.8,
        flip_y=0.005,
        random_state=0,
    )
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    full = LogisticRegression().fit(X_tr, y_tr)
    brier_full = brier_score_loss(y_te, full.predict_proba(X_te)[:, 1])

    def measures(weighting):
        clf = HardNegativeMiningClassifier(weighting=weighting, random_state=0)
        clf.fit(X_tr, y_tr)
        p = clf.predict_proba(X_te)[:, 1]
        coef = clf.estimator_.coef_.ravel()
        gap = np.linalg.norm(coef - full.coef_.ravel()) / np.linalg.norm(full.coef_)
        used = clf.negative_indices_.size / (y_tr == 0).sum()
        return p.mean() / y_te.mean(), brier_score_loss(y_te, p) / brier_full, gap, used

    rate, brier, gap, used = measures(IPW)
    assert abs(rate - 1.0) < 0.10
    assert brier < 1.05
    assert gap < 0.1
    assert used < 0.15
    # Plain mining learns its working set's balance instead.
    rate, brier, gap, _ = measures(None)
    assert rate > 2.0 and brier > 1.2 and gap > 0.3


def test_weighted_runs_are_the_same_on_every_layout_and_engine(imbalanced, same_fit):
    X, y = imbalanced
    params = dict(weighting=IPW, threshold=-1.0, random_state=0)
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X, y)
    assert ref.n_rounds_ >= 2
    fits = [
        HardNegativeMiningClassifier(
            LinearSVC(), batch_size=97, n_jobs=2, **params
        ).fit(X, y),
        HardNegativeMiningClassifier(LinearSVC(), **params).fit(
            scipy.sparse.csr_matrix(X), y
        ),
        HardNegativeMiningClassifier(LinearSVC(), batch_size=64, **params).fit(
            array_api_strict.asarray(X), y
        ),
    ]
    for clf in fits:
        same_fit(clf, ref)
        np.testing.assert_allclose(
            clf.history_["effective_size"], ref.history_["effective_size"]
        )


def test_a_class_without_weight_is_a_clear_error(imbalanced):
    X, y = imbalanced
    sw = np.where(y == 0, 0.0, 1.0)
    clf = HardNegativeMiningClassifier(weighting=IPW, pos_label=1)
    with pytest.raises(ValueError, match="a class of the training rows with no"):
        clf.fit(X, y, sample_weight=sw)
    assert not hasattr(clf, "estimator_")
