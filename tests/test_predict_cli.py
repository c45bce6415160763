"""`python -m playground predict` and the exports score raw CSV rows as the app does: a run stored in a temporary
run store, its model.pt, and model.onnx with its preprocess.json companion all give the in-process model's
predictions on the raw test rows to 1e-6; the exported train.py refits the preprocessing on the training
rows and reproduces the app's metrics; bad files, missing columns and unknown runs exit 2 with one line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from playground import export
from playground.cli import main
from playground.config import with_values
from playground.data import tabular as tab
from playground.data.base import split_indices
from playground.data.preprocess import Preprocessor
from playground.experiment import build
from playground.presets import get_preset
from playground.store import RunStore
from tests.test_preprocess import RARE, _cfg, realistic_csv

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def churn():
    """A CSV run trained briefly on the realistic table, and the raw test rows (pandas directly)."""
    cfg = _cfg(**{"train.max_epochs": 15})
    raw = realistic_csv()
    exp = build(cfg, tab.csv_dataset(raw, cfg.data, cfg.seed))
    exp.trainer.run_epochs(15)
    df = pd.read_csv(io.BytesIO(raw))
    test = split_indices(len(df), cfg.data.train_fraction, cfg.data.val_fraction, np.random.default_rng(cfg.seed))[2]
    return exp, df.iloc[test]


def _app_proba(exp) -> np.ndarray:
    exp.model.eval()
    with torch.no_grad():
        return exp.model(exp.dataset.test.x).softmax(-1).double().numpy()


def _predict(capsys, *argv) -> dict:
    assert main(["predict", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_predict_on_a_stored_run_matches_the_app(churn, tmp_path, monkeypatch, capsys):
    exp, rows = churn
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "store"))
    run_id = RunStore().save(exp)
    assert (tmp_path / "store" / "runs" / run_id / "preprocess.json").exists(), "the preprocessing is kept"
    path = tmp_path / "new_rows.csv"
    rows.drop(columns=["churn"]).to_csv(path, index=False)   # raw rows: blanks, stray words, an unseen city
    got = _predict(capsys, "--run", run_id, "--data", str(path))
    want = _app_proba(exp)
    assert got["classes"] == ["leave", "stay"] and len(got["prediction"]) == len(rows)
    np.testing.assert_allclose(np.asarray(got["probabilities"]), want, atol=1e-6)
    assert got["prediction"] == [["leave", "stay"][i] for i in want.argmax(1)]


def test_predict_prints_csv_and_names_unseen_categories(churn, tmp_path, capsys):
    exp, rows = churn
    (tmp_path / "model.pt").write_bytes(export.export_files(exp)["model.pt"])
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)   # the target column too: ignored
    assert main(["predict", "--checkpoint", str(tmp_path / "model.pt"), "--data", str(path)]) == 0
    out = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out.out))
    assert list(table.columns) == ["row", "predicted churn", "p(leave)", "p(stay)"] and len(table) == len(rows)
    np.testing.assert_allclose(table[["p(leave)", "p(stay)"]].to_numpy(), _app_proba(exp), atol=1e-5)  # 6 digits
    assert f"city: '{RARE}' not in the training rows" in out.err


def test_the_checkpoint_alone_scores_raw_rows(churn, tmp_path, capsys):
    exp, rows = churn
    raw = export.export_files(exp)["model.pt"]
    ck = torch.load(io.BytesIO(raw), weights_only=True)   # plain types only
    assert ck["preprocess"] == exp.dataset.meta["preprocess"].to_dict()
    (tmp_path / "model.pt").write_bytes(raw)
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    got = _predict(capsys, "--checkpoint", str(tmp_path / "model.pt"), "--data", str(path))
    np.testing.assert_allclose(np.asarray(got["probabilities"]), _app_proba(exp), atol=1e-6)


def test_onnx_with_its_companion_json_scores_raw_rows(churn):
    from onnx.reference import ReferenceEvaluator

    exp, rows = churn
    files = export.export_files(exp)
    companion = json.loads(files["preprocess.json"])
    assert "model.onnx" in companion["about"]
    x = Preprocessor.from_dict(companion).transform(rows)   # the documented steps, from the JSON alone
    logits = ReferenceEvaluator(files["model.onnx"]).run(None, {"input": x})[0]
    proba = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(proba / proba.sum(1, keepdims=True), _app_proba(exp), atol=1e-6)


def test_exported_script_refits_the_preprocessing_and_reproduces_the_app(churn, tmp_path):
    exp, _ = churn
    export.export_all(exp, tmp_path)
    data = torch.load(tmp_path / "data.pt", weights_only=True)
    assert torch.isnan(data["numeric"]).any() and "train_x" not in data, "raw columns: the script fits"
    out = subprocess.run([sys.executable, str(tmp_path / "train.py")], capture_output=True, text=True, timeout=180,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    app = exp.trainer.history.last()
    for key in ("train_loss", "val_loss", "test_loss", "test_accuracy"):
        assert result[key] == pytest.approx(app[key], abs=1e-5), key


def test_a_preset_run_and_a_regression_run_predict_like_the_app(tmp_path, monkeypatch, capsys):
    import sklearn.datasets

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    cfg = with_values(get_preset("iris_mlp"), {"seed": 2})
    exp = build(cfg)
    exp.trainer.run_epochs(10)
    run_id = RunStore().save(exp)
    frame = sklearn.datasets.load_iris(as_frame=True).data
    test = split_indices(len(frame), cfg.data.train_fraction, cfg.data.val_fraction, np.random.default_rng(2))[2]
    frame.iloc[test].to_csv(tmp_path / "iris_rows.csv", index=False)
    got = _predict(capsys, "--run", run_id, "--data", str(tmp_path / "iris_rows.csv"))
    np.testing.assert_allclose(np.asarray(got["probabilities"]), _app_proba(exp), atol=1e-6)

    raw = tab.example_csv()   # diabetes progression: a regression with blanks and a text column
    cfg = with_values(get_preset("iris_mlp"), {"data.name": "csv", "data.source": "example.csv",
                                               "data.tabular.target": "progression"})
    exp = build(cfg, tab.csv_dataset(raw, cfg.data, cfg.seed))
    exp.trainer.run_epochs(5)
    run_id = RunStore().save(exp)
    df = pd.read_csv(io.BytesIO(raw))
    test = split_indices(len(df), cfg.data.train_fraction, cfg.data.val_fraction, np.random.default_rng(cfg.seed))[2]
    df.iloc[test].to_csv(tmp_path / "diabetes_rows.csv", index=False)
    got = _predict(capsys, "--run", run_id, "--data", str(tmp_path / "diabetes_rows.csv"))
    prep = exp.dataset.meta["preprocess"]
    exp.model.eval()
    with torch.no_grad():
        want = exp.model(exp.dataset.test.x)[:, 0].double().numpy() * prep.y_std + prep.y_mean
    np.testing.assert_allclose(got["prediction"], want, atol=1e-6 * max(1.0, float(np.abs(want).max())))
    assert got["task"] == "regression" and "probabilities" not in got


@pytest.mark.parametrize(("content", "message"), [
    (b"age,income\n40,1000\n", "no column 'tenure', 'city', 'plan'"),
    (b"\x00\x01PK binary", "binary file"),
    (b"", "empty"),
])
def test_bad_rows_exit_2_with_one_line(churn, tmp_path, content, message):
    exp, _ = churn
    (tmp_path / "model.pt").write_bytes(export.export_files(exp)["model.pt"])
    (tmp_path / "rows.csv").write_bytes(content)
    out = subprocess.run([sys.executable, "-m", "playground", "predict", "--checkpoint", str(tmp_path / "model.pt"),
                          "--data", str(tmp_path / "rows.csv")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr, out.stderr


def test_unknown_run_missing_file_and_a_non_table_checkpoint_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    assert main(["predict", "--run", "nope", "--data", "x.csv"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err
    exp = build(with_values(get_preset("iris_mlp"), {"data.name": "moons", "lab": "playground"}))
    (tmp_path / "model.pt").write_bytes(export.export_files(exp)["model.pt"])
    assert main(["predict", "--checkpoint", str(tmp_path / "model.pt"), "--data", "x.csv"]) == 2
    assert "not a table's model" in capsys.readouterr().err
    assert main(["predict", "--checkpoint", str(tmp_path / "missing.pt"), "--data", "x.csv"]) == 2
    assert "cannot read" in capsys.readouterr().err
