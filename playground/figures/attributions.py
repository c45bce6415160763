"""Attribution figures for vector inputs: global importance, one sample's signed attributions, a
samples x features heatmap, and the agreement matrix between methods."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.figures.labels import plain, plain_all
from playground.figures.palette import BLUE, DIVERGING, LAYOUT, NEGATIVE, POSITIVE, SEQUENTIAL


def importance_figure(names: Sequence[str], values: np.ndarray, *, title: str, top: int = 20,
                      height: int = 360) -> go.Figure:
    """Horizontal bars of the `top` largest values (mean |attribution|), largest on top."""
    order = np.argsort(values)[::-1][:top]
    fig = go.Figure(go.Bar(x=values[order], y=[plain(names[i]) for i in order], orientation="h", marker_color=BLUE,
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_layout(**LAYOUT, title=title, height=height, yaxis=dict(autorange="reversed"))
    return fig


def sample_figure(names: Sequence[str], attr: np.ndarray, x: np.ndarray, *, title: str, top: int = 20,
                  height: int = 360) -> go.Figure:
    """Signed attributions of one sample: blue pushes toward the target, orange away; hover shows the input."""
    order = np.argsort(np.abs(attr))[::-1][:top]
    fig = go.Figure(go.Bar(x=attr[order], y=[plain(names[i]) for i in order], orientation="h",
                           marker_color=[POSITIVE if attr[i] >= 0 else NEGATIVE for i in order],
                           customdata=x[order], hovertemplate="%{y} = %{customdata:.3f}<br>attribution %{x:.4f}"
                                                              "<extra></extra>"))
    fig.update_layout(**LAYOUT, title=title, height=height, yaxis=dict(autorange="reversed"))
    return fig


def attribution_heatmap(names: Sequence[str], attr: np.ndarray, row_labels: Sequence[str], *, title: str,
                        height: int = 380) -> go.Figure:
    """Samples (rows) x features (columns), diverging around zero."""
    lim = float(np.abs(attr).max() or 1.0)
    fig = go.Figure(go.Heatmap(z=attr.astype(np.float32), x=plain_all(names), y=plain_all(row_labels),
                               colorscale=[[0, DIVERGING[0][1]], [0.5, DIVERGING[1][1]], [1, DIVERGING[2][1]]],
                               zmin=-lim, zmax=lim, hovertemplate="%{y}<br>%{x}: %{z:.4f}<extra></extra>"))
    fig.update_layout(**LAYOUT, title=title, height=height, yaxis=dict(showticklabels=len(row_labels) <= 40))
    return fig


def agreement_figure(methods: Sequence[str], matrix: np.ndarray, *, height: int = 340) -> go.Figure:
    """Mean per-sample rank correlation between methods: 1 = same ordering of features."""
    fig = go.Figure(go.Heatmap(z=matrix.astype(np.float32), x=list(methods), y=list(methods), zmin=-1, zmax=1,
                               colorscale=SEQUENTIAL, text=np.round(matrix, 2), texttemplate="%{text}",
                               hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(**LAYOUT, title="Do the methods agree? (mean per-sample Spearman ρ)", height=height,
                      yaxis=dict(autorange="reversed"))
    return fig


def conductance_figure(values: np.ndarray, labels: Sequence[str], *, title: str, selected: int | None = None,
                       height: int = 300) -> go.Figure:
    colors = [POSITIVE if v >= 0 else NEGATIVE for v in values]
    if selected is not None and 0 <= selected < len(colors):
        colors[selected] = "#111827"
    fig = go.Figure(go.Bar(x=list(labels), y=values, marker_color=colors,
                           hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(**LAYOUT, title=title, height=height)
    return fig
