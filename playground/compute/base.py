"""The compute backend's interface: where a lab session's runs train while it plays.

A paused run lives in the web server's session state, where pages read and change it freely (Step, edit a
weight, explain a prediction, save). Pressing Play hands it to the backend: `Backend.play(runs)` returns a
`Playing`, through which the live loop trains it tick by tick and gets view payloads back (`tick`), other
code runs a function next to it (`call`, e.g. a live learning-rate change or an explanation while it
plays), and Pause takes it back (`stop`, the state it trained to). `close` frees it without taking it back
(the session ended). The in-process backend (local.py) keeps the same objects in the server's process; the
Ray backend (ray_pool.py) moves them to a worker process and back. Labs and the live loop see only this.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from playground.compute.tick import Runs, Tick, TickPlan


class WorkerLost(RuntimeError):
    """The worker that held a playing run is gone (crashed, killed, or it dropped the run after its lease):
    the run is lost from there; `Playing.start` still holds its last saved state (at Play, or a checkpoint)."""


class Playing(ABC):
    """A run handed to a backend while it plays."""

    def __init__(self, start: Runs):
        self.start = start   # the state at Play (or a later checkpoint): what a lost worker's run reopens from

    @abstractmethod
    def tick(self, plan: TickPlan, payload: Callable[[Runs], Any],
             frames: Callable[[Any], Any] | None = None) -> Tick:
        """Train one tick and return its payload (compute/tick.py::run_tick, next to the model)."""

    @abstractmethod
    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(runs, *args)` next to the model; its result comes back (it must be picklable for Ray)."""

    @abstractmethod
    def stop(self) -> Runs:
        """Take the run back, as trained so far; the handle is done after this."""

    @abstractmethod
    def close(self) -> None:
        """Free the run without taking it back; safe to call twice."""


class Backend(ABC):
    name: str

    @abstractmethod
    def play(self, runs: Runs) -> Playing:
        """Hand `runs` over for playing (the caller must not touch them until `stop`)."""

    def shutdown(self) -> None:  # noqa: B027 (optional: the in-process backend starts nothing)
        """Stop what the backend started (workers, a local Ray)."""
