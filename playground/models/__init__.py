"""Model builders: `build_model` over the MODELS registry. Importing this package registers every family
(each family module, e.g. models/mlp.py, registers itself; FAMILIES lists the modules to import)."""

from __future__ import annotations

import torch
from torch import nn

from playground.data.base import DataSpec
from playground.models.base import MODELS
from playground.models.layers import ACTIVATIONS, INITS, init_weights, seeded
from playground.models.mlp import MLP
from playground.registry import ConfigError, import_families

import_families(__name__, ("mlp", "cnn", "rnn", "transformer"))

MAX_PARAMETERS = 5_000_000  # a 2-core laptop CPU should still step in well under a second


def _construct(cfg, spec: DataSpec) -> nn.Module:
    """The registry builder's module (uninitialised), ConfigError for an impossible architecture."""
    builder = MODELS.get(cfg.kind, "model.kind")
    try:
        return builder(cfg, spec)
    except (ValueError, RuntimeError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError("model", f"cannot build this architecture: {err}") from None


def meta_model(cfg, spec: DataSpec) -> nn.Module:
    """The model on torch's meta device: every shape, no storage (microseconds for any size); what
    build_model counts before it allocates, and what playground/budget.py runs its estimate on."""
    with seeded(None), torch.device("meta"):   # builders may draw (init): leave the global generator be
        return _construct(cfg, spec)


def build_model(cfg, spec: DataSpec, seed: int = 0) -> nn.Module:
    """Build and initialise the model a ModelConfig names; same (cfg, spec, seed) -> same weights.

    Parameters are counted on the meta device first, so a huge declared shape (a checkpoint's, a URL's) is
    refused before its weights are allocated."""
    n = sum(p.numel() for p in meta_model(cfg, spec).parameters())
    if n > MAX_PARAMETERS:
        raise ConfigError("model", f"{n:,} parameters is over the limit of {MAX_PARAMETERS:,}; make it smaller")
    with seeded(seed):            # one thread at a time: the same weights for the same seed, whoever else builds
        model = _construct(cfg, spec)
        init_weights(model, cfg.init)
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = ["ACTIVATIONS", "INITS", "MAX_PARAMETERS", "MLP", "MODELS", "build_model", "count_parameters", "meta_model"]
