"""AppTest of the Your data, Runs and Explain pages (through the app's router, as a user navigates)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.store import RunStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120).run()
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _charts(at: AppTest) -> set[str]:
    return {c.key for c in at.get("plotly_chart")}


def _live(at: AppTest) -> set[str]:
    """Keys of the live charts (playground/ui/chart.py: a Components v2 element whose id ends in its key)."""
    return {c.proto.id.split("-", 2)[-1] for c in at.get("bidi_component")}


def test_your_data_trains_compares_and_takes_a_csv(app):
    at = app.switch_page("pages/tabular.py").run()
    _ok(at)
    live = {"tabular:boundary", "tabular:curves", "tabular:scores", "tabular:metrics"}
    assert live | {"tabular:baseline:linear", "tabular:baseline:boosting"} <= _live(at), "small data: fitted at once"
    assert not at.get("image") and not _charts(at), "every chart of the lab is a live chart, no frames"
    at.button(key="tabular:step").click().run()
    assert at.metric[0].value == "1"
    at.multiselect(key="tabular:baselines").set_value(["majority", "knn"])
    at.button(key="tabular:fit").click().run()
    _ok(at)
    assert live | {"tabular:baseline:majority", "tabular:baseline:knn"} == _live(at), "the picked baselines, refitted"
    at.selectbox(key="tabular:data").set_value("wine").run()
    _ok(at)
    assert at.session_state["lab:tabular"].exp.dataset.spec.input_shape == (13,)
    assert "Reset" in at.info[0].value, "the rebuild is explained"
    at.selectbox(key="tabular:data").set_value("csv").run()
    at.button(key="tabular:example").click().run()
    _ok(at)
    cfg = at.session_state["lab:tabular"].cfg
    assert (cfg.data.name, cfg.data.tabular.target) == ("csv", "progression")
    assert any("filled" in c.value for c in at.caption), "cleaning notes are shown"
    at.button(key="tabular:step").click().run()
    _ok(at)
    assert at.metric[3].label == "Test R²"
    at.selectbox(key="tabular:target:example.csv").set_value("sex").run()
    _ok(at)
    assert at.session_state["lab:tabular"].exp.dataset.task == "classification"


def test_runs_are_kept_compared_renamed_exported_and_deleted(app, tmp_path):
    at = app.switch_page("pages/tabular.py").run()
    at.button(key="tabular:step").click().run()
    at.button(key="tabular:save").click().run()
    assert "Saved this run" in at.info[0].value
    at.button(key="tabular:step").click().run()
    at.selectbox(key="tabular:data").set_value("wine").run()      # a rebuild keeps the run that trained
    assert len(RunStore(tmp_path).list()) == 2
    at.switch_page("pages/runs.py").run()
    _ok(at)
    assert {"runs:curves", "runs:parallel"} <= _charts(at)
    first = RunStore(tmp_path).list()[0].id
    at.text_input(key=f"runs:name:{first}").set_value("my best run").run()
    at.button(key="runs:rename").click().run()
    assert RunStore(tmp_path).get(first).name == "my best run"
    at.button(key="runs:reopen").click().run()        # back into its lab, weights and curves restored
    _ok(at)
    reopened = at.session_state["lab:tabular"]
    assert reopened.exp.trainer.epoch == RunStore(tmp_path).get(first).epochs
    assert len(reopened.exp.trainer.history["train_loss"]) == reopened.exp.trainer.epoch + 1
    at.switch_page("pages/runs.py").run()
    at.toggle(key="runs:export").set_value(True).run()
    _ok(at)
    assert {b.label for b in at.get("download_button")} >= {"Download all (.zip)", "train.py", "model.onnx"}
    at.button(key="runs:delete").click().run()
    _ok(at)
    assert [i.id for i in RunStore(tmp_path).list()] != [first] and len(RunStore(tmp_path).list()) == 1


def test_a_run_that_stops_on_its_own_is_kept(app, tmp_path):
    at = app
    at.query_params.update({"lab": "tabular", "train.max_epochs": "3"})
    at = at.switch_page("pages/tabular.py").run()
    assert at.session_state["lab:tabular"].cfg.train.max_epochs == 3
    at.button(key="tabular:play").click().run()       # the click's own run draws,
    at.run()                                          # and the epoch limit is reached within the first tick
    _ok(at)
    session = at.session_state["lab:tabular"]
    assert session.exp.trainer.done and not session.running and at.button(key="tabular:play").label == "Play"
    assert [(i.lab, i.epochs) for i in RunStore(tmp_path).list()] == [("tabular", 3)], "kept without a Pause"
    at.button(key="tabular:save").click().run()       # Save run of the same state: no second copy (issue 12)
    assert "Saved this run" in at.info[0].value and len(RunStore(tmp_path).list()) == 1


def test_runs_page_without_runs_says_so(app):
    at = app.switch_page("pages/runs.py").run()
    _ok(at)
    assert "No runs yet" in at.info[0].value


def test_explain_hub_on_a_session_model_and_a_stored_run(app, tmp_path):
    at = app.switch_page("pages/tabular.py").run()
    for _ in range(5):
        at.button(key="tabular:step").click().run()
    at.button(key="tabular:save").click().run()
    at.switch_page("pages/explain.py").run()
    _ok(at)
    assert {"explain:global", "explain:sample", "explain:heatmap", "explain:agreement", "explain:layer_cond",
            "explain:neuron_cond"} <= _charts(at)
    assert at.metric[0].label == "Mean |convergence delta|"
    at.selectbox(key="explain:class").set_value(1).run()
    at.selectbox(key="explain:outcome").set_value("correct").run()
    at.number_input(key="explain:neuron").set_value(3).run()
    _ok(at)
    at.selectbox(key="explain:method").set_value("shapley_sampling").run()
    assert "explain:global" not in _charts(at), "slow methods wait for their button"
    at.button(key="explain:slow").click().run()
    _ok(at)
    assert "explain:global" in _charts(at)
    run_id = RunStore(tmp_path).list()[0].id
    at.selectbox(key="explain:source").set_value(f"run:{run_id}").run()
    _ok(at)
    assert at.session_state["explain:run"][1].trainer.epoch == 5
    at.selectbox(key="explain:method").set_value("deeplift").run()
    _ok(at)
    assert {"explain:global", "explain:agreement"} <= _charts(at)


def test_leaving_and_coming_back_keeps_the_model(app):
    at = app.switch_page("pages/tabular.py").run()
    at.selectbox(key="tabular:data").set_value("wine").run()
    at.button(key="tabular:step").click().run()
    at.switch_page("pages/runs.py").run()
    at.switch_page("pages/tabular.py").run()   # Streamlit dropped the widgets' state meanwhile
    _ok(at)
    s = at.session_state["lab:tabular"]
    assert (s.cfg.data.name, s.cfg.data.train_fraction, s.exp.trainer.epoch) == ("wine", 0.6, 1)


def test_a_run_on_uploaded_images_reopens_in_a_new_session(app, tmp_path):
    import io

    import numpy as np
    import torch

    from playground.config import with_values
    from playground.data.images import read_upload
    from playground.experiment import build
    from playground.presets import get_preset

    buf = io.BytesIO()
    np.savez(buf, X=np.random.default_rng(0).random((60, 1, 6, 6)).astype(np.float32), y=np.arange(60) % 3)
    cfg = with_values(get_preset("digits_cnn"), {"data.name": "image_upload", "data.source": "upload-xyz",
                                                 "model.cnn.channels": (4,)})
    exp = build(cfg, sources={"upload-xyz": read_upload([("scans.npz", buf.getvalue())])})
    exp.trainer.run_epochs(2)
    RunStore(tmp_path).save(exp, owner=app.session_state["owner_id"])   # saved by another session of this browser
    at = app.switch_page("pages/runs.py").run()
    at.button(key="runs:reopen").click().run()
    _ok(at)
    reopened = at.session_state["lab:images"]
    assert reopened.exp.trainer.epoch == 2 and torch.equal(reopened.exp.dataset.test.x, exp.dataset.test.x)
    assert "upload-xyz" in reopened.sources           # so a later rebuild in the lab still finds the images
