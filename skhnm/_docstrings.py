"""The numpydoc text both miners share, written once.

Each miner's docstring holds placeholders ({parameters},
{engine_parameters}, {run_attributes}, {attributes}, {references}) that
:func:`document` fills.
"""

# The numpydoc entries of the parameters both miners share, in signature
# order; each class's docstring puts them where it says {parameters}.
PARAMETERS = """\
    estimator : estimator object, default=None
        A binary classifier with `fit` and `predict_proba` or
        `decision_function`. It is cloned for every fit and never modified.
        None means :class:`~sklearn.linear_model.LogisticRegression`. Unset
        `random_state` parameters inside it are fixed from this classifier's
        `random_state`, so every round fits the same deterministic learner.

    ratio : float, default=3.0
        Negatives per positive in the initial working set (rounded to the
        nearest integer count, at least one). If the pool holds fewer
        negatives, all are used and a warning says so.

    criterion : {"threshold", "rank", "k_best"}, default="threshold"
        Which negatives outside the working set are hard after each fit:

        - "threshold": those scoring strictly above `threshold`, the rule of
          the seed papers (a margin or probability cut);
        - "rank": those scoring strictly above the `rank_quantile` quantile
          of the training positives' scores under the same model: the
          negatives that outrank some positives, whatever the score scale;
        - "k_best": the `max_hard_per_round` highest-scoring ones, whatever
          their score (OHEM's rule); mining then stops only at
          `max_rounds`, on early stopping or when the pool is used up (the
          progress rule does not apply).

    threshold : float or "auto", default="auto"
        The score a negative must beat to be hard, on the scale of
        `response_method` (a decision value or a probability). "auto" means
        the same for every loss. With ``weighting="case_control"`` it is 1.0
        on the decision function (one unit above the pilot's boundary: a
        margin for a hinge loss, a log-odds for a logistic one; expit(1.0)
        for probabilities): a negative scoring above it is kept surely, one
        scoring s below it with probability exp(s - threshold), so raising
        it by one keeps e times fewer of the easier negatives. Otherwise it
        is the working set's class boundary, 0.0 for decision values and 0.5
        for probabilities; with ``weighting="inverse_probability"`` that
        boundary on the population's scale (the odds `ratio` times the
        training rows' positive odds, or their log for decision values).
        With a margin classifier and ``weighting=None``, -1.0 selects every
        negative inside the margin, as in DPM.

    rank_quantile : float, default=0.1
        The quantile of the positives' scores that ``criterion="rank"``
        cuts at, in [0, 1]: 0.1 calls hard every negative that outranks the
        lowest tenth of the positives.

    max_rounds : int, default=10
        Mining rounds after the initial fit. 0 gives a plain undersampled
        fit. The estimator is refit after every round that adds negatives.
        ``weighting="case_control"`` runs one round whenever this is at
        least 1.

    max_hard_per_round : int, float or None, default=None
        Cap on hard negatives added per round: an int is a count, a float is
        a multiple of the number of positives. The hardest (highest score)
        go first; ties go to the lower row index. None adds every hard
        negative (``criterion="k_best"``: as many as the positives).

    min_hard_per_round : int or float, default=0.01
        The progress rule: a round whose hard negatives are fewer than this
        ends the run (``termination_condition_ == "few_hard_negatives"``)
        instead of paying a full refit for a handful of rows. An int is a
        count, a float in (0, 1) a share of the working set's negatives (the
        default: 1% of them). 1 stops only when nothing is hard, as the seed
        papers do; it is what DPM's guarantee of the full-data optimum
        needs.

    warm_start_rounds : bool, default=True
        Each round's fit starts from the previous round's solution where the
        result does not depend on the start: penalised LogisticRegression
        with any solver but liblinear, also as a Pipeline's final step. The
        final model equals a cold fit on the final working set to the
        solver's `tol` (exactly with False). Other estimators are refit
        from scratch. Unlike scikit-learn's `warm_start`, it acts between
        the rounds of one `fit`.

    evict_threshold : float or None, default=None
        The cache of DPM and R-CNN: after each fit that mining goes on from,
        working negatives scoring strictly below this value are evicted. They
        return to the pool and may be mined again. A negative scoring at or
        above a finite `threshold` is never evicted, nor is a support vector
        (rows in the fitted estimator's `support_`, as for SVC). R-CNN uses
        -1.2 with `threshold=-1.0`. None evicts nothing.

    max_negatives : int, float or None, default=None
        Bound on the working set's negatives: an int is a count, a float a
        multiple of the number of positives. The initial draw is cut to it.
        When adding would exceed it, fewer hard negatives are added (the
        hardest first), and then the easiest working negatives are evicted
        until the bound holds. Protected negatives (as for `evict_threshold`)
        are never evicted; if they alone exceed the bound, they are kept, at
        least one hard negative is still added, and a warning says so.

    weighting : {"case_control", "inverse_probability"} or None, \
            default="case_control"
        How the working set stands for the whole pool, so that the fit
        estimates the full-data fit:

        - "case_control": round 0's fit is a pilot (every positive and a
          uniform draw of `ratio` negatives per positive, at least 500,
          every negative of a smaller pool); one pass keeps each negative
          outside with probability ``min(1, exp(s - threshold))`` of its
          pilot score s (local case-control sampling), and one final fit
          follows (``termination_condition_ == "sampled"``). Each
          negative's inclusion probability P(x) is known, and the fit
          accounts for it: an estimator with `predict_proba` (a logistic
          loss) is fitted unweighted and its log-odds are corrected by
          log P(x) at prediction (`pilot_` and `inclusion_floor_`); the
          others (margin losses) are fitted with weights 1 / P(x), bounded
          by the uniform draw's. It applies to binary mining under
          ``criterion="threshold"`` without `evict_threshold`,
          `max_negatives`, `max_hard_per_round` or `sampler`; with any of
          those, or multiclass mining, or a margin estimator whose fit takes
          no `sample_weight`, the run is the bootstrap of None
          (`weighting_` says which ran).
        - None: the bootstrap of the seed papers, round after round, fitting
          the working set as it is.
        - "inverse_probability": the bootstrap, with the working negatives
          weighted as the stratified sample of the pool they are
          (Horvitz-Thompson): mined negatives weigh 1, and each random
          negative never found hard stands for ``n_not_mined / n_random``
          negatives. The weights multiply `sample_weight` and reach every
          weighted step of a Pipeline (with metadata routing, request
          ``sample_weight`` on the final step). The random negatives are
          never evicted, and `sampler` must draw uniformly
          (RandomUnderSampler).

        See the :ref:`User Guide <case_control>`.

    response_method : {"auto", "decision_function", "predict_proba"}, \
            default="auto"
        Which method of the estimator gives the hardness score: the
        positive-class column of `predict_proba`, or the `decision_function`
        value oriented towards the positive class. "auto" prefers
        `decision_function`.

    sampler : imbalanced-learn under-sampler or None, default=None
        Chooses the initial negatives. It must expose `sample_indices_`
        after `fit_resample` (RandomUnderSampler, NearMiss, TomekLinks,
        EditedNearestNeighbours, ...). A clone is used: an under-sampler that
        takes a target count gets `sampling_strategy` set to honour `ratio`;
        a cleaning sampler proposes negatives, of which a random subset of
        the `ratio` size is kept. Its unset `random_state` is fixed from this
        classifier's `random_state`. None means a uniform draw.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping, in (0, 1).

    n_iter_no_change : int or None, default=None
        Early stopping, as in
        :class:`~sklearn.ensemble.GradientBoostingClassifier`: None turns it
        off; an int holds out a stratified split of `validation_fraction`
        of the rows (never trained on, never mined), scores it with
        `scoring` after every fit, and stops when the score has not
        improved by more than `tol` for that many consecutive fits. The
        best round's model is kept, with the working set it was fitted on.

    scoring : str or callable, default="average_precision"
        Validation score for early stopping (greater is better): a scorer
        name or a callable ``scorer(estimator, X, y)``. Named scorers are
        told the positive class.

    tol : float, default=1e-4
        Improvement of the validation score that counts as one.
"""

ENGINE_PARAMETERS = """\
    random_state : int, RandomState instance or None, default=None
        Controls the initial negatives, the validation split and the seed
        given to unseeded randomness inside `estimator` and `sampler`.

    batch_size : int or "auto", default="auto"
        Rows per chunk when scoring the pool: the temporaries of a pass are
        O(batch_size) and the pool is never copied. "auto" sizes a chunk to
        about 8 MiB of rows. It never changes the result.

    n_jobs : int or None, default=None
        Threads scoring chunks of a host pool where the work is per row: the
        estimator's own method and the compiled kernel expansion of
        SVC/NuSVC (BLAS runs one thread per chunk meanwhile). Compiled
        matrix products leave the cores to BLAS. Pools on a GPU or a cluster
        are parallel where they live. None means 1; -1 uses all processors.
        It never changes the result.

    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where the pool is scored when the fitted estimator has a compiled
        scorer (linear models, SVC/NuSVC, MLPClassifier, and Pipelines of
        scalers and PCA ending in one): "cuda" streams a host pool to the
        GPU chunk by chunk; "auto" uses the GPU when one is found. A pool
        given as a GPU array stays on its GPU: only the hard rows' indices
        and scores come back. Sparse pools and estimators without a compiled
        scorer are scored on the CPU (a warning says so). Fitting always
        runs on the host. See the :ref:`User Guide <user_guide>`.

    verbose : int, default=0
        1 prints one line per round; 2 also shows progress through each
        scoring pass (a tqdm bar when tqdm is installed).
"""

RUN_ATTRIBUTES = """\
    threshold_ : float
        The threshold used (`threshold` with "auto" resolved).

    n_rounds_ : int
        Mining rounds that were run (the round of the last fit).

    best_round_ : int
        The round whose model is kept (`n_rounds_` unless early stopping
        kept an earlier one).

    history_ : dict of lists
        One entry per fit (round 0 is the initial fit), usable as
        ``pandas.DataFrame(history_)``. Keys: "round"; "n_negatives", the
        working-set negatives that fit used; "n_scored", negatives outside
        the working set scored after it; "cut", the score a negative had to
        beat; "n_hard", how many were hard; "n_added", how many were added
        for the next round; "n_random", random negatives added instead by
        the guard against uninformative models; "n_evicted"; "random_weight",
        each random negative's weight in the fit (1.0 without `weighting`);
        "effective_size", Kish's effective sample size of the fit's
        weights (with ``weighting="case_control"``, "n_hard" counts the
        negatives kept surely, "n_added" those the draw kept, and
        "random_weight" the largest weight); "fit_time" and "score_time" in
        seconds; "validation_score" (NaN without early stopping).
        ``n_negatives[r + 1] == n_negatives[r] + n_added[r] + n_random[r] -
        n_evicted[r]``.

    negative_indices_ : ndarray of int
        Sorted row indices (into `X`) of the negatives the kept model was
        trained on.

    mined_round_ : ndarray of shape (n_samples,)
        The round at which each row entered the working set: 0 for training
        positives and initial negatives, r for negatives mined in round r, -1
        for rows never used (validation rows included, and rows added after
        `best_round_`). An evicted negative keeps the round it last entered.
        Its dtype is the smallest signed integer type that holds
        `max_rounds` (one byte a row by default). A Dask array, persisted on
        the cluster, when `X` is one: the client never holds a byte a row.

    termination_condition_ : str
        Why mining stopped: "sampled" (``weighting="case_control"``: the
        sample was drawn and fitted), "no_hard_negatives" (no negative
        outside the working set scored above the threshold; with a margin
        threshold, a hinge-loss SVM and eviction of easy negatives only,
        DPM's convergence: the model is the optimum of training on all the
        data),
        "few_hard_negatives" (fewer than `min_hard_per_round`),
        "max_rounds", "early_stopping", "pool_exhausted" (every negative is
        in the working set), or "uninformative_model" (every score tied,
        and the guard's random negatives did not help before `max_rounds`).
"""

COMMON_ATTRIBUTES = """\
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    response_method_ : str
        The method used for scores.

    weighting_ : str or None
        The design that ran: "case_control", "inverse_probability", or None
        (the bootstrap, also where "case_control" does not apply).

    validation_indices_ : ndarray of int
        Rows held out for early stopping (empty when it is off).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when `X` has string column names.
"""

REFERENCES = """\
    .. [1] K.-K. Sung and T. Poggio, "Example-based learning for view-based
       human face detection", IEEE PAMI 20(1), 1998.
    .. [2] P. F. Felzenszwalb, R. B. Girshick, D. McAllester and D. Ramanan,
       "Object detection with discriminatively trained part-based models",
       IEEE PAMI 32(9), 2010, section 4.4.
    .. [3] R. Girshick, J. Donahue, T. Darrell and J. Malik, "Rich feature
       hierarchies for accurate object detection and semantic segmentation",
       CVPR 2014.
"""


def document(cls):
    """Fill a miner's docstring: its {parameters}, {engine_parameters},
    {run_attributes}, {attributes} and {references}."""
    cls.__doc__ = (
        cls.__doc__.replace("{parameters}", PARAMETERS.strip())
        .replace("{engine_parameters}", ENGINE_PARAMETERS.strip())
        .replace("{run_attributes}", RUN_ATTRIBUTES.strip())
        .replace("{attributes}", COMMON_ATTRIBUTES.strip())
        .replace("{references}", REFERENCES.strip())
    )
    return cls
