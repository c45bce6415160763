"""The Trainer: steppable, UI-agnostic training of any model on any Dataset.

`Trainer(model, dataset, cfg.train, seed).step(n)` runs n optimizer steps and returns a Snapshot;
`history` holds one record per evaluated epoch (losses and metrics of every split, base learning rate, blocks
frozen, gradient norms). It handles batch modes, schedules, L1/L2, clipping, early stopping with restore-best,
divergence (NaN/inf loss: stop, restore the last good weights, say so), and per-block freezing, lr scales and
gradual unfreezing (playground/models/blocks.py: frozen blocks get no gradient, stay in eval mode, are left
out of L1/L2, and the optimizer, one group per block, is only ever given a rate through optimizers.set_lr).
It never sleeps, draws, or imports streamlit; the hot path adds only a finiteness check to a plain PyTorch loop.

Evaluation cadence: every epoch is evaluated by default (a deterministic history); with `eval_share`
set (the live loop) some are skipped, by the rule in playground/cadence.py. The weights never depend on it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from playground.cadence import DENSE_EPOCHS, EvalCadence
from playground.data.base import Dataset, Split
from playground.evaluation import EpochEvaluator, evaluate_split, gradient_norms
from playground.history import DIVERGED, EARLY_STOPPED, FINISHED, READY, History, Snapshot
from playground.models.blocks import apply_freeze, blocks, check_blocks, frozen_at
from playground.models.layers import DropoutGenerator
from playground.objectives import make_loss, metric_name, weight_penalty
from playground.optimizers import live_settings, lr_at, make_optimizer, set_lr, set_scales
from playground.registry import ConfigError

# ---------------------------------------------------------------- the trainer


OVERSHOOT = 0.25   # a tick may run this share longer to end on an epoch's end (train_for)


class Trainer:
    """Trains `model` on `dataset.train`; evaluates every split at epoch ends (each one, or per `eval_share`)."""

    def __init__(self, model: nn.Module, dataset: Dataset, cfg, seed: int = 0,
                 callbacks: list[Callable[[Trainer, dict[str, Any]], None]] | None = None,
                 eval_share: float | None = None):
        self.model, self.dataset, self.cfg, self.seed = model, dataset, cfg, seed
        self.eval_share = eval_share   # None: evaluate every epoch; else see the module docstring
        self.callbacks = list(callbacks or [])
        self.task = dataset.task
        self.metric = metric_name(self.task, dataset.meta)
        if cfg.batch_size == 1 and any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()):
            raise ConfigError("train.batch_size", "batch norm needs at least 2 samples per batch")
        self.loss_fn = make_loss(cfg.loss, self.task)
        self.optimizer = make_optimizer(cfg, model)   # ConfigError if freeze/lr_scales exceed the blocks
        self._lr = cfg.lr            # the base rate now (each epoch start: the schedule's); groups scale it
        self._weights = [p for n, p in model.named_parameters() if p.dim() > 1]  # weight matrices: grad norms
        self._penalised = self._weights   # the trainable ones: L1/L2 act on them (set by _freeze)
        self._frozen = 0                  # blocks frozen now, from the input side
        self._freeze(frozen_at(cfg, 0))
        self._gen = torch.Generator().manual_seed(seed)
        self._dropout = DropoutGenerator(torch.Generator().manual_seed(seed + 1), model)   # models/layers.py
        self.epoch = 0           # completed epochs
        self.steps = 0           # optimizer steps taken
        self.train_seconds = 0.0
        self.status, self.message = READY, ""
        self.history = History()
        self._batches: list[tuple[torch.Tensor, torch.Tensor]] = []  # the rest of this epoch
        self._epoch_batches = 0                                           # how many it had
        self._state = list(model.state_dict().values())               # live tensors, copied in place
        self._good = [t.detach().clone() for t in self._state]        # last weights with a finite loss
        self._good_epoch = 0
        self._best_state = [t.detach().clone() for t in self._state]  # best validation weights so far
        self._best: tuple[float, int] = (math.inf, 0)                  # (best monitored loss, its epoch)
        self._best_saved: int | None = None                            # epoch of the weights in _best_state
        self._evaluate = EpochEvaluator(dataset, self.task, self.metric)  # all splits: one forward, one sync
        self._cadence = EvalCadence()   # timing for eval_share
        t0 = time.perf_counter()
        self._record_epoch()          # epoch 0: the initial weights
        self._cadence.evaluated(time.perf_counter() - t0)

    # -- public API ------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.status != READY

    def step(self, n: int = 1) -> Snapshot:
        """Run up to n optimizer steps (fewer if training stops)."""
        t0 = time.perf_counter()
        for _ in range(n):
            if self.status != READY:
                break
            self._one_step()
        self.train_seconds += time.perf_counter() - t0
        self.flush()
        return self.snapshot()

    def run_epochs(self, n: int = 1) -> Snapshot:
        """Train until n more epochs have completed (or training stops)."""
        target = self.epoch + n
        t0 = time.perf_counter()
        while self.epoch < target and self.status == READY:
            self._one_step()
        self.train_seconds += time.perf_counter() - t0
        self.flush()
        return self.snapshot()

    def train_for(self, seconds: float, max_epochs: int | None = None) -> Snapshot:
        """Train for a wall-clock budget (the live loop's tick), optionally capped in epochs. A tick ends at an
        epoch's end when finishing that epoch costs at most OVERSHOOT of the tick (always, for epochs much
        shorter than a tick), so the epoch it ends on gets a record and the numbers shown are that epoch's;
        otherwise the epoch is cut and its numbers wait for its end."""
        t0 = time.perf_counter()
        target = None if max_epochs is None else self.epoch + max_epochs
        # with eval_share, a tick of short epochs ends on an evaluated one (cadence.py); a long one is cut
        deadline, cadence = self._cadence.start_tick(seconds), self._cadence
        try:
            while self.status == READY and time.perf_counter() < deadline and not cadence.tick_over:
                if target is not None and self.epoch >= target:
                    break
                self._one_step()
            left = len(self._batches) / max(self._epoch_batches, 1)   # share of the epoch still to train
            if 0 < left * cadence.epoch_seconds <= OVERSHOOT * seconds:
                while self._batches and self.status == READY:
                    self._one_step()   # finish the epoch the deadline fell in: it costs at most OVERSHOOT more
        finally:
            cadence.end_tick()
        self.train_seconds += time.perf_counter() - t0
        self.flush()
        return self.snapshot()

    def flush(self) -> None:
        """Evaluate the epoch just completed if it has no record yet (eval_share may have skipped it)."""
        if self.status == READY and not self._batches and self.history["epoch"][-1:] != [self.epoch]:
            self._evaluate_epoch()

    def snapshot(self) -> Snapshot:
        return Snapshot(self.epoch, self.steps, self.status, self.message, self.history.last())

    @property
    def progress(self) -> float:
        """Epochs done as a fraction: completed epochs plus the share of the current epoch's batches taken."""
        left = len(self._batches)
        return self.epoch + ((self._epoch_batches - left) / self._epoch_batches if left else 0.0)

    def where(self) -> str:
        """Where the weights are, for labelling numbers computed from them: "after epoch 12", or
        "epoch 13, batch 30 of 50" when a tick ended inside an epoch (long epochs: images, sequences)."""
        if not self._batches:
            return f"after epoch {self.epoch}"
        return f"epoch {self.epoch + 1}, batch {self._epoch_batches - len(self._batches)} of {self._epoch_batches}"

    def update_config(self, cfg) -> None:
        """Apply a changed TrainConfig without touching the weights (lr, momentum, optimizer, ...)."""
        check_blocks(cfg, len(blocks(self.model)))   # a bad freeze/lr_scales changes nothing
        old, self.cfg = self.cfg, cfg
        self._lr = lr_at(cfg, self.epoch)
        if (cfg.optimizer, cfg.nesterov) != (old.optimizer, old.nesterov):
            self.optimizer = make_optimizer(cfg, self.model, self._lr)   # new optimizer: moments start over
        else:
            for key, value in live_settings(cfg).items():
                self._set_group(key, value)
            set_scales(self.optimizer, cfg, self._lr)   # lr and lr_scales: moments kept
        if cfg.loss != old.loss:
            self.loss_fn = make_loss(cfg.loss, self.task)
        self._freeze(frozen_at(cfg, self.epoch))   # freeze/unfreeze_every: the epoch in progress too
        if self.status in (FINISHED, EARLY_STOPPED) and (cfg.max_epochs == 0 or cfg.max_epochs > self.epoch):
            self.resume()

    def resume(self) -> None:
        """Allow training again after a stop (after the user changed something, e.g. the lr)."""
        self.status, self.message = READY, ""
        self._best = (self._best[0], self.epoch)  # patience counts from now

    def evaluate(self, split: Split) -> tuple[float, float]:
        """(loss, metric) on a split, in eval mode (dropout off, batch-norm running stats)."""
        return evaluate_split(self.model, self.loss_fn, split, self.task, self.metric)

    @property
    def best_epoch(self) -> int | None:
        """Epoch of the lowest validation (else training) loss seen, if its weights were kept."""
        return self._best_saved

    def restore_best(self) -> int | None:
        """Load the best-validation weights kept so far (needs restore_best); return their epoch."""
        if self._best_saved is None:
            return None
        self._restore(self._best_state)
        self.optimizer = make_optimizer(self.cfg, self.model, self._lr)
        return self._best_saved

    def load_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights; the optimizer starts over at the current scheduled rate (its moments were others')."""
        self.model.load_state_dict(state)
        self.optimizer = make_optimizer(self.cfg, self.model, self._lr)

    # -- internals -------------------------------------------------------------------------

    def _set_group(self, key: str, value: Any) -> None:
        """Set an optimizer setting (never lr: set_lr) in every group that has it."""
        for group in self.optimizer.param_groups:
            if key in group:
                group[key] = value

    def _freeze(self, n: int) -> None:
        """Freeze the first n blocks (models/blocks.py; this also puts the model in train mode) and leave their
        weights out of L1/L2. The optimizer keeps every group: a frozen weight has no gradient, so no step,
        weight decay or momentum moves it, and one unfrozen later starts with its moments (none yet) intact."""
        apply_freeze(self.model, n)
        self._frozen = n
        self._penalised = [w for w in self._weights if w.requires_grad]

    def _save(self, into: list[torch.Tensor]) -> None:
        with torch.no_grad():
            torch._foreach_copy_(into, self._state)

    def _restore(self, saved: list[torch.Tensor]) -> None:
        with torch.no_grad():
            torch._foreach_copy_(self._state, saved)

    def _start_epoch(self) -> None:
        """Shuffle once per epoch and cut into batches (views), so a step does no indexing."""
        train = self.dataset.train
        n = len(train)
        bs = n if self.cfg.batch_size == 0 else min(self.cfg.batch_size, n)
        augment = self.dataset.augment   # fresh transforms each epoch (data/augment.py)
        if bs >= n:
            self._batches = [(augment(train.x, self._gen) if augment else train.x, train.y)]
        else:
            perm = torch.randperm(n, generator=self._gen)
            x, y = train.x[perm], train.y[perm]
            x = augment(x, self._gen) if augment else x
            stops = range(0, n - 1 if bs > 1 else n, bs)  # drop a trailing batch of one (batch norm)
            self._batches = [(x[i:i + bs], y[i:i + bs]) for i in stops][::-1]  # pop() from the end
        self._epoch_batches = len(self._batches)
        self._lr = lr_at(self.cfg, self.epoch)
        set_lr(self.optimizer, self._lr)
        self._cadence.epoch_started()
        n = frozen_at(self.cfg, self.epoch)   # gradual unfreezing
        if n != self._frozen or not self.model.training:   # or a probe left it in eval (train() walks every module)
            self._freeze(n)                                 # train mode; frozen blocks stay in eval mode

    def _one_step(self) -> None:
        if not self._batches:
            self._start_epoch()
        xb, yb = self._batches.pop()
        if self.cfg.input_noise and xb.is_floating_point():   # noise as augmentation: fresh every step
            xb = xb + self.cfg.input_noise * torch.randn(xb.shape, generator=self._gen)
        with self._dropout:
            out = self.model(xb)
        loss = self.loss_fn(out, yb)
        if self.cfg.l1 or self.cfg.l2:
            loss = loss + weight_penalty(self._penalised, self.cfg.l1, self.cfg.l2)
        if not math.isfinite(loss.item()):
            self._diverge(loss.item())
            return
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        self.steps += 1
        if not self._batches:
            self.epoch += 1
            self._end_epoch()

    def _end_epoch(self) -> None:
        now = self._cadence.epoch_ended()
        if self._eval_due(now):
            self._evaluate_epoch()
        if self.status == READY and self.cfg.max_epochs and self.epoch >= self.cfg.max_epochs:
            self.status, self.message = FINISHED, f"Reached the epoch limit ({self.cfg.max_epochs})."

    def _eval_due(self, now: float) -> bool:
        """Whether this epoch end gets a record (always, unless eval_share is set: module docstring)."""
        if self.eval_share is None or self.cfg.early_stopping or self.epoch <= DENSE_EPOCHS:
            return True
        if self.cfg.max_epochs and self.epoch >= self.cfg.max_epochs:
            return True
        return self._cadence.due(self.eval_share, now)

    def _evaluate_epoch(self) -> None:
        """Record this epoch; check the weights are finite (else diverge), keep them, early stopping, callbacks."""
        t0 = time.perf_counter()
        record = self._record_epoch()
        self._cadence.evaluated(time.perf_counter() - t0)
        if not math.isfinite(record["train_loss"]):  # the step's loss was finite, the weights are not
            self._diverge(record["train_loss"])
            return
        self._save(self._good)
        self._good_epoch = self.epoch
        self._check_early_stop(record)
        for cb in self.callbacks:
            cb(self, record)

    def _record_epoch(self) -> dict[str, Any]:
        record: dict[str, Any] = {"epoch": self.epoch, "step": self.steps, "lr": self._lr,  # base rate: groups scale it
                                  "frozen": self._frozen, "seconds": self.train_seconds}
        norms = gradient_norms(self._weights)
        scores, grad_norms = self._evaluate(self.model, self.loss_fn, norms)   # one sync for all of them
        record.update(scores)
        record["grad_norms"] = grad_norms
        self.history.append(record)
        return record

    def _check_early_stop(self, record: dict[str, Any]) -> None:
        monitored = record["val_loss"] if len(self.dataset.val) else record["train_loss"]
        best_loss, best_epoch = self._best
        if monitored < best_loss:
            self._best = (monitored, self.epoch)
            if self.cfg.restore_best:                    # kept for early stopping and restore_best()
                self._save(self._best_state)
                self._best_saved = self.epoch
        elif self.cfg.early_stopping and self.epoch - best_epoch >= self.cfg.patience:
            self.status = EARLY_STOPPED
            self.message = (f"Early stop at epoch {self.epoch}: validation loss has not improved for "
                            f"{self.cfg.patience} epochs (best {best_loss:.4f} at epoch {best_epoch}).")
            if self.cfg.restore_best:
                self._restore(self._best_state)
                self.message += f" Restored the weights of epoch {self._best_saved}."

    def _diverge(self, value: float) -> None:
        self._restore(self._good)
        self.optimizer = make_optimizer(self.cfg, self.model, self._lr)  # its moments may hold NaN too
        self._batches = []
        self.status = DIVERGED
        lr = self._lr
        self.message = (f"The loss became {value} at epoch {self.epoch + 1} (step {self.steps}) with learning "
                        f"rate {lr:g}: training stopped and the weights from epoch {self._good_epoch} are kept. "
                        f"Try a learning rate 10× smaller, gradient clipping, or batch norm, then press Play.")
