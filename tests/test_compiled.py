"""Compiled scorers agree with the estimators' own methods, in every namespace."""

import warnings

import array_api_strict
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import (
    LogisticRegression,
    LogisticRegressionCV,
    Perceptron,
    RidgeClassifier,
    RidgeClassifierCV,
    SGDClassifier,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    PolynomialFeatures,
    StandardScaler,
)
from sklearn.svm import SVC, LinearSVC, NuSVC
from sklearn.tree import DecisionTreeClassifier

from skhnm import _compiled
from skhnm._compiled import Dense, compile_scorer
from skhnm._namespace import to_numpy
from skhnm._scoring import positive_scores

FAMILIES = {
    "logistic": LogisticRegression(),
    "linear_svc": LinearSVC(),
    "sgd_hinge": SGDClassifier(random_state=0),
    "sgd_log": SGDClassifier(loss="log_loss", random_state=0),
    "sgd_huber": SGDClassifier(loss="modified_huber", random_state=0),
    "ridge": RidgeClassifier(),
    "perceptron": Perceptron(random_state=0),
    "logistic_cv": LogisticRegressionCV(cv=3),
    "ridge_cv": RidgeClassifierCV(),
    "lda": LinearDiscriminantAnalysis(),
    "svc_rbf": SVC(),
    "svc_linear": SVC(kernel="linear"),
    "svc_poly": SVC(kernel="poly", degree=3, coef0=1.0),
    "svc_sigmoid": SVC(kernel="sigmoid", gamma=0.01),
    "nusvc_rbf": NuSVC(gamma=0.05),
    "mlp_relu": MLPClassifier((8, 4), max_iter=400, random_state=0),
    "mlp_tanh": MLPClassifier((6,), activation="tanh", max_iter=400, random_state=0),
    "mlp_logistic": MLPClassifier(
        (6,), activation="logistic", max_iter=400, random_state=0
    ),
    "mlp_identity": MLPClassifier(
        (5,), activation="identity", max_iter=400, random_state=0
    ),
    "std_logistic": make_pipeline(StandardScaler(), LogisticRegression()),
    "minmax_clip_svc": make_pipeline(MinMaxScaler(clip=True), SVC()),
    "maxabs_pca_whiten_lr": make_pipeline(
        MaxAbsScaler(), PCA(4, whiten=True), LogisticRegression()
    ),
    "std_pca_mlp": make_pipeline(
        StandardScaler(), PCA(5), MLPClassifier(max_iter=400, random_state=0)
    ),
    "std_minmax_poly_svc": make_pipeline(
        StandardScaler(), MinMaxScaler(), SVC(kernel="poly")
    ),
    "passthrough_pca_sgd": make_pipeline(
        "passthrough", PCA(3), SGDClassifier(random_state=0)
    ),
}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=400, n_features=8, n_informative=5, random_state=0
    )
    X[:, 0] *= 30.0  # features on different scales exercise the scalers
    X[:, 1] += 10.0
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence of the small MLPs
        return {name: clone(est).fit(X, y) for name, est in FAMILIES.items()}


def _namespaces():
    return [("numpy", np), ("array_api_strict", array_api_strict)]


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize("xp_name, xp", _namespaces())
@pytest.mark.parametrize("pos_label", [0, 1])
def test_compiled_agrees_with_the_estimator(fitted, data, name, xp_name, xp, pos_label):
    X, _ = data
    model = fitted[name]
    methods = [m for m in ("decision_function", "predict_proba") if hasattr(model, m)]
    assert methods
    for method in methods:
        scorer = compile_scorer(model, method, pos_label)
        assert scorer is not None, (name, method)
        expected = positive_scores(model, X, method, pos_label)
        got = scorer(xp.asarray(X), xp)
        assert got.dtype == xp.float64
        np.testing.assert_allclose(to_numpy(got), expected, rtol=1e-6, atol=1e-12)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_deprecated_passive_aggressive_classifier_still_compiles(data):
    linear_model = pytest.importorskip("sklearn.linear_model")
    if not hasattr(linear_model, "PassiveAggressiveClassifier"):
        pytest.skip("removed from this scikit-learn")
    X, y = data
    model = linear_model.PassiveAggressiveClassifier(random_state=0).fit(X, y)
    scorer = compile_scorer(model, "decision_function", 1)
    np.testing.assert_allclose(
        scorer(X, np), model.decision_function(X), rtol=1e-6, atol=1e-12
    )


@pytest.mark.parametrize(
    "est",
    [
        LogisticRegression(max_iter=1000),
        make_pipeline(StandardScaler(with_mean=False), LinearSVC()),
        make_pipeline(MaxAbsScaler(), SGDClassifier(loss="log_loss", random_state=0)),
    ],
    ids=["lr", "scaled_svc", "maxabs_sgd"],
)
def test_linear_heads_score_sparse_chunks(data, est):
    X, y = data
    X = np.where(np.abs(X) < 0.7, 0.0, X)
    Xs = sp.csr_matrix(X)
    model = clone(est).fit(Xs, y)
    for method in ("decision_function", "predict_proba"):
        if not hasattr(model, method):
            continue
        scorer = compile_scorer(model, method, 1)
        assert scorer.accepts_sparse
        np.testing.assert_allclose(
            scorer(Xs, np), positive_scores(model, Xs, method, 1), rtol=1e-6
        )


def test_affine_steps_fuse_into_one_product(fitted):
    scorer = compile_scorer(fitted["maxabs_pca_whiten_lr"], "decision_function", 1)
    assert len(scorer.stages) == 1 and isinstance(scorer.stages[0], Dense)
    scorer = compile_scorer(fitted["std_logistic"], "predict_proba", 1)
    assert [type(s).__name__ for s in scorer.stages] == ["Dense"]
    # A clip cannot be folded: the scaler stays in front of the kernel.
    scorer = compile_scorer(fitted["minmax_clip_svc"], "decision_function", 1)
    assert [type(s).__name__ for s in scorer.stages] == ["Affine", "Kernel"]
    assert not scorer.accepts_sparse


def test_float32_chunks_are_scored_in_float32(fitted, data):
    X, _ = data
    model = fitted["std_logistic"]
    scorer = compile_scorer(model, "decision_function", 1)
    got = scorer(X.astype(np.float32), np)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, model.decision_function(X), rtol=1e-4, atol=1e-4)
    # Integer pools are scored in float64.
    assert scorer(np.rint(X).astype(np.int64), np).dtype == np.float64


def test_kernel_blocks_bound_memory_without_changing_scores(fitted, data):
    X, _ = data
    model = fitted["svc_rbf"]
    # A chunk of several Gram blocks (each _KERNEL_BLOCK entries against
    # all support vectors), ending in a partial one.
    rows = 2 * _compiled._KERNEL_BLOCK // model.support_.size + 7
    chunk = np.resize(X, (rows, X.shape[1]))
    blocked = compile_scorer(model, "decision_function", 1)(chunk, np)
    np.testing.assert_allclose(
        blocked, model.decision_function(chunk), rtol=1e-9, atol=1e-9
    )


class SubclassedLR(LogisticRegression):
    def decision_function(self, X):
        return 2.0 * super().decision_function(X)


@pytest.mark.parametrize(
    "est, method, sparse",
    [
        (DecisionTreeClassifier(random_state=0), "predict_proba", False),
        (SVC(kernel="precomputed"), "decision_function", False),
        (SVC(kernel=lambda a, b: a @ b.T), "decision_function", False),
        (SVC(), "decision_function", True),
        (SVC(probability=True, random_state=0), "predict_proba", False),
        (SubclassedLR(), "decision_function", False),
        (
            make_pipeline(PolynomialFeatures(2), LogisticRegression()),
            "decision_function",
            False,
        ),
    ],
    ids=[
        "tree",
        "precomputed",
        "callable_kernel",
        "sparse_svc",
        "svc_proba",
        "subclass",
        "unknown_step",
    ],
)
@pytest.mark.filterwarnings("ignore::FutureWarning")  # SVC(probability=True)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_other_estimators_are_not_compiled(data, est, method, sparse):
    X, y = data
    if est.get_params().get("kernel") == "precomputed":
        X = X @ X.T
    model = clone(est).fit(sp.csr_matrix(X) if sparse else X, y)
    assert compile_scorer(model, method, 1) is None


def test_parameters_stay_on_the_host(fitted, data):
    X, _ = data
    scorer = compile_scorer(fitted["svc_rbf"], "decision_function", 1)
    scorer(array_api_strict.asarray(X), array_api_strict)
    kernel = scorer.stages[0]
    assert isinstance(kernel.support, np.ndarray)
    assert isinstance(kernel.dual, np.ndarray)
