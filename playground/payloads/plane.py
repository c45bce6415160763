"""The 2-D lab's payload: predictions over the plane, neuron maps, weights, curves, gradient norms, diagnoses.

`plane_payload(exp, parts=...)` reads an Experiment (eval mode, no weight changes) and returns a
PlanePayload of numpy arrays and lists; parts not asked for stay None. Turning it into figures is
playground/views/plane.py's job; this module imports neither Plotly nor Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.diagnoses import diagnose, started
from playground.experiment import Experiment
from playground.models.mlp import MLP
from playground.payloads import check_parts
from playground.probes import make_grid, neuron_maps, output_on_grid

PARTS = ("boundary", "network", "curves", "diagnoses")
BOUNDARY_RESOLUTION = 64   # 64x64 float32 = 16 KB, 22 KB as base64; smooth with zsmooth="best"
NETWORK_RESOLUTION = 20    # per neuron thumbnail
MAX_POINTS = 500           # per curve: long runs are thinned to every k-th epoch


@dataclass(frozen=True)
class PlanePayload:
    epoch: int
    metric: str                                          # "accuracy" or "r2"
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    layer_names: tuple[str, ...]                         # input, hidden 1.., output
    points: dict[str, tuple[np.ndarray, np.ndarray]]     # split -> (xy [N, 2], y [N])
    xs: np.ndarray | None = None                         # boundary grid axes [R]
    ys: np.ndarray | None = None
    output: np.ndarray | None = None                     # [R, R, k] class probabilities or [R, R] values
    maps: list[np.ndarray] | None = None                 # per column [n_i, r, r]
    weights: list[np.ndarray] | None = None              # per gap [n_{i+1}, n_i] (output: its drawn row)
    biases: list[np.ndarray] | None = None               # per gap [n_{i+1}]
    history: dict[str, list] | None = None               # thinned columns: epoch, {split}_loss, grad_norms, ...
    diagnoses: tuple[dict, ...] | None = None            # {level, code, message}
    started: bool = False                                # training has begun (diagnoses are judged from then)
    where: str = ""                                      # Trainer.where(): the weights these maps come from


def plane_payload(exp: Experiment, parts: tuple[str, ...] = PARTS, *, resolution: int = BOUNDARY_RESOLUTION,
                  network_resolution: int = NETWORK_RESOLUTION) -> PlanePayload:
    check_parts(parts, PARTS)
    ds, trainer = exp.dataset, exp.trainer
    extra: dict = {}
    if "boundary" in parts:
        grid = make_grid(ds.extent, resolution)
        extra.update(xs=grid.xs, ys=grid.ys, output=output_on_grid(exp.model, ds, grid))
    if "network" in parts:
        extra.update(zip(("maps", "weights", "biases"), network_parts(exp, network_resolution)))
    if "curves" in parts:
        extra["history"] = thin(trainer.history)
    if "diagnoses" in parts:
        extra["diagnoses"] = tuple(dict(level=d.level, code=d.code, message=d.message)
                                   for d in diagnose(exp.model, ds, trainer.history))
    extra["started"] = started(trainer.history)
    extra["where"] = trainer.where()
    # the data on the plane; datasets that are not 2-D points (images, sequences: their labs show curves) have none
    points = {split: (ds.points[split], getattr(ds, split).y.numpy()) for split in ("train", "test")} \
        if getattr(ds, "points", None) else {}
    return PlanePayload(epoch=trainer.epoch, metric=trainer.metric, class_names=tuple(ds.class_names),
                        feature_names=tuple(ds.feature_names), layer_names=tuple(layer_names(exp)), points=points,
                        **extra)


def layer_names(exp: Experiment) -> list[str]:
    model = exp.model
    hidden = [f"hidden {i + 1}" for i in range(len(model.hidden))] if isinstance(model, MLP) else []
    return ["input"] + hidden + ["output"]


def network_parts(exp: Experiment, resolution: int):
    """(maps per column, weights per gap, biases per gap) as the diagram draws them."""
    model = exp.model
    maps = neuron_maps(model, exp.dataset, make_grid(exp.dataset.extent, resolution))
    linears = model.linears()
    weights = [lin.weight.detach().numpy().copy() for lin in linears]
    biases = [lin.bias.detach().numpy().copy() for lin in linears]
    # the output column shows one map (p(class 1) or the winner); draw edges into it from its first row
    if weights[-1].shape[0] != 1:
        weights[-1] = weights[-1][-1:] if weights[-1].shape[0] == 2 else weights[-1][:1]
        biases[-1] = biases[-1][-1:]
    return maps, weights, biases


def thin(history, max_points: int = MAX_POINTS) -> dict[str, list]:
    """Every k-th epoch record (and the last), so long runs draw fast; k grows with the run."""
    n = len(history)
    step = max(1, -(-n // max_points))
    keep = list(range(0, n, step)) + ([n - 1] if n and (n - 1) % step else [])
    return {k: [col[i] for i in keep] for k, col in history.columns.items()}
