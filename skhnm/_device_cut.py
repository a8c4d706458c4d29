"""The cut of a pass over a pool that lives on a device: fused, one sync a pass.

A pool in a device namespace (CuPy, or any array-API library) keeps its
rows and its codes there. Cutting it chunk by chunk with a
:class:`~skhnm._selection.Selector` costs a host synchronisation for every
count, check and compaction of every chunk and detector, which on a GPU
costs far more than the product (issue 24). :class:`DeviceCut` instead
keeps a whole pass's cut on the device:

- the totals (rows scored, hard, NaN or infinite) and the bounds of the
  scores (to tell a model that cannot rank) are device arrays, added to
  chunk by chunk and read once, when the pass ends;
- the hard rows and their scores are compacted into buffers of a fixed
  capacity per detector; a pass with more hard rows than that is run again
  with room for all of them (the counts are exact), so the cut never
  depends on which rows were compacted first;
- every detector of a joint pass is cut in the same kernels: the scores
  are one (detectors x rows) array, the codes one more.

On CuPy the compare, mask, count and compaction of a chunk are one
elementwise kernel (an atomic counter a detector), its totals three
reductions. Other namespaces (array-api-strict in CI) run the same steps
with the standard's functions, which compact with ``nonzero``.
:meth:`DeviceCut.finish` applies the rule's `k`, the tie order and the
NaN count exactly as the host's selector does (:mod:`skhnm._selection`).
"""

import warnings

import numpy as np

from . import _namespace
from ._selection import _BIG, Cut, Selection, common_score, widened

# Hard rows a detector's buffers hold before a pass is run again with room
# for all: a share of the pool's rows, at least _MIN_CAPACITY.
CAPACITY_SHARE = 1 / 16
_MIN_CAPACITY = 1024


def initial_capacity(n_rows):
    """Room for hard rows per detector in a pass's first try."""
    return int(min(n_rows, max(_MIN_CAPACITY, n_rows * CAPACITY_SHARE)))


class DeviceCut:
    """One pass's cuts of several detectors, kept where the scores are.

    Parameters
    ----------
    cuts : list of :class:`~skhnm._selection.Cut`
        One per detector.
    xp : array namespace
        Where the scores and codes are.
    device : the arrays' device
    capacity : int
        Hard rows each detector's buffers hold.
    fused : bool or None
        On CuPy, cut with its fused kernels (True) or the array-API steps
        (False); None: the kernels, if they passed :func:`fused_kernels_work`.
    """

    def __init__(self, cuts, xp, device, capacity, fused=None):
        m = len(cuts)
        self.cuts, self.xp, self.capacity = cuts, xp, capacity
        # CuPy's kernels where they passed their check (fused=None), else
        # the array-API steps.
        self.cuda = _namespace.is_cuda(xp) and (
            fused if fused is not None else fused_kernels_work()
        )

        def full(shape, value, dtype):
            return xp.full(shape, value, dtype=dtype, device=device)

        self.threshold = xp.asarray(
            [c.bar for c in cuts], dtype=xp.float64, device=device
        )
        # n_hard, n_nan, n_scored of each detector.
        self.counts = full((m, 3), 0, xp.uint64 if self.cuda else xp.int64)
        self.low = full((m,), _BIG, xp.float64)
        self.high = full((m,), -_BIG, xp.float64)
        self.rows = full((m, capacity), -1, xp.int64)
        self.scores = full((m, capacity), 0.0, xp.float64)
        self._filled = [0] * m  # the generic path's compaction, per detector

    def add(self, scores, first, codes):
        """Cut one chunk of consecutive rows, with no host synchronisation
        on CuPy.

        Parameters
        ----------
        scores : array of shape (n_detectors, n_rows)
            The chunk's scores, a contiguous row per detector.
        first : int
            The pool row of the chunk's first row.
        codes : array of shape (n_detectors, n_rows)
            Each detector's codes of those rows; a row counts where negative.
        """
        if self.cuda:
            _cuda_add(self, scores, first, codes)
        else:
            self._generic_add(scores, first, codes)

    def _generic_add(self, scores, first, codes):
        xp = self.xp
        outside = codes < 0
        hard = outside & (scores > self.threshold[:, None])
        nan = outside & ~xp.isfinite(scores)
        wide = xp.astype(scores, xp.float64)
        count = xp.stack(
            [
                xp.sum(xp.astype(hard, xp.int64), axis=1),
                xp.sum(xp.astype(nan, xp.int64), axis=1),
                xp.sum(xp.astype(outside, xp.int64), axis=1),
            ],
            axis=1,
        )
        self.counts = self.counts + count
        self.low, self.high = widened(xp, self.low, self.high, wide, outside, 1)
        for d in range(hard.shape[0]):
            index = xp.nonzero(hard[d, :])[0]
            at, n = (
                self._filled[d],
                min(index.shape[0], self.capacity - self._filled[d]),
            )
            if n > 0:
                self.rows[d, at : at + n] = xp.astype(index[:n], xp.int64) + first
                self.scores[d, at : at + n] = xp.take(wide[d, :], index[:n])
                self._filled[d] = at + n

    def finish(self):
        """The detectors' selections, on the host; None if a buffer overflowed.

        The pass's one synchronisation: the totals and bounds cross, then
        the hard rows held. After None, :attr:`needed` is the capacity that
        holds every detector's hard rows.
        """
        totals = np.asarray(_namespace.to_numpy(self.counts), dtype=np.int64)
        n_hard = totals[:, 0]
        if int(n_hard.max(initial=0)) > self.capacity:
            self.needed = int(n_hard.max())
            return None
        bounds = _namespace.to_numpy(self.xp.stack([self.low, self.high]))
        width = int(n_hard.max(initial=0))
        rows = _namespace.to_numpy(self.rows[:, :width])
        scores = _namespace.to_numpy(self.scores[:, :width])
        selections = []
        for d, cut in enumerate(self.cuts):
            n, n_nan, n_scored = (int(v) for v in totals[d])
            low, high = float(bounds[0, d]), float(bounds[1, d])
            tie = common_score(n_scored, low, high)
            held = Selection(
                np.asarray(rows[d, :n], dtype=np.intp),
                np.asarray(scores[d, :n], dtype=np.float64),
                n,
                n_scored,
                tie,
                n_nan,
            )
            # The host's k and row order, as for the blocks of a Dask pool.
            selections.append(Selection.merge([held], cut.k))
        return selections


_kernels = {}
_checked = {}


def fused_kernels_work():
    """Whether CuPy's fused kernels compile on this device and cut a small
    case exactly as the array-API steps do: checked once a process.

    If not, a warning says why and passes over CuPy pools take the
    array-API steps (correct, with a synchronisation a chunk).
    """
    if "ok" not in _checked:
        try:
            _checked["ok"] = _self_check()
            reason = "its cut differed from the array-API steps'"
        except Exception as exc:  # a kernel that does not compile or run
            _checked["ok"], reason = False, f"{type(exc).__name__}: {exc}"
        if not _checked["ok"]:
            warnings.warn(
                f"skhnm's fused CuPy cut failed its check ({reason}); passes "
                "over CuPy pools use the array-API steps instead, which "
                "synchronise with the host once a chunk.",
                RuntimeWarning,
                stacklevel=2,
            )
    return _checked["ok"]


def _self_check():
    """The kernels' cut of a small case with NaN, ties, working rows and an
    overflow, against the array-API steps'."""
    import cupy
    from sklearn.externals.array_api_compat import array_namespace

    rng = np.random.default_rng(0)
    scores = rng.standard_normal((2, 300)).astype(np.float32)
    scores[:, 10:20] = 1.0
    scores[1, 5] = np.nan
    codes = np.where(rng.random((2, 300)) < 0.2, 3, -1).astype(np.int16)
    xp = array_namespace(cupy.empty(0))
    results = []
    for capacity in (8, 300):
        for fused in (True, False):
            cut = DeviceCut([Cut(0.5), Cut(-1.0, k=7)], xp, None, capacity, fused)
            for lo, hi in ((0, 128), (128, 300)):
                chunk = cupy.asarray(scores[:, lo:hi]), cupy.asarray(codes[:, lo:hi])
                cut.add(chunk[0], lo, chunk[1])
            got = cut.finish()
            results.append(
                cut.needed
                if got is None
                else [(s.rows.tolist(), s.scores.tolist(), s.n_hard, s.n_scored,
                       s.n_nan, s.tie) for s in got]
            )  # fmt: skip
    return results[0] == results[1] and results[2] == results[3]


def _cuda_kernels():
    """The CuPy kernels, compiled once a process."""
    if not _kernels:
        import cupy

        # One thread an element of the (detectors x rows) scores: mask by
        # the codes, count NaN, compare, and compact the hard ones through
        # an atomic counter a detector. Order in the buffers is arbitrary;
        # finish() sorts by row.
        _kernels["cut"] = cupy.ElementwiseKernel(
            "raw S scores, raw C codes, raw float64 threshold, int64 n, "
            "int64 first, int64 cap",
            "raw int64 rows, raw float64 kept, raw uint64 counts",
            """
            const long long d = i / n;
            if (codes[i] < 0) {
                const double v = (double) scores[i];
                if (!isfinite(v)) atomicAdd(&counts[3 * d + 1], 1ULL);
                if (v > threshold[d]) {
                    const unsigned long long at = atomicAdd(&counts[3 * d], 1ULL);
                    if (at < (unsigned long long) cap) {
                        rows[d * cap + at] = first + (i - d * n);
                        kept[d * cap + at] = v;
                    }
                }
            }
            """,
            "skhnm_fused_cut",
        )
        _kernels["outside"] = cupy.ReductionKernel(
            "C c",
            "uint64 y",
            "c < 0 ? 1 : 0",
            "a + b",
            "y = a",
            "0",
            "skhnm_outside",
        )
        _kernels["low"] = cupy.ReductionKernel(
            "S s, C c",
            "float64 y",
            f"c < 0 ? (double) s : {_BIG!r}",
            "min(a, b)",
            "y = a",
            repr(_BIG),
            "skhnm_low",
        )
        _kernels["high"] = cupy.ReductionKernel(
            "S s, C c",
            "float64 y",
            f"c < 0 ? (double) s : {-_BIG!r}",
            "max(a, b)",
            "y = a",
            repr(-_BIG),
            "skhnm_high",
        )
    return _kernels


def _cuda_add(cut, scores, first, codes):
    """:meth:`DeviceCut.add` in four CuPy kernels, none waited for."""
    import cupy

    k = _cuda_kernels()
    m, n = scores.shape
    scores, codes = cupy.ascontiguousarray(scores), cupy.ascontiguousarray(codes)
    k["cut"](
        scores,
        codes,
        cut.threshold,
        n,
        first,
        cut.capacity,
        cut.rows,
        cut.scores,
        cut.counts,
        size=m * n,
    )
    cut.counts[:, 2] += k["outside"](codes, axis=1)
    cupy.minimum(cut.low, k["low"](scores, codes, axis=1), out=cut.low)
    cupy.maximum(cut.high, k["high"](scores, codes, axis=1), out=cut.high)
