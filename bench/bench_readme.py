"""Re-measure every model-quality figure README.md states, over several seeds, and say whether each holds.

Each figure names the README phrase it backs (checked to still be in README.md) and one or more
quantities, each with the range the README claims. Every quantity is measured the way the app shows it:
the preset's config with `seed` overridden (as `python -m playground train --preset X --set seed=S`),
trained headless for the preset's own epoch count, then read from the test split (the Images lab's
moved-digit accuracy from views/images.py, the Activations lab's per-layer gradient from
basics/activations.py). A claim holds when every seed's value, rounded as the README writes it, lies in
the claimed range. Speed figures (seconds, steps/s) belong to the other bench scripts and are not checked
here; where a README phrase pairs a figure with a time, the time is printed for information only.
Not covered: Diagnoses and Your-data (tabular) metrics, which state no numbers in the README.

Figures (README section: what the phrase says):
    sigmoid_depth              Basics, Activation functions: gradient at layer 1 and the last of ten sigmoid layers
    moved_digits               Images, Data: plain and augmented CNN on shifted and rotated test digits
    augment_share              Images, Data: test and moved accuracy at augmentation shares 10/50/100%
    digits_cnn                 Images, Presets: digits_cnn's test accuracy (its time is bench_images.py's)
    adding_race                Sequences, Presets: the adding-problem race, RNN and baseline against LSTM
    transformer_reverse        Sequences, Presets: transformer_reverse's token accuracy
    transformer_reverse_nopos  Sequences, Presets: transformer_reverse_nopos fails

    python bench/bench_readme.py [--seeds 0 1 2] [--only moved share] [--threads 1]

The README's ranges are over seeds 0-9 (`--seeds 0 1 2 3 4 5 6 7 8 9`, about 15 minutes on 2 busy cores; the
default three seeds take about 4): three seeds were not enough, seeds 3-9 fell outside most 3-seed ranges.

Exit status 1 when some claim does not hold on some seed.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.basics.activations import layer_gradients
from playground.config import with_values
from playground.experiment import Experiment, build
from playground.payloads import images as image_payload
from playground.presets import get_preset

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Quantity:
    """One measured number and the range the README claims for it, in the README's own units."""
    label: str
    measure: Callable[[int], float]   # seed -> value
    lo: float
    hi: float
    style: str = "pct"   # "pct": x 100, whole percent; "fixed": `digits` decimals; "sci": 2 significant figures
    digits: int = 3

    def shown(self, v: float) -> float:
        """`v` rounded as the README writes it."""
        if self.style == "pct":
            return round(v * 100)
        if self.style == "fixed":
            return round(v, self.digits)
        return float(f"{v:.1e}")

    def text(self, v: float) -> str:
        return {"pct": f"{v * 100:.2f}%", "fixed": f"{v:.{self.digits + 1}f}", "sci": f"{v:.2e}"}[self.style]

    def claim(self) -> str:
        def one(x: float) -> str:
            return {"pct": f"{x:g}%", "fixed": f"{x:.{self.digits}f}", "sci": f"{x:.1e}"}[self.style]
        return one(self.lo) if self.lo == self.hi else f"{one(self.lo)} to {one(self.hi)}"

    def holds(self, v: float) -> bool:
        return math.isfinite(v) and self.lo <= self.shown(v) <= self.hi


@dataclass(frozen=True)
class Figure:
    name: str
    readme: str                       # the README phrase this figure backs (must occur in README.md)
    quantities: tuple[Quantity, ...]
    note: Callable[[int], str] | None = None   # extra per-seed information, not checked (e.g. a time)


# ---------------------------------------------------------------- training, once per (preset, seed, overrides)

def trained(preset: str, seed: int, **overrides) -> Experiment:
    """The preset trained headless for its own max_epochs with `seed` (and `overrides`) applied, once."""
    return _trained(preset, seed, tuple(sorted(overrides.items())))


@cache
def _trained(preset: str, seed: int, overrides: tuple[tuple[str, object], ...]) -> Experiment:
    cfg = with_values(get_preset(preset), {"seed": seed, **dict(overrides)})
    label = " ".join([preset, f"seed {seed}", *(f"{k}={v}" for k, v in overrides)])
    print(f"  training {label} ({cfg.train.max_epochs} epochs) ...", end="", flush=True)
    t0 = time.perf_counter()
    exp = build(cfg)
    for _ in range(cfg.train.max_epochs):    # epoch by epoch, so each record's `seconds` is its training clock
        exp.trainer.run_epochs(1)
    print(f" {time.perf_counter() - t0:.1f} s", flush=True)
    return exp


def last(preset: str, key: str, **overrides) -> Callable[[int], float]:
    """seed -> the final history record's `key` of the trained preset."""
    return lambda seed: float(trained(preset, seed, **overrides).trainer.history.last()[key])


def images(preset: str, which: int, **overrides) -> Callable[[int], float]:
    """seed -> (test accuracy, moved-test accuracy)[which], as the Images lab shows them under the curves."""
    def measure(seed: int) -> float:
        exp = trained(preset, seed, **overrides)
        return image_payload.moved_accuracy(exp, image_payload.test_results(exp))[which]
    return measure


def adding_baseline(seed: int) -> float:
    """Test MSE of always predicting 1 (the mean of a sum of two U(0, 1) numbers) on the adding task's test split."""
    y = trained("seq_adding_race_rnn", seed).dataset.test.y.numpy()
    return float(np.mean((y - 1.0) ** 2))


def rnn_over_baseline(seed: int) -> float:
    return last("seq_adding_race_rnn", "test_mse")(seed) / adding_baseline(seed)


def sigmoid_gradient(layer: int) -> Callable[[int], float]:
    """seed -> mean |dL/dW| of hidden layer `layer` (0 = first, -1 = last) in the vanishing_sigmoid preset's
    network, as the Activations lab's depth chart draws it."""
    def measure(seed: int) -> float:
        cfg = get_preset("vanishing_sigmoid").model
        g = layer_gradients("sigmoid", len(cfg.hidden), width=cfg.hidden[0], init=cfg.init, seed=seed)
        return float(g[layer])
    return measure


def seconds_to(preset: str, key: str, target: float) -> Callable[[int], str]:
    """seed -> 'reached key >= target at epoch E after N s of training; all epochs M s' (information only:
    a speed figure, which bench_images.py owns)."""
    def note(seed: int) -> str:
        trainer = trained(preset, seed).trainer
        h = trainer.history
        hit = next(((e, s) for e, s, v in zip(h["epoch"], h["seconds"], h[key], strict=True) if v >= target), None)
        first = f"{key} >= {target} at epoch {hit[0]}, {hit[1]:.1f} s" if hit else f"never {key} >= {target}"
        return f"{first}; all {trainer.epoch} epochs {trainer.train_seconds:.1f} s"
    return note


# ---------------------------------------------------------------- the README's figures

SHARE = "data.image.augment_share"
FIGURES: tuple[Figure, ...] = (
    Figure("sigmoid_depth", "ten sigmoid layers: 3.8e-9 to 1.2e-8 at layer 1 against 1.3e-3 to 1.5e-2 at the last", (
        Quantity("vanishing_sigmoid, layer-1 gradient", sigmoid_gradient(0), 3.8e-9, 1.2e-8, "sci"),
        Quantity("vanishing_sigmoid, last-layer gradient", sigmoid_gradient(-1), 1.3e-3, 1.5e-2, "sci"))),
    Figure("moved_digits", "after 40 epochs the plain CNN gets 43-54% of them right, the augmented one 87-90%", (
        Quantity("digits_cnn, moved test digits", images("digits_cnn", 1), 43, 54),
        Quantity("digits_augmented (share 50%), moved", images("digits_augmented", 1), 87, 90))),
    Figure("augment_share", "10% gives 96-99% on the test set and 74-83% moved; 50%, 96-98% and 87-90%; "
           "100%, 88-95% and 88-94%", (
        Quantity("share 10%, test", images("digits_augmented", 0, **{SHARE: 0.1}), 96, 99),
        Quantity("share 10%, moved", images("digits_augmented", 1, **{SHARE: 0.1}), 74, 83),
        Quantity("share 50%, test", images("digits_augmented", 0), 96, 98),
        Quantity("share 50%, moved", images("digits_augmented", 1), 87, 90),
        Quantity("share 100%, test", images("digits_augmented", 0, **{SHARE: 1.0}), 88, 95),
        Quantity("share 100%, moved", images("digits_augmented", 1, **{SHARE: 1.0}), 88, 94))),
    Figure("digits_cnn", "`digits_cnn` (96-99% test accuracy after its 40 epochs;", (
        Quantity("digits_cnn test accuracy after 40 epochs", images("digits_cnn", 0), 96, 99),),
        note=seconds_to("digits_cnn", "test_accuracy", 0.97)),
    Figure("adding_race", "the RNN's test MSE stays at 0.94-1.05 times the baseline of always predicting the mean "
           "sum, 1.0, whose MSE is 1/6 in theory and 0.136-0.172 on a test split; the LSTM reaches 0.0003-0.0011", (
        Quantity("seq_adding_race_rnn test MSE / the mean-1.0 baseline's", rnn_over_baseline, 0.94, 1.05, "fixed", 2),
        Quantity("always the mean (1.0), test MSE", adding_baseline, 0.136, 0.172, "fixed"),
        Quantity("seq_adding_race_lstm test MSE", last("seq_adding_race_lstm", "test_mse"), 0.0003, 0.0011,
                 "fixed", 4))),
    Figure("transformer_reverse", "`transformer_reverse` (100% test token accuracy)", (
        Quantity("test token accuracy", last("transformer_reverse", "test_token_accuracy"), 100, 100),)),
    Figure("transformer_reverse_nopos", "`transformer_reverse_nopos` (fails without positions: 32-33% test token "
           "accuracy, chance 12.5%)", (
        Quantity("test token accuracy (chance 1/8)", last("transformer_reverse_nopos", "test_token_accuracy"),
                 32, 33),)),
)


def report(fig: Figure, seeds: list[int], readme: str) -> bool:
    """Measure `fig` on every seed and print claim, values, range and verdict; True when all hold."""
    found = " ".join(fig.readme.split()) in " ".join(readme.split())
    print(f"\n== {fig.name}\n   README: \"{' '.join(fig.readme.split())}\""
          + ("" if found else "  [PHRASE NOT IN README.md]"))
    ok = found
    for q in fig.quantities:
        values = [q.measure(s) for s in seeds]
        holds = all(q.holds(v) for v in values)
        ok &= holds
        per_seed = ", ".join(f"seed {s}: {q.text(v)}" for s, v in zip(seeds, values, strict=True))
        print(f"   {q.label}\n     claim {q.claim()} | {per_seed} | range {q.text(min(values))} to "
              f"{q.text(max(values))} | {'holds' if holds else 'DOES NOT HOLD'}", flush=True)
    if fig.note:
        print("   info: " + "; ".join(f"seed {s}: {fig.note(s)}" for s in seeds))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=[], help="run figures whose name contains one of these")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1, as the CLI)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    chosen = [f for f in FIGURES if not args.only or any(o in f.name for o in args.only)]
    if not chosen:
        parser.error(f"--only matches none of: {', '.join(f.name for f in FIGURES)}")
    readme = (ROOT / "README.md").read_text()
    t0 = time.perf_counter()
    failed = [f.name for f in chosen if not report(f, args.seeds, readme)]
    print(f"\n{len(chosen) - len(failed)} of {len(chosen)} figures hold over seeds {args.seeds} "
          f"({time.perf_counter() - t0:.0f} s)" + (f"; not holding: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
