"""Per-block lr scales, freezing and gradual unfreezing in the Trainer (issue 18): the same weights as a plain
PyTorch loop with hand-built param groups; frozen weights never move; scales and frozen blocks survive a
schedule, a live change, a divergence restore, restore_best, a save and reopen, and the LR range test;
bad input is a ConfigError naming the field."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from playground.config import ConfigError, with_values
from playground.experiment import build
from playground.history import DIVERGED
from playground.models.blocks import blocks, frozen_at
from playground.models.layers import DropoutGenerator
from playground.optim.lr import lr_range_test
from playground.presets import get_preset
from playground.store import RunStore, restore

# a small CNN on 8x8 digits with batch norm and dropout (so eval mode on frozen blocks matters): 4 blocks
SMALL = {"data.train_fraction": 0.1, "model.cnn.channels": (4, 8), "model.hidden": (16,),
         "model.batch_norm": True, "model.dropout": 0.1, "train.max_epochs": 0}
NAMES = ["convs.0", "convs.1", "head_layers.0", "out"]   # its blocks, written by hand


def _cfg(**values):
    return with_values(get_preset("digits_cnn"), {**SMALL, **values})


def _reference(model: nn.Module, exp, epochs: int, scales: list[float], frozen: list[int]) -> nn.Module:
    """A plain PyTorch loop: param groups built by hand, requires_grad False and eval mode on frozen blocks,
    the Trainer's batch order (seeded randperm) and dropout masks (its seeded generator), Adam."""
    t, seed = exp.cfg.train, exp.cfg.seed
    parts = [model.get_submodule(n) for n in NAMES]
    opt = torch.optim.Adam([{"params": list(m.parameters()), "lr": t.lr * s} for m, s in zip(parts, scales)],
                           lr=t.lr, betas=(t.beta1, t.beta2), weight_decay=t.weight_decay)
    gen, drop = torch.Generator().manual_seed(seed), DropoutGenerator(torch.Generator().manual_seed(seed + 1))
    x_all, y_all = exp.dataset.train.x, exp.dataset.train.y
    n, bs = len(x_all), t.batch_size
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        for i, m in enumerate(parts):
            for p in m.parameters():
                p.requires_grad = i >= frozen[epoch]
            if i < frozen[epoch]:
                m.eval()
        perm = torch.randperm(n, generator=gen)
        x, y = x_all[perm], y_all[perm]
        for i in range(0, n - 1, bs):
            with drop:
                out = model(x[i:i + bs])
            loss = loss_fn(out, y[i:i + bs])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model


@pytest.mark.parametrize("values, scales, frozen", [
    ({"train.freeze": 2, "train.lr_scales": (0.1, 0.5)}, [0.1, 0.5, 1.0, 1.0], [2, 2, 2, 2]),
    ({"train.freeze": 3, "train.unfreeze_every": 1, "train.lr_scales": (0.2, 0.3, 0.6, 1.5)},
     [0.2, 0.3, 0.6, 1.5], [3, 2, 1, 0]),
])
def test_the_trainer_matches_a_plain_pytorch_loop_with_hand_built_groups(values, scales, frozen):
    exp = build(_cfg(**values))
    assert [n for n, _ in blocks(exp.model)] == NAMES
    start = copy.deepcopy(exp.model)
    exp.trainer.run_epochs(4)
    want = _reference(start, exp, 4, scales, frozen).state_dict()
    got = exp.model.state_dict()
    for k, v in want.items():
        assert torch.allclose(got[k].float(), v.float(), atol=1e-6), k
    assert exp.trainer.history["frozen"] == [frozen[0]] + frozen
    assert exp.trainer.history["lr"][1:] == [exp.cfg.train.lr] * 4          # the base rate, not a group's


def _block_state(model: nn.Module, names: list[str]) -> dict[str, torch.Tensor]:
    return {f"{n}.{k}": v.clone() for n in names for k, v in model.get_submodule(n).state_dict().items()}


def test_frozen_weights_never_move_even_with_weight_decay_momentum_and_a_later_freeze():
    exp = build(_cfg(**{"train.optimizer": "momentum", "train.weight_decay": 0.05, "train.l2": 0.01,
                        "train.lr": 0.05, "train.freeze": 2}))
    frozen_before, head_before = _block_state(exp.model, NAMES[:2]), _block_state(exp.model, NAMES[2:])
    exp.trainer.run_epochs(3)
    frozen_after, head_after = _block_state(exp.model, NAMES[:2]), _block_state(exp.model, NAMES[2:])
    for k, v in frozen_before.items():      # weights, biases and batch-norm running statistics
        assert torch.equal(frozen_after[k], v), k
    assert all(not torch.equal(head_after[k], v) for k, v in head_before.items() if "weight" in k)
    # freeze one more block live: it has momentum now, yet it must stay where it is from here on
    assert exp.trainer.optimizer.state[exp.model.get_submodule("head_layers.0").linear.weight]
    exp.trainer.update_config(replace(exp.cfg.train, freeze=3))
    third = _block_state(exp.model, ["head_layers.0"])
    out_before = exp.model.out.weight.detach().clone()
    exp.trainer.run_epochs(2)
    assert all(torch.equal(v, _block_state(exp.model, ["head_layers.0"])[k]) for k, v in third.items())
    assert not torch.equal(exp.model.out.weight, out_before)
    assert exp.trainer.history["frozen"][-1] == 3


def _group_lrs(trainer) -> list[float]:
    return [g["lr"] for g in trainer.optimizer.param_groups]


def _want_lrs(base: float, scales: tuple[float, ...]) -> list[float]:
    return [pytest.approx(base * s, rel=1e-12) for s in scales]


SCALES = (0.1, 0.5, 1.0, 1.0)


def test_scales_and_frozen_blocks_survive_a_schedule_a_live_change_and_restore_best():
    exp = build(_cfg(**{"train.freeze": 2, "train.lr_scales": (0.1, 0.5), "train.schedule": "step",
                        "train.step_size": 1, "train.gamma": 0.5, "train.lr": 0.01}))
    t = exp.trainer
    for epoch in range(3):
        t.run_epochs(1)
        assert _group_lrs(t) == _want_lrs(0.01 * 0.5 ** epoch, SCALES)      # the epoch just trained
        assert t.history["lr"][-1] == pytest.approx(0.01 * 0.5 ** epoch)    # the base rate
    t.step(1)                                                               # epoch 4 under way
    moments = {id(p): s["exp_avg"].clone() for p, s in t.optimizer.state.items()}
    t.update_config(replace(t.cfg, lr=0.02))                                 # a live lr change
    assert _group_lrs(t) == _want_lrs(0.02 * 0.5 ** 3, SCALES)
    assert all(torch.equal(s["exp_avg"], moments[id(p)]) for p, s in t.optimizer.state.items())   # moments kept
    t.update_config(replace(t.cfg, lr_scales=(0.3,)))                        # a live change of the scales
    assert _group_lrs(t) == _want_lrs(0.02 * 0.5 ** 3, (0.3, 1.0, 1.0, 1.0))
    assert all(torch.equal(s["exp_avg"], moments[id(p)]) for p, s in t.optimizer.state.items())
    t.run_epochs(1)
    assert t.restore_best() is not None                                      # a rebuilt optimizer
    assert _group_lrs(t) == _want_lrs(0.02 * 0.5 ** 3, (0.3, 1.0, 1.0, 1.0))
    assert [b.training for _, b in blocks(exp.model)] == [False, False, True, True]
    assert not any(p.requires_grad for p in exp.model.convs.parameters())


def test_scales_and_frozen_blocks_survive_a_divergence_restore():
    exp = build(_cfg(**{"train.freeze": 1, "train.lr_scales": (0.1, 0.5), "train.schedule": "step",
                        "train.step_size": 1, "train.gamma": 0.5}))
    t = exp.trainer
    t.run_epochs(2)
    frozen = _block_state(exp.model, ["convs.0"])
    with torch.no_grad():
        exp.model.out.weight.fill_(math.inf)                                 # the next loss is not finite
    t.step(1)
    assert t.status == DIVERGED and "0.00075" in t.message                    # the scheduled rate (0.003 x 0.5²)
    assert _group_lrs(t) == _want_lrs(0.003 * 0.5 ** 2, SCALES)
    assert torch.isfinite(exp.model.out.weight).all()
    t.resume()
    t.run_epochs(2)
    assert all(torch.equal(v, _block_state(exp.model, ["convs.0"])[k]) for k, v in frozen.items())
    assert _group_lrs(t) == _want_lrs(0.003 * 0.5 ** 3, (0.1, 0.5, 1.0, 1.0))


def test_a_saved_and_reopened_run_continues_as_if_it_never_stopped(tmp_path):
    # full batch, plain SGD and no dropout: the store keeps the weights, not the optimizer's moments or generators
    cfg = _cfg(**{"model.dropout": 0.0, "train.batch_size": 0, "train.optimizer": "sgd", "train.lr": 0.2,
                  "train.freeze": 3, "train.unfreeze_every": 1, "train.lr_scales": (0.1, 0.3, 0.5),
                  "train.schedule": "step", "train.step_size": 1, "train.gamma": 0.8})
    straight = build(cfg)
    straight.trainer.run_epochs(5)
    first = build(cfg)
    first.trainer.run_epochs(2)
    store = RunStore(tmp_path)
    reopened = restore(RunStore(tmp_path).get(store.save(first)), store)
    reopened.trainer.run_epochs(3)
    assert reopened.trainer.history["frozen"] == straight.trainer.history["frozen"] == [3, 3, 2, 1, 0, 0]
    for k, v in straight.model.state_dict().items():
        assert torch.allclose(reopened.model.state_dict()[k].float(), v.float(), atol=1e-6), k
    assert _group_lrs(reopened.trainer) == _group_lrs(straight.trainer)


def test_the_lr_range_test_scales_each_group_and_keeps_frozen_blocks():
    exp = build(_cfg(**{"train.freeze": 2, "train.lr_scales": (0.1, 0.5)}))
    before = copy.deepcopy(exp.model.state_dict())
    seen = []
    original = torch.optim.Adam.step

    def spy(opt, *a, **k):
        seen.append([g["lr"] for g in opt.param_groups])
        return original(opt, *a, **k)

    torch.optim.Adam.step = spy
    try:
        result = lr_range_test(exp.model, exp.dataset, exp.cfg.train, steps=10)
    finally:
        torch.optim.Adam.step = original
    assert len(result.lrs) == len(seen) > 5
    for lr, groups in zip(result.lrs, seen):
        assert groups == pytest.approx([lr * s for s in SCALES], rel=1e-5)
    assert all(torch.equal(v, exp.model.state_dict()[k]) for k, v in before.items())   # the live model untouched


def test_frozen_at_counts_down_with_gradual_unfreezing():
    cfg = _cfg(**{"train.freeze": 3, "train.unfreeze_every": 2}).train
    assert [frozen_at(cfg, e) for e in range(8)] == [3, 3, 2, 2, 1, 1, 0, 0]
    assert [frozen_at(replace(cfg, unfreeze_every=0), e) for e in (0, 50)] == [3, 3]


def test_blocks_of_each_family():
    mlp = build(with_values(get_preset("tf_circle"), {"model.hidden": (4, 2)})).model
    assert [n for n, _ in blocks(mlp)] == ["hidden.0", "hidden.1", "head"]
    rnn = build(get_preset("seq_reverse_bilstm")).model
    assert [n for n, _ in blocks(rnn)] == ["embed", "rnn", "head"]         # drop has no parameters
    assert [n for n, _ in blocks(nn.Linear(2, 1))] == [""]
    for model in (mlp, rnn):     # every parameter is in exactly one block
        owned = [id(p) for _, b in blocks(model) for p in b.parameters()]
        assert sorted(owned) == sorted(id(p) for p in model.parameters())


def test_bad_freeze_and_lr_scales_name_the_field():
    for freeze in (4, 5):                  # 4 blocks: freezing all of them would leave nothing to train
        with pytest.raises(ConfigError, match=r"train\.freeze") as err:
            build(_cfg(**{"train.freeze": freeze}))
        assert "has 4: at most 3" in str(err.value)
    assert build(_cfg(**{"train.freeze": 3})).trainer.run_epochs(1).status == "ready"
    with pytest.raises(ConfigError, match=r"train\.lr_scales.*4 blocks"):
        build(_cfg(**{"train.lr_scales": (1.0,) * 5}))
    exp = build(_cfg())
    with pytest.raises(ConfigError, match=r"train\.freeze"):
        exp.trainer.update_config(replace(exp.cfg.train, freeze=9))
    assert exp.trainer.cfg.freeze == 0 and all(p.requires_grad for p in exp.model.parameters())   # nothing changed


def test_a_frozen_backbone_is_not_diagnosed_as_vanishing_gradients():
    from playground.diagnoses import _gradient_diagnoses

    exp = build(_cfg(**{"train.freeze": 2}))
    exp.trainer.run_epochs(1)
    assert exp.trainer.history["grad_norms"][-1][0] == 0.0       # the first weight has no gradient: frozen
    assert "vanishing" not in [d.code for d in _gradient_diagnoses(exp.trainer.history)]
    fake = {"grad_norms": [[1e-9, 1.0, 1.0]], "frozen": [0]}      # the same numbers unfrozen are a warning
    assert "vanishing" in [d.code for d in _gradient_diagnoses(fake)]
