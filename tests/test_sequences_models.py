"""Recurrent models and their probes: shapes, determinism, the recomputed stack against PyTorch's own,
gate ranges, gradients through time, rollout and sampling, and the adding-problem race (seeded)."""

import numpy as np
import pytest
import torch

from playground.config import ExperimentConfig, with_values
from playground.experiment import build
from playground.presets import get_preset
from playground.probes_seq import generate, recurrent_states, recurrent_trace, rollout, time_gradients
from playground.registry import ConfigError

CELLS = ("rnn", "lstm", "gru")
TASKS = ("sine", "parity", "adding", "reverse", "alice")


def experiment(task: str, kind: str, **over):
    values = {"data.name": task, "data.seq_len": 6, "data.n_samples": 120, "model.kind": kind,
              "model.rnn.hidden_size": 8, **over}
    return build(with_values(ExperimentConfig(), values))


@pytest.mark.parametrize("kind", CELLS)
@pytest.mark.parametrize("task", TASKS)
def test_output_shapes_and_a_training_step(task, kind):
    exp = experiment(task, kind)
    spec = exp.dataset.spec
    out = exp.model(exp.dataset.train.x[:5])
    expected = (5, spec.output_len, spec.n_outputs) if spec.output_len else (5, spec.n_outputs)
    assert tuple(out.shape) == expected
    snap = exp.trainer.step(2)
    assert snap.steps == 2 and np.isfinite(exp.trainer.history.last()["train_loss"])


@pytest.mark.parametrize("kind", CELLS)
def test_same_seed_same_weights(kind):
    a, b = experiment("parity", kind), experiment("parity", kind)
    c = experiment("parity", kind, seed=1)
    sa, sb, sc = (e.model.state_dict() for e in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", CELLS)
def test_recomputed_stack_equals_pytorch(kind, bidirectional):
    exp = experiment("parity", kind, **{"model.rnn.layers": 2, "model.rnn.bidirectional": bidirectional,
                                        "model.rnn.relu": kind == "rnn"})
    model = exp.model.eval()
    x = exp.dataset.test.x[:4]
    with torch.no_grad():
        outs, gates, _ = recurrent_states(model, x)
        ref = model.rnn(model.embed(x))[0]
    torch.testing.assert_close(outs[-1], ref, atol=1e-5, rtol=1e-4)
    assert len(outs) == 2 and len(gates) == 2


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gate_values_in_range(kind):
    exp = experiment("sine", kind, **{"model.rnn.layers": 2})
    trace = recurrent_trace(exp.model, exp.dataset.test.x[:1])
    names = {"lstm": {"input", "forget", "output", "cell candidate"}, "gru": {"reset", "update", "candidate"}}[kind]
    assert set(trace.gates) == names
    for name, g in trace.gates.items():
        assert g.shape == (2, 6, 8)
        lo = -1.0 if "candidate" in name else 0.0
        assert g.min() >= lo and g.max() <= 1.0
    assert trace.hidden.shape == (2, 6, 8)
    assert (trace.cell is not None) == (kind == "lstm")


def test_plain_rnn_has_no_gates():
    exp = experiment("sine", "rnn")
    assert recurrent_trace(exp.model, exp.dataset.test.x[:1]).gates == {}


@pytest.mark.parametrize("task", ["adding", "parity"])
def test_time_gradients_one_per_step_and_weights_untouched(task):
    exp = experiment(task, "rnn")
    before = {k: v.clone() for k, v in exp.model.state_dict().items()}
    g = time_gradients(exp.model, exp.dataset.test.x[:8], exp.dataset.test.y[:8], exp.trainer.loss_fn)
    assert g.shape == (6,) and np.isfinite(g).all() and (g > 0).all()
    assert all(torch.equal(before[k], v) for k, v in exp.model.state_dict().items())
    assert all(p.grad is None for p in exp.model.parameters())


def test_rollout_length_and_horizon():
    exp = experiment("damped", "gru", **{"data.sequence.horizon": 3})
    series = exp.dataset.meta["series"]
    out = rollout(exp.model, series, 6, 10)
    assert out.shape == (10,) and np.isfinite(out).all()


def test_generation_is_seeded_and_greedy_equals_top1():
    exp = experiment("alice", "lstm")
    kw = dict(context=6)
    a = generate(exp.model, [5, 6], 12, temperature=1.0, seed=3, **kw)
    assert a == generate(exp.model, [5, 6], 12, temperature=1.0, seed=3, **kw)
    assert len(a) == 12 and all(0 < i < exp.dataset.spec.vocab_size for i in a)
    greedy = generate(exp.model, [5, 6], 12, temperature=0.0, **kw)
    assert greedy == generate(exp.model, [5, 6], 12, temperature=1.0, top_k=1, seed=9, **kw)


def test_recurrent_model_refuses_flat_data():
    with pytest.raises(ConfigError):
        build(with_values(ExperimentConfig(), {"data.name": "circle", "model.kind": "lstm"}))


def test_race_lstm_beats_plain_rnn_on_adding_problem():
    """The race presets, seeded: after the same 15 epochs the LSTM has solved the adding problem (MSE far
    below the 0.167 of always answering 1) while the plain RNN has not."""
    results = {}
    for key in ("seq_adding_race_rnn", "seq_adding_race_lstm"):
        exp = build(get_preset(key))
        exp.trainer.run_epochs(15)
        results[key] = exp.trainer.history.last()["test_mse"]
    assert results["seq_adding_race_lstm"] < 0.05
    assert results["seq_adding_race_rnn"] > 0.1
    assert results["seq_adding_race_lstm"] < results["seq_adding_race_rnn"] / 3
