"""The case-control loop: every round a draw of known probabilities.

``weighting="case_control"``, the default; the seed papers' rounds
(:mod:`skhnm._mining`) are its special case without the sample:

    working set = all positives + a uniform draw of the negatives (a share
                  `floor`: the pilot's, in every working set)
    repeat for round = 0, 1, ..., max_rounds:
        fit, accounting for each negative's inclusion probability P
        one pass scores the pool with that model; q is its score on the
            pilot's scale
        stop if too few hard negatives (pi = 1) are outside, none at all,
            validation stalled, or the round limit is reached
        draw: a negative is in the next working set when U(row) < pi(q(row))

U is one uniform per row, a hash of the seed and the row's index
(:mod:`skhnm._uniform`), the same in every round and on every backend. The
keep probability pi follows a negative's loss gradient (local case-control
sampling, Fithian & Hastie 2014), 1 for the hard ones:

- logistic losses: ``pi = min(1, exp(q - t))``, the odds above `t`;
- the hinge loss (SVC, ``LinearSVC(loss="hinge")``, SGD's hinge): 1 above
  `t` (the margin, -1, under "auto"), else 0: the margin violators, the
  seed's SVM rule and DPM's;
- the squared hinge (LinearSVC's default): rising linearly from 0 at the
  margin -1 to 1 at `t`.

A negative is drawn with probability ``P(x) = floor + (1 - floor) * pi(x)``,
known for every x, and each fit accounts for it:

- "log_odds" (an estimator with predict_proba: a logistic loss) is fitted
  unweighted, and its log-odds are corrected, ``logit p(x) = s_fit(x) + log
  P(x)``, exact for a logistic model (:class:`CaseControlPredictor`). P
  comes from the previous round's corrected model, on the pilot's scale
  (its log-odds minus log floor; the pilot, fitted on a uniform draw, is
  on it as fitted), so the rounds form a cascade that prediction runs
  whole. The working set is the last draw's: a row leaves when its keep
  probability falls below its uniform (the DPM cache's eviction, with an
  unbiased sample of the easy rows kept).
- "weights" (margin losses) is fitted with weights ``1 / P(x)``, the
  Horvitz-Thompson estimate of the full-data loss, bounded by 1 / floor
  (the pilot too: its negatives weigh 1 / floor, so that its margins are on
  the population's scale). A weighted fit needs P on its own rows only, so
  a drawn row stays, with the largest P it has had: the seed's rounds,
  which converge, where rows following the model swing with it.

Probabilities under ``EPSILON`` are rounded to 0 (the pass keeps O(kept)
rows), consistently at fit and at prediction.
"""

import math

import numpy as np
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin

from ._draw import (
    MARGIN,
    DrawFilter,
    RowLift,
    candidate_cut,
    inclusion_lift,
    keep_probability,
    kept,
    lift_of,
    log_odds,
)
from ._mining import (
    LARGE_POOL,
    Round,
    RunRecord,
    _Fitted,
    _in_round,
    _informative,
    _min_hard,
    _timed,
    effective_size,
    uninformative_note,
)
from ._rows import member, merge
from ._scoring import positive_scores
from ._selection import Cut
from ._steps import final_loss
from ._uniform import row_uniforms, stream_key

# A working set never holds fewer negatives than this (every negative of a
# smaller pool): fits on fewer rows cost less than a pass, and sampling
# them saves nothing but adds variance.
MIN_NEGATIVES = 500
# threshold="auto", a decision value, by loss family: one unit above the
# boundary for a logistic loss, the margin for the hinge, the boundary for
# the squared hinge (every negative on the wrong side kept surely; chosen
# over the margin's mirror, 1.0, by bench_quality and the face example).
AUTO_THRESHOLD = {"logistic": 1.0, "hinge": MARGIN, "squared_hinge": 0.0}


def loss_family(estimator, design):
    """The loss whose gradient the keep probability follows: "logistic"
    (every estimator corrected on its log-odds, and margin estimators of
    another loss), "hinge" or "squared_hinge"."""
    loss = final_loss(estimator) if design == "weights" else None
    return loss if loss in ("hinge", "squared_hinge") else "logistic"


def on_scale(value, response_method):
    """A decision value on the scale of `response_method`'s scores."""
    return float(expit(value)) if response_method == "predict_proba" else value


def inclusion(s, threshold, floor, family="logistic"):
    """P(x): the probability that a negative scoring `s` is in the working set."""
    return floor + (1.0 - floor) * keep_probability(s, threshold, family)


def _place(rows, some, values):
    """`values` of the sorted rows `some` at their places in the sorted
    `rows` (a superset), NaN elsewhere."""
    out = np.full(rows.size, np.nan)
    out[np.searchsorted(rows, some)] = values
    return out


def budget_threshold(s, threshold, fixed, share, budget, family):
    """The least threshold at or above `threshold` at which the expected
    working negatives, ``fixed + share * sum(pi(s))``, are at most `budget`
    (`s`: every negative with pi > 0 at `threshold`); None when `fixed`
    alone is over it."""
    room = (budget - fixed) / share if share > 0 else -1.0
    if room < 0:
        return None

    def expected(t):
        return keep_probability(s, t, family).sum()

    if expected(threshold) <= room:
        return threshold
    low, gap = threshold, 1.0
    while expected(threshold + gap) > room:  # pi falls to 0 as t grows
        low, gap = threshold + gap, 2.0 * gap
    high = threshold + gap
    for _ in range(50):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if expected(mid) > room else (low, mid)
    return high


def chained_log_odds(chain, raws):
    """The corrected log-odds of the last of `chain` (corrected models,
    pilot first), from each one's own log-odds `raws` of the same rows:
    the pilot's plus log floor, then each model's plus log P of the one
    before, read on the pilot's scale."""
    floor = chain[0].floor
    z = raws[0] + math.log(floor)
    for model, s in zip(chain[1:], raws[1:], strict=True):
        pi = kept(z - math.log(floor), model.threshold, model.evict_below)
        z = s + np.log(floor + (1.0 - floor) * pi)
    return z


class CaseControlPredictor(ClassifierMixin, BaseEstimator):
    """A model fitted on a case-control sample, predicting for the population.

    ``logit p(x) = s_model(x) + log P(x)``, with P(x) the negative's
    inclusion probability, ``floor + (1 - floor) * pi(q(x))``: pi the keep
    probability at `threshold` of `drawer`'s score on the pilot's scale,
    q = its corrected log-odds minus log `floor`. The drawer is the
    previous round's corrected model (the pilot's, without a drawer, is on
    that scale as fitted: a uniform sample). No drawer means a uniform
    sample (P = `floor` everywhere).

    Parameters
    ----------
    drawer : CaseControlPredictor or None
    estimator : fitted binary classifier
    floor : float
        The share of the negatives drawn uniformly (the least P).
    threshold : float or None
        The keep probability's threshold, a pilot-scale decision value.
    response_method : str
        How they are scored: "decision_function" (a log-odds) or
        "predict_proba".
    pos_label : object
        The positive class.
    evict_below : float or None
        Keep probabilities are 0 below this pilot-scale score.
    """

    def __init__(
        self,
        drawer,
        estimator,
        floor,
        threshold,
        response_method,
        pos_label,
        evict_below=None,
    ):
        self.drawer = drawer
        self.estimator = estimator
        self.floor = floor
        self.threshold = threshold
        self.response_method = response_method
        self.pos_label = pos_label
        self.evict_below = evict_below

    def fit(self, X, y):
        """Not fitted here: its models are, by the case-control run."""
        raise NotImplementedError(
            "A CaseControlPredictor holds models fitted by a case-control "
            "run; fit HardNegativeMiningClassifier instead."
        )

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return self.estimator.classes_

    def _log_odds(self, model, X):
        scores = positive_scores(model, X, self.response_method, self.pos_label)
        return log_odds(scores, self.response_method)

    def log_odds(self, X):
        """The corrected log-odds of `pos_label`."""
        chain = self.rounds()
        return chained_log_odds(
            chain, [self._log_odds(model.estimator, X) for model in chain]
        )

    def rounds(self):
        """The corrected models this one is built on, pilot first, itself last."""
        return ([] if self.drawer is None else self.drawer.rounds()) + [self]

    def _towards_last(self, X):
        z = self.log_odds(X)
        return z if self.pos_label == self.classes_[-1] else -z

    def decision_function(self, X):
        return self._towards_last(X)

    def predict_log_proba(self, X):
        z = self._towards_last(X)
        return np.column_stack([log_expit(-z), log_expit(z)])

    def predict_proba(self, X):
        z = self._towards_last(X)
        return np.column_stack([expit(-z), expit(z)])

    def predict(self, X):
        return self.classes_[(self._towards_last(X) > 0).astype(int)]


class SampledRun(RunRecord):
    """One case-control run, round by round.

    The same interface as the bootstrap's run (:class:`skhnm._mining._Run`):
    :meth:`fit` fits a round's model and returns it with the pass's cut, or
    no cut when no pass follows (then :meth:`finish` ends the run);
    :meth:`step` draws the next working set from the pass's rows and the
    working rows' scores, or stops.
    """

    def __init__(self, task):
        super().__init__(task)
        settings = self.settings
        self.n_negatives = self.pool.n_outside
        initial = self.enter_initial()
        self.pilot_rows = initial  # drawn uniformly: in every working set
        self.work = initial
        self.floor = initial.size / self.n_negatives
        self.family = settings.family
        rm = settings.response_method
        # Thresholds are decision values here (the settings hold them on
        # the scores' scale).
        self.base_threshold = float(log_odds([settings.threshold], rm)[0])
        self.evict_below = (
            None
            if settings.evict_threshold is None
            else float(log_odds([settings.evict_threshold], rm)[0])
        )
        seed = task.rng.randint(np.iinfo(np.int32).max)
        # Detectors that share the uniforms draw one background: a row is in
        # detector k's set when U < P_k, so their union is the draw at
        # max_k P_k, and only it is fetched.
        self.key = stream_key(seed if task.draw_seed is None else task.draw_seed)
        self.work_P = np.full(initial.size, self.floor)  # P of the working rows
        self.drawer = None  # the corrected model that drew the working set
        self.candidates = None  # the rows it gave pi > 0 (sorted), and lifts
        # A pass over a host or device pool draws in place: the lifts stay
        # beside the pool (`store`, a float64 a row), the working rows'
        # follow from their P, and the leavers' go with the next pass
        # (`watch`). A Dask pool's blocks hand back their candidates.
        self.in_place = None  # whether the passes draw where the scores are
        self.store = RowLift(self.floor) if self.corrects else None
        self.leavers = None
        self.set_threshold = None  # the threshold it drew at
        self.round_threshold = self.base_threshold  # this round's, before a cap
        self.over_half = None
        self.n_candidates = None  # rows the last pass kept
        self.notes = list(getattr(self.pool, "notes", ()))

    @property
    def corrects(self):
        """Log-odds corrected at prediction (else the fits are weighted)."""
        return self.settings.design == "log_odds"

    def fit(self, rnd):
        settings = self.settings
        record = Round(rnd, self.work.size)
        with _timed(record, "fit_time"), _in_round("fitting the estimator", rnd):
            train_rows = merge(self.positives, self.work)
            weights = None
            record.effective_size = float(train_rows.size)
            if not self.corrects and self.floor < 1.0:
                weights = np.ones(train_rows.size)
                weights[~member(train_rows, self.positives)] = 1.0 / self.work_P
                record.random_weight = float(1.0 / self.work_P.min())
                record.effective_size = effective_size(weights)
            estimator = self.learner.fit(train_rows, rnd, weights)
        model = estimator
        if self.corrects:
            model = CaseControlPredictor(
                self.drawer, estimator, self.floor, self.set_threshold,
                settings.response_method, settings.pos_label, self.evict_below,
            )  # fmt: skip
        if self.learner.validate is not None:
            record.validation_score = float(self.learner.validate(model))
            self.best.update(record.validation_score, rnd, model, self.work)
        self.model = model
        cut = None
        if rnd < settings.max_rounds and self.floor < 1.0:
            t = self.base_threshold
            if settings.criterion == "rank":
                with _timed(record, "score_time"):
                    pos = self._scores(model, self.positives)
                # An order statistic (a positive's own score), as the rounds'.
                t = float(np.quantile(pos, settings.rank_quantile, method="lower"))
            self.round_threshold = t
            watch = lift = None
            if self.in_place and self.corrects:
                watch, lift = self.leavers
            elif self.corrects and model.drawer is not None:
                # The last draw's candidates outside: their correction is not
                # the floor's, so the pass hands back their scores too.
                prev, self.lift = self.candidates
                # Candidates are negatives, each in the working set or
                # outside: known here, not asked of a pool on a cluster.
                outside = ~member(prev, self.work)
                watch, lift = prev[outside], self.lift[outside]
            # Under the hinge pi is 1 or 0 at every threshold, so a cap
            # draws from the k hardest alone: the pass keeps a running top
            # k + 1 (one more, to tell whether the cap holds), on a
            # cluster's workers too, and hands back no more.
            k = None
            if self.family == "hinge" and settings.max_hard is not None:
                k = settings.max_hard + 1
            draw = DrawFilter(
                self.key, t, self.family, self.evict_below,
                settings.response_method, watch, lift, self.store,
                # A budget raises the threshold after the pass by the sum of
                # every candidate's pi: then the pass hands them all back.
                in_place=settings.max_negatives is None and k is None,
            )  # fmt: skip
            # The draw's candidates are often most of the pool (every row
            # with pi > 0), the pilot's always unknown: a device pass that
            # overflowed its buffers would score the pool again.
            expect = self.pool.n_outside
            if self.n_candidates is not None:
                expect = min(expect, self.n_candidates + self.n_candidates // 4 + 1024)
            cut = Cut(
                on_scale(candidate_cut(t, self.family), settings.response_method),
                k=k,
                joins=True,
                watch=watch,
                sends=draw,
                expect=expect,
            )
        # The pass scores with the fitted estimator itself (compiled where it
        # can): where the drawer gave pi = 0, P is the floor, and a corrected
        # model's pilot-scale score is the estimator's own log-odds.
        return _Fitted(record, train_rows, estimator, cut, None)

    def _scores(self, model, rows):
        """Rows' scores as the keep probability reads them: a corrected
        model's log-odds on the pilot's scale (the population's minus log
        floor), or a weighted margin fit's as they are (the population's).
        Each fitted estimator scores the rows itself (compiled where it
        can)."""
        rm = self.settings.response_method
        if not self.corrects:
            return log_odds(self.pool.score(model, rows), rm)
        chain = model.rounds()
        raws = [log_odds(self.pool.score(m.estimator, rows), rm) for m in chain]
        return chained_log_odds(chain, raws) - math.log(self.floor)

    def _round_scores(self, model, selection):
        """The rows outside the working set that the round may draw, their
        pilot-scale scores, and the working rows' scores.

        A corrected model's score is its estimator's log-odds plus log P,
        P from the drawer's pilot-scale score q. Where the drawer gave pi = 0
        (every row but its candidates), P is the floor and the pilot-scale
        score is the estimator's own log-odds: the pass reads those, compiled.
        The drawer's candidates outside come back from the pass too (it
        watches them; a pass may not, and those it lacks are scored here),
        and are corrected; the working rows are scored once more by the
        estimator (the host holds them).
        """
        rm = self.settings.response_method
        rows = selection.rows
        # Drawn in place, the pass handed back its rows' q, lifted already.
        s = selection.scores if selection.drawn else log_odds(selection.scores, rm)
        if not self.corrects or model.drawer is None:
            return rows, s, self._scores(model, self.work)
        if selection.drawn:  # the working rows' lifts follow from their P
            q_work = log_odds(self._working_scores(model, selection), rm)
            return rows, s, q_work + inclusion_lift(self.work_P, self.floor)
        prev, _ = self.candidates
        prev_out = prev[~member(prev, self.work)]
        lacking = prev_out[~member(prev_out, rows)]
        if lacking.size:
            rows = merge(rows, lacking)
            s = _place(rows, selection.rows, s)
            s[np.searchsorted(rows, lacking)] = log_odds(
                self.pool.score(model.estimator, lacking), rm
            )
        q_work = log_odds(self.pool.score(model.estimator, self.work), rm)
        # log P net of the pilot scale: 0 where P = f, the lift elsewhere.
        in_rows, in_work = member(prev, rows), member(prev, self.work)
        s[np.searchsorted(rows, prev[in_rows])] += self.lift[in_rows]
        q_work[np.searchsorted(self.work, prev[in_work])] += self.lift[in_work]
        return rows, s, q_work

    def _working_scores(self, model, selection):
        """The working rows' scores by the round's estimator: the pass's,
        where it read them, the others scored here."""
        if selection.working is None:
            return self.pool.score(model.estimator, self.work)
        out = _place(self.work, *selection.working)  # the pass's are working rows
        unread = np.isnan(out)
        if unread.any():
            out[unread] = self.pool.score(model.estimator, self.work[unread])
        return out

    def step(self, fitted, selection, pass_time):
        """Draw the next working set from the round's scores, or stop."""
        settings, rm = self.settings, self.settings.response_method
        record, model, rnd = fitted.record, self.model, fitted.record.round
        record.score_time += pass_time
        record.n_scored = selection.n_scored
        self.n_candidates = selection.rows.size
        drawn = selection.drawn
        if self.in_place is None:  # the pool's first pass says where it draws
            self.in_place = drawn
        elif self.in_place != drawn:
            raise RuntimeError("a case-control run's passes drew in two places")
        if selection.n_scored == 0:
            return self._end(record, "pool_exhausted")
        if not _informative(self.pool, fitted.model, self.positives, selection, None):
            # A constant model: its scores tie to within rounding, and a
            # draw on them would be noise.
            self.notes.append(uninformative_note(self.settings.margin_loss))
            return self._end(record, "uninformative_model")
        with _timed(record, "score_time"), _in_round("scoring the pool", rnd):
            rows, s_out, s_work = self._round_scores(model, selection)
            t = self._capped(s_out, s_work)
            record.cut = on_scale(t, rm)
            pi_out, pi_work = self._keep(s_out, t), self._keep(s_work, t)
            raised = t > self.round_threshold  # by a cap, after the pass
            if drawn and not raised:  # the pass drew: these rows joined
                joins = np.ones(rows.size, dtype=bool)
            else:  # pi only fell: a pass's draw is a superset of this one
                joins = row_uniforms(rows, self.key) < pi_out
            if self.corrects:
                # The set is the drawer's sample, so that prediction needs
                # this drawer alone: a row leaves when its keep probability
                # falls below its uniform (the cache's eviction, with an
                # unbiased sample of the easy rows kept).
                stays = row_uniforms(self.work, self.key) < pi_work
            else:
                # A weighted fit needs P only on its own rows: a drawn row
                # stays (the seed's rounds; DPM's cache, which converges),
                # its P the largest keep probability it has had. A row
                # outside had U at or above every earlier one, so a row that
                # joins has its largest in this round.
                pi_work = np.maximum(
                    pi_work, (self.work_P - self.floor) / (1 - self.floor)
                )
                stays = np.ones(self.work.size, dtype=bool)
                if self.evict_below is not None:  # the cache's line
                    stays = s_work >= self.evict_below
            stays[np.searchsorted(self.work, self.pilot_rows)] = True
            record.n_hard = (
                selection.n_hard
                if drawn and not raised
                else int(np.count_nonzero(pi_out == 1.0))
            )
        # The seed's progress rule: hard negatives (kept surely) that the
        # working set lacked. The pilot's draw is always made: it is what
        # makes the sample stand for the pool.
        n_new = int(np.count_nonzero(joins))
        termination = None
        # Nothing to add (the next fit would be this one's), or, after the
        # pilot's draw, nothing hard.
        if n_new == 0 or (rnd > 0 and record.n_hard == 0):
            termination = "no_hard_negatives"
        elif rnd > 0 and record.n_hard < _min_hard(settings.min_hard, self.work.size):
            termination = "few_hard_negatives"
        elif self.best.stalled:
            termination = "early_stopping"
        if termination is not None:
            return self._end(record, termination)
        f = self.floor
        left, added = self.work[~stays], rows[joins]
        if self.corrects and drawn:
            # The pass wrote the lifts of the rows outside; the leavers' go
            # back to the next pass.
            watch, lift = left, lift_of(pi_work[~stays], f)
            if raised:
                # The pass's lifts were at the round's threshold: scaled to
                # the cap's, but for the rows it drew, whose own scores say
                # theirs, and whose lifts go with the next pass too.
                self.store.raise_threshold(t - self.round_threshold)
                unjoined = rows[~joins]
                watch = merge(left, unjoined)
                lift = _place(watch, left, lift)
                lift[np.searchsorted(watch, unjoined)] = lift_of(pi_out[~joins], f)
            self.leavers = (watch, lift)
        elif self.corrects:  # every row the next draw's model may keep
            # Kept with their lifts, all the next round needs of them.
            out, work = pi_out > 0, pi_work > 0
            both = np.concatenate([rows[out], self.work[work]])
            order = np.argsort(both, kind="stable")
            lift = np.r_[lift_of(pi_out[out], f), lift_of(pi_work[work], f)]
            self.candidates = (both[order], lift[order])
        self.pool.evict(left)
        self.pool.enter(added, rnd + 1)
        record.n_added, record.n_evicted = added.size, left.size
        work = np.concatenate([self.work[stays], added])
        P = f + (1.0 - f) * np.r_[pi_work[stays], pi_out[joins]]
        order = np.argsort(work, kind="stable")
        self.work, self.work_P = work[order], P[order]
        self.drawer, self.set_threshold = model, t
        if (
            self.over_half is None
            and self.work.size > 0.5 * self.n_negatives
            and self.n_negatives >= LARGE_POOL
            and self.floor < 0.5
        ):
            self.over_half = (rnd + 1, self.work.size)
        self.log(record)

    def _keep(self, s, t):
        """The round's keep probability of scores `s` at threshold `t`."""
        return kept(s, t, self.evict_below, self.family)

    def _capped(self, s_out, s_work):
        """The round's threshold, raised so that at most `max_hard` are
        kept surely and the expected working negatives fit `max_negatives`
        (`s_out`: the rows outside that may be drawn, with pi > 0 before;
        `s_work`: the working rows)."""
        settings, t, k = self.settings, self.round_threshold, self.settings.max_hard
        if k is not None:
            # Of the rows outside, only those hard at `t` can be among the k
            # hardest above it: the same whether the pass handed back its
            # candidates, drew in place (it draws every hard row) or kept
            # the k + 1 hardest (the hinge).
            top = s_out[self._keep(s_out, t) == 1.0]
            if self.corrects:
                top = np.r_[top, s_work]
            if top.size > k:
                t = max(t, float(np.partition(top, top.size - k)[top.size - k]))
        if settings.max_negatives is not None:
            s = s_out if not self.corrects else np.r_[s_out, s_work]
            fixed, share = self.floor * self.n_negatives, 1.0 - self.floor
            if not self.corrects:  # the working rows stay
                fixed, share = self.work.size, 1.0
            capped = budget_threshold(
                s[s > candidate_cut(t, self.family)], t, fixed, share,
                settings.max_negatives, self.family,
            )  # fmt: skip
            # Full: nothing more is drawn, and the progress rule ends the run.
            t = math.inf if capped is None else capped
            if capped is None and self.drawer is None:
                self.notes.append(
                    (
                        f"max_negatives={settings.max_negatives} could not be "
                        f"held: the pilot's uniform draw alone has {int(fixed)} "
                        "negatives. Lower ratio or raise max_negatives.",
                        UserWarning,
                    )
                )
        return t

    def finish(self, fitted):
        """The fit no pass follows: the run ends."""
        ended = "max_rounds" if self.floor < 1.0 else "pool_exhausted"
        self._end(fitted.record, ended)

    def _end(self, record, termination):
        self.termination = termination
        self.log(record)

    def _notes(self):
        notes = list(self.notes)
        if self.over_half is not None:
            rnd, n = self.over_half
            notes.append(
                (
                    f"weighting='case_control' drew {n} of the "
                    f"{self.n_negatives} negatives for round {rnd}, more than "
                    "half: the model scores many negatives near its boundary, "
                    "and the fit costs almost a full-data fit. Raise threshold "
                    "(each unit keeps e times fewer of the easier negatives), "
                    "cap the set with max_negatives, or set weighting=None.",
                    UserWarning,
                )
            )
        return notes
