"""
============================================
A pool on disk: mining a memory-mapped array
============================================

A pool can be larger than the memory one wants to spend on it. Stored as a
``.npy`` file and opened with ``numpy.load(..., mmap_mode="r")``, it is read
chunk by chunk during each scoring pass and never copied: only the working
set is held in memory for the fits. This example writes a pool of two
million rows to a temporary file, mines it, and measures the extra memory
the run needed (resident anonymous memory, which does not count the file's
pages in the page cache). That memory is the working set, as the estimator
keeps it (liblinear, behind LinearSVC, copies it at 16 bytes a value), plus
a few arrays of one entry per pool row (row indices, scores, the round each
row entered), about 35 bytes per row: small next to rows of 64 float32
features (256 bytes), a larger share for narrower rows. The pool itself is
never copied.
"""

# %%
import tempfile
import threading
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier, MiningDisplay

n_rows, n_features = 2_000_000, 64
folder = tempfile.TemporaryDirectory()
path = Path(folder.name) / "pool.npy"
rng = np.random.default_rng(0)
pool = np.lib.format.open_memmap(
    path, mode="w+", dtype=np.float32, shape=(n_rows, n_features)
)
y = np.zeros(n_rows, dtype=np.int8)
for start in range(0, n_rows, 250_000):
    block = rng.standard_normal((250_000, n_features), dtype=np.float32)
    noise = 0.3 * rng.standard_normal(250_000, dtype=np.float32)
    labels = (block[:, 0] + 0.5 * block[:, 1] + noise > 3.0).astype(np.int8)
    pool[start : start + 250_000], y[start : start + 250_000] = block, labels
pool.flush()
del pool
X = np.load(path, mmap_mode="r")
print(
    f"{type(X).__name__} of {X.shape[0]:,} x {X.shape[1]} float32 "
    f"({X.nbytes / 2**20:.0f} MiB on disk), {int(y.sum()):,} positives"
)


# %%
# Mining, with the memory it takes
# --------------------------------
def anonymous_memory():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return 0


peak, running = [0], True


def watch():
    while running:
        peak[0] = max(peak[0], anonymous_memory())
        time.sleep(0.002)


measurable = Path("/proc/self/status").exists()
base = anonymous_memory()
watcher = threading.Thread(target=watch)
watcher.start()
start = time.perf_counter()
clf = HardNegativeMiningClassifier(
    LinearSVC(),
    threshold=-1.0,
    max_hard_per_round=1.0,
    max_rounds=5,
    random_state=0,
).fit(X, y)
seconds = time.perf_counter() - start
running = False
watcher.join()
print(
    f"mined in {seconds:.1f} s: {clf.negative_indices_.size:,} negatives "
    f"after {clf.n_rounds_} rounds ({clf.termination_condition_})"
)
print(
    "seconds scoring the pool per round:",
    [round(t, 2) for t in clf.history_["score_time"]],
)
if measurable:
    extra = peak[0] - base
    print(f"extra memory: {extra / 2**20:.0f} MiB, {extra / X.nbytes:.0%} of the pool")

MiningDisplay.from_estimator(clf, log_scale=True)
plt.show()
folder.cleanup()
