"""One live chart: a Plotly figure drawn by a Streamlit component that mounts Plotly.js once and updates in place.

`show(fig, key)` is the only way a live view reaches the page, playing or paused: the figure (a dict from a
pure builder in playground/figures/) goes to the browser as JSON, numpy arrays as base64 typed arrays, and
the browser applies it with `Plotly.react` on the chart it already has, so nothing blanks or remounts, and
a constant `layout.uirevision` keeps a user's zoom, pan and legend choices. Element identity is the key
(Components v2), not the figure, unlike `st.plotly_chart` in 1.67.

plotly.js comes from the installed `plotly` package, copied to `static/` next to app.py when this module is
first imported (served at /app/static/ by `server.enableStaticServing`): never a CDN, so the app works
offline. Clicks and box/lasso selections come back as the return value. Does not build figures and does
not know about training.
"""

from __future__ import annotations

import filecmp
import json
import os
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import streamlit as st
from _plotly_utils.utils import to_typed_array_spec
from plotly.utils import PlotlyJSONEncoder

HERE = Path(__file__).parent
STATIC = Path(__file__).resolve().parents[2] / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
EVENTS = ("click", "select")


def ensure_plotly_js(static: Path = STATIC) -> Path:
    """Copy the installed plotly.min.js to static/ if it is missing or differs (atomic: temp file + replace)."""
    target = static / "plotly.min.js"
    if target.exists() and filecmp.cmp(PLOTLY_JS, target, shallow=False):
        return target
    static.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=static, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(PLOTLY_JS.read_bytes())
    os.chmod(tmp, 0o644)       # mkstemp makes it private
    os.replace(tmp, target)    # a browser never sees half a file
    return target


ensure_plotly_js()
_component = st.components.v2.component(
    "playground_chart", js=(HERE / "chart.js").read_text(), css=(HERE / "chart.css").read_text(),
    isolate_styles=False)   # Plotly.js styles itself through document.head, which a shadow root would hide


def encode(fig: go.Figure | dict) -> dict:
    """The component's data: {traces: [JSON text per trace], layout: JSON text, height, caption, playback}.

    Two keys of a figure dict are this component's own: `caption`, a line of text over the chart's top
    left (where the weights drawn are: "after epoch 12"), and `playback`, earlier states of this update,
    oldest first, each {layout: a Plotly.relayout dict, caption}: the browser shows them in turn over the
    time until the next update, then the figure itself (a tick captures several states; live.py).

    A figure dict (the live views' builders return dicts: no Plotly validation) is serialised as it is; a
    go.Figure loses its Python template, so every live chart has plotly.js's own plain look. Numpy arrays
    travel as base64 typed arrays. Each trace is its own text so the browser can keep a trace that did not
    change as the same object, which Plotly then does not recompute (the data points under a boundary).
    """
    spec = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    layout = {k: v for k, v in spec.get("layout", {}).items() if k != "template"}
    dumps = partial(json.dumps, cls=PlotlyJSONEncoder, separators=(",", ":"))
    return {"traces": [dumps(_typed(t)) for t in spec.get("data", [])], "layout": dumps(_typed(layout)),
            "height": layout.get("height"), "caption": spec.get("caption", ""),
            "playback": dumps(_typed(spec.get("playback", [])))}


def _typed(obj):
    """A copy of a figure dict with numpy arrays as plotly.js typed-array specs (float64 sent as float32)
    and None-valued keys left out."""
    if isinstance(obj, np.ndarray):
        if obj.dtype == np.float64:
            obj = obj.astype(np.float32)
        return to_typed_array_spec(obj) if obj.dtype.kind in "fiub" else obj.tolist()
    if isinstance(obj, dict):   # None means "unset": leave it out (plotly.js rejects range: null on react)
        return {k: _typed(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_typed(v) for v in obj]
    return obj


def show(fig: go.Figure | dict | None, key: str, *, events: tuple[str, ...] = (), container=None,
         every: float = 0.0) -> dict:
    """Draw `fig` as the live chart `key` (same element every call); return {"click": [...], "select": [...]}
    for the events asked for (points with x, y, curve, index, customdata; None when nothing happened).

    every: send a new figure at most this often (seconds); in between the last one is sent again, which the
    browser does not redraw. Slow-moving charts (curves over epochs) then leave the browser's time to the
    boundary; a paused page (one run) always gets the new figure.
    """
    if fig is None:
        return {}
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise ValueError(f"unknown chart events {sorted(unknown)}; allowed: {EVENTS}")
    sent = st.session_state.setdefault("_chart_sent", {})
    stamp, data = sent.get(key, (0.0, None))
    if data is None or time.monotonic() - stamp >= every:
        data = dict(encode(fig), events=list(events))
        sent[key] = (time.monotonic(), data)
    callbacks = {f"on_{e}_change": _ignore for e in events}
    # a figure of known height gets that height from the first paint, before plotly.js has loaded, so the
    # page below it never shifts when the chart mounts (a link clicked meanwhile would be another link)
    height = int(data["height"]) if data.get("height") else "content"
    mount = dict(key=key, data=data, width="stretch", height=height, **callbacks)
    if container is None:
        result = _component(**mount)
    else:
        with container:   # a column or other container the page laid out
            result = _component(**mount)
    return {e: getattr(result, e, None) for e in events}


def _ignore() -> None:
    """Events are read from show()'s return value; the callback only registers the event name."""
