"""What a new user hits in the first hour: each with a test that failed before."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhnm import HardNegativeMiningClassifier, PoolTooSmallWarning


@pytest.mark.parametrize("labels", [("fraud", "ok"), ("alert", "normal"), (1, 0)])
def test_the_positive_class_defaults_to_the_rare_one(imbalanced, labels):
    X, y = imbalanced
    rare, common = labels
    named = np.where(y == 1, rare, common)
    clf = HardNegativeMiningClassifier(random_state=0).fit(X, named)
    assert clf.pos_label_ == rare
    n_pos = int(y.sum())
    # The common class is the pool: 1:3 to start with, then mined.
    assert clf.history_["n_negatives"][0] == 3 * n_pos
    assert np.all(named[clf.negative_indices_] == common)
    explicit = HardNegativeMiningClassifier(pos_label=rare, random_state=0)
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


def test_the_ratio_warning_shows_once_across_folds(imbalanced):
    X, y = imbalanced
    keep = np.r_[np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:150]]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")  # Python's own: once per place
        cross_val_score(
            HardNegativeMiningClassifier(random_state=0), X[keep], y[keep], cv=3
        )
    said = [w for w in record if "asks for more initial negatives" in str(w.message)]
    assert len(said) == 1
    assert issubclass(said[0].category, PoolTooSmallWarning)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", PoolTooSmallWarning)  # every time
        cross_val_score(
            HardNegativeMiningClassifier(random_state=0), X[keep], y[keep], cv=3
        )
    assert len(record) == 3


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


def test_a_saved_model_holds_one_byte_a_row_and_can_drop_it():
    rng = np.random.default_rng(0)
    n = 300_000
    X = rng.standard_normal((n, 4))
    y = (X[:, 0] > 2.5).astype(int)
    clf = HardNegativeMiningClassifier(random_state=0).fit(X, y)
    assert clf.mined_round_.dtype == np.int8
    size = len(pickle.dumps(clf))
    # One byte a row of mined_round_, plus the working set's indices.
    assert size < n + 8 * clf.negative_indices_.size + 50_000
    del clf.mined_round_, clf.negative_indices_  # as the user guide says
    small = pickle.loads(pickle.dumps(clf))
    assert len(pickle.dumps(small)) < 50_000
    np.testing.assert_array_equal(small.predict(X[:100]), clf.predict(X[:100]))


def test_multioutput_targets_get_the_message_imbalanced_learn_expects(imbalanced):
    X, y = imbalanced
    with pytest.raises(
        ValueError, match=r"Multilabel and multioutput targets are not supported\."
    ):
        HardNegativeMiningClassifier().fit(X, np.c_[y, y])
