"""A single neuron: two inputs, two weights and a bias, an activation; and the perceptron/logistic rules."""

import numpy as np
import streamlit as st

from playground.basics.neuron import RULES, accuracy, formula, neuron_output, rule_fit, rule_step, two_class_points
from playground.figures.basics import mistakes_figure, neuron_figure
from playground.presets import get_preset
from playground.probes import make_grid
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import preset_picker
from playground.ui.session import lab_session

st.title("A single neuron")
st.caption("A neuron computes z = w₁x₁ + w₂x₂ + b, then an activation y = f(z). The weights tilt the dashed "
           "line z = 0 and the bias shifts it; the colour is y at every point of the plane. A learning rule "
           "moves the line one sample at a time: the perceptron adds lr·(y − ŷ)·x when it is wrong, the "
           "logistic rule subtracts lr·(p − y)·x, the gradient of the cross-entropy that autograd computes.")

session = lab_session("neuron", get_preset("neuron_gauss"))
W = ("neuron:w1", "neuron:w2", "neuron:b")
for k, v in zip(W, (-0.5, 1.0, 1.0)):
    st.session_state.setdefault(k, v)

with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        config_controls(session, ["data.name", "data.noise", "data.n_samples", "model.activation", "train.lr", "seed"])
    rule = st.radio("Learning rule", list(RULES), format_func=RULES.get, key="neuron:rule")

if session.notice:
    st.info(session.notice, icon=":material/info:")


def clip(v: float) -> float:
    return float(np.clip(v, -5.0, 5.0))


def set_weights(w, b) -> None:
    for k, v in zip(W, (*w, b)):
        st.session_state[k] = clip(v)


def weights() -> tuple[tuple[float, float], float]:
    return (st.session_state[W[0]], st.session_state[W[1]]), st.session_state[W[2]]


def do_step(x, y) -> None:
    w, b = weights()
    i = st.session_state.get("neuron:cursor", 0)
    s = rule_step(w, b, x, y, i, rule, session.cfg.train.lr)
    set_weights(s.w, s.b)
    st.session_state["neuron:cursor"], st.session_state["neuron:last"] = i + 1, s


def do_fit(x, y, epochs) -> None:
    w, b = weights()
    w, b, errors = rule_fit(w, b, x, y, rule, session.cfg.train.lr, max_epochs=epochs)
    set_weights(w, b)
    st.session_state["neuron:errors"], st.session_state["neuron:last"] = errors, None


with guard("The neuron"):
    x, y = two_class_points(session.exp.dataset)
    c = st.columns(3)
    for col, k, label in zip(c, W, ("weight w₁", "weight w₂", "bias b")):
        col.slider(label, -5.0, 5.0, step=0.05, key=k)
    w, b = weights()
    last = st.session_state.get("neuron:last")
    st.latex(formula(w, b, session.cfg.model.activation, last.x if last else tuple(x[0])))
    bc = st.columns(4)
    bc[0].button("Step (one sample)", key="neuron:step", on_click=do_step, args=(x, y), type="primary",
                 width="stretch")
    bc[1].button("One pass", key="neuron:epoch", on_click=do_fit, args=(x, y, 1), width="stretch")
    bc[2].button("Run to convergence", key="neuron:fit", on_click=do_fit, args=(x, y, 50), width="stretch")
    bc[3].button("Random weights", key="neuron:reset", width="stretch",
                 on_click=lambda: set_weights(np.random.default_rng().uniform(-2, 2, 2), 0.0))
    grid = make_grid(session.exp.dataset.extent, 80)
    out = neuron_output(w, b, session.cfg.model.activation, grid.points).reshape(80, 80)
    mid = float(neuron_output((0.0, 0.0), 0.0, session.cfg.model.activation, np.zeros((1, 2)))[0])
    left, right = st.columns([1.3, 1])
    mark = last.index if last and last.index < len(x) else None
    left.plotly_chart(neuron_figure(grid.xs, grid.ys, out, x, y, w, b, mid=mid, highlight=mark), key="neuron:plane",
                      width="stretch")
    with right:
        st.metric("Training accuracy of the line z = 0", f"{accuracy(w, b, x, y):.0%}")
        if last:
            st.markdown(f"**Last step**, sample {last.index + 1} at x = ({last.x[0]:.2f}, {last.x[1]:.2f}), class "
                        f"{last.y}: output {last.output:.3f}, error y − ŷ = {last.error:+.3f}. "
                        f"Change Δw = ({last.dw[0]:+.3f}, {last.dw[1]:+.3f}), Δb = {last.db:+.3f}.")
        if st.session_state.get("neuron:errors"):
            st.plotly_chart(mistakes_figure(st.session_state["neuron:errors"], len(x)), key="neuron:mistakes",
                            width="stretch")
        st.caption("Weights are kept within ±5 (the sliders' range). On separable data the perceptron rule "
                   "stops once a pass makes no mistake; on XOR it never does.")
