"""Progress through a scoring pass (``verbose >= 2``).

A tqdm bar when tqdm is installed, else a plain line about every tenth of
the pass, so logs of long runs stay short.
"""


def _tqdm():
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
                f"({100 * done / total:.0f}%)"
            )

    return show
