"""Optimizer lab library: test functions, optimizer steps against PyTorch, races, schedules, LR range test,
loss landscapes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from playground.config import ExperimentConfig, TrainConfig, with_values
from playground.experiment import build
from playground.models import build_model
from playground.optim.functions import FUNCTIONS, default_runs, race, run_path
from playground.optim.landscape import WeightTrail, filter_normalized_direction, flat_params, interpolate, loss_slice
from playground.optim.lr import lr_range_test, schedule_curves
from playground.optimizers import OPTIMIZERS
from playground.presets import get_preset


def small(preset: str = "opt_moons", **values) -> ExperimentConfig:
    return with_values(get_preset(preset), {"data.n_samples": 120, **values})


# ---------------------------------------------------------------- test functions

@pytest.mark.parametrize("key", FUNCTIONS.keys())
def test_every_function_is_finite_and_its_minima_are_flat_and_lowest(key):
    f = FUNCTIONS.get(key)
    _xs, _ys, z = f.grid(40)
    assert z.shape == (40, 40) and z.dtype == np.float32 and np.isfinite(z).all()
    for m in f.minima:
        p = torch.tensor(m, dtype=torch.float64, requires_grad=True)
        f.f(p[0], p[1]).backward()
        assert p.grad.abs().max() < 1e-3, f"gradient at the minimum {m} is {p.grad}"
        assert f.value(np.array(m)) <= z.min() + 1e-3


def test_sgd_momentum_and_adam_steps_match_their_formulas():
    f = FUNCTIONS.get("quadratic")                       # grad = (x, 20 y)
    start = np.array(f.start)
    grad = lambda p: np.array([p[0], 20 * p[1]])       # noqa: E731
    p = start.copy()
    for _ in range(5):
        p = p - 0.05 * grad(p)
    np.testing.assert_allclose(run_path(f, TrainConfig(optimizer="sgd", lr=0.05), 5).xy[-1], p, rtol=1e-5)
    p, v = start.copy(), np.zeros(2)
    for _ in range(5):
        v = 0.9 * v + grad(p)
        p = p - 0.05 * v
    got = run_path(f, TrainConfig(optimizer="momentum", lr=0.05, momentum=0.9), 5).xy[-1]
    np.testing.assert_allclose(got, p, rtol=1e-5)
    p, m, s = start.copy(), np.zeros(2), np.zeros(2)
    for t in range(1, 6):
        g = grad(p)
        m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g * g
        p = p - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(run_path(f, TrainConfig(optimizer="adam", lr=0.1), 5).xy[-1], p, rtol=1e-5)


TORCH_EQUIVALENT = {
    "sgd": lambda p, c: torch.optim.SGD(p, lr=c.lr),
    "momentum": lambda p, c: torch.optim.SGD(p, lr=c.lr, momentum=0.9),
    "nesterov": lambda p, c: torch.optim.SGD(p, lr=c.lr, momentum=0.9, nesterov=True),
    "adam": lambda p, c: torch.optim.Adam(p, lr=c.lr),
    "adamw": lambda p, c: torch.optim.AdamW(p, lr=c.lr, weight_decay=c.weight_decay),  # config default 0
    "rmsprop": lambda p, c: torch.optim.RMSprop(p, lr=c.lr, alpha=c.beta2),   # beta2 is its alpha
    "adagrad": lambda p, c: torch.optim.Adagrad(p, lr=c.lr),
}


@pytest.mark.parametrize("key", OPTIMIZERS.keys())
def test_every_registered_optimizer_steps_like_pytorchs_own_on_the_same_gradients(key):
    assert key in TORCH_EQUIVALENT, f"add {key} to the reference table"
    f, cfg = FUNCTIONS.get("rosenbrock"), TrainConfig(optimizer=key, lr=1e-3)
    point = torch.nn.Parameter(torch.tensor(f.start, dtype=torch.float64))
    opt = TORCH_EQUIVALENT[key]([point], cfg)
    for _ in range(20):
        opt.zero_grad()
        f.f(point[0], point[1]).backward()
        opt.step()
    np.testing.assert_allclose(run_path(f, cfg, 20).xy[-1], point.detach().numpy(), rtol=1e-5)


def test_momentum_needs_fewer_steps_than_gradient_descent_on_the_ill_conditioned_bowl():
    tol, lrs = 1e-4, [0.01, 0.02, 0.05, 0.09]              # each at its best stable learning rate

    def best(momentum: float) -> int:
        steps = [run_path("quadratic", TrainConfig(optimizer="sgd", lr=lr, momentum=momentum), 2000).steps_to(tol)
                 for lr in lrs]
        return min(s for s in steps if s is not None)

    gd = best(0.0)                                           # 57 steps at lr 0.09 (rate 1 - lr along x)
    assert best(0.5) < gd                                    # 20 steps (heavy ball: rate ≈ √β)
    # and at the same learning rate, momentum always arrives sooner
    for lr in lrs:
        plain = run_path("quadratic", TrainConfig(optimizer="sgd", lr=lr), 2000).steps_to(tol)
        heavy = run_path("quadratic", TrainConfig(optimizer="momentum", lr=lr, momentum=0.5), 2000).steps_to(tol)
        assert heavy < plain


def test_a_race_runs_every_optimizer_and_a_huge_rate_is_reported_as_diverged():
    paths = race("quadratic", default_runs("quadratic"), 50)
    assert set(paths) == {OPTIMIZERS.label(k) for k in OPTIMIZERS}
    assert all(p.xy.shape[1] == 2 and len(p.xy) == len(p.loss) for p in paths.values())
    wild = run_path("quadratic", TrainConfig(optimizer="sgd", lr=5.0), 200)
    assert wild.diverged and len(wild.loss) < 201


# ---------------------------------------------------------------- schedules and LR range test

def test_schedule_curves_follow_the_registry():
    curves = schedule_curves(TrainConfig(lr=0.1, step_size=10, gamma=0.5), 30)
    assert np.allclose(curves["Constant"], 0.1)
    assert np.allclose(curves["Step decay"][[0, 9, 10, 25]], [0.1, 0.1, 0.05, 0.025])


def test_lr_range_test_sweeps_upward_and_leaves_the_model_alone():
    exp = build(small())
    before = flat_params(exp.model).clone()
    result = lr_range_test(exp.model, exp.dataset, exp.cfg.train, steps=60)
    assert torch.equal(before, flat_params(exp.model))
    assert (np.diff(result.lrs) > 0).all() and len(result.lrs) == len(result.loss) > 5
    assert result.lrs[0] / 10 <= result.suggested <= result.lrs[-1]


# ---------------------------------------------------------------- landscape

def test_filter_normalised_direction_matches_each_filter_norm_and_skips_biases():
    model = build(small()).model
    d = filter_normalized_direction(model, torch.Generator().manual_seed(0))
    offset = 0
    for p in model.parameters():
        part = d[offset:offset + p.numel()].reshape(p.shape)
        offset += p.numel()
        if p.dim() <= 1:
            assert part.abs().max() == 0
        else:
            torch.testing.assert_close(part.norm(dim=1), p.detach().norm(dim=1))


def test_landscape_centre_is_the_current_loss_and_the_trajectory_ends_at_the_centre():
    exp = build(small())
    trail = WeightTrail(exp.model)
    exp.trainer.callbacks.append(trail)
    exp.trainer.run_epochs(4)
    before = flat_params(exp.model).clone()
    loss_fn, train = exp.trainer.loss_fn, exp.dataset.train
    exp.model.eval()
    with torch.no_grad():
        current = float(loss_fn(exp.model(train.x), train.y))
    for mode in ("random", "pca"):
        scape = loss_slice(exp.model, loss_fn, train, mode=mode, trail=trail, resolution=5)
        assert scape.loss.shape == (5, 5) and np.isfinite(scape.loss).all()
        assert math.isclose(scape.loss[2, 2], current, rel_tol=1e-4)
        assert scape.path.shape == (5, 2) and np.allclose(scape.path[-1], 0, atol=1e-4)
    assert torch.equal(before, flat_params(exp.model))
    start = build_model(exp.cfg.model, exp.dataset.spec, exp.cfg.seed)
    _alphas, line = interpolate(exp.model, start, loss_fn, train, n=5, lo=0.0, hi=1.0)
    assert math.isclose(line[-1], current, rel_tol=1e-4)
    assert line[0] > line[-1]                              # training lowered the loss from the initial weights


def test_the_race_is_a_group_led_by_the_labs_experiment_and_its_payload_draws_each_runner():
    from playground.payloads.optim import race_payload
    from playground.views.optim import network_variants, race_boundary_views, race_curves_view, race_group

    exp = build(small())
    start = flat_params(exp.model).clone()
    cache: dict = {}
    variants = network_variants("optimizers", ["sgd", "adam", "rmsprop"], exp.cfg.train)
    assert set(variants) == {"SGD", "RMSprop"}                # Adam is the lab's own optimizer here
    group = race_group(exp, variants, cache)
    assert group.leader is exp and list(group.runs) == ["your settings", "SGD", "RMSprop"]
    assert all(torch.equal(flat_params(r.model), start) for r in group.runs.values())
    group.run_epochs(3)
    assert {t.epoch for t in group.trainers.values()} == {3}
    assert race_group(exp, variants, cache) is group          # same experiment and variants: kept
    p = race_payload(group)
    curves = race_curves_view(p)
    assert len(curves["data"]) == 3 * 3 and curves["layout"]["height"] == 320
    boundaries = race_boundary_views(p)
    assert len(boundaries) == 3 and all(b["layout"]["height"] == 260 for b in boundaries)
    assert boundaries[1]["layout"]["title"]["text"] == "SGD<br>after epoch 3"
