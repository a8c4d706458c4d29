"""Multiclass mining: one detector per class over one background pool."""

import contextlib
import pickle

import array_api_strict
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from conftest import counted_lazy_pool
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.utils.estimator_checks import (
    check_classifiers_one_label,
    check_classifiers_train,
)
from threadpoolctl import threadpool_limits

from skhnm import (
    HardNegativeMiningClassifier,
    MiningDisplay,
    MulticlassHardNegativeMiningClassifier,
)
from skhnm._compiled import compile_scorer, stack_scorers
from skhnm._pools import Scoring, as_pool, select_jointly
from skhnm._pools._host import ArrayPool
from skhnm._selection import Cut


def _mc(estimator=None, **params):
    """The seed's rounds (weighting=None), whose mechanics most of these
    tests check; the case-control default's are tested on their own."""
    params = {"weighting": None, **params}
    return MulticlassHardNegativeMiningClassifier(
        estimator, negative_label=0, random_state=0, **params
    )


# ---------------------------------------------------------------- the API


def test_more_than_two_classes_needs_negative_label(detection):
    X, y = detection
    with pytest.raises(ValueError, match="negative_label to the background class"):
        HardNegativeMiningClassifier().fit(X, y)


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: MulticlassHardNegativeMiningClassifier(negative_label=7),
            "negative_label=7 is not a class of y",
        ),
    ],
)
def test_bad_negative_label(detection, make, match):
    X, y = detection
    clf = make()
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


@pytest.mark.filterwarnings("ignore::skhnm.PoolTooSmallWarning")
def test_the_background_defaults_to_the_most_frequent_class(detection):
    X, y = detection
    clf = MulticlassHardNegativeMiningClassifier(random_state=0).fit(X, y)
    assert clf.negative_label_ == 0 and list(clf.estimators_) == [1, 2, 3]
    # Weighted rows count as many times as their weight.
    weights = np.where(y == 2, 1000.0, 1.0)
    clf.fit(X, y, sample_weight=weights)
    assert clf.negative_label_ == 2 and list(clf.estimators_) == [0, 1, 3]


def test_two_classes_keep_the_multiclass_attributes(imbalanced):
    X, y = imbalanced
    clf = MulticlassHardNegativeMiningClassifier(random_state=0).fit(X, y)
    assert clf.negative_label_ == 0 and list(clf.estimators_) == [1]
    assert isinstance(clf.history_, dict) and list(clf.history_) == [1]
    assert clf.predict_proba(X).shape == (X.shape[0], 2)
    assert clf.__sklearn_tags__().classifier_tags.multi_class


def test_one_detector_per_class_fitted_on_its_working_set(detection):
    X, y = detection
    clf = _mc(max_rounds=3, warm_start_rounds=False).fit(X, y)  # exact fits
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 3])
    assert clf.negative_label_ == 0
    assert list(clf.estimators_) == [1, 2, 3]
    for attr in (
        "history_",
        "negative_indices_",
        "mined_round_",
        "termination_condition_",
        "n_rounds_",
        "best_round_",
        "threshold_",
    ):
        assert list(getattr(clf, attr)) == [1, 2, 3], attr
    for k, detector in clf.estimators_.items():
        negatives = clf.negative_indices_[k]
        others = np.flatnonzero((y != 0) & (y != k))
        # The other classes' rows are all in the working set; the class's
        # own rows are positives, never negatives.
        assert np.isin(others, negatives).all()
        assert not np.isin(np.flatnonzero(y == k), negatives).any()
        assert clf.mined_round_[k][others].tolist() == [0] * others.size
        assert len(clf.history_[k]["n_hard"]) == clf.n_rounds_[k] + 1
        # The detector is the binary model of its working set: 1 for its
        # class, 0 for every other row.
        rows = np.union1d(np.flatnonzero(y == k), negatives)
        expected = LogisticRegression().fit(X[rows], (y[rows] == k).astype(int))
        np.testing.assert_array_equal(detector.classes_, [0, 1])
        np.testing.assert_allclose(detector.coef_, expected.coef_, rtol=1e-6)
        assert (clf.mined_round_[k] > 0).any() or clf.n_rounds_[k] == 0


def test_the_other_classes_are_never_evicted(detection):
    X, y = detection
    clf = _mc(
        LinearSVC(), threshold=-1.0, evict_threshold=-1.2, min_hard_per_round=1
    ).fit(X, y)
    assert sum(sum(clf.history_[k]["n_evicted"]) for k in (1, 2, 3)) > 0
    for k in (1, 2, 3):
        others = np.flatnonzero((y != 0) & (y != k))
        assert np.isin(others, clf.negative_indices_[k]).all()


def test_outputs_follow_scikit_learns_multiclass_conventions(detection):
    X, y = detection
    labels = np.array(["background", "car", "dog", "face"])[y]
    clf = MulticlassHardNegativeMiningClassifier(
        negative_label="background", weighting=None, random_state=0
    )
    clf.fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["background", "car", "dog", "face"])
    decision = clf.decision_function(X)
    assert decision.shape == (X.shape[0], 4)
    np.testing.assert_array_equal(decision[:, 0], 0.0)
    for j, k in enumerate(("car", "dog", "face"), start=1):
        np.testing.assert_allclose(
            decision[:, j], clf.estimators_[k].decision_function(X)
        )
    predicted = clf.predict(X)
    fires = decision[:, 1:].max(axis=1) > 0
    assert 0 < fires.sum() < X.shape[0]
    np.testing.assert_array_equal(predicted[~fires], "background")
    np.testing.assert_array_equal(
        predicted[fires], clf.classes_[1:][decision[fires, 1:].argmax(axis=1)]
    )
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)
    detectors = np.column_stack(
        [clf.estimators_[k].predict_proba(X)[:, 1] for k in ("car", "dog", "face")]
    )
    unnormalised = np.column_stack([1 - detectors.max(axis=1), detectors])
    np.testing.assert_allclose(
        proba, unnormalised / unnormalised.sum(axis=1, keepdims=True)
    )
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert clf.score(X, labels) > 0.9


@pytest.fixture(scope="module")
def rare_classes():
    """Three object classes of about 1.3% each, 1% of labels flipped."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=60_000,
        n_features=20,
        n_informative=10,
        n_classes=4,
        n_clusters_per_class=1,
        weights=[0.96, 0.0133, 0.0133],
        flip_y=0.01,
        random_state=0,
    )
    return X[:40_000], y[:40_000], X[40_000:], y[40_000:]


def test_the_default_draws_every_negative_and_predicts_the_population(
    rare_classes,
):
    X, y, X_test, y_test = rare_classes
    clf = MulticlassHardNegativeMiningClassifier(negative_label=0, random_state=0)
    clf.fit(X, y)
    assert clf.weighting_ == "case_control"
    decision = clf.decision_function(X_test)
    for j in (1, 2, 3):
        # Each detector's log-odds, corrected by log P(x) <= 0.
        shift = decision[:, j] - clf.estimators_[j].decision_function(X_test)
        assert shift.max() <= 1e-9 and shift.min() < -1.0
        # The other classes' rows are negatives drawn like the background:
        # some are in the working set, not all.
        others = np.flatnonzero((y != 0) & (y != j))
        drawn = np.isin(others, clf.negative_indices_[j])
        assert 0 < drawn.sum() < others.size
    # Probabilities on the population's scale: a class's mean probability
    # is near its frequency; the rounds' working sets overstate it.
    proba = clf.predict_proba(X_test)
    rounds = MulticlassHardNegativeMiningClassifier(
        negative_label=0, weighting=None, random_state=0
    ).fit(X, y)
    overstated = rounds.predict_proba(X_test)
    for j in (1, 2, 3):
        frequency = np.mean(y_test == j)
        assert 0.75 * frequency < proba[:, j].mean() < 1.25 * frequency
        assert overstated[:, j].mean() > 2 * frequency


def test_predict_from_probabilities_only(detection):
    from sklearn.ensemble import RandomForestClassifier

    X, y = detection
    clf = _mc(RandomForestClassifier(n_estimators=10), max_rounds=2).fit(X, y)
    assert not hasattr(clf, "decision_function")
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


# ------------------------------------------------------- one pass a round


def test_one_pass_per_round_scores_each_row_once(detection):
    """On a pool that computes its blocks when read (as windows' features
    are), the blocks computed count the passes: one a round for all the
    detectors, each block read once a pass, and each detector's first
    working set fetched once."""
    dask = pytest.importorskip("dask")
    X, y = detection
    lazy, computed = counted_lazy_pool(X, 500)
    with dask.config.set(scheduler="sync"):
        clf = _mc(min_hard_per_round=1, max_rounds=4).fit(lazy, y)
    n_passes = max(clf.n_rounds_.values()) + 1
    assert n_passes >= 2 and len(clf.estimators_) == 3
    n_blocks = lazy.numblocks[0]
    # A pass a round computes every block once (three detectors with a pass
    # each would compute it three times); each detector fetched its first
    # working set once, and the rows mined later came with the passes.
    assert len(computed) <= (n_passes + len(clf.estimators_)) * n_blocks
    ref = _mc(min_hard_per_round=1, max_rounds=4).fit(X, y)
    for k in (1, 2, 3):
        np.testing.assert_array_equal(
            clf.negative_indices_[k], ref.negative_indices_[k]
        )


@pytest.mark.parametrize(
    "make",
    [
        LogisticRegression,
        lambda: make_pipeline(StandardScaler(), LogisticRegression()),
        SVC,
        lambda: MLPClassifier((5,), max_iter=50, random_state=0),
        lambda: KNeighborsClassifier(15),
    ],
    ids=["linear", "scaler+linear", "svc", "mlp", "knn"],
)
@pytest.mark.parametrize("namespace", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("batch_size", [None, 100])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_joint_pass_equals_separate_passes(make, namespace, batch_size):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1500, 5))
    models = [
        make().fit(X[:300], (X[:300, k] + 0.3 * X[:300, 4] > 0.5).astype(int))
        for k in range(3)
    ]
    method = "decision_function"
    if not hasattr(models[0], method):
        method = "predict_proba"
    scoring = Scoring(method, 1, batch_size=batch_size)
    data = X if namespace == "numpy" else array_api_strict.asarray(X)

    def pools():
        out = []
        for k in range(3):
            pool = as_pool(data).view(scoring, np.int16)
            pool.start(np.arange(k * 10, k * 10 + 10), np.empty(0, dtype=int))
            # Working sets that differ, spread over the pool.
            pool.enter(
                np.sort(rng.choice(np.arange(40, 1500), 200 * (k + 1), False)), 0
            )
            out.append(pool)
        return out

    cuts = [Cut(0.0), Cut(0.5), Cut(-0.5, 40)]
    state = rng.get_state()
    joint = select_jointly(pools(), models, cuts)
    rng.set_state(state)
    separate = [p.select(m, c) for p, m, c in zip(pools(), models, cuts, strict=True)]
    for a, b in zip(joint, separate, strict=True):
        np.testing.assert_array_equal(a.rows, b.rows)
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-10, atol=1e-12)
        assert (a.n_hard, a.n_scored) == (b.n_hard, b.n_scored)
        assert a.n_hard > 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_stacked_scorers_score_every_model():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(400, 4))
    ys = [(X[:, k] > 0.2).astype(int) for k in range(3)]

    linear = [
        make_pipeline(StandardScaler(), LogisticRegression()).fit(X, yk) for yk in ys
    ]
    svcs = [SVC(gamma=0.5).fit(X[:200], yk[:200]) for yk in ys]
    for models in (linear, svcs):
        stacked = stack_scorers(
            [compile_scorer(m, "decision_function", 1) for m in models]
        )
        scores = stacked(X, np)
        assert scores.shape == (400, 3)
        for k, m in enumerate(models):
            np.testing.assert_allclose(scores[:, k], m.decision_function(X), atol=1e-9)
    # SVMs trained on shared rows share support vectors: fewer in the union.
    n_union = stacked.stages[0].support.shape[0]
    assert n_union < sum(m.support_vectors_.shape[0] for m in svcs)
    mixed = [svcs[0], SVC(kernel="linear").fit(X[:200], ys[0][:200])]
    assert (
        stack_scorers([compile_scorer(m, "decision_function", 1) for m in mixed])
        is None
    )
    # MLPs of one shape: first layers side by side, later ones block-diagonal.
    mlps = [
        make_pipeline(StandardScaler(), MLPClassifier((3, 2), max_iter=20)).fit(X, yk)
        for yk in ys
    ]
    stacked = stack_scorers([compile_scorer(m, "predict_proba", 1) for m in mlps])
    assert [layer.weight.shape for layer in stacked.stages] == [(4, 9), (9, 6), (6, 3)]
    for k, m in enumerate(mlps):
        np.testing.assert_allclose(
            stacked(X, np)[:, k], m.predict_proba(X)[:, 1], atol=1e-12
        )
    other_shape = MLPClassifier((4,), max_iter=20).fit(X, ys[0])
    pair = (mlps[0][-1], other_shape)
    assert stack_scorers([compile_scorer(m, "predict_proba", 1) for m in pair]) is None


# ------------------------------------------------- the same run everywhere


def _same_runs(a, b):
    assert list(a.estimators_) == list(b.estimators_)
    for k in a.estimators_:
        np.testing.assert_array_equal(a.negative_indices_[k], b.negative_indices_[k])
        np.testing.assert_array_equal(a.mined_round_[k], b.mined_round_[k])
        for key in ("n_negatives", "n_scored", "n_hard", "n_added"):
            assert a.history_[k][key] == b.history_[k][key], (k, key)
        assert a.termination_condition_[k] == b.termination_condition_[k]


@pytest.mark.parametrize(
    "layout",
    [
        "batch_size",
        "n_jobs",
        "chunk_threads",
        "csr",
        "array_api_strict",
        "dataframe",
        "dask",
    ],
)
@pytest.mark.parametrize("make", [SVC, LogisticRegression], ids=["svc", "linear"])
def test_same_run_across_layouts_and_backends(detection, layout, make):
    X, y = detection
    reference = _mc(make(), min_hard_per_round=1).fit(X, y)
    params, data, target = {}, X, y
    limits = contextlib.nullcontext()
    if layout == "chunk_threads":
        # A stacked linear pass puts its chunks on half BLAS's threads: as
        # on an 8-core machine, with small chunks.
        limits = threadpool_limits(8, user_api="blas")
        params["batch_size"] = 64
    elif layout == "batch_size":
        params["batch_size"] = 97
    elif layout == "n_jobs":
        params.update(n_jobs=2, batch_size=300)
    elif layout == "csr":
        data = scipy.sparse.csr_matrix(X)
    elif layout == "array_api_strict":
        data = array_api_strict.asarray(X)
    elif layout == "dataframe":
        data = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    else:
        da = pytest.importorskip("dask.array")
        data, target = da.from_array(X, chunks=700), da.from_array(y, chunks=700)
    with limits:
        clf = _mc(make(), min_hard_per_round=1, **params).fit(data, target)
    _same_runs(reference, clf)
    if layout == "dask":
        lazy = clf.decision_function(data[:50])
        assert lazy.shape == (50, 4)
        np.testing.assert_allclose(lazy.compute(), reference.decision_function(X[:50]))
        np.testing.assert_array_equal(
            clf.predict(data[:50]).compute(), reference.predict(X[:50])
        )


@pytest.mark.parametrize("make", [SVC, LogisticRegression], ids=["svc", "linear"])
def test_the_default_draws_alike_on_an_array_api_pool(detection, make, crossings):
    # Every detector's draw is made where the pool lives (one pass for all
    # of them), by the same uniforms: the working sets are NumPy's, and no
    # candidate's score crosses, only the rows each draw added.
    X, y = detection
    reference = _mc(make(), weighting="case_control").fit(X, y)
    crossings.clear()
    clf = _mc(make(), weighting="case_control").fit(array_api_strict.asarray(X), y)
    _same_runs(reference, clf)
    np.testing.assert_allclose(
        clf.decision_function(X), reference.decision_function(X), rtol=1e-9
    )
    # What crosses is O(working set): its rows' features (to fit on), the
    # working rows' scores, the rows drawn and the pass's counts.
    most = max(max(clf.history_[k]["n_negatives"]) for k in clf.estimators_)
    most += np.bincount(y).max(initial=0, where=np.arange(4) > 0)
    assert crossings and all(
        shape[0] <= most and shape[1:] in ((), (X.shape[1],)) for shape in crossings
    )


# --------------------------------------------------- where users put it


def test_pipeline_grid_search_pickle_and_clone(detection):
    X, y = detection
    search = GridSearchCV(
        make_pipeline(StandardScaler(), _mc()),
        {"multiclasshardnegativeminingclassifier__ratio": [1.0, 3.0]},
        scoring="roc_auc_ovr",
        cv=3,
    ).fit(X, y)
    assert np.isfinite(search.best_score_)
    best = search.best_estimator_
    copy = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(copy.predict_proba(X), best.predict_proba(X))
    assert roc_auc_score(y, best.predict_proba(X), multi_class="ovr") > 0.85
    fresh = clone(best[-1])
    assert fresh.negative_label == 0 and not hasattr(fresh, "estimators_")


def test_early_stopping_per_detector(detection):
    X, y = detection
    clf = _mc(n_iter_no_change=2, validation_fraction=0.2).fit(X, y)
    held = clf.validation_indices_
    # Stratified on every class, and held out of every detector.
    assert set(np.unique(y[held])) == {0, 1, 2, 3}
    for k in (1, 2, 3):
        assert np.isfinite(clf.history_[k]["validation_score"]).all()
        assert not np.isin(held, clf.negative_indices_[k]).any()
        assert (clf.mined_round_[k][held] == -1).all()


def test_weighting_counts_the_other_classes_as_a_census(detection):
    X, y = detection
    seen = []

    class Recording(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append((X[:, 0].astype(int), np.asarray(y), sample_weight))
            return super().fit(X[:, 1:], y, sample_weight=sample_weight)

        def decision_function(self, X):
            return super().decision_function(X[:, 1:])

    ids = np.column_stack([np.arange(X.shape[0]), X])
    clf = _mc(Recording(), weighting="inverse_probability").fit(ids, y)
    assert len(seen) == sum(n + 1 for n in clf.n_rounds_.values())
    for rows, labels, w in seen:
        k = np.unique(y[rows[labels == 1]])
        assert k.size == 1  # one detector's fit: its class against the rest
        k = k[0]
        negative = labels == 0
        others = negative & (y[rows] != 0)
        np.testing.assert_array_equal(w[labels == 1], 1.0)
        np.testing.assert_array_equal(w[others], 1.0)
        # The negatives' weights estimate the detector's negatives exactly.
        np.testing.assert_allclose(w[negative].sum(), np.sum(y != k))
        assert w[negative].max() > 1.0


def test_verbose_names_the_class_and_display_takes_a_label(detection, capsys):
    pytest.importorskip("matplotlib")
    X, y = detection
    clf = _mc(verbose=1, max_rounds=1).fit(X, y)
    out = capsys.readouterr().out
    assert "class 1 round 0" in out and "class 3 round 0" in out
    display = MiningDisplay.from_estimator(clf, label=2)
    assert "(class 2)" in display.estimator_name
    with pytest.raises(ValueError, match="pass label= one of"):
        MiningDisplay.from_estimator(clf)


def test_array_pool_views_keep_their_own_codes(detection):
    X, _ = detection
    scoring = Scoring("decision_function", 1)
    a, b = ArrayPool(X, scoring), ArrayPool(X, scoring)
    a.start(np.array([0]), np.empty(0, dtype=int))
    b.start(np.array([1]), np.empty(0, dtype=int))
    a.enter(np.array([5, 6]), 0)
    assert (
        b.is_outside(np.array([5, 6])).all() and not a.is_outside(np.array([5])).any()
    )


@pytest.mark.parametrize(
    "check",
    [check_classifiers_train, check_classifiers_one_label],
    ids=lambda check: check.__name__,
)
def test_scikit_learns_multiclass_classifier_checks(check):
    # The checks' data are blobs of classes 0, 1 and 2: 0 is the background.
    check("MulticlassHardNegativeMiningClassifier", _mc())
