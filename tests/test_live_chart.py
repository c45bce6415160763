"""The live chart (playground/ui/chart.py): one element per key that keeps its identity while its data
changes, numpy arrays sent as base64 typed arrays, plotly.js served from the installed plotly package."""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly
from streamlit.testing.v1 import AppTest

from playground.ui import chart


def _script():
    import numpy as np
    import streamlit as st

    from playground.ui.chart import show

    n = st.session_state["n"] = st.session_state.get("n", 0) + 1
    z = np.full((4, 5), n, np.float32)
    show({"data": [{"type": "heatmap", "z": z}], "layout": {"height": 200}}, "live:heat")
    st.plotly_chart({"data": [{"type": "heatmap", "z": z.tolist()}]}, key="plain:heat")


def _decode(typed: dict) -> np.ndarray:
    shape = [int(s) for s in str(typed.get("shape", "-1")).split(",")]
    return np.frombuffer(base64.b64decode(typed["bdata"]), np.dtype(typed["dtype"])).reshape(shape)


def test_the_live_chart_keeps_its_element_while_data_changes():
    at = AppTest.from_function(_script).run()
    first = at.get("bidi_component")[0].proto
    plain = at.get("plotly_chart")[0].proto.id
    at.run()
    second = at.get("bidi_component")[0].proto
    assert second.id == first.id, "same element: the browser updates the chart it has, no remount"
    assert second.json != first.json, "new data went out"
    assert at.get("plotly_chart")[0].proto.id != plain, "st.plotly_chart derives its id from the data (remounts)"
    trace = json.loads(json.loads(second.json)["traces"][0])
    assert np.array_equal(_decode(trace["z"]), np.full((4, 5), 2, np.float32))


def test_encode_sends_float32_arrays_compactly_and_no_python_template():
    z = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    import plotly.graph_objects as go

    for fig in ({"data": [{"type": "heatmap", "z": z}], "layout": {"height": 300}}, go.Figure(go.Heatmap(z=z))):
        data = chart.encode(fig)
        assert "template" not in json.loads(data["layout"])
        assert np.array_equal(_decode(json.loads(data["traces"][0])["z"]), z)
        assert len(data["traces"][0]) < 64 * 64 * 4 * 1.4, "base64 of 4 bytes a value, not decimal digits"


def test_show_rejects_unknown_events():
    import pytest

    with pytest.raises(ValueError, match="hover"):
        chart.show({"data": []}, "x", events=("hover",))


def test_plotly_js_is_copied_from_the_installed_package(tmp_path):
    source = __import__("pathlib").Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = chart.ensure_plotly_js(tmp_path)
    assert target.read_bytes() == source.read_bytes()
    target.write_text("stale")
    assert chart.ensure_plotly_js(tmp_path).read_bytes() == source.read_bytes(), "a different file is replaced"
    assert not list(tmp_path.glob("*.tmp"))
