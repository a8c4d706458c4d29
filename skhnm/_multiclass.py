"""MulticlassHardNegativeMiningClassifier: one detector per class over one
background, as R-CNN trains its per-class detectors.

Every class but the background gets a detector, mined as in the binary case
and in lockstep with the others: one pass over the pool a round scores the
rows outside any working set with every detector still mining. What it
shares with :class:`~skhnm.HardNegativeMiningClassifier` is in
:mod:`skhnm._base`; its predictions are :class:`skhnm._detectors.DetectorSet`'s.
"""

from numbers import Real

import numpy as np

from . import _inputs
from ._base import BaseMiningClassifier
from ._docstrings import document


@document
class MulticlassHardNegativeMiningClassifier(BaseMiningClassifier):
    """Train one detector per class by bootstrapping hard background rows.

    The background class (`negative_label`) is the pool that is mined. Every
    other class gets a detector: a clone of `estimator` fitted on 1 for the
    class's rows and 0 for the rest, mined as
    :class:`~skhnm.HardNegativeMiningClassifier` mines. Under the default
    (``weighting="case_control"``) every detector draws its working sets
    from one background draw (one uniform per row, shared), the other
    classes' rows included, and corrects its log-odds for it, so that each
    detector's probability, and `predict_proba`, is on the population's
    scale. Under the seed's rounds (``weighting=None``) the other classes'
    rows are in every detector's working set from the first round and are
    never evicted: they are few, and the negatives most like its class. All
    detectors mine in lockstep: each round scores the rows outside any
    working set once, with every detector still mining (one matrix product
    for linear models). This is how R-CNN (Girshick et al. 2014) trains its
    per-class detectors.

    Its fitted attributes are those of one binary run per detector, as dicts
    keyed by class, whatever the number of classes.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {parameters}

    negative_label : int, float, bool or str, default=None
        The background class. None means the most frequent class of `y`
        (rows weighted by `sample_weight` when given).

    {engine_parameters}

    Attributes
    ----------
    estimators_ : dict
        The fitted binary detector (classes 0 and 1) of each class but the
        background, keyed by class: the estimator as fitted on its last
        working set (under the default, predictions add its correction).

    negative_label_ : object
        The background class.

    {attributes}

    threshold_, n_rounds_, best_round_, history_, negative_indices_, \
mined_round_, termination_condition_ : dict
        One detector's run, keyed by class; each value is as described for
        :class:`~skhnm.HardNegativeMiningClassifier`.

    See Also
    --------
    HardNegativeMiningClassifier : One positive class against a pool.
    sklearn.multiclass.OneVsRestClassifier : One binary estimator per class,
        trained on every row.

    References
    ----------
    {references}

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skhnm import MulticlassHardNegativeMiningClassifier
    >>> X, y = make_classification(n_samples=4000, n_classes=3,
    ...                            n_informative=4, weights=[0.9, 0.05],
    ...                            random_state=0)
    >>> clf = MulticlassHardNegativeMiningClassifier(negative_label=0,
    ...                                              random_state=0).fit(X, y)
    >>> list(clf.estimators_), clf.decision_function(X[:2]).shape
    ([1, 2], (2, 3))
    >>> clf.termination_condition_
    {1: 'few_hard_negatives', 2: 'no_hard_negatives'}
    """

    _parameter_constraints: dict = {
        **BaseMiningClassifier._parameter_constraints,
        "negative_label": [Real, str, "boolean", None],
    }

    _multiclass = True

    def __init__(
        self,
        estimator=None,
        *,
        ratio=3.0,
        criterion="threshold",
        threshold="auto",
        rank_quantile=0.1,
        max_rounds=10,
        max_hard_per_round=None,
        min_hard_per_round=0.01,
        warm_start_rounds=True,
        evict_threshold=None,
        max_negatives=None,
        weighting="case_control",
        response_method="auto",
        sampler=None,
        validation_fraction=0.1,
        n_iter_no_change=None,
        scoring="average_precision",
        tol=1e-4,
        negative_label=None,
        random_state=None,
        batch_size="auto",
        n_jobs=None,
        device="cpu",
        verbose=0,
    ):
        self.estimator = estimator
        self.ratio = ratio
        self.criterion = criterion
        self.threshold = threshold
        self.rank_quantile = rank_quantile
        self.max_rounds = max_rounds
        self.max_hard_per_round = max_hard_per_round
        self.min_hard_per_round = min_hard_per_round
        self.warm_start_rounds = warm_start_rounds
        self.evict_threshold = evict_threshold
        self.max_negatives = max_negatives
        self.weighting = weighting
        self.response_method = response_method
        self.sampler = sampler
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.scoring = scoring
        self.tol = tol
        self.negative_label = negative_label
        self.random_state = random_state
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.device = device
        self.verbose = verbose

    def _check_target(self, classes, y_type):
        if y_type not in ("binary", "multiclass") or classes.size < 2:
            _inputs.check_target_type(self, classes, y_type, None)

    def _detectors_of(self, labels, classes, counts, sample_weight):
        background = self.negative_label
        if background is None:  # the most frequent class
            counts = _inputs.frequencies(labels, classes, counts, sample_weight)
            background = _inputs.plain(classes[int(np.argmax(counts))])
        return _inputs.detector_labels(
            labels, classes, counts, sample_weight, None, background
        ), background
