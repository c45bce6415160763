"""The Images lab's payload: curves, test results, misclassified digits, filters, feature maps, layer statistics.

`images_payload(exp, parts, image=...)` reads an Experiment (eval mode, no weight changes) and returns an
ImagesPayload of numpy arrays, lists and numbers; parts not asked for stay None, so each view of the page
asks only for what it draws. Everything but `history` is computed from the CURRENT weights, which is why the
payload carries `where` (trainer.where()) for the views to label those numbers with. Turning it into figures
is playground/views/images.py's job; this module imports neither Plotly nor Streamlit.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.experiment import Experiment
from playground.models.cnn import CNN
from playground.payloads import check_parts
from playground.payloads.plane import thin
from playground.probes import eval_mode, gradient_flow, layer_outputs, probe_layers

PARTS = ("curves", "metrics", "gallery", "filters", "maps", "stats")
GALLERY = 24          # misclassified images shown at most (most confident first)
MAX_CHANNELS = 16     # feature maps shown per conv layer
STATS_IMAGES = 256    # test images the layer statistics are measured on


@dataclass(frozen=True)
class ImagesPayload:
    epoch: int                                   # the newest history record's epoch (curves and their numbers)
    where: str                                   # where the weights are: labels every number computed from them
    metric: str
    class_names: tuple[str, ...]
    n_test: int
    history: dict[str, list] | None = None       # "curves": thinned history columns
    matrix: np.ndarray | None = None             # "metrics": counts [true, predicted], int64 [k, k]
    accuracy: float | None = None                # "metrics": test accuracy of the current weights
    moved_accuracy: float | None = None          # "metrics": on the same test images shifted and rotated
    wrong: np.ndarray | None = None              # "gallery": misclassified images uint8 [M, H, W] (0 paper, 255 ink)
    wrong_true: np.ndarray | None = None         # "gallery": their classes int [M]
    wrong_pred: np.ndarray | None = None         # "gallery": what the model said int [M]
    n_wrong: int | None = None                   # "gallery": misclassified test images in all (M <= GALLERY)
    filters: np.ndarray | None = None            # "filters": first-layer filters float32 [F, h, w]
    filters_title: str = ""
    maps: list[np.ndarray] | None = None         # "maps": input and each conv block's maps, each [C, H, W] in [0, 1]
    map_titles: tuple[str, ...] = ()             # (maps is None for an MLP: it has none)
    stats: dict | None = None                    # "stats": names, mean, std, dead [L]; grad_names, grad_norm [G]


def images_payload(exp: Experiment, parts: tuple[str, ...] = PARTS, *, image: torch.Tensor | None = None
                   ) -> ImagesPayload:
    """image: the [1, C, H, W] input whose feature maps "maps" shows (default: the first test image)."""
    check_parts(parts, PARTS)
    ds, trainer = exp.dataset, exp.trainer
    extra: dict = {}
    if "curves" in parts:
        extra["history"] = thin(trainer.history)
    if "metrics" in parts or "gallery" in parts:
        res = test_results(exp)
        if "metrics" in parts:
            extra.update(matrix=res.matrix, accuracy=float((res.pred == res.y).mean()),
                         moved_accuracy=moved_accuracy(exp, res)[1])
        if "gallery" in parts:
            extra.update(zip(("wrong", "wrong_true", "wrong_pred", "n_wrong"), misclassified(exp, res)))
    if "filters" in parts:
        extra.update(zip(("filters", "filters_title"), first_filters(exp)))
    if "maps" in parts and isinstance(exp.model, CNN):
        extra.update(zip(("maps", "map_titles"), feature_maps(exp, ds.test.x[:1] if image is None else image)))
    if "stats" in parts:
        extra["stats"] = layer_stats(exp)
    record = trainer.history.last()
    return ImagesPayload(epoch=int(record.get("epoch", trainer.epoch)), where=trainer.where(), metric=trainer.metric,
                         class_names=tuple(ds.class_names), n_test=len(ds.test), **extra)


# ---------------------------------------------------------------- predictions and metrics

def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Class probabilities float32 [N, k] in eval mode."""
    with eval_mode(model), torch.no_grad():
        return torch.softmax(model(x), -1).numpy()


def confusion_matrix(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """Counts [true, predicted], int64 [k, k]."""
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Recall per true class float32 [k] (0 for a class with no test images)."""
    totals = matrix.sum(1)
    return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), 0.0).astype(np.float32)


@dataclass(frozen=True)
class TestResults:
    probs: np.ndarray     # [N, k]
    pred: np.ndarray      # [N]
    y: np.ndarray         # [N]
    matrix: np.ndarray    # [k, k]


def test_results(exp: Experiment) -> TestResults:
    test = exp.dataset.test
    probs = predict(exp.model, test.x)
    pred, y = probs.argmax(1), test.y.numpy()
    return TestResults(probs, pred, y, confusion_matrix(y, pred, exp.dataset.spec.n_outputs))


_MOVED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # test split -> its moved images


def moved_accuracy(exp: Experiment, res: TestResults) -> tuple[float, float]:
    """(test accuracy, accuracy on the same test images shifted and rotated as data/augment.py does):
    what augmentation buys. The moves are drawn once per test split (seed 0), so the number moves only
    when the model does, and a live tick only runs the forward pass."""
    from playground.data.augment import rotate, shift

    test = exp.dataset.test
    if test not in _MOVED:
        rng = np.random.default_rng(0)
        _MOVED[test] = torch.from_numpy(rotate(shift(test.x.numpy(), rng), rng))
    moved = _MOVED[test]
    return float((res.pred == res.y).mean()), float((predict(exp.model, moved).argmax(1) == res.y).mean())


def misclassified(exp: Experiment, res: TestResults, limit: int = GALLERY
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Wrongly classified test images uint8 [M, H, W] (channels averaged, most confident first), their true
    and predicted classes [M], and how many test images are wrong in all."""
    wrong = np.flatnonzero(res.pred != res.y)
    shown = wrong[np.argsort(-res.probs[wrong, res.pred[wrong]], kind="stable")][:limit]
    x = exp.dataset.test.x[torch.from_numpy(shown)].numpy().mean(1)                  # (M, H, W) in [0, 1]
    return (np.clip(x, 0, 1) * 255).round().astype(np.uint8), res.y[shown], res.pred[shown], len(wrong)


# ---------------------------------------------------------------- inside the network

def first_filters(exp: Experiment) -> tuple[np.ndarray, str]:
    """First-layer filters (summed over input channels) of a CNN, or the first layer's weights of an MLP
    reshaped to the image (each hidden unit's template, first 32); with a title."""
    model, shape = exp.model, exp.dataset.spec.input_shape
    if isinstance(model, CNN):
        w = model.convs[0].conv.weight.detach().sum(1).numpy()                      # (out, k, k)
        return w.astype(np.float32), f"First conv layer: {len(w)} filters of {w.shape[1]}×{w.shape[2]}"
    first = next(m for m in model.modules() if isinstance(m, nn.Linear))
    w = first.weight.detach().numpy()[:32].reshape(-1, *shape).sum(1)               # (units, H, W)
    return w.astype(np.float32), f"First layer of the MLP: weights of {len(w)} units as images"


def feature_maps(exp: Experiment, x: torch.Tensor, max_channels: int = MAX_CHANNELS
                 ) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """The input and every conv block's activation maps for x [1, C, H, W], each map scaled to [0, 1]."""
    model = exp.model
    layers = [(f"conv {i + 1}", block.act) for i, block in enumerate(model.convs)]
    with torch.no_grad():
        _, outs = layer_outputs(model, x, layers)
    maps = [x[0].mean(0, keepdim=True).numpy()] + [o[0, :max_channels].numpy() for o in outs]  # [(C, H, W)]
    titles = ["input"] + [f"{n}: {o.shape[1]} maps of {o.shape[2]}×{o.shape[3]}" + (
        f" (first {max_channels})" if o.shape[1] > max_channels else "") for (n, _), o in zip(layers, outs)]
    scaled = []
    for m in maps:
        lo, hi = m.min((1, 2), keepdims=True), m.max((1, 2), keepdims=True)
        scaled.append(np.where(hi > lo, (m - lo) / np.where(hi > lo, hi - lo, 1), 0).astype(np.float32))
    return scaled, tuple(titles)


def pretty(name: str) -> str:
    """'convs.1.conv' -> 'conv 2', 'head_layers.0.act' -> 'dense 1', 'hidden.0' -> 'hidden 1' (1-based)."""
    parts = name.split(".")
    words = {"convs": "conv", "head_layers": "dense", "hidden": "hidden"}
    if len(parts) >= 2 and parts[0] in words and parts[1].isdigit():
        return f"{words[parts[0]]} {int(parts[1]) + 1}"
    return {"out": "output", "head": "output"}.get(parts[0], name)


def layer_stats(exp: Experiment, n: int = STATS_IMAGES) -> dict:
    """Activation mean/std/share of exact zeros per activation layer on n test images; the gradient norm of
    each weight matrix from the last step (floored at 1e-12 for a log axis)."""
    layers = probe_layers(exp.model)
    with torch.no_grad():
        _, outs = layer_outputs(exp.model, exp.dataset.test.x[:n], layers)
    grads = gradient_flow(exp.model)
    return dict(names=[pretty(name) for name, _ in layers],
                mean=np.array([float(o.mean()) for o in outs], np.float32),
                std=np.array([float(o.std()) for o in outs], np.float32),
                dead=np.array([float((o == 0).float().mean()) for o in outs], np.float32),
                grad_names=[pretty(g.name) for g in grads],
                grad_norm=np.array([max(g.grad_norm, 1e-12) for g in grads], np.float32))
