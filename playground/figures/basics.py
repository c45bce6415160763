"""Figures of the Basics labs: one neuron over the plane, activation curves, softmax, gradient vs depth,
the perceptron's mistakes per epoch, and the backpropagation graph. Pure builders on the shared palette.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from playground.figures.palette import BLUE, CLASS_COLORS, DIVERGING, GREY, INK, LAYOUT, NEGATIVE, ORANGE, POSITIVE

LINE_COLORS = [BLUE, ORANGE, *qualitative.D3[2:], *qualitative.Dark2]


def neuron_figure(xs: np.ndarray, ys: np.ndarray, output: np.ndarray, xy: np.ndarray, y: np.ndarray,
                  w: tuple[float, float], b: float, *, mid: float = 0.0, highlight: int | None = None,
                  height: int = 420) -> go.Figure:
    """output [R, R] of the neuron; the line w·x + b = 0 where z changes sign; data xy [N, 2], y [N]."""
    span = float(max(np.abs(output - mid).max(), 1e-6))
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=output.astype(np.float32), colorscale=DIVERGING, zmid=mid,
                               zmin=mid - span, zmax=mid + span, opacity=0.75,
                               hovertemplate="y=%{z:.3f}<extra></extra>",
                               colorbar=dict(title="y", thickness=12)))
    for c in (0, 1):
        sel = y == c
        fig.add_trace(go.Scattergl(x=xy[sel, 0], y=xy[sel, 1], mode="markers", name=f"class {c}",
                                   marker=dict(color=CLASS_COLORS[c], size=7, line=dict(color="white", width=1)),
                                   hovertemplate=f"class {c}<br>x=(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"))
    if highlight is not None:
        fig.add_trace(go.Scatter(x=[xy[highlight, 0]], y=[xy[highlight, 1]], mode="markers", name="this step",
                                 marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color=INK, width=3))))
    line = _zero_line(w, b, (xs[0], xs[-1]), (ys[0], ys[-1]))
    if line is not None:
        fig.add_trace(go.Scatter(x=line[0], y=line[1], mode="lines", name="w·x + b = 0",
                                 line=dict(color=INK, width=2, dash="dash"), hoverinfo="skip"))
    fig.update_layout(**LAYOUT, height=height, legend=dict(orientation="h", y=-0.15),
                      xaxis=dict(range=[xs[0], xs[-1]], title="x₁", constrain="domain"),
                      yaxis=dict(range=[ys[0], ys[-1]], title="x₂", scaleanchor="x"))
    return fig


def _zero_line(w, b, xr, yr) -> tuple[list[float], list[float]] | None:
    if abs(w[1]) > 1e-9:
        return [xr[0], xr[1]], [-(w[0] * xr[0] + b) / w[1], -(w[0] * xr[1] + b) / w[1]]
    if abs(w[0]) > 1e-9:
        return [-b / w[0]] * 2, [yr[0], yr[1]]
    return None


def mistakes_figure(errors: list[int], n: int, *, height: int = 220) -> go.Figure:
    """Mistakes per epoch of a learning rule over n samples."""
    fig = go.Figure(go.Bar(x=list(range(1, len(errors) + 1)), y=errors, marker_color=BLUE,
                           hovertemplate="epoch %{x}: %{y} mistakes<extra></extra>"))
    fig.update_layout(**LAYOUT, height=height, title=f"mistakes per pass over {n} samples",
                      xaxis=dict(title="epoch", dtick=1 if len(errors) < 20 else None), yaxis=dict(title="mistakes"))
    return fig


def activation_figure(z: np.ndarray, curves: dict[str, tuple[np.ndarray, np.ndarray]], labels: dict[str, str],
                      *, saturated: list[tuple[float, float]] = (), height: int = 420) -> go.Figure:
    """curves: key -> (f(z), f'(z)); f solid, f' dotted in the same colour; saturated z ranges shaded."""
    fig = go.Figure()
    for lo, hi in saturated:
        fig.add_vrect(x0=lo, x1=hi, fillcolor=GREY, opacity=0.6, line_width=0, layer="below")
    for i, (key, (f, df)) in enumerate(curves.items()):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        fig.add_trace(go.Scatter(x=z, y=f, mode="lines", name=f"{labels[key]}  f", legendgroup=key,
                                 line=dict(color=color, width=3),
                                 hovertemplate="z=%{x:.2f}: f=%{y:.3f}<extra></extra>"))
        fig.add_trace(go.Scatter(x=z, y=df, mode="lines", name=f"{labels[key]}  f′", legendgroup=key,
                                 line=dict(color=color, width=2, dash="dot"),
                                 hovertemplate="z=%{x:.2f}: f′=%{y:.3f}<extra></extra>"))
    if saturated:
        fig.add_annotation(x=saturated[0][0], y=1, yref="paper", xanchor="left", showarrow=False,
                           text="grey: |f′| < 0.05 (saturated)", font=dict(size=11, color=INK))
    fig.update_layout(**LAYOUT, height=height, xaxis=dict(title="z", zeroline=True),
                      yaxis=dict(title="f(z), f′(z)", range=[-1.6, 3.1], zeroline=True),
                      legend=dict(orientation="h", y=-0.18))
    return fig


def softmax_figure(logits: np.ndarray, probs: np.ndarray, target: int, *, height: int = 300) -> go.Figure:
    """Logits beside the probabilities softmax makes of them; the target class highlighted."""
    names = [f"class {i}" for i in range(len(logits))]
    colors = [BLUE if i == target else "#9ca3af" for i in range(len(logits))]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("logits z", "softmax(z): probabilities"))
    fig.add_trace(go.Bar(x=names, y=logits, marker_color=colors, text=[f"{v:.2f}" for v in logits],
                         textposition="outside", hovertemplate="%{x}: z=%{y:.3f}<extra></extra>"), 1, 1)
    fig.add_trace(go.Bar(x=names, y=probs, marker_color=colors, text=[f"{v:.3f}" for v in probs],
                         textposition="outside", hovertemplate="%{x}: p=%{y:.4f}<extra></extra>"), 1, 2)
    fig.update_layout(**LAYOUT, height=height, showlegend=False)
    lo, hi = float(min(logits.min(), 0)), float(max(logits.max(), 0))
    fig.update_yaxes(range=[lo - 0.25 * (hi - lo + 1), hi + 0.25 * (hi - lo + 1)], row=1, col=1)
    fig.update_yaxes(range=[0, 1.15], row=1, col=2)
    return fig


def depth_figure(table: dict[str, np.ndarray], labels: dict[str, str], *, height: int = 380) -> go.Figure:
    """table: activation -> mean |∂L/∂W| per hidden layer (first to last), log scale."""
    fig = go.Figure()
    for i, (key, g) in enumerate(table.items()):
        fig.add_trace(go.Scatter(x=np.arange(1, len(g) + 1), y=np.maximum(g, 1e-12), mode="lines+markers",
                                 name=labels[key], line=dict(color=LINE_COLORS[i % len(LINE_COLORS)], width=2),
                                 hovertemplate=f"{labels[key]}: layer %{{x}}: %{{y:.2e}}<extra></extra>"))
    fig.update_layout(**LAYOUT, height=height, title="gradient reaching each layer (layer 1 = next to the input)",
                      xaxis=dict(title="hidden layer", dtick=1),
                      yaxis=dict(type="log", title="mean |∂L/∂W|", exponentformat="power"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def backprop_figure(sizes: list[int], names: list[list[str]], values: list[list[str]], weights: list[np.ndarray],
                    edge_text: list[np.ndarray], *, active: tuple[int, int] | None = None,
                    height: int = 440) -> go.Figure:
    """A small network drawn node by node. sizes: neurons per column; names/values: per column, per node;
    weights: per gap [n_out, n_in] (colour = sign, width = size); edge_text: per gap, label of each edge;
    active: (column, direction) lights up the column being computed (+1 forward, -1 backward)."""
    pos = [[(c, (n - 1) / 2 - j) for j in range(n)] for c, n in enumerate(sizes)]
    fig = go.Figure()
    limit = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    for g, w in enumerate(weights):
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                (x0, y0), (x1, y1) = pos[g][i], pos[g + 1][j]
                fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", showlegend=False,
                                         line=dict(color=POSITIVE if w[j, i] >= 0 else NEGATIVE,
                                                   width=1 + 5 * abs(float(w[j, i])) / limit)))
                t = 0.3 + 0.4 * ((i + j) % 2) * (len(w) > 1) if w.shape[1] > 1 else 0.5
                fig.add_annotation(x=x0 + t * (x1 - x0), y=y0 + t * (y1 - y0), text=str(edge_text[g][j, i]),
                                   showarrow=False, font=dict(size=11, color=INK), bgcolor="rgba(255,255,255,0.85)")
    xs = [p[0] for col in pos for p in col]
    ys = [p[1] for col in pos for p in col]
    lit = [active is not None and c == active[0] for c, col in enumerate(pos) for _ in col]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers+text", showlegend=False,
                             marker=dict(size=46, color=["#fde68a" if a else "white" for a in lit],
                                         line=dict(color=INK, width=2)),
                             text=[n for col in names for n in col], textfont=dict(size=13, color=INK),
                             hoverinfo="skip"))
    for c, col in enumerate(pos):
        for j, (x, y) in enumerate(col):
            if values[c][j]:
                fig.add_annotation(x=x, y=y - 0.32, text=values[c][j], showarrow=False, align="center",
                                   font=dict(size=11, color=INK), bgcolor="rgba(255,255,255,0.9)")
    top = max(sizes) / 2 + 0.1
    fig.update_layout(**LAYOUT, height=height, xaxis=dict(visible=False, range=[-0.4, len(sizes) - 0.6]),
                      yaxis=dict(visible=False, range=[-top - 0.4, top]), plot_bgcolor="white")
    return fig
