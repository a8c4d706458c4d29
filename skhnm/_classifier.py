"""HardNegativeMiningClassifier: binary mining, the method of the seed papers.

The parameters, fit, delegation, routing and tags it shares with
:class:`~skhnm.MulticlassHardNegativeMiningClassifier` are in
:mod:`skhnm._base`; this module says which class is positive.
"""

from numbers import Real

from . import _inputs
from ._base import BaseMiningClassifier
from ._docstrings import document


@document
class HardNegativeMiningClassifier(BaseMiningClassifier):
    """Train a binary classifier by bootstrapping hard negatives.

    Start from every positive and a random subset of the negatives (`ratio`
    negatives per positive); fit; score the negatives left out; add those
    the model gets wrong (scores above `threshold`) to the working set; refit;
    repeat until no hard negative is left, `max_rounds` is reached, the pool
    is used up, or the validation score stops improving. This is the
    bootstrap of Sung & Poggio (1998), used for the detectors of Felzenszwalb
    et al. (2010) and Girshick et al. (2014).

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {parameters}

    pos_label : int, float, bool or str, default=None
        The positive class: the rare one, whose few rows are all trained on
        while the other class is the pool that is mined. None means the less
        frequent class of `y`, rows weighted by `sample_weight` when given
        (`classes_[1]` when both are equally frequent).

    {engine_parameters}

    Attributes
    ----------
    estimator_ : estimator object
        The fitted estimator, trained on the positives (outside the
        validation split) and the negatives in `negative_indices_`.

    pos_label_ : object
        The positive class used.

    pilot_ : estimator object or None
        With ``weighting="case_control"`` and an estimator with
        `predict_proba`: round 0's fit, whose scores drew the first sample.
        None otherwise, and when the kept model is round 0's.

    inclusion_floor_ : float or None
        With ``weighting="case_control"`` and an estimator with
        `predict_proba`: the share of the negatives in the uniform first
        draw, every negative's least inclusion probability. The methods
        predict with log-odds ``s(x) + log P(x)``, where s is `estimator_`'s
        and ``P(x) = inclusion_floor_ + (1 - inclusion_floor_) * pi(x)``,
        pi the keep probability at `threshold_` of the previous round's
        corrected log-odds (minus log `inclusion_floor_`: the pilot's
        scale), which is corrected the same way, down to `pilot_`. So
        prediction evaluates every round's fit up to `best_round_`. Without
        a draw (round 0), P is the floor. None: no correction, `estimator_`
        predicts as it is.

    {attributes}

    {run_attributes}

    See Also
    --------
    MulticlassHardNegativeMiningClassifier : One detector per class over one
        background, mined in lockstep.
    imblearn.under_sampling.RandomUnderSampler : One random draw of
        negatives, with no feedback from the model.
    sklearn.semi_supervised.SelfTrainingClassifier : Another iterative
        meta-estimator that grows its training set.

    References
    ----------
    {references}

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.svm import LinearSVC
    >>> from skhnm import HardNegativeMiningClassifier
    >>> X, y = make_classification(n_samples=3000, weights=[0.97],
    ...                            random_state=0)
    >>> # DPM's cache, the seed's rounds (weighting=None): margin mining, easy
    >>> # negatives evicted, mined until nothing is hard.
    >>> clf = HardNegativeMiningClassifier(LinearSVC(), threshold=-1.0,
    ...                                    evict_threshold=-1.2,
    ...                                    min_hard_per_round=1,
    ...                                    weighting=None,
    ...                                    random_state=0).fit(X, y)
    >>> int(y.sum()), int((y == 0).sum())
    (107, 2893)
    >>> clf.history_["n_hard"], clf.history_["n_evicted"]
    ([1344, 1, 0], [115, 351, 0])
    >>> clf.negative_indices_.size, clf.termination_condition_
    (1200, 'no_hard_negatives')
    >>> clf.predict(X[:3])
    array([0, 0, 0])

    The default, a case-control sample: a pilot, then rounds whose working
    set is drawn from the last model's scores, each fit's log-odds corrected
    to the population's, until too few new hard negatives turn up.

    >>> X, y = make_classification(n_samples=20000, weights=[0.98],
    ...                            flip_y=0.01, random_state=0)
    >>> clf = HardNegativeMiningClassifier(random_state=0).fit(X, y)
    >>> clf.weighting_, clf.termination_condition_
    ('case_control', 'few_hard_negatives')
    >>> clf.history_["n_negatives"]
    [1494, 3228, 3215]
    >>> # Probabilities on the population's scale: the mean is the rate.
    >>> p = clf.predict_proba(X)[:, 1]
    >>> round(float(y.mean()), 4), round(float(p.mean()), 4)
    (0.0249, 0.0256)
    """

    _parameter_constraints: dict = {
        **BaseMiningClassifier._parameter_constraints,
        "pos_label": [Real, str, "boolean", None],
    }

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
        pos_label=None,
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
        self.pos_label = pos_label
        self.random_state = random_state
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.device = device
        self.verbose = verbose

    _multiclass = False

    def _check_target(self, classes, y_type):
        _inputs.check_target_type(self, classes, y_type, None)

    def _detectors_of(self, labels, classes, counts, sample_weight):
        detectors = _inputs.detector_labels(
            labels, classes, counts, sample_weight, self.pos_label, None
        )
        return detectors, None
