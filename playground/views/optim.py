"""The Optimizers lab's views: composition of the optim library and figures for the page.

Race tables (one row per optimizer with its own settings) become TrainConfigs here; a network race is a
RunGroup led by the lab's own experiment, which the live loop steps in lockstep, so Play, Pause, Step and
Reset drive every runner; its views read a GroupPayload (payloads/optim.py). Functions return figures or
small dicts; no streamlit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from playground.config import ExperimentConfig, TrainConfig, with_values
from playground.experiment import Experiment
from playground.figures.labels import plain
from playground.figures.optim import (
    interpolation_figure,
    landscape_figure,
    overlay_curves_spec,
    race_figure,
    race_loss_figure,
    range_test_figure,
    schedules_figure,
)
from playground.group import RunGroup
from playground.models import build_model
from playground.optim.functions import ADAPTIVE, FUNCTIONS, race
from playground.optim.landscape import attach_trail, interpolate, loss_slice
from playground.optim.lr import lr_range_test, schedule_curves
from playground.optim.race import BATCH_VARIANTS
from playground.optimizers import OPTIMIZERS, SCHEDULES
from playground.payloads.group import GroupPayload
from playground.views.plane import boundary_view

FUNCTION_DEFAULTS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")


def race_rows(fn: str, optimizers: list[str]) -> list[dict[str, Any]]:
    """The editable table of the test-function race: optimizer, lr, momentum, beta1, beta2."""
    f = FUNCTIONS.get(fn, "function")
    return [{"optimizer": k, "lr": f.default_lr(k), "momentum": 0.9 if k in ("momentum", "nesterov") else 0.0,
             "beta1": 0.9, "beta2": 0.999} for k in optimizers]


def rows_to_runs(rows: list[dict[str, Any]]) -> dict[str, TrainConfig]:
    """label -> validated TrainConfig (via with_values, so a bad cell raises ConfigError naming it)."""
    runs = {}
    for row in rows:
        key = str(row["optimizer"])
        cfg = with_values(ExperimentConfig(), {f"train.{k}": v for k, v in row.items() if k != "optimizer"}
                          | {"train.optimizer": key}).train
        label = OPTIMIZERS.label(key) if key in OPTIMIZERS else key
        runs[label if label not in runs else f"{label} (lr {cfg.lr:g})"] = cfg
    return runs


def function_race_views(fn: str, rows: list[dict[str, Any]], steps: int) -> tuple[go.Figure, go.Figure, list]:
    """(trajectories on the landscape, f against steps, a results table) for one test function."""
    f = FUNCTIONS.get(fn, "function")
    paths = race(fn, rows_to_runs(rows), steps)
    xs, ys, z = f.grid(140)
    fig = race_figure(xs, ys, z, {k: p.xy for k, p in paths.items()}, f.minima)
    floor = float(f.value(np.asarray(f.minima)).min())
    finals = [{"optimizer": k, "final f": float(p.loss[-1]), "steps": len(p.loss) - 1,
               "steps to within 0.01 of the minimum": p.steps_to(floor + 0.01), "diverged": p.diverged}
              for k, p in paths.items()]
    return fig, race_loss_figure({k: p.loss for k, p in paths.items()}, floor), finals


def network_variants(mode: str, optimizers: list[str], base: TrainConfig) -> dict[str, dict[str, Any]]:
    """Race variants: one per other optimizer (a sensible lr each) or the three batch modes."""
    if mode == "batch":
        return dict(BATCH_VARIANTS)
    return {OPTIMIZERS.label(k): {"train.optimizer": k, "train.lr": 0.01 if k in ADAPTIVE else 0.1}
            for k in optimizers if k != base.optimizer}      # your own optimizer already runs as "your settings"


def race_group(exp: Experiment, variants: dict[str, dict[str, Any]], cache: dict) -> RunGroup:
    """The race: the lab's experiment ("your settings") and one runner per variant, sharing its dataset and
    initial weights; rebuilt when the experiment or the variants change."""
    key = (exp.uid, repr(variants))
    if cache.get("race_key") != key:
        cache["race_key"] = key
        cache["race"] = RunGroup.variants(exp, variants)
    return cache["race"]


def race_curves_view(p: GroupPayload, x: str = "epoch", *, height: int = 320) -> dict:
    """Every runner's curves on shared axes."""
    return overlay_curves_spec({r.label: r.history for r in p.runs}, p.metric, x=x, height=height)


def race_boundary_views(p: GroupPayload, *, height: int = 260) -> list[dict]:
    """One decision boundary per runner that has one in the payload, titled with where its weights are."""
    out = []
    for r in p.runs:
        if r.extra is not None:
            fig = boundary_view(r.extra, height=height)
            fig["layout"]["title"] = dict(text=f"{plain(r.label)}<br>{r.where}", font=dict(size=11), y=0.97)
            out.append(fig)
    return out


def schedule_view(cfg: TrainConfig) -> go.Figure:
    epochs = cfg.max_epochs or 100
    return schedules_figure(schedule_curves(cfg, epochs), highlight=SCHEDULES.label(cfg.schedule))


def range_test_view(exp: Experiment) -> tuple[go.Figure, float]:
    fresh = build_model(exp.cfg.model, exp.dataset.spec, exp.cfg.seed)    # the test starts from initial weights
    result = lr_range_test(fresh, exp.dataset, exp.cfg.train, seed=exp.cfg.seed)
    return range_test_figure(result.lrs, result.loss, result.suggested), result.suggested


def landscape_views(exp: Experiment, mode: str, resolution: int, span: float) -> tuple[go.Figure, go.Figure]:
    """(2-D slice with the trajectory, 1-D line from the initial to the current weights) on the training split."""
    trainer = exp.trainer
    trail = attach_trail(trainer)
    scape = loss_slice(exp.model, trainer.loss_fn, exp.dataset.train, mode=mode, trail=trail, span=span,
                       resolution=resolution, seed=exp.cfg.seed)
    start = build_model(exp.cfg.model, exp.dataset.spec, exp.cfg.seed)     # same seed: the initial weights
    alphas, line = interpolate(exp.model, start, trainer.loss_fn, exp.dataset.train)
    return (landscape_figure(scape.alphas, scape.betas, scape.loss, scape.path, scape.path_epochs),
            interpolation_figure(alphas, line))


def snap_lr(value: float) -> float:
    """A suggested learning rate rounded to one significant digit (and inside the config's range)."""
    if not np.isfinite(value) or value <= 0:
        return 0.01
    return float(min(10.0, max(1e-6, float(f"{value:.1g}"))))


__all__ = ["attach_trail", "function_race_views", "landscape_views", "network_variants", "race_boundary_views",
           "race_curves_view", "race_group", "race_rows", "range_test_view", "rows_to_runs", "schedule_view", "snap_lr"]
