"""
============================================
Calibrated probabilities from a mined subset
============================================

Plain mining trains on all positives and a few negatives, so the model
learns a world of one positive to a few negatives: its ranking can be good,
but its probabilities are those of the working set, not of the population.
``weighting="inverse_probability"`` weighs the working negatives as the
stratified sample they are (the mined ones are a census of the hard
negatives; each random one stands for the negatives never found hard), so
the fit minimises an estimate of the full-data loss.

The default, ``weighting="case_control"``, gets the population's
probabilities another way: each round's sample has a known inclusion
probability for every row, and the fitted log-odds are corrected by its
logarithm (see the user guide).

Here LogisticRegression is fitted on all 300,000 training rows, by plain
mining (``weighting=None``), by weighted mining and by the default, and the
four are compared on held-out rows:
average precision, Brier score, the mean predicted probability against the
positive rate, the distance of the coefficients to the full-data fit's, and
a calibration curve.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibrationDisplay
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss
from sklearn.model_selection import train_test_split

from skhnm import HardNegativeMiningClassifier

X, y = make_classification(
    n_samples=430_000,
    n_features=20,
    n_informative=8,
    weights=[0.99],
    class_sep=0.8,
    flip_y=0.005,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=300_000, stratify=y, random_state=0
)
models = {
    "full data": LogisticRegression(),
    "plain mining": HardNegativeMiningClassifier(weighting=None, random_state=0),
    "weighted mining": HardNegativeMiningClassifier(
        weighting="inverse_probability", random_state=0
    ),
    "default": HardNegativeMiningClassifier(random_state=0),
}
seconds = {}
for name, model in models.items():
    t0 = time.perf_counter()
    model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - t0

full_coef = models["full data"].coef_.ravel()
print(f"positive rate of the test rows: {y_test.mean():.4f}")
for name, model in models.items():
    p = model.predict_proba(X_test)[:, 1]
    coef = getattr(model, "estimator_", model).coef_.ravel()
    distance = np.linalg.norm(coef - full_coef) / np.linalg.norm(full_coef)
    # The default's estimator_ is the last stage of a cascade (its pilot_ is
    # the first): its coefficients are not the full fit's to match.
    two_stage = getattr(model, "pilot_", None) is not None
    used = getattr(model, "negative_indices_", np.flatnonzero(y_train == 0)).size
    coefficients = (
        "a two-stage model" if two_stage else f"coefficients {distance:.3f} from full"
    )
    print(
        f"{name:>15}: AP {average_precision_score(y_test, p):.4f}, "
        f"Brier {brier_score_loss(y_test, p):.5f}, mean p {p.mean():.4f}, "
        f"{coefficients}, {used / (y_train == 0).sum():.1%} of the negatives, "
        f"fit {seconds[name] / seconds['full data']:.2f} x full"
    )

# %%
# The weights of the last fit: each random negative stood for this many
# negatives never found hard, and the fit's effective sample size was this.
weighted = models["weighted mining"]
print("random_weight:", [round(w, 1) for w in weighted.history_["random_weight"]])
print("effective_size:", [round(n) for n in weighted.history_["effective_size"]])

# %%
# Plain mining's probabilities are several times too high across the range;
# the weighted fit and the default follow the diagonal, as the full-data fit
# does.
fig, ax = plt.subplots(figsize=(6, 5))
for name, model in models.items():
    CalibrationDisplay.from_estimator(
        model, X_test, y_test, n_bins=15, strategy="quantile", name=name, ax=ax
    )
ax.set(xscale="log", yscale="log", xlim=(1e-4, 1), ylim=(1e-4, 1))
ax.set_title("Calibration on held-out rows (log scales)")
plt.show()
