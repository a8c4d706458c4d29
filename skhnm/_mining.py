"""The bootstrap of hard negatives (Sung & Poggio 1998; Felzenszwalb et al. 2010).

This module holds the algorithm and nothing of scikit-learn's plumbing: it
works on row indices and scores, and is handed two callables, one that fits a
model on some rows and one that scores rows with a model.

    working set = all positives + an initial subset of the negatives
    repeat for round = 0, 1, ..., max_rounds:
        fit a model on the working set
        score every negative outside the working set with that model
        hard = those scoring above the threshold
        stop if nothing is outside, nothing is hard, validation stalled,
             or the round limit is reached
        add the hard ones (the hardest first, when capped) to the working set
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._selection import above_threshold, hardest

HISTORY_KEYS = (
    "round",
    "n_negatives",
    "n_scored",
    "n_hard",
    "n_added",
    "fit_time",
    "score_time",
    "validation_score",
)


@dataclass
class MiningResult:
    """What a mining run leaves behind.

    `negatives` is the working set the returned `model` was fitted on;
    `entered_round[i]` is the round at which `pool[i]` entered it (-1: never,
    or only after the round whose model was kept).
    """

    model: object
    negatives: np.ndarray
    entered_round: np.ndarray
    history: dict = field(default_factory=dict)
    n_rounds: int = 0
    termination: str = ""
    best_round: int = 0


def _note_round(exc, what, rnd):
    # The original exception type is kept (a ValueError stays a ValueError);
    # the note says in which round of the run it happened.
    exc.add_note(f"skhnm: raised while {what} in mining round {rnd}.")


def mine(
    *,
    positives,
    pool,
    initial,
    fit,
    score,
    threshold,
    max_rounds,
    max_hard=None,
    validate=None,
    n_iter_no_change=2,
    tol=0.0,
    on_round=None,
):
    """Run the bootstrap and return a :class:`MiningResult`.

    Parameters
    ----------
    positives : ndarray of int
        Rows always in the working set.
    pool : ndarray of int, sorted
        Every negative row that may be trained on.
    initial : ndarray of int
        The negatives of the first working set (a subset of `pool`).
    fit : callable ``fit(rows, round) -> model``
        Fits a fresh model on the sorted `rows`.
    score : callable ``score(model, rows, round) -> ndarray of float``
        Hardness scores of `rows` (higher is more positive-looking).
    threshold : float
        A negative is hard when its score is strictly above it.
    max_rounds : int
        Mining rounds after the initial fit.
    max_hard : int or None
        At most this many hard negatives are added per round, hardest first.
    validate : callable ``validate(model) -> float`` or None
        Early stopping: greater is better.
    n_iter_no_change : int
        Stop after this many fits without an improvement above `tol`.
    tol : float
        The improvement that counts.
    on_round : callable ``on_round(record)`` or None
        Called with each round's history record (for progress output).
    """
    in_work = np.isin(pool, initial)
    entered = np.where(in_work, 0, -1)
    history = {key: [] for key in HISTORY_KEYS}
    best = None  # (validation score, round, model, working mask)
    n_stalled = 0

    for rnd in range(max_rounds + 1):
        t0 = time.perf_counter()
        try:
            model = fit(np.union1d(positives, pool[in_work]), rnd)
        except Exception as exc:
            _note_round(exc, "fitting the estimator", rnd)
            raise
        fit_time = time.perf_counter() - t0

        val = math.nan
        if validate is not None:
            val = float(validate(model))
            improved = best is None or val > best[0] + tol
            if best is None or val > best[0]:
                best = (val, rnd, model, in_work.copy())
            n_stalled = 0 if improved else n_stalled + 1

        # Every round re-scores the whole outside pool with the current model:
        # scores from an older model are stale.
        outside = pool[~in_work]
        t0 = time.perf_counter()
        try:
            scores = score(model, outside, rnd) if outside.size else np.empty(0)
        except Exception as exc:
            _note_round(exc, "scoring the pool", rnd)
            raise
        score_time = time.perf_counter() - t0
        hard_rows, hard_scores = above_threshold(outside, scores, threshold)
        n_negatives, n_hard = int(np.count_nonzero(in_work)), int(hard_rows.size)

        if outside.size == 0:
            termination = "pool_exhausted"
        elif n_hard == 0:
            termination = "no_hard_negatives"
        elif validate is not None and n_stalled >= n_iter_no_change:
            termination = "early_stopping"
        elif rnd == max_rounds:
            termination = "max_rounds"
        else:
            termination = None
            if max_hard is not None and n_hard > max_hard:
                hard_rows = hardest(hard_rows, hard_scores, max_hard)
            added = np.searchsorted(pool, hard_rows)
            in_work[added] = True
            entered[added] = rnd + 1

        record = dict(
            zip(
                HISTORY_KEYS,
                (
                    rnd,
                    n_negatives,
                    int(outside.size),
                    n_hard,
                    0 if termination else int(hard_rows.size),
                    fit_time,
                    score_time,
                    val,
                ),
                strict=True,
            )
        )
        for key, value in record.items():
            history[key].append(value)
        if on_round is not None:
            on_round(record)
        if termination:
            break

    result = MiningResult(
        model=model,
        negatives=pool[in_work],
        entered_round=entered,
        history=history,
        n_rounds=rnd,
        termination=termination,
        best_round=rnd,
    )
    if best is not None and best[1] != rnd:
        # Early stopping keeps the best round's model and the working set it saw.
        _, result.best_round, result.model, best_work = best
        result.negatives = pool[best_work]
        result.entered_round = np.where(entered <= result.best_round, entered, -1)
    return result
