"""Training curves: loss and the task metric (accuracy or R²) of every split against epochs."""

from __future__ import annotations

import plotly.graph_objects as go

from playground.figures.palette import LAYOUT, SPLIT_COLORS

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²", "token_accuracy": "token accuracy", "mse": "MSE"}


def curves_figure(history, metric: str, *, log_loss: bool = False, height: int = 300,
                  marks: dict[str, float] | None = None) -> go.Figure:
    """history: columnar records (epoch, {split}_loss, {split}_{metric}); marks: label -> epoch lines.

    Two panels side by side on hand-placed axes (make_subplots costs ~20 ms, too much for live use).
    """
    epochs = history.get("epoch", [])  # history: a trainer History or a dict of equal-length lists
    # before training there is one point: show it as a dot on an axis from epoch 0 to 1, not -1 to 1
    mode, x_range = ("lines", None) if len(epochs) > 1 else ("lines+markers", [-0.05, 1])
    traces = []
    for split, color in SPLIT_COLORS.items():
        for axis, key in (("", f"{split}_loss"), ("2", f"{split}_{metric}")):
            values = history.get(key, [])
            if not values or all(v is None or v != v for v in values):
                continue
            traces.append(go.Scatter(x=epochs, y=values, mode=mode, name=split, legendgroup=split,
                                     showlegend=axis == "", xaxis="x" + axis, yaxis="y" + axis,
                                     line=dict(color=color, width=2, dash="solid" if split == "train" else "dot"),
                                     hovertemplate=f"{split}: %{{y:.4f}}<br>epoch %{{x}}<extra></extra>"))
    label = METRIC_LABELS.get(metric, metric)
    fig = go.Figure(traces, layout=dict(
        **LAYOUT, height=height, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(domain=[0, 0.44], title="epoch", range=x_range),
        xaxis2=dict(domain=[0.56, 1], title="epoch", anchor="y2", range=x_range),
        yaxis=dict(title="loss", type="log" if log_loss else "linear"),
        yaxis2=dict(title=label, anchor="x2", range=[0, 1.02] if metric in ("accuracy", "token_accuracy") else None)))
    for text, epoch in (marks or {}).items():
        fig.add_vline(x=epoch, line=dict(color="#9ca3af", dash="dash"), annotation_text=text)
    return fig
