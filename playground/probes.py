"""Looking inside a model: activations, maps over the input plane and gradient flow (diagnoses.py reads them).

Probes use forward hooks and read `.grad`; they never change weights or training state. Outputs are
numpy float32 arrays and small dataclasses, ready for the figure builders. Functions that evaluate
the model run it in eval mode under `torch.inference_mode` and restore its mode afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.data.base import CLASSIFICATION, Dataset
from playground.models.layers import ACTIVATIONS
from playground.models.mlp import MLP


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    was = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield model
    finally:
        model.train(was)


def probe_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules whose outputs count as a model's 'layers': MLP blocks, else activation modules."""
    if isinstance(model, MLP):
        return [(f"hidden {i + 1}", block) for i, block in enumerate(model.hidden)]
    act_types = tuple(type(ACTIVATIONS.get(k)()) for k in ACTIVATIONS)
    return [(name, m) for name, m in model.named_modules() if isinstance(m, act_types) and name]


def layer_outputs(model: nn.Module, x: torch.Tensor,
                  layers: list[tuple[str, nn.Module]] | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(model output, [output of each probe layer]) for inputs x, in eval mode."""
    layers = probe_layers(model) if layers is None else layers
    outs: list[torch.Tensor] = []
    handles = [m.register_forward_hook(lambda _m, _i, o: outs.append(o)) for _, m in layers]
    try:
        with eval_mode(model):
            y = model(x)
    finally:
        for h in handles:
            h.remove()
    return y, outs


# ---------------------------------------------------------------- the input plane (2-D data)

@dataclass(frozen=True)
class Grid:
    """A square grid over the plane: axis coordinates [R] and the points [R*R, 2] (row-major in y)."""

    xs: np.ndarray
    ys: np.ndarray
    points: np.ndarray


def make_grid(extent: tuple[float, float, float, float], resolution: int) -> Grid:
    xs = np.linspace(extent[0], extent[1], resolution, dtype=np.float32)
    ys = np.linspace(extent[2], extent[3], resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return Grid(xs, ys, np.stack([gx.ravel(), gy.ravel()], 1))


def output_on_grid(model: nn.Module, dataset: Dataset, grid: Grid) -> np.ndarray:
    """Model output over the plane: class probabilities [R, R, k], or regression values [R, R]."""
    r = len(grid.xs)
    x = torch.from_numpy(dataset.featurize(grid.points))
    with eval_mode(model):
        out = model(x)
    if dataset.task == CLASSIFICATION:
        return torch.softmax(out, -1).numpy().reshape(r, r, -1)
    return out[:, 0].numpy().reshape(r, r)


def neuron_maps(model: MLP, dataset: Dataset, grid: Grid) -> list[np.ndarray]:
    """What every neuron computes over the plane: [inputs [F,R,R], hidden 1 [H1,R,R], ..., output [1,R,R]].

    The output map is p(class 1) for two classes, the winning class's probability for k classes,
    or the regression value.
    """
    r = len(grid.xs)
    x = torch.from_numpy(dataset.featurize(grid.points))                     # (R*R, F)
    out, hidden = layer_outputs(model, x)
    maps = [x.T.reshape(-1, r, r)] + [h.T.reshape(-1, r, r) for h in hidden]
    if dataset.task == CLASSIFICATION:
        p = torch.softmax(out, -1)
        final = p[:, 1] if p.shape[1] == 2 else p.max(-1).values
    else:
        final = out[:, 0]
    maps.append(final.reshape(1, r, r))
    return [m.numpy().astype(np.float32) for m in maps]


# ---------------------------------------------------------------- gradients

@dataclass(frozen=True)
class LayerGrad:
    name: str
    weight_norm: float
    grad_norm: float
    grad_mean_abs: float

    @property
    def ratio(self) -> float:
        """|grad| / |w|: the relative size of one step's update (times the lr)."""
        return self.grad_norm / self.weight_norm if self.weight_norm else 0.0


def gradient_flow(model: nn.Module) -> list[LayerGrad]:
    """Per weight matrix: norms of the weights and of their current gradient (from the last step)."""
    rows = []
    for name, p in model.named_parameters():
        if p.dim() < 2:
            continue
        g = p.grad
        rows.append(LayerGrad(name.removesuffix(".weight"), float(p.detach().norm()),
                              float(g.norm()) if g is not None else 0.0,
                              float(g.abs().mean()) if g is not None else 0.0))
    return rows
