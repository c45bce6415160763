"""A race on a real network: the variants the Optimizers lab races besides the lab's own settings.

Each variant is a dict of dotted overrides of `train.*` fields; playground/group.py RunGroup.variants
builds them on the lab's Dataset object from the same seed (identical initial weights) and trains them
in lockstep. No training or drawing here.
"""

from __future__ import annotations

BATCH_VARIANTS = {"full batch": {"train.batch_size": 0}, "mini-batch (32)": {"train.batch_size": 32},
                  "single sample": {"train.batch_size": 1}}
