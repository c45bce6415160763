"""The text-generation form of the character-model labs (Sequences and Transformers): prompt, temperature,
top-k and length, then samples from the lab's model and keeps the text in the session until replaced."""

from __future__ import annotations

import streamlit as st

from playground.ui.guard import guard
from playground.ui.playing import call_runs
from playground.ui.session import LabSession
from playground.views.sequences import generate_from


def generation_form(session: LabSession, title: str) -> None:
    """Widgets and the result keyed by the lab (e.g. "sequences:prompt", "sequences:text")."""
    lab = session.lab
    with st.form(f"{lab}:generate"):
        st.subheader(title)
        cols = st.columns([3, 1, 1, 1])
        prompt = cols[0].text_input("Prompt", "Alice was ", key=f"{lab}:prompt")
        temperature = cols[1].slider("Temperature", 0.0, 2.0, 0.8, 0.1, key=f"{lab}:temperature")
        top_k = cols[2].number_input("Top-k (0 = all)", 0, 100, 0, key=f"{lab}:top_k")
        length = cols[3].number_input("Characters", 10, 1000, 200, key=f"{lab}:length")
        if st.form_submit_button("Generate"):
            with guard("Generation"):
                st.session_state[f"{lab}:text"] = call_runs(session, generate_from, prompt, length, temperature,
                                                            top_k, session.cfg.seed)
    if f"{lab}:text" in st.session_state:
        st.code(st.session_state[f"{lab}:text"], language=None, wrap_lines=True)
