"""The first working set's negatives: a uniform draw, or a sampler's choice."""

import numpy as np
from sklearn.base import clone

from ._learner import MAX_SEED, seed_random_states
from ._rows import member, merge
from .exceptions import PoolTooSmallWarning


def initial_negatives(pool, positives, n_initial, sampler, rng, ratio):
    """The negatives of the first working set (sorted row indices), and the
    notes for the user (``(message, category)`` pairs).

    Without a sampler they are a uniform draw from the negatives outside,
    made without building anything of the pool's size (:meth:`Pool.draw`).
    """
    if n_initial >= pool.n_outside:
        notes = []
        if n_initial > pool.n_outside:
            # One text whatever the data, so that it is shown once per
            # place (see PoolTooSmallWarning): not once per CV fold or
            # class of a one-vs-rest.
            notes.append(
                (
                    f"ratio={ratio} asks for more initial negatives than the "
                    "training data has; all of them are used and there is "
                    "nothing left to mine (history_['n_negatives'][0] says how "
                    "many there were).",
                    PoolTooSmallWarning,
                )
            )
        return pool.outside_rows(), notes
    if sampler is None:
        return pool.draw(rng, n_initial), []
    if pool.distributed:
        raise TypeError(
            "A sampler looks at the pool's features, which would gather a "
            "Dask pool on one machine; use sampler=None (random initial "
            "negatives) with a Dask array."
        )
    # The sampler sees the training rows' features (a copy, as any
    # imbalanced-learn sampler needs) and a 1/0 target.
    negatives = pool.outside_rows()
    train_rows = merge(positives, negatives)
    sampler_ = seed_random_states(clone(sampler), rng.randint(MAX_SEED))
    y_sample = member(train_rows, positives).view(np.int8)
    if getattr(sampler_, "_sampling_type", None) in (None, "under-sampling"):
        sampler_.set_params(sampling_strategy={0: n_initial})
    sampler_.fit_resample(pool.rows(train_rows, keep=False), y_sample)
    chosen = getattr(sampler_, "sample_indices_", None)
    if chosen is None:
        raise TypeError(
            f"sampler={sampler!r} does not expose sample_indices_ after "
            "fit_resample; use an imbalanced-learn under-sampler that keeps "
            "original rows (RandomUnderSampler, NearMiss, TomekLinks, ...)."
        )
    chosen = np.asarray(chosen)
    chosen = np.sort(train_rows[chosen[y_sample[chosen] == 0]])
    if chosen.size == 0:
        raise ValueError(f"sampler={sampler!r} selected no negatives.")
    if chosen.size > n_initial:
        chosen = np.sort(rng.choice(chosen, n_initial, replace=False))
    return chosen, []
