"""The Your data lab's views: the network on the PCA plane, its curves, its test scores beside the classical
baselines (bars and a table of every metric), each baseline on the same plane, and the data overview.

Each live view turns a TabularPayload (playground/payloads/tabular.py) into a plain figure dict for
`ui.chart.show`; playing or paused, the same view feeds the same chart, at a fixed height. Numbers computed
from the current weights (the plane, the network's scores) are labelled with the payload's `where`. A
baseline's plane view computes its grid once per call (baselines do not train). Nothing here trains.
"""

from __future__ import annotations

import numpy as np

from playground.baselines import METRIC_LABELS, Baseline
from playground.data.base import CLASSIFICATION, Dataset
from playground.data.tabular import Plane
from playground.figures.boundary import boundary_spec
from playground.figures.curves import curves_spec
from playground.figures.scores import scores_spec, table_spec
from playground.payloads.tabular import TabularPayload, plane_output, plane_points

NETWORK = "Neural network"
PLANE_HEIGHT = 400


def _plane_spec(xs: np.ndarray, ys: np.ndarray, output: np.ndarray, points: dict, *, task: str,
                class_names: tuple[str, ...], explained: tuple[float, float], title: str, height: int) -> dict:
    """boundary_spec on the PCA plane: regression outputs and targets scaled together into [-1, 1] for colour
    (by the 95th percentile of |train target|: the top 5% saturate); PC axes named, not kept at equal scale
    (PC 2 spans less than PC 1, and the chart should fill its box)."""
    if task != CLASSIFICATION:
        scale = float(np.percentile(np.abs(points["train"][1]), 95) or 1.0) if len(points["train"][1]) else 1.0
        output = output / scale
        points = {k: (xy, y / scale) for k, (xy, y) in points.items()}
    spec = boundary_spec(xs, ys, output, points, class_names=class_names, title=title, height=height)
    layout = spec["layout"]
    layout["title"] = dict(text=title, font=dict(size=13))
    layout["margin"] = dict(l=50, r=10, t=64, b=40)
    layout["xaxis"] = {**layout["xaxis"], "title": dict(text=f"PC 1 ({explained[0]:.0%} of variance)")}
    layout["yaxis"] = {**{k: v for k, v in layout["yaxis"].items() if k != "scaleanchor"},
                       "title": dict(text=f"PC 2 ({explained[1]:.0%})")}
    return spec


def network_plane_view(p: TabularPayload, *, height: int = PLANE_HEIGHT) -> dict:
    title = f"Network on the PCA plane, {p.where}<br><sup>output at the inverse PCA of each point</sup>"
    return _plane_spec(p.xs, p.ys, p.output, p.points, task=p.task, class_names=p.class_names,
                       explained=p.explained, title=title, height=height)


def baseline_plane_view(b: Baseline, dataset: Dataset, plane: Plane, *, resolution: int = 40,
                        height: int = 300) -> dict:
    metric = "accuracy" if dataset.task == CLASSIFICATION else "R²"
    xs, ys, output = plane_output(plane, b.predict_grid, resolution)
    return _plane_spec(xs, ys, output, plane_points(plane, dataset), task=dataset.task,
                       class_names=tuple(dataset.class_names), explained=plane.explained,
                       title=f"{b.label}<br><sup>test {metric} {b.test_score:.3f}</sup>", height=height)


def curves_view(p: TabularPayload, *, height: int = PLANE_HEIGHT) -> dict:
    """Loss and metric per split against epochs; the last point is the newest record (p.epoch)."""
    return curves_spec(p.history, p.metric, height=height)


def scores_view(p: TabularPayload, baselines: list[Baseline], *, height: int = 260) -> dict:
    """Bars: the network's test accuracy (or R²) from the current weights beside every fitted baseline's."""
    names = [NETWORK] + [b.label for b in baselines]   # the same name every tick: the bars do not shift
    scores = [p.metrics.get(p.metric, float("nan"))] + [b.test_score for b in baselines]
    metric = "test " + METRIC_LABELS.get(p.metric, p.metric)
    return scores_spec(names, scores, metric=metric, height=height,
                       title=f"{metric}: the network, {p.where}, beside classical baselines")


def scores_table(network: dict[str, float], baselines: list[Baseline]) -> list[dict[str, object]]:
    """One row per model (the network first), one column per test metric, values rounded to 3 places."""
    rows = [(NETWORK, network)] + [(b.label, b.test_metrics) for b in baselines]
    return [{"model": name, **{METRIC_LABELS[k]: round(v, 3) if np.isfinite(v) else None
                               for k, v in m.items()}} for name, m in rows]


def table_view(p: TabularPayload, baselines: list[Baseline]) -> dict:
    """Every test metric of the network (current weights) and each baseline, as a table chart."""
    title = f"Every metric on the test split (the network {p.where})"
    return table_spec(scores_table(p.metrics, baselines), title=title)


def data_summary(dataset: Dataset) -> dict[str, object]:
    n = {s: len(dataset.split(s)) for s in ("train", "val", "test")}
    return {"inputs": dataset.spec.input_shape[0], "task": dataset.task, **{f"{k} rows": v for k, v in n.items()},
            "classes": ", ".join(dataset.class_names) if dataset.class_names else "—"}
