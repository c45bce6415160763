"""Training curves: loss and the task metric (accuracy or R²) of every split against epochs."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.palette import LAYOUT, SPLIT_COLORS

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²", "token_accuracy": "token accuracy", "mse": "MSE"}


def curves_figure(history, metric: str, *, log_loss: bool = False, height: int = 300,
                  marks: dict[str, float] | None = None) -> go.Figure:
    """history: columnar records (epoch, {split}_loss, {split}_{metric}); marks: label -> epoch lines."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", METRIC_LABELS.get(metric, metric)),
                        horizontal_spacing=0.12)
    epochs = history["epoch"]
    for split, color in SPLIT_COLORS.items():
        for col, key in ((1, f"{split}_loss"), (2, f"{split}_{metric}")):
            values = history[key]
            if not values or all(v is None or v != v for v in values):
                continue
            fig.add_trace(go.Scatter(x=epochs, y=values, mode="lines", name=split, legendgroup=split,
                                     showlegend=col == 1, line=dict(color=color, width=2,
                                                                    dash="solid" if split == "train" else "dot"),
                                     hovertemplate=f"{split}: %{{y:.4f}}<br>epoch %{{x}}<extra></extra>"),
                          row=1, col=col)
    for label, epoch in (marks or {}).items():
        fig.add_vline(x=epoch, line=dict(color="#9ca3af", dash="dash"), annotation_text=label)
    fig.update_layout(**LAYOUT, height=height, legend=dict(orientation="h", y=-0.2))
    fig.update_xaxes(title_text="epoch")
    if log_loss:
        fig.update_yaxes(type="log", row=1, col=1)
    if metric in ("accuracy", "token_accuracy"):
        fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    return fig
