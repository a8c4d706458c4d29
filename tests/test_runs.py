"""From parameters to runs and back (skhnm._runs)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skhnm import HardNegativeMiningClassifier, MulticlassHardNegativeMiningClassifier
from skhnm._runs import as_count


@pytest.mark.parametrize(
    "value, n_positives, count",
    [(None, 40, None), (7, 40, 7), (0.5, 40, 20), (1.0, 3, 3), (0.01, 40, 1)],
)
def test_an_int_is_a_count_and_a_float_a_multiple_of_the_positives(
    value, n_positives, count
):
    assert as_count(value, n_positives) == count


def test_a_binary_run_leaves_values_a_multiclass_run_dicts(imbalanced, detection):
    X, y = imbalanced
    binary = HardNegativeMiningClassifier(LogisticRegression(), random_state=0)
    binary.fit(X, y)
    assert isinstance(binary.n_rounds_, int) and isinstance(binary.threshold_, float)
    assert binary.mined_round_.shape == y.shape and binary.mined_round_.dtype == np.int8
    X, y = detection
    multi = MulticlassHardNegativeMiningClassifier(random_state=0).fit(X, y)
    for name in ("n_rounds_", "threshold_", "history_", "mined_round_"):
        value = getattr(multi, name)
        assert isinstance(value, dict) and list(value) == list(multi.estimators_)
