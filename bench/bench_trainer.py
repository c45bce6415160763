"""Trainer overhead: steps/s of playground's Trainer against hand-written PyTorch loops, measured in one run.

All loops train the same model (same seed, same weights), on the same data, with the same optimizer,
batch size and per-epoch shuffling (bench/loops.py). Two references: the bare loop (steps only) and
the textbook loop (steps, plus validation and test loss and metric at each epoch end, as tutorials
write it). The Trainer evaluates every split and records history at each epoch end, as it does in
the app. Rounds alternate between the loops to share machine noise; medians are printed.

    python bench/bench_trainer.py [--steps 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loops import measure
from playground.config import with_values
from playground.presets import get_preset

CASES = {
    "circle, MLP [4,2] tanh, SGD, batch 10 (TF Playground default)": get_preset("tf_circle"),
    "spiral, MLP 6x8 relu, Adam, batch 10 (TF's largest net)": with_values(
        get_preset("tf_spiral"), {"model.hidden": (8,) * 6, "model.activation": "relu", "train.optimizer": "adam",
                                  "train.lr": 0.003}),
    "moons, MLP [32,32] relu, Adam, batch 32 (8 steps/epoch)": with_values(
        get_preset("tf_circle"), {"data.name": "moons", "model.hidden": (32, 32), "model.activation": "relu",
                                  "train.optimizer": "adam", "train.batch_size": 32, "train.lr": 0.01}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'case':<60} {'bare':>6} {'textbook':>8} {'trainer':>7} {'live':>6} |{'trainer/':>9} "
          f"{'live/':>6} {'trainer/':>9}")
    print(f"{'':<60} {'':>6} {'':>8} {'':>7} {'':>6} |{'bare':>9} {'bare':>6} {'textbook':>9}")
    for name, cfg in CASES.items():
        r = measure(cfg, args.steps, args.rounds)
        print(f"{name:<60} {r['bare']:>6,.0f} {r['textbook']:>8,.0f} {r['trainer']:>7,.0f} {r['live']:>6,.0f} |"
              f"{r['trainer/bare']:>9.3f} {r['live/bare']:>6.3f} {r['trainer/textbook']:>9.3f}")
    print("steps/s (goal: Trainer / plain loop >= 0.95). trainer = evaluating every epoch (CLI, sweeps); live = as the "
          "live loop runs it\n(0.23 s ticks; an epoch is evaluated when evaluation stays within 3% of training time, "
          "and at each tick's end;\ntimed after the first 20 epochs, which are all evaluated). The Trainer's "
          "evaluation also covers\na 256-sample slice of the training split, gradient norms, history and early "
          "stopping. Ratios: medians of per-round ratios.")


if __name__ == "__main__":
    main()
