"""2-D test functions of optimisation and races of every registered optimizer across them.

A TestFunction is a torch expression of a point (x, y) with its plot extent, start point, known minima
and suggested learning rates. `run_path` moves one point with an optimizer from the OPTIMIZERS registry
(built from a TrainConfig, exactly as the Trainer builds it) and records the path; `race` runs several.
It does not draw.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from playground.config import TrainConfig
from playground.optimizers import OPTIMIZERS
from playground.registry import Registry

ADAPTIVE = ("adam", "adamw", "rmsprop", "adagrad")   # optimizers whose step size does not scale with |g|


@dataclass(frozen=True)
class TestFunction:
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]   # elementwise on x, y tensors
    extent: tuple[float, float, float, float]                  # x0, x1, y0, y1
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    lr: float            # a learning rate that works for SGD-like optimizers
    adaptive_lr: float   # ... and for adaptive ones (Adam, RMSprop, AdaGrad)

    def value(self, xy: np.ndarray) -> np.ndarray:
        """f at points [..., 2] (numpy)."""
        t = torch.as_tensor(np.asarray(xy, dtype=np.float64))
        return self.f(t[..., 0], t[..., 1]).numpy()

    def grid(self, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs [R], ys [R], f [R, R]) over the extent, float32."""
        x0, x1, y0, y1 = self.extent
        xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
        z = self.value(np.stack(np.meshgrid(xs, ys), -1))   # (R, R): rows are y
        return xs.astype(np.float32), ys.astype(np.float32), z.astype(np.float32)

    def default_lr(self, optimizer: str) -> float:
        return self.adaptive_lr if optimizer in ADAPTIVE else self.lr


FUNCTIONS: Registry[TestFunction] = Registry("test function")
FUNCTIONS.add("rosenbrock", TestFunction(lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2,
                                         (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.0), ((1.0, 1.0),), 1e-3, 0.05),
              "Rosenbrock", "a curved narrow valley: easy to enter, slow to follow to (1, 1)")
FUNCTIONS.add("beale", TestFunction(lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
                                    + (2.625 - x + x * y ** 3) ** 2,
                                    (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5), ((3.0, 0.5),), 3e-3, 0.05),
              "Beale", "flat plateaus and sharp ridges; the minimum sits at (3, 0.5)")
FUNCTIONS.add("himmelblau", TestFunction(lambda x, y: (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2,
                                         (-5.0, 5.0, -5.0, 5.0), (-0.3, -0.9),
                                         ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                                          (3.584428, -1.848126)), 5e-3, 0.1),
              "Himmelblau", "four equal minima: which one you reach depends on the optimizer")
FUNCTIONS.add("saddle", TestFunction(lambda x, y: x ** 2 + y ** 4 / 4 - y ** 2 / 2,
                                     (-2.0, 2.0, -2.0, 2.0), (-1.8, 1e-3), ((0.0, 1.0), (0.0, -1.0)), 0.05, 0.05),
              "Saddle", "x² + y⁴/4 − y²/2: a saddle at the origin; plain gradient descent lingers there")
FUNCTIONS.add("quadratic", TestFunction(lambda x, y: 0.5 * x ** 2 + 10 * y ** 2,
                                        (-3.0, 3.0, -3.0, 3.0), (-2.8, 1.5), ((0.0, 0.0),), 0.05, 0.1),
              "Ill-conditioned bowl", "½x² + 10y²: curvature 20× larger along y, so steps zig-zag")
FUNCTIONS.add("rastrigin", TestFunction(lambda x, y: 20 + x ** 2 - 10 * torch.cos(2 * math.pi * x)
                                        + y ** 2 - 10 * torch.cos(2 * math.pi * y),
                                        (-5.12, 5.12, -5.12, 5.12), (2.4, -2.3), ((0.0, 0.0),), 2e-3, 0.1),
              "Rastrigin (multi-modal)", "a bowl covered in local minima; momentum can roll over small ones")


@dataclass(frozen=True)
class Path:
    """One optimizer's run: points [S+1, 2] and f at them [S+1] (float32); stops early on divergence."""

    xy: np.ndarray
    loss: np.ndarray
    diverged: bool

    def steps_to(self, tol: float) -> int | None:
        """First step whose f is <= tol, or None."""
        hit = np.nonzero(self.loss <= tol)[0]
        return int(hit[0]) if len(hit) else None


def run_path(fn: TestFunction | str, cfg: TrainConfig, steps: int,
             start: tuple[float, float] | None = None) -> Path:
    """Minimise a test function from its start with the optimizer `cfg` names (same factory as the Trainer)."""
    fn = FUNCTIONS.get(fn, "function") if isinstance(fn, str) else fn
    point = torch.nn.Parameter(torch.tensor(start or fn.start, dtype=torch.float64))
    opt = OPTIMIZERS.get(cfg.optimizer, "train.optimizer")([point], cfg)
    x0, x1, y0, y1 = fn.extent
    bound = 10 * max(x1 - x0, y1 - y0)
    xy, loss, diverged = [point.detach().clone().numpy()], [], False
    for _ in range(steps):
        value = fn.f(point[0], point[1])
        loss.append(float(value.detach()))
        if not math.isfinite(loss[-1]) or point.detach().abs().max() > bound:
            diverged = True
            break
        opt.zero_grad()
        value.backward()
        if cfg.grad_clip:
            torch.nn.utils.clip_grad_norm_([point], cfg.grad_clip)
        opt.step()
        xy.append(point.detach().clone().numpy())
    if len(loss) < len(xy):
        loss.append(float(fn.f(point[0], point[1]).detach()))
    xy_arr = np.asarray(xy[:len(loss)], dtype=np.float32)
    return Path(xy_arr, np.asarray(loss, dtype=np.float32), diverged)


def race(fn: str, runs: dict[str, TrainConfig], steps: int) -> dict[str, Path]:
    """label -> Path for each optimizer config, all from the function's start point."""
    return {label: run_path(fn, cfg, steps) for label, cfg in runs.items()}


def default_runs(fn: str, optimizers: list[str] | None = None) -> dict[str, TrainConfig]:
    """One TrainConfig per optimizer (every registered one by default) with the function's suggested lr."""
    f = FUNCTIONS.get(fn, "function")
    return {OPTIMIZERS.label(k): TrainConfig(optimizer=k, lr=f.default_lr(k)) for k in optimizers or OPTIMIZERS.keys()}
