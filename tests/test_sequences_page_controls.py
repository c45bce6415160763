"""AppTest of the Sequences page (issue 12, item 10): the ReLU control belongs to the plain RNN cell only, and
the adding problem says that it sits on its baseline before it breaks through."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from playground.labs import LABS

ROOT = Path(__file__).resolve().parents[1]
RELU = "sequences:model.rnn.relu"


def _widget_keys(at: AppTest) -> set[str]:
    return {w.key for kind in ("checkbox", "toggle") for w in at.get(kind) if getattr(w, "key", None)}


def test_the_relu_control_is_shown_for_the_plain_rnn_only():
    at = AppTest.from_file(str(ROOT / LABS.get("sequences")), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="sequences:model.kind").value == "lstm"        # the default demo
    assert RELU not in _widget_keys(at)
    at.selectbox(key="sequences:model.kind").set_value("rnn").run()
    assert not at.exception and RELU in _widget_keys(at)
    at.selectbox(key="sequences:model.kind").set_value("gru").run()
    assert not at.exception and RELU not in _widget_keys(at)


def test_the_adding_problem_says_it_breaks_through_later_and_other_tasks_do_not():
    at = AppTest.from_file(str(ROOT / LABS.get("sequences")), default_timeout=120)
    at.run()
    notes = [c.value for c in at.caption if "breaks through" in c.value]
    assert len(notes) == 1
    assert "always predict their mean sum, 1.0 (MSE 0.167)" in notes[0] and "epoch 10-11" in notes[0]
    at.selectbox(key="sequences:preset").set_value("seq_copy_lstm").run()
    assert not at.exception
    assert not any("breaks through" in c.value for c in at.caption)


def test_transformers_explains_answers_by_the_positions_the_strip_draws_them_under():
    at = AppTest.from_file(str(ROOT / LABS.get("transformers")), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.number_input(key="transformers:position")
    assert (box.min, box.max, box.value) == (8, 15, 15)      # reverse 8 symbols: the answers sit at 8-15
    box.set_value(9).run()
    at.button(key="transformers:explain").click().run()
    assert not at.exception
    title = at.session_state["transformers:attr"].layout.title.text
    assert "at position 9 " in title
