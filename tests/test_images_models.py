"""CNN builder: output shapes over every setting the UI offers, impossible shapes rejected naming the layer,
the layer table, and Captum (every image method, on every CNN the UI can build); IG completeness;
Grad-CAM on any conv layer; the cascading-randomisation sanity check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from playground.config import ExperimentConfig, with_values
from playground.data.base import DataSpec
from playground.explain import ATTRIBUTIONS, explain, seeded_options
from playground.models import ACTIVATIONS, build_model, count_parameters
from playground.models.cnn import CNN, POOLINGS, conv_shapes, layer_table
from playground.presets import get_preset
from playground.registry import ConfigError
from playground.sanity import cascading_randomization, rank_correlation
from playground.views.images import image_methods

DIGITS = DataSpec("classification", (1, 8, 8), 10)


def _model_cfg(**values):
    return with_values(ExperimentConfig(), {"model.kind": "cnn", "model.hidden": (8,), **values}).model


@pytest.mark.parametrize("kernel,stride,padding,depth,pool", list(itertools.product(
    range(1, 10), range(1, 5), range(0, 5), (1, 2, 3), ("max", "none"))))
def test_every_geometry_builds_with_the_promised_shape_or_is_refused_naming_the_layer(kernel, stride, padding,
                                                                                      depth, pool):
    cfg = _model_cfg(**{"model.cnn.kernel": kernel, "model.cnn.stride": stride, "model.cnn.padding": padding,
                        "model.cnn.channels": (3,) * depth, "model.cnn.pool": pool})
    try:
        shapes = conv_shapes(cfg, DIGITS.input_shape)
    except ConfigError as err:
        assert err.field in ("model.cnn.kernel", "model.cnn.pool") and "conv block" in err.message
        with pytest.raises(ConfigError):
            build_model(cfg, DIGITS)
        return
    model = build_model(cfg, DIGITS)
    feats = torch.zeros(2, 1, 8, 8)
    for block in model.convs:
        feats = block(feats)
    assert tuple(feats.shape[1:]) == shapes[-1]
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


@pytest.mark.parametrize("activation", ACTIVATIONS.keys())
@pytest.mark.parametrize("pool", POOLINGS.keys())
def test_every_activation_and_pooling_builds_and_uses_one_module_per_use(activation, pool):
    cfg = _model_cfg(**{"model.activation": activation, "model.cnn.pool": pool, "model.batch_norm": True,
                        "model.dropout": 0.1})
    model = build_model(cfg, DataSpec("classification", (3, 12, 10), 4))
    assert model(torch.rand(3, 3, 12, 10)).shape == (3, 4)
    mods = [m for _, m in model.named_modules(remove_duplicate=False)]
    assert len(mods) == len({id(m) for m in mods}), "a module is used twice"
    assert not any(getattr(m, "inplace", False) for m in mods), "in-place activation"


def test_impossible_shapes_name_the_block():
    with pytest.raises(ConfigError) as err:
        build_model(_model_cfg(**{"model.cnn.channels": (4, 4, 4, 4)}), DIGITS)     # 8 -> 4 -> 2 -> 1 -> pool?
    assert err.value.field == "model.cnn.pool" and "conv block 4" in err.value.message
    with pytest.raises(ConfigError) as err:
        build_model(_model_cfg(**{"model.cnn.kernel": 9, "model.cnn.padding": 0}), DIGITS)
    assert err.value.field == "model.cnn.kernel" and "conv block 1" in err.value.message
    with pytest.raises(ConfigError) as err:
        build_model(_model_cfg(), DataSpec("classification", (2,), 2))
    assert err.value.field == "model.kind"


def test_layer_table_shapes_and_parameter_counts():
    model = build_model(_model_cfg(**{"model.cnn.channels": (4, 6)}), DIGITS)
    rows = layer_table(model, (1, 8, 8))
    by_name = {r.name: r for r in rows}
    assert by_name["convs.0.conv"].output_shape == (4, 8, 8) and by_name["convs.0.conv"].parameters == 4 * 9 + 4
    assert by_name["convs.1.pool"].output_shape == (6, 2, 2)
    assert rows[-1].name == "out" and rows[-1].output_shape == (10,)
    assert sum(r.parameters for r in rows) == count_parameters(model)


def test_same_seed_same_weights():
    cfg = get_preset("digits_cnn").model
    a, b, c = build_model(cfg, DIGITS, 5), build_model(cfg, DIGITS, 5), build_model(cfg, DIGITS, 6)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.convs[0].conv.weight, c.convs[0].conv.weight)


def _ui_cnns():
    """Every activation x pooling the UI offers (batch norm alternating), plus the presets' CNNs."""
    for i, (act, pool) in enumerate(itertools.product(ACTIVATIONS.keys(), POOLINGS.keys())):
        yield f"{act}-{pool}", _model_cfg(**{"model.activation": act, "model.cnn.pool": pool,
                                             "model.batch_norm": i % 2 == 0, "model.cnn.channels": (3, 4)})


@pytest.mark.parametrize("name,cfg", list(_ui_cnns()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_image_method_runs_on_every_cnn(name, cfg):
    torch.manual_seed(0)
    model = build_model(cfg, DIGITS).train()             # explain() must work on a model in training mode
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.rand(2, 1, 8, 8)
    for method in image_methods():
        layer = "convs.1.conv" if ATTRIBUTIONS.entry(method).meta.get("layer") else None
        e = explain(model, x, torch.tensor([1, 2]), method=method, layer=layer, **seeded_options(method, 0, x))
        assert e.attributions.shape[0] == 2 and e.attributions.shape[-2:] == (8, 8), method
        assert np.isfinite(e.attributions).all(), method
    assert model.training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.fixture(scope="module")
def trained():
    from playground.experiment import build

    exp = build(get_preset("digits_cnn"))
    exp.trainer.run_epochs(3)
    return exp


def test_integrated_gradients_completeness(trained):
    x = trained.dataset.test.x[:4]
    target = trained.dataset.test.y[:4]
    e = explain(trained.model, x, target, method="integrated_gradients", n_steps=200)
    with torch.no_grad():
        model = trained.model.eval()
        diff = (model(x) - model(torch.zeros_like(x))).gather(1, target[:, None])[:, 0].numpy()
        trained.model.train()
    sums = e.attributions.reshape(4, -1).sum(1)
    assert np.allclose(sums, diff, atol=0.02 + 0.02 * np.abs(diff).max())
    assert np.abs(e.delta).max() < 0.02 + 0.02 * np.abs(diff).max()


def test_gradcam_on_every_conv_layer(trained):
    x = trained.dataset.test.x[:1]
    for layer in trained.model.conv_layer_names():
        e = explain(trained.model, x, 3, method="gradcam", layer=layer)
        assert e.attributions.shape == (1, 1, 8, 8) and (e.attributions >= 0).all()


def test_rank_correlation_known_answers():
    a = np.arange(10.0)
    assert rank_correlation(a, a * 3 + 1) == pytest.approx(1.0)
    assert rank_correlation(a, -a) == pytest.approx(-1.0)
    assert rank_correlation(a, np.zeros(10)) == 0.0


def test_cascading_randomization_destroys_gradient_maps_and_leaves_the_model(trained):
    model = trained.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = trained.dataset.test.x[:1], int(trained.dataset.test.y[0])
    res = cascading_randomization(model, x, y, ["saliency", "gradcam"], layer="convs.1.conv", seed=0)
    n_layers = sum(1 for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert res.stages[0] == "trained" and len(res.stages) == 1 + n_layers
    assert res.methods == ["saliency", "gradcam", "edge_detector"]       # the model-independent control runs last
    assert res.similarity.shape == (3, len(res.stages))
    assert np.allclose(res.similarity[:, 0], 1.0)
    assert res.similarity[0, -1] < 0.9                   # saliency depends on the weights
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert isinstance(model, CNN)
