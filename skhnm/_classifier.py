"""HardNegativeMiningClassifier: the scikit-learn face of the bootstrap.

This module holds parameters, delegation, metadata routing and tags, and a
`fit` that reads in one screen. What `fit` checks is in
:mod:`skhnm._inputs`; the runs it builds and reads back are in
:mod:`skhnm._runs`; the algorithm is in :mod:`skhnm._mining`; the pools and
their backends are behind :func:`skhnm._pools.as_pool`; multiclass
predictions from one detector per class are in :mod:`skhnm._multiclass`.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer_names
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _inputs, _pools
from ._mining import mine_jointly
from ._multiclass import DetectorSet
from ._progress import scoring_progress
from ._runs import detector_task, fit_inputs, fitted_attributes
from ._scoring import resolve_response_method
from .exceptions import repeats

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
            notes = self._fit(X, y, sample_weight, fit_params)
        except BaseException:
            # Never leave a mix of old and new fitted state that still predicts.
            for name in [
                k for k in vars(self) if k.endswith("_") and not k.startswith("_")
            ]:
                delattr(self, name)
            raise
        # Warnings point at the caller of fit(), past _fit_context's wrapper.
        for message, category in dict.fromkeys(notes):
            if category is not UserWarning:  # once per place: see repeats()
                with warnings.catch_warnings(record=True) as place:
                    warnings.simplefilter("always")
                    warnings.warn(message, category, stacklevel=3)
                if repeats(place[0]):
                    continue
            warnings.warn(message, category, stacklevel=3)
        return self

    def _fit(self, X, y, sample_weight, fit_params):
        """Fit; returns what the user should be told, ``(message, category)``
        pairs."""
        _inputs.check_sampler(self.sampler, self.weighting)
        base = self._base_estimator()
        response_method = resolve_response_method(base, self.response_method)
        pool, labels, classes, counts, y_type = _inputs.check_X_y(self, X, y, base)
        _inputs.check_target_type(self, classes, y_type, self.negative_label)
        xp = _pools.device_namespace(pool, self.device)
        params, sample_weight = _inputs.fit_params(
            self, base, pool.X, sample_weight, fit_params
        )
        detectors = _inputs.detector_labels(
            labels, classes, counts, sample_weight, self.pos_label, self.negative_label
        )

        rng = check_random_state(self.random_state)
        seeds = [int(rng.randint(_MAX_SEED)) for _ in detectors]
        fit = fit_inputs(
            self,
            pool,
            labels,
            classes,
            detectors,
            base,
            response_method,
            params,
            sample_weight,
            xp,
            rng,
        )
        runs = [
            detector_task(self, fit, k, s, rng)
            for k, s in zip(detectors, seeds, strict=True)
        ]
        tasks = [task for task, _ in runs]
        results = mine_jointly(
            tasks, progress=scoring_progress if self.verbose >= 2 else None
        )

        self.classes_ = classes
        self.response_method_ = response_method
        self.validation_indices_ = fit.val_rows
        if fit.multiclass:
            self.negative_label_ = classes[classes == self.negative_label][0]
        attributes = fitted_attributes(
            self.max_rounds, detectors, tasks, results, fit.multiclass
        )
        for name, value in attributes.items():
            setattr(self, name, value)
        return [note for _, notes in runs for note in notes] + [
            note for result in results for note in result.notes
        ]

    # ----------------------------------------------------------- delegation

    def _predictor(self):
        """The fitted estimator, or the detectors predicting as one."""
        if hasattr(self, "estimators_"):
            return DetectorSet(self.estimators_, self.classes_, self.negative_label_)
        return self.estimator_

    def _delegate(self, method, X, params):
        check_is_fitted(self)
        _raise_for_params(params, self, method)
        return _pools.predict(
            self._predictor(),
            method,
            X,
            params,
            self.n_features_in_,
            self.classes_,
            lambda X: self._predict_on_host(method, X, params),
        )

    def _predict_on_host(self, method, X, params):
        if _inputs.is_dataframe(X):
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
