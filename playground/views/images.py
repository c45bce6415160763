"""The Images lab's views: from an Experiment (and a chosen image) to the numbers and figures of the page.

Predictions, confusion matrix, per-class accuracy and misclassified images of the test split; first-layer
filters; feature maps of one image at every conv layer; activation and gradient statistics per layer;
Captum explanations side by side (on an eval-mode copy, via `explain`) with their latency and
convergence delta; the cascading-randomisation sanity check. Models are only read, never changed.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import nn

from playground.experiment import Experiment
from playground.explain import ATTRIBUTIONS, explain, seeded_options
from playground.figures import image_frames as frames
from playground.figures import images as fig
from playground.figures.palette import LAYOUT, ORANGE
from playground.models.cnn import CNN, layer_table
from playground.probes import eval_mode, gradient_flow, layer_outputs, probe_layers
from playground.sanity import CONTROL, CONTROL_LABEL, FLAG_AT, cascading_randomization

FAST_DEFAULT = ["saliency", "integrated_gradients", "smoothgrad", "gradcam", "guided_backprop", "deeplift",
                "occlusion"]
SANITY_TEXT = (
    "**Sanity check** (Adebayo et al., 2018): re-draw the weights at random, one more layer at a time from the "
    "output down, and see how much each map changes. A map that stays the same for a destroyed model is "
    "explaining the image, not the model. The *edge detector* is the control: it never looks at the model, so "
    "its line stays at 1 and the check flags it. Integrated Gradients and DeepLift (input × gradient style "
    "methods, like GradientSHAP) usually fail too: their maps stay shaped like the input after randomisation, "
    "a known result of the paper, so read them as 'where the ink is' more than 'what this network uses'. "
    "Saliency and Grad-CAM drop; Guided Backprop and SmoothGrad often sit near the line.")
SANITY_HELP = (f"Each line is Spearman's ρ (ties get average ranks) between a method's |map| on the trained "
               f"model and on the randomised copy. A method fails when ρ stays ≥ {FLAG_AT:g} at every stage of "
               f"the randomisation. The model you trained is never changed.")
SIGNED = {"integrated_gradients", "deeplift", "gradient_shap", "occlusion", "guided_backprop"}


def image_methods() -> list[str]:
    """Attribution methods that suit images (the registry's `kinds` meta)."""
    return [k for k in ATTRIBUTIONS if "image" in ATTRIBUTIONS.entry(k).meta.get("kinds", ())]


def pretty(name: str) -> str:
    """'convs.1.conv' -> 'conv 2', 'head_layers.0.act' -> 'dense 1', 'hidden.0' -> 'hidden 1' (1-based)."""
    parts = name.split(".")
    words = {"convs": "conv", "head_layers": "dense", "hidden": "hidden"}
    if len(parts) >= 2 and parts[0] in words and parts[1].isdigit():
        return f"{words[parts[0]]} {int(parts[1]) + 1}"
    return {"out": "output", "head": "output"}.get(parts[0], name)


def conv_layers(model: nn.Module) -> list[str]:
    return model.conv_layer_names() if isinstance(model, CNN) else []


def layer_rows(exp: Experiment) -> tuple[list[dict], str]:
    """The layer table (name, type, output shape, parameters) as rows, and a one-line summary."""
    rows = layer_table(exp.model, exp.dataset.spec.input_shape)
    table = [{"layer": r.name, "type": r.kind, "output": " × ".join(map(str, r.output_shape)),
              "parameters": r.parameters} for r in rows]
    shape = " × ".join(map(str, exp.dataset.spec.input_shape))
    n = len(exp.dataset.train)
    return table, f"{sum(r.parameters for r in rows):,} parameters; {n:,} training images of {shape}."


# ---------------------------------------------------------------- predictions and metrics

def predict(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Class probabilities float32 [N, k] in eval mode."""
    with eval_mode(model):
        return torch.softmax(model(x), -1).numpy()


def confusion_matrix(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """Counts [true, predicted], int64 [k, k]."""
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
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


def metric_views(exp: Experiment, res: TestResults) -> tuple[go.Figure, go.Figure]:
    names = exp.dataset.class_names
    return fig.confusion_figure(res.matrix, names), fig.per_class_figure(per_class_accuracy(res.matrix), names)


def _misclassified(exp: Experiment, res: TestResults, limit: int) -> tuple[np.ndarray, list[str], int]:
    """Wrongly classified test images [M, H, W] (most confident first), 'true→predicted' captions, total."""
    wrong = np.flatnonzero(res.pred != res.y)
    shown = wrong[np.argsort(-res.probs[wrong, res.pred[wrong]])][:limit]
    names = exp.dataset.class_names
    images = exp.dataset.test.x[torch.from_numpy(shown)].numpy().mean(1)          # (M, H, W)
    return images, [f"{names[res.y[i]]}→{names[res.pred[i]]}" for i in shown], len(wrong)


def misclassified_view(exp: Experiment, res: TestResults, limit: int = 24) -> tuple[go.Figure | None, int]:
    """Gallery of wrongly classified test images captioned 'true→predicted' (most confident first)."""
    images, titles, total = _misclassified(exp, res, limit)
    if not total:
        return None, 0
    return fig.image_grid_figure(images, titles, cols=12, zrange=(0, 1), title_colors=[ORANGE] * len(titles),
                                 height=110 + 95 * ((len(titles) - 1) // 12)), total


def misclassified_frame(exp: Experiment, res: TestResults, limit: int = 24) -> tuple[bytes | None, int]:
    images, titles, total = _misclassified(exp, res, limit)
    scale = max(3, 64 // images.shape[-1]) if total else 8
    return (frames.mosaic_png(images, titles, cols=12, scale=scale, caption_colors=[ORANGE] * len(titles))
            if total else None), total


def confusion_frame(exp: Experiment, res: TestResults) -> bytes:
    return frames.confusion_png(res.matrix, exp.dataset.class_names)


# ---------------------------------------------------------------- inside the network

def _filters(exp: Experiment) -> tuple[np.ndarray, str]:
    """First-layer filters (summed over input channels) of a CNN, or the first layer's weights of an MLP
    reshaped to the image (each hidden unit's template); with a title."""
    model, shape = exp.model, exp.dataset.spec.input_shape
    if isinstance(model, CNN):
        w = model.convs[0].conv.weight.detach().sum(1).numpy()                      # (out, k, k)
        return w, f"First conv layer: {len(w)} filters of {w.shape[1]}×{w.shape[2]} (blue +, orange −)"
    first = next(m for m in model.modules() if isinstance(m, nn.Linear))
    w = first.weight.detach().numpy()[:32].reshape(-1, *shape).sum(1)               # (units, H, W)
    return w, f"First layer of the MLP: weights of {len(w)} units as images (blue +, orange −)"


def filters_view(exp: Experiment) -> go.Figure:
    w, title = _filters(exp)
    return fig.image_grid_figure(w.astype(np.float32), signed=True, cols=16, title=title,
                                 height=80 + 70 * ((len(w) - 1) // 16 + 1))


def filters_frame(exp: Experiment) -> bytes:
    w, title = _filters(exp)
    return frames.mosaic_png(w, cols=16, signed=True, scale=max(4, 48 // w.shape[-1]), title=title)


def _feature_maps(exp: Experiment, x: torch.Tensor, max_channels: int) -> tuple[list[np.ndarray], list[str]]:
    """The input and every conv block's activation maps for x [1, C, H, W], each map scaled to [0, 1]."""
    model = exp.model
    layers = [(f"conv {i + 1}", block.act) for i, block in enumerate(model.convs)]
    _, outs = layer_outputs(model, x, layers)
    maps = [x[0].mean(0, keepdim=True).numpy()] + [o[0, :max_channels].numpy() for o in outs]  # [(C, H, W)]
    titles = ["input"] + [f"{n}: {o.shape[1]} maps of {o.shape[2]}×{o.shape[3]}" + (
        f" (first {max_channels})" if o.shape[1] > max_channels else "") for (n, _), o in zip(layers, outs)]
    scaled = []
    for m in maps:
        lo, hi = m.min((1, 2), keepdims=True), m.max((1, 2), keepdims=True)
        scaled.append(np.where(hi > lo, (m - lo) / np.where(hi > lo, hi - lo, 1), 0).astype(np.float32))
    return scaled, titles


def feature_maps_view(exp: Experiment, x: torch.Tensor, max_channels: int = 16) -> go.Figure | None:
    """Every conv block's activation maps for one image x [1, C, H, W] (each map scaled to its own range)."""
    if not isinstance(exp.model, CNN):
        return None
    maps, titles = _feature_maps(exp, x, max_channels)
    f = make_subplots(rows=len(maps), cols=1, subplot_titles=titles, vertical_spacing=0.06)
    for r, m in enumerate(maps, start=1):
        f.add_trace(go.Heatmap(z=fig.mosaic(m, cols=max_channels), colorscale="Viridis", zmin=0, zmax=1,
                               showscale=False, hoverongaps=False, hovertemplate="%{z:.2f}<extra></extra>"), r, 1)
        f.update_yaxes(autorange="reversed", scaleanchor=f"x{'' if r == 1 else r}", row=r, col=1)
    f.update_xaxes(visible=False)
    f.update_yaxes(visible=False)
    f.update_layout(**{**LAYOUT, "margin": dict(l=4, r=4, t=30, b=4)}, height=130 * len(maps) + 40)
    f.update_annotations(font_size=11)
    return f


def feature_maps_frame(exp: Experiment, x: torch.Tensor, max_channels: int = 16) -> bytes | None:
    if not isinstance(exp.model, CNN):
        return None
    return frames.feature_maps_png(*_feature_maps(exp, x, max_channels), cols=max_channels)


def layer_stats_view(exp: Experiment, n: int = 256) -> go.Figure:
    """Activation mean/std/share of zeros per activation layer on test images; gradient norms per weight."""
    layers = probe_layers(exp.model)
    _, outs = layer_outputs(exp.model, exp.dataset.test.x[:n], layers)
    mean = np.array([float(o.mean()) for o in outs], dtype=np.float32)
    std = np.array([float(o.std()) for o in outs], dtype=np.float32)
    dead = np.array([float((o == 0).float().mean()) for o in outs], dtype=np.float32)
    grads = gradient_flow(exp.model)
    short = [pretty(name) for name, _ in layers]
    gnames = [pretty(g.name) for g in grads]
    return fig.layer_stats_figure(short, mean, std, dead, [max(g.grad_norm, 1e-12) for g in grads], gnames)


# ---------------------------------------------------------------- explanations

@dataclass(frozen=True)
class ExplainRow:
    method: str
    label: str
    seconds: float
    delta: float | None
    map: np.ndarray       # (H, W), channels summed


def explain_image(exp: Experiment, x: torch.Tensor, target: int, methods: list[str], layer: str | None = None
                  ) -> list[ExplainRow]:
    """Each method's map for image x [1, C, H, W] and class `target` (Grad-CAM at `layer`)."""
    rows = []
    for m in methods:
        entry = ATTRIBUTIONS.entry(m)
        if entry.meta.get("layer") and not layer:
            continue
        t0 = time.perf_counter()
        e = explain(exp.model, x, target, method=m, layer=layer if entry.meta.get("layer") else None,
                    **seeded_options(m, exp.cfg.seed, exp.dataset.train.x))
        secs = time.perf_counter() - t0
        amap = e.attributions[0].sum(0).astype(np.float32)                           # (H, W)
        delta = None if e.delta is None else float(np.abs(e.delta).max())
        rows.append(ExplainRow(m, entry.label, secs, delta, amap))
    return rows


def probabilities_view(probs: np.ndarray, class_names) -> go.Figure:
    return fig.probabilities_figure(probs, list(class_names))


def explain_view(x: torch.Tensor, rows: list[ExplainRow], title: str) -> go.Figure:
    panels = [(r.label, r.map, r.method in SIGNED) for r in rows]
    return fig.attribution_figure(x[0].mean(0).numpy(), panels, image_title=title)


def sanity_view(exp: Experiment, x: torch.Tensor, target: int, methods: list[str], layer: str | None
                ) -> tuple[go.Figure, list[str]]:
    """The sanity check's figure (the chosen methods and the edge-detector control) and the labels of the
    methods it flags (rank correlation stays >= FLAG_AT at every randomised stage)."""
    usable = [m for m in methods if layer or not ATTRIBUTIONS.entry(m).meta.get("layer")]
    res = cascading_randomization(exp.model, x, target, usable, layer=layer, seed=exp.cfg.seed,
                                  data=exp.dataset.train.x)
    labels = [CONTROL_LABEL if m == CONTROL else ATTRIBUTIONS.label(m) for m in res.methods]
    stages = [s if s == "trained" else f"{pretty(s)} ({s.split('.')[-1]})" for s in res.stages]
    figure = fig.sanity_figure(stages, labels, res.similarity, flagged=res.flagged, threshold=FLAG_AT)
    return figure, [lab for lab, f in zip(labels, res.flagged) if f]


def as_batch(image: np.ndarray, shape: tuple[int, ...]) -> torch.Tensor:
    """One drawn or uploaded image [H, W] (or [C, H, W]) -> a model input [1, C, H, W]."""
    c = shape[0]
    x = image if image.ndim == 3 else np.repeat(image[None], c, 0)
    return torch.from_numpy(np.array(x, dtype=np.float32))[None]


def paint(canvas: np.ndarray, points: list[dict], value: float) -> np.ndarray:
    """A copy of the pad [H, W] with the selected cells (plotly selection points) set to `value`."""
    out = canvas.copy()
    for p in points:
        x, y = round(float(p.get("x", -1))), round(float(p.get("y", -1)))
        if 0 <= y < out.shape[0] and 0 <= x < out.shape[1]:
            out[y, x] = value
    return out
