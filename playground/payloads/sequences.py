"""The Sequences lab's payload: prediction against truth, curves, hidden states, gates, cell state and the
gradient reaching each step, for one test sequence and one recurrent layer.

`sequences_payload(exp, sample, layer)` reads an Experiment (eval mode, no weight changes) and returns a
SequencesPayload of numpy arrays, strings and lists; the parts both sequence labs draw (prediction, curves)
come from `common_parts`, which the Transformers payload (payloads/transformers.py) shares. Token strings are
the data's own (raw: escaping them is the figures' job). Turning a payload into figures is
playground/views/sequences.py's job; this module imports neither Plotly nor Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from playground.experiment import Experiment
from playground.models.rnn import RecurrentNet
from playground.payloads.plane import thin
from playground.probes import eval_mode
from playground.probes_seq import recurrent_trace, rollout, time_gradients

GRAD_SEQUENCES = 32   # test sequences averaged for the gradient reaching each step (64 cost ~20 ms a tick on text)


@dataclass(frozen=True)
class Forecast:
    """A held-out signal (N,), the window length, one-step predictions from true windows and the free-running
    rollout after the first window (both (N - seq_len,))."""

    series: np.ndarray
    seq_len: int
    one_step: np.ndarray
    rolled: np.ndarray


@dataclass(frozen=True)
class Scatter:
    """Predicted against true numbers on the test split (N,); the constant baseline and its name."""

    truth: np.ndarray
    pred: np.ndarray
    baseline: float | None
    baseline_name: str


@dataclass(frozen=True)
class TokenStrip:
    """One test sequence as rows of tokens by position ("" = no output there); `correct[j]` says whether the
    prediction at position j is right (None where the model writes nothing)."""

    sample: int
    rows: dict[str, list[str]]           # input, target, prediction
    correct: list[bool | None]
    lm: bool                             # a character model (answers everywhere: a shorter strip)

    @property
    def accuracy(self) -> float:
        judged = [c for c in self.correct if c is not None]
        return float(np.mean(judged)) if judged else float("nan")


@dataclass(frozen=True)
class Common:
    """What both sequence labs draw: the prediction and the curves (payloads.transformers extends it too)."""

    epoch: int                                   # the newest history record's epoch (curves, their numbers)
    where: str                                   # where the weights are (Trainer.where()): labels views from them
    metric: str
    history: dict[str, list]                     # thinned columns: epoch, {split}_loss, {split}_{metric}
    refs: tuple[tuple[float, str], ...]          # (loss, name) of the task's reference losses
    prediction: Forecast | Scatter | TokenStrip
    sample: int                                  # the test sequence shown (wrapped into the test split)


@dataclass(frozen=True)
class SequencesPayload(Common):
    grads: np.ndarray | None = None              # (T,) ‖∂loss/∂x_t‖ averaged over GRAD_SEQUENCES sequences
    layer: int = 0                               # the recurrent layer shown (0-based)
    hidden: np.ndarray | None = None             # (T, H*dirs) hidden states of that layer
    gates: dict[str, np.ndarray] = field(default_factory=dict)   # name -> (T, H), forward direction
    cell: np.ndarray | None = None               # (T, H) LSTM cell state, None for other cells


def sequences_payload(exp: Experiment, sample: int = 0, layer: int = 0) -> SequencesPayload:
    """Everything the Sequences lab draws for test sequence `sample` and recurrent layer `layer` (wrapped)."""
    common = common_parts(exp, sample)
    test = exp.dataset.test
    grads = time_gradients(exp.model, test.x[:GRAD_SEQUENCES], test.y[:GRAD_SEQUENCES], exp.trainer.loss_fn)
    if not isinstance(exp.model, RecurrentNet):
        return SequencesPayload(**common, grads=grads)
    trace = recurrent_trace(exp.model, test.x[common["sample"]][None])
    layer = layer % len(trace.hidden)
    return SequencesPayload(**common, grads=grads, layer=layer, hidden=trace.hidden[layer],
                            gates={k: v[layer] for k, v in trace.gates.items()},
                            cell=None if trace.cell is None else trace.cell[layer])


def common_parts(exp: Experiment, sample: int) -> dict:
    """The fields of Common, which both sequence payloads start with."""
    trainer, test = exp.trainer, exp.dataset.test
    i = sample % len(test)
    return dict(epoch=int(trainer.history.last().get("epoch", trainer.epoch)), where=trainer.where(),
                metric=trainer.metric, history=thin(trainer.history), refs=reference_lines(exp.dataset.meta),
                prediction=prediction(exp, i), sample=i)


def prediction(exp: Experiment, i: int) -> Forecast | Scatter | TokenStrip:
    """Forecasts: one-step and rollout on the held-out signal; numbers: predicted vs true on the test split;
    tokens: test sequence i, its targets and predictions under the positions that answer."""
    ds, model, kind = exp.dataset, exp.model, exp.dataset.meta.get("kind")
    if kind == "forecast":
        series, seq_len = np.asarray(ds.meta["series"], np.float32), ds.spec.input_shape[0]
        win = np.lib.stride_tricks.sliding_window_view(series[:-1], seq_len)           # (N - L, L)
        with eval_mode(model):
            one_step = model(torch.from_numpy(win.copy())[..., None])[:, 0].numpy()   # (N - L,)
        return Forecast(series, seq_len, one_step, rollout(model, series, seq_len, len(series) - seq_len))
    test = ds.test
    if kind == "regress":
        with eval_mode(model):
            out = model(test.x)                                                        # (N, 1)
        return Scatter(test.y[:, 0].numpy(), out[:, 0].numpy(), ds.meta.get("baseline_mean"),
                       baseline_name(ds.meta))
    with eval_mode(model):
        out = model(test.x[i][None])[0]                                                # (L_out, C) or (C,)
    pred, truth = np.atleast_1d(out.argmax(-1).numpy()), np.atleast_1d(test.y[i].numpy())
    names = tokens if kind == "lm" else _targets
    pad = [""] * first_answer(exp)   # target and prediction are drawn under the positions that answer
    rows = {"input": tokens(exp, test.x[i]), "target": pad + names(exp, truth), "prediction": pad + names(exp, pred)}
    return TokenStrip(i, rows, [None] * len(pad) + [bool(c) for c in pred == truth], kind == "lm")


def tokens(exp: Experiment, ids) -> list[str]:
    """Token ids as the vocabulary's strings ("?" for an id outside it)."""
    vocab = exp.dataset.meta.get("tokens", ())
    return [vocab[int(i)] if int(i) < len(vocab) else "?" for i in ids]


def _targets(exp: Experiment, ids) -> list[str]:
    names = exp.dataset.class_names
    return [names[int(i)] if int(i) < len(names) else str(int(i)) for i in np.atleast_1d(ids)]


def first_answer(exp: Experiment) -> int:
    """The input position of the model's first answer: it answers at its last `output_len` positions (the recall
    markers of copy/reverse, every position of a character model), a one-output model at its last step."""
    return exp.dataset.spec.input_shape[0] - (exp.dataset.spec.output_len or 1)


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
        refs.append((float(meta["unigram_entropy"]), "unigram entropy (predict character frequencies)"))
    if "baseline_mse" in meta:
        refs.append((float(meta["baseline_mse"]), baseline_line(meta)))
    return tuple(refs)
