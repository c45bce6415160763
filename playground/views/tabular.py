"""The Your data lab's views: a PCA plane of high-dimensional data with a model's decision boundary on it,
baseline boundaries on the same plane, the test-split scores of the network and every baseline (bars and a
table of accuracy, balanced accuracy, macro F1 and ROC AUC, or R²), the overfitting warning, and the data
overview.

The plane is spanned by the first two principal components of the training inputs; a model is
evaluated at the inverse-PCA of each grid point (the plane through the data mean), which the figure
says in its title. Pure functions of an Experiment or Dataset; nothing here trains.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import torch

from playground.baselines import METRIC_LABELS, Baseline, classification_metrics, regression_metrics
from playground.data.base import CLASSIFICATION, Dataset
from playground.data.tabular import Plane
from playground.diagnoses import curve_diagnoses
from playground.figures import boundary_figure
from playground.figures.palette import CLASS_COLORS, LAYOUT
from playground.figures.raster import boundary_png
from playground.probes import eval_mode, make_grid


def model_predict(model: torch.nn.Module, task: str) -> Callable[[np.ndarray], np.ndarray]:
    """x (M, F) -> class probabilities (M, k) or values (M,), in eval mode."""
    def predict(x: np.ndarray) -> np.ndarray:
        with eval_mode(model):
            out = model(torch.from_numpy(x))
        return (torch.softmax(out, -1) if task == CLASSIFICATION else out[:, 0]).numpy()
    return predict


def _plane_output(plane: Plane, dataset: Dataset, predict: Callable[[np.ndarray], np.ndarray], resolution: int,
                  show_test: bool = True):
    """(grid, output over it, points per split), regression values and targets scaled into [-1, 1] together."""
    grid = make_grid(plane.extent, resolution)
    out = predict(plane.lift(grid.points))
    r = len(grid.xs)
    points = {"train": (plane.points["train"], dataset.train.y.numpy())}
    if show_test:
        points["test"] = (plane.points["test"], dataset.test.y.numpy())
    if dataset.task == CLASSIFICATION:
        return grid, out.reshape(r, r, -1).astype(np.float32), points
    scale = float(np.percentile(np.abs(dataset.train.y.numpy()), 95) or 1.0)   # the top 5% saturate
    return grid, (out.reshape(r, r) / scale).astype(np.float32), {k: (xy, y[:, 0] / scale)
                                                                  for k, (xy, y) in points.items()}


def plane_boundary(plane: Plane, dataset: Dataset, predict: Callable[[np.ndarray], np.ndarray], *,
                   title: str, resolution: int = 60, show_test: bool = True, height: int = 380) -> go.Figure:
    grid, output, points = _plane_output(plane, dataset, predict, resolution, show_test)
    fig = boundary_figure(grid.xs, grid.ys, output, points, class_names=dataset.class_names, title=title,
                          height=height)
    fig.update_xaxes(title_text=f"PC 1 ({plane.explained[0]:.0%} of variance)")
    fig.update_yaxes(title_text=f"PC 2 ({plane.explained[1]:.0%})", scaleanchor=None)
    fig.update_layout(margin=dict(l=50, r=10, t=64, b=40), title=dict(font=dict(size=13)))
    return fig


def network_plane_frame(exp, plane: Plane, *, resolution: int = 40, size: int = 380) -> bytes:
    """The network's plane view as a PNG frame while training plays (see figures/raster.py for why)."""
    _, output, points = _plane_output(plane, exp.dataset, model_predict(exp.model, exp.dataset.task), resolution)
    return boundary_png(output, plane.extent, points, size=size)


def network_plane_view(exp, plane: Plane, *, resolution: int = 60, height: int = 380) -> go.Figure:
    ds = exp.dataset
    note = "Network on the PCA plane<br><sup>output at the inverse PCA of each point</sup>"
    return plane_boundary(plane, ds, model_predict(exp.model, ds.task), title=note, resolution=resolution,
                          height=height)


def baseline_plane_view(b: Baseline, dataset: Dataset, plane: Plane, *, resolution: int = 40,
                        height: int = 300) -> go.Figure:
    metric = "accuracy" if dataset.task == CLASSIFICATION else "R²"
    title = f"{b.label}<br><sup>test {metric} {b.test_score:.3f}</sup>"
    return plane_boundary(plane, dataset, b.predict_grid, title=title, resolution=resolution, height=height)


def network_metrics(exp) -> dict[str, float]:
    """The network's metrics on the whole test split (as `fit_baselines` scores each baseline)."""
    test = exp.dataset.test
    if len(test) == 0:
        return {}
    out = model_predict(exp.model, exp.dataset.task)(test.x.numpy())
    if exp.dataset.task == CLASSIFICATION:
        return classification_metrics(test.y.numpy(), out.argmax(1), out.astype(np.float64))
    return regression_metrics(test.y.numpy()[:, 0], out)


def scores_table(network: dict[str, float], baselines: list[Baseline]) -> list[dict[str, object]]:
    """One row per model (the network first), one column per test metric, values rounded to 3 places."""
    rows = [("Neural network", network)] + [(b.label, b.test_metrics) for b in baselines]
    return [{"model": name, **{f"test {METRIC_LABELS[k]}": round(v, 3) if np.isfinite(v) else None
                               for k, v in m.items()}} for name, m in rows]


def overfitting_warning(history) -> str:
    """The curve rule's overfitting message, or "" (the ONE call into the diagnosis rules from this lab)."""
    return next((d.message for d in curve_diagnoses(history) if d.code == "overfitting"), "")


def scores_figure(network: dict[str, float], baselines: list[Baseline], task: str, *,
                  height: int = 300) -> go.Figure:
    """Horizontal bars: the network's test accuracy (or R²) beside every baseline's."""
    key = "accuracy" if task == CLASSIFICATION else "r2"
    names = ["Neural network"] + [b.label for b in baselines]
    scores = [network.get(key, float("nan"))] + [b.test_score for b in baselines]
    colors = [CLASS_COLORS[1]] + ["#9ca3af"] * len(baselines)
    fig = go.Figure(go.Bar(x=scores, y=names, orientation="h", marker_color=colors,
                           text=[f"{s:.3f}" for s in scores], textposition="auto",
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    metric = "test accuracy" if task == CLASSIFICATION else "test R²"
    fig.update_layout(**LAYOUT, height=height, title=f"{metric}: the network beside classical baselines",
                      yaxis=dict(autorange="reversed"))
    fig.update_xaxes(range=[0, 1.02] if task == CLASSIFICATION else None, title_text=metric)
    return fig


def data_summary(dataset: Dataset) -> dict[str, object]:
    n = {s: len(dataset.split(s)) for s in ("train", "val", "test")}
    return {"inputs": dataset.spec.input_shape[0], "task": dataset.task, **{f"{k} rows": v for k, v in n.items()},
            "classes": ", ".join(dataset.class_names) if dataset.class_names else "—"}
