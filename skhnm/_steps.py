"""What skhnm reads of a Pipeline's structure, in one place."""


def steps_of(estimator):
    """A Pipeline's ``(name, step)`` pairs, "passthrough" and None left out;
    an empty list for an estimator that is not a Pipeline."""
    steps = getattr(estimator, "steps", None)
    if not isinstance(steps, list):
        return []
    return [(n, s) for n, s in steps if s is not None and s != "passthrough"]


def final_step(estimator):
    """``(parameter prefix, final step)`` of a Pipeline, else ``("", it)``."""
    steps = steps_of(estimator)
    if not steps:
        return "", estimator
    name, final = steps[-1]
    return name + "__", final


def final_loss(estimator):
    """The final step's loss: its `loss` parameter, "hinge" for SVC and
    NuSVC, else None."""
    from sklearn.svm import SVC, NuSVC

    _, final = final_step(estimator)
    if isinstance(final, SVC | NuSVC):
        return "hinge"
    loss = getattr(final, "loss", None)
    return loss if isinstance(loss, str) else None


def averages_loss(estimator):
    """Whether the final step's objective is its sample weights' *mean*
    loss plus a penalty that does not scale with them (the stochastic
    gradient family: SGDClassifier, Perceptron, PassiveAggressive). The
    others sum the weighted loss (LogisticRegression, the SVMs: ``C *
    sum``) or divide the penalty by the weights' total (MLPClassifier), so
    inverse-probability weights give them the full data's objective as
    they are."""
    from sklearn import linear_model

    _, final = final_step(estimator)
    names = ("SGDClassifier", "Perceptron", "PassiveAggressiveClassifier")
    family = tuple(getattr(linear_model, n) for n in names if hasattr(linear_model, n))
    return isinstance(final, family)
