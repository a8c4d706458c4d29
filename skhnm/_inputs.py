"""What `fit` checks and derives from its arguments before any mining.

X, y and their classes; which classes get a detector; `sample_weight` and
the fit parameters routed to the estimator; the sampler; the validation
split. Every problem is a ValueError or TypeError that names it.
"""

import numpy as np
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.model_selection import train_test_split
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import _routing_enabled, process_routing
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    has_fit_parameter,
    validate_data,
)

from . import _frames, _pools
from ._weighting import weighted_steps


def check_X_y(estimator, X, y):
    """The pool of checked rows `X` (:func:`skhnm._pools.as_pool`), the
    labels (:func:`skhnm._pools.labels`), the classes, their counts and the
    target type.

    A DataFrame (pandas, polars, pyarrow) reaches the wrapped estimator as
    it is (column transformers need its columns), as does a 1-D pool of
    documents or records (the estimator's vectorizer reads them), and a
    Dask or array-API pool stays where it lives: only names and counts are
    checked. Other input becomes a NumPy array or
    CSR matrix (chunks are row slices, which CSC cannot take cheaply).
    Whether it may hold NaN or inf is the wrapped estimator's call, as in
    scikit-learn's meta-estimators (a Pipeline may start with an imputer):
    its `fit` sees the working rows, and a pass refuses NaN scores.
    """
    shape = getattr(y, "shape", None)
    if shape is not None and len(shape) == 2 and shape[1] > 1:
        raise ValueError(
            "Multilabel and multioutput targets are not supported. "
            f"{type(estimator).__name__} needs a 1-D binary y; got shape "
            f"{tuple(shape)}."
        )
    if _frames.passes_through(X) or _pools.keeps_home(X):
        pool = _pools.as_pool(X)
        validate_data(estimator, X, y="no_validation", skip_check_array=True)
        if y is None:
            raise ValueError(
                f"This {type(estimator).__name__} estimator requires y to be "
                "passed, but the target y is None."
            )
        labels = _pools.labels(y)
        check_consistent_length(X, labels.y)
    else:
        X, y = validate_data(
            estimator, X, y, accept_sparse="csr", dtype=None, ensure_all_finite=False
        )
        pool = _pools.as_pool(X)
        labels = _pools.labels(y)
    classes, counts, y_type = _classes(labels)
    return pool, labels, classes, counts, y_type


def _classes(labels):
    """The classes of `labels`, their counts, and the target type, in few
    passes.

    Integer and boolean host labels take a fast path (two passes for min
    and max, two counts) instead of sorting every label three times; other
    labels go through scikit-learn's checks. Labels on a cluster are
    reduced there.
    """
    if not isinstance(labels, _pools.HostLabels):
        classes, counts = labels.classes()
        return classes, counts, type_of_target(classes, input_name="y")
    y = labels.y
    if y.ndim == 1 and y.size and y.dtype.kind in "biu":
        lo, hi = y.min(), y.max()
        if lo == hi:
            return np.array([lo], dtype=y.dtype), np.array([y.size]), "binary"
        n_lo, n_hi = np.count_nonzero(y == lo), np.count_nonzero(y == hi)
        if n_lo + n_hi == y.size:
            return np.array([lo, hi], dtype=y.dtype), np.array([n_lo, n_hi]), "binary"
        classes, counts = labels.classes()
        return classes, counts, "multiclass"
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    classes, counts = labels.classes()
    return classes, counts, y_type


def plain(label):
    """A class as a plain Python value: the keys of per-class attributes."""
    return label.item() if isinstance(label, np.generic) else label


def check_target_type(estimator, classes, y_type, negative_label):
    """Refuse a target mining cannot learn, saying what would work."""
    if y_type == "multiclass" and negative_label is None:
        raise ValueError(
            f"Only binary classification is supported by "
            f"{type(estimator).__name__}. The type of the target is "
            f"multiclass: y has {classes.size} classes "
            f"{classes[:10].tolist()}. Use MulticlassHardNegativeMiningClassifier "
            "and set negative_label to the background class to mine one "
            "detector per other class over the one pool."
        )
    if classes.size == 1:
        raise ValueError(
            f"y has only one class, {classes.tolist()[0]!r}; "
            f"{type(estimator).__name__} needs two (a positive and a "
            "negative class)."
        )
    if y_type not in ("binary", "multiclass") or classes.size < 2:
        raise ValueError(
            "Only binary and multiclass classification are supported. The "
            f"type of the target is {y_type}: y has {classes.size} "
            f"class{'' if classes.size == 1 else 'es'} {classes[:10].tolist()}; "
            f"{type(estimator).__name__} needs at least two (a positive and a "
            "negative class)."
        )


def detector_labels(labels, classes, counts, sample_weight, pos_label, negative_label):
    """The classes that get a detector: the positive class, or all but the
    background.

    Binary without `negative_label`, the positive class is `pos_label`,
    else the less frequent class (counting rows by their weight).
    """
    if negative_label is not None:
        if negative_label not in classes:
            raise ValueError(
                f"negative_label={negative_label!r} is not a class of "
                f"y; the classes are {classes.tolist()}."
            )
        others = [plain(c) for c in classes if c != negative_label]
        if pos_label is not None and (len(others) > 1 or pos_label != others[0]):
            raise ValueError(
                f"pos_label={pos_label!r} and negative_label="
                f"{negative_label!r} disagree: with negative_label set, "
                "every other class is positive (one detector each). Leave "
                "pos_label=None."
            )
        return others
    if pos_label is not None and pos_label not in classes:
        raise ValueError(
            f"pos_label={pos_label!r} is not a class of y; the classes "
            f"are {classes.tolist()}."
        )
    # Mining is defined by a rare positive class and a large pool.
    if pos_label is None:
        counts = frequencies(labels, classes, counts, sample_weight)
        pos_label = classes[0] if counts[0] < counts[1] else classes[1]
    return [pos_label]


def frequencies(labels, classes, counts, sample_weight):
    """How frequent each class is: its rows, each counted as many times as
    its weight when `sample_weight` is given."""
    if sample_weight is None:
        return counts
    return [sample_weight[labels.rows_of(c)].sum() for c in classes]


def fit_params(router, base, X, sample_weight, params):
    """Fit parameters for the estimator over all rows (subset per fit).

    Returns them and the checked `sample_weight` (which also weights the
    validation score). Without metadata routing, a Pipeline gets the
    weights as ``<step>__sample_weight`` for every step whose `fit` takes
    them, its final step included: a weighted fit then equals one on
    repeated rows, scaler and all.
    """
    sample_weight = _pools.to_host(sample_weight)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
    if _routing_enabled():
        if sample_weight is not None:
            params = {**params, "sample_weight": sample_weight}
        try:
            routed = process_routing(router, "fit", **params).estimator.fit
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
    steps = weighted_steps(base)
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


def check_sampler(sampler, weighting):
    """Refuse, before any work, a sampler that cannot choose negatives.

    Only samplers that keep original rows (and say which, in
    ``sample_indices_``) can: under-samplers and cleaning samplers.
    Over-samplers and prototype generators (ClusterCentroids) make new
    rows. Weighting reads the first negatives as a uniform sample, which
    only RandomUnderSampler without replacement draws.
    """
    if sampler is None:
        return
    from imblearn.under_sampling import RandomUnderSampler

    kind = getattr(sampler, "_sampling_type", None)
    sampler_tags = getattr(get_tags(sampler), "sampler_tags", None)
    keeps_rows = getattr(sampler_tags, "sample_indices", None)
    if kind in ("over-sampling", "ensemble", "bypass") or keeps_rows is False:
        raise TypeError(
            f"sampler={sampler!r} makes new rows ({kind or 'its own'}"
            f"{'' if keeps_rows is not False else ', no sample_indices_'}) "
            "instead of choosing some of the negatives; use an "
            "imbalanced-learn sampler that keeps original rows "
            "(RandomUnderSampler, NearMiss, TomekLinks, "
            "EditedNearestNeighbours, ...)."
        )
    if weighting is not None and not (
        isinstance(sampler, RandomUnderSampler) and not sampler.replacement
    ):
        raise ValueError(
            f"weighting={weighting!r} reads the initial negatives as a "
            f"uniform random sample of the pool, which sampler="
            f"{sampler!r} does not draw: their inclusion probability is not "
            "known, and the fit's correction would be biased. "
            "Use sampler=None (or RandomUnderSampler(replacement=False)), "
            "or weighting=None."
        )


def split_validation(labels, classes, rows_of, multiclass, fraction, rng):
    """Sorted rows held out for early stopping.

    Stratified by class: positive or not for one detector, every class in
    multiclass mining. A split that leaves a class out of the validation
    rows is refused: the validation score would be undefined.
    """
    n = labels.shape[0]
    strata = np.zeros(n, dtype=np.int32 if multiclass else bool)
    if multiclass:
        for i, label in enumerate(classes):
            strata[labels.rows_of(label)] = i
    else:
        (positives,) = rows_of.values()
        strata[positives] = True
    try:
        _, val = train_test_split(
            np.arange(n), test_size=fraction, stratify=strata, random_state=rng
        )
    except ValueError as exc:
        raise ValueError(
            "early stopping needs a stratified validation split of "
            f"validation_fraction={fraction} with at least one row of each "
            f"class on each side (n_iter_no_change=None turns it off); {exc}"
        ) from exc
    val = np.sort(val)
    held = set(np.unique(labels.take(val)).tolist())
    for label in map(plain, classes):
        if label not in held:
            raise ValueError(
                f"The validation split (validation_fraction={fraction}) holds "
                f"no row of class {label!r}, so early stopping's score "
                "would be undefined. Raise validation_fraction, give more rows "
                "of that class, or turn early stopping off "
                "(n_iter_no_change=None)."
            )
    return val
