"""Classical baselines on the same split as the network: the majority class (or the mean), linear/logistic
regression, SVM, random forest, k-nearest neighbours and gradient boosting from scikit-learn; and the
test-split metrics of any of them or the network (`classification_metrics`, `regression_metrics`).

`fit_baselines(dataset, keys)` fits each on the train split and scores it on the test split: accuracy,
balanced accuracy, macro F1 and ROC AUC for classes, R² for numbers. A fitted baseline's `predict_grid(x)`
returns class probabilities or values, so the same decision-boundary figure can draw it. This module
does not draw.
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
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.svm import SVC, SVR

    _add("majority", "Majority class / mean", "always the training rows' most common class (or their mean value)",
         lambda: DummyClassifier(strategy="prior"), DummyRegressor)
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


# ---------------------------------------------------------------- metrics (by hand; tests check them against sklearn)

METRIC_LABELS = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "macro_f1": "macro F1",
                 "roc_auc": "ROC AUC", "r2": "R²"}


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve = P(score of a positive > score of a negative), ties counted half
    (the Mann-Whitney U statistic with average ranks); NaN without both positives and negatives."""
    from scipy.stats import rankdata

    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def classification_metrics(y: np.ndarray, pred: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """y, pred int [N]; scores [N, k] (probabilities or decision scores, one column per class).

    balanced accuracy: the mean recall over the classes present in y; macro F1: the mean F1 over the classes
    in y or pred (a class never predicted and never true is left out, one with no true positives scores 0);
    ROC AUC: binary, of the positive (second) class's score; multiclass, one-vs-rest averaged over the
    classes present in y."""
    if len(y) == 0:
        return {k: float("nan") for k in ("accuracy", "balanced_accuracy", "macro_f1", "roc_auc")}
    present = np.unique(y)
    recall = [float((pred[y == c] == c).mean()) for c in present]
    f1 = []
    for c in np.union1d(present, np.unique(pred)):
        tp, fp, fn = int(((pred == c) & (y == c)).sum()), int(((pred == c) & (y != c)).sum()), int(
            ((pred != c) & (y == c)).sum())
        f1.append(2 * tp / (2 * tp + fp + fn))
    k = scores.shape[1]
    if k == 2:
        auc = _auc(y == 1, scores[:, 1])
    else:
        aucs = [_auc(y == c, scores[:, c]) for c in present]
        auc = float(np.mean(aucs)) if len(present) > 1 else float("nan")
    return {"accuracy": float((pred == y).mean()), "balanced_accuracy": float(np.mean(recall)),
            "macro_f1": float(np.mean(f1)), "roc_auc": auc}


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """R² = 1 - SS_res / SS_tot (NaN for an empty or constant y)."""
    ss_tot = float(((y - y.mean()) ** 2).sum()) if len(y) else 0.0
    return {"r2": 1 - float(((pred - y) ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")}


# ---------------------------------------------------------------- fitted baselines

@dataclass
class Baseline:
    key: str
    label: str
    estimator: Any
    task: str
    n_classes: int
    test_metrics: dict[str, float]   # metric key (METRIC_LABELS) -> value on the test split

    @property
    def test_score(self) -> float:
        """The trainer's metric on the test split: accuracy or R²."""
        return self.test_metrics["accuracy" if self.task == CLASSIFICATION else "r2"]

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

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Per-class scores [M, k] for ROC AUC: probabilities, or the SVM's decision function (it has no
        probabilities; its one-vs-rest decision values rank the rows)."""
        est = self.estimator
        if hasattr(est, "predict_proba"):
            return self.predict_grid(x).astype(np.float64)
        d = est.decision_function(x)
        out = np.zeros((len(x), self.n_classes))
        if d.ndim == 1:   # binary: the score of classes_[1]
            out[:, est.classes_[1]], out[:, est.classes_[0]] = d, -d
        else:
            out[:, est.classes_] = d
        return out


def _metrics(b: Baseline, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    if b.task == CLASSIFICATION:
        return classification_metrics(y, b.estimator.predict(x) if len(x) else y, b.scores(x) if len(x) else
                                      np.zeros((0, b.n_classes)))
    return regression_metrics(y, b.estimator.predict(x) if len(x) else y)


def fit_baselines(dataset: Dataset, keys: list[str] | None = None) -> list[Baseline]:
    """Fit each baseline on the train split; score it on the test split with every metric of the task."""
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
        b = Baseline(key, BASELINES.label(key), est, dataset.task, dataset.spec.n_outputs, {})
        b.test_metrics.update(_metrics(b, x_te, y_te))
        out.append(b)
    return out
