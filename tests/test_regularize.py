"""Overfitting clinic library: twins from identical weights, weight decay, early stopping with restore,
input noise, learning curves, label flips and the internals probes."""

from __future__ import annotations

import numpy as np
import torch

from playground.config import with_values
from playground.experiment import build
from playground.group import RunGroup
from playground.optim.landscape import flat_params
from playground.presets import get_preset
from playground.regularize import (
    best_val_epoch,
    dropout_masks,
    flip_labels,
    noise_curve,
    norm_activations,
    size_curve,
    weight_norm,
    weight_values,
)
from playground.views.clinic import twin_overrides


def overfit(**values):
    return with_values(get_preset("reg_overfit"), values)


def twins(cfg, overrides):
    group = RunGroup.variants(build(cfg), {"regularized": overrides}, leader_label="baseline")
    return group.runs["baseline"], group.runs["regularized"]


def test_twins_share_data_and_start_from_identical_weights():
    for overrides in ({"train.l2": 0.01}, {"model.dropout": 0.3}, {"model.batch_norm": True},
                      {"train.input_noise": 0.2}):
        base, reg = twins(overfit(), overrides)
        assert base.dataset is reg.dataset
        for (name, p) in base.model.named_parameters():
            q = dict(reg.model.named_parameters())[name]
            assert torch.equal(p, q), (overrides, name)


def test_weight_decay_shrinks_the_weight_norm():
    group = RunGroup.variants(build(overfit()), {"regularized": {"train.weight_decay": 0.1}}, leader_label="baseline")
    base, reg = group.runs.values()
    assert weight_norm(base.model) == weight_norm(reg.model)
    group.run_epochs(15)
    assert weight_norm(reg.model) < 0.8 * weight_norm(base.model)


def test_early_stopping_restores_the_best_validation_weights():
    exp = build(overfit(**{"train.early_stopping": True, "train.patience": 10}))
    exp.trainer.run_epochs(200)
    assert exp.trainer.status == "early_stopped"
    best = best_val_epoch(exp)
    val_losses = exp.trainer.history["val_loss"]
    loss, _ = exp.trainer.evaluate(exp.dataset.val)
    assert abs(loss - min(val_losses)) < 1e-6
    assert exp.trainer.epoch - best == 10
    assert f"epoch {best}" in exp.trainer.message


def test_restore_best_loads_the_best_weights_on_demand():
    exp = build(overfit())
    exp.trainer.run_epochs(60)
    best = best_val_epoch(exp)
    assert exp.trainer.restore_best() == best
    loss, _ = exp.trainer.evaluate(exp.dataset.val)
    assert abs(loss - min(exp.trainer.history["val_loss"])) < 1e-6


def test_input_noise_is_seeded_and_changes_training():
    a, b, c = (build(overfit(**{"train.input_noise": n})) for n in (0.3, 0.3, 0.0))
    for e in (a, b, c):
        e.trainer.run_epochs(2)
    assert torch.equal(flat_params(a.model), flat_params(b.model))
    assert not torch.equal(flat_params(a.model), flat_params(c.model))


def test_flip_labels_flips_about_the_share_and_always_to_another_class():
    y = torch.randint(0, 3, (4000,), generator=torch.Generator().manual_seed(0))
    flipped = flip_labels(y, 0.25, 3, seed=1)
    changed = (flipped != y).float().mean().item()
    assert 0.22 < changed < 0.28
    assert flipped.min() >= 0 and flipped.max() <= 2


def test_learning_curves_grow_the_training_set_and_label_noise_hurts():
    cfg = with_values(get_preset("reg_spiral_small_data"), {"data.n_samples": 200})
    sizes = size_curve(cfg, [0.2, 1.0], epochs=3)
    assert [p.x for p in sizes] == [20, 100]
    noisy = noise_curve(with_values(cfg, {"data.name": "gauss"}), [0.0, 0.45], epochs=20)
    assert noisy[0].val_metric > noisy[1].val_metric


def test_twin_overrides_only_name_what_is_switched_on():
    assert twin_overrides() == {}
    got = twin_overrides(l2=0.01, early_stopping=True, patience=7, hidden="8")
    assert got == {"train.l2": 0.01, "train.early_stopping": True, "train.patience": 7, "model.hidden": "8"}


def test_batch_norm_normalises_and_dropout_drops_about_its_rate():
    exp = build(overfit(**{"model.batch_norm": True, "model.dropout": 0.5}))
    x = exp.dataset.train.x
    before, after = norm_activations(exp.model, x)
    assert before.shape == after.shape == (len(x), 64)
    np.testing.assert_allclose(after.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(after.std(0), 1, atol=0.05)
    masks = dropout_masks(exp.model, x)
    assert len(masks) == 2 and masks[0].shape == (len(x), 64)
    assert 0.4 < 1 - masks[0].mean() < 0.6
    assert norm_activations(build(overfit()).model, x) is None


def test_l1_drives_most_weights_to_zero():
    from playground.regularize import sparsity

    base, l1 = build(get_preset("reg_overfit")), build(get_preset("reg_l1"))
    for e in (base, l1):
        e.trainer.run_epochs(150)
    assert sparsity(l1.model) > 0.5 > 0.05 > sparsity(base.model)


def test_clinic_payload_pickles_and_its_views_count_every_weight_and_label_the_epoch():
    import pickle

    from playground.payloads.clinic import clinic_payload
    from playground.views.clinic import twin_group, twin_table, twin_view, weights_view

    base = build(overfit())
    group = twin_group(base, {"train.l2": 0.01}, {})
    group.run_epochs(3)
    p = pickle.loads(pickle.dumps(clinic_payload(group)))
    assert [r.label for r in p.runs] == ["baseline", "regularized"]
    for r, exp in zip(p.runs, group.runs.values()):
        assert np.array_equal(r.extra.weights, weight_values(exp.model))
        assert np.isclose(r.extra.norm, float(torch.linalg.vector_norm(torch.from_numpy(r.extra.weights))))
        assert r.extra.best_epoch == best_val_epoch(exp)
    rows = twin_table(p)
    assert [(row["epoch"], row["weights"]) for row in rows] == [(3, "after epoch 3")] * 2
    hist = weights_view(p)
    assert [int(t["y"].sum()) for t in hist["data"]] == [len(r.extra.weights) for r in p.runs]
    assert hist["data"][0]["name"] == "baseline (after epoch 3)" and hist["layout"]["height"] == 320
    curves = twin_view(p)
    assert len(curves["data"]) == 4 and list(curves["data"][0]["x"]) == [0, 1, 2, 3]
