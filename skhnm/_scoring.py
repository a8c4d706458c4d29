"""The scoring engine: (fitted estimator, pool rows) -> one hardness score per row.

A pass walks the requested rows in chunks, so its temporaries are O(chunk)
and the pool is never copied whole; a chunk of consecutive rows is a view.
"""

import numpy as np
from sklearn.utils import _safe_indexing

# Target size of one chunk of the pool, in bytes of its dense rows.
_CHUNK_BYTES = 8 * 2**20
_MIN_BATCH, _MAX_BATCH = 256, 65_536


def resolve_response_method(estimator, response_method):
    """Name the method that gives hardness scores for `estimator`.

    `"auto"` prefers `decision_function` (a margin, as in the seed papers)
    and falls back to `predict_proba`.
    """
    if response_method == "auto":
        for name in ("decision_function", "predict_proba"):
            if hasattr(estimator, name):
                return name
        raise ValueError(
            f"The estimator {estimator!r} has neither decision_function nor "
            "predict_proba; hard negative mining needs one of them to score "
            "the pool (response_method='auto')."
        )
    if not hasattr(estimator, response_method):
        raise ValueError(
            f"response_method={response_method!r} but the estimator "
            f"{estimator!r} has no {response_method} method."
        )
    return response_method


def positive_scores(estimator, X, response_method, pos_label):
    """Score `X` with a fitted binary `estimator`: higher means more positive.

    The positive-class column of `predict_proba`, or the `decision_function`
    value oriented so that `pos_label` is the positive side.
    """
    classes = estimator.classes_
    if response_method == "predict_proba":
        proba = estimator.predict_proba(X)
        return np.asarray(proba)[:, np.flatnonzero(classes == pos_label)[0]]
    decision = np.asarray(estimator.decision_function(X))
    if decision.ndim == 2:
        decision = decision[:, -1] if decision.shape[1] == 1 else decision[:, 1]
    # Binary decision functions are oriented towards classes_[1].
    return decision if pos_label == classes[1] else -decision


def auto_batch_size(X):
    """Rows per chunk so that a chunk holds about `_CHUNK_BYTES` of data."""
    n_features = X.shape[1] if len(X.shape) > 1 else 1
    itemsize = getattr(getattr(X, "dtype", None), "itemsize", 8) or 8
    row_bytes = max(1, n_features * itemsize)
    return int(np.clip(_CHUNK_BYTES // row_bytes, _MIN_BATCH, _MAX_BATCH))


def _take_rows(X, rows):
    """Rows of `X`; a run of consecutive indices is taken as a slice (a view)."""
    if rows.size and rows[-1] - rows[0] == rows.size - 1:
        rows = slice(int(rows[0]), int(rows[-1]) + 1)
    return _safe_indexing(X, rows)


def score_rows(estimator, X, rows, *, response_method, pos_label, batch_size=None):
    """Hardness scores of `X[rows]`, computed chunk by chunk.

    Parameters
    ----------
    estimator : fitted classifier
    X : array-like, sparse matrix or DataFrame of shape (n_samples, n_features)
        The pool; only `rows` are read.
    rows : ndarray of int, sorted ascending
        The rows to score.
    response_method : {"predict_proba", "decision_function"}
    pos_label : object
        The positive class.
    batch_size : int, default=None
        Rows per chunk; None picks one from the row size.

    Returns
    -------
    scores : ndarray of shape (len(rows),), dtype float64

    Raises
    ------
    ValueError
        If the estimator returns NaN for any row.
    """
    scores = np.empty(rows.shape[0], dtype=np.float64)
    step = batch_size or auto_batch_size(X)
    for start in range(0, rows.shape[0], step):
        chunk = rows[start : start + step]
        scores[start : start + chunk.shape[0]] = positive_scores(
            estimator, _take_rows(X, chunk), response_method, pos_label
        )
    n_nan = int(np.count_nonzero(np.isnan(scores)))
    if n_nan:
        raise ValueError(
            f"The estimator's {response_method} returned NaN for {n_nan} of "
            f"{rows.shape[0]} pool rows; hardness cannot be ranked. Check the "
            "pool for missing values the estimator does not handle."
        )
    return scores
