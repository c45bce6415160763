"""A model's blocks (the unit that train.freeze, train.lr_scales and train.unfreeze_every count in) and how
many are frozen at an epoch.

A block is a parameterised top-level child in forward order, ModuleLists expanded: for the CNN convs.0, ...,
head_layers.0, ..., out; for the MLP hidden.0, ..., out. It does not freeze anything or build optimizers.
(Smallest version for the transfer lab; the Trainer's helper owns the full one.)
"""

from __future__ import annotations

from torch import nn


def blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(dotted name, module) of every parameterised block, from the input side."""
    out: list[tuple[str, nn.Module]] = []
    for name, child in model.named_children():
        parts = child.named_children() if isinstance(child, nn.ModuleList) else [("", child)]
        for sub, m in parts:
            if any(True for _ in m.parameters()):
                out.append((f"{name}.{sub}" if sub else name, m))
    return out


def frozen_at(cfg, epoch: int) -> int:
    """Blocks frozen from the input side at `epoch` (cfg: TrainConfig): train.freeze, less one every
    train.unfreeze_every completed epochs (gradual unfreezing), never below 0."""
    if cfg.unfreeze_every:
        return max(cfg.freeze - epoch // cfg.unfreeze_every, 0)
    return cfg.freeze
