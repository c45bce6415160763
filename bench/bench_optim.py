"""Optimizer, clinic and sweep overheads, as ratios measured in one run (run on a quiet machine).

1. Test-function race: points/s of `run_path` (registry optimizer, path recording) against a bare
   PyTorch loop on the same function, per optimizer.
2. Network race and twins: epochs/s of N runners advanced side by side against one Trainer alone
   (the ideal ratio is 1/N).
3. Loss landscape: seconds for a 21x21 slice and a 41-point line on the preset's training split.
4. Sweeps: seconds per trial with SQLite storage and median pruning, against the same training
   run directly (the ratio is Optuna's and SQLite's overhead).

    python bench/bench_optim.py [--steps 2000] [--trials 6] [--epochs 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import TrainConfig, with_values
from playground.experiment import build
from playground.group import RunGroup
from playground.optim.functions import FUNCTIONS, run_path
from playground.optim.landscape import WeightTrail, interpolate, loss_slice
from playground.optimizers import OPTIMIZERS
from playground.presets import get_preset
from playground.sweeps import Sweep, parse_param, run_sweep


def bare_path(fn, cfg: TrainConfig, steps: int) -> None:
    p = torch.nn.Parameter(torch.tensor(fn.start, dtype=torch.float64))
    opt = OPTIMIZERS.get(cfg.optimizer)([p], cfg)
    for _ in range(steps):
        opt.zero_grad()
        fn.f(p[0], p[1]).backward()
        opt.step()


def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def bench_functions(steps: int) -> None:
    f = FUNCTIONS.get("quadratic")
    print(f"1. test-function race, {steps} steps on the ill-conditioned bowl")
    for key in OPTIMIZERS:
        cfg = TrainConfig(optimizer=key, lr=f.default_lr(key))
        bare_path(f, cfg, 20), run_path(f, cfg, 20)                      # warm up both
        bare, ours = timed(bare_path, f, cfg, steps), timed(run_path, f, cfg, steps)
        print(f"   {key:<9} bare {steps / bare:8.0f} steps/s   run_path {steps / ours:8.0f} steps/s   "
              f"ratio {bare / ours:.2f}")


def bench_race(epochs: int) -> None:
    cfg = get_preset("opt_moons")
    warm = build(cfg)
    warm.trainer.run_epochs(2)                                    # first epochs pay one-off allocation costs
    alone = build(cfg)
    alone.trainer.run_epochs(1)
    t_alone = timed(alone.trainer.run_epochs, epochs)
    runners = RunGroup.variants(build(cfg), {k: {"train.optimizer": k} for k in ("momentum", "adam", "rmsprop")})
    runners.run_epochs(1)
    t_race = timed(runners.run_epochs, epochs)
    print(f"2. network race, opt_moons, {epochs} epochs: one trainer {epochs / t_alone:.1f} epochs/s; "
          f"4 runners in lockstep {epochs / t_race:.1f} epochs/s (ratio {t_alone / t_race:.2f}; 0.25 = no overhead)")


def bench_landscape() -> None:
    exp = build(get_preset("opt_moons"))
    trail = WeightTrail(exp.model)
    exp.trainer.callbacks.append(trail)
    exp.trainer.run_epochs(10)
    t_slice = timed(lambda: loss_slice(exp.model, exp.trainer.loss_fn, exp.dataset.train, mode="pca",
                                       trail=trail, resolution=21))
    start = build(exp.cfg).model
    t_line = timed(lambda: interpolate(exp.model, start, exp.trainer.loss_fn, exp.dataset.train))
    print(f"3. landscape, opt_moons: 21x21 slice {t_slice:.2f} s, 41-point line {t_line:.3f} s")


def bench_sweep(trials: int, epochs: int) -> None:
    base = with_values(get_preset("tf_circle"), {"train.max_epochs": epochs})
    direct = timed(lambda: [build(base).trainer.run_epochs(epochs) for _ in range(trials)])
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Sweep(base, (parse_param("train.lr=float:0.02:0.05"),), sampler="random", epochs=epochs,
                      prune=False, seed=0)
        swept = timed(run_sweep, sweep, trials, f"sqlite:///{tmp}/bench.db", "bench")
    print(f"4. sweep, tf_circle, {trials} trials x {epochs} epochs: direct {direct / trials:.2f} s/trial, "
          f"Optuna+SQLite {swept / trials:.2f} s/trial (ratio {swept / direct:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    bench_functions(args.steps)
    bench_race(args.epochs)
    bench_landscape()
    bench_sweep(args.trials, args.epochs)


if __name__ == "__main__":
    main()
