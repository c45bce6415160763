"""Sanity check for attribution maps: cascading model randomisation (Adebayo et al., 2018).

Starting from the output layer, the weights of one more layer are re-drawn at random at each stage
(cumulatively, top-down) on a copy of the model, and every method's map for the same input and target
is compared with its map on the trained model by the Spearman rank correlation of |attribution|.
A method whose map barely changes while the model is destroyed explains the input, not the model.
The trained model is never touched. This module does not draw.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.explain import explain


@dataclass(frozen=True)
class SanityResult:
    stages: list[str]         # "trained", then each layer randomised so far (top-down)
    methods: list[str]
    similarity: np.ndarray    # float32 [methods, stages]: rank correlation with the trained model's map
    maps: dict[str, list[np.ndarray]]  # method -> its [H, W] map at every stage (channels summed)


def parameter_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules that own parameters directly, in registration (forward) order."""
    return [(n, m) for n, m in model.named_modules() if n and any(True for _ in m.parameters(recurse=False))]


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation of two arrays (flattened); 0 where either is constant."""
    ra = np.argsort(np.argsort(a.ravel())).astype(np.float64)
    rb = np.argsort(np.argsort(b.ravel())).astype(np.float64)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def _randomise(module: nn.Module, gen: torch.Generator) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters(recurse=False):
            if name == "weight" and p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / np.sqrt(fan_in))
            elif name == "weight":
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))


def _map(model: nn.Module, x: torch.Tensor, target: int, method: str, layer: str | None) -> np.ndarray:
    out = explain(model, x, target, method=method, layer=layer).attributions   # (1, C, H, W)
    return np.abs(out[0]).sum(0).astype(np.float32)                              # (H, W)


def cascading_randomization(model: nn.Module, x: torch.Tensor, target: int, methods: list[str], *,
                            layer: str | None = None, seed: int = 0) -> SanityResult:
    """Compare each method's map on the trained model with maps as layers are randomised top-down.

    x: one input [1, C, H, W]; `layer` is the conv layer for layer methods (Grad-CAM).
    """
    work = copy.deepcopy(model).eval()
    gen = torch.Generator().manual_seed(seed)
    first = {m: _map(work, x, target, m, layer) for m in methods}
    stages, maps = ["trained"], {m: [first[m]] for m in methods}
    for name, module in reversed(parameter_layers(work)):
        _randomise(module, gen)
        stages.append(name)
        for m in methods:
            maps[m].append(_map(work, x, target, m, layer))
    sim = np.array([[rank_correlation(first[m], s) for s in maps[m]] for m in methods], dtype=np.float32)
    return SanityResult(stages, list(methods), sim, maps)
