"""scikit-learn's own estimator checks, with four kinds of wrapped estimator."""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skhnm import HardNegativeMiningClassifier, MulticlassHardNegativeMiningClassifier

# Like BaggingClassifier, mining resamples rows at random: the initial draw
# takes a row of weight 3 once, where three repeats of it are three rows to
# draw from. Weighting cannot equal repeating once the positive (rare) class
# leaves negatives out of the first working set, as it does in these checks.
_RANDOM_DRAW = "the initial negatives are a random draw of rows (as in Bagging)"
# KNeighborsClassifier's fit takes no sample_weight: the wrapper says so
# (TypeError) rather than ignore the weights.
_NO_WEIGHTS = "the wrapped KNeighborsClassifier takes no sample_weight"
_WEIGHT_CHECKS = (
    "check_sample_weights_pandas_series",
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_classifiers_one_label_sample_weights",
)


def _expected_failures(estimator):
    if isinstance(estimator.estimator, DecisionTreeClassifier):
        # A fully grown tree fits any working set's rows exactly, so its
        # predictions on them agree whatever was drawn.
        return {}
    if estimator.weighting == "case_control" and isinstance(
        estimator.estimator, LogisticRegression | Pipeline
    ):
        # The checks' pools are smaller than the default's pilot (500
        # negatives): every row is fitted, nothing is drawn.
        return {}
    failures = {
        "check_sample_weight_equivalence_on_dense_data": _RANDOM_DRAW,
        "check_sample_weight_equivalence_on_sparse_data": _RANDOM_DRAW,
    }
    if isinstance(estimator.estimator, KNeighborsClassifier):
        failures.update(dict.fromkeys(_WEIGHT_CHECKS, _NO_WEIGHTS))
    return failures


@parametrize_with_checks(
    [
        HardNegativeMiningClassifier(LogisticRegression(), random_state=0),
        HardNegativeMiningClassifier(LinearSVC(), threshold=-1.0, random_state=0),
        HardNegativeMiningClassifier(
            DecisionTreeClassifier(), response_method="predict_proba", random_state=0
        ),
        # The most common estimator users wrap: sample weights reach every
        # step that takes them, without metadata routing.
        HardNegativeMiningClassifier(
            make_pipeline(StandardScaler(), LogisticRegression()), random_state=0
        ),
        HardNegativeMiningClassifier(KNeighborsClassifier(), random_state=0),
        # Inverse-probability weights on top of the user's sample weights.
        HardNegativeMiningClassifier(
            make_pipeline(StandardScaler(), LogisticRegression()),
            weighting="inverse_probability",
            random_state=0,
        ),
        # One detector per class but the most frequent (the background).
        MulticlassHardNegativeMiningClassifier(LogisticRegression(), random_state=0),
        MulticlassHardNegativeMiningClassifier(
            DecisionTreeClassifier(), response_method="predict_proba", random_state=0
        ),
    ],
    expected_failed_checks=_expected_failures,
)
@pytest.mark.filterwarnings("ignore:ratio=.*asks for:UserWarning")
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
