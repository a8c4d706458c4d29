"""What a run prints (skhnm._progress): a line a round, progress through
each pass, on every backend."""

import io
import sys

import pytest
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier


def test_verbose_prints_one_line_per_round(imbalanced, capsys):
    X, y = imbalanced
    clf = HardNegativeMiningClassifier(threshold=-1.0, verbose=1, random_state=0)
    clf.fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    # What the run starts from comes before the first fit, then a line a round.
    assert len(lines) == clf.n_rounds_ + 2
    n_pos, n_first = int(y.sum()), clf.history_["n_negatives"][0]
    assert lines[0] == (
        f"[skhnm] mining a pool of {int((y == 0).sum())} negatives for {n_pos} "
        f"positives; the first working set has {n_first} negatives"
    )
    assert lines[1].startswith("[skhnm] round 0:")
    assert f"{clf.history_['n_hard'][0]} hard" in lines[1]
    # No validation column without early stopping; one with it.
    assert not any("validation" in line for line in lines)
    clf.set_params(n_iter_no_change=2).fit(X, y)
    rounds = capsys.readouterr().out.strip().splitlines()[1:]
    assert all(", validation 0." in line for line in rounds)


def _fit_with_progress(X, y):
    return HardNegativeMiningClassifier(
        LinearSVC(),
        threshold=-1.0,
        max_rounds=1,
        batch_size=100,
        weighting=None,  # a pass in every round
        verbose=2,
        random_state=0,
    ).fit(X, y)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    "tqdm_installed, terminal", [(False, True), (True, True), (True, False)]
)
def test_verbose_2_reports_progress_over_each_pass(
    imbalanced, capsys, monkeypatch, tqdm_installed, terminal
):
    if tqdm_installed:
        pytest.importorskip("tqdm")
    else:  # as where tqdm is not installed: its import fails
        monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    err = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    _fit_with_progress(*imbalanced)
    out = capsys.readouterr().out
    if tqdm_installed and terminal:  # a bar on stderr, no plain progress lines
        assert "[skhnm] round 0" in err.getvalue() and "rows" in err.getvalue()
        assert "rows (" not in out
    else:
        # Plain lines, each whole: a log file reads them one a line.
        assert "\r" not in err.getvalue() + out
        assert "[skhnm] round 0: scored" in out and "(100%)" in out
        assert "[skhnm] round 1: scored" in out
        # About one line per tenth of a pass, not one per chunk.
        assert out.count("round 0: scored") <= 11


@pytest.mark.parametrize("scheduler", ["threads", "cluster"])
def test_verbose_2_reports_progress_over_a_dask_pool(
    imbalanced, capsys, monkeypatch, scheduler
):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("dask.distributed")
    dask = pytest.importorskip("dask")
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # plain lines
    X, y = imbalanced
    Xd = da.from_array(X, chunks=200)  # ten blocks
    if scheduler == "threads":
        with dask.config.set(scheduler="threads"):
            clf = _fit_with_progress(Xd, y)
    else:  # a client's futures report as each block is done
        with (
            distributed.LocalCluster(
                n_workers=1, processes=False, dashboard_address=":0"
            ) as cluster,
            distributed.Client(cluster),
        ):
            clf = _fit_with_progress(Xd, y)
    out = capsys.readouterr().out
    for rnd in range(clf.n_rounds_ + 1):
        lines = [line for line in out.splitlines() if f"round {rnd}: scored" in line]
        # Several lines a pass (the blocks finish one by one), the last at 100%.
        assert 2 <= len(lines) <= 11, lines
        n = clf.history_["n_scored"][rnd]
        assert lines[-1].endswith(f"scored {n}/{n} rows (100%)")


def test_verbose_1_names_the_default_s_final_fit(imbalanced, capsys):
    X, y = imbalanced
    HardNegativeMiningClassifier(verbose=1, max_rounds=1, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    # The start, the pilot with its pass, and the last round's fit, which no
    # pass follows.
    assert len(lines) == 3
    assert "hard of" in lines[1] and "added" in lines[1]
    assert lines[2].startswith("[skhnm] round 1:") and "final fit" in lines[2]
