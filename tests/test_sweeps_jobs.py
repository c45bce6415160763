"""Sweeps as jobs: `--workers 2` gives exactly N trials on one study and resumes with a larger N; a stop
request (as the page's Stop button sends it) ends the trials in flight between epochs and starts no new
one; a multi-objective trial stops too; the job's progress counts trials and the best value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import optuna
import pytest

from playground.config import with_values
from playground.presets import get_preset
from playground.sweep_jobs import FileTickets, StopFlag, request_stop, start
from playground.sweeps import Sweep, objective, open_storage, parse_param, run_info, trials_table

ROOT = Path(__file__).resolve().parents[1]
LR = "train.lr=log:1e-3:1"


def tiny():
    return with_values(get_preset("tf_circle"), {"data.n_samples": 80, "train.batch_size": 0})


def cli_sweep(storage: str, trials: int, workers: int, tmp_path: Path) -> dict:
    cmd = [sys.executable, "-m", "playground", "sweep", "--preset", "tf_circle", "--set", "data.n_samples=80",
           "--param", LR, "--trials", str(trials), "--epochs", "3", "--sampler", "random", "--storage", storage,
           "--study", "shared", "--workers", str(workers), "--json"]
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_two_workers_give_exactly_n_trials_and_a_second_run_adds_the_difference(tmp_path):
    storage = f"journal:///{tmp_path / 'shared.journal'}"
    assert cli_sweep(storage, 7, 2, tmp_path)["trials"] == 7
    assert cli_sweep(storage, 10, 2, tmp_path)["trials"] == 10
    trials = optuna.load_study(study_name="shared", storage=open_storage(storage)).trials
    assert len(trials) == 10 and sorted(t.number for t in trials) == list(range(10))
    assert len({t.params["train.lr"] for t in trials}) == 10           # the workers' samplers differ
    assert all(t.state.is_finished() for t in trials)


def test_a_stop_request_ends_the_running_trials_between_epochs_and_starts_none(tmp_path):
    """As the page does: start a job of worker processes, then stop it through the library. Each trial would
    train 5,000 epochs; both end as pruned, marked stopped, long before that, and no third trial starts."""
    sweep = Sweep(tiny(), (parse_param(LR),), sampler="random", epochs=5000, prune=False, seed=0)
    storage = f"journal:///{tmp_path / 'stop.journal'}"
    job = start(sweep, 20, storage, "stop", workers=2, where="process")
    study = optuna.load_study(study_name="stop", storage=open_storage(storage))
    while sum(t.state.name == "RUNNING" for t in study.get_trials(deepcopy=False)) < 2:
        assert job.progress().finished is False
        job.wait(timeout=0.1)
    request_stop(study)                        # from another study object, as another process would
    assert job.wait(timeout=120)
    trials = study.trials
    assert len(trials) == 2
    assert [t.state.name for t in trials] == ["PRUNED", "PRUNED"]
    assert all(run_info(t)["stopped"] and 0 < run_info(t)["epochs"] < 5000 for t in trials), \
        [run_info(t) for t in trials]
    assert [r["state"] for r in trials_table(study)] == ["stopped", "stopped"]   # as the page's table shows them
    p = job.progress()
    assert p.finished and p.done == 2 and p.total == 20 and p.best is None


def test_the_job_counts_progress_and_the_best_value(tmp_path):
    sweep = Sweep(tiny(), (parse_param(LR),), sampler="random", epochs=2, prune=False, seed=0)
    job = start(sweep, 3, f"journal:///{tmp_path / 'p.journal'}", "p", workers=1, where="thread")
    seen = []
    assert job.wait(timeout=120, progress=seen.append)
    p = job.progress()
    assert (p.done, p.total, p.running, p.finished, p.stopping) == (3, 3, 0, True, False)
    assert p.best == min(t.value for t in job.study.trials) and p.text() == "done: 3 of 3 trials"
    assert [s.done for s in seen] == sorted({s.done for s in seen})    # called when the count changes


def test_a_multi_objective_trial_stops_on_request_although_optuna_cannot_prune_it():
    sweep = Sweep(tiny(), (parse_param(LR),), epochs=50)
    study = optuna.create_study(directions=["minimize", "minimize"])
    local = threading.Event()
    local.set()                                  # a stop requested before the first epoch ends
    study.optimize(objective(sweep, 1, StopFlag(study, local)), n_trials=1)
    (trial,) = study.trials
    assert trial.state.name == "PRUNED" and run_info(trial)["stopped"] and run_info(trial)["epochs"] == 1


def test_the_stop_flag_reads_the_study_at_most_every_quarter_second(monkeypatch):
    study = optuna.create_study()
    flag = StopFlag(study)
    reads = []
    real = type(study).user_attrs.fget
    monkeypatch.setattr(type(study), "user_attrs", property(lambda s: reads.append(1) or real(s)))
    clock = iter([0.0, 0.1, 0.2, 0.3, 0.4, 0.6])
    monkeypatch.setattr("playground.sweep_jobs.time.monotonic", lambda: next(clock))
    assert [flag() for _ in range(5)] == [False] * 5        # t = 0, 0.1, 0.2, 0.3, 0.4: reads at 0 and 0.3
    assert len(reads) == 2
    request_stop(study)
    assert flag() and len(reads) == 3                        # t = 0.6: read, and it stays raised


def test_tickets_are_handed_out_exactly_once_across_threads():
    tickets = FileTickets.create(50)
    taken = []
    threads = [threading.Thread(target=lambda: taken.extend(tickets.take() for _ in range(20))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tickets.remove()
    assert taken.count(True) == 50 and taken.count(False) == 30


@pytest.mark.parametrize("url", ["journal:///{tmp}/no/such/folder/x.journal"])
def test_a_journal_in_a_missing_folder_is_a_storage_error(url, tmp_path):
    from playground.sweeps import StorageError

    with pytest.raises(StorageError, match=r"^storage: cannot open journal:///.*x\.journal: no folder"):
        open_storage(url.format(tmp=tmp_path))


def test_a_study_that_already_holds_its_trials_starts_no_worker(tmp_path):
    sweep = Sweep(tiny(), (parse_param(LR),), sampler="random", epochs=1, prune=False, seed=0)
    storage = f"journal:///{tmp_path / 'full.journal'}"
    assert start(sweep, 2, storage, "full", where="thread").wait(timeout=120)
    again = start(sweep, 2, storage, "full", workers=2, where="process")
    assert again.handles == [] and again.progress().finished and again.wait(timeout=1)
    assert len(again.study.trials) == 2 and again.study.user_attrs["report_every"] >= 1


def test_the_server_refuses_a_sweep_over_its_worker_limit_before_starting_it(tmp_path, monkeypatch):
    """Visitors' sweeps share the server: at most MAX_WORKERS workers at once; one more is refused with a
    message naming the field, and nothing is started for it (its study is never created)."""
    import playground.sweep_jobs as jobs
    from playground.registry import ConfigError

    monkeypatch.setattr(jobs, "MAX_WORKERS", 1)
    sweep = Sweep(tiny(), (parse_param(LR),), sampler="random", epochs=5000, prune=False, seed=0)
    storage = f"journal:///{tmp_path / 'limit.journal'}"
    first = start(sweep, 5, storage, "first", workers=1, where="thread")
    try:
        with pytest.raises(ConfigError, match="at most 1") as err:
            start(sweep, 5, storage, "second", workers=1, where="thread")
        assert err.value.field == "workers"
        assert "second" not in optuna.get_all_study_names(open_storage(storage))
    finally:
        first.stop()
        assert first.wait(timeout=60)
