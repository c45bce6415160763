"""Classroom mode and guided tours, applied to every page from app.py (before the page runs).

URL parameters, like TF Playground's:
  hide=sidebar,text,header,nav,controls,controls:<key>,...
    sidebar   the whole sidebar (and its toggle)        text      captions and lesson text
    header    Streamlit's top bar                       nav       the page menu only
    controls  every config widget of the page           controls:<key>  one widget, e.g. controls:train.lr,
                                                                   controls:play, controls:preset
  tour=<key>&step=<i>  a banner saying what to notice, with Back / Next links (see playground/tours.py)
Hiding is CSS only: Streamlit gives a widget keyed "<lab>:<name>" the class st-key-<lab>-<name>, so this
works on any lab whose widgets follow the house key rule, without the page knowing. It hides, never removes.
"""

from __future__ import annotations

import re

import streamlit as st

from playground.labs import LABS
from playground.tours import TOURS, step_link
from playground.ui.links import lab_link

HIDE_OPTIONS = {
    "sidebar": "the sidebar (settings and menu)", "text": "the explanatory text", "header": "Streamlit's top bar",
    "nav": "the page menu", "controls": "every setting widget",
}
_CSS = {
    "sidebar": ['[data-testid="stSidebar"]', '[data-testid="stSidebarCollapsedControl"]',
                '[data-testid="stExpandSidebarButton"]'],
    "text": ['[data-testid="stCaptionContainer"]', '[class*="st-key-"][class*="-lesson"]'],
    "header": ['header[data-testid="stHeader"]'],
    "nav": ['[data-testid="stSidebarNav"]', '[data-testid="stSidebarNavSeparator"]'],
    "controls": ['[class*="st-key-"][class*="-data-"]', '[class*="st-key-"][class*="-model-"]',
                 '[class*="st-key-"][class*="-train-"]', '[class*="st-key-"][class$="-seed"]'],
}


def parse_hide(value: str) -> list[str]:
    """'sidebar, controls:train.lr,bogus' -> ['sidebar', 'controls:train.lr'] (unknown items dropped)."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    return [v for v in items if v in _CSS or (v.startswith("controls:") and len(v) > len("controls:"))]


def key_class(key: str) -> str:
    """The CSS class Streamlit gives an element with this key (its frontend's rule)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def hide_css(items: list[str], labs: list[str]) -> str:
    """A stylesheet hiding each item; `controls:<name>` hides the widget '<lab>:<name>' of every lab."""
    selectors: list[str] = []
    for item in items:
        if item.startswith("controls:"):
            name = item.removeprefix("controls:")
            selectors += [f".{key_class(f'{lab}:{name}')}" for lab in labs]
        else:
            selectors += _CSS[item]
    return f"{', '.join(selectors)} {{ display: none !important; }}" if selectors else ""


def classroom() -> None:
    """Apply the URL's hide list and show the tour banner; call between st.navigation() and .run()."""
    params = st.query_params.to_dict()
    css = hide_css(parse_hide(params.get("hide", "")), LABS.keys())
    if css:
        st.html(f"<style>{css}</style>")
    if params.get("tour") in TOURS:
        tour_banner(params["tour"], params.get("step", "0"), params.get("hide", ""))


def _link(tour: str, index: int, hide: str, label: str, icon: str) -> None:
    lab, query = step_link(tour, index)
    entry = LABS.entry(lab)
    if not entry.meta["ready"]:
        st.caption(f"{label}: the {entry.label} lab is coming.")
        return
    lab_link(lab, label, {**query, **({"hide": hide} if hide else {})}, icon=icon)


def tour_banner(key: str, step: str, hide: str = "") -> None:
    steps = TOURS.get(key)
    index = int(step) if step.isdigit() and int(step) < len(steps) else 0
    with st.container(border=True, key="tour:banner"):
        st.markdown(f"**🧭 Tour: {TOURS.label(key)}** · step {index + 1} of {len(steps)}")
        st.info(steps[index].notice, icon=":material/visibility:")
        cols = st.columns(3)
        with cols[0]:
            if index > 0:
                _link(key, index - 1, hide, "Back", "⬅️")
        with cols[1]:
            if index + 1 < len(steps):
                _link(key, index + 1, hide, "Next step", "➡️")
        with cols[2]:
            lab_link("home", "End the tour", icon=":material/home:")
