"""Mining a Dask pool against dask-ml's full-data fit, on the same cluster.

    python benchmarks/bench_dask_ml.py [--rows 6e6] [--features 16]

A float64 pool generated on the cluster and persisted there (a stored pool:
every pass reads it from the workers' memory), about 1.2% positives from a
noisy linear rule, on two worker processes with the scheduler in a process
of its own (``bench_scale.cluster``). Fits, side by side in one run:
``HardNegativeMiningClassifier(LogisticRegression())`` with its defaults,
and dask-ml's ``LogisticRegression(solver="lbfgs")`` on every row, each
after a warm-up fit on the first block. Average precision on a held-out
fifth of the rows (scored on the cluster). Target:
mining at most 0.1 of dask-ml's time, at average precision within 0.005 of
it. Needs dask-ml (``pip install dask-ml``). For a pool computed on demand
see ``bench_windows.py``. Run it alone.
"""

import argparse
import os
import platform
import time

import numpy as np
from bench_scale import cluster


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=float, default=6e6)
    parser.add_argument("--features", type=int, default=16)
    args = parser.parse_args()
    import dask.array as da
    from dask_ml.linear_model import LogisticRegression as DaskLogisticRegression
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score

    from skhnm import HardNegativeMiningClassifier

    n, d = int(args.rows), args.features
    print(
        f"machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} "
        f"cores; python benchmarks/bench_dask_ml.py --rows {n:g} --features {d}"
    )
    with cluster():
        chunk = min(500_000, n // 10)
        X = da.random.RandomState(0).standard_normal((n, d), chunks=(chunk, d))
        w = np.random.default_rng(1).standard_normal(d)
        w /= np.linalg.norm(w)  # X @ w + noise ~ N(0, 1.25): 1.3% above 2.5
        noise = da.random.RandomState(2).standard_normal(n, chunks=chunk)
        y = ((X @ w + 0.5 * noise) > 2.5).astype(np.int8)
        X, y = X.persist(), y.persist()
        split = (n * 4 // 5) // chunk * chunk
        train, test = slice(0, split), slice(split, None)
        y_test = y[test].compute()
        print(
            f"pool: {n:,} x {d} float64 ({X.nbytes / 2**20:,.0f} MiB, persisted "
            f"on 2 workers), {int(y.sum().compute()):,} positives; trained on "
            f"{split:,} rows, {n - split:,} held out"
        )
        rows = []
        for name, make in (
            ("skhnm defaults", lambda: HardNegativeMiningClassifier(
                LogisticRegression(), random_state=0)),
            ("dask-ml full data", lambda: DaskLogisticRegression(solver="lbfgs")),
        ):  # fmt: skip
            # A warm cluster: the workers' imports and first tasks do not count.
            make().fit(X[:chunk], y[:chunk])
            est = make()
            t0 = time.perf_counter()
            est.fit(X[train], y[train])
            seconds = time.perf_counter() - t0
            scores = np.asarray(est.decision_function(X[test]).compute())
            ap = average_precision_score(y_test, scores)
            rows.append((name, seconds, ap))
            print(f"  {name:<18} fit {seconds:7.1f} s  average precision {ap:.4f}")
    (_, t_mine, ap_mine), (_, t_full, ap_full) = rows
    print(
        f"mining over dask-ml: time {t_mine / t_full:.3f} (target <= 0.1: "
        f"{'met' if t_mine / t_full <= 0.1 else 'MISSED'}), average precision "
        f"{ap_mine - ap_full:+.4f} (target >= -0.005: "
        f"{'met' if ap_mine - ap_full >= -0.005 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
