"""Sphinx configuration: numpydoc API reference and a sphinx-gallery of examples.

Build with warnings as errors (the README's command):

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).parents[1]))

import skhnm

project = "skhnm"
author = "the skhnm developers"
copyright = "2026, the skhnm developers"
release = skhnm.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
root_doc = "index"

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Cross-references to scikit-learn and NumPy stay text: the build needs no
# network (no intersphinx inventories).
nitpicky = False

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Scripts named plot_*.py run at build time; others (gpu_scoring.py,
    # which needs a GPU to show anything) are shown only.
    "filename_pattern": "/plot_",
    "plot_gallery": os.environ.get("SKHNM_DOCS_RUN_EXAMPLES", "True"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skhnm",),
}

html_theme = "pydata_sphinx_theme"
html_title = f"skhnm {release}"
html_theme_options = {"show_toc_level": 2}
html_static_path = []
