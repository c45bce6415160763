"""Your data: tabular sets and CSV upload, a live MLP on the PCA plane, classical baselines beside it."""

import hashlib
from functools import partial

import streamlit as st

from playground.baselines import BASELINES, fit_baselines
from playground.config import with_values
from playground.data import DATASETS
from playground.data import tabular as tab
from playground.payloads.tabular import tabular_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.session import apply_config, lab_session
from playground.ui.text import md_escape
from playground.views.tabular import (
    baseline_plane_view,
    curves_view,
    data_summary,
    network_plane_view,
    scores_view,
    table_view,
)

st.title("Your data")
st.caption("Real tables have many columns, so the picture is a projection: the plane of the two directions "
           "along which the data varies most (principal components). The network is evaluated on that plane, "
           "and classical models trained on the same split show what a network must beat.")

uploads: dict = st.session_state.setdefault("tabular:uploads", {})   # this browser session's CSVs only


def resolve(cfg):
    if cfg.data.name == "csv" and cfg.data.source in uploads:
        return tab.csv_dataset(uploads[cfg.data.source], cfg.data, cfg.seed)
    return None


session = lab_session("tabular", get_preset("iris_mlp"), resolve=resolve)

with st.sidebar:
    preset_picker(session)
    names = DATASETS.keys(family="tabular")
    if st.session_state.get("tabular:data_of") != session.cfg.data.name or "tabular:data" not in st.session_state:
        st.session_state["tabular:data"] = st.session_state["tabular:data_of"] = session.cfg.data.name
    name = st.selectbox("Data", names, key="tabular:data", format_func=DATASETS.label)
    with guard("Loading the data"):
        if name != "csv":
            apply_config(session, with_values(session.cfg, {"data.name": name, "data.source": ""}))
        else:
            up = st.file_uploader(f"CSV file (up to {tab.MAX_BYTES // 2**20} MB, {tab.MAX_ROWS:,} rows)", type=["csv"],
                                  key="tabular:upload")
            if st.button("Use an example CSV (diabetes progression)", key="tabular:example"):
                uploads["example.csv"] = tab.example_csv()
                st.session_state["tabular:source"] = "example.csv"
            if up is not None:
                raw = up.getvalue()
                src = f"{up.name}#{hashlib.sha256(raw).hexdigest()[:12]}"
                uploads[src] = raw
                for old in list(uploads)[:-5]:   # keep this session's five newest files in memory
                    uploads.pop(old)
                st.session_state["tabular:source"] = src
            src = st.session_state.get("tabular:source")
            if src in uploads:
                columns = tab.csv_columns(uploads[src])
                current = session.cfg.data.tabular.target if session.cfg.data.source == src else ""
                index = columns.index(current) if current in columns else len(columns) - 1
                target = st.selectbox("Target column", columns, index=index, key=f"tabular:target:{src}")
                apply_config(session, with_values(session.cfg, {"data.name": "csv", "data.source": src,
                                                                "data.tabular.target": target}))
                config_controls(session, ["data.tabular.task", "data.tabular.impute", "data.tabular.standardize",
                                          "data.tabular.max_categories"])
            else:
                st.info("Upload a CSV with a header row; pick the column to predict.", icon=":material/description:")
    st.session_state["tabular:data_of"] = session.cfg.data.name   # a preset that changes the data moves the menu
    with guard("Settings"):
        st.subheader("Network")
        config_controls(session, ["model.hidden", "model.activation", "model.dropout", "model.batch_norm"])
        st.subheader("Training")
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.l2",
                                  "data.train_fraction", "data.val_fraction", "train.early_stopping", "seed"])

play_controls(session)
if session.notice:
    st.info(session.notice, icon=":material/info:")
ds = session.exp.dataset
for note in ds.meta.get("notes", ()):
    st.caption(f"Cleaning: {md_escape(note)}.")
st.dataframe([data_summary(ds)], hide_index=True, key="tabular:summary")
plane = ds.meta["plane"]   # the first two principal components of the training inputs

fitted = session.extra.get("baselines")
auto = len(ds.train) <= 3000 and (fitted is None or fitted[0] is not ds)   # small data: fit without asking
if session.extra.pop("fit", False) or auto:   # before the live charts, so they show what was just fitted
    with guard("Fitting baselines"), st.spinner("Fitting baselines…"):
        session.extra["baselines"] = (ds, fit_baselines(ds, st.session_state.get("tabular:baselines",
                                                                                 BASELINES.keys())))
fitted = session.extra.get("baselines")
baselines = fitted[1] if fitted and fitted[0] is ds else []


def render(s, p) -> None:
    """p: the lab's TabularPayload for this tick; playing or paused, the same charts are fed."""
    slow = SLOW if s.running else 0.0   # curves and scores redraw at most this often while playing
    left, right = st.columns([1, 1.2])
    show(network_plane_view(p), "tabular:boundary", container=left)
    show(curves_view(p), "tabular:curves", container=right, every=slow)
    with st.container(height=100, border=False):   # a fixed slot: a warning appearing moves no chart below
        if p.overfitting:   # validation loss rising while training falls
            st.warning(p.overfitting, icon=":material/trending_up:")
        else:
            st.caption("A validation loss rising while the training loss falls (overfitting) is flagged here.")
    st.subheader("The network beside classical baselines")
    show(scores_view(p, baselines), "tabular:scores", every=slow)
    show(table_view(p, baselines), "tabular:metrics", every=slow)


live_fragment(session, render, partial(tabular_payload, plane=plane))

cols = st.columns([3, 1])
cols[0].multiselect("Baselines", BASELINES.keys(), default=BASELINES.keys(), format_func=BASELINES.label,
                    key="tabular:baselines")
cols[1].button("Fit baselines", key="tabular:fit", type="secondary", width="stretch",
               on_click=lambda: session.extra.update(fit=True))   # fitted at the top of the next run
if ds.task == "classification":
    st.caption("Balanced accuracy: the mean of each class's recall; macro F1: the mean F1 over classes; "
               "ROC AUC: how well the scores rank a class above the rest (binary: the second class; "
               "multiclass: one-vs-rest, averaged). The majority class sets the floor accuracy must beat.")
if not baselines:
    st.caption("Press **Fit baselines** to train them on this split and compare.")
cols = st.columns(3)
for i, b in enumerate(baselines):   # baselines do not train: drawn once per run, as live charts for one look
    show(baseline_plane_view(b, ds, plane), f"tabular:baseline:{b.key}", container=cols[i % 3])
