"""The Dataset every model and trainer consumes, and the split helper all loaders share.

A Dataset holds train/validation/test tensors, what the inputs and outputs are (task kind, feature
and class names, per-sample input shape), and, for 2-D data, the raw points and the function that
turns plane coordinates into model inputs (for decision-boundary grids). It does not train.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass(frozen=True, eq=False)
class Split:
    """One split. x: float32 [N, *input_shape] (or int64 token ids); y: int64 [N] or float32 [N, T]."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class DataSpec:
    """What a model builder needs to know about the data (no tensors)."""

    task: str                      # CLASSIFICATION or REGRESSION
    input_shape: tuple[int, ...]   # per sample: (F,), (C, H, W), (L,) ...
    n_outputs: int                 # classes, or regression targets
    vocab_size: int = 0            # token datasets only
    output_len: int = 0            # 0: one output per sample; L > 0: one per position, the last L ([B, L, n_outputs])


@dataclass(frozen=True, eq=False)
class Dataset:
    spec: DataSpec
    train: Split
    val: Split
    test: Split
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    # 2-D datasets only: raw plane coordinates per split [N, 2], the plot extent, and the
    # function mapping plane points [M, 2] -> model inputs [M, F] (engineered features).
    points: dict[str, np.ndarray] | None = None
    extent: tuple[float, float, float, float] | None = None
    featurize: Callable[[np.ndarray], np.ndarray] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # fresh augmentation: (an epoch's training inputs, the trainer's generator) -> transformed inputs;
    # the Trainer applies it once per epoch, so every epoch sees new transforms (data/augment.py)
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None

    @property
    def task(self) -> str:
        return self.spec.task

    def split(self, name: str) -> Split:
        return {"train": self.train, "val": self.val, "test": self.test}[name]


def split_indices(n: int, train_fraction: float, val_fraction: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle 0..n-1 and cut it into train/val/test index arrays (each split gets >= 1 item)."""
    perm = rng.permutation(n)
    n_train = max(1, round(n * train_fraction))
    n_val = round(n * val_fraction)
    n_train = min(n_train, n - 2) if n >= 3 else n_train
    n_val = min(n_val, n - n_train - 1)
    return perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]


def make_splits(x: np.ndarray, y: np.ndarray, idx: tuple[np.ndarray, np.ndarray, np.ndarray],
                task: str) -> tuple[Split, Split, Split]:
    """Index numpy arrays into three tensor Splits with the dtypes the task needs."""
    xt = torch.from_numpy(np.ascontiguousarray(x))
    if xt.is_floating_point():
        xt = xt.float()
    if task == CLASSIFICATION:
        yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    else:
        yt = torch.from_numpy(np.asarray(y, dtype=np.float32).reshape(len(y), -1))
    return tuple(Split(xt[torch.from_numpy(i)], yt[torch.from_numpy(i)]) for i in idx)  # type: ignore[return-value]


# Dataset registry: key -> factory(cfg: DataConfig, seed: int) -> Dataset.
# Entry meta: task ("classification"/"regression"), family ("toy2d", "images", ...).
from playground.registry import Registry  # noqa: E402

DATASETS: Registry[Callable[..., Dataset]] = Registry("dataset")
