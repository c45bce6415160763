"""AppTest for the Basics pages and the Home page: widgets set by key, buttons clicked, no exception,
charts drawn, and links followed inside a live session load their config."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from playground.config import to_query
from playground.presets import PRESETS

ROOT = Path(__file__).resolve().parents[1]


def _app(page: str) -> AppTest:
    return AppTest.from_file(str(ROOT / page), default_timeout=60)


def _charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def test_home_page_trains_live_and_lists_the_course():
    at = _app("pages/home.py").run()
    assert not at.exception and len(at.get("bidi_component")) == 2   # the live charts
    assert at.metric[0].value == "0"
    at.button(key="home:step").click().run()
    assert not at.exception and at.metric[0].value == "1"
    titles = " ".join(m.value for m in at.markdown)
    assert "Backpropagation" in titles and "Transfer learning" in titles and "Coming" not in titles   # all ready
    at.multiselect(key="home:classroom_hide").set_value(["sidebar"]).run()
    assert "hide=sidebar" in at.code[0].value


def test_home_page_plays_on_live_charts_and_no_error():
    at = _app("pages/home.py").run()
    at.button(key="home:play").click().run()
    at.run()                                   # one tick (AppTest has no browser timer)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert int(at.metric[0].value.replace(",", "")) > 1
    assert not at.get("image") and len(at.get("bidi_component")) == 2   # boundary and curves: the live charts


def test_app_shows_the_tour_banner_and_follows_tour_links():
    at = _app("app.py")
    at.query_params.update({"tour": "xor", "step": "1"})
    at.run()
    assert not at.exception
    assert "A network with no hidden layer" in at.info[0].value


def test_neuron_page_rules_step_and_converge():
    at = _app("pages/neuron.py").run()
    assert not at.exception and _charts(at) == 1
    before = at.slider(key="neuron:w1").value
    at.button(key="neuron:step").click().run()
    at.button(key="neuron:step").click().run()
    assert not at.exception and "Last step" in " ".join(m.value for m in at.markdown)
    at.button(key="neuron:fit").click().run()
    assert not at.exception and at.session_state["neuron:errors"][-1] == 0    # two Gaussian clouds: separable
    assert at.slider(key="neuron:w1").value != before and _charts(at) == 2
    at.radio(key="neuron:rule").set_value("logistic").run()
    at.button(key="neuron:epoch").click().run()
    assert not at.exception
    at.selectbox(key="neuron:data.name").set_value("plane").run()
    assert not at.exception and "two-class" in at.error[0].value


def test_neuron_page_loads_a_link_followed_inside_the_session():
    at = _app("pages/neuron.py").run()
    assert at.selectbox(key="neuron:data.name").value == "gauss"
    at.query_params.update(to_query(PRESETS.get("neuron_xor")))
    at.run()
    assert not at.exception and at.selectbox(key="neuron:data.name").value == "xor"


def test_activations_page():
    at = _app("pages/activations.py").run()
    assert not at.exception and _charts(at) == 3
    at.selectbox(key="activations:model.activation").set_value("gelu").run()
    at.multiselect(key="activations:compare").set_value(["sigmoid", "tanh"]).run()
    at.slider(key="activations:k").set_value(4).run()
    at.slider(key="activations:logit0").set_value(5.0).run()
    at.selectbox(key="activations:target").set_value(0).run()
    assert not at.exception and float(at.metric[0].value) > 0.9
    at.text_input(key="activations:model.hidden").set_value("8, 8, 8").run()
    assert not at.exception and _charts(at) == 3
    at.text_input(key="activations:model.hidden").set_value("").run()
    assert not at.exception and at.warning


def test_backprop_page_steps_updates_and_edits():
    at = _app("pages/backprop.py").run()
    assert not at.exception and _charts(at) == 1 and "Autograd check" in at.success[0].value
    loss_before = float(at.success[0].value.split("gives loss ")[1].split(" ")[0])
    for _ in range(7):
        at.button(key="backprop:next").click().run()
    assert not at.exception and "w ←" in at.markdown[-1].value
    at.button(key="backprop:update").click().run()
    loss_after = float(at.success[0].value.split("gives loss ")[1].split(" ")[0])
    assert not at.exception and loss_after < loss_before                 # one gradient step lowers the loss
    editor = next(n for n in at.number_input if n.key.startswith("backprop:value"))
    editor.set_value(3.0).run()
    assert not at.exception and "Autograd check" in at.success[0].value
    at.selectbox(key="backprop:preset").set_value("backprop_deep").run()
    assert not at.exception and _charts(at) == 1
    at.text_input(key="backprop:model.hidden").set_value("9").run()
    assert not at.exception and "at most 4 neurons" in at.error[0].value
