"""The OPTIMIZERS and SCHEDULES registries: optimizer factories from a TrainConfig, and learning-rate
multipliers per epoch (with warm-up) through `lr_at`; `set_lr`, the one writer of a learning rate into an
optimizer. Nothing here trains or draws.

`make_optimizer` gives one param group per block of the model (playground/models/blocks.py), each carrying
its block name ("block") and lr multiplier ("lr_scale", train.lr_scales) as extra keys, which torch keeps
in param_groups and in the optimizer's state_dict. A group's lr is the base lr times its scale, and
`set_lr` keeps it so: every schedule step, live change, rebuilt optimizer and range test goes through it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from playground.models.blocks import blocks, check_blocks, lr_scale
from playground.registry import Registry

OPTIMIZERS: Registry[Callable[..., torch.optim.Optimizer]] = Registry("optimizer")


def _sgd(params, c, momentum=None, nesterov=None):
    m = c.momentum if momentum is None else momentum
    nest = (c.nesterov if nesterov is None else nesterov) and m > 0
    return torch.optim.SGD(params, lr=c.lr, momentum=m, nesterov=nest, weight_decay=c.weight_decay)


OPTIMIZERS.add("sgd", _sgd, "SGD", "w ← w − lr·g (momentum and Nesterov optional)")
OPTIMIZERS.add("momentum", lambda p, c: _sgd(p, c, momentum=c.momentum or 0.9), "Momentum",
               "SGD with a velocity term (0.9 unless set)")
OPTIMIZERS.add("nesterov", lambda p, c: _sgd(p, c, momentum=c.momentum or 0.9, nesterov=True), "Nesterov",
               "momentum that looks ahead")
OPTIMIZERS.add("adam", lambda p, c: torch.optim.Adam(p, lr=c.lr, betas=(c.beta1, c.beta2),
                                                     weight_decay=c.weight_decay),
               "Adam", "per-weight step sizes from running moments")
OPTIMIZERS.add("adamw", lambda p, c: torch.optim.AdamW(p, lr=c.lr, betas=(c.beta1, c.beta2),
                                                       weight_decay=c.weight_decay),
               "AdamW", "Adam with decoupled weight decay")
# train.beta2 is RMSprop's alpha (the decay of its running mean of g²), as it is Adam's second-moment decay
OPTIMIZERS.add("rmsprop", lambda p, c: torch.optim.RMSprop(p, lr=c.lr, alpha=c.beta2, momentum=c.momentum,
                                                           weight_decay=c.weight_decay),
               "RMSprop", "divides by a running RMS of gradients (decay alpha = beta2)")
OPTIMIZERS.add("adagrad", lambda p, c: torch.optim.Adagrad(p, lr=c.lr, weight_decay=c.weight_decay),
               "AdaGrad", "divides by the root of all past squared gradients")


def make_optimizer(cfg, model: nn.Module, lr: float | None = None) -> torch.optim.Optimizer:
    """The optimizer cfg names over one param group per block, at base rate `lr` (cfg.lr unless given: a
    rebuilt optimizer takes the current scheduled rate). ConfigError if freeze/lr_scales ask for too many blocks."""
    named = blocks(model)
    check_blocks(cfg, len(named))
    groups = [{"params": list(block.parameters()), "block": name, "lr_scale": lr_scale(cfg, i)}
              for i, (name, block) in enumerate(named)]
    optimizer = OPTIMIZERS.get(cfg.optimizer, "train.optimizer")(groups, cfg)
    set_lr(optimizer, cfg.lr if lr is None else lr)
    return optimizer


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set base rate `lr`: each group's lr becomes lr x its lr_scale (1 for a group without one)."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_scale", 1.0)


def set_scales(optimizer: torch.optim.Optimizer, cfg, lr: float) -> None:
    """Apply a live change of train.lr_scales (moments kept), at base rate `lr`."""
    for i, group in enumerate(optimizer.param_groups):
        group["lr_scale"] = lr_scale(cfg, i)
    set_lr(optimizer, lr)


def live_settings(cfg) -> dict[str, Any]:
    """Param-group values a live config change may set without rebuilding the optimizer (moments kept).

    Each key is set only in groups that have it: `betas` (Adam, AdamW), `alpha` (RMSprop: train.beta2).
    """
    return {"momentum": cfg.momentum, "weight_decay": cfg.weight_decay, "betas": (cfg.beta1, cfg.beta2),
            "alpha": cfg.beta2}


# Schedules map (epoch, cfg) -> multiplier of the base learning rate; warm-up applies to all.
SCHEDULES: Registry[Callable[[int, Any], float]] = Registry("schedule")
SCHEDULES.add("constant", lambda e, c: 1.0, "Constant", "the same rate every epoch")
SCHEDULES.add("step", lambda e, c: c.gamma ** (e // c.step_size), "Step decay",
              "multiply by gamma every step_size epochs")
SCHEDULES.add("exponential", lambda e, c: c.gamma ** (e / c.step_size), "Exponential decay",
              "smooth decay: gamma per step_size epochs")
SCHEDULES.add("cosine", lambda e, c: 0.5 * (1 + math.cos(math.pi * min(e / _period(c), 1.0))), "Cosine",
              "half a cosine from lr to 0 over max_epochs (or step_size)")
SCHEDULES.add("cosine_restarts", lambda e, c: 0.5 * (1 + math.cos(math.pi * (e % c.step_size) / c.step_size)),
              "Cosine with restarts", "cosine over step_size epochs, then again (SGDR)")
SCHEDULES.add("inverse_sqrt", lambda e, c: 1.0 / math.sqrt(1 + e / c.step_size), "Inverse square root",
              "lr / √(1 + epoch/step_size)")


def _period(c) -> int:
    return c.max_epochs or c.step_size


def lr_at(cfg, epoch: int) -> float:
    """The learning rate the schedule (and warm-up) gives for `epoch` (0-based)."""
    mult = SCHEDULES.get(cfg.schedule, "train.schedule")(epoch, cfg)
    if cfg.warmup_epochs:
        mult *= min(1.0, (epoch + 1) / (cfg.warmup_epochs + 1))
    return cfg.lr * mult
