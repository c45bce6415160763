"""AppTest for the Sequences and Transformers pages: load, Step, presets, widgets, Captum and sampling."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.labs import LABS
from playground.presets import PRESETS

ROOT = Path(__file__).resolve().parents[1]


def page(lab: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / LABS.get(lab)), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def charts(at: AppTest) -> list:
    """The live charts (playground/ui/chart.py: one Components v2 element per view)."""
    return at.get("bidi_component")


# prediction, curves, hidden states, gradient through time, gates, cell state (the default LSTM);
# prediction, curves, attention maps, positional encoding
LIVE_CHARTS = {"sequences": 6, "transformers": 4}


@pytest.mark.parametrize("lab", ["sequences", "transformers"])
def test_page_loads_steps_and_draws(lab):
    assert LABS.entry(lab).meta["ready"]
    at = page(lab)
    assert len(charts(at)) == LIVE_CHARTS[lab]
    assert metric(at, "Epoch") == "0"
    at.button(key=f"{lab}:step").click().run()
    assert not at.exception and not at.error
    assert metric(at, "Epoch") == "1"
    assert len(charts(at)) == LIVE_CHARTS[lab]


@pytest.mark.parametrize("lab", ["sequences", "transformers"])
def test_page_plays_on_the_same_live_charts_and_no_error(lab):
    at = page(lab)
    at.button(key=f"{lab}:play").click().run()
    at.run()                                    # one tick (AppTest has no browser timer)
    assert not at.exception and not at.error, [e.value for e in at.error]
    trainer = at.session_state[f"lab:{lab}"].exp.trainer
    assert trainer.steps > 0                    # a tick is shorter than an epoch here: it can end inside one
    assert int(metric(at, "Epoch").replace(",", "")) == trainer.history["epoch"][-1], "the newest record's epoch"
    assert len(charts(at)) == LIVE_CHARTS[lab] and not at.get("image"), "the same live charts while playing, no frames"


def test_sequences_race_presets_and_widgets():
    at = page("sequences")
    at.selectbox(key="sequences:preset").set_value("seq_adding_race_rnn").run()
    assert not at.exception
    assert at.selectbox(key="sequences:model.kind").value == "rnn"
    assert "Test MSE" in [m.label for m in at.metric]
    assert any("no gates" in c.value for c in at.caption)            # a plain RNN has no gate chart
    at.selectbox(key="sequences:model.kind").set_value("gru").run()
    assert not at.exception and any("Reset" in i.value for i in at.info)
    # only sequence tasks and recurrent cells are offered
    names = at.selectbox(key="sequences:data.name").options
    assert "Adding problem" in names and "Circle" not in names
    assert set(at.selectbox(key="sequences:model.kind").options) == {"RNN", "LSTM", "GRU"}


def test_sequences_character_model_generates_text():
    at = page("sequences")
    at.selectbox(key="sequences:preset").set_value("seq_alice_lstm").run()
    at.button(key="sequences:step").click().run()
    at.text_input(key="sequences:prompt").set_value("Alice ")
    at.button[-1].click().run()          # the form's Generate button
    assert not at.exception and not at.error
    text = at.session_state["sequences:text"]
    assert text.startswith("Alice ") and len(text) == len("Alice ") + 200


def test_transformers_explain_and_bad_heads():
    at = page("transformers")
    at.button(key="transformers:step").click().run()
    at.button(key="transformers:explain").click().run()
    assert not at.exception and not at.error
    assert any("Integrated Gradients" in (c.proto.spec or "") for c in at.get("plotly_chart"))
    at.number_input(key="transformers:model.transformer.heads").set_value(3).run()   # 3 does not divide 32
    assert not at.exception
    assert any("model.transformer.heads" in e.value for e in at.error)


def test_transformers_text_preset_warns_without_causal_mask():
    at = page("transformers")
    at.selectbox(key="transformers:preset").set_value("transformer_alice").run()
    assert not at.warning
    at.checkbox(key="transformers:model.transformer.causal").uncheck().run()
    assert not at.exception and any("causal" in w.value.lower() for w in at.warning)


def test_every_preset_of_these_labs_opens_its_page():
    for lab in ("sequences", "transformers"):
        keys = PRESETS.keys(lab=lab)
        assert len(keys) >= 5
        at = page(lab)
        for key in keys:
            at.selectbox(key=f"{lab}:preset").set_value(key).run()
            assert not at.exception, (key, [e.value for e in at.exception])
            assert not at.error, (key, [e.value for e in at.error])


def test_sequences_race_steps_the_three_cells_together_on_one_live_chart():
    at = page("sequences")
    at.number_input(key="sequences:data.n_samples").set_value(200).run()
    charts = len(at.get("bidi_component"))
    at.toggle(key="sequences:race_on").set_value(True).run()
    assert not at.exception and not at.error
    assert len(at.get("bidi_component")) == charts + 1, "the race's curves are one more live chart"
    at.button(key="sequences:step").click().run()
    at.button(key="sequences:step").click().run()
    assert not at.exception and not at.error
    session = at.session_state["lab:sequences"]
    race = session.extra["race"]
    assert list(race.runs) == ["LSTM", "RNN", "GRU"] and race.leader is session.exp   # yours first
    assert {t.epoch for t in race.trainers.values()} == {2}
    assert all(e.dataset is session.exp.dataset for e in race.runs.values())


def test_sequences_explains_the_adding_problem_with_integrated_gradients():
    at = page("sequences")
    at.button(key="sequences:step").click().run()
    at.button(key="sequences:explain").click().run()
    assert not at.exception and not at.error
    fig = at.session_state["sequences:attr"]
    assert len(fig.data[0].y) == 30 and "completeness error" in fig.layout.title.text
