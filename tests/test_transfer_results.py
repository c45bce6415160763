"""The transfer lab's known results, reproduced on seeds (the README states them with their spread):

- with 5 labelled images per class on digits 5-9, a linear probe on the shipped digits 0-4 backbone beats the
  same network trained from scratch by a clear margin (measured: 0.71 ± 0.04 against 0.60 ± 0.02 over 3 seeds);
- as labels grow, fine-tuning overtakes the linear probe (50 per class: 0.95 against 0.84).

Each point is what the lab's Label efficiency view trains (playground/transfer/efficiency.py): a fresh build per
seed with the strategy's overrides, the same optimizer steps, scored on the untouched test split. The margins
asserted are about half the measured ones, so a machine's different float rounding cannot flip them.
"""

from __future__ import annotations

import numpy as np
import torch

from playground.presets import get_preset
from playground.transfer.efficiency import label_efficiency

torch.set_num_threads(1)
SEEDS = 3


def mean_accuracy(strategy: str, per_class: int) -> float:
    rows = label_efficiency(get_preset("transfer_digits"), [strategy], budgets=(per_class,), seeds=SEEDS)
    assert {r.train_size for r in rows} == {per_class * 5}, "the data kept exactly that many labels per class"
    return float(np.mean([r.test_accuracy for r in rows]))


def test_with_five_labels_a_class_the_linear_probe_beats_training_from_scratch():
    probe, scratch = mean_accuracy("linear_probe", 5), mean_accuracy("scratch", 5)
    assert probe > scratch + 0.05, (probe, scratch)


def test_with_more_labels_fine_tuning_overtakes_the_linear_probe():
    tuned, probe = mean_accuracy("discriminative", 50), mean_accuracy("linear_probe", 50)
    assert tuned > probe + 0.05, (tuned, probe)
