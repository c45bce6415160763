"""The compute backend's contract, run against both implementations: in-process and a local Ray (2 CPUs).

The same config gives the same curve (to 1e-6) on either; a run plays, is called, comes back as trained;
two runs sharing a worker stay isolated; a closed run and a run whose lease ran out are freed; a killed
worker raises WorkerLost and is replaced; a lab session's finalizer frees its playing run, a paused one
keeps it. Ray starts once for this module (a few seconds) and is shut down after it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from playground.compute import TickPlan, WorkerLost, leader
from playground.compute.local import InProcess
from playground.config import with_values
from playground.experiment import build
from playground.group import RunGroup
from playground.payloads.plane import plane_payload
from playground.presets import get_preset

ray = pytest.importorskip("ray")
CFG = get_preset("tf_circle")
EPOCH = TickPlan(seconds=60.0, max_epochs=1)   # one whole epoch per tick, every epoch evaluated


@pytest.fixture(scope="module")
def ray_pool():
    from playground.compute.ray_pool import RayPool

    pool = RayPool("local", workers=2)
    yield pool
    pool.shutdown()
    ray.shutdown()


@pytest.fixture(params=["in-process", "ray"])
def backend(request):
    return InProcess() if request.param == "in-process" else request.getfixturevalue("ray_pool")


def losses(runs) -> np.ndarray:
    h = leader(runs).trainer.history
    return np.array([h["epoch"], h["train_loss"], h["test_loss"]])


def epochs_via(backend, cfg, n: int):
    playing = backend.play(build(cfg))
    for _ in range(n):
        tick = playing.tick(EPOCH, plane_payload)
    return tick, playing.stop()


def test_ticks_train_and_the_run_comes_back_as_trained(backend):
    tick, runs = epochs_via(backend, CFG, 3)
    assert tick.status.epoch == 3 and tick.status.record["epoch"] == 3
    assert tick.status.where == "after epoch 3" and not tick.done
    assert tick.payload.epoch == 3 and tick.payload.output is not None   # the lab's payload, computed beside it
    assert runs.trainer.epoch == 3 and runs.trainer.history["epoch"] == [0, 1, 2, 3]


def test_the_same_config_gives_the_same_curve_on_every_backend(backend):
    _, runs = epochs_via(backend, CFG, 4)
    alone = build(CFG)
    alone.trainer.run_epochs(4)
    np.testing.assert_allclose(losses(runs), losses(alone), rtol=0, atol=1e-6)
    for a, b in zip(runs.model.state_dict().values(), alone.model.state_dict().values(), strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_call_runs_next_to_the_model_and_errors_come_back_as_themselves(backend):
    playing = backend.play(build(CFG))
    playing.tick(EPOCH, plane_payload)
    assert playing.call(lambda runs, k: runs.trainer.epoch * k, 10) == 10
    with pytest.raises(ZeroDivisionError):
        playing.call(lambda runs: 1 / 0)
    assert playing.stop().trainer.epoch == 1


def test_frames_are_captured_inside_a_tick(backend):
    playing = backend.play(build(CFG))
    tick = playing.tick(TickPlan(seconds=60.0, max_epochs=1, frames=3), plane_payload,
                        lambda exp: exp.trainer.epoch)
    assert tick.captured == [1, 2] and tick.status.epoch == 3
    playing.close()


def test_a_group_plays_in_lockstep_and_comes_back_whole(backend):
    exp = build(CFG)
    group = RunGroup.variants(exp, {"adam": {"train.optimizer": "adam"}})
    playing = backend.play(group)
    for _ in range(3):
        playing.tick(TickPlan(seconds=60.0, max_epochs=1), lambda g: sorted(g.runs))
    back = playing.stop()
    assert isinstance(back, RunGroup) and back.leader.uid == exp.uid   # the same run, wherever it trained
    assert [t.epoch for t in back.trainers.values()] == [3, 3]


# a stacked LSTM with dropout between its layers: fused dropout draws from torch's global generator, which
# the Trainer seeds and restores around each step (models/layers.py); two such runs share one worker here
FUSED = with_values(get_preset("seq_sine_lstm"), {"model.rnn.layers": 2, "model.dropout": 0.3,
                                                  "data.n_samples": 200})


@pytest.mark.parametrize("cfg, other", [(CFG, with_values(CFG, {"seed": 7, "train.lr": 0.1})),
                                        (FUSED, with_values(FUSED, {"seed": 3}))], ids=["mlp", "fused-dropout"])
def test_two_runs_sharing_a_worker_stay_isolated(ray_pool, cfg, other):
    from playground.compute.ray_pool import RayPool

    one = RayPool("local", workers=1)   # both runs on the one worker, ticks interleaved
    try:
        a, b = one.play(build(cfg)), one.play(build(other))
        for _ in range(3):
            a.tick(EPOCH, lambda runs: None)
            b.tick(EPOCH, lambda runs: None)
        ra, rb = a.stop(), b.stop()
    finally:
        one.shutdown()
    for runs, c in ((ra, cfg), (rb, other)):
        alone = build(c)
        alone.trainer.run_epochs(3)
        np.testing.assert_allclose(losses(runs), losses(alone), rtol=0, atol=1e-6)


def wait_for(cond, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_closed_run_is_freed(ray_pool):
    playing = ray_pool.play(build(CFG))
    playing.tick(EPOCH, plane_payload)
    assert sum(ray_pool.loads()) == 1
    playing.close()
    assert wait_for(lambda: sum(ray_pool.loads()) == 0)
    with pytest.raises(WorkerLost):
        playing.tick(EPOCH, plane_payload)


def test_a_run_nobody_ticks_is_dropped_after_its_lease():
    from playground.compute.ray_pool import RayPool

    short = RayPool("local", workers=1, lease=0.5)
    try:
        playing = short.play(build(CFG))
        time.sleep(1.0)
        assert short.loads() == [0]
        with pytest.raises(WorkerLost, match="no longer had"):
            playing.tick(EPOCH, plane_payload)
    finally:
        short.shutdown()


def test_a_killed_worker_is_detected_and_replaced(ray_pool):
    playing = ray_pool.play(build(CFG))
    playing.tick(EPOCH, plane_payload)
    ray.kill(ray_pool.worker(playing.slot))
    with pytest.raises(WorkerLost, match="stopped"):
        playing.tick(EPOCH, plane_payload)
    again = ray_pool.play(playing.start)   # the session reopens from its state at Play and plays again
    assert again.tick(EPOCH, plane_payload).status.epoch == 1
    assert again.stop().trainer.epoch == 1


def test_a_playing_run_is_checkpointed_for_a_lost_worker(ray_pool, monkeypatch):
    from playground.compute import ray_pool as module

    monkeypatch.setattr(module, "CHECKPOINT", 0.0)   # a copy after every tick
    playing = ray_pool.play(build(CFG))
    for _ in range(2):
        playing.tick(EPOCH, plane_payload)
    ray.kill(ray_pool.worker(playing.slot))
    with pytest.raises(WorkerLost):
        playing.tick(EPOCH, plane_payload)
    assert playing.start.trainer.epoch == 2   # reopens at its last checkpoint, not at Play (epoch 0)


def test_a_session_that_ends_frees_its_playing_run_and_a_paused_one_keeps_it(ray_pool, monkeypatch):
    import playground.compute as compute
    from playground.ui import reaper
    from playground.ui.playing import pause, play
    from playground.ui.session import LabSession

    monkeypatch.setattr(compute, "_backend", ray_pool)
    monkeypatch.setattr(reaper, "_playing", {})   # only this test's runs (other tests' AppTest sessions register too)
    kept = LabSession("playground", CFG, build(CFG))
    play(kept)
    kept.extra["_playing"].tick(EPOCH, plane_payload)
    pause(kept)   # taken back: the session holds the trained run, the worker holds nothing
    assert kept.exp.trainer.epoch == 1 and not kept.running and sum(ray_pool.loads()) == 0

    ended, other = (LabSession("playground", CFG, build(CFG)) for _ in range(2))
    play(ended)
    play(other)
    reaper.register(ended.extra["_playing"], "ended-session")
    reaper.register(other.extra["_playing"], "open-session")
    assert sum(ray_pool.loads()) == 2
    assert reaper.reap(lambda sid: sid == "open-session") == 1   # Streamlit no longer has "ended-session"
    assert wait_for(lambda: sum(ray_pool.loads()) == 1)
    pause(other)
    assert reaper.reap(lambda sid: False) == 0 and sum(ray_pool.loads()) == 0   # taken back: nothing to free


@pytest.mark.parametrize("address", ["127.0.0.1:1", "no-port", "127.0.0.1:notaport"])
def test_a_ray_address_nothing_answers_at_is_refused_with_the_setting_named(address):
    from playground.compute.ray_pool import reachable

    with pytest.raises(RuntimeError, match=f"PLAYGROUND_RAY={address}: no Ray cluster answers there"):
        reachable(address, seconds=1)
