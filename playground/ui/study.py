"""The transfer lab's label-efficiency study on the page: live progress with Stop while its trainings run in the
background (playground/transfer/study_job.py), then the chart and table of what finished.

`study_panel(job, n_classes, key)` draws it; a fragment polls the job every second while it runs and reruns the
page once when it ends, so the results appear and the polling stops. The page stays usable meanwhile.
"""

from __future__ import annotations

import streamlit as st

from playground.transfer.study_job import StudyJob
from playground.ui.chart import show
from playground.ui.text import md_escape
from playground.views.transfer import efficiency_views

POLL = 1.0   # seconds between progress updates


def study_panel(job: StudyJob, n_classes: int, key: str) -> None:
    running = not job.finished

    @st.fragment(run_every=POLL if running else None)
    def live() -> None:
        p = job.progress()
        if not p.finished:
            st.progress(p.done / p.total, text=p.text())
            st.button("Stop the study", key=f"{key}:stop", on_click=job.stop, icon=":material/stop:")
        elif running:
            st.rerun()          # once: draw the results and turn the polling off

    live()
    if running:
        return
    if job.error:
        st.error(f"A training failed, so the study stopped: {md_escape(job.error)}", icon=":material/warning:")
    rows = job.rows
    if not rows:
        return
    if len(rows) < len(job.todo):
        st.caption(f"Stopped after {len(rows)} of {len(job.todo)} trainings: the chart shows those.")
    fig, table = efficiency_views(rows, n_classes)
    show(fig, f"{key}:chart")
    st.dataframe(table, key=f"{key}:table", hide_index=True)
