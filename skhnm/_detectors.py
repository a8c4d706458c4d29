"""Multiclass mining's predictions: one binary detector per class, a background.

As R-CNN does, every class but the background (``negative_label``) has its
own detector, a binary estimator fitted on 1 for the class's rows and 0 for
every other row (the background and the other classes). Mining, with one
pass a round for all of them, is in :func:`skhnm._mining.mine_jointly`; this
module turns the detectors' outputs into scikit-learn's multiclass
conventions, one column per class of ``classes_``:

- ``decision_function``: each detector's decision value in its class's
  column, and 0, the detectors' own decision boundary, in the background's
  (with two classes, one column towards ``classes_[1]``, as scikit-learn's
  binary classifiers give);
- ``predict_proba``: each detector's probability of its class, and one minus
  the largest of them for the background, rows normalised to sum to one (as
  :class:`~sklearn.multiclass.OneVsRestClassifier` does);
- ``predict``: the background where no detector fires (every decision value
  at most 0, or every probability at most 0.5), else the class of the
  highest-scoring detector, so that it is the argmax of either of the above.
"""

import numpy as np
from sklearn.utils.metaestimators import available_if


def _detectors_have(method):
    def check(self):
        return hasattr(next(iter(self.estimators.values())), method)

    return check


class DetectorSet:
    """The fitted detectors of a multiclass run, predicting as one classifier.

    Parameters
    ----------
    estimators : dict
        Fitted binary detectors (classes 0 and 1), keyed by their class.
    classes : ndarray
        Every class, the background's included, sorted.
    background : object
        The background class.
    """

    def __init__(self, estimators, classes, background):
        self.estimators = estimators
        self.classes_ = classes
        self.background = background
        self._columns = [np.flatnonzero(classes == label)[0] for label in estimators]
        self._background_column = int(np.flatnonzero(classes == background)[0])

    def _detector_columns(self, method, X, params):
        """(n_samples, n_detectors): each detector's score of its class."""
        out = []
        for est in self.estimators.values():
            scores = np.asarray(getattr(est, method)(X, **params))
            if scores.ndim == 2:
                scores = scores[:, 1] if scores.shape[1] == 2 else scores[:, -1]
            out.append(scores)
        return np.column_stack(out).astype(np.float64, copy=False)

    def _spread(self, detector_scores, background_scores):
        out = np.empty((detector_scores.shape[0], self.classes_.size))
        out[:, self._columns] = detector_scores
        out[:, self._background_column] = background_scores
        return out

    @available_if(_detectors_have("decision_function"))
    def decision_function(self, X, **params):
        scores = self._spread(
            self._detector_columns("decision_function", X, params), 0.0
        )
        if self.classes_.size == 2:
            # scikit-learn's binary convention: one column, towards classes_[1].
            return scores[:, 1] - scores[:, 0]
        return scores

    @available_if(_detectors_have("predict_proba"))
    def predict_proba(self, X, **params):
        proba = self._detector_columns("predict_proba", X, params)
        out = self._spread(proba, 1.0 - proba.max(axis=1))
        total = out.sum(axis=1, keepdims=True)
        # Every detector at probability 1 leaves a background of 0, never
        # an all-zero row: the detectors' columns sum to at least 1 then.
        return out / total

    @available_if(_detectors_have("predict_proba"))
    def predict_log_proba(self, X, **params):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, **params))

    def predict(self, X, **params):
        any_est = next(iter(self.estimators.values()))
        if hasattr(any_est, "decision_function"):
            scores, boundary = (
                self._detector_columns("decision_function", X, params),
                0.0,
            )
        else:
            scores, boundary = self._detector_columns("predict_proba", X, params), 0.5
        labels = self.classes_[self._columns]
        best = np.argmax(scores, axis=1)
        fires = scores[np.arange(scores.shape[0]), best] > boundary
        out = np.full(scores.shape[0], self.background, dtype=self.classes_.dtype)
        out[fires] = labels[best[fires]]
        return out
