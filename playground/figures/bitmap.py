"""Small bitmaps inside figures: a model's output over the plane coloured like the palette, as a PNG data URI.

A live chart's background that changes every tick is cheaper as one layout image than as a heatmap trace:
an image changes only the image (Plotly redraws nothing else), where a new heatmap makes Plotly recompute
and redraw every trace of the plot (~40 ms a tick in headless Chromium here). Pure functions; no streamlit.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from playground.figures.palette import CLASS_COLORS, diverging_rgb, hex_to_rgb


def output_rgb(output: np.ndarray, discretize: bool = False) -> np.ndarray:
    """Colour a model's output over the plane: [R, R, k] probs or [R, R] values -> uint8 RGB [R, R, 3]."""
    if output.ndim == 2:
        values = np.sign(output) if discretize else output
        return diverging_rgb(values, 1.0)
    k = output.shape[-1]
    if k == 2:
        p = output[..., 1]
        p = (p > 0.5).astype(np.float32) if discretize else p
        return diverging_rgb((p - 0.5) * 2, 1.0)
    cls = output.argmax(-1)
    conf = np.ones(cls.shape, np.float32) if discretize else (output.max(-1) - 1 / k) / (1 - 1 / k)
    colors = np.stack([hex_to_rgb(CLASS_COLORS[c % len(CLASS_COLORS)]) for c in range(k)])
    pale = 255 - (255 - colors) * 0.15
    t = np.clip(conf, 0, 1)[..., None] * 0.8
    return (pale[cls] * (1 - t) + colors[cls] * t).astype(np.uint8)


def rgb_uri(rgb: np.ndarray) -> str:
    """uint8 RGB [H, W, 3] (row 0 at the top) -> data-URI PNG (compress level 1: ~1 ms for 64x64)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(buf, "PNG", optimize=False, compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
