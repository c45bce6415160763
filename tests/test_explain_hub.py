"""The Explain hub's computations: completeness, known answers on a linear model, filters, agreement, conductance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground import insights
from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset


@pytest.fixture(scope="module")
def iris():
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(30)
    return exp


def test_integrated_gradients_are_complete(iris):
    sel = insights.select(iris.model, iris.dataset, "test")
    _, d32 = insights.attribute(iris.model, iris.dataset, sel, "integrated_gradients", n_steps=32)
    attr, delta = insights.attribute(iris.model, iris.dataset, sel, "integrated_gradients", n_steps=300)
    assert attr.shape == (len(sel.idx), 4) and delta.shape == (len(sel.idx),)
    assert np.abs(delta).mean() < np.abs(d32).mean(), "more steps, smaller convergence delta"
    gap = insights.completeness_gap(iris.model, sel, attr, sel.pred)   # sum(attr) = f(x) - f(0)
    assert gap.max() < 0.01
    assert np.allclose(gap, np.abs(delta), atol=1e-4), "Captum's delta is the completeness gap"


def test_filters_partition_the_split(iris):
    ds = iris.dataset
    all_ = insights.select(iris.model, ds, "test")
    right = insights.select(iris.model, ds, "test", outcome="correct")
    wrong = insights.select(iris.model, ds, "test", outcome="incorrect")
    assert sorted([*right.idx, *wrong.idx]) == list(all_.idx)
    assert right.correct.all() and not wrong.correct.any()
    one = insights.select(iris.model, ds, "test", label=2)
    assert (one.y == 2).all() and len(one.idx) == int((ds.test.y == 2).sum())


def test_linear_model_known_answers():
    exp = build(with_values(get_preset("wine_linear"), {"data.name": "iris"}))
    exp.trainer.run_epochs(5)
    sel = insights.select(exp.model, exp.dataset, "test")
    w = exp.model.head.weight.detach().numpy()               # (3, 4)
    sal, _ = insights.attribute(exp.model, exp.dataset, sel, "saliency")
    assert np.allclose(sal, np.abs(w[sel.pred]), atol=1e-6), "saliency of a linear model = |its weights|"
    ig, _ = insights.attribute(exp.model, exp.dataset, sel, "integrated_gradients")
    assert np.allclose(ig, w[sel.pred] * sel.x.numpy(), atol=1e-4), "IG from zero = weight x input"
    abl, _ = insights.attribute(exp.model, exp.dataset, sel, "feature_ablation")
    assert np.allclose(abl, ig, atol=1e-4), "for a linear model, ablating to zero = IG"


def test_every_tabular_method_runs_and_agreement_is_a_correlation(iris):
    sel = insights.select(iris.model, iris.dataset, "test", limit=6)
    progress = []
    attrs = {}
    for m in insights.TABULAR_METHODS:
        opts = {"n_samples": 20} if m in ("kernel_shap", "shapley_sampling") else {}
        attrs[m], _ = insights.attribute(iris.model, iris.dataset, sel, m, seed=iris.cfg.seed,
                                         progress=progress.append, **opts)
        assert attrs[m].shape == (6, 4) and np.isfinite(attrs[m]).all(), m
    assert progress[-1] == 1.0
    g = insights.global_importance(attrs["integrated_gradients"])
    assert g.shape == (4,) and (g >= 0).all()
    m = insights.agreement(attrs)
    assert np.allclose(np.diag(m), 1) and np.allclose(m, m.T) and (np.abs(m) <= 1 + 1e-9).all()
    assert m[0, 1] > 0.5, "IG and DeepLift rank features alike on a small ReLU net"


def test_explaining_never_changes_the_model(iris):
    before = {k: v.clone() for k, v in iris.model.state_dict().items()}
    iris.model.train()
    sel = insights.select(iris.model, iris.dataset, "test")
    insights.attribute(iris.model, iris.dataset, sel, "deeplift")
    insights.conductance(iris.model, iris.dataset, sel, "hidden.0", 3)
    assert iris.model.training
    assert all(torch.equal(before[k], v) for k, v in iris.model.state_dict().items())


def test_conductance_shapes_and_completeness(iris):
    sel = insights.select(iris.model, iris.dataset, "test")
    [(name, _, width)] = insights.hidden_layers(iris.model)
    lc, nc = insights.conductance(iris.model, iris.dataset, sel, name, 0)
    assert lc.shape == (width,) and nc.shape == (4,)
    ig, _ = insights.attribute(iris.model, iris.dataset, sel, "integrated_gradients")
    # layer conductance sums (over units) to the same total as IG sums over inputs
    assert lc.sum() == pytest.approx(ig.sum(1).mean(), abs=0.1)
