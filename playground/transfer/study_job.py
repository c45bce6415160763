"""The label-efficiency study as a job: its trainings run in the background while the page stays usable.

`start_study(cfg, strategies, budgets, seeds, sources=...)` checks the plan first (efficiency.estimate: a
ConfigError before anything starts) and returns a StudyJob at once. Its trainings (efficiency.train_one, the
same tasks in the same order as `label_efficiency`) run in a thread of this process by default, or as Ray tasks
when PLAYGROUND_RAY is set: off the web server, as many at once as the cluster has CPUs. `progress()` says how
far it is, `stop()` ends it between trainings (Ray tasks not yet finished are cancelled), `rows` holds the
finished trainings in task order, `error` the message of a training that failed (the job stops there).
It does not draw and has no streamlit.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from playground.config import ExperimentConfig
from playground.transfer.efficiency import STEPS, Row, Task, estimate, task_text, tasks, train_one

WAIT = 0.25      # seconds between looks at finished Ray tasks (and at the stop flag)


@dataclass(frozen=True)
class StudyProgress:
    done: int
    total: int
    doing: str          # the training in progress, "" when none
    finished: bool      # every training done, or stopped, or failed

    def text(self) -> str:
        return f"{self.done} of {self.total} trainings" + (f": {self.doing}" if self.doing else "")


class StudyJob:
    """A study's trainings in the background (module docstring)."""

    def __init__(self, cfg: ExperimentConfig, todo: list[Task], steps: int, sources: dict | None, where: str):
        self.cfg, self.todo, self.steps, self.sources, self.where = cfg, todo, steps, sources, where
        self._rows: dict[int, Row] = {}
        self._doing = ""
        self._stop = threading.Event()
        self.error = ""
        self._thread = threading.Thread(target=self._run_ray if where == "ray" else self._run_here, daemon=True,
                                        name="label-efficiency study")
        self._thread.start()

    @property
    def rows(self) -> list[Row]:
        return [self._rows[i] for i in sorted(self._rows)]

    @property
    def finished(self) -> bool:
        return not self._thread.is_alive()

    def progress(self) -> StudyProgress:
        return StudyProgress(len(self._rows), len(self.todo), "" if self.finished else self._doing, self.finished)

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    # -- where the trainings run ---------------------------------------------------------------

    def _run_here(self) -> None:
        import torch

        torch.set_num_threads(1)          # as every training of this app: one core per run
        for i, task in enumerate(self.todo):
            if self._stop.is_set():
                return
            self._doing = task_text(task)
            if not self._one(i, lambda task=task: train_one(self.cfg, *task, self.steps, self.sources)):
                return

    def _one(self, i: int, train: Any) -> bool:
        try:
            self._rows[i] = train()
            return True
        except Exception as err:
            self.error = f"{task_text(self.todo[i])}: {type(err).__name__}: {err}"
            return False

    def _run_ray(self) -> None:
        import ray

        from playground.compute import backend

        if not ray.is_initialized():
            backend()                     # joins or starts the Ray this configuration names, as the server does
        remote = ray.remote(num_cpus=1, max_retries=0)(train_one)
        cfg, sources = ray.put(self.cfg), ray.put(self.sources)
        pending = {remote.remote(cfg, *task, self.steps, sources): i for i, task in enumerate(self.todo)}
        while pending and not self._stop.is_set():
            self._doing = f"{len(pending)} trainings left on the cluster"
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=WAIT)
            for ref in ready:
                if not self._one(pending.pop(ref), lambda ref=ref: ray.get(ref)):
                    self._stop.set()
        for ref in pending:               # stopped: what has not finished is dropped
            ray.cancel(ref)


def default_where() -> str:
    """Ray tasks when this server or CLI uses a Ray backend (PLAYGROUND_RAY), else a thread here."""
    return "ray" if os.environ.get("PLAYGROUND_RAY", "").strip() else "thread"


def start_study(cfg: ExperimentConfig, strategies: list[str], budgets: list[int], seeds: int, *,
                steps: int = STEPS, sources: dict | None = None, where: str | None = None) -> StudyJob:
    """Check the plan (ConfigError before anything starts), then start its trainings in the background."""
    estimate(cfg, strategies, budgets, seeds, steps, sources)
    return StudyJob(cfg, tasks(cfg, strategies, budgets, seeds), steps, sources, where or default_where())
