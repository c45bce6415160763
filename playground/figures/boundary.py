"""Decision-boundary figure of a 2-D model: a heatmap of its output over the plane with the data on top."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.figures.palette import CLASS_COLORS, DIVERGING, LAYOUT, class_colorscale


def boundary_figure(xs: np.ndarray, ys: np.ndarray, output: np.ndarray,
                    points: dict[str, tuple[np.ndarray, np.ndarray]],
                    *, class_names: tuple[str, ...] = (), discretize: bool = False,
                    title: str = "", height: int = 420) -> go.Figure:
    """output: class probabilities [R, R, k] or regression values [R, R]; points: split -> (xy [N, 2], y [N])."""
    fig = go.Figure()
    fig.add_trace(_heatmap(xs, ys, output, discretize))
    regression = output.ndim == 2
    for split, (xy, y) in points.items():
        if len(xy) == 0:
            continue
        outline = "white" if split == "train" else "black"
        if regression:
            fig.add_trace(go.Scatter(
                x=xy[:, 0], y=xy[:, 1], mode="markers", name=split,
                marker=dict(color=np.asarray(y, np.float32).ravel(), colorscale=DIVERGING, cmin=-1, cmax=1,
                            size=6, line=dict(color=outline, width=1)),
                hovertemplate=f"{split}<br>x=%{{x:.2f}} y=%{{y:.2f}}<br>target=%{{marker.color:.3f}}<extra></extra>"))
            continue
        for c in np.unique(y):
            sel = y == c
            name = class_names[c] if c < len(class_names) else f"class {c}"
            fig.add_trace(go.Scatter(
                x=xy[sel, 0], y=xy[sel, 1], mode="markers", name=f"{name} ({split})",
                marker=dict(color=CLASS_COLORS[c % len(CLASS_COLORS)], size=6,
                            line=dict(color=outline, width=1), symbol="circle" if split == "train" else "diamond"),
                hovertemplate=f"{name}, {split}<br>x=%{{x:.2f}} y=%{{y:.2f}}<extra></extra>"))
    fig.update_layout(**LAYOUT, title=title, height=height, showlegend=False,
                      xaxis=dict(range=[xs[0], xs[-1]], constrain="domain", title="X₁"),
                      yaxis=dict(range=[ys[0], ys[-1]], scaleanchor="x", title="X₂"))
    return fig


def _heatmap(xs: np.ndarray, ys: np.ndarray, output: np.ndarray, discretize: bool) -> go.Heatmap:
    if output.ndim == 2:                                    # regression: value in [-1, 1]
        z = np.sign(output) if discretize else output
        return go.Heatmap(x=xs, y=ys, z=z.astype(np.float32), colorscale=DIVERGING, zmin=-1, zmax=1,
                          showscale=False, opacity=0.75, hovertemplate="ŷ=%{z:.3f}<extra></extra>")
    k = output.shape[-1]
    if k == 2:                                              # binary: p(class 1)
        z = output[..., 1]
        z = (z > 0.5).astype(np.float32) if discretize else z.astype(np.float32)
        return go.Heatmap(x=xs, y=ys, z=z, colorscale=DIVERGING, zmin=0, zmax=1, showscale=False, opacity=0.75,
                          zsmooth="best", hovertemplate="p(class 1)=%{z:.3f}<extra></extra>")
    # k classes: z = winning class + its confidence rescaled from [1/k, 1] to [0, 1)
    cls = output.argmax(-1)
    conf = np.ones_like(cls, np.float32) if discretize else (output.max(-1) - 1 / k) / (1 - 1 / k)
    z = ((cls + np.clip(conf, 0, 0.999)) / k).astype(np.float32)
    return go.Heatmap(x=xs, y=ys, z=z, colorscale=class_colorscale(k), zmin=0, zmax=1, showscale=False,
                      opacity=0.75, hoverinfo="skip")
