"""The only streamlit code in the package: session state, generated controls, the live loop, error guard.

Importing it also repairs a start-up quirk: Streamlit runs a deep link (e.g. /images) on a freshly
started server straight from pages/ without app.py (its old pages-folder mode, kept for a session
until some run has called st.navigation), so that session would never get app.py's navigation,
layout and settings. The first page to import this package clears the flag for the process and
reloads the browser tab once, so the link opens again, this time through app.py.
"""

from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory:
    import streamlit.components.v1 as components

    PagesManager.uses_pages_directory = False
    components.html("<script>window.parent.location.reload()</script>", height=0)
