"""CuPy on a CUDA device: skipped where there is none (CI has none).

Run them on a GPU machine with ``benchmarks/gpu_check.sh``. The same code
paths run on the CPU with array-api-strict in test_pool_layouts.py and
test_scoring.py.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import HardNegativeMiningClassifier, MulticlassHardNegativeMiningClassifier
from skhnm._compiled import compile_scorer
from skhnm._namespace import cuda_namespace
from skhnm._scoring import positive_scores

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp():
    return pytest.importorskip("cupy")


@pytest.fixture
def scored_on(monkeypatch):
    """Names of the namespaces compiled scorers ran in, call by call."""
    from skhnm._compiled import CompiledScorer

    seen = []
    real = CompiledScorer.__call__

    def spy(self, chunk, xp):
        seen.append(xp.__name__)
        return real(self, chunk, xp)

    monkeypatch.setattr(CompiledScorer, "__call__", spy)
    return seen


def _on_gpu(seen):
    return bool(seen) and all("cupy" in name for name in seen)


def _no_device_arrays(clf):
    values = [*vars(clf).values(), *vars(clf.estimator_).values()]
    return not [v for v in values if type(v).__module__.startswith("cupy")]


@pytest.mark.parametrize(
    "est",
    [LinearSVC(), SVC(), make_pipeline(StandardScaler(), SVC(kernel="poly"))],
    ids=["linear", "rbf", "scaled_poly"],
)
def test_compiled_scores_on_the_gpu_agree(imbalanced, cp, est):
    X, y = imbalanced
    model = est.fit(X, y)
    scorer = compile_scorer(model, "decision_function", 1)
    # The array-API namespace of CuPy arrays, as skhnm scores with it: the
    # bare cupy module's asarray takes no device (CuPy 14).
    xp = cuda_namespace()
    got = scorer(cp.asarray(X), xp).get()
    np.testing.assert_allclose(
        got, positive_scores(model, X, "decision_function", 1), rtol=1e-6, atol=1e-10
    )


@pytest.mark.parametrize("est", [LinearSVC(), SVC()], ids=["linear", "rbf"])
def test_a_cupy_pool_fits_like_numpy_and_the_model_needs_no_gpu(
    imbalanced, cp, est, same_fit, scored_on
):
    X, y = imbalanced
    params = dict(threshold=-1.0, max_rounds=3, random_state=0)
    ref = HardNegativeMiningClassifier(est, **params).fit(X, y)
    scored_on.clear()
    clf = HardNegativeMiningClassifier(est, **params).fit(cp.asarray(X), y)
    assert _on_gpu(scored_on)
    same_fit(clf, ref)
    assert _no_device_arrays(clf)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), ref.predict(X))


@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_a_host_pool_streams_to_the_gpu(imbalanced, cp, device, same_fit, scored_on):
    X, y = imbalanced
    params = dict(threshold=-1.0, max_rounds=3, random_state=0, batch_size=300)
    ref = HardNegativeMiningClassifier(SVC(), **params).fit(X, y)
    scored_on.clear()
    clf = HardNegativeMiningClassifier(SVC(), device=device, **params).fit(X, y)
    assert _on_gpu(scored_on)
    same_fit(clf, ref)
    assert _no_device_arrays(clf)


def test_cuda_without_a_compiled_scorer_warns_and_scores_on_the_cpu(
    imbalanced, cp, same_fit
):
    X, y = imbalanced
    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    params = dict(threshold=0.2, max_rounds=2, random_state=0)
    ref = HardNegativeMiningClassifier(tree, **params).fit(X, y)
    with pytest.warns(UserWarning, match="no compiled scorer") as record:
        clf = HardNegativeMiningClassifier(tree, device="cuda", **params).fit(X, y)
    assert len(record) == 1 and record[0].filename == __file__
    same_fit(clf, ref)


def test_float32_device_pool(cp):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 16)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.standard_normal(20_000) > 2.2).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = HardNegativeMiningClassifier(
            LinearSVC(), threshold=-1.0, random_state=0
        ).fit(cp.asarray(X), y)
    assert clf.history_["n_scored"][0] > 0
    ref = HardNegativeMiningClassifier(LinearSVC(), threshold=-1.0, random_state=0).fit(
        X, y
    )
    np.testing.assert_array_equal(clf.negative_indices_, ref.negative_indices_)
    assert _no_device_arrays(clf)


def test_a_cupy_backed_dask_pool_scores_on_the_gpus(
    imbalanced, cp, same_fit, scored_on
):
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    X, y = imbalanced
    params = dict(threshold=-1.0, max_hard_per_round=40, random_state=0)
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X, y)
    pool = da.from_array(cp.asarray(X), chunks=(500, -1))
    scored_on.clear()
    with dask.config.set(scheduler="sync"):
        clf = HardNegativeMiningClassifier(LinearSVC(), **params).fit(pool, y)
    assert _on_gpu(scored_on)
    same_fit(clf, ref)
    assert _no_device_arrays(clf)


@pytest.mark.parametrize("est", [LinearSVC(), SVC()], ids=["stacked", "union_svs"])
@pytest.mark.parametrize("where", ["cupy_pool", "streamed"])
def test_multiclass_on_the_gpu_mines_like_numpy(detection, cp, est, where, scored_on):
    X, y = detection
    params = dict(negative_label=0, threshold=-1.0, max_rounds=3, random_state=0)
    ref = MulticlassHardNegativeMiningClassifier(est, **params).fit(X, y)
    scored_on.clear()
    if where == "cupy_pool":
        clf = MulticlassHardNegativeMiningClassifier(est, **params)
        clf.fit(cp.asarray(X), y)
    else:
        clf = MulticlassHardNegativeMiningClassifier(est, device="cuda", **params)
        clf.fit(X, y)
    assert _on_gpu(scored_on)
    for k in (1, 2, 3):
        np.testing.assert_array_equal(
            clf.negative_indices_[k], ref.negative_indices_[k]
        )
        assert clf.history_[k]["n_hard"] == ref.history_[k]["n_hard"]
    values = [v for d in clf.estimators_.values() for v in vars(d).values()]
    assert not [v for v in values if type(v).__module__.startswith("cupy")]
    np.testing.assert_array_equal(clf.predict(X), ref.predict(X))


def test_joint_selection_on_the_gpu_equals_separate_ones(cp):
    from sklearn.linear_model import LogisticRegression

    from skhnm._pools import Scoring, as_pool, select_jointly
    from skhnm._selection import Cut

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50_000, 16))
    models = [
        LogisticRegression().fit(X[:2000], (X[:2000, k] > 1.0).astype(int))
        for k in range(4)
    ]

    def pools():
        out = []
        for k in range(4):
            pool = as_pool(cp.asarray(X)).view(
                Scoring("decision_function", 1), np.int16
            )
            pool.start(np.arange(k * 50, k * 50 + 50), np.empty(0, dtype=np.intp))
            pool.enter(np.arange(1000 + 700 * k, 3000 + 700 * k), 0)
            out.append(pool)
        return out

    cuts = [Cut(1.0), Cut(0.5, 300), Cut(2.0), Cut(0.0, 10)]
    joint = select_jointly(pools(), models, cuts)
    separate = [p.select(m, c) for p, m, c in zip(pools(), models, cuts, strict=True)]
    for a, b in zip(joint, separate, strict=True):
        np.testing.assert_array_equal(a.rows, b.rows)
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-12)
        assert (a.n_hard, a.n_scored) == (b.n_hard, b.n_scored) and a.n_hard > 0


@pytest.mark.parametrize("capacity", [10_000, 50], ids=["room", "overflow"])
def test_the_fused_kernels_cut_as_the_host_selector(cp, capacity):
    from skhnm._device_cut import DeviceCut
    from skhnm._selection import Cut, Selector

    rng = np.random.default_rng(0)
    n = 20_000
    scores = rng.standard_normal((3, n)).astype(np.float32)
    scores[:, 100:140] = 1.5  # ties at the k-th: the lower rows win
    scores[2, 7] = np.nan
    codes = np.full((3, n), -1, dtype=np.int16)
    for d in range(3):
        codes[d, rng.choice(n, 500 * (d + 1), replace=False)] = d
    cuts = [Cut(2.5), Cut(1.0, k=25), Cut(2.0, k=300)]
    xp = cuda_namespace()
    cut = DeviceCut(cuts, xp, None, capacity)
    for lo in range(0, n, 3000):
        cut.add(
            cp.asarray(scores[:, lo : lo + 3000]),
            lo,
            cp.asarray(codes[:, lo : lo + 3000]),
        )
    got = cut.finish()
    if capacity == 50:
        assert got is None and cut.needed > 50
        return
    for d, c in enumerate(cuts):
        ref = Selector(c, np)
        ref.add(scores[d], 0, codes[d] < 0)
        ref = ref.finish()
        np.testing.assert_array_equal(got[d].rows, ref.rows)
        np.testing.assert_allclose(got[d].scores, ref.scores, rtol=1e-7)
        assert (got[d].n_hard, got[d].n_scored, got[d].n_nan, got[d].tie) == (
            ref.n_hard,
            ref.n_scored,
            ref.n_nan,
            ref.tie,
        )
    assert got[2].n_nan == 1
