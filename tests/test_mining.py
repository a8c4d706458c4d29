"""The bootstrap loop on its own, over a pool whose scores a script decides."""

import math
import warnings
from functools import partial

import numpy as np
import pytest
from conftest import mine_scripted
from sklearn.linear_model import LogisticRegression

from skhnm import HardNegativeMiningClassifier
from skhnm._mining import HISTORY_KEYS, plan_cache

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)

POOL = np.arange(10, 110)  # 100 negatives; rows 0-9 are positives
POSITIVES = np.arange(10)
HARDNESS = np.random.default_rng(0).permutation(100).astype(float)  # row 10+i


def fixed_scores(model, rows, rnd):
    return HARDNESS[rows - 10]


def run(score=fixed_scores, **params):
    """The loop over POOL, with a model that is its round number by default."""
    result = mine_scripted(score, n_rows=110, positives=POSITIVES, **params)
    result.entered_round = result.entered_round[POOL]
    return result


def test_every_round_scores_only_the_outside_pool_with_the_current_model():
    seen = []

    def fit(rows, rnd):
        seen.append(("fit", rnd, rows.copy()))
        return rnd  # the "model" is its round number

    def score(model, rows, rnd):
        seen.append(("score", model, rows.copy()))
        return fixed_scores(model, rows, rnd)

    result = run(
        initial=POOL[:30],
        fit=fit,
        score=score,
        threshold=80.0,
        max_rounds=5,
    )
    fits = [s for s in seen if s[0] == "fit"]
    scores = [s for s in seen if s[0] == "score"]
    assert len(fits) == len(scores) == result.n_rounds + 1
    for (_, rnd, trained), (_, model, scored) in zip(fits, scores, strict=True):
        assert model == rnd  # scored by the model of the same round
        assert np.intersect1d(trained, scored).size == 0
        np.testing.assert_array_equal(np.union1d(trained, scored), np.arange(110))
        assert np.all(np.isin(POSITIVES, trained))


def test_threshold_adds_all_hard_then_stops():
    result = run(
        initial=POOL[:30],
        threshold=80.0,
        max_rounds=5,
    )
    outside_hard = POOL[30:][HARDNESS[30:] > 80]
    np.testing.assert_array_equal(
        np.sort(result.negatives), np.union1d(POOL[:30], outside_hard)
    )
    assert result.termination == "no_hard_negatives"
    assert result.n_rounds == 1
    assert result.history["n_added"] == [outside_hard.size, 0]
    assert set(result.history) == set(HISTORY_KEYS)


def test_cap_takes_hardest_first_each_round():
    result = run(
        initial=POOL[:10],
        threshold=50.0,
        max_rounds=3,
        max_hard=4,
    )
    outside = POOL[10:]
    order = outside[np.argsort(-HARDNESS[10:], kind="stable")]
    for rnd in (1, 2, 3):
        entered = POOL[result.entered_round == rnd]
        np.testing.assert_array_equal(
            np.sort(entered), np.sort(order[4 * (rnd - 1) : 4 * rnd])
        )
    assert result.termination == "max_rounds"
    assert result.history["n_hard"][0] == int(np.sum(HARDNESS[10:] > 50))


def test_pool_exhausted():
    result = run(
        initial=POOL[:50],
        # Every negative ties, the positives score above them: informative.
        score=lambda m, rows, r: np.where(rows < 10, 2.0, 1.0),
        threshold=0.0,
        max_rounds=10,
    )
    assert result.termination == "pool_exhausted"
    assert result.n_rounds == 1
    np.testing.assert_array_equal(result.negatives, POOL)


def test_early_stopping_keeps_best_round_and_its_working_set():
    val_scores = {0: 0.5, 1: 0.9, 2: 0.8, 3: 0.85}
    result = run(
        initial=POOL[:10],
        threshold=-1.0,
        max_rounds=10,
        max_hard=5,
        validate=lambda model: val_scores[model],
        n_iter_no_change=2,
        tol=0.0,
    )
    assert result.termination == "early_stopping"
    assert result.n_rounds == 3
    assert result.best_round == 1
    assert result.model.tag == 1
    assert result.negatives.size == 15
    assert result.entered_round.max() == 1
    np.testing.assert_array_equal(
        result.history["validation_score"], [0.5, 0.9, 0.8, 0.85]
    )


def test_validation_is_nan_without_early_stopping():
    result = run(
        initial=POOL[:10],
        threshold=200.0,
        max_rounds=3,
    )
    assert all(math.isnan(v) for v in result.history["validation_score"])
    assert result.termination == "no_hard_negatives"
    assert result.n_rounds == 0


# ------------------------------------------------ hardness rules and guard


def positive_scores_at(level):
    """Negatives score HARDNESS (0..99); every positive scores `level`."""

    def score(model, rows, rnd):
        return np.where(rows < 10, level, HARDNESS[np.maximum(rows - 10, 0)])

    return score


def test_rank_rule_cuts_at_a_quantile_of_the_positives_scores():
    # Positives score 90..99 (row i scores 90 + i): the lower 0.5 quantile
    # is the fifth lowest, 94.
    def score(model, rows, rnd):
        return np.where(rows < 10, 90.0 + rows, HARDNESS[np.maximum(rows - 10, 0)])

    result = run(
        initial=POOL[HARDNESS < 10],
        score=score,
        threshold=0.0,
        criterion="rank",
        rank_quantile=0.5,
        max_rounds=1,
    )
    assert result.history["cut"][0] == 94.0
    # Hard: negatives scoring 95..99, exactly the ones above the cut.
    assert result.history["n_hard"][0] == 5
    added = POOL[result.entered_round == 1]
    np.testing.assert_array_equal(np.sort(HARDNESS[added - 10]), [95, 96, 97, 98, 99])


def test_k_best_adds_the_k_highest_whatever_their_score():
    result = run(
        initial=POOL[HARDNESS < 10],
        score=positive_scores_at(1000.0),
        threshold=1e9,  # ignored by k_best
        criterion="k_best",
        k_best=7,
        max_rounds=2,
    )
    assert result.history["n_added"] == [7, 7, 0]
    assert result.history["n_hard"] == [7, 7, 7]
    assert result.termination == "max_rounds"
    first = POOL[result.entered_round == 1]
    np.testing.assert_array_equal(np.sort(HARDNESS[first - 10]), np.arange(93, 100))
    assert result.history["cut"][:2] == [93.0, 86.0]


def test_guard_grows_an_uninformative_model_with_random_negatives():
    rng = np.random.RandomState(0)
    constant_until = {0: True, 1: True}

    def score(model, rows, rnd):
        if constant_until.get(model):
            return np.zeros(rows.size)  # every row ties, positives too
        return positive_scores_at(1000.0)(model, rows, rnd)

    result = run(
        initial=POOL[:5],
        score=score,
        threshold=98.5,
        max_rounds=5,
        rng=rng,
        n_guard=15,
    )
    # The draw doubles each time the guard fires.
    assert result.history["n_random"][:2] == [15, 30]
    assert result.history["n_hard"][:2] == [0, 0]
    assert result.history["n_negatives"][:3] == [5, 20, 50]
    # Once informative, the threshold rule takes over (scores 99 > 98.5).
    assert result.history["n_random"][2] == 0
    assert result.termination == "no_hard_negatives"


def test_guard_that_cannot_help_ends_as_uninformative_model():
    result = run(
        initial=POOL[:5],
        score=lambda m, rows, r: np.zeros(rows.size),
        threshold=0.5,
        max_rounds=2,
        rng=np.random.RandomState(0),
        n_guard=10,
    )
    assert result.termination == "uninformative_model"
    assert result.history["n_random"] == [10, 20, 0]


def test_a_guard_that_doubles_reaches_the_whole_pool_within_max_rounds():
    # A fixed draw of 4 a round would reach 5 + 4 * 5 = 25 of the negatives.
    result = run(
        initial=POOL[:5],
        score=lambda m, rows, r: np.zeros(rows.size),
        threshold=0.5,
        max_rounds=5,
        rng=np.random.RandomState(0),
        n_guard=4,
    )
    n_negatives = POOL.size
    assert result.history["n_random"][:4] == [4, 8, 16, 32]
    assert result.termination == "pool_exhausted"
    assert result.negatives.size == n_negatives


def test_ties_among_negatives_are_informative_when_positives_stand_out():
    result = run(
        initial=POOL[:5],
        score=lambda m, rows, r: np.where(rows < 10, 1.0, 0.0),
        threshold=0.5,
        max_rounds=3,
        rng=np.random.RandomState(0),
        n_guard=10,
    )
    assert result.termination == "no_hard_negatives"
    assert result.history["n_random"] == [0]


@pytest.mark.parametrize("min_hard", [40, 0.2])
def test_a_round_with_too_few_hard_negatives_ends_the_run(task, min_hard):
    X, y = task
    params = dict(max_hard_per_round=100, random_state=0)
    ref = Bootstrap(LogisticRegression(), min_hard_per_round=1, **params).fit(X, y)
    h = ref.history_
    bound = [
        min_hard if isinstance(min_hard, int) else min_hard * n
        for n in h["n_negatives"]
    ]
    first = next(
        r for r, (n, b) in enumerate(zip(h["n_hard"], bound, strict=True)) if n < b
    )
    assert 0 < h["n_hard"][first]  # the rule, not "no_hard_negatives", stops it
    clf = Bootstrap(LogisticRegression(), min_hard_per_round=min_hard, **params).fit(
        X, y
    )
    assert clf.termination_condition_ == "few_hard_negatives"
    assert clf.n_rounds_ == first
    assert clf.history_["n_added"][-1] == 0  # they were not added
    assert clf.history_["n_hard"] == h["n_hard"][: first + 1]
    np.testing.assert_array_equal(
        clf.negative_indices_,
        np.flatnonzero(
            (ref.mined_round_ >= 0) & (ref.mined_round_ <= first) & (y == 0)
        ),
    )


def test_min_hard_per_round_is_validated(task):
    X, y = task
    for bad in (0, 1.0, -0.5):
        with pytest.raises(ValueError, match="min_hard_per_round"):
            HardNegativeMiningClassifier(min_hard_per_round=bad).fit(X, y)


def test_plan_cache_evicts_below_evict_threshold_but_never_kept_rows():
    scores = np.array([-3.0, -2.5, -0.5, 0.2, -4.0])
    keep = np.array([False, True, True, True, False])
    n_add, evict, held = plan_cache(scores, keep, 7, -2.0, None)
    assert n_add == 7 and held
    np.testing.assert_array_equal(evict, [True, False, False, False, True])


def test_plan_cache_bound_limits_additions_then_evicts_the_easiest():
    scores = np.array([-1.5, -3.0, -2.0, 0.5, -2.5])
    keep = scores >= -1.0
    # 5 working, bound 5, 10 on offer: room = 5 - 1 kept = 4 additions, and
    # all 4 evictable negatives leave to make room.
    n_add, evict, held = plan_cache(scores, keep, 10, None, 5)
    assert (n_add, held) == (4, True)
    np.testing.assert_array_equal(evict, [True, True, True, False, True])
    # 2 on offer: evict only the 2 easiest.
    n_add, evict, held = plan_cache(scores, keep, 2, None, 5)
    assert (n_add, held) == (2, True)
    np.testing.assert_array_equal(evict, [False, True, False, False, True])
    # Nothing needs to go when there is room.
    n_add, evict, held = plan_cache(scores, keep, 2, None, 10)
    assert (n_add, held) == (2, True) and not evict.any()


def test_plan_cache_keeps_protected_rows_over_the_bound():
    scores = np.array([0.0, 0.1, 0.2])
    keep = np.ones(3, dtype=bool)
    n_add, evict, held = plan_cache(scores, keep, 5, -1.0, 2)
    assert n_add == 1 and not evict.any() and not held


def test_mine_passes_protected_rows_to_the_cache():
    pool = np.arange(10, 60)
    scores = np.linspace(-5, 5, 50)  # row 10 + i scores scores[i]
    evicted_protected = []

    def protected(model, train_rows, rows):
        return rows % 2 == 0  # even rows are "support vectors"

    def score(model, rows, rnd):
        return scores[rows - 10]

    def fit(rows, rnd):
        if rnd:
            gone = np.setdiff1d(previous[-1], rows)
            evicted_protected.extend(gone[gone % 2 == 0])
        previous.append(rows)
        return rnd

    previous = []
    result = mine_scripted(
        score,
        n_rows=60,
        positives=np.arange(10),
        initial=pool[:20],
        fit=fit,
        threshold=0.0,
        max_rounds=3,
        evict_threshold=-1.0,
        protected=protected,
    )
    assert evicted_protected == []
    # All 20 initial rows score below -1; the 10 odd ones are evictable.
    assert sum(result.history["n_evicted"]) == 10


def test_a_round_that_takes_most_of_a_large_pool_warns_naming_the_parameter():
    from sklearn.datasets import make_classification
    from sklearn.svm import LinearSVC

    X, y = make_classification(
        n_samples=6000, weights=[0.97], flip_y=0.05, class_sep=0.5, random_state=0
    )
    with pytest.warns(UserWarning, match="more than half.*Raise threshold"):
        clf = HardNegativeMiningClassifier(
            LinearSVC(), threshold=-5.0, weighting=None, random_state=0
        ).fit(X, y)
    assert clf.history_["n_added"][0] > 0.5 * (y == 0).sum()
    # A cap keeps every round under half: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HardNegativeMiningClassifier(
            LinearSVC(), threshold=-5.0, max_hard_per_round=2.0,
            weighting=None, max_rounds=2, random_state=0,
        ).fit(X, y)  # fmt: skip
