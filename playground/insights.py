"""The Explain hub's computations on vector-input models: which samples, which target, attributions,
global importance, agreement between methods, and conductance of hidden neurons.

Every attribution goes through `explain.explain` (an eval-mode copy; the model in training is never
touched). Results are numpy arrays for the figure builders. This module does not draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.data.base import CLASSIFICATION, Dataset
from playground.explain import ATTRIBUTIONS, explain, seeded_options
from playground.probes import eval_mode
from playground.sanity import rank_correlation

# Methods the hub offers for tabular inputs, in menu order; KernelSHAP runs on demand (slow).
TABULAR_METHODS = ("integrated_gradients", "deeplift", "saliency", "feature_ablation", "shapley_sampling",
                   "gradient_shap", "kernel_shap")
SLOW_CHUNK = 8   # rows per call for slow methods, so a progress bar can move


def supports(dataset: Dataset) -> bool:
    """The hub explains models whose inputs are flat float vectors (tabular and 2-D data)."""
    return len(dataset.spec.input_shape) == 1 and dataset.train.x.is_floating_point()


@dataclass(frozen=True)
class Selection:
    idx: np.ndarray        # (N,) row indices into the split
    x: torch.Tensor        # (N, F)
    y: np.ndarray          # (N,) true labels or values
    pred: np.ndarray       # (N,) predicted class or value
    correct: np.ndarray    # (N,) bool (regression: |error| below the median error)


def select(model: nn.Module, dataset: Dataset, split: str = "test", *, label: int | None = None,
           outcome: str = "all", limit: int = 200) -> Selection:
    """Rows of `split` filtered by true class (`label`) and by outcome ('all', 'correct', 'incorrect')."""
    s = dataset.split(split)
    with eval_mode(model):
        out = model(s.x)
    if dataset.task == CLASSIFICATION:
        y, pred = s.y.numpy(), out.argmax(-1).numpy()
        correct = pred == y
    else:
        y, pred = s.y[:, 0].numpy(), out[:, 0].numpy()
        err = np.abs(pred - y)
        correct = err <= np.median(err)
    keep = np.ones(len(y), bool)
    if label is not None and dataset.task == CLASSIFICATION:
        keep &= y == label
    if outcome != "all":
        keep &= correct if outcome == "correct" else ~correct
    idx = np.flatnonzero(keep)[:limit]
    return Selection(idx, s.x[torch.from_numpy(idx)], y[idx], pred[idx], correct[idx])


def attribute(model: nn.Module, dataset: Dataset, sel: Selection, method: str, *, target: str = "predicted",
              seed: int | None = None, progress: Callable[[float], None] | None = None,
              **options) -> tuple[np.ndarray, np.ndarray | None]:
    """(attributions (N, F), convergence delta (N,) or None) for the selected rows.

    target: 'predicted' or 'true' class (classification); regression explains the single output.
    seed: the run's seed, for methods that draw random numbers (GradientSHAP draws its baselines from the
    training rows with a generator seeded from it; one generator for all chunks).
    Slow methods run in chunks of SLOW_CHUNK rows and report progress in [0, 1].
    """
    if len(sel.idx) == 0:
        return np.zeros((0, dataset.spec.input_shape[0]), np.float32), None
    if dataset.task == CLASSIFICATION:
        t = torch.from_numpy((sel.pred if target == "predicted" else sel.y).astype(np.int64))
    else:
        t = torch.zeros(len(sel.idx), dtype=torch.long)
    if seed is not None:
        options = {**seeded_options(method, seed, dataset.train.x), **options}
    slow = not ATTRIBUTIONS.entry(method).meta.get("fast", True)
    step = SLOW_CHUNK if slow else len(sel.idx)
    attrs, deltas = [], []
    for start in range(0, len(sel.idx), step):
        part = explain(model, sel.x[start:start + step], t[start:start + step], method=method, **options)
        attrs.append(part.attributions)
        if part.delta is not None:
            deltas.append(np.asarray(part.delta).reshape(-1))
        if progress:
            progress(min(1.0, (start + step) / len(sel.idx)))
    return np.concatenate(attrs).astype(np.float32), (np.concatenate(deltas) if deltas else None)


def global_importance(attr: np.ndarray) -> np.ndarray:
    """Mean absolute attribution per feature (F,)."""
    return np.abs(attr).mean(0) if len(attr) else np.zeros(attr.shape[1], np.float32)


def agreement(attrs: dict[str, np.ndarray]) -> np.ndarray:
    """(M, M) mean over samples of the Spearman rho (average ranks for ties, 0 for a constant row)
    between two methods' attribution vectors (N, F)."""
    names = list(attrs)
    m = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            m[i, j] = m[j, i] = float(rank_correlation(attrs[names[i]], attrs[names[j]]).mean())
    return m


def hidden_layers(model: nn.Module) -> list[tuple[str, str, int]]:
    """(module name, label, width) of each hidden block of an MLP, for conductance."""
    blocks = getattr(model, "hidden", None)
    if not isinstance(blocks, nn.ModuleList):
        return []
    return [(f"hidden.{i}", f"hidden layer {i + 1}", b.linear.out_features) for i, b in enumerate(blocks)]


def conductance(model: nn.Module, dataset: Dataset, sel: Selection, layer: str, neuron: int,
                target: str = "predicted") -> tuple[np.ndarray, np.ndarray]:
    """(layer conductance per unit (H,), neuron conductance per input (F,)), both averaged over rows."""
    if dataset.task == CLASSIFICATION:
        t = torch.from_numpy((sel.pred if target == "predicted" else sel.y).astype(np.int64))
    else:
        t = torch.zeros(len(sel.idx), dtype=torch.long)
    lc = explain(model, sel.x, t, method="layer_conductance", layer=layer).attributions
    nc = explain(model, sel.x, t, method="neuron_conductance", layer=layer, neuron=neuron).attributions
    return lc.mean(0), nc.mean(0)


def completeness_gap(model: nn.Module, sel: Selection, attr: np.ndarray, target: np.ndarray) -> np.ndarray:
    """|sum of attributions - (f(x) - f(0))| per row: Integrated Gradients' completeness, checked directly."""
    with eval_mode(model):
        fx = model(sel.x)
        f0 = model(torch.zeros_like(sel.x))
    rows = torch.arange(len(target))
    t = torch.from_numpy(target.astype(np.int64))
    diff = (fx[rows, t] - f0[rows, t]).numpy()
    return np.abs(attr.sum(1) - diff)
