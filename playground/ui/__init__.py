"""The only streamlit code in the package: session state, generated controls, the live loop, error guard.

Importing it also repairs a start-up quirk: Streamlit runs a deep link (e.g. /images) on a freshly
started server straight from pages/ without app.py (its old pages-folder mode, chosen until some run
has called st.navigation), so the page would miss app.py's navigation, layout and thread settings.
The first page to import this package then switches the process to app.py's navigation and reruns.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
