"""The Overfitting clinic's views: the regularised twin of the lab's experiment, curves and internals.

The baseline is the lab's own experiment; with its twin (built from the same Dataset object and seed with
the regulariser overrides) it forms a RunGroup that the live loop steps in lockstep, so Play, Step and Reset
drive both. Live views read a GroupPayload (payloads/clinic.py); functions return figures or small dicts;
no streamlit.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from torch import nn

from playground.experiment import Experiment
from playground.figures.network import network_figure
from playground.figures.regularize import (
    dropout_mask_figure,
    learning_curve_figure,
    norm_activation_figure,
    train_eval_figure,
    twin_curves_spec,
    weight_histogram_spec,
)
from playground.group import RunGroup
from playground.objectives import metric_name
from playground.payloads.group import GroupPayload
from playground.payloads.plane import layer_names, network_parts
from playground.regularize import dropout_masks, noise_curve, norm_activations, size_curve, train_eval_outputs

SIZES = [0.1, 0.2, 0.35, 0.5, 0.75, 1.0]
NOISES = [0.0, 0.1, 0.2, 0.3, 0.4]


def twin_overrides(*, l1: float = 0.0, l2: float = 0.0, weight_decay: float = 0.0, dropout: float = 0.0,
                   batch_norm: bool = False, early_stopping: bool = False, patience: int = 20,
                   input_noise: float = 0.0, hidden: str = "") -> dict[str, Any]:
    """Dotted overrides for the regularised copy; only what is switched on."""
    out: dict[str, Any] = {"train.l1": l1, "train.l2": l2, "train.weight_decay": weight_decay,
                           "model.dropout": dropout, "model.batch_norm": batch_norm,
                           "train.early_stopping": early_stopping, "train.input_noise": input_noise}
    out = {k: v for k, v in out.items() if v}
    if early_stopping:
        out["train.patience"] = patience
    if hidden.strip():
        out["model.hidden"] = hidden.strip()        # "8" or "8,4": the config coerces and validates it
    return out


def twin_group(exp: Experiment, overrides: dict[str, Any], cache: dict) -> RunGroup:
    """The baseline (the lab's experiment) and its regularised twin (same data object and seed) as one
    RunGroup; rebuilt when the experiment or the overrides change."""
    key = (exp.uid, repr(sorted(overrides.items())))
    if cache.get("twin_key") != key:
        cache["twin_key"] = key
        cache["twins"] = RunGroup.variants(exp, {"regularized": overrides}, leader_label="baseline")
    return cache["twins"]


def same_start(a: Experiment, b: Experiment) -> bool:
    """Whether both models' weight layers started identical: same layer sizes and seed (batch norm and
    dropout add no random initial values, so they keep the start identical)."""
    ma, mb = a.cfg.model, b.cfg.model
    return (ma.hidden, ma.init, a.cfg.seed) == (mb.hidden, mb.init, b.cfg.seed)


def twin_view(p: GroupPayload) -> dict:
    """Baseline and regularized curves side by side, each run's best validation epoch marked."""
    return twin_curves_spec({r.label: r.history for r in p.runs}, {r.label: r.extra.best_epoch for r in p.runs})


def twin_table(p: GroupPayload) -> list[dict[str, Any]]:
    """Per run: the epoch its losses are from, those losses, the gap, the best validation epoch, and where the
    weights are that the weight norm and sparsity come from."""
    m = p.metric
    rows = []
    for r in p.runs:
        rec = r.record
        rows.append({"run": r.label, "epoch": r.epoch, "train loss": rec.get("train_loss"),
                     "val loss": rec.get("val_loss"), "gap": (rec.get("val_loss") or 0) - (rec.get("train_loss") or 0),
                     f"val {m}": rec.get(f"val_{m}"), "best val epoch": r.extra.best_epoch,
                     "weights": r.where, "weight norm": r.extra.norm, "weights ≈ 0": f"{r.extra.near_zero:.0%}",
                     "status": r.status})
    return rows


def learning_curves_views(exp: Experiment, epochs: int) -> tuple[go.Figure, go.Figure]:
    """(metric against training-set size, metric against label noise), each a fresh model per point."""
    m = metric_name(exp.dataset.task)
    sizes = size_curve(exp.cfg, SIZES, epochs)
    noises = noise_curve(exp.cfg, NOISES, epochs)
    size_fig = learning_curve_figure([p.x for p in sizes], {"train": [p.train_metric for p in sizes],
                                                            "validation": [p.val_metric for p in sizes]},
                                     x_title="training samples", y_title=m)
    noise_fig = learning_curve_figure([p.x for p in noises], {"train": [p.train_metric for p in noises],
                                                              "validation": [p.val_metric for p in noises]},
                                      x_title="share of training labels flipped", y_title=m)
    return size_fig, noise_fig


def weights_view(p: GroupPayload) -> dict:
    """Histograms of every weight of each run, its legend saying where those weights are."""
    return weight_histogram_spec({r.label: r.extra.weights for r in p.runs},
                                 {r.label: f"{r.label} ({r.where})" for r in p.runs})


def _with(model_exps: tuple[Experiment, ...], kind: type) -> Experiment | None:
    return next((e for e in model_exps if any(isinstance(m, kind) for m in e.model.modules())), None)


def dropout_diagram(exp: Experiment, seed: int = 0, resolution: int = 16) -> go.Figure | None:
    """The network diagram with one training step's dropout mask applied: dropped units blank, their
    edges gone. None if the model has no dropout or is not a 2-D MLP."""
    if exp.dataset.extent is None or not any(isinstance(m, nn.Dropout) for m in exp.model.modules()):
        return None
    maps, weights, biases = network_parts(exp, resolution)
    masks = iter(dropout_masks(exp.model, exp.dataset.train.x[:2], seed=seed))   # each (2, H_i); 2 for batch norm
    for i, block in enumerate(exp.model.hidden):
        if not hasattr(block, "drop"):
            continue
        keep = next(masks)[0]                                      # (H_i,)
        maps[i + 1] = maps[i + 1] * keep[:, None, None]            # (H_i, R, R): dropped units blank
        weights[i] = weights[i] * keep[:, None]                    # edges into dropped units
        weights[i + 1] = weights[i + 1] * keep[None, :]            # edges out of dropped units
    labels = [list(exp.dataset.feature_names)] + [[] for _ in maps[1:]]
    return network_figure(layer_names(exp), maps, weights, biases, node_labels=labels)


def internals_views(base: Experiment, twin: Experiment, mask_seed: int = 0) -> dict[str, go.Figure]:
    """Batch-norm activations, dropout masks and train/eval outputs of whichever run has those layers."""
    out: dict[str, go.Figure] = {}
    val = base.dataset.val if len(base.dataset.val) else base.dataset.test
    bn = _with((twin, base), nn.BatchNorm1d)
    if bn is not None and (acts := norm_activations(bn.model, bn.dataset.train.x[:256])):
        out["Activations before and after batch norm (first hidden layer)"] = norm_activation_figure(*acts)
    dr = _with((twin, base), nn.Dropout)
    if dr is not None and (diagram := dropout_diagram(dr, mask_seed)) is not None:
        out["Dropout on the network: one training step's mask (dropped units blank, their weights unused)"] = diagram
    if dr is not None:
        out["Dropout masks on one batch"] = dropout_mask_figure(dropout_masks(dr.model, dr.dataset.train.x[:32],
                                                                              seed=mask_seed))
    if (dr or bn) is not None and base.dataset.task == "classification":
        noisy, clean = train_eval_outputs((dr or bn).model, val.x[:200])
        out["Train mode against eval mode"] = train_eval_figure(noisy, clean, cls=min(1, clean.shape[1] - 1))
    return out
