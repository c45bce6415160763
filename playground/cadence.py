"""When a Trainer with an `eval_share` evaluates: the timing half of that rule.

The rule: by default every epoch is evaluated (deterministic history: the CLI, sweeps, tests). With
`eval_share` set (the live loop sets it), an epoch end past the first DENSE_EPOCHS is evaluated only
when evaluation has cost at most that share of the training time since the last one, and always on the
last epoch of a `train_for` tick, at the end of `run_epochs`/`step`, at the epoch limit, and every epoch
while early stopping is on (its patience counts epochs). Which epochs get a record then depends on
timing; the weights never do.

`EvalCadence` keeps what the rule needs to know: what the last evaluation cost, how much training came
since, how long epochs take, and the current `train_for` tick. `due(share)` says whether this epoch end
is evaluated on timing grounds; the Trainer adds the rules that come from its config (early stopping,
the first epochs, the epoch limit). It does no training or evaluation itself.
"""

from __future__ import annotations

import time

LIVE_EVAL_SHARE = 0.03   # the live loop's eval_share: evaluation may take 3% of training time
DENSE_EPOCHS = 20        # with eval_share, the first epochs are all evaluated: a short run keeps a full curve
EPOCHS_PER_TICK = 4      # ticks end on an evaluated epoch only when at least this many epochs fit in one


class EvalCadence:
    def __init__(self) -> None:
        self.eval_seconds = 0.0      # what the last evaluation took
        self.since = 0.0             # training seconds since then (summed epoch durations)
        self.epoch_t0 = 0.0          # perf_counter() at the start of the current epoch
        self.epoch_seconds = 0.0     # duration of the last completed epoch
        self.deadline: float | None = None   # the end of the current train_for tick
        self.tick = 0.0              # its length
        self.tick_over = False       # the tick's last epoch was evaluated: train_for stops there

    def start_tick(self, seconds: float) -> float:
        """A train_for tick of `seconds` begins; returns its deadline."""
        self.tick, self.tick_over = seconds, False
        self.deadline = time.perf_counter() + seconds
        return self.deadline

    def end_tick(self) -> None:
        self.deadline = None

    def epoch_started(self) -> None:
        self.epoch_t0 = time.perf_counter()

    def epoch_ended(self) -> float:
        """Count the epoch just completed; returns now."""
        now = time.perf_counter()
        self.epoch_seconds = now - self.epoch_t0
        self.since += self.epoch_seconds
        return now

    def due(self, share: float, now: float) -> bool:
        """Evaluate now: the tick's last full epoch (when epochs are short), or evaluation within `share`."""
        if self.deadline is not None and now + self.epoch_seconds >= self.deadline:
            self.tick_over = self.epoch_seconds * EPOCHS_PER_TICK <= self.tick
            if self.tick_over:
                return True
        return self.eval_seconds <= share * self.since

    def evaluated(self, seconds: float) -> None:
        self.eval_seconds, self.since = seconds, 0.0
