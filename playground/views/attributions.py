"""Which input steps made a sequence model say what it said: Captum attributions for both sequence labs.

Token inputs: Layer Integrated Gradients on the model's `embed` layer against an all-padding sequence.
Number inputs (forecasting, the adding problem): Integrated Gradients on the inputs against zeros.
Both run through explain(), i.e. on an eval-mode copy, so a model in training is never disturbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from playground.data.sequences import PAD
from playground.experiment import Experiment
from playground.explain import explain
from playground.figures.sequences import attribution_figure
from playground.probes import eval_mode
from playground.views.sequences import tokens


@dataclass(frozen=True)
class StepAttribution:
    tokens: list[str]
    scores: np.ndarray        # (T,) summed over the embedding (or feature) axis
    delta: float              # Σ attributions − (f(x) − f(baseline)): completeness error
    target: str


def token_attribution(exp: Experiment, sample: int = 0, position: int = -1, n_steps: int = 32) -> StepAttribution:
    """Attribute the prediction (the predicted class, at output `position` for per-position tasks; the value
    of output 0 for numbers) to each input step of one test sequence."""
    test = exp.dataset.test
    x = test.x[sample % len(test)][None]
    with eval_mode(exp.model):
        out = exp.model(x)
    if out.dim() == 3:
        pos = position % out.shape[1]
        cls = int(out[0, pos].argmax())
        at = x.shape[1] - out.shape[1] + pos   # the input position that answers (as the token strip draws it)
        target, label = (pos, cls), f"{exp.dataset.class_names[cls]!r} at position {at}"
    elif exp.dataset.task == "classification":
        target = int(out[0].argmax())
        label = f"class {exp.dataset.class_names[target]!r}"
    else:
        target, label = 0, f"{float(out[0, 0]):.3f}"
    if exp.dataset.spec.vocab_size:
        e = explain(exp.model, x, target, method="layer_integrated_gradients", layer="embed",
                    baselines=torch.full_like(x, PAD), n_steps=n_steps)
        names = tokens(exp, x[0])
    else:
        e = explain(exp.model, x, target, method="integrated_gradients", n_steps=n_steps)
        names = [f"{v:.2f}" + ("*" if x.shape[-1] > 1 and x[0, i, 1] > 0 else "") for i, v in enumerate(x[0, :, 0])]
    return StepAttribution(names, e.attributions[0].sum(-1).astype(np.float32), float(np.abs(e.delta).max()), label)


def attribution_view(exp: Experiment, sample: int = 0, position: int = -1, *, height: int = 280) -> go.Figure:
    a = token_attribution(exp, sample, position)
    base = "padding" if exp.dataset.spec.vocab_size else "zeros"
    return attribution_figure(a.tokens, a.scores, height=height,
                              title=f"which inputs made the model say {a.target} (Integrated Gradients vs. "
                                    f"{base}; completeness error {a.delta:.1e})")
