"""Where a pool lives: host containers, array-API namespaces and CuPy.

Host pools (NumPy arrays and memmaps, SciPy sparse matrices, DataFrames) are
read with NumPy. A pool given as another array-API array (CuPy on a GPU,
``array-api-strict`` in tests) stays in its namespace; :func:`to_numpy` is
the one place where arrays leave it, so tests can watch what crosses.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.externals.array_api_compat import array_namespace, is_cupy_namespace
from sklearn.utils import _safe_indexing


def namespace_of(X):
    """The array-API namespace of a non-NumPy array `X`, else None."""
    if isinstance(X, np.ndarray) or sp.issparse(X) or not hasattr(X, "shape"):
        return None
    if not hasattr(X, "__array_namespace__") and "cupy" not in type(X).__module__:
        return None
    return array_namespace(X)


def to_numpy(a):
    """`a` as a host NumPy array (an explicit copy off a device)."""
    if isinstance(a, np.ndarray):
        return a
    if "cupy" in type(a).__module__:
        return a.get()
    try:
        return np.from_dlpack(a)
    except (TypeError, RuntimeError, BufferError, AttributeError):
        return np.asarray(a)


def device_of(a):
    """The device of an array-API array (None for NumPy and others)."""
    return getattr(a, "device", None)


def take(xp, X, rows):
    """`X[rows]` for an array `X` of namespace `xp`, staying in that namespace.

    `rows` may be host indices (copied in) or indices already in `xp`.
    """
    if namespace_of(rows) is None:
        rows = xp.asarray(np.asarray(rows, dtype=np.int64), device=X.device)
    return xp.take(X, rows, axis=0)


def rows_to_host(X, rows):
    """`X[rows]` on the host, to fit on: rows of a namespace array are copied
    out of it."""
    xp = namespace_of(X)
    if xp is None:
        return _safe_indexing(X, rows)
    return to_numpy(take(xp, X, rows))


def cuda_namespace():
    """The CuPy namespace when CuPy finds a GPU, else None."""
    try:
        import cupy
    except ImportError:
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
    except Exception:  # CUDA driver missing or broken: no usable GPU.
        return None
    return array_namespace(cupy.empty(0))


def free_device_bytes(xp):
    """Bytes free on the current CuPy device (its memory pool's included);
    None elsewhere."""
    if not is_cuda(xp):
        return None
    import cupy

    free, _ = cupy.cuda.runtime.memGetInfo()
    return int(free + cupy.get_default_memory_pool().free_bytes())


def is_cuda(xp):
    return xp is not None and is_cupy_namespace(xp)


def pick(mask, at):
    """`mask[at]` for a NumPy or any array-API mask."""
    if isinstance(mask, np.ndarray):
        return mask[at]
    return namespace_of(mask).take(mask, at)


def count_nonzero(mask):
    """How many of a NumPy or array-API mask are true, as an int."""
    if isinstance(mask, np.ndarray):
        return int(np.count_nonzero(mask))
    return int(namespace_of(mask).count_nonzero(mask))


def flat_nonzero(mask):
    """Where a NumPy or array-API mask is true, in its namespace."""
    if isinstance(mask, np.ndarray):
        return np.flatnonzero(mask)
    return namespace_of(mask).nonzero(mask)[0]
