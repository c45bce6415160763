"""Test scores of several models side by side: horizontal bars of one score, and a table of every metric.

Plain figure dicts for the live chart (ui/chart.py `show`): no Plotly validation, fixed heights so a chart
keeps its box playing and paused. Model names and metric labels are shown as plain text (figures/labels.py).
Pure builders; they compute no metric.
"""

from __future__ import annotations

import math

from playground.figures.labels import plain, plain_all
from playground.figures.palette import CLASS_COLORS, LAYOUT

ROW = 26   # table row height in pixels


def scores_spec(names: list[str], scores: list[float], *, metric: str, best: float = 1.0, title: str = "",
                height: int = 260, highlight: int = 0) -> dict:
    """One bar per model (names[i] scored scores[i]), top to bottom; bar `highlight` in colour, the rest grey.
    A missing score (NaN) is an empty bar marked "—"; the axis runs to `best` (1 for accuracy and R²)."""
    shown = [s if math.isfinite(s) else None for s in scores]
    colors = [CLASS_COLORS[1] if i == highlight else "#9ca3af" for i in range(len(names))]
    bar = dict(type="bar", orientation="h", x=shown, y=plain_all(names), marker=dict(color=colors),
               text=[f"{s:.3f}" if s is not None else "—" for s in shown], textposition=[_where(s) for s in shown],
               hovertemplate="%{y}: %{x:.4f}<extra></extra>")
    low = min([0.0] + [s for s in shown if s is not None])   # R² can be negative: show how far
    layout = {**LAYOUT, "margin": dict(l=10, r=20, t=48, b=40)}
    layout.update(height=height, title=dict(text=title, font=dict(size=13)), showlegend=False,
                  xaxis=dict(range=[max(low, -1.0) - 0.02, best + 0.02], title=dict(text=plain(metric))),
                  yaxis=dict(autorange="reversed", automargin=True))
    return dict(data=[bar], layout=layout)


def _where(score: float | None) -> str:
    """A bar's value inside it when it is long enough, else past its end; a short negative bar's value would
    land on the model's name, so it has none (hover shows it)."""
    if score is None or score >= 0.15 or score <= -0.15:
        return "inside"
    return "outside" if score >= 0 else "none"


def table_spec(rows: list[dict[str, object]], *, title: str = "") -> dict:
    """rows: one dict per model, the same keys in each (the columns); numbers shown to 3 places, None as "—".
    The height follows the row count (fixed for a given set of models)."""
    columns = list(rows[0]) if rows else []
    cells = [[_cell(r[c]) for r in rows] for c in columns]
    align = ["left"] + ["right"] * (len(columns) - 1)
    table = dict(type="table", columnwidth=[2] + [1] * (len(columns) - 1),
                 header=dict(values=plain_all(columns), align=align, fill=dict(color="#f3f4f6"),
                             font=dict(size=12), height=ROW),
                 cells=dict(values=cells, align=align, height=ROW, fill=dict(color="white"),
                            line=dict(color="#e5e7eb")))
    height = 44 + ROW * (len(rows) + 1) + 16   # title, header, rows, and room for a row's border
    layout = {**LAYOUT, "margin": dict(l=10, r=10, t=40, b=4), "height": height,
              "title": dict(text=title, font=dict(size=13))}
    return dict(data=[table], layout=layout)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if math.isfinite(value) else "—"
    return "—" if value is None else plain(value)
