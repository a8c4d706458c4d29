"""Does a round's pass grow linearly with the pool, and the client stay flat?

    python benchmarks/bench_scale.py                       # 1M, 10M and 100M rows
    python benchmarks/bench_scale.py --rows 1e6 --rows 1e7

A Dask pool generated lazily on a cluster of two worker processes (one
thread each) whose scheduler runs in a process of its own, as on a real
cluster (a ``LocalCluster`` runs its scheduler inside the client, whose
memory would then hold the scheduler's per-task state). 8 float32
features are drawn per block of 250,000 rows and never persisted, so every
pass generates its blocks again, as a pool of features computed on the fly
would. Labels come from a noisy linear rule whose threshold keeps about
20,000 positives at every size, so that the working set, the client's
share, is the same size at every size.
``HardNegativeMiningClassifier(LogisticRegression(), weighting=None,
max_rounds=2, max_hard_per_round=5000)``: three passes of the same kind.

Prints, per size: the median selecting pass (``history_["score_time"]``)
per million rows, the whole ``fit`` per million rows, and the client
process's peak growth of anonymous resident memory during ``fit`` (sampled
every 5 ms; after a warm-up fit, so that imports and the cluster's first
tasks do not count). Targets: the pass per million rows within a factor of
1.3 from the smallest size to the largest; the client's peak within 10%
across sizes. Run it alone: the workers use both cores.
"""

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
from bench_peers import PeakMemory
from scipy.stats import norm

N_FEATURES = 8
CHUNK = 250_000
N_POSITIVES = 20_000


def lazy_pool(n_rows, seed=0):
    """X (float32) and y, as Dask graphs that generate each block on demand."""
    import dask.array as da

    X = da.random.RandomState(seed).standard_normal(
        (n_rows, N_FEATURES), chunks=(CHUNK, N_FEATURES)
    )
    X = X.astype(np.float32)
    w = np.random.default_rng(7).standard_normal(N_FEATURES).astype(np.float32)
    w /= np.linalg.norm(w)
    noise = da.random.RandomState(seed + 1).standard_normal(n_rows, chunks=CHUNK)
    z = X @ w + 0.5 * noise
    # P(z > t) = N_POSITIVES / n_rows, z ~ N(0, 1.25).
    t = float(np.sqrt(1.25) * norm.isf(N_POSITIVES / n_rows))
    return X, (z > t).astype(np.int8)


def measure(n_rows, make_clf):
    X, y = lazy_pool(n_rows)
    clf = make_clf()
    with PeakMemory() as memory:
        t0 = time.perf_counter()
        clf.fit(X, y)
        total = time.perf_counter() - t0
    passes = clf.history_["score_time"]
    per_million = float(np.median(passes)) / (n_rows / 1e6)
    return {
        "rows": n_rows,
        "pass_per_M": per_million,
        "fit_per_M": total / (n_rows / 1e6),
        "client_MiB": memory.extra / 2**20,
        "rounds": len(passes),
        "negatives": clf.history_["n_negatives"],
    }


@contextlib.contextmanager
def cluster(n_workers=2):
    """A scheduler and `n_workers` worker processes, each a process of its own.

    Yields the scheduler file's path; a client connected to it is the
    default client meanwhile.
    """
    from dask.distributed import Client

    folder = tempfile.mkdtemp()
    address = os.path.join(folder, "scheduler.json")
    cli = [sys.executable, "-m"]
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [
        subprocess.Popen(
            [*cli, "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--dashboard-address", ":0",
             "--scheduler-file", address],
            **quiet,
        )
    ]  # fmt: skip
    try:
        while not os.path.exists(address):
            time.sleep(0.1)
        procs.append(
            subprocess.Popen(
                [*cli, "distributed.cli.dask_worker", "--scheduler-file",
                 address, "--nworkers", str(n_workers), "--nthreads", "1",
                 "--memory-limit", "6GiB"],
                **quiet,
            )
        )  # fmt: skip
        with Client(scheduler_file=address) as client:
            client.wait_for_workers(n_workers, timeout=120)
            yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait()


def main():
    from sklearn.linear_model import LogisticRegression

    from skhnm import HardNegativeMiningClassifier

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=float, action="append")
    args = parser.parse_args()
    sizes = [int(r) for r in (args.rows or [1e6, 1e7, 1e8])]

    def make_clf():
        return HardNegativeMiningClassifier(
            LogisticRegression(),
            weighting=None,
            max_rounds=2,
            max_hard_per_round=5000,
            random_state=0,
        )

    print(f"machine: {platform.node()}, {platform.machine()}")
    with cluster():
        measure(CHUNK, make_clf)  # warm-up: imports, the cluster's first tasks
        rows = []
        for n in sizes:
            r = measure(n, make_clf)
            rows.append(r)
            print(
                f"{n:>12,} rows: a pass {r['pass_per_M']:.3f} s per million rows, "
                f"fit {r['fit_per_M']:.3f} s per million rows, client peak "
                f"+{r['client_MiB']:.0f} MiB, working negatives {r['negatives']}",
                flush=True,
            )
    passes = [r["pass_per_M"] for r in rows]
    memory = [r["client_MiB"] for r in rows]
    spread = max(passes) / min(passes)
    mem_spread = (max(memory) - min(memory)) / max(memory)
    print(
        f"pass per million rows, largest over smallest: {spread:.2f} "
        f"(target <= 1.3: {'met' if spread <= 1.3 else 'MISSED'})"
    )
    print(
        f"client peak memory spread across sizes: {mem_spread:.0%} "
        f"(target <= 10%: {'met' if mem_spread <= 0.1 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
