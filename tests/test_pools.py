"""The Pool interface: codes, streaming selection, draws and the row cache."""

import array_api_strict
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skhnm._namespace import to_numpy
from skhnm._pools import RowCache, Scoring, as_pool, code_dtype, round_dtype
from skhnm._pools._codes import OUTSIDE, codes_of, entered_from_codes
from skhnm._pools._host import ArrayPool, NamespacePool
from skhnm._selection import Cut


def test_codes_and_rounds_take_the_smallest_type():
    assert code_dtype(10) == np.int16 and code_dtype(40_000) == np.int32
    assert round_dtype(10) == np.int8
    assert round_dtype(127) == np.int8 and round_dtype(128) == np.int16
    assert round_dtype(40_000) == np.int32


def test_entered_rounds_read_from_the_codes():
    positive, held = codes_of(np.int16)
    codes = np.array([OUTSIDE, 0, 3, -2 - 1, -2 - 4, positive, held], dtype=np.int16)
    np.testing.assert_array_equal(
        entered_from_codes(codes, best_round=10, dtype=np.int8, step=3),
        [-1, 0, 3, 1, 4, 0, -1],
    )
    # Rounds after the kept one count as never.
    np.testing.assert_array_equal(
        entered_from_codes(codes, best_round=2, dtype=np.int8),
        [-1, 0, -1, 1, -1, 0, -1],
    )


def _pool(X, **scoring):
    pool = as_pool(X).view(Scoring("decision_function", 1, **scoring), np.int16)
    pool.start(np.arange(5), np.array([5, 6]))
    return pool


def test_enter_and_evict_move_rows_across_the_working_set_boundary():
    pool = _pool(np.zeros((20, 2)))
    assert pool.n_outside == 13
    np.testing.assert_array_equal(pool.outside_rows(), np.arange(7, 20))
    pool.enter(np.array([8, 9, 12]), 0)
    pool.evict(np.array([9]))
    assert pool.n_outside == 11
    np.testing.assert_array_equal(
        pool.is_outside(np.array([0, 5, 7, 8, 9, 12])),
        [False, False, True, False, True, False],
    )
    rounds = pool.entered_round(best_round=5, dtype=np.int8)
    assert rounds[8] == 0 and rounds[9] == 0 and rounds[7] == -1 and rounds[5] == -1


@pytest.mark.parametrize("batch_size", [None, 3, 8])
def test_a_pass_scores_only_the_rows_outside_the_working_set(batch_size):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] > 0.5).astype(int)
    model = LogisticRegression().fit(X, y)
    scores = model.decision_function(X)
    pool = _pool(X, batch_size=batch_size)
    work = np.array([10, 11, 20, 33])
    pool.enter(work, 0)
    outside = np.setdiff1d(np.arange(7, 40), work)
    for cut in (Cut(0.0), Cut(-0.5, 4), Cut(-np.inf, 6)):
        sel = pool.select(model, cut)
        hard = outside[scores[outside] > cut.threshold]
        assert sel.n_scored == outside.size and sel.n_hard == hard.size
        if cut.k is not None:
            order = np.lexsort((hard, -scores[hard]))[: cut.k]
            hard = np.sort(hard[order])
        np.testing.assert_array_equal(sel.rows, hard)
        np.testing.assert_allclose(sel.scores, scores[hard])


def test_draws_are_uniform_distinct_outside_and_the_same_on_every_backend():
    n = 5000
    X = np.zeros((n, 2))
    pools = [_pool(X), _pool(array_api_strict.asarray(X))]
    assert isinstance(pools[0], ArrayPool) and isinstance(pools[1], NamespacePool)
    for pool in pools:
        pool.enter(np.arange(100, 400), 0)
    draws = [p.draw(np.random.RandomState(3), 600) for p in pools]
    np.testing.assert_array_equal(draws[0], draws[1])
    drawn = draws[0]
    assert drawn.size == np.unique(drawn).size == 600
    assert pools[0].is_outside(drawn).all()
    # Uniform over the outside rows: every tenth of them gets its share.
    outside = pools[0].outside_rows()
    counts = np.bincount(np.searchsorted(outside, drawn) * 10 // outside.size)
    assert counts.min() > 35 and counts.max() < 85
    # Asking for nearly everything lists the rows instead of rejecting.
    most = pools[0].draw(np.random.RandomState(3), outside.size - 2)
    assert np.isin(most, outside).all() and most.size == outside.size - 2


def test_the_namespace_copy_of_the_codes_follows_the_host_codes():
    pool = _pool(array_api_strict.asarray(np.zeros((30, 2))))
    pool.enter(np.array([7, 8, 29]), 0)
    pool.evict(np.array([8]))
    # Where the pass masks the rows, the codes are the host's.
    mirror = to_numpy(pool.chunk_codes(0, 30))
    np.testing.assert_array_equal(mirror, pool.chunk_codes.__self__._codes)


@pytest.fixture
def recorded_cache():
    """A RowCache over 50 rows, the rows each fetch asked for, and the rows."""
    fetched = []
    data = np.arange(100.0).reshape(50, 2)

    def fetch(rows):
        fetched.append(rows.tolist())
        return data[rows]

    return RowCache(fetch), fetched, data


def test_the_row_cache_fetches_each_row_once(recorded_cache):
    cache, fetched, data = recorded_cache
    np.testing.assert_array_equal(cache.get([1, 4, 9]), data[[1, 4, 9]])
    np.testing.assert_array_equal(cache.get([1, 2, 4, 9, 12]), data[[1, 2, 4, 9, 12]])
    np.testing.assert_array_equal(cache.get([2, 40], keep=False), data[[2, 40]])
    assert fetched == [[1, 4, 9], [2, 12], [40]]


def test_the_row_cache_takes_offered_rows_before_fetching(recorded_cache):
    cache, fetched, data = recorded_cache
    cache.get([1, 4])
    cache.offer(np.array([7, 9, 30]), data[[7, 9, 30]])
    # Offered rows are taken, the others fetched, and the order kept.
    np.testing.assert_array_equal(cache.get([9, 1, 4, 7, 8]), data[[9, 1, 4, 7, 8]])
    assert fetched == [[1, 4], [8]]
    # Once the working set is taken, what was offered is dropped.
    np.testing.assert_array_equal(cache.get([30]), data[[30]])
    assert fetched[-1] == [30]
    cache.offer(np.array([11]), data[[11]])
    np.testing.assert_array_equal(cache.get([11], keep=False), data[[11]])
    np.testing.assert_array_equal(cache.get([11, 30]), data[[11, 30]])
    assert fetched == [[1, 4], [8], [30]]


def test_rows_a_fit_changed_in_place_are_fetched_again(recorded_cache):
    # StandardScaler(copy=False) in a Pipeline scales the array it is given:
    # the cache must not take those rows for the pool's.
    cache, fetched, data = recorded_cache
    held = cache.get([1, 4, 9])
    held -= held.mean(axis=0)  # what a fit with copy=False does
    np.testing.assert_array_equal(cache.get([4, 9], keep=False), data[[4, 9]])
    np.testing.assert_array_equal(cache.get([1, 4, 9, 12]), data[[1, 4, 9, 12]])
    assert fetched == [[1, 4, 9], [4, 9], [1, 4, 9, 12]]
    # Left as handed out, the rows are not fetched again.
    np.testing.assert_array_equal(cache.get([1, 4, 12]), data[[1, 4, 12]])
    assert len(fetched) == 3
