"""The Your data lab's payload and views: plain picklable data, the PCA-plane grid equal to the model evaluated
directly on the inverse-projected points, numbers labelled with where the weights are, fixed-height figures,
and names from the CSV shown as plain text."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from playground.baselines import fit_baselines
from playground.config import ExperimentConfig, with_values
from playground.data import tabular as tab
from playground.experiment import build
from playground.payloads.tabular import TabularPayload, tabular_payload
from playground.presets import get_preset
from playground.views.tabular import baseline_plane_view, curves_view, network_plane_view, scores_view, table_view

EVIL = '<a href="http://127.0.0.1:9/">x</a>'


@pytest.fixture(scope="module")
def iris():
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(3)
    return exp


@pytest.fixture(scope="module")
def regression():
    cfg = with_values(ExperimentConfig(), {"data.name": "csv", "data.tabular.target": "progression",
                                           "lab": "tabular"})
    exp = build(cfg, tab.csv_dataset(tab.example_csv(), cfg.data, cfg.seed))
    exp.trainer.run_epochs(2)
    return exp


def _direct(exp, p: TabularPayload) -> np.ndarray:
    """The model itself, in eval mode, at mean + (x, y) @ components for every grid point (y rows, x columns)."""
    plane = exp.dataset.meta["plane"]
    x0, x1, y0, y1 = plane.extent
    r = len(p.xs)
    gx, gy = np.meshgrid(np.linspace(x0, x1, r), np.linspace(y0, y1, r))
    xy = np.stack([gx.ravel(), gy.ravel()], 1)
    inputs = torch.tensor(plane.mean, dtype=torch.float64) + torch.tensor(xy) @ torch.tensor(plane.components,
                                                                                              dtype=torch.float64)
    exp.model.eval()
    with torch.no_grad():
        out = exp.model(inputs.float())
    exp.model.train()
    if exp.dataset.task == "classification":
        return torch.softmax(out, -1).numpy().reshape(r, r, -1)
    return out[:, 0].numpy().reshape(r, r)


def test_payload_is_plain_data_and_pickles(iris):
    p = tabular_payload(iris, iris.dataset.meta["plane"])
    leaves = [*vars(p).values(), *p.points.values(), *p.history.values(), *p.metrics.values()]
    assert not [x for x in leaves if isinstance(x, torch.Tensor)], "no tensors cross a process boundary"
    back = pickle.loads(pickle.dumps(p))
    assert np.array_equal(back.output, p.output) and back.history == p.history and back.metrics == p.metrics
    assert (p.epoch, p.where, p.history["epoch"][-1]) == (3, "after epoch 3", 3)
    assert p.output.shape == (64, 64, 3) and p.points["train"][0].shape == (len(iris.dataset.train), 2)


@pytest.mark.parametrize("name", ["iris", "regression"])
def test_plane_grid_is_the_model_on_the_inverse_projected_points(name, request):
    exp = request.getfixturevalue(name)
    p = tabular_payload(exp, exp.dataset.meta["plane"], resolution=17)
    want = _direct(exp, p)
    assert p.output.shape == want.shape and np.allclose(p.output, want, atol=1e-6)
    assert exp.model.training, "the payload leaves the model in training mode"


def test_metrics_are_the_current_weights_on_the_test_split(iris):
    p = tabular_payload(iris, iris.dataset.meta["plane"])
    test = iris.dataset.test
    iris.model.eval()
    with torch.no_grad():
        pred = iris.model(test.x).argmax(1).numpy()
    iris.model.train()
    assert p.metrics["accuracy"] == pytest.approx(float((pred == test.y.numpy()).mean()), abs=1e-12)
    assert p.where in scores_view(p, [])["layout"]["title"]["text"]
    assert p.where in network_plane_view(p)["layout"]["title"]["text"]


def test_views_keep_their_height_from_the_first_epoch_on():
    exp = build(get_preset("iris_mlp"))
    plane = exp.dataset.meta["plane"]
    before = tabular_payload(exp, plane)
    exp.trainer.run_epochs(2)
    after = tabular_payload(exp, plane)
    baselines = fit_baselines(exp.dataset, ["majority", "linear"])
    for view in (network_plane_view, curves_view):
        assert view(before)["layout"]["height"] == view(after)["layout"]["height"] > 0
    for view in (scores_view, table_view):
        assert view(before, baselines)["layout"]["height"] == view(after, baselines)["layout"]["height"] > 0
    cells = table_view(after, baselines)["data"][0]["cells"]["values"]
    assert cells[0] == ["Neural network", "Majority class / mean", "Logistic / linear regression"]
    assert cells[1][0] == f"{after.metrics['accuracy']:.3f}"


def test_names_from_the_csv_are_plain_text_in_every_view():
    rows = "".join(f"{i % 7},{(i * 3) % 5},{EVIL if i % 2 else 'b&c'}\n" for i in range(80))
    cfg = with_values(ExperimentConfig(), {"data.name": "csv", "data.tabular.target": "y", "lab": "tabular"})
    exp = build(cfg, tab.csv_dataset(f"a,b,y\n{rows}".encode(), cfg.data, cfg.seed))
    plane = exp.dataset.meta["plane"]
    p = tabular_payload(exp, plane)
    assert EVIL in p.class_names, "the payload keeps the names as typed; views escape them"
    baseline = fit_baselines(exp.dataset, ["majority"])[0]
    for fig in (network_plane_view(p), baseline_plane_view(baseline, exp.dataset, plane)):
        text = [t["name"] + t["hovertemplate"] for t in fig["data"]]
        assert not [t for t in text if "<a" in t] and any("&lt;a href" in t for t in text)
