"""Recurrent networks from the config: plain RNN (tanh or ReLU), LSTM and GRU, stacked and bidirectional.

`RecurrentNet` = input (token embedding, or the raw features of each step) -> nn.RNN/LSTM/GRU ->
dropout -> linear head. Heads: one vector per sequence from the final state (both directions when
bidirectional), or one per position for the last `spec.output_len` steps ([B, L_out, C]). The module
`embed` is what the recurrent stack reads: probes hook it for the gradient reaching each step and
Captum attributes to it. Gates are recomputed from the weights in playground/probes_seq.py. It does
not train.
"""

from __future__ import annotations

import torch
from torch import nn

from playground.data.base import DataSpec
from playground.models.base import MODELS, Arch
from playground.models.layers import Dropout
from playground.registry import ConfigError

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNet(nn.Module):
    def __init__(self, cell: str, spec: DataSpec, hidden: int, layers: int, bidirectional: bool,
                 dropout: float, relu: bool, embed_dim: int):
        super().__init__()
        self.cell, self.hidden_size, self.bidirectional = cell, hidden, bidirectional
        self.output_len = spec.output_len
        self.tokens = spec.vocab_size > 0
        self.embed = nn.Embedding(spec.vocab_size, embed_dim) if self.tokens else nn.Identity()
        n_in = embed_dim if self.tokens else spec.input_shape[-1]
        extra = {"nonlinearity": "relu" if relu else "tanh"} if cell == "rnn" else {}
        self.rnn = CELLS[cell](n_in, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                               dropout=dropout if layers > 1 else 0.0, **extra)
        self.drop = Dropout(dropout)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embed(x)                        # (B, T, E) or (B, T, F)
        out, state = self.rnn(e)                 # out (B, T, H*dirs)
        if self.output_len:
            return self.head(self.drop(out[:, -min(self.output_len, out.shape[1]):]))  # (B, L_out, C)
        h_n = state[0] if self.cell == "lstm" else state  # (layers*dirs, B, H)
        last = torch.cat([h_n[-2], h_n[-1]], -1) if self.bidirectional else h_n[-1]    # (B, H*dirs)
        return self.head(self.drop(last))        # (B, C)


def _builder(cell: str):
    def build(cfg, spec: DataSpec) -> RecurrentNet:
        c = cfg.rnn
        if len(spec.input_shape) == 1 and spec.vocab_size == 0:
            raise ConfigError("model.kind", "recurrent networks need sequence data (pick a sequence task)")
        return RecurrentNet(cell, spec, c.hidden_size, c.layers, c.bidirectional, cfg.dropout, c.relu, c.embed_dim)
    return build


def describe_rnn(cfg) -> Arch:
    c = cfg.rnn
    cell = {"rnn": "ReLU RNN" if c.relu else "RNN"}.get(cfg.kind, cfg.kind.upper())
    extra = ", bidirectional" if c.bidirectional else ""
    return Arch(f"{cell} {c.hidden_size} × {c.layers} layer{'s' if c.layers > 1 else ''}{extra}", c.layers,
                c.hidden_size * c.layers)


MODELS.add("rnn", _builder("rnn"), "RNN", "plain recurrent cell: h = tanh(W x + U h + b)", inputs="sequence",
           family="rnn", describe=describe_rnn)
MODELS.add("lstm", _builder("lstm"), "LSTM", "long short-term memory: input, forget and output gates",
           inputs="sequence", family="rnn", describe=describe_rnn)
MODELS.add("gru", _builder("gru"), "GRU", "gated recurrent unit: reset and update gates", inputs="sequence",
           family="rnn", describe=describe_rnn)
