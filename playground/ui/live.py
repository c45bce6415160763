"""The live loop: Play/Pause/Step/Reset and a fragment that trains for a time budget, then redraws.

No training thread (DESIGN.md section 4): while playing, `st.fragment(run_every=TICK)` trains for
BUDGET seconds per tick and redraws only its own charts; the browser owns the timer, so training
stops by itself when the tab closes. Step and Reset run synchronously in their callbacks. A run that
stops on its own (epoch limit, early stopping, divergence) is kept in the run history like a paused one.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from playground.cadence import LIVE_EVAL_SHARE
from playground.figures.curves import METRIC_LABELS
from playground.presets import PRESETS
from playground.ui.guard import guard
from playground.ui.session import LabSession, apply_config, keep_run, reset

TICK = 0.1      # the browser asks for the next tick this soon; asks made while a tick runs are queued,
BUDGET = 0.23   # so ticks run back to back: train BUDGET seconds, draw (~20 ms), repeat: 4.0-4.3 updates/s in the
# 2-D lab, 0.77-0.86 of headless speed beside Chromium; 0.2 s gave 4.4-4.8 updates/s but 0.67-0.85 (bench_live)
SPEEDS = {"max": None, "10 epochs per update": 10, "3 epochs per update": 3, "1 epoch per update": 1}


def _toggle(session: LabSession) -> None:
    session.running = not session.running
    if session.running and session.exp.trainer.done:
        session.exp.trainer.resume()
    session.notice = ""
    if not session.running:
        keep_run(session)


def _save(session: LabSession) -> None:
    session.running = False
    if session.exp.trainer.steps == 0:
        session.notice = "Nothing to save yet: train first (Play or Step)."
    elif keep_run(session, force=True):
        session.notice = "Saved this run to the run history (open **Runs** to compare, rename or export it)."


def _step(session: LabSession) -> None:
    session.running = False
    trainer = session.exp.trainer
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
                   on_click=_toggle, args=(session,), width="stretch")
    cols[1].button("Step", key=f"{session.lab}:step", on_click=_step, args=(session,), help="train one epoch",
                   icon=":material/skip_next:", width="stretch")
    cols[2].button("Reset", key=f"{session.lab}:reset", on_click=reset, args=(session,), icon=":material/replay:",
                   help="new initial weights from the seed; same data", width="stretch")
    cols[3].button("Save run", key=f"{session.lab}:save", on_click=_save, args=(session,), icon=":material/save:",
                   help="keep this run in the run history (pausing, Reset and rebuilds also keep it)", width="stretch")
    cols[4].select_slider("Speed", list(SPEEDS), value=speed, key=f"{session.lab}:speed", label_visibility="collapsed",
                          help="how many epochs to train between chart updates; max = as many as fit in a tick")


def live_fragment(session: LabSession, render: Callable[[LabSession], None]) -> None:
    """Train a slice per tick while playing, then call `render(session)` (charts of this lab)."""

    @st.fragment(run_every=TICK if session.running else None)
    def _live() -> None:
        trainer = session.exp.trainer
        if session.running:
            trainer.eval_share = LIVE_EVAL_SHARE   # records some epochs, not all, when evaluating is costly
            with guard("Training"):
                try:
                    trainer.train_for(BUDGET, max_epochs=SPEEDS[st.session_state.get(f"{session.lab}:speed", "max")])
                except Exception:
                    session.running = False   # stop the timer; guard shows what happened
                    raise
            if trainer.done:   # epoch limit, early stopping or divergence: stopping by itself is a pause
                session.running = False
                keep_run(session)   # so the run is in the history (once: keep_run skips a saved run)
                st.rerun()   # a full rerun turns the timer off and shows the Play button again
        status_line(session)
        with guard("Drawing"):
            render(session)

    _live()


def status_line(session: LabSession) -> None:
    snap = session.exp.trainer.snapshot()
    rec = snap.record
    name = session.exp.trainer.metric
    cols = st.columns(4)
    cols[0].metric("Epoch", f"{snap.epoch:,}")
    cols[1].metric("Train loss", f"{rec.get('train_loss', float('nan')):.4f}")
    cols[2].metric("Test loss", f"{rec.get('test_loss', float('nan')):.4f}")
    cols[3].metric(f"Test {METRIC_LABELS.get(name, name)}", f"{rec.get(f'test_{name}', float('nan')):.3f}")
    if snap.status == "diverged":
        st.error(snap.message, icon=":material/error:")
    elif snap.message:
        st.info(snap.message, icon=":material/stop_circle:")
