"""Jobs on Ray (PLAYGROUND_RAY set). Sweeps: trials run as Ray tasks sharing the study's storage, exactly N in
all, and a stop request ends the running trials between epochs. The transfer lab's label-efficiency study: its
trainings run as Ray tasks and give the rows the study gives here. Ray starts once for this module (a few
seconds, 2 CPUs) and is shut down after it."""

from __future__ import annotations

import pytest

from playground.config import with_values
from playground.presets import get_preset
from playground.sweep_jobs import request_stop, start
from playground.sweeps import Sweep, parse_param, run_info

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def sweep(epochs: int) -> Sweep:
    base = with_values(get_preset("tf_circle"), {"data.n_samples": 80, "train.batch_size": 0})
    return Sweep(base, (parse_param("train.lr=log:1e-3:1"),), sampler="random", epochs=epochs, prune=False, seed=0)


def test_ray_tasks_give_exactly_n_trials_then_stop_on_request(local_ray, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_RAY", "local")   # the default place for workers becomes Ray
    storage = f"journal:///{tmp_path / 'ray.journal'}"
    job = start(sweep(3), 5, storage, "ray-n", workers=2)
    assert job.where == "ray" and job.wait(timeout=240)
    assert len(job.study.trials) == 5 and all(t.state.name == "COMPLETE" for t in job.study.trials)

    job = start(sweep(5000), 20, storage, "ray-stop", workers=2)
    while job.progress().running < 2:
        job.wait(timeout=0.1)
    request_stop(job.study)
    assert job.wait(timeout=240)
    trials = job.study.trials
    assert [t.state.name for t in trials] == ["PRUNED", "PRUNED"]
    assert all(run_info(t)["stopped"] and run_info(t)["epochs"] < 5000 for t in trials)


def test_the_label_efficiency_study_runs_as_ray_tasks_with_the_same_results(local_ray, monkeypatch):
    from playground.transfer.efficiency import label_efficiency
    from playground.transfer.study_job import start_study

    monkeypatch.setenv("PLAYGROUND_RAY", "local")
    cfg = with_values(get_preset("transfer_digits"), {"data.image.labels_per_class": 0})
    job = start_study(cfg, ["scratch", "linear_probe"], [1, 5], 1, steps=20)
    assert job.where == "ray"
    job.wait(240)
    assert job.finished and not job.error
    here = label_efficiency(cfg, ["scratch", "linear_probe"], [1, 5], 1, steps=20)
    assert [(r.strategy, r.budget, r.seed, r.train_size) for r in job.rows] == \
        [(r.strategy, r.budget, r.seed, r.train_size) for r in here]
    assert all(abs(a.test_accuracy - b.test_accuracy) < 1e-9 for a, b in zip(job.rows, here))
