"""Scoring-engine benchmarks (issue 4), each printed as ratios measured in one run.

    python benchmarks/bench_scoring.py throughput [--rows 4000000] [--features 32]
    python benchmarks/bench_scoring.py svc [--samples 120000]
    python benchmarks/bench_scoring.py compiled
    python benchmarks/bench_scoring.py all

throughput
    ``score_rows`` (the scores of given rows: since the Pool interface, what
    the working set and the positives are scored with; a round's selecting
    pass is measured through ``fit`` by bench_fit.py) over a float32 pool
    against a bare ``X @ w`` over the same array, in the same process,
    alternating the two and taking medians. The pass scores every negative
    outside a 1:3 working set (its rows have gaps), with positives stacked
    in front of the negatives or interleaved with them; "whole pool" is the
    cache's pass over every negative, one run of rows when the positives are
    stacked. Peak extra memory of the pass is measured with tracemalloc
    (NumPy reports its allocations to it). Target: at least 0.8 of the bare
    product's throughput (rows per second), peak extra memory under 10% of
    the pool.

svc
    ``SVC()`` on all training rows against ``HardNegativeMiningClassifier(
    SVC(), threshold=-1.0, n_jobs=-1)`` (scoring threads; libsvm's fit has
    none), with the default max_rounds and with one round, on
    make_classification(n_samples=120_000,
    n_features=20, n_informative=8, weights=[0.98], class_sep=0.8,
    random_state=0) split 70/30 stratified. Target: average precision at
    least the full-data one minus 0.005, at no more than 0.3 of its fit time.

compiled
    The compiled scorer against the estimator's own method, for SVC (rbf) and
    MLPClassifier, on 200,000 rows in float64.
"""

import argparse
import time
import tracemalloc

import numpy as np


def _median_times(functions, repeats):
    """Median wall time of each function, calls alternated to share the noise."""
    times = [[] for _ in functions]
    for _ in range(repeats):
        for i, f in enumerate(functions):
            t0 = time.perf_counter()
            f()
            times[i].append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def throughput(n_rows, n_features, repeats):
    from sklearn.linear_model import LogisticRegression

    from skhnm._scoring import score_rows

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features), dtype=np.float32)
    n_pos = n_rows // 50
    model = LogisticRegression().fit(X[:20_000], (rng.random(20_000) < 0.3).astype(int))
    w = model.coef_.ravel().astype(np.float32)
    print(
        f"pool {n_rows:,} x {n_features} float32 ({X.nbytes / 2**20:.0f} MiB), "
        f"{n_pos:,} positives, working set 1:3, median of {repeats}"
    )
    print(f"{'layout':<12} {'bare ms':>8} {'pass ms':>8} {'ratio':>6} {'extra':>6}")
    for layout in ("stacked", "interleaved", "whole pool"):
        is_pos = np.zeros(n_rows, dtype=bool)
        if layout == "interleaved":
            is_pos[rng.choice(n_rows, n_pos, replace=False)] = True
        else:
            is_pos[:n_pos] = True
        negatives = np.flatnonzero(~is_pos)
        working = rng.choice(negatives, 3 * n_pos, replace=False)
        # The cache scores the whole pool, working negatives included: with
        # positives stacked in front its rows are one run, with no gaps.
        if layout == "whole pool":
            rows = negatives
        else:
            rows = np.setdiff1d(negatives, working)

        def mining_pass(rows=rows):
            return score_rows(
                model, X, rows, response_method="decision_function", pos_label=1
            )

        t_bare, t_pass = _median_times([lambda: X @ w, mining_pass], repeats)
        tracemalloc.start()
        mining_pass()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        ratio = (rows.size / t_pass) / (n_rows / t_bare)
        verdict = "met" if ratio >= 0.8 and peak < 0.1 * X.nbytes else "MISSED"
        print(
            f"{layout:<12} {t_bare * 1e3:>8.1f} {t_pass * 1e3:>8.1f} {ratio:>6.2f} "
            f"{peak / X.nbytes:>6.1%}  {verdict}"
        )
    print(
        "ratio: rows per second of the pass over those of the bare product "
        "(target >= 0.80); extra: peak extra memory over the pool (target < 10%)"
    )


def svc_task(n_samples):
    """The SVC task: make_classification, 2% positives, a 70/30 split."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=8,
        weights=[0.98],
        class_sep=0.8,
        random_state=0,
    )
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def svc(n_samples):
    from sklearn.metrics import average_precision_score
    from sklearn.svm import SVC

    from skhnm import HardNegativeMiningClassifier

    X_train, X_test, y_train, y_test = svc_task(n_samples)
    print(
        f"train {X_train.shape[0]:,} rows ({int(y_train.sum()):,} positives), "
        f"test {X_test.shape[0]:,}"
    )
    t0 = time.perf_counter()
    full = SVC().fit(X_train, y_train)
    t_full = time.perf_counter() - t0
    ap_full = average_precision_score(y_test, full.decision_function(X_test))
    print(
        f"full SVC      fit {t_full:7.2f} s  AP {ap_full:.4f}  "
        f"({full.support_.size:,} support vectors)"
    )

    configs = {
        "threshold=-1": dict(threshold=-1.0),
        "threshold=-1, max_rounds=1": dict(threshold=-1.0, max_rounds=1),
    }
    for label, params in configs.items():
        t0 = time.perf_counter()
        mined = HardNegativeMiningClassifier(
            SVC(), n_jobs=-1, weighting=None, random_state=0, **params
        ).fit(X_train, y_train)
        t_mined = time.perf_counter() - t0
        ap_mined = average_precision_score(y_test, mined.decision_function(X_test))
        h = mined.history_
        ratio, gap = t_mined / t_full, ap_mined - ap_full
        print(
            f"mined SVC, {label}: fit {t_mined:.2f} s  AP {ap_mined:.4f}  "
            f"({mined.negative_indices_.size:,} negatives, {mined.n_rounds_} "
            f"rounds, {mined.termination_condition_})"
        )
        print(f"  per round: negatives {h['n_negatives']}, hard {h['n_hard']}")
        print(
            f"  fit s {[round(t, 2) for t in h['fit_time']]}, "
            f"score s {[round(t, 2) for t in h['score_time']]}"
        )
        print(
            f"  time ratio {ratio:.3f} (target <= 0.3: "
            f"{'met' if ratio <= 0.3 else 'MISSED'}); AP mined - full {gap:+.4f} "
            f"(target >= -0.005: {'met' if gap >= -0.005 else 'MISSED'})"
        )


def compiled(n_rows):
    import warnings

    from sklearn.datasets import make_classification
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    from skhnm._scoring import score_rows

    X, y = make_classification(
        n_samples=n_rows + 10_000,
        n_features=20,
        n_informative=8,
        weights=[0.9],
        random_state=0,
    )
    train, pool = slice(0, 10_000), slice(10_000, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {
            "SVC rbf": (SVC().fit(X[train], y[train]), "decision_function"),
            "MLP (64, 32)": (
                MLPClassifier((64, 32), max_iter=50, random_state=0).fit(
                    X[train], y[train]
                ),
                "predict_proba",
            ),
        }
    rows = np.arange(n_rows)
    print(f"{n_rows:,} rows x 20 float64")
    for name, (model, method) in models.items():

        def run(flag, model=model, method=method):
            return score_rows(
                model,
                X[pool],
                rows,
                response_method=method,
                pos_label=1,
                compiled=flag,
            )

        t_est, t_comp = _median_times([lambda: run(False), lambda: run(True)], 3)
        err = np.max(
            np.abs(run(True) - run(False)) / np.maximum(np.abs(run(False)), 1e-300)
        )
        extra = ""
        if hasattr(model, "support_"):
            extra = f" ({model.support_.size:,} support vectors)"
        print(
            f"{name:<13} estimator {t_est:7.3f} s  compiled {t_comp:7.3f} s  "
            f"speed-up {t_est / t_comp:6.1f}x  max rel diff {err:.1e}{extra}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["throughput", "svc", "compiled", "all"])
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--samples", type=int, default=120_000)
    parser.add_argument("--compiled-rows", type=int, default=200_000)
    args = parser.parse_args()
    if args.what in ("throughput", "all"):
        throughput(args.rows, args.features, args.repeats)
    if args.what in ("compiled", "all"):
        compiled(args.compiled_rows)
    if args.what in ("svc", "all"):
        svc(args.samples)


if __name__ == "__main__":
    main()
