"""Transfer-lab figures: strategy curves and the block diagram (figure dicts for live charts), the
embedding before/after (a dict; also for on-demand t-SNE), the label-efficiency chart and the nearest
neighbours of a test image (go.Figure, on demand). Pure builders: they never mutate their inputs. Class and
run names are shown as plain text (labels.plain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from playground.figures.curves import METRIC_LABELS, column
from playground.figures.images import image_grid_spec
from playground.figures.labels import plain
from playground.figures.palette import CLASS_COLORS, GREY, INK, LAYOUT

FROZEN = GREY


def run_color(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def strategy_curves_spec(histories: Mapping[str, Mapping], metric: str, *, height: int = 340) -> dict:
    """Validation metric by epoch, one line per run (label -> thinned columns with epoch, val_{metric});
    a figure dict for the live chart."""
    data = []
    for i, (label, h) in enumerate(histories.items()):
        ep = np.asarray(h.get("epoch", []), np.int32)
        data.append(dict(type="scatter", x=ep, y=column(h.get(f"val_{metric}", [])),
                         mode="lines" if len(ep) > 1 else "lines+markers", name=plain(label),
                         line=dict(color=run_color(i), width=2),
                         hovertemplate=f"{plain(label)}: %{{y:.3f}}<br>epoch %{{x}}<extra></extra>"))
    name = METRIC_LABELS.get(metric, metric)
    return dict(data=data, layout=dict(
        **LAYOUT, height=height, legend=dict(orientation="h", y=-0.25),
        xaxis=dict(title=dict(text="epoch")),
        yaxis=dict(title=dict(text=f"validation {name}"), range=[0, 1.02] if "accuracy" in metric else None)))


def block_diagram_spec(rows: Mapping[str, tuple[Sequence[str], Sequence[bool], Sequence[float]]], *,
                       height: int | None = None) -> dict:
    """One row of squares per run: label -> (block names, frozen now, lr scales). Frozen blocks grey,
    training blocks in the run's colour with their learning-rate scale written in."""
    data, labels = [], list(rows)
    for i, (label, (names, frozen, scales)) in enumerate(rows.items()):
        y = [plain(label)] * len(names)
        colors = [FROZEN if f else run_color(i) for f in frozen]
        text = ["frozen" if f else f"×{s:.2g}" for f, s in zip(frozen, scales)]   # lr multiplier, 2 digits
        data.append(dict(type="scatter", x=list(names), y=y, mode="markers+text", text=text, showlegend=False,
                         textposition="middle center",
                         textfont=dict(size=11, color=[INK if f else "#ffffff" for f in frozen]),
                         marker=dict(symbol="square", size=48, color=colors, line=dict(color=INK, width=1)),
                         hovertemplate="%{x}: %{text}<extra>" + plain(label) + "</extra>"))
    return dict(data=data, layout=dict(
        **{**LAYOUT, "margin": dict(LAYOUT["margin"], l=10)}, height=height or 90 + 62 * len(labels),
        xaxis=dict(title=dict(text="blocks from the input (left) to the output (right); grey: frozen, ×s: "
                                   "this block's learning rate is s × lr"), type="category"),
        yaxis=dict(type="category", categoryorder="array", categoryarray=[plain(x) for x in labels][::-1],
                   automargin=True)))   # the run labels are long: the margin grows to fit them


def embedding_spec(panels: Mapping[str, np.ndarray], classes: np.ndarray, class_names: Sequence[str], *,
                   subtitles: Sequence[str] = (), height: int = 400) -> dict:
    """Side-by-side scatter panels (title -> (N, 2) points) of the same images coloured by class, each title
    with an optional second line; a figure dict (live for PCA, once for t-SNE). One trace per (panel, class);
    the legend names each class once."""
    n, data, notes, layout = len(panels), [], [], {}
    for p, (title, pts) in enumerate(panels.items()):
        ax = "" if p == 0 else str(p + 1)
        for c, name in enumerate(class_names):
            sel = classes == c
            data.append(dict(type="scattergl", x=pts[sel, 0].astype(np.float32), y=pts[sel, 1].astype(np.float32),
                             mode="markers", name=plain(name), legendgroup=str(c), showlegend=p == 0,
                             xaxis="x" + ax, yaxis="y" + ax, marker=dict(size=5, color=run_color(c), opacity=0.75),
                             hovertemplate=f"class {plain(name)}<extra></extra>"))
        lo, hi = p / n + (0.03 if p else 0), (p + 1) / n - (0.03 if p < n - 1 else 0)
        layout[f"xaxis{ax}"] = dict(domain=[lo, hi], showticklabels=False, zeroline=False, anchor="y" + ax)
        layout[f"yaxis{ax}"] = dict(showticklabels=False, zeroline=False, anchor="x" + ax)
        sub = f"<br>{plain(subtitles[p])}" if p < len(subtitles) else ""
        notes.append(dict(text=f"<b>{plain(title)}</b>{sub}", x=(lo + hi) / 2, y=1.02, xref="paper", yref="paper",
                          xanchor="center", yanchor="bottom", showarrow=False))
    return dict(data=data, layout=dict(**{**LAYOUT, "margin": dict(l=10, r=10, t=70, b=10)}, **layout,
                                       height=height, annotations=notes,
                                       legend=dict(orientation="h", y=-0.08, title=dict(text="class "))))


def label_efficiency_figure(series: Mapping[str, Sequence[tuple[float, float, float, float]]], *,
                            metric: str = "accuracy", all_at: float | None = None, height: int = 360) -> go.Figure:
    """label -> [(labelled images per class, mean, low, high)] per budget: the mean over seeds with error bars
    from min to max, log x. `all_at`: the x that stands for "all labels" (marked on the axis)."""
    fig = go.Figure()
    for i, (label, pts) in enumerate(series.items()):
        x, mean, low, high = (np.asarray(v, np.float64) for v in zip(*pts)) if pts else ([],) * 4
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", name=plain(label),
                                 line=dict(color=run_color(i), width=2),
                                 error_y=dict(type="data", symmetric=False, array=high - mean,
                                              arrayminus=mean - low, thickness=1.2),
                                 hovertemplate=f"{plain(label)}: %{{y:.3f}} at %{{x}} labels per class"
                                               "<extra></extra>"))
    xaxis: dict = dict(type="log", title=dict(text="labelled training images per class"))
    if all_at:
        ticks = sorted({float(x) for pts in series.values() for x, *_ in pts})
        xaxis.update(tickvals=ticks, ticktext=["all" if t == all_at else f"{t:g}" for t in ticks])
    name = METRIC_LABELS.get(metric, metric)
    fig.update_layout(**LAYOUT, height=height, xaxis=xaxis, legend=dict(orientation="h", y=-0.25),
                      yaxis=dict(title=dict(text=f"test {name} (mean; bars: seed range)"),
                                 range=[0, 1.02] if "accuracy" in metric else None))
    return fig


def neighbours_spec(images: np.ndarray, titles: Sequence[str], where: str, *, height: int = 200) -> dict:
    """The query image first, then its nearest training images ([1 + k, H, W] in [0, 1]), captioned; a figure
    dict for the live chart."""
    return image_grid_spec(images, titles, cols=len(images), zrange=(0.0, 1.0), height=height,
                           title=f"A test image (left) and its nearest training images in feature space ({where})")
