"""The preset registry and a helper that builds a preset from dotted overrides of the defaults."""

from __future__ import annotations

from typing import Any

from playground.config import ExperimentConfig, with_values
from playground.registry import Registry

PRESETS: Registry[ExperimentConfig] = Registry("preset")


def preset(key: str, label: str, description: str, values: dict[str, Any], **meta: Any) -> ExperimentConfig:
    """Register `ExperimentConfig()` with `values` (dotted keys) applied; meta `lab` defaults to the config's."""
    cfg = with_values(ExperimentConfig(), values)
    PRESETS.add(key, cfg, label, description, lab=meta.pop("lab", cfg.lab), **meta)
    return cfg
