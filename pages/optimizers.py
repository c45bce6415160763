"""Optimizers lab: races on 2-D test functions and on a real network, schedules, LR range test, landscapes."""

import streamlit as st

from playground.config import with_values
from playground.optim.functions import FUNCTIONS
from playground.optimizers import OPTIMIZERS
from playground.payloads.optim import race_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.session import apply_config, lab_session
from playground.views.optim import (
    attach_trail,
    function_race_views,
    landscape_views,
    network_variants,
    race_boundary_views,
    race_curves_view,
    race_group,
    race_rows,
    range_test_view,
    schedule_view,
    snap_lr,
)

st.title("Optimizers")
st.caption("Gradient descent steps against the gradient; momentum adds velocity so steps along a consistent "
           "direction add up and zig-zags cancel; Adam, RMSprop and AdaGrad divide each step by a running size "
           "of that weight's gradients. Race them on famous test surfaces, then on a real network from "
           "identical initial weights.")

session = lab_session("optimizers", get_preset("opt_moons"))
with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        config_controls(session, ["data.name", "data.noise", "model.hidden", "model.activation"])
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.momentum",
                                  "train.schedule", "train.warmup_epochs", "train.step_size", "train.gamma",
                                  "train.max_epochs", "seed"])



@st.cache_data(max_entries=32, show_spinner=False)
def surface_race(fn: str, rows: list[dict], steps: int):
    """Pure in (function, table, steps): cached so sidebar changes do not rerun the race."""
    return function_race_views(fn, rows, steps)


surface, network = st.tabs(["Test functions", "A real network"])
with surface, guard("The race"):
    c = st.columns([1, 2, 1])
    fn = c[0].selectbox("Surface", FUNCTIONS.keys(), format_func=FUNCTIONS.label, key="optimizers:fn")
    picked = c[1].multiselect("Optimizers", OPTIMIZERS.keys(), default=["sgd", "momentum", "adam", "rmsprop"],
                              format_func=OPTIMIZERS.label, key="optimizers:race_opts")
    steps = c[2].slider("Steps", 20, 1000, 300, step=20, key="optimizers:steps")
    st.caption(FUNCTIONS.entry(fn).description + ". Edit each optimizer's settings in the table; press ▶ under "
               "the chart to play the race step by step.")
    rows = st.data_editor(race_rows(fn, picked), key=f"optimizers:table:{fn}:{','.join(picked)}",
                          num_rows="fixed", width="stretch", disabled=["optimizer"])
    if picked:
        paths_fig, loss_fig, finals = surface_race(fn, rows, steps)
        st.plotly_chart(paths_fig, key="optimizers:paths", width="stretch")
        st.plotly_chart(loss_fig, key="optimizers:path_loss", width="stretch")
        st.dataframe(finals, key="optimizers:finals", hide_index=True)

with network:
    st.markdown("**Race.** Every runner starts from the same weights on the same data; only the optimizer "
                "(or the batch size) differs. Press Play: all of them train side by side.")
    c = st.columns([1, 3])
    mode = c[0].radio("Race", ["optimizers", "batch"], key="optimizers:mode",
                      format_func=lambda m: {"optimizers": "optimizers", "batch": "batch sizes"}[m])
    rivals = c[1].multiselect("Against your settings", OPTIMIZERS.keys(), default=["sgd", "adam"],
                              format_func=OPTIMIZERS.label, key="optimizers:net_opts", disabled=mode == "batch")
    play_controls(session)
    if session.notice:
        st.info(session.notice, icon=":material/info:")
    attach_trail(session.exp.trainer)
    group = race_group(session.exp, network_variants(mode, rivals, session.cfg.train), session.extra)

    def render(s, p) -> None:
        """p: the race's GroupPayload; every runner's curves, then up to four boundaries (same charts paused)."""
        show(race_curves_view(p), "optimizers:race_curves", every=SLOW if s.running else 0.0)
        boundaries = race_boundary_views(p)
        n = len(boundaries)   # in the key: another number of columns is another layout, so new charts
        for i, (col, fig) in enumerate(zip(st.columns(max(n, 1)), boundaries)):
            show(fig, f"optimizers:b:{n}:{i}", container=col)

    live_fragment(session, render, race_payload, runs=group)

    st.subheader("Learning-rate schedule and range test")
    st.plotly_chart(schedule_view(session.cfg.train), key="optimizers:schedules", width="stretch")
    if st.button("Run the LR range test", key="optimizers:range_test", help="on a copy: your model is not changed"):
        with guard("The range test"):
            session.extra["range"] = range_test_view(session.exp)
    if "range" in session.extra:
        fig, lr = session.extra["range"]
        st.plotly_chart(fig, key="optimizers:range_fig", width="stretch")
        if st.button(f"Use lr = {snap_lr(lr):g}", key="optimizers:use_lr"):
            apply_config(session, with_values(session.cfg, {"train.lr": snap_lr(lr)}))
            st.rerun()

    st.subheader("Loss landscape around the current weights")
    st.caption("A 2-D slice of the training loss along two filter-normalised random directions (Li et al. "
               "2018), or along the trajectory's two main directions (PCA), with the path training took; and "
               "the 1-D line from the initial to the current weights.")
    c = st.columns(3)
    plane = c[0].radio("Plane", ["pca", "random"], key="optimizers:plane", horizontal=True,
                       format_func=lambda m: {"pca": "trajectory (PCA)", "random": "random directions"}[m])
    res = c[1].slider("Resolution", 11, 41, 21, step=2, key="optimizers:res")
    span = c[2].slider("Span", 0.25, 3.0, 1.0, step=0.25, key="optimizers:span")
    if st.button("Compute the landscape", key="optimizers:landscape", disabled=session.running):
        with guard("The landscape"):
            session.extra["landscape"] = landscape_views(session.exp, plane, res, span)
    if "landscape" in session.extra:
        left, right = st.columns([1.3, 1])
        left.plotly_chart(session.extra["landscape"][0], key="optimizers:slice", width="stretch")
        right.plotly_chart(session.extra["landscape"][1], key="optimizers:line", width="stretch")
