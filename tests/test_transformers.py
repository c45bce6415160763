"""The Transformer: shapes for every task and position scheme, determinism, attention rows summing to 1,
the causal mask, token attributions' completeness, and the seeded known results (reverse, character model)."""

import numpy as np
import pytest
import torch

from playground.config import ExperimentConfig, with_values
from playground.experiment import build
from playground.models.transformer import POSITIONS, sinusoidal_table
from playground.presets import get_preset
from playground.probes_seq import attention_maps
from playground.registry import ConfigError
from playground.views.attributions import token_attribution


def experiment(task: str, **over):
    values = {"data.name": task, "data.seq_len": 6, "data.n_samples": 120, "model.kind": "transformer",
              "model.transformer.d_model": 16, "model.transformer.heads": 2, "model.transformer.layers": 2,
              "model.transformer.d_ff": 32, **over}
    return build(with_values(ExperimentConfig(), values))


@pytest.mark.parametrize("positions", POSITIONS.keys())
@pytest.mark.parametrize("task", ["sine", "parity", "adding", "copy", "alice"])
def test_output_shapes_and_a_training_step(task, positions):
    exp = experiment(task, **{"model.transformer.positions": positions,
                              "model.transformer.causal": task == "alice"})
    spec = exp.dataset.spec
    out = exp.model(exp.dataset.train.x[:3])
    assert tuple(out.shape) == ((3, spec.output_len, spec.n_outputs) if spec.output_len else (3, spec.n_outputs))
    exp.trainer.step(2)
    assert np.isfinite(exp.trainer.history.last()["train_loss"])


def test_same_seed_same_weights():
    a, b, c = experiment("copy"), experiment("copy"), experiment("copy", seed=5)
    sa, sb, sc = (e.model.state_dict() for e in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_rows_sum_to_one_and_causal_mask(causal):
    exp = experiment("reverse", **{"model.transformer.causal": causal})
    maps = attention_maps(exp.model, exp.dataset.test.x[:2])
    assert maps.shape == (2, 2, 12, 12)
    np.testing.assert_allclose(maps.sum(-1), 1.0, atol=1e-5)
    upper = np.triu(np.ones((12, 12), bool), 1)
    assert (maps[..., upper] == 0).all() == causal


def test_heads_must_divide_width():
    with pytest.raises(ConfigError) as err:
        experiment("copy", **{"model.transformer.d_model": 10, "model.transformer.heads": 3})
    assert err.value.field == "model.transformer.heads"


def test_sinusoidal_table_known_values():
    pe = sinusoidal_table(4, 6).numpy()
    assert pe[0].tolist() == [0, 1, 0, 1, 0, 1]
    assert pe[1, 0] == pytest.approx(np.sin(1.0)) and pe[1, 1] == pytest.approx(np.cos(1.0))
    assert pe[2, 2] == pytest.approx(np.sin(2 / 10000 ** (2 / 6)), rel=1e-5)


@pytest.mark.parametrize("task", ["parity", "reverse", "adding"])
def test_token_attributions_are_complete(task):
    """Integrated gradients sum to f(x) − f(padding baseline): Captum's convergence delta is tiny."""
    exp = experiment(task)
    exp.trainer.step(5)
    before = {k: v.clone() for k, v in exp.model.state_dict().items()}
    a = token_attribution(exp, sample=1, position=2, n_steps=64)
    assert a.scores.shape == (exp.dataset.spec.input_shape[0],)
    assert abs(a.delta) < 1e-3 * max(1.0, float(np.abs(a.scores).sum()))
    assert exp.model.training and all(torch.equal(before[k], v) for k, v in exp.model.state_dict().items())


def test_reverse_length_8_reaches_95_percent_token_accuracy():
    exp = build(get_preset("transformer_reverse"))
    exp.trainer.run_epochs(4)
    assert exp.trainer.history.last()["test_token_accuracy"] >= 0.95


def test_character_model_beats_unigram_entropy():
    exp = build(get_preset("transformer_alice"))
    exp.trainer.run_epochs(3)
    assert exp.trainer.history.last()["test_loss"] < exp.dataset.meta["unigram_entropy"]
