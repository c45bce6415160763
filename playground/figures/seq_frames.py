"""PNG frames of the sequence heatmaps (hidden states, gates, attention), drawn while training plays.

Same reason as figures/raster.py: a Plotly chart remounts (and blanks) on every data update, an image
keeps the old frame until the new one arrives. Paused views stay interactive Plotly figures
(figures/sequences.py) with the same colours. Pure functions returning PNG bytes; no streamlit.
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
from PIL import Image, ImageDraw
from plotly.colors import sample_colorscale

from playground.figures.palette import INK, SEQUENTIAL, diverging_rgb

TITLE_H = 18


@cache
def _lut(scale: str) -> np.ndarray:
    """256 RGB colours of a named Plotly colour scale, uint8 (256, 3)."""
    rgb = sample_colorscale(scale, np.linspace(0, 1, 256))
    return np.array([[int(float(v)) for v in c[c.index("(") + 1:-1].split(",")] for c in rgb], np.uint8)


def colorize(z: np.ndarray, zmin: float, zmax: float, scale: str) -> np.ndarray:
    """Values -> uint8 RGB [..., 3]: 'diverging' (orange-white-blue, symmetric) or a Plotly scale name."""
    if scale == "diverging":
        return diverging_rgb(np.asarray(z, np.float32), max(abs(zmin), abs(zmax)))
    t = np.clip((np.asarray(z, np.float32) - zmin) / ((zmax - zmin) or 1.0), 0, 1)
    return _lut(scale)[(t * 255).astype(np.int64)]


def _panel(z: np.ndarray, zmin: float, zmax: float, scale: str, title: str, cell: int,
           cell_h: int) -> Image.Image:
    rgb = colorize(z, zmin, zmax, scale)
    img = Image.fromarray(rgb).resize((rgb.shape[1] * cell, rgb.shape[0] * cell_h), Image.NEAREST)
    out = Image.new("RGB", (img.width, img.height + TITLE_H), "white")
    out.paste(img, (0, TITLE_H))
    ImageDraw.Draw(out).text((2, 3), title, fill=INK)
    return out


def panels_png(panels: list[tuple[np.ndarray, float, float, str, str]], *, columns: int, width: int = 900,
               max_height: int = 0) -> bytes:
    """Panels (z (rows, cols), zmin, zmax, scale, title) in a grid of integer-sized cells; `max_height`
    (pixels per panel, 0 = square cells) flattens tall panels such as 64 hidden units."""
    rows = -(-len(panels) // columns)
    widest = max(p[0].shape[1] for p in panels)
    tallest = max(p[0].shape[0] for p in panels)
    cell = max(2, (width // columns - 8) // max(widest, 1))
    cell_h = min(cell, max(2, max_height // tallest)) if max_height else cell
    images = [_panel(*p, cell=cell, cell_h=cell_h) for p in panels]
    pw, ph = max(i.width for i in images) + 8, max(i.height for i in images) + 8
    sheet = Image.new("RGB", (pw * columns, ph * rows), "white")
    for k, img in enumerate(images):
        sheet.paste(img, ((k % columns) * pw, (k // columns) * ph))
    buf = io.BytesIO()
    sheet.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def time_unit_png(z: np.ndarray, title: str, *, zmin: float = -1.0, zmax: float = 1.0, width: int = 600) -> bytes:
    """A (T, units) array as units x time, like time_unit_figure (time across)."""
    return panels_png([(np.asarray(z).T[::-1], zmin, zmax, "diverging", title)], columns=1, width=width,
                      max_height=260)


def gates_png(gates: dict[str, np.ndarray], *, width: int = 1000) -> bytes:
    panels = [(g.T[::-1], -1.0 if "candidate" in n else 0.0, 1.0, "diverging" if "candidate" in n else SEQUENTIAL,
               n) for n, g in gates.items()]
    return panels_png(panels, columns=len(panels), width=width, max_height=260)


def attention_png(maps: np.ndarray, *, width: int = 900) -> bytes:
    """maps (layers, heads, T, T): query rows top to bottom, like attention_figure."""
    n_layers, n_heads = maps.shape[:2]
    panels = [(maps[i, h], 0.0, 1.0, "Blues", f"layer {i + 1}, head {h + 1}")
              for i in range(n_layers) for h in range(n_heads)]
    return panels_png(panels, columns=n_heads, width=width)
