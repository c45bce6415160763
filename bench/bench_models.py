"""Steps per second of each sequence model family in the playground's Trainer against a plain PyTorch loop
on the same model, data, batch size and optimizer, printed as ratios measured in one run.

    python bench/bench_models.py [--steps 300] [--repeats 3]

The Trainer's number includes everything it does per step (finiteness check, epoch bookkeeping and the
end-of-epoch evaluation of every split). Two references (bench/loops.py): the bare loop only steps; the
textbook loop also evaluates validation and test at each epoch end. Goal: ratio >= 0.95.
Run it on a quiet machine; it is not a test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loops import measure
from playground.presets import get_preset

CASES = [("RNN", "seq_adding_race_rnn"), ("LSTM", "seq_adding_race_lstm"), ("GRU", "seq_parity_gru"),
         ("LSTM char model", "seq_alice_lstm"), ("Transformer encoder", "transformer_reverse"),
         ("Transformer decoder", "transformer_alice")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(1)
    print(f"{'model':<22}{'bare':>7}{'textbook':>9}{'trainer':>8}{'live':>7} |{'trainer/bare':>13}{'live/bare':>10}"
          f"{'trainer/textbook':>17}")
    for label, key in CASES:
        r = measure(get_preset(key), args.steps, args.repeats, reduce=max)   # best of n: robust to noise
        print(f"{label:<22}{r['bare']:>7.1f}{r['textbook']:>9.1f}{r['trainer']:>8.1f}{r['live']:>7.1f} |"
              f"{r['trainer/bare']:>13.2f}{r['live/bare']:>10.2f}{r['trainer/textbook']:>17.2f}")
    print("steps/s. trainer = evaluating every epoch; live = as the live loop runs it (0.23 s ticks, evaluation "
          "within 3% of training time,\ntimed after the first 20 epochs, which are all evaluated). Ratios: medians "
          "of per-round ratios.")


if __name__ == "__main__":
    main()
