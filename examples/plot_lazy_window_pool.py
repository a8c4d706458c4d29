"""
=========================================
Detection windows that are never stored
=========================================

The method's home case at scale: a face detector's negatives are every
window of every image that shows no face, at every scale. Their HOG features
are a function of the images, so nothing needs to hold them: here a Dask
cluster computes them block by block when a pass asks for them, and forgets
them when the block is scored. The pool exists nowhere, in memory or on
disk; only the windows that join the working set travel to this machine.

Each image is drawn from scikit-image's face-free pictures (a random crop,
scale, flip and contrast, from a seed per image, so that a block is the same
whenever it is computed) and described densely, as detectors do (Dalal &
Triggs 2005, Felzenszwalb et al. 2010): HOG cells and normalised blocks are
computed once per image and pyramid level, and each 24 x 24 window's 324
features are a slice of them. Positives are the faces of ``lfw_subset``.

The size is ``SKHNM_EXAMPLE_WINDOWS`` windows: 200,000 by default, so that
the gallery builds in under half a minute on a 2-core, 8 GiB machine, with
the two Dask workers in this process. The large run is a command:

.. code-block:: bash

    python benchmarks/bench_windows.py --windows 1e7

runs this example on ten million windows (12.1 GiB had they been stored),
with the scheduler and the workers in processes of their own, so that the
peak memory it prints is the client's alone; the README's figures are its
output. With ``SKHNM_EXAMPLE_FULL_DATA=1`` and ``dask-ml`` installed, the
same features are also fitted whole with dask-ml's ``LogisticRegression``
on the same cluster, side by side.
"""

# %%
# Dense HOG windows of generated images
# -------------------------------------
import os
import resource
import time

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster
from numpy.lib.stride_tricks import sliding_window_view
from skimage import color, data, transform
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from skhnm import HardNegativeMiningClassifier

CELL = 6  # pixels per HOG cell; a window is 4 x 4 cells (24 pixels)
CROP = (180, 240)  # each generated image
LEVELS = (1.0, 0.7, 0.5)  # its pyramid
IMAGES_PER_BLOCK = 32


def dense_hog(image):
    """Every 24 x 24 window's HOG descriptor (a row of 324, float32).

    9 orientations over 0-180 degrees, 6 x 6 cells, 2 x 2 cell blocks
    normalised with L2-Hys, windows one cell apart: the layout of
    ``skimage.feature.hog(window, orientations=9, pixels_per_cell=(6, 6),
    cells_per_block=(2, 2))``, computed for all windows of the image at once.
    """
    g_row, g_col = np.zeros_like(image), np.zeros_like(image)
    g_row[1:-1, :] = image[2:, :] - image[:-2, :]
    g_col[:, 1:-1] = image[:, 2:] - image[:, :-2]
    h, w = image.shape[0] // CELL, image.shape[1] // CELL
    g_row, g_col = g_row[: h * CELL, : w * CELL], g_col[: h * CELL, : w * CELL]
    magnitude = np.hypot(g_col, g_row)
    angle = np.rad2deg(np.arctan2(g_row, g_col)) % 180
    bins = np.minimum((angle // 20).astype(np.intp), 8)
    cell_row, cell_col = np.arange(h * CELL) // CELL, np.arange(w * CELL) // CELL
    index = (cell_row[:, None] * w + cell_col) * 9 + bins
    cells = np.bincount(index.ravel(), magnitude.ravel(), h * w * 9)
    cells = cells.reshape(h, w, 9) / CELL**2
    blocks = sliding_window_view(cells, (2, 2), axis=(0, 1))
    blocks = blocks.transpose(0, 1, 3, 4, 2).reshape(h - 1, w - 1, 36)
    blocks = np.minimum(blocks / _l2(blocks), 0.2)
    blocks = (blocks / _l2(blocks)).astype(np.float32)
    windows = sliding_window_view(blocks, (3, 3), axis=(0, 1))
    return windows.transpose(0, 1, 3, 4, 2).reshape(-1, 324)


def _l2(blocks):
    return np.sqrt((blocks**2).sum(axis=-1, keepdims=True) + 1e-10)


def gray(image):
    image = np.asarray(image)
    if image.ndim == 3:
        image = color.rgb2gray(image[..., :3])
    return image.astype(np.float64) / (255.0 if image.max() > 1 else 1.0)


SOURCES = [
    gray(image)
    for image in (
        data.brick(),
        data.grass(),
        data.gravel(),
        data.coffee(),
        data.coins(),
        data.moon(),
        data.page(),
        data.text(),
        data.horse(),
        data.hubble_deep_field(),
        data.immunohistochemistry(),
        data.rocket(),
        data.clock(),
        data.logo(),
        data.colorwheel(),
        data.cell(),
        data.retina(),
    )
]


def generated_image(seed, sources):
    """A face-free image: a random crop, scale, flip and contrast of a source."""
    rng = np.random.default_rng(seed)
    source = sources[rng.integers(len(sources))]
    # A region of the source, resized to the crop: at most the whole source.
    low = max(c / s for c, s in zip(CROP, source.shape, strict=True))
    scale = rng.uniform(max(low, 0.5), max(low, 1.0))
    height, width = (int(np.ceil(c / scale)) for c in CROP)
    r = rng.integers(source.shape[0] - height + 1)
    c = rng.integers(source.shape[1] - width + 1)
    region = source[r : r + height, c : c + width]
    image = transform.resize(region, CROP, anti_aliasing=scale < 1)
    if rng.random() < 0.5:
        image = image[:, ::-1]
    return np.clip(image, 0, 1) ** rng.uniform(0.6, 1.6)


def image_windows(seed, sources):
    """The windows of one generated image, at every level of its pyramid."""
    image = generated_image(seed, sources)
    levels = [image] + [
        transform.rescale(image, s, anti_aliasing=True) for s in LEVELS[1:]
    ]
    return np.concatenate([dense_hog(level) for level in levels])


WINDOWS_PER_IMAGE = image_windows(0, SOURCES).shape[0]  # the same for every image


def window_pool(n_images, first_seed, sources):
    """Windows of `n_images` images as a Dask array that computes its blocks
    when asked: a graph of a few kilobytes, whatever its size. `sources` is
    the source images, sent to the workers once."""

    def block(first, n, sources):
        seeds = range(first_seed + first, first_seed + first + n)
        return np.concatenate([image_windows(seed, sources) for seed in seeds])

    parts = []
    for first in range(0, n_images, IMAGES_PER_BLOCK):
        n = min(IMAGES_PER_BLOCK, n_images - first)
        lazy = dask.delayed(block, pure=True)(first, n, sources)
        shape = (n * WINDOWS_PER_IMAGE, 324)
        parts.append(da.from_delayed(lazy, shape, dtype=np.float32))
    return da.concatenate(parts)


def face_windows(faces):
    """HOG of 25 x 25 faces, their borders seen through a reflected margin
    as a window inside an image would see its neighbours."""
    padded = np.pad(faces, ((0, 0), (CELL, CELL), (CELL, CELL)), mode="reflect")
    # The padded face's cell grid is 6 x 6; its middle window is the face.
    return np.stack([dense_hog(face).reshape(3, 3, 324)[1, 1] for face in padded])


lfw = data.lfw_subset()[:100]
test_faces = np.random.default_rng(0).permutation(100)[:25]
train_faces = np.setdiff1d(np.arange(100), test_faces)


def with_mirrors(images):
    return np.concatenate([images, images[:, :, ::-1]])


X_pos = face_windows(with_mirrors(lfw[train_faces]))
X_pos_test = face_windows(with_mirrors(lfw[test_faces]))

# %%
# A cluster, and a pool that is a recipe
# --------------------------------------
# Two workers with one thread each, in this process so that the example runs
# anywhere; ``SKHNM_EXAMPLE_SCHEDULER`` names a scheduler file to use a
# running cluster instead (``benchmarks/bench_windows.py`` starts one in
# processes of its own, to measure this process alone). The source images
# are sent to every worker once; a block of the pool is a task that names
# its images' seeds.
scheduler = os.environ.get("SKHNM_EXAMPLE_SCHEDULER")
if scheduler:
    cluster, client = None, Client(scheduler_file=scheduler)
else:
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    client = Client(cluster)
sources = client.scatter(SOURCES, broadcast=True)

n_windows = int(float(os.environ.get("SKHNM_EXAMPLE_WINDOWS", 200_000)))
n_images = -(-n_windows // WINDOWS_PER_IMAGE)
pool = window_pool(n_images, 1, sources)
test_pool = window_pool(max(40, n_images // 50), 10**9, sources)

X = da.concatenate([da.from_array(X_pos, chunks=-1), pool])
y = da.concatenate(
    [
        da.ones(X_pos.shape[0], dtype=np.int8, chunks=-1),
        da.zeros(pool.shape[0], dtype=np.int8, chunks=pool.chunks[0]),
    ]
)
print(
    f"{X_pos.shape[0]} training faces; a pool of {pool.shape[0]:,} windows of "
    f"{n_images:,} images ({WINDOWS_PER_IMAGE:,} each), {pool.numblocks[0]} "
    f"blocks: {pool.nbytes / 2**30:.1f} GiB if it were stored"
)

# %%
# One pass over the pool, for reference
# -------------------------------------
# A pass over the pool costs what computing its features costs: this bare
# pass computes every window and keeps only a sum per block (the second of
# two: the first also warms the workers up).
for _ in range(2):
    t0 = time.perf_counter()
    pool.sum(axis=1).sum().compute()
    feature_pass = time.perf_counter() - t0
print(f"one feature pass over the pool: {feature_pass:.1f} s")

# %%
# Mining on the cluster
# ---------------------
# The default draws a pilot working set, then each round scores every
# window on the workers and keeps a sample of them, the hard ones surely:
# the rows kept are the only ones that cross to this process. On a pool
# computed on demand, fetching rows computes their blocks again, so the
# pass sends along the features of the rows the coming draw may add (the
# workers draw them with the same per-row uniforms), and the scores of the
# rows the last draw could keep: after the pilot's rows, a round costs one
# feature pass, plus its fit. The line below says how many in all.
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
clf = HardNegativeMiningClassifier(LogisticRegression(max_iter=1000), random_state=0)
t0 = time.perf_counter()
clf.fit(X, y)
mining_time = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
h = clf.history_
print(
    f"mining: {mining_time:.1f} s ({mining_time / feature_pass:.1f} feature "
    f"passes), {clf.n_rounds_} rounds, working negatives {h['n_negatives']}, "
    f"pass times {[round(t, 1) for t in h['score_time']]} s"
)
working = (X_pos.shape[0] + h["n_negatives"][-1]) * 324 * 4
# The workers' memory counts here only when they run in this process.
whose = "this process alone" if scheduler else "this process and its two workers"
print(
    f"{whose}: peak resident memory {peak / 2**10:,.0f} MiB (was "
    f"{before / 2**10:,.0f} MiB before fit); the working set is "
    f"{working / 2**20:,.1f} MiB, the pool {pool.nbytes / 2**30:.1f} GiB"
)

# %%
# Held-out windows
# ----------------
# Predictions on a Dask array are computed where its blocks are: the
# held-out pool's windows are scored on the workers too.
scores = clf.decision_function(test_pool).compute()
scores_pos = clf.decision_function(X_pos_test)
y_test = np.r_[np.ones(scores_pos.size), np.zeros(scores.size)]
ap_mined = average_precision_score(y_test, np.r_[scores_pos, scores])
print(
    f"held out: {X_pos_test.shape[0]} faces against {scores.size:,} windows; "
    f"average precision {ap_mined:.4f}"
)

# %%
# Against a full-data fit on the same cluster
# -------------------------------------------
# dask-ml fits a logistic regression on every window; each of its L-BFGS
# iterations is a pass over the pool, so the features are computed again
# each time (storing them would take the pool's size in worker memory).
if os.environ.get("SKHNM_EXAMPLE_FULL_DATA") == "1":
    from dask_ml.linear_model import LogisticRegression as DaskLogisticRegression

    full = DaskLogisticRegression(solver="lbfgs", max_iter=100)
    t0 = time.perf_counter()
    full.fit(X, y)
    full_time = time.perf_counter() - t0
    full_scores = np.r_[
        full.decision_function(X_pos_test), full.decision_function(test_pool).compute()
    ]
    ap_full = average_precision_score(y_test, full_scores)
    print(
        f"dask-ml full data: {full_time:.1f} s, average precision {ap_full:.4f}; "
        f"mining took {mining_time / full_time:.3f} of its time, "
        f"average precision {ap_mined - ap_full:+.4f}"
    )

client.close()
if cluster is not None:
    cluster.close()
