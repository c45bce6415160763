"""The Transformers lab's payload: prediction against truth, curves, the attention maps of one test sequence and
the positional encoding table.

`transformers_payload(exp, sample)` reads an Experiment (eval mode, no weight changes) and returns a
TransformersPayload of numpy arrays and strings; its prediction and curves (`Common`) are the Sequences lab's
(payloads/sequences.py). Token strings are the data's own (raw: escaping is the figures' job).
This module imports neither Plotly nor Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.experiment import Experiment
from playground.payloads.sequences import Common, common_parts, tokens
from playground.probes_seq import attention_maps

MAX_POSITIONS = 32   # attention maps cover the first 32 positions: 4 layers x 4 heads x 32 x 32 = 64 KB


@dataclass(frozen=True)
class TransformersPayload(Common):
    maps: np.ndarray                             # (layers, heads, T, T) attention probabilities, rows sum to 1
    tokens: tuple[str, ...]                      # (T,) the sequence's tokens ("" for number inputs)
    table: np.ndarray                            # (L, d_model) positional encoding added at each position
    encoding: str                                # its name: sinusoidal, learned or none


def transformers_payload(exp: Experiment, sample: int = 0, *, max_positions: int = MAX_POSITIONS
                         ) -> TransformersPayload:
    """Everything the Transformers lab draws for test sequence `sample` (wrapped into the test split)."""
    common = common_parts(exp, sample)
    x = exp.dataset.test.x[common["sample"]][None, :max_positions]                    # (1, T, ...)
    names = tokens(exp, x[0]) if exp.dataset.spec.vocab_size else [""] * x.shape[1]
    table = exp.model.positions(exp.dataset.spec.input_shape[0]).detach().numpy().astype(np.float32)
    return TransformersPayload(**common, maps=attention_maps(exp.model, x), tokens=tuple(names), table=table,
                               encoding=exp.cfg.model.transformer.positions)
