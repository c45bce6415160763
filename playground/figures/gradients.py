"""Gradient-flow figure: the gradient norm of every weight layer over epochs, on a log scale.

Vanishing gradients show as the first layers' lines sitting decades below the last's. A plain figure
dict (`gradient_flow_spec`), or a go.Figure (`gradient_flow_figure`).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from playground.figures.palette import LAYOUT, SEQUENTIAL


def gradient_flow_spec(epochs: list[int], grad_norms: list[list[float]], layer_names: list[str],
                       *, height: int = 300) -> dict:
    """grad_norms: per epoch, one norm per weight layer (input side first)."""
    # epoch 0 has no gradient yet: keep only rows where something flowed
    g = np.array([row for row in grad_norms if row and any(row)], dtype=np.float64)
    if g.ndim != 2:   # nothing yet: one empty line per layer, so the legend names them from the first paint
        g = np.zeros((0, len(layer_names)))
    ep = np.array([e for e, row in zip(epochs, grad_norms) if row and any(row)], np.int32)
    colors = sample_colorscale(SEQUENTIAL, np.linspace(0, 0.9, max(len(layer_names), 2)))
    data = [dict(type="scatter", x=ep, y=np.maximum(g[:, i], 1e-12).astype(np.float32), mode="lines", name=name,
                 line=dict(color=colors[i], width=2),
                 hovertemplate=f"{name}: %{{y:.2e}}<br>epoch %{{x}}<extra></extra>")
            for i, name in enumerate(layer_names) if i < g.shape[1]]
    layout = dict(**LAYOUT, height=height, title=dict(text="gradient norm per layer (last batch of each epoch)"),
                  yaxis=dict(type="log", title=dict(text="‖∂L/∂W‖")), xaxis=dict(title=dict(text="epoch")),
                  legend=dict(orientation="h", y=-0.25))
    return dict(data=data, layout=layout)


def gradient_flow_figure(*args, **kwargs) -> go.Figure:
    return go.Figure(gradient_flow_spec(*args, **kwargs))
