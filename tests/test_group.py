"""RunGroup: lockstep, the same math as each run alone, runs that stop alone, one evaluation cadence, payload."""

from __future__ import annotations

import pickle

import numpy as np
import torch

from playground.cadence import LIVE_EVAL_SHARE
from playground.config import with_values
from playground.experiment import build
from playground.group import RunGroup
from playground.optim.landscape import flat_params
from playground.payloads.group import GroupPayload, group_payload
from playground.presets import get_preset

VARIANTS = {"full batch": {"train.batch_size": 0}, "single sample": {"train.batch_size": 1},
            "Adam": {"train.optimizer": "adam", "train.lr": 0.01}}


def small(**values):
    return with_values(get_preset("opt_moons"), {"data.n_samples": 120, **values})


def group(**values) -> RunGroup:
    return RunGroup.variants(build(small(**values)), VARIANTS)


def test_variants_share_the_leaders_data_and_initial_weights():
    g = group()
    leader = g.leader
    assert list(g.runs) == ["your settings", *VARIANTS]
    for exp in g.runs.values():
        assert exp.dataset is leader.dataset
        assert torch.equal(flat_params(exp.model), flat_params(leader.model))
    assert g.runs["single sample"].cfg.train.batch_size == 1


def test_train_for_keeps_every_run_within_one_epoch_of_the_others():
    g = group()
    g.eval_share = LIVE_EVAL_SHARE
    assert all(t.eval_share == LIVE_EVAL_SHARE for t in g.trainers.values())
    for _ in range(6):
        g.train_for(0.05)
        epochs = [t.epoch for t in g.trainers.values()]
        assert max(epochs) - min(epochs) <= 1, epochs
        place = [t.progress for t in g.trainers.values()]
        assert max(place) - min(place) <= 1.0 + 1e-9, place
    assert min(t.epoch for t in g.trainers.values()) >= 2       # it did train


def test_lockstep_does_not_change_any_runs_math():
    g = group()
    g.eval_share = LIVE_EVAL_SHARE
    for _ in range(4):
        g.train_for(0.04)
    g.run_epochs(2)
    for label, exp in g.runs.items():
        alone = build(exp.cfg)
        alone.trainer.step(exp.trainer.steps)            # the same number of its own steps, trained alone
        assert np.allclose(flat_params(alone.model).numpy(), flat_params(exp.model).numpy(), atol=1e-6), label
    ref = build(small())
    ref.trainer.run_epochs(3)
    g2 = group()
    g2.run_epochs(3)
    assert {t.epoch for t in g2.trainers.values()} == {3}
    assert torch.allclose(flat_params(ref.model), flat_params(g2.leader.model), atol=1e-6)


def test_a_run_that_stops_does_not_stop_the_group():
    leader = build(small(**{"train.max_epochs": 2}))
    g = RunGroup.variants(leader, {"longer": {"train.max_epochs": 0}})
    g.run_epochs(4)
    assert leader.trainer.done and leader.trainer.epoch == 2
    assert not g.done and g.runs["longer"].trainer.epoch == 4
    for _ in range(3):
        g.train_for(0.02)
    assert g.runs["longer"].trainer.epoch > 4 and leader.trainer.epoch == 2
    g.runs["longer"].trainer.status = "finished"
    assert g.done
    g.resume()
    assert not g.done and not leader.trainer.done


def test_each_tick_ends_with_every_run_evaluated_at_its_epoch_boundary():
    g = group()
    g.eval_share = 1e-9   # evaluating always costs more than this share: only the rules force records
    for _ in range(5):
        g.train_for(0.03)
        for label, t in g.trainers.items():
            if t.progress == t.epoch:          # at an epoch boundary: its record is this epoch's
                assert t.history["epoch"][-1] == t.epoch, label


def test_snapshot_and_steps():
    g = group()
    assert g.steps == 0
    g.run_epochs(1)
    assert g.snapshot() == g.leader.trainer.snapshot()
    assert g.steps == sum(t.steps for t in g.trainers.values()) > 0


def test_group_payload_round_trips_through_pickle_and_reads_each_run():
    g = group()
    g.run_epochs(2)
    p = group_payload(g, per_run=lambda exp: {"n": sum(q.numel() for q in exp.model.parameters())})
    back = pickle.loads(pickle.dumps(p))
    assert isinstance(back, GroupPayload) and back.labels() == list(g.runs)
    for run, (label, exp) in zip(back.runs, g.runs.items()):
        assert run.label == label and run.epoch == 2 and run.where == "after epoch 2"
        assert run.history["epoch"] == exp.trainer.history["epoch"]
        assert run.record["train_loss"] == exp.trainer.history["train_loss"][-1]
        assert run.status == "ready" and run.extra["n"] > 0
    assert back.metric == "accuracy"
