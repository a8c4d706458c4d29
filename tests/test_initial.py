"""The first working set's negatives (skhnm._initial): the ratio, samplers,
and a pool too small for it."""

from functools import partial

import numpy as np
import pytest
from imblearn.under_sampling import (
    NearMiss,
    RandomUnderSampler,
    TomekLinks,
)

from skhnm import HardNegativeMiningClassifier

# The seed papers' rounds (weighting=None), whose mechanics these tests
# check; the case-control default is tested in test_case_control.py.
Bootstrap = partial(HardNegativeMiningClassifier, weighting=None)


@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.5, 3.0, 7.0])
def test_initial_ratio_is_exact(imbalanced, ratio):
    X, y = imbalanced
    clf = Bootstrap(ratio=ratio, max_rounds=0, random_state=0)
    clf.fit(X, y)
    n_pos = int(y.sum())
    assert clf.negative_indices_.size == round(ratio * n_pos)
    assert clf.history_["n_negatives"] == [round(ratio * n_pos)]
    assert np.all(y[clf.negative_indices_] == 0)
    assert np.all(clf.mined_round_[clf.negative_indices_] == 0)
    assert np.all(clf.mined_round_[y == 1] == 0)
    assert clf.termination_condition_ in ("max_rounds", "no_hard_negatives")


def test_pool_exhausted_warns_and_uses_every_negative(imbalanced):
    X, y = imbalanced
    keep = np.concatenate([np.flatnonzero(y == 1), np.flatnonzero(y == 0)[:100]])
    clf = HardNegativeMiningClassifier(random_state=0)
    with pytest.warns(
        UserWarning, match=r"ratio=3.0 asks for more initial negatives"
    ) as record:
        clf.fit(X[keep], y[keep])
    assert record[0].filename == __file__  # points at the caller's line
    assert clf.termination_condition_ == "pool_exhausted"
    assert clf.negative_indices_.size == 100


def test_nearmiss_sampler_honours_ratio(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(sampler=NearMiss(), ratio=2.0, max_rounds=0)
    clf.fit(X, y)
    assert clf.negative_indices_.size == 2 * y.sum()
    expected = NearMiss(sampling_strategy={0: int(2 * y.sum())})
    expected.fit_resample(X, y)
    chosen = expected.sample_indices_
    np.testing.assert_array_equal(
        clf.negative_indices_, np.sort(chosen[y[chosen] == 0])
    )


def test_cleaning_sampler_proposes_and_ratio_caps(imbalanced):
    X, y = imbalanced
    clf = Bootstrap(sampler=TomekLinks(), max_rounds=0, random_state=0)
    clf.fit(X, y)
    assert clf.negative_indices_.size == round(3 * y.sum())
    tomek = TomekLinks().fit(X, y)
    tomek.fit_resample(X, y)
    assert np.all(np.isin(clf.negative_indices_, tomek.sample_indices_))


class _Recording(RandomUnderSampler):
    """RandomUnderSampler that records the rows it kept (its clones too)."""

    kept = []

    def fit_resample(self, X, y, **params):
        out = super().fit_resample(X, y, **params)
        _Recording.kept.append(self.sample_indices_[y[self.sample_indices_] == 0])
        return out


def test_default_sampler_matches_random_under_sampler_size(imbalanced):
    X, y = imbalanced
    _Recording.kept.clear()
    clf = Bootstrap(sampler=_Recording(), max_rounds=0)
    clf.fit(X, y)
    assert clf.negative_indices_.size == 3 * y.sum()
    # The first negatives are the sampler's choice (every row is a training
    # row here, so its indices are rows of X).
    (kept,) = _Recording.kept
    np.testing.assert_array_equal(clf.negative_indices_, np.sort(kept))


def test_sampler_without_sample_indices_is_refused(imbalanced):
    X, y = imbalanced
    with pytest.raises(TypeError, match="does not expose sample_indices_"):
        HardNegativeMiningClassifier(sampler=NoIndices(), ratio=0.5).fit(X, y)


class NoIndices(RandomUnderSampler):
    """An under-sampler that does not say which rows it kept."""

    def fit_resample(self, X, y, **params):
        out = super().fit_resample(X, y, **params)
        del self.sample_indices_
        return out


def test_max_negatives_below_the_first_draw_warns_naming_both(imbalanced):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(max_negatives=5, ratio=3.0, random_state=0)
    with pytest.warns(UserWarning, match=r"max_negatives=5 is below .* ratio=3.0"):
        clf.fit(X, y)
    assert clf.history_["n_negatives"][0] == 5
