"""Overfitting-clinic figures: twin learning curves with the train/validation gap shaded and the
early-stopping point marked, and weight histograms (both figure dicts for live charts), learning curves
over data size or label noise, activations before/after batch norm, dropout masks, and train-mode against
eval-mode outputs. Pure builders.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.curves import column
from playground.figures.labels import plain
from playground.figures.palette import BLUE, GREY, LAYOUT, ORANGE, SPLIT_COLORS

TWIN_COLORS = {"baseline": ORANGE, "regularized": BLUE}
GAP_FILL = {"baseline": "rgba(245,147,34,0.18)", "regularized": "rgba(8,119,189,0.18)"}


def twin_curves_spec(histories: dict[str, dict], best: dict[str, int | None], *, height: int = 360) -> dict:
    """One panel per run: train and validation loss, the gap between them shaded, the best epoch marked; a
    figure dict for the live chart. histories: label -> thinned columns (epoch, train_loss, val_loss).

    Hand-placed axes sharing one y range, not make_subplots (~20 ms): redrawn on every live tick."""
    n, data, shapes, notes, top = len(histories), [], [], [], 0.0
    layout: dict = {}
    for i, (label, h) in enumerate(histories.items()):
        ax = "" if i == 0 else str(i + 1)
        ep, train, val = np.asarray(h.get("epoch", []), np.int32), column(h.get("train_loss", [])), \
            column(h.get("val_loss", []))
        finite = np.concatenate([train, val])
        finite = finite[np.isfinite(finite)]
        top = max(top, float(finite.max()) if len(finite) else 0.0)
        mode = "lines" if len(ep) > 1 else "lines+markers"
        data += [dict(type="scatter", x=ep, y=train, mode=mode, name="train", showlegend=i == 0, xaxis="x" + ax,
                      yaxis="y" + ax, legendgroup="train", line=dict(color=SPLIT_COLORS["train"], width=2)),
                 dict(type="scatter", x=ep, y=val, mode=mode, name="validation (gap shaded)", showlegend=i == 0,
                      xaxis="x" + ax, yaxis="y" + ax, fill="tonexty", legendgroup="val",
                      fillcolor=GAP_FILL.get(label, "rgba(0,0,0,0.1)"),
                      line=dict(color=TWIN_COLORS.get(label, BLUE), width=2, dash="dot"))]
        lo, hi = i / n + (0.03 if i else 0), (i + 1) / n - (0.03 if i < n - 1 else 0)
        layout[f"xaxis{ax}"] = dict(domain=[lo, hi], title=dict(text="epoch"), anchor="y" + ax)
        layout[f"yaxis{ax}"] = dict(anchor="x" + ax, title=dict(text="loss" if i == 0 else ""),
                                    matches="y" if i else None, showticklabels=i == 0)
        notes.append(dict(text=f"<b>{plain(label)}</b>", x=(lo + hi) / 2, y=1.08, xref="paper", yref="paper",
                          showarrow=False))
        epoch = best.get(label)
        if epoch is not None and len(ep):
            shapes.append(dict(type="line", x0=epoch, x1=epoch, y0=0, y1=1, xref="x" + ax, yref="paper",
                               line=dict(color="#6b7280", dash="dash")))
            notes.append(dict(text=f"best val: epoch {epoch}", x=epoch, y=1.0, xref="x" + ax, yref="paper",
                              showarrow=False, xanchor="left", font=dict(size=11)))
    layout["yaxis"]["range"] = [0, min(top, 3.0) * 1.05 if top else 1]
    return dict(data=data, layout=dict(**LAYOUT, **layout, height=height, shapes=shapes, annotations=notes,
                                       legend=dict(orientation="h", y=-0.2)))


def learning_curve_figure(x: list[float], rows: dict[str, list[float]], *, x_title: str, y_title: str,
                          height: int = 320) -> go.Figure:
    """rows: 'train'/'validation' -> values at each x."""
    fig = go.Figure()
    colors = {"train": SPLIT_COLORS["train"], "validation": SPLIT_COLORS["val"]}
    for label, values in rows.items():
        fig.add_trace(go.Scatter(x=x, y=values, mode="lines+markers", name=label,
                                 line=dict(color=colors.get(label, BLUE), width=2)))
    fig.update_layout(**LAYOUT, height=height, xaxis_title=x_title, yaxis_title=y_title,
                      legend=dict(orientation="h", y=-0.25))
    return fig


def weight_histogram_spec(weights: dict[str, np.ndarray], titles: dict[str, str] | None = None, *, bins: int = 60,
                          height: int = 320) -> dict:
    """Overlaid histograms of every weight of each run, counted here on shared bins (a symmetric range
    around 0 rounded up to a tenth, so the bars do not shift each tick as Plotly's own binning would);
    titles: label -> its legend name (e.g. with where the weights are). A figure dict for the live chart."""
    reach = max((float(np.abs(w).max()) for w in weights.values() if len(w)), default=1.0)
    edges = np.linspace(-1, 1, bins + 1) * max(np.ceil(reach * 10) / 10, 0.1)
    mids, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    data = [dict(type="bar", x=mids.astype(np.float32), y=np.histogram(w, edges)[0].astype(np.int32), width=width,
                 name=plain((titles or {}).get(label, label)), opacity=0.6,
                 marker=dict(color=TWIN_COLORS.get(label, BLUE)),
                 hovertemplate="%{x:.3f}: %{y} weights<extra></extra>") for label, w in weights.items()]
    return dict(data=data, layout=dict(**LAYOUT, height=height, barmode="overlay", bargap=0,
                                       xaxis=dict(title=dict(text="weight value")),
                                       yaxis=dict(title=dict(text="count")), legend=dict(orientation="h", y=-0.25)))


def norm_activation_figure(before: np.ndarray, after: np.ndarray, *, height: int = 320) -> go.Figure:
    """Per-unit spread of pre-activations before and after batch norm (box per unit)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("before batch norm", "after batch norm"), shared_yaxes=False)
    for col, values, color in ((1, before, ORANGE), (2, after, BLUE)):
        for unit in range(values.shape[1]):
            fig.add_trace(go.Box(y=values[:, unit], name=f"{unit + 1}", marker_color=color, boxpoints=False,
                                 showlegend=False, line=dict(width=1)), row=1, col=col)
    fig.update_layout(**LAYOUT, height=height)
    fig.update_xaxes(title_text="unit")
    return fig


def dropout_mask_figure(masks: list[np.ndarray], *, height: int = 300) -> go.Figure:
    """Kept (blue) and dropped (grey) units per sample, one panel per layer with dropout."""
    fig = make_subplots(rows=1, cols=max(1, len(masks)), subplot_titles=[f"layer {i + 1}" for i in range(len(masks))])
    for i, m in enumerate(masks, start=1):
        fig.add_trace(go.Heatmap(z=m.T.astype(np.float32), colorscale=[[0, GREY], [1, BLUE]], zmin=0, zmax=1,
                                 showscale=False, hovertemplate="sample %{x}, unit %{y}: %{z}<extra></extra>"),
                      row=1, col=i)
    fig.update_layout(**LAYOUT, height=height)
    fig.update_xaxes(title_text="sample in the batch")
    fig.update_yaxes(title_text="unit", row=1, col=1)
    return fig


def train_eval_figure(noisy: np.ndarray, clean: np.ndarray, *, cls: int = 1, height: int = 300) -> go.Figure:
    """p(class) per sample: every train-mode pass (dots) against the eval-mode output (line)."""
    n = clean.shape[0]
    order = np.argsort(clean[:, cls])
    fig = go.Figure()
    xs = np.tile(np.arange(n), noisy.shape[0])
    fig.add_trace(go.Scatter(x=xs, y=noisy[:, order, cls].reshape(-1).astype(np.float32), mode="markers",
                             name="train mode (dropout on, batch statistics)",
                             marker=dict(size=3, color=ORANGE, opacity=0.35)))
    fig.add_trace(go.Scatter(x=np.arange(n), y=clean[order, cls].astype(np.float32), mode="lines",
                             name="eval mode", line=dict(color=BLUE, width=2)))
    fig.update_layout(**LAYOUT, height=height, xaxis_title="validation sample (sorted)",
                      yaxis=dict(title=f"p(class {cls})", range=[0, 1]), legend=dict(orientation="h", y=-0.25))
    return fig
