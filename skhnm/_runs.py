"""From checked inputs and parameters to mining runs, and back to fitted
attributes.

One run (a :class:`skhnm._mining.Task`) per detector: the binary positive
class, or every class but the background in multiclass mining. All runs
of a fit share one :class:`FitInputs`.
"""

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ._case_control import (
    AUTO_THRESHOLD,
    MIN_NEGATIVES,
    CaseControlPredictor,
    SampledRun,
    loss_family,
    on_scale,
)
from ._initial import initial_negatives
from ._inputs import split_validation
from ._learner import MAX_SEED, EstimatorLearner, Validation, validation_scorer
from ._mining import Settings, Task
from ._pools import Scoring, code_dtype, round_dtype
from ._progress import print_round, print_start
from ._rows import member
from ._steps import final_loss
from ._weighting import auto_threshold, mining_weight_keys, positive_rate


def as_count(value, n_positives):
    """An int is a count; a float is a multiple of the number of positives."""
    if value is None or isinstance(value, Integral):
        return value
    return max(1, math.floor(value * n_positives))


@dataclass
class FitInputs:
    """What every detector's run of one `fit` shares."""

    pool: object  # the rows as given, viewed once per run
    base: object
    params: dict
    sample_weight: object
    weight_keys: tuple
    response_method: str
    pool_scoring: Scoring  # how the pool is scored (not the validation metric)
    classes: np.ndarray  # the labels a detector is fitted on
    rows_of: dict  # each detector's positives (training rows of its class)
    val_rows: np.ndarray
    y_val: np.ndarray
    multiclass: bool
    design: str | None = None  # the case-control design, or None
    _X_val: object = None

    def X_val(self, pool):
        """The validation rows, fetched once for every detector."""
        if self._X_val is None:
            self._X_val = pool.rows(self.val_rows, keep=False)
        return self._X_val


def sampling_design(miner, base):
    """How ``weighting="case_control"`` accounts for its sample: "log_odds"
    (an estimator with predict_proba), "weights" (the others, whose fit
    takes sample_weight), or None: the seed's rounds (``weighting=None``
    or "inverse_probability").

    Raises for what the draw cannot hold, naming the parameter: the k-best
    rule (no probability for a row outside the k), and a margin estimator
    without sample_weight."""
    if miner.weighting != "case_control":
        return None
    if miner.criterion == "k_best":
        raise ValueError(
            "criterion='k_best' keeps a fixed number of negatives whatever "
            "their score, which gives no row a known inclusion probability: "
            "it is only used when weighting=None or "
            "weighting='inverse_probability'. Under weighting='case_control' "
            "cap the surely kept negatives with max_hard_per_round instead."
        )
    if hasattr(base, "predict_proba"):
        return "log_odds"
    try:
        mining_weight_keys(base)
    except TypeError as exc:
        raise TypeError(
            "weighting='case_control' fits an estimator without predict_proba "
            "(a margin loss) with weights 1 / P(x), which it cannot take: "
            f"{exc}"
        ) from None
    return "weights"


def detector_task(miner, inputs, label, seed, rng, draw_seed=None):
    """One detector's run: its pool view, first negatives, learner, rules;
    and the notes of its initial draw.

    `miner` is the estimator whose parameters set the run. The detector of
    `label` has that class's rows as positives. In multiclass mining's
    rounds, the other classes' rows start in its working set (the negatives
    most like its class, see the user guide) and the background is mined;
    under the case-control design they are negatives like the background,
    drawn with a known probability (a row always in the set would break the
    correction, which reads every negative's probability off its score),
    by uniforms keyed by `draw_seed` that every detector shares.
    """
    positives = inputs.rows_of[label]
    others = None
    if inputs.multiclass and not inputs.design:
        rows = [rows for k, rows in inputs.rows_of.items() if k != label]
        others = np.sort(np.concatenate(rows)) if rows else None
    n_others = 0 if others is None else others.size
    pool = inputs.pool.view(inputs.pool_scoring, code_dtype(miner.max_rounds))
    pool.start(positives, inputs.val_rows)
    n_negatives = pool.n_outside + n_others
    if positives.size == 0 or n_negatives == 0:
        raise ValueError(
            "After holding out the validation split there are "
            f"{positives.size} positive and {n_negatives} negative training "
            "rows"
            + (f" for class {label!r}" if inputs.multiclass else "")
            + "; both are needed. Lower validation_fraction or provide "
            "more rows."
        )
    if others is not None:
        pool.enter(others, 0)
    max_negatives = as_count(miner.max_negatives, positives.size)
    room = max_negatives
    if max_negatives is not None and n_others:
        room = max(1, max_negatives - n_others)
    initial, notes = np.empty(0, dtype=np.intp), []
    n_pool = pool.n_outside
    # `ratio` negatives per positive: the first draw, and the guard's.
    n_ratio = max(1, round(miner.ratio * positives.size))
    if n_pool:
        n_initial = n_ratio
        if inputs.design:
            n_initial = max(n_ratio, min(n_pool, MIN_NEGATIVES))
        if room is not None and room < n_initial:
            notes.append(
                (
                    f"max_negatives={miner.max_negatives} is below the first "
                    f"working set that ratio={miner.ratio} asks for ({n_initial} "
                    f"negatives for {positives.size} positives): it is cut to "
                    f"{room}. Raise max_negatives or lower ratio.",
                    UserWarning,
                )
            )
            n_initial = room
        initial, draw_notes = initial_negatives(
            pool, positives, n_initial, miner.sampler, rng, miner.ratio
        )
        notes += draw_notes

    threshold = miner.threshold
    family = loss_family(inputs.base, inputs.design)
    if threshold == "auto" and inputs.design:
        threshold = on_scale(AUTO_THRESHOLD[family], inputs.response_method)
    elif threshold == "auto":
        threshold = auto_threshold(
            inputs.response_method,
            miner.ratio,
            positive_rate(positives, n_negatives, inputs.val_rows, inputs.sample_weight)
            if miner.weighting == "inverse_probability"
            else None,
        )
    pos_label = 1 if inputs.multiclass else label
    name = label if inputs.multiclass else None  # in what is printed
    validation = None
    if miner.early_stopping:
        validation = Validation(
            validation_scorer(inputs.base, miner.scoring, pos_label),
            inputs.X_val(pool),
            (inputs.y_val == label).astype(int) if inputs.multiclass else inputs.y_val,
            inputs.sample_weight,
            inputs.val_rows,
        )
    learner = EstimatorLearner(
        inputs.base,
        seed,
        pool,
        positives,
        inputs.classes,
        pos_label,
        inputs.params,
        warm=miner.warm_start_rounds,
        weight_keys=inputs.weight_keys,
        validation=validation,
    )
    settings = Settings(
        max_rounds=miner.max_rounds,
        threshold=float(threshold),
        criterion=miner.criterion,
        rank_quantile=miner.rank_quantile,
        k_best=as_count(miner.k_best, positives.size),
        max_hard=as_count(miner.max_hard_per_round, positives.size),
        min_hard=miner.min_hard_per_round,
        evict_threshold=miner.evict_threshold,
        max_negatives=max_negatives,
        n_guard=n_ratio,
        weighting=miner.weighting == "inverse_probability",
        n_iter_no_change=miner.n_iter_no_change,
        tol=miner.tol,
        design=inputs.design,
        family=family,
        margin_loss=final_loss(inputs.base) in ("hinge", "squared_hinge"),
        response_method=inputs.response_method,
        pos_label=pos_label,
    )
    on_round = None
    if miner.verbose:
        print_start(n_pool, positives.size, initial.size, name)

        def on_round(record):
            print_round(record, name)

    task = Task(
        pool,
        positives,
        initial,
        learner,
        settings,
        rng=check_random_state(int(rng.randint(MAX_SEED))),
        others=others,
        on_round=on_round,
        run=SampledRun if inputs.design else None,
        draw_seed=draw_seed,
    )
    return task, notes


def fit_inputs(
    miner,
    pool,
    labels,
    classes,
    detectors,
    multiclass,
    base,
    response_method,
    params,
    sample_weight,
    xp,
    rng,
):
    """The :class:`FitInputs` of a fit, the validation split drawn.

    `multiclass`: one detector per class but a background, each fitted on
    0 and 1, with the other classes' rows in its working set."""
    rows_of = {label: labels.rows_of(label) for label in detectors}
    val_rows = np.empty(0, dtype=np.intp)
    if miner.early_stopping:
        val_rows = split_validation(
            labels, classes, rows_of, multiclass, miner.validation_fraction, rng
        )
        rows_of = {k: r[~member(r, val_rows)] for k, r in rows_of.items()}
    batch_size = None if miner.batch_size == "auto" else miner.batch_size
    design = sampling_design(miner, base)
    weighted = miner.weighting == "inverse_probability" or design == "weights"
    return FitInputs(
        pool=pool,
        base=base,
        params=params,
        sample_weight=sample_weight,
        weight_keys=mining_weight_keys(base) if weighted else (),
        response_method=response_method,
        pool_scoring=Scoring(
            response_method,
            1 if multiclass else detectors[0],
            batch_size=batch_size,
            n_jobs=miner.n_jobs,
            xp=xp,
        ),
        classes=np.array([0, 1]) if multiclass else classes,
        rows_of=rows_of,
        val_rows=val_rows,
        y_val=labels.take(val_rows) if val_rows.size else None,
        multiclass=multiclass,
        design=design,
    )


def _fitted(model):
    """The fitted estimator itself, out of its case-control correction."""
    return model.estimator if isinstance(model, CaseControlPredictor) else model


def fitted_attributes(max_rounds, detectors, tasks, results, multiclass):
    """The per-run fitted attributes: one run's values, or dicts of them
    keyed by class in multiclass mining."""
    rounds = round_dtype(max_rounds)
    runs = list(zip(detectors, tasks, results, strict=True))

    def each(get):
        values = {label: get(task, res) for label, task, res in runs}
        return values if multiclass else values[detectors[0]]

    def threshold(task, res):
        # A corrected model's: the threshold its working set was drawn at.
        model = res.model
        if isinstance(model, CaseControlPredictor) and model.drawer is not None:
            return on_scale(model.threshold, task.settings.response_method)
        return task.settings.threshold

    attributes = {
        "threshold_": each(threshold),
        "n_rounds_": each(lambda task, res: res.n_rounds),
        "best_round_": each(lambda task, res: res.best_round),
        "history_": each(lambda task, res: res.history),
        "negative_indices_": each(lambda task, res: res.negatives),
        "mined_round_": each(
            lambda task, res: task.pool.entered_round(res.best_round, rounds)
        ),
        "termination_condition_": each(lambda task, res: res.termination),
    }
    if multiclass:
        attributes["estimators_"] = each(lambda task, res: _fitted(res.model))
        corrected = {
            label: res.model
            for label, res in zip(detectors, results, strict=True)
            if isinstance(res.model, CaseControlPredictor)
        }
        # Kept as fitted, for prediction: each detector's corrected model.
        attributes["_corrected"] = corrected or None
    else:
        model = results[0].model
        corrected = isinstance(model, CaseControlPredictor)
        attributes["estimator_"] = model.estimator if corrected else model
        attributes["pilot_"] = (
            model.rounds()[0].estimator
            if corrected and model.drawer is not None
            else None
        )
        attributes["inclusion_floor_"] = model.floor if corrected else None
        attributes["pos_label_"] = detectors[0]
        # Kept as fitted, for prediction (not a parameter-derived rebuild).
        attributes["_corrected"] = model if corrected else None
    return attributes
