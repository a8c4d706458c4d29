"""The bootstrap of hard negatives (Sung & Poggio 1998; Felzenszwalb et al. 2010).

This module holds the algorithm and nothing of scikit-learn's plumbing: it
works on row indices and scores, and is handed callables that fit a model on
some rows and score rows with a model.

    working set = all positives + an initial subset of the negatives
    repeat for round = 0, 1, ..., max_rounds:
        fit a model on the working set
        score every negative outside the working set with that model
        hard = those scoring above the threshold
               (or above a quantile of the positives' scores: "rank";
                or the k best, whatever their score: "k_best")
        stop if nothing is outside, nothing is hard, validation stalled,
             or the round limit is reached
        (guard) if every score ties, add random negatives instead and go on
        (cache) evict working negatives scoring below evict_threshold
        add the hard ones (the hardest first, when capped) to the working set
        (cache) if over max_negatives, evict the easiest working negatives

Eviction never touches a negative at or above the threshold, nor a support
vector: with a margin threshold this keeps DPM's guarantee (Felzenszwalb et
al. 2010, section 4.4) that a run ending with no hard negatives outside the
cache has reached the optimum of training on all the data.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._selection import above_threshold, hardest

# Scores within this relative distance of each other count as tied.
_TIE = 1e-9

HISTORY_KEYS = (
    "round",
    "n_negatives",
    "n_scored",
    "cut",
    "n_hard",
    "n_added",
    "n_random",
    "n_evicted",
    "fit_time",
    "score_time",
    "validation_score",
)
CRITERIA = ("threshold", "rank", "k_best")


@dataclass
class MiningResult:
    """What a mining run leaves behind.

    `negatives` is the working set the returned `model` was fitted on;
    `entered_round[i]` is the round at which `pool[i]` entered it (-1: never,
    or only after the round whose model was kept). `bound_held` is False when
    some round could not keep `max_negatives` without evicting a protected
    negative.
    """

    model: object
    negatives: np.ndarray
    entered_round: np.ndarray
    history: dict = field(default_factory=dict)
    n_rounds: int = 0
    termination: str = ""
    best_round: int = 0
    bound_held: bool = True


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
    find_hard=None,
    criterion="threshold",
    rank_quantile=0.1,
    k_best=None,
    rng=None,
    n_guard=0,
    max_rounds,
    max_hard=None,
    evict_threshold=None,
    max_negatives=None,
    protected=None,
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
    find_hard : callable or None
        ``find_hard(model, rows, threshold, k, round) -> (hard_rows,
        hard_scores, n_hard, (low, high))``: the rows of `rows` scoring
        strictly above `threshold` (all of them, or when `k` is an int at
        least the `k` hardest, ties included), how many there are in all,
        and the lowest and highest score of `rows`. None scores `rows` with
        `score` and cuts here; a backend that keeps the pool elsewhere
        (Dask) selects there and returns only the hard rows.
    threshold : float
        With ``criterion="threshold"``, a negative is hard when its score is
        strictly above it.
    criterion : {"threshold", "rank", "k_best"}
        The hardness rule: above `threshold`; above the `rank_quantile`
        quantile of the positives' scores under the current model; or the
        `k_best` highest-scoring negatives, whatever their score.
    rank_quantile : float
        The quantile of the rank rule.
    k_best : int or None
        Negatives added per round by the k_best rule.
    rng : numpy.random.RandomState or None
        Draws the random negatives of the guard.
    n_guard : int
        When a model's scores carry no ranking information (the outside
        negatives and the positives all score alike), no negative can be
        called hard: instead of stopping, this many random negatives join
        the working set (the guard). Its rounds say so in "n_random"; a run
        that cannot grow any more ends as "uninformative_model".
    max_rounds : int
        Mining rounds after the initial fit.
    max_hard : int or None
        At most this many hard negatives are added per round, hardest first.
    evict_threshold : float or None
        Before adding, working negatives scoring strictly below it are evicted
        (returned to the pool, where they may be mined again).
    max_negatives : int or None
        Bound on working negatives: additions go hardest first, then the
        easiest working negatives are evicted until the bound holds.
    protected : callable ``protected(model, train_rows, rows) -> bool mask``
        Marks rows that must never be evicted (support vectors).
    validate : callable ``validate(model) -> float`` or None
        Early stopping: greater is better.
    n_iter_no_change : int
        Stop after this many fits without an improvement above `tol`.
    tol : float
        The improvement that counts.
    on_round : callable ``on_round(record)`` or None
        Called with each round's history record (for progress output).
    """
    if find_hard is None:
        find_hard = _cut_scores(score)
    in_work = np.isin(pool, initial)
    # Rounds fit in int32: half the memory of one more index per row.
    entered = np.full(pool.size, -1, dtype=np.int32)
    entered[in_work] = 0
    history = {key: [] for key in HISTORY_KEYS}
    cache = evict_threshold is not None or max_negatives is not None
    best = None  # (validation score, round, model, working mask)
    n_stalled = 0
    bound_broken = False

    for rnd in range(max_rounds + 1):
        t0 = time.perf_counter()
        train_rows = np.union1d(positives, pool[in_work])
        try:
            model = fit(train_rows, rnd)
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

        # Every round re-scores the outside pool with the current model
        # (scores from an older model are stale); a cache also needs the
        # working negatives' scores.
        outside = pool[~in_work]
        work = np.flatnonzero(in_work)
        t0 = time.perf_counter()
        try:
            cut, k, pos_scores = threshold, max_hard, None
            if criterion == "rank":
                pos_scores = score(model, positives, rnd)
                # An order statistic (a positive's own score), so the rule
                # gives the same negatives on any monotone score scale.
                cut = float(np.quantile(pos_scores, rank_quantile, method="lower"))
            elif criterion == "k_best":
                cut, k = (
                    -math.inf,
                    k_best if max_hard is None else min(k_best, max_hard),
                )
            hard_rows, hard_scores, n_hard, (low, high) = find_hard(
                model, outside, cut, k, rnd
            )
            if criterion == "k_best":
                n_hard = min(n_hard, k)  # the k best are the hard ones
            informative = True
            if outside.size and high - low <= _TIE * (1.0 + abs(high)):
                # Every outside negative ties: informative only if the
                # positives score above them.
                if pos_scores is None:
                    pos_scores = score(model, positives, rnd)
                informative = float(np.max(pos_scores)) - high > _TIE * (
                    1.0 + abs(high)
                )
            work_scores = score(model, pool[work], rnd) if cache else None
        except Exception as exc:
            _note_round(exc, "scoring the pool", rnd)
            raise
        score_time = time.perf_counter() - t0
        n_negatives = work.size
        n_added = n_evicted = n_random = 0

        if outside.size == 0:
            termination = "pool_exhausted"
        elif not informative:
            # The guard: a model that cannot rank has not converged; give it
            # more random negatives to learn from.
            termination = None
            if rnd == max_rounds or n_guard < 1 or rng is None:
                termination = "uninformative_model"
            else:
                grown = np.sort(
                    rng.choice(outside, min(n_guard, outside.size), replace=False)
                )
                added = np.searchsorted(pool, grown)
                in_work[added] = True
                entered[added] = rnd + 1
                n_random = grown.size
        elif n_hard == 0:
            termination = "no_hard_negatives"
        elif validate is not None and n_stalled >= n_iter_no_change:
            termination = "early_stopping"
        elif rnd == max_rounds:
            termination = "max_rounds"
        else:
            termination = None
            n_added = n_hard if max_hard is None else min(n_hard, max_hard)
            if cache:
                keep = _never_evict(
                    model,
                    train_rows,
                    pool[work],
                    work_scores,
                    math.inf if criterion == "k_best" else cut,
                    protected,
                )
                n_added, evict, held = plan_cache(
                    work_scores, keep, n_added, evict_threshold, max_negatives
                )
                bound_broken |= not held
                in_work[work[evict]] = False
                n_evicted = int(np.count_nonzero(evict))
            if n_added < hard_rows.size:
                hard_rows = hardest(hard_rows, hard_scores, n_added)
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
                    cut if criterion != "k_best" else _kth(hard_scores, k),
                    n_hard,
                    n_added,
                    n_random,
                    n_evicted,
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
        bound_held=not bound_broken,
    )
    if best is not None and best[1] != rnd:
        # Early stopping keeps the best round's model and the working set it saw.
        _, result.best_round, result.model, best_work = best
        result.negatives = pool[best_work]
        result.entered_round = np.where(entered <= result.best_round, entered, -1)
    return result


def _cut_scores(score):
    """A `find_hard` that scores the rows here and keeps those above the cut."""

    def find_hard(model, rows, threshold, k, rnd):
        if rows.size == 0:
            return rows, np.empty(0), 0, (0.0, 0.0)
        scores = score(model, rows, rnd)
        hard_rows, hard_scores = above_threshold(rows, scores, threshold)
        spread = (float(scores.min()), float(scores.max()))
        return hard_rows, hard_scores, int(hard_rows.size), spread

    return find_hard


def _kth(scores, k):
    """The k-th highest score (the cut a k_best round made), NaN if none."""
    if scores.size == 0 or not k:
        return math.nan
    k = min(k, scores.size)
    return float(np.partition(scores, scores.size - k)[scores.size - k])


def _never_evict(model, train_rows, rows, scores, threshold, protected):
    """Working negatives that must stay: at or above the threshold, or support."""
    keep = scores >= threshold
    if protected is not None:
        keep |= protected(model, train_rows, rows)
    return keep


def plan_cache(scores, keep, n_add, evict_threshold, max_negatives):
    """Decide one round's cache update.

    Parameters
    ----------
    scores : ndarray of shape (n_work,)
        Scores of the working negatives under the current model.
    keep : ndarray of bool, shape (n_work,)
        Working negatives that must never be evicted.
    n_add : int
        Hard negatives on offer (already capped per round), hardest first.
    evict_threshold : float or None
        Working negatives scoring strictly below it are evicted.
    max_negatives : int or None
        Bound on working negatives after the update.

    Returns
    -------
    n_add : int
        How many of the hardest to add.
    evict : ndarray of bool, shape (n_work,)
        Working negatives to evict.
    held : bool
        False when the bound could not be held without evicting a kept row.
    """
    evictable = ~keep
    evict = np.zeros_like(keep)
    if evict_threshold is not None:
        evict = evictable & (scores < evict_threshold)
    if max_negatives is None:
        return n_add, evict, True
    # Room left once every evictable negative is gone; at least one hard
    # negative is always added, or mining could not make progress.
    room = max_negatives - int(np.count_nonzero(keep))
    n_add = min(n_add, max(room, 1))
    over = keep.size - int(np.count_nonzero(evict)) + n_add - max_negatives
    if over > 0:
        # The easiest first, ties to the earlier working row.
        candidates = np.flatnonzero(evictable & ~evict)
        easiest = candidates[np.argsort(scores[candidates], kind="stable")][:over]
        evict[easiest] = True
    held = keep.size - int(np.count_nonzero(evict)) + n_add <= max_negatives
    return n_add, evict, held
