import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from skhnm._scoring import (
    auto_batch_size,
    positive_scores,
    resolve_response_method,
    score_rows,
)


@pytest.fixture
def fitted(imbalanced):
    X, y = imbalanced
    return LogisticRegression().fit(X, y), X, y


@pytest.mark.parametrize("batch_size", [None, 1, 7, 256, 10_000])
def test_score_rows_matches_estimator_in_any_chunking(fitted, batch_size):
    model, X, _ = fitted
    rows = np.sort(np.random.default_rng(0).choice(X.shape[0], 777, replace=False))
    scores = score_rows(
        model,
        X,
        rows,
        response_method="decision_function",
        pos_label=1,
        batch_size=batch_size,
    )
    np.testing.assert_allclose(scores, model.decision_function(X[rows]), rtol=1e-12)


def test_score_rows_on_sparse_and_contiguous_rows(fitted):
    model, X, _ = fitted
    rows = np.arange(100, 900)
    dense = score_rows(model, X, rows, response_method="decision_function", pos_label=1)
    sparse = score_rows(
        model, sp.csr_matrix(X), rows, response_method="decision_function", pos_label=1
    )
    np.testing.assert_allclose(dense, sparse, rtol=1e-10)


def test_positive_scores_orientation(fitted):
    model, X, _ = fitted
    decision = model.decision_function(X[:20])
    proba = model.predict_proba(X[:20])
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "decision_function", 1), decision
    )
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "decision_function", 0), -decision
    )
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "predict_proba", 0), proba[:, 0]
    )
    np.testing.assert_allclose(
        positive_scores(model, X[:20], "predict_proba", 1), proba[:, 1]
    )


def test_resolve_response_method():
    assert resolve_response_method(LogisticRegression(), "auto") == "decision_function"
    assert resolve_response_method(DecisionTreeClassifier(), "auto") == "predict_proba"
    with pytest.raises(ValueError, match="response_method='predict_proba'"):
        resolve_response_method(SVC(), "predict_proba")


def test_nan_scores_raise(fitted):
    _, X, _ = fitted

    class NaNModel:
        classes_ = np.array([0, 1])

        def decision_function(self, X):
            out = np.zeros(X.shape[0])
            out[::2] = np.nan
            return out

    with pytest.raises(ValueError, match="NaN for 5 of 10 pool rows"):
        score_rows(
            NaNModel(),
            X,
            np.arange(10),
            response_method="decision_function",
            pos_label=1,
        )


def test_auto_batch_size_bounds_chunk_bytes():
    assert auto_batch_size(np.empty((10, 8), dtype=np.float64)) == 65_536
    wide = np.empty((10, 100_000), dtype=np.float64)
    assert auto_batch_size(wide) == 256
    mid = np.empty((10, 512), dtype=np.float32)
    assert auto_batch_size(mid) * 512 * 4 <= 8 * 2**20
