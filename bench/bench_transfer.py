"""Transfer strategies: seconds per epoch of the Trainer against a plain PyTorch loop on the same model, and how
much cheaper a frozen backbone is than full training, measured in one run.

The model is the shipped backbones' CNN (conv 8, 16, 32, kernel 3, padding 1, max pool, relu, no batch norm) with
no hidden head layer, so its blocks are convs.0, convs.1, convs.2, out; the data 900 random 1x16x16 training
images of 5 classes (plus 100 validation and 100 test images), batch 32, Adam. Strategies: the lab's own
(playground/transfer/strategies.py): from scratch (freeze 0), linear probe (freeze 3), last block (freeze 2),
discriminative lr scales (1/2.6 per block: 0.15, 0.38, 1), gradual unfreezing (freeze 3, one block more every
2 epochs). The plain loop builds the same param groups by
hand, sets requires_grad False and eval mode on frozen blocks, and only trains; the Trainer also evaluates
every split at each epoch end (256 training samples, validation, test), as in the app. Every round trains each
strategy once in each loop from the same initial weights, interleaved to share machine noise; medians and
ranges over rounds are printed (after one untimed warm-up round).

    python bench/bench_transfer.py [--rounds 5] [--epochs 6]
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import ExperimentConfig, with_values
from playground.data.base import CLASSIFICATION, Dataset, DataSpec, Split
from playground.models import build_model
from playground.models.blocks import frozen_at
from playground.training import Trainer
from playground.transfer.strategies import STRATEGIES as STRATEGY_REGISTRY
from playground.transfer.strategies import overrides

BASE = {"model.kind": "cnn", "model.cnn.channels": (8, 16, 32), "model.cnn.kernel": 3, "model.cnn.padding": 1,
        "model.cnn.pool": "max", "model.activation": "relu", "model.hidden": (), "model.batch_norm": False,
        "train.optimizer": "adam", "train.lr": 0.003, "train.batch_size": 32}
BASE_CFG = with_values(ExperimentConfig(), BASE)
# the lab's strategies (playground/transfer/strategies.py), each a set of overrides of BASE: one definition
STRATEGIES = {STRATEGY_REGISTRY.label(k): overrides(BASE_CFG, k) for k in STRATEGY_REGISTRY}
FULL = STRATEGY_REGISTRY.label("scratch")   # every block trains: the reference
NAMES = ["convs.0", "convs.1", "convs.2", "out"]   # the model's blocks, by hand


def random_images(seed: int = 0) -> Dataset:
    """900/100/100 random 1x16x16 images in [0, 1] with 5 random classes."""
    gen = torch.Generator().manual_seed(seed)

    def split(n: int) -> Split:
        return Split(torch.rand(n, 1, 16, 16, generator=gen), torch.randint(5, (n,), generator=gen))

    return Dataset(DataSpec(CLASSIFICATION, (1, 16, 16), 5), split(900), split(100), split(100),
                   class_names=tuple("abcde"))


def trainer_seconds(model: nn.Module, data: Dataset, cfg, epochs: int) -> float:
    """Seconds per epoch of the Trainer (its own training clock: steps and epoch-end evaluation)."""
    trainer = Trainer(model, data, cfg.train, cfg.seed)
    trainer.run_epochs(epochs)
    return trainer.train_seconds / epochs


def plain_seconds(model: nn.Module, data: Dataset, cfg, epochs: int) -> float:
    """Seconds per epoch of a hand-written loop: groups by hand, frozen blocks without gradient in eval mode."""
    t = cfg.train
    parts = [model.get_submodule(n) for n in NAMES]
    scales = [t.lr_scales[i] if i < len(t.lr_scales) else 1.0 for i in range(len(parts))]
    opt = torch.optim.Adam([{"params": list(m.parameters()), "lr": t.lr * s} for m, s in zip(parts, scales)])
    loss_fn, gen = nn.CrossEntropyLoss(), torch.Generator().manual_seed(cfg.seed)
    x_all, y_all = data.train.x, data.train.y
    n, bs = len(x_all), t.batch_size
    t0 = time.perf_counter()
    for epoch in range(epochs):
        frozen = frozen_at(t, epoch)
        model.train()
        for i, m in enumerate(parts):
            m.requires_grad_(i >= frozen)
            if i < frozen:
                m.eval()
        perm = torch.randperm(n, generator=gen)
        x, y = x_all[perm], y_all[perm]
        for i in range(0, n - 1, bs):
            loss = loss_fn(model(x[i:i + bs]), y[i:i + bs])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return (time.perf_counter() - t0) / epochs


def spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms [{min(values) * 1000:5.1f}-{max(values) * 1000:5.1f}]"


def ratio(a: list[float], b: list[float]) -> float:
    """Median of the per-round ratios a/b (rounds share the machine's noise)."""
    return statistics.median(x / y for x, y in zip(a, b))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = random_images()
    cfgs = {name: with_values(ExperimentConfig(), {**BASE, **values}) for name, values in STRATEGIES.items()}
    start = build_model(cfgs[FULL].model, data.spec, 0)   # the same initial weights for all
    times: dict[str, dict[str, list[float]]] = {name: {"trainer": [], "plain": []} for name in STRATEGIES}
    for cfg in cfgs.values():   # warm-up (allocator, first-call costs), not timed
        trainer_seconds(copy.deepcopy(start), data, cfg, 1)
        plain_seconds(copy.deepcopy(start), data, cfg, 1)
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for name, cfg in cfgs.items():
            times[name]["trainer"].append(trainer_seconds(copy.deepcopy(start), data, cfg, args.epochs))
            times[name]["plain"].append(plain_seconds(copy.deepcopy(start), data, cfg, args.epochs))
    full = times[FULL]
    print(f"seconds per epoch (28 steps of 32 images), median [range] over {args.rounds} rounds of {args.epochs} "
          f"epochs each; load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"{'strategy':<42} {'trainer':>24} {'plain loop':>24} {'trainer/plain':>14} {'/full (trainer)':>16} "
          f"{'/full (plain)':>14}")
    for name, t in times.items():
        print(f"{name:<42} {spread(t['trainer']):>24} {spread(t['plain']):>24} "
              f"{ratio(t['trainer'], t['plain']):>14.2f} {ratio(t['trainer'], full['trainer']):>16.2f} "
              f"{ratio(t['plain'], full['plain']):>14.2f}")
    print("trainer = training plus its epoch-end evaluation of every split (as in the app); plain = training only. "
          "/full: seconds per epoch relative to full training in the same loop. Ratios: medians of per-round ratios.")


if __name__ == "__main__":
    main()
