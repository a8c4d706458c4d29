"""
=====================================================
Several detectors, one background: multiclass mining
=====================================================

Detection is multiclass: R-CNN (Girshick et al., 2014) trains one linear
detector per object class, each mining its hard negatives from the same
windows of background, and scores every class in one product.
:class:`~skhnm.MulticlassHardNegativeMiningClassifier` does the same: one
detector per class but the background (``negative_label``), all mined in
lockstep, each round scoring the pool once for every detector and drawing
one background sample for all of them.

The objects are the 1,797 handwritten digits of scikit-learn's ``digits``
(8 x 8 pixels, ten classes); half are trained on, half held out. The
background is every 8 x 8 window, at two scales and in both polarities (ink
may be dark or light), of scikit-image's bundled photos: bricks, grass,
coins, text, a camera man, a cat, ... (178,082 windows to train on), and
of four other images to test on. A detector must tell its digit from the
other nine and from anything a photo holds.
"""

# %%
# Digits in a sea of windows
# --------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
from skimage import color, data, transform
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

from skhnm import (
    HardNegativeMiningClassifier,
    MiningDisplay,
    MulticlassHardNegativeMiningClassifier,
)

BACKGROUND = -1


def gray(image):
    image = np.asarray(image)
    if image.ndim == 3:
        image = color.rgb2gray(image[..., :3])
    return image.astype(np.float64) / (255.0 if image.max() > 1 else 1.0)


def windows(image, scales=(0.5, 0.25), step=3):
    """Every 8 x 8 window, on the digits' 0-16 scale, in both polarities."""
    found = []
    for scale in scales:
        scaled = transform.rescale(gray(image), scale, anti_aliasing=True)
        view = np.lib.stride_tricks.sliding_window_view(scaled, (8, 8))
        found.append(view[::step, ::step].reshape(-1, 64))
    found = 16.0 * np.concatenate(found)
    return np.concatenate([found, 16.0 - found])


train_images = [
    data.brick(),
    data.grass(),
    data.gravel(),
    data.coffee(),
    data.coins(),
    data.moon(),
    data.page(),
    data.text(),
    data.camera(),
    data.rocket(),
    data.clock(),
    data.horse(),
    data.astronaut(),
    data.chelsea(),
]
test_images = [
    data.cell(),
    data.hubble_deep_field()[::2, ::2],
    data.immunohistochemistry(),
    data.logo(),
]
pool = np.concatenate([windows(image) for image in train_images])
pool_test = np.concatenate([windows(image) for image in test_images])

digits = load_digits()
X_dig, X_dig_test, y_dig, y_dig_test = train_test_split(
    digits.data, digits.target, test_size=0.5, stratify=digits.target, random_state=0
)
X = np.vstack([X_dig, pool])
y = np.r_[y_dig, np.full(len(pool), BACKGROUND)]
X_test = np.vstack([X_dig_test, pool_test])
y_test = np.r_[y_dig_test, np.full(len(pool_test), BACKGROUND)]
print(
    f"training: {len(y_dig)} digits, {len(pool):,} background windows; "
    f"held out: {len(y_dig_test)} digits, {len(pool_test):,} windows"
)

# %%
# One detector per digit, mined together
# --------------------------------------
# Each detector starts from its digit, the other nine digits (always in its
# working set: they are the negatives most like it) and three background
# windows per positive, drawn at random; each round adds the background
# windows it scores above zero.
detector = LogisticRegression(max_iter=1000)  # raw pixels converge slowly
mined = MulticlassHardNegativeMiningClassifier(
    detector, negative_label=BACKGROUND, random_state=0
)
t0 = time.perf_counter()
mined.fit(X, y)
mined_time = time.perf_counter() - t0
for digit in (1, 8):
    history = mined.history_[digit]
    print(
        f"digit {digit}: negatives per round {history['n_negatives']}, "
        f"stopped on {mined.termination_condition_[digit]}"
    )
print(
    f"one pass a round: {max(mined.n_rounds_.values()) + 1} passes over the "
    f"pool for {len(mined.estimators_)} detectors, fit in {mined_time:.1f} s"
)
MiningDisplay.from_estimator(mined, label=8)

# %%
# Against one-vs-rest mining and the full-data fit
# ------------------------------------------------
# One-vs-rest mining runs eleven independent binary miners (the background
# is one more class to detect), each with its own draws and its own passes
# over the pool, where the multiclass miner's detectors share one
# background draw and one pass a round; the full-data fit is multinomial
# logistic regression on
# every window. Each is scored by held-out average precision per digit
# (the digit against every other window), from its ``decision_function``.
others = {
    "one-vs-rest mining": OneVsRestClassifier(
        HardNegativeMiningClassifier(detector, random_state=0)
    ),
    "full data": LogisticRegression(max_iter=1000),
}
times = {"skhnm multiclass": mined_time}
for name, model in others.items():
    t0 = time.perf_counter()
    model.fit(X, y)
    times[name] = time.perf_counter() - t0
models = {"skhnm multiclass": mined, **others}

per_digit = {}
for name, model in models.items():
    scores = model.decision_function(X_test)
    column = list(model.classes_)
    per_digit[name] = [
        average_precision_score(y_test == d, scores[:, column.index(d)])
        for d in range(10)
    ]
    print(
        f"{name:<18} macro AP {np.mean(per_digit[name]):.3f}, "
        f"fit {times[name]:.1f} s ({times[name] / times['full data']:.2f} of "
        "the full fit)"
    )

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
width = 0.27
for i, (name, aps) in enumerate(per_digit.items()):
    ax.bar(np.arange(10) + (i - 1) * width, aps, width, label=name)
ax.set_xticks(range(10))
ax.set_xlabel("digit")
ax.set_ylabel("held-out average precision")
ax.set_ylim(0.5, 1.0)
ax.legend(loc="lower center", ncol=3, fontsize="small")

# %%
# The book of mistakes
# --------------------
# The background windows that the detector of 1 mined: strokes, edges and
# bars, the parts of photos that look like a one.
mined_rows = mined.negative_indices_[1]
mined_rows = mined_rows[
    (y[mined_rows] == BACKGROUND) & (mined.mined_round_[1][mined_rows] > 0)
]
hardest = mined_rows[np.argsort(-mined.estimators_[1].decision_function(X[mined_rows]))]
fig, axes = plt.subplots(2, 8, figsize=(7, 2))
for ax, row in zip(axes.ravel(), hardest[:16], strict=False):
    ax.imshow(X[row].reshape(8, 8), cmap="gray_r")
    ax.set_axis_off()
fig.suptitle("The hardest background windows for the detector of 1")
plt.show()
