"""From a config to a ready Trainer: data, model and trainer built in one deterministic call.

`build(cfg)` is what the UI, the CLI, presets, sweeps, reopened runs and tests call; it does not train. It is
also the one budget gate (playground/budget.py): a config whose estimated peak memory or compute per step is
over this server's budget is refused with a ConfigError naming the field to change, before its data (when
the config alone sizes it) or its model is allocated. A config naming `model.backbone` gets that backbone's conv
blocks copied into its model (playground/models/backbones.py), checked (budget.check's `fits`) before the model
is sized or built.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import torch
from torch import nn

from playground import budget
from playground.config import ExperimentConfig, validate
from playground.data import Dataset, make_dataset
from playground.models import build_model
from playground.models.backbones import check_backbone, load_backbone
from playground.training import Trainer


@dataclass
class Experiment:
    cfg: ExperimentConfig
    dataset: Dataset
    model: nn.Module
    trainer: Trainer
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)   # who it is, kept by copies (a worker's)
    pretrained: dict[str, torch.Tensor] | None = None   # model.backbone's tensors loaded at build (name -> tensor)


def build(cfg: ExperimentConfig, dataset: Dataset | None = None, sources: dict | None = None) -> Experiment:
    """Validate `cfg`, then build data (unless given), model and trainer from it and its seed.

    `sources`: this session's uploaded data by id, for datasets that read `data.source`, and the backbones made
    of this session's runs by "run:<id>" (models/backbones.py backbone_from_run), for `model.backbone`."""
    cfg = validate(cfg)
    fits = (lambda spec: check_backbone(cfg, spec, sources)) if cfg.model.backbone else None   # before sizing
    if dataset is None and budget.sized_by_config(cfg):
        budget.check(cfg, fits=fits)          # generated or bundled data: checked before it is made
        dataset = make_dataset(cfg.data, cfg.seed, sources)
    else:                                     # an upload (read under its reader's caps), or data given
        dataset = dataset if dataset is not None else make_dataset(cfg.data, cfg.seed, sources)
        budget.check(cfg, dataset, fits=fits)
    model = build_model(cfg.model, dataset.spec, cfg.seed)
    pretrained = load_backbone(model, cfg, dataset.spec, sources) if cfg.model.backbone else None
    return Experiment(cfg, dataset, model, Trainer(model, dataset, cfg.train, cfg.seed), pretrained=pretrained)
