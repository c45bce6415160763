"""GradientSHAP (issue 12, item 6): baselines are rows of the data, drawn from a generator seeded by the
caller (the run's seed), never from numpy's or torch's global generators; the result equals Captum's
GradientShap given the same baseline rows and the same points; one convergence delta per input row.
SmoothGrad's noise comes from the same seeded generator and matches Captum's NoiseTunnel given that noise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import GradientShap
from torch import nn

from playground import insights
from playground.experiment import build
from playground.explain import explain, seeded_options
from playground.presets import get_preset
from playground.registry import ConfigError


def _mlp() -> nn.Module:
    net = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):        # fixed weights (the random init is overwritten)
            p.copy_(torch.linspace(-1, 1, p.numel()).reshape(p.shape).roll(i) * (1.3 if i % 2 else 0.7))
    return net.eval()


X = torch.linspace(-2, 2, 4 * 5).reshape(4, 5).sin()                # (4, 5) inputs
POOL = torch.linspace(-1, 3, 30 * 5).reshape(30, 5).cos() * 1.5     # (30, 5) "training rows"
TARGET = torch.tensor([0, 2, 1, 2])


def _gshap(seed: int, model: nn.Module | None = None, **opts):
    return explain(model or _mlp(), X, TARGET, method="gradient_shap", **seeded_options("gradient_shap", seed, POOL),
                   **opts)


def test_same_seed_same_attributions_other_seed_other():
    a, b, c = _gshap(7), _gshap(7), _gshap(8)
    assert np.array_equal(a.attributions, b.attributions) and np.array_equal(a.delta, b.delta)
    assert not np.allclose(a.attributions, c.attributions)


def test_the_global_generators_are_neither_used_nor_moved():
    model = _mlp()                                           # building layers draws from torch's generator
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    first = _gshap(3, model).attributions
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]
    torch.manual_seed(123)                                   # whatever another session does to them ...
    np.random.seed(456)
    assert np.array_equal(_gshap(3, model).attributions, first)   # ... the result does not change


def test_without_a_generator_it_refuses():
    with pytest.raises(ConfigError, match="random"):
        explain(_mlp(), X, TARGET, method="gradient_shap")


def test_baselines_are_rows_of_the_data():
    """A linear model: with one sample per row, attribution = (x − b)·w, so b = x − attribution / w."""
    lin = nn.Linear(5, 3).eval()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, -2, 0.5, 3, -1], [2, 1, -1, 0.5, 1.5], [-1, 1, 2, -2, 0.25]]))
        lin.bias.zero_()
    e = explain(lin, X, TARGET, method="gradient_shap", n_samples=1, **seeded_options("gradient_shap", 0, POOL))
    w = lin.weight.detach().numpy()[TARGET.numpy()]                 # (4, 5)
    drawn = X.numpy() - e.attributions / w
    dist = np.abs(drawn[:, None, :] - POOL.numpy()[None]).max(-1)    # (4, 30): distance to every pool row
    assert dist.min(1).max() < 1e-5


def test_equals_captum_given_the_same_draws(monkeypatch):
    """Captum's GradientShap draws baseline rows with np.random.choice and points with np.random.uniform;
    hand it the draws of our generator and the two agree to 1e-6 (delta: mean of Captum's per-sample deltas)."""
    n, s, seed = len(X), 6, 11
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randint(len(POOL), (n * s,), generator=gen)
    alpha = torch.rand(n * s, generator=gen, dtype=torch.float64)
    monkeypatch.setattr(np.random, "choice", lambda k, size: idx.numpy())
    monkeypatch.setattr(np.random, "uniform", lambda lo, hi, size: alpha.numpy())
    model = _mlp()
    want, want_delta = GradientShap(model).attribute(X.clone().requires_grad_(True), baselines=POOL, target=TARGET,
                                                     n_samples=s, return_convergence_delta=True)
    monkeypatch.undo()
    got = _gshap(seed, model, n_samples=s)
    np.testing.assert_allclose(got.attributions, want.detach().numpy(), atol=1e-6)
    assert want_delta.shape == (n * s,) and got.delta.shape == (n,)
    np.testing.assert_allclose(got.delta, want_delta.detach().numpy().reshape(n, s).mean(1), atol=1e-5)


def test_delta_is_the_completeness_gap_of_the_averaged_attribution():
    """delta = sum(attribution) − (f(x) − mean f over the drawn baselines): checked on a linear model, where
    every sample is exact, so the delta is 0 and the attributions sum to f(x) − mean f(b)."""
    lin = nn.Linear(5, 3).eval()
    e = explain(lin, X, TARGET, method="gradient_shap", **seeded_options("gradient_shap", 1, POOL))
    assert np.abs(e.delta).max() < 1e-5


@pytest.fixture(scope="module")
def iris():
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(5)
    return exp


def test_explain_hub_draws_from_the_training_rows_with_the_runs_seed(iris):
    sel = insights.select(iris.model, iris.dataset, "test", limit=10)
    a, da = insights.attribute(iris.model, iris.dataset, sel, "gradient_shap", seed=iris.cfg.seed)
    b, db = insights.attribute(iris.model, iris.dataset, sel, "gradient_shap", seed=iris.cfg.seed)
    assert np.array_equal(a, b) and np.array_equal(da, db)
    assert da.shape == (len(sel.idx),), "one delta per row, like Integrated Gradients and DeepLift"
    t = torch.from_numpy(sel.pred.astype(np.int64))
    direct = explain(iris.model, sel.x, t, method="gradient_shap",
                     **seeded_options("gradient_shap", iris.cfg.seed, iris.dataset.train.x))
    np.testing.assert_allclose(a, direct.attributions, atol=1e-7)


def test_the_explain_page_shows_one_delta_per_row_from_the_runs_seed(tmp_path, monkeypatch):
    """The page's mean |delta| for GradientSHAP is the mean over selected rows of the per-row delta that
    `insights.attribute` computes from the run's seed, with the help saying what it measures."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120).run()
    at.switch_page("pages/tabular.py").run()        # the Your data lab's model, untrained (steps run in a thread)
    at.switch_page("pages/explain.py").run()
    at.selectbox(key="explain:source").set_value("session:tabular").run()
    at.selectbox(key="explain:method").set_value("gradient_shap").run()
    assert not at.exception and not at.error
    exp = at.session_state["lab:tabular"].exp
    assert exp.trainer.steps == 0
    sel = insights.select(exp.model, exp.dataset, "test")
    _, delta = insights.attribute(exp.model, exp.dataset, sel, "gradient_shap", seed=exp.cfg.seed)
    assert delta.shape == (len(sel.idx),)
    shown = at.metric[0]
    assert shown.label == "Mean |convergence delta|" and shown.value == f"{np.abs(delta).mean():.2e}"
    assert "drawn baselines" in shown.help and f"{len(sel.idx)} rows" in shown.help


def test_smoothgrad_equals_captum_given_the_same_noise_and_leaves_the_global_generators(monkeypatch):
    """SmoothGrad's noise comes from the caller's generator too (Captum's NoiseTunnel calls torch.normal)."""
    from captum.attr import NoiseTunnel, Saliency

    model, s, sd, seed = _mlp(), 5, 0.3, 4
    noise = sd * torch.randn((len(X) * s, 5), generator=torch.Generator().manual_seed(seed))
    monkeypatch.setattr(torch, "normal", lambda mean, std: noise)
    want = NoiseTunnel(Saliency(model)).attribute(X.clone().requires_grad_(True), nt_type="smoothgrad",
                                                  nt_samples=s, stdevs=sd, target=TARGET, abs=True)
    monkeypatch.undo()
    state = torch.get_rng_state()
    got = explain(model, X, TARGET, method="smoothgrad", nt_samples=s, stdevs=sd,
                  **seeded_options("smoothgrad", seed, X))
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_allclose(got.attributions, want.detach().numpy(), atol=1e-6)
