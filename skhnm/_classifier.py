"""HardNegativeMiningClassifier: the scikit-learn face of the bootstrap.

This module holds parameters, input validation, delegation, metadata routing
and tags. The algorithm is in :mod:`skhnm._mining`; scoring is in
:mod:`skhnm._scoring`; multiclass predictions from one detector per class
are in :mod:`skhnm._multiclass`.
"""

import functools
import inspect
import math
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)

from . import _dask, _namespace
from ._compiled import compile_scorer
from ._mining import Learner, Settings, Task, draw_outside, mine_jointly
from ._multiclass import DetectorSet
from ._pool import Scoring, code_dtype, make_pool, round_dtype
from ._progress import scoring_progress
from ._rows import member, merge
from ._scoring import resolve_response_method
from .exceptions import PoolTooSmallWarning, warn_once

_MAX_SEED = np.iinfo(np.int32).max


def _estimator_has(attr):
    """`available_if` check: the fitted estimator, else the one to be fitted."""

    def check(self):
        if hasattr(self, "estimators_"):  # multiclass: the detectors
            return attr == "predict" or hasattr(
                next(iter(self.estimators_.values())), attr
            )
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._base_estimator(), attr)

    return check


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "iloc")


def _flatnonzero(mask):
    """Rows where `mask` holds; a Dask mask is reduced on its cluster."""
    if _dask.is_dask_array(mask):
        import dask.array as da

        return np.asarray(da.flatnonzero(mask).compute(), dtype=np.intp)
    return np.flatnonzero(mask)


def _take(y, rows):
    return y[rows].compute() if _dask.is_dask_array(y) else y[rows]


def _binary_classes(y):
    """The classes of `y`, their counts, and the target type, in few passes.

    Integer and boolean labels take a fast path (two passes for min and max,
    two counts) instead of sorting every label three times; other labels go
    through scikit-learn's checks. A Dask `y` is reduced on its cluster.
    """
    if _dask.is_dask_array(y):
        import dask.array as da

        classes, counts = da.unique(y, return_counts=True)
        classes, counts = (np.asarray(a) for a in da.compute(classes, counts))
        return classes, counts, type_of_target(classes, input_name="y")
    if y.ndim == 1 and y.size and y.dtype.kind in "biu":
        lo, hi = y.min(), y.max()
        if lo == hi:
            return np.array([lo], dtype=y.dtype), np.array([y.size]), "binary"
        n_lo, n_hi = np.count_nonzero(y == lo), np.count_nonzero(y == hi)
        if n_lo + n_hi == y.size:
            return np.array([lo, hi], dtype=y.dtype), np.array([n_lo, n_hi]), "binary"
        classes, counts = np.unique(y, return_counts=True)
        return classes, counts, "multiclass"
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    classes, counts = np.unique(y, return_counts=True)
    return classes, counts, y_type


def _rows_of_params(params, rows, n_samples):
    """Subset the sample-aligned fit parameters (arrays of length n_samples)."""
    out = {}
    for key, value in params.items():
        aligned = (
            value is not None
            and not np.isscalar(value)
            and hasattr(value, "__len__")
            and _num_samples(value) == n_samples
        )
        out[key] = _safe_indexing(value, rows) if aligned else value
    return out


def _as_count(value, n_positives):
    """An int is a count; a float is a multiple of the number of positives."""
    if value is None or isinstance(value, Integral):
        return value
    return max(1, math.floor(value * n_positives))


def _weighted_steps(pipeline):
    """Names of a Pipeline's steps whose fit takes sample_weight.

    Empty unless `pipeline` is a Pipeline whose final step takes them.
    """
    steps = getattr(pipeline, "steps", None)
    if not isinstance(steps, list) or not steps:
        return []
    named = [(n, s) for n, s in steps if s is not None and s != "passthrough"]
    takes = [n for n, s in named if has_fit_parameter(s, "sample_weight")]
    return takes if named and named[-1][0] in takes else []


def _support_rows(model, train_rows, rows):
    """Which of `rows` are support vectors of `model` (fitted on `train_rows`).

    Estimators that report them (`support_`, as SVC and NuSVC do, also at the
    end of a Pipeline) are asked; for the others no row is protected here,
    and a margin threshold protects the margin's rows.
    """
    support = getattr(_final_step(model)[1], "support_", None)
    if support is None:
        return np.zeros(rows.shape[0], dtype=bool)
    return member(rows, np.sort(train_rows[np.asarray(support)]))


def _seed_random_states(estimator, seed):
    """Fix every unset `random_state` inside `estimator` to `seed`.

    Each round then fits the same deterministic learner, so the model depends
    only on the working set and on this classifier's own `random_state`.
    """
    params = estimator.get_params(deep=True)
    unset = {
        key: seed
        for key, value in params.items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    return estimator.set_params(**unset) if unset else estimator


def _scorer_for(estimator, scoring, pos_label):
    """A validation scorer that treats `pos_label` as the positive class."""
    scorer = check_scoring(estimator, scoring=scoring)
    kwargs = getattr(scorer, "_kwargs", None)
    score_func = getattr(scorer, "_score_func", None)
    if (
        isinstance(scoring, str)
        and kwargs is not None
        and score_func is not None
        and "pos_label" in inspect.signature(score_func).parameters
    ):
        # check_scoring returned a fresh copy: setting pos_label is local to it.
        kwargs["pos_label"] = pos_label
    return scorer


def _check_namespace_pool(X, xp):
    """Checks of a pool that stays in its array namespace (never copied)."""
    if len(X.shape) != 2:
        raise ValueError(
            f"Expected a 2-D array for X, got an array of shape {tuple(X.shape)}."
        )
    if not xp.isdtype(X.dtype, ("real floating", "integral")):
        raise ValueError(
            f"X must have a real numeric dtype to be scored; got {X.dtype}."
        )
    if X.shape[0] < 1:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
        )


class _RowFitter:
    """Fits a fresh, seeded clone of the estimator on rows of a pool.

    Working rows are positives or negatives, so their labels follow from
    the positives' indices: no label array of the pool's size is needed.
    With `warm`, a round's fit starts from the previous round's solution
    where :func:`_warm_start` knows how.
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
    ):
        # Seeded once: every round clones the same deterministic learner.
        self.base = _seed_random_states(clone(base), seed)
        self.pool = pool
        self.positives, self.classes = positives, classes
        self.i_pos = int(np.flatnonzero(classes == pos_label)[0])
        self.params = params
        self.n_samples = pool.n_rows
        self.warm = warm
        self.weight_keys = weight_keys
        self.previous = None

    def labels(self, rows):
        is_pos = member(rows, self.positives)
        return self.classes[np.where(is_pos, self.i_pos, 1 - self.i_pos)]

    def __call__(self, rows, rnd, weights=None):
        est = clone(self.base)
        restore = None
        if self.warm and self.previous is not None:
            restore = _warm_start(est, self.previous)
        params = _rows_of_params(self.params, rows, self.n_samples)
        if weights is not None:
            # The mining weights multiply the user's (a weighted population).
            for key in self.weight_keys:
                user = params.get(key)
                params[key] = weights if user is None else np.asarray(user) * weights
        model = est.fit(self.pool.rows(rows), self.labels(rows), **params)
        if restore:
            model.set_params(**restore)  # the user's parameter, as cloned
        self.previous = model
        return model


def _mining_weight_keys(base):
    """The fit parameters that carry mining weights to the estimator.

    A TypeError when the estimator (a Pipeline's final step) cannot take
    them: weights that silently never arrive would leave the fit biased.
    """
    prefix, final = _final_step(base)
    if not prefix:
        if has_fit_parameter(base, "sample_weight"):
            return ("sample_weight",)
    elif _routing_enabled():
        if get_routing_for_object(final).consumes("fit", ["sample_weight"]):
            return ("sample_weight",)
        if has_fit_parameter(final, "sample_weight"):
            raise TypeError(
                "weighting='inverse_probability' passes sample_weight to the "
                "Pipeline's final step, which has not requested it. With "
                "metadata routing enabled, request it: "
                f"{type(final).__name__}().set_fit_request(sample_weight=True)."
            )
    elif steps := _weighted_steps(base):
        return tuple(f"{name}__sample_weight" for name in steps)
    raise TypeError(
        f"weighting='inverse_probability' needs an estimator whose fit takes "
        f"sample_weight; {type(final).__name__}"
        + (" (the Pipeline's final step)" if prefix else "")
        + " does not. Use weighting=None or another estimator."
    )


def _positive_rate(positives, n_negatives, val_rows, sample_weight):
    """The training rows' share of positives, weighted by `sample_weight`."""
    if sample_weight is None:
        return positives.size / (positives.size + n_negatives)
    total = sample_weight.sum() - sample_weight[val_rows].sum()
    rate = float(sample_weight[positives].sum() / total) if total > 0 else math.nan
    if not 0.0 < rate < 1.0:
        raise ValueError(
            "sample_weight leaves a class of the training rows with no weight "
            f"(weighted positive rate {rate}); weighting='inverse_probability' "
            "needs both classes with a positive total weight."
        )
    return rate


def _auto_threshold(response_method, ratio, positive_rate=None):
    """``threshold="auto"``: the working set's class boundary.

    Unweighted, a model fitted on one positive per `ratio` negatives puts
    it at 0.5 (0 for a decision function). A model fitted with
    inverse-probability weights estimates the population's probability, in
    which that same boundary lies where the odds are `ratio` times the
    population's (a likelihood ratio of `ratio`); on a decision function it
    is those odds' logarithm, exact for a logistic loss. Measured on 1M
    rows with 1.2% positives (benchmarks/bench_weighting.py large), this cut
    gave coefficients 0.8% from the full-data fit's with 7.3% of the
    negatives; a likelihood ratio of 1 needed 16% for 0.4%, and one of 10
    used 4.4% for 1.05%.
    """
    if positive_rate is None:
        return 0.5 if response_method == "predict_proba" else 0.0
    odds = ratio * positive_rate / (1.0 - positive_rate)
    if response_method == "predict_proba":
        return odds / (1.0 + odds)
    return math.log(odds)


def _final_step(estimator):
    """``(param prefix, final estimator)`` of a Pipeline, else ``("", it)``."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps:
        return steps[-1][0] + "__", steps[-1][1]
    return "", estimator


# Every LogisticRegression solver that takes a starting point (liblinear
# ignores warm_start). Measured (benchmarks/bench_rounds.py warm: 1M rows,
# 64 correlated features), the rounds after the first needed 2.5x (lbfgs),
# 1.4x (sag), 1.7x (saga), 1.8x (newton-cg) and 2.6x (newton-cholesky) fewer
# iterations from the last solution; on isotropic rows, where a cold lbfgs
# fit takes 8 iterations, the start neither helps nor hurts.
_WARM_SOLVERS = ("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga")


def _warm_start(estimator, previous):
    """Start `estimator`'s fit from `previous`'s solution, if it is safe.

    Only convex problems whose solvers take a starting point, where the
    solution does not depend on it: penalised LogisticRegression
    (`_WARM_SOLVERS`), as the estimator or a Pipeline's final step. Returns
    the parameters to set back after the fit, or None when the fit stays
    cold.
    """
    prefix, final = _final_step(estimator)
    _, before = _final_step(previous)
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


class _Validation:
    """Early stopping's score of a model on the held-out rows."""

    def __init__(self, scorer, X_val, y_val, sample_weight, val_rows):
        self.scorer, self.X_val, self.y_val = scorer, X_val, y_val
        self.params = {}
        if sample_weight is not None:
            self.params["sample_weight"] = _safe_indexing(sample_weight, val_rows)

    def __call__(self, model):
        return self.scorer(model, self.X_val, self.y_val, **self.params)


@dataclass
class _FitInputs:
    """What every detector's run of one `fit` shares."""

    X: object
    base: object
    params: dict
    sample_weight: object
    weight_keys: tuple
    response_method: str
    scoring: Scoring
    classes: np.ndarray  # the labels a detector is fitted on
    rows_of: dict  # each detector's positives (training rows of its class)
    val_rows: np.ndarray
    y_val: np.ndarray
    multiclass: bool
    _X_val: object = None

    def X_val(self, pool):
        """The validation rows, fetched once for every detector."""
        if self._X_val is None:
            self._X_val = pool.rows(self.val_rows, keep=False)
        return self._X_val


class HardNegativeMiningClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Train a classifier by bootstrapping hard negatives.

    Start from every positive and a random subset of the negatives (`ratio`
    negatives per positive); fit; score the negatives left out; add those
    the model gets wrong (scores above `threshold`) to the working set; refit;
    repeat until no hard negative is left, `max_rounds` is reached, the pool
    is used up, or the validation score stops improving. This is the
    bootstrap of Sung & Poggio (1998), used for the detectors of Felzenszwalb
    et al. (2010) and Girshick et al. (2014).

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    estimator : estimator object, default=None
        A binary classifier with `fit` and `predict_proba` or
        `decision_function`. It is cloned for every fit and never modified.
        None means :class:`~sklearn.linear_model.LogisticRegression`. Unset
        `random_state` parameters inside it are fixed from this classifier's
        `random_state`, so every round fits the same deterministic learner.

    ratio : float, default=3.0
        Negatives per positive in the initial working set (rounded to the
        nearest integer count, at least one). If the pool holds fewer
        negatives, all are used and a warning says so.

    criterion : {"threshold", "rank", "k_best"}, default="threshold"
        Which negatives outside the working set are hard after each fit:

        - "threshold": those scoring strictly above `threshold`, the rule of
          the seed papers (a margin or probability cut);
        - "rank": those scoring strictly above the `rank_quantile` quantile
          of the training positives' scores under the same model: the
          negatives that outrank some positives, whatever the score scale;
        - "k_best": the `k_best` highest-scoring ones, whatever their score
          (OHEM's rule); mining then stops only at `max_rounds`, on early
          stopping or when the pool is used up.

        `max_hard_per_round` caps every rule.

    threshold : float or "auto", default="auto"
        The cut of ``criterion="threshold"``: a negative is hard when its
        score is strictly above it. "auto" is 0.5 for probabilities and 0.0
        for decision values. With ``weighting="inverse_probability"`` it is
        the same boundary on the population's scale: the probability whose
        odds are `ratio` times the training rows' positive odds (a
        likelihood ratio of `ratio`), or the log of those odds for decision
        values (exact for a logistic loss; set a threshold by hand for
        margin classifiers). With `decision_function` and a margin
        classifier, -1.0 selects every negative inside the margin, as in DPM.

    rank_quantile : float, default=0.1
        The quantile of the positives' scores that ``criterion="rank"``
        cuts at, in [0, 1]: 0.1 calls hard every negative that outranks the
        lowest tenth of the positives.

    k_best : int or float, default=1.0
        Negatives added per round by ``criterion="k_best"``: an int is a
        count, a float a multiple of the number of positives.

    max_rounds : int, default=10
        Mining rounds after the initial fit. 0 gives a plain undersampled
        fit. The estimator is refit after every round that adds negatives, so
        `estimator_` is always trained on the final working set.

    max_hard_per_round : int, float or None, default=None
        Cap on hard negatives added per round: an int is a count, a float is
        a multiple of the number of positives. The hardest (highest score)
        go first; ties go to the lower row index. None adds every hard
        negative.

    min_hard_per_round : int, float or None, default=0.01
        The progress rule: a round whose hard negatives are fewer than this
        ends the run (``termination_condition_ == "few_hard_negatives"``)
        instead of paying a full refit for a handful of rows. An int is a
        count, a float in (0, 1) a share of the working set's negatives (the
        default: 1% of them). None (or 1) stops only when nothing is hard,
        as the seed papers do; it is what DPM's guarantee of the full-data
        optimum needs.

    warm_start_rounds : bool, default=True
        Each round's fit starts from the previous round's solution where the
        wrapped estimator can continue from one and the result does not
        depend on where it starts: penalised LogisticRegression (finite
        `C`) with any solver but liblinear (lbfgs, newton-cg,
        newton-cholesky, sag, saga), also as the final step of a Pipeline.
        The final model equals a cold fit on the final working set to the
        solver's tolerance (`tol`; exactly only with
        ``warm_start_rounds=False``). Others are refit from scratch:
        liblinear and libsvm (no starting point), SGDClassifier (its
        learning rate restarts, so a start saved no time), trees and neural
        networks (whose result would depend on the start). This is not
        scikit-learn's `warm_start`: it acts between the rounds of one
        `fit`, and `estimator_` keeps the wrapped estimator's own parameter.

    evict_threshold : float or None, default=None
        The cache of DPM and R-CNN: after each fit that mining goes on from,
        working negatives scoring strictly below this value are evicted. They
        return to the pool and may be mined again. A negative scoring at or
        above `threshold` is never evicted, nor is a support vector (rows in
        the fitted estimator's `support_`, as for SVC). R-CNN uses -1.2 with
        `threshold=-1.0`. None evicts nothing.

    max_negatives : int, float or None, default=None
        Bound on the working set's negatives: an int is a count, a float a
        multiple of the number of positives. The initial draw is cut to it.
        When adding would exceed it, fewer hard negatives are added (the
        hardest first), and then the easiest working negatives are evicted
        until the bound holds. Protected negatives (as for `evict_threshold`)
        are never evicted. If they alone exceed the bound, they are kept, at
        least one hard negative is still added, and a warning says so.

    weighting : {"inverse_probability"} or None, default=None
        None fits every round on the working set as it is, as the seed
        papers do: the model learns a world of one positive to a few
        negatives, and its probabilities are not the population's.
        "inverse_probability" weighs the working negatives as the stratified
        sample of the pool they are (Horvitz-Thompson): mined negatives
        (and random ones that scored hard) weigh 1, and each random negative
        never found hard stands for ``n_not_mined / n_random`` negatives,
        so that the weighted working-set loss estimates the full-data loss,
        for any loss. The weights multiply `sample_weight` and reach the
        estimator's `fit` (every weighted step of a Pipeline, its final step
        included; with metadata routing, request ``sample_weight`` on the
        final step). The random negatives are never evicted by the cache,
        and `sampler` must draw uniformly (RandomUnderSampler). See
        ``history_["random_weight"]`` and ``history_["effective_size"]``.

    response_method : {"auto", "decision_function", "predict_proba"}, \
            default="auto"
        Which method of the estimator gives the hardness score: the
        positive-class column of `predict_proba`, or the `decision_function`
        value (negated when `pos_label` is the first class). "auto" prefers
        `decision_function`.

    sampler : imbalanced-learn under-sampler or None, default=None
        Chooses the initial negatives. It must expose `sample_indices_`
        after `fit_resample` (RandomUnderSampler, NearMiss, TomekLinks,
        EditedNearestNeighbours, ...). A clone is used: an under-sampler that
        takes a target count gets `sampling_strategy` set to honour `ratio`;
        a cleaning sampler proposes negatives, of which a random subset of
        the `ratio` size is kept. Its unset `random_state` is fixed from this
        classifier's `random_state`. None means
        :class:`~imblearn.under_sampling.RandomUnderSampler` at `ratio`.

    early_stopping : bool, default=False
        Hold out a stratified validation split (`validation_fraction` of the
        rows; never trained on, never mined), score it with `scoring` after
        every fit, and stop when the score has not improved by more than
        `tol` for `n_iter_no_change` consecutive fits. The best round's model
        is kept, with the working set it was fitted on.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping, in (0, 1).

    n_iter_no_change : int, default=2
        Fits without improvement tolerated before early stopping.

    scoring : str or callable, default="average_precision"
        Validation score for early stopping (greater is better): a scorer
        name or a callable ``scorer(estimator, X, y)``. Named scorers are
        told `pos_label`.

    tol : float, default=1e-4
        Improvement of the validation score that counts as one.

    pos_label : int, float, bool or str, default=None
        The positive class: the rare one, whose few rows are all trained on
        while the other class is the pool that is mined. None means the less
        frequent class of `y`, rows weighted by `sample_weight` when given
        (`classes_[1]` when both are equally frequent).

    negative_label : int, float, bool or str, default=None
        The background class, for multiclass mining (R-CNN's setting). Every
        other class gets its own detector: a clone of `estimator` fitted on 1
        for the class's rows and 0 for the rest, mined as in the binary case
        from the background rows. The other classes' rows are in every
        detector's working set from the first round and are never evicted:
        they are few, and the negatives most like its class. All detectors
        mine in lockstep: each round scores the rows outside any working set
        once, with every detector still mining (one matrix product for
        linear models). With two classes, it names the negative class
        (`pos_label` is then the other one). None: binary mining, and more
        than two classes is an error.

    random_state : int, RandomState instance or None, default=None
        Controls the initial negatives, the validation split and the seed
        given to unseeded randomness inside `estimator` and `sampler`.

    batch_size : int or "auto", default="auto"
        Rows per chunk when scoring the pool: the temporaries of a pass are
        O(batch_size) and the pool is never copied. "auto" sizes a chunk to
        about 8 MiB of rows (of a sparse pool's stored entries when a
        compiled scorer takes its chunks sparse, else of its width). It
        never changes the result.

    n_jobs : int or None, default=None
        Threads scoring chunks of a host pool in parallel where the work is
        per row: the estimator's own method, and the compiled kernel
        expansion of SVC/NuSVC (both release the GIL; BLAS runs one thread
        per chunk meanwhile). Compiled linear, MLP and scaler/PCA scorers
        are matrix products that BLAS already spreads over the cores: they
        score one chunk at a time whatever `n_jobs` (multiclass mining's
        stacked product spreads its chunks over half as many threads as BLAS
        has, one BLAS thread each: right after the fits, BLAS's own threads
        still spin). Pools on a GPU or a
        Dask cluster are parallel where they live and ignore it. None means
        1; -1 uses all processors. It never changes the result.

    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where the pool is scored when the fitted estimator has a compiled
        scorer (linear models, SVC/NuSVC, MLPClassifier, and Pipelines of
        scalers and PCA ending in one): "cuda" scores with CuPy on the GPU,
        streaming a host pool to it chunk by chunk; "auto" uses the GPU when
        CuPy finds one. A pool given as a CuPy array stays on its GPU and is
        scored and cut there: only the hard rows' indices and scores come
        back. Sparse (CSR) pools are scored on the CPU, by the compiled
        scorer for linear models (a sparse product) and by the estimator's
        own method otherwise; estimators without a compiled scorer are
        scored on the CPU too (with "cuda", a warning says so once). Fitting
        always runs on the host: only working-set rows are copied off the
        device, each once, and no fitted attribute holds device memory.

    verbose : int, default=0
        1 prints one line per round; 2 also shows progress through each
        scoring pass (a tqdm bar when tqdm is installed, else a line about
        every tenth of the pass).

    Attributes
    ----------
    estimator_ : estimator object
        The fitted estimator, trained on the positives (outside the
        validation split) and the negatives in `negative_indices_`. Binary
        mining only.

    estimators_ : dict
        Multiclass mining only: the fitted binary detector (classes 0 and 1)
        of each class but the background, keyed by class. In multiclass
        mining `threshold_`, `n_rounds_`, `best_round_`, `history_`,
        `negative_indices_`, `mined_round_` and `termination_condition_` are
        dicts keyed the same way, each value as described below for one
        detector.

    negative_label_ : object
        Multiclass mining only: the background class.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    pos_label_ : object
        The positive class used.

    threshold_ : float
        The threshold used (`threshold` with "auto" resolved).

    response_method_ : str
        The method used for scores.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when `X` has string column names.

    n_rounds_ : int
        Mining rounds that were run (the round of the last fit).

    best_round_ : int
        The round whose model is `estimator_` (`n_rounds_` unless early
        stopping kept an earlier one).

    history_ : dict of lists
        One entry per fit (round 0 is the initial fit), usable as
        ``pandas.DataFrame(history_)``. Keys: "round"; "n_negatives", the
        working-set negatives that fit used; "n_scored", negatives outside
        the working set scored after it; "cut", the score a negative had to
        beat (`threshold`, the rank rule's quantile of the positives'
        scores, or the k-th best score); "n_hard", how many were hard;
        "n_added", how many were added for the next round; "n_random",
        random negatives added instead by the guard against uninformative
        models; "n_evicted", how many working negatives were evicted for the
        next round; "random_weight", the weight of each random negative in
        the fit (1.0 without `weighting`); "effective_size", Kish's effective
        sample size of the fit's mining weights, ``sum(w) ** 2 / sum(w **
        2)`` (the training rows without `weighting`); "fit_time" and
        "score_time" in seconds;
        "validation_score" (NaN without early stopping).
        ``n_negatives[r + 1] == n_negatives[r] + n_added[r] + n_random[r] -
        n_evicted[r]``.

    negative_indices_ : ndarray of int
        Sorted row indices (into `X`) of the negatives `estimator_` was
        trained on.

    mined_round_ : ndarray of shape (n_samples,)
        The round at which each row entered the working set: 0 for training
        positives and initial negatives, r for negatives mined in round r, -1
        for rows never used (validation rows included, and rows added after
        `best_round_`). A negative that was evicted keeps the round it last
        entered, so rows with ``mined_round_ >= 0`` outside
        `negative_indices_` are the evicted ones. Its dtype is the smallest
        signed integer type that holds `max_rounds` (int8 by default): one
        byte a row.

    validation_indices_ : ndarray of int
        Rows held out for early stopping (empty when it is off).

    termination_condition_ : str
        Why mining stopped: "no_hard_negatives" (after the last fit, no
        negative outside the working set scored above the threshold; with a
        margin threshold, a hinge-loss SVM and eviction of easy negatives
        only, this is DPM's convergence condition and `estimator_` is the
        optimum of training on all the data), "few_hard_negatives" (fewer
        than `min_hard_per_round` were hard: they were not added),
        "max_rounds", "early_stopping", "pool_exhausted" (every negative
        is in the working set), or "uninformative_model" (the model's scores
        never ranked anything: every negative and positive scored alike, and
        the guard's random negatives, ``ratio`` times the positives the
        first time and twice as many each time after, did not help before
        `max_rounds`).

    See Also
    --------
    imblearn.under_sampling.RandomUnderSampler : One random draw of
        negatives, with no feedback from the model.
    sklearn.semi_supervised.SelfTrainingClassifier : Another iterative
        meta-estimator that grows its training set.

    References
    ----------
    .. [1] K.-K. Sung and T. Poggio, "Example-based learning for view-based
       human face detection", IEEE PAMI 20(1), 1998.
    .. [2] P. F. Felzenszwalb, R. B. Girshick, D. McAllester and D. Ramanan,
       "Object detection with discriminatively trained part-based models",
       IEEE PAMI 32(9), 2010, section 4.4.
    .. [3] R. Girshick, J. Donahue, T. Darrell and J. Malik, "Rich feature
       hierarchies for accurate object detection and semantic segmentation",
       CVPR 2014.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.svm import LinearSVC
    >>> from skhnm import HardNegativeMiningClassifier
    >>> X, y = make_classification(n_samples=3000, weights=[0.97],
    ...                            random_state=0)
    >>> # DPM's cache: margin mining, easy negatives evicted, mined until
    >>> # nothing is hard (min_hard_per_round=None).
    >>> clf = HardNegativeMiningClassifier(LinearSVC(), threshold=-1.0,
    ...                                    evict_threshold=-1.2,
    ...                                    min_hard_per_round=None,
    ...                                    random_state=0).fit(X, y)
    >>> int(y.sum()), int((y == 0).sum())
    (107, 2893)
    >>> clf.history_["n_hard"], clf.history_["n_evicted"]
    ([1344, 1, 0], [115, 351, 0])
    >>> clf.negative_indices_.size, clf.termination_condition_
    (1200, 'no_hard_negatives')
    >>> clf.predict(X[:3])
    array([0, 0, 0])

    Several classes over one background (class 0): one detector per class,
    one pass over the pool per round for all of them.

    >>> X, y = make_classification(n_samples=4000, n_classes=3,
    ...                            n_informative=4, weights=[0.9, 0.05],
    ...                            random_state=0)
    >>> clf = HardNegativeMiningClassifier(negative_label=0,
    ...                                    random_state=0).fit(X, y)
    >>> list(clf.estimators_), clf.decision_function(X[:2]).shape
    ([1, 2], (2, 3))
    >>> clf.termination_condition_
    {1: 'no_hard_negatives', 2: 'no_hard_negatives'}
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "ratio": [Interval(Real, 0, None, closed="neither")],
        "criterion": [StrOptions({"threshold", "rank", "k_best"})],
        "threshold": [
            Interval(Real, None, None, closed="both"),
            StrOptions({"auto"}),
        ],
        "rank_quantile": [Interval(Real, 0, 1, closed="both")],
        "k_best": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
        ],
        "max_rounds": [Interval(Integral, 0, None, closed="left")],
        "max_hard_per_round": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
            None,
        ],
        "min_hard_per_round": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "warm_start_rounds": ["boolean"],
        "evict_threshold": [Interval(Real, None, None, closed="both"), None],
        "max_negatives": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
            None,
        ],
        "weighting": [StrOptions({"inverse_probability"}), None],
        "response_method": [StrOptions({"auto", "decision_function", "predict_proba"})],
        "sampler": [HasMethods(["fit_resample"]), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "scoring": [StrOptions(set(get_scorer_names())), callable],
        "tol": [Interval(Real, 0, None, closed="left")],
        "pos_label": [Real, str, "boolean", None],
        "negative_label": [Real, str, "boolean", None],
        "random_state": ["random_state"],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_jobs": [Integral, None],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        ratio=3.0,
        criterion="threshold",
        threshold="auto",
        rank_quantile=0.1,
        k_best=1.0,
        max_rounds=10,
        max_hard_per_round=None,
        min_hard_per_round=0.01,
        warm_start_rounds=True,
        evict_threshold=None,
        max_negatives=None,
        weighting=None,
        response_method="auto",
        sampler=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=2,
        scoring="average_precision",
        tol=1e-4,
        pos_label=None,
        negative_label=None,
        random_state=None,
        batch_size="auto",
        n_jobs=None,
        device="cpu",
        verbose=0,
    ):
        self.estimator = estimator
        self.ratio = ratio
        self.criterion = criterion
        self.threshold = threshold
        self.rank_quantile = rank_quantile
        self.k_best = k_best
        self.max_rounds = max_rounds
        self.max_hard_per_round = max_hard_per_round
        self.min_hard_per_round = min_hard_per_round
        self.warm_start_rounds = warm_start_rounds
        self.evict_threshold = evict_threshold
        self.max_negatives = max_negatives
        self.weighting = weighting
        self.response_method = response_method
        self.sampler = sampler
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.scoring = scoring
        self.tol = tol
        self.pos_label = pos_label
        self.negative_label = negative_label
        self.random_state = random_state
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.device = device
        self.verbose = verbose

    def _base_estimator(self):
        return LogisticRegression() if self.estimator is None else self.estimator

    # ------------------------------------------------------------------ fit

    @_fit_context(
        # `estimator` and `sampler` are validated by their own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Mine hard negatives and fit the estimator on the final working set.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features)
            Positives and the pool of negatives. Sparse input needs an
            estimator that takes it. A DataFrame reaches the estimator as a
            DataFrame (row subsets of it).

        y : array-like of shape (n_samples,)
            Binary target.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows; the working rows' weights reach the
            estimator's `fit` (and weight the validation score).

        **fit_params : dict
            Further fit parameters, routed to the estimator. Only with
            ``sklearn.set_config(enable_metadata_routing=True)``; arrays of
            length n_samples are subset to the working rows.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        _raise_for_params(fit_params, self, "fit")
        try:
            return self._fit(X, y, sample_weight, fit_params)
        except BaseException:
            # Never leave a mix of old and new fitted state that still predicts.
            for name in [
                k for k in vars(self) if k.endswith("_") and not k.startswith("_")
            ]:
                delattr(self, name)
            raise

    def _fit(self, X, y, sample_weight, fit_params):
        self._check_sampler()
        base = self._base_estimator()
        weighted = self.weighting == "inverse_probability"
        response_method = resolve_response_method(base, self.response_method)
        X, y, classes, counts = self._validate_fit_data(X, y)
        scoring_xp = self._scoring_namespace(X)
        estimator_fit_params, sample_weight = self._estimator_fit_params(
            base, X, sample_weight, fit_params
        )
        detectors = self._detector_labels(y, classes, counts, sample_weight)
        multiclass = classes.size > 2

        rng = check_random_state(self.random_state)
        seeds = [int(rng.randint(_MAX_SEED)) for _ in detectors]
        rows_of = {label: _flatnonzero(y == label) for label in detectors}
        val_rows = self._split_validation(y, classes, rows_of, multiclass, rng)
        if val_rows.size:
            rows_of = {k: r[~member(r, val_rows)] for k, r in rows_of.items()}
        fit = _FitInputs(
            X=X,
            base=base,
            params=estimator_fit_params,
            sample_weight=sample_weight,
            weight_keys=_mining_weight_keys(base) if weighted else (),
            response_method=response_method,
            scoring=Scoring(
                response_method,
                1 if multiclass else detectors[0],
                batch_size=None if self.batch_size == "auto" else self.batch_size,
                n_jobs=self.n_jobs,
                xp=scoring_xp,
            ),
            classes=np.array([0, 1]) if multiclass else classes,
            rows_of=rows_of,
            val_rows=val_rows,
            y_val=_namespace.to_numpy(_take(y, val_rows)) if val_rows.size else None,
            multiclass=multiclass,
        )
        tasks = []
        for label, seed in zip(detectors, seeds, strict=True):
            # A loop, not a comprehension: warnings count frames up to fit().
            tasks.append(self._detector_task(fit, label, seed, rng))
        results = mine_jointly(
            tasks, progress=scoring_progress if self.verbose >= 2 else None
        )
        for task, result in zip(tasks, results, strict=True):
            self._warn_after_mining(
                result, task.pool, response_method, fit.scoring.pos_label
            )
        self._store(classes, detectors, tasks, results, fit)
        return self

    def _detector_task(self, fit, label, seed, rng):
        """One detector's run: its pool view, first negatives, learner, rules.

        The detector of `label` has that class's rows as positives. In
        multiclass mining, the other classes' rows start in its working set
        (the census: the negatives most like its class, see the user guide)
        and the background is mined.
        """
        positives = fit.rows_of[label]
        census = None
        if fit.multiclass:
            others = [rows for k, rows in fit.rows_of.items() if k != label]
            census = np.sort(np.concatenate(others))
        n_census = 0 if census is None else census.size
        pool = make_pool(fit.X, fit.scoring, code_dtype(self.max_rounds))
        pool.start(positives, fit.val_rows)
        n_negatives = pool.n_outside + n_census
        if positives.size == 0 or n_negatives == 0:
            raise ValueError(
                "After holding out the validation split there are "
                f"{positives.size} positive and {n_negatives} negative training "
                "rows"
                + (f" for class {label!r}" if fit.multiclass else "")
                + "; both are needed. Lower validation_fraction or provide "
                "more rows."
            )
        if census is not None:
            pool.enter(census, 0)
        max_negatives = _as_count(self.max_negatives, positives.size)
        room = max_negatives
        if max_negatives is not None and n_census:
            room = max(1, max_negatives - n_census)
        initial = np.empty(0, dtype=np.intp)
        if pool.n_outside:
            initial = self._initial_negatives(fit.X, pool, positives, rng, room)

        threshold = self.threshold
        if threshold == "auto":
            threshold = _auto_threshold(
                fit.response_method,
                self.ratio,
                _positive_rate(positives, n_negatives, fit.val_rows, fit.sample_weight)
                if fit.weight_keys
                else None,
            )
        pos_label = 1 if fit.multiclass else label
        learner = Learner(
            fit=_RowFitter(
                fit.base,
                seed,
                pool,
                positives,
                fit.classes,
                pos_label,
                fit.params,
                warm=self.warm_start_rounds,
                weight_keys=fit.weight_keys,
            ),
            protected=_support_rows,
        )
        if self.early_stopping:
            learner.validate = _Validation(
                _scorer_for(fit.base, self.scoring, pos_label),
                fit.X_val(pool),
                (fit.y_val == label).astype(int) if fit.multiclass else fit.y_val,
                fit.sample_weight,
                fit.val_rows,
            )
        settings = Settings(
            max_rounds=self.max_rounds,
            threshold=float(threshold),
            criterion=self.criterion,
            rank_quantile=self.rank_quantile,
            k_best=_as_count(self.k_best, positives.size),
            max_hard=_as_count(self.max_hard_per_round, positives.size),
            min_hard=self.min_hard_per_round,
            evict_threshold=self.evict_threshold,
            max_negatives=max_negatives,
            n_guard=max(1, round(self.ratio * positives.size)),
            weighting=bool(fit.weight_keys),
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
        )
        on_round = None
        if self.verbose:
            on_round = functools.partial(
                self._print_round, label=label if fit.multiclass else None
            )
        return Task(
            pool,
            positives,
            initial,
            learner,
            settings,
            rng=check_random_state(int(rng.randint(_MAX_SEED))),
            census=census,
            on_round=on_round,
        )

    def _store(self, classes, detectors, tasks, results, fit):
        """The fitted attributes: one run's, or dicts of them keyed by class."""
        self.classes_ = classes
        self.response_method_ = fit.response_method
        self.validation_indices_ = fit.val_rows
        rounds = round_dtype(self.max_rounds)
        runs = {
            label: (task, result)
            for label, task, result in zip(detectors, tasks, results, strict=True)
        }

        def each(get):
            values = {label: get(task, res) for label, (task, res) in runs.items()}
            return values if fit.multiclass else values[detectors[0]]

        if fit.multiclass:
            self.negative_label_ = self._background(classes)
            self.estimators_ = each(lambda task, res: res.model)
        else:
            self.estimator_ = results[0].model
            self.pos_label_ = detectors[0]
        self.threshold_ = each(lambda task, res: task.settings.threshold)
        self.n_rounds_ = each(lambda task, res: res.n_rounds)
        self.best_round_ = each(lambda task, res: res.best_round)
        self.history_ = each(lambda task, res: res.history)
        self.negative_indices_ = each(lambda task, res: res.negatives)
        self.mined_round_ = each(
            lambda task, res: task.pool.entered_round(res.best_round, rounds)
        )
        self.termination_condition_ = each(lambda task, res: res.termination)

    def _background(self, classes):
        """`negative_label` as the class of `y` it names."""
        return classes[np.flatnonzero(classes == self.negative_label)[0]]

    def _detector_labels(self, y, classes, counts, sample_weight):
        """The classes that get a detector: the positive class, or all but the
        background.

        Binary without `negative_label`, the positive class is `pos_label`,
        else the less frequent class (counting rows by their weight).
        """
        if self.negative_label is not None:
            if self.negative_label not in classes:
                raise ValueError(
                    f"negative_label={self.negative_label!r} is not a class of "
                    f"y; the classes are {classes.tolist()}."
                )
            # Plain Python labels: the keys of the per-class attributes.
            others = [c.item() for c in classes if c != self.negative_label]
            if self.pos_label is not None and (
                len(others) > 1 or self.pos_label != others[0]
            ):
                raise ValueError(
                    f"pos_label={self.pos_label!r} and negative_label="
                    f"{self.negative_label!r} disagree: with negative_label set, "
                    "every other class is positive (one detector each). Leave "
                    "pos_label=None."
                )
            return others
        if self.pos_label is not None and self.pos_label not in classes:
            raise ValueError(
                f"pos_label={self.pos_label!r} is not a class of y; the classes "
                f"are {classes.tolist()}."
            )
        # Mining is defined by a rare positive class and a large pool; with
        # weights, "rare" counts a row as many times as its weight.
        pos_label = self.pos_label
        if pos_label is None:
            if sample_weight is not None:
                counts = [sample_weight[_flatnonzero(y == c)].sum() for c in classes]
            pos_label = classes[0] if counts[0] < counts[1] else classes[1]
        return [pos_label]

    def _check_sampler(self):
        """Refuse, before any work, a sampler that cannot choose negatives.

        Only samplers that keep original rows (and say which, in
        ``sample_indices_``) can: under-samplers and cleaning samplers.
        Over-samplers and prototype generators (ClusterCentroids) make new
        rows.
        """
        if self.sampler is None:
            return
        from imblearn.under_sampling import RandomUnderSampler

        if self.weighting is not None and not (
            isinstance(self.sampler, RandomUnderSampler)
            and not self.sampler.replacement
        ):
            raise ValueError(
                f"weighting={self.weighting!r} reads the initial negatives as a "
                f"uniform random sample of the pool, which sampler="
                f"{self.sampler!r} does not draw: its weights would be biased. "
                "Use sampler=None (or RandomUnderSampler(replacement=False)), "
                "or weighting=None."
            )
        kind = getattr(self.sampler, "_sampling_type", None)
        sampler_tags = getattr(get_tags(self.sampler), "sampler_tags", None)
        keeps_rows = getattr(sampler_tags, "sample_indices", None)
        if kind in ("over-sampling", "ensemble", "bypass") or keeps_rows is False:
            raise TypeError(
                f"sampler={self.sampler!r} makes new rows ({kind or 'its own'}"
                f"{'' if keeps_rows is not False else ', no sample_indices_'}) "
                "instead of choosing some of the negatives; use an "
                "imbalanced-learn sampler that keeps original rows "
                "(RandomUnderSampler, NearMiss, TomekLinks, "
                "EditedNearestNeighbours, ...)."
            )

    def _warn_after_mining(self, result, pool, response_method, pos_label):
        """Warnings about the run, once each, pointing at the caller of fit()."""
        stacklevel = 5  # the caller of fit(), past _fit_context's wrapper
        if self.device == "cuda" and not isinstance(pool, _dask.DaskPool):
            if compile_scorer(result.model, response_method, pos_label) is None:
                warnings.warn(
                    f"device='cuda' but {type(result.model).__name__} with "
                    f"response_method={response_method!r} has no compiled "
                    "scorer; the pool was scored on the CPU by the estimator's "
                    "own method.",
                    UserWarning,
                    stacklevel=stacklevel,
                )
        guarded = sum(result.history["n_random"])
        if guarded or result.termination == "uninformative_model":
            warnings.warn(
                "The estimator's scores carried no ranking information (every "
                "negative and positive scored alike), so no negative could be "
                f"called hard. {guarded} random negatives were added instead"
                + (
                    "; the model never became informative "
                    "(termination_condition_='uninformative_model')."
                    if result.termination == "uninformative_model"
                    else "; see history_['n_random']."
                ),
                UserWarning,
                stacklevel=stacklevel,
            )
        if not result.bound_held:
            warnings.warn(
                f"max_negatives={self.max_negatives} could not be held: more "
                "working negatives than that are support vectors, score at or "
                "above the threshold or (multiclass mining) are other classes' "
                "rows, and evicting them would keep mining from converging or "
                "from seeing the other classes. They were kept; see "
                "history_['n_negatives'].",
                UserWarning,
                stacklevel=stacklevel,
            )

    def _validate_fit_data(self, X, y):
        """Checked `X` and `y`, the classes and their counts.

        A Dask `y` stays on its cluster.
        """
        shape = getattr(y, "shape", None)
        if shape is not None and len(shape) == 2 and shape[1] > 1:
            raise ValueError(
                "Multilabel and multioutput targets are not supported. "
                f"{type(self).__name__} needs a 1-D binary y; got shape "
                f"{tuple(shape)}."
            )
        if _dask.is_dask_array(X):
            X = _dask.DaskPool(X)
        xp = _namespace.namespace_of(X)
        if xp is not None:
            _check_namespace_pool(X, xp)
        if _is_dataframe(X) or xp is not None or isinstance(X, _dask.DaskPool):
            # A DataFrame reaches the estimator as it is (column transformers
            # need its columns), and an array-API or Dask pool stays where it
            # lives; only names and counts are checked here.
            validate_data(self, X, y="no_validation", skip_check_array=True)
            if y is None:
                raise ValueError(
                    f"This {type(self).__name__} estimator requires y to be "
                    "passed, but the target y is None."
                )
            if _dask.is_dask_array(y):
                if y.ndim == 2 and y.shape[1] == 1:
                    y = y[:, 0]
                if y.ndim != 1:
                    raise ValueError(
                        f"y should be a 1d array, got an array of shape {y.shape}."
                    )
            else:
                if _namespace.namespace_of(y) is not None:
                    y = _namespace.to_numpy(y)
                y = column_or_1d(y, warn=True)
            check_consistent_length(X, y)
        else:
            allow_nan = get_tags(self._base_estimator()).input_tags.allow_nan
            # CSC and other sparse formats become CSR once: chunks are row
            # slices, which CSC cannot take cheaply.
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse="csr",
                dtype=None,
                ensure_all_finite="allow-nan" if allow_nan else True,
            )
        classes, counts, y_type = _binary_classes(y)
        if y_type == "multiclass" and self.negative_label is None:
            raise ValueError(
                "Only binary classification is supported without "
                "negative_label. The type of the target is multiclass: y has "
                f"{classes.size} classes {classes[:10].tolist()}. Set "
                "negative_label to the background class to mine one detector "
                "per other class over the one pool."
            )
        if y_type not in ("binary", "multiclass") or classes.size < 2:
            raise ValueError(
                "Only binary and multiclass classification are supported. The "
                f"type of the target is {y_type}: y has {classes.size} "
                f"class{'' if classes.size == 1 else 'es'} {classes[:10].tolist()}; "
                f"{type(self).__name__} needs at least two (a positive and a "
                "negative class)."
            )
        return X, y, classes, counts

    def _scoring_namespace(self, X):
        """The device namespace that scores a host pool (None: NumPy)."""
        if self.device == "cpu":
            return None
        if isinstance(X, _dask.DaskPool):
            if self.device == "cuda":
                raise ValueError(
                    "device='cuda' does not apply to a Dask pool: it is scored "
                    "on its workers, on their GPUs when its blocks are CuPy "
                    "arrays. Use device='cpu'."
                )
            return None
        home = _namespace.namespace_of(X)
        cuda = _namespace.cuda_namespace()
        if self.device == "auto":
            return cuda if home is None else None
        if cuda is None:
            raise ValueError(
                "device='cuda' but no usable GPU was found: CuPy is not "
                "installed (pip install 'skhnm[gpu]') or finds no CUDA device. "
                "Use device='auto' to fall back to the CPU."
            )
        if home is not None and not _namespace.is_cuda(home):
            raise ValueError(
                "device='cuda' scores a host pool (NumPy, SciPy sparse, "
                "DataFrame) or a CuPy array; X is an array of the "
                f"{home.__name__} namespace."
            )
        return cuda

    def _estimator_fit_params(self, base, X, sample_weight, fit_params):
        """Fit parameters for the estimator over all rows (subset per fit).

        Returns them and the checked `sample_weight` (which also weights the
        validation score). Without metadata routing, a Pipeline gets the
        weights as ``<step>__sample_weight`` for every step whose `fit` takes
        them, its final step included: a weighted fit then equals one on
        repeated rows, scaler and all.
        """
        if _dask.is_dask_array(sample_weight):
            sample_weight = _namespace.to_numpy(sample_weight.compute())
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if _routing_enabled():
            if sample_weight is not None:
                fit_params = {**fit_params, "sample_weight": sample_weight}
            try:
                routed = process_routing(self, "fit", **fit_params).estimator.fit
            except UnsetMetadataPassedError as exc:
                exc.add_note(
                    "skhnm: the wrapped estimator consumes the weights, so the "
                    "request goes on it: HardNegativeMiningClassifier("
                    "LogisticRegression().set_fit_request(sample_weight=True)). "
                    "HardNegativeMiningClassifier.set_fit_request(...) is what a "
                    "router around it (GridSearchCV, Pipeline) reads."
                )
                raise
            return dict(routed), sample_weight
        if sample_weight is None:
            return {}, None
        if has_fit_parameter(base, "sample_weight"):
            return {"sample_weight": sample_weight}, sample_weight
        steps = _weighted_steps(base)
        if steps:
            return {f"{name}__sample_weight": sample_weight for name in steps}, (
                sample_weight
            )
        raise TypeError(
            f"sample_weight was given but the estimator {base!r} does not "
            "accept sample_weight in fit"
            + (
                " (nor does its final step)"
                if isinstance(getattr(base, "steps", None), list)
                else ""
            )
            + ". Wrap an estimator whose fit takes sample_weight, or fit "
            "without weights."
        )

    def _split_validation(self, y, classes, rows_of, multiclass, rng):
        """Sorted rows held out for early stopping (none when it is off).

        Stratified by class: positive or not for one detector, every class
        in multiclass mining.
        """
        if not self.early_stopping:
            return np.empty(0, dtype=np.intp)
        n = y.shape[0]
        strata = np.zeros(n, dtype=np.int32 if multiclass else bool)
        if multiclass:
            for i, label in enumerate(classes):
                strata[_flatnonzero(y == label)] = i
        else:
            (positives,) = rows_of.values()
            strata[positives] = True
        try:
            _, val = train_test_split(
                np.arange(n),
                test_size=self.validation_fraction,
                stratify=strata,
                random_state=rng,
            )
        except ValueError as exc:
            raise ValueError(
                "early_stopping=True needs a stratified validation split of "
                f"validation_fraction={self.validation_fraction} with at least "
                f"one row of each class on each side; {exc}"
            ) from exc
        return np.sort(val)

    def _initial_negatives(self, X, pool, positives, rng, max_negatives):
        """The negatives of the first working set (sorted row indices).

        Without a sampler they are a uniform draw from the negatives, made
        without building anything of the pool's size.
        """
        n_initial = max(1, round(self.ratio * positives.size))
        if max_negatives is not None:
            n_initial = min(n_initial, max_negatives)
        if n_initial >= pool.n_outside:
            if n_initial > pool.n_outside:
                # One text whatever the data, shown once per place (see
                # PoolTooSmallWarning): not once per CV fold or class of a
                # one-vs-rest. history_["n_negatives"][0] has the count.
                warn_once(
                    f"ratio={self.ratio} asks for more initial negatives than "
                    "the training data has; all of them are used and there is "
                    "nothing left to mine (history_['n_negatives'][0] says how "
                    "many there were).",
                    PoolTooSmallWarning,
                    stacklevel=6,  # the caller of fit()
                )
            return pool.outside_rows()
        if self.sampler is None:
            return draw_outside(pool, rng, n_initial)
        if isinstance(X, _dask.DaskPool):
            raise TypeError(
                "A sampler looks at the pool's features, which would gather a "
                "Dask pool on one machine; use sampler=None (random initial "
                "negatives) with a Dask array."
            )
        # The sampler sees the training rows' features (a copy, as any
        # imbalanced-learn sampler needs) and a 1/0 target.
        negatives = pool.outside_rows()
        train_rows = merge(positives, negatives)
        sampler = _seed_random_states(clone(self.sampler), rng.randint(_MAX_SEED))
        y_sample = member(train_rows, positives).view(np.int8)
        if getattr(sampler, "_sampling_type", None) in (None, "under-sampling"):
            sampler.set_params(sampling_strategy={0: n_initial})
        sampler.fit_resample(_namespace.take_rows(X, train_rows), y_sample)
        chosen = getattr(sampler, "sample_indices_", None)
        if chosen is None:
            raise TypeError(
                f"sampler={self.sampler!r} does not expose sample_indices_ after "
                "fit_resample; use an imbalanced-learn under-sampler that keeps "
                "original rows (RandomUnderSampler, NearMiss, TomekLinks, ...)."
            )
        chosen = np.asarray(chosen)
        chosen = np.sort(train_rows[chosen[y_sample[chosen] == 0]])
        if chosen.size == 0:
            raise ValueError(f"sampler={self.sampler!r} selected no negatives.")
        if chosen.size > n_initial:
            chosen = np.sort(rng.choice(chosen, n_initial, replace=False))
        return chosen

    def _print_round(self, record, label=None):
        detector = "" if label is None else f" class {label!r}"
        print(
            f"[skhnm]{detector} round {record.round}: {record.n_negatives} negatives, "
            f"{record.n_hard} hard of {record.n_scored} scored, "
            f"{record.n_added} added, fit {record.fit_time:.3f}s, "
            f"score {record.score_time:.3f}s, "
            f"validation {record.validation_score:.4f}"
        )

    # ----------------------------------------------------------- delegation

    def _predictor(self):
        """The fitted estimator, or the detectors predicting as one."""
        if hasattr(self, "estimators_"):
            return DetectorSet(self.estimators_, self.classes_, self.negative_label_)
        return self.estimator_

    def _delegate(self, method, X, params):
        check_is_fitted(self)
        _raise_for_params(params, self, method)
        if _dask.is_dask_array(X):
            if X.ndim != 2 or X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has shape {X.shape}, but {type(self).__name__} is "
                    f"expecting {self.n_features_in_} features as input."
                )
            if params:
                raise TypeError("Dask arrays take no prediction parameters.")
            return _dask.predict_lazily(self._predictor(), method, X, self.classes_)
        if _namespace.namespace_of(X) is not None:
            # The fitted model lives on the host: predicting on a device
            # array copies it there.
            X = _namespace.to_numpy(X)
        if _is_dataframe(X):
            validate_data(self, X, reset=False, skip_check_array=True)
        else:
            X = validate_data(
                self,
                X,
                reset=False,
                accept_sparse=["csr", "csc"],
                dtype=None,
                ensure_all_finite=False,
            )
        if _routing_enabled():
            params = getattr(process_routing(self, method, **params).estimator, method)
        with warnings.catch_warnings():
            # validate_data above already warned about feature names, once:
            # the wrapped estimator would say it again.
            warnings.filterwarnings(
                "ignore", message="X (does not have valid|has) feature names"
            )
            return getattr(self._predictor(), method)(X, **params)

    @available_if(_estimator_has("predict"))
    def predict(self, X, **params):
        """Predict classes with the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features)
            Samples.

        **params : dict
            Routed to the estimator's `predict` (metadata routing only).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        return self._delegate("predict", X, params)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, **params):
        """Class probabilities from the fitted estimator.

        With ``weighting="inverse_probability"`` the estimator was fitted to
        an estimate of the full-data loss, so a calibrated learner (a
        logistic loss, say) gives the population's probabilities. Without
        it, the working set's class balance is not the population's:
        calibrate (for example with
        :class:`~sklearn.calibration.CalibratedClassifierCV`) if
        probabilities must be taken at face value.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features)
            Samples.

        **params : dict
            Routed to the estimator's `predict_proba` (metadata routing only).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns ordered as `classes_`. In multiclass
            mining, each detector's probability of its class, and one minus
            the largest of them for the background, normalised to sum to
            one.
        """
        return self._delegate("predict_proba", X, params)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, **params):
        """Log class probabilities from the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features)
            Samples.

        **params : dict
            Routed to the estimator's `predict_log_proba` (metadata routing
            only).

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities, columns ordered as `classes_`.
        """
        return self._delegate("predict_log_proba", X, params)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, **params):
        """Decision values of the fitted estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, \
                n_features)
            Samples.

        **params : dict
            Routed to the estimator's `decision_function` (metadata routing
            only).

        Returns
        -------
        decision : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: positive towards `classes_[1]`. Multiclass mining: each
            detector's decision value in its class's column, and 0 (the
            detectors' own boundary) in the background's.
        """
        return self._delegate("decision_function", X, params)

    # -------------------------------------------------------------- routing

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Fit metadata goes to the estimator's `fit`; prediction metadata to the
        matching method. See scikit-learn's `Metadata Routing User Guide
        <https://scikit-learn.org/stable/metadata_routing.html>`_.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        mapping = MethodMapping().add(caller="fit", callee="fit")
        for method in (
            "predict",
            "predict_proba",
            "predict_log_proba",
            "decision_function",
        ):
            mapping.add(caller=method, callee=method)
        return MetadataRouter(owner=self).add(
            estimator=self._base_estimator(), method_mapping=mapping
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.classifier_tags.multi_class = self.negative_label is not None
        return tags
