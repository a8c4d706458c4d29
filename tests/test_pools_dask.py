"""Pools on a Dask cluster: the same fit as NumPy, and the pool never gathered."""

from functools import partial

import numpy as np
import pytest
from conftest import counted_lazy_pool
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")
dask = pytest.importorskip("dask")


def _cluster(**kwargs):
    return distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        **kwargs,
    )


@pytest.fixture(scope="module")
def noisy_pool():
    """30,000 rows, 2% positives, 1% of labels flipped: several rounds."""
    return make_classification(30_000, 10, weights=[0.98], flip_y=0.01, random_state=0)


@pytest.fixture(scope="module")
def client():
    with _cluster() as cluster, distributed.Client(cluster) as client:
        yield client


CASES = {
    "linear": (LinearSVC(), dict(threshold=-1.0)),
    "kernel_capped": (SVC(), dict(threshold=-1.0, max_hard_per_round=15)),
    "tree_proba": (DecisionTreeClassifier(max_depth=3), dict(threshold=0.2)),
    "cache": (
        LinearSVC(),
        dict(threshold=-1.0, evict_threshold=-1.2, max_hard_per_round=1.0),
    ),
    "early_stopping": (LinearSVC(), dict(threshold=-1.0, n_iter_no_change=2)),
    "weighted_cache": (
        LinearSVC(),
        dict(threshold=-1.0, evict_threshold=-1.2, weighting="inverse_probability"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_dask_pool_on_a_cluster_fits_like_numpy(client, imbalanced, case, same_fit):
    X, y = imbalanced
    estimator, params = CASES[case]
    ref = HardNegativeMiningClassifier(estimator, random_state=0, **params)
    ref.fit(X, y)
    # Columns in two chunks are merged into whole rows; y may be Dask too.
    Xd = da.from_array(X, chunks=(300, 5))
    clf = HardNegativeMiningClassifier(estimator, random_state=0, **params)
    clf.fit(Xd, da.from_array(y, chunks=300))
    same_fit(clf, ref)
    # The rounds stay on the cluster: the client holds no byte a row.
    assert isinstance(clf.mined_round_, da.Array)
    assert clf.mined_round_.dtype == ref.mined_round_.dtype

    # Predictions on a Dask array are lazy Dask arrays, computed per block.
    for method in ("predict", "decision_function", "predict_proba"):
        if hasattr(clf, method):
            lazy = getattr(clf, method)(Xd)
            assert isinstance(lazy, da.Array)
            np.testing.assert_allclose(lazy.compute(), getattr(ref, method)(X))


def test_without_a_client_the_local_scheduler_mines(imbalanced, same_fit):
    X, y = imbalanced
    params = dict(threshold=-1.0, max_hard_per_round=50, random_state=0)
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X, y)
    with dask.config.set(scheduler="threads"):
        clf = HardNegativeMiningClassifier(LinearSVC(), **params)
        clf.fit(da.from_array(X, chunks=500), y)
    same_fit(clf, ref)


@pytest.mark.parametrize("weighting", ["case_control", None])
def test_a_pool_computed_on_demand_costs_one_feature_pass_a_round(
    noisy_pool, weighting
):
    """The pilot's rows are fetched once; every later row that joins came
    back with the pass that drew it, and the last draw's candidates are
    scored by that pass too: nothing computes the pool's blocks again."""
    X, y = noisy_pool
    estimator = LogisticRegression() if weighting else LinearSVC()
    params = dict(weighting=weighting, max_rounds=4, random_state=0)
    if weighting is None:
        params.update(threshold=-1.0, max_hard_per_round=40)
    lazy, computed = counted_lazy_pool(X, 5000)
    n_blocks = lazy.numblocks[0]
    with dask.config.set(scheduler="sync"):
        clf = HardNegativeMiningClassifier(estimator, **params).fit(lazy, y)
    n_passes = sum(t > 0 for t in clf.history_["score_time"])
    assert clf.n_rounds_ >= 2 and sum(clf.history_["n_added"]) > 0
    # One computation of every block per pass, and the pilot's fetch.
    assert len(computed) <= (n_passes + 1) * n_blocks
    ref = HardNegativeMiningClassifier(estimator, **params).fit(X, y)
    np.testing.assert_array_equal(clf.negative_indices_, ref.negative_indices_)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(X))


def test_a_capped_default_draws_on_dask_as_numpy_draws_in_place(noisy_pool, same_fit):
    # NumPy's pass draws at the round's threshold and the host draws again
    # at the cap's, rescaling the lifts beside the pool; a Dask pool's
    # blocks hand back every candidate and the host draws once. Same run.
    X, y = noisy_pool
    params = dict(max_hard_per_round=200, max_rounds=4, min_hard_per_round=1)
    ref = HardNegativeMiningClassifier(LogisticRegression(), random_state=0, **params)
    ref.fit(X, y)
    assert sum(np.asarray(ref.history_["cut"])[:-1] > 1.0) >= 2  # the cap held
    with dask.config.set(scheduler="sync"):
        clf = HardNegativeMiningClassifier(
            LogisticRegression(), random_state=0, **params
        ).fit(da.from_array(X, chunks=(4000, 10)), y)
    same_fit(clf, ref)


def test_a_fit_that_scales_its_rows_in_place_mines_as_on_numpy(noisy_pool, same_fit):
    # The client keeps the rows it fitted on, so that a round fetches only
    # the new ones: a StandardScaler(copy=False) scales them in place, and
    # they are fetched again rather than taken for the pool's.
    X, y = noisy_pool
    X = X * 5.0 + 3.0
    est = make_pipeline(StandardScaler(copy=False), LogisticRegression())
    params = dict(max_rounds=4, min_hard_per_round=1, random_state=0)
    ref = HardNegativeMiningClassifier(est, **params).fit(X.copy(), y)
    assert ref.n_rounds_ >= 3
    with dask.config.set(scheduler="sync"):
        clf = HardNegativeMiningClassifier(est, **params)
        clf.fit(da.from_array(X, chunks=(4000, 10)), y)
    same_fit(clf, ref)


def test_dask_pools_refuse_what_would_gather_them(imbalanced):
    X, y = imbalanced
    from imblearn.under_sampling import NearMiss

    Xd = da.from_array(X, chunks=500)
    with pytest.raises(TypeError, match="sampler=None"):
        Bootstrap(sampler=NearMiss()).fit(Xd, y)
    with pytest.raises(ValueError, match="device='cuda' does not apply"):
        Bootstrap(device="cuda").fit(Xd, y)
    unknown = da.from_array(X, chunks=500)[da.from_array(y >= 0, chunks=500)]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        Bootstrap().fit(unknown, y)


@pytest.mark.slow
def test_a_pool_larger_than_a_workers_memory_is_mined_without_gathering_it():
    """800 MB of rows, generated on the workers; each may hold 400 MiB."""
    n, d = 2_000_000, 50
    with (
        _cluster(memory_limit="400MiB") as cluster,
        distributed.Client(cluster) as client,
    ):
        X = da.random.RandomState(0).standard_normal((n, d), chunks=(50_000, d))
        # The labels (2 MB) are kept on the workers, as a user would: every
        # pass over X then regenerates it once, not again for y.
        y = (X[:, 0] + 0.5 * X[:, 1] > 3.2).astype(np.int8).persist()
        assert X.nbytes > 1.9 * 400 * 2**20
        clf = HardNegativeMiningClassifier(
            LinearSVC(),
            threshold=-1.0,
            max_rounds=2,
            max_hard_per_round=1.0,
            random_state=0,
        ).fit(X, y)
        assert clf.history_["n_scored"][0] > 0.99 * n - 4 * int(y.sum().compute())
        assert sum(clf.history_["n_added"]) > 0
        # Every worker is alive: none had to hold the pool.
        assert len(client.scheduler_info()["workers"]) == 2
        pred = clf.predict(X[:100_000]).compute()
        assert pred.shape == (100_000,)


class NaNForLargeFirstFeature(LinearSVC):
    """Scores NaN where the first feature is above 1: a model that cannot rank."""

    def decision_function(self, X):
        scores = super().decision_function(X)
        return np.where(np.asarray(X)[:, 0] > 1.0, np.nan, scores)


def test_nan_scores_are_the_same_error_on_numpy_and_dask(imbalanced):
    X, y = imbalanced
    params = dict(threshold=-1.0, max_rounds=2, random_state=0)
    with pytest.raises(ValueError) as local:
        HardNegativeMiningClassifier(NaNForLargeFirstFeature(), **params).fit(X, y)
    with dask.config.set(scheduler="sync"), pytest.raises(ValueError) as remote:
        HardNegativeMiningClassifier(NaNForLargeFirstFeature(), **params).fit(
            da.from_array(X, chunks=300), y
        )
    assert "NaN or infinite scores for" in str(local.value)
    assert str(remote.value) == str(local.value)
    assert local.value.__notes__ == remote.value.__notes__


def test_blocks_merged_on_the_workers_select_what_numpy_selects(imbalanced, same_fit):
    # 40 blocks: two levels of merges on the workers, each keeping the cap's
    # hardest, ties to the lower row, as one merge of every block would.
    X, y = imbalanced
    params = dict(threshold=-1.0, max_hard_per_round=20, max_rounds=3)
    ref = Bootstrap(LinearSVC(), random_state=0, **params)
    ref.fit(X, y)
    with dask.config.set(scheduler="threads"):
        clf = Bootstrap(LinearSVC(), random_state=0, **params)
        clf.fit(da.from_array(X, chunks=50), y)
    assert clf.history_["n_hard"][0] > 20  # the cap binds
    same_fit(clf, ref)


@pytest.mark.parametrize("chunks", [4000, 7001])
def test_a_block_draws_a_weighted_fits_sample_where_it_lives(noisy_pool, chunks):
    # A weighted (margin) fit's draw keeps no lifts, so each block makes it
    # on its worker, with the pool's own uniforms (its key shifted by the
    # block's first row), and hands back the rows drawn: not every
    # candidate, as a draw that keeps lifts must.
    from skhnm._draw import DrawFilter, candidate_cut, kept
    from skhnm._pools import Scoring, as_pool, select_jointly
    from skhnm._selection import Cut
    from skhnm._uniform import row_uniforms, stream_key

    X, y = noisy_pool
    model = LinearSVC().fit(X, y)
    key, family = stream_key(5), "squared_hinge"
    draw = DrawFilter(key, 0.0, family, None, "decision_function", in_place=True)
    cut = Cut(candidate_cut(0.0, family), joins=True, sends=draw)
    positives = np.flatnonzero(y == 1)
    selections = []
    for X_pool in (X, da.from_array(X, chunks=(chunks, 10))):
        with dask.config.set(scheduler="sync"):  # whatever client is about
            pool = as_pool(X_pool).view(Scoring("decision_function", 1), "i2")
            pool.start(positives, np.empty(0, dtype=int))
            (selection,) = select_jointly([pool], [model], [cut])
        selections.append(selection)
    outside = np.flatnonzero(y == 0)
    pi = kept(model.decision_function(X[outside]), 0.0, None, family)
    drawn = outside[row_uniforms(outside, key) < pi]
    for selection in selections:
        np.testing.assert_array_equal(selection.rows, drawn)
    assert 0 < drawn.size < np.count_nonzero(pi > 0) / 2
