"""The demo and every example script run, and say what they should."""

import re
import runpy
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from skhnm import demo

# The examples that take about 5 s or more on 2 cores run with the slow
# tests (CI runs both), so the default command stays quick.
_SLOW_EXAMPLES = {
    "plot_dask_pool.py",
    "plot_face_detection.py",
    "plot_grid_search.py",
    "plot_weighting.py",
    "plot_lazy_window_pool.py",
    "plot_memmap_pool.py",
    "plot_multiclass_detection.py",
}
EXAMPLES = [
    pytest.param(
        path,
        id=path.name,
        marks=[pytest.mark.slow] if path.name in _SLOW_EXAMPLES else [],
    )
    for path in sorted((Path(__file__).parents[1] / "examples").glob("*.py"))
]


def test_demo_rows_compare_the_methods():
    rows = {row["method"]: row for row in demo.run(digit=9, seeds=2)}
    assert set(rows) == {
        "full data",
        "random undersampling 1:3",
        "random undersampling, mining's budget",
        "hard negative mining",
    }
    mined = rows["hard negative mining"]
    assert (
        mined["negatives"] == rows["random undersampling, mining's budget"]["negatives"]
    )
    assert mined["negatives"] < rows["full data"]["negatives"]
    for row in rows.values():
        assert 0.5 < row["average_precision"] <= 1.0
        assert 0.5 < row["roc_auc"] <= 1.0
    # On this task mining recovers most of the gap to the full-data fit.
    assert (
        mined["average_precision"]
        > rows["random undersampling, mining's budget"]["average_precision"]
    )


@pytest.mark.slow  # a fresh interpreter, the demo's three fits: about 4 s
def test_demo_module_runs_from_the_command_line():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "skhnm.demo",
            "--seeds",
            "1",
            "--digit",
            "3",
            "--task",
            "digits",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "digit 3 (positives)" in out
    assert "pool:" not in out  # --task picks one
    for method in ("full data", "random undersampling 1:3", "hard negative mining"):
        assert out.count(method) == 1


@pytest.mark.parametrize("script", EXAMPLES)
def test_example_runs(script, capsys, monkeypatch):
    # The lazily computed pool's size (200,000 windows by default).
    monkeypatch.setenv("SKHNM_EXAMPLE_WINDOWS", "60000")
    monkeypatch.delenv("SKHNM_EXAMPLE_SCHEDULER", raising=False)
    monkeypatch.delenv("SKHNM_EXAMPLE_FULL_DATA", raising=False)
    with warnings.catch_warnings():
        # An example prints no warning it does not explain: one that shows
        # a warning catches it and says why.
        warnings.simplefilter("error", UserWarning)
        runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()


def _readme_block(heading):
    """The first ```python block after `heading` in the README."""
    text = (Path(__file__).parents[1] / "README.md").read_text()
    section = text[text.index(heading) :]
    start = section.index("```python\n") + len("```python\n")
    return section[start : section.index("\n```\n", start)]


def _printed_block(heading):
    """The plain ``` block after the code after `heading`: what it printed."""
    text = (Path(__file__).parents[1] / "README.md").read_text()
    section = text[text.index(heading) :]
    code = section.index("```python\n")
    after_code = section.index("\n```\n", code) + len("\n```\n")
    start = section.index("```\n", after_code) + len("```\n")
    return section[start : section.index("\n```\n", start)]


_NO_PANDAS = """
import sys


class _NoPandas:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pandas":
            raise ImportError("No module named 'pandas'")


sys.modules.pop("pandas", None)
sys.meta_path.insert(0, _NoPandas())
"""


@pytest.mark.slow  # a fresh interpreter and the Quickstart's fits: about 4 s
def test_the_readme_quickstart_runs_without_pandas_and_prints_what_it_says():
    """`pip install .` brings no pandas: the Quickstart must not need it."""
    code = _NO_PANDAS + _readme_block("## Quickstart")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    said = _printed_block("## Quickstart")
    # Everything but the seconds is what the README shows.
    strip = [line.split(" fit ")[0] for line in said.splitlines()]
    assert [line.split(" fit ")[0] for line in out.splitlines()] == strip


@pytest.mark.slow  # a cross-validated threshold over mining fits: about 4 s
def test_the_readme_s_tuned_threshold_block_prints_what_it_says(capsys):
    heading = "Probabilities on the population's scale are small"
    exec(compile(_readme_block(heading), "<README>", "exec"), {})
    assert capsys.readouterr().out.strip() == _printed_block(heading).strip()


@pytest.mark.slow  # the whole demo, 300,000 rows: about 10 s on 2 cores
def test_the_readme_shows_what_the_demo_prints(capsys):
    demo.main([])
    printed = capsys.readouterr().out
    assert "pool: 300,000 generated rows" in printed  # the task mining is for
    text = (Path(__file__).parents[1] / "README.md").read_text()
    section = text[text.index("What the demo printed") :]
    start = section.index("```\n") + len("```\n")
    shown = section[start : section.index("\n```\n", start)]

    def without_times(lines):
        # Everything but the fit-time ratios, which vary from run to run.
        return [re.sub(r"\s+\d+\.\d\d(\s+\d+)$", r" \1", line) for line in lines]

    tables = [line for line in printed.splitlines() if line.strip()][1:]
    assert without_times(tables) == without_times(
        [line for line in shown.splitlines() if line.strip()]
    )
