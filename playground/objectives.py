"""Losses and metrics: the LOSSES registry (cross-entropy per sample or per position, MSE, Huber, MAE),
`make_loss`, the L1/L2 `weight_penalty`, and which metric a task reports (`metric_name`). Computing the
metric lives in evaluation.py. Nothing here trains or draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from playground.data.base import CLASSIFICATION
from playground.registry import ConfigError, Registry


class TokenCrossEntropy(nn.CrossEntropyLoss):
    """Cross-entropy that also takes one prediction per position: logits [B, L, C] with targets [B, L]."""

    def forward(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if out.dim() > 2:
            return super().forward(out.reshape(-1, out.shape[-1]), y.reshape(-1))  # (B*L, C), (B*L,)
        return super().forward(out, y)

    def _get_name(self) -> str:
        return "CrossEntropyLoss"   # on [B, C] it is exactly nn.CrossEntropyLoss (the exported script prints nn.<repr>)


LOSSES: Registry[Callable[[str], nn.Module]] = Registry("loss")
LOSSES.add("auto", lambda task: TokenCrossEntropy() if task == CLASSIFICATION else nn.MSELoss(),
           "Auto", "cross-entropy for classes, mean squared error for numbers")
LOSSES.add("cross_entropy", lambda task: TokenCrossEntropy(), "Cross-entropy",
           "softmax + negative log-likelihood of the true class", task=CLASSIFICATION)
LOSSES.add("mse", lambda task: nn.MSELoss(), "Mean squared error", "average (ŷ - y)²", task="regression")
LOSSES.add("huber", lambda task: nn.HuberLoss(), "Huber", "squared near zero, linear for outliers",
           task="regression")
LOSSES.add("mae", lambda task: nn.L1Loss(), "Mean absolute error", "average |ŷ - y|", task="regression")


def make_loss(name: str, task: str) -> nn.Module:
    entry = LOSSES.entry(name, "train.loss")
    if entry.meta.get("task") not in (None, task):
        raise ConfigError("train.loss", f"{entry.label} is for {entry.meta['task']}, but this task is {task}")
    return entry.obj(task)


# A Dataset may name its own metric in meta["metric"]; these are the known ones.
METRICS = ("accuracy", "token_accuracy", "r2", "mse")


def metric_name(task: str, meta: dict[str, Any] | None = None) -> str:
    """The task's metric: the dataset's own (meta["metric"]) if it names one, else accuracy or R²."""
    if meta and meta.get("metric") in METRICS:
        return meta["metric"]
    return "accuracy" if task == CLASSIFICATION else "r2"


def weight_penalty(weights: list[torch.Tensor], l1: float, l2: float) -> torch.Tensor:
    """l1·Σ|w| + l2·½Σw² over the given weights (0-d), added to the loss."""
    total = torch.zeros(())
    for w in weights:
        if l1:
            total = total + l1 * w.abs().sum()
        if l2:
            total = total + l2 * 0.5 * (w * w).sum()
    return total
