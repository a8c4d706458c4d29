"""The model side of a run: fit the wrapped estimator on rows of the pool.

:class:`EstimatorLearner` answers the mining loop's three questions
(:class:`skhnm._mining.Learner`): fit a model on these rows, which of them
must never be evicted, and how good is a model on the validation rows.
"""

import contextlib
import inspect

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params

from . import _frames
from ._rows import member
from ._steps import averages_loss, final_step
from ._threads import blas_threads

# Seeds drawn for the estimator, the sampler and the guard: int32, as
# every random_state takes.
MAX_SEED = np.iinfo(np.int32).max
# Every LogisticRegression solver that takes a starting point (liblinear
# ignores warm_start); benchmarks/bench_rounds.py warm measures what the
# start saves per solver.
_WARM_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga")
# Each lbfgs iteration alternates scikit-learn's OpenMP loss loop with BLAS
# products. NumPy's and SciPy's OpenBLAS run on pthreads, and the two pools'
# spinning threads take each other's cores (scikit-learn#28883,
# OpenBLAS#3187): lbfgs fits faster with BLAS on one thread
# (benchmarks/bench_cost.py prints the full fit both ways). newton-cg was
# measured slower so, and keeps BLAS's threads.
_SPINNING_SOLVERS = ("lbfgs",)


def seed_random_states(estimator, seed):
    """Fix every unset `random_state` inside `estimator` to `seed`.

    Each round then fits the same deterministic learner, so the model depends
    only on the working set and on the miner's own `random_state`.
    """
    params = estimator.get_params(deep=True)
    unset = {
        key: seed
        for key, value in params.items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    return estimator.set_params(**unset) if unset else estimator


def support_rows(model, train_rows, rows):
    """Which of `rows` are support vectors of `model` (fitted on `train_rows`).

    Estimators that report them (`support_`, as SVC and NuSVC do, also at the
    end of a Pipeline) are asked; for the others no row is protected here,
    and a margin threshold protects the margin's rows.
    """
    support = getattr(final_step(model)[1], "support_", None)
    if support is None:
        return np.zeros(rows.shape[0], dtype=bool)
    return member(rows, np.sort(train_rows[np.asarray(support)]))


def warm_start(estimator, previous):
    """Start `estimator`'s fit from `previous`'s solution, if it is safe.

    Only convex problems whose solvers take a starting point, where the
    solution does not depend on it: penalised LogisticRegression
    (`_WARM_SOLVERS`), as the estimator or a Pipeline's final step. Returns
    the parameters to set back after the fit, or None when the fit stays
    cold.
    """
    prefix, final = final_step(estimator)
    _, before = final_step(previous)
    if not (
        isinstance(final, LogisticRegression)
        and type(final) is type(before)
        and final.solver in _WARM_SOLVERS
        and getattr(before, "coef_", None) is not None
        # Unpenalised, a working set that separates has no optimum: where
        # the solver stops would depend on where it started.
        and np.isfinite(final.C)
        and final.penalty is not None
    ):
        return None
    restore = {prefix + "warm_start": final.warm_start}
    estimator.set_params(**{prefix + "warm_start": True})
    final.coef_ = before.coef_.copy()
    final.intercept_ = np.array(before.intercept_, copy=True)
    return restore


def fit_threads(estimator):
    """The threads `estimator`'s fit runs under: BLAS on one thread for a
    LogisticRegression whose solver spins against it (`_SPINNING_SOLVERS`),
    as the estimator or a Pipeline's final step; as they are otherwise."""
    _, final = final_step(estimator)
    if isinstance(final, LogisticRegression) and final.solver in _SPINNING_SOLVERS:
        return blas_threads(1)
    return contextlib.nullcontext()


def validation_scorer(estimator, scoring, pos_label):
    """A validation scorer that treats `pos_label` as the positive class.

    A named scorer whose metric takes `pos_label` is rebuilt with it
    (`set_score_request`-free: the scorer's own keyword arguments).
    """
    scorer = check_scoring(estimator, scoring=scoring)
    if (
        isinstance(scoring, str)
        and isinstance(scorer, _BaseScorer)
        and "pos_label" in inspect.signature(scorer._score_func).parameters
    ):
        scorer = type(scorer)(
            scorer._score_func,
            scorer._sign,
            {**scorer._kwargs, "pos_label": pos_label},
            scorer._response_method,
        )
    return scorer


class EstimatorLearner:
    """Fits fresh, seeded clones of the estimator on rows of a pool.

    Working rows are positives or negatives, so their labels follow from
    the positives' indices: no label array of the pool's size is needed.
    With `warm`, a round's fit starts from the previous round's solution
    where :func:`warm_start` knows how. `weight_keys` name the fit
    parameters that carry the mining weights (:mod:`skhnm._weighting`).
    An estimator that averages its weighted loss gets them scaled to mean
    1: their sum estimates the pool's size, and the full fit's mean loss
    is their mean (:func:`skhnm._steps.averages_loss`).

    Parameters
    ----------
    base : estimator
    seed : int
        Fixes the estimator's unset random states, once for every round.
    pool : skhnm._pools.Pool
    positives : sorted ndarray of int
    classes : ndarray of two labels, the positive one `pos_label`
    params : dict
        Fit parameters over all rows; arrays of their length are subset.
    validation : callable ``validation(model)`` or None
        Early stopping's score (greater is better).
    """

    def __init__(
        self,
        base,
        seed,
        pool,
        positives,
        classes,
        pos_label,
        params,
        warm=False,
        weight_keys=(),
        validation=None,
    ):
        self.base = seed_random_states(clone(base), seed)
        self.pool = pool
        self.positives, self.classes = positives, classes
        self.i_pos = int(np.flatnonzero(classes == pos_label)[0])
        self.params = params
        self.warm = warm
        self.weight_keys = weight_keys
        self.averages = averages_loss(self.base)
        self.validate = validation
        self.previous = None

    def labels(self, rows):
        is_pos = member(rows, self.positives)
        return self.classes[np.where(is_pos, self.i_pos, 1 - self.i_pos)]

    def fit(self, rows, rnd, weights=None):
        """A model fitted on the sorted `rows`, `weights` multiplying the
        user's sample weights (a weighted population) unless None."""
        est = clone(self.base)
        restore = None
        if self.warm and self.previous is not None:
            restore = warm_start(est, self.previous)
        params = _check_method_params(self.pool.X, self.params, rows)
        if weights is not None:
            if self.averages:
                # Unscaled, the loss would outweigh the penalty (alpha) by
                # the pool's size over the set's, and SGD's steps with it.
                weights = weights * (weights.size / weights.sum())
            for key in self.weight_keys:
                user = params.get(key)
                params[key] = weights if user is None else np.asarray(user) * weights
        try:
            with fit_threads(est):
                model = est.fit(self.pool.rows(rows), self.labels(rows), **params)
        except (ValueError, TypeError) as exc:
            if _frames.is_one_dimensional(self.pool.X):
                exc.add_note(_frames.ONE_DIMENSIONAL_HELP)
            raise
        if restore:
            model.set_params(**restore)  # the user's parameter, as cloned
        self.previous = model
        return model

    protected = staticmethod(support_rows)


class Validation:
    """Early stopping's score of a model on the held-out rows."""

    def __init__(self, scorer, X_val, y_val, sample_weight, val_rows):
        self.scorer, self.X_val, self.y_val = scorer, X_val, y_val
        self.params = {}
        if sample_weight is not None:
            self.params["sample_weight"] = _safe_indexing(sample_weight, val_rows)

    def __call__(self, model):
        return self.scorer(model, self.X_val, self.y_val, **self.params)
