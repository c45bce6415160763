"""2-D Playground: TF Playground's lab on a real PyTorch MLP, without its limits."""

import streamlit as st

from playground.diagnoses import RULES_HELP
from playground.payloads.plane import plane_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.playing import call_runs
from playground.ui.session import lab_session
from playground.views.plane import (
    boundary_view,
    curves_view,
    diagnoses_view,
    gradient_view,
    network_view,
    set_weight,
    weight_at,
)

st.title("2-D Playground")
st.caption("Pick data, shape a network, press Play. Every number comes from a real PyTorch model: the "
           "background is its prediction over the plane, each neuron's square shows what that neuron "
           "computes, and blue/orange lines are positive/negative weights, thicker for larger ones.")

session = lab_session("playground", get_preset("tf_circle"))

with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        st.subheader("Data")
        config_controls(session, ["data.name", "data.noise", "data.n_samples", "data.train_fraction",
                                  "data.features", "data.n_classes"])
        st.subheader("Network")
        config_controls(session, ["model.hidden", "model.activation", "model.dropout", "model.batch_norm",
                                  "model.init"])
        st.subheader("Training")
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.momentum",
                                  "train.l1", "train.l2", "train.loss"])
        with st.expander("More: schedule, clipping, early stopping, seed"):
            config_controls(session, ["train.schedule", "train.weight_decay", "train.grad_clip",
                                      "train.early_stopping", "train.patience", "train.restore_best",
                                      "data.val_fraction", "model.layer_activations", "model.layer_dropout",
                                      "seed"])

play_controls(session)
if session.notice:
    st.info(session.notice, icon=":material/info:")
view = st.columns(3)
discretize = view[0].toggle("Discretize output", key="playground:discretize")
show_test = view[1].toggle("Show test data", value=True, key="playground:show_test")
log_loss = view[2].toggle("Log-scale loss", key="playground:log_loss")


def render(s, p, frames) -> None:
    """p: the lab's PlanePayload for this tick, frames: earlier boundary states of the tick (playing only)."""
    slow = SLOW if s.running else 0.0   # curves, diagram and gradients redraw at most this often while playing
    left, right = st.columns([1.25, 1])
    with left:
        event = show(network_view(p, selected=s.extra.get("weight")), "playground:network", events=("click",),
                     every=slow)
        weight_editor(s, event["click"])
    with right:
        show(boundary_view(p, discretize=discretize, show_test=show_test, frames=frames), "playground:boundary")
    show(curves_view(p, log_loss=log_loss), "playground:curves", every=slow)
    grads, notes = st.columns([1.25, 1])
    show(gradient_view(p), "playground:gradients", container=grads, every=slow)
    with notes:
        st.markdown("**Diagnoses**", help=RULES_HELP)
        found = diagnoses_view(p)
        for d in found:
            (st.warning if d["level"] == "warning" else st.info)(d["message"])
        if not found and p.started:
            st.success("No problems seen: gradients reach every layer, no dead or saturated units, no "
                       "overfitting or plateau (the rules are under ?).")
        elif not found:
            st.caption("Diagnoses begin once training has: press Play or Step.")


def weight_editor(s, clicked) -> None:
    """The same widgets playing and paused (so nothing below moves); while playing they show the live value."""
    picked = next((p.get("customdata") for p in clicked or [] if p.get("customdata")), None)
    if picked:
        s.extra["weight"] = g, to, frm = tuple(int(v) for v in picked)
        st.session_state.update({"playground:w:gap": g + 1, "playground:w:from": frm + 1, "playground:w:to": to + 1})
    with st.expander("Edit a weight (or click a line's hover point in the network)",
                     expanded=bool(s.extra.get("weight"))):
        if s.running and not s.extra.get("weight"):   # closed while playing: four fewer widgets to redraw a tick
            st.caption("Pause, or click a line in the network, to pick a weight.")
            return
        sizes = [lin.weight.shape for lin in s.exp.model.linears()]
        gap0, to0, frm0 = s.extra.get("weight") or (0, 0, 0)
        c = st.columns(4)
        gap = c[0].number_input("Layer", 1, len(sizes), gap0 + 1, key="playground:w:gap") - 1
        frm = c[1].number_input("From neuron", 1, sizes[gap][1], min(frm0, sizes[gap][1] - 1) + 1,
                                key="playground:w:from") - 1
        to = c[2].number_input("To neuron", 1, sizes[gap][0], min(to0, sizes[gap][0] - 1) + 1,
                               key="playground:w:to") - 1
        if s.extra.get("weight") or (gap, to, frm) != (0, 0, 0):   # a weight is picked once the user picks one
            s.extra["weight"] = (gap, to, frm)
        w = call_runs(s, weight_at, gap, to, frm)   # the training weight, wherever the run is
        key = f"playground:w:{s.exp.uid}:{gap}:{to}:{frm}"
        if s.running:
            st.session_state[key] = w   # read-only while playing: the box follows the training weight
        value = c[3].number_input("Weight", step=0.1, format="%.4f", disabled=s.running, key=key,
                                  help="Pause to edit" if s.running else None,
                                  **({} if key in st.session_state else {"value": w}))
        if value != w:
            set_weight(s.exp, gap, to, frm, value)
            st.rerun()   # redraw the diagram and boundary with the edited weight


live_fragment(session, render, plane_payload, frames=lambda exp: plane_payload(exp, ("boundary",)))
