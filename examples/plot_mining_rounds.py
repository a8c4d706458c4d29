"""
=============================================
Watching the working set grow, round by round
=============================================

Hard negative mining fits a model, scores the pool of negatives it has not
seen, adds the ones it gets wrong and fits again. This example runs it on a
synthetic pool of about 40,000 negatives with a linear SVM and a margin
threshold (as in DPM), adding at most one negative per positive each round.
It prints the history of each fit and compares the result with a full-data
fit and with random undersampling at the same negative budget.
"""

# %%
# Data: 1% positives, a large pool of negatives
# ---------------------------------------------
import time

import numpy as np
import pandas as pd
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

X, y = make_classification(
    n_samples=60_000,
    n_features=20,
    n_informative=6,
    weights=[0.99],
    class_sep=1.5,
    flip_y=0.0,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=1 / 3, stratify=y, random_state=0
)
print(f"{int(y_train.sum())} positives, {int((y_train == 0).sum())} negatives")

# %%
# Mining with a margin threshold
# ------------------------------
# ``threshold=-1.0`` calls every negative inside the SVM margin hard;
# ``max_hard_per_round=1.0`` adds at most one per positive per round, the
# hardest first, so each round's model picks the next negatives.
start = time.perf_counter()
mined = HardNegativeMiningClassifier(
    LinearSVC(C=0.1), threshold=-1.0, max_hard_per_round=1.0, random_state=0
).fit(X_train, y_train)
mined_seconds = time.perf_counter() - start
print(pd.DataFrame(mined.history_).round(4).to_string(index=False))
print("stopped:", mined.termination_condition_)

# %%
# Against the full data and random undersampling
# ----------------------------------------------
start = time.perf_counter()
full = LinearSVC(C=0.1).fit(X_train, y_train)
full_seconds = time.perf_counter() - start

budget = mined.negative_indices_.size
rus = RandomUnderSampler(sampling_strategy={0: budget}, random_state=0)
start = time.perf_counter()
X_rus, y_rus = rus.fit_resample(X_train, y_train)
random_subset = LinearSVC(C=0.1).fit(X_rus, y_rus)
rus_seconds = time.perf_counter() - start

for name, model, n_neg, seconds in [
    ("full data", full, int((y_train == 0).sum()), full_seconds),
    ("random undersampling", random_subset, budget, rus_seconds),
    ("hard negative mining", mined, budget, mined_seconds),
]:
    ap = average_precision_score(y_test, model.decision_function(X_test))
    print(f"{name:<22} AP={ap:.4f}  negatives={n_neg:>6}  fit s={seconds:.2f}")

assert np.all(y_train[mined.negative_indices_] == 0)
