"""End-of-epoch evaluation of every split in one forward pass and one host sync.

`EpochEvaluator(dataset, task, metric)(model, loss_fn)` returns {"train_loss", "train_<metric>", "val_...",
"test_..."}: the same numbers as `loss_fn(out, y)` and `compute_metric` per split, but computed as per-sample
values reduced per split with one matrix product, then read back with a single `.tolist()`. This is the
Trainer's per-epoch cost, so it matters on short epochs (a few steps each). Losses it does not know
(anything but plain cross-entropy, MSE, Huber and L1) take the slower per-split path.

Also `evaluate_split` (one split, as the Trainer's `evaluate`), `gradient_norms` and `clone_model`
(an eval-mode copy).
It does not train, change the model's mode for good, or keep any state but the fixed evaluation batch.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from playground.data.base import CLASSIFICATION, Dataset, Split

EVAL_CAP = 4096  # samples per split evaluated each epoch (the first ones; splits are shuffled)
TRAIN_EVAL_CAP = 256  # the training split is the largest and the model just saw it: a fixed slice suffices
SPLITS = ("train", "val", "test")
# Models with large outputs per sample (logits at every position: the character models) are evaluated in
# chunks: one forward over the whole batch spills the cache (decoder preset: 68 ms an epoch end; in chunks
# of 256, 33). Small outputs are not: there, one forward is fastest (the digit CNN: 4.5 ms; chunked, 5.0).
CHUNK, CHUNK_ABOVE = 256, 256   # samples per chunk; output values per sample above which to chunk
# Models with large activations per sample (wide convolutions on grown images, attention over long sequences)
# are evaluated in chunks small enough that no layer's output exceeds EVAL_BYTES: one forward over every
# split's samples once needed gigabytes. Samples are scored independently in eval mode, so chunking changes
# no score (beyond float rounding, < 1e-6; tests/test_budget.py). playground/budget.py uses the same rule.
EVAL_BYTES = 64 * 2**20

# Modules that compute the same in train and eval mode. Switching a model's mode walks every module
# (~50 us for a small MLP, a fifth of an epoch-end), so it is skipped when all of its modules are these.
# playground.models classes count as mode-free: they never branch on self.training (their children may,
# and those children are checked too).
MODE_FREE = (nn.Linear, nn.Flatten, nn.Unflatten, nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.Identity,
             nn.Embedding, nn.LayerNorm, nn.Conv1d, nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
             nn.ReLU, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid,
             nn.Softplus, nn.Softsign, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Tanhshrink, nn.Softmax,
             nn.LogSoftmax, nn.PReLU)


def memory_chunk(largest_output_per_sample: float) -> int:
    """Samples per evaluation forward so that the largest layer output stays under EVAL_BYTES."""
    return max(1, int(EVAL_BYTES // max(largest_output_per_sample, 1)))


def largest_output(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the largest tensor any module outputs in a forward of `x` (run without autograd)."""
    largest = [0]

    def hook(_m, _inp, out) -> None:
        for o in out if isinstance(out, tuple) else (out,):
            if isinstance(o, torch.Tensor):
                largest[0] = max(largest[0], o.numel() * o.element_size())

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return largest[0]


def mode_matters(model: nn.Module) -> bool:
    """Whether eval mode could change the model's outputs (dropout, batch norm, RNN dropout, unknown modules)."""
    return not all((isinstance(m, MODE_FREE) or type(m).__module__.startswith("playground.models"))
                   and not isinstance(m, nn.Dropout) for m in model.modules())   # models.layers.Dropout is one


def compute_metric(out: torch.Tensor, y: torch.Tensor, task: str, name: str | None = None) -> float:
    """Accuracy of argmax over the last axis (per token for [B, L, C]), R², or mean squared error."""
    if name == "mse":
        return ((out - y) ** 2).mean().item()
    if task == CLASSIFICATION:
        return (out.argmax(-1) == y).float().mean().item()
    ss_res = ((out - y) ** 2).sum()
    ss_tot = ((y - y.mean()) ** 2).sum()
    return (1 - ss_res / ss_tot).item() if ss_tot > 0 else float("nan")


def score(out: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module, task: str, metric: str) -> tuple[float, float]:
    """(loss, metric) of outputs against targets, as two floats."""
    return loss_fn(out, y).item(), compute_metric(out, y, task, metric)


def evaluate_split(model: nn.Module, loss_fn: nn.Module, split: Split, task: str, metric: str) -> tuple[float, float]:
    """(loss, metric) on a whole split, in eval mode (dropout off, batch-norm running stats); NaNs if empty."""
    if len(split) == 0:
        return math.nan, math.nan
    with eval_mode(model), torch.inference_mode():
        return score(model(split.x), split.y, loss_fn, task, metric)


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[None]:
    """The model in eval mode inside; after, every module back in its own mode (not model.train(), which would
    put a frozen block, kept in eval mode while the rest trains, back in train mode)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def gradient_norms(weights: list[torch.Tensor]) -> list[torch.Tensor]:
    """The L2 norm of each weight's gradient as 0-d tensors (0 where there is none yet), not yet read back."""
    grads = [w.grad for w in weights]
    if grads and all(g is not None for g in grads):
        return list(torch._foreach_norm(grads))
    return [g.norm() if g is not None else torch.zeros(()) for g in grads]


def clone_model(model: nn.Module) -> nn.Module:
    """An eval-mode deep copy, for explanations and probes that must not disturb training."""
    return copy.deepcopy(model).eval()


def per_sample_loss(loss_fn: nn.Module, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
    """Loss of each sample, shape [B], whose mean is `loss_fn(out, y)`; None for a loss this cannot split."""
    if out.shape[0] != y.shape[0]:
        return None
    if type(loss_fn).__name__ in ("CrossEntropyLoss", "TokenCrossEntropy"):
        if loss_fn.weight is not None or loss_fn.label_smoothing:
            return None
        flat = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), reduction="none")  # [B*L]
    elif out.shape != y.shape:
        return None
    elif type(loss_fn) is nn.MSELoss:
        flat = F.mse_loss(out, y, reduction="none")
    elif type(loss_fn) is nn.HuberLoss:
        flat = F.huber_loss(out, y, reduction="none", delta=loss_fn.delta)
    elif type(loss_fn) is nn.L1Loss:
        flat = F.l1_loss(out, y, reduction="none")
    else:
        return None
    # every sample has the same number of terms, so the mean of per-sample means is the loss
    return flat if flat.shape == out.shape[:1] else flat.reshape(out.shape[0], -1).mean(1)


class EpochEvaluator:
    """The fixed evaluation batch (up to the caps of every split) and how to score a model on it."""

    def __init__(self, dataset: Dataset, task: str, metric: str):
        self.task, self.metric = task, metric
        xs, ys, self.parts, start = [], [], [], 0
        for name in SPLITS:
            split = dataset.split(name)
            cap = TRAIN_EVAL_CAP if name == "train" else EVAL_CAP
            x, y = split.x[:cap], split.y[:cap]
            xs.append(x)
            ys.append(y)
            self.parts.append((name, start, start + len(x), y))
            start += len(x)
        self.x = torch.cat(xs)
        self.y = torch.cat(ys)
        self._counts = [stop - begin for _, begin, stop, _ in self.parts]
        # per-split mean as one matmul: row i holds 1/count_i on split i's samples ([3, N], float64)
        self._mean_rows = torch.zeros(len(SPLITS), len(self.y), dtype=torch.float64)
        for i, (_, begin, stop, _) in enumerate(self.parts):
            self._mean_rows[i, begin:stop] = 1.0 / max(stop - begin, 1)
        outputs = max(dataset.spec.output_len, 1) * dataset.spec.n_outputs
        self._chunk = CHUNK if outputs > CHUNK_ABOVE else max(len(self.x), 1)   # samples per forward
        self._toggle: tuple[int, bool] | None = None   # (id of the model, whether its mode matters)
        self._by_memory: tuple[int, int] | None = None  # (id of the model, samples per forward: memory_chunk)
        # class targets below 0 would meet cross-entropy's ignore_index: only the per-split path gets that right
        self._splittable = not (task == CLASSIFICATION and self.y.numel() and int(self.y.min()) < 0)
        # R²'s denominator per split is fixed by the targets (0 for an empty or constant split)
        self._ss_tot = [((y - y.mean()) ** 2).sum().item() if len(y) and self._is_r2 else 0.0
                        for *_, y in self.parts]

    def outputs(self, model: nn.Module) -> torch.Tensor:
        """The model's outputs on the evaluation batch, in eval mode (dropout off, batch-norm statistics)."""
        if self._toggle is None or self._toggle[0] != id(model):
            self._toggle = (id(model), mode_matters(model))
        if not self._toggle[1]:
            return self._forward(model)
        with eval_mode(model):
            return self._forward(model)

    def _forward(self, model: nn.Module) -> torch.Tensor:
        if len(self.x) and (self._by_memory is None or self._by_memory[0] != id(model)):   # one sample's forward
            self._by_memory = (id(model), memory_chunk(largest_output(model, self.x[:1])))
        chunk = min(self._chunk, self._by_memory[1]) if self._by_memory else self._chunk
        with torch.inference_mode():
            if len(self.x) <= chunk:
                return model(self.x)
            return torch.cat([model(part) for part in self.x.split(chunk)])

    def __call__(self, model: nn.Module, loss_fn: nn.Module,
                 extra: list[torch.Tensor] | None = None) -> tuple[dict[str, float], list[float]]:
        """Scores of every split, and `extra` 0-d tensors read back in the same sync (as floats)."""
        out = self.outputs(model)
        with torch.inference_mode():
            per_loss = per_sample_loss(loss_fn, out, self.y) if self._splittable else None
            if per_loss is None:
                return self._slow(out, loss_fn), [float(t) for t in extra or []]
            per_metric = self._per_sample_metric(out)
            means = self._mean_rows @ torch.stack([per_loss, per_metric], 1).double()   # [3, 2]
            values = torch.cat([means.flatten(), *(t.double().reshape(1) for t in extra or [])]).tolist()
        record = {}
        for i, name in enumerate(SPLITS):
            loss, score = values[2 * i], values[2 * i + 1]
            if self._is_r2:   # the row holds the mean residual; R² needs the sum
                score = 1 - score * self._counts[i] / self._ss_tot[i] if self._ss_tot[i] > 0 else math.nan
            if not self._counts[i]:
                loss = score = math.nan
            record[f"{name}_loss"], record[f"{name}_{self.metric}"] = loss, score
        return record, values[6:]

    @property
    def _is_r2(self) -> bool:   # compute_metric's rule: mse if named, accuracy for classes, else R²
        return self.metric != "mse" and self.task != CLASSIFICATION

    def _per_sample_metric(self, out: torch.Tensor) -> torch.Tensor:
        """[B]: mean accuracy (over tokens) or squared error (mean for mse, sum for R²'s residual)."""
        n = out.shape[0]
        if self.metric == "mse" or self._is_r2:
            sq = ((out - self.y) ** 2).reshape(n, -1)
            return sq.sum(1) if self._is_r2 else sq.mean(1)
        hit = (out.argmax(-1) == self.y).float()
        return hit if hit.dim() == 1 else hit.reshape(n, -1).mean(1)

    def _slow(self, out: torch.Tensor, loss_fn: nn.Module) -> dict[str, float]:
        record = {}
        for name, start, stop, y in self.parts:
            if stop == start:
                record[f"{name}_loss"] = record[f"{name}_{self.metric}"] = float("nan")
                continue
            record[f"{name}_loss"], record[f"{name}_{self.metric}"] = score(
                out[start:stop], y, loss_fn, self.task, self.metric)
        return record
