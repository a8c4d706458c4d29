"""The case-control working set: one pass, and a fit that stands for the pool.

``weighting="case_control"``, the default. A pilot (round 0: every positive
and a uniform draw of the negatives, a share `floor` of them) scores the
pool once; every negative outside is kept with probability

    pi(x) = min(1, exp(s(x) - threshold))

where s is the pilot's decision value (a log-odds for a logistic loss, a
margin for a hinge loss): surely at or above the threshold (the hard
negatives), and less often the easier it is. For a logistic loss exp(s)
is the odds, close to p(x), the negative's loss gradient: local
case-control sampling (Fithian & Hastie 2014), which keeps every positive
as rare-event subsampling does (Wang, Zhang & Wang 2021). A negative is in
the working set with probability

    P(x) = floor + (1 - floor) * pi(x),

known for every x, and the final fit accounts for it:

- "log_odds" (an estimator with predict_proba: a logistic loss) is fitted
  unweighted, and its log-odds are corrected at prediction:
  logit p(x) = s_fit(x) + log P(x), exact for a logistic model, since
  sampling negatives at rate P(x) multiplies the odds by 1 / P(x)
  (:class:`CaseControlPredictor`). The pilot and the model together form a
  two-stage model, as a detection cascade does.
- "weights" (the others: margin losses) is fitted with weights 1 / P(x),
  the Horvitz-Thompson estimate of the full-data loss; weights are bounded
  by 1 / floor.

Probabilities under ``EPSILON`` are rounded to 0 (the pass keeps O(kept)
rows), consistently at fit and at prediction.
"""

import math

import numpy as np
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin

from ._mining import (
    HISTORY_KEYS,
    LARGE_POOL,
    Round,
    RunRecord,
    _Best,
    _Fitted,
    _in_round,
    _timed,
)
from ._rows import member, merge
from ._scoring import positive_scores
from ._selection import Cut

# pi below this is 0: the pass keeps no row that would be drawn so rarely.
EPSILON = 1e-3
# A working set never holds fewer negatives than this (every negative of a
# smaller pool): fits on fewer rows cost less than a pass, and sampling
# them saves nothing but adds variance.
MIN_NEGATIVES = 500
# threshold="auto": one unit of decision value above the pilot's boundary.
AUTO_THRESHOLD = 1.0


def log_odds(scores, response_method):
    """Decision values as they are; probabilities as their log-odds."""
    scores = np.asarray(scores, dtype=np.float64)
    if response_method != "predict_proba":
        return scores
    p = np.clip(scores, 1e-300, 1.0)
    return np.log(p) - np.log1p(-np.minimum(p, 1.0 - 1e-16))


def on_scale(value, response_method):
    """A decision value on the scale of `response_method`'s scores."""
    return float(expit(value)) if response_method == "predict_proba" else value


def keep_probability(s, threshold):
    """pi(s): 1 at or above `threshold`, exp(s - threshold) below, 0 under
    EPSILON."""
    pi = np.exp(np.minimum(np.asarray(s, dtype=np.float64) - threshold, 0.0))
    pi[pi < EPSILON] = 0.0
    return pi


def inclusion(s, threshold, floor):
    """P(x): the probability that a negative scoring `s` is in the working set."""
    return floor + (1.0 - floor) * keep_probability(s, threshold)


def pass_cut(threshold, response_method):
    """The pass keeps the rows whose pi is at least EPSILON."""
    return on_scale(threshold + math.log(EPSILON), response_method)


def draw(s, threshold, rng):
    """Which of the pass's rows join, each with probability pi (a mask),
    and their pi, from their log-odds `s`.

    The pass's rows are sorted, so the draw depends on the rows and `rng`
    alone, whatever the batch size, threads or backend of the pass.
    """
    pi = keep_probability(s, threshold)
    return rng.random_sample(s.size) < pi, pi


class CaseControlPredictor(ClassifierMixin, BaseEstimator):
    """A model fitted on a case-control sample, predicting for the population.

    ``logit p(x) = s_model(x) + log P(x)``, with P(x) the negative's
    inclusion probability, computed from the pilot's score of x. A `pilot`
    of None means a uniform sample (P = `floor` everywhere).

    Parameters
    ----------
    pilot, estimator : fitted binary classifiers
    floor : float
        The share of the negatives drawn uniformly (the least P).
    threshold : float
        The keep probability's threshold, as a decision value.
    response_method : str
        How both are scored: "decision_function" (a log-odds) or
        "predict_proba".
    pos_label : object
        The positive class.
    """

    def __init__(self, pilot, estimator, floor, threshold, response_method, pos_label):
        self.pilot = pilot
        self.estimator = estimator
        self.floor = floor
        self.threshold = threshold
        self.response_method = response_method
        self.pos_label = pos_label

    @property
    def classes_(self):
        return self.estimator.classes_

    def _log_odds(self, model, X):
        scores = positive_scores(model, X, self.response_method, self.pos_label)
        return log_odds(scores, self.response_method)

    def log_odds(self, X):
        """The corrected log-odds of `pos_label`."""
        logit = self._log_odds(self.estimator, X)
        if self.pilot is None:
            return logit + math.log(self.floor)
        s = self._log_odds(self.pilot, X)
        return logit + np.log(inclusion(s, self.threshold, self.floor))

    def _towards_last(self, X):
        z = self.log_odds(X)
        return z if self.pos_label == self.classes_[-1] else -z

    def decision_function(self, X):
        return self._towards_last(X)

    def predict_log_proba(self, X):
        z = self._towards_last(X)
        return np.column_stack([log_expit(-z), log_expit(z)])

    def predict_proba(self, X):
        z = self._towards_last(X)
        return np.column_stack([expit(-z), expit(z)])

    def predict(self, X):
        return self.classes_[(self._towards_last(X) > 0).astype(int)]


class SampledRun(RunRecord):
    """One case-control run: the pilot's fit, one pass, the final fit.

    The same interface as the bootstrap's run (:class:`skhnm._mining._Run`):
    :meth:`fit` returns a round's fit and the pass's cut, or no cut when no
    pass follows (then :meth:`finish` ends the run); :meth:`step` draws the
    sample from the pass's rows.
    """

    def __init__(self, task):
        self.task = task
        self.pool, self.learner = task.pool, task.learner
        self.positives, self.settings = task.positives, task.settings
        initial = np.sort(np.asarray(task.initial, dtype=np.intp))
        self.n_negatives = self.pool.n_outside
        self.pool.enter(initial, 0)
        self.work = initial
        self.floor = initial.size / self.n_negatives
        rm = self.settings.response_method
        # The threshold as a decision value (the settings hold it on the
        # scores' scale).
        self.threshold = float(log_odds([self.settings.threshold], rm)[0])
        self.work_scores = None  # the pilot's log-odds of the working negatives
        self.pilot = None
        self.history = {key: [] for key in HISTORY_KEYS}
        self.best = _Best(self.settings)
        self.termination = ""
        self.n_rounds = 0
        self.model = None
        self.notes = list(getattr(self.pool, "notes", ()))

    def fit(self, rnd):
        record = Round(rnd, self.work.size)
        with _timed(record, "fit_time"), _in_round("fitting the estimator", rnd):
            train_rows = merge(self.positives, self.work)
            weights = None
            if rnd and self.settings.design == "weights":
                weights = np.ones(train_rows.size)
                P = inclusion(self.work_scores, self.threshold, self.floor)
                weights[~member(train_rows, self.positives)] = 1.0 / P
                record.random_weight = float(1.0 / P.min())
            record.effective_size = float(
                train_rows.size
                if weights is None
                else weights.sum() ** 2 / np.dot(weights, weights)
            )
            estimator = self.learner.fit(train_rows, rnd, weights)
        model = estimator
        if self.settings.design == "log_odds":
            model = CaseControlPredictor(
                self.pilot, estimator, self.floor, self.threshold,
                self.settings.response_method, self.settings.pos_label,
            )  # fmt: skip
        if self.learner.validate is not None:
            record.validation_score = float(self.learner.validate(model))
            self.best.update(record.validation_score, rnd, model, self.work)
        self.model = model
        cut = None
        if rnd == 0 and self.settings.max_rounds > 0:
            self.pilot = estimator
            cut = Cut(pass_cut(self.threshold, self.settings.response_method))
        # The pass scores with the pilot itself, on its own scale.
        return _Fitted(record, train_rows, estimator, cut, None)

    def step(self, fitted, selection, pass_time):
        """Draw the sample from the pass's rows; the final fit follows."""
        record, rm = fitted.record, self.settings.response_method
        record.score_time += pass_time
        record.n_scored, record.cut = selection.n_scored, fitted.cut.threshold
        if selection.n_scored == 0:
            return self._end(record, "pool_exhausted")
        with _timed(record, "score_time"), _in_round("scoring the pool", 0):
            s = log_odds(selection.scores, rm)
            kept, pi = draw(s, self.threshold, self.task.rng)
            added = selection.rows[kept]
            record.n_hard = int(np.count_nonzero(pi == 1.0))
            if self.settings.design == "weights":
                initial = log_odds(self.pool.score(self.pilot, self.work), rm)
                scores = np.r_[initial, s[kept]]
                order = np.argsort(np.r_[self.work, added], kind="stable")
                self.work_scores = scores[order]
        self.pool.enter(added, 1)
        self.work = merge(self.work, added)
        record.n_added = added.size
        if (
            self.work.size > 0.5 * self.n_negatives
            and self.n_negatives >= LARGE_POOL
            and self.floor < 0.5
        ):
            self.notes.append(
                (
                    f"weighting='case_control' kept {self.work.size} of the "
                    f"{self.n_negatives} negatives, more than half: the pilot "
                    "scores many negatives near its boundary, and the fit "
                    "costs almost a full-data fit. Raise threshold (each unit "
                    "keeps e times fewer of the easier negatives), or set "
                    "weighting=None.",
                    UserWarning,
                )
            )
        self.log(record)

    def finish(self, fitted):
        """The fit no pass follows: the run ends."""
        self._end(fitted.record, "sampled" if fitted.record.round else "max_rounds")

    def _end(self, record, termination):
        self.termination = termination
        self.log(record)

    def _notes(self):
        return self.notes
