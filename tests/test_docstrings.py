"""The Examples sections of the public docstrings run as doctests."""

import doctest

import pytest

import skhnm._classifier
import skhnm._compiled
import skhnm._mining
import skhnm._multiclass
import skhnm._plot
import skhnm._rows
import skhnm._scoring
import skhnm._selection


@pytest.mark.parametrize(
    "module",
    [
        skhnm._classifier,
        skhnm._compiled,
        skhnm._mining,
        skhnm._multiclass,
        skhnm._plot,
        skhnm._rows,
        skhnm._scoring,
        skhnm._selection,
    ],
    ids=str,
)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
