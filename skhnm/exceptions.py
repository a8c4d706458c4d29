"""Warnings that skhnm issues, to filter them by category."""

import sys
import warnings

__all__ = ["PoolTooSmallWarning"]


class PoolTooSmallWarning(UserWarning):
    """`ratio` asks for more initial negatives than the training data has.

    Every negative is then in the first working set and there is nothing
    left to mine. Like any warning under Python's default action it is shown
    once per place it comes from, also across the folds of a
    cross-validation and the classes of a one-vs-rest (whose workers reset
    Python's own record of what was shown). To see it every time::

        warnings.simplefilter("always", PoolTooSmallWarning)
    """


_shown = set()


def warn_once(message, category, stacklevel):
    """``warnings.warn``, shown once per place unless a filter says "always".

    Python's "default" action forgets what it showed whenever the filters
    change, and scikit-learn's parallel helpers change them for every task;
    this record does not. Filters still apply: "always" shows it every time,
    "ignore" and "error" act as usual.
    """
    caller = sys._getframe(stacklevel)  # stacklevel counts from our caller
    key = (category, message, caller.f_code.co_filename, caller.f_lineno)
    if key in _shown and _action(message, category, caller) != "always":
        return
    _shown.add(key)
    warnings.warn(message, category, stacklevel=stacklevel + 1)


def _action(message, category, frame):
    """The action of the first filter that matches, as ``warnings`` finds it."""
    module = frame.f_globals.get("__name__", "")
    for action, text, kind, mod, lineno in warnings.filters:
        if (
            (text is None or text.match(message))
            and issubclass(category, kind)
            and (mod is None or mod.match(module))
            and (lineno == 0 or lineno == frame.f_lineno)
        ):
            return action
    return "default"
