"""One tick of live training and what it sends back, the same in every compute backend.

`run_tick(runs, plan, payload, frames)` trains what a lab session owns (an Experiment, or a RunGroup of runs
trained together) for one tick of the live loop, then computes the lab's view payload beside the model and
returns a `Tick`: the payload, the states captured inside the tick (`frames`), and the `Status` the status
line shows. Only this crosses from a worker to the web server, never the model. It does not draw, and it
does not know where it runs (playground/compute/local.py calls it in the server's process,
playground/compute/ray_pool.py inside a worker).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.experiment import Experiment
from playground.group import RunGroup
from playground.training import Trainer

Runs = Experiment | RunGroup   # what a lab session trains: its experiment, or a group led by it


@dataclass(frozen=True)
class TickPlan:
    """How to train this tick. seconds: the budget (or per frame, with frames); max_epochs: the speed cap per
    slice (None: as many as fit); frames: slices, capturing `frames(exp)` after all but the last (1: one
    slice); eval_share: the trainer's evaluation cadence (cadence.py); train: False draws without training
    (the Play click's own rerun, a paused page)."""

    seconds: float
    max_epochs: int | None = None
    frames: int = 1
    eval_share: float | None = None
    train: bool = True


@dataclass(frozen=True)
class Status:
    """The status line: the newest record (its epoch and losses belong together), where the weights are now,
    the trainer's state and message."""

    epoch: int                  # completed epochs
    record: dict[str, Any]      # the newest evaluated epoch's record
    status: str
    message: str
    where: str                  # Trainer.where()
    metric: str


@dataclass(frozen=True)
class Tick:
    payload: Any
    captured: list = field(default_factory=list)   # frames(exp) after each slice but the last
    status: Status | None = None
    done: bool = False           # every run stopped by itself (epoch limit, early stopping, divergence)
    payload_seconds: float = 0.0


def leader(runs: Runs) -> Experiment:
    return runs.leader if isinstance(runs, RunGroup) else runs


def trainer_of(runs: Runs) -> Trainer | RunGroup:
    """What trains: a group steps all its runs in lockstep, an experiment its trainer."""
    return runs if isinstance(runs, RunGroup) else runs.trainer


def status_of(runs: Runs) -> Status:
    trainer = leader(runs).trainer
    snap = trainer.snapshot()
    return Status(snap.epoch, dict(snap.record), snap.status, snap.message, trainer.where(), trainer.metric)


def run_tick(runs: Runs, plan: TickPlan, payload: Callable[[Runs], Any],
             frames: Callable[[Experiment], Any] | None = None) -> Tick:
    """Train one tick by `plan`, then compute `payload(runs)`. With plan.frames > 1, `plan.seconds` is each
    slice's budget and `frames(leader)` is captured after every slice but the last (the tick's final state is
    the payload): the browser plays them before it, so one server round trip carries several states."""
    trainer, captured = trainer_of(runs), []
    if plan.train:
        trainer.eval_share = plan.eval_share
        for i in range(plan.frames):
            trainer.train_for(plan.seconds, max_epochs=plan.max_epochs)
            if trainer.done or i == plan.frames - 1:
                break
            if frames is not None:
                captured.append(frames(leader(runs)))
    t0 = time.perf_counter()
    p = payload(runs)
    return Tick(p, captured, status_of(runs), trainer.done, time.perf_counter() - t0)
