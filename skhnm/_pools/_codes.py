"""Per-row codes: a row's place in a run, in two bytes.

=====================  ==================================================
code                   the row is
=====================  ==================================================
``0 <= code < HELD``   a working negative that entered at round ``code``
``OUTSIDE`` (-1)       a negative never in the working set
``<= -2``              an evicted negative, last entered at ``-2 - code``
``POSITIVE``           a training positive (always in the working set)
``HELD``               a held-out row: never trained on, never mined
=====================  ==================================================

so the rows a pass scores are exactly those with ``code < 0``: one
comparison masks a chunk. The codes are int16 (int32 past 32,000 rounds),
the only per-row state of a run.
"""

import numpy as np

OUTSIDE = -1


def code_dtype(max_rounds):
    """The smallest signed type holding every code of a run."""
    return np.int16 if max_rounds + 3 < np.iinfo(np.int16).max - 1 else np.int32


def codes_of(dtype):
    """The codes ``(POSITIVE, HELD)`` of a code dtype: the top of its range."""
    top = int(np.iinfo(dtype).max)
    return top, top - 1


def round_dtype(max_rounds):
    """The smallest signed type holding the rounds -1 .. `max_rounds`."""
    for dtype in (np.int8, np.int16, np.int32):
        if max_rounds <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def entered_from_codes(codes, best_round, dtype, step=1 << 16):
    """The round each row last entered the working set (-1: never).

    Rounds after `best_round` (the kept model's) count as never. int16 codes
    are read through a table of every code's round (one gather a row);
    wider ones are computed a slice at a time. Temporaries are O(step).
    """
    out = np.empty(codes.shape[0], dtype=dtype)
    if codes.dtype == np.int16:
        every = np.arange(-(2**15), 2**15, dtype=np.int32)
        table = _rounds_of(every, best_round, np.int16).astype(dtype)
        table = np.roll(table, -(2**15))  # indexed by the codes' uint16 view
        for lo in range(0, codes.shape[0], step):
            part = codes[lo : lo + step].view(np.uint16)
            np.take(table, part, out=out[lo : lo + step])
        return out
    for lo in range(0, codes.shape[0], step):
        out[lo : lo + step] = _rounds_of(codes[lo : lo + step], best_round, codes.dtype)
    return out


def _rounds_of(codes, best_round, code_type):
    """:func:`entered_from_codes` of some codes of type `code_type`."""
    positive, held = codes_of(code_type)
    r = np.where(codes < 0, -2 - codes, codes)  # evicted rows: their last round
    r[codes == OUTSIDE] = -1
    r[codes == positive] = 0
    r[(codes == held) | (r > best_round)] = -1
    return r
