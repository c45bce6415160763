"""Sequences lab: RNN, LSTM and GRU trained live on forecasting, memory and text tasks."""

import streamlit as st

from playground.data import DATASETS
from playground.data.sequences import read_csv_upload
from playground.models import MODELS
from playground.payloads.group import group_payload
from playground.payloads.sequences import first_answer, sequences_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.generate import generation_form
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.session import lab_session
from playground.ui.upload import source_uploader
from playground.views import sequences as views
from playground.views.attributions import attribution_view

st.title("Sequences: RNN, LSTM and GRU")
st.caption("A recurrent network reads a sequence one step at a time and carries a hidden state h_t forward. "
           "A plain RNN multiplies its gradient by the same matrix at every step, so the signal from far back "
           "fades (see *gradient reaching each step*). An LSTM adds a cell state that its **forget gate** can "
           "keep unchanged for many steps; a GRU does the same with an **update gate**. Try the race presets: "
           "the same adding problem, a plain RNN stays stuck while an LSTM solves it.")

session = lab_session("sequences", get_preset("seq_adding_race_lstm"))
TASK_KNOBS = {"forecast": ["data.sequence.horizon", "data.sequence.period"], "seq2seq": ["data.sequence.vocab"]}
CHOICES = {"data.name": DATASETS.keys(family="sequences"), "model.kind": MODELS.keys(family="rnn")}

with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        st.subheader("Task")
        config_controls(session, ["data.name", "data.seq_len", "data.n_samples", "data.noise",
                                  *TASK_KNOBS.get(session.exp.dataset.meta.get("kind"), [])], choices=CHOICES)
        if st.session_state.get("sequences:data.name") == "csv_series":
            source_uploader(session, "Your CSV (one row per time step)", ["csv"], read_csv_upload, "csv_series")
            config_controls(session, ["data.sequence.column"])
        st.subheader("Network")
        config_controls(session, ["model.kind", "model.rnn.hidden_size", "model.rnn.layers",
                                  "model.rnn.bidirectional", "model.rnn.embed_dim", "model.dropout"], choices=CHOICES)
        if session.cfg.model.kind == "rnn":   # tanh or ReLU is a choice of the plain cell only
            config_controls(session, ["model.rnn.relu"])
        st.subheader("Training")
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.grad_clip"])
        with st.expander("More: schedule, early stopping, splits, seed"):
            config_controls(session, ["train.schedule", "train.weight_decay", "train.early_stopping",
                                      "train.patience", "train.max_epochs", "data.train_fraction",
                                      "data.val_fraction", "seed"])

play_controls(session)
if session.notice:
    st.info(session.notice, icon=":material/info:")
kind = session.exp.dataset.meta.get("kind")
if note := views.task_note(session.exp):
    st.caption(note)
pick = st.columns(3)
sample = pick[0].number_input("Test sequence to inspect", 0, 10_000, 0, key="sequences:sample")
layer = pick[1].number_input("Recurrent layer", 1, session.cfg.model.rnn.layers, 1, key="sequences:layer") - 1
log_loss = pick[2].toggle("Log-scale loss", key="sequences:log_loss")


def render(s, p) -> None:
    """p: the lab's SequencesPayload for this tick; playing or paused, the same charts are fed."""
    slow = SLOW if s.running else 0.0   # curves and gradients move slowly: redrawn at most this often while playing
    show(views.prediction_view(p), "sequences:prediction")
    show(views.curves_view(p, log_loss=log_loss), "sequences:curves", every=slow)
    left, right = st.columns(2)
    show(views.hidden_view(p), "sequences:hidden", container=left)
    show(views.time_gradient_view(p), "sequences:time_grads", container=right, every=slow)
    if not p.gates:
        st.caption("A plain RNN has no gates: its whole memory is h_t = tanh(W·x_t + U·h_(t-1) + b).")
    else:
        st.markdown("**Gates over time** (0 = closed, 1 = open): a forget gate near 1 keeps the LSTM's "
                    "memory; an update gate near 1 makes a GRU keep its old state.")
        show(views.gates_view(p), "sequences:gates")
    show(views.cell_view(p), "sequences:cell")


racing = st.session_state.get("sequences:race_on", False)   # the toggle in "Race the cells" below


def render_race(s, pp) -> None:
    """pp: this tick's (SequencesPayload of your cell, GroupPayload of the race): your cell's views, then the
    race's curves."""
    p, race = pp
    render(s, p)
    st.markdown("**Race the cells**: every cell trains in lockstep with yours (same data, seed and settings).")
    show(views.race_view(race, s.exp.dataset.meta), "sequences:race_chart", every=SLOW if s.running else 0.0)


if racing:
    live_fragment(session, render_race, lambda g: (sequences_payload(g.leader, sample, layer), group_payload(g)),
                  runs=views.race_group(session.exp, session.extra))
else:
    live_fragment(session, render, lambda exp: sequences_payload(exp, sample, layer))

with st.expander("Explain: which input steps made the model say that (Captum, on a paused copy)"):
    first, out_len = first_answer(session.exp), session.exp.dataset.spec.output_len
    last = first + max(out_len - 1, 0)
    position = st.number_input("Answer position to explain", first, last, last, key="sequences:position",
                               disabled=not out_len, help="a position where the model writes an answer")
    if st.button("Explain with Integrated Gradients", key="sequences:explain", disabled=session.running):
        with guard("Attribution"):
            st.session_state["sequences:attr"] = attribution_view(session.exp, sample, position - first)
    if "sequences:attr" in st.session_state:
        st.plotly_chart(st.session_state["sequences:attr"], key="sequences:attribution", width="stretch")

with st.expander("Race the cells: RNN, LSTM and GRU on this task, same seed and budget"):
    st.toggle("Race the cells", key="sequences:race_on",
              help="Play or Step then trains an RNN, an LSTM and a GRU beside each other from your settings; their "
                   "test curves appear under the charts above. The cells that are not yours catch up first.")

if kind == "lm":
    generation_form(session, "Sample from the character model")
