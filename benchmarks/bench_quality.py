"""Does the default reach full-data quality on real and noisy data?

    python benchmarks/bench_quality.py    # everything: about 20 minutes, 2 cores
    python benchmarks/bench_quality.py --only keel

Run it alone: fit times are compared side by side, and OpenMP learners
(HistGradientBoosting) slow down by orders of magnitude when another
process competes for the cores.

Tasks:

- KEEL dev: 21 imbalanced data sets (benchmarks/data/keel-dev, with their
  citation), the first 2 of KEEL's 5 folds, a StandardScaler fitted on the
  training fold, the less frequent class positive; LogisticRegression
  (max_iter=2000) and HistGradientBoostingClassifier(random_state=0). The
  anchors of imbalanced-ensemble 0.2.3 (SelfPacedEnsemble and
  BalanceCascade, 10 members) come from the data's anchors.json.
- noisy: ``make_classification(300_000, 20, n_informative=6,
  weights=[0.99], flip_y=f, class_sep=1.0)``, f in {0.01, 0.05}, 70/30
  split, 3 seeds; LogisticRegression, LinearSVC, HistGradientBoosting.
- sparse text: 100,000 synthetic bag-of-words documents (a 5,000-word
  vocabulary, Zipf frequencies), 1% positives whose topic shifts 40 words,
  TF-IDF, 2% of the labels flipped; LogisticRegression and LinearSVC.
- cost: the noisy task (f=0.01) at 1,000,000 rows, LogisticRegression and
  LinearSVC: the default's fit time against the full fit's.

Methods: the full-data fit; ``class_weight="balanced"``; RandomUnderSampler
at 1:3; weighted undersampling (a uniform subset of the negatives as large
as the default's working set, weighted by the inverse of its rate: the
full-data loss estimated for free); skhnm's default
(``weighting="case_control"``); skhnm's bootstrap (``weighting=None``).
Printed: average precision per cell, the summary per task family and
estimator, the negatives used and fit time against the full fit's. Writes
quality.md and quality.csv to benchmarks/results.
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from bench_peers import markdown_to_rst, weighted_undersampling

HERE = Path(__file__).parent
KEEL = HERE / "data" / "keel-dev"
RESULTS = HERE / "results"


def keel_cells():
    from sklearn.preprocessing import StandardScaler

    for path in sorted(KEEL.glob("*.npz")):
        d = np.load(path)
        for k in range(2):
            y_all = np.r_[d[f"fold{k}-y_train"], d[f"fold{k}-y_test"]]
            labels, counts = np.unique(y_all, return_counts=True)
            positive = labels[np.argmin(counts)]
            X, X_test = (d[f"fold{k}-x_{s}"].astype(float) for s in ("train", "test"))
            y, y_test = (
                (d[f"fold{k}-y_{s}"] == positive).astype(int) for s in ("train", "test")
            )
            scaler = StandardScaler().fit(X)
            yield path.stem, k, scaler.transform(X), scaler.transform(X_test), y, y_test


def noisy_cells(flip, n=300_000, seeds=3):
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    for seed in range(seeds):
        X, y = make_classification(
            n, 20, n_informative=6, weights=[0.99], flip_y=flip, class_sep=1.0,
            random_state=seed,
        )  # fmt: skip
        X, X_test, y, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        yield f"noisy flip_y={flip}", seed, X, X_test, y, y_test


def text_cells(seeds=2, n=100_000, vocabulary=5000):
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.model_selection import train_test_split

    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        base = 1.0 / np.arange(1, vocabulary + 1)
        topic = base.copy()
        shifted = rng.choice(vocabulary // 10, 40, replace=False)
        topic[shifted] *= 8.0
        y = (rng.random(n) < 0.01).astype(int)
        lengths = rng.poisson(60, n) + 5
        rows, cols = [], []
        for label, p in ((0, base), (1, topic)):
            docs = np.flatnonzero(y == label)
            p = p / p.sum()
            words = rng.choice(vocabulary, lengths[docs].sum(), p=p)
            rows.append(np.repeat(docs, lengths[docs]))
            cols.append(words)
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        counts = sp.csr_matrix((np.ones(rows.size), (rows, cols)), (n, vocabulary))
        counts.sum_duplicates()
        flip = rng.random(n) < 0.02
        y = np.where(flip, rng.integers(0, 2, n), y)
        X = TfidfTransformer().fit_transform(counts).tocsr()
        X, X_test, y, y_test = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        yield "sparse text", seed, X, X_test, y, y_test


def estimators(family):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    lr = {"LogisticRegression": lambda: LogisticRegression(max_iter=2000)}
    svc = {"LinearSVC": lambda: LinearSVC()}
    hgb = {
        "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0)
    }
    if family == "keel":
        return {**lr, **hgb}
    if family == "text":
        return {**lr, **svc}
    return {**lr, **svc, **hgb}


# In fitting order: the weighted undersampling takes the default's budget.
METHODS = (
    "full data",
    "skhnm default",
    "weighted RUS, default's budget",
    "class_weight=balanced",
    "RUS 1:3",
    "skhnm bootstrap",
)


def fit_method(method, make_est, X, y, seed, budget):
    """(fitted model, negatives used)."""
    from imblearn.pipeline import make_pipeline
    from imblearn.under_sampling import RandomUnderSampler

    from skhnm import HardNegativeMiningClassifier

    n_pos, n_neg = int(y.sum()), int((y == 0).sum())
    if method == "full data":
        return make_est().fit(X, y), n_neg
    if method == "class_weight=balanced":
        return make_est().set_params(class_weight="balanced").fit(X, y), n_neg
    if method == "RUS 1:3":
        n = min(n_neg, 3 * n_pos)
        rus = RandomUnderSampler(sampling_strategy={0: n}, random_state=seed)
        return make_pipeline(rus, make_est()).fit(X, y), n
    if method == "weighted RUS, default's budget":
        return weighted_undersampling(make_est(), X, y, seed, budget)
    weighting = "case_control" if method == "skhnm default" else None
    model = HardNegativeMiningClassifier(
        make_est(), weighting=weighting, random_state=seed
    ).fit(X, y)
    return model, model.negative_indices_.size


def scores_of(model, X):
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=float)
    return np.asarray(model.predict_proba(X))[:, 1]


def run_cells(family, cells, rows):
    from sklearn.metrics import average_precision_score

    for task, split, X, X_test, y, y_test in cells:
        for est_name, make_est in estimators(family).items():
            budget = None
            for method in METHODS:
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model, n_used = fit_method(method, make_est, X, y, split, budget)
                seconds = time.perf_counter() - t0
                if method == "skhnm default":
                    budget = n_used
                ap = average_precision_score(y_test, scores_of(model, X_test))
                rows.append(
                    dict(
                        family=family, task=task, split=split, estimator=est_name,
                        method=method, ap=ap, negatives=n_used / int((y == 0).sum()),
                        seconds=seconds,
                    )
                )  # fmt: skip
        print(f"  {task} [{split}] done", flush=True)


def anchors(df):
    """imbalanced-ensemble's KEEL anchors, as rows of the same table."""
    table = json.loads((KEEL / "anchors.json").read_text())
    names = {"logreg": "LogisticRegression", "hgb": "HistGradientBoosting"}
    out = []
    for key, values in table.items():
        dataset, est = key.split("/")
        for anchor, method in (
            ("spe10", "SelfPacedEnsemble (10)"),
            ("cascade10", "BalanceCascade (10)"),
        ):
            out.append(
                dict(
                    family="keel", task=dataset, split=-1, estimator=names[est],
                    method=method, ap=values[anchor], negatives=np.nan, seconds=np.nan,
                )
            )  # fmt: skip
    return out


def summarise(df):
    lines = []
    full = df[df.method == "full data"].set_index(["task", "split", "estimator"])
    # KEEL's sets make one group; every other task its own.
    group = np.where(df.family == "keel", "KEEL dev", df.task)
    for (name, est), part in df.groupby([group, "estimator"], sort=False):
        family = part.family.iloc[0]
        lines.append(f"\n## {name}: {est}\n")
        lines.append(
            "| method | mean AP | vs full | negatives used | fit / full | "
            ">= RUS 1:3 | >= weighted RUS |\n|---|---|---|---|---|---|---|"
        )
        rus = part[part.method == "RUS 1:3"].set_index(["task", "split"]).ap
        wrus = part[part.method == "weighted RUS, default's budget"]
        wrus = wrus.set_index(["task", "split"]).ap
        per_task = part[part.split >= 0]
        for method, cells in per_task.groupby("method", sort=False):
            cells = cells.set_index(["task", "split"])
            key = [(t, s, est) for t, s in cells.index]
            gap = cells.ap.mean() - full.loc[key].ap.mean()
            time_ratio = (cells.seconds.values / full.loc[key].seconds.values).mean()
            beats = (cells.ap >= rus.loc[cells.index] - 1e-12).mean()
            beats_w = (cells.ap >= wrus.loc[cells.index] - 1e-12).mean()
            lines.append(
                f"| {method} | {cells.ap.mean():.4f} | {gap:+.4f} | "
                f"{cells.negatives.mean():.0%} | {time_ratio:.2f} | {beats:.0%} | "
                f"{beats_w:.0%} |"
            )
        if family == "keel":
            # The anchors are means over the 2 folds, per data set.
            per_set = per_task.groupby(["method", "task"]).ap.mean().unstack(0)
            for method, cells in part[part.split < 0].groupby("method"):
                cells = cells.set_index("task").ap
                gap = cells.mean() - per_set["full data"].loc[cells.index].mean()
                lines.append(f"| {method} | {cells.mean():.4f} | {gap:+.4f} | | | | |")
    return "\n".join(lines)


def cost(rows, n=1_000_000):
    """Fit time of the default against the full fit at n rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    from sklearn.svm import LinearSVC

    from skhnm import HardNegativeMiningClassifier

    _, _, X, X_test, y, y_test = next(noisy_cells(0.01, n=n, seeds=1))
    out = []
    for name, make in (
        ("LogisticRegression", LogisticRegression),
        ("LinearSVC", LinearSVC),
    ):
        t0 = time.perf_counter()
        full = make().fit(X, y)
        t_full = time.perf_counter() - t0
        t0 = time.perf_counter()
        clf = HardNegativeMiningClassifier(make(), random_state=0).fit(X, y)
        t_mined = time.perf_counter() - t0
        ap_full = average_precision_score(y_test, full.decision_function(X_test))
        ap = average_precision_score(y_test, clf.decision_function(X_test))
        out.append(
            f"| {name} | {t_full:.2f} s | {t_mined:.2f} s | {t_mined / t_full:.2f} | "
            f"{ap_full:.4f} | {ap:.4f} | "
            f"{clf.negative_indices_.size / (y == 0).sum():.0%} |"
        )
    head = (
        f"\n## cost at {n:,} rows (70% for training)\n\n| estimator | full fit | "
        "default fit | ratio | AP full | AP default | negatives used |\n"
        "|---|---|---|---|---|---|---|"
    )
    return head + "\n" + "\n".join(out)


def main():
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", choices=["keel", "noisy", "text", "cost"], action="append"
    )
    args = parser.parse_args()
    only = set(args.only or ["keel", "noisy", "text", "cost"])
    print(f"machine: {platform.node()}, {platform.processor() or platform.machine()}")
    rows, text = [], []
    if "keel" in only:
        run_cells("keel", keel_cells(), rows)
    if "noisy" in only:
        run_cells("noisy", noisy_cells(0.01), rows)
        run_cells("noisy", noisy_cells(0.05), rows)
    if "text" in only:
        run_cells("text", text_cells(), rows)
    df = pd.DataFrame(rows)
    if "keel" in only:
        df = pd.concat([df, pd.DataFrame(anchors(df))], ignore_index=True)
    if rows:
        text.append(summarise(df))
    if "cost" in only:
        text.append(cost(rows))
    report = "\n".join(text)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quality.md").write_text(report + "\n")
    (RESULTS / "quality.rst").write_text(markdown_to_rst(report))
    df.to_csv(RESULTS / "quality.csv", index=False)


if __name__ == "__main__":
    main()
