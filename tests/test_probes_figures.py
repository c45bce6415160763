"""Probes read the model without changing it; diagnoses fire on known-bad setups; figures are well formed."""

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from playground.config import with_values
from playground.diagnoses import diagnose
from playground.experiment import build
from playground.presets import get_preset
from playground.probes import gradient_flow, make_grid, neuron_maps, output_on_grid
from playground.views.plane import (
    boundary_view,
    curves_view,
    gradient_view,
    network_view,
    set_weight,
)


@pytest.fixture(scope="module")
def circle():
    exp = build(get_preset("tf_circle"))
    exp.trainer.run_epochs(10)
    return exp


def test_neuron_maps_cover_every_neuron(circle):
    maps = neuron_maps(circle.model, circle.dataset, make_grid(circle.dataset.extent, 12))
    assert [m.shape[0] for m in maps] == [2, 4, 2, 1]
    assert all(m.shape[1:] == (12, 12) and m.dtype == np.float32 for m in maps)
    assert np.allclose(maps[0][0][0], np.linspace(-6, 6, 12)), "the first input map is X1 itself"


def test_probes_do_not_change_the_model(circle):
    before = {k: v.clone() for k, v in circle.model.state_dict().items()}
    circle.model.train()
    output_on_grid(circle.model, circle.dataset, make_grid(circle.dataset.extent, 8))
    assert circle.model.training, "mode is restored"
    assert all(torch.equal(v, before[k]) for k, v in circle.model.state_dict().items())


def test_gradient_flow_lists_weight_layers(circle):
    rows = gradient_flow(circle.model)
    assert [r.name for r in rows] == ["hidden.0.linear", "hidden.1.linear", "head"]
    assert all(r.grad_norm > 0 for r in rows)


def test_vanishing_gradients_are_diagnosed():
    exp = build(get_preset("sigmoid_deep"))
    exp.trainer.run_epochs(3)
    codes = {d.code for d in diagnose(exp.model, exp.dataset, exp.trainer.history)}
    assert "vanishing" in codes


def test_dead_relus_are_diagnosed():
    exp = build(with_values(get_preset("spiral_solved"), {"model.hidden": (8,)}))
    with torch.no_grad():
        exp.model.hidden[0].linear.bias[:4] = -100.0  # half the units can never fire
    exp.trainer.run_epochs(1)                         # dead units are judged once training has begun
    codes = {d.code for d in diagnose(exp.model, exp.dataset, exp.trainer.history)}
    assert "dead_relu" in codes


def test_healthy_model_has_no_warnings(circle):
    assert not [d for d in diagnose(circle.model, circle.dataset, circle.trainer.history) if d.level == "warning"]


def test_views_build_figures(circle):
    # views return plain figure dicts (no validation per live update): go.Figure validates them here
    b = go.Figure(boundary_view(circle, resolution=30))
    assert _image(b.layout.images[0].source).shape == (30, 30, 3), "the output over the plane, one pixel a point"
    assert {t.type for t in b.data} == {"scatter"} and sum(len(t.x) for t in b.data) == len(circle.dataset.train) \
        + len(circle.dataset.test)
    n = go.Figure(network_view(circle))
    assert len(n.layout.images) == 2 + 4 + 2 + 1, "one map per neuron"
    c = go.Figure(curves_view(circle))
    assert {t.name for t in c.data} >= {"train", "val", "test"}
    assert len(c.data[0].x) == 11, "epoch 0 plus ten epochs"
    g = go.Figure(gradient_view(circle))
    assert len(g.data) == 3


def test_k_class_and_regression_boundaries():
    for preset in ("blobs_5", "tf_plane"):
        exp = build(get_preset(preset))
        fig = go.Figure(boundary_view(exp, resolution=20))
        assert _image(fig.layout.images[0].source).shape == (20, 20, 3)


def _image(uri: str) -> np.ndarray:
    import base64
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_editing_a_weight_changes_the_model(circle):
    set_weight(circle, 0, 1, 0, 0.5)
    assert circle.model.hidden[0].linear.weight[1, 0].item() == 0.5
    with pytest.raises(ValueError):
        set_weight(circle, 0, 1, 0, float("nan"))
