"""The overfitting clinic's library: regularisers, learning curves, and what regularisation does inside.

The baseline and its regularised twin are a RunGroup (playground/group.py: RunGroup.variants builds the
twin on the baseline's Dataset object from the same seed, so both start from identical weights when the
architecture is the same: dropout, L1/L2, weight decay, input noise and early stopping leave it unchanged).
Learning curves retrain fresh models on growing training subsets or with a share of flipped labels.
Probes return numpy arrays. No drawing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from playground.config import ExperimentConfig
from playground.data import make_dataset
from playground.data.base import CLASSIFICATION, Dataset, Split
from playground.experiment import Experiment, build
from playground.models.layers import seeded
from playground.objectives import metric_name

# The regularisers a person can switch on in the clinic: label -> dotted overrides.
REGULARIZERS: dict[str, dict[str, Any]] = {
    "L2 (0.01)": {"train.l2": 0.01},
    "L1 (0.001)": {"train.l1": 0.001},
    "Weight decay (0.05)": {"train.weight_decay": 0.05},
    "Dropout (0.3)": {"model.dropout": 0.3},
    "Batch norm": {"model.batch_norm": True},
    "Early stopping": {"train.early_stopping": True, "train.patience": 20},
    "Input noise (0.2)": {"train.input_noise": 0.2},
}


def best_val_epoch(exp: Experiment) -> int | None:
    """Epoch of the lowest validation loss in the history (the early-stopping point)."""
    val = [v for v in exp.trainer.history["val_loss"] if v is not None]
    return int(exp.trainer.history["epoch"][int(np.nanargmin(val))]) if val else None


# ---------------------------------------------------------------- learning curves

@dataclass(frozen=True)
class CurvePoint:
    x: float
    train_loss: float
    val_loss: float
    train_metric: float
    val_metric: float


def _with_train(ds: Dataset, train: Split) -> Dataset:
    return replace(ds, train=train)


def _fit(cfg: ExperimentConfig, ds: Dataset, epochs: int, x: float) -> CurvePoint:
    exp = build(cfg, dataset=ds)
    exp.trainer.run_epochs(epochs)
    tl, tm = exp.trainer.evaluate(ds.train)
    vl, vm = exp.trainer.evaluate(ds.val if len(ds.val) else ds.test)
    return CurvePoint(x, tl, vl, tm, vm)


def size_curve(cfg: ExperimentConfig, fractions: list[float], epochs: int) -> list[CurvePoint]:
    """Train a fresh model on the first fraction of the training split; x = training samples."""
    ds = make_dataset(cfg.data, cfg.seed)
    out = []
    for f in fractions:
        n = max(2, round(len(ds.train) * f))
        sub = Split(ds.train.x[:n], ds.train.y[:n])
        out.append(_fit(cfg, _with_train(ds, sub), epochs, n))
    return out


def flip_labels(y: torch.Tensor, share: float, n_classes: int, seed: int) -> torch.Tensor:
    """A copy of class labels with `share` of them replaced by a different random class."""
    gen = torch.Generator().manual_seed(seed)
    flip = torch.rand(len(y), generator=gen) < share
    shift = torch.randint(1, max(n_classes, 2), (len(y),), generator=gen)
    return torch.where(flip, (y + shift) % n_classes, y)


def noise_curve(cfg: ExperimentConfig, shares: list[float], epochs: int) -> list[CurvePoint]:
    """Train on labels with a share flipped (classification) or noised (regression); evaluate on clean data."""
    ds = make_dataset(cfg.data, cfg.seed)
    out = []
    for s in shares:
        if ds.task == CLASSIFICATION:
            y = flip_labels(ds.train.y, s, ds.spec.n_outputs, cfg.seed)
        else:
            gen = torch.Generator().manual_seed(cfg.seed)
            y = ds.train.y + s * torch.randn(ds.train.y.shape, generator=gen)
        out.append(_fit(cfg, _with_train(ds, Split(ds.train.x, y)), epochs, s))
    return out


# ---------------------------------------------------------------- internals

def weight_values(model: nn.Module) -> np.ndarray:
    """Every weight (not bias or norm parameter), flat float32."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters() if p.dim() > 1]).numpy()


def sparsity(model: nn.Module, tol: float = 1e-3) -> float:
    """Share of weights with |w| < tol."""
    w = weight_values(model)
    return float((np.abs(w) < tol).mean()) if len(w) else 0.0


def weight_norm(model: nn.Module) -> float:
    return float(np.linalg.norm(weight_values(model)))


def norm_activations(model: nn.Module, x: torch.Tensor, layer: int = 0) -> tuple[np.ndarray, np.ndarray] | None:
    """(before, after) batch norm of hidden layer `layer` on inputs x, in train mode; None without batch norm."""
    block = model.hidden[layer] if hasattr(model, "hidden") and layer < len(model.hidden) else None
    if block is None or not hasattr(block, "norm"):
        return None
    probe = copy.deepcopy(model).train()
    seen: dict[str, torch.Tensor] = {}
    b = probe.hidden[layer]
    hooks = [b.linear.register_forward_hook(lambda m, i, o: seen.__setitem__("before", o.detach())),
             b.norm.register_forward_hook(lambda m, i, o: seen.__setitem__("after", o.detach()))]
    with torch.no_grad():
        probe(x)
    for h in hooks:
        h.remove()
    return seen["before"].numpy(), seen["after"].numpy()     # (N, H) each


def dropout_masks(model: nn.Module, x: torch.Tensor, seed: int = 0) -> list[np.ndarray]:
    """Per hidden layer with dropout: which units were kept (1) for each of x's samples [N, H].

    Each dropout layer is fed ones on a probe copy, so a zero can only come from the mask (a ReLU's own
    zeros would otherwise look dropped)."""
    probe = copy.deepcopy(model).train()
    masks: list[np.ndarray] = []
    hooks = []
    for block in getattr(probe, "hidden", []):
        if hasattr(block, "drop"):
            hooks.append(block.drop.register_forward_pre_hook(lambda m, args: (torch.ones_like(args[0]),)))
            hooks.append(block.drop.register_forward_hook(lambda m, i, o: masks.append((o != 0).float().numpy())))
    with seeded(seed), torch.no_grad():
        probe(x)
    for h in hooks:
        h.remove()
    return masks


def train_eval_outputs(model: nn.Module, x: torch.Tensor, samples: int = 20,
                       seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(train-mode outputs [samples, N, K], eval-mode outputs [N, K]): dropout's noise against its average."""
    probe = copy.deepcopy(model)
    with seeded(seed), torch.no_grad():
        probe.train()
        noisy = torch.stack([torch.softmax(probe(x), -1) for _ in range(samples)]).numpy()
        probe.eval()
        clean = torch.softmax(probe(x), -1).numpy()
    return noisy, clean


def metric_of(exp: Experiment) -> str:
    return metric_name(exp.dataset.task)
