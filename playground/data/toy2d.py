"""2-D toy datasets: TensorFlow Playground's six, plus moons, k-class blobs, checkerboard, rings, k-arm spirals.

Each generator has the shape `make_x(n_samples, *, noise, rng, n_classes) -> (xy [N, 2], y [N])`, with
randomness passed in (never global), points on TF Playground's plane [-6, 6]^2, and noise in 0..1
(TF Playground's 0-50% is 0.0-0.5). Classification labels are ints 0..k-1; regression targets lie in
[-1, 1]. Like TF Playground, noise moves the point used for the label, not the drawn point, so
noisy labels overlap across the boundary.
"""

from __future__ import annotations

import numpy as np

EXTENT = (-6.0, 6.0, -6.0, 6.0)  # x_min, x_max, y_min, y_max


def make_circle(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """A disc of one class inside a ring of the other (TF Playground's 'circle')."""
    radius = 5.0
    inner = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    xy = np.stack([r * np.sin(angle), r * np.cos(angle)], 1)
    jitter = rng.uniform(-radius, radius, (n, 2)) * noise
    y = (np.linalg.norm(xy + jitter, axis=1) < radius * 0.6).astype(np.int64)
    return xy, y


def make_xor(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Quadrants: same-sign coordinates are one class (TF Playground's 'exclusive or')."""
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)  # padding keeps points off the axes
    noisy = xy + rng.uniform(-5, 5, (n, 2)) * noise
    y = (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)
    return xy, y


def make_gauss(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Two Gaussian clouds at (2, 2) and (-2, -2); noise widens them (TF Playground's 'gaussian')."""
    var = 0.5 + noise / 0.5 * 3.5 if noise <= 0.5 else 4.0 + (noise - 0.5) * 4
    half = n // 2
    xy = np.concatenate([rng.normal(2, np.sqrt(var), (half, 2)), rng.normal(-2, np.sqrt(var), (n - half, 2))])
    y = np.concatenate([np.ones(half, np.int64), np.zeros(n - half, np.int64)])
    return xy, y


def _spiral_arm(count: int, delta: float, noise: float, rng: np.random.Generator) -> np.ndarray:
    i = np.arange(count)
    r = i / count * 5
    t = 1.75 * i / count * 2 * np.pi + delta
    xy = np.stack([r * np.sin(t), r * np.cos(t)], 1)
    return xy + rng.uniform(-1, 1, (count, 2)) * noise


def make_spiral(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Two interleaved spiral arms (TF Playground's 'spiral')."""
    return make_spirals(n, noise=noise, rng=rng, n_classes=2)


def make_spirals(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 3):
    """k interleaved spiral arms, one class each."""
    counts = [n // n_classes + (1 if c < n % n_classes else 0) for c in range(n_classes)]
    arms = [_spiral_arm(c, 2 * np.pi * k / n_classes, noise, rng) for k, c in enumerate(counts)]
    y = np.concatenate([np.full(c, k, np.int64) for k, c in enumerate(counts)])
    return np.concatenate(arms), y


def make_moons(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Two interleaving half circles (scikit-learn's make_moons, scaled to the plane)."""
    half = n // 2
    a = np.linspace(0, np.pi, half)
    b = np.linspace(0, np.pi, n - half)
    upper = np.stack([np.cos(a), np.sin(a)], 1)
    lower = np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)
    xy = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.6
    xy += rng.normal(0, 1, (n, 2)) * noise * 1.5
    y = np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])
    return xy, y


def make_blobs(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 3):
    """k Gaussian clouds evenly spaced on a circle of radius 3.5."""
    y = np.arange(n) % n_classes
    angle = 2 * np.pi * y / n_classes + np.pi / 2
    centers = np.stack([3.5 * np.cos(angle), 3.5 * np.sin(angle)], 1)
    return centers + rng.normal(0, 0.6 + 2.5 * noise, (n, 2)), y.astype(np.int64)


def make_checkerboard(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """A 4x4 checkerboard over the plane: needs many boundaries."""
    xy = rng.uniform(-6, 6, (n, 2))
    noisy = xy + rng.normal(0, 1, (n, 2)) * noise * 3
    cells = np.floor((noisy + 6) / 3).astype(np.int64)
    return xy, ((cells[:, 0] + cells[:, 1]) % 2).astype(np.int64)


def make_rings(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 3):
    """k concentric rings, one class each."""
    y = np.arange(n) % n_classes
    r = (y + 0.5) * 5.5 / n_classes + rng.normal(0, 0.15 + noise * 1.5, n)
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], 1), y.astype(np.int64)


def make_plane(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Regression: target = (x + y) / 10 (TF Playground's 'plane')."""
    xy = rng.uniform(-6, 6, (n, 2))
    noisy = xy + rng.uniform(-6, 6, (n, 2)) * noise
    return xy, np.clip((noisy[:, 0] + noisy[:, 1]) / 10, -1, 1)


_GAUSS_CENTERS = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]


def make_multigauss(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Regression: six signed Gaussian bumps (TF Playground's 'multi gaussian')."""
    xy = rng.uniform(-6, 6, (n, 2))
    noisy = xy + rng.uniform(-6, 6, (n, 2)) * noise
    values = np.stack([s * np.clip(1 - np.hypot(noisy[:, 0] - cx, noisy[:, 1] - cy) / 2, 0, 1)
                       for cx, cy, s in _GAUSS_CENTERS], 1)
    pick = np.abs(values).argmax(1)
    return xy, values[np.arange(n), pick]


def make_wave(n: int, *, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """Regression: target = sin(x) * cos(y / 2), a smooth surface with several extrema."""
    xy = rng.uniform(-6, 6, (n, 2))
    return xy, np.sin(xy[:, 0]) * np.cos(xy[:, 1] / 2) + rng.normal(0, 1, n) * noise * 0.5


# ---------------------------------------------------------------- registration

from playground.data.base import (  # noqa: E402
    CLASSIFICATION,
    DATASETS,
    REGRESSION,
    Dataset,
    DataSpec,
    make_splits,
    split_indices,
)
from playground.data.features import FEATURES, featurize  # noqa: E402


def build_toy(gen, task: str, fixed_classes: int | None, cfg, seed: int) -> Dataset:
    """Generate, featurize and split one 2-D dataset; the same (cfg, seed) gives the same data."""
    rng = np.random.default_rng(seed)
    k = fixed_classes or cfg.n_classes
    xy, y = gen(cfg.n_samples, noise=cfg.noise, rng=rng, n_classes=k)
    idx = split_indices(len(xy), cfg.train_fraction, cfg.val_fraction, rng)
    features = tuple(cfg.features)
    x = featurize(xy, features)
    train, val, test = make_splits(x, y, idx, task)
    n_out = k if task == CLASSIFICATION else 1
    return Dataset(
        spec=DataSpec(task, (len(features),), n_out),
        train=train, val=val, test=test,
        feature_names=tuple(FEATURES.label(f) for f in features),
        class_names=tuple(f"class {i}" for i in range(k)) if task == CLASSIFICATION else (),
        points={name: xy[i].astype(np.float32) for name, i in zip(("train", "val", "test"), idx)},
        extent=EXTENT,
        featurize=lambda p: featurize(p, features),
        meta={"family": "toy2d"},
    )


_TOYS = [
    ("circle", make_circle, CLASSIFICATION, 2, "Circle", "a disc inside a ring (TF Playground)"),
    ("xor", make_xor, CLASSIFICATION, 2, "Exclusive or", "quadrants by sign (TF Playground)"),
    ("gauss", make_gauss, CLASSIFICATION, 2, "Gaussian", "two Gaussian clouds (TF Playground)"),
    ("spiral", make_spiral, CLASSIFICATION, 2, "Spiral", "two interleaved spirals (TF Playground)"),
    ("moons", make_moons, CLASSIFICATION, 2, "Moons", "two interleaving half circles"),
    ("blobs", make_blobs, CLASSIFICATION, None, "k blobs", "k Gaussian clouds, k classes"),
    ("spirals", make_spirals, CLASSIFICATION, None, "k spirals", "k spiral arms, k classes"),
    ("rings", make_rings, CLASSIFICATION, None, "k rings", "k concentric rings, k classes"),
    ("checkerboard", make_checkerboard, CLASSIFICATION, 2, "Checkerboard", "a 4x4 checkerboard"),
    ("plane", make_plane, REGRESSION, None, "Plane (regression)", "target (x+y)/10 (TF Playground)"),
    ("multigauss", make_multigauss, REGRESSION, None, "Multi-Gaussian (regression)",
     "six signed bumps (TF Playground)"),
    ("wave", make_wave, REGRESSION, None, "Wave (regression)", "sin(x)·cos(y/2)"),
]


def _register() -> None:
    from functools import partial

    for key, gen, task, k, label, doc in _TOYS:
        DATASETS.add(key, partial(build_toy, gen, task, k), label, doc, task=task, family="toy2d")


_register()
