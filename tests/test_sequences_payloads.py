"""The Sequences and Transformers payloads (issue 15): they pickle, carry the epoch of the newest record and where
the weights are; hidden states, gates and the LSTM cell state equal PyTorch's own forward (nn.RNN/LSTM/GRU run a
step at a time); attention maps equal softmax(QKᵀ/√d) computed directly from each block's weights; every view
is a figure dict of fixed height labelled with `where`; token strings reach the charts escaped."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from torch import nn

from playground.config import ExperimentConfig, with_values
from playground.experiment import build
from playground.payloads.sequences import Forecast, Scatter, TokenStrip, sequences_payload
from playground.payloads.transformers import transformers_payload
from playground.views import sequences as views
from playground.views import transformers as tviews

ATOL = 1e-6


def recurrent(task: str, kind: str, **over):
    values = {"data.name": task, "data.seq_len": 6, "data.n_samples": 120, "model.kind": kind,
              "model.rnn.hidden_size": 8, **over}
    return build(with_values(ExperimentConfig(), values))


def transformer(task: str, **over):
    values = {"data.name": task, "data.seq_len": 6, "data.n_samples": 120, "model.kind": "transformer",
              "model.transformer.d_model": 16, "model.transformer.heads": 2, "model.transformer.layers": 2,
              "model.transformer.d_ff": 32, **over}
    return build(with_values(ExperimentConfig(), values))


def _torch_layer(exp, layer: int, direction: int = 0) -> nn.RNNBase:
    """A one-layer nn.RNN/LSTM/GRU holding layer `layer`'s weights of one direction of the model's stack."""
    rnn = exp.model.rnn
    extra = {"nonlinearity": rnn.nonlinearity} if isinstance(rnn, nn.RNN) else {}
    one = type(rnn)(rnn.input_size if layer == 0 else rnn.hidden_size * (2 if rnn.bidirectional else 1),
                    rnn.hidden_size, batch_first=True, **extra)
    sfx = f"_l{layer}" + ("_reverse" if direction else "")
    one.load_state_dict({f"{n}_l0": getattr(rnn, f"{n}{sfx}").detach()
                         for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    return one.eval()


def _torch_steps(one: nn.RNNBase, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray | None]:
    """PyTorch's own forward, one step at a time carrying its state: h_t (T, H) and, for an LSTM, c_t (T, H)."""
    hs, cs, state = [], [], None
    with torch.no_grad():
        for t in range(x.shape[1]):
            _, state = one(x[:, t:t + 1], state)
            h, c = state if isinstance(state, tuple) else (state, None)
            hs.append(h[0, 0].numpy())
            cs.append(None if c is None else c[0, 0].numpy())
    return np.stack(hs), (None if cs[0] is None else np.stack(cs))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_hidden_states_gates_and_cell_equal_pytorchs_own_forward(kind, bidirectional):
    exp = recurrent("parity", kind, **{"model.rnn.layers": 2, "model.rnn.bidirectional": bidirectional})
    exp.trainer.step(3)
    model = exp.model.eval()
    x = exp.dataset.test.x[5:6]
    with torch.no_grad():
        below = model.embed(x)                                           # (1, T, F): what layer 0 reads
    for layer in range(2):
        p = sequences_payload(exp, 5, layer)
        one = _torch_layer(exp, layer)
        h, c = _torch_steps(one, below)
        np.testing.assert_allclose(p.hidden[:, :8], h, atol=ATOL)
        with torch.no_grad():
            full = torch.cat([one(below)[0], *([_torch_layer(exp, layer, 1)(below.flip(1))[0].flip(1)]
                                               if bidirectional else [])], -1)
        np.testing.assert_allclose(p.hidden, full[0].numpy(), atol=ATOL)   # both directions, as the stack's output
        h_prev = np.vstack([np.zeros((1, 8), np.float32), h[:-1]])
        if kind == "lstm":
            g = p.gates
            c_prev = np.vstack([np.zeros((1, 8), np.float32), c[:-1]])
            np.testing.assert_allclose(p.cell, c, atol=ATOL)
            np.testing.assert_allclose(g["forget"] * c_prev + g["input"] * g["cell candidate"], c, atol=ATOL)
            np.testing.assert_allclose(g["output"] * np.tanh(c), h, atol=ATOL)
        elif kind == "gru":
            g = p.gates
            np.testing.assert_allclose((1 - g["update"]) * g["candidate"] + g["update"] * h_prev, h, atol=ATOL)
            assert p.cell is None
        else:
            assert p.gates == {} and p.cell is None
        below = full


def _direct_attention(model, x: torch.Tensor) -> np.ndarray:
    """softmax(QKᵀ/√d_head) of every block, from the blocks' weights, with the causal mask: (layers, heads, T, T)."""
    maps = []
    with torch.no_grad():
        h = model.embed(x) + model.positions(x.shape[1])
        for block in model.blocks:
            attn = block.attn
            b, t, d = h.shape
            dh = d // attn.heads
            q, k, _ = attn.qkv(block.ln1(h)).split(d, -1)
            q = q.view(b, t, attn.heads, dh).transpose(1, 2)
            k = k.view(b, t, attn.heads, dh).transpose(1, 2)
            scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
            if attn.causal:
                scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
            maps.append(torch.softmax(scores, -1)[0])
            h = block(h)
    return torch.stack(maps).numpy()


@pytest.mark.parametrize("causal", [False, True])
def test_attention_maps_equal_the_blocks_own_attention_weights(causal):
    exp = transformer("reverse", **{"model.transformer.causal": causal})
    exp.trainer.step(3)
    p = transformers_payload(exp, 7)
    x = exp.dataset.test.x[7:8]
    assert p.maps.shape == (2, 2, 12, 12)
    np.testing.assert_allclose(p.maps, _direct_attention(exp.model.eval(), x), atol=ATOL)
    vocab = exp.dataset.meta["tokens"]
    assert p.tokens == tuple(vocab[int(i)] for i in x[0])
    np.testing.assert_allclose(p.table, exp.model.positions(12).detach().numpy())


@pytest.mark.parametrize("make", [lambda: recurrent("adding", "lstm"), lambda: recurrent("sine", "gru"),
                                  lambda: recurrent("reverse", "rnn"), lambda: transformer("alice"),
                                  lambda: transformer("sine")])
def test_payloads_pickle_and_say_which_epoch_and_where(make):
    exp = make()
    exp.trainer.run_epochs(1)
    exp.trainer.step(1)                                   # a tick can end inside an epoch
    payload = (transformers_payload if exp.cfg.model.kind == "transformer" else sequences_payload)(exp, 3)
    back = pickle.loads(pickle.dumps(payload))
    assert type(back) is type(payload) and back.where == payload.where == exp.trainer.where()
    assert payload.epoch == exp.trainer.history["epoch"][-1] == 1 and "epoch 2, batch 1" in payload.where
    for value in vars(payload).values():                 # numpy, strings and plain containers: no torch
        assert not isinstance(value, torch.Tensor)
    kind = exp.dataset.meta["kind"]
    assert isinstance(payload.prediction, {"forecast": Forecast, "regress": Scatter}.get(kind, TokenStrip))


def _texts(fig: dict) -> list[str]:
    """A figure's title and annotations."""
    return [fig["layout"]["title"]["text"], *(a["text"] for a in fig["layout"].get("annotations", []))]


def test_views_are_figure_dicts_of_fixed_height_labelled_with_where():
    exp = recurrent("adding", "lstm")
    exp.trainer.step(2)
    p = sequences_payload(exp, 0, 0)
    figs = {f.__name__: f(p) for f in (views.prediction_view, views.curves_view, views.hidden_view, views.gates_view,
                                       views.cell_view, views.time_gradient_view)}
    assert all(isinstance(f, dict) and f["layout"]["height"] > 0 for f in figs.values())
    for name in ("prediction_view", "hidden_view", "gates_view", "cell_view", "time_gradient_view"):
        assert p.where in _texts(figs[name]), name                       # computed from the current weights
    assert figs["hidden_view"]["data"][0]["z"].shape == (8, 6)           # units x time
    assert len(figs["gates_view"]["data"]) == 4
    gru = sequences_payload(recurrent("adding", "gru"))
    assert views.cell_view(gru) is None and len(views.gates_view(gru)["data"]) == 3
    assert views.gates_view(sequences_payload(recurrent("adding", "rnn"))) is None
    tp = transformers_payload(transformer("copy"))
    attention = tviews.attention_view(tp)
    assert len(attention["data"]) == 2 * 2 and tp.where in _texts(attention)
    assert attention["layout"]["height"] == tviews.attention_view(transformers_payload(transformer("copy"), 5))[
        "layout"]["height"]


def test_token_strings_reach_the_charts_escaped():
    exp = transformer("copy")
    p = transformers_payload(exp)
    tokens = ("<b>", "a&b", *p.tokens[2:])
    hostile = type(p)(**{**vars(p), "tokens": tokens,
                         "prediction": TokenStrip(0, {"input": ["<a href='x'>", "b"], "target": ["", "<i>"],
                                                      "prediction": ["", "c"]}, [None, False], False)})
    labels = tviews.attention_view(hostile)["data"][0]["x"]
    assert labels[:2] == ["0:&lt;b&gt;", "1:a&amp;b"]
    text = views.prediction_view(hostile)["data"][0]["text"]
    assert "&lt;a href='x'&gt;" in text[-1] and "&lt;i&gt;" in text[1]
