"""Host containers that reach the wrapped estimator as they are.

A DataFrame (pandas, polars, or pyarrow's Table) keeps its columns and
dtypes, so a ``ColumnTransformer`` can select them by name. A 1-D pool (a
list of documents, a 1-D array or Series) keeps its rows as the wrapped
estimator's first step reads them (a ``TfidfVectorizer``, a
``DictVectorizer``). skhnm only counts, slices and indexes their rows; the
estimator decides what it can fit on.
"""

import sys

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

ONE_DIMENSIONAL_HELP = (
    "skhnm gave X to the wrapped estimator as it came, a 1-D pool of "
    "documents or records, and the estimator's fit could not read it: its "
    "first step must turn them into features. Put the vectorizer inside the "
    "wrapped estimator, HardNegativeMiningClassifier(make_pipeline("
    "TfidfVectorizer(), LogisticRegression())), or vectorize before mining, "
    "make_pipeline(TfidfVectorizer(), HardNegativeMiningClassifier("
    "LogisticRegression()))."
)


def is_dataframe(X):
    """Whether `X` is a pandas, polars or pyarrow table of rows."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        return True
    pl, pa = sys.modules.get("polars"), sys.modules.get("pyarrow")
    return (pl is not None and isinstance(X, pl.DataFrame)) or (
        pa is not None and isinstance(X, (pa.Table, pa.RecordBatch))
    )


def is_one_dimensional(X):
    """Whether `X` is a 1-D pool of documents or records: a 1-D array or
    Series of strings or objects, or a list or tuple of them. A 1-D pool of
    numbers is not one: it gets scikit-learn's "Expected 2D array" error."""
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and isinstance(X[0], (str, bytes, dict))
    shape, dtype = getattr(X, "shape", None), getattr(X, "dtype", None)
    if shape is None or len(shape) != 1 or dtype is None:
        return False
    if hasattr(dtype, "is_numeric"):  # polars
        return not dtype.is_numeric() and not dtype.is_(sys.modules["polars"].Boolean)
    return getattr(dtype, "kind", None) in ("O", "S", "U", "T")


def passes_through(X):
    """Whether the wrapped estimator gets `X`'s own rows (a DataFrame or a
    1-D pool), rather than a checked NumPy array or CSR matrix."""
    return is_dataframe(X) or is_one_dimensional(X)


def n_rows(X):
    return _num_samples(X)


def row_slice(X, lo, hi):
    """Rows ``lo:hi`` of `X`, a view where the container has one."""
    if hasattr(X, "iloc"):
        return X.iloc[lo:hi]
    if hasattr(X, "slice") and hasattr(X, "num_rows"):  # pyarrow
        return X.slice(lo, hi - lo)
    return X[lo:hi]


def take(X, rows):
    """Rows `rows` of `X`, in `X`'s own kind of container."""
    if isinstance(X, tuple):
        X = list(X)
    return _safe_indexing(X, rows)


def numeric_dtype(X):
    """The float dtype a compiled scorer reads a DataFrame of plain numeric
    columns in, else None (the estimator's own method reads it)."""
    if hasattr(X, "iloc"):
        dtypes = list(X.dtypes)
        if not all(isinstance(d, np.dtype) and d.kind in "fiu" for d in dtypes):
            return None
    elif is_dataframe(X):
        dtypes = [np.asarray(to_numpy(row_slice(X, 0, 1))).dtype]
        if dtypes[0].kind not in "fiu":
            return None
    else:
        return None
    dtype = np.result_type(*dtypes)
    return dtype if dtype.kind == "f" else np.float64


def to_numpy(block, dtype=None):
    """A DataFrame chunk as a 2-D NumPy array, in `dtype` when given."""
    if hasattr(block, "iloc"):
        return block.to_numpy(dtype=dtype)
    if hasattr(block, "num_rows"):  # pyarrow: one column at a time
        columns = [np.asarray(column) for column in block.columns]
        out = np.column_stack(columns) if columns else np.empty((block.num_rows, 0))
    else:  # polars
        out = block.to_numpy()
    return out if dtype is None else out.astype(dtype, copy=False)
