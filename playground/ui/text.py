"""User text shown as text: escaping for Streamlit Markdown, and no server paths in what a visitor reads.

Anything a visitor supplied (a CSV column, a file name, a run or study name, a value echoed in an error)
goes through `md_escape` before it is put into a Markdown string (st.markdown, st.info, st.caption,
notices, error boxes), so `![x](http://...)`, `<img ...>`, `**`, `:material/...:` or `$...$` stay
characters and are never rendered, fetched or run. `public_message` turns an exception into a line a
visitor may read: escaped, with absolute file system paths replaced by their last component.
Widgets that show plain text (selectbox options, dataframes, text inputs) need neither.
This module does not draw.
"""

from __future__ import annotations

import re

# Characters that Markdown, Streamlit's icon and emoji codes (`:material/home:`), its LaTeX (`$`) or HTML
# (`<`, `&`) give a meaning to anywhere in a line; CommonMark lets a backslash escape each of them.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!~:$&|])")
# What starts a block only at the start of a line: a heading, list item, quote or rule.
_LEADING = re.compile(r"^(\d+(?=[.)])|[#>+=-])")
# GFM links bare URLs, www. names and e-mail addresses even when escaped: an invisible zero-width space
# after ':' and '@', and between 'www' and its dot, breaks them (checked in Chromium with Streamlit 1.67).
_AUTOLINK = re.compile(r"(\\:|@|(?i:www)(?=\.))")
_ZWSP = "\u200b"
_FIELD = re.compile(r"[A-Za-z0-9_.]{1,80}")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][\w.@~+-]+){2,}[/\\]?")


def md_escape(text: object) -> str:
    """`text` as literal characters inside Streamlit Markdown (newlines become spaces: one line stays one)."""
    flat = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    flat = _LEADING.sub(lambda m: m.group(0) + "\\" if m.group(0)[0].isdigit() else "\\" + m.group(0), flat)
    return _AUTOLINK.sub(lambda m: m.group(0) + _ZWSP, flat)


def field_md(field: str) -> str:
    """A config field name for Markdown: as code when it is a plain dotted name, else escaped text."""
    return f"`{field}`" if _FIELD.fullmatch(field) else md_escape(field)


def hide_paths(text: str) -> str:
    """Absolute paths (two or more components) replaced by their last component: `/srv/data/runs/x` -> `x`."""
    return _PATH.sub(lambda m: re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1] or "…", text)


def public_message(err: BaseException) -> str:
    """An exception as one escaped line a visitor may see: its type and message, no server paths."""
    msg = hide_paths(str(err)).strip()
    return md_escape(f"{type(err).__name__}: {msg}" if msg else type(err).__name__)
