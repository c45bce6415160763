"""The Runs table (issue 12, item 9): every lab's run shows its own architecture and the metric its lab
showed; a run kept at its epoch limit and then saved is stored once; names say which data file."""

from __future__ import annotations

import sqlite3

import pytest

from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset
from playground.store import RunStore
from playground.views.runs import compare_curves, compare_parallel, table_rows


def _trained(preset: str, epochs: int = 2, **values):
    exp = build(with_values(get_preset(preset), {"data.n_samples": 300, **values}))
    exp.trainer.run_epochs(epochs)
    return exp


def _row(store: RunStore, run_id: str) -> dict:
    return next(r for r in table_rows(store.list(), store) if r["id"] == run_id)


@pytest.mark.parametrize("preset, model, metric, key", [
    ("seq_copy_lstm", "LSTM 64 × 1 layer", "token accuracy", "test_token_accuracy"),
    ("transformer_reverse", "Transformer d_model 32, 2 heads, 2 layers", "token accuracy", "test_token_accuracy"),
    ("seq_adding_race_rnn", "RNN 32 × 1 layer", "MSE", "test_mse"),
    ("iris_mlp", None, "accuracy", "test_accuracy"),
])
def test_each_lab_run_lists_its_own_architecture_and_metric(tmp_path, preset, model, metric, key):
    exp = _trained(preset)
    store = RunStore(tmp_path)
    row = _row(store, store.save(exp))
    hidden = ",".join(map(str, exp.cfg.model.hidden))
    assert row["model"] == (model or f"MLP hidden {hidden}")
    assert "hidden" not in row, "the MLP-only column is gone"
    assert row["test metric"] == metric
    assert row["test value"] == pytest.approx(exp.trainer.history.last()[key])   # what the lab's metric tile showed
    assert row["test value"] is not None


def test_cnn_and_stacked_gru_summaries(tmp_path):
    store = RunStore(tmp_path)
    cnn = _row(store, store.save(_trained("digits_cnn", 1)))
    c = get_preset("digits_cnn").model
    assert cnn["model"].startswith(f"CNN conv {','.join(map(str, c.cnn.channels))} ({c.cnn.kernel}×{c.cnn.kernel}")
    gru = _row(store, store.save(_trained("seq_sawtooth_gru", 1, **{"model.rnn.layers": 2,
                                                                     "model.rnn.hidden_size": 8})))
    assert gru["model"] == "GRU 8 × 2 layers" and gru["test metric"] == "R²"


def test_comparison_of_a_sequence_and_a_transformer_run_plots_their_token_accuracy(tmp_path):
    store = RunStore(tmp_path)
    runs = [_trained("seq_copy_lstm", 2), _trained("transformer_reverse", 2)]
    for exp in runs:
        store.save(exp)
    infos = store.list()
    fig = compare_curves(infos, store, "val")
    scores = [t for t in fig.data if t.xaxis == "x2"]
    assert len(scores) == 2 and fig.layout.annotations[1].text == "val token accuracy"
    for exp in runs:
        assert any(list(t.y) == pytest.approx(exp.trainer.history["val_token_accuracy"]) for t in scores)
    dims = {d.label: list(d.values) for d in compare_parallel(infos).data[0].dimensions}
    assert sorted(dims["layers"]) == [1, 2] and "units" not in dims   # 64 and 2 × 32: shared, left out


def test_a_run_kept_at_its_epoch_limit_then_saved_is_stored_once(tmp_path, monkeypatch):
    from playground.ui.session import LabSession, keep_run

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    exp = build(with_values(get_preset("transformer_reverse"), {"data.n_samples": 300, "train.max_epochs": 2}))
    exp.trainer.run_epochs(5)
    assert exp.trainer.done and exp.trainer.epoch == 2                 # stopped at its limit
    session = LabSession("transformers", exp.cfg, exp)
    first = keep_run(session)                                          # kept when it stopped by itself
    second = keep_run(session, force=True)                             # then "Save run"
    assert first == second and len(RunStore(tmp_path).list()) == 1
    owner = RunStore(tmp_path).get(first).owner                        # the browser that kept it
    assert RunStore(tmp_path).save(exp, "mine", owner) == first        # a named save of the same state renames it
    assert [i.name for i in RunStore(tmp_path).list()] == ["mine"]
    exp.trainer.resume()
    exp.trainer.run_epochs(1)                                          # more training: a new run
    assert keep_run(session, force=True) != first and len(RunStore(tmp_path).list()) == 2


def test_names_and_data_column_say_which_uploaded_file(tmp_path):
    import io

    import numpy as np

    from playground.data import tabular as tab
    from playground.data.images import read_upload

    raw = b"a,b,y\n" + b"".join(f"{i % 7},{i % 5},{int(i % 7 > 3)}\n".encode() for i in range(60))
    cfg = with_values(get_preset("iris_mlp"), {"data.name": "csv", "data.source": "*bold* <b>x</b>.csv#abc"})
    exp = build(cfg, tab.csv_dataset(raw, cfg.data, cfg.seed))
    exp.trainer.run_epochs(1)
    store = RunStore(tmp_path)
    row = _row(store, store.save(exp))
    assert row["data"] == "*bold* <b>x</b>.csv" and "*bold* <b>x</b>.csv" in row["name"]

    buf = io.BytesIO()
    np.savez(buf, X=np.random.default_rng(0).random((60, 1, 6, 6)).astype(np.float32), y=np.arange(60) % 3)
    arrays = read_upload([("scans.npz", buf.getvalue())])
    cfg = with_values(get_preset("digits_cnn"), {"data.name": "image_upload", "data.source": "upload-abc",
                                                 "model.cnn.channels": (4,)})
    exp = build(cfg, sources={"upload-abc": arrays})
    exp.trainer.run_epochs(1)
    row = _row(store, store.save(exp))
    assert row["data"] == "scans.npz" and "scans.npz" in row["name"]


def test_a_store_from_before_the_digest_column_still_opens_and_saves(tmp_path):
    con = sqlite3.connect(tmp_path / "runs.sqlite")
    con.execute("""CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, lab TEXT NOT NULL,
        created REAL NOT NULL, config TEXT NOT NULL, metrics TEXT NOT NULL, steps INTEGER NOT NULL,
        epochs INTEGER NOT NULL, status TEXT NOT NULL)""")
    con.commit()
    con.close()
    store = RunStore(tmp_path)
    exp = _trained("iris_mlp", 1)
    assert store.save(exp) == store.save(exp) and len(store.list()) == 1


def test_the_runs_page_lists_a_sequence_and_a_transformer_run_with_their_own_columns(tmp_path, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    store = RunStore(tmp_path)
    runs = {"seq": _trained("seq_copy_lstm", 2), "tf": _trained("transformer_reverse", 2)}
    ids = {k: store.save(exp, f"<b>{k}</b> *run*", owner="a" * 32) for k, exp in runs.items()}
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["owner_id"] = "a" * 32   # the browser that saved them (its cookie)
    at.run()
    at.switch_page("pages/runs.py").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    table = at.dataframe[0].value.set_index("id")
    for k, exp in runs.items():
        row = table.loc[ids[k]]
        assert row["name"] == f"<b>{k}</b> *run*"                        # as typed: text, not markup
        assert row["test metric"] == "token accuracy"
        assert row["test value"] == pytest.approx(exp.trainer.history.last()["test_token_accuracy"])
    assert table.loc[ids["seq"], "model"] == "LSTM 64 × 1 layer"
    assert table.loc[ids["tf"], "model"] == "Transformer d_model 32, 2 heads, 2 layers"
    assert "hidden" not in table.columns


def test_run_names_in_the_comparison_are_text_not_plotly_markup(tmp_path):
    store = RunStore(tmp_path)
    store.save(_trained("iris_mlp", 1), "<b>best</b> & co")
    fig = compare_curves(store.list(), store)
    assert {t.name for t in fig.data} == {"&lt;b&gt;best&lt;/b&gt; &amp; co"}   # Plotly shows the entities as typed
    assert all(t.hovertemplate.startswith("&lt;b&gt;best") for t in fig.data)
