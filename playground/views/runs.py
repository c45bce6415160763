"""The Runs page's views: table rows of stored runs (with thumbnails), comparison figures, reopen and import.

Each run shows its own lab's architecture (the model registry's `describe`) and the metric its lab showed
(the `test_<metric>` its trainer recorded: accuracy, token accuracy, R² or MSE). Reads the run store; the
only writes are the ones a person asks for (rename, delete happen in store.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any

import plotly.graph_objects as go

from playground.figures.curves import METRIC_LABELS
from playground.figures.runs import parallel_figure, runs_curves_figure
from playground.models.base import describe_model
from playground.objectives import METRICS
from playground.store import RunInfo, RunStore, data_label


def metric_of(info: RunInfo) -> tuple[str, float | None]:
    """(the metric the run's lab showed, e.g. "token_accuracy"; its final test value), from the
    `test_<metric>` key its trainer recorded; ("", None) for a run that recorded none."""
    name = next((m for m in METRICS if f"test_{m}" in info.metrics), "")
    return name, info.metrics.get(f"test_{name}")


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
        # results right after the model, so the scores are in view without scrolling the table sideways
        rows.append({"loss curve": thumb, "name": info.name, "lab": info.lab,
                     "data": data_label(c, store.upload_names(info.id)), "model": describe_model(c.model).text,
                     "test metric": METRIC_LABELS.get(name, name) or "—", "test value": _num(value),
                     "test loss": _num(info.metrics.get("test_loss")), "epochs": info.epochs,
                     "optimizer": c.train.optimizer, "lr": c.train.lr,
                     "saved": dt.datetime.fromtimestamp(info.created).strftime("%Y-%m-%d %H:%M"), "id": info.id})
    return rows


def compare_curves(infos: list[RunInfo], store: RunStore, split: str = "val") -> go.Figure:
    hists = {}
    for info in infos:
        label = info.name if info.name not in hists else f"{info.name} ({info.id[-6:]})"
        hists[label] = store.history(info.id)
    return runs_curves_figure(hists, split=split)


def compare_parallel(infos: list[RunInfo]) -> go.Figure:
    rows = []
    for info in infos:
        c = info.cfg
        arch = describe_model(c.model)
        rows.append({"log10 lr": math.log10(c.train.lr), "batch size": c.train.batch_size,
                     "layers": arch.layers, "units": arch.units, "dropout": c.model.dropout,
                     "L2": c.train.l2, "epochs": info.epochs, "test loss": _num(info.metrics.get("test_loss")),
                     "test score": _num(metric_of(info)[1])})   # each run's own metric
    color = "test score"
    return parallel_figure(rows, color)
