"""The convolutional network: conv blocks (Conv2d -> [BatchNorm] -> activation -> [pool] -> [Dropout]) and
an MLP head (`model.hidden`), plus a per-layer table of output shapes and parameter counts.

Blocks are named `convs[i].conv/.norm/.act/.pool/.drop` and head layers `head_layers[i].linear/...`, so
probes, Grad-CAM and the filter view find them by name. One activation module per use (no functional or
in-place activations), as Captum's DeepLift and GuidedBackprop need. Impossible shapes are rejected
before any module is built, with a ConfigError naming the block. It does not train.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from playground.data.base import DataSpec
from playground.models.base import MODELS, Arch
from playground.models.layers import ACTIVATIONS, Dropout
from playground.models.mlp import layer_settings
from playground.registry import ConfigError, Registry

POOLINGS: Registry[type[nn.Module] | None] = Registry("pooling")
POOLINGS.add("max", nn.MaxPool2d, "Max pool 2×2", "keep the largest value of each 2×2 window: halves the size")
POOLINGS.add("avg", nn.AvgPool2d, "Average pool 2×2", "average each 2×2 window: halves the size")
POOLINGS.add("none", None, "No pooling", "keep the size (use stride to shrink instead)")


def conv_shapes(cfg, input_shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(channels, height, width) after each conv block; ConfigError naming the block if impossible."""
    c = cfg.cnn
    if len(input_shape) != 3:
        raise ConfigError("model.kind", f"a CNN needs images (C, H, W), but this data has inputs {input_shape}")
    _, h, w = input_shape
    shapes = []
    for i, ch in enumerate(c.channels):
        if min(h, w) + 2 * c.padding < c.kernel:
            raise ConfigError("model.cnn.kernel", f"conv block {i + 1}: its input is {h}×{w}, smaller than the "
                              f"{c.kernel}×{c.kernel} kernel with padding {c.padding}; use fewer blocks, more "
                              "padding or a smaller kernel")
        h, w = (h + 2 * c.padding - c.kernel) // c.stride + 1, (w + 2 * c.padding - c.kernel) // c.stride + 1
        if c.pool != "none":
            if min(h, w) < 2:
                raise ConfigError("model.cnn.pool", f"conv block {i + 1}: its output is {h}×{w}, too small to "
                                  "pool 2×2; use fewer blocks, stride 1, or no pooling")
            h, w = h // 2, w // 2
        shapes.append((ch, h, w))
    return shapes


class CNN(nn.Module):
    def __init__(self, cfg, spec: DataSpec):
        super().__init__()
        c = cfg.cnn
        shapes = conv_shapes(cfg, spec.input_shape)
        pool = POOLINGS.get(c.pool, "model.cnn.pool")
        blocks, prev = [], spec.input_shape[0]
        for ch in c.channels:
            parts: OrderedDict[str, nn.Module] = OrderedDict(
                conv=nn.Conv2d(prev, ch, c.kernel, stride=c.stride, padding=c.padding))
            if cfg.batch_norm:
                parts["norm"] = nn.BatchNorm2d(ch)
            parts["act"] = ACTIVATIONS.get(cfg.activation, "model.activation")()
            if pool is not None:
                parts["pool"] = pool(2)
            if cfg.dropout > 0:
                parts["drop"] = Dropout(cfg.dropout)
            blocks.append(nn.Sequential(parts))
            prev = ch
        self.convs = nn.ModuleList(blocks)
        self.flatten = nn.Flatten()
        head, width = [], math.prod(shapes[-1])
        for h, act, p, bn in layer_settings(cfg):
            parts = OrderedDict(linear=nn.Linear(width, h))
            if bn:
                parts["norm"] = nn.BatchNorm1d(h)
            parts["act"] = ACTIVATIONS.get(act, "model.activation")()
            if p > 0:
                parts["drop"] = Dropout(p)
            head.append(nn.Sequential(parts))
            width = h
        self.head_layers = nn.ModuleList(head)
        self.out = nn.Linear(width, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.convs:
            x = block(x)             # (B, C_i, H_i, W_i)
        x = self.flatten(x)          # (B, C*H*W)
        for layer in self.head_layers:
            x = layer(x)             # (B, H_j)
        return self.out(x)           # (B, classes): logits

    def conv_layer_names(self) -> list[str]:
        """Dotted names of every Conv2d (the layers Grad-CAM and the filter view can use)."""
        return [f"convs.{i}.conv" for i in range(len(self.convs))]


def build_cnn(cfg, spec: DataSpec) -> CNN:
    return CNN(cfg, spec)


def describe_cnn(cfg) -> Arch:
    c = cfg.cnn
    head = f", head {','.join(map(str, cfg.hidden))}" if cfg.hidden else ""
    return Arch(f"CNN conv {','.join(map(str, c.channels))} ({c.kernel}×{c.kernel}, {c.pool} pool){head}",
                len(c.channels) + len(cfg.hidden), sum(c.channels) + sum(cfg.hidden))


MODELS.add("cnn", build_cnn, "CNN", "convolution blocks, then fully connected layers", inputs="image",
           describe=describe_cnn)


# ---------------------------------------------------------------- the layer table

@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: tuple[int, ...]   # per sample, batch axis dropped
    parameters: int


def layer_table(model: nn.Module, input_shape: tuple[int, ...]) -> list[LayerRow]:
    """Every leaf module in forward order with its output shape and parameter count (one dummy pass)."""
    rows: list[LayerRow] = []
    leaves = [(n, m) for n, m in model.named_modules() if n and not list(m.children())]

    def hook(name: str):
        def fn(m: nn.Module, _inp, out) -> None:
            rows.append(LayerRow(name, type(m).__name__, tuple(out.shape[1:]),
                                 sum(p.numel() for p in m.parameters(recurse=False))))
        return fn

    handles = [m.register_forward_hook(hook(n)) for n, m in leaves]
    was = model.training
    model.eval()
    try:
        with torch.inference_mode():
            model(torch.zeros((1, *input_shape)))
    finally:
        model.train(was)
        for h in handles:
            h.remove()
    return rows
