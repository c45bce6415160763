"""The Your data lab's payload: the network's output over the PCA plane, the data on it, curves and test metrics.

`tabular_payload(exp, plane)` reads an Experiment (eval mode, no weight changes) and returns a TabularPayload
of numpy arrays, lists and dicts: picklable, no tensors, so a worker process could send it instead of the
model. The plane (data/tabular.py `Plane`) is spanned by the first two principal components of the training
inputs; a model is evaluated at the inverse PCA of each grid point (`plane.lift`: the plane through the data
mean). `plane_output` does the same for any predict function (the fitted baselines). Turning a payload into
figures is playground/views/tabular.py's job; this module imports neither Plotly nor Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from playground.baselines import classification_metrics, regression_metrics
from playground.data.base import CLASSIFICATION, Dataset
from playground.data.tabular import Plane
from playground.diagnoses import curve_diagnoses
from playground.payloads.plane import thin
from playground.probes import eval_mode, make_grid

RESOLUTION = 64   # grid points a side on the plane: 64x64 float32 x k classes, a few tens of KB


@dataclass(frozen=True)
class TabularPayload:
    epoch: int                                          # the newest history record's epoch (the curves' last point)
    where: str                                          # where the weights are (trainer.where()): labels metrics, plane
    task: str                                           # "classification" or "regression"
    metric: str                                         # "accuracy" or "r2"
    class_names: tuple[str, ...]                        # as the user's data names them (views escape them)
    explained: tuple[float, float]                      # share of variance along PC 1 and PC 2
    xs: np.ndarray                                      # grid axes on the plane [R]
    ys: np.ndarray
    output: np.ndarray                                  # [R, R, k] class probabilities or [R, R] values; row = y
    points: dict[str, tuple[np.ndarray, np.ndarray]]    # split -> (xy [N, 2] on the plane, y [N] class or value)
    history: dict[str, list]                            # thinned columns: epoch, {split}_loss, {split}_{metric}, ...
    metrics: dict[str, float]                           # the current weights on the whole test split
    overfitting: str = ""                               # the curve rule's overfitting message, or ""


def model_predict(model: torch.nn.Module, task: str) -> Callable[[np.ndarray], np.ndarray]:
    """x (M, F) -> class probabilities (M, k) or values (M,), in eval mode."""
    def predict(x: np.ndarray) -> np.ndarray:
        with eval_mode(model):
            out = model(torch.from_numpy(np.ascontiguousarray(x, np.float32)))
        return (torch.softmax(out, -1) if task == CLASSIFICATION else out[:, 0]).numpy()
    return predict


def plane_output(plane: Plane, predict: Callable[[np.ndarray], np.ndarray],
                 resolution: int = RESOLUTION) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs [R], ys [R], output [R, R, k] or [R, R]): `predict` at the inverse PCA of each grid point."""
    grid = make_grid(plane.extent, resolution)   # points row-major: y outer, x inner
    out = np.asarray(predict(plane.lift(grid.points)), np.float32)
    r = len(grid.xs)
    return grid.xs, grid.ys, out.reshape(r, r, -1) if out.ndim == 2 else out.reshape(r, r)


def plane_points(plane: Plane, dataset: Dataset) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The train and test rows on the plane: split -> (xy [N, 2], class [N] or value [N])."""
    return {split: (plane.points[split], dataset.split(split).y.numpy().reshape(len(dataset.split(split)), -1)[:, 0])
            for split in ("train", "test")}


def network_metrics(exp) -> dict[str, float]:
    """The network's metrics on the whole test split (as `fit_baselines` scores each baseline)."""
    test = exp.dataset.test
    if len(test) == 0:
        return {}
    out = model_predict(exp.model, exp.dataset.task)(test.x.numpy())
    if exp.dataset.task == CLASSIFICATION:
        return classification_metrics(test.y.numpy(), out.argmax(1), out.astype(np.float64))
    return regression_metrics(test.y.numpy()[:, 0], out)


def overfitting_warning(history) -> str:
    """The curve rule's overfitting message, or "" (the ONE call into the diagnosis rules from this lab)."""
    return next((d.message for d in curve_diagnoses(history) if d.code == "overfitting"), "")


def tabular_payload(exp, plane: Plane, *, resolution: int = RESOLUTION) -> TabularPayload:
    ds, trainer = exp.dataset, exp.trainer
    xs, ys, output = plane_output(plane, model_predict(exp.model, ds.task), resolution)
    history = trainer.history
    return TabularPayload(
        epoch=int(history.last().get("epoch", trainer.epoch)) if len(history) else trainer.epoch,
        where=trainer.where(), task=ds.task, metric=trainer.metric, class_names=tuple(ds.class_names),
        explained=tuple(plane.explained), xs=xs, ys=ys, output=output, points=plane_points(plane, ds),
        history=thin(history), metrics=network_metrics(exp), overfitting=overfitting_warning(history))
