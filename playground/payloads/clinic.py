"""The Overfitting clinic's payload: the baseline's and the twin's curves, and what their weights look like.

`clinic_payload(group)` is group_payload with, per run, its best validation epoch, every weight (for the
histogram), their norm and share near zero: numbers from the current weights, which the views label
with the run's `where`. No drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.experiment import Experiment
from playground.group import RunGroup
from playground.payloads.group import GroupPayload, group_payload
from playground.regularize import best_val_epoch, sparsity, weight_norm, weight_values


@dataclass(frozen=True)
class WeightStats:
    best_epoch: int | None     # epoch of the lowest validation loss so far
    weights: np.ndarray        # every weight (not biases), flat float32
    norm: float
    near_zero: float           # share of weights with |w| < 1e-3 (regularize.sparsity)


def weight_stats(exp: Experiment) -> WeightStats:
    return WeightStats(best_epoch=best_val_epoch(exp), weights=weight_values(exp.model).copy(),
                       norm=weight_norm(exp.model), near_zero=sparsity(exp.model))


def clinic_payload(group: RunGroup) -> GroupPayload:
    return group_payload(group, per_run=weight_stats)
