"""Sequence figures: forecasts and rollouts, predicted-vs-true, token strips, time x unit heatmaps, gates,
gradients through time, attention maps, positional encodings and token attributions.

Pure builders from numpy float32 arrays (go.Heatmap for every map); they never call streamlit.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.curves import column
from playground.figures.labels import plain
from playground.figures.palette import BLUE, DIVERGING, GREY, INK, LAYOUT, ORANGE, SEQUENTIAL

GATE_SCALES = {"candidate": DIVERGING, "cell candidate": DIVERGING}


def forecast_figure(series: np.ndarray, seq_len: int, one_step: np.ndarray, rolled: np.ndarray, *,
                    height: int = 320) -> go.Figure:
    """A held-out signal; the model's one-step predictions from true windows; and its free-running rollout
    after the first window (predictions fed back in)."""
    t = np.arange(len(series))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=series, mode="lines", name="truth", line=dict(color=INK, width=1.5)))
    fig.add_trace(go.Scatter(x=t[seq_len:seq_len + len(one_step)], y=one_step, mode="lines", name="one step ahead",
                             line=dict(color=BLUE, width=2)))
    fig.add_trace(go.Scatter(x=t[seq_len:seq_len + len(rolled)], y=rolled, mode="lines",
                             name="rollout (own predictions fed back)", line=dict(color=ORANGE, width=2, dash="dot")))
    fig.add_vrect(x0=0, x1=seq_len - 1, fillcolor=GREY, opacity=0.5, line_width=0,
                  annotation_text="first window", annotation_position="top left")
    fig.update_layout(**LAYOUT, height=height, title="prediction against truth (held-out signal)",
                      xaxis_title="time step", legend=dict(orientation="h", y=-0.2))
    return fig


def scatter_truth_figure(truth: np.ndarray, pred: np.ndarray, baseline: float | None = None,
                         baseline_name: str = "always predict the mean", *, height: int = 320) -> go.Figure:
    """Predicted against true values on the test split; the diagonal is perfect; `baseline` is the constant
    prediction named `baseline_name`."""
    lo, hi = float(min(truth.min(), pred.min())), float(max(truth.max(), pred.max()))
    fig = go.Figure(go.Scattergl(x=truth, y=pred, mode="markers", name="test samples",
                                 marker=dict(color=BLUE, size=5, opacity=0.6)))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect", line=dict(color=INK, dash="dash")))
    if baseline is not None:
        fig.add_hline(y=baseline, line=dict(color=ORANGE, dash="dot"), annotation_text=baseline_name)
    fig.update_layout(**LAYOUT, height=height, title="prediction against truth (test split)",
                      xaxis_title="true", yaxis_title="predicted", legend=dict(orientation="h", y=-0.2))
    return fig


def token_strip_figure(rows: dict[str, list[str]], correct: list[bool | None] | None = None, *,
                       title: str = "one test sequence", height: int = 220) -> go.Figure:
    """Rows of tokens as a table (input, target, prediction) by position; "" leaves a cell blank (no output
    there); `correct[j]` colours the prediction at position j (orange = wrong, None = no output)."""
    names = list(rows)[::-1]
    width = max(len(r) for r in rows.values())
    z = np.zeros((len(names), width), np.float32)
    text = [[""] * width for _ in names]
    for i, name in enumerate(names):
        for j, tok in enumerate(rows[name]):
            if tok == "":
                continue
            text[i][j] = tok
            z[i, j] = 0.3
            if name == "prediction" and correct is not None and j < len(correct) and correct[j] is not None:
                z[i, j] = 0.6 if correct[j] else 1.0
    scale = [[0.0, "#ffffff"], [0.3, GREY], [0.6, "#cfe3f1"], [1.0, "#fbd2a6"]]
    fig = go.Figure(go.Heatmap(z=z, text=text, texttemplate="%{text}", colorscale=scale, zmin=0, zmax=1,
                               showscale=False, xgap=2, ygap=2, y=names, hoverinfo="skip",
                               textfont=dict(size=14, color=INK)))
    fig.update_layout(**LAYOUT, height=height, title=title, xaxis=dict(title="position", dtick=1))
    return fig


def time_unit_figure(z: np.ndarray, *, title: str, zmin: float = -1.0, zmax: float = 1.0, colorscale=None,
                     height: int = 300) -> go.Figure:
    """A (T, units) array as a heatmap: time across, one row per unit."""
    fig = go.Figure(go.Heatmap(z=np.asarray(z, np.float32).T, zmin=zmin, zmax=zmax,
                               colorscale=colorscale or DIVERGING,
                               hovertemplate="step %{x}<br>unit %{y}<br>%{z:.3f}<extra></extra>"))
    fig.update_layout(**LAYOUT, height=height, title=title, xaxis_title="time step", yaxis_title="unit")
    return fig


def gates_figure(gates: dict[str, np.ndarray], *, height: int = 300) -> go.Figure:
    """One heatmap per gate (T, H); sigmoid gates on [0, 1], candidates on [-1, 1]."""
    names = list(gates)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.04)
    for i, name in enumerate(names):
        diverging = name in GATE_SCALES
        fig.add_trace(go.Heatmap(z=gates[name].T, zmin=-1 if diverging else 0, zmax=1,
                                 colorscale=GATE_SCALES.get(name, SEQUENTIAL), showscale=i == 0,
                                 hovertemplate=f"{name}<br>step %{{x}}<br>unit %{{y}}<br>%{{z:.3f}}<extra></extra>"),
                      row=1, col=i + 1)
        fig.update_xaxes(title_text="time step", row=1, col=i + 1)
    fig.update_layout(**LAYOUT, height=height)
    fig.update_yaxes(title_text="unit", row=1, col=1)
    return fig


def time_gradient_figure(grads: np.ndarray, *, height: int = 300) -> go.Figure:
    """‖∂loss/∂x_t‖ per step on a log scale: a slope falling to the left is a vanishing gradient."""
    g = np.maximum(np.asarray(grads, np.float64), 1e-12)
    fig = go.Figure(go.Bar(x=np.arange(len(g)), y=g, marker_color=BLUE,
                           hovertemplate="step %{x}<br>%{y:.2e}<extra></extra>"))
    ratio = g[0] / g[-1] if g[-1] > 0 else float("nan")
    fig.update_layout(**LAYOUT, height=height, xaxis_title="time step",
                      yaxis=dict(type="log", title="‖∂L/∂x_t‖", dtick=1, exponentformat="power"),
                      title=f"gradient reaching each step (first/last = {ratio:.1e})")
    return fig


# Attention grid spacing, in pixels: between two layers sit the upper row's x tick labels and the lower row's
# head titles (TITLE_ROOM: the 16 px subplot-title font); plot fractions are computed from them so a title
# never prints over the axis labels above it, whatever the number of layers. Past UPRIGHT_MAX positions the
# x labels stand vertical (side by side they would run into each other), so they need room for their length.
# Room measured in Chromium on the app's pages (Streamlit's chart theme): one line of labels reaches 33 px
# below the axis, vertical 4-character labels 44 px.
TITLE_ROOM, ROW_PAD, CHAR_PX, UPRIGHT_MAX = 24, 10, 8, 10


def tick_room(labels: list[str], shown: bool) -> int:
    """Pixels below a map that its x tick labels take (12 px font: ~8 px a character when vertical)."""
    if not shown:
        return 0
    return 14 + CHAR_PX * max(map(len, labels)) if len(labels) > UPRIGHT_MAX else 36


def attention_figure(maps: np.ndarray, tokens: list[str], *, height_per_row: int = 260) -> go.Figure:
    """maps (layers, heads, T, T): one heatmap per layer (rows) and head (columns); rows of each sum to 1."""
    n_layers, n_heads, t, _ = maps.shape
    labels = [f"{i}:{tok}" for i, tok in enumerate(tokens[:t])]
    shown = t <= 24
    below = tick_room(labels, shown)
    gap = below + TITLE_ROOM + ROW_PAD                                   # px between two rows of maps
    plot_height = height_per_row * n_layers + gap * (n_layers - 1)       # px inside the margins
    fig = make_subplots(rows=n_layers, cols=n_heads, horizontal_spacing=0.08 if shown else 0.03,
                        vertical_spacing=gap / plot_height if n_layers > 1 else 0.0,
                        subplot_titles=[f"layer {layer + 1}, head {h + 1}" for layer in range(n_layers)
                                        for h in range(n_heads)])
    for layer in range(n_layers):
        for h in range(n_heads):
            fig.add_trace(go.Heatmap(z=maps[layer, h], x=labels, y=labels, zmin=0, zmax=1, colorscale="Blues",
                                     showscale=layer == 0 and h == 0,
                                     hovertemplate="query %{y}<br>key %{x}<br>%{z:.3f}<extra></extra>"),
                          row=layer + 1, col=h + 1)
    fig.update_yaxes(autorange="reversed", showticklabels=shown)
    fig.update_xaxes(showticklabels=shown, tickangle=-90 if t > UPRIGHT_MAX else 0)
    margin = {**LAYOUT["margin"], "t": max(LAYOUT["margin"]["t"], TITLE_ROOM + ROW_PAD),
              "b": max(LAYOUT["margin"]["b"], below + ROW_PAD)}
    fig.update_layout(**{**LAYOUT, "margin": margin}, height=plot_height + margin["t"] + margin["b"])
    return fig


def positions_figure(table: np.ndarray, *, title: str, height: int = 300) -> go.Figure:
    """A positional encoding table (positions, d_model)."""
    limit = float(np.abs(table).max()) or 1.0
    fig = go.Figure(go.Heatmap(z=np.asarray(table, np.float32), zmin=-limit, zmax=limit, colorscale=DIVERGING,
                               hovertemplate="position %{y}<br>dimension %{x}<br>%{z:.3f}<extra></extra>"))
    fig.update_layout(**LAYOUT, height=height, title=title, xaxis_title="dimension", yaxis_title="position")
    return fig


def attribution_figure(tokens: list[str], scores: np.ndarray, *, title: str, height: int = 280) -> go.Figure:
    """Signed attribution of each input token (blue pushes the score up, orange down)."""
    s = np.asarray(scores, np.float32)
    fig = go.Figure(go.Bar(x=[f"{i}:{t}" for i, t in enumerate(tokens)], y=s,
                           marker_color=[BLUE if v >= 0 else ORANGE for v in s],
                           hovertemplate="%{x}<br>%{y:.4f}<extra></extra>"))
    fig.update_layout(**LAYOUT, height=height, title=title, yaxis_title="attribution", xaxis=dict(tickangle=0))
    return fig


def race_spec(curves: dict[str, tuple[list, list]], metric: str, baseline: float | None = None,
              baseline_name: str = "always predict the mean", *, height: int = 300) -> dict:
    """label -> (epochs, test metric): models raced on the same task, seed and budget; `baseline` is the
    constant prediction's metric, named `baseline_name`. A figure dict for the live chart."""
    colors = [ORANGE, BLUE, "#2ca02c", "#d62728"]
    data = [dict(type="scatter", x=np.asarray(epochs, np.int32), y=column(values), name=plain(label),
                 mode="lines" if len(epochs) > 1 else "lines+markers",
                 line=dict(color=colors[i % len(colors)], width=2.5))
            for i, (label, (epochs, values)) in enumerate(curves.items())]
    ref = [] if baseline is None else [baseline]
    layout = dict(**LAYOUT, height=height, title=dict(text=f"race: test {metric} on the same task, seed and budget"),
                  xaxis=dict(title=dict(text="epoch")), yaxis=dict(title=dict(text=f"test {metric}")),
                  legend=dict(orientation="h", y=-0.25),
                  shapes=[dict(type="line", xref="x domain", x0=0, x1=1, y0=v, y1=v,
                               line=dict(color="#9ca3af", dash="dash")) for v in ref],
                  annotations=[dict(xref="x domain", x=1, y=v, text=baseline_name, showarrow=False,
                                    xanchor="right", yanchor="bottom") for v in ref])
    return dict(data=data, layout=layout)

