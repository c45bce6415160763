"""AppTest of the transfer lab's page: strategies side by side, Step trains every run, each view draws, the
label-efficiency study runs and its refusals are messages, bad settings change nothing, no exception
(bad backbones and uploads: tests/test_backbones.py, test_upload_bombs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import playground  # noqa: F401  (loaded first: AppTest puts pages/ on sys.path, where pages/playground.py lives)

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "transfer.py")


@pytest.fixture
def at(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    ok(app)
    return app


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def group(at: AppTest):
    return at.session_state["lab:transfer"].extra["strategy_group"]


def test_strategies_train_side_by_side_from_one_start(at):
    g = group(at)
    assert next(iter(g.runs)) == "Linear probe (yours)" and len(g.runs) == 5
    assert len(at.get("bidi_component")) == 2        # live: strategy curves, block diagram
    at.button(key="transfer:step").click().run()
    ok(at)
    assert [exp.trainer.epoch for exp in group(at).runs.values()] == [1] * 5
    frozen = {label: exp.trainer.history["frozen"][-1] for label, exp in group(at).runs.items()}
    assert frozen["Linear probe (yours)"] == 3 and frozen["From scratch"] == 0
    at.multiselect(key="transfer:strategies").set_value(["scratch"]).run()
    ok(at)
    assert list(group(at).runs) == ["Linear probe (yours)", "From scratch"]


def test_embedding_view_and_neighbours_draw(at):
    at.segmented_control(key="transfer:view").set_value("Embedding").run()
    ok(at)
    assert len(at.get("bidi_component")) == 2        # embedding before/after, neighbours
    at.number_input(key="transfer:index").set_value(7).run()
    ok(at)


def test_label_efficiency_runs_and_refuses_too_many_labels(at):
    at.segmented_control(key="transfer:view").set_value("Label efficiency").run()
    at.multiselect(key="transfer:strategies").set_value(["scratch"]).run()
    at.multiselect(key="transfer:budgets").set_value([1, 5]).run()
    at.number_input(key="transfer:seeds").set_value(1).run()
    ok(at)
    at.button(key="transfer:efficiency").click().run()
    ok(at)
    job, n_classes = at.session_state["lab:transfer"].extra["study"]
    job.wait(120)                                   # it trains in the background: the page returned at once
    at.run()
    ok(at)
    assert n_classes == 5 and not job.error
    assert [(r.strategy, r.budget) for r in job.rows] == [("scratch", 1), ("scratch", 5), ("linear_probe", 1),
                                                          ("linear_probe", 5)]   # scratch, and the lab's own probe
    assert len(at.get("bidi_component")) == 1       # the study's chart (the live views are off in this view)
    at.multiselect(key="transfer:budgets").set_value([1000]).run()
    assert any("labels_per_class" in e.value for e in at.error), "a budget over the data is refused, not trained"


def test_bad_strategy_settings_are_refused_and_nothing_changes(at):
    before = at.session_state["lab:transfer"].cfg
    at.text_input(key="transfer:train.lr_scales").set_value("0.1, 0.2, 0.3, 0.4, 0.5").run()
    assert any("lr_scales" in e.value for e in at.error)
    assert at.session_state["lab:transfer"].cfg == before
