"""
=========================
Scoring the pool on a GPU
=========================

With CuPy installed (``pip install ".[gpu]"`` from a checkout) and a CUDA device,
``device="cuda"`` scores the pool on the GPU whenever the fitted model has a
compiled scorer (linear models, SVC/NuSVC, MLPClassifier and Pipelines of
scalers and PCA ending in one). A NumPy pool is streamed to the device chunk
by chunk; a pool given as a CuPy array stays there, and only its scores and
the working set's rows are copied to the host. Fitting runs on the host, so
the fitted model holds no GPU memory: it pickles, and predicts on a machine
without a GPU.

This script is shown but not run by the documentation build (which has no
GPU). Run as it is, it uses the GPU when there is one (``device="auto"``)
and the CPU otherwise, with the same results.
"""

# %%
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.svm import SVC

from skhnm import HardNegativeMiningClassifier
from skhnm._namespace import cuda_namespace

X, y = make_classification(
    n_samples=30_000,
    n_features=20,
    n_informative=8,
    weights=[0.98],
    class_sep=0.8,
    random_state=0,
)
gpu = cuda_namespace() is not None
print("GPU found" if gpu else "no GPU: device='auto' scores on the CPU")

# Without a GPU, "auto" is the CPU: one fit shows it.
for device in ("cpu", "auto") if gpu else ("auto",):
    start = time.perf_counter()
    clf = HardNegativeMiningClassifier(
        SVC(), threshold=-1.0, max_rounds=1, device=device, random_state=0
    ).fit(X, y)
    print(
        f"device={device!r}: {time.perf_counter() - start:.1f} s, "
        f"scoring {sum(clf.history_['score_time']):.2f} s, "
        f"{clf.negative_indices_.size:,} negatives"
    )

# %%
# A pool that already lives on the GPU is scored there.
if gpu:
    import cupy as cp

    pool = cp.asarray(X)
    clf = HardNegativeMiningClassifier(
        SVC(), threshold=-1.0, max_rounds=1, random_state=0
    ).fit(pool, y)
    print(
        "fitted attributes are host arrays:",
        isinstance(clf.negative_indices_, np.ndarray),
    )
