"""What leaves a device pool under the default, estimator by estimator.

    python benchmarks/bench_crossings.py     # a few seconds; no GPU needed

The one-loop issue's target: an array-API pool (CuPy on a GPU; here
array-api-strict, the same code path on the CPU) moves at most the working
sets plus the rows kept, plus a fixed slack, for every family with a
compiled scorer. Every array that leaves a namespace goes through
``skhnm._namespace.to_numpy``; this script counts its bytes during the
default's fit on ``make_classification(60_000, 20, weights=[0.98])`` in
float32, and prints them against a budget: the features of every row
fetched to fit on (each once) plus an index and a score (16 bytes) for
every working row of every round. The labels cross once (a fixed slack,
counted apart). GaussianNB has no compiled scorer: its pool is scored on
the host, so all of it crosses (the contrast, not a target). Writes
``crossings.md`` and ``crossings.rst`` to ``docs/benchmarks``.
"""

import warnings
from pathlib import Path

import array_api_strict as xp
import numpy as np
from bench_peers import machine, markdown_to_rst
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC, LinearSVC

from skhnm import HardNegativeMiningClassifier, _namespace

DOCS = Path(__file__).parents[1] / "docs" / "benchmarks"
ESTIMATORS = [
    LogisticRegression(),
    LinearSVC(),
    SGDClassifier(random_state=0),
    RidgeClassifier(),
    SVC(),
    MLPClassifier((16,), max_iter=50, random_state=0),
    LinearDiscriminantAnalysis(),
    GaussianNB(),
]


def main():
    crossed = []
    to_numpy = _namespace.to_numpy

    def counted(a):
        out = to_numpy(a)
        crossed.append(out.nbytes)
        return out

    _namespace.to_numpy = counted
    X, y = make_classification(
        60_000, 20, n_informative=8, weights=[0.98], flip_y=0.01, random_state=0
    )
    X = X.astype(np.float32)
    lines = [
        f"Machine: {machine()}. `python benchmarks/bench_crossings.py`: the "
        "default's fit on 60,000 x 20 float32 rows given as an array-API array.\n",
        "| estimator | crossed (MiB) | budget (MiB) | ratio | target | fits |",
        "|---|---|---|---|---|---|",
    ]
    labels = y.size * 8  # int64, once
    for estimator in ESTIMATORS:
        crossed.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = HardNegativeMiningClassifier(estimator, random_state=0)
            clf.fit(xp.asarray(X), xp.asarray(y))
        h = clf.history_
        fetched = int(y.sum()) + h["n_negatives"][0] + sum(h["n_added"])
        budget = fetched * X[0].nbytes + 16 * sum(h["n_negatives"])
        moved = sum(crossed) - labels
        ratio = moved / budget
        compiled = not isinstance(estimator, GaussianNB)
        verdict = ("met" if ratio <= 1.0 else "MISSED") if compiled else "no target"
        lines.append(
            f"| {type(estimator).__name__} | {moved / 2**20:.2f} | "
            f"{budget / 2**20:.2f} | {ratio:.2f} | {verdict} | {clf.n_rounds_ + 1} |"
        )
    lines.append(
        f"\nThe labels crossed once besides: {labels / 2**20:.2f} MiB. GaussianNB "
        "has no compiled scorer, so its pool is scored on the host."
    )
    report = "\n".join(lines)
    print(report)
    (DOCS / "crossings.md").write_text(report + "\n")
    (DOCS / "crossings.rst").write_text(markdown_to_rst(report))


if __name__ == "__main__":
    main()
