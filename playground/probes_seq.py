"""Looking inside sequence models: hidden states, gates, gradients through time, attention, rollout, sampling.

Recurrent internals are recomputed step by step from the nn.RNN/LSTM/GRU weights (PyTorch's fused
layers do not expose gates); a test checks the recomputation equals the layer's own output.
Attention maps are read with forward hooks on each block's `attn.softmax`. Everything runs on the
model in eval mode (mode restored afterwards) and returns numpy float32; weights never change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.models.rnn import RecurrentNet
from playground.models.transformer import Transformer
from playground.probes import eval_mode

GATE_NAMES = {"lstm": ("input", "forget", "output", "cell candidate"), "gru": ("reset", "update", "candidate"),
              "rnn": ()}


@dataclass(frozen=True)
class RecurrentTrace:
    """One sequence through a recurrent stack. hidden: (layers, T, H*dirs); gates: name -> (layers, T, H)
    for the forward direction (LSTM: input, forget, output in [0, 1], cell candidate in [-1, 1];
    GRU: reset, update in [0, 1], candidate in [-1, 1]); cell: LSTM cell state (layers, T, H)."""

    hidden: np.ndarray
    gates: dict[str, np.ndarray]
    cell: np.ndarray | None


def _cell_step(kind: str, x_t, h, c, w_ih, w_hh, b_ih, b_hh, relu: bool):
    """One time step for a batch: returns (h, c, gate tensors in GATE_NAMES order)."""
    gi = x_t @ w_ih.T + b_ih                          # (B, G*H)
    gh = h @ w_hh.T + b_hh
    if kind == "lstm":
        i, f, g, o = (gi + gh).chunk(4, -1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        return o * torch.tanh(c), c, (i, f, o, g)
    if kind == "gru":
        ir, iz, inn = gi.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(inn + r * hn)
        return (1 - z) * n + z * h, c, (r, z, n)
    pre = gi + gh
    return (torch.relu(pre) if relu else torch.tanh(pre)), c, ()


def recurrent_states(model: RecurrentNet, x: torch.Tensor) -> tuple[list[torch.Tensor], list[dict], list]:
    """Recompute the whole stack: (per-layer outputs (B, T, H*dirs), per-layer gate dicts, per-layer cells)."""
    rnn = model.rnn
    relu = getattr(rnn, "nonlinearity", "tanh") == "relu"
    inp = model.embed(x)                                      # (B, T, F)
    layer_outs, all_gates, all_cells = [], [], []
    for layer in range(rnn.num_layers):
        outs = []
        for direction in range(2 if rnn.bidirectional else 1):
            sfx = f"_l{layer}" + ("_reverse" if direction else "")
            w = [getattr(rnn, f"{n}{sfx}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            seq = inp.flip(1) if direction else inp
            b, t = seq.shape[:2]
            h = c = torch.zeros(b, rnn.hidden_size)
            hs, gates, cells = [], [], []
            for step in range(t):
                h, c, g = _cell_step(model.cell, seq[:, step], h, c, *w, relu)
                hs.append(h)
                gates.append(g)
                cells.append(c)
            out = torch.stack(hs, 1)                           # (B, T, H)
            outs.append(out.flip(1) if direction else out)
            if direction == 0:
                names = GATE_NAMES[model.cell]
                all_gates.append({n: torch.stack([g[k] for g in gates], 1) for k, n in enumerate(names)})
                all_cells.append(torch.stack(cells, 1))
        inp = torch.cat(outs, -1)                              # (B, T, H*dirs): next layer's input
        layer_outs.append(inp)
    return layer_outs, all_gates, all_cells


def recurrent_trace(model: RecurrentNet, x: torch.Tensor) -> RecurrentTrace:
    """Hidden states and gates of every layer for one sequence x (1, T, ...)."""
    with eval_mode(model):
        outs, gates, cells = recurrent_states(model, x[:1])
    names = GATE_NAMES[model.cell]
    return RecurrentTrace(
        hidden=torch.stack([o[0] for o in outs]).numpy().astype(np.float32),
        gates={n: torch.stack([g[n][0] for g in gates]).numpy().astype(np.float32) for n in names},
        cell=torch.stack([c[0] for c in cells]).numpy().astype(np.float32) if model.cell == "lstm" else None)


def time_gradients(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module) -> np.ndarray:
    """‖∂loss/∂(input vector at step t)‖ averaged over the batch, per step t: (T,) float32.

    Read at the output of `model.embed` (what the recurrent or attention stack reads). Small values at
    early steps mean the loss barely reaches them: vanishing gradients through time.
    """
    captured: list[torch.Tensor] = []

    def hook(_m, _i, out):
        out.retain_grad()
        captured.append(out)

    was = model.training
    model.eval()
    handle = model.embed.register_forward_hook(hook)
    try:
        with torch.enable_grad():
            xin = x if not x.is_floating_point() else x.clone().requires_grad_(True)
            loss = loss_fn(model(xin), y)
            model.zero_grad(set_to_none=True)
            loss.backward()
        g = captured[0].grad if captured[0].grad is not None else xin.grad
    finally:
        handle.remove()
        model.zero_grad(set_to_none=True)
        model.train(was)
    return g.norm(dim=-1).mean(0).numpy().astype(np.float32)      # (T,)


def attention_maps(model: Transformer, x: torch.Tensor) -> np.ndarray:
    """Attention probabilities of every layer and head: (layers, heads, T, T) for the first sequence of x."""
    maps: list[torch.Tensor] = []
    handles = [b.attn.softmax.register_forward_hook(lambda _m, _i, o: maps.append(o[0]))
               for b in model.blocks]
    try:
        with eval_mode(model):
            model(x[:1])
    finally:
        for h in handles:
            h.remove()
    return torch.stack(maps).numpy().astype(np.float32)


def rollout(model: nn.Module, series: np.ndarray, seq_len: int, steps: int) -> np.ndarray:
    """Forecast `steps` values after series[:seq_len] by feeding predictions back in: (steps,) float32."""
    window = torch.from_numpy(np.asarray(series[:seq_len], np.float32)).reshape(1, seq_len, 1)
    preds: list[float] = []
    with eval_mode(model):
        while len(preds) < steps:
            out = model(window).reshape(-1)                            # (horizon,)
            preds.extend(out.tolist())
            window = torch.cat([window[:, len(out):], out.reshape(1, -1, 1)], 1)[:, -seq_len:]
    return np.asarray(preds[:steps], np.float32)


def generate(model: nn.Module, prompt: list[int], n: int, *, context: int, temperature: float = 1.0,
             top_k: int = 0, seed: int = 0) -> list[int]:
    """Sample n next tokens after `prompt` from a per-position model; temperature 0 = always the likeliest."""
    gen = torch.Generator().manual_seed(seed)
    ids = list(prompt) or [0]
    with eval_mode(model):
        for _ in range(n):
            x = torch.tensor([ids[-context:]])                        # (1, T)
            logits = model(x)[0, -1]                                  # (V,)
            logits[0] = -float("inf")                                 # never emit padding
            if temperature <= 0:
                ids.append(int(logits.argmax()))
                continue
            logits = logits / temperature
            if 0 < top_k < len(logits):
                kth = torch.topk(logits, top_k).values[-1]
                logits = logits.masked_fill(logits < kth, -float("inf"))
            ids.append(int(torch.multinomial(torch.softmax(logits, -1), 1, generator=gen)))
    return ids[len(prompt):]
