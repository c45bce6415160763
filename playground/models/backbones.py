"""Pretrained backbones: the conv blocks (`convs.*` tensors) of a CNN trained on one task, loaded into a new CNN.

A Backbone carries its conv state dict (a shipped one is read lazily from playground/data/assets/backbones/NAME.pt
with `torch.load(weights_only=True)`, after its sha256 is checked against NAME.json), the config that made it,
its metrics, its source dataset and its checksum. BACKBONES registers the shipped ones found beside this
package; `backbone_from_run` makes one of any CNN run in a person's history (the UI keeps those per session
and passes them to build() in `sources` under "run:<id>", so a visitor can only name their own runs).

- `backbone_overrides(name, sources)`: the model settings (kind, conv blocks, activation, batch norm) that
  make a config fit a backbone; the lab applies them when a person picks one.
- `check_backbone(cfg, spec, sources)`: every refusal, as ConfigError("model.backbone", ...), before any
  model is built: unknown name, a run not in this session, not a CNN, other conv blocks, other image
  channels, images too small for the blocks, a file whose checksum differs from its record.
- `load_backbone(model, cfg, spec, sources)`: copies the tensors into the built model; returns a copy of them.

PRETRAIN holds the recipe of each shipped backbone (playground/commands/pretrain.py trains it through the
normal build()/Trainer). This module does not train; the head (head_layers, out) is never part of a backbone.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from torch import nn

from playground.config import ExperimentConfig, from_dict, with_values
from playground.data.base import DataSpec
from playground.models.cnn import conv_shapes
from playground.registry import ConfigError, Registry

ASSETS = Path(__file__).resolve().parents[1] / "data" / "assets" / "backbones"
PREFIX = "convs."            # a backbone is the CNN's conv blocks; the head is new for the target task
RUN_PREFIX = "run:"

# The architecture every shipped backbone shares: 1x16x16 -> 8x8x8 -> 16x4x4 -> 32x2x2 (128 features).
ARCH: dict[str, Any] = {"model.kind": "cnn", "model.cnn.channels": (8, 16, 32), "model.cnn.kernel": 3,
                        "model.cnn.stride": 1, "model.cnn.padding": 1, "model.cnn.pool": "max",
                        "model.activation": "relu", "model.batch_norm": False}
# The settings compared between a backbone and a target model (model.kind is checked first, on its own).
FIT_FIELDS = ("cnn.channels", "cnn.kernel", "cnn.stride", "cnn.padding", "cnn.pool", "activation", "batch_norm")


# ---------------------------------------------------------------- the pretraining recipes

@dataclass(frozen=True)
class PretrainSpec:
    """How a shipped backbone is made: source dataset, the shared architecture, optimizer, epochs, seed."""

    name: str
    dataset: str
    epochs: int
    label: str
    description: str
    augment: tuple[str, ...] = ("shift", "rotate")   # fresh each epoch (data/augment.py)
    seed: int = 0
    lr: float = 0.003

    def config(self) -> ExperimentConfig:
        # A linear head on the 128 conv features (no hidden layer): the features themselves must separate the
        # classes, which is what a linear probe on the target task reuses. Dropout 0.3 and fresh shifts and
        # rotations keep the features general: on digits 5-9 with 5 labels per class a linear probe on the 0-4
        # backbone scored 0.66 without them, 0.71 with dropout alone, 0.73 with both (3 seeds; scratch 0.60).
        return with_values(ExperimentConfig(), {
            **ARCH, "lab": "images", "seed": self.seed, "data.name": self.dataset, "data.train_fraction": 0.7,
            "data.val_fraction": 0.1, "data.image.augment": self.augment, "model.hidden": (),
            "model.dropout": 0.3, "model.init": "kaiming_uniform", "train.optimizer": "adam", "train.lr": self.lr,
            "train.batch_size": 32, "train.max_epochs": self.epochs})


PRETRAIN: dict[str, PretrainSpec] = {s.name: s for s in (
    PretrainSpec("digits_0_4", "digits_0_4", 60, "Digits 0-4",
                 "conv blocks trained on handwritten digits 0 to 4: strokes and loops"),
    PretrainSpec("shapes", "shapes", 60, "Shapes", "conv blocks trained on drawn shapes: edges, corners, curves"),
    PretrainSpec("textures", "textures", 60, "Textures",
                 "conv blocks trained on brick, grass and gravel: fine texture, far from digits",
                 augment=()),   # shifted and rotated 16x16 patches blur: test accuracy 0.76; 0.96 without
)}


# ---------------------------------------------------------------- a backbone

def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def tensors_sha256(tensors: Mapping[str, torch.Tensor]) -> str:
    """A checksum of in-memory tensors (names, shapes and bytes, in name order)."""
    h = hashlib.sha256()
    for k in sorted(tensors):
        t = tensors[k].detach().cpu().contiguous()
        h.update(f"{k}:{tuple(t.shape)}:{t.dtype};".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class Backbone:
    """Conv-block weights with what made them. Shipped: `path` to its .pt, read on first use; a run's: `tensors`."""

    name: str                         # a shipped name, or "run:<id>"
    cfg: ExperimentConfig             # the config that trained it
    metrics: dict[str, Any]           # shipped: {split: {"loss", "accuracy"}}; a run's: its final metrics
    source: str                       # the dataset it was trained on
    sha256: str                       # of the .pt file (shipped) or of the tensors (a run's)
    channels: int                     # image channels its first conv expects
    path: Path | None = None
    tensors: dict[str, torch.Tensor] | None = None

    @cached_property
    def state(self) -> dict[str, torch.Tensor]:
        """The convs.* tensors (read once, checksum first; never handed out to be changed: load_backbone copies)."""
        if self.tensors is not None:
            return self.tensors
        assert self.path is not None
        raw = self.path.read_bytes()
        if file_sha256(raw) != self.sha256:
            raise ConfigError("model.backbone", f"the weights file of backbone {self.name!r} ({self.path.name}) "
                              "does not match its recorded sha256: it was changed or is corrupt; make it again "
                              f"with `python -m playground pretrain {self.name}`")
        state = torch.load(io.BytesIO(raw), weights_only=True)
        if not isinstance(state, dict) or not state or any(not k.startswith(PREFIX) for k in state):
            raise ConfigError("model.backbone", f"backbone {self.name!r}: {self.path.name} holds no conv blocks")
        return state


def read_backbone(json_path: Path) -> Backbone:
    """A shipped backbone from its NAME.json record (its NAME.pt beside it is read on first use)."""
    rec = json.loads(json_path.read_text())
    return Backbone(rec["name"], from_dict(ExperimentConfig, rec["config"]), rec["metrics"], rec["source"],
                    rec["sha256"], int(rec["input_shape"][0]), path=json_path.with_suffix(".pt"))


BACKBONES: Registry[Backbone] = Registry("backbone")
for _spec in PRETRAIN.values():
    if (ASSETS / f"{_spec.name}.json").is_file():      # absent only before `python -m playground pretrain`
        BACKBONES.add(_spec.name, read_backbone(ASSETS / f"{_spec.name}.json"), _spec.label, _spec.description,
                      source=_spec.dataset)


def backbone_from_run(info, store) -> Backbone:
    """A CNN run of the history (store.RunInfo, its RunStore) as a backbone; ConfigError for any other model."""
    kind = info.cfg.model.kind
    if kind != "cnn":
        raise ConfigError("model.backbone", f"run {info.name or info.id!r} is a {kind} model; only a CNN run's "
                          "conv blocks can be a backbone")
    tensors = {k: v.detach().clone() for k, v in store.weights(info.id).items() if k.startswith(PREFIX)}
    return Backbone(f"{RUN_PREFIX}{info.id}", info.cfg, dict(info.metrics), info.cfg.data.name,
                    tensors_sha256(tensors), int(tensors[f"{PREFIX}0.conv.weight"].shape[1]), tensors=tensors)


# ---------------------------------------------------------------- picking and loading one

def resolve(name: str, sources: Mapping[str, Any] | None = None) -> Backbone:
    """The Backbone `model.backbone` names: a shipped one, or a run this session passed in `sources`."""
    if name.startswith(RUN_PREFIX):
        found = (sources or {}).get(name)
        if not isinstance(found, Backbone):
            raise ConfigError("model.backbone", f"{name} is not one of your runs in this session; pick a CNN run "
                              "from your history again")
        return found
    if name not in BACKBONES:
        raise ConfigError("model.backbone", f"unknown backbone {name!r}; choose one of: "
                          f"{', '.join(BACKBONES) or '(none shipped)'}, or run:<id> of one of your CNN runs")
    return BACKBONES.get(name)


def backbone_overrides(name: str, sources: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Dotted model settings that make a config's conv blocks fit backbone `name` (for with_values)."""
    m = resolve(name, sources).cfg.model
    return {"model.kind": "cnn", **{f"model.{f}": _get(m, f) for f in FIT_FIELDS}}


def _get(model_cfg, dotted: str) -> Any:
    obj = model_cfg
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _blocks(m) -> str:
    c = m.cnn
    return (f"conv {','.join(map(str, c.channels))}, kernel {c.kernel}, stride {c.stride}, padding {c.padding}, "
            f"{c.pool} pool, {m.activation}{', batch norm' if m.batch_norm else ''}")


def check_backbone(cfg: ExperimentConfig, spec: DataSpec, sources: Mapping[str, Any] | None = None) -> Backbone:
    """The backbone cfg.model.backbone names, if it fits this model and these images; ConfigError otherwise."""
    bb = resolve(cfg.model.backbone, sources)
    m, theirs = cfg.model, bb.cfg.model
    if m.kind != "cnn":
        raise ConfigError("model.backbone", f"a backbone is the conv blocks of a CNN; this model is a {m.kind} "
                          "(set model.kind to cnn)")
    if any(_get(m, f) != _get(theirs, f) for f in FIT_FIELDS):
        raise ConfigError("model.backbone", f"backbone {bb.name!r} has conv blocks ({_blocks(theirs)}) that differ "
                          f"from this model's ({_blocks(m)}); pick the backbone again to apply its blocks")
    shape = spec.input_shape
    if len(shape) != 3:
        raise ConfigError("model.backbone", f"backbone {bb.name!r} needs images (C, H, W); this data has inputs "
                          f"of shape {shape}")
    if shape[0] != bb.channels:
        kinds = {1: "grey", 3: "RGB"}
        raise ConfigError("model.backbone", f"backbone {bb.name!r} was trained on {kinds.get(bb.channels, '')} "
                          f"images of {bb.channels} channel(s); these images have {shape[0]} "
                          f"({kinds.get(shape[0], '?')}): pick a backbone trained on {shape[0]}-channel images")
    try:
        conv_shapes(theirs, shape)
    except ConfigError as err:
        raise ConfigError("model.backbone", f"images of {shape[1]}×{shape[2]} pixels are too small for backbone "
                          f"{bb.name!r}'s {len(theirs.cnn.channels)} conv blocks ({err.message})") from None
    bb.state  # noqa: B018  (read now: a corrupt or tampered file is refused before anything is built)
    return bb


def load_backbone(model: nn.Module, cfg: ExperimentConfig, spec: DataSpec,
                  sources: Mapping[str, Any] | None = None) -> dict[str, torch.Tensor]:
    """Copy the backbone's convs.* tensors into `model` (built from `cfg` for `spec`); return a copy of them."""
    state = check_backbone(cfg, spec, sources).state
    own = model.state_dict()
    with torch.no_grad():
        for k, v in state.items():
            own[k].copy_(v)                      # same shapes: check_backbone compared the blocks
    return {k: v.detach().clone() for k, v in state.items()}


__all__ = ["ARCH", "ASSETS", "BACKBONES", "PRETRAIN", "Backbone", "PretrainSpec", "backbone_from_run",
           "backbone_overrides", "check_backbone", "file_sha256", "load_backbone", "read_backbone",
           "resolve", "tensors_sha256"]
