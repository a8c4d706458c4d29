"""Warnings that skhnm issues, to filter them by category."""

import warnings

__all__ = ["PoolTooSmallWarning"]


class PoolTooSmallWarning(UserWarning):
    """`ratio` asks for more initial negatives than the training data has.

    Every negative is then in the first working set and there is nothing
    left to mine. It is shown once per place it comes from, also across
    the folds of a cross-validation and the classes of a one-vs-rest (whose
    workers reset Python's own record of what was shown). To see it every
    time::

        warnings.simplefilter("always", PoolTooSmallWarning)
    """


_shown = set()


def repeats(shown):
    """Whether a warning shown once per place was shown there already.

    `shown` is the warning as ``warnings.catch_warnings(record=True)``
    recorded it: its text, category and the place the standard library
    found for it. Python's "default" action forgets what it showed whenever
    the filters change, and scikit-learn's parallel helpers change them for
    every task; this record does not. The first filter that matches the
    category and the text still decides: "always" shows it every time.
    """
    message, category = str(shown.message), shown.category
    key = (category, message, shown.filename, shown.lineno)
    if key not in _shown:
        _shown.add(key)
        return False
    for action, text, kind, _, _ in warnings.filters:
        if issubclass(category, kind) and (text is None or text.match(message)):
            return action != "always"
    return True
