"""The Runs page's views: table rows of stored runs (with thumbnails), comparison figures, reopen and import.

Reads the run store; the only writes are the ones a person asks for (rename, delete happen in store.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any

import plotly.graph_objects as go

from playground.figures.runs import parallel_figure, runs_curves_figure
from playground.store import RunInfo, RunStore


def metric_of(info: RunInfo) -> tuple[str, float | None]:
    """('accuracy' or 'r2', the run's final test value)."""
    m = info.metrics
    if "test_accuracy" in m:
        return "accuracy", m["test_accuracy"]
    return "r2", m.get("test_r2")


def _num(v: Any) -> float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def table_rows(infos: list[RunInfo], store: RunStore) -> list[dict[str, Any]]:
    """One row per run for st.dataframe: thumbnail (data URI), name, settings and results."""
    rows = []
    for info in infos:
        name, value = metric_of(info)
        c = info.cfg
        try:
            thumb = "data:image/png;base64," + base64.b64encode(store.thumbnail(info.id)).decode()
        except OSError:
            thumb = None
        rows.append({"loss curve": thumb, "name": info.name, "lab": info.lab, "data": c.data.name,
                     "hidden": ",".join(map(str, c.model.hidden)) or "—", "optimizer": c.train.optimizer,
                     "lr": c.train.lr, "epochs": info.epochs, "test metric": name,
                     "test value": _num(value), "test loss": _num(info.metrics.get("test_loss")),
                     "saved": dt.datetime.fromtimestamp(info.created).strftime("%Y-%m-%d %H:%M"), "id": info.id})
    return rows


def compare_curves(infos: list[RunInfo], store: RunStore, split: str = "val") -> go.Figure:
    metric = metric_of(infos[0])[0] if infos else "accuracy"
    hists = {}
    for info in infos:
        label = info.name if info.name not in hists else f"{info.name} ({info.id[-6:]})"
        hists[label] = store.history(info.id)
    return runs_curves_figure(hists, metric, split=split)


def compare_parallel(infos: list[RunInfo]) -> go.Figure:
    rows = []
    for info in infos:
        c = info.cfg
        rows.append({"log10 lr": math.log10(c.train.lr), "batch size": c.train.batch_size,
                     "layers": len(c.model.hidden), "neurons": sum(c.model.hidden), "dropout": c.model.dropout,
                     "L2": c.train.l2, "epochs": info.epochs, "test loss": _num(info.metrics.get("test_loss")),
                     "test score": _num(metric_of(info)[1])})   # accuracy or R², whichever the run has
    color = "test score"
    return parallel_figure(rows, color)
