"""The multilayer perceptron: 0 to 16 hidden layers, each Linear -> [BatchNorm] -> activation -> [Dropout].

Blocks are named (`hidden[i].linear`, `.norm`, `.act`, `.drop`) so probes can hook activations and
the network diagram can read weights. Inputs with more than one axis are flattened first, so the same
builder serves as the pixel baseline for image data. It does not train.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn

from playground.data.base import DataSpec
from playground.models.base import MODELS, Arch
from playground.models.layers import ACTIVATIONS, Dropout


def layer_settings(cfg) -> list[tuple[int, str, float, bool]]:
    """(width, activation, dropout, batch_norm) per hidden layer, per-layer overrides applied."""
    def pick(overrides: tuple, i: int, default):
        return overrides[i] if i < len(overrides) else default

    return [(h, pick(cfg.layer_activations, i, cfg.activation), pick(cfg.layer_dropout, i, cfg.dropout),
             pick(cfg.layer_batch_norm, i, cfg.batch_norm)) for i, h in enumerate(cfg.hidden)]


class MLP(nn.Module):
    def __init__(self, in_features: int, settings: list[tuple[int, str, float, bool]], n_out: int):
        super().__init__()
        self.flatten = nn.Flatten()
        blocks, prev = [], in_features
        for width, act, p, bn in settings:
            parts: OrderedDict[str, nn.Module] = OrderedDict(linear=nn.Linear(prev, width))
            if bn:
                parts["norm"] = nn.BatchNorm1d(width)
            parts["act"] = ACTIVATIONS.get(act)()
            if p > 0:
                parts["drop"] = Dropout(p)
            blocks.append(nn.Sequential(parts))
            prev = width
        self.hidden = nn.ModuleList(blocks)
        self.head = nn.Linear(prev, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.flatten(x)          # (B, F)
        for block in self.hidden:
            x = block(x)             # (B, H_i)
        return self.head(x)          # (B, n_out): logits, or regression values

    def linears(self) -> list[nn.Linear]:
        """Every weight layer in order, the head last (the network diagram's edges)."""
        return [b.linear for b in self.hidden] + [self.head]


def build_mlp(cfg, spec: DataSpec) -> MLP:
    return MLP(math.prod(spec.input_shape), layer_settings(cfg), spec.n_outputs)


def describe_mlp(cfg) -> Arch:
    text = f"MLP hidden {','.join(map(str, cfg.hidden))}" if cfg.hidden else "MLP, no hidden layer"
    return Arch(text, len(cfg.hidden), sum(cfg.hidden))


MODELS.add("mlp", build_mlp, "MLP", "fully connected layers", inputs="vector", describe=describe_mlp)
