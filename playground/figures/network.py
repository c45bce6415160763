"""The network diagram: every neuron as a small map of what it computes over the input plane, every
weight as a line coloured by sign and drawn as thick as its size, with hover values.

Neuron maps become tiny PNG layout images (cheap for the browser: one image per node, not one
trace). Edges are binned into a few width classes per sign, so a 128-wide layer costs 12 traces,
not 16,000. Edge midpoints carry (layer, to, from) as customdata so a page can let the user pick one.
`network_spec` returns a plain figure dict (no Plotly validation: live updates); `network_figure` a go.Figure.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.figures.bitmap import rgb_uri
from playground.figures.labels import plain
from playground.figures.palette import LAYOUT, NEGATIVE, POSITIVE, diverging_rgb

MAX_SHOWN = 16      # neurons drawn per layer; the rest are summarised as "+N more"
WIDTH_BINS = 6      # distinct line widths per sign
X_GAP = 3.0         # horizontal distance between columns, in units of the vertical neuron spacing
NODE = 0.8          # a neuron's square, in the same units (axes are locked 1:1)


def map_to_png(values: np.ndarray, limit: float) -> str:
    """A [R, R] map -> data-URI PNG, flipped so +y is up, coloured on the shared diverging scale."""
    return rgb_uri(diverging_rgb(values[::-1], limit))


def network_spec(layer_names: list[str], maps: list[np.ndarray], weights: list[np.ndarray],
                 biases: list[np.ndarray], *, node_labels: list[list[str]] | None = None,
                 selected: tuple[int, int, int] | None = None, height: int | None = None) -> dict:
    """layer_names: one per column; maps: per column [n_i, R, R]; weights: per gap [n_{i+1}, n_i]."""
    shown = [min(len(m), MAX_SHOWN) for m in maps]
    pos = [_column(i, n) for i, n in enumerate(shown)]
    data = _edge_traces(weights, pos, shown) + [_edge_hover(weights, pos, shown),
                                                 _node_hover(layer_names, biases, pos, node_labels)]
    size, images, notes = NODE, [], []
    for col, (m, p) in enumerate(zip(maps, pos)):
        for j, (x, y) in enumerate(p):
            # each neuron on its own scale (its largest |value|), so quiet neurons still show their shape
            limit = 1.0 if col == len(maps) - 1 else float(np.abs(m[j]).max() or 1.0)
            # the output map of a binary classifier is p(class 1) in [0, 1]: centre it at 0.5
            values = (m[j] - 0.5) * 2 if col == len(maps) - 1 and m[j].min() >= 0 else m[j]
            images.append(dict(source=map_to_png(values, limit), xref="x", yref="y", x=x - size / 2, y=y + size / 2,
                               sizex=size, sizey=size, sizing="stretch", layer="above"))
        if len(m) > shown[col]:
            notes.append(dict(x=col * X_GAP, y=-shown[col] / 2 - 0.1, text=f"+{len(m) - shown[col]} more",
                              showarrow=False))
    if selected is not None:
        g, to, frm = selected
        if g + 1 < len(shown) and to < shown[g + 1] and frm < shown[g]:
            (x0, y0), (x1, y1) = pos[g][frm], pos[g + 1][to]
            data.append(dict(type="scatter", x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip",
                             showlegend=False, line=dict(color="#facc15", width=6)))
    top = max(shown) / 2 + 0.2
    notes += [dict(x=col * X_GAP, y=top, text=f"<b>{name}</b>", showarrow=False, yanchor="bottom")
              for col, name in enumerate(layer_names)]
    layout = dict(**LAYOUT, images=images, annotations=notes, height=height or max(340, 40 * max(shown) + 120),
                  showlegend=False, hovermode="closest", clickmode="event+select", dragmode=False,
                  xaxis=dict(visible=False, range=[-0.7, (len(maps) - 1) * X_GAP + 0.7]),
                  yaxis=dict(visible=False, range=[-top - 0.3, top + 0.8], scaleanchor="x", scaleratio=1))
    return dict(data=data, layout=layout)


def network_figure(*args, **kwargs) -> go.Figure:
    """network_spec as a go.Figure (validated; for st.plotly_chart callers)."""
    return go.Figure(network_spec(*args, **kwargs))


def _column(i: int, n: int) -> list[tuple[float, float]]:
    return [(i * X_GAP, (n - 1) / 2 - j) for j in range(n)]


def _edge_traces(weights: list[np.ndarray], pos, shown) -> list[dict]:
    limit = max((float(np.abs(w).max()) for w in weights if w.size), default=1.0) or 1.0
    buckets: dict[tuple[bool, int], tuple[list, list]] = {}
    for g, w in enumerate(weights):
        for to in range(shown[g + 1]):
            for frm in range(shown[g]):
                v = float(w[to, frm])
                key = (v >= 0, min(int(abs(v) / limit * WIDTH_BINS), WIDTH_BINS - 1))
                xs, ys = buckets.setdefault(key, ([], []))
                (x0, y0), (x1, y1) = pos[g][frm], pos[g + 1][to]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
    return [dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                       line=dict(color=POSITIVE if positive else NEGATIVE, width=0.5 + 1.1 * b),
                       opacity=0.35 + 0.1 * b)
            for (positive, b), (xs, ys) in sorted(buckets.items())]


def _edge_hover(weights, pos, shown) -> dict:
    xs, ys, text, data = [], [], [], []
    for g, w in enumerate(weights):
        for to in range(shown[g + 1]):
            for frm in range(shown[g]):
                (x0, y0), (x1, y1) = pos[g][frm], pos[g + 1][to]
                xs.append(x0 + (x1 - x0) * 0.3)
                ys.append(y0 + (y1 - y0) * 0.3)
                text.append(f"weight {frm + 1}→{to + 1} (layer {g + 1}): {w[to, frm]:.4f}")
                data.append((g, to, frm))
    return dict(type="scatter", x=xs, y=ys, mode="markers", marker=dict(size=9, color="rgba(0,0,0,0.01)"), text=text,
                customdata=data, hovertemplate="%{text}<extra></extra>", showlegend=False, name="weights")


def _node_hover(layer_names, biases, pos, node_labels) -> dict:
    xs, ys, text = [], [], []
    for col, p in enumerate(pos):
        for j, (x, y) in enumerate(p):
            label = plain(node_labels[col][j]) if node_labels and j < len(node_labels[col]) else f"neuron {j + 1}"
            bias = f"<br>bias {biases[col - 1][j]:.4f}" if col > 0 and j < len(biases[col - 1]) else ""
            xs.append(x)
            ys.append(y)
            text.append(f"{layer_names[col]}: {label}{bias}")
    return dict(type="scatter", x=xs, y=ys, mode="markers",
                marker=dict(size=22, color="rgba(0,0,0,0)", symbol="square"), text=text,
                hovertemplate="%{text}<extra></extra>", showlegend=False, name="neurons")
