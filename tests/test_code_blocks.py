"""Every Python block of the README and the user guide runs as shown.

A block runs in the context its document declares just before it, in a
comment a reader does not see (``<!-- context: NAME -->`` in Markdown,
``.. context: NAME`` in reStructuredText); without one, in "binary": the
names the guide's prose has introduced by then (``X``, ``y``, a fitted
``clf``, held-out rows). So a block cannot drift from the library again:
its parameters, attributes and assertions are checked.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification

ROOT = Path(__file__).parents[1]
_MD = re.compile(
    r"(?:<!-- context: (?P<context>[\w-]+) -->\n)?```python\n(?P<code>.*?)```", re.S
)
_RST = re.compile(
    r"(?:\.\. context: (?P<context>[\w-]+)\n\n)?"
    r"\.\. code-block:: python\n\n(?P<code>(?:    .*\n|\n)+)"
)


DOCUMENTS = {"README.md": _MD, "docs/user_guide.rst": _RST, "docs/index.rst": _RST}


def _blocks():
    out = []
    for name, pattern in DOCUMENTS.items():
        text = (ROOT / name).read_text()
        for match in pattern.finditer(text):
            code = match["code"]
            if name.endswith(".rst"):
                code = "\n".join(line[4:] for line in code.splitlines())
            line = text[: match.start("code")].count("\n") + 1
            # A cross-validated block fits the miner five times a candidate:
            # .ci/run runs it with the slow tests.
            slow = re.search(r"\b(GridSearchCV|TunedThresholdClassifierCV)\(", code)
            out.append(
                pytest.param(
                    match["context"] or "binary",
                    code,
                    id=f"{name}:{line}",
                    marks=[pytest.mark.slow] if slow else [],
                )
            )
    return out


def _binary():
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.svm import SVC, LinearSVC

    from skhnm import HardNegativeMiningClassifier

    X, y = make_classification(
        n_samples=1200, n_features=8, weights=[0.95], random_state=0
    )
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    X_calib, X_test, y_calib, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
    )
    return dict(
        X=X,
        y=y,
        X_train=X_train,
        y_train=y_train,
        X_calib=X_calib,
        y_calib=y_calib,
        X_test=X_test,
        y_test=y_test,
        HardNegativeMiningClassifier=HardNegativeMiningClassifier,
        LinearSVC=LinearSVC,
        SVC=SVC,
        GridSearchCV=GridSearchCV,
        clf=HardNegativeMiningClassifier(random_state=0),
    )


def _multiclass(names=None):
    from skhnm import MulticlassHardNegativeMiningClassifier

    X, y = make_classification(
        n_samples=1500,
        n_classes=4,
        n_informative=5,
        weights=[0.85, 0.05, 0.05],
        random_state=0,
    )
    if names is not None:
        y = np.asarray(names)[y]
    return dict(
        X=X,
        y=y,
        X_test=X[:50],
        MulticlassHardNegativeMiningClassifier=MulticlassHardNegativeMiningClassifier,
    )


def _context(name):
    if name == "none":
        return {}
    if name == "multiclass":
        return _multiclass()
    if name == "multiclass-named":
        return _multiclass(["background", "car", "person", "dog"])
    if name == "gpu":
        from skhnm._namespace import cuda_namespace

        if cuda_namespace() is None:
            pytest.skip("needs CuPy and a CUDA device")
        return _binary()
    if name == "dask":
        da = pytest.importorskip("dask.array")
        pytest.importorskip("dask.distributed")
        context = _binary()
        context.update(
            da=da, X_host=context["X"], X_new=da.from_array(context["X_test"])
        )
        return context
    assert name == "binary", f"unknown context {name!r}"
    return _binary()


BLOCKS = _blocks()


def test_every_python_block_of_the_documents_is_run():
    """No block escapes the parser (a context comment it misreads, an
    indentation it does not take): every document's Python blocks are
    all among the ones run."""
    ids = [block.id for block in BLOCKS]
    for name in DOCUMENTS:
        text = (ROOT / name).read_text()
        opened = text.count("```python\n") + text.count(".. code-block:: python\n")
        assert opened >= 1
        assert sum(i.startswith(name + ":") for i in ids) == opened, name


@pytest.mark.parametrize("context, code", BLOCKS)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_block_runs_as_shown(context, code, capsys, monkeypatch):
    namespace = _context(context)
    if context == "dask":
        # The block's LocalCluster, in threads: starting worker processes
        # would cost this test seconds and check nothing more.
        import dask.distributed

        cluster = dask.distributed.LocalCluster
        monkeypatch.setattr(
            dask.distributed,
            "LocalCluster",
            lambda **kwargs: cluster(processes=False, dashboard_address=":0", **kwargs),
        )
    try:
        with warnings.catch_warnings(), parallel_config(backend="threading"):
            warnings.simplefilter("error", FutureWarning)  # no deprecated spelling
            # A block shows what a reader gets: no warning it does not explain.
            warnings.simplefilter("error", UserWarning)
            exec(compile(code, "<block>", "exec"), namespace)
    finally:
        client = namespace.get("client")
        if client is not None:
            cluster = client.cluster
            client.close()
            cluster.close()


def test_install_lines_work_before_a_release():
    """skhnm is not on an index yet: the docs install from a checkout."""
    index = (ROOT / "docs" / "index.rst").read_text()
    install = index[index.index("Install\n") : index.index(".. toctree::")]
    commands = [  # the code block's lines, not the prose about a release
        line.strip()
        for line in install.splitlines()
        if line.startswith("    pip install")
    ]
    assert commands and all(
        c.startswith("pip install .") or c.startswith('pip install ".[')
        for c in commands
    ), commands
