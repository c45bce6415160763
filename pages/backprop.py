"""Backpropagation stepper: a tiny real MLP, its forward pass, loss, backward pass and update, number by number."""

import numpy as np
import pandas as pd
import streamlit as st

from playground.basics import backprop as bp
from playground.basics import stepper_text as stepper
from playground.figures.basics import backprop_figure
from playground.presets import get_preset
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import preset_picker
from playground.ui.session import lab_session, reset

st.title("Backpropagation, step by step")
st.caption("Forward: each neuron computes z = Σ w·a + b and passes a = f(z) on. The loss compares ŷ with the "
           "target t. Backward: the chain rule sends ∂L/∂z from the output back, multiplying by a weight and "
           "by f′(z) at every step; a weight's gradient is its neuron's ∂L/∂z times the input it multiplied. "
           "The numbers are read from a real PyTorch model, and autograd's gradients are shown to agree.")

session = lab_session("backprop", get_preset("backprop_sigmoid"))
with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        config_controls(session, ["model.hidden", "model.activation", "model.init", "train.lr", "seed"])
if session.notice:
    st.info(session.notice, icon=":material/info:")
st.session_state.setdefault("backprop:stage", 0)


def move(delta: int, n: int) -> None:
    st.session_state["backprop:stage"] = int(np.clip(st.session_state["backprop:stage"] + delta, 0, n - 1))


def update(tr) -> None:
    bp.sgd_update(session.exp.model, tr, session.cfg.train.lr)
    session.extra["updates"] = session.extra.get("updates", 0) + 1
    st.session_state["backprop:stage"] = 0


def new_weights() -> None:
    reset(session)
    st.session_state["backprop:stage"] = 0


with guard("The stepper"):
    bp.check_small(session.cfg.model.hidden)
    st.markdown("**Samples** (edit any cell; up to 4 rows: the loss is their mean)")
    samples = st.data_editor(pd.DataFrame({"x1": [1.0], "x2": [-0.5], "target t": [0.8]}), num_rows="dynamic",
                             key="backprop:samples", width="stretch").dropna().head(4)
    if samples.empty:
        st.warning("Add at least one sample.")
        st.stop()
    x, t = samples[["x1", "x2"]].to_numpy(np.float32), samples["target t"].to_numpy(np.float32)
    tr = bp.trace(session.exp.model, x, t, session.cfg.model.activation)
    stages = stepper.stages(len(tr.weights))
    stage = stages[min(st.session_state["backprop:stage"], len(stages) - 1)]
    c = st.columns([1, 1, 1.3, 1, 1.2])
    c[0].button("◀ Back", key="backprop:prev", on_click=move, args=(-1, len(stages)), width="stretch")
    c[1].button("Next stage ▶", key="backprop:next", on_click=move, args=(1, len(stages)), type="primary",
                width="stretch")
    c[2].button("Apply the update", key="backprop:update", on_click=update, args=(tr,), width="stretch",
                help="w ← w − lr·g for every weight, then back to the input stage")
    c[3].button("New weights", key="backprop:reset", on_click=new_weights, width="stretch")
    sample = c[4].selectbox("Values of sample", range(len(x)), format_func=lambda i: f"sample {i + 1}",
                            key="backprop:sample", label_visibility="collapsed") or 0
    st.progress((stages.index(stage) + 1) / len(stages), text=f"Stage {stages.index(stage) + 1} of {len(stages)}: "
                f"{stepper.stage_title(stage, len(tr.weights))}")
    sizes, names, values, edges, active = stepper.graph_labels(tr, stage, sample, session.cfg.train.lr)
    st.plotly_chart(backprop_figure(sizes, names, values, tr.weights, edges, active=active), key="backprop:graph",
                    width="stretch")
    for line in stepper.explain_stage(tr, stage, sample, session.cfg.train.lr):
        st.markdown(f"- {line}")

    loss, dW, db = bp.autograd_grads(session.exp.model, x, t)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(dW + db, tr.dW + tr.db))
    (st.success if diff < 1e-4 else st.error)(f"Autograd check: loss.backward() on the same model gives loss "
                                              f"{loss:.5f} and gradients within {diff:.1e} of the chain rule above.")

    params = bp.parameter_names(session.exp.model)
    e1, e2 = st.columns(2)
    pick = e1.selectbox("Edit a weight or bias", range(len(params)), format_func=lambda i: params[i][0],
                        key="backprop:param")
    _, layer, row, col = params[pick]
    now = bp.get_parameter(session.exp.model, layer, row, col)
    version = f"{id(session.exp.model)}:{session.extra.get('updates', 0)}:{pick}"
    value = e2.number_input("Value", value=now, step=0.1, format="%.4f", key=f"backprop:value:{version}")
    if value != now:
        bp.set_parameter(session.exp.model, layer, row, col, value)
        st.rerun()
