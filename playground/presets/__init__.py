"""Presets: named, described ExperimentConfigs, one module per lab. Importing this registers them all.

PRESETS maps a key to an ExperimentConfig (meta `lab` says which page opens it). `get_preset`
returns the config; the CLI lists them with `python -m playground presets`.
"""

from __future__ import annotations

from playground.config import ExperimentConfig
from playground.presets.base import PRESETS, preset
from playground.registry import import_families

# one module per lab, each registering its presets
import_families(__name__, ("toy2d", "basics", "images", "sequences", "transformers", "optimizers",
                           "regularization", "tabular", "transfer"))


def get_preset(name: str) -> ExperimentConfig:
    return PRESETS.get(name, "preset")


__all__ = ["PRESETS", "get_preset", "preset"]
