"""Handing memory that a round freed back to the system.

A round's pass and draw allocate and free arrays the size of their
candidates (often most of the pool's rows, at 8 bytes a number). glibc
keeps freed blocks of up to 32 MiB in its heaps (its mmap threshold rises
to the largest block freed), where the next fit's working set, gathered in
one piece, cannot reuse them: the process's resident memory would grow by
them at every fit. ``malloc_trim`` returns them, as Dask's workers do.
Elsewhere (macOS, Windows, musl) this does nothing.
"""

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None


def release_freed_memory():
    """Return the heap's free blocks to the system (glibc only)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
