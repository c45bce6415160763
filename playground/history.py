"""What a Trainer reports: its per-epoch History (columnar records), Snapshots, and status names.

Plain containers: no torch, no training logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Record keys that are not scores: counters, the learning rate, blocks frozen, gradient norms (store, run index)
NOT_SCORES = ("epoch", "step", "seconds", "grad_norms", "lr", "frozen")


class History:
    """Columnar per-epoch records: `history["val_loss"]` is a list aligned with `history["epoch"]`."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {}

    def append(self, record: dict[str, Any]) -> None:
        n = len(self)
        for key, value in record.items():
            self.columns.setdefault(key, [None] * n).append(value)
        for col in self.columns.values():
            if len(col) == n:
                col.append(None)

    def __getitem__(self, key: str) -> list[Any]:
        return self.columns.get(key, [])

    def get(self, key: str, default: list[Any] | None = None) -> list[Any]:
        return self.columns.get(key, [] if default is None else default)

    def __len__(self) -> int:
        return len(self.columns.get("epoch", []))

    def last(self) -> dict[str, Any]:
        return {k: v[-1] for k, v in self.columns.items()} if len(self) else {}


READY, DIVERGED, EARLY_STOPPED, FINISHED = "ready", "diverged", "early_stopped", "finished"


@dataclass(frozen=True)
class Snapshot:
    """Where training stands: counters, status, the newest epoch record and a human message."""

    epoch: int
    steps: int
    status: str
    message: str
    record: dict[str, Any] = field(default_factory=dict)
