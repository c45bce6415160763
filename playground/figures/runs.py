"""Run comparison figures: overlaid curves of several runs, and parallel coordinates of settings vs. results."""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.curves import METRIC_LABELS
from playground.figures.palette import CLASS_COLORS, LAYOUT, SEQUENTIAL


def runs_curves_figure(histories: Mapping[str, Mapping[str, list]], *, split: str = "val",
                       height: int = 340) -> go.Figure:
    """One colour per run: `split` loss (left) and each run's own metric (right: accuracy, token accuracy,
    R² or MSE, whichever its history recorded) against epochs; train loss dotted."""
    keys = {name: next((f"{split}_{m}" for m in METRIC_LABELS if f"{split}_{m}" in hist), "")
            for name, hist in histories.items()}
    labels = sorted({METRIC_LABELS[k.removeprefix(f"{split}_")] for k in keys.values() if k})
    right = f"{split} {labels[0]}" if len(labels) == 1 else f"{split} metric, each run's own ({', '.join(labels)})"
    fig = make_subplots(rows=1, cols=2, subplot_titles=(f"{split} loss (train dotted)", right),
                        horizontal_spacing=0.1)
    for i, (name, hist) in enumerate(histories.items()):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        epochs = hist.get("epoch", [])
        for col, key, dash, legend in ((1, f"{split}_loss", "solid", True), (1, "train_loss", "dot", False),
                                       (2, keys[name], "solid", False)):
            ys = hist.get(key) or []
            if not any(v is not None for v in ys):
                continue
            text = html.escape(name)   # a run's name is typed by a person: shown as text, not as Plotly's HTML
            fig.add_trace(go.Scatter(x=epochs, y=ys, mode="lines", name=text, legendgroup=name, showlegend=legend,
                                     line=dict(color=color, width=2, dash=dash),
                                     hovertemplate=f"{text}<br>{key}: %{{y:.4f}}<br>epoch %{{x}}<extra></extra>"),
                          row=1, col=col)
    fig.update_layout(**LAYOUT, height=height, legend=dict(orientation="h", y=-0.22))
    fig.update_xaxes(title_text="epoch")
    return fig


def parallel_figure(rows: list[dict[str, float]], color_by: str, *, height: int = 360) -> go.Figure:
    """Parallel coordinates: one line per run across numeric settings and results, coloured by `color_by`."""
    keys = [k for k in rows[0] if all(isinstance(r.get(k), (int, float)) and r.get(k) is not None for r in rows)]
    dims = []
    for k in keys:
        vals = np.array([float(r[k]) for r in rows], np.float32)
        if k == color_by or np.ptp(vals) > 0:   # a setting every run shares says nothing: leave it out
            dims.append(dict(label=k, values=vals))
    color = np.array([float(r.get(color_by) or 0.0) for r in rows], np.float32)
    fig = go.Figure(go.Parcoords(dimensions=dims, line=dict(color=color, colorscale=SEQUENTIAL, showscale=True,
                                                            colorbar=dict(title=color_by))))
    fig.update_layout(**{**LAYOUT, "margin": dict(l=60, r=60, t=60, b=30)}, height=height)
    return fig
