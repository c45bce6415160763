"""RunGroup: the one owner of runs trained together (races, baseline and twin, RNN/LSTM/GRU).

A RunGroup holds an ordered dict label -> Experiment; the first is the leader (the lab session's own
experiment, which the status line shows and Save run keeps). It has a Trainer's training interface
(`train_for`, `run_epochs`, `done`, `resume`, `eval_share`, `snapshot`, `steps`), so the live loop steps a
group or a single trainer alike. It trains, it does not draw (payloads/group.py reads it for the views).

Lockstep, by water-filling over fractional epochs (epoch + batches done / batches per epoch): a tick of
`seconds` picks the target progress T that the budget can buy when every run behind T is brought to it,
each at its own measured cost per epoch, and gives each run one `Trainer.train_for((T - p) x cost,
max_epochs up to ceil(T))`. When T is at least one epoch past the slowest run (short epochs), T is rounded
down to a whole epoch and each run gets SLACK x its time, so the epoch cap ends every run on the same
boundary, evaluated, as a lone trainer's tick ends on one (cadence.py). Why not step the furthest-behind
run a batch at a time, or round-robin epoch by epoch: each run gets ONE train_for per tick here, so its own
evaluation cadence (eval_share) works as when it plays alone, while any finer interleaving ends each slice
with a flush, which evaluates every epoch. Measured on opt_moons (3 runs, batch 16/16/full, steps per CPU
second, medians of 4, a loaded machine): each run alone ~1,990, this group ~1,920, epoch round robin
~1,790; and a tick inside one long epoch (images, sequences) needs sub-epoch slices anyway. The ceil(T) cap keeps a
run from overshooting the others by more than the epoch it is in; a run whose cost was underestimated lags
a little and gets more of the next tick. Costs are measured per run (seconds per epoch of progress,
smoothed); a run with no measurement yet gets an equal share of the tick, at most one epoch.

One evaluation cadence: every tick ends with each run's current epoch evaluated if it stands at an epoch
boundary (Trainer.flush). A run that stops (epoch limit, early stopping, divergence) stops alone; the group
is `done` when every run is. Training order never touches a run's math: each run's weights are those it
would have after the same number of its own steps trained alone (its generators are its own; the Dataset
object is shared read-only).
"""

from __future__ import annotations

import math
import time
from typing import Any

from playground.config import with_values
from playground.experiment import Experiment, build
from playground.history import Snapshot
from playground.training import Trainer

SMOOTH = 0.5   # weight of the newest cost measurement (seconds per epoch) against the previous estimate
SLACK = 1.5    # a run's time when the tick's target is a whole epoch: its epoch cap, not the clock, ends it


class RunGroup:
    """label -> Experiment trained in lockstep; the first is the leader (module docstring)."""

    def __init__(self, runs: dict[str, Experiment]):
        if not runs:
            raise ValueError("a RunGroup needs at least one run")
        self.runs = dict(runs)
        self._cost: dict[str, float] = {}   # label -> measured seconds per epoch of progress

    @classmethod
    def variants(cls, leader: Experiment, overrides: dict[str, dict[str, Any]],
                 leader_label: str = "your settings", sources: dict | None = None) -> RunGroup:
        """The leader plus one run per label, built from the leader's config with those dotted overrides and
        sharing its Dataset object (same seed: identical initial weights when the layers are the same);
        `sources`: the session's own data and backbones by id, as for build()."""
        runs = {leader_label: leader}
        for label, values in overrides.items():
            runs[label] = build(with_values(leader.cfg, values), dataset=leader.dataset, sources=sources)
        return cls(runs)

    # -- what a Trainer offers ------------------------------------------------------------

    @property
    def leader(self) -> Experiment:
        return next(iter(self.runs.values()))

    @property
    def trainers(self) -> dict[str, Trainer]:
        return {label: exp.trainer for label, exp in self.runs.items()}

    @property
    def done(self) -> bool:
        return all(t.done for t in self.trainers.values())

    @property
    def steps(self) -> int:
        """Optimizer steps taken by all runs together (0: nothing trained yet)."""
        return sum(t.steps for t in self.trainers.values())

    @property
    def eval_share(self) -> float | None:
        return self.leader.trainer.eval_share

    @eval_share.setter
    def eval_share(self, share: float | None) -> None:
        for t in self.trainers.values():
            t.eval_share = share

    def snapshot(self) -> Snapshot:
        return self.leader.trainer.snapshot()

    def resume(self) -> None:
        for t in self.trainers.values():
            if t.done:
                t.resume()

    def flush(self) -> None:
        for t in self.trainers.values():
            t.flush()

    def run_epochs(self, n: int = 1) -> Snapshot:
        """Every run that is not done trains n more epochs, one epoch each in turn."""
        for _ in range(n):
            for t in self.trainers.values():
                if not t.done:
                    t.run_epochs(1)
        return self.snapshot()

    def train_for(self, seconds: float, max_epochs: int | None = None) -> Snapshot:
        """Train every run for one tick of `seconds` in lockstep (module docstring); `max_epochs` caps how far
        past the slowest run's current epoch any run may go this tick."""
        active = {k: t for k, t in self.trainers.items() if not t.done}
        if active:
            if any(k not in self._cost for k in active):   # first tick: measure, at most one epoch each
                plan = {k: (seconds / len(active), 1) for k in active}
            else:
                plan = self._plan(active, seconds, max_epochs)
            for label, (budget, epochs) in plan.items():
                self._train(label, active[label], budget, epochs)
        self.flush()
        return self.snapshot()

    # -- internals ----------------------------------------------------------------------------

    def _plan(self, active: dict[str, Trainer], seconds: float,
              max_epochs: int | None) -> dict[str, tuple[float, int]]:
        """label -> (seconds, epoch cap) bringing every run to the common target progress T (water-filling)."""
        pos = {k: t.progress for k, t in active.items()}
        order = sorted(active, key=pos.get)
        # raise T from the slowest run: the runs behind T cost sum(cost_i) per epoch of T
        target, left, rate = pos[order[0]], seconds, 0.0
        for i, label in enumerate(order):
            rate += self._cost[label]
            nxt = pos[order[i + 1]] if i + 1 < len(order) else math.inf
            reach = target + left / rate
            if reach <= nxt:
                target = reach
                break
            left -= (nxt - target) * rate
            target = nxt
        if max_epochs is not None:
            target = min(target, math.floor(pos[order[0]]) + max_epochs)
        whole = target >= math.floor(pos[order[0]]) + 1   # short epochs: every run ends the tick on a boundary
        if whole:
            target = math.floor(target)
        plan = {}
        for label, t in active.items():
            if pos[label] < target:
                cap = max(1, math.ceil(target) - t.epoch)
                plan[label] = ((target - pos[label]) * self._cost[label] * (SLACK if whole else 1.0), cap)
        return plan

    def _train(self, label: str, trainer: Trainer, seconds: float, epochs: int) -> None:
        before, t0 = trainer.progress, time.perf_counter()
        trainer.train_for(seconds, max_epochs=epochs)
        moved, took = trainer.progress - before, time.perf_counter() - t0
        if moved > 0:
            cost = took / moved
            old = self._cost.get(label)
            self._cost[label] = cost if old is None else SMOOTH * cost + (1 - SMOOTH) * old
