"""Diagnoses: what looks wrong in a training run, said in words, by rules stated in RULES.

`diagnose(model, dataset, history)` reads the latest gradient norms, the hidden activations on the
training split and the loss curves; `curve_diagnoses(history, chance)` reads the curves alone (for a lab
that has a History but no MLP to probe). Every threshold is a module constant that both the rule and its
statement in RULES use, so the help a page shows and the code cannot disagree.

Curves are read in epochs, not records: the live loop evaluates only some epochs (cadence.py), so a
window is "the records of the last N epochs" and a level is the median of such a window (one noisy
epoch neither raises nor hides a diagnosis). Model-state rules (dead and saturated units) wait until
training has begun: at epoch 0 nothing has been learned yet.

Nothing here trains, changes the model, draws or imports streamlit.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from statistics import median

import numpy as np
from torch import nn

from playground.data.base import CLASSIFICATION, Dataset
from playground.evaluation import TRAIN_EVAL_CAP
from playground.models.layers import ACTIVATIONS
from playground.models.mlp import MLP
from playground.probes import layer_outputs

VANISHING_RATIO = 1e-3     # first layer's gradient norm below this share of the last layer's
EXPLODING_NORM = 1e3       # any layer's gradient norm above this
DEAD_SHARE = 0.25          # share of a ReLU layer's units that output zero on every training sample
SATURATED_SHARE = 0.5      # share of a tanh/sigmoid layer's outputs within SATURATION_EDGE of a limit
SATURATION_EDGE = 0.01     # tanh |a| > 0.99; sigmoid a < 0.01 or a > 0.99
SMOOTH_EPOCHS = 10         # a curve's level: the median of its records in the last this many epochs
OVERFIT_RISE = 0.20        # validation level this share above its lowest level ...
OVERFIT_GAP = 0.02         # ... and this much (in loss units): near-zero losses jitter by large shares
PLATEAU_EPOCHS = 30        # a plateau is judged over the last this many epochs
PLATEAU_SKILL = 0.05       # ... with a median skill at most this (0 = always guessing, 1 = perfect)
PLATEAU_GAIN = 0.01        # ... and no skill more than this above the best before them

RULES: dict[str, str] = {
    "vanishing": f"Vanishing gradients: the first layer's gradient norm is below {VANISHING_RATIO:g}× the "
                 "last layer's (networks of 3+ weight layers).",
    "exploding": f"Exploding gradients: a layer's gradient norm is above {EXPLODING_NORM:g}.",
    "dead_relu": f"Dead ReLUs: at least {DEAD_SHARE:.0%} of a ReLU layer's units output zero on every training "
                 "sample (checked once training has begun).",
    "saturation": f"Saturation: more than {SATURATED_SHARE:.0%} of a tanh or sigmoid layer's outputs on the "
                  f"training samples lie within {SATURATION_EDGE:g} of the function's limits (checked once "
                  "training has begun).",
    "overfitting": f"Overfitting: the validation loss's level (its median over {SMOOTH_EPOCHS} epochs) is at "
                   f"least {OVERFIT_RISE:.0%} and {OVERFIT_GAP:g} above its lowest level, reached at least "
                   f"{SMOOTH_EPOCHS} epochs earlier, while the training loss's level is below what it was then.",
    "plateau": f"Plateau: over the last {PLATEAU_EPOCHS} epochs the network did no better than guessing (median "
               f"skill at most {PLATEAU_SKILL:g}) and did not improve (no skill more than {PLATEAU_GAIN:g} above "
               "its earlier best). Skill is R² for numbers; for classes it is 1 − training loss / the loss of "
               "always predicting the training class shares.",
}

RULES_HELP = "How each diagnosis is decided:\n\n" + "\n".join(f"- {rule}" for rule in RULES.values())


@dataclass(frozen=True)
class Diagnosis:
    level: str      # "warning" or "info"
    code: str       # a key of RULES
    message: str


def diagnose(model: nn.Module, dataset: Dataset, history) -> list[Diagnosis]:
    """Read the latest gradients, the training activations and the curves; say what looks wrong."""
    found = _gradient_diagnoses(history)
    if started(history):
        found += _activation_diagnoses(model, dataset)
    return found + curve_diagnoses(history, chance_loss(dataset))


def started(history) -> bool:
    """Whether training has begun: a record after epoch 0 exists."""
    epochs = _col(history, "epoch")
    return bool(epochs) and epochs[-1] > 0


def chance_loss(dataset: Dataset) -> float | None:
    """Cross-entropy of always predicting the class shares of the evaluated training samples (their
    entropy, in nats); None for regression (its skill is R², which the history holds)."""
    if dataset.task != CLASSIFICATION or len(dataset.train) == 0:
        return None
    y = dataset.train.y[:TRAIN_EVAL_CAP].numpy().ravel()       # the slice evaluation.py scores
    y = y[y >= 0]                                              # (an ignored position would be negative)
    shares = np.bincount(y) / y.size
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum())


# ---------------------------------------------------------------- gradients and activations

def _gradient_diagnoses(history) -> list[Diagnosis]:
    grads = (_col(history, "grad_norms") or [None])[-1] or []   # the last record's, per weight matrix
    frozen = (_col(history, "frozen") or [0])[-1] or 0         # frozen first blocks have no gradient by design
    found = []
    if len(grads) >= 3 and grads[-1] > 0 and not frozen:
        ratio = grads[0] / grads[-1]
        if ratio < VANISHING_RATIO:
            found.append(Diagnosis("warning", "vanishing",
                                   f"Vanishing gradients: the first layer's gradient is {1 / max(ratio, 1e-30):.0e}× "
                                   "smaller than the last layer's, so early layers barely learn. Try ReLU-like "
                                   "activations, He/Xavier init, batch norm, or fewer layers."))
    if grads and max(grads) > EXPLODING_NORM:
        found.append(Diagnosis("warning", "exploding",
                               f"Exploding gradients: a gradient norm reached {max(grads):.3g}. Lower the learning "
                               "rate or turn on gradient clipping."))
    return found


def _layer_activation_keys(model: nn.Module) -> list[str]:
    if not isinstance(model, MLP):
        return []
    keys = {type(ACTIVATIONS.get(k)()): k for k in ACTIVATIONS}
    return [keys.get(type(block.act), "") for block in model.hidden]


def _activation_diagnoses(model: nn.Module, dataset: Dataset) -> list[Diagnosis]:
    keys = _layer_activation_keys(model)
    if not keys or len(dataset.train) == 0:
        return []
    _, outs = layer_outputs(model, dataset.train.x, [(str(i), b.act) for i, b in enumerate(model.hidden)])
    found = []
    for i, (key, a) in enumerate(zip(keys, outs)):      # a: [N, units]
        if key == "relu":
            dead = int((a.abs().amax(0) == 0).sum())
            if dead and dead / a.shape[1] >= DEAD_SHARE:
                found.append(Diagnosis("warning", "dead_relu",
                                       f"Dead ReLUs: {dead} of {a.shape[1]} units in hidden layer {i + 1} output zero "
                                       "for every training sample and no longer learn. Try leaky ReLU, a lower "
                                       "learning rate or He init."))
        elif key in ("tanh", "sigmoid"):
            edge = 1 - SATURATION_EDGE
            flat = (a.abs() > edge) if key == "tanh" else ((a < SATURATION_EDGE) | (a > edge))
            share = float(flat.float().mean())
            if share > SATURATED_SHARE:
                found.append(Diagnosis("warning", "saturation",
                                       f"Saturation: {share:.0%} of the {key} outputs in hidden layer {i + 1} sit at "
                                       "the flat ends, where the gradient is near zero. Try smaller inputs or "
                                       "weights, batch norm, or ReLU."))
    return found


# ---------------------------------------------------------------- curves

def curve_diagnoses(history, chance: float | None = None) -> list[Diagnosis]:
    """Overfitting and plateau from the History alone. `chance`: the loss of always guessing the class
    shares (chance_loss); without it a classification run is not judged for a plateau."""
    return _overfitting(history) + _plateau(history, chance)


def _col(history, key: str) -> list:
    """A History column, or a plain dict's list; [] when absent."""
    return history.get(key) or []


def _finite(epochs: list, *columns: list) -> list[tuple]:
    """Rows (epoch, value, ...) of the records where every column holds a finite number."""
    return [row for row in zip(epochs, *columns)
            if all(v is not None and math.isfinite(v) for v in row[1:])]


def _levels(epochs: list[int], values: list[float], span: int) -> list[float]:
    """For each record, the median of the records in the `span` epochs up to and including its epoch."""
    out, lo = [], 0
    for i, e in enumerate(epochs):
        while epochs[lo] <= e - span:
            lo += 1
        out.append(median(values[lo:i + 1]))
    return out


def _overfitting(history) -> list[Diagnosis]:
    rows = _finite(_col(history, "epoch"), _col(history, "val_loss"), _col(history, "train_loss"))
    if len(rows) < 2:
        return []
    epochs = [r[0] for r in rows]
    val = _levels(epochs, [r[1] for r in rows], SMOOTH_EPOCHS)
    train = _levels(epochs, [r[2] for r in rows], SMOOTH_EPOCHS)
    best = min(range(len(val)), key=val.__getitem__)              # the first lowest level
    risen = val[-1] >= max((1 + OVERFIT_RISE) * val[best], val[best] + OVERFIT_GAP)
    if risen and epochs[-1] - epochs[best] >= SMOOTH_EPOCHS and train[-1] < train[best]:
        return [Diagnosis("info", "overfitting",
                          f"Overfitting: validation loss rose from {val[best]:.3f} (epoch {epochs[best]}) to "
                          f"{val[-1]:.3f} while the training loss fell from {train[best]:.3f} to {train[-1]:.3f} "
                          f"(medians over {SMOOTH_EPOCHS} epochs). Try L2, dropout, early stopping or more data.")]
    return []


def _skill(history, chance: float | None) -> tuple[list[int], list[float]]:
    """(epochs, skill per record): R² for regression, else 1 − training loss / chance."""
    if chance:
        rows = _finite(_col(history, "epoch"), _col(history, "train_loss"))
        return [r[0] for r in rows], [1 - r[1] / chance for r in rows]
    rows = _finite(_col(history, "epoch"), _col(history, "train_r2"))
    return [r[0] for r in rows], [r[1] for r in rows]


def _plateau(history, chance: float | None) -> list[Diagnosis]:
    epochs, skill = _skill(history, chance)
    if not epochs or epochs[-1] - epochs[0] < PLATEAU_EPOCHS:
        return []
    cut = bisect_right(epochs, epochs[-1] - PLATEAU_EPOCHS)        # records before the window
    window, before = skill[cut:], skill[:cut]
    level = median(window)
    if level <= PLATEAU_SKILL and max(window) <= max(before) + PLATEAU_GAIN:
        where = (f"its training loss is {chance * (1 - level):.3f}, and always predicting the class shares "
                 f"gives {chance:.3f}" if chance else f"its R² is {level:.3f} (0 = always predicting the mean)")
        return [Diagnosis("info", "plateau",
                          f"Plateau: for the last {PLATEAU_EPOCHS} epochs the network has done no better than "
                          f"guessing and is not improving: {where} (medians). Networks sometimes break out on "
                          "their own; if not, try a larger learning rate, another optimizer, a non-linear "
                          "activation or a bigger network.")]
    return []
