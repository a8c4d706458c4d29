"""Pools: where the rows live, behind the one interface the mining loop uses.

A pool holds every training row (positives, negatives that may be mined,
held-out validation rows) and one small integer code per row, its place in
the run (:mod:`skhnm._pools._codes`). Every pool answers the same calls
(:class:`Pool`): `view` (a fresh copy of the codes for one run), `rows`
(host rows to fit on), `score` (scores of a few rows), `select_jointly`
(one streaming pass over the rows outside the working sets of several views
that returns only the hard ones, cut where the scores live), `draw`
(uniform random negatives), `enter` and `evict` (update the codes),
`is_outside` and `entered_round` (the per-row record left at the end).

- :class:`~skhnm._pools._host.ArrayPool`: host containers (NumPy arrays,
  memmaps, SciPy CSR, DataFrames), scored with NumPy, or streamed chunk by
  chunk to a device namespace (CuPy) when one is asked for;
- :class:`~skhnm._pools._host.NamespacePool`: an array of another array-API
  namespace (CuPy on a GPU, ``array-api-strict`` in tests), scored and cut
  where it lives, with a copy of the codes there;
- :class:`~skhnm._pools._dask.DaskPool`: a Dask array, scored and cut on
  the workers, its codes a Dask array on the workers.

This package is the only place that knows the backends: the estimator asks
it for a pool (:func:`as_pool`), for labels it can count (:func:`labels`)
and for predictions (:func:`predict`), and never looks at an array's type.
"""

import numpy as np
from sklearn.utils.validation import column_or_1d

from .. import _namespace
from .._scoring import Scoring
from ._base import Pool, RowCache
from ._codes import code_dtype, round_dtype
from ._dask import DaskPool, is_dask_array, predict_lazily
from ._host import ArrayPool, NamespacePool

__all__ = [
    "HostLabels",
    "LazyLabels",
    "Pool",
    "RowCache",
    "Scoring",
    "as_pool",
    "code_dtype",
    "device_namespace",
    "keeps_home",
    "labels",
    "predict",
    "round_dtype",
    "select_jointly",
    "to_host",
]


def keeps_home(X):
    """Whether `X` is a pool that stays where it lives (a Dask array, or an
    array of a namespace other than NumPy): only its names and counts are
    checked, and it is never converted."""
    return is_dask_array(X) or _namespace.namespace_of(X) is not None


def as_pool(X):
    """The pool of rows `X`, by where they live; :meth:`Pool.view` makes
    one to run on.

    Raises a ValueError naming the problem for a pool that cannot be
    scored where it lives (not 2-D, not numeric, empty, unknown chunks).
    """
    if is_dask_array(X):
        return DaskPool(X)
    xp = _namespace.namespace_of(X)
    if xp is None:
        return ArrayPool(X)
    if len(X.shape) != 2:
        raise ValueError(
            f"Expected a 2-D array for X, got an array of shape {tuple(X.shape)}."
        )
    if not xp.isdtype(X.dtype, ("real floating", "integral")):
        raise ValueError(
            f"X must have a real numeric dtype to be scored; got {X.dtype}."
        )
    if X.shape[0] < 1:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
        )
    return NamespacePool(X)


def select_jointly(pools, models, cuts, progress=None):
    """One pass over the rows outside any of `pools`' working sets (views of
    one pool): :meth:`Pool.select_jointly`."""
    return pools[0].select_jointly(pools, models, cuts, progress)


def device_namespace(pool, device):
    """The namespace that scores `pool` for `device` ("cpu", "cuda",
    "auto"): None for NumPy (or where the pool lives), else CuPy's, to
    which a host pool is streamed."""
    if device == "cpu":
        return None
    if isinstance(pool, DaskPool):
        if device == "cuda":
            raise ValueError(
                "device='cuda' does not apply to a Dask pool: it is scored "
                "on its workers, on their GPUs when its blocks are CuPy "
                "arrays. Use device='cpu'."
            )
        return None
    home = pool.home if isinstance(pool, NamespacePool) else None
    cuda = _namespace.cuda_namespace()
    if device == "auto":
        return cuda if home is None else None
    if cuda is None:
        raise ValueError(
            "device='cuda' but no usable GPU was found: CuPy is not "
            "installed (pip install '.[gpu]' from a checkout) or finds no CUDA "
            "device. "
            "Use device='auto' to fall back to the CPU."
        )
    if home is not None and home is not cuda and not _namespace.is_cuda(home):
        raise ValueError(
            "device='cuda' scores a host pool (NumPy, SciPy sparse, "
            "DataFrame) or a CuPy array; X is an array of the "
            f"{home.__name__} namespace."
        )
    return cuda


def to_host(a):
    """`a` (a Dask array, an array of any namespace, or None) as NumPy."""
    if is_dask_array(a):
        a = a.compute()
    if a is None or isinstance(a, np.ndarray):
        return a  # nothing crosses
    return _namespace.to_numpy(a)


class LazyLabels:
    """Labels that stay on a Dask cluster: reductions run there."""

    def __init__(self, y):
        self.y = y
        self.shape = y.shape

    def classes(self):
        """The classes and their counts."""
        import dask.array as da

        classes, counts = da.unique(self.y, return_counts=True)
        return tuple(np.asarray(a) for a in da.compute(classes, counts))

    def rows_of(self, label):
        import dask.array as da

        rows = da.flatnonzero(self.y == label).compute()
        return np.asarray(rows, dtype=np.intp)

    def take(self, rows):
        return np.asarray(self.y[rows].compute())


class HostLabels:
    """Labels in host memory."""

    def __init__(self, y):
        self.y = y
        self.shape = y.shape

    def classes(self):
        return np.unique(self.y, return_counts=True)

    def rows_of(self, label):
        return np.flatnonzero(self.y == label)

    def take(self, rows):
        return self.y[rows]


def labels(y):
    """`y` behind the calls the estimator makes of it: `classes` (and
    their counts), `rows_of` a class, `take` some rows. A Dask `y` stays on
    its cluster; any other is copied to host memory once, if it is not
    there. A 2-D column becomes 1-D (with scikit-learn's warning on the
    host)."""
    if not is_dask_array(y):
        return HostLabels(column_or_1d(to_host(y), warn=True))
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape}.")
    return LazyLabels(y)


def predict(predictor, method, X, params, n_features, classes, on_host):
    """`predictor.method(X, **params)`: lazily, block by block, for a Dask
    `X`; else ``on_host(X)`` with `X` on the host (a device array is copied
    there: the fitted model lives on the host)."""
    if is_dask_array(X):
        if params:
            raise TypeError("Dask arrays take no prediction parameters.")
        if X.ndim != 2 or X.shape[1] != n_features:
            raise ValueError(
                f"X has shape {X.shape}, but the estimator is expecting "
                f"{n_features} features as input."
            )
        return predict_lazily(predictor, method, X, classes)
    if _namespace.namespace_of(X) is not None:
        X = _namespace.to_numpy(X)
    return on_host(X)
