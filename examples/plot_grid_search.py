"""
================================================
Choosing the mining parameters with GridSearchCV
================================================

The mining parameters (``ratio``, ``threshold``, ``max_rounds``) are
ordinary parameters of an estimator, so a grid search chooses them like any
other. Here the miner sits inside a Pipeline after a scaler, the search
scores average precision on stratified folds, and the wrapped SVM's ``C`` is
searched together with them (``estimator__C``).
"""

# %%
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.metrics import average_precision_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skhnm import HardNegativeMiningClassifier

X, y = make_classification(
    n_samples=20_000,
    n_features=20,
    n_informative=6,
    weights=[0.98],
    class_sep=0.8,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("mine", HardNegativeMiningClassifier(LinearSVC(), random_state=0)),
    ]
)
grid = {
    "mine__ratio": [1, 3],
    "mine__threshold": [-1.0, -0.5, 0.0],
    "mine__max_rounds": [0, 3],
    "mine__estimator__C": [0.01, 1.0],
}
search = GridSearchCV(
    pipe,
    grid,
    scoring="average_precision",
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    n_jobs=1,
)
search.fit(X_train, y_train)
print("best:", search.best_params_, f"CV AP {search.best_score_:.3f}")
test_ap = average_precision_score(y_test, search.decision_function(X_test))
print(f"held-out AP of the refitted best pipeline: {test_ap:.3f}")

# %%
# ``max_rounds=0`` is plain random undersampling at ``ratio``: the grid
# compares mining against it directly. On this noisy task (2% positives,
# overlapping classes) margin thresholds pay off, while ``threshold=0``
# (only the negatives the model already misclassifies) does worse than no
# mining at all: those negatives are mostly the overlap of the classes, and
# adding all of them drags the boundary into the positives. That is what a
# search over the threshold is for.
results = pd.DataFrame(search.cv_results_)
table = results.pivot_table(
    index=["param_mine__estimator__C", "param_mine__ratio", "param_mine__max_rounds"],
    columns="param_mine__threshold",
    values="mean_test_score",
)
print(table.round(3).to_string())

fig, ax = plt.subplots()
for (C, rounds), part in results.groupby(
    ["param_mine__estimator__C", "param_mine__max_rounds"]
):
    best = part.groupby("param_mine__threshold")["mean_test_score"].max()
    label = "no mining" if rounds == 0 else "mining"
    ax.plot(best.index, best.values, marker="o", label=f"C={C}, {label}")
ax.set_xlabel("threshold")
ax.set_ylabel("mean CV average precision (best ratio)")
ax.legend()
plt.show()
