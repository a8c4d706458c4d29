"""Fitting is the same whatever the pool's layout, chunking, threads or device."""

from functools import partial

import array_api_strict
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import HardNegativeMiningClassifier, _namespace

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


def _mlp():
    return make_pipeline(
        StandardScaler(), MLPClassifier((8,), max_iter=300, random_state=0)
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "estimator, threshold",
    [
        (LinearSVC(), -1.0),
        (SVC(), -0.5),
        (_mlp(), 0.2),
        (DecisionTreeClassifier(max_depth=3, random_state=0), 0.2),
    ],
    ids=["linear", "kernel", "mlp_pipeline", "tree_fallback"],
)
def test_batch_size_and_n_jobs_never_change_the_fit(
    imbalanced, estimator, threshold, same_fit
):
    X, y = imbalanced
    params = dict(threshold=threshold, max_rounds=4, random_state=0)
    ref = Bootstrap(estimator, **params).fit(X, y)
    assert sum(ref.history_["n_added"]) > 0
    for batch_size, n_jobs in [(3, None), (97, 2), (100_000, -1)]:
        clf = Bootstrap(estimator, batch_size=batch_size, n_jobs=n_jobs, **params).fit(
            X, y
        )
        same_fit(clf, ref)
        np.testing.assert_array_equal(clf.predict(X), ref.predict(X))


@pytest.mark.parametrize("criterion", ["threshold", "k_best"])
def test_capped_rounds_break_ties_alike_in_every_chunking_and_backend(
    imbalanced, criterion, same_fit
):
    """A shallow tree scores in a few values: hundreds of rows tie at a cap's
    edge, and the lower row index must win whatever reads the pool."""
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    X, y = imbalanced
    tree = DecisionTreeClassifier(max_depth=2, random_state=0)
    params = dict(
        criterion=criterion,
        threshold=0.0,
        max_hard_per_round=25,
        max_rounds=4,
        random_state=0,
    )
    # The k best have no inclusion probability: they are the rounds' rule.
    Miner = HardNegativeMiningClassifier if criterion == "threshold" else Bootstrap
    ref = Miner(tree, **params).fit(X, y)
    probe = clone(tree).fit(X, y).predict_proba(X)[:, 1]
    assert np.unique(probe).size < 10  # ties galore
    assert sum(ref.history_["n_added"]) > 0
    fits = [
        Miner(tree, batch_size=b, n_jobs=j, **params).fit(X, y)
        for b, j in [(3, None), (33, 2), (500, -1)]
    ]
    fits.append(
        Miner(tree, batch_size=64, **params).fit(array_api_strict.asarray(X), y)
    )
    with dask.config.set(scheduler="sync"):
        fits.append(Miner(tree, **params).fit(da.from_array(X, chunks=170), y))
    for clf in fits:
        same_fit(clf, ref)


def test_memmap_csr_and_frame_pools_give_the_dense_fit(imbalanced, tmp_path, same_fit):
    X, y = imbalanced
    pd = pytest.importorskip("pandas")
    params = dict(threshold=-1.0, max_rounds=4, random_state=0)
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X, y)
    path = tmp_path / "pool.dat"
    mm = np.memmap(path, dtype=X.dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    readonly = np.memmap(path, dtype=X.dtype, mode="r", shape=X.shape)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    for pool in (readonly, sp.csr_matrix(X), sp.csc_matrix(X), frame):
        clf = HardNegativeMiningClassifier(LinearSVC(), **params).fit(pool, y)
        same_fit(clf, ref)
        np.testing.assert_allclose(
            clf.estimator_.coef_, ref.estimator_.coef_, rtol=1e-6, atol=1e-8
        )


@pytest.mark.parametrize("estimator", [LinearSVC(), SVC()], ids=["linear", "kernel"])
def test_an_array_api_pool_fits_like_numpy_and_only_working_rows_leave_it(
    imbalanced, crossings, estimator, same_fit
):
    """The GPU code path (a pool in a non-NumPy namespace), run on the CPU."""
    X, y = imbalanced
    params = dict(threshold=-1.0, max_rounds=3, batch_size=128, random_state=0)
    ref = Bootstrap(estimator, **params).fit(X, y)

    crossed = crossings
    crossed.clear()  # the NumPy reference's conversions are no crossings
    pool = array_api_strict.asarray(X)
    clf = Bootstrap(estimator, **params).fit(pool, array_api_strict.asarray(y))
    same_fit(clf, ref)
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
    np.testing.assert_array_equal(clf.predict(pool), ref.predict(X))

    # Rows of the pool crossed only to be fitted on, each once: the first
    # working set, then the rows each round added (then predict(pool)).
    h = clf.history_
    n_pos = int(y.sum())
    added = [a + r for a, r in zip(h["n_added"], h["n_random"], strict=True)]
    # A pass crosses once, when it ends: its totals (detectors x 3), the
    # scores' bounds (2 x detectors), then the hard rows' indices and scores
    # (detectors x hard): the cut happened in the namespace, and no score per
    # pool row crossed. A pass with more hard rows than its buffers held
    # (a 16th of the pool here) is run again, after its totals alone crossed.
    passes, rows_out, left = [], [], list(crossed)
    while left:
        shape = left.pop(0)
        if shape == (1, 3) and left[0] == (1, 3):
            continue
        if shape == (1, 3):
            bounds, rows, scores = left[:3]
            del left[:3]
            assert bounds == (2, 1) and rows == scores and rows[0] == 1
            passes.append(rows[1])
        elif len(shape) == 2:
            rows_out.append(shape[0])
        else:
            assert shape == (y.size,)  # the labels
    assert passes == h["n_hard"]
    first = n_pos + h["n_negatives"][0]
    assert rows_out == [first, *filter(None, added[:-1]), X.shape[0]]
    fitted = [*vars(clf).values(), *vars(clf.estimator_).values()]
    assert not [v for v in fitted if type(v).__module__.startswith("array_api")]


def test_device_cuda_without_a_gpu_is_a_clear_error(imbalanced):
    if _namespace.cuda_namespace() is not None:
        pytest.skip("a GPU is present")
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(device="cuda")
    with pytest.raises(ValueError, match="device='cuda' but no usable GPU"):
        clf.fit(X, y)
    assert not hasattr(clf, "estimator_")


def test_device_auto_falls_back_to_the_cpu(imbalanced, same_fit):
    X, y = imbalanced
    params = dict(threshold=-1.0, max_rounds=3, random_state=0)
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X, y)
    clf = HardNegativeMiningClassifier(LinearSVC(), device="auto", **params).fit(X, y)
    same_fit(clf, ref)


def test_array_api_pools_are_checked(imbalanced):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier()
    with pytest.raises(ValueError, match="2-D array"):
        clf.fit(array_api_strict.asarray(X[:, 0]), y)
    with pytest.raises(ValueError, match="real numeric dtype"):
        clf.fit(array_api_strict.asarray(X > 0), y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.fit(array_api_strict.asarray(X), y[:-1])


@pytest.fixture
def stand_in_gpu(monkeypatch):
    """device='cuda' served by array-api-strict: the GPU's code path on the CPU."""
    from sklearn.externals.array_api_compat import array_namespace

    xp = array_namespace(array_api_strict.asarray([0.0]))
    monkeypatch.setattr(_namespace, "cuda_namespace", lambda: xp)
    return xp


def test_a_host_pool_streamed_to_a_device_is_cut_there(
    imbalanced, stand_in_gpu, crossings, same_fit
):
    X, y = imbalanced
    params = dict(threshold=-1.0, max_rounds=3, batch_size=256, random_state=0)
    ref = Bootstrap(LinearSVC(), **params).fit(X, y)
    crossings.clear()
    clf = Bootstrap(LinearSVC(), device="cuda", **params)
    clf.fit(X, y)
    same_fit(clf, ref)
    # Scores never came back one per row: only the hard rows' indices and
    # scores, once a round.
    kept = [n for n in clf.history_["n_hard"] if n]
    assert crossings == [(n,) for n in kept for _ in range(2)]


def test_a_host_pool_streamed_to_a_device_draws_there(
    imbalanced, stand_in_gpu, crossings, same_fit
):
    # The default's draw is made where the scores are: the rows drawn and
    # their scores come back, never the candidates (under a logistic loss,
    # nearly every row outside).
    X, y = imbalanced
    params = dict(max_rounds=3, batch_size=256, random_state=0)
    ref = HardNegativeMiningClassifier(LogisticRegression(), **params).fit(X, y)
    crossings.clear()
    clf = HardNegativeMiningClassifier(LogisticRegression(), device="cuda", **params)
    clf.fit(X, y)
    same_fit(clf, ref)
    h = clf.history_
    assert sum(h["n_added"]) > 0 and min(h["n_scored"]) > 1000
    # Each pass: its counts and bounds, then the rows drawn and their scores
    # (the first pass's are the next round's additions); then the working
    # rows' scores, a chunk at a time. Nothing longer than a chunk.
    passes = [i for i, shape in enumerate(crossings) if shape == (3,)]
    assert len(passes) == len(h["round"])
    for at in passes:
        assert crossings[at + 1] == (2,) and crossings[at + 2] == crossings[at + 3]
    assert crossings[passes[0] + 2] == (h["n_added"][0],)
    assert max(shape[0] for shape in crossings) <= 256


def test_device_cuda_without_a_compiled_scorer_warns_once_at_the_caller(
    imbalanced, stand_in_gpu, same_fit
):
    X, y = imbalanced
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    params = dict(threshold=0.2, max_rounds=3, random_state=0)
    ref = Bootstrap(tree, **params).fit(X, y)
    with pytest.warns(UserWarning, match="no compiled scorer") as record:
        clf = Bootstrap(tree, device="cuda", **params).fit(X, y)
    assert len(record) == 1
    assert record[0].filename == __file__
    same_fit(clf, ref)
