"""Side-by-side demo: full-data training, random undersampling, hard negative mining.

Run it with ``python -m skhnm.demo``. It compares the methods on two tasks:

- "digits": the digits dataset that ships with scikit-learn, one digit (the
  positives) against the other nine (808 training negatives), split in half
  (stratified): a task too small for mining to pay;
- "pool": the kind of task mining is for, 300,000 generated rows with 1%
  positives (237,600 training negatives), 80% trained on;

and prints for each the mean and spread over several seeds of:

- the full-data fit (every negative);
- random undersampling at ``ratio`` negatives per positive;
- random undersampling with as many negatives as mining ended up using;
- hard negative mining (``HardNegativeMiningClassifier`` with its defaults).
"""

import argparse
import time

import numpy as np
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._classifier import HardNegativeMiningClassifier


def _evaluate(model, X_train, y_train, X_test, y_test):
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    scores = model.decision_function(X_test)
    return (
        average_precision_score(y_test, scores),
        roc_auc_score(y_test, scores),
        fit_seconds,
    )


def _digits(digit):
    X, labels = load_digits(return_X_y=True)
    y = (labels == digit).astype(int)
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


def _pool():
    X, y = make_classification(
        n_samples=300_000,
        n_features=20,
        n_informative=6,
        weights=[0.99],
        flip_y=0,
        random_state=0,
    )
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


def run(digit=9, ratio=3.0, seeds=5, task="digits"):
    """Run the comparison and return one row per method.

    Parameters
    ----------
    digit : int, default=9
        The digit that is the positive class (``task="digits"``).
    ratio : float, default=3.0
        Negatives per positive for undersampling and the initial working set.
    seeds : int, default=5
        Seeds for the random methods (the split is fixed).
    task : {"digits", "pool"}, default="digits"
        Which task (see the module's docstring).

    Returns
    -------
    rows : list of dict
        Keys "method", "average_precision", "average_precision_std",
        "roc_auc", "fit_seconds", "fit_ratio" (median over seeds of the
        fit's time over the full-data fit's, timed in the same run),
        "negatives".
    """
    X_train, X_test, y_train, y_test = _digits(digit) if task == "digits" else _pool()
    base = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    n_pos = int(y_train.sum())
    n_neg = int(y_train.size - n_pos)
    results = {}

    def record(method, measures, negatives):
        results.setdefault(method, []).append((*measures, negatives))

    for seed in range(seeds):
        record(
            "full data", _evaluate(clone(base), X_train, y_train, X_test, y_test), n_neg
        )
        n_ratio = round(ratio * n_pos)
        rus = make_imb_pipeline(
            RandomUnderSampler(sampling_strategy={0: n_ratio}, random_state=seed),
            clone(base),
        )
        record(
            f"random undersampling 1:{ratio:g}",
            _evaluate(rus, X_train, y_train, X_test, y_test),
            n_ratio,
        )
        mining = HardNegativeMiningClassifier(
            clone(base), ratio=ratio, random_state=seed
        )
        measures = _evaluate(mining, X_train, y_train, X_test, y_test)
        n_mined = mining.negative_indices_.size
        rus_same = make_imb_pipeline(
            RandomUnderSampler(sampling_strategy={0: n_mined}, random_state=seed),
            clone(base),
        )
        record(
            "random undersampling, mining's budget",
            _evaluate(rus_same, X_train, y_train, X_test, y_test),
            n_mined,
        )
        record("hard negative mining", measures, n_mined)

    rows = []
    full_seconds = np.asarray(results["full data"], dtype=float)[:, 2]
    for method, runs in results.items():
        values = np.asarray(runs, dtype=float)
        rows.append(
            {
                "method": method,
                "average_precision": values[:, 0].mean(),
                "average_precision_std": values[:, 0].std(),
                "roc_auc": values[:, 1].mean(),
                "fit_seconds": values[:, 2].mean(),
                # Each seed's fit against the full fit of the same seed, timed
                # side by side: steadier than seconds on a shared machine.
                "fit_ratio": float(np.median(values[:, 2] / full_seconds)),
                "negatives": values[:, 3].mean(),
            }
        )
    return rows


def format_table(rows):
    """Format :func:`run`'s rows as a plain-text table."""
    header = (
        f"{'method':<40}{'avg precision':>18}{'ROC AUC':>10}"
        f"{'fit / full':>12}{'negatives':>11}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        ap = f"{row['average_precision']:.4f} ± {row['average_precision_std']:.4f}"
        lines.append(
            f"{row['method']:<40}{ap:>18}{row['roc_auc']:>10.4f}"
            f"{row['fit_ratio']:>12.2f}{row['negatives']:>11.0f}"
        )
    return "\n".join(lines)


def main(argv=None):
    """Command-line entry point of ``python -m skhnm.demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m skhnm.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--digit", type=int, default=9, choices=range(10))
    parser.add_argument("--ratio", type=float, default=3.0)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--task", choices=("digits", "pool", "both"), default="both")
    args = parser.parse_args(argv)
    print(
        "StandardScaler + LogisticRegression(C=0.1); mean over "
        f"{args.seeds} seeds (± standard deviation); fit / full: median over "
        "seeds of the fit time over the full-data fit's, timed side by side"
    )
    if args.task in ("digits", "both"):
        print(
            f"\ndigits: digit {args.digit} (positives) against the other nine "
            "(808 training negatives), half for training, half for testing\n"
        )
        print(format_table(run(args.digit, args.ratio, args.seeds, "digits")))
    if args.task in ("pool", "both"):
        print(
            "\npool: 300,000 generated rows, 1% positives (237,600 training "
            "negatives), 80% for training, 20% for testing\n"
        )
        print(format_table(run(args.digit, args.ratio, args.seeds, "pool")))


if __name__ == "__main__":
    main()
