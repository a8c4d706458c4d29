"""
====================================================
Face detection with HOG features and mined negatives
====================================================

Hard negative mining was invented for this task (Sung & Poggio 1998), and it
made the sliding-window detectors of Dalal & Triggs (2005) and Felzenszwalb
et al. (2010) work: a detector sees a few faces and a practically endless
pool of windows that are not faces, most of them trivially easy. Training on
a random sample of that pool wastes the budget on flat sky and plain walls;
mining spends it on the windows that look like faces to the current model.

Positives are the 100 faces of scikit-image's ``lfw_subset`` and their
mirror images; the pool is every window, at several scales, of scikit-image's
bundled images that show no face. A linear SVM on HOG features is trained
with random negatives and with mined negatives at the same budget, compared
by precision-recall on held-out windows, and run as a detector on a photo.
"""

# %%
# Windows and HOG features
# ------------------------
import time

import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from skimage import color, data, transform
from sklearn.metrics import PrecisionRecallDisplay, average_precision_score
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier, MiningDisplay

WINDOW = 25  # lfw_subset's faces are 25 x 25 pixels
_EDGES = 20.0 * np.arange(10)  # the 9 orientation bins, over 0-180 degrees


def hog(windows, batch=4096):
    """HOG descriptors of 25 x 25 windows, a row each.

    The same numbers as ``skimage.feature.hog(window, orientations=9,
    pixels_per_cell=(6, 6), cells_per_block=(2, 2))`` (L2-Hys blocks, to
    1e-7), computed for a batch of windows at once instead of one call per
    window, which took most of this example's time.
    """
    out = [_hog_batch(windows[i : i + batch]) for i in range(0, len(windows), batch)]
    return np.concatenate(out)


def _hog_batch(w):
    n = w.shape[0]
    g_row, g_col = np.zeros_like(w), np.zeros_like(w)
    g_row[:, 1:-1, :] = w[:, 2:, :] - w[:, :-2, :]  # zero on the window's border
    g_col[:, :, 1:-1] = w[:, :, 2:] - w[:, :, :-2]
    magnitude = np.hypot(g_col, g_row)[:, :24, :24]  # the 4 x 4 cells of 6 x 6
    angle = (np.rad2deg(np.arctan2(g_row, g_col)) % 180)[:, :24, :24]
    bins = np.searchsorted(_EDGES, angle, side="right") - 1
    magnitude = np.where(bins < 9, magnitude, 0.0)  # 180 after rounding: no bin
    cell = np.arange(24) // 6
    index = (np.arange(n)[:, None, None] * 4 + cell[:, None]) * 4 + cell
    index = index * 9 + np.minimum(bins, 8)
    cells = np.bincount(index.ravel(), magnitude.ravel(), n * 144) / 36
    cells = cells.reshape(n, 4, 4, 9)
    blocks = np.stack(
        [cells[:, r : r + 2, c : c + 2] for r in range(3) for c in range(3)], axis=1
    )
    # L2-Hys: normalise each block, clip at 0.2, normalise again.
    blocks = np.minimum(blocks / _l2(blocks), 0.2)
    return (blocks / _l2(blocks)).reshape(n, -1)


def _l2(blocks):
    return np.sqrt((blocks**2).sum(axis=(2, 3, 4), keepdims=True) + 1e-10)


def gray(image):
    image = np.asarray(image)
    if image.ndim == 3:
        image = color.rgb2gray(image[..., :3])
    return image.astype(np.float64) / (255.0 if image.max() > 1 else 1.0)


def windows(image, scales, step=6):
    """Every window at every scale, and its box in the original image."""
    found, boxes = [], []
    for scale in scales:
        scaled = transform.rescale(image, scale, anti_aliasing=True)
        view = sliding_window_view(scaled, (WINDOW, WINDOW))[::step, ::step]
        found.append(view.reshape(-1, WINDOW, WINDOW))
        rows, cols = np.indices(view.shape[:2]).reshape(2, -1) * step
        boxes += [(r, c, scale) for r, c in zip(rows, cols, strict=True)]
    return np.concatenate(found), boxes


lfw = data.lfw_subset()
faces, non_faces = lfw[:100], lfw[100:]
rng = np.random.default_rng(0)
test_faces = rng.permutation(100)[:25]
train_faces = np.setdiff1d(np.arange(100), test_faces)


def with_mirrors(images):
    return np.concatenate([images, images[:, :, ::-1]])


X_pos = hog(with_mirrors(faces[train_faces]))
X_pos_test = hog(with_mirrors(faces[test_faces]))

# Face-free images; two are held out for testing, with LFW's non-face crops.
pool_images = {
    "brick": data.brick(),
    "grass": data.grass(),
    "gravel": data.gravel(),
    "coffee": data.coffee(),
    "coins": data.coins(),
    "moon": data.moon(),
    "page": data.page(),
    "text": data.text(),
    "horse": data.horse(),
    "hubble": data.hubble_deep_field()[::2, ::2],
    "cells": data.immunohistochemistry(),
    "rocket": data.rocket(),
    "clock": data.clock(),
    "logo": data.logo(),
    "colorwheel": data.colorwheel(),
}
test_images = {"cell": data.cell(), "retina": data.retina()[::3, ::3]}
scales = (1.0, 0.6, 0.35)

t0 = time.perf_counter()
X_pool = np.concatenate(
    [hog(windows(gray(img), scales)[0]) for img in pool_images.values()]
)
X_neg_test = np.concatenate(
    [hog(windows(gray(img), scales)[0]) for img in test_images.values()]
    + [hog(non_faces)]
)
print(
    f"{X_pos.shape[0]} training faces, a pool of {X_pool.shape[0]:,} windows "
    f"({X_pool.shape[1]} HOG features each, {time.perf_counter() - t0:.1f} s)"
)
print(f"held out: {X_pos_test.shape[0]} faces, {X_neg_test.shape[0]:,} windows")

X = np.vstack([X_pos, X_pool]).astype(np.float32)
y = np.r_[np.ones(len(X_pos), int), np.zeros(len(X_pool), int)]
X_test = np.vstack([X_pos_test, X_neg_test]).astype(np.float32)
y_test = np.r_[np.ones(len(X_pos_test), int), np.zeros(len(X_neg_test), int)]

# %%
# Mining hard negatives
# ---------------------
# Start from three random negatives per face (at least 500); each round
# keeps the windows inside the SVM's margin (``threshold=-1``), at most five
# per face, the pilot's random negatives, and fits the SVM weighted by each
# negative's inverse probability of being drawn (the default,
# ``weighting="case_control"``).
svm = LinearSVC(C=1.0)
mined = HardNegativeMiningClassifier(
    svm, threshold=-1.0, max_hard_per_round=5.0, max_rounds=6, random_state=0
)
t0 = time.perf_counter()
mined.fit(X, y)
print(
    f"mined in {time.perf_counter() - t0:.1f} s: {mined.negative_indices_.size:,} "
    f"negatives after {mined.n_rounds_} rounds ({mined.termination_condition_})"
)
MiningDisplay.from_estimator(mined, log_scale=True)

# %%
# The same budget, drawn at random
# --------------------------------
budget = mined.negative_indices_.size
random_neg = rng.choice(np.flatnonzero(y == 0), budget, replace=False)
rows = np.r_[np.flatnonzero(y == 1), random_neg]
randomly = LinearSVC(C=1.0).fit(X[rows], y[rows])

fig, ax = plt.subplots()
for name, model in (("random negatives", randomly), ("mined negatives", mined)):
    scores = model.decision_function(X_test)
    ap = average_precision_score(y_test, scores)
    PrecisionRecallDisplay.from_predictions(y_test, scores, ax=ax, name=name)
    print(f"{name:<17} held-out average precision {ap:.3f}")
ax.set_title(f"Held-out windows, {budget:,} negatives each")

# %%
# Detections on a photo
# ---------------------
# Slide both detectors over a photo with one face, at the scales where a
# face fills a window, and draw each detector's five best windows after
# suppressing overlapping ones. Both find the face among them (and both like
# the round mission patch), but at the SVM's own threshold, zero, the model
# trained on random negatives fires on hundreds of windows and the mined one
# on a few dozen: mining removed most of the false alarms.
photo = gray(data.astronaut())
photo_windows, boxes = windows(photo, scales=(0.32, 0.29, 0.26, 0.23, 0.2), step=2)
H = hog(photo_windows).astype(np.float32)


def detections(model, max_boxes=5):
    scores = model.decision_function(H)
    keep = []
    for i in np.argsort(-scores):
        if len(keep) == max_boxes:
            break
        r, c, s = boxes[i]
        box = np.array([r, c, r + WINDOW, c + WINDOW]) / s
        if all(_overlap(box, other) < 0.3 for other, _ in keep):
            keep.append((box, scores[i]))
    return keep, int(np.count_nonzero(scores > 0))


def _overlap(a, b):
    inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(
        0, min(a[3], b[3]) - max(a[1], b[1])
    )
    area = (a[2] - a[0]) * (a[3] - a[1])
    return inter / (2 * area - inter)


fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, (name, model) in zip(
    axes, (("random negatives", randomly), ("mined negatives", mined)), strict=True
):
    kept, n_positive = detections(model)
    ax.imshow(photo, cmap="gray")
    for rank, ((r0, c0, r1, c1), score) in enumerate(kept, start=1):
        ax.add_patch(
            plt.Rectangle((c0, r0), c1 - c0, r1 - r0, fill=False, color="yellow")
        )
        ax.text(c0 + 2, r0 + 12, f"{rank}: {score:.2f}", color="yellow", fontsize=8)
    ax.set_title(f"{name}: {n_positive} windows above 0")
    ax.axis("off")
    print(f"{name:<17} {n_positive} of {len(boxes):,} photo windows score above 0")
plt.show()
