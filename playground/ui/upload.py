"""Uploading a person's own data into their session: read it, keep it per session, point the config at it.

The parsed data goes to `session.sources[id]` (never a shared cache); the config gets `data.name` and
`data.source = id`, so the experiment rebuilds from it. A malformed, oversized or hostile file shows one
line (the reader's message, which names the file) and changes nothing: whatever the reader raises, the
page keeps all its controls. `read_picture` does the same for one picture. File names are shown as text,
never as Markdown.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from playground.config import with_values
from playground.registry import ConfigError
from playground.ui.session import LabSession, apply_config
from playground.ui.text import md_escape

MAX_SOURCES = 3   # uploads kept per session (oldest dropped)
log = logging.getLogger("playground")


def _read(read: Callable[[list[tuple[str, bytes]]], Any], blobs: list[tuple[str, bytes]]) -> tuple[Any, str]:
    """(data, "") or (None, a one-line reason): readers raise ValueError (UploadError, ConfigError) with a
    message naming the file; anything else they let escape is logged and named by its type."""
    try:
        return read(blobs), ""
    except ValueError as err:
        return None, str(err)
    except Exception as err:      # MemoryError, RecursionError, a library's own error type, ...
        log.exception("reading the upload %s failed", [name for name, _ in blobs])
        return None, f"{', '.join(name for name, _ in blobs)}: could not be read ({type(err).__name__})"


def read_picture(photo, shape: tuple[int, int, int], container=st):
    """An uploaded PNG/JPEG as the model's input [C, H, W], or None after showing why it was refused."""
    from playground.data.image_files import image_from_bytes

    data, error = _read(lambda files: image_from_bytes(files[0][1], shape, files[0][0]),
                        [(photo.name, photo.getvalue())])
    if error:
        container.error(f"Picture refused: {md_escape(error)}", icon=":material/warning:")
    return data


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
        data, error = _read(read, blobs)
        if not error:
            sid = "upload-" + hashlib.sha256(b"".join(b for _, b in blobs)).hexdigest()[:10]
            session.sources[sid] = data
            for old in list(session.sources)[:-MAX_SOURCES]:
                session.sources.pop(old)
            try:        # the model for this data may be refused (a ConfigError naming the setting)
                apply_config(session, with_values(session.cfg, {"data.name": dataset, "data.source": sid}))
                names = md_escape(", ".join(f.name for f in files))
                session.notice = f"Loaded **{names}**; the model was rebuilt for it."
            except ConfigError as err:
                error = str(err)
        session.extra[key + ":error"] = error
    if session.extra.get(key + ":error"):
        container.error(f"Upload refused: {md_escape(session.extra[key + ':error'])} Nothing else changed.",
                        icon=":material/warning:")


IMAGE_TYPES = ["npz", "zip", "gz", "idx", "ubyte", "idx3-ubyte", "idx1-ubyte"]


def image_uploader(session: LabSession, size: int, help: str) -> None:
    """The uploader of a person's own images (Images and transfer labs): .npz, a zip of class folders or an IDX
    pair, resized to `size` pixels a side (data/image_files.py reads them under its caps)."""
    from playground.data.images import read_upload

    source_uploader(session, "A .npz (X, y), a .zip of class folders, or two IDX files", IMAGE_TYPES,
                    lambda files: read_upload(files, size), "image_upload", multiple=True, help=help)
