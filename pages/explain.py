"""Explain: Captum attributions for any vector-input model of this session or of the run history."""

import streamlit as st

from playground.explain import ATTRIBUTIONS
from playground.figures.attributions import (
    agreement_figure,
    attribution_heatmap,
    conductance_figure,
    importance_figure,
    sample_figure,
)
from playground.insights import (
    TABULAR_METHODS,
    agreement,
    attribute,
    conductance,
    global_importance,
    hidden_layers,
    select,
    supports,
)
from playground.labs import LABS
from playground.store import restore
from playground.ui.guard import guard
from playground.ui.runs import visible_store
from playground.ui.session import session_labs

st.title("Explain")
st.caption("Why did the model decide that? Attribution methods split one prediction into a share per input. "
           "Integrated Gradients' shares add up to the score's change from a baseline (here the all-zeros input, "
           "i.e. the average row of standardised data); the convergence delta says how far from exact they are. "
           "GradientSHAP instead averages over baselines drawn at random from the training rows (from the run's "
           "seed). Different methods answer slightly different questions: where they agree, trust the answer more.")

store, viewer = visible_store()
sources = {f"session:{lab}": f"This session · {LABS.label(lab)}" for lab, s in session_labs().items()
           if supports(s.exp.dataset)}
sources.update({f"run:{i.id}": f"Run · {i.name}" for i in store.list(owner=viewer)})
if not sources:
    st.info("No model to explain yet: train one in **Your data** or the **2-D Playground**, or save a run.",
            icon=":material/search:")
    st.stop()
key = st.selectbox("Model", list(sources), format_func=sources.get, key="explain:source")
exp = None
with guard("Loading the model"):
    if key.startswith("session:"):
        exp = session_labs()[key.removeprefix("session:")].exp
    else:
        cached = st.session_state.get("explain:run")
        if not cached or cached[0] != key:
            info = store.get(key.removeprefix("run:"), viewer)   # KeyError for a run that is not this visitor's
            st.session_state["explain:run"] = cached = (key, restore(info, store))
        exp = cached[1]
if exp is None or not supports(exp.dataset):
    st.warning("This model's inputs are not a flat vector of numbers; explain it in its own lab.",
               icon=":material/warning:")
    st.stop()
ds, model = exp.dataset, exp.model

c = st.columns(4)
split = c[0].selectbox("Samples from", ["test", "val", "train"], key="explain:split")
classes = [None, *range(len(ds.class_names))]
label = c[1].selectbox("True class", classes, key="explain:class",
                       format_func=lambda k: "all classes" if k is None else ds.class_names[k])
outcome = c[2].selectbox("Outcome", ["all", "correct", "incorrect"], key="explain:outcome")
target = c[3].selectbox("Explain the", ["predicted", "true"], key="explain:target", format_func=lambda t: f"{t} class")
sel = select(model, ds, split, label=label, outcome=outcome)
st.caption(f"{len(sel.idx)} samples selected; {int(sel.correct.sum())} predicted correctly.")
if len(sel.idx) == 0:
    st.info("No samples match these filters.", icon=":material/search:")
    st.stop()

cache = st.session_state.setdefault("explain:cache", {})


def _name(p) -> str:
    return ds.class_names[int(p)] if ds.class_names else f"{float(p):.3f}"


def run(method: str, progress=None):
    k = (key, exp.cfg.seed, exp.trainer.steps, split, label, outcome, target, method)
    if k not in cache:
        cache[k] = attribute(model, ds, sel, method, target=target, seed=exp.cfg.seed, progress=progress)
    return cache[k]


method = st.selectbox("Method", TABULAR_METHODS, format_func=ATTRIBUTIONS.label, key="explain:method")
slow = not ATTRIBUTIONS.entry(method).meta.get("fast", True)
k_method = (key, exp.cfg.seed, exp.trainer.steps, split, label, outcome, target, method)
names = list(ds.feature_names)
if slow and k_method not in cache and not st.button(f"Run {ATTRIBUTIONS.label(method)} (slow)", key="explain:slow"):
    st.caption(f"{ATTRIBUTIONS.entry(method).description}. Press the button to run it on {len(sel.idx)} samples.")
else:
    with guard("Explaining"):
        bar = st.progress(0.0, text=f"{ATTRIBUTIONS.label(method)}…") if slow else None
        attr, delta = run(method, (lambda p: bar.progress(p, text=f"{p:.0%}")) if bar else None)
        if bar:
            bar.empty()
        if delta is not None:   # one delta per selected row, for every method that has one
            st.metric("Mean |convergence delta|", f"{abs(delta).mean():.2e}",
                      help=f"Mean over the {len(delta)} rows of |{ATTRIBUTIONS.entry(method).meta['delta']}|: "
                           "near 0 means the shares are complete")
        left, right = st.columns(2)
        left.plotly_chart(importance_figure(names, global_importance(attr), title="Global importance (mean |attr|)"),
                          key="explain:global", width="stretch")
        row = right.slider("Sample", 0, len(sel.idx) - 1, 0, key="explain:row")
        title = f"Sample {int(sel.idx[row])}: predicted {_name(sel.pred[row])}, " + \
            ("correct" if sel.correct[row] else "wrong")
        right.plotly_chart(sample_figure(names, attr[row], sel.x[row].numpy(), title=title),
                           key="explain:sample", width="stretch")
        st.plotly_chart(attribution_heatmap(names, attr, [f"#{i}" for i in sel.idx], title="Every selected sample"),
                        key="explain:heatmap", width="stretch")

st.subheader("Agreement between methods")
fast = [m for m in TABULAR_METHODS if ATTRIBUTIONS.entry(m).meta.get("fast", True)]
chosen = st.multiselect("Methods", fast, default=fast, format_func=ATTRIBUTIONS.label, key="explain:agree")
if len(chosen) >= 2:
    with guard("Comparing methods"):
        attrs = {ATTRIBUTIONS.label(m): run(m)[0] for m in chosen}
        st.plotly_chart(agreement_figure(list(attrs), agreement(attrs)), key="explain:agreement", width="stretch")

layers = hidden_layers(model)
if layers:
    st.subheader("Conductance of a hidden neuron")
    c = st.columns(2)
    li = c[0].selectbox("Layer", range(len(layers)), format_func=lambda i: layers[i][1], key="explain:layer")
    neuron = c[1].number_input("Neuron", 0, layers[li][2] - 1, 0, key="explain:neuron")
    with guard("Conductance"):
        lc, nc = conductance(model, ds, sel, layers[li][0], int(neuron), target)
        left, right = st.columns(2)
        left.plotly_chart(conductance_figure(lc, [f"n{j}" for j in range(len(lc))], selected=int(neuron),
                                             title=f"How much each unit of {layers[li][1]} carries"),
                          key="explain:layer_cond", width="stretch")
        right.plotly_chart(conductance_figure(nc, names, title=f"Which inputs flow through neuron {int(neuron)}"),
                           key="explain:neuron_cond", width="stretch")
