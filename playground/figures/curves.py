"""Training curves: loss and the task metric (accuracy or R²) of every split against epochs.

`curves_spec` returns a plain figure dict (float32 arrays: compact on the wire, no Plotly validation);
`curves_figure` wraps it as a go.Figure for callers that restyle it.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.figures.palette import LAYOUT, SPLIT_COLORS

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²", "token_accuracy": "token accuracy", "mse": "MSE"}


def column(values) -> np.ndarray:
    """A history column as float32 with None -> NaN (a gap in the line)."""
    return np.array([np.nan if v is None else v for v in values], np.float32)


def curves_spec(history, metric: str, *, log_loss: bool = False, height: int = 300,
                marks: dict[str, float] | None = None) -> dict:
    """history: columnar records (epoch, {split}_loss, {split}_{metric}); marks: label -> epoch lines.

    Two panels side by side on hand-placed axes (make_subplots costs ~20 ms, too much for live use).
    """
    epochs = np.asarray(history.get("epoch", []), np.int32)  # a trainer History or a dict of equal-length lists
    # before training there is one point: show it as a dot on an axis from epoch 0 to 1, not -1 to 1
    mode, x_range = ("lines", None) if len(epochs) > 1 else ("lines+markers", [-0.05, 1])
    data = []
    for split, color in SPLIT_COLORS.items():
        for axis, key in (("", f"{split}_loss"), ("2", f"{split}_{metric}")):
            values = history.get(key, [])
            if not values or all(v is None or v != v for v in values):
                continue
            data.append(dict(type="scatter", x=epochs, y=column(values), mode=mode, name=split, legendgroup=split,
                             showlegend=axis == "", xaxis="x" + axis, yaxis="y" + axis,
                             line=dict(color=color, width=2, dash="solid" if split == "train" else "dot"),
                             hovertemplate=f"{split}: %{{y:.4f}}<br>epoch %{{x}}<extra></extra>"))
    label = METRIC_LABELS.get(metric, metric)
    marks = marks or {}
    layout = dict(
        **LAYOUT, height=height, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(domain=[0, 0.44], title=dict(text="epoch"), range=x_range),
        xaxis2=dict(domain=[0.56, 1], title=dict(text="epoch"), anchor="y2", range=x_range),
        yaxis=dict(title=dict(text="loss"), type="log" if log_loss else "linear"),
        yaxis2=dict(title=dict(text=label), anchor="x2",
                    range=[0, 1.02] if metric in ("accuracy", "token_accuracy") else None),
        shapes=[dict(type="line", xref="x", yref="y domain", x0=e, x1=e, y0=0, y1=1,
                     line=dict(color="#9ca3af", dash="dash")) for e in marks.values()],
        annotations=[dict(x=e, xref="x", y=1, yref="y domain", text=text, showarrow=False, yanchor="bottom")
                     for text, e in marks.items()])
    return dict(data=data, layout=layout)


def curves_figure(*args, **kwargs) -> go.Figure:
    """curves_spec as a go.Figure (validated; for pages that restyle it)."""
    return go.Figure(curves_spec(*args, **kwargs))
