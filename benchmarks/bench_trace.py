"""How much of skhnm a default fit runs: distinct lines executed.

    python benchmarks/bench_trace.py     # a few seconds

The one-loop issue's target: one default fit is traceable in under 1,000
lines. This script fits ``HardNegativeMiningClassifier(LogisticRegression())``
on four ``make_classification`` tasks of 30,000 rows, each once to warm the
imports and once under ``sys.settrace``, and counts the distinct
(file, line) pairs of skhnm's own modules that ran: the code a reader
follows through one fit, set-up, rounds and stop included. It prints the
count, the run's end and the lines per module of the largest.
"""

import sys
from collections import Counter

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from skhnm import HardNegativeMiningClassifier

TARGET = 1000
TASKS = {
    "1.5% positives, 1% noise": dict(weights=[0.985], flip_y=0.01),
    "1% positives": dict(weights=[0.99]),
    "1% positives, no noise": dict(weights=[0.99], flip_y=0.0),
    "3% positives, 10 features": dict(weights=[0.97], n_features=10),
}


def traced_lines(X, y):
    """skhnm's (file, line) pairs that a default fit runs, and the fit."""
    clf = HardNegativeMiningClassifier(LogisticRegression(), random_state=0)
    clf.fit(X, y)  # imports and caches out of the way
    lines = set()

    def tracer(frame, event, arg):
        name = frame.f_code.co_filename
        if "/skhnm/" not in name:
            return None
        if event == "line":
            lines.add((name.split("/skhnm/")[-1], frame.f_lineno))
        return tracer

    sys.settrace(tracer)
    try:
        clf.fit(X, y)
    finally:
        sys.settrace(None)
    return lines, clf


def main():
    worst = 0
    for name, params in TASKS.items():
        params = {"n_features": 20, **params}
        X, y = make_classification(30_000, **params, random_state=0)
        lines, clf = traced_lines(X, y)
        worst = max(worst, len(lines))
        per_module = Counter(module for module, _ in lines)
        largest = ", ".join(f"{m} {n}" for m, n in per_module.most_common(4))
        print(
            f"{name}: {len(lines)} lines in {len(per_module)} modules "
            f"({clf.termination_condition_}, {len(clf.history_['round'])} fits; "
            f"{largest})"
        )
    verdict = "met" if worst < TARGET else "MISSED"
    print(f"most lines: {worst} (target: under {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
