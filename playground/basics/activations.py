"""Activation analysis: f and f' of any registered activation, where it saturates, softmax with
cross-entropy, and the gradient that reaches each layer of a deep stack (vanishing gradients).

Derivatives come from autograd on the registered nn.Module, so a new activation needs no code here.
Deep stacks are real MLPs built by `build_model`. It draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.config import ModelConfig
from playground.data.base import CLASSIFICATION, DataSpec
from playground.models import build_model
from playground.models.layers import ACTIVATIONS

SATURATED = 0.05  # |f'(z)| below this counts as saturated: the gradient passes at under 5%


def curve(activation: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(z), f'(z)) as float32 arrays, f' by autograd through the registered module."""
    zt = torch.tensor(np.asarray(z, np.float32), requires_grad=True)  # (N,)
    f = ACTIVATIONS.get(activation, "model.activation")()(zt)
    (df,) = torch.autograd.grad(f.sum(), zt)
    return f.detach().numpy(), df.numpy()


def saturated_ranges(z: np.ndarray, df: np.ndarray, threshold: float = SATURATED) -> list[tuple[float, float]]:
    """Intervals of z where |f'(z)| < threshold (contiguous runs of the sampled z)."""
    flat = np.abs(df) < threshold
    ranges, start = [], None
    for i, s in enumerate(flat):
        if s and start is None:
            start = i
        if start is not None and (not s or i == len(flat) - 1):
            end = i if s else i - 1
            ranges.append((float(z[start]), float(z[end])))
            start = None
    return ranges


@dataclass(frozen=True)
class SoftmaxResult:
    logits: np.ndarray         # (K,)
    probs: np.ndarray          # (K,) softmax(logits)
    target: int
    cross_entropy: float       # -log probs[target], from F.cross_entropy
    grad: np.ndarray           # (K,) ∂CE/∂logits = probs - onehot(target)


def softmax_ce(logits: list[float] | np.ndarray, target: int, temperature: float = 1.0) -> SoftmaxResult:
    """Softmax of logits / temperature, the cross-entropy for `target`, and its gradient (autograd)."""
    z = torch.tensor(np.asarray(logits, np.float32), requires_grad=True)   # (K,)
    if not 0 <= target < len(z):
        raise ValueError(f"target class {target} is not one of 0..{len(z) - 1}")
    scaled = z / temperature
    ce = nn.functional.cross_entropy(scaled[None], torch.tensor([target]))
    (grad,) = torch.autograd.grad(ce, z)
    probs = torch.softmax(scaled, -1).detach().numpy()
    return SoftmaxResult(z.detach().numpy(), probs, target, ce.item(), grad.numpy())


def layer_gradients(activation: str, depth: int, *, width: int = 16, init: str = "xavier_uniform",
                    seed: int = 0, batch: int = 64) -> np.ndarray:
    """Mean |∂L/∂W| of every hidden layer (first to last) of a real MLP with `depth` hidden layers.

    Random Gaussian inputs (8 features) and random labels of 2 classes, cross-entropy loss: the
    gradient's size at layer 1 versus layer `depth` shows how much of the error signal survives.
    """
    cfg = ModelConfig(hidden=(width,) * depth, activation=activation, init=init)
    model = build_model(cfg, DataSpec(CLASSIFICATION, (8,), 2), seed)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 8, generator=gen)                  # (B, 8)
    y = torch.randint(0, 2, (batch,), generator=gen)          # (B,)
    nn.functional.cross_entropy(model(x), y).backward()
    return np.array([b.linear.weight.grad.abs().mean().item() for b in model.hidden], np.float32)  # (depth,)


def depth_table(activations: list[str], depth: int, **kw) -> dict[str, np.ndarray]:
    """Activation -> per-layer gradient sizes (see `layer_gradients`), one model per activation."""
    return {a: layer_gradients(a, depth, **kw) for a in activations}


def summary(activations: list[str], z: np.ndarray) -> list[dict[str, object]]:
    """One row per activation: f(0), f′(0), the largest |f′| and the share of z where it is saturated."""
    rows = []
    for key in activations:
        f, df = curve(key, z)
        i0 = int(np.argmin(np.abs(z)))
        rows.append({"activation": ACTIVATIONS.label(key), "f(0)": round(float(f[i0]), 3),
                     "f′(0)": round(float(df[i0]), 3), "max |f′|": round(float(np.abs(df).max()), 3),
                     f"saturated share of z in [{z[0]:g}, {z[-1]:g}]": f"{np.mean(np.abs(df) < SATURATED):.0%}",
                     "note": ACTIVATIONS.entry(key).description})
    return rows
