"""The in-process backend (the default): a playing run stays in the web server's process and trains in the
script thread of the session that plays it. Nothing to start, nothing to copy; `stop` returns the same
objects. Sessions share the server's one Python process (see ray_pool.py for training that adds up
across cores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.compute.base import Backend, Playing
from playground.compute.tick import Runs, Tick, TickPlan, run_tick


class LocalPlaying(Playing):
    def __init__(self, runs: Runs):
        super().__init__(runs)
        self.runs = runs

    def tick(self, plan: TickPlan, payload: Callable[[Runs], Any], frames: Callable[[Any], Any] | None = None) -> Tick:
        return run_tick(self.runs, plan, payload, frames)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(self.runs, *args)

    def stop(self) -> Runs:
        return self.runs

    def close(self) -> None:
        pass


class InProcess(Backend):
    name = "in-process"

    def play(self, runs: Runs) -> Playing:
        return LocalPlaying(runs)
