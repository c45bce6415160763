"""RMSprop takes its decay `alpha` from train.beta2, at build time and when beta2 changes while training.

References are plain `torch.optim.RMSprop(alpha=...)` loops on the same gradients.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from playground.config import TrainConfig, with_values
from playground.experiment import build
from playground.optim.functions import FUNCTIONS, run_path
from playground.presets import get_preset
from playground.views.optim import rows_to_runs


def _plain_rosenbrock(alpha: float, lr: float, steps: int) -> np.ndarray:
    f = FUNCTIONS.get("rosenbrock")
    point = torch.nn.Parameter(torch.tensor(f.start, dtype=torch.float64))
    opt = torch.optim.RMSprop([point], lr=lr, alpha=alpha)
    for _ in range(steps):
        opt.zero_grad()
        f.f(point[0], point[1]).backward()
        opt.step()
    return point.detach().numpy()


def test_beta2_is_rmsprops_alpha_on_a_test_function():
    ends = {}
    for beta2 in (0.999, 0.5):
        path = run_path("rosenbrock", TrainConfig(optimizer="rmsprop", lr=1e-3, beta2=beta2), 30)
        np.testing.assert_allclose(path.xy[-1], _plain_rosenbrock(beta2, 1e-3, 30), rtol=0, atol=1e-6)
        ends[beta2] = path.xy[-1]
    assert np.abs(ends[0.999] - ends[0.5]).max() > 1e-3, "beta2 changes the path"


def test_the_race_tables_beta2_column_reaches_rmsprop():
    rows = [{"optimizer": "rmsprop", "lr": 1e-3, "momentum": 0.0, "beta1": 0.9, "beta2": 0.5}]
    (cfg,) = rows_to_runs(rows).values()
    np.testing.assert_allclose(run_path("rosenbrock", cfg, 30).xy[-1], _plain_rosenbrock(0.5, 1e-3, 30),
                               rtol=0, atol=1e-6)


def test_a_live_change_of_beta2_sets_alpha_from_that_step_on():
    cfg = with_values(get_preset("tf_circle"), {"train.optimizer": "rmsprop", "train.lr": 0.01,
                                                "train.batch_size": 0, "train.beta2": 0.99})
    exp = build(cfg)
    ref = copy.deepcopy(exp.model)
    x, y = exp.dataset.train.x, exp.dataset.train.y
    opt = torch.optim.RMSprop(ref.parameters(), lr=0.01, alpha=0.99)
    for epoch in range(10):                       # full batch: one step per epoch, no shuffling
        if epoch == 5:
            opt.param_groups[0]["alpha"] = 0.5
        opt.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        opt.step()
    exp.trainer.run_epochs(5)
    exp.trainer.update_config(replace(exp.trainer.cfg, beta2=0.5))
    exp.trainer.run_epochs(5)
    assert exp.trainer.optimizer.param_groups[0]["alpha"] == 0.5
    for got, want in zip(exp.model.parameters(), ref.parameters()):
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=0, atol=1e-6)
