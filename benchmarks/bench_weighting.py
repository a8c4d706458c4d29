"""Inverse-probability weighting against plain mining and the alternatives.

    python benchmarks/bench_weighting.py quality --quick   # 2 cores: ~10 min
    python benchmarks/bench_weighting.py large             # the 1M-row check

``quality``: every task of real data this machine has offline (scikit-learn's
digits, each digit against the rest; breast cancer at 5% malignant; the face
windows of examples/plot_face_detection.py) and a 100k-row synthetic pool,
with LogisticRegression (behind a StandardScaler) and
HistGradientBoostingClassifier. Methods: full-data fit,
``class_weight="balanced"``, random undersampling at 1:3 and at weighted
mining's final budget, skhnm plain (``weighting=None``) and weighted
(``"inverse_probability"``), and two cascade ensembles of 10 members of the
same estimator: Self-paced Ensemble (Liu et al., ICDE 2020) and
BalanceCascade (Liu, Wu & Zhou, 2009). imbalanced-ensemble 0.2.3, which
ships them, imports ``sklearn.utils._print_elapsed_time``, gone from every
scikit-learn skhnm supports (>= 1.6, its own pin included), so both are
written out below from their papers (as imbalanced-ensemble defines them:
hardness = the ensemble's probability for the negatives; 5 hardness bins and
``alpha = tan(pi/2 * i / (n - 1))`` for SPE; BalanceCascade keeps the
hardest ``(n_pos / n_neg) ** (1 / (n - 1))`` of the remaining negatives
after each member). Writes ``weighting.csv``, ``weighting.md`` and
``weighting.rst`` to ``--out``.

``large``: LogisticRegression on a 1,000,000-row synthetic pool with 1%
positives: coefficients (relative L2 distance to the full-data fit's), Brier
score, mean predicted probability against the positive rate, negatives used
and fit time, measured side by side in one run; weighted mining also at
other cuts than ``threshold="auto"``'s.
"""

import argparse
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_peers import (
    RESULTS,
    machine,
    markdown_to_rst,
    measures,
    scores_of,
    task_breast_cancer,
    task_digits,
    task_face_windows,
    task_pool,
)
from bench_peers import estimators as peer_estimators
from bench_peers import run_method as peer_method

IPW = "inverse_probability"


def tasks(quick):
    out = {f"digits {d} vs rest": task_digits(d) for d in range(10)}
    out["breast cancer (5% malignant)"] = task_breast_cancer
    out["face windows (HOG)"] = task_face_windows
    out["synthetic 100k"] = task_pool(100_000)
    return out


def estimators():
    """The peers suite's LogisticRegression (scaled) and HistGradientBoosting."""
    return {
        name: make
        for name, make in peer_estimators().items()
        if name in ("LogisticRegression", "HistGradientBoosting")
    }


# ------------------------------------------------------- cascade peers


class _Averaged:
    """The members' mean probability (as both peers predict)."""

    def __init__(self, members):
        self.members = members

    def predict_proba(self, X):
        return np.mean([m.predict_proba(X) for m in self.members], axis=0)


def _fit_member(make_est, X, y, pos, neg):
    rows = np.sort(np.r_[pos, neg])
    return make_est().fit(X[rows], y[rows])


def self_paced_ensemble(make_est, X, y, seed, n_estimators=10, k_bins=5):
    """Liu et al. 2020: each member's negatives drawn by hardness bins whose
    weights flatten from 'hard only' towards uniform as the ensemble grows."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    members = [_fit_member(make_est, X, y, pos, rng.choice(neg, pos.size, False))]
    for i in range(1, n_estimators):
        hardness = _Averaged(members).predict_proba(X[neg])[:, 1]
        alpha = math.tan(math.pi / 2 * min(i / (n_estimators - 1), 0.999))
        edges = np.linspace(hardness.min(), hardness.max() + 1e-12, k_bins + 1)
        bins = np.clip(np.digitize(hardness, edges) - 1, 0, k_bins - 1)
        weights = np.zeros(k_bins)
        for b in range(k_bins):
            if np.any(bins == b):
                weights[b] = 1.0 / (hardness[bins == b].mean() + alpha)
        quota = np.floor(pos.size * weights / weights.sum()).astype(int)
        drawn = []
        for b in range(k_bins):
            members_b = neg[bins == b]
            drawn.append(rng.choice(members_b, min(quota[b], members_b.size), False))
        members.append(_fit_member(make_est, X, y, pos, np.concatenate(drawn)))
    return _Averaged(members)


def balance_cascade(make_est, X, y, seed, n_estimators=10):
    """Liu, Wu & Zhou 2009: after each balanced member, drop the negatives
    the ensemble is surest of, keeping a fixed share of the rest."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    keep = (pos.size / neg.size) ** (1.0 / (n_estimators - 1))
    remaining, members = neg, []
    for _ in range(n_estimators):
        drawn = rng.choice(remaining, min(pos.size, remaining.size), False)
        members.append(_fit_member(make_est, X, y, pos, drawn))
        hardness = _Averaged(members).predict_proba(X[remaining])[:, 1]
        n_keep = max(pos.size, math.ceil(keep * remaining.size))
        remaining = remaining[np.argsort(-hardness, kind="stable")[:n_keep]]
    return _Averaged(members)


# --------------------------------------------------------------- methods

METHODS = (
    "full data",
    "class_weight=balanced",
    "skhnm plain",
    "skhnm weighted",
    "RUS 1:3",
    "RUS, plain's budget",
    "RUS, weighted's budget",
    "SelfPacedEnsemble (10)",
    "BalanceCascade (10)",
)


def run_method(method, make_est, X, y, seed, budgets):
    from skhnm import HardNegativeMiningClassifier

    if method in ("full data", "class_weight=balanced", "RUS 1:3"):
        return peer_method(method, make_est, X, y, seed, None)[:2]
    if method.startswith("RUS, "):  # at a mining run's final budget
        budget = budgets[method.split(", ")[1].split("'")[0]]
        return peer_method("RUS, mining's budget", make_est, X, y, seed, budget)[:2]
    if method.startswith("skhnm"):
        weighting = IPW if method == "skhnm weighted" else None
        model = HardNegativeMiningClassifier(
            make_est(), weighting=weighting, random_state=seed
        ).fit(X, y)
        return model, model.negative_indices_.size
    if method.startswith("SelfPaced"):
        return self_paced_ensemble(make_est, X, y, seed), float("nan")
    if method.startswith("BalanceCascade"):
        return balance_cascade(make_est, X, y, seed), float("nan")
    raise ValueError(method)


def quality(quick, seeds, out, only_tasks=None):
    import pandas as pd

    rows = []
    for task_name, make_task in tasks(quick).items():
        if only_tasks and task_name not in only_tasks:
            continue
        for seed in range(seeds):
            X, X_test, y, y_test = make_task(seed)
            print(f"== {task_name}, seed {seed}: {X.shape}, {int(y.sum())} pos")
            for est_name, make_est in estimators().items():
                budgets = {}  # each skhnm run's final negatives
                for method in METHODS:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t0 = time.perf_counter()
                        model, used = run_method(method, make_est, X, y, seed, budgets)
                        seconds = time.perf_counter() - t0
                        s = scores_of(model, X_test)
                    if method.startswith("skhnm"):
                        budgets[method.split()[1]] = used
                    rows.append(
                        {
                            "task": task_name,
                            "estimator": est_name,
                            "method": method,
                            "seed": seed,
                            "negatives_used": used,
                            "fit_seconds": seconds,
                            **measures(y_test, s),
                        }
                    )
                    print(
                        f"  {est_name:<20} {method:<24} "
                        f"AP {rows[-1]['average_precision']:.3f} {seconds:6.2f} s",
                        flush=True,
                    )
    frame = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "weighting.csv", index=False)
    write_summary(frame, out)


def write_summary(frame, out):
    mean = frame.groupby(["task", "estimator", "method"])[
        ["average_precision", "fit_seconds", "negatives_used"]
    ].mean()
    ap = mean["average_precision"].unstack("method")
    secs = mean["fit_seconds"].unstack("method")
    full = ap["full data"]
    lines = [
        "# Inverse-probability weighting: the evidence for the default",
        "",
        f"Machine: {machine()}; Python {platform.python_version()}. "
        f"{frame['seed'].nunique()} seeds per cell, {len(ap)} task/estimator "
        "pairs; held-out average precision (AP), mean over seeds. Written by "
        "``python benchmarks/bench_weighting.py quality``.",
        "",
        "| method | mean AP | mean gap to full data | within 0.005 of full | "
        "median fit time / full |",
        "|---|---|---|---|---|",
    ]
    for method in METHODS:
        gap = ap[method] - full
        lines.append(
            f"| {method} | {ap[method].mean():.4f} | {gap.mean():+.4f} | "
            f"{int((gap >= -0.005).sum())} of {len(gap)} | "
            f"{(secs[method] / secs['full data']).median():.2f} |"
        )
    for mined in ("skhnm plain", "skhnm weighted"):
        rus = ap[f"RUS, {mined.split()[1]}'s budget"]
        lines += [
            "",
            f"{mined}: at least as good as random undersampling at its own "
            f"final budget on {int((ap[mined] >= rus).sum())} of {len(ap)} "
            "pairs; above class_weight='balanced' on "
            f"{int((ap[mined] > ap['class_weight=balanced']).sum())}; within "
            f"0.005 of full data or above on "
            f"{int((ap[mined] >= full - 0.005).sum())}.",
        ]
    detail = [
        "",
        "| task | estimator | " + " | ".join(METHODS) + " |",
        "|---|---|" + "---|" * len(METHODS),
    ]
    for (task, est), row in ap.iterrows():
        detail.append(
            f"| {task} | {est} | " + " | ".join(f"{row[m]:.3f}" for m in METHODS) + " |"
        )
    text = "\n".join(lines + detail) + "\n"
    (out / "weighting.md").write_text(text)
    (out / "weighting.rst").write_text(markdown_to_rst("\n".join((lines + detail)[1:])))
    print(text)


# ----------------------------------------------------------------- large


def large(n_rows, out, seed=0):
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, brier_score_loss
    from sklearn.model_selection import train_test_split

    from skhnm import HardNegativeMiningClassifier

    X, y = make_classification(
        int(n_rows / 0.7),
        20,
        n_informative=8,
        weights=[0.99],
        class_sep=0.8,
        flip_y=0.005,
        random_state=seed,
    )
    X, X_te, y, y_te = train_test_split(X, y, train_size=n_rows, random_state=seed)
    head = (
        f"Machine: {machine()}; Python {platform.python_version()}. "
        f"LogisticRegression, {X.shape[0]:,} training rows of "
        f"``make_classification`` (20 features, 8 informative), "
        f"{int(y.sum()):,} positives; {X_te.shape[0]:,} held-out rows. "
        "Written by ``python benchmarks/bench_weighting.py large``."
    )
    # Weighted mining at other cuts than "auto" (a likelihood ratio of
    # `ratio`, 3): the evidence for that default.
    rate = y.mean()
    cuts = {
        f"weighted, likelihood ratio > {k}": math.log(k * rate / (1 - rate))
        for k in (1, 10)
    }
    cuts["weighted, threshold 0 (p > 0.5)"] = 0.0
    fits = {}
    # LogisticRegression's default solver (lbfgs) needs more iterations on
    # weighted rows than the Newton solver; both are warm-started.
    newton = "newton-cholesky"
    names = ("full data", "skhnm plain", "skhnm weighted", *cuts)
    for name in (*names, f"full data, {newton}", f"skhnm weighted, {newton}"):
        solver = newton if name.endswith(newton) else "lbfgs"
        if name.startswith("full data"):
            model = LogisticRegression(solver=solver)
        else:
            model = HardNegativeMiningClassifier(
                LogisticRegression(solver=solver),
                weighting=None if name == "skhnm plain" else IPW,
                threshold=cuts.get(name, "auto"),
                random_state=0,
            )
        t0 = time.perf_counter()
        model.fit(X, y)
        fits[name] = (model, time.perf_counter() - t0)
    full, t_full = fits["full data"]
    lines = [
        "| fit | AP | Brier / full | mean p / rate | coef. distance | "
        "negatives used | fit time / full |",
        "|---|---|---|---|---|---|---|",
    ]
    brier_full = brier_score_loss(y_te, full.predict_proba(X_te)[:, 1])
    for name, (model, seconds) in fits.items():
        p = model.predict_proba(X_te)[:, 1]
        coef = getattr(model, "estimator_", model).coef_.ravel()
        dist = np.linalg.norm(coef - full.coef_.ravel()) / np.linalg.norm(full.coef_)
        used = getattr(model, "negative_indices_", np.flatnonzero(y == 0)).size
        lines.append(
            f"| {name} | {average_precision_score(y_te, p):.4f} | "
            f"{brier_score_loss(y_te, p) / brier_full:.4f} | "
            f"{p.mean() / y_te.mean():.3f} | {dist:.4f} | "
            f"{used / (y == 0).sum():.1%} | {seconds / t_full:.2f} |"
        )
    note = (
        "Coefficient distance: relative L2 distance to the full-data fit's "
        "coefficients; mean p / rate: the mean predicted probability on the "
        "held-out rows over their positive rate; every ratio is to the first "
        "row (lbfgs, LogisticRegression's default solver)."
    )
    text = "\n".join([head, "", *lines, "", note])
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "weighting_large.md").write_text(text + "\n")
    (out / "weighting_large.rst").write_text(markdown_to_rst(text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("quality", "large"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--task", action="append", default=None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--summarize", action="store_true")
    args = parser.parse_args()
    if args.part == "large":
        large(args.rows, args.out)
        return
    if args.summarize:
        import pandas as pd

        write_summary(pd.read_csv(args.out / "weighting.csv"), args.out)
        return
    t0 = time.perf_counter()
    quality(args.quick, args.seeds or (2 if args.quick else 5), args.out, args.task)
    print(f"done in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
