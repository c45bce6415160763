"""Sweeps on Optuna: parameter specs, the journal storage and resume, intermediate values at a cadence,
pruning, the CLI, and the best trial's link back to its lab. Jobs with several workers and Stop are in
test_sweeps_jobs.py."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from playground.cli import main
from playground.config import with_values
from playground.presets import get_preset
from playground.registry import ConfigError
from playground.sweep_jobs import run_sweep
from playground.sweeps import (
    Sweep,
    best_config,
    data_dir,
    default_storage,
    open_study,
    parse_param,
    run_info,
    trials_table,
)
from playground.views.sweeps import best_link, params_from_rows

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    return tmp_path


def tiny():
    return with_values(get_preset("tf_circle"), {"data.n_samples": 80, "train.batch_size": 0})


def test_parse_param_reads_every_kind_and_names_the_field_on_errors():
    assert parse_param("train.lr=log:1e-3:1").grid()[0] == pytest.approx(1e-3)
    assert parse_param("model.hidden=choice:4|8,8").choices == ("4", "8,8")
    assert parse_param("train.batch_size=int:1:4").grid() == [1, 2, 3, 4]
    assert len(parse_param("train.momentum=float:0:0.9").grid()) == 5
    for bad, field in [("train.lr=log:0:1", "train.lr"), ("train.lr=float:1:100", "train.lr"),
                       ("train.nope=int:1:2", "train.nope"), ("train.optimizer=choice:sgd|warp", "train.optimizer"),
                       ("train.lr", "train.lr"), ("train.lr=float:2:1", "train.lr")]:
        with pytest.raises(ConfigError) as err:
            parse_param(bad)
        assert err.value.field == field, bad


def test_the_default_storage_is_a_journal_file_in_the_data_dir(data):
    assert data_dir() == data
    assert default_storage() == f"journal:///{data / 'sweeps.journal'}"


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_a_sweep_resumed_from_its_storage_keeps_its_trials(data, kind):
    sweep = Sweep(tiny(), (parse_param("train.lr=log:1e-3:1"),), sampler="random", epochs=3, seed=1)
    storage = f"{kind}:///{data / 'studies'}"
    first = run_sweep(sweep, 3, storage, name="resume")
    kept = [(t.number, t.params) for t in first.trials]
    assert (data / "studies").exists() and len(kept) == 3
    again = run_sweep(sweep, 5, storage, name="resume")
    assert len(again.trials) == 5
    assert [(t.number, t.params) for t in again.trials][:3] == kept
    rows = trials_table(again)
    assert {r["state"] for r in rows} <= {"complete", "pruned"} and "train.lr" in rows[0]


def test_median_pruning_stops_a_trial_worse_than_the_median(data):
    base = with_values(tiny(), {"train.optimizer": "adam"})
    sweep = Sweep(base, (parse_param("train.lr=log:1e-4:1"),), sampler="random", epochs=10, seed=0,
                  objective="train_loss")
    study = open_study(sweep, name="prune")
    study.set_user_attr("report_every", 2)                   # a resumed study keeps its cadence
    for lr in (0.05, 0.04, 0.03, 1e-4):                      # three good trials first, then a hopeless one
        study.enqueue_trial({"train.lr": lr})
    study = run_sweep(sweep, 4, name="prune")
    states = [t.state for t in study.trials]
    assert states[:3] == [optuna.trial.TrialState.COMPLETE] * 3
    assert list(study.trials[0].intermediate_values) == [2, 4, 6, 8, 10]   # every 2nd epoch, not every epoch
    assert states[3] == optuna.trial.TrialState.PRUNED
    assert run_info(study.trials[3])["epochs"] < 10 and not run_info(study.trials[3])["stopped"]


def test_grid_sampler_visits_every_grid_point(data):
    sweep = Sweep(tiny(), (parse_param("train.lr=log:1e-4:1"),), sampler="grid", epochs=1, prune=False, seed=0)
    study = run_sweep(sweep, 5, name="grid")
    assert sorted(t.params["train.lr"] for t in study.trials) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])


def test_the_best_trial_config_opens_in_its_lab(data):
    base = with_values(tiny(), {"lab": "optimizers"})
    sweep = Sweep(base, params_from_rows([{"key": "train.lr", "kind": "float", "low": 0.01, "high": 0.5,
                                           "choices": ""}, {"key": ""}], base), sampler="tpe", epochs=2, seed=0)
    study = run_sweep(sweep, 2, name="best")
    cfg = best_config(study)
    assert cfg.train.lr == study.best_trial.params["train.lr"] and cfg.lab == "optimizers"
    label, url = best_link(study)
    assert label == "Optimizers" and url.startswith("./optimizers?") and "train.lr=" in url


def test_cli_sweep_prints_json_and_rejects_bad_specs(data, capsys):
    code = main(["sweep", "--preset", "tf_circle", "--set", "data.n_samples=80", "--param", "train.lr=log:1e-3:1",
                 "--trials", "2", "--epochs", "2", "--json", "--seed", "0"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["trials"] == 2 and out["objective"] == "val_loss" and "train.lr" in out["best_params"]
    assert main(["sweep", "--preset", "tf_circle", "--param", "train.lr=log:0:1"]) == 2
    assert "train.lr" in capsys.readouterr().err
    assert main(["sweep", "--preset", "tf_circle"]) == 2
