"""Multiclass predictions from one binary detector per class
(skhnm._detectors): scikit-learn's conventions, one column per class."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skhnm._detectors import DetectorSet


def _detectors(make, X, y, classes, background):
    return DetectorSet(
        {k: make().fit(X, (y == k).astype(int)) for k in classes if k != background},
        np.asarray(classes),
        background,
    )


def test_columns_follow_classes_and_the_background_is_the_boundary(detection):
    X, y = detection
    labels = np.array(["bg", "car", "dog", "face"])[y]
    detectors = _detectors(
        LogisticRegression, X, labels, ["bg", "car", "dog", "face"], "bg"
    )
    decision = detectors.decision_function(X)
    assert decision.shape == (X.shape[0], 4)
    np.testing.assert_array_equal(decision[:, 0], 0.0)
    np.testing.assert_allclose(
        decision[:, 2], detectors.estimators["dog"].decision_function(X)
    )
    proba = detectors.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = detectors.predict(X)
    fires = decision[:, 1:].max(axis=1) > 0
    assert (pred[~fires] == "bg").all()
    np.testing.assert_array_equal(
        pred[fires],
        np.array(["bg", "car", "dog", "face"])[np.argmax(decision[fires], axis=1)],
    )


def test_two_classes_give_one_decision_column_towards_the_second(imbalanced):
    X, y = imbalanced
    for background in (0, 1):
        detectors = _detectors(LogisticRegression, X, y, [0, 1], background)
        (detector,) = detectors.estimators.values()
        decision = detectors.decision_function(X)
        assert decision.shape == (X.shape[0],)
        sign = 1 if background == 0 else -1
        np.testing.assert_allclose(decision, sign * detector.decision_function(X))
        np.testing.assert_array_equal(detectors.predict(X), (decision > 0).astype(int))


def test_methods_the_detectors_lack_are_not_offered(detection):
    X, y = detection
    detectors = _detectors(LinearSVC, X, y, [0, 1, 2, 3], 0)
    assert hasattr(detectors, "decision_function")
    assert not hasattr(detectors, "predict_proba")
    assert not hasattr(detectors, "predict_log_proba")
