"""Inverse-probability weighting's plumbing: where the weights go, and the
"auto" threshold on the population's scale.

The weights themselves are the mining loop's (:func:`skhnm._mining._weights`):
they follow from which working negatives were drawn at random.
"""

import math

from sklearn.utils.metadata_routing import _routing_enabled, get_routing_for_object
from sklearn.utils.validation import has_fit_parameter

from ._steps import final_step, steps_of


def weighted_steps(pipeline):
    """Names of a Pipeline's steps whose fit takes sample_weight.

    Empty unless `pipeline` is a Pipeline whose final step takes them.
    """
    named = steps_of(pipeline)
    takes = [n for n, s in named if has_fit_parameter(s, "sample_weight")]
    return takes if named and named[-1][0] in takes else []


def mining_weight_keys(base):
    """The fit parameters that carry mining weights to the estimator.

    A TypeError when the estimator (a Pipeline's final step) cannot take
    them: weights that silently never arrive would leave the fit biased.
    """
    prefix, final = final_step(base)
    if not prefix:
        if has_fit_parameter(base, "sample_weight"):
            return ("sample_weight",)
    elif _routing_enabled():
        if get_routing_for_object(final).consumes("fit", ["sample_weight"]):
            return ("sample_weight",)
        if has_fit_parameter(final, "sample_weight"):
            raise TypeError(
                "weighting='inverse_probability' passes sample_weight to the "
                "Pipeline's final step, which has not requested it. With "
                "metadata routing enabled, request it: "
                f"{type(final).__name__}().set_fit_request(sample_weight=True)."
            )
    elif steps := weighted_steps(base):
        return tuple(f"{name}__sample_weight" for name in steps)
    raise TypeError(
        f"weighting='inverse_probability' needs an estimator whose fit takes "
        f"sample_weight; {type(final).__name__}"
        + (" (the Pipeline's final step)" if prefix else "")
        + " does not. Use weighting=None or another estimator."
    )


def positive_rate(positives, n_negatives, val_rows, sample_weight):
    """The training rows' share of positives, weighted by `sample_weight`."""
    if sample_weight is None:
        return positives.size / (positives.size + n_negatives)
    total = sample_weight.sum() - sample_weight[val_rows].sum()
    rate = float(sample_weight[positives].sum() / total) if total > 0 else math.nan
    if not 0.0 < rate < 1.0:
        raise ValueError(
            "sample_weight leaves a class of the training rows with no weight "
            f"(weighted positive rate {rate}); weighting='inverse_probability' "
            "needs both classes with a positive total weight."
        )
    return rate


def auto_threshold(response_method, ratio, positive_rate=None):
    """``threshold="auto"``: the working set's class boundary.

    Unweighted, a model fitted on one positive per `ratio` negatives puts
    it at 0.5 (0 for a decision function). A model fitted with
    inverse-probability weights estimates the population's probability, in
    which that same boundary lies where the odds are `ratio` times the
    population's (a likelihood ratio of `ratio`); on a decision function it
    is those odds' logarithm, exact for a logistic loss
    (benchmarks/bench_weighting.py compares other likelihood ratios).
    """
    if positive_rate is None:
        return 0.5 if response_method == "predict_proba" else 0.0
    odds = ratio * positive_rate / (1.0 - positive_rate)
    if response_method == "predict_proba":
        return odds / (1.0 + odds)
    return math.log(odds)
