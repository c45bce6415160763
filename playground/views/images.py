"""The Images lab's views: payloads and experiments to the figures and texts of the page.

Live views (Training, Inside the network) turn an ImagesPayload (playground/payloads/images.py: numbers
computed beside the model each tick) into figure dicts for `ui.chart.show`, with fixed heights, and label
everything computed from the current weights with the payload's `where`. The explanation views (not live:
drawn with st.plotly_chart) run Captum side by side on an eval-mode copy, via `explain`, with latency and
convergence delta, and the cascading-randomisation sanity check. Models are only read, never changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from playground.compute.tick import Runs, leader
from playground.experiment import Experiment
from playground.explain import ATTRIBUTIONS, explain, seeded_options
from playground.figures import images as fig
from playground.figures.curves import curves_spec
from playground.figures.palette import ORANGE
from playground.models.cnn import CNN, layer_table
from playground.payloads.images import GALLERY, MAX_CHANNELS, ImagesPayload, per_class_accuracy, predict, pretty
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
LIVE_PARTS = {"Training": ("curves", "metrics", "gallery"),          # what each live view asks the payload for
              "Inside the network": ("filters", "maps", "stats")}
CURVES_HEIGHT, METRICS_HEIGHT, GALLERY_HEIGHT, STATS_HEIGHT = 300, 340, 210, 320   # px, playing or paused
MOVED_HELP = ("Each test image shifted by up to ⅛ of a side and rotated by up to 15° (drawn once, so the number "
              "moves only when the model does). Augmentation (sidebar) trains on such moves and narrows the gap.")
SIGNED = {"integrated_gradients", "deeplift", "gradient_shap", "occlusion", "guided_backprop"}


def image_methods() -> list[str]:
    """Attribution methods that suit images (the registry's `kinds` meta)."""
    return [k for k in ATTRIBUTIONS if "image" in ATTRIBUTIONS.entry(k).meta.get("kinds", ())]


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


# ---------------------------------------------------------------- live views (from an ImagesPayload)

def curves_view(p: ImagesPayload) -> dict:
    return curves_spec(p.history, p.metric, height=CURVES_HEIGHT)


def confusion_view(p: ImagesPayload) -> dict:
    return fig.confusion_spec(p.matrix, p.class_names, subtitle=p.where, height=METRICS_HEIGHT)


def per_class_view(p: ImagesPayload) -> dict:
    return fig.per_class_spec(per_class_accuracy(p.matrix), p.class_names, subtitle=p.where, height=METRICS_HEIGHT)


def accuracy_text(p: ImagesPayload) -> str:
    """The test and moved-image accuracy of the current weights, labelled with where they are: one short
    line, so it does not wrap differently as the numbers change (the charts below would move)."""
    return (f"Test accuracy **{p.accuracy:.1%}** · on the same images shifted and rotated **{p.moved_accuracy:.1%}** "
            f"({p.where})")


def gallery_view(p: ImagesPayload) -> dict:
    """Misclassified test images captioned 'true→predicted' (most confident first) in a grid of GALLERY slots,
    so the chart keeps its size however many are wrong."""
    names = p.class_names
    titles = [f"{names[t]}→{names[q]}" for t, q in zip(p.wrong_true, p.wrong_pred)]
    head = (f"Misclassified test images, {p.where}: {p.n_wrong} of {p.n_test}"
            + (" (true→predicted, most confident first)" if p.n_wrong else " — none"))
    return fig.image_grid_spec(p.wrong.astype(np.float32), titles, cols=GALLERY // 2, slots=GALLERY, zrange=(0, 255),
                               title=head, title_colors=[ORANGE] * len(titles), height=GALLERY_HEIGHT)


def filters_view(p: ImagesPayload) -> dict:
    """First-layer filters (blue +, orange −), 16 to a row; the height follows the model, not the tick."""
    rows = -(-len(p.filters) // 16)
    return fig.image_grid_spec(p.filters, cols=16, signed=True, height=40 + 64 * rows,
                               title=f"{p.filters_title}, {p.where} (blue +, orange −)")


def feature_maps_view(p: ImagesPayload, image_title: str) -> dict | None:
    """Every conv block's maps of the chosen image (each map scaled to its own range); None for an MLP."""
    if p.maps is None:
        return None
    return fig.feature_maps_spec(p.maps, p.map_titles, cols=MAX_CHANNELS, title=f"Feature maps of {image_title} "
                                 f"({p.where})")


def layer_stats_view(p: ImagesPayload) -> dict:
    s = p.stats
    return fig.layer_stats_spec(s["names"], s["mean"], s["std"], s["dead"], s["grad_norm"], s["grad_names"],
                                title=f"Layer statistics ({p.where})", height=STATS_HEIGHT)


# ---------------------------------------------------------------- explanations

@dataclass(frozen=True)
class ExplainRow:
    method: str
    label: str
    seconds: float
    delta: float | None
    map: np.ndarray       # (H, W), channels summed


def explain_drawing(runs: Runs, x: torch.Tensor, target: int | None, methods: list[str], layer: str | None
                    ) -> tuple[torch.Tensor, int, list[ExplainRow]]:
    """(class probabilities, the class explained, explain_image's rows) for a drawn image x [1, C, H, W]:
    `target`, or the predicted class when None. Takes the lab's runs, so it can run where they train."""
    exp = leader(runs)
    probs = predict(exp.model, x)[0]
    cls = int(probs.argmax()) if target is None else target
    return probs, cls, explain_image(exp, x, cls, methods, layer)


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


def explain_caption(rows: list[ExplainRow]) -> str:
    """How to read the maps, and each method's latency and convergence delta."""
    return "Red: how much each pixel matters. Blue/orange: pushes towards/away from the class. " + " · ".join(
        f"{r.label}: {r.seconds * 1000:.0f} ms" + (f", convergence δ = {r.delta:.2g}" if r.delta is not None else "")
        for r in rows)


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
