"""Decision-boundary figure of a 2-D model: its output over the plane as a background image, the data on top.

The background is one layout image (figures/bitmap.py: a new image redraws only the image, so the live
chart stays cheap in the browser), placed so pixel centres sit on the grid points. `boundary_spec` returns
a plain figure dict (no Plotly validation: ~1 ms instead of ~45 ms, which matters ten times a second);
`background` alone is what a played-back frame of the live boundary changes (ui/chart.py `playback`).
"""

from __future__ import annotations

import numpy as np

from playground.figures.bitmap import output_rgb, rgb_uri
from playground.figures.labels import plain
from playground.figures.palette import CLASS_COLORS, DIVERGING, LAYOUT


def boundary_spec(xs: np.ndarray, ys: np.ndarray, output: np.ndarray,
                  points: dict[str, tuple[np.ndarray, np.ndarray]],
                  *, class_names: tuple[str, ...] = (), discretize: bool = False,
                  title: str = "", height: int = 420) -> dict:
    """output: class probabilities [R, R, k] or regression values [R, R]; points: split -> (xy [N, 2], y [N])."""
    data = []
    regression = output.ndim == 2
    for split, (xy, y) in points.items():
        if len(xy) == 0:
            continue
        outline = "white" if split == "train" else "black"
        xy = np.asarray(xy, np.float32)
        if regression:
            data.append(dict(
                type="scatter", x=xy[:, 0], y=xy[:, 1], mode="markers", name=split,
                marker=dict(color=np.asarray(y, np.float32).ravel(), colorscale=DIVERGING, cmin=-1, cmax=1,
                            size=6, line=dict(color=outline, width=1)),
                hovertemplate=f"{split}<br>x=%{{x:.2f}} y=%{{y:.2f}}<br>target=%{{marker.color:.3f}}<extra></extra>"))
            continue
        for c in np.unique(y):
            sel = y == c
            name = plain(class_names[c]) if c < len(class_names) else f"class {c}"
            data.append(dict(
                type="scatter", x=xy[sel, 0], y=xy[sel, 1], mode="markers", name=f"{name} ({split})",
                marker=dict(color=CLASS_COLORS[c % len(CLASS_COLORS)], size=6,
                            line=dict(color=outline, width=1), symbol="circle" if split == "train" else "diamond"),
                hovertemplate=f"{name}, {split}<br>x=%{{x:.2f}} y=%{{y:.2f}}<extra></extra>"))
    layout = dict(**LAYOUT, title=dict(text=title), height=height, showlegend=False, images=[background(xs, ys, output,
                                                                                                     discretize)],
                  xaxis=dict(range=[float(xs[0]), float(xs[-1])], constrain="domain", title=dict(text="X₁"),
                             showgrid=False, zeroline=False),     # the background image is the plot: no grid on it
                  yaxis=dict(range=[float(ys[0]), float(ys[-1])], scaleanchor="x", title=dict(text="X₂"),
                             showgrid=False, zeroline=False))
    return dict(data=data, layout=layout)


def background(xs: np.ndarray, ys: np.ndarray, output: np.ndarray, discretize: bool) -> dict:
    """The coloured output as a layout image: R pixels over [xs[0] - dx/2, xs[-1] + dx/2], +y up."""
    dx, dy = (float(xs[-1] - xs[0]) / max(len(xs) - 1, 1), float(ys[-1] - ys[0]) / max(len(ys) - 1, 1))
    return dict(source=rgb_uri(output_rgb(output, discretize)[::-1]), xref="x", yref="y", x=float(xs[0]) - dx / 2,
                y=float(ys[-1]) + dy / 2, sizex=float(xs[-1] - xs[0]) + dx, sizey=float(ys[-1] - ys[0]) + dy,
                sizing="stretch", layer="below", opacity=0.75)
