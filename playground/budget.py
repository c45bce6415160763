"""Estimate before you spend: the peak memory and compute a config will need, checked against this server's
budget before any model weight or large data tensor is allocated.

`check(cfg)` (data sized by the config: generated toy, sequence and text sets, bundled tables and digits) or
`check(cfg, dataset)` (an upload already read, under its reader's caps) raises a ConfigError naming the field
to change, with the estimate and the budget in MB, when the estimate is over
- PLAYGROUND_MAX_MEMORY_MB (default 2048): peak resident memory of one run, training and evaluating;
- PLAYGROUND_MAX_GFLOP_PER_STEP (default 20): floating-point operations of one optimizer step, and of one
  evaluation of every split (each epoch end: up to 8,448 samples forward).
playground/experiment.py::build calls it; nothing else should (one gate).

How (`estimate`): the model is built on torch's "meta" device (shapes only, no storage) and run forward once on
a meta batch of the training batch's shape: a saved-tensors hook adds up what autograd keeps for backward (the
activation memory of one step), forward hooks record the largest single output (what inference needs at a
time) and count multiply-adds of Linear, Conv2d, attention and recurrent layers (a step is ~3x a forward:
the backward pass costs two). Recurrent layers unroll step by step on the meta device (seconds for 512 steps),
so they are run on a short prefix and scaled linearly in length: their memory and compute are linear in it.
torch's FlopCounterMode was not used: its first use in a process imports torch._dynamo (2-3 s). Every registered
family runs on meta (tests/test_budget.py runs every preset through it); a future family with an op that has
no meta kernel needs an analytic estimate here, as recurrent layers have for their length.
Peak = weights, gradients, optimizer state and the Trainer's two weight copies + the data tensors + the fixed
evaluation batch + the largest of: one training step, one evaluation forward, the 2-D boundary grid and the
playground's per-layer diagnosis pass (+ half of the others: freed memory stays with the process).
bench/bench_memory.py compares it with measured peaks.

It does not train, allocate real weights, or split training batches (float order and batch-norm statistics would
change); evaluation runs in chunks where activations or outputs are large (playground/evaluation.py).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import torch
from torch import nn

from playground.config import with_values
from playground.data import DATASETS, Dataset, DataSpec, make_dataset
from playground.evaluation import CHUNK, CHUNK_ABOVE, EVAL_CAP, TRAIN_EVAL_CAP, memory_chunk
from playground.models import meta_model
from playground.models.transformer import SelfAttention
from playground.registry import ConfigError

MEMORY_ENV, FLOP_ENV = "PLAYGROUND_MAX_MEMORY_MB", "PLAYGROUND_MAX_GFLOP_PER_STEP"
DEFAULT_MEMORY_MB, DEFAULT_GFLOP = 2048, 20.0   # a 24 GB server shared by ~10 sessions; ~1 s a step on 2 cores
MB = 2**20
GRID_POINTS = 100 * 100     # the largest boundary grid (views/plane.py boundary_view, resolution 100)
RNN_STEPS = 16              # recurrent layers are run on this many steps and scaled up (module docstring)
# On CPU torch runs LSTMs through oneDNN, which keeps a workspace for backward: 2.3-2.8x the bytes the meta
# decomposition saves (measured with the same saved-tensors hook on CPU, hidden 64-512, 1-2 layers, bi- and
# unidirectional); plain RNN and GRU save the same on both (within 3%).
LSTM_CPU_SAVED = 2.8
# Optimizer state in weight-sized tensors: SGD momentum buffer, Adam's two moments, RMSprop's square average
# (+ momentum buffer), AdaGrad's sum; an unknown optimizer is assumed to keep two, like Adam.
OPTIMIZER_STATE = {"sgd": 0, "momentum": 1, "nesterov": 1, "adam": 2, "adamw": 2, "rmsprop": 1, "adagrad": 1}
WEIGHT_COPIES = 4   # weights, gradients, and the Trainer's last-good and best-validation copies (training.py)
RETAINED = 0.5     # share of the smaller phases' memory counted on top of the largest (estimate, below)
LIVE_OUTPUTS = 3    # outputs alive at once in a forward without autograd (an op's input, its output, a residual)


def budget_mb() -> float:
    return _env(MEMORY_ENV, DEFAULT_MEMORY_MB)


def budget_gflop() -> float:
    return _env(FLOP_ENV, DEFAULT_GFLOP)


def _env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


# ---------------------------------------------------------------- the data: its shape and size


@dataclass(frozen=True)
class DataPlan:
    """What the estimate needs of the data: its spec, split sizes, bytes per sample and whether it has a plane."""

    spec: DataSpec
    sizes: tuple[int, int, int]        # train, val, test samples (train includes fixed augmented copies)
    x_bytes: int                       # per sample
    y_bytes: int
    plane: bool                        # 2-D views draw a boundary grid over it
    augment: bool = False              # fresh augmentation copies the training inputs each epoch


def sized_by_config(cfg) -> bool:
    """Whether the data's shape and size follow from the config alone (not an upload read at build time)."""
    return not DATASETS.entry(cfg.data.name, "data.name").meta.get("upload")


def plan_of(dataset: Dataset) -> DataPlan:
    def per_sample(t: torch.Tensor) -> int:
        return t[:1].numel() * t.element_size()

    tr = dataset.train
    return DataPlan(dataset.spec, (len(tr), len(dataset.val), len(dataset.test)), per_sample(tr.x),
                    per_sample(tr.y), dataset.extent is not None, dataset.augment is not None)


def plan_from_config(cfg) -> DataPlan:
    """Build the data at 10 and 20 samples (tiny) and extrapolate each split's size linearly to
    `data.n_samples`; fixed-size sets (digits, bundled tables) come out the same at both and stay so."""
    small, larger = (plan_of(make_dataset(replace(cfg.data, n_samples=n), cfg.seed)) for n in (10, 20))
    n = cfg.data.n_samples
    sizes = tuple(max(a + round((b - a) * (n - 10) / 10), 0) for a, b in zip(small.sizes, larger.sizes))
    return replace(small, sizes=sizes)


# ---------------------------------------------------------------- the model: one meta forward


@dataclass(frozen=True)
class ModelCost:
    parameters: int
    weight_bytes: int       # parameters and buffers
    saved_bytes: int        # kept for backward by one training forward of the batch
    max_out_bytes: int      # the largest single output of a module in that forward
    out_bytes: int          # the model's output
    flops: float            # of that forward


@lru_cache(maxsize=128)
def model_cost(model_cfg, spec: DataSpec, batch: int) -> ModelCost:
    """Costs of one training-mode forward of `batch` samples, measured on the meta device (no storage)."""
    model = meta_model(model_cfg, spec)
    params = sum(p.numel() for p in model.parameters())
    weight_bytes = sum(t.numel() * t.element_size() for t in [*model.parameters(), *model.buffers()])
    recurrent = any(isinstance(m, nn.RNNBase) for m in model.modules())
    length_scale, run_spec = 1.0, spec
    if recurrent and spec.input_shape[0] > RNN_STEPS:   # unrolled per step on meta: run a prefix, scale
        length = spec.input_shape[0]
        length_scale = length / RNN_STEPS
        out_len = max(1, round(spec.output_len / length_scale)) if spec.output_len else 0
        run_spec = replace(spec, input_shape=(RNN_STEPS, *spec.input_shape[1:]), output_len=out_len)
        model = meta_model(model_cfg, run_spec)
    saved: dict[int, int] = {}
    own = {id(p) for p in model.parameters()}
    largest, flops = [0], [0.0]

    def pack(t: torch.Tensor) -> torch.Tensor:
        base = t._base if t._base is not None else t       # views count once, with the tensor they view
        if id(base) not in own:
            saved[id(base)] = base.numel() * base.element_size()
        return t

    def hook(module: nn.Module, inputs: tuple, out) -> None:
        outs = out if isinstance(out, tuple) else (out,)
        for o in outs:
            if isinstance(o, torch.Tensor):
                largest[0] = max(largest[0], o.numel() * o.element_size())
        flops[0] += _module_flops(module, inputs, outs[0])

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    run_batch = max(batch, 2)   # batch norm refuses one sample in training (the Trainer says so, with the field)
    x = (torch.zeros((run_batch, *run_spec.input_shape), dtype=torch.long, device="meta") if spec.vocab_size
         else torch.empty((run_batch, *run_spec.input_shape), device="meta"))
    model.train()
    try:
        with torch.device("meta"), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    per_batch = batch / run_batch                           # everything below is linear in the batch
    out_bytes = out.numel() * out.element_size() * per_batch * (length_scale if spec.output_len else 1.0)
    lstm = LSTM_CPU_SAVED if any(isinstance(m, nn.LSTM) for m in model.modules()) else 1.0
    return ModelCost(params, weight_bytes, round(sum(saved.values()) * length_scale * lstm * per_batch),
                     round(largest[0] * length_scale * per_batch), round(out_bytes),
                     flops[0] * length_scale * per_batch)


def _module_flops(m: nn.Module, inputs: tuple, out) -> float:
    """Multiply-adds x 2 of the layers that dominate; elementwise ops are ignored (a few % here)."""
    if isinstance(m, nn.Linear):
        return 2.0 * out.numel() * m.in_features
    if isinstance(m, nn.Conv2d):
        return 2.0 * out.numel() * (m.in_channels // m.groups) * math.prod(m.kernel_size)
    if isinstance(m, SelfAttention):                   # Q·Kᵀ and attention·V: 2 x 2·B·T·T·D
        b, t, d = inputs[0].shape
        return 4.0 * b * t * t * d
    if isinstance(m, nn.RNNBase):                      # per step, layer and direction: gates x (in + H) x H
        b, t = inputs[0].shape[:2]
        gates = {"LSTM": 4, "GRU": 3}.get(m.mode, 1)
        dirs = 2 if m.bidirectional else 1
        widths = [m.input_size] + [m.hidden_size * dirs] * (m.num_layers - 1)
        return 2.0 * b * t * dirs * gates * m.hidden_size * sum(w + m.hidden_size for w in widths)
    return 0.0


# ---------------------------------------------------------------- the estimate


@dataclass(frozen=True)
class Estimate:
    parts: dict[str, int]     # bytes by part; peak = sum of the persistent ones + the largest transient one
    peak_bytes: int
    flops_per_step: float     # one training step: forward and backward (~3 forwards)
    eval_flops: float         # evaluating every split once (each epoch end): one forward of the evaluation batch
    parameters: int

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / MB

    @property
    def gflop(self) -> float:
        """The larger of a training step and an epoch end's evaluation, in GFLOP: what the budget caps."""
        return max(self.flops_per_step, self.eval_flops) / 1e9


def estimate(cfg, plan: DataPlan) -> Estimate:
    n_train, n_val, n_test = plan.sizes
    batch = max(n_train if cfg.train.batch_size == 0 else min(cfg.train.batch_size, n_train), 1)
    cost = model_cost(cfg.model, plan.spec, batch)
    per_sample = cost.max_out_bytes / batch            # largest output per sample (memory is linear in batch)
    opt = OPTIMIZER_STATE.get(cfg.train.optimizer, 2)
    if cfg.train.optimizer == "rmsprop" and cfg.train.momentum > 0:
        opt = 2
    sample = plan.x_bytes + plan.y_bytes
    # the Trainer shuffles a copy of the training split each epoch (views are cut from it); fresh augmentation
    # makes one more (numpy) copy of the inputs
    epoch_copy = n_train * sample if batch < n_train else 0
    epoch_copy += n_train * plan.x_bytes if plan.augment else 0
    n_eval = min(n_train, TRAIN_EVAL_CAP) + min(n_val, EVAL_CAP) + min(n_test, EVAL_CAP)
    outputs = max(plan.spec.output_len, 1) * plan.spec.n_outputs
    chunk = max(min(CHUNK if outputs > CHUNK_ABOVE else n_eval, memory_chunk(per_sample), n_eval), 1)  # evaluation.py
    persistent = {
        "weights, gradients and optimizer state": cost.weight_bytes * WEIGHT_COPIES + cost.parameters * 4 * opt,
        "data": (n_train + n_val + n_test) * sample + epoch_copy,
        "evaluation batch": n_eval * (sample + outputs * 4),
    }
    noise_copy = batch * plan.x_bytes if cfg.train.input_noise else 0
    transient = {   # backward: the saved tensors, and gradients of a few layer outputs alive at once
        "one training step": cost.saved_bytes + 4 * cost.max_out_bytes + 2 * cost.out_bytes + noise_copy,
        "evaluation forward": round(LIVE_OUTPUTS * per_sample * chunk),
    }
    if plan.plane:   # the boundary grid: points through the model in one forward
        transient["boundary grid"] = round(GRID_POINTS * (LIVE_OUTPUTS * per_sample + plan.x_bytes))
        if cfg.model.kind == "mlp":   # the playground's diagnosis keeps every hidden layer's output (probes.py)
            transient["layer diagnosis"] = round(n_train * (4 * sum(cfg.model.hidden) + LIVE_OUTPUTS * per_sample))
    # glibc keeps freed heap memory for reuse rather than returning it, so in resident memory (what a server
    # runs out of) the phases partly add up: the largest counts in full, the others at half (measured:
    # bench/bench_memory.py; the largest alone fell to 0.4x of the measured peak on the 2-D playground)
    ordered = sorted(transient.values(), reverse=True)
    peak = sum(persistent.values()) + ordered[0] + RETAINED * sum(ordered[1:])
    return Estimate({**persistent, **transient}, int(peak), 3.0 * cost.flops, cost.flops / batch * n_eval,
                    cost.parameters)


# ---------------------------------------------------------------- the gate


# What to suggest: (field, a smaller value for it given the config); the one that saves most is named.
def _smaller(values: tuple[int, ...], cap: int) -> tuple[int, ...]:
    return tuple(min(v, cap) for v in values)


SUGGESTIONS = [
    ("train.batch_size", lambda c: 32 if c.train.batch_size == 0 or c.train.batch_size > 32 else None),
    ("data.n_samples", lambda c: min(c.data.n_samples, 2000) if c.data.n_samples > 2000 else None),
    ("data.seq_len", lambda c: 64 if c.data.seq_len > 64 and c.model.kind != "mlp" else None),
    ("model.hidden", lambda c: _smaller(c.model.hidden, 64) if max(c.model.hidden, default=0) > 64 else None),
    ("model.cnn.channels", lambda c: _smaller(c.model.cnn.channels, 16)
     if c.model.kind == "cnn" and max(c.model.cnn.channels) > 16 else None),
    ("model.cnn.padding", lambda c: c.model.cnn.kernel // 2
     if c.model.kind == "cnn" and c.model.cnn.padding > c.model.cnn.kernel // 2 else None),
    ("model.cnn.pool", lambda c: "max" if c.model.kind == "cnn" and c.model.cnn.pool == "none" else None),
    ("model.rnn.hidden_size", lambda c: 64 if c.model.rnn.hidden_size > 64 and _recurrent(c) else None),
    ("model.rnn.layers", lambda c: 1 if c.model.rnn.layers > 1 and _recurrent(c) else None),
    ("model.transformer.d_model", lambda c: 64 - 64 % c.model.transformer.heads
     if c.model.kind == "transformer" and c.model.transformer.d_model > 64 else None),
    ("model.transformer.layers", lambda c: 2 if c.model.kind == "transformer" and c.model.transformer.layers > 2
     else None),
    ("model.transformer.d_ff", lambda c: 256 if c.model.kind == "transformer" and c.model.transformer.d_ff > 256
     else None),
]


def _recurrent(cfg) -> bool:
    return cfg.model.kind in ("rnn", "lstm", "gru")


def check(cfg, dataset: Dataset | None = None, fits: Callable[[DataSpec], object] | None = None) -> Estimate:
    """The estimate for `cfg` (on `dataset`, else on the data its config describes); ConfigError if over budget.

    `fits(spec)` runs first, once the data's spec is known: a check that should name its own field before the
    model is sized (build() passes the backbone's, whose blocks may not fit the images)."""
    plan = plan_of(dataset) if dataset is not None else plan_from_config(cfg)
    if fits is not None:
        fits(plan.spec)
    est = estimate(cfg, plan)
    mem, gflop = budget_mb(), budget_gflop()
    if est.peak_mb > mem:
        field, hint = _suggest(cfg, plan, dataset is None, lambda e: e.peak_mb, "MB")
        part = max(est.parts, key=est.parts.get)
        raise ConfigError(field, f"this run would need about {est.peak_mb:,.0f} MB of memory at its peak, over "
                                 f"this server's budget of {mem:,.0f} MB (the largest part: {part}, "
                                 f"{est.parts[part] / MB:,.0f} MB). {hint}")
    if est.gflop > gflop:
        field, hint = _suggest(cfg, plan, dataset is None, lambda e: e.gflop, "GFLOP")
        what = "one training step" if est.flops_per_step >= est.eval_flops else "evaluating every split once"
        raise ConfigError(field, f"{what} would take about {est.gflop:,.1f} GFLOP, over this server's budget of "
                                 f"{gflop:,.1f} GFLOP per step. {hint}")
    return est


def _suggest(cfg, plan: DataPlan, data_from_config: bool, measure, unit: str) -> tuple[str, str]:
    """(field, advice): the field whose smaller value lowers `measure` the most, and what it would come to."""
    best: tuple[float, str, object] = (measure(estimate(cfg, plan)), "", None)   # a suggestion must lower it
    for field, smaller in SUGGESTIONS:
        value = smaller(cfg)
        if value is None or (field.startswith("data.") and not data_from_config):
            continue
        try:
            alt = with_values(cfg, {field: value})
            alt_plan = plan_from_config(alt) if field.startswith("data.") else plan
            m = measure(estimate(alt, alt_plan))
        except (ConfigError, ValueError, RuntimeError):
            continue   # not a valid config for this data or model: not a suggestion
        if m < best[0]:
            best = (m, field, value)
    if not best[1]:
        return "model", "Make the model or the data smaller."
    m, field, value = best
    shown = value
    if isinstance(value, tuple):
        shown = f"{value[0]} in each of {len(value)}" if len(set(value)) == 1 and len(value) > 2 else \
            ", ".join(map(str, value))
    more = "" if m <= (budget_mb() if unit == "MB" else budget_gflop()) else " (still too much: change more)"
    return field, f"Lower {field}: at {shown} it would need about {m:,.1f} {unit}{more}."
