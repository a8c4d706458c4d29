"""What fit checks and derives from its arguments (skhnm._inputs): targets,
the positive class, sample weights and their routing, samplers, the split."""

import warnings
from functools import partial

import numpy as np
import pytest
import sklearn
from conftest import with_ids
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import (
    ClusterCentroids,
)
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


def test_early_stopping_needs_both_classes_in_the_split():
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = np.zeros(50, dtype=int)
    y[0] = 1
    clf = HardNegativeMiningClassifier(n_iter_no_change=2)
    with pytest.raises(ValueError, match="early stopping needs a stratified"):
        clf.fit(X, y)


def test_sample_weight_needs_an_estimator_that_takes_it(imbalanced):
    X, y = imbalanced

    class NoWeights(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def decision_function(self, X):
            return np.zeros(X.shape[0])

    with pytest.raises(TypeError, match="does not accept sample_weight"):
        HardNegativeMiningClassifier(NoWeights()).fit(
            X, y, sample_weight=np.ones(y.size)
        )


def test_metadata_routing_of_sample_weight(imbalanced, recording):
    X, y = imbalanced
    weights = np.random.default_rng(1).uniform(0.5, 2.0, size=y.size)
    with config_context(enable_metadata_routing=True):
        est = recording().set_fit_request(sample_weight=True)
        clf = Bootstrap(est, max_rounds=1, random_state=0)
        clf.fit(with_ids(X), y, sample_weight=weights)
        fits = [(rows, w) for kind, rows, w, _ in recording.log if kind == "fit"]
        assert fits and all(np.array_equal(w, weights[rows]) for rows, w in fits)

        # Metadata nobody asked for is an error, as everywhere in scikit-learn.
        unrequested = Bootstrap(
            recording().set_fit_request(sample_weight=False), max_rounds=1
        )
        with pytest.raises(TypeError, match="not routed to any object"):
            unrequested.fit(with_ids(X), y, sample_weight=weights)

        router = clf.get_metadata_routing()
        assert "sample_weight" in str(router)


def test_fit_params_without_routing_raise(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        HardNegativeMiningClassifier().fit(X, y, groups=np.zeros(y.size))


@pytest.mark.parametrize("sampler", [SMOTE(), ClusterCentroids()], ids=str)
def test_samplers_that_make_rows_are_refused_before_any_work(
    imbalanced, sampler, monkeypatch
):
    X, y = imbalanced

    def never(*args, **kwargs):
        raise AssertionError("the sampler ran")

    monkeypatch.setattr(type(sampler), "fit_resample", never)
    monkeypatch.setattr(LogisticRegression, "fit", never)
    with pytest.raises(TypeError, match="makes new rows"):
        HardNegativeMiningClassifier(sampler=sampler).fit(X, y)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.zeros(60, dtype=int), "y has only one class, 0;"),
        (np.arange(60) % 3, "Only binary classification is supported"),
        (np.linspace(0, 1, 60), "Unknown label type"),
    ],
)
def test_bad_targets(y, match):
    X = np.random.default_rng(0).normal(size=(60, 3))
    with pytest.raises(ValueError, match=match):
        HardNegativeMiningClassifier().fit(X, y)


def test_pos_label_not_in_y(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match=r"pos_label=5 is not a class of y"):
        HardNegativeMiningClassifier(pos_label=5).fit(X, y)


def test_nan_is_refused_unless_the_estimator_takes_it(imbalanced):
    X, y = imbalanced
    X = X.copy()
    X[np.flatnonzero(y == 0)[-1], 0] = np.nan  # a pool row, likely never trained on
    # The estimator decides: LogisticRegression's scores of that row are NaN,
    # which the pass refuses, naming the rows' problem (the bootstrap's
    # first draw, 1:3, leaves that row in the pool with this seed).
    with pytest.raises(ValueError, match=r"infinite scores for 1 of .* pool rows"):
        Bootstrap(random_state=0).fit(X, y)
    # A NaN in a row it is fitted on: the estimator's own error.
    X_pos = X.copy()
    X_pos[np.flatnonzero(y == 1)[0], 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        HardNegativeMiningClassifier().fit(X_pos, y)
    clf = HardNegativeMiningClassifier(HistGradientBoostingClassifier(max_iter=20))
    clf.fit(X, y)
    assert get_tags(clf).input_tags.allow_nan


def test_an_infinite_pool_row_is_refused_by_the_pass(imbalanced):
    X, y = imbalanced
    X = X.copy()
    X[np.flatnonzero(y == 0)[-1], 0] = np.inf
    # Its score is infinite: the pass names the rows' problem, with no
    # finiteness scan of the whole pool beforehand.
    with pytest.raises(ValueError, match=r"NaN or infinite scores for 1 of"):
        Bootstrap(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"NaN or infinite scores for 1 of"):
        HardNegativeMiningClassifier(random_state=0).fit(X, y)


@pytest.mark.parametrize("labels", [("fraud", "ok"), ("alert", "normal"), (1, 0)])
def test_the_positive_class_defaults_to_the_rare_one(imbalanced, labels):
    X, y = imbalanced
    rare, common = labels
    named = np.where(y == 1, rare, common)
    clf = Bootstrap(random_state=0).fit(X, named)
    assert clf.pos_label_ == rare
    n_pos = int(y.sum())
    # The common class is the pool: 1:3 to start with, then mined.
    assert clf.history_["n_negatives"][0] == 3 * n_pos
    assert np.all(named[clf.negative_indices_] == common)
    explicit = Bootstrap(pos_label=rare, random_state=0)
    np.testing.assert_array_equal(
        explicit.fit(X, named).negative_indices_, clf.negative_indices_
    )


def test_rare_is_weighed_by_sample_weight_and_ties_go_to_the_second_class():
    X = np.arange(40.0).reshape(-1, 1)
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    clf = HardNegativeMiningClassifier(max_rounds=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert clf.fit(X, y).pos_label_ == 1  # a tie: classes_[1]
        weights = np.r_[np.full(20, 0.5), np.ones(20)]
        assert clf.fit(X, y, sample_weight=weights).pos_label_ == 0


def test_a_pipeline_gets_sample_weight_in_every_step_that_takes_it(imbalanced):
    X, y = imbalanced
    w = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    params = dict(ratio=1e6, max_rounds=0, random_state=0)  # every row: one fit
    with pytest.warns(UserWarning, match="more initial negatives"):
        clf = HardNegativeMiningClassifier(pipe, **params).fit(X, y, sample_weight=w)
    expected = sklearn.clone(pipe).fit(
        X, y, standardscaler__sample_weight=w, logisticregression__sample_weight=w
    )
    np.testing.assert_allclose(
        clf.decision_function(X), expected.decision_function(X), rtol=1e-10
    )


def test_an_estimator_without_sample_weight_says_so(imbalanced):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(KNeighborsClassifier())
    with pytest.raises(TypeError, match="does not accept sample_weight in fit"):
        clf.fit(X, y, sample_weight=np.ones(y.size))
    pipe = make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(TypeError, match="nor does its final step"):
        HardNegativeMiningClassifier(pipe).fit(X, y, sample_weight=np.ones(y.size))


def test_with_routing_the_error_says_where_the_request_goes(imbalanced):
    X, y = imbalanced
    with sklearn.config_context(enable_metadata_routing=True):
        clf = HardNegativeMiningClassifier(LogisticRegression(), random_state=0)
        clf.set_fit_request(sample_weight=True)
        with pytest.raises(UnsetMetadataPassedError) as info:
            clf.fit(X, y, sample_weight=np.ones(y.size))
        assert any(
            "set_fit_request(sample_weight=True)" in n for n in info.value.__notes__
        )
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        HardNegativeMiningClassifier(inner, random_state=0).fit(
            X, y, sample_weight=np.ones(y.size)
        )


def test_multioutput_targets_get_the_message_imbalanced_learn_expects(imbalanced):
    X, y = imbalanced
    with pytest.raises(
        ValueError, match=r"Multilabel and multioutput targets are not supported\."
    ):
        HardNegativeMiningClassifier().fit(X, np.c_[y, y])


def test_a_pipeline_that_imputes_takes_missing_values(imbalanced):
    X, y = imbalanced
    X = X.copy()
    X[np.random.default_rng(0).random(X.shape) < 0.05] = np.nan  # everywhere
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression())
    clf = HardNegativeMiningClassifier(pipe, random_state=0).fit(X, y)
    assert clf.n_rounds_ >= 1 and np.isfinite(clf.decision_function(X)).all()


def test_negative_sample_weight_is_refused(imbalanced):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(random_state=0)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=-np.ones(y.size))
    assert not hasattr(clf, "pos_label_")


def test_a_validation_split_without_a_class_is_refused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 4))
    y = np.zeros(2000, dtype=int)
    y[:3] = 1  # three positives: a 10% split gets none of them
    clf = HardNegativeMiningClassifier(n_iter_no_change=2, random_state=0)
    with pytest.raises(ValueError, match=r"validation_fraction=0.1\) holds no row of "):
        clf.fit(X, y)
    clf.set_params(validation_fraction=0.5).fit(X, y)  # one of each side
    assert (y[clf.validation_indices_] == 1).any()
