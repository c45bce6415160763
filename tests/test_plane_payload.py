"""The 2-D lab's payload: plain picklable data computed beside the model, equal to what torch computes
directly; and the live loop's budget follows the drawing cost."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from playground.diagnoses import diagnose
from playground.experiment import build
from playground.payloads.plane import PARTS, plane_payload
from playground.presets import get_preset
from playground.ui.live import BUDGET, MIN_BUDGET, budget


@pytest.fixture(scope="module")
def circle():
    exp = build(get_preset("tf_circle"))
    exp.trainer.run_epochs(5)
    return exp


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


def test_payload_is_plain_data_and_pickles(circle):
    p = plane_payload(circle)
    leaves = list(_leaves(vars(p)))
    assert not [x for x in leaves if isinstance(x, torch.Tensor)], "no tensors cross a process boundary"
    back = pickle.loads(pickle.dumps(p))
    assert np.array_equal(back.output, p.output) and back.history == p.history and back.epoch == 5


def test_boundary_is_the_model_output_over_the_plane(circle):
    p = plane_payload(circle, ("boundary",), resolution=16)
    gx, gy = np.meshgrid(np.linspace(-6, 6, 16, dtype=np.float32), np.linspace(-6, 6, 16, dtype=np.float32))
    x = torch.from_numpy(circle.dataset.featurize(np.stack([gx.ravel(), gy.ravel()], 1)))
    circle.model.eval()
    with torch.no_grad():
        want = torch.softmax(circle.model(x), -1).numpy().reshape(16, 16, 2)
    circle.model.train()
    assert np.allclose(p.output, want, atol=1e-6)
    assert p.maps is None and p.history is None, "parts not asked for are not computed"


def test_payload_carries_curves_weights_and_diagnoses(circle):
    p = plane_payload(circle, PARTS)
    assert p.history["epoch"] == list(range(6))
    assert [w.shape for w in p.weights] == [(4, 2), (2, 4), (1, 2)]
    assert np.array_equal(p.weights[0], circle.model.linears()[0].weight.detach().numpy())
    assert [d["code"] for d in p.diagnoses] == [d.code for d in diagnose(circle.model, circle.dataset,
                                                                          circle.trainer.history)]
    with pytest.raises(ValueError, match="pictures"):
        plane_payload(circle, ("pictures",))


def test_tick_budget_gives_drawing_a_fifth():
    assert budget(0.0) == MIN_BUDGET and budget(10.0) == BUDGET
    assert budget(0.05) == pytest.approx(0.2)        # 50 ms of drawing: 200 ms of training


def test_curves_of_a_lab_without_plane_points():
    """Images and sequence labs draw their curves through this payload too: no 2-D points to read."""
    exp = build(get_preset("digits_mlp"))
    p = plane_payload(exp, ("curves",))
    assert p.points == {} and p.history["epoch"] == [0]


def test_boundary_frames_play_back_the_earlier_states_of_a_tick():
    """Each captured state becomes one playback frame: its own background image and where its weights were;
    the figure itself is the tick's final state (ui/chart.js plays the frames, then draws the figure)."""
    from playground.figures.boundary import background
    from playground.views.plane import boundary_view

    circle = build(get_preset("tf_circle"))
    frames = []
    for _ in range(3):
        circle.trainer.run_epochs(1)
        frames.append(plane_payload(circle, ("boundary",)))
    circle.trainer.run_epochs(1)
    fig = boundary_view(plane_payload(circle, ("boundary",)), frames=frames)
    assert [f["caption"] for f in fig["playback"]] == ["after epoch 1", "after epoch 2", "after epoch 3"]
    assert fig["caption"] == "after epoch 4"
    for frame, p in zip(fig["playback"], frames):
        assert frame["layout"]["images"] == [background(p.xs, p.ys, p.output, False)]
    sources = {f["layout"]["images"][0]["source"] for f in fig["playback"]} | {fig["layout"]["images"][0]["source"]}
    assert len(sources) == 4, "every state draws its own boundary"
