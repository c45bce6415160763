"""Transformers lab: a small Transformer trained from scratch, its attention maps forming live."""

import streamlit as st

from playground.data import DATASETS
from playground.payloads.sequences import first_answer
from playground.payloads.transformers import transformers_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.generate import generation_form
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.session import lab_session
from playground.views import sequences as seq_views
from playground.views import transformers as views
from playground.views.attributions import attribution_view

st.title("Transformers from scratch")
st.caption("Every token becomes a vector, plus a positional encoding that says where it sits. In each layer "
           "every position asks a question (query), compares it with every other position's key, and takes a "
           "softmax-weighted mix of their values: that weighting is the **attention map** (each row sums to 1). "
           "Several heads look in different places at once. With a **causal mask** a position sees only the "
           "past, which makes a decoder that can write text. Press Play and watch the maps organise.")

session = lab_session("transformers", get_preset("transformer_reverse"))
TASK_KNOBS = {"forecast": ["data.sequence.horizon", "data.sequence.period"], "seq2seq": ["data.sequence.vocab"]}
CHOICES = {"data.name": DATASETS.keys(family="sequences")}

with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        st.subheader("Task")
        config_controls(session, ["data.name", "data.seq_len", "data.n_samples", "data.noise",
                                  *TASK_KNOBS.get(session.exp.dataset.meta.get("kind"), [])], choices=CHOICES)
        st.subheader("Transformer")
        config_controls(session, ["model.transformer.d_model", "model.transformer.heads",
                                  "model.transformer.layers", "model.transformer.d_ff",
                                  "model.transformer.positions", "model.transformer.causal", "model.dropout"])
        st.subheader("Training")
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.grad_clip"])
        with st.expander("More: warm-up, schedule, splits, seed"):
            config_controls(session, ["train.warmup_epochs", "train.schedule", "train.weight_decay",
                                      "train.max_epochs", "data.train_fraction", "seed"])

play_controls(session)
if session.notice:
    st.info(session.notice, icon=":material/info:")
meta = session.exp.dataset.meta
if meta.get("kind") == "lm" and not session.cfg.model.transformer.causal:
    st.warning("Without the causal mask each position can see the next character it must predict: the loss "
               "will fall to zero by copying. Tick *Causal* for a real language model.", icon=":material/visibility:")
sample = st.number_input("Test sequence to inspect", 0, 10_000, 0, key="transformers:sample")


def render(s, p) -> None:
    """p: the lab's TransformersPayload for this tick; playing or paused, the same charts are fed."""
    slow = SLOW if s.running else 0.0   # curves and positions move slowly: redrawn at most this often while playing
    show(seq_views.prediction_view(p), "transformers:prediction")
    show(seq_views.curves_view(p), "transformers:curves", every=slow)
    show(views.attention_view(p), "transformers:attention")
    show(views.positions_view(p), "transformers:positions", every=slow)


live_fragment(session, render, lambda exp: transformers_payload(exp, sample))

with st.expander("Explain: which input steps made the model say that (Captum, on a paused copy)"):
    first, out_len = first_answer(session.exp), session.exp.dataset.spec.output_len
    last = first + max(out_len - 1, 0)
    position = st.number_input("Answer position to explain", first, last, last, key="transformers:position",
                               disabled=not out_len, help="a position where the model writes an answer")
    if st.button("Explain with Integrated Gradients", key="transformers:explain", disabled=session.running):
        with guard("Attribution"):
            st.session_state["transformers:attr"] = attribution_view(session.exp, sample, position - first)
    if "transformers:attr" in st.session_state:
        st.plotly_chart(st.session_state["transformers:attr"], key="transformers:attribution", width="stretch")
    st.caption("Pause, then press the button: Captum attributes the prediction to each input step "
               "(Layer Integrated Gradients on the token embedding against padding; numbers against zeros).")

if meta.get("kind") == "lm":
    generation_form(session, "Generate text")
