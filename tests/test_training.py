"""The Trainer: known answers, determinism, batch modes, divergence, early stopping, live changes."""

import copy

import pytest
import torch

from playground.cadence import DENSE_EPOCHS
from playground.config import ConfigError, ExperimentConfig, with_values
from playground.data import make_dataset
from playground.experiment import build
from playground.models import build_model
from playground.presets import get_preset


def test_gradients_match_finite_differences():
    cfg = with_values(ExperimentConfig(), {"model.hidden": (5, 3), "model.activation": "tanh",
                                           "data.n_samples": 30})
    ds = make_dataset(cfg.data)
    model = build_model(cfg.model, ds.spec, seed=0).double()
    x, y = ds.train.x.double(), ds.train.y
    loss_fn = torch.nn.CrossEntropyLoss()
    params = tuple(model.parameters())

    def loss_of(*ps):
        state = dict(zip([n for n, _ in model.named_parameters()], ps))
        return loss_fn(torch.func.functional_call(model, state, (x,)), y)

    assert torch.autograd.gradcheck(loss_of, params, eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("preset, epochs, target", [("tf_circle", 100, 0.95), ("tf_gauss", 20, 0.95),
                                                    ("spiral_solved", 60, 0.9), ("tf_plane", 50, 0.95)])
def test_seeded_runs_reach_target(preset, epochs, target):
    exp = build(get_preset(preset))
    snap = exp.trainer.run_epochs(epochs)
    metric = snap.record.get("test_accuracy", snap.record.get("test_r2"))
    assert metric >= target, f"{preset}: {metric:.3f} after {epochs} epochs"


def test_same_seed_same_curve_other_seed_other_curve():
    cfg = get_preset("tf_xor")
    a, b = build(cfg), build(cfg)
    c = build(with_values(cfg, {"seed": 1}))
    for e in (a, b, c):
        e.trainer.run_epochs(5)
    assert a.trainer.history["train_loss"] == b.trainer.history["train_loss"]
    assert a.trainer.history["train_loss"] != c.trainer.history["train_loss"]


@pytest.mark.parametrize("preset, values", [
    ("tf_spiral", {"model.dropout": 0.3, "model.hidden": (16, 16)}),
    ("seq_sine_lstm", {"model.dropout": 0.3, "model.rnn.layers": 2}),   # dropout inside the fused LSTM kernel
])
def test_dropout_runs_repeat_from_their_seed_whatever_else_draws_random_numbers(preset, values):
    # dropout masks come from the Trainer's own generator, not torch's global one (models/layers.py), so
    # another session, a probe or Captum drawing random numbers between steps changes nothing
    cfg = with_values(get_preset(preset), values)
    a, b = build(cfg), build(cfg)
    for _ in range(3):
        a.trainer.run_epochs(1)
        torch.rand(1000)                          # someone else uses the global generator meanwhile
        b.trainer.run_epochs(1)
    assert a.trainer.history["train_loss"] == b.trainer.history["train_loss"]
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))
    c = build(with_values(cfg, {"seed": 1}))
    c.trainer.run_epochs(3)
    assert c.trainer.history["train_loss"] != a.trainer.history["train_loss"]


def test_sessions_training_stacked_rnn_dropout_at_once_keep_their_own_masks():
    # dropout between stacked RNN layers draws from torch's global generator (seeded per step from the
    # Trainer's); torch ops release the GIL, so two sessions' threads would interleave without a lock
    import threading

    cfg = with_values(get_preset("seq_sine_lstm"), {"model.dropout": 0.3, "model.rnn.layers": 2})
    alone = build(cfg)
    alone.trainer.run_epochs(4)
    pair = [build(cfg), build(with_values(cfg, {"seed": 1}))]
    threads = [threading.Thread(target=e.trainer.run_epochs, args=(4,)) for e in pair]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pair[0].trainer.history["train_loss"] == alone.trainer.history["train_loss"]


@pytest.mark.parametrize("batch, steps_per_epoch", [(0, 1), (1, 250), (10, 25), (64, 4)])
def test_batch_modes(batch, steps_per_epoch):
    exp = build(with_values(get_preset("tf_circle"), {"train.batch_size": batch}))
    exp.trainer.run_epochs(2)
    assert exp.trainer.steps == 2 * steps_per_epoch


def test_batch_norm_with_single_sample_batches_is_refused():
    with pytest.raises(ConfigError, match="batch norm"):
        build(with_values(ExperimentConfig(), {"model.batch_norm": True, "train.batch_size": 1}))


def test_divergence_stops_and_keeps_last_good_weights():
    exp = build(get_preset("diverge"))
    good = copy.deepcopy(exp.model.state_dict())
    snap = exp.trainer.run_epochs(50)
    assert snap.status == "diverged"
    assert "learning rate" in snap.message
    for k, v in exp.model.state_dict().items():
        assert torch.isfinite(v).all()
        assert torch.equal(v, good[k]), "weights are those of the last finished epoch (here: the start)"
    before = exp.trainer.steps
    exp.trainer.step(5)
    assert exp.trainer.steps == before, "a diverged trainer does not step until resumed"


def test_early_stopping_restores_best_weights():
    cfg = with_values(get_preset("moons_dropout"), {"train.patience": 5, "data.noise": 0.6, "data.n_samples": 150,
                                                    "model.hidden": (64, 64), "model.dropout": 0.0})
    exp = build(cfg)
    snap = exp.trainer.run_epochs(400)
    assert snap.status == "early_stopped"
    val = exp.trainer.history["val_loss"]
    best_epoch = min(range(len(val)), key=val.__getitem__)
    assert f"epoch {best_epoch}" in snap.message
    loss_now, _ = exp.trainer.evaluate(exp.dataset.val)
    assert loss_now == pytest.approx(val[best_epoch], rel=1e-5)


def test_learning_rate_change_keeps_weights_and_counters():
    exp = build(get_preset("tf_circle"))
    exp.trainer.run_epochs(3)
    weights = copy.deepcopy(exp.model.state_dict())
    new = with_values(exp.cfg, {"train.lr": 0.3})
    exp.trainer.update_config(new.train)
    assert exp.trainer.epoch == 3
    assert all(torch.equal(v, weights[k]) for k, v in exp.model.state_dict().items())
    assert exp.trainer.optimizer.param_groups[0]["lr"] == 0.3


def test_l1_shrinks_weights_more_than_none():
    plain = build(with_values(get_preset("spiral_solved"), {"train.max_epochs": 0}))
    sparse = build(with_values(get_preset("spiral_solved"), {"train.l1": 0.003}))
    for e in (plain, sparse):
        e.trainer.run_epochs(20)
    norm = lambda m: sum(p.abs().sum().item() for n, p in m.named_parameters() if p.dim() > 1)  # noqa: E731
    assert norm(sparse.model) < 0.8 * norm(plain.model)


def test_max_epochs_finishes():
    exp = build(with_values(get_preset("tf_gauss"), {"train.max_epochs": 4}))
    snap = exp.trainer.run_epochs(100)
    assert snap.status == "finished" and snap.epoch == 4


# -- evaluation cadence (eval_share, the live loop's setting) -----------------------------------------

def _cadence_pair(preset: str, share: float):
    """Two trainers of one preset: one evaluating every epoch, one with eval_share."""
    dense, sparse = build(get_preset(preset)), build(get_preset(preset))
    sparse.trainer.eval_share = share
    return dense.trainer, sparse.trainer


def test_eval_share_skips_records_but_never_changes_the_weights():
    dense, sparse = _cadence_pair("tf_circle", 1e-12)   # so small that only the forced evaluations happen
    dense.run_epochs(32)
    sparse.run_epochs(32)
    assert sparse.history["epoch"] == [*range(DENSE_EPOCHS + 1), 32], "the first epochs, then run_epochs' end"
    for a, b in zip(dense.model.state_dict().values(), sparse.model.state_dict().values()):
        assert torch.equal(a, b)
    assert sparse.history.last()["test_loss"] == dense.history.last()["test_loss"]
    assert len(dense.history) == 33


def test_eval_share_step_and_train_for_end_on_a_record():
    _, sparse = _cadence_pair("tf_circle", 1e-12)
    sparse.run_epochs(DENSE_EPOCHS)
    sparse.step(25 * 3)                                   # 3 epochs of 25 steps
    assert sparse.epoch == DENSE_EPOCHS + 3 and sparse.history["epoch"][-2:] == [DENSE_EPOCHS, DENSE_EPOCHS + 3]
    sparse.train_for(0.5)                                 # short epochs: the tick stops on a recorded one
    assert sparse.history["epoch"][-1] == sparse.epoch and not sparse._batches
    assert len(sparse.history) < sparse.epoch


def test_eval_share_records_every_epoch_for_early_stopping_and_when_cheap():
    cfg = with_values(get_preset("tf_circle"), {"train.early_stopping": True, "train.patience": 1000})
    exp = build(cfg)
    exp.trainer.eval_share = 1e-12
    exp.trainer.run_epochs(DENSE_EPOCHS + 5)
    assert exp.trainer.history["epoch"] == list(range(DENSE_EPOCHS + 6)), "patience counts epochs: all evaluated"
    _, generous = _cadence_pair("tf_circle", 1e9)        # evaluation always within its share
    generous.run_epochs(DENSE_EPOCHS + 5)
    assert generous.history["epoch"] == list(range(DENSE_EPOCHS + 6))


def test_eval_share_still_catches_divergence():
    exp = build(get_preset("diverge"))
    exp.trainer.eval_share = 1e-12
    snap = exp.trainer.run_epochs(50)
    assert snap.status == "diverged"
    assert all(torch.isfinite(t).all() for t in exp.model.state_dict().values() if t.is_floating_point())


def test_where_says_the_epoch_and_batch_the_weights_are_at():
    exp = build(get_preset("tf_circle"))           # 250 training points, batch 10: 25 batches an epoch
    assert exp.trainer.where() == "after epoch 0"
    exp.trainer.step(3)
    assert exp.trainer.where() == "epoch 1, batch 3 of 25"
    exp.trainer.step(22)
    assert exp.trainer.where() == "after epoch 1"


def test_a_tick_of_short_epochs_ends_on_an_evaluated_epoch():
    """The live loop shows the newest record's epoch: ticks of short epochs must end on one, not inside."""
    exp = build(get_preset("tf_circle"))
    exp.trainer.eval_share = 0.03
    exp.trainer.run_epochs(1)                      # an epoch (~10 ms, 25 steps of a 4-2 MLP) has been timed
    for _ in range(5):
        exp.trainer.train_for(0.3)
        assert exp.trainer.where() == f"after epoch {exp.trainer.epoch}"
        assert exp.trainer.history["epoch"][-1] == exp.trainer.epoch


def test_models_built_in_threads_at_once_get_their_seeds_weights():
    """Sessions are threads: building models at once must not interleave their draws from torch's global
    generator (a session's seed gives its weights whoever else builds meanwhile)."""
    import threading

    from playground.config import ExperimentConfig, with_values
    from playground.data.base import CLASSIFICATION, DataSpec
    from playground.models import build_model

    cfg = with_values(ExperimentConfig(), {"model.kind": "cnn", "model.cnn.channels": (8, 16), "model.hidden": (32,)})
    spec = DataSpec(CLASSIFICATION, (1, 16, 16), 5)
    expected = {s: build_model(cfg.model, spec, s).state_dict() for s in range(4)}
    wrong: list[int] = []

    def build_many(seed: int) -> None:
        for _ in range(15):
            got = build_model(cfg.model, spec, seed).state_dict()
            if not all(torch.equal(got[k], v) for k, v in expected[seed].items()):
                wrong.append(seed)

    threads = [threading.Thread(target=build_many, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
