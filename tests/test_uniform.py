"""One uniform number per row (skhnm._uniform): the same wherever it is
computed, and uniform."""

import numpy as np
import pytest

from skhnm._uniform import row_uniforms, shifted_key, stream_key


def test_a_rows_number_depends_on_the_seed_and_its_index_alone():
    key = stream_key(7)
    rows = np.arange(10_000)
    whole = row_uniforms(rows, key)
    # In pieces, in another order, or as another integer type: the same.
    pieces = np.concatenate(
        [row_uniforms(rows[i : i + 333], key) for i in range(0, 10_000, 333)]
    )
    np.testing.assert_array_equal(pieces, whole)
    shuffled = np.random.default_rng(0).permutation(rows)
    np.testing.assert_array_equal(row_uniforms(shuffled, key), whole[shuffled])
    np.testing.assert_array_equal(row_uniforms(rows.astype(np.int32), key), whole)
    # Another seed, other numbers.
    assert np.mean(row_uniforms(rows, stream_key(8)) == whole) < 0.001


def test_the_numbers_are_the_same_in_an_array_api_namespace():
    xp = pytest.importorskip("array_api_strict")
    key = stream_key(3)
    rows = np.arange(0, 5_000_000, 997)
    got = row_uniforms(xp.asarray(rows), key, xp)
    np.testing.assert_array_equal(np.asarray(got), row_uniforms(rows, key))


def test_the_numbers_are_uniform_and_independent_of_their_neighbours():
    u = row_uniforms(np.arange(200_000), stream_key(0))
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.bincount((u * 20).astype(int), minlength=20)
    expected = u.size / 20
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 50.0  # 19 degrees of freedom: p < 1e-4 beyond this
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


@pytest.mark.parametrize("offset", [0, 1, 4000, 2**40 + 7])
def test_a_block_numbered_from_zero_draws_the_pools_numbers(offset):
    key = stream_key(11)
    rows = np.arange(1000)
    np.testing.assert_array_equal(
        row_uniforms(rows, shifted_key(key, offset)), row_uniforms(rows + offset, key)
    )
