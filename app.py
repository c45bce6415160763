"""The router: page config, navigation over the lab registry, and classroom mode. Nothing else lives here."""

import streamlit as st
import torch
from streamlit.runtime.pages_manager import PagesManager

PagesManager.uses_pages_directory = False  # app.py is running: no reload needed (playground/ui/__init__.py)

from playground.compute import warm  # noqa: E402
from playground.labs import LABS  # noqa: E402
from playground.ui.classroom import classroom  # noqa: E402
from playground.ui.identity import remember  # noqa: E402
from playground.ui.session import pause_others  # noqa: E402

torch.set_num_threads(1)  # small models on a shared 2-core server: one intra-op thread is fastest
warm()  # the compute backend starts in the background (a Ray pool takes seconds), not at the first Play
st.set_page_config(page_title="Deep Learning Playground", page_icon=":material/psychology:", layout="wide")

ready = [e for e in LABS.entries() if e.meta["ready"]]
sections: dict[str, list] = {}
lab_of: dict[str, str] = {}
for i, e in enumerate(ready):
    page = st.Page(e.obj, title=e.label, icon=e.meta["icon"], url_path=e.meta["url_path"], default=i == 0)
    sections.setdefault(e.meta["section"], []).append(page)
    lab_of[page.url_path] = e.key
nav = st.navigation(sections, expanded=True)  # every lab visible, none behind 'View more'
pause_others(lab_of.get(nav.url_path))  # a lab trains only while on screen (playground/ui/session.py)
remember()  # this browser's id in its cookie: it owns the runs it makes (playground/ui/identity.py)
classroom()  # URL ?hide=... and ?tour=...&step=... on every lab (playground/ui/classroom.py)
nav.run()
