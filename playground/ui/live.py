"""The live loop: Play/Pause/Step/Reset and a fragment that trains for a time budget, then redraws.

No training thread (one in the server would outlive the tab and race the page): while playing,
`st.fragment(run_every=TICK)` trains for a budget per tick and redraws only its own charts; the browser owns
the timer, so training stops by itself when the tab closes. Step and Reset run synchronously in their
callbacks. A run that stops on its own (epoch limit, early stopping, divergence) is kept in the run history
like a paused one.

The budget follows what drawing costs: DRAW_SHARE of each tick goes to drawing, between MIN_BUDGET and
BUDGET seconds of training, so a lab ticks 4-6 times a second; the 2-D lab and Home tick as often but show
four states per tick (`frames`, see `train_tick`). Each lab gets `render(session, payload(exp))`: what its
views need, computed beside the model after each tick's training (a plain picklable object, so a later
worker process can send it instead of the model).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from playground.cadence import LIVE_EVAL_SHARE
from playground.compute import Runs, Status, Tick, TickPlan, WorkerLost, run_tick, trainer_of
from playground.figures.curves import METRIC_LABELS
from playground.group import RunGroup
from playground.presets import PRESETS
from playground.ui.guard import guard
from playground.ui.playing import halt, pause, pause_lost, play, runs_of
from playground.ui.session import LabSession, apply_config, keep_run, reset

TICK = 0.05          # the browser asks for the next tick this soon; asks made while a tick runs are queued, so
                     # ticks run back to back: train for the budget, draw, repeat
DRAW_SHARE = 0.2     # budget = draw time x (1 - share) / share: drawing takes a fifth of the tick (live/headless 0.8)
MIN_BUDGET = 0.08    # seconds of training per tick at least: every Streamlit run costs the browser a re-render of
                     # the page (20-80 ms here); 0.06 gave labs 5-8 updates/s at live/headless 0.3-0.7 with
                     # Chromium 80-98% busy, 0.15 gave 0.74-0.85 at 2-3 updates/s (bench_live, README)
BUDGET = 0.23        # and at most: labs whose charts take long to draw (~50 ms a tick)
FRAMES = 4           # states a tick of a lab with `frames` shows: captured inside the tick, played by the browser
FRAME_SECONDS = 0.05  # training between two of them: a 0.2 s tick, ~4-5 Streamlit runs and ~20 updates a second
FLUSH_WAIT = 0.012   # the browser's timer has the next tick waiting: Streamlit starts it the moment this one ends and
                     # drops this one's deltas not yet sent (it flushes every 5 ms), 94-100% of ticks here lost
                     # their last charts, often the boundary (bench_class: FINISHED_EARLY_FOR_RERUN)
SLOW = 0.5           # seconds between redraws of slow-moving live charts (curves over epochs) while playing
SPEEDS = {"max": None, "10 epochs per update": 10, "3 epochs per update": 3, "1 epoch per update": 1}


def _set_running(session: LabSession, running: bool) -> None:
    """Play (True) or Pause (False): sets the state the button showed, not a flip, so a click that Streamlit
    replays (a fragment tick that preempts the click's rerun replays its trigger) cannot undo itself."""
    if session.running != running:
        session.running = running
        # the click's full rerun draws without training: training there delays everything below the fragment
        # by a tick, and Streamlit then mounts those charts afresh (blank for 0.5-1 s after each Play)
        session.extra["_started"] = running
        if running and trainer_of(runs_of(session)).done:
            trainer_of(runs_of(session)).resume()
        session.notice = ""
    if not running:   # a Pause keeps the run even when a tick had already stopped it (keep_run saves once)
        pause(session)
        keep_run(session)


def _save(session: LabSession) -> None:
    pause(session)
    if session.exp.trainer.steps == 0:
        session.notice = "Nothing to save yet: train first (Play or Step)."
    elif keep_run(session, force=True):
        session.notice = "Saved this run to the run history (open **Runs** to compare, rename or export it)."


def _step(session: LabSession) -> None:
    """One epoch for every run the page trains (see `runs_of`), where training runs (the compute backend)."""
    pause(session)
    with guard("Step"):
        try:
            play(session).call(step_epoch)
        except WorkerLost as err:
            pause_lost(session, err)
        halt(session)


def step_epoch(runs: Runs) -> None:
    """One more epoch for every run (resumed first if it had stopped); module-level so a worker can run it."""
    trainer = trainer_of(runs)
    if trainer.done:
        trainer.resume()
    trainer.run_epochs(1)


def _load_preset(session: LabSession, key: str) -> None:
    name = st.session_state[key]
    if name:
        apply_config(session, PRESETS.get(name))
        session.notice = f"Loaded preset **{PRESETS.label(name)}**: {PRESETS.entry(name).description}."


def preset_picker(session: LabSession, container=st) -> None:
    keys = [""] + PRESETS.keys(lab=session.lab)
    container.selectbox("Preset", keys, key=f"{session.lab}:preset",
                        format_func=lambda k: PRESETS.label(k) if k else "—",
                        on_change=_load_preset, args=(session, f"{session.lab}:preset"))


def play_controls(session: LabSession, speed: str = "max") -> None:
    """Play/Pause, Step, Reset, Save run and the speed slider (starting at `speed`, a key of SPEEDS)."""
    cols = st.columns([1.1, 1, 1, 1.1, 2.2])
    cols[0].button("Pause" if session.running else "Play", key=f"{session.lab}:play", type="primary",
                   icon=":material/pause:" if session.running else ":material/play_arrow:",
                   on_click=_set_running, args=(session, not session.running), width="stretch")
    cols[1].button("Step", key=f"{session.lab}:step", on_click=_step, args=(session,), help="train one epoch",
                   icon=":material/skip_next:", width="stretch")
    cols[2].button("Reset", key=f"{session.lab}:reset", on_click=reset, args=(session,), icon=":material/replay:",
                   help="new initial weights from the seed; same data", width="stretch")
    cols[3].button("Save run", key=f"{session.lab}:save", on_click=_save, args=(session,), icon=":material/save:",
                   help="keep this run in the run history (pausing, Reset and rebuilds also keep it)", width="stretch")
    cols[4].select_slider("Speed", list(SPEEDS), value=speed, key=f"{session.lab}:speed", label_visibility="collapsed",
                          help="how many epochs to train between chart updates; max = as many as fit in a tick")


def budget(draw_seconds: float) -> float:
    """Training seconds per tick for a lab whose last draw took `draw_seconds` (see DRAW_SHARE)."""
    return min(max(draw_seconds * (1 - DRAW_SHARE) / DRAW_SHARE, MIN_BUDGET), BUDGET)


def live_fragment(session: LabSession, render: Callable[..., None], payload: Callable[[Any], Any], *,
                  runs: RunGroup | None = None, frames: Callable[[Any], Any] | None = None) -> None:
    """Train a slice per tick while playing, then draw: `render(session, payload(runs))`, the payload being what
    the lab's views need, computed beside the model (in the compute backend while playing: a worker process
    on Ray) and `runs` the session's experiment, or its group. Only ticks reach the backend: a full run of the
    page works on the runs in the session (lab_session takes them back), so a page reads and changes them as
    when paused; code inside `render` that needs the model uses playing.call_runs.

    runs: a RunGroup whose leader is session.exp (a race, a baseline and its twin): each tick steps the
    whole group in lockstep instead of the session's trainer, the payload function gets the group, and the
    group stays in session.extra so Step trains every run one epoch. Playing stops when every run is done;
    keep_run saves the leader.

    frames: for a fast view (the 2-D boundary), a function of the Experiment whose result is captured FRAMES - 1
    times inside each tick; then `render(session, payload, captured)` (an empty list when paused) hands them
    to the view, and the browser plays them before the tick's final state (see `plan`).

    payload and frames must be picklable (module-level functions, or lambdas and partials of them: Ray's
    cloudpickle sends those by value)."""
    if runs is not None and session.extra.get("_runs") is not runs:
        session.extra["_runs"] = runs
    elif runs is None:
        session.extra.pop("_runs", None)

    @st.fragment(run_every=TICK if session.running else None)
    def _live() -> None:
        tick = _tick(session, payload, frames)
        if tick is None:
            return
        if tick.done and session.running:   # epoch limit, early stopping or divergence: stopping is a pause
            pause(session)
            keep_run(session)   # so the run is in the history (once: keep_run skips a saved run)
            st.rerun()   # a full rerun turns the timer off and shows the Play button again
        t1 = time.perf_counter()
        status_line(tick.status)
        with guard("Drawing"):
            if frames is None:
                render(session, tick.payload)
            else:
                render(session, tick.payload, tick.captured)
        session.extra["_draw_seconds"] = tick.payload_seconds + time.perf_counter() - t1
        if session.running:
            time.sleep(FLUSH_WAIT)   # let the server send this tick's charts before the next tick starts

    _live()


def _tick(session: LabSession, payload: Callable[[Any], Any], frames: Callable[[Any], Any] | None) -> Tick | None:
    """Train (while playing) and compute the payload, where the runs are; None if it failed (guard said why).
    A playing lab's first tick after a full run of its page hands its runs to the backend (`play`)."""
    train = session.running and not session.extra.pop("_started", False)   # the Play click's run only draws
    tick_plan = plan(session, frames is not None, train)
    with guard("Training" if train else "Drawing"):
        try:
            if not train:
                return run_tick(runs_of(session), tick_plan, payload, frames)
            return play(session).tick(tick_plan, payload, frames)
        except WorkerLost as err:   # the worker died: reopen from the state at Play, say so, stop the timer
            pause_lost(session, err)
            st.rerun()
        except Exception:
            pause(session)   # stop the timer; guard shows what happened
            raise
    return None


def plan(session: LabSession, frames: bool, train: bool) -> TickPlan:
    """This tick's TickPlan. Without `frames`: one slice of `budget()` seconds. With them: FRAMES slices of
    FRAME_SECONDS, capturing a state after each but the last. Why: each Streamlit run costs the browser a
    re-render of the whole page (~20-60 ms here, growing with its widget count), so ten runs a second
    saturate it; five runs carrying four states each give twenty boundary updates a second with a fifth of
    that cost, at one tick (~0.25 s) of display delay."""
    most = SPEEDS[st.session_state.get(f"{session.lab}:speed", "max")]   # epochs per update (per frame)
    if frames:
        return TickPlan(FRAME_SECONDS, most, FRAMES, LIVE_EVAL_SHARE, train)
    return TickPlan(budget(session.extra.get("_draw_seconds", BUDGET)), most, 1, LIVE_EVAL_SHARE, train)


def status_line(status: Status) -> None:
    """Epoch and the losses of that epoch's record: the newest evaluated epoch, so every number beside it is
    that epoch's (the live loop evaluates the epoch a tick ends on; a tick cut inside a long epoch shows the
    last complete one, and the Epoch's help says where training is)."""
    rec, name = status.record, status.metric
    cols = st.columns(4)
    cols[0].metric("Epoch", f"{rec.get('epoch', status.epoch):,}",
                   help=f"The losses beside it are this epoch's. Training is now {status.where}.")
    cols[1].metric("Train loss", f"{rec.get('train_loss', float('nan')):.4f}")
    cols[2].metric("Test loss", f"{rec.get('test_loss', float('nan')):.4f}")
    cols[3].metric(f"Test {METRIC_LABELS.get(name, name)}", f"{rec.get(f'test_{name}', float('nan')):.3f}")
    if status.status == "diverged":
        st.error(status.message, icon=":material/error:")
    elif status.message:
        st.info(status.message, icon=":material/stop_circle:")
