"""The hand-written PyTorch loops the Trainer is measured against (shared by bench_trainer and bench_models).

`plain_loop(exp, steps)` is the bare loop: shuffle once per epoch, slice batches, forward, loss,
backward, (clip), step; nothing else. `plain_loop(exp, steps, evaluate=True)` is the textbook loop
every tutorial writes: the same, plus at each epoch end the validation and test loss and metric
under `torch.no_grad()` in eval mode. The Trainer does that much and a little more per epoch (a
256-sample slice of the training split, gradient norms, history, early-stopping bookkeeping), so
the two ratios bracket its overhead. Both return steps per second.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable

import torch

from playground.cadence import DENSE_EPOCHS, LIVE_EVAL_SHARE
from playground.config import with_values
from playground.evaluation import compute_metric
from playground.experiment import build
from playground.objectives import make_loss, metric_name
from playground.optimizers import make_optimizer


def plain_loop(exp, steps: int, *, evaluate: bool = False) -> float:
    """Steps/s of a hand-written loop on a copy of exp's model."""
    cfg, data = exp.cfg.train, exp.dataset
    model = copy.deepcopy(exp.model)
    opt, loss_fn = make_optimizer(cfg, model), make_loss(cfg.loss, data.task)
    train, gen = data.train, torch.Generator().manual_seed(exp.cfg.seed)
    n = len(train)
    bs = min(cfg.batch_size or n, n)
    model.train()
    done = 0
    t0 = time.perf_counter()
    while done < steps:
        perm = torch.randperm(n, generator=gen)
        x, y = train.x[perm], train.y[perm]
        for i in range(0, n - 1 if bs > 1 else n, bs):
            loss = loss_fn(model(x[i:i + bs]), y[i:i + bs])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            done += 1
            if done == steps:
                break
        if evaluate:
            _evaluate(model, data, loss_fn)
    return steps / (time.perf_counter() - t0)


def _evaluate(model, data, loss_fn) -> list[float]:
    """Validation and test loss and metric, as a tutorial's epoch end computes them."""
    model.eval()
    scores, metric = [], metric_name(data.task, data.meta)
    with torch.no_grad():
        for split in (data.val, data.test):
            if len(split):
                out = model(split.x)
                scores += [loss_fn(out, split.y).item(), compute_metric(out, split.y, data.task, metric)]
    model.train()
    return scores


def trainer_loop(exp, steps: int, live: bool = False) -> float:
    """Steps/s of the playground's Trainer (everything it does per step and per epoch). live=True runs it
    as the live loop does: ticks of train_for(BUDGET) at LIVE_EVAL_SHARE (the page's drawing not counted),
    timed after the first DENSE_EPOCHS (untimed: those are all evaluated, as in the "trainer" column)."""
    from playground.ui.live import BUDGET

    trainer = exp.trainer
    if live:
        trainer.eval_share = LIVE_EVAL_SHARE
        trainer.run_epochs(DENSE_EPOCHS)
    start, t0 = trainer.steps, time.perf_counter()
    if live:
        while trainer.steps - start < steps and not trainer.done:
            trainer.train_for(BUDGET)
    else:
        trainer.step(steps)
    done = trainer.steps - start
    if done < steps:   # an epoch limit or early stop would make a short run look fast
        raise RuntimeError(f"the Trainer stopped after {done} of {steps} steps: {trainer.message}")
    return done / (time.perf_counter() - t0)


def endless(cfg):
    """cfg without an epoch limit or early stopping, so every loop runs the steps asked for."""
    return with_values(cfg, {"train.max_epochs": 0, "train.early_stopping": False})


def measure(cfg, steps: int, rounds: int,
            reduce: Callable[[list[float]], float] = statistics.median) -> dict[str, float]:
    """steps/s of the bare loop, the textbook loop, the Trainer evaluating every epoch ("trainer") and the
    Trainer as the live loop runs it ("live"), on fresh builds of cfg (same seed: same weights), the four
    interleaved so they share machine noise; a first warm-up round is dropped, then `reduce`d. Also each
    one's ratio to the bare loop ("trainer/bare", ...): the median of the per-round ratios, which cancels
    the noise the four runs of a round share (this 2-core VM drifts 10-20% between runs)."""
    cfg = endless(cfg)
    runs: dict[str, list[float]] = {"bare": [], "textbook": [], "trainer": [], "live": []}
    for _ in range(rounds + 1):
        runs["bare"].append(plain_loop(build(cfg), steps))
        runs["textbook"].append(plain_loop(build(cfg), steps, evaluate=True))
        runs["trainer"].append(trainer_loop(build(cfg), steps))
        runs["live"].append(trainer_loop(build(cfg), steps, live=True))
    out = {k: reduce(v[1:]) for k, v in runs.items()}
    for k in ("textbook", "trainer", "live"):
        out[f"{k}/bare"] = statistics.median(a / b for a, b in zip(runs[k][1:], runs["bare"][1:]))
    out["trainer/textbook"] = statistics.median(a / b for a, b in zip(runs["trainer"][1:], runs["textbook"][1:]))
    return out
