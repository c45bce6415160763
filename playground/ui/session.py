"""Per-user lab state in st.session_state: the config, the built experiment, play state and notices.

One LabSession per lab and browser session; nothing here is shared between users (no global cache
holds a model). Config changes that a model in training can take (the learning rate, ...) are applied
in place; others rebuild data and model and leave a notice saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from playground.config import ExperimentConfig, from_query, needs_rebuild, to_query, validate
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
    sources: dict = field(default_factory=dict)  # this user's uploaded data by id (`data.source`)


def lab_session(lab: str, default: ExperimentConfig) -> LabSession:
    """This user's session for `lab`: created from the URL (if it holds a config) or `default`."""
    key = f"lab:{lab}"
    if key not in st.session_state:
        cfg, notice = default, ""
        params = {k: v for k, v in st.query_params.to_dict().items()}
        if params.get("lab") == lab:
            try:
                cfg = from_query(params)
            except ConfigError as err:
                notice = f"The link's setting `{err.field}` is invalid ({err.message}); the default is shown instead."
        try:
            exp = build(cfg)
        except ConfigError as err:   # e.g. a link to an upload that lives only in its author's session
            cfg, exp = default, build(default)
            notice = f"The link's setting `{err.field}` cannot be used here ({err.message}); the default is shown."
        st.session_state[key] = LabSession(lab, cfg, exp, notice=notice)
    return st.session_state[key]


def apply_config(session: LabSession, new: ExperimentConfig) -> None:
    """Adopt a new config: in place if only live fields changed, else rebuild and say which fields did."""
    new = validate(new)
    if new == session.cfg:
        return
    rebuild = needs_rebuild(session.cfg, new)
    if rebuild:
        session.exp = build(new, sources=session.sources)
        session.running = False
        shown = ", ".join(f"`{f}`" for f in rebuild[:4]) + (" …" if len(rebuild) > 4 else "")
        session.notice = f"Reset: {shown} changed, so data and model were rebuilt (the learning rate never resets)."
    else:
        session.exp.trainer.update_config(new.train)
        session.exp.cfg = new
    session.cfg = new
    write_url(new)


def reset(session: LabSession) -> None:
    session.exp = build(session.cfg, sources=session.sources)
    session.running = False
    session.notice = ""


def write_url(cfg: ExperimentConfig) -> None:
    """Mirror the config into the address bar so the link reproduces the experiment."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if not ("." in k or k in ("lab", "seed"))}
    st.query_params.from_dict({**keep, **to_query(cfg)})
