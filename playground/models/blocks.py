"""A model's blocks, the unit of freezing and of per-block learning-rate scales (train.freeze, train.lr_scales,
train.unfreeze_every), and which of them are frozen at an epoch.

A block is a parameterised top-level child of the model, in forward (registration) order, with ModuleLists
expanded: a CNN is convs.0, convs.1, ..., head_layers.0, ..., out; an MLP hidden.0, ..., head; an RNN embed,
rnn, head; a Transformer embed, positions, blocks.0, ..., ln, head. A model holding parameters of its own
(a bare nn.Linear) is one block, named "". Here the blocks are named, checked against the config and
frozen; the optimizer's groups are built in playground/optimizers.py. It does not train.
"""

from __future__ import annotations

from torch import nn

from playground.registry import ConfigError


def blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of each block from the input side; names work with model.get_submodule."""
    if any(True for _ in model.parameters(recurse=False)):
        return [("", model)]
    out = []
    for name, child in model.named_children():
        parts = child.named_children() if isinstance(child, nn.ModuleList) else [(None, child)]
        for sub, module in parts:
            if any(True for _ in module.parameters()):
                out.append((name if sub is None else f"{name}.{sub}", module))
    return out


def check_blocks(cfg, n_blocks: int) -> None:
    """ConfigError naming train.freeze (it must leave a block to train) or train.lr_scales (at most one scale
    per block) when they ask for more blocks than the model has."""
    if cfg.freeze >= n_blocks:   # with every block frozen nothing would train (and backward has nothing to do)
        raise ConfigError("train.freeze", f"freezes {cfg.freeze} blocks, but this model has {n_blocks}: at most "
                                          f"{n_blocks - 1}, so that at least the output block trains")
    if len(cfg.lr_scales) > n_blocks:
        raise ConfigError("train.lr_scales", f"gives {len(cfg.lr_scales)} scales, but this model has "
                                             f"{n_blocks} blocks (at most {n_blocks} scales)")


def frozen_at(cfg, epoch: int) -> int:
    """How many blocks from the input side are frozen during 0-based `epoch`: with gradual unfreezing one
    block fewer every unfreeze_every epochs (the last frozen one, next to the trained part), else freeze."""
    if cfg.unfreeze_every:
        return max(0, cfg.freeze - epoch // cfg.unfreeze_every)
    return cfg.freeze


def lr_scale(cfg, index: int) -> float:
    """The lr multiplier of block `index` (0 = input side); blocks past train.lr_scales use 1."""
    return cfg.lr_scales[index] if index < len(cfg.lr_scales) else 1.0


def apply_freeze(model: nn.Module, n_frozen: int) -> None:
    """Freeze the first n_frozen blocks (no gradient is computed for them, so no optimizer moves them) and keep
    them in eval mode (batch-norm statistics and dropout fixed, as in feature extraction); the rest train.
    Puts the model in train mode: call it wherever the model is set to train."""
    model.train()
    for i, (_, block) in enumerate(blocks(model)):
        frozen = i < n_frozen
        block.requires_grad_(not frozen)
        if frozen:
            block.eval()
