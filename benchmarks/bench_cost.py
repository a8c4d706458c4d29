"""What mining costs against the full fit, case by case, side by side.

    python benchmarks/bench_cost.py            # 2 cores: about 10 min
    python benchmarks/bench_cost.py --only fallback --only noisy

The cost issue's cases, each printed with its target, met or MISSED:

- ``1M x 50``: ``make_classification(1_300_000, 50, weights=[0.99])``,
  1,000,000 rows to train on: LogisticRegression, LinearSVC and
  SGDClassifier (targets: the default's fit at most 0.3 of the full fit's
  time) and HistGradientBoosting (at most 0.5), each at the full fit's
  average precision -0.005 or better; extra peak memory of the fit for LR
  and SGD at most the full fit's plus the working set's bytes;
- ``fallback``: an estimator without a compiled scorer (HistGradientBoosting,
  a RandomForest, a Pipeline of a scaler and HistGradientBoosting), fitted
  on 50,000 of 700,000 x 20 rows, scores all of them through skhnm's pass
  engine and through its own ``decision_function`` or ``predict_proba``
  (median of 5 each; target: at most 1.1 times);
- ``noisy``: ``bench_quality``'s noisy task (300,000 rows, 1% of labels
  flipped, 210,000 to train on): LogisticRegression and HistGradientBoosting
  (target: at most 0.6 of the full fit);
- ``text``: 150,000 synthetic TF-IDF documents of a 20,000-word vocabulary
  (CSR), LogisticRegression (target: at most 0.5 of the full fit at its
  average precision -0.005).

Every fit runs in a process of its own, which loads the data, warms up
(a fit on 1,000 rows starts the imports and thread pools) and then fits:
"extra memory" is the peak resident memory during the fit (VmHWM, reset
just before it) less the resident memory before it. The profile splits
the default's fit by its ``history_``: the pilot's fit (round 0), the later
fits (each gathers its working set first), the passes (scoring the pool and
drawing), and the rest (input checks, set-up). skhnm fits a
LogisticRegression (lbfgs) with BLAS on one thread, where OpenBLAS's
threads and scikit-learn's OpenMP ones contend; each LogisticRegression
case also prints the full fit so held and the default's ratio to it: the
part of the gain a user gets by holding BLAS by hand. Writes ``cost.md``
and ``cost.rst`` to ``--out``. Run it alone: the ratios are of times.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_peers import machine, markdown_to_rst
from bench_quality import noisy_cells, text_cells

DOCS = Path(__file__).parents[1] / "docs" / "benchmarks"

ESTIMATORS = {
    "LogisticRegression": "sklearn.linear_model:LogisticRegression(max_iter=1000)",
    "LinearSVC": "sklearn.svm:LinearSVC()",
    "SGDClassifier": "sklearn.linear_model:SGDClassifier(random_state=0)",
    "HistGradientBoosting": (
        "sklearn.ensemble:HistGradientBoostingClassifier(random_state=0)"
    ),
}


def _make(spec):
    module, call = spec.split(":")
    namespace = {}
    exec(f"from {module} import {call.split('(')[0]}", namespace)
    return eval(call, namespace)


def _status(field):
    """A field of /proc/self/status in bytes (Linux): VmRSS, VmHWM."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak():
    """Start the peak resident memory (VmHWM) afresh from now: the rusage
    maximum would carry the parent's, inherited across fork and exec."""
    Path("/proc/self/clear_refs").write_text("5")


def child(folder, spec, method):
    """In a process of its own: load the data, fit, report as JSON."""
    from contextlib import nullcontext

    import scipy.sparse as sp
    from sklearn.base import clone
    from sklearn.metrics import average_precision_score
    from threadpoolctl import threadpool_limits

    from skhnm import HardNegativeMiningClassifier

    folder = Path(folder)
    if (folder / "X.npz").exists():
        X, X_test = sp.load_npz(folder / "X.npz"), sp.load_npz(folder / "X_test.npz")
    else:
        X, X_test = np.load(folder / "X.npy"), np.load(folder / "X_test.npy")
    y, y_test = np.load(folder / "y.npy"), np.load(folder / "y_test.npy")
    estimator = _make(spec)
    model = (
        estimator
        if method.startswith("full")
        else HardNegativeMiningClassifier(estimator, random_state=0)
    )
    # Imports and thread pools the first fit starts are not the fit's cost.
    warm = np.r_[np.flatnonzero(y == 1)[:50], np.flatnonzero(y == 0)[:950]]
    clone(model).fit(X[warm], y[warm])
    _reset_peak()
    before = _status("VmRSS")
    # "full-blas1": the full fit as skhnm runs a LogisticRegression's fits,
    # BLAS on one thread (skhnm._learner.fit_threads).
    threads = threadpool_limits(1, "blas") if method == "full-blas1" else nullcontext()
    start = time.perf_counter()
    with threads:
        model.fit(X, y)
    seconds = time.perf_counter() - start
    peak = _status("VmHWM")
    scores = (
        model.decision_function(X_test)
        if hasattr(model, "decision_function")
        else model.predict_proba(X_test)[:, 1]
    )
    out = {
        "seconds": seconds,
        "ap": float(average_precision_score(y_test, scores)),
        "extra_mib": max(0, peak - before) / 2**20,
    }
    if not method.startswith("full"):
        h = model.history_
        if sp.issparse(X):
            row_bytes = (X.data.nbytes + X.indices.nbytes) / X.shape[0]
        else:
            row_bytes = X[0].nbytes
        n_rows = int(y.sum()) + model.negative_indices_.size
        out.update(
            pilot=h["fit_time"][0],
            fits=sum(h["fit_time"][1:]),
            passes=sum(h["score_time"]),
            share=model.negative_indices_.size / int((y == 0).sum()),
            rounds=model.n_rounds_,
            working_mib=n_rows * row_bytes / 2**20,
        )
    print(json.dumps(out))


def run_child(folder, spec, method):
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), spec, method],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def save(folder, X, X_test, y, y_test):
    import scipy.sparse as sp

    folder = Path(folder)
    if sp.issparse(X):
        sp.save_npz(folder / "X.npz", X)
        sp.save_npz(folder / "X_test.npz", X_test)
    else:
        np.save(folder / "X.npy", X)
        np.save(folder / "X_test.npy", X_test)
    np.save(folder / "y.npy", y)
    np.save(folder / "y_test.npy", y_test)


def _met(ok):
    return "met" if ok else "MISSED"


def fit_cases(title, data, names, target, memory=()):
    """Full fit against the default for each estimator of `names`."""
    lines = [
        f"\n## {title}\n",
        "| estimator | full fit (s) | default (s) | ratio | target | AP full | "
        "AP default | negatives | pilot / later fits / passes / rest (s) | "
        "extra memory full / default (MiB) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    with tempfile.TemporaryDirectory() as folder:
        save(folder, *data)
        for name in names:
            spec = ESTIMATORS[name]
            full = run_child(folder, spec, "full")
            mined = run_child(folder, spec, "default")
            ratio = mined["seconds"] / full["seconds"]
            goal = target[name] if isinstance(target, dict) else target
            gap = mined["ap"] - full["ap"]
            rest = mined["seconds"] - mined["pilot"] - mined["fits"] - mined["passes"]
            lines.append(
                f"| {name} | {full['seconds']:.2f} | {mined['seconds']:.2f} | "
                f"{ratio:.2f} | <= {goal}: {_met(ratio <= goal)} | {full['ap']:.4f} | "
                f"{mined['ap']:.4f} ({_met(gap >= -0.005)}) | {mined['share']:.1%} "
                f"({mined['rounds'] + 1} fits) | {mined['pilot']:.2f} / "
                f"{mined['fits']:.2f} / {mined['passes']:.2f} / {rest:.2f} | "
                f"{full['extra_mib']:.0f} / {mined['extra_mib']:.0f} |"
            )
            if name == "LogisticRegression":
                # skhnm holds BLAS to one thread in lbfgs fits; the full
                # fit, so held, is the fair baseline too.
                held = run_child(folder, spec, "full-blas1")
                notes.append(
                    f"- {name}'s full fit with BLAS on one thread, as skhnm "
                    f"runs lbfgs fits: {held['seconds']:.2f} s (AP "
                    f"{held['ap']:.4f}); the default takes "
                    f"{mined['seconds'] / held['seconds']:.2f} of it"
                )
            if name in memory:
                bound = full["extra_mib"] + mined["working_mib"]
                within = _met(mined["extra_mib"] <= bound)
                notes.append(
                    f"- {name} extra peak memory: {mined['extra_mib']:.0f} MiB "
                    f"against the full fit's {full['extra_mib']:.0f} MiB plus the "
                    f"working set's {mined['working_mib']:.0f} MiB "
                    f"(target: at most {bound:.0f} MiB: {within})"
                )
    return "\n".join(lines + (["", *notes] if notes else []))


def large():
    from sklearn.datasets import make_classification

    X, y = make_classification(
        1_300_000, 50, n_informative=10, weights=[0.99], random_state=0
    )
    data = (X[:1_000_000], X[1_000_000:], y[:1_000_000], y[1_000_000:])
    return fit_cases(
        "1M x 50, 1% positives (1,000,000 rows to train on)",
        data,
        list(ESTIMATORS),
        {n: 0.5 if n == "HistGradientBoosting" else 0.3 for n in ESTIMATORS},
        memory=("LogisticRegression", "SGDClassifier"),
    )


def noisy():
    _, _, X, X_test, y, y_test = next(noisy_cells(0.01, n=300_000, seeds=1))
    return fit_cases(
        "noisy task (bench_quality, 1% of labels flipped, 210,000 rows)",
        (X, X_test, y, y_test),
        ["LogisticRegression", "HistGradientBoosting"],
        0.6,
    )


def text():
    _, _, X, X_test, y, y_test = next(text_cells(seeds=1, n=150_000, vocabulary=20_000))
    return fit_cases(
        "sparse text (150,000 TF-IDF documents, 20,000 words, CSR)",
        (X, X_test, y, y_test),
        ["LogisticRegression"],
        0.5,
    )


def fallback(repeats=5):
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skhnm._pools import Scoring
    from skhnm._scoring import score_rows

    X, y = make_classification(700_000, 20, weights=[0.99], random_state=0)
    rows = np.arange(X.shape[0])
    estimators = {
        "HistGradientBoosting": HistGradientBoostingClassifier(random_state=0),
        "RandomForest (50 trees, n_jobs=2)": RandomForestClassifier(
            n_estimators=50, max_depth=12, n_jobs=2, random_state=0
        ),
        "Pipeline(StandardScaler, HGB)": make_pipeline(
            StandardScaler(), HistGradientBoostingClassifier(random_state=0)
        ),
    }
    lines = [
        "\n## fallback pass (700,000 x 20 rows, no compiled scorer)\n",
        "| estimator | method | its own (s) | skhnm's pass (s) | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, est in estimators.items():
        est.fit(X[:50_000], y[:50_000])
        method = (
            "decision_function"
            if hasattr(est, "decision_function")
            else "predict_proba"
        )
        own, ours = [], []
        for _ in range(repeats):  # alternated, so drifts hit both alike
            t0 = time.perf_counter()
            getattr(est, method)(X)
            own.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            score_rows(est, X, rows, Scoring(method, 1))
            ours.append(time.perf_counter() - t0)
        ratio = np.median(ours) / np.median(own)
        lines.append(
            f"| {name} | {method} | {np.median(own):.3f} | {np.median(ours):.3f} | "
            f"{ratio:.2f} | <= 1.1: {_met(ratio <= 1.1)} |"
        )
    return "\n".join(lines)


CASES = {"large": large, "fallback": fallback, "noisy": noisy, "text": text}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=list(CASES), action="append")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args()
    parts = [
        f"Machine: {machine()}. `python benchmarks/bench_cost.py"
        + "".join(f" --only {o}" for o in args.only or [])
        + "`, one run; times of whole fits, each in a process of its own."
    ]
    for name in args.only or list(CASES):
        parts.append(CASES[name]())
        print(parts[-1], flush=True)
    text = "\n".join(parts) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cost.md").write_text(text)
    (args.out / "cost.rst").write_text(markdown_to_rst(text))


if __name__ == "__main__":
    main()
