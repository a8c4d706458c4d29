"""Rounds that pay for themselves (issue 15): warm starts and the progress rule.

    python benchmarks/bench_rounds.py warm   [--rows 1000000] [--solvers ...]
    python benchmarks/bench_rounds.py svc    [--samples 120000]
    python benchmarks/bench_rounds.py sparse [--rows 200000]
    python benchmarks/bench_rounds.py all

Every ratio is measured in one run, side by side.

warm
    LogisticRegression with each solver that takes a starting point, mining
    a float32 pool of 64 correlated features (a spectrum of scales over two
    decades, as image descriptors and embeddings have; ``max_rounds=3``,
    ``max_hard_per_round=5000``), with ``warm_start_rounds`` on and off:
    the sum of the rounds' fit times against one cold fit on the final
    working set (target <= 1.5; fitted with BLAS's threads as skhnm fits
    that solver: lbfgs on one), the solver's iterations per round, and the
    final model's objective against that cold fit's (both stop at the
    solver's tolerance; a negative gap is a better optimum).

svc
    ``SVC()`` on the scoring benchmark's task (make_classification, 120,000
    rows, 2% positives, 70/30 split), full-data fit against mining with
    ``threshold=-1``: the seed's rounds (``weighting=None``) with each
    ``min_hard_per_round`` in (1, 0.01, 0.05), 1 stopping only when nothing
    is new, and the default weighting: time ratio (target <= 0.3), average
    precision (target >= full - 0.005) and the share of the negatives used.

sparse
    A text-like CSR pool (200,000 x 10,000, 0.1% density, 1.5% positives):
    LogisticRegression and SGDClassifier, plain fit against the seed's
    rounds with each ``min_hard_per_round`` and with ``ratio=10``, and
    against the default weighting: time ratio (target <= 1) and average
    precision (target >= the plain fit's).
"""

import argparse
import time

import numpy as np

from skhnm._learner import _WARM_SOLVERS, fit_threads

MIN_HARD = (1, 0.01, 0.05)


# The solvers skhnm warm-starts: the benchmark follows the library's list.
WARM_SOLVERS = _WARM_SOLVERS


def correlated_pool(n_rows, n_features=64, seed=0):
    """Rows with correlated features whose scales span two decades.

    Isotropic rows (bench_fit's pool) make logistic regression so well
    conditioned that lbfgs converges in 8 iterations from anywhere; real
    descriptors are not like that.
    """
    rng = np.random.default_rng(seed)
    scales = np.logspace(0, -2, n_features).astype(np.float32)
    mix = rng.standard_normal((n_features, n_features)).astype(np.float32)
    mix *= scales[:, None]
    w = rng.standard_normal(n_features).astype(np.float32)
    X = np.empty((n_rows, n_features), dtype=np.float32)
    y = np.empty(n_rows, dtype=np.int8)
    step = 250_000
    for lo in range(0, n_rows, step):
        hi = min(lo + step, n_rows)
        X[lo:hi] = rng.standard_normal((hi - lo, n_features), dtype=np.float32) @ mix
        X[lo:hi] += 0.5
        z = X[lo:hi] @ w
        z = (z - z.mean()) / z.std()
        y[lo:hi] = z + 0.5 * rng.standard_normal(hi - lo) > 2.1
    return X, y


def _objective(model, X, y):
    """LogisticRegression's penalised mean log-loss (C=1, L2) of a binary fit."""
    z = X.astype(np.float64) @ model.coef_.ravel() + model.intercept_[0]
    margin = np.where(y == 1, z, -z)
    return float(
        np.logaddexp(0.0, -margin).mean() + 0.5 * np.sum(model.coef_**2) / y.size
    )


def warm(n_rows, solvers=WARM_SOLVERS):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from skhnm import HardNegativeMiningClassifier

    X, y = correlated_pool(n_rows)
    print(
        f"pool {n_rows:,} x {X.shape[1]} float32, correlated features, "
        f"{int(y.sum()):,} positives scattered"
    )
    iters = []
    real_fit = LogisticRegression.fit

    def counted(self, *args, **kwargs):
        out = real_fit(self, *args, **kwargs)
        iters.append(int(np.max(self.n_iter_)))
        return out

    for solver in solvers:
        lr = LogisticRegression(solver=solver, max_iter=5000)
        for on in (True, False):
            clf = HardNegativeMiningClassifier(
                lr,
                max_rounds=3,
                max_hard_per_round=5000,
                warm_start_rounds=on,
                random_state=0,
            )
            iters.clear()
            LogisticRegression.fit = counted
            try:
                t0 = time.perf_counter()
                clf.fit(X, y)
                total = time.perf_counter() - t0
            finally:
                LogisticRegression.fit = real_fit
            rows = np.union1d(
                np.flatnonzero(y == clf.pos_label_), clf.negative_indices_
            )
            X_work, y_work = X[rows], y[rows]
            t0 = time.perf_counter()
            with fit_threads(lr):  # BLAS's threads as skhnm fits this solver
                cold = clone(lr).fit(X_work, y_work)
            t_cold = time.perf_counter() - t0
            fits = sum(clf.history_["fit_time"])
            ratio = fits / t_cold
            gap = _objective(clf.estimator_, X_work, y_work) - _objective(
                cold, X_work, y_work
            )
            verdict = "met" if ratio <= 1.5 else "MISSED"
            print(
                f"  {solver:<15} warm_start_rounds={on!s:<5}: rounds' fits "
                f"{fits:.2f} s = {ratio:.2f} x one cold fit on the final set "
                f"({t_cold:.2f} s, {int(np.max(cold.n_iter_))} iterations; "
                f"target <= 1.5: {verdict}); iterations per round {iters}; "
                f"fit {total:.2f} s; objective - cold fit's {gap:+.1e}",
                flush=True,
            )


def _each_min_hard(estimator, **params):
    """The seed's rounds for each value of min_hard_per_round in MIN_HARD,
    and the default weighting."""
    from skhnm import HardNegativeMiningClassifier

    mined = {
        f"rounds, min_hard_per_round={m}": HardNegativeMiningClassifier(
            estimator,
            min_hard_per_round=m,
            weighting=None,
            random_state=0,
            **params,
        )
        for m in MIN_HARD
    }
    mined["default"] = HardNegativeMiningClassifier(estimator, random_state=0, **params)
    return mined


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
        share = mined.negative_indices_.size / int((y_train != mined.pos_label_).sum())
        print(
            f"  {label}: {t / t_full:.2f} of the full fit's time, AP {ap:.4f} "
            f"({ap - ap_full:+.4f}), {share:.1%} of the negatives; "
            f"{mined.termination_condition_} after round {mined.n_rounds_}, "
            f"hard {h['n_hard']}"
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

    from skhnm import HardNegativeMiningClassifier

    rng = np.random.default_rng(0)
    n_features = 10_000
    # Built row by row: scipy.sparse.random draws its entries from all
    # n_rows x n_features positions, a 16 GB temporary at 200,000 rows.
    per_row = rng.binomial(n_features, 0.001, n_rows)
    indptr = np.r_[0, np.cumsum(per_row)]
    indices = rng.integers(0, n_features, indptr[-1])
    X = sp.csr_matrix(
        (rng.random(indptr[-1]), indices, indptr), shape=(n_rows, n_features)
    )
    X.sum_duplicates()
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
        # A larger initial draw, for comparison with the default ratio of 3.
        mined["rounds, ratio=10"] = HardNegativeMiningClassifier(
            est, ratio=10, weighting=None, random_state=0
        )
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
    parser.add_argument(
        "--solvers",
        nargs="+",
        default=list(WARM_SOLVERS),
        choices=WARM_SOLVERS,
        help="warm: the LogisticRegression solvers to time",
    )
    add_blas_threads_option(parser)
    args = parser.parse_args()
    limit_blas_threads(args)
    if args.what in ("warm", "all"):
        warm(args.rows or 1_000_000, args.solvers)
    if args.what in ("sparse", "all"):
        sparse(args.rows or 200_000)
    if args.what in ("svc", "all"):
        svc(args.samples)


if __name__ == "__main__":
    main()
