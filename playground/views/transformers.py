"""The Transformers lab's views: attention maps per layer and head, and the positional encodings.

Prediction, curves and generation are shared with the Sequences lab (views/sequences.py); token
attributions with both labs (views/attributions.py).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from playground.experiment import Experiment
from playground.figures.seq_frames import attention_png
from playground.figures.sequences import attention_figure, positions_figure
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
