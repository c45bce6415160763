"""A pixel drawing pad for image labs: a Plotly grid of squares painted by click, box or lasso selection.

Streamlit has no built-in canvas; this needs no extra component and works in AppTest. The pad lives in
`session.extra[key]` as float32 [H, W] in [0, 1].
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from playground.figures.images import pad_figure
from playground.ui.session import LabSession
from playground.views.images import paint


def drawing_pad(session: LabSession, shape: tuple[int, int], *, height: int = 300) -> np.ndarray:
    """Draw the pad with its brush and clear controls; return the current image [H, W]."""
    lab, key = session.lab, f"{session.lab}:pad"
    canvas = session.extra.get(key)
    if canvas is None or canvas.shape != shape:
        canvas = session.extra[key] = np.zeros(shape, np.float32)
    cols = st.columns(2)
    brush = cols[0].radio("Brush", ["ink", "half", "erase"], horizontal=True, key=f"{lab}:brush")
    if cols[1].button("Clear", key=f"{lab}:clear"):
        canvas = session.extra[key] = np.zeros(shape, np.float32)
    event = st.plotly_chart(pad_figure(canvas, height=height), key=f"{lab}:pad_chart", on_select="rerun",
                            selection_mode=("points", "box", "lasso"), width="content")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    sig = tuple((p.get("x"), p.get("y")) for p in points)
    if points and session.extra.get(key + ":sig") != (sig, brush):
        session.extra[key + ":sig"] = (sig, brush)
        session.extra[key] = paint(canvas, points, {"ink": 1.0, "half": 0.5, "erase": 0.0}[brush])
        st.rerun()
    return session.extra[key]
