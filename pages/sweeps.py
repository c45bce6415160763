"""Sweeps: an Optuna study over any preset's config, run as a background job, with live progress, Stop,
its trials, Optuna's views and the best trial's link.

Studies are stored where the server is configured to keep them (never a URL from the browser), and no
server path is shown. The job's workers run beside the server (playground/sweep_jobs.py): this page only
starts, watches and stops them.
"""

import logging
import os

import streamlit as st

from playground.presets import PRESETS, get_preset
from playground.sweep_jobs import start
from playground.sweeps import SAMPLERS, StorageError, Sweep, default_storage, study_figures, trials_table
from playground.ui.guard import guard
from playground.ui.identity import private_name
from playground.ui.text import md_escape
from playground.views.sweeps import DEFAULT_ROWS, KINDS, best_link, params_from_rows, summary, sweepable_keys

st.title("Sweeps")
st.caption("Which learning rate? Which optimizer? A sweep trains many copies of one experiment with settings "
           "drawn from ranges you choose. Grid tries every combination, random draws independently, TPE "
           "learns from past trials where good settings lie; median pruning stops trials that are worse than "
           "the median of earlier ones at the same epoch. Studies are saved in the server's storage under a name "
           "of your own (your study names are prefixed with this browser's code, so nobody else sees or resumes "
           "them): running the same study name again resumes it. The trials train in workers beside the server, so "
           "the page stays free while they run, and Stop ends them between epochs.")

mine = {f"your {k.removeprefix('lab:')} settings": v.cfg for k, v in st.session_state.items()
        if str(k).startswith("lab:") and hasattr(v, "cfg")}     # this session's labs, as you left them
c = st.columns(3)
name = c[0].selectbox("Experiment", [*mine, *PRESETS.keys()], key="sweeps:preset",
                      format_func=lambda k: k if k in mine else f"preset: {PRESETS.label(k)}")
sampler = c[1].selectbox("Sampler", SAMPLERS.keys(), format_func=SAMPLERS.label, key="sweeps:sampler")
trials = c[2].number_input("Trials in the study", 1, 200, 8, key="sweeps:trials")
c = st.columns(4)
epochs = c[0].number_input("Epochs per trial", 1, 2000, 20, key="sweeps:epochs")
workers = c[1].number_input("Workers", 1, os.cpu_count() or 1, min(2, os.cpu_count() or 1), key="sweeps:workers",
                            help="trials that train at once, one core each")
prune = c[2].checkbox("Median pruning", value=True, key="sweeps:prune")
study_name = c[3].text_input("Study name", f"{name.replace(' ', '-')}-{sampler}", key="sweeps:study")
base = mine[name] if name in mine else get_preset(name)
st.markdown("**Parameters** (kind: float, log, int or choice; choices separated by `|`)")
rows = st.data_editor(DEFAULT_ROWS, key="sweeps:params", num_rows="dynamic", width="stretch",
                      column_config={"key": st.column_config.SelectboxColumn("key", options=sweepable_keys(base)),
                                     "kind": st.column_config.SelectboxColumn("kind", options=list(KINDS))})

job = st.session_state.get("sweeps:job")
running = job is not None and not job.progress().finished
if st.button("Run the sweep", key="sweeps:run", type="primary", disabled=running):
    with guard("The sweep"):
        sweep = Sweep(base, params_from_rows(rows, base), sampler=sampler, epochs=epochs, prune=prune)
        secret = st.secrets.get("sweep_storage") if st.secrets.load_if_toml_exists() else None
        try:
            st.session_state["sweeps:job"] = start(sweep, trials, default_storage(secret), private_name(study_name),
                                                   workers)
            st.rerun()                    # redraw with Run disabled and the live progress ticking
        except StorageError as err:       # its message names the URL: the server's log has it, visitors do not
            logging.getLogger("playground").error("sweep storage: %s", err.message)
            st.error(f"The server's study storage could not be opened, so study “{md_escape(study_name)}” was not run. "
                     "Nothing else changed; the server admin sets the storage.", icon=":material/warning:")


@st.fragment(run_every=1.0 if running else None)
def live() -> None:
    """Progress while the workers train (the page stays free); a full rerun shows the results at the end."""
    p = job.progress()
    st.progress(min(p.done / p.total, 1.0), text=p.text())
    cols = st.columns(3)
    cols[0].metric("Trials done", f"{p.done} of {p.total}")
    cols[1].metric("Best so far", "—" if p.best is None else f"{p.best:.4g}")
    cols[2].metric("Time left", "—" if p.seconds_left is None or p.finished else f"{p.seconds_left:.0f} s")
    if not p.finished and st.button("Stop", key="sweeps:stop", disabled=p.stopping):
        job.stop()
    if running and p.finished:
        st.rerun()


if job is not None:
    live()
if job is not None and not running:
    study = job.study
    with guard("The results"):
        st.subheader(f"Study “{md_escape(study.study_name)}” (server storage)")
        st.caption(f"Objective: {study.user_attrs.get('objective', 'val_loss')} at the last epoch "
                   f"({study.direction.name.lower()}); parameters: {', '.join(study.user_attrs.get('params', []))}")
        cols = st.columns(4)
        for col, (k, v) in zip(cols, list(summary(study).items())[:4]):
            col.metric(k, "—" if v is None else f"{v:.4g}" if isinstance(v, float) else v)
        link = best_link(study)
        if link:
            st.link_button(f"Open the best trial in {link[0]}", link[1], type="primary")
        st.dataframe(trials_table(study), key="sweeps:trials_table", hide_index=True)
        for i, fig in enumerate(study_figures(study).values()):
            st.plotly_chart(fig, key=f"sweeps:fig:{i}", width="stretch")
