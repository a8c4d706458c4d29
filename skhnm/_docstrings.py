"""The numpydoc text both miners share, written once.

Each miner's docstring holds placeholders ({parameters},
{engine_parameters}, {run_attributes}, {attributes}, {references}) that
:func:`document` fills.
"""

import inspect

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
        Which negatives are hard after each fit:

        - "threshold": those scoring strictly above `threshold`, the rule of
          the seed papers (a margin or probability cut);
        - "rank": those scoring strictly above the `rank_quantile` quantile
          of the training positives' scores under the same model: the
          negatives that outrank some positives, whatever the score scale
          (with ``weighting="case_control"``, that quantile is the round's
          threshold of the keep probability);
        - "k_best": the `max_hard_per_round` highest-scoring ones, whatever
          their score (OHEM's rule); mining then stops only at
          `max_rounds`, on early stopping or when the pool is used up (the
          progress rule does not apply). Only used when `weighting` is None
          or "inverse_probability": it gives no row a known inclusion
          probability, so ``weighting="case_control"`` raises a ValueError
          naming it.

    threshold : float or "auto", default="auto"
        The score a negative must beat to be hard, on the scale of
        `response_method` (a decision value or a probability).

        With ``weighting="case_control"`` it sets the keep probability
        pi(s) of a negative scoring s, which follows the loss's gradient:
        1 at or above the threshold (the hard negatives, kept surely) and,
        below it, ``exp(s - threshold)`` for a logistic loss (an estimator
        with `predict_proba`, on the pilot's log-odds scale: the
        population's plus log(1 / share of the pilot's uniform draw)), 0
        for the hinge loss (SVC, ``LinearSVC(loss="hinge")``, SGD's hinge),
        and a line from 0 at the margin -1 up to 1 at the threshold for the
        squared hinge (LinearSVC's default). "auto" is 1.0 for a
        logistic loss (expit(1.0) on probabilities), 0.0, the boundary,
        for the squared hinge (every negative on the wrong side of it) and
        -1.0, the margin, for the hinge: every margin violator, as in the
        seed papers' SVMs and DPM.

        Otherwise "auto" is the working set's class boundary, 0.0 for
        decision values and 0.5 for probabilities; with
        ``weighting="inverse_probability"`` that boundary on the
        population's scale (the odds `ratio` times the training rows'
        positive odds, or their log for decision values). With a margin
        classifier and ``weighting=None``, -1.0 selects every negative
        inside the margin, as in DPM.

    rank_quantile : float, default=0.1
        The quantile of the positives' scores that ``criterion="rank"``
        cuts at, in [0, 1]: 0.1 calls hard every negative that outranks the
        lowest tenth of the positives.

    max_rounds : int, default=10
        Mining rounds after the initial fit; each round scores the pool
        with the last model and refits. 0 gives a plain undersampled fit.
        The progress rule (`min_hard_per_round`) and early stopping usually
        end the run earlier.

    max_hard_per_round : int, float or None, default=None
        Cap on the negatives a round takes surely: an int is a count, a
        float is a multiple of the number of positives. The hardest (highest
        score) go first; ties go to the lower row index. None takes every
        hard negative (``criterion="k_best"``: as many as the positives).
        With ``weighting="case_control"`` the round's threshold is raised
        to the score of the cap's last negative, so that the others are
        kept with their (known) probability below it.

    min_hard_per_round : int or float, default=0.01
        The progress rule: a round that finds fewer new negatives than this
        ends the run (``termination_condition_ == "few_hard_negatives"``)
        instead of paying a full refit for a handful of rows. An int is a
        count, a float in (0, 1) a share of the working set's negatives (the
        default: 1% of them). New negatives are the hard ones outside the
        working set; with ``weighting="case_control"``, those the round's
        draw would add (every hard one among them). 1 stops only when
        nothing is new, as the seed papers do; it is what DPM's guarantee
        of the full-data optimum needs.

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
        -1.2 with `threshold=-1.0`. None evicts nothing. With
        ``weighting="case_control"`` a negative scoring below it has keep
        probability 0 (on the same scale as `threshold`): it leaves unless
        it is one of the pilot's uniform draw, whose share keeps every
        inclusion probability above 0, so the fit stays unbiased (for a
        logistic loss at a cost in variance: its gradient is not 0 below
        the line).

    max_negatives : int, float or None, default=None
        Bound on the working set's negatives: an int is a count, a float a
        multiple of the number of positives. The initial draw is cut to it.
        With ``weighting="case_control"`` it bounds the expected size of
        each round's draw (as the R package subsampling's ``n.ssp``): the
        round's threshold is raised until it holds; a warning says so if
        the negatives that must stay exceed it. Otherwise, when adding
        would exceed it, fewer hard negatives are added (the hardest
        first), and then the easiest working negatives are evicted until
        the bound holds. Protected negatives (as for `evict_threshold`) are
        never evicted; if they alone exceed the bound, they are kept, at
        least one hard negative is still added, and a warning says so.

    weighting : {"case_control", "inverse_probability"} or None, \
            default={weighting_default}
        How the working set stands for the whole pool, so that the fit
        estimates the full-data fit:

        - "case_control": round 0's fit is a pilot (every positive and a
          uniform draw of `ratio` negatives per positive, at least 500,
          every negative of a smaller pool). Every later round draws its
          working set from the last model's scores: each negative is kept
          with its keep probability pi (see `threshold`), by one uniform
          number per row fixed by `random_state` and the row's index, so
          the draw is the same on any backend, batch size or chunking and
          the set follows the model smoothly. Each negative's inclusion
          probability ``P(x) = f + (1 - f) pi(x)`` (f: the pilot's share)
          is known, and the fit accounts for it: an estimator with
          `predict_proba` (a logistic loss) is fitted unweighted and its
          log-odds are corrected by log P(x) at prediction, where the
          model that drew the working set (`pilot_`) is evaluated too; the
          others (margin losses) are fitted with weights 1 / P(x), bounded
          by 1 / f (a negative once drawn stays in their working set, with
          the largest P it has had; scaled to mean 1 for an estimator that
          averages its loss, such as SGDClassifier, so that its `alpha`
          weighs as in the full fit). A margin estimator whose fit takes no
          `sample_weight` is a TypeError naming `weighting`. In multiclass
          mining every detector draws this way, all of them by the same
          uniforms (one background draw: a row is in detector k's set when
          its uniform is below P_k(x), so the union of the sets is the
          draw at ``max_k P_k``), and the other classes' rows are
          negatives drawn like the background.
        - None: the bootstrap of the seed papers, round after round, fitting
          the working set as it is.
        - "inverse_probability": the bootstrap, with the working negatives
          weighted as the stratified sample of the pool they are
          (Horvitz-Thompson): mined negatives weigh 1, and each random
          negative never found hard stands for ``n_not_mined / n_random``
          negatives (scaled to mean 1 for an estimator that averages its
          loss, as above). The weights multiply `sample_weight` and reach every
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
        classifier's `random_state`. None means a uniform draw. With
        ``weighting="case_control"`` or "inverse_probability" the fit reads
        the initial negatives as a uniform sample of known probability, so
        only ``RandomUnderSampler(replacement=False)`` is accepted (a
        ValueError names the sampler otherwise).

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
        The threshold used (`threshold` with "auto" resolved); with
        ``weighting="case_control"`` and a corrected model, the threshold
        its working set was drawn at (after `criterion="rank"`,
        `max_hard_per_round` and `max_negatives`).

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
        weights (with ``weighting="case_control"``, "cut" is the round's
        threshold of the keep probability, "n_hard" counts the negatives
        outside the working set kept surely, "n_added" those the draw
        adds, "n_evicted" those that leave, and "random_weight" the
        largest weight); "fit_time" and "score_time" in
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
        Why mining stopped: "no_hard_negatives" (no negative outside the
        working set scored above the threshold, or, with
        ``weighting="case_control"``, the round's draw would add none; with
        a margin threshold, a hinge-loss SVM and eviction of easy negatives
        only, DPM's convergence: the model is the optimum of training on
        all the data), "few_hard_negatives" (fewer than
        `min_hard_per_round`), "max_rounds", "early_stopping",
        "pool_exhausted" (every negative is in the working set), or
        "uninformative_model" (every score tied, and the guard's random
        negatives did not help before `max_rounds`).
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
    weighting = inspect.signature(cls.__init__).parameters["weighting"].default
    parameters = PARAMETERS.replace(
        "{weighting_default}", "None" if weighting is None else f'"{weighting}"'
    )
    cls.__doc__ = (
        cls.__doc__.replace("{parameters}", parameters.strip())
        .replace("{engine_parameters}", ENGINE_PARAMETERS.strip())
        .replace("{run_attributes}", RUN_ATTRIBUTES.strip())
        .replace("{attributes}", COMMON_ATTRIBUTES.strip())
        .replace("{references}", REFERENCES.strip())
    )
    return cls
