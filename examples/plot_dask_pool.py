"""
==========================================
Mining a pool that lives on a Dask cluster
==========================================

When the pool of negatives is too large for one machine, keep it on a Dask
cluster. ``fit`` accepts a ``dask.array.Array`` chunked along rows: every
round the model is sent to the workers, each block of the pool is scored
where it lies, the hard rows are selected there, and only those rows travel
back to be trained on. The scores stay on the cluster and the pool is never
gathered.

This example starts a small local cluster (threads in this process, so that
it runs anywhere) and mines a pool of two million rows that is generated on
the workers. On a real cluster, connect to its scheduler instead::

    from dask.distributed import Client
    client = Client("tcp://scheduler-address:8786")

and build the pool from your storage (``dask.array.from_zarr``,
``from_npy_stack``, or ``dask.dataframe.read_parquet(...).to_dask_array(
lengths=True)``): nothing else changes.
"""

# %%
# A cluster and a pool that lives on it
# -------------------------------------
import time

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster
from sklearn.metrics import average_precision_score
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
)
client = Client(cluster)

n_rows, n_features = 2_000_000, 20
X = da.random.RandomState(0).standard_normal(
    (n_rows, n_features), chunks=(100_000, n_features)
)
# About 0.5% positives, defined by the first two features plus noise.
noise = da.random.RandomState(1).standard_normal(n_rows, chunks=100_000)
y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * noise > 3.0).astype(np.int8)
print(
    f"pool: {n_rows:,} rows x {n_features} ({X.nbytes / 2**20:.0f} MiB), "
    f"{X.numblocks[0]} blocks on {len(client.scheduler_info()['workers'])} workers"
)

# %%
# Mining: scores stay on the cluster, hard rows travel
# -----------------------------------------------------
# Train on the first 1.6 million rows and hold the rest out for evaluation.
train, test = slice(0, 1_600_000), slice(1_600_000, None)
clf = HardNegativeMiningClassifier(
    LinearSVC(),
    threshold=-1.0,
    max_hard_per_round=2.0,
    max_rounds=4,
    random_state=0,
)
t0 = time.perf_counter()
clf.fit(X[train], y[train])
print(
    f"fit in {time.perf_counter() - t0:.1f} s, {clf.n_rounds_} rounds, "
    f"stopped on {clf.termination_condition_!r}"
)
for key in ("n_negatives", "n_scored", "n_hard", "n_added"):
    print(f"  {key:<12} {clf.history_[key]}")

# Per round, one byte per row (which rows are outside the working set) goes
# out, and the hard rows' indices and scores come back; rows are fetched
# only when they join the working set.
fetched = int(np.count_nonzero(clf.mined_round_ >= 0))
print(
    f"rows fetched to this machine: {fetched:,} of {1_600_000:,} "
    f"({fetched / 1_600_000:.1%}); the rest never left the workers"
)

# %%
# Lazy predictions on the held-out rows
# -------------------------------------
# Predicting on a Dask array returns a Dask array, computed block by block
# on the workers.
scores = clf.decision_function(X[test])
print(type(scores).__name__, scores.shape)
ap = average_precision_score(y[test].compute(), scores.compute())
print(f"held-out average precision: {ap:.3f}")

client.close()
cluster.close()
