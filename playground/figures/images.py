"""Figures of the Images lab: image mosaics (filters, feature maps, galleries), confusion matrix,
per-class accuracy, attribution panels, layer statistics, the sanity check and the drawing pad.

The live views' builders (`*_spec`) return plain figure dicts for `ui.chart.show` (numpy arrays, no Plotly
validation; fixed heights, so a chart keeps its size playing and paused); a mosaic of many small images is
one heatmap with NaN gaps. The explanation views' builders (`*_figure`) return go.Figure for
st.plotly_chart. They never call streamlit and never mutate their inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures.labels import plain, plain_all
from playground.figures.palette import BLUE, CLASS_COLORS, DIVERGING, GREY, INK, LAYOUT, ORANGE

INK_SCALE = [[0.0, "#ffffff"], [1.0, "#111827"]]           # pixels: 0 = white paper, 1 = ink
HEAT_SCALE = [[0.0, "#ffffff"], [0.5, "#fdba74"], [1.0, "#b91c1c"]]  # unsigned attribution
COUNT_SCALE = [[0.0, "#f7f7f7"], [1.0, BLUE]]
TITLE = dict(font=dict(size=13), x=0.01, xanchor="left")   # live charts: left, clear of the modebar on the right


def mosaic(images: np.ndarray, cols: int, gap: int = 1) -> np.ndarray:
    """[N, H, W] -> one [rows*(H+gap)-gap, cols*(W+gap)-gap] float32 array, NaN between tiles."""
    n, h, w = images.shape
    rows = max(1, -(-n // cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = images[i]
    return out


def _no_axis(**extra) -> dict:
    return dict(visible=False, showgrid=False, zeroline=False, **extra)


def image_grid_spec(images: np.ndarray, titles: Sequence[str] = (), *, cols: int = 8, slots: int | None = None,
                    signed: bool = False, zrange: tuple[float, float] | None = None, title: str = "",
                    title_colors: Sequence[str] | None = None, height: int = 200) -> dict:
    """Small images [N, H, W] as one mosaic heatmap (NaN between tiles) with a caption under each.

    slots: tiles laid out whatever N is (N <= slots; empty ones stay blank), so the grid, and the chart,
    keep their shape while N changes from tick to tick. `signed` uses the diverging scale around 0.
    """
    n, h, w = images.shape
    slots = max(slots or n, 1)
    cols = max(1, min(cols, slots))
    gap = max(1, round(h * 0.45)) if titles else 1
    tiles = np.full((slots, h, w), np.nan, np.float32)
    tiles[:n] = images
    grid = mosaic(tiles, cols, gap)
    if zrange is None:
        lim = float(np.nanmax(np.abs(images))) if n and np.isfinite(images).any() else 1.0
        zrange = (-lim, lim) if signed else (0.0, lim or 1.0)
    colors = title_colors or [INK] * n
    notes = [dict(x=(i % cols) * (w + gap) + (w - 1) / 2, y=(i // cols) * (h + gap) + h - 0.3, text=plain(text),
                  showarrow=False, yanchor="top", font=dict(size=11, color=colors[i])) for i, text in enumerate(titles)]
    heat = dict(type="heatmap", z=grid, colorscale=DIVERGING if signed else INK_SCALE, zmin=zrange[0], zmax=zrange[1],
                showscale=False, hoverongaps=False, hovertemplate="value %{z:.3f}<extra></extra>")
    bottom = grid.shape[0] + (gap if titles else 0) - 0.5
    layout = dict(**{**LAYOUT, "margin": dict(l=4, r=4, t=30 if title else 4, b=4)}, height=height,
                  title=dict(TITLE, text=title), annotations=notes,
                  xaxis=_no_axis(range=[-0.5, grid.shape[1] - 0.5], constrain="domain"),
                  yaxis=_no_axis(range=[bottom, -0.5], scaleanchor="x", constrain="domain"))
    return dict(data=[heat], layout=layout)


def feature_maps_spec(maps: Sequence[np.ndarray], titles: Sequence[str], *, cols: int = 16, title: str = "",
                      row_height: int = 110) -> dict:
    """One row per layer: its maps [C, H, W] (values in [0, 1]) as a mosaic, on hand-placed axes (make_subplots
    costs ~20 ms a figure); height fixed by the number of layers."""
    n = len(maps)
    top, gap = 34, 26                                         # px: the chart title; each row's caption
    height = top + n * (row_height + gap)
    data, layout = [], dict(**{**LAYOUT, "margin": dict(l=4, r=4, t=top, b=4)}, height=height,
                            title=dict(TITLE, text=title), annotations=[])
    inner = height - top - 4
    for r, m in enumerate(maps):
        suffix = "" if r == 0 else str(r + 1)
        y1 = 1 - r * (row_height + gap) / inner - gap / inner
        y0 = y1 - row_height / inner
        grid = mosaic(m, cols)
        data.append(dict(type="heatmap", z=grid, colorscale="Viridis", zmin=0, zmax=1, showscale=False,
                         hoverongaps=False, hovertemplate="%{z:.2f}<extra></extra>", xaxis="x" + suffix,
                         yaxis="y" + suffix))
        layout["xaxis" + suffix] = _no_axis(domain=[0, 1], anchor="y" + suffix, range=[-0.5, grid.shape[1] - 0.5],
                                            constrain="domain")
        layout["yaxis" + suffix] = _no_axis(domain=[max(y0, 0), y1], anchor="x" + suffix,
                                            range=[grid.shape[0] - 0.5, -0.5], scaleanchor="x" + suffix,
                                            constrain="domain")
        layout["annotations"].append(dict(text=titles[r], x=0, xref="paper", xanchor="left", y=y1, yref="paper",
                                          yanchor="bottom", showarrow=False, font=dict(size=11)))
    return dict(data=data, layout=layout)


def _titled(title: str, subtitle: str) -> dict:
    """Layout keys for a title with a second, smaller line (half-width charts: both stay clear of the modebar)."""
    if not subtitle:
        return dict(title=dict(TITLE, text=title))
    return dict(title=dict(TITLE, text=title, subtitle=dict(text=subtitle, font=dict(size=11))),
                margin={**LAYOUT["margin"], "t": 56})


def confusion_spec(matrix: np.ndarray, class_names: Sequence[str], *, title: str = "Confusion matrix (test)",
                   subtitle: str = "", height: int = 340) -> dict:
    """Counts [true, predicted]; the diagonal is right. Text shows each count."""
    k = len(class_names)
    names = plain_all(class_names)
    text = [[str(int(v)) if v else "" for v in row] for row in matrix]
    # k*k small counts travel as a list (typed arrays pay off for large arrays)
    heat = dict(type="heatmap", z=matrix.astype(int).tolist(), x=names, y=names, colorscale=COUNT_SCALE, zmin=0,
                showscale=False, text=text, texttemplate="%{text}",
                hovertemplate="true %{y}, predicted %{x}: %{z:.0f}<extra></extra>")
    layout = dict(**{**LAYOUT, **_titled(title, subtitle)}, height=height,
                  xaxis=dict(title=dict(text="predicted"), type="category", side="bottom",
                             tickangle=0 if k <= 10 else -45),
                  yaxis=dict(title=dict(text="true"), type="category", autorange="reversed"))
    return dict(data=[heat], layout=layout)


def confusion_figure(matrix: np.ndarray, class_names: Sequence[str], **kwargs) -> go.Figure:
    """confusion_spec as a go.Figure (validated; for callers that restyle it)."""
    return go.Figure(confusion_spec(matrix, class_names, **kwargs))


def per_class_spec(accuracy: np.ndarray, class_names: Sequence[str], *, title: str = "Accuracy per class (test)",
                   subtitle: str = "", height: int = 340) -> dict:
    colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(len(class_names))]
    bar = dict(type="bar", x=plain_all(class_names), y=[float(a) for a in accuracy], marker=dict(color=colors),
               text=[f"{a:.0%}" for a in accuracy], textposition="outside",
               hovertemplate="class %{x}: %{y:.1%}<extra></extra>")
    layout = dict(**{**LAYOUT, **_titled(title, subtitle)}, height=height, xaxis=dict(type="category"),
                  yaxis=dict(range=[0, 1.12], tickformat=".0%"))
    return dict(data=[bar], layout=layout)


def attribution_figure(image: np.ndarray, panels: Sequence[tuple[str, np.ndarray, bool]], *,
                       image_title: str = "input", height: int | None = None) -> go.Figure:
    """The input [H, W] and one map [H, W] per method, side by side; (title, map, signed) per panel."""
    n = 1 + len(panels)
    fig = make_subplots(rows=1, cols=n, subplot_titles=[image_title] + [p[0] for p in panels],
                        horizontal_spacing=0.015)
    fig.add_trace(go.Heatmap(z=image, colorscale=INK_SCALE, zmin=0, zmax=max(1.0, float(image.max())),
                             showscale=False, hovertemplate="pixel %{z:.2f}<extra></extra>"), 1, 1)
    for i, (_title, amap, signed) in enumerate(panels, start=2):
        lim = float(np.abs(amap).max()) or 1.0
        fig.add_trace(go.Heatmap(z=amap, colorscale=DIVERGING if signed else HEAT_SCALE,
                                 zmin=-lim if signed else 0, zmax=lim, showscale=False,
                                 hovertemplate="%{z:.4f}<extra></extra>"), 1, i)
    height = height or int(np.clip(50 + 1000 / n, 160, 320))   # square panels across a ~1000 px page
    fig.update_layout(**{**LAYOUT, "margin": dict(l=4, r=4, t=40, b=4)}, height=height)
    fig.update_annotations(font_size=11)
    frame = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", showline=True, mirror=True,
                 linecolor="#d1d5db", constrain="domain")
    fig.update_xaxes(**frame)
    fig.update_yaxes(**frame, autorange="reversed")
    for i in range(1, n + 1):
        fig.update_yaxes(scaleanchor=f"x{'' if i == 1 else i}", row=1, col=i)
    return fig


def probabilities_figure(probs: np.ndarray, class_names: Sequence[str], *, height: int = 190) -> go.Figure:
    top = int(np.argmax(probs))
    colors = [BLUE if i == top else GREY for i in range(len(probs))]
    fig = go.Figure(go.Bar(x=plain_all(class_names), y=probs, marker_color=colors,
                           hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(**LAYOUT, height=height, title=f"Prediction: {plain(class_names[top])} ({probs[top]:.0%})")
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    return fig


def layer_stats_spec(names: Sequence[str], act_mean: np.ndarray, act_std: np.ndarray, dead: np.ndarray,
                     grad_norm: np.ndarray, grad_names: Sequence[str], *, title: str = "", height: int = 320) -> dict:
    """Activation mean ± std and share of zero outputs per layer (left); gradient norm per weight layer (right,
    log), on hand-placed axes. A few numbers per layer: sent as lists."""
    act_mean, act_std, dead, grad_norm = ([float(v) for v in a] for a in (act_mean, act_std, dead, grad_norm))
    data = [dict(type="bar", x=list(names), y=act_mean, error_y=dict(type="data", array=act_std), name="mean ± std",
                 marker=dict(color=BLUE)),
            dict(type="scatter", x=list(names), y=dead, name="share exactly 0", mode="markers+lines", yaxis="y2",
                 marker=dict(color=ORANGE, size=9), line=dict(color=ORANGE)),
            dict(type="bar", x=list(grad_names), y=grad_norm, name="‖∇W‖", marker=dict(color="#6b7280"),
                 xaxis="x3", yaxis="y3")]
    panel = dict(showarrow=False, xref="paper", yref="paper", y=1, yanchor="bottom", font=dict(size=11))
    layout = dict(**{**LAYOUT, "margin": dict(l=40, r=10, t=54, b=36)}, height=height,
                  title=dict(TITLE, text=title), legend=dict(orientation="h", y=-0.3),
                  xaxis=dict(domain=[0, 0.42], type="category"), yaxis=dict(title=dict(text="activation")),
                  yaxis2=dict(overlaying="y", side="right", range=[0, 1], tickformat=".0%", dtick=0.25,
                              showgrid=False),
                  xaxis3=dict(domain=[0.56, 1], anchor="y3", type="category"),
                  yaxis3=dict(anchor="x3", type="log", title=dict(text="‖∇W‖")),
                  annotations=[dict(panel, text="activations (test batch)", x=0.21, xanchor="center"),
                               dict(panel, text="gradient norm (last step)", x=0.78, xanchor="center")])
    return dict(data=data, layout=layout)


def sanity_figure(stages: Sequence[str], methods: Sequence[str], similarity: np.ndarray, *,
                  flagged: Sequence[bool] = (), threshold: float | None = None, height: int = 340) -> go.Figure:
    """Rank correlation with the trained model's map as layers are randomised from the top.

    Flagged methods (similar at every randomised stage) are drawn dashed and marked "fails" in the
    legend; `threshold` is drawn as a dashed line.
    """
    fig = go.Figure()
    for i, m in enumerate(methods):
        bad = i < len(flagged) and flagged[i]
        fig.add_trace(go.Scatter(x=list(stages), y=similarity[i], mode="lines+markers",
                                 name=f"{m} — fails" if bad else m,
                                 line=dict(color=CLASS_COLORS[i % len(CLASS_COLORS)], width=2,
                                           dash="dash" if bad else "solid")))
    fig.add_hline(y=0, line=dict(color="#9ca3af", dash="dot"))
    if threshold is not None:
        fig.add_hline(y=threshold, line=dict(color="#b91c1c", dash="dash", width=1),
                      annotation_text=f"ρ = {threshold:g}: a line that never drops below fails",
                      annotation_position="bottom left", annotation_font_size=11)
    fig.update_layout(**LAYOUT, height=height, legend=dict(orientation="h", y=-0.35),
                      title="Cascading randomisation: similarity to the trained model's map")
    fig.update_xaxes(title_text="randomised down to layer", type="category")
    low = float(np.nanmin(similarity)) if similarity.size else 0.0
    fig.update_yaxes(title_text="Spearman ρ of |map|", range=[min(-0.3, low - 0.05), 1.05])
    return fig


def pad_figure(canvas: np.ndarray, *, height: int = 300) -> go.Figure:
    """A clickable drawing grid [H, W] in [0, 1]: one square marker per pixel (click, box or lasso)."""
    h, w = canvas.shape
    ys, xs = np.mgrid[0:h, 0:w]
    size = max(8, int(height * 0.8 / max(h, w)))
    fig = go.Figure(go.Scatter(x=xs.ravel(), y=ys.ravel(), mode="markers",
                               marker=dict(symbol="square", size=size, color=canvas.ravel(), cmin=0, cmax=1,
                                           colorscale=INK_SCALE, line=dict(color="#d1d5db", width=1)),
                               hovertemplate="(%{x}, %{y})<extra></extra>"))
    fig.update_layout(**{**LAYOUT, "margin": dict(l=4, r=4, t=4, b=4)}, height=height, width=height)
    fig.update_xaxes(visible=False, range=[-0.6, w - 0.4])
    fig.update_yaxes(visible=False, range=[h - 0.4, -0.6], scaleanchor="x")
    return fig
