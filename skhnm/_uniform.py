"""One uniform number per row, from (seed, the row's global index).

A counter-based generator (SplitMix64's finaliser, Steele, Lea & Flood
2014), as stateless generators and hash-based sampling in databases draw:
a row's number depends on the seed and its index alone, so a draw made
from it is the same whatever the chunking, the threads, the backend or a
Dask array's blocks. Written with array-API integer operations (unsigned
64-bit arithmetic wraps), so the same numbers come out of NumPy, CuPy or
array-api-strict, where the scores live.
"""

import numpy as np

_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_MASK = (1 << 64) - 1


def _mix_int(z):
    """SplitMix64's finaliser on a Python int (for the seed's key)."""
    z = (z ^ (z >> 30)) * _MIX1 & _MASK
    z = (z ^ (z >> 27)) * _MIX2 & _MASK
    return z ^ (z >> 31)


def stream_key(seed):
    """The 64-bit key of one stream of uniforms, from an int seed."""
    return _mix_int((int(seed) * _GOLDEN + 1) & _MASK)


def row_uniforms(rows, key, xp=np):
    """Uniforms in [0, 1) of the global row indices `rows` (any integer
    array of namespace `xp`), float64: ``U = mix(rows * golden + key)``."""
    if xp is np:
        z = rows.astype(np.uint64)
        golden, mix1, mix2 = _GOLDEN, _MIX1, _MIX2
    else:
        z = xp.astype(rows, xp.uint64)
        # Constants above 2**63 as unsigned arrays: a Python int that large
        # is not every library's to convert (CuPy's casting differs).
        device = getattr(rows, "device", None)
        golden, mix1, mix2, key = (
            xp.asarray(c, dtype=xp.uint64, device=device)
            for c in (_GOLDEN, _MIX1, _MIX2, key)
        )
    with np.errstate(over="ignore"):
        z = z * golden + key
        z = (z ^ (z >> 30)) * mix1
        z = (z ^ (z >> 27)) * mix2
        z = z ^ (z >> 31)
    # The top 53 bits, as a double in [0, 1).
    top = z >> 11
    if xp is np:
        return top.astype(np.float64) * 2.0**-53
    return xp.astype(top, xp.float64) * 2.0**-53


def shifted_key(key, offset):
    """The key under which row ``r`` draws what row ``r + offset`` draws
    under `key` (``(r + offset) * golden + key`` wraps alike): a block of
    rows numbered from 0 draws the pool's own uniforms."""
    return (key + offset * _GOLDEN) & _MASK
