"""The loss landscape around a model's weights (Li et al. 2018, "Visualizing the Loss Landscape").

Directions are random Gaussian tensors rescaled filter by filter (each output unit's row gets the norm
of that row of the weights; biases and norm parameters get zero), or the top two principal directions
of a recorded training trajectory. `loss_slice` evaluates the loss on a grid of a·d1 + b·d2 around the
weights; `interpolate` runs the 1-D line between two weight sets (Goodfellow et al. 2015). Everything
runs on a deep copy in eval mode: the live model is never touched.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.data.base import Split


def flat_params(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def _load_flat(model: nn.Module, flat: torch.Tensor) -> None:
    torch.nn.utils.vector_to_parameters(flat, list(model.parameters()))


def filter_normalized_direction(model: nn.Module, generator: torch.Generator) -> torch.Tensor:
    """A random direction in weight space, flat, with each filter scaled to its weights' norm."""
    parts = []
    for p in model.parameters():
        w = p.detach()
        if w.dim() <= 1:                      # biases, batch-norm scales: left out (Li et al.)
            parts.append(torch.zeros_like(w).reshape(-1))
            continue
        d = torch.randn(w.shape, generator=generator)                        # (out, in...)
        rows_d, rows_w = d.reshape(d.shape[0], -1), w.reshape(w.shape[0], -1)
        scale = rows_w.norm(dim=1, keepdim=True) / (rows_d.norm(dim=1, keepdim=True) + 1e-10)
        parts.append((rows_d * scale).reshape(-1))
    return torch.cat(parts)


class WeightTrail:
    """A Trainer callback keeping the flat weights after every `every` epochs (for trajectory views)."""

    def __init__(self, model: nn.Module, every: int = 1, limit: int = 400):
        self.every, self.limit = every, limit
        self.points: list[torch.Tensor] = [flat_params(model)]
        self.epochs: list[int] = [0]

    def __call__(self, trainer, record: dict) -> None:
        if trainer.epoch % self.every == 0:
            self.points.append(flat_params(trainer.model))
            self.epochs.append(trainer.epoch)
            if len(self.points) > self.limit:         # keep the start, thin the rest
                self.points, self.epochs = self.points[:1] + self.points[2::2], self.epochs[:1] + self.epochs[2::2]
                self.every *= 2


def attach_trail(trainer) -> WeightTrail:
    """The trainer's WeightTrail, attached now if it has none."""
    for cb in trainer.callbacks:
        if isinstance(cb, WeightTrail):
            return cb
    trail = WeightTrail(trainer.model)
    trainer.callbacks.append(trail)
    return trail


def pca_directions(points: list[torch.Tensor], center: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two main directions of (trajectory - center), unit length."""
    m = torch.stack([p - center for p in points])          # (T, P)
    if len(points) < 3 or float(m.abs().max()) == 0:
        raise ValueError("train a few epochs first: the trajectory has fewer than 3 distinct points")
    _, _, v = torch.linalg.svd(m, full_matrices=False)
    return v[0], v[1]


@dataclass(frozen=True)
class Landscape:
    """Loss on a grid a·d1 + b·d2 around the weights; the trajectory's coordinates in that plane."""

    alphas: np.ndarray   # (R,)
    betas: np.ndarray    # (R,)
    loss: np.ndarray     # (R, R): rows are betas
    path: np.ndarray     # (T, 2) trajectory coordinates, or (0, 2)
    path_epochs: list[int]


def _loss(model: nn.Module, loss_fn: nn.Module, split: Split) -> float:
    with torch.inference_mode():
        return float(loss_fn(model(split.x), split.y))


def loss_slice(model: nn.Module, loss_fn: nn.Module, split: Split, *, mode: str = "random",
               trail: WeightTrail | None = None, span: float = 1.0, resolution: int = 21,
               seed: int = 0) -> Landscape:
    """mode 'random': filter-normalised random plane; 'pca': the plane of the trail's main directions
    (random until the trail has 3 points)."""
    probe = copy.deepcopy(model).eval()
    center = flat_params(model)
    if mode == "pca" and (trail is None or len(trail.points) < 3):
        mode = "random"               # too short a path to have two main directions yet
    if mode == "pca":
        d1, d2 = pca_directions(trail.points, center)
        span = span * max(float((torch.stack(trail.points) - center).norm(dim=1).max()), 1e-3)
    else:
        gen = torch.Generator().manual_seed(seed)
        d1, d2 = filter_normalized_direction(model, gen), filter_normalized_direction(model, gen)
    coords = np.linspace(-span, span, resolution, dtype=np.float32)
    loss = np.empty((resolution, resolution), np.float32)
    for i, b in enumerate(coords):
        for j, a in enumerate(coords):
            _load_flat(probe, center + float(a) * d1 + float(b) * d2)
            loss[i, j] = _loss(probe, loss_fn, split)
    path, epochs = np.zeros((0, 2), np.float32), []
    if trail is not None:
        basis = torch.stack([d1, d2], 1)                                    # (P, 2)
        offsets = torch.stack(trail.points) - center                        # (T, P)
        path = torch.linalg.lstsq(basis, offsets.T).solution.T.numpy().astype(np.float32)   # (T, 2)
        epochs = list(trail.epochs)
    return Landscape(coords, coords, loss, path, epochs)


def interpolate(model: nn.Module, start: nn.Module, loss_fn: nn.Module, split: Split, *,
                lo: float = -0.5, hi: float = 1.5, n: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """(alphas [n], loss [n]) along (1-α)·start + α·model: α=0 is `start`, α=1 the current weights."""
    probe = copy.deepcopy(model).eval()
    a0, a1 = flat_params(start), flat_params(model)
    alphas = np.linspace(lo, hi, n, dtype=np.float32)
    losses = np.empty(n, np.float32)
    for i, a in enumerate(alphas):
        _load_flat(probe, (1 - float(a)) * a0 + float(a) * a1)
        losses[i] = _loss(probe, loss_fn, split)
    return alphas, losses
