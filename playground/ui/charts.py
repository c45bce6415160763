"""Show a view's output: a Plotly figure as an interactive chart, or PNG bytes (a live frame) as an image."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st


def chart(view: go.Figure | bytes | None, key: str, container=st) -> None:
    """Draw `view` (None draws nothing). Frames are images so they do not blank between live updates."""
    if view is None:
        return
    if isinstance(view, bytes):
        container.image(view, width="stretch")
    else:
        container.plotly_chart(view, key=key, width="stretch")
