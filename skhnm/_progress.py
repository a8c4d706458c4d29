"""What a run prints: a line per round (``verbose >= 1``) and progress
through each scoring pass (``verbose >= 2``).

The pass's progress is a tqdm bar when tqdm is installed and stderr is a
terminal (or a notebook), else a plain line about every tenth of the pass:
a bar redrawn with carriage returns would run together in a log file, and
logs of long runs stay short.
"""

import math
import sys


def print_start(n_pool, n_positives, n_initial, label=None):
    """What a run starts from, before its first fit (which may be long);
    `label` names the detector in multiclass mining."""
    print(
        f"[skhnm]{_detector(label)} mining a pool of {n_pool} negatives for "
        f"{n_positives} positives; the first working set has {n_initial} "
        "negatives",
        flush=True,
    )


def print_round(record, label=None):
    """One round's line (:class:`skhnm._mining.Round`); the validation score
    only when there is one."""
    if record.score_time == 0.0 and record.n_scored == 0:
        # A fit no pass follows: the case-control loop's at max_rounds.
        line = (
            f"[skhnm]{_detector(label)} round {record.round}: "
            f"{record.n_negatives} negatives, final fit {record.fit_time:.3f}s"
        )
    else:
        line = (
            f"[skhnm]{_detector(label)} round {record.round}: "
            f"{record.n_negatives} negatives, {record.n_hard} hard of "
            f"{record.n_scored} scored, {record.n_added} added, "
            f"fit {record.fit_time:.3f}s, score {record.score_time:.3f}s"
        )
    if not math.isnan(record.validation_score):
        line += f", validation {record.validation_score:.4f}"
    print(line, flush=True)


def _detector(label):
    return "" if label is None else f" class {label!r}"


def _tqdm():
    interactive = "ipykernel" in sys.modules or getattr(sys.stderr, "isatty", bool)()
    if not interactive:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def scoring_progress(rnd):
    """A callback ``progress(n_done, n_total)`` for one round's pass."""
    tqdm = _tqdm()
    state = {"bar": None, "tenth": 0}

    def show(done, total):
        if tqdm is not None:
            if state["bar"] is None:
                state["bar"] = tqdm(
                    total=total, desc=f"[skhnm] round {rnd}", unit="rows"
                )
            state["bar"].update(done - state["bar"].n)
            if done == total:
                state["bar"].close()
            return
        tenth = 10 * done // total
        if tenth > state["tenth"] or done == total:
            state["tenth"] = tenth
            print(
                f"[skhnm] round {rnd}: scored {done}/{total} rows "
                f"({100 * done / total:.0f}%)",
                flush=True,
            )

    return show
