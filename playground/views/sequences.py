"""The Sequences lab's views: prediction against truth (with rollout), hidden states, gates, gradients
through time, curves and text generation for an Experiment on a sequence task.

Each function reads the experiment (eval mode, no weight changes) and returns a go.Figure or text.
Shared with the Transformers lab (prediction, curves, generation). The cell race is a RunGroup that the
page's live loop steps (race_group) and a live view of its GroupPayload (race_view).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from playground.data.text import decode, encode
from playground.experiment import Experiment
from playground.figures import curves_figure
from playground.figures.curves import METRIC_LABELS
from playground.figures.line_frames import curves_png
from playground.figures.seq_frames import gates_png, time_unit_png
from playground.figures.sequences import (
    forecast_figure,
    gates_figure,
    race_spec,
    scatter_truth_figure,
    time_gradient_figure,
    time_unit_figure,
    token_strip_figure,
)
from playground.group import RunGroup
from playground.models import MODELS
from playground.models.rnn import RecurrentNet
from playground.payloads.group import GroupPayload
from playground.probes import eval_mode
from playground.probes_seq import generate, recurrent_trace, rollout, time_gradients
from playground.views.plane import thin


def tokens(exp: Experiment, ids) -> list[str]:
    vocab = exp.dataset.meta.get("tokens", ())
    return [vocab[int(i)] if int(i) < len(vocab) else "?" for i in ids]


def _targets(exp: Experiment, ids) -> list[str]:
    names = exp.dataset.class_names
    return [names[int(i)] if int(i) < len(names) else str(int(i)) for i in np.atleast_1d(ids)]


def first_answer(exp: Experiment) -> int:
    """The input position of the model's first answer: it answers at its last `output_len` positions (the recall
    markers of copy/reverse, every position of a character model), a one-output model at its last step."""
    return exp.dataset.spec.input_shape[0] - (exp.dataset.spec.output_len or 1)


def prediction_view(exp: Experiment, sample: int = 0, *, height: int = 320) -> go.Figure:
    """Forecasts: one-step and rollout on a held-out signal; numbers: predicted vs true; tokens: one sequence."""
    ds, model, kind = exp.dataset, exp.model, exp.dataset.meta.get("kind")
    if kind == "forecast":
        series, seq_len = ds.meta["series"], ds.spec.input_shape[0]
        win = np.lib.stride_tricks.sliding_window_view(series[:-1], seq_len)           # (N, L)
        with eval_mode(model):
            one_step = model(torch.from_numpy(win.copy())[..., None])[:, 0].numpy()   # (N,)
        rolled = rollout(model, series, seq_len, len(series) - seq_len)
        return forecast_figure(series, seq_len, one_step, rolled, height=height)
    test = ds.test
    with eval_mode(model):
        out = model(test.x)
    if kind == "regress":
        return scatter_truth_figure(test.y[:, 0].numpy(), out[:, 0].numpy(), ds.meta.get("baseline_mean"),
                                    baseline_name(ds.meta), height=height)
    i = sample % len(test)
    pred, truth = np.atleast_1d(out[i].argmax(-1).numpy()), np.atleast_1d(test.y[i].numpy())
    names = tokens if kind == "lm" else _targets
    inputs = tokens(exp, test.x[i])
    pad = [""] * first_answer(exp)   # target and prediction are drawn under the positions that answer
    rows = {"input": inputs, "target": pad + names(exp, truth), "prediction": pad + names(exp, pred)}
    correct = pred == truth
    return token_strip_figure(rows, [None] * len(pad) + list(correct),
                              title=f"test sequence {i}: {correct.mean():.0%} of outputs right (orange = wrong)",
                              height=height if kind != "lm" else 240)


def _sample(exp: Experiment, sample: int) -> torch.Tensor:
    test = exp.dataset.test
    return test.x[sample % len(test)][None]


def recurrent_views(exp: Experiment, sample: int = 0, layer: int = -1, *, frames: bool = False,
                    height: int = 300) -> dict[str, go.Figure | bytes | None]:
    """From one recomputation of the stack: the hidden-state heatmap, the gates (None for a plain RNN)
    and the LSTM cell state (None otherwise), for one test sequence and layer. `frames`: PNG bytes
    (for live updates) instead of Plotly figures."""
    trace = recurrent_trace(exp.model, _sample(exp, sample))
    layer = layer % len(trace.hidden)
    gates = {k: v[layer] for k, v in trace.gates.items()}
    title = f"hidden state h_t of layer {layer + 1} (test sequence {sample}); rows are units"
    cell = None if trace.cell is None else trace.cell[layer]
    limit = 1.0 if cell is None else float(np.abs(cell).max()) or 1.0
    cell_title = "LSTM cell state c_t (the memory the forget gate keeps)"
    if frames:
        return {"hidden": time_unit_png(trace.hidden[layer], title),
                "gates": gates_png(gates) if gates else None,
                "cell": None if cell is None else time_unit_png(cell, cell_title, zmin=-limit, zmax=limit)}
    return {"hidden": time_unit_figure(trace.hidden[layer], title=title, height=height),
            "gates": gates_figure(gates, height=height) if gates else None,
            "cell": None if cell is None else time_unit_figure(cell, title=cell_title, zmin=-limit, zmax=limit,
                                                               height=height)}


def time_gradient_view(exp: Experiment, n: int = 64, *, height: int = 300) -> go.Figure:
    test = exp.dataset.test
    grads = time_gradients(exp.model, test.x[:n], test.y[:n], exp.trainer.loss_fn)
    return time_gradient_figure(grads, height=height)


def baseline_name(meta: dict) -> str:
    """The one name of a number task's constant baseline: predicting the mean target (1.0 on the adding
    problem, whose target is the sum of two U(0, 1) numbers; its MSE is their variance, 2/12 = 0.167)."""
    return f"always predict the mean, {float(meta['baseline_mean'])}" if "baseline_mean" in meta else \
        "always predict the mean"


def baseline_line(meta: dict) -> str:
    """The baseline's name with its MSE, as the curves and the race label its line."""
    return f"{baseline_name(meta)} (MSE {meta['baseline_mse']:.3f})"


def reference_lines(meta: dict) -> tuple[tuple[float, str], ...]:
    """(loss, name) of the task's reference losses: a character model's unigram entropy (the loss of always
    predicting each character's frequency), a number task's constant-mean baseline MSE."""
    refs = []
    if "unigram_entropy" in meta:
        refs.append((meta["unigram_entropy"], "unigram entropy (predict character frequencies)"))
    if "baseline_mse" in meta:
        refs.append((meta["baseline_mse"], baseline_line(meta)))
    return tuple(refs)


# What to expect from a task, said on the page next to its curves (measured by the bench script it names).
TASK_NOTES = {
    "adding": "The adding problem sits on the baseline at first: until a network learns to carry the two marked "
              "numbers, the best it can do is always predict their mean sum, 1.0 (MSE 0.167). It typically breaks "
              "through later: the default LSTM demo fell below half the baseline MSE at epoch 10-11 and below a "
              "tenth at epoch 11-12 on seeds 0-2 (bench/bench_adding_breakthrough.py). Keep playing.",
}


def task_note(exp: Experiment) -> str | None:
    return TASK_NOTES.get(exp.cfg.data.name)


def curves_view(exp: Experiment, *, log_loss: bool = False, height: int = 300,
                frame: bool = False) -> go.Figure | bytes:
    """Curves with the task's reference loss (unigram entropy, a constant guess); frame=True: a live PNG."""
    refs = reference_lines(exp.dataset.meta)
    history = thin(exp.trainer.history)
    if frame:
        return curves_png(history, exp.trainer.metric, log_loss=log_loss, height=height, loss_refs=refs)
    fig = curves_figure(history, exp.trainer.metric, log_loss=log_loss, height=height)
    for value, text in refs:
        fig.add_hline(y=value, line=dict(color="#9ca3af", dash="dash"), annotation_text=text)
    return fig


def is_recurrent(exp: Experiment) -> bool:
    return isinstance(exp.model, RecurrentNet)


def generate_text(exp: Experiment, prompt: str, n: int = 200, *, temperature: float = 0.8, top_k: int = 0,
                  seed: int = 0) -> str:
    """The prompt followed by n characters sampled from a character model (text tasks only)."""
    vocab = exp.dataset.meta["tokens"]
    ids = generate(exp.model, [int(i) for i in encode(prompt, vocab)], n, context=exp.dataset.spec.input_shape[0],
                   temperature=temperature, top_k=top_k, seed=seed)
    return prompt + decode(ids, vocab)


RACE_KINDS = ("rnn", "lstm", "gru")


def race_group(exp: Experiment, cache: dict, kinds: tuple[str, ...] = RACE_KINDS) -> RunGroup:
    """The cell race: the lab's experiment (its own cell first) and one run per other cell kind, on its
    Dataset object with its seed and training settings; rebuilt when the experiment changes."""
    if cache.get("race_key") != (id(exp), kinds):
        cache["race_key"] = (id(exp), kinds)
        others = {MODELS.label(k): {"model.kind": k} for k in kinds if k != exp.cfg.model.kind}
        cache["race"] = RunGroup.variants(exp, others, leader_label=MODELS.label(exp.cfg.model.kind))
    return cache["race"]


def race_view(p: GroupPayload, meta: dict) -> dict:
    """Each raced cell's test metric against epochs, with the task's constant baseline when it has one."""
    key = f"test_{p.metric}"
    curves = {r.label: (r.history.get("epoch", []), r.history.get(key, [])) for r in p.runs}
    return race_spec(curves, METRIC_LABELS.get(p.metric, p.metric), meta.get("baseline_mse"),
                     baseline_line(meta) if "baseline_mse" in meta else "")
