"""The face both miners share (skhnm._base): every pair of parameters."""

import itertools
import math
import warnings

import numpy as np
import pytest
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

# One value other than the default for each public parameter (two for the
# rule and the weighting), chosen so that every one changes the run on the
# small task below, whose 1,000 negatives are more than the default's pilot
# takes.
NON_DEFAULT = [
    ("estimator", LinearSVC()),
    ("ratio", 1.0),
    ("criterion", "rank"),
    ("criterion", "k_best"),
    ("threshold", -1.0),
    ("rank_quantile", 0.5),
    ("max_rounds", 2),
    ("max_hard_per_round", 5),
    ("min_hard_per_round", 1),
    ("warm_start_rounds", False),
    ("evict_threshold", -1.2),
    ("max_negatives", 40),
    ("weighting", "inverse_probability"),
    ("weighting", None),
    ("response_method", "predict_proba"),
    ("sampler", RandomUnderSampler()),
    ("validation_fraction", 0.3),
    ("n_iter_no_change", 1),
    ("scoring", "roc_auc"),
    ("tol", 0.1),
    ("pos_label", 0),
    ("random_state", 1),
    ("batch_size", 7),
    ("n_jobs", 2),
    ("device", "auto"),
    ("verbose", 1),
]
PAIRS = [
    (a, b)
    for a, b in itertools.combinations(NON_DEFAULT, 2)
    if a[0] != b[0]  # the two rules (or weightings) are not a pair
]


@pytest.fixture(scope="module")
def task():
    return make_classification(
        n_samples=1200, n_features=5, weights=[0.85], flip_y=0.02, random_state=0
    )


def test_every_public_parameter_has_a_non_default_value():
    public = set(HardNegativeMiningClassifier().get_params(deep=False))
    assert {name for name, _ in NON_DEFAULT} == public


@pytest.mark.parametrize(
    "first, second", PAIRS, ids=[f"{a[0]}={a[1]}-{b[0]}={b[1]}" for a, b in PAIRS]
)
def test_every_pair_of_parameters_fits_or_says_why(task, first, second, capsys):
    X, y = task
    params = dict([first, second])
    clf = HardNegativeMiningClassifier(**params)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            clf.fit(X, y)
        except (ValueError, TypeError) as exc:
            # A clear error names the parameter that cannot be honoured.
            assert any(name in str(exc) for name in params), str(exc)
            assert not hasattr(clf, "estimator_")
            return
    _check_stop_conditions(clf, params)


def _check_stop_conditions(clf, params):
    """What the docstring promises of a finished run."""
    history, n = clf.history_, clf.n_rounds_
    for values in history.values():
        assert len(values) == n + 1
    assert 0 <= clf.best_round_ <= n <= clf.max_rounds
    for r in range(n):  # the working set's bookkeeping
        assert history["n_negatives"][r + 1] == (
            history["n_negatives"][r]
            + history["n_added"][r]
            + history["n_random"][r]
            - history["n_evicted"][r]
        )
    cap = clf.max_hard_per_round
    if isinstance(cap, int) and clf.criterion != "k_best":
        # The case-control draw caps the negatives it keeps surely; the
        # easier ones it samples come on top.
        kept = "n_hard" if clf.weighting_ == "case_control" else "n_added"
        assert max(history[kept]) <= cap
    stop, last = clf.termination_condition_, {k: v[-1] for k, v in history.items()}
    if stop == "no_hard_negatives":
        assert last["n_hard"] == 0
    elif stop == "few_hard_negatives":
        assert clf.criterion != "k_best"
        bound = clf.min_hard_per_round
        if isinstance(bound, float):
            bound = bound * last["n_negatives"]
        assert 0 < last["n_hard"] < bound and last["n_added"] == 0
    elif stop == "max_rounds":
        assert n == clf.max_rounds
        assert last["n_hard"] > 0 or clf.weighting_ == "case_control"
    elif stop == "pool_exhausted":
        assert last["n_scored"] == 0
    elif stop == "early_stopping":
        assert clf.n_iter_no_change is not None
        assert not math.isnan(last["validation_score"])
    else:
        assert stop == "uninformative_model", stop
    if clf.n_iter_no_change is None:
        assert clf.validation_indices_.size == 0
        assert np.isnan(history["validation_score"]).all()
