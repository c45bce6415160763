"""The one palette every figure uses: TF Playground's orange/blue for two classes, then a qualitative set.

Also the shared layout defaults and colour maps (as Plotly colorscales and as numpy lookup tables
for neuron thumbnails). Pure data; draws nothing.
"""

from __future__ import annotations

import numpy as np

ORANGE, BLUE, GREY, INK = "#f59322", "#0877bd", "#e8eaeb", "#333f4b"
CLASS_COLORS = [ORANGE, BLUE, "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                "#17becf"]
SPLIT_COLORS = {"train": "#1f2937", "val": "#b45309", "test": "#0e7490"}
POSITIVE, NEGATIVE = BLUE, ORANGE
SEQUENTIAL = "Viridis"
# Diverging scale for [-1, 1] values and for p(class 1): orange (negative/class 0) - white - blue.
DIVERGING = [[0.0, ORANGE], [0.5, "#f7f7f7"], [1.0, BLUE]]

# No template: naming one costs ~20 ms per figure (it is re-validated), and st.plotly_chart applies the
# app's theme anyway. Figures stay readable elsewhere on Plotly's default template.
LAYOUT = dict(margin=dict(l=40, r=10, t=36, b=36), font=dict(family="Inter, Segoe UI, sans-serif", size=12, color=INK))


def hex_to_rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Map values in [-limit, limit] to uint8 RGB along DIVERGING ([..., 3])."""
    t = np.clip(values / (limit or 1.0), -1, 1)[..., None]
    white = hex_to_rgb("#f7f7f7")
    rgb = np.where(t >= 0, white + t * (hex_to_rgb(BLUE) - white), white - t * (hex_to_rgb(ORANGE) - white))
    return rgb.astype(np.uint8)
