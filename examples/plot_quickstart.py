"""
=============================================================
Quickstart: mining against random undersampling and full data
=============================================================

One digit against the nine others (scikit-learn's ``load_digits``) is an
imbalanced task: about 10% positives. This example trains the same
classifier three ways and compares them on a held-out split:

- on all the training data;
- on every positive and a random sample of the negatives
  (:class:`~imblearn.under_sampling.RandomUnderSampler`) of the size mining
  ends up using;
- with :class:`~skhnm.HardNegativeMiningClassifier`, which starts from three
  random negatives per positive and adds the ones the model gets wrong.
"""

# %%
# Data
# ----
# Digit 8, the hardest to tell from the others for a linear model.
import time

import matplotlib.pyplot as plt
import numpy as np
from imblearn.under_sampling import RandomUnderSampler
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhnm import HardNegativeMiningClassifier, MiningDisplay

X, digits = load_digits(return_X_y=True)
y = (digits == 8).astype(int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.4, stratify=y, random_state=0
)
print(f"{int(y_train.sum())} positives, {int((y_train == 0).sum())} negatives")


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))


def report(name, clf, n_negatives, seconds):
    scores = clf.decision_function(X_test)
    ap = average_precision_score(y_test, scores)
    auc = roc_auc_score(y_test, scores)
    print(
        f"{name:<22} AP {ap:.3f}  ROC AUC {auc:.3f}  "
        f"negatives {n_negatives:4d}  fit {seconds:.2f} s"
    )


# %%
# Hard negative mining
# --------------------
# Start from three random negatives per positive; after each fit, add every
# negative the model scores above the threshold (0 for a decision function),
# and fit again until none is left: the rounds of the seed papers
# (``weighting=None``). The default draws each round's working set instead
# and corrects the fit for it (see the user guide), which pays on pools
# much larger than this one.
start = time.perf_counter()
mined = HardNegativeMiningClassifier(model(), ratio=3, weighting=None, random_state=0)
mined.fit(X_train, y_train)
report(
    "hard negative mining",
    mined,
    mined.negative_indices_.size,
    time.perf_counter() - start,
)
print(
    "negatives per round:",
    mined.history_["n_negatives"],
    "hard found:",
    mined.history_["n_hard"],
)

# %%
# Full data, and random undersampling at the same budget
# -------------------------------------------------------
start = time.perf_counter()
full = model().fit(X_train, y_train)
report("full data", full, int((y_train == 0).sum()), time.perf_counter() - start)

budget = mined.negative_indices_.size
start = time.perf_counter()
rus = RandomUnderSampler(sampling_strategy={0: budget}, random_state=0)
X_rus, y_rus = rus.fit_resample(X_train, y_train)
randomly = model().fit(X_rus, y_rus)
report("random undersampling", randomly, budget, time.perf_counter() - start)

# %%
# On this small task the three are close: mining matches the full-data
# model with a third of the negatives, and random undersampling at the same
# budget falls a little behind. ``python -m skhnm.demo`` repeats the
# comparison over several seeds.
#
# The run, round by round
# -----------------------
# Round 0 is the fit on the initial 1:3 sample; each later round adds the
# negatives the previous model got wrong, until none is left.
MiningDisplay.from_estimator(mined)
plt.show()

assert np.all(y_train[mined.negative_indices_] == 0)
