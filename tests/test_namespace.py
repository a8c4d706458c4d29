"""Where a pool lives (skhnm._namespace): host containers and array APIs."""

import array_api_strict
import numpy as np
import scipy.sparse as sp

from skhnm._namespace import namespace_of, rows_to_host, take, to_numpy


def test_host_containers_have_no_namespace_and_others_theirs():
    X = np.arange(12.0).reshape(6, 2)
    assert namespace_of(X) is None and namespace_of(sp.csr_matrix(X)) is None
    assert namespace_of([[1.0, 2.0]]) is None
    xp = namespace_of(array_api_strict.asarray(X))
    assert xp is not None and xp.__name__.startswith("array_api_strict")


def test_rows_leave_a_namespace_only_as_numpy_copies():
    X = np.arange(12.0).reshape(6, 2)
    strict = array_api_strict.asarray(X)
    xp = namespace_of(strict)
    rows = np.array([4, 1])
    inside = take(xp, strict, rows)
    assert namespace_of(inside) is xp  # still in the namespace
    np.testing.assert_array_equal(to_numpy(inside), X[rows])
    host = rows_to_host(strict, rows)
    assert isinstance(host, np.ndarray)
    np.testing.assert_array_equal(host, X[rows])
    np.testing.assert_array_equal(
        rows_to_host(sp.csr_matrix(X), rows).toarray(), X[rows]
    )


def test_to_numpy_keeps_numpy_arrays_as_they_are():
    X = np.arange(4.0)
    assert to_numpy(X) is X
    copied = to_numpy(array_api_strict.asarray(X))
    assert isinstance(copied, np.ndarray)
    np.testing.assert_array_equal(copied, X)
