"""Optimizer-lab figures: races on a test function (animated step by step), schedules, the LR range test,
overlaid race curves (a live figure dict) and the loss landscape (1-D line and 2-D slice with the trajectory).
Pure builders.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.figures.curves import METRIC_LABELS, column
from playground.figures.labels import plain
from playground.figures.palette import CLASS_COLORS, INK, LAYOUT, SEQUENTIAL

LANDSCAPE_SCALE = "Viridis_r"   # low loss bright
PLAY = dict(frame=dict(duration=60, redraw=False), fromcurrent=True, transition=dict(duration=0))
PAUSE = dict(mode="immediate", frame=dict(duration=0, redraw=False))


def run_color(i: int) -> str:
    """Colour of the i-th runner in every race figure and frame."""
    return CLASS_COLORS[(i + 1) % len(CLASS_COLORS)]   # skip orange: the start marker is orange-free



def race_figure(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, paths: dict[str, np.ndarray],
                minima: tuple[tuple[float, float], ...] = (), *, frames: int = 40, height: int = 520) -> go.Figure:
    """Heatmap of log(1 + f − min f) with each optimizer's path [S, 2]; a Play button and a step slider."""
    shade = np.log1p(z - z.min()).astype(np.float32)
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=shade, colorscale=SEQUENTIAL, reversescale=True, showscale=False,
                               hovertemplate="x=%{x:.2f} y=%{y:.2f}<extra></extra>"))
    if minima:
        m = np.asarray(minima, np.float32)
        fig.add_trace(go.Scatter(x=m[:, 0], y=m[:, 1], mode="markers", name="minimum", hoverinfo="name",
                                 marker=dict(symbol="star", size=14, color="white", line=dict(color=INK, width=1))))
    first = len(fig.data)
    for i, (label, xy) in enumerate(paths.items()):
        fig.add_trace(go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name=label,
                                 line=dict(color=run_color(i), width=2), marker=dict(size=3),
                                 hovertemplate=f"{label}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>"))
    longest = max((len(p) for p in paths.values()), default=1)
    cuts = np.unique(np.linspace(1, longest, min(frames, longest)).astype(int))
    traces = list(range(first, first + len(paths)))
    fig.frames = [go.Frame(name=str(c), traces=traces,
                           data=[go.Scatter(x=xy[:c, 0], y=xy[:c, 1]) for xy in paths.values()]) for c in cuts]
    steps = [dict(method="animate", label=str(c - 1), args=[[str(c)], dict(mode="immediate", frame=dict(
        duration=0, redraw=False), transition=dict(duration=0))]) for c in cuts]
    fig.update_layout(**LAYOUT, height=height, legend=dict(orientation="h", y=1.08),
                      xaxis=dict(range=[xs[0], xs[-1]], title="x", constrain="domain"),
                      yaxis=dict(range=[ys[0], ys[-1]], title="y"),
                      updatemenus=[dict(type="buttons", x=0, y=-0.12, xanchor="left", showactive=False,
                                        buttons=[dict(label="▶ Play", method="animate", args=[None, PLAY]),
                                                 dict(label="⏸", method="animate", args=[[None], PAUSE])])],
                      sliders=[dict(steps=steps, active=len(steps) - 1, x=0.12, y=-0.05, len=0.88,
                                    currentvalue=dict(prefix="step "))])
    return fig


def race_loss_figure(losses: dict[str, np.ndarray], floor: float, *, log: bool = True,
                     height: int = 300) -> go.Figure:
    """f − f(minimum) along each path against steps."""
    fig = go.Figure()
    for i, (label, v) in enumerate(losses.items()):
        y = v - floor + 1e-8 if log else v
        fig.add_trace(go.Scatter(y=y, mode="lines", name=label, line=dict(color=run_color(i), width=2)))
    fig.update_layout(**LAYOUT, height=height, xaxis_title="step",
                      yaxis=dict(title="f − f(minimum)" if log else "f", type="log" if log else "linear"))
    return fig


def overlay_curves_spec(histories: dict[str, dict], metric: str, *, x: str = "epoch", height: int = 320) -> dict:
    """Train (solid) and validation (dotted) loss, and validation metric, of several runs side by side: a
    figure dict for the live chart. histories: label -> thinned columns (epoch, {split}_loss, val_{metric}).

    Hand-placed axes, not make_subplots (~20 ms): this figure is redrawn on every live tick."""
    data = []
    for i, (label, h) in enumerate(histories.items()):
        c, xs = run_color(i), np.asarray(h.get(x, []), np.int32)
        mode = "lines" if len(xs) > 1 else "lines+markers"
        for key, axis, dash, legend in (("train_loss", "", "solid", True), ("val_loss", "", "dot", False),
                                        (f"val_{metric}", "2", "solid", False)):
            data.append(dict(type="scatter", x=xs, y=column(h.get(key, [])), name=label, legendgroup=label,
                             mode=mode, showlegend=legend, xaxis="x" + axis, yaxis="y" + axis,
                             line=dict(color=c, width=2, dash=dash),
                             hovertemplate=f"{plain(label)}: %{{y:.4f}}<br>{x} %{{x}}<extra></extra>"))
    label = METRIC_LABELS.get(metric, metric)
    # before training each run has one point: an axis from epoch 0 to 1, not -1 to 1
    x_range = [-0.05, 1] if max((len(h.get(x, [])) for h in histories.values()), default=0) <= 1 else None
    layout = dict(**LAYOUT, height=height, legend=dict(orientation="h", y=-0.25),
                  xaxis=dict(domain=[0, 0.45], title=dict(text=x), range=x_range),
                  xaxis2=dict(domain=[0.55, 1], title=dict(text=x), anchor="y2", range=x_range),
                  yaxis=dict(title=dict(text="loss (train solid, validation dotted)")),
                  yaxis2=dict(title=dict(text=f"validation {label}"), anchor="x2",
                              range=[0, 1.02] if metric == "accuracy" else None))
    return dict(data=data, layout=layout)


def schedules_figure(curves: dict[str, np.ndarray], *, highlight: str = "", height: int = 300) -> go.Figure:
    fig = go.Figure()
    for i, (label, lr) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(y=lr, mode="lines", name=label,
                                 line=dict(color=run_color(i), width=4 if label == highlight else 1.5)))
    fig.update_layout(**LAYOUT, height=height, xaxis_title="epoch", yaxis_title="learning rate",
                      legend=dict(orientation="h", y=-0.25))
    return fig


def range_test_figure(lrs: np.ndarray, loss: np.ndarray, suggested: float, *, height: int = 300) -> go.Figure:
    fig = go.Figure(go.Scatter(x=lrs, y=loss, mode="lines", line=dict(color=run_color(0), width=2), name="loss",
                               hovertemplate="lr %{x:.2g}: loss %{y:.4f}<extra></extra>"))
    if np.isfinite(suggested):
        fig.add_vline(x=suggested, line=dict(color=CLASS_COLORS[0], dash="dash"),
                      annotation_text=f"suggested: lr ≈ {suggested:.2g}")
    fig.update_layout(**LAYOUT, height=height, xaxis=dict(title="learning rate", type="log"),
                      yaxis_title="smoothed training loss")
    return fig


def interpolation_figure(alphas: np.ndarray, loss: np.ndarray, *, height: int = 300) -> go.Figure:
    fig = go.Figure(go.Scatter(x=alphas, y=loss, mode="lines", line=dict(color=run_color(0), width=2),
                               hovertemplate="α=%{x:.2f}: loss %{y:.4f}<extra></extra>"))
    for a, text in ((0.0, "initial weights"), (1.0, "current weights")):
        fig.add_vline(x=a, line=dict(color="#9ca3af", dash="dash"), annotation_text=text)
    fig.update_layout(**LAYOUT, height=height, xaxis_title="α in (1−α)·θ₀ + α·θ", yaxis_title="training loss")
    return fig


def landscape_figure(alphas: np.ndarray, betas: np.ndarray, loss: np.ndarray, path: np.ndarray,
                     epochs: list[int] | None = None, *, height: int = 460) -> go.Figure:
    """Heatmap of log training loss over a·d1 + b·d2, the current weights at (0, 0), the trajectory on top."""
    z = np.log10(np.maximum(loss, 1e-8)).astype(np.float32)
    fig = go.Figure(go.Heatmap(x=alphas, y=betas, z=z, colorscale=LANDSCAPE_SCALE,
                               colorbar=dict(title="log₁₀ loss", thickness=12),
                               customdata=loss, hovertemplate="a=%{x:.2f} b=%{y:.2f}<br>loss %{customdata:.4f}"
                                                              "<extra></extra>"))
    if len(path):
        fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name="training path",
                                 line=dict(color="white", width=2), marker=dict(size=4, color="white"),
                                 text=[f"epoch {e}" for e in (epochs or [])],
                                 hovertemplate="%{text}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="current weights", hoverinfo="name",
                             marker=dict(symbol="x", size=12, color=CLASS_COLORS[0])))
    fig.update_layout(**LAYOUT, height=height, showlegend=False, xaxis=dict(title="direction 1", constrain="domain"),
                      yaxis=dict(title="direction 2", scaleanchor="x"))
    return fig
