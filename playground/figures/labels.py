"""Names that came from a person (CSV columns, class labels, upload folder names) as plain chart text.

Plotly reads a small HTML subset in every label, tick and hover text (`<b>`, `<br>`, `<a href=...>`,
entities), so a column called `<a href="...">x</a>` would become a link in a chart. `plain` escapes `&`, `<`
and `>`; Plotly shows the escaped text as the characters typed. This module does not build figures.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def plain(text: object) -> str:
    """One name as text Plotly shows literally."""
    return html.escape(str(text), quote=False)


def plain_all(names: Iterable[object]) -> list[str]:
    """Every name as text Plotly shows literally (an axis's categories, a legend's entries)."""
    return [plain(n) for n in names]
