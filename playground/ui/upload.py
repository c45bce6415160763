"""Uploading a person's own data into their session: read it, keep it per session, point the config at it.

The parsed data goes to `session.sources[id]` (never a shared cache); the config gets `data.name` and
`data.source = id`, so the experiment rebuilds from it. A malformed or oversized file shows the
reader's message and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from playground.config import with_values
from playground.registry import ConfigError
from playground.ui.session import LabSession, apply_config

MAX_SOURCES = 3   # uploads kept per session (oldest dropped)


def source_uploader(session: LabSession, label: str, types: list[str], read: Callable[[list[tuple[str, bytes]]], Any],
                    dataset: str, *, multiple: bool = False, help: str | None = None, container=st) -> None:
    """A file uploader whose files `read` turns into data for the `dataset` registry entry."""
    key = f"{session.lab}:upload"
    files = container.file_uploader(label, type=types, accept_multiple_files=multiple, key=key, help=help)
    files = [f for f in (files if isinstance(files, list) else [files]) if f is not None]
    signature = tuple((f.name, f.size) for f in files)
    if files and session.extra.get(key) != signature:
        session.extra[key] = signature
        blobs = [(f.name, f.getvalue()) for f in files]
        try:
            data = read(blobs)
            sid = "upload-" + hashlib.sha256(b"".join(b for _, b in blobs)).hexdigest()[:10]
            session.sources[sid] = data
            for old in list(session.sources)[:-MAX_SOURCES]:
                session.sources.pop(old)
            apply_config(session, with_values(session.cfg, {"data.name": dataset, "data.source": sid}))
            session.extra[key + ":error"] = ""
            session.notice = f"Loaded **{', '.join(f.name for f in files)}**; the model was rebuilt for it."
        except (ValueError, ConfigError) as err:
            session.extra[key + ":error"] = str(err)
    if session.extra.get(key + ":error"):
        container.error(f"Upload refused: {session.extra[key + ':error']}. Nothing else changed.",
                        icon=":material/warning:")
