"""The model registry. Families register builders here from their own modules.

Registry entry: key -> builder(cfg: ModelConfig, spec: DataSpec) -> nn.Module; meta `inputs` says
which data the family accepts ("vector", "image", "sequence", "tokens"); meta `describe` turns a
ModelConfig into an `Arch` (the one-line architecture the Runs table shows; `describe_model` reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from playground.registry import Registry

MODELS: Registry[Callable[..., nn.Module]] = Registry("model")


@dataclass(frozen=True)
class Arch:
    """A model's architecture in one line ("LSTM 32 × 2 layers") and two numbers runs can be compared on:
    layers with weights in the body, and their units summed (neurons, channels, state or token width)."""

    text: str
    layers: int
    units: int


def describe_model(cfg) -> Arch:
    """The Arch of a ModelConfig, from its family's registry entry."""
    return MODELS.entry(cfg.kind, "model.kind").meta["describe"](cfg)
