"""The documentation builds with warnings as errors (slow).

The examples are not run here: test_examples_and_demo.py runs every one of
them. The README's command builds the site with the gallery executed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    env = {**os.environ, "SKHNM_DOCS_RUN_EXAMPLES": "False", "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-5000:]
    html = tmp_path / "html"
    api = (html / "generated" / "skhnm.HardNegativeMiningClassifier.html").read_text()
    assert "max_negatives" in api and "history_" in api
    assert (html / "generated" / "skhnm.MiningDisplay.html").exists()
    gallery = (html / "auto_examples" / "index.html").read_text()
    for name in ("plot_face_detection", "plot_quickstart", "gpu_scoring"):
        assert name in gallery
    assert (html / "_images" / "user_guide-1.png").exists()  # the figure
