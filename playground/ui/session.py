"""Per-user lab state in st.session_state: the config, the built experiment, play state and notices.

One LabSession per lab and browser session; nothing here is shared between users (no global cache
holds a model). Config changes that a model in training can take (the learning rate, ...) are applied
in place; others rebuild data and model and leave a notice saying why.

Run history: a run that trained is kept in the run store (playground/store.py) when it is paused,
stops on its own, is reset or rebuilt, or when "Save run" is pressed; never in the per-tick path, and a
store error only leaves a notice. A lab whose data lives in the session (uploaded CSVs) passes
`resolve`, which turns a config into its Dataset (or None for registry data).

While a lab plays, its runs live in the compute backend (playground/ui/playing.py): a full run of a page
takes them back first (`lab_session` calls `halt`), so page code here reads and changes session.exp as when
paused; whatever stops playing calls `pause`, and live config changes go through `call_runs`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from playground.config import ExperimentConfig, from_query, is_config_key, needs_rebuild, to_query, validate
from playground.data.base import Dataset
from playground.experiment import Experiment, build
from playground.registry import ConfigError
from playground.ui.playing import call_runs, halt, pause, take_live_fields
from playground.ui.text import field_md, md_escape, public_message

log = logging.getLogger("playground")
Resolver = Callable[[ExperimentConfig], Dataset | None]


@dataclass
class LabSession:
    lab: str
    cfg: ExperimentConfig
    exp: Experiment
    running: bool = False
    notice: str = ""
    extra: dict = field(default_factory=dict)   # per-lab view state (selected weight, ...)
    resolve: Resolver | None = None              # config -> session-held Dataset (uploads), else None
    sources: dict = field(default_factory=dict)  # this user's uploaded data by id (`data.source`)


def build_for(session: LabSession | None, cfg: ExperimentConfig, resolve: Resolver | None = None) -> Experiment:
    """`experiment.build` with this session's own data: a resolver's Dataset (an uploaded CSV) or the
    session's uploaded sources (image uploads, read by datasets registered with `upload=True`)."""
    resolve = resolve or (session.resolve if session else None)
    return build(cfg, resolve(cfg) if resolve else None, sources=session.sources if session else None)


def keep_run(session: LabSession, name: str = "", *, force: bool = False) -> str | None:
    """Save the session's run to the run store if it trained since its last save; never raises."""
    trainer = session.exp.trainer
    mark = (session.exp.uid, trainer.steps)
    if trainer.steps == 0 or (session.extra.get("saved_run") == mark and not force):
        return None
    try:
        from playground.store import RunStore
        from playground.ui.identity import owner_id

        run_id = RunStore().save(session.exp, name, owner=owner_id())
    except Exception as err:  # a full disk or a locked database must never break training
        log.exception("saving the run failed")
        session.notice = f"The run could not be saved to the run history ({public_message(err)})."
        return None
    session.extra["saved_run"] = mark
    return run_id


def _link_notice(err: ConfigError, problem: str, outcome: str) -> str:
    """A notice about a link's bad setting; the field and message are shown as text (a link is anyone's)."""
    return f"The link's setting {field_md(err.field)} {problem} ({md_escape(err.message)}); {outcome}."


def lab_session(lab: str, default: ExperimentConfig, resolve: Resolver | None = None) -> LabSession:
    """This user's session for `lab`: created from the URL (if it holds a config) or `default`."""
    key = f"lab:{lab}"
    if key in st.session_state and resolve is not None:
        st.session_state[key].resolve = resolve
    if key not in st.session_state:
        cfg, notice = default, ""
        params = {k: v for k, v in st.query_params.to_dict().items()}
        if "lab" in params:   # a link's settings are read on their own lab's page; any other `lab` is said so
            try:
                cfg = from_query(params) if params["lab"] == lab else default
                if params["lab"] != lab:
                    from_query({"lab": params["lab"]})   # an unknown lab raises here
            except ConfigError as err:
                cfg, notice = default, _link_notice(err, "is invalid", "the default is shown instead")
        try:
            exp = build_for(None, cfg, resolve)
        except ConfigError as err:   # e.g. a link to an upload that lives only in its author's session
            notice = _link_notice(err, "cannot be used here", "the default is shown")
            cfg, exp = default, build_for(None, default, resolve)
        st.session_state[key] = LabSession(lab, cfg, exp, notice=notice, resolve=resolve)
        st.session_state[key].extra["url"] = _url_config()
    else:
        halt(st.session_state[key])   # a full run of the page works on the runs themselves (module docstring)
        adopt_url(st.session_state[key])
    return st.session_state[key]


def _url_config() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if is_config_key(k)}


def adopt_url(session: LabSession) -> None:
    """A link followed inside a live session (a tour step, a course-map link) loads its config once."""
    url = _url_config()
    if url == session.extra.get("url"):
        return
    session.extra["url"] = url
    if url.get("lab") != session.lab:
        return
    try:
        cfg = from_query(url)
        if cfg != session.cfg:
            apply_config(session, cfg)
            session.notice = "Loaded the settings of the link."
    except ConfigError as err:
        session.notice = _link_notice(err, "is invalid", "nothing was changed")


def apply_config(session: LabSession, new: ExperimentConfig) -> None:
    """Adopt a new config: in place if only live fields changed, else rebuild and say which fields did."""
    new = validate(new)
    if new == session.cfg:
        return
    rebuild = needs_rebuild(session.cfg, new)
    if rebuild:
        exp = build_for(session, new)   # a ConfigError here leaves the old run untouched
        pause(session)
        keep_run(session)
        session.exp = exp
        shown = ", ".join(f"`{f}`" for f in rebuild[:4]) + (" …" if len(rebuild) > 4 else "")
        session.notice = f"Reset: {shown} changed, so data and model were rebuilt (the learning rate never resets)."
    else:
        call_runs(session, take_live_fields, new)
    session.cfg = new
    write_url(new)
    session.extra["url"] = _url_config()   # the app's own writes are not links to follow


def reset(session: LabSession) -> None:
    pause(session)
    keep_run(session)
    try:
        session.exp = build_for(session, session.cfg)
    except ConfigError as err:   # e.g. session-held data that is gone: say so, keep the current run
        session.notice = f"Could not rebuild: {field_md(err.field)}: {md_escape(err.message)}"
        return
    session.notice = ""


def write_url(cfg: ExperimentConfig) -> None:
    """Mirror the config into the address bar so the link reproduces the experiment."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if not is_config_key(k)}
    st.query_params.from_dict({**keep, **to_query(cfg)})


def adopt(lab: str, cfg: ExperimentConfig, exp: Experiment, notice: str = "") -> LabSession:
    """Put an experiment built elsewhere (a reopened run, an imported checkpoint) into `lab`'s session."""
    key = f"lab:{lab}"
    session = st.session_state.get(key)
    if session is None:
        session = st.session_state[key] = LabSession(lab, cfg, exp)
    else:
        pause(session)
        keep_run(session)
        session.cfg, session.exp = cfg, exp
    session.notice = notice
    session.extra["saved_run"] = (exp.uid, exp.trainer.steps)   # already in the store: no duplicate
    return session


def session_labs() -> dict[str, LabSession]:
    """Every lab session of this browser session (keys "lab:<lab>"), for pages that look across labs."""
    return {k.removeprefix("lab:"): v for k, v in st.session_state.items()
            if isinstance(k, str) and k.startswith("lab:") and isinstance(v, LabSession)}


def pause_others(lab: str | None = None) -> None:
    """Pause every lab of this browser session but `lab` (app.py, on every page): a lab trains only while it
    is on screen (its page's timer drives it), so leaving one takes its run back from the backend and keeps
    it in the run history."""
    for key, session in session_labs().items():
        if key != lab and session.running:
            pause(session)
            keep_run(session)
