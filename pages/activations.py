"""Activation functions: f and f′ of every registered activation, softmax with cross-entropy, and the
gradient that survives a deep stack (vanishing gradients)."""

import numpy as np
import streamlit as st

from playground.basics.activations import curve, depth_table, saturated_ranges, softmax_ce, summary
from playground.figures.basics import activation_figure, depth_figure, softmax_figure
from playground.models.layers import ACTIVATIONS
from playground.presets import get_preset
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import preset_picker
from playground.ui.session import lab_session

st.title("Activation functions")
st.caption("Without an activation a layer is a linear map, and a stack of linear maps is one linear map: depth "
           "buys nothing. The activation bends the map. Its derivative f′ matters as much as f: backpropagation "
           "multiplies by f′ at every layer, so where f′ is near zero (grey: saturated) learning stalls.")

session = lab_session("activations", get_preset("vanishing_sigmoid"))
with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        config_controls(session, ["model.activation", "model.hidden", "model.init", "seed"])
    st.caption("The depth demo below uses these hidden layers: their count is the depth.")
if session.notice:
    st.info(session.notice, icon=":material/info:")
act, labels = session.cfg.model.activation, {k: ACTIVATIONS.label(k) for k in ACTIVATIONS}

st.subheader("f and f′")
c1, c2 = st.columns([3, 1])
others = c1.multiselect("Compare with", [k for k in ACTIVATIONS if k != act], default=["relu"] if act != "relu" else [],
                        format_func=labels.get, key="activations:compare")
span = c2.slider("z range ±", 2.0, 10.0, 6.0, 1.0, key="activations:span")
z = np.linspace(-span, span, 401, dtype=np.float32)
with guard("Curves"):
    curves = {k: curve(k, z) for k in [act, *others]}
    st.plotly_chart(activation_figure(z, curves, labels, saturated=saturated_ranges(z, curves[act][1])),
                    key="activations:curves", width="stretch")
    with st.expander("Every registered activation in numbers"):
        st.dataframe(summary(list(ACTIVATIONS), z), hide_index=True, key="activations:table")

st.subheader("Softmax and cross-entropy")
st.caption("A classifier's last layer gives one score (logit) per class. Softmax turns them into probabilities: "
           "exponentiate, then divide by the sum. Cross-entropy is −log of the probability of the true class; "
           "its gradient with respect to the logits is simply p − onehot(true class).")
k = st.slider("Classes", 2, 6, 3, key="activations:k")
cols = st.columns(k)
logits = [cols[i].slider(f"z{i}", -5.0, 5.0, float([2.0, 1.0, 0.1, -1.0, 0.5, -2.0][i]), 0.1,
                         key=f"activations:logit{i}") for i in range(k)]
t1, t2 = st.columns(2)
target = t1.selectbox("True class", list(range(k)), key="activations:target", format_func=lambda i: f"class {i}")
temp = t2.slider("Temperature (divides the logits)", 0.1, 5.0, 1.0, 0.1, key="activations:temperature")
with guard("Softmax"):
    res = softmax_ce(logits, target, temp)
    m = st.columns(3)
    m[0].metric("p(true class)", f"{res.probs[target]:.4f}")
    m[1].metric("cross-entropy −log p", f"{res.cross_entropy:.4f}")
    m[2].metric("∂CE/∂z (true class)", f"{res.grad[target]:+.4f}")
    st.plotly_chart(softmax_figure(res.logits, res.probs, target), key="activations:softmax", width="stretch")

st.subheader("Vanishing gradients through depth")
depth, width = len(session.cfg.model.hidden), (session.cfg.model.hidden or (16,))[0]
st.caption(f"A real MLP of {depth} hidden layers of {width} neurons ({session.cfg.model.init} init) gets one batch; "
           "the chart shows the gradient each layer's weights receive. Sigmoid's f′ ≤ 0.25 shrinks it at every "
           "layer on the way back; ReLU's f′ = 1 (where active) keeps it.")
chosen = st.multiselect("Activations", list(ACTIVATIONS), default=list(dict.fromkeys([act, "sigmoid", "tanh", "relu"])),
                        format_func=labels.get, key="activations:depth_acts")
with guard("Depth demo"):
    if depth == 0:
        st.warning("Give the network at least one hidden layer (sidebar) to see gradients through depth.")
    else:
        table = depth_table(chosen, depth, width=width, init=session.cfg.model.init, seed=session.cfg.seed)
        st.plotly_chart(depth_figure(table, labels), key="activations:depth", width="stretch")
        ratio = {labels[a]: f"{g[0] / max(g[-1], 1e-30):.1e}" for a, g in table.items()}
        st.caption("Layer 1 / last layer gradient: " + ", ".join(f"{n} {r}" for n, r in ratio.items()))
