"""Overfitting clinic: a baseline and a regularised twin from identical weights, learning curves, internals."""

import streamlit as st

from playground.payloads.clinic import clinic_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.session import lab_session
from playground.views.clinic import (
    internals_views,
    learning_curves_views,
    same_start,
    twin_group,
    twin_overrides,
    twin_table,
    twin_view,
    weights_view,
)

st.title("Overfitting clinic")
st.caption("A model overfits when it learns its training points, noise included, instead of the pattern: training "
           "loss keeps falling while validation loss turns up, and the gap between them (shaded) grows. Train a "
           "baseline and a regularised twin from the same weights on the same data and watch the gap.")

session = lab_session("regularization", get_preset("reg_overfit"))
with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        st.subheader("Baseline")
        config_controls(session, ["data.name", "data.noise", "data.n_samples", "data.train_fraction",
                                  "model.hidden", "model.activation", "train.optimizer", "train.lr",
                                  "train.batch_size", "seed"])
    st.subheader("Regularised twin")
    reg = dict(l1=st.select_slider("L1", [0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01], 0.0, key="regularization:l1"),
               l2=st.select_slider("L2", [0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1], 0.01, key="regularization:l2"),
               weight_decay=st.select_slider("Weight decay", [0.0, 1e-3, 0.01, 0.05, 0.1, 0.3], 0.0,
                                             key="regularization:wd"),
               dropout=st.select_slider("Dropout", [0.0, 0.1, 0.2, 0.3, 0.5], 0.0, key="regularization:dropout"),
               input_noise=st.select_slider("Input noise (std)", [0.0, 0.05, 0.1, 0.2, 0.4], 0.0,
                                            key="regularization:noise"),
               batch_norm=st.checkbox("Batch norm", key="regularization:bn"),
               early_stopping=st.checkbox("Early stopping", key="regularization:early"),
               patience=st.number_input("Patience (epochs)", 1, 1000, 20, key="regularization:patience"))
    smaller = st.text_input("Smaller network (e.g. 8)", "", key="regularization:hidden",
                            help="leave empty to keep the baseline's layers; a different size means different weights")

with guard("The twin"):
    overrides = twin_overrides(**reg, hidden=smaller)
    st.caption("Twin = baseline + " + (", ".join(f"`{k}={v}`" for k, v in overrides.items()) or "nothing yet: "
                                       "pick a regulariser in the sidebar"))
    play_controls(session, speed="3 epochs per update")   # a 200-epoch run fits in one tick at max: watch it
    if session.notice:
        st.info(session.notice, icon=":material/info:")

    twins = twin_group(session.exp, overrides, session.extra)
    if not same_start(*twins.runs.values()):
        st.caption("The twin has different layers, so its initial weights differ from the baseline's.")

    def render(s, p) -> None:
        """p: the twins' GroupPayload; the same charts playing and paused."""
        slow = SLOW if s.running else 0.0
        show(twin_view(p), "regularization:twins")
        st.dataframe(twin_table(p), key="regularization:table", hide_index=True)
        show(weights_view(p), "regularization:weights", every=slow)

    live_fragment(session, render, clinic_payload, runs=twins)
    c = st.columns(2)
    for col, (label, exp) in zip(c, twins.runs.items()):
        if col.button(f"Restore the {label}'s best weights", key=f"regularization:restore:{label}",
                      disabled=session.running):
            epoch = exp.trainer.restore_best()
            st.toast(f"{label}: restored the weights of epoch {epoch}." if epoch is not None else
                     f"{label}: no best weights kept yet (train at least one epoch).")

st.subheader("Learning curves")
st.caption("Each point trains a fresh baseline: on a growing share of the training set, and with a share of the "
           "training labels flipped. Validation is always clean.")
epochs = st.slider("Epochs per point", 10, 300, 60, step=10, key="regularization:lc_epochs")
if st.button("Compute learning curves", key="regularization:curves"):
    with guard("The learning curves"), st.spinner("Training 11 models…"):
        session.extra["curves"] = learning_curves_views(session.exp, epochs)
if "curves" in session.extra:
    left, right = st.columns(2)
    left.plotly_chart(session.extra["curves"][0], key="regularization:size_curve", width="stretch")
    right.plotly_chart(session.extra["curves"][1], key="regularization:noise_curve", width="stretch")

st.subheader("Inside")
with guard("The internals"):
    mask_seed = st.number_input("Dropout mask sample", 0, 9999, 0, key="regularization:mask_seed",
                                help="dropout draws a new mask every step; change this to see another one")
    inside = internals_views(*twins.runs.values(), mask_seed)
    if not inside:
        st.caption("Switch on dropout or batch norm for the twin to see its masks, normalised activations, and "
                   "train-mode against eval-mode outputs here.")
    for i, (title, fig) in enumerate(inside.items()):
        st.markdown(f"**{title}**")
        st.plotly_chart(fig, key=f"regularization:inside:{i}", width="stretch")
