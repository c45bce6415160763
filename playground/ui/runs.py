"""The run store as a visitor sees it: their own runs, runs shared with them by link, and reopening a run.

`visible_store()` opens the store and says whose runs this browser sees (its own; all of them on a server
whose admin setting is on, see playground/ui/identity.py) and shows what the store repaired. A run is shared
by a link that carries its token (`?shared=<token>` on the Runs page): whoever opens it may look at it and
open a copy in its lab, never rename or delete it. Pages (Runs, Explain) call these; this module does not
list or compare runs itself.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import streamlit as st

from playground.data.images import images_dataset
from playground.labs import LABS
from playground.store import RunInfo, RunStore, restore, upload_arrays
from playground.ui.guard import guard
from playground.ui.identity import is_admin, owner_id
from playground.ui.session import adopt


def visible_store() -> tuple[RunStore, str | None]:
    """(the store, the owner whose runs this visitor sees; None = every run, for the server admin)."""
    store = RunStore()
    viewer = None if is_admin() else owner_id()
    store.list(owner=viewer)   # reconciles the index with the folders, so the notices below are current
    for notice in store.notices:
        st.info(notice, icon=":material/healing:")
    return store, viewer


def ready(lab: str) -> bool:
    return lab in LABS and LABS.entry(lab).meta["ready"]


def reopen(info: RunInfo, store: RunStore, key: str) -> None:
    """A button that opens the run (a copy of it: the visitor's own session) in its lab, with its weights."""
    if not st.button(f"Reopen in {LABS.label(info.lab)}", key=key, disabled=not ready(info.lab)):
        return
    with guard("Reopening the run"):
        if (raw := store.source(info.id)) is not None:   # an uploaded CSV: into the lab's session uploads
            st.session_state.setdefault(f"{info.lab}:uploads", {})[info.cfg.data.source] = raw
            st.session_state[f"{info.lab}:source"] = info.cfg.data.source
        arrays = upload_arrays(info, store)   # uploaded images: back into the lab's session uploads
        dataset = images_dataset(arrays, info.cfg.data, info.cfg.seed) if arrays is not None else None
        session = adopt(info.lab, info.cfg, restore(info, store, dataset),
                        "Reopened a stored run with its weights (its name is on the Runs page).")
        if arrays is not None:
            session.sources[info.cfg.data.source] = arrays
        st.switch_page(LABS.get(info.lab))


def share_link(info: RunInfo) -> str:
    """The read-only link of a run: this server's Runs page with the run's token (never the owner's id)."""
    url = urlsplit(st.context.url if isinstance(st.context.url, str) else "")   # None or a mock outside a browser
    base = f"{url.scheme}://{url.netloc}" if url.netloc else ""
    return f"{base}/{LABS.entry('runs').meta['url_path']}?shared={quote(info.token)}"


def shared_run(store: RunStore, token: str) -> RunInfo | None:
    """The run a share link names, or None with a message (an unknown or deleted run looks the same)."""
    try:
        return store.shared(token)
    except KeyError:
        st.warning("This share link does not name a run on this server (it may have been deleted).",
                   icon=":material/link_off:")
        return None
