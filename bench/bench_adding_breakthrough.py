"""When does the Sequences lab's default demo (preset seq_adding_race_lstm, the adding problem on an LSTM)
leave the constant-mean baseline (MSE 1/6)? Trains it per seed and prints the first epoch whose test MSE is
below half the baseline, and below a tenth of it; the Sequences page states the range this measures.

    python bench/bench_adding_breakthrough.py [--seeds 0 1 2] [--epochs 60]
"""

from __future__ import annotations

import argparse

import torch

from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset


def first_below(values: list[float], epochs: list[int], level: float) -> int | None:
    return next((e for e, v in zip(epochs, values) if v is not None and v < level), None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=60)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for seed in args.seeds:
        exp = build(with_values(get_preset("seq_adding_race_lstm"), {"seed": seed, "train.max_epochs": 0}))
        exp.trainer.run_epochs(args.epochs)
        h = exp.trainer.history
        base = exp.dataset.meta["baseline_mse"]
        half = first_below(h["test_mse"], h["epoch"], base / 2)
        tenth = first_below(h["test_mse"], h["epoch"], base / 10)
        print(f"seed {seed}: baseline {base:.4f}; test MSE < baseline/2 from epoch {half}, < baseline/10 from "
              f"epoch {tenth}; epoch 30 test MSE {h['test_mse'][h['epoch'].index(30)]:.4f}; "
              f"final {h['test_mse'][-1]:.4f}", flush=True)


if __name__ == "__main__":
    main()
