"""Optimizer, clinic and sweep overheads, as ratios measured in one run (run on a quiet machine).

1. Test-function race: points/s of `run_path` (registry optimizer, path recording) against a bare
   PyTorch loop on the same function, per optimizer.
2. Network race and twins: epochs/s of N runners advanced side by side against one Trainer alone
   (the ideal ratio is 1/N).
3. Loss landscape: seconds for a 21x21 slice and a 41-point line on the preset's training split.
4. Sweeps: seconds per trial of a sweep job (one worker, this process: study set-up, the cadence probe,
   intermediate values, stop checks) against a bare Optuna loop training the same configs on the same
   storage (goal: ratio <= 1.2), per storage kind, in interleaved rounds.
5. Sweep workers: wall time of `python -m playground sweep --workers 1` against `--workers 2` for the same
   trials (16 x 100 epochs by default, each on a fresh study), interleaved rounds.

    python bench/bench_optim.py [--steps 2000] [--trials 10] [--epochs 20] [--rounds 3] [--only sweeps]
"""

from __future__ import annotations

import argparse
import os
import subprocess
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
from playground.sweep_jobs import run_sweep
from playground.sweeps import Sweep, open_storage, parse_param

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


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


def bare_optuna(base, storage: str, trials: int, epochs: int) -> None:
    """The reference: Optuna's own loop on the same storage, training the same configs, nothing else."""
    import optuna

    def trial_fn(trial) -> float:
        exp = build(with_values(base, {"train.lr": trial.suggest_float("train.lr", 0.02, 0.05)}))
        exp.trainer.run_epochs(epochs)
        return exp.trainer.history.last()["val_loss"]

    study = optuna.create_study(storage=open_storage(storage), study_name="bare",
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(trial_fn, n_trials=trials)


def bench_sweep(trials: int, epochs: int, rounds: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    base = with_values(get_preset("tf_circle"), {"train.max_epochs": epochs})
    sweep = Sweep(base, (parse_param("train.lr=float:0.02:0.05"),), sampler="random", epochs=epochs,
                  prune=False, seed=0)
    build(base).trainer.run_epochs(2)                                   # warm up torch
    print(f"4. sweep job against a bare Optuna loop, tf_circle, {trials} trials x {epochs} epochs, one worker "
          f"({load()})")
    for kind in ("journal", "sqlite"):
        ratios = []
        for r in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:                   # fresh studies each round
                bare = timed(bare_optuna, base, f"{kind}:///{tmp}/bare", trials, epochs)
                ours = timed(run_sweep, sweep, trials, f"{kind}:///{tmp}/ours", "ours")
            ratios.append(ours / bare)
            print(f"   {kind:<7} round {r + 1}: bare {bare / trials:.3f} s/trial, job {ours / trials:.3f} s/trial "
                  f"(ratio {ours / bare:.2f})")
        print(f"   {kind:<7} median ratio {sorted(ratios)[len(ratios) // 2]:.2f} ({load()})")


def bench_workers(trials: int, epochs: int, rounds: int) -> None:
    print(f"5. CLI sweep, tf_circle, {trials} trials x {epochs} epochs, --workers 1 against 2 ({load()})")
    ratios = []
    for r in range(rounds):
        wall = {}
        with tempfile.TemporaryDirectory() as tmp:
            for workers in (1, 2) if r % 2 == 0 else (2, 1):             # interleaved, alternating order
                cmd = [sys.executable, "-m", "playground", "sweep", "--preset", "tf_circle", "--param",
                       "train.lr=log:1e-3:1", "--trials", str(trials), "--epochs", str(epochs), "--no-prune",
                       "--sampler", "random", "--storage", f"journal:///{tmp}/w{workers}", "--json"]
                t0 = time.perf_counter()
                subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
                wall[workers] = time.perf_counter() - t0
        ratios.append(wall[2] / wall[1])
        print(f"   round {r + 1}: 1 worker {wall[1]:.1f} s, 2 workers {wall[2]:.1f} s (ratio {wall[2] / wall[1]:.2f}; "
              f"{load()})")
    print(f"   median ratio 2/1 workers {sorted(ratios)[len(ratios) // 2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["sweeps"], help="only the sweep benches (4 and 5)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not args.only:
        bench_functions(args.steps)
        bench_race(args.epochs)
        bench_landscape()
    bench_sweep(args.trials, args.epochs, args.rounds)
    bench_workers(max(16, args.trials), 5 * args.epochs, args.rounds)   # trials long enough to pay each
    # worker's start (a fresh process imports torch and optuna: about 3 s here)


if __name__ == "__main__":
    main()
