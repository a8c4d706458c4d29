"""The bootstrap of hard negatives (Sung & Poggio 1998; Felzenszwalb et al. 2010).

This module holds the algorithm and nothing of scikit-learn's plumbing. It
talks to a pool (:mod:`skhnm._pools`: where the rows live, how they are
scored and cut) and to a learner (callables that fit a model on some rows),
and works on row indices and scores:

    working set = all positives + an initial subset of the negatives
    repeat for round = 0, 1, ..., max_rounds:
        fit a model on the working set
        cut = the rule's part: above the threshold ("threshold"), above a
              quantile of the positives' scores ("rank"), or the k best
        select: one pass over the negatives outside the working set with
                that model, keeping only the hard ones
        stop if nothing is outside, nothing is hard, too few are hard to
             change the model, validation stalled, or the round limit is
             reached
        (guard) if every score ties, add random negatives instead (twice as
                many each time) and go on
        (cache) evict working negatives scoring below evict_threshold, and
                the easiest ones past max_negatives
        add the hard ones (the hardest first, when capped) to the working set

Eviction never touches a negative at or above the threshold, nor a support
vector: with a margin threshold this keeps DPM's guarantee (Felzenszwalb et
al. 2010, section 4.4) that a run ending with no hard negatives outside the
cache has reached the optimum of training on all the data.

The default draws each round's working set instead of growing it
(``weighting="case_control"``): every negative is kept with a known
probability that follows the last model's score, and each fit accounts for
it. That loop is :mod:`skhnm._case_control`'s run; :func:`mine_jointly`
runs either kind, side by side.

Multiclass mining (R-CNN: one detector per class over one background) runs
one such bootstrap per detector in lockstep (:func:`mine_jointly`): every
round fits each detector still mining, then one pass over the pool scores
the rows outside any working set with all of them, and each detector cuts,
stops and keeps its cache on its own. Rows entered by the caller before the
run (the other classes' rows) stay in the working set and are never evicted.

With inverse-probability weighting (Horvitz & Thompson 1952; Fithian &
Hastie 2014 for logistic regression) the working negatives are read as a
stratified sample of the pool: the mined ones are a census of the hard
stratum, weight 1, and the random ones (the initial draw and the guard's)
are a uniform sample of every negative not mined, each standing for
``n_not_mined / n_random`` of them. A random negative that scores above a
round's cut is hard, so it moves to the census. The weighted working-set
loss is then an estimate of the full-data loss, for any loss. The uniform
sample is never evicted; an evicted mined negative returns to the
population that the sample stands for.
"""

import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from ._memory import release_freed_memory
from ._pools import select_jointly
from ._rows import member, merge
from ._selection import Cut, hardest, outranks


@dataclass
class Round:
    """One fit of a run; its fields are the keys of ``history_``."""

    round: int
    n_negatives: int  # working negatives the fit used
    n_scored: int = 0  # negatives outside the working set, scored after it
    cut: float = math.nan  # the score a negative had to beat
    n_hard: int = 0
    n_added: int = 0  # hard negatives added for the next round
    n_random: int = 0  # random negatives added instead, by the guard
    n_evicted: int = 0
    random_weight: float = 1.0  # each random negative's weight in the fit
    effective_size: float = 0.0  # Kish's (sum w)^2 / sum w^2 of the fit's rows
    fit_time: float = 0.0
    score_time: float = 0.0
    validation_score: float = math.nan


HISTORY_KEYS = tuple(f.name for f in fields(Round))
# Pools from this many negatives warn when a round takes most of them; on
# smaller ones a full-data fit costs next to nothing.
LARGE_POOL = 1000


@dataclass(frozen=True)
class Settings:
    """The rule, the stop conditions and the cache of a run.

    `n_guard` random negatives join the working set when a model's scores
    carry no ranking information (the guard); `max_hard` caps the hard
    negatives added per round; a round with fewer hard negatives than
    `min_hard` (an int, or a float times the working negatives) ends the
    run; `evict_threshold` and `max_negatives` make the working set a cache
    (DPM, R-CNN); `weighting` weighs the random negatives by the inverse of
    their inclusion probability.
    """

    max_rounds: int
    threshold: float = 0.0
    criterion: str = "threshold"
    rank_quantile: float = 0.1
    k_best: int | None = None
    max_hard: int | None = None
    min_hard: int | float | None = None
    evict_threshold: float | None = None
    max_negatives: int | None = None
    n_guard: int = 0
    weighting: bool = False
    n_iter_no_change: int = 2
    tol: float = 0.0
    # The case-control design (skhnm._case_control): "log_odds", "weights", or
    # None for the bootstrap's rounds; how scores are read, and which
    # class they are for.
    design: str | None = None
    family: str = "logistic"  # the loss the case-control keep probability follows
    margin_loss: bool = False  # a hinge loss: a constant model's likely cause
    response_method: str = "decision_function"
    pos_label: object = 1

    @property
    def cache(self):
        return self.evict_threshold is not None or self.max_negatives is not None


@dataclass
class Learner:
    """What the loop asks of the model side.

    `fit(rows, round, weights)` fits a fresh model on the sorted `rows`,
    with `weights` (aligned with `rows`) as sample weights unless None;
    `protected(model, train_rows, rows)` marks rows never to evict (support
    vectors); `validate(model)` scores a model for early stopping (greater
    is better).
    """

    fit: Callable
    protected: Callable | None = None
    validate: Callable | None = None


@dataclass
class MiningResult:
    """What a mining run leaves behind.

    `negatives` is the working set the returned `model` was fitted on (the
    best round's under early stopping). `notes` are the warnings the run
    has for the user, ``(message, category)`` pairs, for the caller to
    emit.
    """

    model: object
    negatives: np.ndarray
    history: dict = field(default_factory=dict)
    n_rounds: int = 0
    termination: str = ""
    best_round: int = 0
    notes: list = field(default_factory=list)


@dataclass
class Task:
    """One detector's run: its pool view, positives, first negatives and rules.

    `others` are negatives the caller already entered in `pool` at round 0
    (another class's rows, in multiclass mining): they start in the working
    set, weigh 1 under weighting and are never evicted. `on_round` is
    called with each round's :class:`Round`. `draw_seed` keys the
    case-control loop's per-row uniforms when several runs share them
    (multiclass mining: one background draw), else the run's `rng` does.
    """

    pool: object
    positives: np.ndarray
    initial: np.ndarray
    learner: Learner
    settings: Settings
    rng: object = None
    others: np.ndarray | None = None
    on_round: Callable | None = None
    # The run's class: None for the bootstrap's rounds (:class:`_Run`), or
    # the case-control loop's (skhnm._case_control.SampledRun).
    run: type | None = None
    draw_seed: int | None = None


def mine_jointly(tasks, progress=None):
    """Run several bootstraps over one pool in lockstep: one pass per round.

    Each task (a detector, in multiclass mining) fits, cuts, stops and keeps
    its cache on its own; a round's selecting pass scores the rows outside
    any working set once, with every model still mining
    (:func:`skhnm._pools.select_jointly`). `progress(round)` makes each
    pass's callback ``callback(n_done, n_total)``. Each task runs its
    `run` class (the bootstrap's rounds by default); a run whose fit asks
    for no pass ends there. Returns one :class:`MiningResult` per task.
    """
    runs = [(task.run or _Run)(task) for task in tasks]
    for rnd in range(max(task.settings.max_rounds for task in tasks) + 1):
        if all(run.termination for run in runs):
            break
        fits = [(run, run.fit(rnd)) for run in runs if not run.termination]
        for run, fitted in fits:
            if fitted.cut is None:  # no pass follows this fit
                run.finish(fitted)
        active = [run for run, fitted in fits if fitted.cut is not None]
        fits = [fitted for _, fitted in fits if fitted.cut is not None]
        if not active:
            continue
        with _in_round("scoring the pool", rnd):
            t0 = time.perf_counter()
            selections = select_jointly(
                [run.pool for run in active],
                [fitted.model for fitted in fits],
                [fitted.cut for fitted in fits],
                progress and progress(rnd),
            )
            pass_time = time.perf_counter() - t0
        for run, fitted, selection in zip(active, fits, selections, strict=True):
            run.step(fitted, selection, pass_time)
        # A pass's selections and cuts hold O(candidates) arrays (under the
        # case-control draw, often most of the pool): not through the next
        # round's fit, whose working set is the peak.
        del selections, selection, fits, fitted
        release_freed_memory()
    return [run.result() for run in runs]


@dataclass
class _Fitted:
    """A round's fit, and what its pass needs: the model and the cut."""

    record: Round
    train_rows: np.ndarray
    model: object
    cut: Cut
    pos_scores: np.ndarray | None


class RunRecord:
    """The bookkeeping every kind of run shares: its set-up, its history,
    and its result.

    A run also sets ``work`` and says what it has to tell the user in
    ``_notes()``.
    """

    def __init__(self, task):
        self.task = task
        self.pool, self.learner = task.pool, task.learner
        self.positives, self.settings = task.positives, task.settings
        self.history = {key: [] for key in HISTORY_KEYS}
        self.best = _Best(self.settings)
        self.termination = ""
        self.n_rounds = 0
        self.model = None  # the last round's

    def enter_initial(self):
        """The task's first negatives (sorted), entered at round 0."""
        initial = np.sort(np.asarray(self.task.initial, dtype=np.intp))
        self.pool.enter(initial, 0)
        return initial

    def log(self, record):
        """One fit's :class:`Round`: into the history, and to the task's
        `on_round`."""
        for key, value in asdict(record).items():
            self.history[key].append(value)
        if self.task.on_round is not None:
            self.task.on_round(record)
        self.n_rounds = record.round

    def result(self):
        result = MiningResult(
            model=self.model,
            negatives=self.work,
            history=self.history,
            n_rounds=self.n_rounds,
            termination=self.termination,
            best_round=self.n_rounds,
            notes=self._notes(),
        )
        best = self.best
        if best.round is not None and best.round != self.n_rounds:
            # Early stopping keeps the best round's model and the working
            # set it saw.
            result.best_round, result.model, result.negatives = best.kept
        return result


class _Run(RunRecord):
    """One bootstrap's state between rounds; the algorithm, step by step.

    :meth:`fit` fits a round's model and returns it with its cut; the pass
    selects; :meth:`step` reads the selection and stops or grows the
    working set.
    """

    def __init__(self, task):
        super().__init__(task)
        others = task.others
        self.others = np.empty(0, np.intp) if others is None else np.sort(others)
        # The negatives whose loss the fit estimates.
        self.n_negatives = self.pool.n_outside + self.others.size
        initial = self.enter_initial()
        self.work = merge(self.others, initial)
        # The uniform stratum when weighting: random draws (the initial ones
        # and the guard's) never found hard.
        self.random = initial if self.settings.weighting else None
        self.n_guarded = 0
        self.bound_held = True
        self.most_of_pool = None  # (round, added) of a round that took most of it

    def fit(self, rnd):
        """Fit on the working set, then the rule's cut for the coming pass."""
        record = Round(rnd, self.work.size)
        with _timed(record, "fit_time"), _in_round("fitting the estimator", rnd):
            train_rows = merge(self.positives, self.work)
            weights = _weights(
                train_rows, self.work, self.random, self.n_negatives, record
            )
            model = self.learner.fit(train_rows, rnd, weights)
        if self.learner.validate is not None:
            record.validation_score = float(self.learner.validate(model))
            self.best.update(record.validation_score, rnd, model, self.work)
        with _timed(record, "score_time"), _in_round("scoring the pool", rnd):
            cut, pos_scores = rule_cut(self.pool, model, self.positives, self.settings)
        self.model = model
        return _Fitted(record, train_rows, model, cut, pos_scores)

    def step(self, fitted, selection, pass_time):
        """Read the pass's hard negatives: stop, or grow the working set."""
        pool, work, settings = self.pool, self.work, self.settings
        record, model, cut = fitted.record, fitted.model, fitted.cut
        rnd = record.round
        record.score_time += pass_time
        with _timed(record, "score_time"), _in_round("scoring the pool", rnd):
            informative = _informative(
                pool, model, self.positives, selection, fitted.pos_scores
            )
            work_scores = pool.score(model, work) if settings.cache else None
            _note_selection(record, cut, selection, settings)
            if self.random is not None:
                self.random = _still_random(
                    pool, model, self.random, record.cut, work, work_scores
                )

        termination = _stop(
            rnd, selection, informative, record, self.best, settings, self.task.rng
        )
        if termination is None and not informative:
            # Doubling lets a model that cannot rank reach the whole pool
            # within max_rounds, where a fixed draw would stall near chance.
            n_guard = settings.n_guard << self.n_guarded
            grown = _guard(pool, self.task.rng, n_guard, rnd, record)
            self.n_guarded += 1
            work = merge(work, grown)
            if self.random is not None:
                self.random = merge(self.random, grown)
        elif termination is None:
            n_add = min(record.n_hard, cut.k or record.n_hard)
            if settings.cache:
                keep = _never_evict(
                    model,
                    fitted.train_rows,
                    work,
                    work_scores,
                    cut,
                    self.learner,
                    settings,
                )
                keep |= member(work, self.others)
                if self.random is not None:
                    keep |= member(work, self.random)  # the sample stays uniform
                work, n_add, held = _evict(
                    pool, work, work_scores, keep, n_add, settings
                )
                record.n_evicted = record.n_negatives - work.size
                self.bound_held &= held
            work = _add_hardest(pool, work, selection, n_add, rnd, record)
            if (
                self.most_of_pool is None
                and self.n_negatives >= LARGE_POOL
                and record.n_added > 0.5 * self.n_negatives
            ):
                self.most_of_pool = (rnd, record.n_added)
        self.work = work

        self.log(record)
        self.termination = termination or ""

    def _notes(self):
        """What the run has to tell the user: ``(message, category)`` pairs."""
        notes = list(getattr(self.pool, "notes", ()))
        guarded = sum(self.history["n_random"])
        uninformative = self.termination == "uninformative_model"
        if guarded or uninformative:
            notes.append(
                uninformative_note(self.settings.margin_loss, guarded, uninformative)
            )
        if self.most_of_pool is not None:
            rnd, added = self.most_of_pool
            rule = {"threshold": "Raise threshold", "rank": "Lower rank_quantile"}
            notes.append(
                (
                    f"Mining round {rnd} added {added} of the {self.n_negatives} "
                    "negatives, more than half: the fits that follow cost "
                    "almost a full-data fit. "
                    + rule.get(self.settings.criterion, "Lower max_hard_per_round")
                    + ", or cap the rounds with max_hard_per_round.",
                    UserWarning,
                )
            )
        if not self.bound_held:
            notes.append(
                (
                    f"max_negatives={self.settings.max_negatives} could not be "
                    "held: more working negatives than that are support "
                    "vectors, score at or above the threshold or (multiclass "
                    "mining) are other classes' rows, and evicting them would "
                    "keep mining from converging or from seeing the other "
                    "classes. They were kept; see history_['n_negatives'].",
                    UserWarning,
                )
            )
        return notes


# ------------------------------------------------------------ the steps


@contextmanager
def _timed(record, field_name):
    t0 = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - t0
        setattr(record, field_name, getattr(record, field_name) + elapsed)


@contextmanager
def _in_round(what, rnd):
    """An exception keeps its type and says in which round it happened."""
    try:
        yield
    except Exception as exc:
        exc.add_note(f"skhnm: raised while {what} in mining round {rnd}.")
        raise


def rule_cut(pool, model, positives, settings):
    """The hardness rule's cut, and the positives' scores if it needed them."""
    if settings.criterion == "rank":
        pos_scores = pool.score(model, positives)
        # An order statistic (a positive's own score), so the rule gives the
        # same negatives on any monotone score scale.
        q = float(np.quantile(pos_scores, settings.rank_quantile, method="lower"))
        return Cut(q, settings.max_hard, joins=True), pos_scores
    if settings.criterion == "k_best":
        k = settings.k_best
        k = k if settings.max_hard is None else min(k, settings.max_hard)
        return Cut(-math.inf, k, joins=True), None
    return Cut(settings.threshold, settings.max_hard, joins=True), None


def uninformative_note(margin_loss, n_random=0, ended=True):
    """The warning for a model whose scores all tie, positives' included:
    a constant model (what it is, and what the run did about it)."""
    hint = ""
    if margin_loss:
        hint = (
            " A margin loss's optimum is the constant w = 0 when positives "
            "are rare and overlap the negatives: weigh the positive class "
            "with a fixed class_weight (say {1: 5.0}; 'balanced' changes "
            "with the working set) or raise C."
        )
    message = (
        "The estimator's scores carried no ranking information: every "
        "negative and positive scored alike (a constant model), so no "
        "negative could be called hard."
    )
    if n_random:
        message += f" {n_random} random negatives were added instead."
    if ended:
        message += (
            " The model never became informative "
            "(termination_condition_='uninformative_model')."
        )
    else:
        message += " See history_['n_random']."
    return message + hint, UserWarning


def _informative(pool, model, positives, selection, pos_scores):
    """False when every score ties, positives' included: the model cannot rank."""
    if selection.tie is None:
        return True
    if pos_scores is None:
        pos_scores = pool.score(model, positives)
    return outranks(float(np.max(pos_scores)), selection.tie)


def _note_selection(record, cut, selection, settings):
    record.n_scored = selection.n_scored
    record.n_hard = selection.n_hard
    record.cut = cut.threshold
    if settings.criterion == "k_best":
        record.n_hard = min(selection.n_hard, cut.k)  # the k best are hard
        scores = selection.scores
        record.cut = float(scores.min()) if scores.size else math.nan


def _stop(rnd, selection, informative, record, best, settings, rng):
    """Why the run ends after this round, or None to go on."""
    if selection.n_scored == 0:
        return "pool_exhausted"
    if not informative:
        if rnd == settings.max_rounds or settings.n_guard < 1 or rng is None:
            return "uninformative_model"
        return None
    if record.n_hard == 0:
        return "no_hard_negatives"
    if settings.criterion != "k_best" and record.n_hard < _min_hard(
        settings.min_hard, record.n_negatives
    ):
        # Too few to change the model: another fit would cost a full refit
        # for next to nothing (R-CNN retrains only every 2,000 additions).
        # The k best are taken whatever their number.
        return "few_hard_negatives"
    if best.stalled:
        return "early_stopping"
    if rnd == settings.max_rounds:
        return "max_rounds"
    return None


def _min_hard(min_hard, n_negatives):
    """The progress rule's bound: an int, or a share of the working negatives."""
    if min_hard is None:
        return 0
    if isinstance(min_hard, float):
        return min_hard * n_negatives
    return min_hard


def _weights(train_rows, work, random, n_negatives, record):
    """Inverse-probability weights of the training rows (None: unweighted).

    Positives and mined negatives are taken whole (weight 1); each random
    negative not found hard stands for ``n_not_mined / n_random`` negatives
    not mined.
    """
    if random is None or random.size == 0:  # unweighted, or every one was hard
        record.effective_size = float(train_rows.size)
        return None
    n_mined = work.size - random.size
    w = (n_negatives - n_mined) / random.size
    weights = np.ones(train_rows.size)
    weights[member(train_rows, random)] = w
    record.random_weight = float(w)
    record.effective_size = effective_size(weights)
    return weights


def effective_size(weights):
    """Kish's effective sample size of weighted rows, (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / np.dot(weights, weights))


def _still_random(pool, model, random, cut, work, work_scores=None):
    """The random negatives that stay in the uniform stratum.

    A random negative scoring above the round's cut would have been mined
    had it been outside: it joins the census of hard negatives (weight 1),
    or the hard stratum would be counted twice. The random negatives are
    working rows, so the cache's scores of the working set serve when
    there are some.
    """
    if math.isnan(cut) or random.size == 0:
        return random
    if work_scores is None:
        scores = pool.score(model, random)
    else:
        scores = work_scores[np.searchsorted(work, random)]
    return random[~(scores > cut)]


def _guard(pool, rng, n_guard, rnd, record):
    """A model that cannot rank has not converged: random negatives join."""
    grown = pool.draw(rng, n_guard)
    pool.enter(grown, rnd + 1)
    record.n_random = grown.size
    return grown


def _never_evict(model, train_rows, work, work_scores, cut, learner, settings):
    """Working negatives the cache keeps: at or above the cut, or support.

    The k best rule has no score cut, and an infinite threshold marks
    nothing or everything: only support vectors are kept then.
    """
    keep = np.zeros(work.shape[0], dtype=bool)
    if settings.criterion != "k_best" and math.isfinite(cut.threshold):
        keep = work_scores >= cut.threshold
    if learner.protected is not None:
        keep |= learner.protected(model, train_rows, work)
    return keep


def _evict(pool, work, work_scores, keep, n_add, settings):
    """The cache's update: which working negatives go back, how many join."""
    n_add, evict, held = plan_cache(
        work_scores, keep, n_add, settings.evict_threshold, settings.max_negatives
    )
    pool.evict(work[evict])
    return work[~evict], n_add, held


def _add_hardest(pool, work, selection, n_add, rnd, record):
    """The hardest `n_add` of the round's hard negatives join the working set."""
    added = np.sort(hardest(selection.rows, selection.scores, n_add))
    pool.enter(added, rnd + 1)
    record.n_added = added.size
    return merge(work, added)


class _Best:
    """Early stopping's memory: the best round so far, and fits since a gain."""

    def __init__(self, settings):
        self.settings = settings
        self.score = None
        self.round = None
        self.kept = None
        self.n_stalled = 0

    def update(self, score, rnd, model, work):
        improved = self.score is None or score > self.score + self.settings.tol
        if self.score is None or score > self.score:
            self.score, self.round, self.kept = score, rnd, (rnd, model, work.copy())
        self.n_stalled = 0 if improved else self.n_stalled + 1

    @property
    def stalled(self):
        n = self.settings.n_iter_no_change
        return self.score is not None and self.n_stalled >= n


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
