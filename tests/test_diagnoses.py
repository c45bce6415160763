"""Diagnoses on real training curves of the presets (trained headless and seeded, as the CLI does).

Each run is replayed record by record into a fresh History, so a rule is judged at every epoch as the
live page would have shown it. Reference curves: `reg_overfit` (validation loss 0.297 -> 0.770 while
training loss falls to 0.008), the linear 8-8-8 `linear_deep` (loss 0.69 = ln 2, accuracy near 0.5),
and healthy runs that must stay silent.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

import playground.diagnoses as dg
from playground.config import with_values
from playground.diagnoses import PLATEAU_SKILL, RULES, RULES_HELP, chance_loss, curve_diagnoses, diagnose
from playground.experiment import Experiment, build
from playground.history import History
from playground.presets import get_preset

_RUNS: dict[tuple, Experiment] = {}


def trained(preset: str, epochs: int, seed: int = 0, **values) -> Experiment:
    key = (preset, epochs, seed, tuple(sorted(values.items())))
    if key not in _RUNS:
        exp = build(replace(with_values(get_preset(preset), values), seed=seed))
        exp.trainer.run_epochs(epochs)
        _RUNS[key] = exp
    return _RUNS[key]


def epochs_shown(exp: Experiment, code: str) -> list[int]:
    """The epochs at which `code` is diagnosed from the curves, replaying the history record by record."""
    full, replay, chance, shown = exp.trainer.history, History(), chance_loss(exp.dataset), []
    for i in range(len(full)):
        replay.append({k: col[i] for k, col in full.columns.items()})
        if any(d.code == code for d in curve_diagnoses(replay, chance)):
            shown.append(replay["epoch"][-1])
    return shown


# ---------------------------------------------------------------- overfitting

def test_overfitting_is_shown_on_the_overfitting_preset_and_stays_on():
    exp = trained("reg_overfit", 200)
    h = exp.trainer.history
    assert min(h["val_loss"]) == pytest.approx(0.297, abs=1e-3) and h["val_loss"][-1] == pytest.approx(0.770, abs=1e-3)
    shown = epochs_shown(exp, "overfitting")
    assert shown == list(range(54, 201)), "on from epoch 54 (validation 44% above its best at 60) to the end"
    (d,) = [d for d in diagnose(exp.model, exp.dataset, h) if d.code == "overfitting"]
    assert "rose from 0.3" in d.message and "to 0.7" in d.message


@pytest.mark.parametrize("seed", [1, 2])
def test_overfitting_sets_in_on_other_seeds_and_stays_on(seed):
    shown = epochs_shown(trained("reg_overfit", 200, seed), "overfitting")
    assert shown and shown == list(range(shown[0], 201)) and 31 <= shown[0] <= 54   # README: epoch 31-54


@pytest.mark.parametrize("preset,epochs,values", [
    ("tf_circle", 300, {}), ("tf_spiral", 300, {}), ("tanh_deep", 200, {}),
    ("reg_overfit", 200, {"train.l2": 0.01}),       # the regularised twin: validation stays at its best
])
def test_no_overfitting_on_runs_that_do_not_overfit(preset, epochs, values):
    assert epochs_shown(trained(preset, epochs, **values), "overfitting") == []


def test_overfitting_is_seen_in_a_rising_trend_not_in_noise():
    n = 60

    def codes(val, train):
        return [d.code for d in curve_diagnoses({"epoch": list(range(n)), "val_loss": list(val),
                                                 "train_loss": list(train)})]

    falling = np.linspace(0.7, 0.3, n)
    rising = np.concatenate([np.linspace(0.7, 0.6, 20), np.linspace(0.6, 0.76, n - 20)])  # +27% from its best
    assert "overfitting" in codes(rising, falling)
    noisy = 0.6 + 0.05 * np.sign(np.sin(np.arange(n) * 2.0))                              # flat, jumping ±8%
    assert "overfitting" not in codes(noisy, falling)
    assert "overfitting" not in codes(rising, falling[::-1])                               # training worsens too
    recovered = np.concatenate([rising[:-6], [0.58] * 6])                                  # back below its best
    assert "overfitting" not in codes(recovered, falling)
    tiny = rising * 0.01                                                                   # +27%, but 0.0016
    assert "overfitting" not in codes(tiny, falling * 0.01)


# ---------------------------------------------------------------- plateau

def test_chance_loss_is_the_entropy_of_the_evaluated_training_labels():
    ds = trained("linear_deep", 0).dataset
    y = ds.train.y[:256]
    p = torch.bincount(y) / len(y)
    want = float(torch.nn.functional.cross_entropy(p.log().expand(len(y), -1), y))   # always predict the shares
    assert chance_loss(ds) == pytest.approx(want, abs=1e-6)
    assert chance_loss(trained("tf_plane", 0).dataset) is None


def test_a_stuck_linear_network_is_on_a_plateau():
    exp = trained("linear_deep", 200)
    h = exp.trainer.history
    assert abs(h["train_loss"][-1] - math.log(2)) < 0.01 and abs(h["train_accuracy"][96] - 0.5) < 0.1
    shown = epochs_shown(exp, "plateau")
    assert shown == list(range(34, 201)), "from its 34th epoch on; the issue saw nothing at epoch 96"
    assert "plateau" in {d.code for d in diagnose(exp.model, exp.dataset, h)}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_stuck_linear_network_is_on_a_plateau_on_other_seeds(seed):
    shown = epochs_shown(trained("linear_deep", 200, seed), "plateau")
    assert shown and shown == list(range(shown[0], 201)) and 30 <= shown[0] <= 34   # README: epoch 30-34


@pytest.mark.parametrize("preset,epochs", [("tf_circle", 300), ("tanh_deep", 200), ("reg_overfit", 200)])
def test_no_plateau_on_runs_that_learn(preset, epochs):
    assert epochs_shown(trained(preset, epochs), "plateau") == []


def test_a_linear_network_on_bumps_is_a_plateau_by_its_r2():
    exp = trained("tf_multigauss", 150, **{"model.activation": "linear"})   # six bumps: no line fits them
    assert abs(exp.trainer.history["train_r2"][-1]) < PLATEAU_SKILL
    shown = epochs_shown(exp, "plateau")
    assert shown and shown == list(range(shown[0], 151)) and shown[0] <= 40


def test_a_plateau_needs_a_history_long_enough_and_a_baseline():
    h = {"epoch": list(range(31)), "train_loss": [0.69] * 31, "train_accuracy": [0.5] * 31}
    assert [d.code for d in curve_diagnoses(h, math.log(2))] == ["plateau"]
    assert curve_diagnoses(h) == [], "classification without its chance loss is not judged"
    assert curve_diagnoses({k: v[:30] for k, v in h.items()}, math.log(2)) == [], "29 epochs: too soon"
    r2 = {"epoch": list(range(31)), "train_loss": [1.0] * 31, "train_r2": [0.01] * 31}
    assert [d.code for d in curve_diagnoses(r2)] == ["plateau"]


# ---------------------------------------------------------------- dead and saturated units

def test_no_dead_relu_warning_before_training_has_begun():
    exp = build(get_preset("relu_deep_fix"))     # He-initialised 8-wide ReLU layers: some start silent
    assert dg._activation_diagnoses(exp.model, exp.dataset), "the rule itself would fire on these weights"
    assert [d for d in diagnose(exp.model, exp.dataset, exp.trainer.history) if d.level == "warning"] == []


def test_dead_relus_are_diagnosed_once_training_has_begun():
    exp = build(with_values(get_preset("spiral_solved"), {"model.hidden": (8,)}))
    with torch.no_grad():
        exp.model.hidden[0].linear.bias[:4] = -100.0  # half the units can never fire
    assert "dead_relu" not in {d.code for d in diagnose(exp.model, exp.dataset, exp.trainer.history)}
    exp.trainer.run_epochs(1)
    assert "dead_relu" in {d.code for d in diagnose(exp.model, exp.dataset, exp.trainer.history)}


def test_no_saturation_warning_before_training_has_begun():
    exp = build(get_preset("tf_circle"))
    with torch.no_grad():
        exp.model.hidden[0].linear.weight.mul_(100.0)      # tanh pinned at ±1
    assert "saturation" not in {d.code for d in diagnose(exp.model, exp.dataset, exp.trainer.history)}
    exp.trainer.run_epochs(1)
    assert "saturation" in {d.code for d in diagnose(exp.model, exp.dataset, exp.trainer.history)}


# ---------------------------------------------------------------- the help shows the rules

def test_every_diagnosis_has_its_rule_in_the_help_with_the_codes_numbers():
    codes = {"vanishing", "exploding", "dead_relu", "saturation", "overfitting", "plateau"}
    assert set(RULES) == codes
    assert all(RULES[c] in RULES_HELP for c in codes)
    for number in (f"{dg.OVERFIT_RISE:.0%}", f"{dg.OVERFIT_GAP:g}", f"{dg.SMOOTH_EPOCHS} epochs",
                   f"{dg.PLATEAU_EPOCHS} epochs", f"{dg.DEAD_SHARE:.0%}", f"{dg.SATURATED_SHARE:.0%}"):
        assert number in RULES_HELP


def test_the_playground_page_shows_the_rules_and_waits_for_training():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "playground.py"), default_timeout=90)
    at.run()
    (heading,) = [m for m in at.markdown if m.value == "**Diagnoses**"]
    assert heading.help == RULES_HELP
    assert any("begin once training has" in c.value for c in at.caption) and not at.warning
    at.button(key="playground:step").click().run()
    assert not at.exception and not any("begin once training has" in c.value for c in at.caption)
