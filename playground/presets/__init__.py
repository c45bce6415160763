"""Presets: named, described ExperimentConfigs, one module per lab. Importing this registers them all.

PRESETS maps a key to an ExperimentConfig (meta `lab` says which page opens it). `get_preset`
returns the config; the CLI lists them with `python -m playground presets`.
"""

from __future__ import annotations

from playground.config import ExperimentConfig
from playground.presets.base import PRESETS, preset

from playground.presets import toy2d  # noqa: E402,F401  (registers the 2-D lab's presets)


def get_preset(name: str) -> ExperimentConfig:
    return PRESETS.get(name, "preset")


__all__ = ["PRESETS", "get_preset", "preset"]
