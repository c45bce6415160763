"""From a config to a ready Trainer: data, model and trainer built in one deterministic call.

`build(cfg)` is what the UI, the CLI, presets and tests call; it does not train.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from playground.config import ExperimentConfig, validate
from playground.data import Dataset, make_dataset
from playground.models import build_model
from playground.training import Trainer


@dataclass
class Experiment:
    cfg: ExperimentConfig
    dataset: Dataset
    model: nn.Module
    trainer: Trainer


def build(cfg: ExperimentConfig, dataset: Dataset | None = None, sources: dict | None = None) -> Experiment:
    """Validate `cfg`, then build data (unless given), model and trainer from it and its seed.

    `sources`: this session's uploaded data by id, for datasets that read `data.source`."""
    cfg = validate(cfg)
    dataset = dataset if dataset is not None else make_dataset(cfg.data, cfg.seed, sources)
    model = build_model(cfg.model, dataset.spec, cfg.seed)
    return Experiment(cfg, dataset, model, Trainer(model, dataset, cfg.train, cfg.seed))
