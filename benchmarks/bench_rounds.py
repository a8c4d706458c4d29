"""Rounds that pay for themselves (issue 15): warm starts and the progress rule.

    python benchmarks/bench_rounds.py warm   [--rows 1000000]
    python benchmarks/bench_rounds.py svc    [--samples 120000]
    python benchmarks/bench_rounds.py sparse [--rows 200000]
    python benchmarks/bench_rounds.py all

Every ratio is measured in one run, side by side.

warm
    LogisticRegression (lbfgs and newton-cg) mining a float32 pool
    (positives scattered, ``max_rounds=3``, ``max_hard_per_round=5000``),
    with ``warm_start_rounds`` on and off: the sum of the rounds' fit times
    against one cold fit on the final working set (target <= 1.5), and the
    largest coefficient difference to that cold fit.

svc
    ``SVC()`` on the scoring benchmark's task (make_classification, 120,000
    rows, 2% positives, 70/30 split), full-data fit against mining with
    ``threshold=-1`` and each ``min_hard_per_round`` in (None, 0.01, 0.05):
    time ratio (target <= 0.3) and average precision (target >= full -
    0.005).

sparse
    A text-like CSR pool (200,000 x 10,000, 0.1% density, 1.5% positives):
    LogisticRegression and SGDClassifier, plain fit against mining with each
    ``min_hard_per_round``: time ratio (target <= 1) and average precision
    (target >= the plain fit's).
"""

import argparse
import time

import numpy as np

MIN_HARD = (None, 0.01, 0.05)


def warm(n_rows):
    from bench_fit import _pool
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from skhnm import HardNegativeMiningClassifier

    X, y = _pool(n_rows, 32)
    print(f"pool {n_rows:,} x 32 float32, {int(y.sum()):,} positives scattered")
    for solver in ("lbfgs", "newton-cg"):
        lr = LogisticRegression(solver=solver)
        for on in (True, False):
            clf = HardNegativeMiningClassifier(
                lr,
                max_rounds=3,
                max_hard_per_round=5000,
                warm_start_rounds=on,
                random_state=0,
            )
            t0 = time.perf_counter()
            clf.fit(X, y)
            total = time.perf_counter() - t0
            rows = np.union1d(
                np.flatnonzero(y == clf.pos_label_), clf.negative_indices_
            )
            X_work, y_work = X[rows], y[rows]
            t0 = time.perf_counter()
            cold = clone(lr).fit(X_work, y_work)
            t_cold = time.perf_counter() - t0
            fits = sum(clf.history_["fit_time"])
            ratio = fits / t_cold
            diff = float(np.max(np.abs(clf.estimator_.coef_ - cold.coef_)))
            verdict = "met" if ratio <= 1.5 else "MISSED"
            print(
                f"  {solver:<9} warm_start_rounds={on!s:<5}: rounds' fits "
                f"{fits:.2f} s = {ratio:.2f} x one cold fit on the final set "
                f"({t_cold:.2f} s; target <= 1.5: {verdict}); fit {total:.2f} s; "
                f"max |coef - cold coef| {diff:.1e}"
            )


def _each_min_hard(estimator, **params):
    """One mining classifier per value of min_hard_per_round in MIN_HARD."""
    from skhnm import HardNegativeMiningClassifier

    return {
        f"min_hard_per_round={m}": HardNegativeMiningClassifier(
            estimator, min_hard_per_round=m, random_state=0, **params
        )
        for m in MIN_HARD
    }


def _compare(full, mined_by, X_train, y_train, X_test, y_test):
    """Each of `mined_by` against `full`, fitted and timed side by side."""
    from sklearn.metrics import average_precision_score

    t0 = time.perf_counter()
    full.fit(X_train, y_train)
    t_full = time.perf_counter() - t0
    ap_full = average_precision_score(y_test, full.decision_function(X_test))
    print(f"  full data: fit {t_full:.2f} s, AP {ap_full:.4f}")
    for label, mined in mined_by.items():
        t0 = time.perf_counter()
        mined.fit(X_train, y_train)
        t = time.perf_counter() - t0
        ap = average_precision_score(y_test, mined.decision_function(X_test))
        h = mined.history_
        print(
            f"  {label}: {t / t_full:.2f} of the full fit's time, AP {ap:.4f} "
            f"({ap - ap_full:+.4f}); {mined.termination_condition_} after round "
            f"{mined.n_rounds_}, hard {h['n_hard']}"
        )


def svc(n_samples):
    from bench_scoring import svc_task
    from sklearn.svm import SVC

    X_train, X_test, y_train, y_test = svc_task(n_samples)
    print(f"SVC (rbf), {X_train.shape[0]:,} training rows, threshold=-1")
    mined = _each_min_hard(SVC(), threshold=-1.0, n_jobs=-1)
    _compare(SVC(), mined, X_train, y_train, X_test, y_test)


def sparse(n_rows):
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(0)
    n_features = 10_000
    X = sp.random(
        n_rows,
        n_features,
        density=0.001,
        format="csr",
        random_state=0,
        dtype=np.float64,
    )
    w = np.zeros(n_features)
    w[rng.choice(n_features, 200, replace=False)] = rng.normal(0, 3, 200)
    z = np.asarray(X @ w).ravel() + 0.3 * rng.standard_normal(n_rows)
    y = (z > np.quantile(z, 0.985)).astype(int)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    print(
        f"sparse pool {n_rows:,} x {n_features:,}, density 0.1%, "
        f"{y.mean():.1%} positives"
    )
    for name, est in (
        ("LogisticRegression", LogisticRegression(max_iter=1000)),
        ("SGDClassifier", SGDClassifier(random_state=0)),
    ):
        print(f" {name}")
        mined = _each_min_hard(est)
        _compare(est, mined, X_train, y_train, X_test, y_test)


def main():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_peers import add_blas_threads_option, limit_blas_threads

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["warm", "svc", "sparse", "all"])
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--samples", type=int, default=120_000)
    add_blas_threads_option(parser)
    args = parser.parse_args()
    limit_blas_threads(args)
    if args.what in ("warm", "all"):
        warm(args.rows or 1_000_000)
    if args.what in ("sparse", "all"):
        sparse(args.rows or 200_000)
    if args.what in ("svc", "all"):
        svc(args.samples)


if __name__ == "__main__":
    main()
