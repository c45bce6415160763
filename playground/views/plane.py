"""The 2-D Playground lab's views: boundary, network diagram, curves and gradient flow of an Experiment.

Each function reads the experiment (model in eval mode, no weight changes) and returns a go.Figure, or
PNG bytes for the `*_frame` builders and `frame=True` (what the live loop shows while playing).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.experiment import Experiment
from playground.figures import boundary_figure, curves_figure, gradient_flow_figure, network_figure
from playground.figures.line_frames import curves_png, gradient_png
from playground.figures.raster import boundary_png, network_png
from playground.models.mlp import MLP
from playground.probes import make_grid, neuron_maps, output_on_grid


def _points(exp: Experiment, show_test: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    ds = exp.dataset
    points = {"train": (ds.points["train"], ds.train.y.numpy())}
    if show_test:
        points["test"] = (ds.points["test"], ds.test.y.numpy())
    return points


def boundary_view(exp: Experiment, *, resolution: int = 100, discretize: bool = False,
                  show_test: bool = True, height: int = 420) -> go.Figure:
    grid = make_grid(exp.dataset.extent, resolution)
    output = output_on_grid(exp.model, exp.dataset, grid)
    return boundary_figure(grid.xs, grid.ys, output, _points(exp, show_test), class_names=exp.dataset.class_names,
                           discretize=discretize, height=height)


def boundary_frame(exp: Experiment, *, resolution: int = 60, discretize: bool = False, show_test: bool = True,
                   size: int = 420) -> bytes:
    """The boundary as a JPEG frame, for live updates (see figures/raster.py for why; JPEG: a smooth image)."""
    output = output_on_grid(exp.model, exp.dataset, make_grid(exp.dataset.extent, resolution))
    return boundary_png(output, exp.dataset.extent, _points(exp, show_test), size=size, discretize=discretize,
                        fmt="JPEG")


def layer_names(exp: Experiment) -> list[str]:
    model = exp.model
    hidden = [f"hidden {i + 1}" for i in range(len(model.hidden))] if isinstance(model, MLP) else []
    return ["input"] + hidden + ["output"]


def _network_parts(exp: Experiment, resolution: int):
    """(maps per column, weights per gap, biases per gap) as the diagram draws them."""
    model = exp.model
    maps = neuron_maps(model, exp.dataset, make_grid(exp.dataset.extent, resolution))
    linears = model.linears()
    weights = [lin.weight.detach().numpy() for lin in linears]
    biases = [lin.bias.detach().numpy() for lin in linears]
    # the output column shows one map (p(class 1) or the winner); draw edges into it from its first row
    if weights[-1].shape[0] != 1:
        weights[-1] = weights[-1][-1:] if weights[-1].shape[0] == 2 else weights[-1][:1]
        biases[-1] = biases[-1][-1:]
    return maps, weights, biases


def network_view(exp: Experiment, *, resolution: int = 20, selected: tuple[int, int, int] | None = None,
                 height: int | None = None) -> go.Figure:
    maps, weights, biases = _network_parts(exp, resolution)
    labels = [list(exp.dataset.feature_names)] + [[] for _ in maps[1:]]
    return network_figure(layer_names(exp), maps, weights, biases, node_labels=labels, selected=selected,
                          height=height)


def network_frame(exp: Experiment, *, resolution: int = 16, width: int = 640) -> bytes:
    """The network diagram as a JPEG frame, for live updates (quality 90: thin lines stay clean)."""
    maps, weights, _ = _network_parts(exp, resolution)
    return network_png(layer_names(exp), maps, weights, width=width, fmt="JPEG")


def thin(history, max_points: int = 500) -> dict[str, list]:
    """Every k-th epoch record (and the last), so long runs draw fast; k grows with the run."""
    n = len(history)
    step = max(1, -(-n // max_points))
    keep = list(range(0, n, step)) + ([n - 1] if n and (n - 1) % step else [])
    return {k: [col[i] for i in keep] for k, col in history.columns.items()}


def curves_view(exp: Experiment, *, log_loss: bool = False, height: int = 300, frame: bool = False,
                width: int = 840) -> go.Figure | bytes:
    """Loss and metric curves: a Plotly figure, or with frame=True a PNG for live updates (ui.charts.chart),
    drawn for a column about `width` pixels wide (so its text shows at its own size)."""
    history, metric = thin(exp.trainer.history), exp.trainer.metric
    if frame:
        return curves_png(history, metric, log_loss=log_loss, height=height, width=width)
    return curves_figure(history, metric, log_loss=log_loss, height=height)


def gradient_view(exp: Experiment, *, height: int = 300, frame: bool = False) -> go.Figure | bytes:
    hist = thin(exp.trainer.history)
    names = layer_names(exp)[1:]  # weight layer i feeds column i+1 of the diagram
    build = gradient_png if frame else gradient_flow_figure
    return build(hist.get("epoch", []), hist.get("grad_norms", []), names, height=height)


def set_weight(exp: Experiment, gap: int, to: int, frm: int, value: float) -> None:
    """Edit one weight of the network diagram: gap g joins column g to column g+1 (0 = input side)."""
    import torch

    lin = exp.model.linears()[gap]
    if not np.isfinite(value):
        raise ValueError("a weight must be a finite number")
    with torch.no_grad():
        lin.weight[to, frm] = float(value)
