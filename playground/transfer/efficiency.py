"""Label efficiency: test accuracy against labelled training images per class, per strategy, over seeds.

Each point is a fresh `build()` of the lab's config with a strategy's overrides, `data.image.labels_per_class`
and `seed` set (the data keeps that many labelled images per class, chosen by the seed), trained a fixed
budget and scored on the test split. The budget rule: every training runs the same number of optimizer steps
(`steps`, default 300) at the config's batch size, capped by the training set, so a set no larger than a batch
trains full-batch: one label per class gets as many updates as all of them (an epoch budget would give a
5-image set one step per epoch and call it under-trained). Gradual unfreezing still counts epochs, so on tiny
sets (one step per epoch) it unfreezes sooner in steps. Early stopping and the epoch limit are off here.

`estimate` says the trainings and seconds before any is spent (the data's class counts and a meta-device cost
per step) and refuses, with a ConfigError naming the setting, a plan over MAX_SECONDS or a budget larger than
the training images of some class. `summarize` gives mean, std (over seeds, ddof=1), min and max per
(strategy, budget). It does not draw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from playground import budget
from playground.config import ExperimentConfig, with_values
from playground.data import make_dataset
from playground.experiment import build
from playground.registry import ConfigError
from playground.transfer.strategies import STRATEGIES, overrides

BUDGETS = (1, 5, 10, 50, 0)   # labelled images per class; 0 = all
SEEDS = 3
STEPS = 300
MAX_STEPS = 5000
MAX_SECONDS = 600.0           # a plan estimated longer is refused
EVAL_SHARE = 0.03             # the Trainer's own epoch-end evaluations may take this share (cadence.py)
# Seconds per training (measured on this 2-core machine, torch 1 thread, digits CNN conv 8,16 and 8,16,32):
BUILD_SECONDS = 0.15          # build(): data split, model, Trainer
STEP_SECONDS = 1.2e-3         # an optimizer step's fixed cost (Python, autograd, optimizer)
FLOP_RATE = 2e9               # forward FLOPs (budget.model_cost) per second; a step's backward is in the rate
EVAL_FLOP_RATE = 4e9          # forward FLOPs per second of an evaluation (inference mode, large batches)
DENSE_EVALS = 21              # epoch-end evaluations always made (cadence.DENSE_EPOCHS + epoch 0); later: 3%

Progress = Callable[[int, int, str], None]   # (trainings done, total, what is training now)


@dataclass(frozen=True)
class Plan:
    trainings: int
    seconds: float


@dataclass(frozen=True)
class Row:
    strategy: str           # registry key
    budget: int             # labelled images per class asked for; 0 = all
    seed: int
    train_size: int         # training images the run had
    test_accuracy: float


@dataclass(frozen=True)
class Summary:
    strategy: str
    budget: int
    runs: int
    mean: float
    std: float              # over seeds, ddof=1 (0 for one run)
    min: float
    max: float


def budget_label(b: int) -> str:
    return "all" if b == 0 else str(b)


def class_counts(cfg: ExperimentConfig, seed: int, sources: dict | None = None) -> np.ndarray:
    """Training images per class of the full data at this seed (labels_per_class off)."""
    data = make_dataset(with_values(cfg, {"data.image.labels_per_class": 0}).data, seed, sources)
    return np.bincount(data.train.y.numpy(), minlength=data.spec.n_outputs)


def _check_inputs(cfg: ExperimentConfig, strategies: Sequence[str], budgets: Sequence[int], seeds: int,
                  steps: int) -> None:
    if not strategies:
        raise ConfigError("label_efficiency.strategies", "choose at least one strategy")
    for name in strategies:
        STRATEGIES.entry(name, "label_efficiency.strategies")
    if not budgets or any(int(b) != b or b < 0 for b in budgets):
        raise ConfigError("data.image.labels_per_class", "label budgets are whole numbers of images per class, "
                          "at least 1 (0 = all)")
    if not 1 <= seeds <= 10:
        raise ConfigError("label_efficiency.seeds", f"seeds: 1 to 10, not {seeds}")
    if not 10 <= steps <= MAX_STEPS:
        raise ConfigError("label_efficiency.steps", f"steps per training: 10 to {MAX_STEPS}, not {steps}")
    for name in strategies:
        overrides(cfg, name)                       # a non-CNN model is refused here, naming model.kind


def check_budgets(cfg: ExperimentConfig, budgets: Sequence[int], seeds: int, sources: dict | None = None) -> None:
    """ConfigError if some class has fewer training images than a budget asks for, at any seed."""
    top = max(budgets)
    for s in range(cfg.seed, cfg.seed + seeds):
        counts = class_counts(cfg, s, sources)
        if top > counts.min():
            raise ConfigError("data.image.labels_per_class", f"{top} labelled images per class asked for, but "
                              f"class {int(counts.argmin())} has only {int(counts.min())} training images (seed "
                              f"{s}); choose at most {int(counts.min())}")


def estimate(cfg: ExperimentConfig, strategies: Sequence[str], budgets: Sequence[int] = BUDGETS,
             seeds: int = SEEDS, steps: int = STEPS, sources: dict | None = None) -> Plan:
    """Trainings and estimated seconds of `label_efficiency` with these settings; ConfigError (before anything
    trains) for a bad setting, a budget larger than the data or a plan over MAX_SECONDS. `sources`: this
    session's uploads, as for build()."""
    _check_inputs(cfg, strategies, budgets, seeds, steps)
    check_budgets(cfg, budgets, seeds, sources)
    data = make_dataset(with_values(cfg, {"data.image.labels_per_class": 0}).data, cfg.seed, sources)
    n_all = len(data.train) + len(data.val) + len(data.test)
    per_sample = budget.model_cost(cfg.model, data.spec, 1).flops
    seconds = 0.0
    for b in budgets:
        n_train = len(data.train) if b == 0 else min(b * data.spec.n_outputs, len(data.train))
        batch = n_train if cfg.train.batch_size == 0 else min(cfg.train.batch_size, n_train)
        step = STEP_SECONDS + batch * per_sample / FLOP_RATE
        epochs = steps * batch / n_train
        evals = min(DENSE_EVALS, epochs + 1) * (2e-3 + (n_all - len(data.train) + n_train) * per_sample /
                                                EVAL_FLOP_RATE)
        seconds += BUILD_SECONDS + steps * step * (1 + EVAL_SHARE) + evals
    plan = Plan(len(strategies) * len(budgets) * seeds, seconds * len(strategies) * seeds)
    if plan.seconds > MAX_SECONDS:
        raise ConfigError("label_efficiency", f"{plan.trainings} trainings would take about {plan.seconds:.0f} s, "
                          f"over the {MAX_SECONDS:.0f} s allowed; use fewer seeds, strategies, budgets or steps")
    return plan


Task = tuple[str, int, int]    # (strategy, labels per class, seed): one training of the study


def tasks(cfg: ExperimentConfig, strategies: Sequence[str], budgets: Sequence[int], seeds: int) -> list[Task]:
    """The study's trainings in order: per strategy, per budget, seeds cfg.seed, cfg.seed + 1, ..."""
    return [(name, b, s) for name in strategies for b in budgets for s in range(cfg.seed, cfg.seed + seeds)]


def task_text(task: Task) -> str:
    name, b, s = task
    return f"{STRATEGIES.label(name)}, {budget_label(b)} labels per class, seed {s}"


def label_efficiency(cfg: ExperimentConfig, strategies: Sequence[str], budgets: Sequence[int] = BUDGETS,
                     seeds: int = SEEDS, steps: int = STEPS, progress: Progress | None = None,
                     sources: dict | None = None) -> list[Row]:
    """One Row per task, trained here one after another (the CLI, benches, tests; the page runs the same tasks
    as a background job: transfer/study_job.py); estimate() is checked first."""
    plan = estimate(cfg, strategies, budgets, seeds, steps, sources)
    rows = []
    for done, task in enumerate(tasks(cfg, strategies, budgets, seeds)):
        if progress:
            progress(done, plan.trainings, task_text(task))
        rows.append(train_one(cfg, *task, steps, sources))
    if progress:
        progress(plan.trainings, plan.trainings, "done")
    return rows


def train_one(cfg: ExperimentConfig, name: str, b: int, seed: int, steps: int = STEPS,
              sources: dict | None = None) -> Row:
    """One point of the study: strategy `name` with `b` labels per class on `seed`, trained and tested (a module
    function: a Ray task runs it too, see transfer/study_job.py)."""
    run_cfg = with_values(cfg, {**overrides(cfg, name), "data.image.labels_per_class": b, "seed": seed,
                                "train.early_stopping": False, "train.max_epochs": 0})
    exp = build(run_cfg, sources=sources)
    exp.trainer.eval_share = EVAL_SHARE
    exp.trainer.step(steps)
    _, acc = exp.trainer.evaluate(exp.dataset.test)
    return Row(name, b, seed, len(exp.dataset.train), float(acc))


def summarize(rows: Sequence[Row]) -> list[Summary]:
    """Mean, std (ddof=1), min and max of test accuracy per (strategy, budget), in the rows' order."""
    groups: dict[tuple[str, int], list[float]] = {}
    for r in rows:
        groups.setdefault((r.strategy, r.budget), []).append(r.test_accuracy)
    out = []
    for (name, b), values in groups.items():
        v = np.asarray(values, np.float64)
        out.append(Summary(name, b, len(v), float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                           float(v.min()), float(v.max())))
    return out
