"""The model registry. Families register builders here from their own modules.

Registry entry: key -> builder(cfg: ModelConfig, spec: DataSpec) -> nn.Module; meta `inputs` says
which data the family accepts ("vector", "image", "sequence", "tokens").
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from playground.registry import Registry

MODELS: Registry[Callable[..., nn.Module]] = Registry("model")
