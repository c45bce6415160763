"""Trainer overhead: steps/s of playground's Trainer against a plain PyTorch loop, measured in one run.

Both loops train the same model (same seed, same weights), on the same data, with the same optimizer,
batch size and per-epoch shuffling; the Trainer also evaluates all three splits and records history
at each epoch end, as it does in the app. Rounds alternate between the two to share machine noise.

    python bench/bench_trainer.py [--steps 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset
from playground.training import make_loss, make_optimizer

CASES = {
    "circle, MLP [4,2] tanh, SGD, batch 10 (TF Playground default)": get_preset("tf_circle"),
    "spiral, MLP 6x8 relu, Adam, batch 10 (TF's largest net)": with_values(
        get_preset("tf_spiral"), {"model.hidden": (8,) * 6, "model.activation": "relu", "train.optimizer": "adam",
                                  "train.lr": 0.003}),
    "moons, MLP [32,32] relu, Adam, batch 32": with_values(
        get_preset("tf_circle"), {"data.name": "moons", "model.hidden": (32, 32), "model.activation": "relu",
                                  "train.optimizer": "adam", "train.batch_size": 32, "train.lr": 0.01}),
}


def plain_loop(cfg, steps: int) -> float:
    """The loop a person would write by hand: shuffle per epoch, slice batches, step. Returns steps/s."""
    exp = build(cfg)  # only for an identical model and data; its Trainer is not used
    model, train = exp.model, exp.dataset.train
    opt, loss_fn = make_optimizer(cfg.train, model), make_loss(cfg.train.loss, exp.dataset.task)
    gen = torch.Generator().manual_seed(cfg.seed)
    n, bs = len(train), cfg.train.batch_size
    done = 0
    t0 = time.perf_counter()
    while done < steps:
        perm = torch.randperm(n, generator=gen)
        x, y = train.x[perm], train.y[perm]
        for i in range(0, n - 1, bs):
            loss = loss_fn(model(x[i:i + bs]), y[i:i + bs])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            done += 1
            if done == steps:
                break
    return steps / (time.perf_counter() - t0)


def trainer_loop(cfg, steps: int) -> float:
    exp = build(cfg)
    t0 = time.perf_counter()
    exp.trainer.step(steps)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'case':<62} {'plain steps/s':>14} {'trainer steps/s':>16} {'ratio':>7}")
    for name, cfg in CASES.items():
        plain_loop(cfg, 200), trainer_loop(cfg, 200)  # warm up both paths
        plain, ours = [], []
        for _ in range(args.rounds):
            plain.append(plain_loop(cfg, args.steps))
            ours.append(trainer_loop(cfg, args.steps))
        p, t = statistics.median(plain), statistics.median(ours)
        print(f"{name:<62} {p:>14,.0f} {t:>16,.0f} {t / p:>7.3f}")
    print("ratio = trainer / plain (goal >= 0.95); the trainer also evaluates 3 splits and records history per epoch")


if __name__ == "__main__":
    main()
