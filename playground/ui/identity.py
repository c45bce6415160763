"""Who is visiting: a random id per browser, kept in a cookie, that owns the runs the browser makes.

The id is 128 random bits (hex) made on the server for a browser that has none, written into the
browser's cookie by a tiny component (Components v2, no markup), and read back through
`st.context.cookies` on the next visit, so a person finds their runs again after a reload or a new tab.
A cookie that is not a well-formed id is ignored (a new id is made). The id is never shown on a page
and never put into a link: it is a bearer secret. Sharing a run uses the run's own read-only token
(playground/store.py).

The server admin sees every run: `PLAYGROUND_ADMIN=1` in the server's environment (or `admin = true`
in `.streamlit/secrets.toml`). This module does not read or write runs.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets

import streamlit as st

COOKIE = "dlp_owner"
MAX_AGE = 400 * 24 * 3600     # seconds: about a year (browsers cap cookie lifetimes near 400 days)
_ID = re.compile(r"[0-9a-f]{32}")

_JS = """
export default function(component) {
  const { data } = component;
  const prefix = data.name + '=';
  const have = document.cookie.split('; ').find(c => c.startsWith(prefix));
  if (!have || have.slice(prefix.length) !== data.id) {
    document.cookie = `${prefix}${data.id}; Max-Age=${data.max_age}; Path=/; SameSite=Strict`;
  }
}
"""
_remember = st.components.v2.component("playground_identity", js=_JS)


def owner_id() -> str:
    """This browser's id: from its cookie, or a new one for this session (persisted by `remember()`)."""
    if "owner_id" not in st.session_state:
        cookie = st.context.cookies.get(COOKIE)   # not a str outside a browser session (AppTest)
        ok = isinstance(cookie, str) and _ID.fullmatch(cookie)
        st.session_state["owner_id"] = cookie if ok else secrets.token_hex(16)
    return st.session_state["owner_id"]


def remember() -> None:
    """Write the id into the browser's cookie if it is not there yet (app.py calls this on every run)."""
    _remember(data={"id": owner_id(), "name": COOKIE, "max_age": MAX_AGE}, key="playground_identity")


def private_name(name: str) -> str:
    """`name` made this browser's own in a shared namespace (a sweep study): prefixed with a code derived from
    the id by a one-way hash, so the name can be shown without giving the id away."""
    return f"{hashlib.sha256(owner_id().encode()).hexdigest()[:10]}-{name}"


def is_admin() -> bool:
    """True on a server whose operator set PLAYGROUND_ADMIN=1 or `admin = true` in secrets.toml."""
    if os.environ.get("PLAYGROUND_ADMIN", "") == "1":
        return True
    try:
        return bool(st.secrets.get("admin", False))
    except Exception:   # no secrets.toml: Streamlit raises on first access
        return False
