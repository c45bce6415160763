"""Basics labs bench: what the stepper and the depth demo cost next to plain PyTorch (ratios from one run).

    python bench/basics_bench.py [--repeat 200]

Prints: the backprop stepper's trace() (hand forward + chain rule + text-ready arrays) against one plain
forward/backward of the same 2-2-1 model; the perceptron rule's epoch on 50 points; the activations lab's
depth demo (one 10-layer MLP per registered activation) and one curve; all per call. Run it on a quiet
machine; no test depends on these numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.basics import activations as A
from playground.basics import backprop as bp
from playground.basics import neuron as N
from playground.config import ModelConfig
from playground.data.base import REGRESSION, DataSpec
from playground.models import ACTIVATIONS, build_model


def per_call(fn, repeat: int) -> float:
    fn()
    t = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t) / repeat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    n = ap.parse_args().repeat
    torch.set_num_threads(1)
    model = build_model(ModelConfig(hidden=(2,), activation="sigmoid"), DataSpec(REGRESSION, (2,), 1), 0)
    x, t = np.array([[1.0, -0.5]], np.float32), np.array([0.8], np.float32)
    xt, tt = torch.tensor(x), torch.tensor(t)[:, None]

    def plain() -> None:
        model.zero_grad()
        torch.nn.functional.mse_loss(model(xt), tt).backward()

    base = per_call(plain, n)
    tr = per_call(lambda: bp.trace(model, x, t, "sigmoid"), n)
    print(f"plain forward+backward, 2-2-1:     {base * 1e3:8.3f} ms")
    print(f"stepper trace():                   {tr * 1e3:8.3f} ms  ({tr / base:.1f}x plain)")
    rng = np.random.default_rng(0)
    px = rng.normal(0, 2, (50, 2)).astype(np.float32)
    py = (px.sum(1) > 0).astype(np.int64)
    ep = per_call(lambda: N.rule_epoch((0.1, 0.1), 0.0, px, py, "perceptron", 0.1), max(n // 10, 5))
    print(f"perceptron epoch, 50 points:       {ep * 1e3:8.3f} ms")
    depth = per_call(lambda: A.depth_table(ACTIVATIONS.keys(), 10), max(n // 50, 3))
    print(f"depth demo, {len(ACTIVATIONS)} activations x 10 layers: {depth * 1e3:8.3f} ms")
    z = np.linspace(-6, 6, 401, dtype=np.float32)
    print(f"one activation curve, 401 points:  {per_call(lambda: A.curve('gelu', z), n) * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
