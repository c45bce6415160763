"""Per-user lab state in st.session_state: the config, the built experiment, play state and notices.

One LabSession per lab and browser session; nothing here is shared between users (no global cache
holds a model). Config changes that a model in training can take (the learning rate, ...) are applied
in place; others rebuild data and model and leave a notice saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from playground.config import ExperimentConfig, from_query, is_config_key, needs_rebuild, to_query, validate
from playground.experiment import Experiment, build
from playground.registry import ConfigError


@dataclass
class LabSession:
    lab: str
    cfg: ExperimentConfig
    exp: Experiment
    running: bool = False
    notice: str = ""
    extra: dict = field(default_factory=dict)   # per-lab view state (selected weight, ...)


def lab_session(lab: str, default: ExperimentConfig) -> LabSession:
    """This user's session for `lab`: created from the URL (if it holds a config) or `default`."""
    _ensure_router()
    key = f"lab:{lab}"
    if key not in st.session_state:
        cfg, notice = default, ""
        params = {k: v for k, v in st.query_params.to_dict().items()}
        if params.get("lab") == lab:
            try:
                cfg = from_query(params)
            except ConfigError as err:
                notice = f"The link's setting `{err.field}` is invalid ({err.message}); the default is shown instead."
        st.session_state[key] = LabSession(lab, cfg, build(cfg), notice=notice)
        st.session_state[key].extra["url"] = _url_config()
    else:
        adopt_url(st.session_state[key])
    return st.session_state[key]


def _ensure_router() -> None:
    """Make app.py route this session. On a fresh server Streamlit starts in its legacy `pages/` mode (a menu of
    file names; app.py, its page config and classroom mode never run) until some session runs st.navigation;
    a first visit straight to a lab's URL would stay in it. Switch that mode off and rerun through app.py."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


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
    except ConfigError as err:
        session.notice = f"The link's setting `{err.field}` is invalid ({err.message}); nothing was changed."
        return
    if cfg != session.cfg:
        apply_config(session, cfg)
        session.notice = "Loaded the settings of the link."


def apply_config(session: LabSession, new: ExperimentConfig) -> None:
    """Adopt a new config: in place if only live fields changed, else rebuild and say which fields did."""
    new = validate(new)
    if new == session.cfg:
        return
    rebuild = needs_rebuild(session.cfg, new)
    if rebuild:
        session.exp = build(new)
        session.running = False
        shown = ", ".join(f"`{f}`" for f in rebuild[:4]) + (" …" if len(rebuild) > 4 else "")
        session.notice = f"Reset: {shown} changed, so data and model were rebuilt (the learning rate never resets)."
    else:
        session.exp.trainer.update_config(new.train)
        session.exp.cfg = new
    session.cfg = new
    write_url(new)


def reset(session: LabSession) -> None:
    session.exp = build(session.cfg)
    session.running = False
    session.notice = ""


def write_url(cfg: ExperimentConfig) -> None:
    """Mirror the config into the address bar so the link reproduces the experiment."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if not is_config_key(k)}
    st.query_params.from_dict({**keep, **to_query(cfg)})
