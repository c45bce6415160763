"""Learning rates: every schedule of the SCHEDULES registry drawn over epochs, and the LR range test.

The range test (Smith 2017) trains a copy of the model while raising the learning rate exponentially
step by step and records the smoothed loss; a good rate sits about ten times below the rate of lowest loss.
The rate is the base one: each block's group gets it times its train.lr_scales entry, and the blocks frozen at
the first epoch stay frozen. The live model is never touched. It does not draw.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from playground.config import TrainConfig
from playground.data.base import Dataset
from playground.models.blocks import apply_freeze, frozen_at
from playground.objectives import make_loss
from playground.optimizers import SCHEDULES, lr_at, make_optimizer, set_lr


def schedule_curves(cfg: TrainConfig, epochs: int, schedules: list[str] | None = None) -> dict[str, np.ndarray]:
    """label -> learning rate per epoch [epochs] for each schedule (all registered by default)."""
    out = {}
    for key in schedules or SCHEDULES.keys():
        c = replace(cfg, schedule=key)
        out[SCHEDULES.label(key)] = np.array([lr_at(c, e) for e in range(epochs)], np.float32)
    return out


@dataclass(frozen=True)
class RangeTest:
    lrs: np.ndarray        # (S,)
    loss: np.ndarray       # (S,) exponentially smoothed
    suggested: float       # a tenth of the rate at the lowest smoothed loss


def lr_range_test(model: torch.nn.Module, dataset: Dataset, cfg: TrainConfig, *, lo: float = 1e-5,
                  hi: float = 10.0, steps: int = 100, seed: int = 0, smooth: float = 0.9) -> RangeTest:
    """Raise lr from lo to hi over `steps` mini-batches on a copy of `model`; stop when the loss explodes."""
    model = copy.deepcopy(model)
    apply_freeze(model, frozen_at(cfg, 0))    # train mode; the blocks frozen at the start stay frozen
    loss_fn = make_loss(cfg.loss, dataset.task)
    opt = make_optimizer(cfg, model, lo)      # one group per block, each at lr x its lr_scale
    gen = torch.Generator().manual_seed(seed)
    train = dataset.train
    bs = len(train) if cfg.batch_size == 0 else max(2, min(cfg.batch_size, len(train)))
    factor = (hi / lo) ** (1 / max(steps - 1, 1))
    lrs, losses, avg, best = [], [], 0.0, math.inf
    for i in range(steps):
        lr = lo * factor ** i
        set_lr(opt, lr)
        idx = torch.randint(len(train), (bs,), generator=gen)
        loss = loss_fn(model(train.x[idx]), train.y[idx])
        value = float(loss.detach())
        if not math.isfinite(value):
            break
        avg = smooth * avg + (1 - smooth) * value
        smoothed = avg / (1 - smooth ** (i + 1))                # bias-corrected
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if smoothed > 4 * best and i > 5:
            break
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    lrs_a, loss_a = np.array(lrs, np.float32), np.array(losses, np.float32)
    return RangeTest(lrs_a, loss_a, suggest(lrs_a, loss_a))


def suggest(lrs: np.ndarray, loss: np.ndarray) -> float:
    """A tenth of the rate at the smoothed loss's minimum (Smith's and fastai's rule of thumb)."""
    if len(loss) < 5:
        return float(lrs[0]) if len(lrs) else float("nan")
    skip = max(3, len(loss) // 10)           # the first smoothed values rest on a handful of batches
    return float(lrs[skip + int(np.argmin(loss[skip:]))] / 10)
