"""AppTest of the 2-D lab: widgets by key, Step/Play/Pause/Reset, presets, links, bad input, divergence."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import playground  # noqa: F401  (the package first: AppTest puts pages/, with pages/playground.py, on sys.path)

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "playground.py")


def _app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


def _session(at):
    return at.session_state["lab:playground"]


def _epoch(at) -> int:
    return int(next(m.value for m in at.metric if m.label == "Epoch").replace(",", ""))


def _charts(at) -> list:
    """The live charts (playground/ui/chart.py: one Components v2 element per view)."""
    return at.get("bidi_component")


def test_page_draws_charts_and_steps():
    at = _app()
    assert len(_charts(at)) == 4, "network, boundary, curves, gradient flow"
    assert _epoch(at) == 0
    at.button(key="playground:step").click().run()
    assert _epoch(at) == 1 and not at.exception


def test_play_trains_in_ticks_then_pause_and_reset():
    at = _app()
    at.button(key="playground:play").click().run()
    assert _session(at).running
    at.run()                                  # AppTest has no browser timer: each run is one tick
    first = _epoch(at)
    at.run()
    assert _epoch(at) > first > 0
    assert len(_charts(at)) == 4 and not at.get("image"), "the same four live charts while playing, no frames"
    at.button(key="playground:play").click().run()
    assert not _session(at).running
    at.button(key="playground:reset").click().run()
    assert _epoch(at) == 0


def test_learning_rate_change_does_not_reset_but_architecture_does():
    at = _app()
    at.button(key="playground:step").click().run()
    at.select_slider(key="playground:train.lr").set_value(0.1).run()
    assert _epoch(at) == 1 and _session(at).exp.trainer.optimizer.param_groups[0]["lr"] == 0.1
    at.text_input(key="playground:model.hidden").set_value("6, 6, 3").run()
    assert _epoch(at) == 0
    assert any("model.hidden" in i.value for i in at.info), "the page says why it reset"
    assert _session(at).cfg.model.hidden == (6, 6, 3)


def test_invalid_architecture_is_explained_and_nothing_lost():
    at = _app()
    at.button(key="playground:step").click().run()
    at.text_input(key="playground:model.hidden").set_value("8, zero").run()
    assert any("model.hidden" in e.value for e in at.error)
    assert _epoch(at) == 1 and _session(at).cfg.model.hidden == (4, 2)


def test_preset_loads_and_url_follows():
    at = _app()
    at.selectbox(key="playground:preset").set_value("spiral_solved").run()
    s = _session(at)
    assert s.cfg.model.hidden == (16, 16, 16) and s.cfg.data.name == "spiral"
    assert at.text_input(key="playground:model.hidden").value == "16, 16, 16", "widgets follow the preset"
    assert at.query_params["model.hidden"] == "16,16,16"


def test_link_opens_its_config_and_bad_link_is_explained():
    at = _app({"lab": "playground", "data.name": "xor", "model.hidden": "3", "train.lr": "0.3"})
    cfg = _session(at).cfg
    assert (cfg.data.name, cfg.model.hidden, cfg.train.lr) == ("xor", (3,), 0.3)
    at = _app({"lab": "playground", "train.lr": "banana"})
    assert any("train.lr" in i.value for i in at.info)


@pytest.mark.parametrize("dataset", ["blobs", "multigauss"])
def test_k_class_and_regression_pages(dataset):
    at = _app()
    at.selectbox(key="playground:data.name").set_value(dataset).run()
    at.button(key="playground:step").click().run()
    assert not at.exception and len(_charts(at)) == 4


def test_divergence_is_reported_and_play_stops():
    at = _app()
    at.selectbox(key="playground:preset").set_value("diverge").run()
    at.button(key="playground:play").click().run()
    for _ in range(3):
        at.run()
    assert not _session(at).running
    assert any("loss became" in e.value for e in at.error)


def test_weight_editor_changes_the_model():
    at = _app()
    at.number_input(key="playground:w:gap").set_value(2).run()
    at.number_input(key="playground:w:from").set_value(3).run()
    at.number_input(key="playground:w:to").set_value(2).run()
    next(n for n in at.number_input if n.label == "Weight").set_value(1.25).run()
    assert not at.exception
    assert _session(at).exp.model.linears()[1].weight[1, 2].item() == 1.25
