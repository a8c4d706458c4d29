"""MiningDisplay: a mining run, round by round, in scikit-learn's Display API."""

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._steps import steps_of


def _name(estimator):
    """A short name: a Pipeline's is its steps' class names."""
    steps = steps_of(estimator)
    if steps:
        return " + ".join(type(step).__name__ for _, step in steps)
    return type(estimator).__name__


class MiningDisplay:
    """Working-set size, hard negatives found and validation score per round.

    Build it with :meth:`from_estimator` from a fitted
    :class:`~skhnm.HardNegativeMiningClassifier`, or from a ``history_`` dict.
    All parameters are stored as attributes.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    history : dict of lists
        A fitted classifier's ``history_``: "round", "n_negatives",
        "n_hard", "n_added" (less "n_hard": the easier negatives drawn) and
        "validation_score" are drawn.

    best_round : int, default=None
        The round whose model was kept, marked on the plot.

    termination_condition : str, default=None
        Why mining stopped, shown in the title.

    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the counts per round.

    ax_validation_ : matplotlib Axes or None
        Twin axes with the validation score, when early stopping recorded one.

    figure_ : matplotlib Figure
        Figure containing the plot.

    lines_ : dict of matplotlib Line2D
        The drawn lines, keyed "n_negatives", "n_hard", and where drawn
        "n_sampled" (the easier negatives a draw took beside the hard ones,
        ``n_added - n_hard``, under ``weighting="case_control"``) and
        "validation_score".

    See Also
    --------
    HardNegativeMiningClassifier : The estimator whose run is shown.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from skhnm import HardNegativeMiningClassifier, MiningDisplay
    >>> X, y = make_classification(n_samples=2000, weights=[0.95],
    ...                            random_state=0)
    >>> clf = HardNegativeMiningClassifier(random_state=0).fit(X, y)
    >>> display = MiningDisplay.from_estimator(clf)
    >>> display.lines_["n_negatives"].get_ydata().tolist() == clf.history_[
    ...     "n_negatives"]
    True
    """

    def __init__(
        self,
        *,
        history,
        best_round=None,
        termination_condition=None,
        estimator_name=None,
    ):
        self.history = history
        self.best_round = best_round
        self.termination_condition = termination_condition
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, label=None, ax=None, **kwargs):
        """Plot the mining run of a fitted classifier.

        Parameters
        ----------
        estimator : HardNegativeMiningClassifier
            A fitted classifier.

        label : object, default=None
            Multiclass mining only (and then required): the class whose
            detector's run is plotted.

        ax : matplotlib Axes, default=None
            Axes to plot on; None creates a figure and axes.

        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : MiningDisplay
            The display, with the plot drawn.
        """
        check_is_fitted(estimator, "history_")
        detectors = getattr(estimator, "estimators_", None)
        if detectors is None:
            display = cls(
                history=estimator.history_,
                best_round=estimator.best_round_,
                termination_condition=estimator.termination_condition_,
                estimator_name=_name(estimator.estimator_),
            )
            return display.plot(ax=ax, **kwargs)
        if label is None or label not in detectors:
            raise ValueError(
                f"label={label!r}: a multiclass run has one detector per class; "
                f"pass label= one of {list(detectors)}."
            )
        display = cls(
            history=estimator.history_[label],
            best_round=estimator.best_round_[label],
            termination_condition=estimator.termination_condition_[label],
            estimator_name=f"{_name(detectors[label])} (class {label!r})",
        )
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, log_scale=False, validation=True):
        """Draw the counts per round, and the validation score if recorded.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; None creates a figure and axes.

        log_scale : bool, default=False
            Use a logarithmic count axis (hard negatives often fall by orders
            of magnitude).

        validation : bool, default=True
            Draw the validation score on a twin axis when there is one.

        Returns
        -------
        display : MiningDisplay
            This display, with `ax_`, `ax_validation_`, `figure_` and `lines_`.
        """
        try:
            import matplotlib.pyplot as plt
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                "MiningDisplay needs matplotlib: pip install 'skhnm[plot]' (from "
                "a checkout: pip install '.[plot]'), or pip install matplotlib."
            ) from exc
        if ax is None:
            # Constrained layout keeps the twin axis's label on the figure.
            _, ax = plt.subplots(layout="constrained")
        rounds = np.asarray(self.history["round"])
        lines = {}
        (lines["n_negatives"],) = ax.plot(
            rounds,
            self.history["n_negatives"],
            marker="o",
            label="negatives in the working set",
        )
        (lines["n_hard"],) = ax.plot(
            rounds,
            self.history["n_hard"],
            marker="s",
            linestyle="--",
            label="hard negatives found",
        )
        # The default's draws also take easier negatives, each with a known
        # probability: what joined beyond the hard ones.
        sampled = np.subtract(
            self.history.get("n_added", self.history["n_hard"]), self.history["n_hard"]
        )
        if np.any(sampled > 0):
            (lines["n_sampled"],) = ax.plot(
                rounds,
                np.maximum(sampled, 0),
                marker="v",
                linestyle=":",
                label="easier negatives drawn",
            )
        if log_scale:
            ax.set_yscale("symlog", linthresh=1)
        ax.set_xlabel("mining round")
        ax.set_ylabel("negatives")
        ax.set_xticks(rounds)
        if self.best_round is not None and self.best_round != rounds[-1]:
            ax.axvline(self.best_round, color="grey", linestyle=":", label="kept")

        ax_val = None
        scores = [float(v) for v in self.history.get("validation_score", [])]
        if validation and scores and not all(math.isnan(v) for v in scores):
            ax_val = ax.twinx()
            (lines["validation_score"],) = ax_val.plot(
                rounds, scores, color="C2", marker="^", label="validation score"
            )
            ax_val.set_ylabel("validation score")
        handles = list(lines.values())
        ax.legend(handles, [h.get_label() for h in handles], loc="best")

        title = " ".join(
            part
            for part in (
                self.estimator_name,
                self.termination_condition
                and f"(stopped: {self.termination_condition})",
            )
            if part
        )
        if title:
            ax.set_title(title)
        self.ax_, self.ax_validation_, self.figure_ = ax, ax_val, ax.figure
        self.lines_ = lines
        return self
