"""The Sequences lab's views: prediction against truth (with rollout), curves with the task's reference losses,
hidden states, gates, LSTM cell state and the gradient reaching each step; also text generation and the cell race.

Each view turns a payload (playground/payloads/sequences.py: numpy arrays computed beside the model) into a
plain figure dict with a fixed height for `ui.chart.show`; playing or paused, the same view feeds the same
chart. Views of numbers computed from the current weights name where those weights are (`payload.where`).
The prediction and curves views draw either lab's payload (their Common part). The cell race is a RunGroup
that the page's live loop steps (race_group) and a live view of its GroupPayload (race_view).
"""

from __future__ import annotations

import numpy as np

from playground.compute.tick import Runs, leader
from playground.data.text import decode, encode
from playground.experiment import Experiment
from playground.figures.curves import METRIC_LABELS, curves_spec
from playground.figures.sequences import (
    forecast_spec,
    gates_spec,
    race_spec,
    scatter_truth_spec,
    time_gradient_spec,
    time_unit_spec,
    token_strip_spec,
    with_loss_refs,
)
from playground.group import RunGroup
from playground.models import MODELS
from playground.payloads.group import GroupPayload
from playground.payloads.sequences import Common, Forecast, Scatter, SequencesPayload, baseline_line, tokens
from playground.probes_seq import generate

__all__ = ["cell_view", "curves_view", "gates_view", "generate_text", "hidden_view", "prediction_view",
           "race_group", "race_view", "task_note", "time_gradient_view", "tokens"]

def prediction_view(p: Common, *, height: int = 320) -> dict:
    """Forecasts: one-step and rollout on a held-out signal; numbers: predicted vs true; tokens: one sequence."""
    pred = p.prediction
    if isinstance(pred, Forecast):
        return forecast_spec(pred.series, pred.seq_len, pred.one_step, pred.rolled, where=p.where, height=height)
    if isinstance(pred, Scatter):
        return scatter_truth_spec(pred.truth, pred.pred, pred.baseline, pred.baseline_name, where=p.where,
                                  height=height)
    title = f"test sequence {pred.sample}: {pred.accuracy:.0%} of outputs right (orange = wrong)"
    return token_strip_spec(pred.rows, pred.correct, title=title, where=p.where, height=240 if pred.lm else height)


def curves_view(p: Common, *, log_loss: bool = False, height: int = 300) -> dict:
    """Loss and metric curves up to the newest record, with the task's reference losses (dashed)."""
    return with_loss_refs(curves_spec(p.history, p.metric, log_loss=log_loss, height=height), p.refs,
                          log_loss=log_loss)


def hidden_view(p: SequencesPayload, *, height: int = 300) -> dict | None:
    """The hidden states of the layer shown, units by time (None for a model that is not recurrent)."""
    if p.hidden is None:
        return None
    return time_unit_spec(p.hidden, title=f"hidden state h_t, layer {p.layer + 1}, test sequence {p.sample}",
                          where=p.where, height=height)


def gates_view(p: SequencesPayload, *, height: int = 300) -> dict | None:
    """The gates of the layer shown (None for a plain RNN, which has none)."""
    if not p.gates:
        return None
    return gates_spec(p.gates, title=f"gates of layer {p.layer + 1}, test sequence {p.sample}", where=p.where,
                      height=height)


def cell_view(p: SequencesPayload, *, height: int = 300) -> dict | None:
    """The LSTM cell state, on a colour scale symmetric about its largest value (None for other cells)."""
    if p.cell is None:
        return None
    limit = float(np.abs(p.cell).max()) or 1.0
    return time_unit_spec(p.cell, zmin=-limit, zmax=limit, height=height, where=p.where,
                          title=f"LSTM cell state c_t (the memory the forget gate keeps), layer {p.layer + 1}")


def time_gradient_view(p: SequencesPayload, *, height: int = 300) -> dict:
    """‖∂loss/∂x_t‖ per input step, averaged over test sequences: a slope falling to the left is a vanishing
    gradient."""
    return time_gradient_spec(p.grads, where=p.where, height=height)


# What to expect from a task, said on the page next to its curves (measured by the bench script it names).
TASK_NOTES = {
    "adding": "The adding problem sits on the baseline at first: until a network learns to carry the two marked "
              "numbers, the best it can do is always predict their mean sum, 1.0 (MSE 0.167). It typically breaks "
              "through later: the default LSTM demo fell below half the baseline MSE at epoch 10-11 and below a "
              "tenth at epoch 11-12 on seeds 0-2 (bench/bench_adding_breakthrough.py). Keep playing.",
}


def task_note(exp: Experiment) -> str | None:
    return TASK_NOTES.get(exp.cfg.data.name)


def generate_from(runs: Runs, prompt: str, n: int, temperature: float, top_k: int, seed: int) -> str:
    """generate_text from the lab's own model (the leader of a race), wherever its runs train."""
    return generate_text(leader(runs), prompt, n, temperature=temperature, top_k=top_k, seed=seed)


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
    if cache.get("race_key") != (exp.uid, kinds):
        cache["race_key"] = (exp.uid, kinds)
        others = {MODELS.label(k): {"model.kind": k} for k in kinds if k != exp.cfg.model.kind}
        cache["race"] = RunGroup.variants(exp, others, leader_label=MODELS.label(exp.cfg.model.kind))
    return cache["race"]


def race_view(p: GroupPayload, meta: dict) -> dict:
    """Each raced cell's test metric against epochs, with the task's constant baseline when it has one."""
    key = f"test_{p.metric}"
    curves = {r.label: (r.history.get("epoch", []), r.history.get(key, [])) for r in p.runs}
    return race_spec(curves, METRIC_LABELS.get(p.metric, p.metric), meta.get("baseline_mse"),
                     baseline_line(meta) if "baseline_mse" in meta else "")
