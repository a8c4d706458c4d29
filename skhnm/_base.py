"""The scikit-learn face shared by the binary and the multiclass miner.

Parameters and their validation, a `fit` that reads in
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

from . import _frames, _inputs, _pools
from ._detectors import DetectorSet
from ._learner import MAX_SEED
from ._mining import mine_jointly
from ._progress import scoring_progress
from ._runs import detector_task, fit_inputs, fitted_attributes
from ._scoring import resolve_response_method
from .exceptions import PoolTooSmallWarning, repeats

# Where each method is delegated: the fitted estimator, the fitted
# detectors predicting as one (multiclass), else the estimator to be fitted.
_DELEGATES = ("estimator_", "_detectors", "_estimator")


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
        """The fitted detectors predicting as one (multiclass mining): the
        corrected models under the case-control design."""
        detectors = getattr(self, "_corrected", None) or self.estimators_
        return DetectorSet(detectors, self.classes_, self.negative_label_)

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
                n_features) or (n_samples,)
            Positives and the pool of negatives. Sparse input needs an
            estimator that takes it. A DataFrame (pandas, polars, pyarrow)
            reaches the estimator as the same kind of frame (row subsets of
            it), so a ``ColumnTransformer`` can select columns by name. A
            1-D pool of documents or records (a list, array or Series of
            strings or dicts) reaches it as it is: its first step (a
            ``TfidfVectorizer``, say) must turn the rows into features.

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
        params = self._mining_params()
        # A sampler's pick must be uniform wherever the fit reads it as a
        # sample of known probability.
        _inputs.check_sampler(self.sampler, self.weighting)
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
        # Detectors share one background draw: the uniforms' key.
        draw_seed = int(rng.randint(MAX_SEED)) if background is not None else None
        inputs = fit_inputs(
            params, pool, labels, classes, detectors, background is not None,
            base, response_method, routed, sample_weight, xp, rng,
        )  # fmt: skip
        runs = [
            detector_task(params, inputs, label, seed, rng, draw_seed)
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
        return [note for _, run_notes in runs for note in run_notes] + [
            note for result in results for note in result.notes
        ]

    def _mining_params(self):
        """The parameters a run reads, with what follows from them."""
        params = SimpleNamespace(**self.get_params(deep=False))
        params.early_stopping = params.n_iter_no_change is not None
        # criterion="k_best" takes the max_hard_per_round hardest.
        params.k_best = params.max_hard_per_round or 1.0
        return params

    # ----------------------------------------------------------- delegation

    def _delegate(self, method, X, params):
        check_is_fitted(self)
        _raise_for_params(params, self, method)
        return _pools.predict(
            self._predictor(),
            method,
            X,
            params,
            getattr(self, "n_features_in_", None),  # None: a 1-D pool
            self.classes_,
            lambda X: self._predict_on_host(method, X, params),
        )

    def _predictor(self):
        """The fitted estimator, the detectors predicting as one, or the
        estimator with its case-control correction."""
        if hasattr(self, "estimators_"):
            return self._detectors
        corrected = getattr(self, "_corrected", None)
        if corrected is not None:
            return corrected
        return self.estimator_

    def _predict_on_host(self, method, X, params):
        if _frames.passes_through(X):
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

        With ``weighting="case_control"`` and an estimator with
        `predict_proba`, they are the corrected model's: expit of the
        estimator's log-odds plus log P(x), on the population's scale. With
        ``weighting="inverse_probability"`` the estimator was fitted to an
        estimate of the full-data loss, so a calibrated learner (a logistic
        loss, say) gives the population's probabilities. With None, the
        working set's class balance is not the population's:
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
