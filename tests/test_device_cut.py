"""The fused cut of a pool that lives on a device, run on the CPU.

array-api-strict runs the same steps as CuPy's kernels (its generic path);
tests/test_gpu.py runs the kernels themselves where a GPU is present.
"""

import array_api_strict as xps
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skhnm._device_cut import DeviceCut, initial_capacity
from skhnm._pools import Scoring, as_pool, select_jointly
from skhnm._scoring import device_batch_size
from skhnm._selection import Cut, Selector


def _host_cut(scores, codes, cut):
    selector = Selector(cut, np)
    selector.add(scores, 0, codes < 0)
    return selector.finish()


def _device_cut(scores, codes, cuts, step, capacity=10_000):
    n = scores.shape[1]
    cut = DeviceCut(cuts, xps, None, capacity)
    for lo in range(0, n, step):
        cut.add(
            xps.asarray(scores[:, lo : lo + step]),
            lo,
            xps.asarray(codes[:, lo : lo + step]),
        )
    return cut, cut.finish()


def _same(a, b):
    np.testing.assert_array_equal(a.rows, b.rows)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert (a.n_hard, a.n_scored, a.n_nan, a.tie) == (
        b.n_hard,
        b.n_scored,
        b.n_nan,
        b.tie,
    )


@pytest.mark.parametrize("step", [1, 7, 100, 1000])
def test_every_detector_cuts_as_the_host_selector_in_any_chunking(step):
    rng = np.random.default_rng(0)
    n = 1000
    scores = rng.standard_normal((3, n))
    scores[:, 100:140] = 1.5  # ties at the k-th: the lower rows win
    codes = np.full((3, n), -1, dtype=np.int16)
    for d in range(3):
        codes[d, rng.choice(n, 50 * (d + 1), replace=False)] = d  # working sets
    codes[1, rng.choice(n, 30, replace=False)] = -4  # evicted rows count
    cuts = [Cut(0.5), Cut(1.0, k=25), Cut(-0.5, k=400)]
    _, got = _device_cut(scores, codes, cuts, step)
    for d, cut in enumerate(cuts):
        _same(got[d], _host_cut(scores[d], codes[d], cut))
    assert got[1].rows.size == 25 and got[2].rows.size == 400


def test_nan_and_infinite_scores_are_counted_where_they_count():
    scores = np.zeros((1, 20)) + np.arange(20.0)
    scores[0, [2, 5, 9]] = [np.nan, np.inf, -np.inf]
    codes = np.full((1, 20), -1, dtype=np.int16)
    codes[0, 9] = 0  # in the working set: its score does not count
    _, (got,) = _device_cut(scores, codes, [Cut(10.0)], 6)
    ref = _host_cut(scores[0], codes[0], Cut(10.0))
    assert got.n_nan == ref.n_nan == 2
    with pytest.raises(ValueError, match="NaN or infinite scores for 2 of 19"):
        got.checked()


def test_a_model_that_cannot_rank_is_a_tie():
    scores = np.full((2, 50), 0.25)
    scores[1, 0] = 3.0  # detector 1 ranks, but only through a working row
    codes = np.full((2, 50), -1, dtype=np.int16)
    codes[1, 0] = 0
    _, got = _device_cut(scores, codes, [Cut(0.0), Cut(0.0)], 16)
    assert got[0].tie == got[1].tie == 0.25
    _, (ranks,) = _device_cut(scores[1:] + np.arange(50.0), codes[1:], [Cut(0.0)], 16)
    assert ranks.tie is None


def test_a_buffer_that_overflows_asks_for_room_for_every_hard_row():
    scores = np.arange(100.0).reshape(1, 100)
    codes = np.full((1, 100), -1, dtype=np.int16)
    cut, got = _device_cut(scores, codes, [Cut(39.5, k=5)], 10, capacity=20)
    assert got is None and cut.needed == 60
    _, (got,) = _device_cut(scores, codes, [Cut(39.5, k=5)], 10, capacity=cut.needed)
    np.testing.assert_array_equal(got.rows, [95, 96, 97, 98, 99])
    assert got.n_hard == 60


def test_initial_capacity_is_a_share_of_the_pool_within_bounds():
    assert initial_capacity(100) == 100
    assert initial_capacity(10_000) == 1024
    assert initial_capacity(16_000_000) == 1_000_000


@pytest.fixture
def detectors(imbalanced):
    X, y = imbalanced
    rng = np.random.default_rng(1)
    models = [
        LogisticRegression().fit(X, y),
        LogisticRegression(C=0.01).fit(X, rng.permutation(y)),
    ]
    return X, y, models


@pytest.mark.parametrize("batch_size", [None, 64])
def test_a_joint_pass_on_a_namespace_pool_is_the_numpy_pass_and_crosses_once(
    detectors, crossings, batch_size
):
    X, y, models = detectors
    cuts = [Cut(-5.0), Cut(-5.0, k=30)]

    def views(data):
        out = []
        for d, _ in enumerate(models):
            view = as_pool(data).view(Scoring("decision_function", 1, batch_size), "i2")
            view.start(np.flatnonzero(y == 1), np.empty(0, dtype=int))
            view.enter(np.arange(d, X.shape[0], 9 + d), 0)
            out.append(view)
        return out

    reference = select_jointly(views(X), models, cuts)
    pool = xps.asarray(X)
    device_views = views(pool)
    # More hard rows than the first try's buffers hold (initial_capacity:
    # 1,024 of 2,000 rows): the pass runs again, once.
    assert min(s.n_hard for s in reference) > initial_capacity(X.shape[0])
    crossings.clear()
    got = select_jointly(device_views, models, cuts)
    for a, b in zip(got, reference, strict=True):
        np.testing.assert_array_equal(a.rows, b.rows)
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-9)
        assert (a.n_hard, a.n_scored, a.tie) == (b.n_hard, b.n_scored, b.tie)
    width = max(s.n_hard for s in got)
    # Whatever the chunks: the first try's totals, then the second try's
    # totals, bounds and hard rows; nothing per chunk.
    assert min(s.n_hard for s in got) > 30
    assert crossings == [(2, 3), (2, 3), (2, 2), (2, width), (2, width)]


def test_device_chunks_follow_free_memory():
    X = xps.zeros((10, 4))
    assert device_batch_size(X, 1, None) > 0  # free memory unknown
    # A quarter of the free memory, at 96 bytes a row and detector (a
    # draw's temporaries included).
    assert device_batch_size(X, 1, 2**30) == 2**28 // 96
    assert device_batch_size(X, 4, 2**30) == 2**28 // (4 * 96)
