"""A race on a real network: one dataset, identical initial weights, several training variants in lockstep.

Each variant is a dict of dotted overrides of `train.*` fields (optimizer, lr, batch size, ...); the
model and data fields stay those of the base config, so every runner starts from the same weights
(build_model seeds them from cfg.seed). Training goes through the foundation's Trainer. No drawing.
"""

from __future__ import annotations

from typing import Any

from playground.config import ExperimentConfig, with_values
from playground.data import make_dataset
from playground.experiment import Experiment, build
from playground.registry import ConfigError

BATCH_VARIANTS = {"full batch": {"train.batch_size": 0}, "mini-batch (32)": {"train.batch_size": 32},
                  "single sample": {"train.batch_size": 1}}


def network_race(base: ExperimentConfig, variants: dict[str, dict[str, Any]]) -> dict[str, Experiment]:
    """label -> Experiment; all share one Dataset object and start from identical weights."""
    dataset = make_dataset(base.data, base.seed)
    out = {}
    for label, overrides in variants.items():
        bad = [k for k in overrides if not k.startswith("train.")]
        if bad:
            raise ConfigError(bad[0], "a race varies training settings only, so every runner has the same weights")
        out[label] = build(with_values(base, overrides), dataset=dataset)
    return out


def race_epochs(runners: dict[str, Experiment], epochs: int) -> None:
    """Advance every runner by `epochs` epochs, one epoch at a time in turn (side by side)."""
    for _ in range(epochs):
        for exp in runners.values():
            if not exp.trainer.done:
                exp.trainer.run_epochs(1)
