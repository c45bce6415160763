"""The backbone picker: a shipped pretrained backbone, or a CNN run of this visitor's own run history.

`backbone_picker(session)` draws one dropdown. Picking a backbone applies its architecture to the lab's config
(playground/models/backbones.py::backbone_overrides) and, for a run, puts the resolved Backbone in the session's
`sources` under "run:<id>", so build() can load it. Only the runs `visible_store()` shows this visitor are listed
or resolved: a link naming another person's run finds nothing here and is refused by build() with a message.
"""

from __future__ import annotations

import streamlit as st

from playground.config import with_values
from playground.models.backbones import BACKBONES, backbone_from_run, backbone_overrides
from playground.registry import ConfigError
from playground.ui.runs import visible_store
from playground.ui.session import LabSession, apply_config
from playground.ui.text import md_escape

NONE = ""   # no backbone: the model starts from its seeded random weights


def own_cnn_runs() -> dict[str, str]:
    """"run:<id>" -> a label, for this visitor's CNN runs with conv blocks (newest first)."""
    store, owner = visible_store()
    return {f"run:{i.id}": f"your run: {i.name or i.id} ({i.lab}, {i.epochs} epochs)"
            for i in store.list(owner=owner) if i.cfg.model.kind == "cnn"}


def resolve_run(session: LabSession, key: str) -> None:
    """Put the Backbone of run `key` ("run:<id>") in the session's sources, if it is this visitor's."""
    if not key.startswith("run:") or key in session.sources:
        return
    store, owner = visible_store()
    info = store.get(key[4:], owner=owner)          # KeyError: not this visitor's run (or gone)
    session.sources[key] = backbone_from_run(info, store)


def _pick(session: LabSession, key: str) -> None:
    choice = st.session_state[key]
    try:
        resolve_run(session, choice)
        values = {"model.backbone": choice, **(backbone_overrides(choice, session.sources) if choice else {})}
        apply_config(session, with_values(session.cfg, values))
        session.notice = ""
    except (ConfigError, KeyError) as err:
        msg = err.message if isinstance(err, ConfigError) else "that run is not in your run history"
        session.notice = f"Backbone refused: {md_escape(msg)}. Nothing else changed."


def backbone_picker(session: LabSession, container=st) -> None:
    """A dropdown of backbones: none, the shipped ones, this visitor's CNN runs."""
    runs = own_cnn_runs()
    options = [NONE, *BACKBONES.keys(), *runs]
    current = session.cfg.model.backbone
    if current not in options:          # a link's run that is not this visitor's: shown, build() refused it
        options.append(current)
    key = f"{session.lab}:backbone"
    st.session_state[key] = current
    container.selectbox("Pretrained backbone", options, key=key, on_change=_pick, args=(session, key),
                        format_func=lambda k: "none (random weights)" if not k else
                        runs.get(k) or (BACKBONES.label(k) if k in BACKBONES else k),
                        help="the conv blocks' starting weights; its architecture is applied to the model")
