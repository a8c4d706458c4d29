"""Ten million HOG windows computed on the fly, mined; and against dask-ml.

    python benchmarks/bench_windows.py [--windows 1e7] [--full-data-windows 1e6]

Runs ``examples/plot_lazy_window_pool.py`` twice on a cluster whose
scheduler and two workers (one thread each) are processes of their own
(``bench_scale.cluster``), so that the peak memory the example prints is
this process's alone:

1. ``--windows`` windows (ten million): mining, the pool never stored;
   prints a feature pass's time, mining's time in feature passes, the
   process's peak resident memory against the pool's size (target: under
   10% of it) and held-out average precision;
2. ``--full-data-windows`` windows, also fitted whole with dask-ml's
   ``LogisticRegression(solver="lbfgs")`` on the same cluster and the same
   lazily computed features (targets: mining at most 0.1 of its time, at
   average precision within 0.005 of it). Each L-BFGS iteration computes
   every window's features again, so this run is the smaller one: at ten
   million windows it would take hours on two cores.

Needs dask-ml (``pip install dask-ml``; not a dependency of skhnm). Writes
what it prints to ``docs/benchmarks/windows.txt``. Run it alone.
"""

import argparse
import contextlib
import io
import os
import platform
import runpy
import sys
from pathlib import Path

from bench_scale import cluster

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "plot_lazy_window_pool.py"


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)


def run_example(n_windows, full_data):
    with cluster() as scheduler_file:
        os.environ.update(
            SKHNM_EXAMPLE_SCHEDULER=scheduler_file,
            SKHNM_EXAMPLE_WINDOWS=str(int(n_windows)),
            SKHNM_EXAMPLE_FULL_DATA="1" if full_data else "0",
        )
        runpy.run_path(str(EXAMPLE), run_name="__main__")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=float, default=1e7)
    parser.add_argument("--full-data-windows", type=float, default=1e6)
    parser.add_argument("--out", default=str(ROOT / "docs/benchmarks/windows.txt"))
    args = parser.parse_args()
    import dask_ml  # noqa: F401  (fail early: the second run needs it)

    log = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, log)):
        print(
            f"machine: {platform.node()}, {platform.machine()}, "
            f"{os.cpu_count()} cores; python benchmarks/bench_windows.py"
        )
        print(f"\n== {args.windows:,.0f} windows: mining ==")
        run_example(args.windows, full_data=False)
        print(f"\n== {args.full_data_windows:,.0f} windows: mining and dask-ml ==")
        run_example(args.full_data_windows, full_data=True)
    Path(args.out).write_text(log.getvalue())


if __name__ == "__main__":
    main()
