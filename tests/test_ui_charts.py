"""ui.charts: live frames are sent in their own format and rebuilt at most every `every` seconds."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    import io

    import plotly.graph_objects as go
    import streamlit as st
    from PIL import Image

    from playground.ui.charts import live_chart

    calls = st.session_state.setdefault("calls", [])

    def build(frame: bool):
        calls.append(frame)
        if not frame:
            return go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
        buf = io.BytesIO()
        Image.new("RGB", (8, 8), (len(calls) * 20, 0, 0)).save(buf, "PNG")
        return buf.getvalue()

    live_chart("demo", build, st.session_state.get("playing", True), every=st.session_state.get("every", 60.0))


def test_frames_are_reused_within_the_interval_and_paused_views_are_figures():
    at = AppTest.from_function(_script)
    at.run()
    at.run()
    assert not at.exception
    assert at.session_state["calls"] == [True]           # the second tick re-sent the same frame
    assert len(at.get("image")) == 1
    at.session_state["every"] = 0.0
    at.run()
    assert at.session_state["calls"] == [True, True]     # interval over: a new frame
    at.session_state["playing"] = False
    at.run()
    assert at.session_state["calls"][-1] is False
    assert len(at.get("plotly_chart")) == 1 and not at.get("image")
