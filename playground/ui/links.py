"""Links to labs: st.page_link when the page is in the app's navigation, else a plain markdown link.

The fallback keeps a page working when it runs alone (AppTest.from_file("pages/home.py"), or a lab
run as a single script), where Streamlit knows no other page. The URL is the lab's url_path plus
the query, the same address st.page_link would open.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException

from playground.labs import LABS


def lab_url(lab: str, query: dict[str, str] | None = None) -> str:
    entry = LABS.entry(lab)
    return f"/{entry.meta['url_path']}" + (f"?{urlencode(query)}" if query else "")


def lab_link(lab: str, label: str | None = None, query: dict[str, str] | None = None, icon: str | None = None,
             container=st) -> None:
    """A link that opens `lab` with URL parameters `query` (a config, a tour step, classroom flags)."""
    entry = LABS.entry(lab)
    label = label or entry.label
    try:
        container.page_link(entry.obj, label=label, icon=icon or entry.meta["icon"], query_params=query or None)
    except StreamlitAPIException:  # the page is not in this run's navigation (a page run on its own)
        container.markdown(f"[{label}]({lab_url(lab, query)})")
