"""The label-efficiency study as a background job: the same rows as the synchronous study, Stop between
trainings, a plan that cannot run refused before anything starts. (On Ray: tests/test_sweeps_ray.py, which
starts one Ray for every job test.)"""

from __future__ import annotations

import pytest
import torch

from playground.config import with_values
from playground.presets import get_preset
from playground.registry import ConfigError
from playground.transfer.efficiency import label_efficiency
from playground.transfer.study_job import start_study

torch.set_num_threads(1)
STEPS = 20


def cfg():
    return with_values(get_preset("transfer_digits"), {"data.image.labels_per_class": 0})


def same_rows(a, b) -> bool:
    return [(r.strategy, r.budget, r.seed, r.train_size) for r in a] == \
        [(r.strategy, r.budget, r.seed, r.train_size) for r in b] and \
        all(abs(x.test_accuracy - y.test_accuracy) < 1e-9 for x, y in zip(a, b))


def test_the_job_trains_what_the_study_trains_in_the_background():
    job = start_study(cfg(), ["scratch", "linear_probe"], [1, 5], 2, steps=STEPS, where="thread")
    job.wait(120)
    assert job.finished and not job.error and job.progress().done == 8
    assert same_rows(job.rows, label_efficiency(cfg(), ["scratch", "linear_probe"], [1, 5], 2, steps=STEPS))


def test_stop_ends_the_job_between_trainings():
    job = start_study(cfg(), ["scratch", "linear_probe", "discriminative"], [1, 5, 10], 3, steps=200, where="thread")
    while job.progress().done < 1:
        job.wait(0.05)
    job.stop()
    job.wait(60)
    assert job.finished and 1 <= len(job.rows) < 27, "stopped: the trainings after the current one never ran"


def test_a_plan_that_cannot_run_is_refused_before_anything_starts():
    with pytest.raises(ConfigError) as err:
        start_study(cfg(), ["scratch"], [100000], 1, where="thread")
    assert err.value.field == "data.image.labels_per_class"
