"""Line charts as PNG frames: the live stand-ins for the Plotly curve figures while training plays.

Redrawing a Plotly chart four times a second costs the browser far more CPU than swapping an image,
and in the live loop that CPU comes out of training (the server and Chromium share the cores), so
while playing the curves are drawn here with Pillow: panels side by side, each with nice ticks (linear
or log), grid, solid or dashed lines, and one legend. Paused, the pages show the interactive Plotly
figures again. Pure functions returning PNG bytes; no streamlit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

from playground.figures.curves import METRIC_LABELS
from playground.figures.palette import GREY, INK, SPLIT_COLORS, hex_to_rgb
from playground.figures.raster import _png

SCALE = 2            # drawn at twice the size it is shown, so text and lines stay sharp when stretched
# st.image shrinks any image wider than this (2 x its 730 px content width) on every call, re-encoding it
# (~4 ms) and, for a palette PNG, by nearest neighbour (jagged text): wider frames are drawn at less than SCALE
MAX_FRAME_PIXELS = 1460
MARGIN = dict(left=56, right=14, top=34, bottom=40)  # per panel, in shown pixels


@dataclass(frozen=True)
class Series:
    """One line: y against x; None or NaN values break the line."""

    name: str
    x: Sequence[float]
    y: Sequence[float | None]
    color: str
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    series: list[Series] = field(default_factory=list)
    log_y: bool = False
    y_range: tuple[float, float] | None = None
    x_title: str = "epoch"
    refs: tuple[tuple[float, str], ...] = ()   # labelled horizontal reference lines (value, label)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    if hi - lo < 1e-12 * max(abs(lo), abs(hi)):   # too narrow to step through
        return [lo]
    raw = (hi - lo) / max(count, 1)   # the smallest 1-2-5 step at least this: about `count` ticks
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks for a log axis spanning 10**lo..10**hi, as log10 values: decades, or 1-2-5 steps within few decades."""
    decades = [float(e) for e in range(math.ceil(lo), math.floor(hi) + 1)]
    if len(decades) >= 3:
        return decades
    steps = [math.log10(m * 10.0 ** e) for e in range(math.floor(lo), math.ceil(hi) + 1) for m in (1, 2, 5)]
    inside = [t for t in steps if lo <= t <= hi]
    if len(inside) >= 2:
        return inside
    return [math.log10(v) for v in nice_ticks(10 ** lo, 10 ** hi) if v > 0]


def _label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e4 or abs(v) < 1e-3:
        return f"{v:.0e}"
    return f"{v:.4g}"


def _finite(values: Sequence[float | None], log: bool) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v) and (v > 0 or not log)]


def _limits(panel: Panel) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the data, y in log10 units on a log panel."""
    xs = [float(x) for s in panel.series for x in s.x]
    ys = [v for s in panel.series for v in _finite(s.y, panel.log_y)] + _finite([v for v, _ in panel.refs],
                                                                                panel.log_y)
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if panel.y_range:
        y0, y1 = panel.y_range
    elif ys:
        y0, y1 = min(ys), max(ys)
        if panel.log_y:
            y0, y1 = math.log10(y0), math.log10(y1)
        pad = (y1 - y0) * 0.05 or max(abs(y1) * 0.05, 0.05)
        y0, y1 = y0 - pad, y1 + pad
    else:
        y0, y1 = 0.0, 1.0
    return x0, (x1 if x1 > x0 else x0 + 1), y0, y1


def _dashed(draw: ImageDraw.ImageDraw, pts: list[tuple[float, float]], color, width: int, dash: float) -> None:
    """A polyline drawn as dashes of `dash` pixels on, `dash` off, continuing across vertices."""
    on, left = True, dash
    for (ax, ay), (bx, by) in itertools.pairwise(pts):
        length = math.hypot(bx - ax, by - ay)
        pos = 0.0
        while pos < length:
            run = min(left, length - pos)
            if on:
                t0, t1 = pos / length, (pos + run) / length
                draw.line([(ax + (bx - ax) * t0, ay + (by - ay) * t0), (ax + (bx - ax) * t1, ay + (by - ay) * t1)],
                          fill=color, width=width)
            pos += run
            left -= run
            if left <= 0:
                on, left = not on, dash


def _px(width: float) -> int:
    """A line width in whole drawing pixels (at least 1)."""
    return max(1, round(width))


def _draw_panel(draw: ImageDraw.ImageDraw, panel: Panel, box: tuple[int, int, int, int], font, small,
                k: float) -> None:
    """Draw one panel into `box` (drawing pixels); k = drawing pixels per shown pixel."""
    left, top, right, bottom = box
    x0, x1, y0, y1 = _limits(panel)

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (right - left)

    def py(y: float) -> float:
        return bottom - (y - y0) / (y1 - y0) * (bottom - top)

    y_ticks = log_ticks(y0, y1) if panel.log_y else nice_ticks(y0, y1)
    for t in y_ticks:
        y = py(t)
        draw.line([(left, y), (right, y)], fill=GREY, width=_px(k))
        draw.text((left - 6 * k, y), _label(10 ** t if panel.log_y else t), fill=INK, anchor="rm", font=small)
    for t in nice_ticks(x0, x1, 6):
        draw.text((px(t), bottom + 5 * k), _label(t), fill=INK, anchor="mt", font=small)
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=_px(k))
    title = panel.title + (" (log)" if panel.log_y else "")
    draw.text((left, top - 8 * k), title, fill=INK, anchor="ls", font=font)
    draw.text(((left + right) / 2, bottom + 21 * k), panel.x_title, fill=INK, anchor="mt", font=small)
    for value, text in panel.refs:
        if value is not None and math.isfinite(value) and (value > 0 or not panel.log_y):
            y = py(math.log10(value) if panel.log_y else value)
            _dashed(draw, [(left, y), (right, y)], (156, 163, 175), _px(k), 6 * k)
            draw.text((right, y - 3 * k), text, fill=INK, anchor="rb", font=small)
    for s in panel.series:
        color = tuple(int(c) for c in hex_to_rgb(s.color))
        run: list[tuple[float, float]] = []
        for x, y in [*zip(s.x, s.y), (None, None)]:   # a None at the end flushes the last run
            ok = y is not None and math.isfinite(y) and (y > 0 or not panel.log_y)
            if ok:
                v = math.log10(y) if panel.log_y else y
                run.append((px(float(x)), py(min(max(v, y0), y1))))
                continue
            if len(run) > 1 and s.dashed:
                _dashed(draw, run, color, _px(2 * k), 5 * k)
            elif len(run) > 1:
                draw.line(run, fill=color, width=_px(2 * k), joint="curve")
            elif run:
                draw.ellipse([run[0][0] - _px(2 * k), run[0][1] - _px(2 * k), run[0][0] + _px(2 * k),
                              run[0][1] + _px(2 * k)], fill=color)
            run = []


def lines_png(panels: list[Panel], *, width: int = 720, height: int = 300, title: str = "") -> bytes:
    """Panels side by side with one legend (each series name once) on top; width x height shown pixels."""
    k = min(SCALE, MAX_FRAME_PIXELS / width)   # drawing pixels per shown pixel
    W, H = round(width * k), round(height * k)
    # palette mode: a few dozen colours, so the PNG encodes ~4x faster than RGB (encoding dominates the cost);
    # text and lines lose anti-aliasing, which drawing at SCALE x and showing smaller makes up for
    img = Image.new("P", (W, H), 0)
    img.putpalette([255, 255, 255])
    draw = ImageDraw.Draw(img)
    font, small = ImageFont.load_default(size=13 * k), ImageFont.load_default(size=11 * k)
    if title:
        draw.text((MARGIN["left"] * k, 4 * k), title, fill=INK, anchor="lt", font=font)
    legend: dict[str, Series] = {}
    for panel in panels:
        for s in panel.series:
            legend.setdefault(s.name, s)
    x = W - MARGIN["right"] * k
    for s in reversed(list(legend.values())):   # right-aligned: last entry first
        x -= int(draw.textlength(s.name, font=small)) + 30 * k
        color = tuple(int(c) for c in hex_to_rgb(s.color))
        sample = [(x, 11 * k), (x + 20 * k, 11 * k)]
        (_dashed(draw, sample, color, _px(2 * k), 4 * k) if s.dashed
         else draw.line(sample, fill=color, width=_px(2 * k)))
        draw.text((x + 24 * k, 11 * k), s.name, fill=INK, anchor="lm", font=small)
    cell = W / max(len(panels), 1)
    for i, panel in enumerate(panels):
        box = (int(i * cell + MARGIN["left"] * k), int((MARGIN["top"] + 14) * k),
               int((i + 1) * cell - MARGIN["right"] * k - (16 * k if i < len(panels) - 1 else 0)),
               int(H - MARGIN["bottom"] * k))
        _draw_panel(draw, panel, box, font, small, k)
    return _png(img)


def curves_png(history, metric: str, *, log_loss: bool = False, height: int = 300, width: int = 840,
               loss_refs: tuple[tuple[float, str], ...] = ()) -> bytes:
    """figures.curves.curves_figure as a frame: loss and the task metric of every split against epochs."""
    epochs = history.get("epoch", [])
    panels = [Panel("loss", log_y=log_loss, refs=loss_refs),
              Panel(METRIC_LABELS.get(metric, metric),
                    y_range=(0, 1.02) if metric in ("accuracy", "token_accuracy") else None)]
    for split, color in SPLIT_COLORS.items():
        for panel, key in zip(panels, (f"{split}_loss", f"{split}_{metric}")):
            values = history.get(key, [])
            if values and not all(v is None or v != v for v in values):
                panel.series.append(Series(split, epochs, values, color, dashed=split != "train"))
    return lines_png(panels, width=width, height=height)


def overlay_png(histories: dict[str, object], metric: str, colors: list[str], *, x: str = "epoch",
                height: int = 320, width: int = 720) -> bytes:
    """figures.optim.overlay_curves_figure as a frame: per run, train (solid) and validation (dashed) loss,
    and validation metric; one colour per run."""
    loss = Panel("loss (train solid, validation dashed)", x_title=x)
    score = Panel(f"validation {METRIC_LABELS.get(metric, metric)}", x_title=x)
    for color, (label, h) in zip(colors, histories.items()):
        xs = h[x]
        loss.series.extend([Series(label, xs, h["train_loss"], color), Series(label, xs, h["val_loss"], color, True)])
        score.series.append(Series(label, xs, h[f"val_{metric}"], color))
    return lines_png([loss, score], width=width, height=height)


def twin_png(histories: dict[str, object], best: dict[str, int | None], *, height: int = 360,
             width: int = 720) -> bytes:
    """figures.regularize.twin_curves_figure as a frame: one panel per run, train and validation loss on a
    shared y range, the best validation epoch in the panel's title."""
    values = [v for h in histories.values() for k in ("train_loss", "val_loss") for v in h[k]]
    top = max(_finite(values, False), default=1.0)
    panels = []
    for label, h in histories.items():
        title = label + (f" (best val: epoch {best[label]})" if best.get(label) is not None else "")
        panels.append(Panel(title, [Series("train", h["epoch"], h["train_loss"], SPLIT_COLORS["train"]),
                                    Series("validation", h["epoch"], h["val_loss"], SPLIT_COLORS["val"], True)],
                            y_range=(0.0, min(top, 3.0) * 1.05 or 1.0)))
    return lines_png(panels, width=width, height=height)
