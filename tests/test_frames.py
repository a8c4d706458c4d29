"""Containers that reach the wrapped estimator as they are: DataFrames of
pandas, polars and pyarrow, and 1-D pools of documents."""

import numpy as np
import pytest
from sklearn.compose import make_column_transformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier, MulticlassHardNegativeMiningClassifier

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

FRAMES = {
    "pandas": lambda data: pd.DataFrame(data),
    "polars": lambda data: pl.DataFrame(data),
    "pyarrow": lambda data: pa.table(data),
}


def columns(X):
    data = {f"f{i}": X[:, i] for i in range(X.shape[1])}
    data["colour"] = np.where(X[:, 0] > 0, "red", "blue")
    return data


@pytest.mark.parametrize("kind", FRAMES)
def test_a_frame_reaches_a_column_transformer_by_name(imbalanced, kind):
    """Selecting columns by name fails on a NumPy array: the frame passed."""
    X, y = imbalanced
    frame = FRAMES[kind](columns(X))
    seen = []

    def record(Z):
        seen.append(type(Z))
        return Z

    pipe = make_pipeline(
        FunctionTransformer(record),
        make_column_transformer(
            (OneHotEncoder(), ["colour"]), (StandardScaler(), ["f1", "f2", "f3"])
        ),
        LogisticRegression(),
    )
    clf = HardNegativeMiningClassifier(pipe, max_rounds=3, random_state=0)
    clf.fit(frame, y)
    assert set(seen) == {type(frame)}, seen
    assert list(clf.feature_names_in_) == [*(f"f{i}" for i in range(10)), "colour"]

    reference = HardNegativeMiningClassifier(pipe, max_rounds=3, random_state=0)
    reference.fit(pd.DataFrame(columns(X)), y)
    np.testing.assert_array_equal(clf.negative_indices_, reference.negative_indices_)
    np.testing.assert_allclose(
        clf.predict_proba(frame), reference.predict_proba(pd.DataFrame(columns(X)))
    )


@pytest.mark.parametrize("kind", FRAMES)
def test_a_numeric_frame_mines_as_its_array_does(imbalanced, kind, same_fit):
    X, y = imbalanced
    frame = FRAMES[kind]({f"f{i}": X[:, i] for i in range(X.shape[1])})
    params = dict(max_rounds=3, random_state=0)
    ref = HardNegativeMiningClassifier(LinearSVC(), **params).fit(X, y)
    clf = HardNegativeMiningClassifier(LinearSVC(), **params).fit(frame, y)
    same_fit(clf, ref)
    np.testing.assert_allclose(clf.decision_function(frame), ref.decision_function(X))


def documents(y, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["spam", "ham", "eggs", "toast", "tea", "jam", "bread"])
    marked = rng.random(y.size) < np.where(y == 1, 0.8, 0.02)
    return [" ".join(rng.choice(words, 6)) + (" prize" if m else "") for m in marked]


@pytest.mark.parametrize(
    "container",
    [list, tuple, np.array, pd.Series, pl.Series],
    ids=["list", "tuple", "numpy", "pandas", "polars"],
)
def test_a_pool_of_documents_is_mined_by_a_text_pipeline(imbalanced, container):
    _, y = imbalanced
    docs = documents(y)
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression())
    params = dict(max_rounds=3, random_state=0)
    ref = HardNegativeMiningClassifier(pipe, **params).fit(docs, y)
    clf = HardNegativeMiningClassifier(pipe, **params).fit(container(docs), y)
    np.testing.assert_array_equal(clf.negative_indices_, ref.negative_indices_)
    assert clf.n_rounds_ == ref.n_rounds_ >= 1
    assert not hasattr(clf, "n_features_in_")
    proba = clf.predict_proba(container(docs))[:, 1]
    np.testing.assert_allclose(proba, ref.predict_proba(docs)[:, 1])
    # The marked word carries the signal: positives rank above negatives.
    assert proba[y == 1].mean() > 5 * proba[y == 0].mean()


def test_documents_the_estimator_cannot_read_say_which_pipeline_works(imbalanced):
    _, y = imbalanced
    with pytest.raises(ValueError, match="could not convert") as info:
        HardNegativeMiningClassifier(LogisticRegression()).fit(documents(y), y)
    note = "\n".join(info.value.__notes__)
    assert "1-D pool of documents" in note
    assert "make_pipeline(TfidfVectorizer(), LogisticRegression())" in note


def test_a_1d_pool_of_numbers_is_refused_as_scikit_learn_does(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="Expected 2D array"):
        HardNegativeMiningClassifier().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="Expected 2D array"):
        HardNegativeMiningClassifier().fit(list(X[:, 0]), y)


def test_the_multiclass_miner_takes_a_polars_frame(detection):
    X, y = detection
    data = {f"f{i}": X[:, i] for i in range(X.shape[1])}
    pipe = make_pipeline(
        make_column_transformer((StandardScaler(), ["f0", "f1", "f2", "f3", "f4"])),
        LogisticRegression(),
    )
    params = dict(negative_label=0, max_rounds=2, random_state=0)
    clf = MulticlassHardNegativeMiningClassifier(pipe, **params)
    clf.fit(pl.DataFrame(data), y)
    ref = MulticlassHardNegativeMiningClassifier(pipe, **params)
    ref.fit(pd.DataFrame(data), y)
    np.testing.assert_allclose(
        clf.predict_proba(pl.DataFrame(data)), ref.predict_proba(pd.DataFrame(data))
    )
