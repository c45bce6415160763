"""The router: page config, navigation over the lab registry, and classroom mode. Nothing else lives here.

`streamlit run app.py` first loads this file outside any session to find `app`, the server (st.App), whose
lifespan (playground/ui/server.py) imports torch and starts the compute backend before the server answers
and stops the backend with it; every browser session then runs this file, which routes (`route`).
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

PagesManager.uses_pages_directory = False  # app.py is running: no reload needed (playground/ui/__init__.py)


def route() -> None:
    from playground.labs import LABS
    from playground.ui.classroom import classroom
    from playground.ui.identity import remember
    from playground.ui.session import pause_others

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


if get_script_run_ctx(suppress_warning=True) is None:   # the server loading its app, not a session
    from playground.ui.server import lifespan

    app = st.App("app.py", lifespan=lifespan)
else:
    route()
