"""Mining through the public ``fit``, as a user calls it (issue 13).

    python benchmarks/bench_fit.py numpy  [--rows 4000000] [--features 32]
    python benchmarks/bench_fit.py memmap [--rows 10000000]
    python benchmarks/bench_fit.py dask   [--rows 16000000] [--features 8]
    python benchmarks/bench_fit.py all

Every ratio is measured in one run, side by side.

numpy, memmap
    A float32 pool with positives scattered through it (about 2%: a noisy
    linear rule), ``HardNegativeMiningClassifier(LogisticRegression(),
    ratio=3, max_rounds=3, max_hard_per_round=5000)``. Reports the median
    ``history_["score_time"]`` of a round as a fraction of a bare ``X @ w``'s
    throughput (outside rows per second over pool rows per second; the bare
    product is timed in the same process, right after the fit), the rest of
    ``fit`` (total minus fit and score times) in bare passes, and the peak
    growth of the process's anonymous resident memory during ``fit``
    (RssAnon from /proc, sampled every 5 ms by a thread after a malloc_trim;
    a memory-mapped pool's file pages are not anonymous memory) over the
    pool's size, after a warm-up fit on a slice (imports do not count). The
    bare product is timed twice: idle (median of 7), and right after a fit
    of the final working set (median of 5), which is when a round's pass
    runs: a fit can leave BLAS threads spinning on the cores for a while.
    Last, the same pass (skhnm's engine and cut, outside ``fit``) is timed
    idle, alternated with the bare product and with the same pass whose
    chunks are left to BLAS's threads (as before the pass ran them on
    threads of its own); then three fits each way, alternated, give the
    median round's pass through ``fit`` both ways.
    Targets: >= 0.8 of the bare throughput, rest <= 2 bare passes, memory
    growth < 10% of the pool.

dask
    A float64 pool generated on a two-worker ``LocalCluster`` (processes),
    labels from a noisy linear rule (about 0.2% positives), mined with
    LinearSVC (threshold -1, max_hard_per_round 5000, max_rounds 3).
    Reports the client process's peak growth of anonymous memory during
    ``fit`` over the pool's size (target < 10%; measured after a warm-up
    fit on a slice, so that imports do not count), then gathers the pool and
    checks that NumPy mines the same working set.
"""

import argparse
import os
import tempfile
import time

import numpy as np
from bench_peers import PeakMemory, add_blas_threads_option, limit_blas_threads


def _pool(n_rows, n_features, out=None, seed=0):
    """Rows in blocks (never a float64 copy of the whole pool) and labels."""
    rng = np.random.default_rng(seed)
    X = np.empty((n_rows, n_features), dtype=np.float32) if out is None else out
    w = rng.standard_normal(n_features).astype(np.float32)
    y = np.empty(n_rows, dtype=np.int8)
    step = 1_000_000
    for lo in range(0, n_rows, step):
        hi = min(lo + step, n_rows)
        X[lo:hi] = rng.standard_normal((hi - lo, n_features), dtype=np.float32)
        z = X[lo:hi] @ w / np.sqrt(n_features) + 0.5 * rng.standard_normal(hi - lo)
        y[lo:hi] = z > 2.1
    return X, y


def _bare_time(X, w, repeats=7):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        X @ w
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def through_fit(X, y, label):
    from sklearn.linear_model import LogisticRegression

    from skhnm import HardNegativeMiningClassifier

    pool_bytes = X.shape[0] * X.shape[1] * X.dtype.itemsize
    print(
        f"{label}: {X.shape[0]:,} x {X.shape[1]} {X.dtype} "
        f"({pool_bytes / 2**20:,.0f} MiB), {int(y.sum()):,} positives scattered"
    )
    clf = HardNegativeMiningClassifier(
        LogisticRegression(),
        ratio=3,
        max_rounds=3,
        max_hard_per_round=5000,
        random_state=0,
    )
    X @ np.ones(X.shape[1], dtype=X.dtype)  # pages in, as a warm pool would be
    clf.fit(X[:200_000], y[:200_000])  # a warm process: imports happen here
    with PeakMemory() as memory:
        t0 = time.perf_counter()
        clf.fit(X, y)
        total = time.perf_counter() - t0
    h = dict(clf.history_)  # the refits below replace it
    w = clf.estimator_.coef_.ravel().astype(X.dtype)
    bare = _bare_time(X, w)
    # The same product right after a fit of the final working set: the
    # conditions a round's pass runs in (threads a fit leaves spinning).
    rows = np.union1d(clf.negative_indices_, np.flatnonzero(y == clf.pos_label_))
    X_work, y_work = X[rows], y[rows]
    after = []
    for _ in range(5):
        LogisticRegression().fit(X_work, y_work)
        after.append(_bare_time(X, w, repeats=1))
    bare_after_fit = float(np.median(after))
    del X_work
    # The same pass (engine and cut) on an idle machine, alternated with the
    # bare product: what the pass costs when nothing competes for the cores.
    from skhnm._pools import Scoring
    from skhnm._pools._host import ArrayPool
    from skhnm._selection import Cut

    pool = ArrayPool(X, Scoring("decision_function", clf.pos_label_))
    pool.start(np.flatnonzero(y == clf.pos_label_), np.empty(0, dtype=np.intp))
    pool.enter(clf.negative_indices_, 0)
    # The same pass with its chunks left to BLAS's threads, as before skhnm
    # ran them on threads of its own: the change, measured side by side.
    from skhnm import _scoring

    own_threads = _scoring.JointScorer.chunk_threads

    def blas_only():
        _scoring.JointScorer.chunk_threads = property(lambda self: 0)
        try:
            pool.select(clf.estimator_, Cut(0.0, 5000))
        finally:
            _scoring.JointScorer.chunk_threads = own_threads

    idle = [[], [], []]
    for _ in range(7):
        for i, run in enumerate(
            (
                lambda: X @ w,
                lambda: pool.select(clf.estimator_, Cut(0.0, 5000)),
                blas_only,
            )
        ):
            t0 = time.perf_counter()
            run()
            idle[i].append(time.perf_counter() - t0)
    bare_idle, pass_idle, blas_idle = (float(np.median(t)) for t in idle)
    # And through fit: three fits each way, alternated.
    passes = {"own": [], "blas": []}
    for _ in range(3):
        for way in passes:
            if way == "blas":
                _scoring.JointScorer.chunk_threads = property(lambda self: 0)
            try:
                clf.fit(X, y)
            finally:
                _scoring.JointScorer.chunk_threads = own_threads
            passes[way] += clf.history_["score_time"]
    own_fit, blas_fit = (float(np.median(t)) for t in passes.values())
    ratio_idle = (pool.n_outside / pass_idle) / (X.shape[0] / bare_idle)
    ratio_blas = (pool.n_outside / blas_idle) / (X.shape[0] / bare_idle)
    fit_s, score_s = sum(h["fit_time"]), sum(h["score_time"])
    per_row = [t / n for t, n in zip(h["score_time"], h["n_scored"], strict=True)]
    ratio = (bare / X.shape[0]) / float(np.median(per_row))
    ratio_after = (bare_after_fit / X.shape[0]) / float(np.median(per_row))
    rest = (total - fit_s - score_s) / bare
    growth = memory.extra / pool_bytes
    print(f"  rounds {h['round']}, negatives {h['n_negatives']}, hard {h['n_hard']}")
    print(
        f"  fit {total:.2f} s = fitting {fit_s:.2f} + scoring {score_s:.2f} "
        f"+ rest {total - fit_s - score_s:.3f}; bare X @ w {bare * 1e3:.1f} ms "
        f"idle, {bare_after_fit * 1e3:.1f} ms right after a fit"
    )
    print(
        f"  round's pass vs bare X @ w: {ratio:.2f} against the idle product "
        f"(target >= 0.80: {'met' if ratio >= 0.8 else 'MISSED'}); "
        f"{ratio_after:.2f} against the product right after a fit; "
        f"the same pass idle, alternated with the product: {ratio_idle:.2f} "
        f"(its chunks left to BLAS's threads instead: {ratio_blas:.2f}); "
        f"median round's pass through fit, alternated: {own_fit * 1e3:.1f} ms "
        f"on skhnm's threads, {blas_fit * 1e3:.1f} ms left to BLAS's"
    )
    print(
        f"  rest of fit: {rest:.1f} bare passes "
        f"(target <= 2: {'met' if rest <= 2 else 'MISSED'})"
    )
    print(
        f"  peak anonymous memory growth: {memory.extra / 2**20:.0f} MiB = "
        f"{growth:.1%} of the pool (target < 10%: "
        f"{'met' if growth < 0.1 else 'MISSED'})"
    )
    return clf


def numpy_pool(n_rows, n_features):
    X, y = _pool(n_rows, n_features)
    through_fit(X, y, "in-memory NumPy pool")


def memmap_pool(n_rows, n_features):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pool.f32")
        out = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, n_features))
        _, y = _pool(n_rows, n_features, out=out)
        out.flush()
        del out
        X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, n_features))
        through_fit(X, y, "memory-mapped pool (read-only)")
        del X


def dask_pool(n_rows, n_features):
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from sklearn.svm import LinearSVC

    from skhnm import HardNegativeMiningClassifier

    params = dict(threshold=-1.0, max_hard_per_round=5000, max_rounds=3, random_state=0)
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
            memory_limit="6GiB",
        ) as cluster,
        Client(cluster),
    ):
        X = da.random.RandomState(0).standard_normal(
            (n_rows, n_features), chunks=(500_000, n_features)
        )
        noise = da.random.RandomState(1).standard_normal(n_rows, chunks=500_000)
        y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * noise > 3.5).astype(np.int8)
        X, y = X.persist(), y.persist()
        pool_bytes = X.nbytes
        print(
            f"Dask pool on a 2-worker LocalCluster: {n_rows:,} x {n_features} "
            f"float64 ({pool_bytes / 2**20:,.0f} MiB), {int(y.sum().compute()):,} "
            "positives"
        )
        # A warm process: the imports and the cluster's first tasks (which a
        # fit would otherwise pay for inside the measurement) happen here.
        HardNegativeMiningClassifier(LinearSVC(), **params).fit(
            X[:1_000_000], y[:1_000_000]
        )
        clf = HardNegativeMiningClassifier(LinearSVC(), **params)
        with PeakMemory() as memory:
            t0 = time.perf_counter()
            clf.fit(X, y)
            total = time.perf_counter() - t0
        growth = memory.extra / pool_bytes
        h = clf.history_
        print(
            f"  rounds {h['round']}, negatives {h['n_negatives']}, hard {h['n_hard']}"
        )
        print(
            f"  fit {total:.1f} s; client peak anonymous memory growth "
            f"{memory.extra / 2**20:.0f} MiB = {growth:.1%} of the pool "
            f"(target < 10%: {'met' if growth < 0.1 else 'MISSED'})"
        )
        X_local, y_local = X.compute(), y.compute()
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X_local, y_local)
    same = np.array_equal(ref.negative_indices_, clf.negative_indices_) and (
        ref.history_["n_hard"] == h["n_hard"]
    )
    print(f"  same working set and history as NumPy: {same}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["numpy", "memmap", "dask", "all"])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--features", type=int, default=None)
    add_blas_threads_option(parser)
    args = parser.parse_args()
    limit_blas_threads(args)
    if args.what in ("numpy", "all"):
        numpy_pool(args.rows or 4_000_000, args.features or 32)
    if args.what in ("memmap", "all"):
        memmap_pool(args.rows or 10_000_000, args.features or 32)
    if args.what in ("dask", "all"):
        dask_pool(args.rows or 16_000_000, args.features or 8)


if __name__ == "__main__":
    main()
