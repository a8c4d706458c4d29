"""skhnm's warnings and the record that shows some once per place."""

import warnings

import numpy as np
from sklearn.model_selection import cross_val_score

from skhnm import HardNegativeMiningClassifier, PoolTooSmallWarning
from skhnm.exceptions import repeats


def _recorded(message):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.warn(message, PoolTooSmallWarning, stacklevel=1)
    return seen[0]


def test_a_place_repeats_unless_a_filter_says_always():
    shown = _recorded("a message no other test uses")
    assert not repeats(shown)  # the first time
    assert repeats(shown)
    with warnings.catch_warnings():
        warnings.simplefilter("always", PoolTooSmallWarning)
        assert not repeats(shown)
    # Another text, or another place, is new.
    assert not repeats(_recorded("another message no other test uses"))


def test_the_ratio_warning_shows_once_across_folds(imbalanced):
    X, y = imbalanced
    keep = np.r_[np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:150]]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")  # Python's own: once per place
        cross_val_score(
            HardNegativeMiningClassifier(random_state=0), X[keep], y[keep], cv=3
        )
    said = [w for w in record if "asks for more initial negatives" in str(w.message)]
    assert len(said) == 1
    assert issubclass(said[0].category, PoolTooSmallWarning)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", PoolTooSmallWarning)  # every time
        cross_val_score(
            HardNegativeMiningClassifier(random_state=0), X[keep], y[keep], cv=3
        )
    assert len(record) == 3
