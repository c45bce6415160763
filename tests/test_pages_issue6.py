"""AppTest of the Optimizers, Overfitting clinic and Sweeps pages: widgets by key, buttons, charts, no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import playground  # noqa: F401  (loaded first: AppTest puts pages/ on sys.path, where pages/playground.py lives)

PAGES = Path(__file__).resolve().parents[1] / "pages"


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_optimizers_page_races_steps_and_draws_landscape_and_range_test():
    at = page("optimizers.py")
    ok(at)
    assert at.selectbox(key="optimizers:fn").value == "rosenbrock"
    at.selectbox(key="optimizers:fn").set_value("quadratic").run()
    at.slider(key="optimizers:steps").set_value(100).run()
    ok(at)
    charts = at.get("plotly_chart")
    assert len(charts) >= 3        # trajectories, f per step, schedules
    assert len(at.get("bidi_component")) == 3   # live: race curves, the boundaries of your settings, SGD
    at.button(key="optimizers:step").click().run()
    at.button(key="optimizers:step").click().run()
    at.button(key="optimizers:step").click().run()
    ok(at)
    assert at.metric[0].value == "3"
    at.button(key="optimizers:range_test").click().run()
    at.button(key="optimizers:landscape").click().run()
    ok(at)
    keys = {c.proto.id for c in at.get("plotly_chart")}
    assert len(at.get("plotly_chart")) >= len(charts) + 3, keys
    at.button(key="optimizers:use_lr").click().run()
    ok(at)


def test_optimizers_page_races_batch_sizes():
    at = page("optimizers.py")
    at.radio(key="optimizers:mode").set_value("batch").run()
    at.button(key="optimizers:step").click().run()
    ok(at)


def test_regularization_page_trains_twins_restores_and_draws_curves_and_internals():
    at = page("regularization.py")
    ok(at)
    at.select_slider(key="regularization:dropout").set_value(0.3).run()
    at.checkbox(key="regularization:bn").check().run()
    for _ in range(3):
        at.button(key="regularization:step").click().run()
    ok(at)
    assert at.metric[0].value == "3"
    twin_rows = at.dataframe[0].value
    assert list(twin_rows["epoch"]) == [3, 3] and list(twin_rows["weights"]) == ["after epoch 3"] * 2
    at.button(key="regularization:restore:regularized").click().run()
    ok(at)
    at.slider(key="regularization:lc_epochs").set_value(10).run()
    at.button(key="regularization:curves").click().run()
    ok(at)
    assert len(at.get("plotly_chart")) >= 4   # 2 learning curves, BN, dropout masks, train/eval
    assert len(at.get("bidi_component")) == 2   # live: twins, weights


def test_regularization_page_bad_smaller_network_is_a_message_not_a_crash():
    at = page("regularization.py")
    at.text_input(key="regularization:hidden").input("eight").run()
    assert not at.exception
    assert any("model.hidden" in e.value for e in at.error)


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    return tmp_path


def test_sweeps_page_runs_a_study_and_links_the_best_trial(data):
    at = page("sweeps.py")
    at.number_input(key="sweeps:trials").set_value(3).run()
    at.number_input(key="sweeps:epochs").set_value(2).run()
    at.selectbox(key="sweeps:sampler").set_value("random").run()
    at.number_input(key="sweeps:workers").set_value(1).run()
    at.button(key="sweeps:run").click().run()   # returns at once: the job trains beside the page
    ok(at)
    assert at.session_state["sweeps:job"].wait(timeout=240)
    at.run()                                    # the results, once the job has ended
    ok(at)
    assert (data / "sweeps.journal").exists()
    assert at.metric[0].value == "3 of 3" and at.metric[3].value == "3"
    assert len(at.get("plotly_chart")) >= 2
    links = at.get("link_button")
    assert links and "lab=playground" in links[0].proto.url and "train.lr" in links[0].proto.url


@pytest.mark.parametrize(("name", "lab", "n"), [("optimizers.py", "optimizers", 3),
                                               ("regularization.py", "regularization", 2)])
def test_race_views_are_the_same_live_charts_playing_and_paused(name, lab, n):
    at = page(name)
    at.button(key=f"{lab}:play").click().run()
    at.run()                                          # one tick: AppTest has no browser timer
    ok(at)
    assert int(at.metric[0].value.replace(",", "")) > 0
    assert len(at.get("bidi_component")) == n and not at.get("image")
    at.button(key=f"{lab}:play").click().run()        # pause
    ok(at)
    assert len(at.get("bidi_component")) == n and not at.get("image")
