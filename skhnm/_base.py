"""The scikit-learn face shared by the binary and the multiclass miner.

Parameters, their validation and the deprecations, a `fit` that reads in
one screen, delegation, metadata routing and tags. What `fit` checks is in
:mod:`skhnm._inputs`; the runs it builds and reads back are in
:mod:`skhnm._runs`; the algorithm is in :mod:`skhnm._mining`; the pools and
their backends are behind :func:`skhnm._pools.as_pool`.
"""

import warnings
from numbers import Integral, Real
from types import SimpleNamespace

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
from sklearn.utils.validation import _estimator_has, check_is_fitted, validate_data

from . import _inputs, _pools
from ._detectors import DetectorSet
from ._learner import MAX_SEED
from ._mining import mine_jointly
from ._progress import scoring_progress
from ._runs import detector_task, fit_inputs, fitted_attributes
from ._sampling import CaseControlPredictor, log_odds
from ._scoring import resolve_response_method
from .exceptions import PoolTooSmallWarning, repeats

# Where each method is delegated: the fitted estimator, the fitted
# detectors predicting as one (multiclass), else the estimator to be fitted.
_DELEGATES = ("estimator_", "_detectors", "_estimator")

# The numpydoc entries of the parameters both miners share, in signature
# order; each class's docstring puts them where it says {parameters}.
PARAMETERS = """\
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
        - "k_best": the `max_hard_per_round` highest-scoring ones, whatever
          their score (OHEM's rule); mining then stops only at
          `max_rounds`, on early stopping or when the pool is used up (the
          progress rule does not apply).

    threshold : float or "auto", default="auto"
        The cut of ``criterion="threshold"``: a negative is hard when its
        score is strictly above it. "auto" is 0.5 for probabilities and 0.0
        for decision values. With ``weighting="inverse_probability"`` it is
        the same boundary on the population's scale: the probability whose
        odds are `ratio` times the training rows' positive odds, or the log
        of those odds for decision values (exact for a logistic loss; set a
        threshold by hand for margin classifiers). With `decision_function`
        and a margin classifier, -1.0 selects every negative inside the
        margin, as in DPM.

    rank_quantile : float, default=0.1
        The quantile of the positives' scores that ``criterion="rank"``
        cuts at, in [0, 1]: 0.1 calls hard every negative that outranks the
        lowest tenth of the positives.

    max_rounds : int, default=10
        Mining rounds after the initial fit. 0 gives a plain undersampled
        fit. The estimator is refit after every round that adds negatives.

    max_hard_per_round : int, float or None, default=None
        Cap on hard negatives added per round: an int is a count, a float is
        a multiple of the number of positives. The hardest (highest score)
        go first; ties go to the lower row index. None adds every hard
        negative (``criterion="k_best"``: as many as the positives).

    min_hard_per_round : int or float, default=0.01
        The progress rule: a round whose hard negatives are fewer than this
        ends the run (``termination_condition_ == "few_hard_negatives"``)
        instead of paying a full refit for a handful of rows. An int is a
        count, a float in (0, 1) a share of the working set's negatives (the
        default: 1% of them). 1 stops only when nothing is hard, as the seed
        papers do; it is what DPM's guarantee of the full-data optimum
        needs.

    warm_start_rounds : bool, default=True
        Each round's fit starts from the previous round's solution where the
        result does not depend on the start: penalised LogisticRegression
        with any solver but liblinear, also as a Pipeline's final step. The
        final model equals a cold fit on the final working set to the
        solver's `tol` (exactly with False). Other estimators are refit
        from scratch. Unlike scikit-learn's `warm_start`, it acts between
        the rounds of one `fit`.

    evict_threshold : float or None, default=None
        The cache of DPM and R-CNN: after each fit that mining goes on from,
        working negatives scoring strictly below this value are evicted. They
        return to the pool and may be mined again. A negative scoring at or
        above a finite `threshold` is never evicted, nor is a support vector
        (rows in the fitted estimator's `support_`, as for SVC). R-CNN uses
        -1.2 with `threshold=-1.0`. None evicts nothing.

    max_negatives : int, float or None, default=None
        Bound on the working set's negatives: an int is a count, a float a
        multiple of the number of positives. The initial draw is cut to it.
        When adding would exceed it, fewer hard negatives are added (the
        hardest first), and then the easiest working negatives are evicted
        until the bound holds. Protected negatives (as for `evict_threshold`)
        are never evicted; if they alone exceed the bound, they are kept, at
        least one hard negative is still added, and a warning says so.

    weighting : {"inverse_probability"} or None, default=None
        None fits every round on the working set as it is, as the seed
        papers do. "inverse_probability" weighs the working negatives as the
        stratified sample of the pool they are (Horvitz-Thompson): mined
        negatives weigh 1, and each random negative never found hard stands
        for ``n_not_mined / n_random`` negatives, so that the weighted
        working-set loss estimates the full-data loss. The weights multiply
        `sample_weight` and reach every weighted step of a Pipeline (with
        metadata routing, request ``sample_weight`` on the final step). The
        random negatives are never evicted, and `sampler` must draw
        uniformly (RandomUnderSampler). See the :ref:`User Guide
        <user_guide>`.

    response_method : {"auto", "decision_function", "predict_proba"}, \
            default="auto"
        Which method of the estimator gives the hardness score: the
        positive-class column of `predict_proba`, or the `decision_function`
        value oriented towards the positive class. "auto" prefers
        `decision_function`.

    sampler : imbalanced-learn under-sampler or None, default=None
        Chooses the initial negatives. It must expose `sample_indices_`
        after `fit_resample` (RandomUnderSampler, NearMiss, TomekLinks,
        EditedNearestNeighbours, ...). A clone is used: an under-sampler that
        takes a target count gets `sampling_strategy` set to honour `ratio`;
        a cleaning sampler proposes negatives, of which a random subset of
        the `ratio` size is kept. Its unset `random_state` is fixed from this
        classifier's `random_state`. None means a uniform draw.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping, in (0, 1).

    n_iter_no_change : int or None, default=None
        Early stopping, as in
        :class:`~sklearn.ensemble.GradientBoostingClassifier`: None turns it
        off; an int holds out a stratified split of `validation_fraction`
        of the rows (never trained on, never mined), scores it with
        `scoring` after every fit, and stops when the score has not
        improved by more than `tol` for that many consecutive fits. The
        best round's model is kept, with the working set it was fitted on.

    scoring : str or callable, default="average_precision"
        Validation score for early stopping (greater is better): a scorer
        name or a callable ``scorer(estimator, X, y)``. Named scorers are
        told the positive class.

    tol : float, default=1e-4
        Improvement of the validation score that counts as one.
"""

ENGINE_PARAMETERS = """\
    random_state : int, RandomState instance or None, default=None
        Controls the initial negatives, the validation split and the seed
        given to unseeded randomness inside `estimator` and `sampler`.

    batch_size : int or "auto", default="auto"
        Rows per chunk when scoring the pool: the temporaries of a pass are
        O(batch_size) and the pool is never copied. "auto" sizes a chunk to
        about 8 MiB of rows. It never changes the result.

    n_jobs : int or None, default=None
        Threads scoring chunks of a host pool where the work is per row: the
        estimator's own method and the compiled kernel expansion of
        SVC/NuSVC (BLAS runs one thread per chunk meanwhile). Compiled
        matrix products leave the cores to BLAS. Pools on a GPU or a cluster
        are parallel where they live. None means 1; -1 uses all processors.
        It never changes the result.

    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where the pool is scored when the fitted estimator has a compiled
        scorer (linear models, SVC/NuSVC, MLPClassifier, and Pipelines of
        scalers and PCA ending in one): "cuda" streams a host pool to the
        GPU chunk by chunk; "auto" uses the GPU when one is found. A pool
        given as a GPU array stays on its GPU: only the hard rows' indices
        and scores come back. Sparse pools and estimators without a compiled
        scorer are scored on the CPU (a warning says so). Fitting always
        runs on the host. See the :ref:`User Guide <user_guide>`.

    verbose : int, default=0
        1 prints one line per round; 2 also shows progress through each
        scoring pass (a tqdm bar when tqdm is installed).
"""

RUN_ATTRIBUTES = """\
    threshold_ : float
        The threshold used (`threshold` with "auto" resolved).

    n_rounds_ : int
        Mining rounds that were run (the round of the last fit).

    best_round_ : int
        The round whose model is kept (`n_rounds_` unless early stopping
        kept an earlier one).

    history_ : dict of lists
        One entry per fit (round 0 is the initial fit), usable as
        ``pandas.DataFrame(history_)``. Keys: "round"; "n_negatives", the
        working-set negatives that fit used; "n_scored", negatives outside
        the working set scored after it; "cut", the score a negative had to
        beat; "n_hard", how many were hard; "n_added", how many were added
        for the next round; "n_random", random negatives added instead by
        the guard against uninformative models; "n_evicted"; "random_weight",
        each random negative's weight in the fit (1.0 without `weighting`);
        "effective_size", Kish's effective sample size of the fit's
        weights; "fit_time" and "score_time" in seconds; "validation_score"
        (NaN without early stopping). ``n_negatives[r + 1] == n_negatives[r]
        + n_added[r] + n_random[r] - n_evicted[r]``.

    negative_indices_ : ndarray of int
        Sorted row indices (into `X`) of the negatives the kept model was
        trained on.

    mined_round_ : ndarray of shape (n_samples,)
        The round at which each row entered the working set: 0 for training
        positives and initial negatives, r for negatives mined in round r, -1
        for rows never used (validation rows included, and rows added after
        `best_round_`). An evicted negative keeps the round it last entered.
        Its dtype is the smallest signed integer type that holds
        `max_rounds` (one byte a row by default).

    termination_condition_ : str
        Why mining stopped: "no_hard_negatives" (no negative outside the
        working set scored above the threshold; with a margin threshold, a
        hinge-loss SVM and eviction of easy negatives only, DPM's
        convergence: the model is the optimum of training on all the data),
        "few_hard_negatives" (fewer than `min_hard_per_round`),
        "max_rounds", "early_stopping", "pool_exhausted" (every negative is
        in the working set), or "uninformative_model" (every score tied,
        and the guard's random negatives did not help before `max_rounds`).
"""

COMMON_ATTRIBUTES = """\
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    response_method_ : str
        The method used for scores.

    validation_indices_ : ndarray of int
        Rows held out for early stopping (empty when it is off).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when `X` has string column names.
"""

REFERENCES = """\
    .. [1] K.-K. Sung and T. Poggio, "Example-based learning for view-based
       human face detection", IEEE PAMI 20(1), 1998.
    .. [2] P. F. Felzenszwalb, R. B. Girshick, D. McAllester and D. Ramanan,
       "Object detection with discriminatively trained part-based models",
       IEEE PAMI 32(9), 2010, section 4.4.
    .. [3] R. Girshick, J. Donahue, T. Darrell and J. Malik, "Rich feature
       hierarchies for accurate object detection and semantic segmentation",
       CVPR 2014.
"""


def document(cls):
    """Fill a miner's docstring: its {parameters}, {engine_parameters},
    {run_attributes}, {attributes} and {references}."""
    cls.__doc__ = (
        cls.__doc__.replace("{parameters}", PARAMETERS.strip())
        .replace("{engine_parameters}", ENGINE_PARAMETERS.strip())
        .replace("{run_attributes}", RUN_ATTRIBUTES.strip())
        .replace("{attributes}", COMMON_ATTRIBUTES.strip())
        .replace("{references}", REFERENCES.strip())
    )
    return cls


def deprecation(what, instead):
    """The note for a deprecated spelling: a FutureWarning for two releases."""
    return (
        f"{what} was deprecated in skhnm 0.1 and will be removed in 0.3; {instead}.",
        FutureWarning,
    )


class BaseMiningClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """What the binary and the multiclass miner share (not for direct use).

    A subclass checks the target (`_check_target`), says which classes get
    a detector and which is the background, None for a binary run
    (`_detectors_of`), and whether its runs are multiclass (`_multiclass`,
    also its tag).
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
        "max_rounds": [Interval(Integral, 0, None, closed="left")],
        "max_hard_per_round": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
            None,
        ],
        "min_hard_per_round": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,  # deprecated: 1
        ],
        "warm_start_rounds": ["boolean"],
        "evict_threshold": [Interval(Real, None, None, closed="both"), None],
        "max_negatives": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
            None,
        ],
        "weighting": [StrOptions({"case_control", "inverse_probability"}), None],
        "response_method": [StrOptions({"auto", "decision_function", "predict_proba"})],
        "sampler": [HasMethods(["fit_resample"]), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "scoring": [StrOptions(set(get_scorer_names())), callable],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_jobs": [Integral, None],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "verbose": ["verbose"],
    }

    @property
    def _estimator(self):
        """The estimator to be fitted (also a delegate before `fit`)."""
        return LogisticRegression() if self.estimator is None else self.estimator

    @property
    def _detectors(self):
        """The fitted detectors predicting as one (multiclass mining)."""
        return DetectorSet(self.estimators_, self.classes_, self.negative_label_)

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
            Target.

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
            if issubclass(category, PoolTooSmallWarning):  # once per place
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
        params, notes = self._mining_params()
        _inputs.check_sampler(
            self.sampler,
            self.weighting if self.weighting == "inverse_probability" else None,
        )
        base = self._estimator
        response_method = resolve_response_method(base, self.response_method)
        pool, labels, classes, counts, y_type = _inputs.check_X_y(self, X, y)
        self._check_target(classes, y_type)
        xp = _pools.device_namespace(pool, self.device)
        routed, sample_weight = _inputs.fit_params(
            self, base, pool.X, sample_weight, fit_params
        )
        detectors, background = self._detectors_of(
            labels, classes, counts, sample_weight
        )

        rng = check_random_state(self.random_state)
        seeds = [int(rng.randint(MAX_SEED)) for _ in detectors]
        inputs = fit_inputs(
            params, pool, labels, classes, detectors, background is not None,
            base, response_method, routed, sample_weight, xp, rng,
        )  # fmt: skip
        runs = [
            detector_task(params, inputs, label, seed, rng)
            for label, seed in zip(detectors, seeds, strict=True)
        ]
        tasks = [task for task, _ in runs]
        results = mine_jointly(
            tasks, progress=scoring_progress if self.verbose >= 2 else None
        )

        self.classes_ = classes
        self.response_method_ = response_method
        self.weighting_ = (
            "case_control"
            if inputs.design
            else (self.weighting if self.weighting == "inverse_probability" else None)
        )
        self.validation_indices_ = inputs.val_rows
        if inputs.multiclass:
            self.negative_label_ = classes[classes == background][0]
        attributes = fitted_attributes(
            self.max_rounds, detectors, tasks, results, inputs.multiclass
        )
        for name, value in attributes.items():
            setattr(self, name, value)
        return (
            notes
            + [note for _, run_notes in runs for note in run_notes]
            + [note for result in results for note in result.notes]
        )

    def _mining_params(self):
        """The parameters a run reads, deprecated spellings resolved, and the
        deprecations' FutureWarnings."""
        params = SimpleNamespace(**self.get_params(deep=False))
        notes = []
        if params.min_hard_per_round is None:
            notes.append(
                deprecation(
                    "min_hard_per_round=None", "use min_hard_per_round=1: it "
                    "stops only when nothing is hard"
                )
            )  # fmt: skip
            params.min_hard_per_round = 1
        params.early_stopping = params.n_iter_no_change is not None
        # criterion="k_best" takes the max_hard_per_round hardest.
        params.k_best = params.max_hard_per_round or 1.0
        return params, notes

    # ----------------------------------------------------------- delegation

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

    def _predictor(self):
        """The fitted estimator, the detectors predicting as one, or the
        estimator with its case-control correction."""
        if hasattr(self, "estimators_"):
            return self._detectors
        if getattr(self, "inclusion_floor_", None) is not None:
            return CaseControlPredictor(
                self.pilot_,
                self.estimator_,
                self.inclusion_floor_,
                float(log_odds([self.threshold_], self.response_method_)[0]),
                self.response_method_,
                self.pos_label_,
            )
        return self.estimator_

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

    @available_if(_estimator_has("predict", delegates=_DELEGATES))
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

    @available_if(_estimator_has("predict_proba", delegates=_DELEGATES))
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

    @available_if(_estimator_has("predict_log_proba", delegates=_DELEGATES))
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

    @available_if(_estimator_has("decision_function", delegates=_DELEGATES))
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
            estimator=self._estimator, method_mapping=mapping
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.classifier_tags.multi_class = self._multiclass
        return tags
