"""A small Transformer from the config: encoder (bidirectional) or decoder-only (causal mask).

Pre-norm blocks: x + Attention(LN(x)), then x + FFN(LN(x)), with GELU as one module per block.
Attention is written out (no fused kernel) so its probabilities pass through a named nn.Softmax
(`blocks[i].attn.softmax`): probes hook it to read (B, heads, T, T) maps, and the token embedding
`embed` is the layer Captum's LayerIntegratedGradients attributes to. Positions come from the
POSITIONS registry (sinusoidal, learned, none). Outputs: per position [B, L_out, C] when the data
asks for it (spec.output_len), else one vector per sequence (mean over positions, or the last
position when causal). It does not train.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from playground.data.base import DataSpec
from playground.models.base import MODELS, Arch
from playground.models.layers import Dropout
from playground.registry import ConfigError, Registry

MAX_LEN = 512   # longest sequence the position table covers


def sinusoidal_table(n: int, d: int) -> torch.Tensor:
    """Vaswani et al.'s encoding: PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...). (n, d)"""
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)[:, : d // 2]
    return pe


class SinusoidalPositions(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.register_buffer("table", sinusoidal_table(MAX_LEN, d), persistent=False)

    def forward(self, t: int) -> torch.Tensor:
        return self.table[:t]                  # (T, D)


class LearnedPositions(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.table = nn.Embedding(MAX_LEN, d)
        nn.init.normal_(self.table.weight, 0.0, 0.02)

    def forward(self, t: int) -> torch.Tensor:
        return self.table.weight[:t]           # (T, D)


class NoPositions(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.d = d

    def forward(self, t: int) -> torch.Tensor:
        return torch.zeros(t, self.d)


POSITIONS: Registry[type[nn.Module]] = Registry("positions")
POSITIONS.add("sinusoidal", SinusoidalPositions, "Sinusoidal", "fixed sines and cosines of many wavelengths")
POSITIONS.add("learned", LearnedPositions, "Learned", "one trained vector per position")
POSITIONS.add("none", NoPositions, "None", "no position information: attention sees a bag of tokens")


class SelfAttention(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float, causal: bool):
        super().__init__()
        self.heads, self.causal = heads, causal
        self.qkv = nn.Linear(d, 3 * d)
        self.softmax = nn.Softmax(dim=-1)     # hook point: attention probabilities (B, H, T, T)
        self.drop = Dropout(dropout)
        self.proj = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # 3 x (B, H, T, Dh)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.heads)                           # (B, H, T, T)
        if self.causal:
            mask = torch.ones(t, t, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        att = self.drop(self.softmax(scores))
        y = (att @ v).transpose(1, 2).reshape(b, t, d)                                           # (B, T, D)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d: int, heads: int, d_ff: int, dropout: float, causal: bool):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads, dropout, causal)
        self.ln2 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, d_ff), nn.GELU(), nn.Linear(d_ff, d), Dropout(dropout))
        self.drop = Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x)))
        return x + self.ff(self.ln2(x))       # (B, T, D)


class Transformer(nn.Module):
    def __init__(self, spec: DataSpec, d: int, heads: int, layers: int, d_ff: int, dropout: float,
                 positions: str, causal: bool):
        super().__init__()
        self.tokens = spec.vocab_size > 0
        self.output_len, self.causal = spec.output_len, causal
        # token ids -> vectors, or a linear projection of each step's features (time series)
        self.embed = nn.Embedding(spec.vocab_size, d) if self.tokens else nn.Linear(spec.input_shape[-1], d)
        self.positions = POSITIONS.get(positions, "model.transformer.positions")(d)
        self.drop = Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d, heads, d_ff, dropout, causal) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)                                   # (B, T, D)
        t = h.shape[1]
        h = self.drop(h + self.positions(t))
        for block in self.blocks:
            h = block(h)
        h = self.ln(h)
        if self.output_len:
            return self.head(h[:, -min(self.output_len, t):])   # (B, L_out, C)
        pooled = h[:, -1] if self.causal else h.mean(1)        # (B, D)
        return self.head(pooled)                               # (B, C)


def build_transformer(cfg, spec: DataSpec) -> Transformer:
    c = cfg.transformer
    if c.d_model % c.heads:
        raise ConfigError("model.transformer.heads", f"{c.heads} heads do not divide d_model={c.d_model}")
    length = spec.input_shape[0]
    if length > MAX_LEN:
        raise ConfigError("data.seq_len", f"sequences up to {MAX_LEN} positions")
    return Transformer(spec, c.d_model, c.heads, c.layers, c.d_ff, cfg.dropout, c.positions, c.causal)


def describe_transformer(cfg) -> Arch:
    c = cfg.transformer
    return Arch(f"Transformer d_model {c.d_model}, {c.heads} head{'s' if c.heads > 1 else ''}, {c.layers} "
                f"layer{'s' if c.layers > 1 else ''}{', causal' if c.causal else ''}", c.layers, c.d_model * c.layers)


MODELS.add("transformer", build_transformer, "Transformer", "self-attention blocks (encoder, or decoder with "
           "a causal mask)", inputs="sequence", family="transformer", describe=describe_transformer)
