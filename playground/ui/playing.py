"""A lab session's runs while it plays: handed to the compute backend (playground/compute/) and taken back.

While a lab plays (`session.running`), its runs (the experiment, or the RunGroup led by it in
extra["_runs"]) are handed to the backend at its live loop's first tick (`play`) and held through
extra["_playing"]; the reaper (reaper.py) frees them if the browser session ends meanwhile. `halt` takes
them back (a full run of a lab page does, so page code sees them as when paused; the next tick hands them
over again); `pause` also stops playing; `call_runs` runs a function next to them wherever they are. A
worker that dies raises WorkerLost: the session reopens from the run's last saved state with a notice.
It keeps no state of its own; what it works on is the session (typed by `Lab`, so session.py can import
this module without a circle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from playground.compute import Playing, Runs, WorkerLost, backend
from playground.config import ExperimentConfig
from playground.experiment import Experiment
from playground.group import RunGroup
from playground.ui import reaper


class Lab(Protocol):
    """What these functions use of a LabSession (session.py)."""

    cfg: ExperimentConfig
    exp: Experiment
    running: bool
    notice: str
    extra: dict


def take_live_fields(runs: Runs, new: ExperimentConfig) -> None:
    """The lab's own run takes a changed config's live fields (lr, ...) in place (a group's other runs keep
    theirs); module-level so a worker can run it."""
    exp = runs.leader if isinstance(runs, RunGroup) else runs
    exp.trainer.update_config(new.train)
    exp.cfg = new


def runs_of(session: Lab) -> Runs:
    """What the lab trains: its RunGroup (extra["_runs"], while its leader is this session's experiment),
    else its experiment."""
    group = session.extra.get("_runs")
    return group if group is not None and group.leader is session.exp else session.exp


def play(session: Lab) -> Playing:
    """The lab's runs in the compute backend: handed over now unless they already are (freed by the reaper
    if the browser session ends while they play)."""
    playing = session.extra.get("_playing")
    if playing is None:
        playing = session.extra["_playing"] = backend().play(runs_of(session))
        reaper.register(playing)
    return playing


def pause(session: Lab) -> None:
    """Stop playing: take the runs back from the backend (`halt`) so the session holds them as trained."""
    halt(session)
    session.running = False


def halt(session: Lab) -> None:
    """Take a playing run back into session.exp (and its group into extra)."""
    playing = _unplay(session)
    if playing is not None:
        try:
            take_back(session, playing.stop())
        except WorkerLost as err:
            take_back(session, _reopen(session, playing.start, err))


def pause_lost(session: Lab, err: WorkerLost) -> None:
    """The backend lost the playing run (its worker died), or could not take it: pause on the run as it was
    at Play, and say so."""
    playing = _unplay(session)
    session.running = False
    if playing is not None:
        take_back(session, _reopen(session, playing.start, err))
    else:
        session.notice = f"Training could not start: {err}. Nothing was lost; press Play to try again."


def _unplay(session: Lab) -> Any:
    """Forget the session's Playing handle (and the reaper its session); returns it, or None if not playing."""
    playing = session.extra.pop("_playing", None)
    if playing is not None:
        reaper.forget(playing)
    return playing


def _reopen(session: Lab, start: Runs, err: WorkerLost) -> Runs:
    """The run at Play, with the config's live fields as they are now, and a notice saying what happened."""
    take_live_fields(start, session.cfg)
    epoch = (start.leader if isinstance(start, RunGroup) else start).trainer.epoch
    session.notice = (f"Training was interrupted: {err}. The run was reopened from its last saved state "
                      f"(epoch {epoch}); press Play to go on.")
    return start


def take_back(session: Lab, runs: Runs) -> None:
    """Put runs that come back from the backend (copies, on Ray) where the old objects were: session.exp,
    and every entry of session.extra that held the old group (a page's cache of its race, extra["_runs"])."""
    if isinstance(runs, RunGroup):
        old = session.extra.get("_runs")
        for key, value in list(session.extra.items()):
            if value is old:
                session.extra[key] = runs
        session.exp = runs.leader
    else:
        session.exp = runs


def call_runs(session: Lab, fn: Callable[..., Any], *args: Any) -> Any:
    """`fn(runs, *args)` where the lab's runs are now: in the backend while playing, else here."""
    playing = session.extra.get("_playing")
    if playing is None:
        return fn(runs_of(session), *args)
    try:
        return playing.call(fn, *args)
    except WorkerLost as err:
        pause_lost(session, err)
        return fn(runs_of(session), *args)
