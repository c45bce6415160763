"""Sanity check for attribution maps: cascading model randomisation (Adebayo et al., 2018).

Starting from the output layer, the weights of one more layer are re-drawn at random at each stage
(cumulatively, top-down) on a copy of the model, and every method's map for the same input and target
is compared with its map on the trained model by Spearman's rank correlation of |attribution|.
A method whose map barely changes while the model is destroyed explains the input, not the model.
Beside the chosen methods runs Adebayo et al.'s control: an edge detector of the input (Sobel
magnitude), which ignores the model entirely, so the check must flag it. `rank_correlation` is the
app's one Spearman's rho (the Explain hub's agreement between methods uses it too).
The trained model is never touched. This module does not draw.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from scipy.stats import rankdata
from torch import nn

from playground.explain import explain, seeded_options

CONTROL = "edge_detector"     # the model-independent control "method" (Sobel magnitude of the input)
CONTROL_LABEL = "Edge detector (control)"
# A method fails (is flagged) when its rho with the trained map stays >= FLAG_AT at every randomised stage.
# Digits CNN, 3 seeds x 5 test images, 3 epochs: lowest rho over the stages is <= 0.15 for Saliency and
# Grad-CAM, 0.16-0.48 for SmoothGrad, >= 0.85 for IG and DeepLift, >= 0.63 for GradientSHAP, 1 for the
# control; Guided Backprop straddles the line (0.34-0.55).
FLAG_AT = 0.5


@dataclass(frozen=True)
class SanityResult:
    stages: list[str]         # "trained", then each layer randomised so far (top-down)
    methods: list[str]        # the methods asked for, then CONTROL
    similarity: np.ndarray    # float32 [methods, stages]: rank correlation with the trained model's map
    maps: dict[str, list[np.ndarray]]  # method -> its [H, W] map at every stage (channels summed)

    @property
    def flagged(self) -> list[bool]:
        """Per method: does its map stay like the trained one (rho >= FLAG_AT) at every randomised stage?
        (The lowest stage, not the last: a Grad-CAM map can drift back towards rho ~0.7 by chance.)"""
        return [bool(s[1:].min() >= FLAG_AT) if len(s) > 1 else False for s in self.similarity]


def parameter_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules that own parameters directly, in registration (forward) order."""
    return [(n, m) for n, m in model.named_modules() if n and any(True for _ in m.parameters(recurse=False))]


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float | np.ndarray:
    """Spearman's rho of a and b along the last axis, ties ranked by their average rank (= scipy's spearmanr).

    1-D inputs give a float; [N, F] inputs give one rho per row, shape [N]. 0 where either side is
    constant (spearmanr would give NaN). Flatten maps before calling.
    """
    ra = rankdata(a, method="average", axis=-1)
    rb = rankdata(b, method="average", axis=-1)
    ra = ra - ra.mean(-1, keepdims=True)
    rb = rb - rb.mean(-1, keepdims=True)
    den = np.sqrt((ra * ra).sum(-1) * (rb * rb).sum(-1))
    constant = (np.ptp(a, axis=-1) == 0) | (np.ptp(b, axis=-1) == 0)
    rho = np.where(constant, 0.0, (ra * rb).sum(-1) / np.where(constant, 1.0, den))
    return float(rho) if rho.ndim == 0 else rho


def edge_map(x: torch.Tensor) -> np.ndarray:
    """Sobel gradient magnitude of one input [1, C, H, W], summed over channels: [H, W]."""
    img = x[0].detach().numpy().astype(np.float64)
    mag = [np.hypot(ndimage.sobel(c, axis=0), ndimage.sobel(c, axis=1)) for c in img]
    return np.sum(mag, axis=0).astype(np.float32)


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


def _map(model: nn.Module, x: torch.Tensor, target: int, method: str, layer: str | None, seed: int,
         data: torch.Tensor | None) -> np.ndarray:
    if method == CONTROL:
        return edge_map(x)
    # A fresh generator per stage: random methods draw the same baselines and noise at every stage,
    # so only the model changes between stages.
    opts = seeded_options(method, seed, x if data is None else data)
    out = explain(model, x, target, method=method, layer=layer, **opts).attributions   # (1, C, H, W)
    return np.abs(out[0]).sum(0).astype(np.float32)                                    # (H, W)


def cascading_randomization(model: nn.Module, x: torch.Tensor, target: int, methods: list[str], *,
                            layer: str | None = None, seed: int = 0, data: torch.Tensor | None = None
                            ) -> SanityResult:
    """Compare each method's map on the trained model with maps as layers are randomised top-down.

    x: one input [1, C, H, W]; `layer` is the conv layer for layer methods (Grad-CAM); `data` [K, C, H, W]
    are the rows GradientSHAP draws its baselines from (the training images). The control runs last.
    """
    names = [*methods, CONTROL]
    work = copy.deepcopy(model).eval()
    gen = torch.Generator().manual_seed(seed)
    first = {m: _map(work, x, target, m, layer, seed, data) for m in names}
    stages, maps = ["trained"], {m: [first[m]] for m in names}
    for name, module in reversed(parameter_layers(work)):
        _randomise(module, gen)
        stages.append(name)
        for m in names:
            maps[m].append(_map(work, x, target, m, layer, seed, data))
    sim = np.array([[rank_correlation(first[m].ravel(), s.ravel()) for s in maps[m]] for m in names],
                   dtype=np.float32)
    return SanityResult(stages, names, sim, maps)
