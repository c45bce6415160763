"""The payload of runs trained together: per run its thinned curves, newest record, where and status.

`group_payload(group, per_run=...)` reads a RunGroup (no weight changes) and returns a GroupPayload of plain
lists and dicts; `per_run(exp)` adds what a lab's views need from each run's model (a boundary payload,
weight statistics), computed here beside the model so the whole payload stays picklable. No Plotly, no
Streamlit, no torch tensors in what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.experiment import Experiment
from playground.group import RunGroup
from playground.payloads.plane import thin


@dataclass(frozen=True)
class RunPayload:
    label: str
    epoch: int                    # the newest record's epoch (what the curves' last point and `record` show)
    where: str                    # where the weights are (Trainer.where), for numbers computed from them
    status: str                   # ready, finished, early_stopped, diverged
    message: str
    record: dict[str, Any]        # the newest history record
    history: dict[str, list]      # thinned columns: epoch, {split}_loss, {split}_{metric}, ...
    extra: Any = None             # per_run(exp): the lab's own numbers for this run


@dataclass(frozen=True)
class GroupPayload:
    metric: str                   # "accuracy", "r2", ...
    task: str
    runs: tuple[RunPayload, ...]  # in the group's order; the first is the leader

    def labels(self) -> list[str]:
        return [r.label for r in self.runs]


def group_payload(group: RunGroup, per_run: Callable[[Experiment], Any] | None = None) -> GroupPayload:
    runs = []
    for label, exp in group.runs.items():
        t = exp.trainer
        record = t.history.last()
        runs.append(RunPayload(label=label, epoch=int(record.get("epoch", t.epoch)), where=t.where(),
                               status=t.status, message=t.message,
                               record={k: v for k, v in record.items() if k != "grad_norms"},
                               history=thin(t.history), extra=per_run(exp) if per_run else None))
    leader = group.leader.trainer
    return GroupPayload(metric=leader.metric, task=leader.task, runs=tuple(runs))
