"""Fitted models survive pickle, joblib and skops, and interrupts leave no debris."""

import io
import pickle
import threading

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import HardNegativeMiningClassifier

CONFIGS = {
    "default": dict(),
    "svc_pipeline_cache": dict(
        estimator=make_pipeline(StandardScaler(), SVC()),
        threshold=-1.0,
        evict_threshold=-1.2,
    ),
    "tree_early_stopping": dict(
        estimator=DecisionTreeClassifier(max_depth=4),
        threshold=0.2,
        n_iter_no_change=2,
    ),
}


@pytest.fixture(params=sorted(CONFIGS))
def fitted(request, imbalanced):
    X, y = imbalanced
    labels = np.where(y == 1, "face", "background")  # object arrays too
    clf = HardNegativeMiningClassifier(
        random_state=0, pos_label="face", **CONFIGS[request.param]
    )
    return clf.fit(X, labels), X


def _same_model(a, b, X):
    for method in ("predict", "predict_proba", "decision_function"):
        if hasattr(a, method):
            np.testing.assert_array_equal(getattr(a, method)(X), getattr(b, method)(X))
    np.testing.assert_array_equal(a.negative_indices_, b.negative_indices_)
    np.testing.assert_array_equal(a.mined_round_, b.mined_round_)
    assert a.history_ == b.history_ or all(
        np.allclose(a.history_[k], b.history_[k], equal_nan=True) for k in a.history_
    )
    assert a.termination_condition_ == b.termination_condition_


def test_pickle_round_trip(fitted):
    clf, X = fitted
    _same_model(pickle.loads(pickle.dumps(clf)), clf, X)


def test_joblib_round_trip(fitted, tmp_path):
    clf, X = fitted
    joblib.dump(clf, tmp_path / "model.joblib")
    _same_model(joblib.load(tmp_path / "model.joblib"), clf, X)


def test_skops_needs_to_trust_only_skhnm_beyond_the_estimator(fitted):
    sio = pytest.importorskip("skops.io")
    clf, X = fitted
    data = sio.dumps(clf)
    # Types skops distrusts in the wrapped estimator itself (a tree's Tree).
    own = set(sio.get_untrusted_types(data=sio.dumps(clf.estimator_)))
    untrusted = set(sio.get_untrusted_types(data=data))
    expected = {"skhnm._classifier.HardNegativeMiningClassifier"}
    if clf.inclusion_floor_ is not None:  # the corrected predictor, as fitted
        expected.add("skhnm._case_control.CaseControlPredictor")
    assert untrusted - own == expected
    _same_model(sio.loads(data, trusted=sorted(untrusted)), clf, X)


class InterruptedScoring(ClassifierMixin, BaseEstimator):
    """Fits like LogisticRegression; Ctrl-C arrives during the second pass."""

    calls = 0

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, X):
        type(self).calls += 1
        if type(self).calls == 12:
            raise KeyboardInterrupt
        return self.model_.decision_function(X)

    def predict(self, X):
        return self.model_.predict(X)


def test_keyboard_interrupt_during_a_pass_leaves_no_threads(imbalanced):
    X, y = imbalanced
    before = set(threading.enumerate())
    InterruptedScoring.calls = 0
    clf = HardNegativeMiningClassifier(
        InterruptedScoring(),
        weighting=None,
        threshold=-1.0,
        batch_size=50,
        n_jobs=2,
        random_state=0,
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert set(threading.enumerate()) <= before
    with pytest.raises(NotFittedError):
        clf.predict(X[:2])


def test_a_buffer_round_trip_keeps_no_reference_to_the_pool(imbalanced):
    """The fitted model holds indices, not rows: its size does not grow with X."""
    X, y = imbalanced
    small = HardNegativeMiningClassifier(random_state=0).fit(X, y)
    big_X = np.vstack([X] * 10)
    big = HardNegativeMiningClassifier(random_state=0).fit(big_X, np.tile(y, 10))
    buf_small, buf_big = io.BytesIO(), io.BytesIO()
    pickle.dump(small, buf_small)
    pickle.dump(big, buf_big)
    # Index arrays grow with the rows (8 bytes each), the pool's rows do not.
    assert buf_big.tell() - buf_small.tell() < 9 * 8 * (big_X.shape[0] - X.shape[0])
    assert buf_big.tell() < big_X.nbytes / 4


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
