"""Sequence figures: forecasts and rollouts, predicted-vs-true, token strips, time x unit heatmaps, gates,
gradients through time, attention maps, positional encodings, curves with reference losses, token
attributions and the cell race.

The live views' builders (`*_spec`) return plain figure dicts with a fixed `layout.height` (no Plotly
validation, float32 arrays: cheap enough to rebuild ten times a second); grids of maps are placed on hand-made
axes (make_subplots costs ~20 ms). `attribution_figure` (drawn once, on request) returns a go.Figure. Token
strings come from data, possibly a person's text: they are escaped here with `plain`. Pure builders; they
never call streamlit and never mutate their inputs.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sequential

from playground.figures.curves import column
from playground.figures.labels import plain
from playground.figures.palette import BLUE, DIVERGING, GREY, INK, LAYOUT, ORANGE, SEQUENTIAL

GATE_SCALES = {"candidate": DIVERGING, "cell candidate": DIVERGING}
# ColorBrewer Blues, white (0) to dark blue (1), spelled out: plotly.js's own "Blues" runs dark blue to grey
ATTENTION_SCALE = [[i / (len(sequential.Blues) - 1), c] for i, c in enumerate(sequential.Blues)]
REF_LINE = dict(color="#9ca3af", dash="dash")
SUBTITLE = 16              # px: the font of a panel's title in a grid (as make_subplots drew them)
TOP, WHERE_LINE = 36, 16  # px above a chart for its title, and for a line under it saying where the weights are
PANEL_TITLES = 24          # px above a grid's first row for its panels' titles
WHERE_FONT = dict(size=11, color="#6b7280")


def title_room(where: str) -> int:
    """Pixels above a chart (or above its panels' titles) that its title and `where` line take."""
    return TOP + (WHERE_LINE if where else 0)


def layout(text: str, height: int, *, where: str = "", grid: bool = False, annotations: list | tuple = (),
           **kwargs) -> dict:
    """The shared layout: a title at the top left; under it `where` (where the weights the chart was computed
    from are: "epoch 13, batch 30 of 50"), in small grey type just above the plot (above a grid's panel
    titles), so even a half-width chart's title fits; room for both; a fixed height (the same playing and
    paused). `annotations` are the chart's own."""
    top = title_room(where) + (PANEL_TITLES if grid else 0)
    notes = [*annotations]
    if where:
        notes.append(dict(text=where, xref="paper", x=0, xanchor="left", yref="paper", y=1, yanchor="bottom",
                          yshift=PANEL_TITLES if grid else 0, showarrow=False, font=WHERE_FONT))
    return dict(**{**LAYOUT, "margin": {**LAYOUT["margin"], "t": top}}, height=height, annotations=notes,
                title=dict(text=text, x=0, xref="paper", xanchor="left", y=1, yref="container", yanchor="top",
                           pad=dict(t=8), font=dict(size=14)), **kwargs)


def forecast_spec(series: np.ndarray, seq_len: int, one_step: np.ndarray, rolled: np.ndarray, *, where: str = "",
                  height: int = 320) -> dict:
    """A held-out signal; the model's one-step predictions from true windows; and its free-running rollout
    after the first window (predictions fed back in)."""
    t = np.arange(len(series), dtype=np.float32)
    after = t[seq_len:]
    data = [dict(type="scatter", x=t, y=np.asarray(series, np.float32), mode="lines", name="truth",
                 line=dict(color=INK, width=1.5)),
            dict(type="scatter", x=after[:len(one_step)], y=np.asarray(one_step, np.float32), mode="lines",
                 name="one step ahead", line=dict(color=BLUE, width=2)),
            dict(type="scatter", x=after[:len(rolled)], y=np.asarray(rolled, np.float32), mode="lines",
                 name="rollout (own predictions fed back)", line=dict(color=ORANGE, width=2, dash="dot"))]
    shade = dict(type="rect", xref="x", yref="paper", x0=0, x1=seq_len - 1, y0=0, y1=1, fillcolor=GREY,
                 opacity=0.5, line=dict(width=0), layer="below")
    note = dict(text="first window", xref="x", x=0, xanchor="left", yref="paper", y=1, yanchor="top",
                showarrow=False)
    return dict(data=data, layout=layout("prediction against truth (held-out signal)", height, where=where,
                                         shapes=[shade], annotations=[note], xaxis=dict(title=dict(text="time step")),
                                         legend=dict(orientation="h", y=-0.2)))


def scatter_truth_spec(truth: np.ndarray, pred: np.ndarray, baseline: float | None = None,
                       baseline_name: str = "always predict the mean", *, where: str = "", height: int = 320) -> dict:
    """Predicted against true values on the test split; the diagonal is perfect; `baseline` is the constant
    prediction named `baseline_name`."""
    truth, pred = np.asarray(truth, np.float32), np.asarray(pred, np.float32)
    lo, hi = float(min(truth.min(), pred.min())), float(max(truth.max(), pred.max()))
    data = [dict(type="scatter", x=truth, y=pred, mode="markers", name="test samples",
                 marker=dict(color=BLUE, size=5, opacity=0.6),
                 hovertemplate="true %{x:.3f}<br>predicted %{y:.3f}<extra></extra>"),
            dict(type="scatter", x=[lo, hi], y=[lo, hi], mode="lines", name="perfect",
                 line=dict(color=INK, dash="dash"))]
    shapes, notes = [], []
    if baseline is not None:
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=baseline, y1=baseline,
                           line=dict(color=ORANGE, dash="dot")))
        notes.append(dict(text=plain(baseline_name), xref="paper", x=1, xanchor="right", yref="y", y=baseline,
                          yanchor="bottom", showarrow=False))
    return dict(data=data, layout=layout("prediction against truth (test split)", height, where=where,
                                         shapes=shapes, annotations=notes, legend=dict(orientation="h", y=-0.2),
                                         xaxis=dict(title=dict(text="true")), yaxis=dict(title=dict(text="predicted"))))


def token_strip_spec(rows: dict[str, list[str]], correct: list[bool | None] | None = None, *,
                     title: str = "one test sequence", where: str = "", height: int = 220) -> dict:
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
            text[i][j] = plain(tok)
            z[i, j] = 0.3
            if name == "prediction" and correct is not None and j < len(correct) and correct[j] is not None:
                z[i, j] = 0.6 if correct[j] else 1.0
    scale = [[0.0, "#ffffff"], [0.3, GREY], [0.6, "#cfe3f1"], [1.0, "#fbd2a6"]]
    data = [dict(type="heatmap", z=z, text=text, texttemplate="%{text}", colorscale=scale, zmin=0, zmax=1,
                 showscale=False, xgap=2, ygap=2, y=names, hoverinfo="skip", textfont=dict(size=14, color=INK))]
    bare = dict(showgrid=False, zeroline=False)   # no lines showing through the gaps between cells
    spec = layout(title, height, where=where, xaxis=dict(title=dict(text="position"), dtick=1, **bare),
                  yaxis=dict(ticks="", **bare))
    return dict(data=data, layout={**spec, "margin": {**spec["margin"], "l": 80}})   # room for "prediction"


def time_unit_spec(z: np.ndarray, *, title: str, where: str = "", zmin: float = -1.0, zmax: float = 1.0,
                   colorscale=None, height: int = 300) -> dict:
    """A (T, units) array as a heatmap: time across, one row per unit."""
    data = [dict(type="heatmap", z=np.asarray(z, np.float32).T, zmin=zmin, zmax=zmax,
                 colorscale=colorscale or DIVERGING, hovertemplate="step %{x}<br>unit %{y}<br>%{z:.3f}<extra></extra>")]
    return dict(data=data, layout=layout(title, height, where=where, xaxis=dict(title=dict(text="time step")),
                                         yaxis=dict(title=dict(text="unit"))))


def gates_spec(gates: dict[str, np.ndarray], *, title: str = "gates over time", where: str = "",
               height: int = 300) -> dict:
    """One heatmap per gate (T, H) side by side; sigmoid gates on [0, 1], candidates on [-1, 1]."""
    names = list(gates)
    columns = _spans(len(names), 0.04)
    data, axes, notes = [], {}, []
    for i, (name, span) in enumerate(zip(names, columns)):
        k = "" if i == 0 else str(i + 1)
        diverging = name in GATE_SCALES
        data.append(dict(type="heatmap", z=np.asarray(gates[name], np.float32).T, zmin=-1 if diverging else 0, zmax=1,
                         colorscale=GATE_SCALES.get(name, SEQUENTIAL), showscale=i == 0, xaxis=f"x{k}", yaxis=f"y{k}",
                         hovertemplate=f"{name}<br>step %{{x}}<br>unit %{{y}}<br>%{{z:.3f}}<extra></extra>"))
        axes[f"xaxis{k}"] = dict(domain=span, anchor=f"y{k}", title=dict(text="time step"))
        axes[f"yaxis{k}"] = dict(anchor=f"x{k}", title=dict(text="unit" if i == 0 else ""))
        notes.append(_panel_title(name, sum(span) / 2, 1.0))
    return dict(data=data, layout=layout(title, height, where=where, grid=True, annotations=notes, **axes))


def time_gradient_spec(grads: np.ndarray, *, where: str = "", height: int = 300) -> dict:
    """‖∂loss/∂x_t‖ per step on a log scale: a slope falling to the left is a vanishing gradient."""
    g = np.maximum(np.asarray(grads, np.float64), 1e-12)
    ratio = g[0] / g[-1] if g[-1] > 0 else float("nan")
    data = [dict(type="bar", x=np.arange(len(g), dtype=np.int32), y=g.astype(np.float32), marker=dict(color=BLUE),
                 hovertemplate="step %{x}<br>%{y:.2e}<extra></extra>")]
    spec = layout(f"gradient reaching each step (first/last = {ratio:.1e})", height, where=where,
                  xaxis=dict(title=dict(text="time step")),
                  yaxis=dict(type="log", title=dict(text="‖∂L/∂x_t‖"), exponentformat="power"))
    return dict(data=data, layout={**spec, "margin": {**spec["margin"], "l": 64}})   # room for 10⁻⁴ and the title


def with_loss_refs(spec: dict, refs: tuple[tuple[float, str], ...], *, log_loss: bool = False) -> dict:
    """A curves spec (figures/curves.py) with a dashed line across the loss panel at each (loss, name) of
    `refs`; a new dict. Shapes and annotations on a log axis take log10 of the value."""
    def at(v: float) -> float:
        return math.log10(v) if log_loss else v

    lines = [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=at(v), y1=at(v), line=REF_LINE)
             for v, _ in refs if v > 0 or not log_loss]
    notes = [dict(text=plain(name), xref="x domain", x=1, xanchor="right", yref="y", y=at(v), yanchor="bottom",
                  showarrow=False, font=dict(color="#6b7280")) for v, name in refs if v > 0 or not log_loss]
    old = spec["layout"]
    new = {**old, "shapes": [*old.get("shapes", []), *lines], "annotations": [*old.get("annotations", []), *notes]}
    return {**spec, "layout": new}


# Attention grid spacing, in pixels: between two layers sit the upper row's x tick labels and the lower row's
# head titles (PANEL_TITLES: the 16 px panel-title font); plot fractions are computed from them so a title
# never prints over the axis labels above it, whatever the number of layers. Past UPRIGHT_MAX positions the
# x labels stand vertical (side by side they would run into each other), so they need room for their length.
# Room measured in Chromium on the app's pages (Streamlit's chart theme): one line of labels reaches 33 px
# below the axis, vertical 4-character labels 44 px.
ROW_PAD, CHAR_PX, UPRIGHT_MAX, LABELLED_MAX = 10, 8, 10, 24


def tick_room(labels: list[str], shown: bool) -> int:
    """Pixels below a map that its x tick labels take (12 px font: ~8 px a character when vertical)."""
    if not shown:
        return 0
    return 14 + CHAR_PX * max(map(len, labels)) if len(labels) > UPRIGHT_MAX else 36


def position_labels(tokens: list[str]) -> list[str]:
    """"i:token" per position (just "i" where the input is a number), escaped for Plotly."""
    return [f"{i}:{plain(tok)}" if tok else str(i) for i, tok in enumerate(tokens)]


def attention_spec(maps: np.ndarray, tokens: list[str], *, title: str = "attention maps", where: str = "",
                   height_per_row: int = 260) -> dict:
    """maps (layers, heads, T, T): one heatmap per layer (rows) and head (columns); rows of each sum to 1.
    Its height follows the grid's shape only, so it is the same playing and paused."""
    n_layers, n_heads, t, _ = maps.shape
    labels = position_labels(list(tokens[:t]))
    shown = t <= LABELLED_MAX
    below = tick_room(labels, shown)
    gap = below + PANEL_TITLES + ROW_PAD                                   # px between two rows of maps
    plot_height = height_per_row * n_layers + gap * (n_layers - 1)       # px inside the margins
    rows = _spans(n_layers, gap / plot_height if n_layers > 1 else 0.0)[::-1]   # top row first
    cols = _spans(n_heads, 0.08 if shown else 0.03)
    data, axes, notes = [], {}, []
    hover = "query %{y}<br>key %{x}<br>%{z:.3f}<extra></extra>"
    for layer, y_span in enumerate(rows):
        for h, x_span in enumerate(cols):
            n = layer * n_heads + h + 1
            k = "" if n == 1 else str(n)
            data.append(dict(type="heatmap", z=np.asarray(maps[layer, h], np.float32), x=labels, y=labels, zmin=0,
                             zmax=1, colorscale=ATTENTION_SCALE, showscale=n == 1, xaxis=f"x{k}", yaxis=f"y{k}",
                             hovertemplate=hover))
            axes[f"xaxis{k}"] = dict(domain=x_span, anchor=f"y{k}", showticklabels=shown,
                                     tickangle=-90 if t > UPRIGHT_MAX else 0, type="category")
            axes[f"yaxis{k}"] = dict(domain=y_span, anchor=f"x{k}", autorange="reversed", showticklabels=shown,
                                     type="category")
            notes.append(_panel_title(f"layer {layer + 1}, head {h + 1}", sum(x_span) / 2, y_span[1]))
    top, bottom = title_room(where) + PANEL_TITLES, max(LAYOUT["margin"]["b"], below + ROW_PAD)
    spec = layout(title, plot_height + top + bottom, where=where, grid=True, annotations=notes, **axes)
    return dict(data=data, layout={**spec, "margin": {**spec["margin"], "b": bottom}})


def positions_spec(table: np.ndarray, *, title: str, where: str = "", height: int = 300) -> dict:
    """A positional encoding table (positions, d_model)."""
    table = np.asarray(table, np.float32)
    limit = float(np.abs(table).max()) or 1.0
    data = [dict(type="heatmap", z=table, zmin=-limit, zmax=limit, colorscale=DIVERGING,
                 hovertemplate="position %{y}<br>dimension %{x}<br>%{z:.3f}<extra></extra>")]
    return dict(data=data, layout=layout(title, height, where=where, xaxis=dict(title=dict(text="dimension")),
                                         yaxis=dict(title=dict(text="position"))))


def _spans(n: int, spacing: float) -> list[list[float]]:
    """n equal [start, end] paper intervals from 0 to 1 with `spacing` between neighbours (make_subplots')."""
    size = (1 - spacing * (n - 1)) / n
    return [[i * (size + spacing), i * (size + spacing) + size] for i in range(n)]


def _panel_title(text: str, x: float, y: float) -> dict:
    """A grid panel's title centred above it (paper coordinates), as make_subplots places them."""
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                showarrow=False, font=dict(size=SUBTITLE))


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
