"""Classical baselines on the same split as the network: linear/logistic regression, SVM, random forest,
k-nearest neighbours and gradient boosting from scikit-learn.

`fit_baselines(dataset, keys)` fits each on the train split and scores it on the test split with the
trainer's metric (accuracy or R²). A fitted baseline's `predict_grid(x)` returns class probabilities
or values, so the same decision-boundary figure can draw it. This module does not draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.data.base import CLASSIFICATION, Dataset
from playground.registry import Registry

# key -> factory(task) -> an unfitted scikit-learn estimator
BASELINES: Registry[Callable[[str], Any]] = Registry("baseline")


def _add(key: str, label: str, description: str, clf: Callable[[], Any], reg: Callable[[], Any]) -> None:
    BASELINES.add(key, lambda task: clf() if task == CLASSIFICATION else reg(), label, description)


def _register() -> None:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.svm import SVC, SVR

    _add("linear", "Logistic / linear regression", "one linear layer, fitted in closed form or by L-BFGS",
         lambda: LogisticRegression(max_iter=2000), LinearRegression)
    _add("svm", "SVM (RBF kernel)", "maximum-margin boundary in a kernel feature space",
         lambda: SVC(random_state=0), SVR)
    _add("forest", "Random forest", "100 decision trees on bootstrap samples, averaged",
         lambda: RandomForestClassifier(100, random_state=0), lambda: RandomForestRegressor(100, random_state=0))
    _add("knn", "k-nearest neighbours (k=5)", "the vote or mean of the 5 closest training points",
         KNeighborsClassifier, KNeighborsRegressor)
    _add("boosting", "Gradient boosting", "histogram gradient-boosted trees",
         lambda: HistGradientBoostingClassifier(random_state=0), lambda: HistGradientBoostingRegressor(random_state=0))


_register()


@dataclass
class Baseline:
    key: str
    label: str
    estimator: Any
    task: str
    n_classes: int
    test_score: float
    train_score: float

    def predict_grid(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities [M, k] (all k classes, even if training missed one) or values [M]."""
        if self.task != CLASSIFICATION:
            return self.estimator.predict(x).astype(np.float32)
        proba = np.zeros((len(x), self.n_classes), np.float32)
        if hasattr(self.estimator, "predict_proba"):
            proba[:, self.estimator.classes_] = self.estimator.predict_proba(x)
        else:   # the SVM gives hard labels: probability 1 for the predicted class
            proba[np.arange(len(x)), self.estimator.predict(x)] = 1.0
        return proba


def _score(est: Any, x: np.ndarray, y: np.ndarray, task: str) -> float:
    if len(x) == 0:
        return float("nan")
    pred = est.predict(x)
    if task == CLASSIFICATION:
        return float((pred == y).mean())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return 1 - float(((pred - y) ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")


def fit_baselines(dataset: Dataset, keys: list[str] | None = None) -> list[Baseline]:
    """Fit each baseline on the train split; score train and test with the trainer's metric."""
    x_tr, x_te = dataset.train.x.numpy().reshape(len(dataset.train), -1), dataset.test.x.numpy().reshape(
        len(dataset.test), -1)
    y_tr, y_te = dataset.train.y.numpy(), dataset.test.y.numpy()
    if dataset.task != CLASSIFICATION:
        y_tr, y_te = y_tr[:, 0], y_te[:, 0]
    out = []
    for key in keys or BASELINES.keys():
        est = BASELINES.get(key, "baseline")(dataset.task)
        if key == "knn":
            est.set_params(n_neighbors=min(5, len(x_tr)))
        est.fit(x_tr, y_tr)
        out.append(Baseline(key, BASELINES.label(key), est, dataset.task, dataset.spec.n_outputs,
                            _score(est, x_te, y_te, dataset.task), _score(est, x_tr, y_tr, dataset.task)))
    return out
