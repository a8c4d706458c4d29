"""MiningDisplay follows scikit-learn's Display API."""

import math

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier, MiningDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture
def fitted(imbalanced):
    X, y = imbalanced
    return HardNegativeMiningClassifier(
        LinearSVC(), threshold=-1.0, max_hard_per_round=30, random_state=0
    ).fit(X, y)


def test_from_estimator_draws_the_history(fitted):
    display = MiningDisplay.from_estimator(fitted)
    h = fitted.history_
    assert display.figure_ is display.ax_.figure
    np.testing.assert_array_equal(display.lines_["n_negatives"].get_xdata(), h["round"])
    np.testing.assert_array_equal(
        display.lines_["n_negatives"].get_ydata(), h["n_negatives"]
    )
    np.testing.assert_array_equal(display.lines_["n_hard"].get_ydata(), h["n_hard"])
    assert display.ax_validation_ is None  # no early stopping: no scores
    assert "validation_score" not in display.lines_
    assert display.ax_.get_xlabel() == "mining round"
    assert fitted.termination_condition_ in display.ax_.get_title()
    assert "LinearSVC" in display.ax_.get_title()
    plt.close("all")


def test_the_default_s_draws_show_the_easier_negatives_they_took(imbalanced):
    from sklearn.linear_model import LogisticRegression

    X, y = imbalanced
    drawn = HardNegativeMiningClassifier(
        LogisticRegression(), ratio=1.0, random_state=0
    ).fit(X, y)
    h = drawn.history_
    sampled = np.subtract(h["n_added"], h["n_hard"])
    assert sampled.max() > 0  # the draw took easier negatives
    display = MiningDisplay.from_estimator(drawn)
    np.testing.assert_array_equal(
        display.lines_["n_sampled"].get_ydata(), np.maximum(sampled, 0)
    )
    labels = display.ax_.get_legend().get_texts()
    assert "easier negatives drawn" in [t.get_text() for t in labels]
    # The seed's rounds add hard negatives only: no such line.
    plain = HardNegativeMiningClassifier(
        LogisticRegression(), weighting=None, random_state=0
    ).fit(X, y)
    assert "n_sampled" not in MiningDisplay.from_estimator(plain).lines_
    plt.close("all")


@pytest.fixture
def early_stopped(imbalanced):
    X, y = imbalanced
    return HardNegativeMiningClassifier(
        LinearSVC(),
        threshold=-1.0,
        max_hard_per_round=10,
        n_iter_no_change=2,
        random_state=0,
    ).fit(X, y)


def test_validation_scores_go_on_a_twin_axis(early_stopped):
    clf = early_stopped
    fig, ax = plt.subplots()
    display = MiningDisplay.from_estimator(clf, ax=ax, log_scale=True)
    assert display.ax_ is ax and display.figure_ is fig
    assert ax.get_yscale() == "symlog"
    scores = display.lines_["validation_score"].get_ydata()
    assert not any(math.isnan(v) for v in scores)
    np.testing.assert_allclose(scores, clf.history_["validation_score"])
    assert display.ax_validation_.get_ylabel() == "validation score"
    plt.close("all")


def test_a_display_from_a_history_dict_and_refused_unfitted():
    history = {
        "round": [0, 1, 2],
        "n_negatives": [30, 50, 55],
        "n_hard": [20, 5, 0],
        "validation_score": [float("nan")] * 3,
    }
    display = MiningDisplay(history=history, best_round=1).plot()
    assert display.lines_["n_hard"].get_ydata().tolist() == [20, 5, 0]
    # The kept round is marked when it is not the last.
    assert any(
        line.get_xdata()[0] == 1 and line.get_linestyle() == ":"
        for line in display.ax_.get_lines()
    )
    with pytest.raises(NotFittedError):
        MiningDisplay.from_estimator(HardNegativeMiningClassifier())
    plt.close("all")


def test_without_matplotlib_the_error_names_the_extra(fitted, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ModuleNotFoundError, match=r"skhnm\[plot\]"):
        MiningDisplay.from_estimator(fitted)


def test_the_validation_axis_label_stays_on_the_figure(early_stopped):
    display = MiningDisplay.from_estimator(early_stopped)
    figure = display.figure_
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for label in (display.ax_validation_.yaxis.label, display.ax_.yaxis.label):
        box = label.get_window_extent(renderer)
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1, label
    plt.close("all")
