"""GPU scoring benchmark (issue 4): throughput against the device's bandwidth.

    python benchmarks/bench_gpu.py [--rows 33554432] [--features 32] [--json F]

Needs CuPy and a CUDA device (``benchmarks/gpu_check.sh`` runs it with the
GPU tests). Prints, for a float32 pool resident on the device:

- the device's peak memory bandwidth (from its memory clock and bus width)
  and a measured device-to-device copy, for reference;
- a bare ``X @ w`` on the device;
- the compiled scorer's pass over the pool kept on the device (the work a
  mining pass does there), as a fraction of peak bandwidth: target >= 0.5;
- a mining round's selecting pass over the device-resident pool (6% of its
  rows in the working set, masked by the per-row codes kept on the device;
  the fused cut made there, one host synchronisation a pass, so only the
  hard rows cross to the host), with a threshold and with a top-5000 cap,
  as a fraction of peak bandwidth and against the bare product (target:
  at most 1.5x);
- four detectors' joint pass against one detector's (target: at most
  1.5x);
- ``score_rows``, which scores a few given rows and copies their scores to
  the host (the working set's scores), for contiguous rows and for rows
  with gaps;
- SVC (rbf) scoring of a host pool streamed to the GPU against the CPU's
  compiled scorer and libsvm.
"""

import argparse
import json
import sys
import time

import numpy as np


def _peak_bandwidth(cp):
    """Bytes per second from the memory clock (kHz, double data rate) and bus."""
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    try:
        clock_khz, bus_bits = props["memoryClockRate"], props["memoryBusWidth"]
    except KeyError:  # CUDA 13 dropped memoryClockRate from the properties
        rt = cp.cuda.runtime
        dev = cp.cuda.Device().id
        try:
            clock_khz = rt.deviceGetAttribute(36, dev)  # cudaDevAttrMemoryClockRate
            bus_bits = rt.deviceGetAttribute(37, dev)  # ...GlobalMemoryBusWidth
        except Exception:
            return None, props["name"].decode()
    return 2.0 * clock_khz * 1e3 * bus_bits / 8.0, props["name"].decode()


def _timed(cp, f, repeats=5):
    """Median seconds of `f`, with the device synchronised around each call."""
    times = []
    for _ in range(repeats):
        cp.cuda.Device().synchronize()
        t0 = time.perf_counter()
        f()
        cp.cuda.Device().synchronize()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2**25)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    from skhnm._compiled import compile_scorer
    from skhnm._namespace import cuda_namespace
    from skhnm._scoring import score_rows

    xp = cuda_namespace()
    if xp is None:
        print("no CUDA device found by CuPy: nothing to measure")
        return 0
    import cupy as cp

    peak, name = _peak_bandwidth(cp)
    out = {"device": name, "peak_bandwidth_GBps": peak and peak / 1e9}
    n, d = args.rows, args.features
    rng = np.random.default_rng(0)
    X_host = rng.standard_normal((20_000, d), dtype=np.float32)
    model = LogisticRegression().fit(X_host, (X_host[:, 0] > 1.5).astype(int))
    X = cp.random.default_rng(0).standard_normal((n, d), dtype=cp.float32)
    nbytes = X.nbytes
    w = cp.asarray(model.coef_.ravel(), dtype=cp.float32)
    print(f"{name}: pool {n:,} x {d} float32 on the device ({nbytes / 2**30:.2f} GiB)")
    if peak:
        print(f"peak memory bandwidth {peak / 1e9:,.0f} GB/s")

    t_copy = _timed(cp, lambda: X.copy())
    out["copy_GBps"] = 2 * nbytes / t_copy / 1e9
    print(f"device copy           {out['copy_GBps']:8,.0f} GB/s (read + write)")
    t_bare = _timed(cp, lambda: X @ w)
    out["bare_GBps"] = nbytes / t_bare / 1e9
    print(
        f"bare X @ w            {out['bare_GBps']:8,.0f} GB/s  {t_bare * 1e3:7.2f} ms"
    )

    scorer = compile_scorer(model, "decision_function", 1)
    step = 2**22
    scores = cp.empty(n, dtype=cp.float32)

    def device_pass():
        for start in range(0, n, step):
            stop = min(start + step, n)
            scores[start:stop] = scorer(X[start:stop], xp)

    t_dev = _timed(cp, device_pass)
    out["device_pass_GBps"] = nbytes / t_dev / 1e9
    frac = out["device_pass_GBps"] * 1e9 / peak if peak else float("nan")
    out["device_pass_fraction_of_peak"] = frac
    print(
        f"compiled pass, scores on the device {out['device_pass_GBps']:8,.0f} GB/s  "
        f"{t_dev * 1e3:7.2f} ms  {frac:.2f} of peak "
        f"(target >= 0.5: {'met' if frac >= 0.5 else 'MISSED'})"
    )

    from skhnm._pools import Scoring, as_pool
    from skhnm._selection import Cut

    scoring = Scoring("decision_function", 1)
    pool = as_pool(X).view(scoring, np.int16)
    pool.start(np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp))
    pool.enter(np.sort(rng.choice(n, int(n * 0.06), replace=False)), 0)
    for label, cut in (("threshold 2.0", Cut(2.0)), ("top 5000", Cut(0.0, 5000))):
        t = _timed(cp, lambda cut=cut: pool.select(model, cut), repeats=3)
        selection = pool.select(model, cut)
        gbps = nbytes / t / 1e9  # the pass reads every row of the pool
        frac = gbps * 1e9 / peak if peak else float("nan")
        key = label.split()[0]
        out[f"select_{key}_GBps"] = gbps
        out[f"select_{key}_fraction_of_peak"] = frac
        out[f"select_{key}_vs_bare"] = t / t_bare
        print(
            f"select, {label:<14} {gbps:8,.0f} GB/s  {t * 1e3:7.2f} ms  "
            f"{frac:.2f} of peak, {t / t_bare:.2f}x the bare product (target "
            f"<= 1.5: {'met' if t / t_bare <= 1.5 else 'MISSED'}); "
            f"{selection.rows.size:,} hard rows crossed "
            f"({selection.n_hard:,} above the threshold)"
        )

    # Multiclass mining: four detectors' selecting pass, stacked into one
    # product, against one detector's (the same pool and working sets). Each
    # detector's cut leaves about 10,000 rows hard, as late rounds do: with
    # millions hard, each detector's selection of them would dominate.
    from skhnm._pools import select_jointly

    detectors = [
        LogisticRegression().fit(X_host, (X_host[:, k] > 1.5).astype(int))
        for k in range(4)
    ]
    views = [pool] + [as_pool(X).view(scoring, np.int16) for _ in range(3)]
    for view in views[1:]:
        view.start(np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp))
        view.enter(np.sort(rng.choice(n, int(n * 0.06), replace=False)), 0)
    sample = X[: 2**20].get()
    cuts = [
        Cut(float(np.quantile(det.decision_function(sample), 1 - 10_000 / n)))
        for det in detectors
    ]
    t_one = _timed(cp, lambda: pool.select(detectors[0], cuts[0]), repeats=3)
    t_four = _timed(cp, lambda: select_jointly(views, detectors, cuts), repeats=3)
    n_hard = [s.n_hard for s in select_jointly(views, detectors, cuts)]
    out.update(select_one_detector_s=t_one, select_four_detectors_s=t_four)
    print(
        f"select, 4 detectors in one pass {t_four * 1e3:7.2f} ms against one "
        f"detector's {t_one * 1e3:7.2f} ms: {t_four / t_one:.2f} (target <= 1.5: "
        f"{'met' if t_four / t_one <= 1.5 else 'MISSED'}); one detector "
        f"{t_one / t_bare:.2f}x the bare product (target <= 1.5: "
        f"{'met' if t_one / t_bare <= 1.5 else 'MISSED'}); hard rows {n_hard}"
    )

    all_rows = np.arange(n)
    gappy = np.sort(rng.choice(n, int(n * 0.94), replace=False))
    for label, rows in (("contiguous", all_rows), ("gaps (6% left out)", gappy)):
        t = _timed(
            cp,
            lambda rows=rows: score_rows(
                model, X, rows, response_method="decision_function", pos_label=1
            ),
            repeats=3,
        )
        gbps = rows.size * d * 4 / t / 1e9
        out[f"score_rows_{label.split()[0]}_GBps"] = gbps
        frac = gbps * 1e9 / peak if peak else float("nan")
        print(
            f"score_rows {label:<19} {gbps:8,.0f} GB/s  {t * 1e3:7.2f} ms  "
            f"{frac:.2f} of peak (scores copied to the host)"
        )

    Xs, ys = make_classification(
        n_samples=210_000, n_features=20, weights=[0.9], random_state=0
    )
    svc = SVC().fit(Xs[:10_000], ys[:10_000])
    pool, rows = Xs[10_000:], np.arange(200_000)

    def run(**kw):
        return score_rows(
            svc, pool, rows, response_method="decision_function", pos_label=1, **kw
        )

    t_gpu = _timed(cp, lambda: run(xp=xp), repeats=3)
    t_cpu = _timed(cp, lambda: run(), repeats=3)
    t_svm = _timed(cp, lambda: run(compiled=False), repeats=1)
    diff = float(np.max(np.abs(run(xp=xp) - run(compiled=False))))
    out.update(svc_gpu_s=t_gpu, svc_cpu_compiled_s=t_cpu, svc_libsvm_s=t_svm)
    print(
        f"SVC rbf, 200,000 host rows, {svc.support_.size:,} support vectors: "
        f"GPU {t_gpu:.3f} s, CPU compiled {t_cpu:.3f} s, libsvm {t_svm:.3f} s "
        f"(max abs diff {diff:.1e})"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
