"""skhnm against the methods users would pick instead, measured side by side.

    python benchmarks/bench_peers.py --quick    # a 2-core machine, under 15 minutes
    python benchmarks/bench_peers.py            # more seeds, pools up to 10M rows

Every method wraps the same estimator (LogisticRegression, LinearSVC, SVC
(rbf), HistGradientBoostingClassifier; linear and kernel models behind a
StandardScaler): full-data fit, ``class_weight="balanced"``, imbalanced-learn's
RandomUnderSampler at 1:3 and at skhnm's final negative budget (also
weighted by the inverse of its sampling rate),
InstanceHardnessThreshold, BalancedBaggingClassifier, skhnm with default
parameters and skhnm tuned by GridSearchCV over ratio, threshold and
max_rounds (its search time reported apart). EasyEnsembleClassifier and
RUSBoostClassifier use their own learners. Tasks: scikit-learn's bundled
datasets made imbalanced, synthetic pools (memory-mapped at the top end) and
the face windows of examples/plot_face_detection.py.

Per cell: average precision, ROC AUC, recall at 1% false-positive rate, fit
seconds, peak extra memory of the fit (anonymous resident memory, sampled)
and negatives used, as mean and spread over seeds. Cells that would take too
long on the machine (full-data SVC on large pools, say) are skipped and
listed. Writes ``peers.csv`` (one row per run), ``peers.md`` (the summary)
and ``peers_ap.png`` to ``--out`` (default benchmarks/results).
"""

import argparse
import ctypes
import os
import platform
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"


# ------------------------------------------------------------------ tasks


def _split(X, y, seed, test_size=0.4):
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)


def task_digits(digit):
    def make(seed):
        from sklearn.datasets import load_digits

        X, d = load_digits(return_X_y=True)
        return _split(X, (d == digit).astype(int), seed)

    return make


def task_breast_cancer(seed):
    """Malignant tumours subsampled to 5% of the rows (the rest benign)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    y = 1 - y  # malignant is the positive, rare class
    rng = np.random.default_rng(1000 + seed)
    pos = rng.choice(np.flatnonzero(y == 1), int(0.05 * (y == 0).sum()), False)
    rows = np.sort(np.r_[np.flatnonzero(y == 0), pos])
    return _split(X[rows], y[rows], seed)


def _pool_rows(n, d, seed, out=None):
    """Synthetic rows: a positive is a noisy, partly non-linear score's top 1%."""
    rng = np.random.default_rng(seed)
    w = np.random.default_rng(7).standard_normal(d).astype(np.float32)
    w[d // 2 :] = 0.0  # half the features are noise
    X = np.empty((n, d), np.float32) if out is None else out
    y = np.empty(n, np.int8)
    for start in range(0, n, 500_000):
        block = rng.standard_normal((min(500_000, n - start), d), np.float32)
        score = block @ w + 1.5 * np.sin(2 * block[:, 0]) * block[:, 1]
        score += rng.standard_normal(block.shape[0]).astype(np.float32)
        X[start : start + block.shape[0]] = block
        y[start : start + block.shape[0]] = score > 6.3
    return X, y


def task_pool(n, d=20):
    def make(seed):
        test = _pool_rows(100_000, d, 10_000 + seed)
        if n * d * 4 > 1e9:  # the top end lives on disk
            folder = tempfile.mkdtemp()
            mm = np.lib.format.open_memmap(
                os.path.join(folder, "pool.npy"), "w+", np.float32, (n, d)
            )
            X, y = _pool_rows(n, d, seed, out=mm)
            mm.flush()
            X = np.load(os.path.join(folder, "pool.npy"), mmap_mode="r")
        else:
            X, y = _pool_rows(n, d, seed)
        return X, test[0], y.astype(int), test[1].astype(int)

    return make


def task_face_windows(seed):
    """HOG features of LFW faces (+ mirrors) against windows of face-free images."""
    cache = RESULTS / "face_windows.npz"
    if not cache.exists():
        from skimage import color, data, feature, transform

        def hog(w):
            return feature.hog(
                w, orientations=9, pixels_per_cell=(6, 6), cells_per_block=(2, 2)
            )

        def gray(img):
            img = np.asarray(img)
            img = color.rgb2gray(img[..., :3]) if img.ndim == 3 else img
            return img / (255.0 if img.max() > 1 else 1.0)

        names = (
            "brick grass gravel coffee coins moon page text horse "
            "immunohistochemistry rocket clock logo colorwheel cell"
        ).split()
        feats, groups = [], []
        for g, name in enumerate(names):
            for scale in (1.0, 0.6, 0.35):
                img = transform.rescale(gray(getattr(data, name)()), scale)
                for r in range(0, img.shape[0] - 24, 6):
                    for c in range(0, img.shape[1] - 24, 6):
                        feats.append(hog(img[r : r + 25, c : c + 25]))
                        groups.append(g)
        faces = data.lfw_subset()[:100]
        pos = [hog(f) for f in np.concatenate([faces, faces[:, :, ::-1]])]
        RESULTS.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            cache,
            neg=np.array(feats, np.float32),
            groups=np.array(groups),
            pos=np.array(pos, np.float32),
        )
    z = np.load(cache)
    X = np.vstack([z["pos"], z["neg"]])
    y = np.r_[np.ones(len(z["pos"]), int), np.zeros(len(z["neg"]), int)]
    return _split(X, y, seed, test_size=0.3)


# The tasks whose fits take milliseconds, where mining's fixed costs show.
SMALL_TASKS = ("digits 8 vs rest", "digits 9 vs rest", "breast cancer (5% malignant)")


def tasks(quick):
    out = {
        "digits 8 vs rest": task_digits(8),
        "digits 9 vs rest": task_digits(9),
        "breast cancer (5% malignant)": task_breast_cancer,
        "face windows (HOG)": task_face_windows,
        "synthetic 100k": task_pool(100_000),
    }
    if not quick:
        out["synthetic 1M"] = task_pool(1_000_000)
        out["synthetic 10M (memmap)"] = task_pool(10_000_000)
    return out


# ---------------------------------------------------------------- methods


def estimators():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, LinearSVC

    return {
        "LogisticRegression": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
        "LinearSVC": lambda: make_pipeline(StandardScaler(), LinearSVC()),
        "SVC (rbf)": lambda: make_pipeline(StandardScaler(), SVC()),
        "HistGradientBoosting": lambda: HistGradientBoostingClassifier(),
    }


def _negatives_of_ensemble(model, y):
    """Distinct negatives the members were trained on (after their sampler)."""
    rows = []
    for member, drawn in zip(model.estimators_, model.estimators_samples_, strict=True):
        drawn = np.asarray(drawn)
        if drawn.dtype == bool:
            drawn = np.flatnonzero(drawn)
        sampler = getattr(member, "named_steps", {}).get("sampler")
        if sampler is not None and hasattr(sampler, "sample_indices_"):
            drawn = drawn[sampler.sample_indices_]
        rows.append(drawn)
    rows = np.unique(np.concatenate(rows))
    return int(np.count_nonzero(y[rows] == 0))


# skhnm's hardness rules, compared with --rules (issue 9).
# The bootstrap's rounds (weighting=None), which each rule drives.
RULES = {
    "threshold": {"criterion": "threshold", "weighting": None},
    "rank": {"criterion": "rank", "weighting": None},
    "k_best": {"criterion": "k_best", "weighting": None},
}


def weighted_undersampling(est, X, y, seed, budget):
    """`est` fitted on every positive and a uniform subset of `budget`
    negatives weighted by the inverse of its rate: the full-data loss
    estimated for free. Returns (fitted est, negatives used)."""
    n_neg = int((y == 0).sum())
    n = min(n_neg, budget)
    rng = np.random.default_rng(seed)
    negatives = rng.choice(np.flatnonzero(y == 0), n, replace=False)
    rows = np.sort(np.r_[np.flatnonzero(y == 1), negatives])
    key = est.steps[-1][0] + "__sample_weight" if hasattr(est, "steps") else ""
    weights = np.where(y[rows] == 1, 1.0, n_neg / n)
    return est.fit(X[rows], y[rows], **{key or "sample_weight": weights}), n


def run_method(method, make_est, X, y, seed, budget):
    """Fit one method; return (model, negatives used, extra info)."""
    from imblearn.ensemble import (
        BalancedBaggingClassifier,
        EasyEnsembleClassifier,
        RUSBoostClassifier,
    )
    from imblearn.pipeline import make_pipeline as imb_pipeline
    from imblearn.under_sampling import InstanceHardnessThreshold, RandomUnderSampler
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from skhnm import HardNegativeMiningClassifier

    n_pos, n_neg = int(y.sum()), int((y == 0).sum())
    if method == "full data":
        return make_est().fit(X, y), n_neg, {}
    if method == "class_weight=balanced":
        est = make_est()
        step = est.steps[-1][0] + "__" if hasattr(est, "steps") else ""
        est.set_params(**{step + "class_weight": "balanced"})
        return est.fit(X, y), n_neg, {}
    if method in ("RUS 1:3", "RUS, mining's budget") or method.startswith("RUS ["):
        n = min(n_neg, 3 * n_pos if method == "RUS 1:3" else budget)
        rus = RandomUnderSampler(sampling_strategy={0: n}, random_state=seed)
        return imb_pipeline(rus, make_est()).fit(X, y), n, {}
    if method == "weighted RUS, mining's budget":
        return (*weighted_undersampling(make_est(), X, y, seed, budget), {})
    if method == "InstanceHardnessThreshold":
        # Keeps 3 negatives per positive: the easiest, by cross-validated
        # hardness (the opposite choice to mining's).
        iht = InstanceHardnessThreshold(
            sampling_strategy=min(1.0, n_pos / min(n_neg, 3 * n_pos)),
            cv=3,
            random_state=seed,
        )
        Xr, yr = iht.fit_resample(X, y)
        return make_est().fit(Xr, yr), int((yr == 0).sum()), {}
    if method == "BalancedBagging":
        model = BalancedBaggingClassifier(
            make_est(), n_estimators=10, random_state=seed
        ).fit(X, y)
        return model, _negatives_of_ensemble(model, y), {}
    if method == "EasyEnsemble (own learners)":
        model = EasyEnsembleClassifier(n_estimators=10, random_state=seed).fit(X, y)
        return model, _negatives_of_ensemble(model, y), {}
    if method == "RUSBoost (own learners)":
        model = RUSBoostClassifier(n_estimators=50, random_state=seed).fit(X, y)
        # Each boosting round draws its own balanced sample: about n_pos
        # negatives each, not recorded by the model.
        return model, float("nan"), {}
    if method == "skhnm" or method.startswith("skhnm ["):
        rule = RULES[method[7:-1]] if method.startswith("skhnm [") else {}
        model = HardNegativeMiningClassifier(make_est(), random_state=seed, **rule)
        model.fit(X, y)
        return model, model.negative_indices_.size, {"rounds": model.n_rounds_}
    if method == "skhnm tuned":
        grid = {
            "ratio": [1.0, 3.0],
            "threshold": [-1.0, -0.5, 0.0],
            "max_rounds": [0, 3, 10],
        }
        search = GridSearchCV(
            HardNegativeMiningClassifier(make_est(), random_state=seed),
            grid,
            scoring="average_precision",
            cv=StratifiedKFold(3, shuffle=True, random_state=seed),
        )
        t0 = time.perf_counter()
        search.fit(X, y)
        total = time.perf_counter() - t0
        best = search.best_estimator_
        return (
            best,
            best.negative_indices_.size,
            {
                "tuning_seconds": total - search.refit_time_,
                "refit_seconds": search.refit_time_,
                "best": str(search.best_params_),
            },
        )
    raise ValueError(method)


METHODS = (
    "full data",
    "class_weight=balanced",
    "skhnm",
    "RUS, mining's budget",
    "weighted RUS, mining's budget",
    "RUS 1:3",
    "InstanceHardnessThreshold",
    "BalancedBagging",
    "skhnm tuned",
)
OWN = ("EasyEnsemble (own learners)", "RUSBoost (own learners)")


def affordable(method, estimator, n_rows, n_features, quick):
    """Whether a cell runs here: the costly ones on large data are skipped."""
    big = n_rows * n_features
    if estimator == "SVC (rbf)":
        if method in (
            "full data",
            "class_weight=balanced",
            "InstanceHardnessThreshold",
        ):
            return n_rows <= (30_000 if quick else 120_000) and big <= 4e6
        if method in ("BalancedBagging", "skhnm tuned"):
            return n_rows <= (5_000 if quick else 120_000)
        return big <= 5e7
    if method == "InstanceHardnessThreshold":  # a cross-validated forest
        return big <= (1e6 if quick else 3e7)
    if method == "skhnm tuned":
        return big <= (3e6 if quick else 3e7)
    if method in ("BalancedBagging", *OWN):
        return big <= (5e7 if quick else 2.5e8)
    return True


# ------------------------------------------------------------ measuring


def _rss_anon():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def _trim():
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


class PeakMemory:
    """Peak anonymous resident memory above the level at entry, sampled."""

    def __enter__(self):
        _trim()
        self.base = self.peak = _rss_anon()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_anon())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.extra = max(0, self.peak - self.base)


def scores_of(model, X):
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=float)
    return np.asarray(model.predict_proba(X))[:, 1]


def measures(y_test, s):
    from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(y_test, s)
    return {
        "average_precision": average_precision_score(y_test, s),
        "roc_auc": roc_auc_score(y_test, s),
        "recall_at_1pct_fpr": float(tpr[fpr <= 0.01].max()),
    }


def run(quick, seeds, out, only_tasks=None, rules=False):
    import pandas as pd

    rows, skipped = [], []
    out.mkdir(parents=True, exist_ok=True)
    for task_name, make_task in tasks(quick).items():
        if only_tasks and task_name not in only_tasks:
            continue
        for seed in range(seeds):
            X, X_test, y, y_test = make_task(seed)
            n, d = X.shape
            print(
                f"== {task_name}, seed {seed}: {n:,} x {d}, {int(y.sum()):,} positives",
                flush=True,
            )
            if rules:
                methods = ["full data"]
                for rule in RULES:
                    methods += [f"skhnm [{rule}]", f"RUS [{rule}]"]
                cells = [(m, e) for e in estimators() for m in methods]
            else:
                cells = [(m, e) for e in estimators() for m in METHODS]
                cells += [(m, "own") for m in OWN]
            budgets = {}  # skhnm's final negatives, per estimator
            for method, est_name in cells:
                rule = method[method.find("[") :] if "[" in method else ""
                budget = budgets.get((est_name, rule))
                if est_name == "own":
                    make_est = None
                else:
                    make_est = estimators()[est_name]
                if not affordable(method.split(" [")[0], est_name, n, d, quick):
                    if seed == 0:
                        skipped.append((task_name, est_name, method))
                    continue
                if (
                    method.endswith("RUS, mining's budget")
                    or method.startswith("RUS [")
                ) and (budget is None):
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t0 = time.perf_counter()
                    with PeakMemory() as mem:
                        model, used, info = run_method(
                            method, make_est, X, y, seed, budget
                        )
                    seconds = time.perf_counter() - t0
                    s = scores_of(model, X_test)
                if method.startswith("skhnm") and method != "skhnm tuned":
                    budgets[(est_name, rule)] = used
                if method == "skhnm tuned":
                    seconds = info["refit_seconds"]
                row = {
                    "task": task_name,
                    "estimator": est_name,
                    "method": method,
                    "seed": seed,
                    "n_train": n,
                    "n_positives": int(y.sum()),
                    "negatives_used": used,
                    "fit_seconds": seconds,
                    "peak_extra_MiB": mem.extra / 2**20,
                    **measures(y_test, s),
                    **{k: v for k, v in info.items() if k != "refit_seconds"},
                }
                rows.append(row)
                print(
                    f"  {est_name:<20} {method:<28} AP {row['average_precision']:.3f}"
                    f"  {seconds:7.2f} s  {used!s:>9} negatives",
                    flush=True,
                )
    frame = pd.DataFrame(rows)
    name = "rules" if rules else "peers"
    frame.to_csv(out / f"{name}.csv", index=False)
    if rules:
        write_rules_summary(frame, out)
    else:
        write_summary(frame, skipped, out)
    return frame


def markdown_to_rst(text):
    """The summaries' Markdown (headings, bullets, pipe tables) as reST."""
    out, table = [], []

    def flush():
        if not table:
            return
        rows = [
            [c.strip() for c in line.strip().strip("|").split("|")]
            for line in table
            if not set(line.replace("|", "").strip()) <= set("-: ")
        ]
        out.append(".. csv-table::")
        out.append("   :header-rows: 1")
        out.append("")
        for row in rows:
            cells = ('"' + c.replace('"', '""') + '"' for c in row)
            out.append("   " + ", ".join(cells))
        out.append("")
        table.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            title = line.lstrip("#").strip()
            out += [title, "=-~^"[min(level, 4) - 1] * len(title)]
        else:
            out.append(line)
    flush()
    return "\n".join(out) + "\n"


def add_blas_threads_option(parser):
    """``--blas-threads N``: limit BLAS to N threads for the whole run."""
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS (NumPy's and SciPy's OpenBLAS) to this many threads",
    )


def limit_blas_threads(args):
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")


def machine():
    cpus = os.cpu_count()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.processor() or platform.machine()}, {cpus} cores{mem}"


def write_summary(frame, skipped, out):
    """Markdown: per task and estimator, each method's mean (spread) over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = [
        "# skhnm against its peers",
        "",
        f"Machine: {machine()}; Python {platform.python_version()}. "
        f"{frame['seed'].nunique()} seeds per cell; mean (standard deviation).",
        "",
    ]
    agg = frame.groupby(["task", "estimator", "method"], sort=False)
    summary = agg.agg(
        ap=("average_precision", "mean"),
        ap_sd=("average_precision", "std"),
        auc=("roc_auc", "mean"),
        r1=("recall_at_1pct_fpr", "mean"),
        secs=("fit_seconds", "mean"),
        mem=("peak_extra_MiB", "mean"),
        neg=("negatives_used", "mean"),
    ).reset_index()
    verdicts, body = [], []
    for (task, est), part in summary.groupby(["task", "estimator"], sort=False):
        body += [f"## {task} — {est}", ""]
        body.append(
            "| method | AP | ROC AUC | recall @1% FPR | fit s | peak MiB | negatives |"
        )
        body.append("|---|---|---|---|---|---|---|")
        for r in part.itertuples():
            sd = "" if np.isnan(r.ap_sd) else f" ({r.ap_sd:.3f})"
            body.append(
                f"| {r.method} | {r.ap:.3f}{sd} | {r.auc:.3f} | {r.r1:.3f} | "
                f"{r.secs:.2f} | {r.mem:.0f} | {r.neg:,.0f} |"
            )
        body.append("")
        by = part.set_index("method")
        if "skhnm" in by.index and "RUS, mining's budget" in by.index:
            v = {
                "task": task,
                "estimator": est,
                "skhnm_ap": by.at["skhnm", "ap"],
                "rus_ap": by.at["RUS, mining's budget", "ap"],
            }
            if "weighted RUS, mining's budget" in by.index:
                v["wrus_ap"] = by.at["weighted RUS, mining's budget", "ap"]
            if "full data" in by.index:
                v["full_ap"] = by.at["full data", "ap"]
                v["time_ratio"] = by.at["skhnm", "secs"] / by.at["full data", "secs"]
            verdicts.append(v)
    if verdicts:
        beats = sum(v["skhnm_ap"] > v["rus_ap"] for v in verdicts)
        weighed = [v for v in verdicts if "wrus_ap" in v]
        beats_weighted = sum(v["skhnm_ap"] >= v["wrus_ap"] for v in weighed)
        close = [v for v in verdicts if "full_ap" in v]
        within = sum(v["skhnm_ap"] >= v["full_ap"] - 0.005 for v in close)
        small = [v["time_ratio"] for v in close if v["task"] in SMALL_TASKS]
        on_small = (
            f" ({np.median(small):.2f} on the {len(small)} pairs of the small tasks:"
            f" {', '.join(SMALL_TASKS)})"
            if small
            else ""
        )
        lines += [
            "## Against the targets",
            "",
            f"- skhnm (defaults) beats random undersampling at the same negative "
            f"budget in average precision on {beats} of {len(verdicts)} "
            f"task-estimator pairs, and matches or beats weighted undersampling "
            f"at that budget on {beats_weighted} of {len(weighed)}.",
            f"- skhnm comes within 0.005 AP of full-data training on {within} of "
            f"{len(close)} pairs where full data ran; median fit-time ratio "
            f"{np.median([v['time_ratio'] for v in close]):.2f}{on_small}.",
            "",
            "| task | estimator | skhnm AP | RUS (same budget) AP |"
            " weighted RUS AP | full-data AP | skhnm / full time |",
            "|---|---|---|---|---|---|---|",
        ]
        for v in verdicts:
            full = f"{v['full_ap']:.3f}" if "full_ap" in v else "—"
            ratio = f"{v['time_ratio']:.2f}" if "time_ratio" in v else "—"
            weighted = f"{v['wrus_ap']:.3f}" if "wrus_ap" in v else "—"
            lines.append(
                f"| {v['task']} | {v['estimator']} | {v['skhnm_ap']:.3f} | "
                f"{v['rus_ap']:.3f} | {weighted} | {full} | {ratio} |"
            )
        lines.append("")
    lines += body
    if skipped:
        lines += ["## Skipped cells (too costly on this machine)", ""]
        lines += [f"- {t} — {e} — {m}" for t, e, m in skipped]
    (out / "peers.md").write_text("\n".join(lines) + "\n")
    (out / "peers.rst").write_text(markdown_to_rst("\n".join(lines[1:])))

    tasks_ = list(dict.fromkeys(summary["task"]))
    fig, axes = plt.subplots(
        1, len(tasks_), figsize=(4.2 * len(tasks_), 4.5), sharey=False
    )
    axes = np.atleast_1d(axes)
    for ax, task in zip(axes, tasks_, strict=True):
        part = summary[summary["task"] == task]
        for i, method in enumerate(dict.fromkeys(summary["method"])):
            sub = part[part["method"] == method]
            ax.scatter(sub["secs"], sub["ap"], label=method, marker="os^vD<>px*hH"[i])
        ax.set_xscale("log")
        ax.set_title(task, fontsize=9)
        ax.set_xlabel("fit seconds")
    axes[0].set_ylabel("average precision")
    axes[-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "peers_ap.png", dpi=90)


def write_rules_summary(frame, out):
    """Which hardness rule beats random undersampling at its budget, and how
    close each comes to full-data training (issue 9's evidence)."""
    lines = [
        "# skhnm's hardness rules compared",
        "",
        f"Machine: {machine()}; Python {platform.python_version()}. "
        f"{frame['seed'].nunique()} seeds per cell. Each rule with its default "
        "value (threshold 'auto', rank_quantile 0.1, k_best as many as the positives) "
        "and default ratio and max_rounds; 'RUS' is random undersampling at the "
        "rule's own final negative budget.",
        "",
        "| rule | beats RUS at its budget | within 0.005 AP of full data | "
        "mean AP gap to full data | mean AP gain over RUS | mean fit s |",
        "|---|---|---|---|---|---|",
    ]
    mean = frame.groupby(["task", "estimator", "method"])[
        ["average_precision", "fit_seconds", "negatives_used"]
    ].mean()
    pairs = sorted({(t, e) for t, e, _ in mean.index})
    detail = [
        "",
        "| task | estimator | full AP | "
        + " | ".join(f"{r} AP (RUS AP, negatives)" for r in RULES)
        + " |",
        "|---|---|---|" + "---|" * len(RULES),
    ]
    stats = {
        r: {"wins": 0, "close": 0, "gap": [], "gain": [], "secs": [], "n": 0}
        for r in RULES
    }
    for task, est in pairs:
        cells = []
        full = (
            mean.loc[(task, est, "full data")]
            if (task, est, "full data") in mean.index
            else None
        )
        for r in RULES:
            key, rus_key = (task, est, f"skhnm [{r}]"), (task, est, f"RUS [{r}]")
            if key not in mean.index or rus_key not in mean.index:
                cells.append("—")
                continue
            ap, rus = (
                mean.loc[key, "average_precision"],
                mean.loc[rus_key, "average_precision"],
            )
            st = stats[r]
            st["n"] += 1
            st["wins"] += ap > rus
            st["gain"].append(ap - rus)
            st["secs"].append(mean.loc[key, "fit_seconds"])
            if full is not None:
                st["gap"].append(ap - full["average_precision"])
                st["close"] += ap >= full["average_precision"] - 0.005
            cells.append(
                f"{ap:.3f} ({rus:.3f}, {mean.loc[key, 'negatives_used']:,.0f})"
            )
        full_ap = f"{full['average_precision']:.3f}" if full is not None else "—"
        detail.append(f"| {task} | {est} | {full_ap} | " + " | ".join(cells) + " |")
    for r, st in stats.items():
        lines.append(
            f"| {r} | {st['wins']} of {st['n']} | {st['close']} of {len(st['gap'])} | "
            f"{np.mean(st['gap']):+.4f} | {np.mean(st['gain']):+.4f} | "
            f"{np.mean(st['secs']):.2f} |"
        )
    text = "\n".join(lines + detail) + "\n"
    (out / "rules.md").write_text(text)
    (out / "rules.rst").write_text(markdown_to_rst("\n".join((lines + detail)[1:])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--task", action="append", default=None)
    parser.add_argument(
        "--rules", action="store_true", help="compare skhnm's hardness rules"
    )
    parser.add_argument(
        "--summarize",
        action="store_true",
        help="only rewrite the tables and plot from the CSV in --out",
    )
    args = parser.parse_args()
    seeds = args.seeds or (2 if args.quick else 5)
    if args.summarize:
        import pandas as pd

        if args.rules:
            write_rules_summary(pd.read_csv(args.out / "rules.csv"), args.out)
        else:
            write_summary(pd.read_csv(args.out / "peers.csv"), [], args.out)
        return
    t0 = time.perf_counter()
    run(args.quick, seeds, args.out, args.task, args.rules)
    print(f"done in {time.perf_counter() - t0:.0f} s; tables in {args.out}")


if __name__ == "__main__":
    main()
