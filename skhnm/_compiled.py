"""Compiled hardness scorers: a fitted model rewritten as array math.

:func:`compile_scorer` turns a fitted estimator whose prediction is matrix
products and elementwise functions into a :class:`CompiledScorer`: a short
list of stages (elementwise affine maps, dense layers, an SVM kernel
expansion) and an output link. The same code then runs in any array-API
namespace: NumPy on the CPU, CuPy on a GPU, ``array-api-strict`` in tests.
Parameters are kept as host NumPy arrays and copied to a namespace and dtype
on first use, so nothing fitted ever holds device memory.

Consecutive affine stages are fused on the host (a scaler or PCA in front of
a linear model becomes one ``x @ w + b``), which keeps a linear pass a single
read of the pool. Estimators outside the families below get ``None`` and are
scored by their own method.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import block_diag
from sklearn import linear_model
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
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC, NuSVC

from ._namespace import device_of
from ._steps import steps_of

# Exact types only: a subclass may override the prediction it inherits.
_LINEAR = (
    LogisticRegression,
    LogisticRegressionCV,
    LinearSVC,
    SGDClassifier,
    RidgeClassifier,
    RidgeClassifierCV,
    Perceptron,
    LinearDiscriminantAnalysis,
    # Deprecated in scikit-learn 1.8, gone in 1.10.
    *[
        getattr(linear_model, n)
        for n in ("PassiveAggressiveClassifier",)
        if hasattr(linear_model, n)
    ],
)
_LOGISTIC_PROBA = (LogisticRegression, LogisticRegressionCV, LinearDiscriminantAnalysis)
_KERNELS = ("linear", "rbf", "poly", "sigmoid")
_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
# Elements of one kernel block (rows x support vectors): bounds its memory
# whatever the chunk size (2**21 float64 values is 16 MiB). A GPU wants
# fewer, larger launches (2**25 values is 256 MiB).
_KERNEL_BLOCK = 2**21
_DEVICE_KERNEL_BLOCK = 2**25


@dataclass(frozen=True)
class Affine:
    """Per feature ``x * scale + shift`` (a scaler), then an optional clip."""

    scale: np.ndarray
    shift: np.ndarray
    clip: tuple | None = None


@dataclass(frozen=True)
class Dense:
    """``activation(x @ weight + bias)``: a linear model, PCA or MLP layer."""

    weight: np.ndarray
    bias: np.ndarray
    activation: str = "identity"


@dataclass(frozen=True)
class Kernel:
    """An SVM: ``kernel(x, support) @ dual + intercept``.

    `dual` and `intercept` have one column per model when several SVMs share
    the expansion (:func:`stack_scorers`).
    """

    kind: str
    support: np.ndarray
    dual: np.ndarray
    intercept: float | np.ndarray
    gamma: float
    coef0: float
    degree: int


def _preprocessing_stage(step):
    """The stage computing a fitted scaler or PCA, or None if not supported."""
    kind = type(step)
    if kind is StandardScaler:
        n = step.n_features_in_
        # mean_ is fitted even with with_mean=False, but then not subtracted.
        scale = 1.0 / step.scale_ if step.with_std else np.ones(n)
        mean = step.mean_ if step.with_mean else np.zeros(n)
        return Affine(scale, -mean * scale)
    if kind is MinMaxScaler:
        clip = tuple(step.feature_range) if step.clip else None
        return Affine(step.scale_, step.min_, clip)
    if kind is MaxAbsScaler:
        return Affine(1.0 / step.scale_, np.zeros(step.n_features_in_))
    if kind is PCA:
        weight = step.components_.T
        if step.whiten:
            weight = weight / np.sqrt(step.explained_variance_)
        return Dense(weight, -step.mean_ @ weight)
    return None


def _head_stages(est, response_method):
    """Stages and output link of a final estimator, or None if not supported.

    The stages compute the decision value towards ``classes_[1]``; the link
    maps it to the response ("identity" for decision_function, or the
    probability of ``classes_[1]``).
    """
    kind = type(est)
    if kind in _LINEAR:
        if sp.issparse(est.coef_):
            return None
        # RidgeClassifier keeps a binary coef_ 1-D, the others as one row.
        coef = np.asarray(est.coef_, dtype=np.float64).reshape(-1, 1)
        if coef.shape[0] != est.n_features_in_:
            return None
        stages = [Dense(coef, np.atleast_1d(np.asarray(est.intercept_, float)))]
        if response_method == "decision_function":
            return stages, "identity"
        if kind in _LOGISTIC_PROBA:
            return stages, "logistic"
        if kind is SGDClassifier and est.loss == "log_loss":
            return stages, "logistic"
        if kind is SGDClassifier and est.loss == "modified_huber":
            return stages, "modified_huber"
        return None
    if kind in (SVC, NuSVC):
        if (
            response_method != "decision_function"
            or est.kernel not in _KERNELS
            or getattr(est, "_sparse", False)
            or est.dual_coef_.shape[0] != 1
        ):
            return None
        kernel = Kernel(
            kind=est.kernel,
            support=np.asarray(est.support_vectors_, dtype=np.float64),
            dual=np.asarray(est.dual_coef_[0], dtype=np.float64),
            intercept=float(est.intercept_[0]),
            gamma=float(est._gamma),
            coef0=float(est.coef0),
            degree=int(est.degree),
        )
        return [kernel], "identity"
    if kind is MLPClassifier:
        if est.out_activation_ != "logistic" or est.activation not in _ACTIVATIONS:
            return None
        last = len(est.coefs_) - 1
        stages = [
            Dense(
                np.asarray(w, dtype=np.float64),
                np.asarray(b, dtype=np.float64),
                "identity" if i == last else est.activation,
            )
            for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True))
        ]
        return stages, "logistic"
    return None


def _fuse(stages):
    """Fold affine stages into the dense stage after them (exact algebra)."""
    out = []
    for stage in stages:
        prev = out[-1] if out else None
        if isinstance(stage, Dense) and isinstance(prev, Affine) and not prev.clip:
            out[-1] = Dense(
                prev.scale[:, None] * stage.weight,
                prev.shift @ stage.weight + stage.bias,
                stage.activation,
            )
        elif (
            isinstance(stage, Dense)
            and isinstance(prev, Dense)
            and prev.activation == "identity"
        ):
            out[-1] = Dense(
                prev.weight @ stage.weight,
                prev.bias @ stage.weight + stage.bias,
                stage.activation,
            )
        elif isinstance(stage, Affine) and isinstance(prev, Affine) and not prev.clip:
            out[-1] = Affine(
                prev.scale * stage.scale,
                prev.shift * stage.scale + stage.shift,
                stage.clip,
            )
        else:
            out.append(stage)
    return out


def compile_scorer(estimator, response_method, pos_label):
    """Compile a fitted binary classifier's hardness score, if it is array math.

    Parameters
    ----------
    estimator : fitted estimator
        A linear classifier, SVC/NuSVC (linear, rbf, poly or sigmoid kernel),
        MLPClassifier, or a Pipeline of StandardScaler, MinMaxScaler,
        MaxAbsScaler and PCA steps ending in one of them.
    response_method : {"decision_function", "predict_proba"}
    pos_label : object
        The positive class.

    Returns
    -------
    scorer : CompiledScorer or None
        None when the estimator is not one of the supported families.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> model = make_pipeline(StandardScaler(), SVC()).fit(X, y)
    >>> scorer = compile_scorer(model, "decision_function", pos_label=1)
    >>> scorer
    CompiledScorer([Affine, Kernel], link='identity')
    >>> bool(np.allclose(scorer(X, np), model.decision_function(X)))
    True
    """
    final, leading = estimator, []
    if type(estimator) is Pipeline:
        *steps, (_, final) = steps_of(estimator)
        for _, step in steps:
            stage = _preprocessing_stage(step)
            if stage is None:
                return None
            leading.append(stage)
    head = _head_stages(final, response_method)
    if head is None:
        return None
    stages, link = head
    classes = final.classes_
    if len(classes) != 2:
        return None
    flip = bool(pos_label != classes[1])
    return CompiledScorer(_fuse(leading + stages), link, flip)


def stack_scorers(scorers):
    """One compiled scorer giving every scorer's score as a column, if it can.

    Linear scorers (one dense stage after fusion: linear models, also behind
    scalers and PCA) stack their weights into one ``x @ W + b``; MLPs of one
    shape stack their first layers side by side (one product reads the
    pool) and their later layers block-diagonally; SVMs with the same kernel
    and no preprocessing share one kernel expansion over the union of their
    support vectors (detectors trained on one background share many).
    Returns None for anything else (mixed families, preprocessing in front
    of a kernel), to be scored one model at a time.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.RandomState(0).normal(size=(60, 3))
    >>> models = [LogisticRegression().fit(X, X[:, j] > 0) for j in range(3)]
    >>> scorers = [compile_scorer(m, "decision_function", True) for m in models]
    >>> stacked = stack_scorers(scorers)
    >>> bool(np.allclose(stacked(X, np)[:, 2], models[2].decision_function(X)))
    True
    """
    first = scorers[0]
    if any(s.link != first.link or s.flip != first.flip for s in scorers):
        return None
    stages = [s.stages for s in scorers]
    depth = len(stages[0])
    if all(
        len(st) == depth
        and all(isinstance(layer, Dense) for layer in st)
        and [layer.activation for layer in st]
        == [layer.activation for layer in stages[0]]
        for st in stages
    ):
        # Dense layers all the way (linear models; MLPs of one depth): the
        # first layers, which read the pool, side by side; the later ones
        # block-diagonal, each model's units feeding only its own.
        layers = []
        for i in range(depth):
            parts = [st[i] for st in stages]
            if i == 0:
                weight = np.hstack([layer.weight for layer in parts])
            else:
                weight = block_diag(*[layer.weight for layer in parts])
            bias = np.concatenate([layer.bias for layer in parts])
            layers.append(Dense(weight, bias, parts[0].activation))
        if layers[-1].weight.shape[1] != len(scorers):
            return None
        return CompiledScorer(layers, first.link, first.flip)
    if all(len(st) == 1 and isinstance(st[0], Kernel) for st in stages):
        kernels = [st[0] for st in stages]
        shape = {(k.kind, k.gamma, k.coef0, k.degree) for k in kernels}
        if len(shape) != 1:
            return None
        support, where = np.unique(
            np.vstack([k.support for k in kernels]), axis=0, return_inverse=True
        )
        dual = np.zeros((support.shape[0], len(kernels)))
        start = 0
        for j, k in enumerate(kernels):
            stop = start + k.support.shape[0]
            np.add.at(dual[:, j], where.ravel()[start:stop], k.dual)
            start = stop
        intercept = np.array([k.intercept for k in kernels])
        first_kernel = kernels[0]
        kernel = Kernel(
            first_kernel.kind,
            support,
            dual,
            intercept,
            first_kernel.gamma,
            first_kernel.coef0,
            first_kernel.degree,
        )
        return CompiledScorer([kernel], first.link, first.flip)
    return None


class CompiledScorer:
    """A compiled hardness score: call it on a 2-D chunk of the pool.

    The result is a 1-D array in the chunk's namespace (a NumPy array for a
    SciPy sparse chunk), computed in the chunk's floating dtype.
    """

    def __init__(self, stages, link, flip):
        self.stages = stages
        self.link = link
        self.flip = flip
        self._bound = {}

    def __repr__(self):
        names = ", ".join(type(s).__name__ for s in self.stages)
        return f"CompiledScorer([{names}], link={self.link!r})"

    @property
    def elementwise_bound(self):
        """Its cost is elementwise work (a kernel), which threads can share."""
        return any(isinstance(s, Kernel) for s in self.stages)

    @property
    def accepts_sparse(self):
        """A SciPy sparse chunk can go through the first stage as a product."""
        return isinstance(self.stages[0], Dense)

    def _params(self, xp, device, dtype):
        """The stages' arrays in namespace `xp`, cached per (xp, device, dtype)."""
        key = (xp.__name__, device if device is None else str(device), dtype)
        if key not in self._bound:

            def put(a):
                return xp.asarray(np.asarray(a), dtype=dtype, device=device)

            bound = []
            for s in self.stages:
                if isinstance(s, Affine):
                    bound.append((put(s.scale), put(s.shift)))
                elif isinstance(s, Dense):
                    w = s.weight[:, 0] if s.weight.shape[1] == 1 else s.weight
                    bound.append((put(w), put(s.bias)))
                else:
                    sv = put(s.support)
                    norms = xp.sum(sv * sv, axis=1)
                    bound.append((sv, put(s.dual), norms, put(s.intercept)))
            self._bound[key] = bound
        return self._bound[key]

    def __call__(self, chunk, xp):
        """Scores of the rows of `chunk` (higher is more positive-looking)."""
        if sp.issparse(chunk):
            if not self.accepts_sparse:
                raise TypeError(f"{self!r} cannot score a sparse chunk.")
            dtype = chunk.dtype if chunk.dtype.kind == "f" else np.float64
            params = self._params(np, None, dtype)
            w, b = params[0]
            x = np.asarray(chunk @ w) + b
            x = _activate(np, x, self.stages[0].activation)
            return self._finish(np, x, 1, params)
        dtype = chunk.dtype
        if not xp.isdtype(dtype, "real floating"):
            dtype = xp.float64
            chunk = xp.astype(chunk, dtype)
        params = self._params(xp, device_of(chunk), dtype)
        return self._finish(xp, chunk, 0, params)

    def by_model(self, chunk, xp, scratch=None):
        """Scores as (n_models, n_rows): a contiguous row per model.

        For a stacked scorer (:func:`stack_scorers`). A dense NumPy linear
        stack writes its product into `scratch`'s reused arrays: a fresh
        (rows x models) array a chunk costs page faults that outweigh the
        product itself. The result may live in `scratch`: read it before
        the next call.
        """
        stage = self.stages[0]
        if (
            scratch is not None
            and xp is np
            and isinstance(chunk, np.ndarray)
            and chunk.dtype.kind == "f"
            and len(self.stages) == 1
            and isinstance(stage, Dense)
            and stage.weight.shape[1] > 1
        ):
            w, b = self._params(np, None, chunk.dtype)[0]
            product, out = scratch.arrays(chunk.shape[0], w.shape[1], chunk.dtype)
            np.matmul(chunk, w, out=product)
            np.add(product.T, b[:, None], out=out)
            return self._respond(np, out)
        scores = self(chunk, xp)  # (n_rows, n_models): a stack has several
        if xp is np:  # sparse chunks are scored with NumPy too
            return np.ascontiguousarray(scores.T)
        return xp.matrix_transpose(scores)

    def _finish(self, xp, x, start, params):
        for stage, p in zip(self.stages[start:], params[start:], strict=True):
            if isinstance(stage, Affine):
                x = x * p[0] + p[1]
                if stage.clip is not None:
                    x = xp.clip(x, *stage.clip)
            elif isinstance(stage, Dense):
                x = x @ p[0]
                x += p[1]  # in place: the product is a new array
                x = _activate(xp, x, stage.activation)
            else:
                x = _kernel_expansion(xp, x, stage, *p)
        return self._respond(xp, x)

    def _respond(self, xp, decision):
        if self.link == "identity":
            return -decision if self.flip else decision
        if self.link == "logistic":
            proba = _expit(xp, decision)
        else:  # modified_huber
            proba = (xp.clip(decision, -1.0, 1.0) + 1.0) / 2.0
        return 1.0 - proba if self.flip else proba


class Scratch:
    """Reused (rows x models) and (models x rows) arrays of one pass."""

    def __init__(self):
        self._held = {}

    def arrays(self, n, k, dtype):
        key = (k, np.dtype(dtype))
        held = self._held.get(key)
        if held is None or held[0].shape[0] < n:
            held = (np.empty((n, k), dtype), np.empty((k, n), dtype))
            self._held[key] = held
        return held[0][:n], held[1][:, :n]


def _expit(xp, x):
    # Never overflows: exp of a non-positive number.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _activate(xp, x, name):
    if name == "identity":
        return x
    # In place: x is always a fresh product.
    if name == "relu":
        return _inplace(xp, "maximum", x, 0.0)
    if name == "tanh":
        return _inplace(xp, "tanh", x)
    return _expit(xp, x)


def _kernel_expansion(xp, x, k, support, dual, support_sq, intercept):
    """``kernel(x, support) @ dual + intercept``, a bounded block at a time.

    The Gram block is updated in place: it is the pass's largest temporary,
    and its elementwise work (exp for rbf) costs more than its product.
    """
    limit = _KERNEL_BLOCK if xp is np else _DEVICE_KERNEL_BLOCK
    step = max(1, limit // max(1, support.shape[0]))
    parts = []
    n = x.shape[0]
    for start in range(0, n, step):
        block = x[start : min(start + step, n), ...]
        gram = block @ xp.matrix_transpose(support)
        if k.kind == "rbf":
            # ||x - s||^2 = ||x||^2 + ||s||^2 - 2 x.s, clipped at 0 (rounding).
            gram *= -2.0
            gram += xp.reshape(xp.sum(block * block, axis=1), (-1, 1))
            gram += support_sq
            gram = _inplace(xp, "maximum", gram, 0.0)
            gram *= -k.gamma
            gram = _inplace(xp, "exp", gram)
        elif k.kind in ("poly", "sigmoid"):
            gram *= k.gamma
            gram += k.coef0
            if k.kind == "poly":
                gram = _inplace(xp, "pow", gram, k.degree)
            else:
                gram = _inplace(xp, "tanh", gram)
        part = gram @ dual
        part += intercept
        parts.append(part)
    return parts[0] if len(parts) == 1 else xp.concat(parts)


def _inplace(xp, name, x, *args):
    """``xp.name(x, *args)``, written into `x` when the namespace allows it."""
    if xp is np:
        return getattr(np, "power" if name == "pow" else name)(x, *args, out=x)
    return getattr(xp, name)(x, *args)
