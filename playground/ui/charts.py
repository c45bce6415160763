"""Show a view's output: a Plotly figure as an interactive chart, or PNG bytes (a live frame) as an image.

Frames go out in their own format: given PNG bytes and the default output_format="auto", st.image
decodes them and re-encodes them as JPEG (~5 ms each, four times a second), so `frame_image` names the format.
`live_chart` draws a frame while playing (at most every `every` seconds; between redraws it re-sends the
same bytes, which the browser already has) and the interactive figure when paused.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

PNG_MAGIC = b"\x89PNG"


def frame_image(data: bytes, container=st, **kwargs) -> None:
    """st.image for frame bytes, sent as they are (PNG or JPEG), stretched to the column by default."""
    kwargs.setdefault("width", "stretch")
    container.image(data, output_format="PNG" if data[:4] == PNG_MAGIC else "JPEG", **kwargs)


def chart(view: go.Figure | bytes | None, key: str, container=st) -> None:
    """Draw `view` (None draws nothing). Frames are images so they do not blank between live updates."""
    if view is None:
        return
    if isinstance(view, bytes):
        frame_image(view, container)
    else:
        container.plotly_chart(view, key=key, width="stretch")


def live_chart(key: str, build: Callable[[bool], go.Figure | bytes], playing: bool, container=st,
               every: float = 0.9) -> None:
    """build(frame) -> a PNG frame (frame=True, while playing) or a figure. Frames are rebuilt at most every
    `every` seconds: slow-moving charts (curves over epochs) need not cost a redraw on every tick."""
    if not playing:
        chart(build(False), key, container)
        return
    cache = st.session_state.setdefault("_live_frames", {})
    stamp, data = cache.get(key, (0.0, b""))
    if time.monotonic() - stamp >= every or not data:
        data = build(True)
        cache[key] = (time.monotonic(), data)
    chart(data, key, container)
