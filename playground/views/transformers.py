"""The Transformers lab's views: attention maps per layer and head, positional encodings and token
attributions (Captum LayerIntegratedGradients on the embedding, padding baseline, on an eval-mode copy).

Prediction, curves and generation are shared with the Sequences lab (views/sequences.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from playground.data.sequences import PAD
from playground.experiment import Experiment
from playground.explain import explain
from playground.figures.seq_frames import attention_png
from playground.figures.sequences import attention_figure, attribution_figure, positions_figure
from playground.probes import eval_mode
from playground.probes_seq import attention_maps
from playground.views.sequences import tokens


def _sample(exp: Experiment, sample: int) -> torch.Tensor:
    test = exp.dataset.test
    return test.x[sample % len(test)][None]


def attention_view(exp: Experiment, sample: int = 0, *, max_len: int = 32, frames: bool = False) -> go.Figure | bytes:
    """Where each position looks, per layer and head, for one test sequence (first `max_len` positions);
    `frames`: a PNG (for live updates) instead of a Plotly figure."""
    x = _sample(exp, sample)[:, :max_len]
    maps = attention_maps(exp.model, x)
    if frames:
        return attention_png(maps)
    names = tokens(exp, x[0]) if exp.dataset.spec.vocab_size else [str(i) for i in range(x.shape[1])]
    return attention_figure(maps, names, height_per_row=300 if x.shape[1] <= 24 else 360)


def positions_view(exp: Experiment, *, height: int = 300) -> go.Figure:
    length = exp.dataset.spec.input_shape[0]
    table = exp.model.positions(length).detach().numpy().astype(np.float32)
    name = exp.cfg.model.transformer.positions
    return positions_figure(table, title=f"positional encoding ({name}) added to each token vector", height=height)


@dataclass(frozen=True)
class TokenAttribution:
    tokens: list[str]
    scores: np.ndarray        # (T,) summed over the embedding axis
    delta: float              # Σ attributions − (f(x) − f(baseline)): completeness error
    target: str


def token_attribution(exp: Experiment, sample: int = 0, position: int = -1, n_steps: int = 32) -> TokenAttribution:
    """Attribute the predicted class (at output `position` for per-position tasks) to each input token."""
    x = _sample(exp, sample)
    with eval_mode(exp.model):
        out = exp.model(x)
    if out.dim() == 3:
        pos = position % out.shape[1]
        cls = int(out[0, pos].argmax())
        target, label = (pos, cls), f"output {pos} = {exp.dataset.class_names[cls]!r}"
    else:
        cls = int(out[0].argmax())
        target, label = cls, f"class {exp.dataset.class_names[cls]!r}"
    e = explain(exp.model, x, target, method="layer_integrated_gradients", layer="embed",
                baselines=torch.full_like(x, PAD), n_steps=n_steps)
    return TokenAttribution(tokens(exp, x[0]), e.attributions[0].sum(-1).astype(np.float32),
                            float(np.abs(e.delta).max()), label)


def attribution_view(exp: Experiment, sample: int = 0, position: int = -1, *, height: int = 280) -> go.Figure:
    a = token_attribution(exp, sample, position)
    return attribution_figure(a.tokens, a.scores, height=height,
                              title=f"which tokens made the model say {a.target} (Integrated Gradients "
                                    f"vs. padding; completeness error {a.delta:.1e})")
